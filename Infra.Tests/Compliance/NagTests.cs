using System.Text.Json.Nodes;
using K8sLab.Compliance;
using K8sLab.Configuration;
using K8sLab.Tests.Support;
using Xunit.Abstractions;

namespace K8sLab.Tests.Compliance;

/// <summary>
/// scripts/nag.js, run twice for the whole class: over every environment file and a 400-node lab
/// (four stacks each), and over broken copies of real templates. Each run pays for starting Node and
/// aws-cdk-lib once, so the templates of a run go in together.
/// </summary>
public sealed class NagRuns
{
    public const string Large = Synth.LargeLabName;

    public IReadOnlyDictionary<string, Synthesized> Labs { get; }
    public NagRun Clean { get; }
    public NagRun Broken { get; }

    public NagRuns()
    {
        Nag.RequireInstalled();
        var labs = EnvironmentFiles.Available(Repo.EnvironmentsFolder).ToDictionary(name => name, Synth.RepositoryEnvironment);
        labs[Large] = Synth.LargeLab;
        Labs = labs;
        var clean = Scratch.Folder("nag-");
        Clean = Nag.Run(labs.Values.SelectMany(lab => Nag.Write(lab, clean)).ToList());

        var broken = Scratch.Folder("nag-broken-");
        Broken = Nag.Run(BrokenCopies(labs["dev"]).Select(b =>
        {
            var path = Path.Combine(broken, $"{b.Name}.template.json");
            File.WriteAllText(path, b.Template.ToJsonString());
            return path;
        }).ToList());
    }

    public const string OpenSsh = "broken-open-ssh";
    public const string ImdsV1 = "broken-imdsv1";
    public const string Stripped = "broken-stripped";
    public const string Unknowable = "broken-unknowable";
    /// <summary>worker-1 of dev, whose logical ID carries its document's hash.</summary>
    public static string StrippedInstance => Synth.RepositoryEnvironment("dev").InstanceIdsByNode()["worker-1"];

    /// <summary>Real dev templates, each with one deliberate mistake; the file name becomes the stack name.</summary>
    private static IEnumerable<(string Name, JsonObject Template)> BrokenCopies(Synthesized dev)
    {
        // SSH to the bastion from anywhere: AwsSolutions-EC23.
        var security = dev.Template("K8sLab-dev-Security");
        var bastionGroup = Resources(security).First(r => r.Key.StartsWith("BastionGroup", StringComparison.Ordinal)).Key;
        var open = JsonNode.Parse("""
            {"Type":"AWS::EC2::SecurityGroupIngress","Properties":{"IpProtocol":"tcp","FromPort":22,"ToPort":22,"CidrIp":"0.0.0.0/0","Description":"SSH from anywhere"}}
            """)!;
        open["Properties"]!["GroupId"] = new JsonObject { ["Fn::GetAtt"] = new JsonArray(bastionGroup, "GroupId") };
        Resources(security)["OpenSsh"] = open;
        yield return (OpenSsh, security);

        // IMDSv1 allowed on every node: NIST.800.53.R5-EC2IMDSv2Enabled.
        var imds = dev.Template("K8sLab-dev-Nodes");
        foreach (var template in Resources(imds).Where(r => r.Value!["Type"]!.GetValue<string>() == "AWS::EC2::LaunchTemplate"))
            template.Value!["Properties"]!["LaunchTemplateData"]!["MetadataOptions"]!["HttpTokens"] = "optional";
        yield return (ImdsV1, imds);

        // The nodes without the suppressions the app wrote once for the stack: both packs report each again.
        var stripped = dev.Template("K8sLab-dev-Nodes");
        Assert.True(stripped["Metadata"]?.AsObject().Remove("cdk_nag") == true, "the Nodes template has no cdk_nag Metadata to strip");
        yield return (Stripped, stripped);

        // An ingress whose source only a deploy can tell: the rules cannot evaluate it, which fails the run.
        var unknowable = dev.Template("K8sLab-dev-Security");
        unknowable["Parameters"]!["OpenFrom"] = new JsonObject { ["Type"] = "String" };
        var ingress = JsonNode.Parse("""
            {"Type":"AWS::EC2::SecurityGroupIngress","Properties":{"IpProtocol":"tcp","FromPort":22,"ToPort":22,"Description":"SSH from a parameter",
             "CidrIp":{"Fn::Select":[0,{"Fn::Split":[",",{"Ref":"OpenFrom"}]}]}}}
            """)!;
        ingress["Properties"]!["GroupId"] = new JsonObject { ["Fn::GetAtt"] = new JsonArray(bastionGroup, "GroupId") };
        Resources(unknowable)["Unknowable"] = ingress;
        yield return (Unknowable, unknowable);
    }

    private static JsonObject Resources(JsonObject template) => template["Resources"]!.AsObject();
}

/// <summary>cdk-nag's AwsSolutions and NIST 800-53 R5 packs over the lab (SECURITY.md, "Accepted cdk-nag findings").</summary>
[Collection(CdkCollection.Name)]
[Trait("Uses", "jsii")]
public class NagTests(NagRuns runs, ITestOutputHelper output) : IClassFixture<NagRuns>
{
    private static readonly string[] Stacks = { "Network", "Security", "Bastion", "Nodes" };

    [Fact]
    public void Every_environment_and_a_400_node_lab_pass_both_packs()
    {
        output.WriteLine($"nag over {runs.Labs.Count} labs: {runs.Clean.Took.TotalSeconds:0.0} s; over the broken copies: {runs.Broken.Took.TotalSeconds:0.0} s");
        output.WriteLine(runs.Clean.Output);
        Assert.True(runs.Clean.ExitCode == 0, runs.Clean.Output);
        Assert.DoesNotContain(runs.Clean.Findings, f => f.IsOpenError);
        Assert.Contains("nag: 0 unsuppressed error(s), 0 unsuppressed warning(s)", runs.Clean.Output);
        // Every stack of every lab was checked (each has at least one accepted finding).
        foreach (var lab in runs.Labs.Keys)
            foreach (var stack in Stacks)
                Assert.Contains(runs.Clean.Findings, f => f.Stack == $"K8sLab-{lab}-{stack}");
        Assert.Equal(400, runs.Clean.In($"K8sLab-{NagRuns.Large}-Nodes").Count(f => f.Rule == "AwsSolutions-EC28" && f.Compliance == "Suppressed"));
        // The nodes share one copy of their suppressions (the template's Metadata), none a node.
        var bytes = System.Text.Encoding.UTF8.GetByteCount(runs.Labs[NagRuns.Large].Texts[$"K8sLab-{NagRuns.Large}-Nodes"]);
        output.WriteLine($"400-node Nodes template: {bytes:N0} bytes");
        Assert.InRange(bytes, 0, Summary.TemplateLimits.MaxBytes);
    }

    [Fact]
    public void The_apps_suppressions_survive_the_include_and_cdk_nag_honours_them()
    {
        // Written once for the Nodes stack (its template's Metadata), applied by cdk-nag to each node.
        var nodes = runs.Labs["dev"].Template("K8sLab-dev-Nodes");
        Assert.Null(nodes["Resources"]![NagRuns.StrippedInstance]!["Metadata"]?["cdk_nag"]);
        var written = nodes["Metadata"]!["cdk_nag"]!["rules_to_suppress"]!.AsArray().Select(r => r!["id"]!.GetValue<string>());
        var table = NagSuppressions.All.Where(s => s.On.Contains(NagTarget.Instance)).ToList();
        Assert.Equal(table.Select(s => s.Rule), written);
        foreach (var suppression in table)
        {
            var finding = Assert.Single(runs.Clean.In("K8sLab-dev-Nodes"), f => f.Resource == NagRuns.StrippedInstance && f.Rule == suppression.Rule);
            Assert.Equal("Suppressed", finding.Compliance);
            Assert.Equal(suppression.Reason, finding.Reason);
        }
    }

    [Fact]
    public void Every_entry_of_the_table_accepts_a_real_finding()
    {
        var suppressed = runs.Clean.Findings.Where(f => f.Compliance == "Suppressed").ToList();
        Assert.All(NagSuppressions.All, s =>
            Assert.Contains(suppressed, f => f.Rule == s.Rule && f.Reason.EndsWith(s.Reason, StringComparison.Ordinal)));
    }

    [Fact]
    public void AwsSolutions_fails_a_template_with_ssh_open_to_the_world()
    {
        Assert.Equal(1, runs.Broken.ExitCode);
        var open = runs.Broken.In(NagRuns.OpenSsh).Where(f => f.IsOpenError).ToList();
        Assert.Contains(open, f => f.Resource == "OpenSsh" && f.Rule == "AwsSolutions-EC23");
        Assert.Contains($"ERROR   {NagRuns.OpenSsh}/OpenSsh: AwsSolutions-EC23", runs.Broken.Output);
    }

    [Fact]
    public void Nist_fails_a_template_that_allows_imdsv1()
    {
        var instances = runs.Labs["dev"].Resources("AWS::EC2::Instance").Where(r => r.Stack == "K8sLab-dev-Nodes").Select(r => r.LogicalId).Order();
        var open = runs.Broken.In(NagRuns.ImdsV1).Where(f => f.IsOpenError && f.Rule == "NIST.800.53.R5-EC2IMDSv2Enabled");
        Assert.Equal(instances, open.Select(f => f.Resource).Order());
    }

    [Fact]
    public void A_rule_that_cannot_evaluate_a_resource_fails_the_run()
    {
        var unevaluated = runs.Broken.In(NagRuns.Unknowable).Where(f => f.IsOpenError && f.Compliance == "UNKNOWN").ToList();
        Assert.Contains(unevaluated, f => f.Resource == "Unknowable" && f.Rule == "AwsSolutions-EC23");
        Assert.Contains($"ERROR   {NagRuns.Unknowable}/Unknowable: AwsSolutions-EC23: could not be evaluated", runs.Broken.Output);
    }

    [Fact]
    public void Files_that_are_no_template_are_refused_not_passed()
    {
        var folder = Directory.CreateTempSubdirectory("k8slab-nag-input-").FullName;
        try
        {
            File.WriteAllText(Path.Combine(folder, "manifest.json"), "{\"version\":\"36.0.0\"}");
            File.WriteAllText(Path.Combine(folder, "bad.template.json"), """{"Resources":{"A":{"Type":"AWS::EC2::VPC","Properties":{"CidrBlock":{"Fn::Nope":1}}}}}""");
            var notTemplate = Tool.Run(Nag.Node, new[] { Nag.Script, Path.Combine(folder, "manifest.json") }, Repo.Root);
            Assert.Equal(2, notTemplate.ExitCode);
            Assert.Contains("not a CloudFormation template", notTemplate.StdErr);
            var temp = Directory.CreateDirectory(Path.Combine(folder, "tmp")).FullName;
            var unreadable = Tool.Run(Nag.Node, new[] { Nag.Script, Path.Combine(folder, "bad.template.json") }, Repo.Root,
                new Dictionary<string, string> { ["TMPDIR"] = temp });
            Assert.Equal(3, unreadable.ExitCode);
            Assert.Contains("cannot include it: Unsupported CloudFormation function 'Fn::Nope'", unreadable.StdErr);
            Assert.Empty(Directory.EnumerateFileSystemEntries(temp));   // its working folder deleted on this way out too
        }
        finally { Directory.Delete(folder, recursive: true); }
    }

    [Fact]
    public void Without_the_apps_suppressions_both_packs_fail_the_instance()
    {
        var open = runs.Broken.In(NagRuns.Stripped).Where(f => f.IsOpenError).ToList();
        var instances = runs.Labs["dev"].Resources("AWS::EC2::Instance").Where(r => r.Stack == "K8sLab-dev-Nodes").Select(r => r.LogicalId).ToList();
        Assert.Contains(NagRuns.StrippedInstance, instances);
        Assert.Equal(instances.Order(), open.Select(f => f.Resource).Distinct().Order());
        Assert.All(instances, instance => Assert.Equal(new[] { "AwsSolutions-EC28", "AwsSolutions-EC29", "NIST.800.53.R5-EC2InstancesInVPC" },
            open.Where(f => f.Resource == instance).Select(f => f.Rule).Order()));
    }
}

/// <summary>The suppression table itself: SECURITY.md shows it, and the runner's install check.</summary>
public class NagSuppressionTableTests
{
    /// <summary>A row of SECURITY.md's table, as the code's entry should read.</summary>
    public static string Row(NagSuppression s) =>
        $"| {s.Rule} | {string.Join("; ", s.On.Select(NagSuppressions.Describe))} | " +
        $"{(s.Findings.Count == 0 ? "all" : string.Join(", ", s.Findings.Select(f => $"`{f}`")))} | {s.Reason} |";

    [Fact]
    public void Security_md_shows_the_table_of_the_code()
    {
        var lines = File.ReadAllLines(Repo.PathOf("SECURITY.md"));
        var section = lines.SkipWhile(l => l != "## Accepted cdk-nag findings").ToList();
        Assert.NotEmpty(section);
        var rows = section.SkipWhile(l => !l.StartsWith("| rule | on |", StringComparison.Ordinal)).Skip(2).TakeWhile(l => l.StartsWith('|')).ToList();
        var expected = NagSuppressions.All.Select(Row).ToList();
        Assert.True(expected.SequenceEqual(rows), "SECURITY.md's table differs from Infra/Compliance/NagSuppressions.cs; it should read:\n" + string.Join("\n", expected));
        // EC29 is termination protection (a suppression above), not IMDSv2.
        Assert.DoesNotContain(lines, l => l.Contains("IMDSv2") && l.Contains("EC29"));
    }

    [Fact]
    public void Reasons_are_plain_ascii_and_say_why()
    {
        Assert.All(NagSuppressions.All, s =>
        {
            // cdk-nag stores a reason with other characters base64-encoded: unreadable in the template.
            Assert.True(s.Reason.All(c => c is >= ' ' and <= '~') && !s.Reason.Contains('|'), s.Rule);
            Assert.True(s.Reason.Length >= 60, $"{s.Rule}: a reason says why, specifically");
        });
        Assert.Equal(NagSuppressions.All.Count, NagSuppressions.All.Select(s => s.Rule).Distinct().Count());
    }

    [Fact]
    public void The_runner_asks_for_npm_ci_when_cdk_nag_is_missing()
    {
        Nag.RequireInstalled();
        // A copy of the runner outside the repository finds no node_modules.
        var folder = Scratch.Folder("nag-alone-");
        File.Copy(Nag.Script, Path.Combine(folder, "nag.js"));
        var result = Tool.Run(Nag.Node, new[] { Path.Combine(folder, "nag.js"), "x.template.json" }, folder);
        Assert.Equal(2, result.ExitCode);
        Assert.Contains("run npm ci", result.StdErr);
    }
}
