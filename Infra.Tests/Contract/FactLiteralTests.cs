using System.Text.Json;
using System.Text.RegularExpressions;
using K8sLab.Cluster;
using K8sLab.Contract;
using K8sLab.Tests.Support;

namespace K8sLab.Tests.Contract;

/// <summary>
/// The contract's facts have one home each (converge/contract/lab.json and kubespray.txt): the app,
/// the bastion's program and the scripts read them from there. A copy of one in the product's code
/// (comments and docstrings aside) is a stray literal that would drift; tests and docs may show values.
/// </summary>
public class FactLiteralTests
{
    /// <summary>The product's code: what ships or runs, in every language the lab has.</summary>
    private static readonly (string Folder, string Pattern)[] Code =
    {
        ("Infra", "*.cs"), ("Preview", "*.cs"), ("Benchmarks", "*.cs"), ("Infra/Bootstrap/Scripts", "*.sh"),
        ("converge/k8slab_converge", "*.py"), ("converge/bin", "*.sh"), ("converge/playbooks", "*.yml"), ("converge/systemd", "*"),
        ("scripts", "*.sh"), ("scripts", "*.js"), ("scripts", "*.py"),
    };

    /// <summary>Where a fact may be written: its home, and the one reader of each home.</summary>
    private static readonly string[] Homes = { "Infra/Contract/LabFacts.cs" };

    private sealed record Fact(string Name, Regex Pattern);

    private static IReadOnlyList<Fact> Facts()
    {
        var facts = new List<Fact>();
        void Literal(string name, string value) => facts.Add(new Fact(name, new Regex(Regex.Escape(value))));
        void Quoted(string name, string value) => facts.Add(new Fact(name, new Regex($"[\"']{Regex.Escape(value)}[\"']")));
        var json = LabFacts.Json;
        foreach (var tag in json.GetProperty("tags").EnumerateObject().Where(t => t.Name != "managedByValue"))
            Literal($"tag key {tag.Name}", tag.Value.GetString()!);
        foreach (var role in json.GetProperty("roles").EnumerateObject())
        {
            // A tag value that is also the role's key in lab.json, or a section of the environment file
            // (worker, bastion), is a word the code names for other reasons: only the others are checked.
            var tag = role.Value.GetProperty("tag").GetString()!;
            if (tag != role.Name) Quoted($"role {role.Name}", tag);
            if (role.Value.TryGetProperty("namePrefix", out var prefix))
                facts.Add(new Fact($"node-name prefix of {role.Name}", new Regex($"[\"']{Regex.Escape(prefix.GetString()!)}")));
        }
        foreach (var parameter in json.GetProperty("parameters").EnumerateObject())
            facts.Add(new Fact($"parameter {parameter.Name}",
                new Regex(Regex.Escape(parameter.Value.GetString()!).Replace(@"\{environment}", @"[^/\s""']+", StringComparison.Ordinal))));
        foreach (var value in json.GetProperty("controlHost").EnumerateObject())
            if (value.Name == "adminUser") Quoted("the admin user", value.Value.GetString()!);
            else Literal($"controlHost.{value.Name}", value.Value.GetString()!);

        var release = KubesprayRelease.Embedded;
        Literal("the kubespray release", release.Tag);
        Quoted("kubespray's default Kubernetes", release.Default);
        Quoted("the ansible-core series", release.AnsibleCoreSeries);
        Literal("kubespray's default pod range", ClusterSpec.DefaultPodCidr.ToString());
        Literal("kubespray's default service range", ClusterSpec.DefaultServiceCidr.ToString());
        foreach (var ((version, arch), sha) in release.KubectlSha256) Literal($"kubectl {version} {arch}'s checksum", sha);
        return facts;
    }

    /// <summary>A file's code: comment lines and Python docstrings left out.</summary>
    private static IEnumerable<(int Line, string Text)> CodeLines(string path, string text)
    {
        if (path.EndsWith(".py", StringComparison.Ordinal))
            text = Regex.Replace(text, "\"\"\"[\\s\\S]*?\"\"\"", m => new string('\n', m.Value.Count(c => c == '\n')));
        return text.Split('\n').Select((line, i) => (i + 1, line))
            .Where(l => l.line.TrimStart() is var t && !(t.StartsWith("//") || (t.StartsWith('#') && !t.StartsWith("#!")) || t.StartsWith('*')));
    }

    private static IEnumerable<string> Strays(IEnumerable<(string Path, string Text)> files, IReadOnlyList<Fact> facts) =>
        from file in files
        from line in CodeLines(file.Path, file.Text)
        from fact in facts
        where fact.Pattern.IsMatch(line.Text)
        select $"{file.Path}:{line.Line}: {fact.Name} ({fact.Pattern.Match(line.Text).Value}); read it from the contract";

    private static IEnumerable<(string Path, string Text)> ProductFiles() =>
        Code.SelectMany(c => Directory.Exists(Repo.PathOf(c.Folder)) ? Directory.EnumerateFiles(Repo.PathOf(c.Folder), c.Pattern, SearchOption.AllDirectories) : Enumerable.Empty<string>())
            .Select(f => Path.GetRelativePath(Repo.Root, f).Replace('\\', '/'))
            .Where(f => !f.Contains("/bin/Debug/", StringComparison.Ordinal) && !f.Contains("/obj/", StringComparison.Ordinal) && !Homes.Contains(f))
            .Distinct().Select(f => (f, File.ReadAllText(Repo.PathOf(f))));

    [Fact]
    public void No_fact_of_the_contract_is_copied_into_the_products_code()
    {
        var files = ProductFiles().ToList();
        Assert.Contains(files, f => f.Path == "converge/k8slab_converge/aws.py");
        Assert.Contains(files, f => f.Path == "scripts/lab.sh");
        var strays = Strays(files, Facts()).ToList();
        Assert.True(strays.Count == 0, string.Join("\n", strays));
    }

    [Fact]
    public void The_check_finds_a_copy_in_each_language_and_passes_over_comments()
    {
        var facts = Facts();
        var strays = Strays(new[]
        {
            ("a.cs", "// the k8slab:node tag\nvar tag = \"k8slab:node\";"),
            ("b.py", "\"\"\"names the k8slab:role tag\"\"\"\nrole = 'control-plane'"),
            ("c.sh", "# /k8slab/dev/converge-request\naws ssm get-parameter --name \"/k8slab/$env/kubeconfig\""),
            ("d.cs", "var name = $\"cp-{index}\"; var pods = \"10.233.64.0/18\";"),
        }, facts).ToList();
        Assert.Equal(new[] { "a.cs:2", "b.py:2", "c.sh:2", "d.cs:1", "d.cs:1" }, strays.Select(s => string.Join(':', s.Split(':').Take(2))));
        Assert.Contains(strays, s => s.Contains("tag key node"));
        Assert.Contains(strays, s => s.Contains("parameter kubeconfig"));
        Assert.Contains(strays, s => s.Contains("kubespray's default pod range"));
    }
}
