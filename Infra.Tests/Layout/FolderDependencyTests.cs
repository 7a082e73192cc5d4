using System.Text.RegularExpressions;
using K8sLab.Tests.Support;

namespace K8sLab.Tests.Layout;

/// <summary>
/// The folders of Infra/ depend on each other one way (docs/development.md, "Layout"): a folder uses only folders
/// in layers below its own. A folder's types are its namespace's (found by reflection); a use is a
/// type's name in a source file outside comments, unqualified or qualified by its folder.
/// </summary>
public class FolderDependencyTests
{
    /// <summary>Top first. "" is Infra/ itself: Program.cs and Lab.cs, which only wire.</summary>
    private static readonly string[][] Layers =
    {
        new[] { "" },
        new[] { "Summary" },
        new[] { "Network", "Security", "Bastion", "Nodes" },
        new[] { "Convergence" },
        new[] { "Instances" },
        new[] { "Bootstrap" },
        new[] { "Images", "Costs" },
        new[] { "Configuration" },
        new[] { "Cluster", "Tagging", "Compliance" },
        new[] { "Contract", "Jsii" },
    };

    private sealed record Source(string Folder, string File, string Text);
    private sealed record Use(string File, string From, string To, string Type);

    [Fact]
    public void Every_folder_uses_only_folders_in_layers_below_its_own()
    {
        var upward = Uses(Sources()).Where(u => Layer(u.To) <= Layer(u.From))
            .Select(u => $"{u.File} uses {u.Type} of {Name(u.To)}, which is not below {Name(u.From)}").Distinct().ToList();
        Assert.True(upward.Count == 0, string.Join("\n", upward));
    }

    [Fact]
    public void Every_folder_of_Infra_has_a_layer()
    {
        Assert.All(Sources().Select(s => s.Folder).Distinct(),
            folder => Assert.True(Layer(folder) >= 0, $"Infra/{folder} is in no layer: add it to Layers here and to the Layout of docs/development.md"));
    }

    [Fact]
    public void The_check_finds_uses_of_a_folder_above_and_ignores_comments_and_members()
    {
        var uses = Uses(new[]
        {
            new Source("Bootstrap", "Bootstrap/A.cs", "var names = ClusterConvergence.ParameterNames(config);"),
            new Source("Bootstrap", "Bootstrap/B.cs", "var host = Convergence.ClusterConvergence.ParameterNames(config);"),
            new Source("Tagging", "Tagging/C.cs", "// see Lab and ClusterConvergence\nvar cidr = admin.Cidr; var tags = LabTags.Name;"),
            new Source("Security", "Security/D.cs", "public Role NodeRole { get; }\n(NodeRole, NodeProfile) = RoleWithProfile();"),
            new Source("Cluster", "Cluster/E.cs", "IReadOnlyList<(string Version, IReadOnlyList<string> Architectures)> Versions;"),
            new Source("Images", "Images/F.cs", "public static LabConfig Config() => x is null ? new LabConfig() : Fallback(LabConfig.Default);"),
        }).ToList();

        Assert.Equal(new[] { ("Bootstrap/A.cs", "Convergence"), ("Bootstrap/B.cs", "Convergence"), ("Images/F.cs", "Configuration") },
            uses.Select(u => (u.File, u.To)));
        Assert.All(uses.Take(2), u => Assert.True(Layer(u.To) <= Layer(u.From)));
        // And on the real sources it sees the uses the layers allow.
        Assert.Contains(Uses(Sources()), u => u.From == "Nodes" && u.To == "Convergence" && u.Type == "ClusterConvergence");
        Assert.Contains(Uses(Sources()), u => u.From == "Bastion" && u.To == "Bootstrap" && u.Type == "BootstrapRenderer");
    }

    private static int Layer(string folder) => Array.FindIndex(Layers, layer => layer.Contains(folder));

    private static string Name(string folder) => folder.Length == 0 ? "Infra/ (Program.cs, Lab.cs)" : folder;

    private static IEnumerable<Source> Sources()
    {
        var infra = Repo.PathOf("Infra");
        return Directory.EnumerateFiles(infra, "*.cs", SearchOption.AllDirectories)
            .Select(path => Path.GetRelativePath(infra, path).Replace('\\', '/'))
            .Where(file => !file.StartsWith("bin/", StringComparison.Ordinal) && !file.StartsWith("obj/", StringComparison.Ordinal))
            .Select(file => new Source(file.Contains('/') ? file[..file.IndexOf('/')] : "", file, File.ReadAllText(Path.Combine(infra, file))));
    }

    /// <summary>Each folder's public top-level types, by their namespace (K8sLab.Folder).</summary>
    private static readonly Lazy<IReadOnlyDictionary<string, string>> FolderOfType = new(() =>
        typeof(K8sLab.Lab).Assembly.GetTypes()
            .Where(t => t is { IsPublic: true, Namespace: not null } && (t.Namespace == "K8sLab" || t.Namespace.StartsWith("K8sLab.", StringComparison.Ordinal)))
            .ToDictionary(t => t.Name.Split('`')[0], t => t.Namespace == "K8sLab" ? "" : t.Namespace!["K8sLab.".Length..]));

    /// <summary>
    /// Whether a name after <paramref name="before"/> is one being declared (<c>IReadOnlyList&lt;string&gt; Architectures</c>,
    /// <c>Role NodeRole</c>): after a type, not after a keyword such as <c>new</c> or <c>return</c>.
    /// </summary>
    private static bool DeclaredName(string before)
    {
        var previous = Regex.Match(before, @"(\w+|[\w\]?]>|\]|\w\?)\s+$");
        return previous.Success && !Keywords.Contains(previous.Groups[1].Value);
    }

    private static readonly HashSet<string> Keywords = new(StringComparer.Ordinal)
    {
        "new", "return", "is", "as", "in", "out", "ref", "case", "throw", "await", "static", "using", "params",
        "readonly", "const", "public", "private", "protected", "internal", "sealed", "abstract", "record", "class",
        "struct", "interface", "enum", "else", "yield", "where", "select", "from", "let", "on", "equals", "by", "into",
        "not", "and", "or", "when", "with", "override", "virtual", "async", "partial", "required", "init", "event",
    };

    private static IEnumerable<Use> Uses(IEnumerable<Source> sources)
    {
        foreach (var source in sources)
        {
            // Comments out (// after a line start or a space, so "https://" in a string stays).
            var code = Regex.Replace(source.Text, @"(^|\s)//.*$", "$1", RegexOptions.Multiline);
            foreach (var (type, folder) in FolderOfType.Value)
            {
                if (folder == source.Folder) continue;
                // A property of this file named like the type (SecurityStack.NodeRole, an IAM role) is not a use.
                if (Regex.IsMatch(code, $@"(public|private|protected|internal)[\w\s<>,\[\]?]*\s{type}\s*\{{")) continue;
                var qualified = folder.Length == 0 ? "K8sLab" : folder;
                if (Regex.Matches(code, $@"(?<![\w.]){type}\b").Any(m => !DeclaredName(code[..m.Index])) ||
                    Regex.IsMatch(code, $@"\b{qualified}\.{type}\b"))
                    yield return new Use(source.File, source.Folder, folder, type);
            }
        }
    }
}
