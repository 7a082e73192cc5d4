using System.Text.Json.Nodes;
using K8sLab.Tests.Support;

namespace K8sLab.Tests.Validation;

/// <summary>
/// cfn-lint, CloudFormation's own linter with the service's resource schemas, over every template
/// the lab ships and a 400-node one: no error, and only the warnings SECURITY.md explains.
/// </summary>
[Collection(CdkCollection.Name)]
[Trait("Uses", "jsii")]
public sealed class CfnLintTests
{
    /// <summary>Warnings that stay, each explained in SECURITY.md ("cfn-lint warnings").</summary>
    private static readonly (string Rule, string Path)[] ExplainedWarnings =
    {
        // The unpinned image's parameter is a String that no value satisfies (see PinnedImageSource);
        // a typed AWS::EC2::Image::Id parameter would accept any AMI passed on the command line.
        ("W2506", "Parameters/MachineImageNotPinned/Type"),
    };

    public sealed record Finding(string Rule, string Level, string File, string Path, string Message)
    {
        public override string ToString() => $"{Rule} {Level} {System.IO.Path.GetFileName(File)} {Path}: {Message}";
    }

    [Fact]
    public void Every_shipped_environment_spot_and_arm64_included_and_a_400_node_lab_lint_without_errors_or_unexplained_warnings()
    {
        var templates = new[] { "dev", "prod", "cheap", "spot", "cilium" }.Select(Synth.RepositoryEnvironment)
            .Append(Synth.LargeLab)
            .SelectMany(s => s.Texts).ToDictionary();
        Assert.Equal(24, templates.Count);

        var findings = Lint(templates);

        var unexplained = findings.Where(f => f.Level == "Error" || !ExplainedWarnings.Contains((f.Rule, f.Path))).ToList();
        Assert.True(unexplained.Count == 0, string.Join("\n", unexplained));
        Assert.Contains(findings, f => f.Rule == "W2506");   // the shipped files are unpinned: the allowance is in use
        var security = File.ReadAllText(Repo.PathOf("SECURITY.md"));
        Assert.All(ExplainedWarnings, w => Assert.Contains($"`{w.Rule}`", security));
    }

    [Fact]
    public void Cdks_own_nodejs20_handler_is_an_error_cfn_lint_reports()
    {
        var network = Synth.RepositoryEnvironment("dev").Template("K8sLab-dev-Network");
        var function = network["Resources"]!.AsObject().Single(r => r.Value!["Type"]!.GetValue<string>() == "AWS::Lambda::Function").Value!;
        function["Properties"]!["Runtime"] = "nodejs20.x";

        var findings = Lint(new Dictionary<string, string> { ["K8sLab-dev-Network"] = network.ToJsonString() });

        Assert.Contains(findings, f => f is { Rule: "E2533", Level: "Error" } && f.Message.Contains("nodejs20.x"));
    }

    /// <summary>cfn-lint over the templates, one run (it starts in about a second).</summary>
    public static IReadOnlyList<Finding> Lint(IReadOnlyDictionary<string, string> templates)
    {
        var folder = Directory.CreateTempSubdirectory("k8slab-cfnlint-").FullName;
        try
        {
            var files = templates.Select(t =>
            {
                var file = Path.Combine(folder, t.Key + ".template.json");
                File.WriteAllText(file, t.Value);
                return file;
            }).ToList();
            var result = Tool.Run("cfn-lint", new[] { "--format", "json", "--" }.Concat(files), timeout: TimeSpan.FromMinutes(5));
            // Exit codes are bit flags of what was found (2 error, 4 warning, 8 informational); 1 is a failure of its own.
            Assert.True(result.ExitCode is 0 or 2 or 4 or 6 or 8 or 10 or 12 or 14, $"cfn-lint failed: {result.Output}");
            return JsonNode.Parse(result.StdOut)!.AsArray().Select(f => new Finding(
                f!["Rule"]!["Id"]!.GetValue<string>(),
                f["Level"]!.GetValue<string>(),
                f["Filename"]!.GetValue<string>(),
                string.Join("/", f["Location"]!["Path"]!.AsArray().Select(p => p!.ToString())),
                f["Message"]!.GetValue<string>())).ToList();
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }
}
