using System.Text.Json.Nodes;
using K8sLab.Preview;
using K8sLab.Tests.Support;

namespace K8sLab.Tests.Preview;

/// <summary>
/// The preview and the bastion say the same about a change of the cluster's settings: for each row of
/// converge/tests/change_table.py, the preview's lines (through ClusterNotes, as scripts/preview.sh
/// reads two cloud assemblies) against the bastion planner's plan for a cluster recorded with the
/// row's first settings and a request for its second, and both against the row's verdict.
/// </summary>
public class ChangeAgreementTests
{
    private sealed record Row(string Name, JsonNode Before, JsonNode After, string Verdict, string? Rule, string Bastion, string? Reason);

    private static IReadOnlyList<Row> Table()
    {
        var result = Python.Run("-m", "change_table");
        Assert.True(result.ExitCode == 0, result.Output);
        return JsonNode.Parse(result.StdOut)!.AsArray().Select(r => new Row(r!["name"]!.GetValue<string>(), r["before"]!, r["after"]!,
            r["expected"]!["verdict"]!.GetValue<string>(), r["expected"]!["rule"]?.GetValue<string>(),
            r["bastion"]!["verdict"]!.GetValue<string>(), r["bastion"]!["reason"]?.GetValue<string>())).ToList();
    }

    /// <summary>A Nodes stack whose request header carries these settings, its signal URL a Ref as synthesized.</summary>
    private static StackTemplate Nodes(JsonNode settings)
    {
        var join = new JsonArray("", new JsonArray("{\"id\":\"r\",\"signal\":\"", new JsonObject { ["Ref"] = "ConvergeSignal" },
            $"\",\"parts\":1,\"settings\":{settings.ToJsonString()}}}"));
        var template = new JsonObject
        {
            ["Resources"] = new JsonObject
            {
                [ClusterNotes.Header] = new JsonObject { ["Type"] = "AWS::SSM::Parameter", ["Properties"] = new JsonObject { ["Value"] = new JsonObject { ["Fn::Join"] = join } } },
            },
        };
        return PreviewHarness.Template(template.ToJsonString());
    }

    /// <summary>The verdict a preview line states ("kubernetes: ...: upgrade (...), re-converge, no instance replaced"); no line: unchanged.</summary>
    private static string VerdictOf(IReadOnlyList<string> notes) => notes.Count == 0 ? "unchanged" : Assert.Single(notes) switch
    {
        var n when n.Contains(": refused by the convergence (see the warnings)", StringComparison.Ordinal) => "refused",
        var n when n.Contains(": rebuild: the cluster is reset", StringComparison.Ordinal) => "rebuild",
        var n when n.Contains(": upgrade (kubespray's upgrade-cluster.yml", StringComparison.Ordinal) => "upgrade",
        var n when n.EndsWith(": re-converge, no instance replaced", StringComparison.Ordinal) => "re-converge",
        var n when n.EndsWith(": nothing for the convergence to change, no instance replaced", StringComparison.Ordinal) => "unchanged",
        var n => throw new Xunit.Sdk.XunitException($"a line that states no verdict: {n}"),
    };

    [Fact]
    public void The_preview_and_the_bastion_say_the_same_for_each_change_of_the_table()
    {
        var table = Table();
        Assert.Contains(table, r => r.Rule == "major");
        var said = table.Select(row =>
        {
            var (notes, warnings, _, _) = ClusterNotes.Of(Nodes(row.Before), Nodes(row.After), instancesReplaced: false, instances: []);
            // Refused with the bastion's own reason, word for word.
            var reasons = warnings.Select(w => w.StartsWith("kubernetes: ", StringComparison.Ordinal) ? w["kubernetes: ".Length..] : w);
            return (row.Name, Expected: (row.Verdict, row.Verdict == "refused"), Preview: (VerdictOf(notes), reasons.SequenceEqual(new[] { row.Reason })),
                Bastion: (row.Bastion, row.Reason is not null));
        }).ToList();
        Assert.All(said, s => Assert.True(s.Expected == s.Preview && s.Expected == s.Bastion,
            $"{s.Name}: expected {s.Expected}, the preview said {s.Preview}, the bastion {s.Bastion}"));
    }

    [Fact]
    public void The_lines_name_the_changes_and_the_verdict()
    {
        var change = new ClusterChange("re-converge", new[] { "addons +metricsServer -helm", "allowRebuild false → true" }, Array.Empty<(string, string)>());
        Assert.Equal("kubernetes: addons +metricsServer -helm, allowRebuild false → true: re-converge, no instance replaced", change.Describe(instancesReplaced: false));
        Assert.Equal("kubernetes: addons +metricsServer -helm, allowRebuild false → true: re-converge", change.Describe(instancesReplaced: true));
        var refused = new ClusterChange("refused", new[] { "version 1.35.4 → 2.0.0" }, new[] { ("major", "...") });
        Assert.Equal("kubernetes: version 1.35.4 → 2.0.0: refused by the convergence (see the warnings)", refused.Describe(instancesReplaced: false));
        Assert.Throws<PreviewException>(() => (change with { Verdict = "maybe" }).Describe(false));
    }

    [Fact]
    public void Without_python3_the_error_names_it()
    {
        var settings = JsonNode.Parse("""{"kubernetes":"1.35.4"}""")!;
        var e = Assert.Throws<PreviewException>(() => ChangeRules.Classify(settings, settings, python: "/nonexistent/python3"));
        Assert.StartsWith(ChangeRules.Missing + "; '/nonexistent/python3' could not be started", e.Message);
        // What the rules cannot read is said in their words.
        var bad = Assert.Throws<PreviewException>(() => ChangeRules.Classify(JsonNode.Parse("""{"kubespray":"v2.31.0"}""")!, settings));
        Assert.Contains("the settings name no Kubernetes version", bad.Message);
    }

    [Fact]
    public void The_rules_are_the_repositorys_converge_folder()
    {
        Assert.Equal(Python.ControlHost, ChangeRules.ConvergeFolder());
    }
}
