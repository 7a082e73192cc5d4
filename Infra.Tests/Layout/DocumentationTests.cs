using System.Text.RegularExpressions;
using K8sLab.Configuration;
using K8sLab.Tests.Support;

namespace K8sLab.Tests.Layout;

/// <summary>The README and docs/: every link stays inside the repository and reaches a file; the README stays short; the files describe themselves truthfully.</summary>
public class DocumentationTests
{
    private static readonly Regex Link = new(@"\]\(([^)\s]+)\)");

    private static IEnumerable<string> Documents =>
        new[] { "README.md", "SECURITY.md" }.Concat(Directory.GetFiles(Repo.PathOf("docs"), "*.md").Select(f => "docs/" + Path.GetFileName(f)));

    [Fact]
    public void Every_relative_link_reaches_a_file_of_the_repository()
    {
        var root = Path.GetFullPath(Repo.Root) + Path.DirectorySeparatorChar;
        var broken = new List<string>();
        foreach (var document in Documents)
            foreach (Match m in Link.Matches(File.ReadAllText(Repo.PathOf(document.Split('/')))))
            {
                var target = m.Groups[1].Value.Split('#')[0];
                if (target.Length == 0 || target.StartsWith("https://", StringComparison.Ordinal)) continue;
                var full = Path.GetFullPath(Path.Combine(Path.GetDirectoryName(Repo.PathOf(document.Split('/')))!, target));
                if (!full.StartsWith(root, StringComparison.Ordinal)) broken.Add($"{document}: {target} is outside the repository");
                else if (!File.Exists(full) && !Directory.Exists(full)) broken.Add($"{document}: {target} does not exist");
            }
        Assert.True(broken.Count == 0, string.Join("\n", broken));
        // Nor named as a path in the text.
        Assert.All(Documents, d => Assert.DoesNotContain("../shared", File.ReadAllText(Repo.PathOf(d.Split('/')))));
    }

    [Fact]
    public void The_readme_is_read_in_five_minutes_and_its_first_screen_creates_reaches_and_destroys()
    {
        var lines = File.ReadAllLines(Repo.PathOf("README.md"));
        Assert.True(lines.Length <= 200, $"README.md has {lines.Length} lines; move detail into docs/");
        var firstScreen = string.Join('\n', lines.Take(25));
        foreach (var step in new[] { "npx cdk deploy --all", "kubectl --context", "scripts/lab.sh destroy", "minutes" })
            Assert.Contains(step, firstScreen);
        // The cost table follows within the next screen (generated: CostTests).
        Assert.Contains(K8sLab.Costs.CostReport.OverviewBegin, string.Join('\n', lines.Take(40)));
    }

    [Fact]
    public void Only_the_smallest_shipped_environment_calls_itself_the_smallest_or_cheapest()
    {
        var configs = EnvironmentFiles.Available(Repo.EnvironmentsFolder).Select(n => EnvironmentFiles.Load(Repo.EnvironmentsFolder, n)).ToList();
        static int Memory(LabConfig c) => c.BastionType.MemoryMiB + c.ControlPlane.Count * c.ControlPlane.InstanceType.MemoryMiB
            + c.Workers.Count * c.Workers.InstanceType.MemoryMiB + (c.Network.Nat == NatKind.Instance ? c.Network.NatInstanceType.MemoryMiB : 0);
        var smallest = configs.MinBy(Memory)!.Environment;
        foreach (var c in configs)
        {
            var header = File.ReadLines(Repo.PathOf("environments", c.Environment + ".yaml")).First();
            if (Regex.IsMatch(header, @"\b(smallest|cheapest)\b"))
                Assert.True(c.Environment == smallest, $"environments/{c.Environment}.yaml calls itself the smallest, but {smallest} is");
        }
    }

    [Fact]
    public void The_node_ceiling_the_documents_give_is_the_one_the_file_enforces()
    {
        // "at most N nodes" / "the file's N" wherever a document states the ceiling: N is ScaleLimits.MaxNodes.
        var stated = Documents.SelectMany(d => Regex.Matches(File.ReadAllText(Repo.PathOf(d.Split('/'))), @"at most (\d+) nodes|the file's (\d+)")
            .Select(m => (d, n: int.Parse(m.Groups[1].Success ? m.Groups[1].Value : m.Groups[2].Value)))).ToList();
        Assert.Contains(stated, s => s.d == "README.md");
        Assert.All(stated, s => Assert.True(s.n == ScaleLimits.MaxNodes, $"{s.d} says {s.n} nodes; the file takes at most {ScaleLimits.MaxNodes}"));
    }
}
