using K8sLab.Tests.Support;

namespace K8sLab.Tests.Stacks;

/// <summary>The app as the CDK CLI runs it: a process, its exit code, its output, what it writes.</summary>
[Collection(CdkCollection.Name)]
[Trait("Uses", "jsii")]
public class ProgramTests
{
    /// <summary>The app run in the repository; its cdk.out and its temporary folder (TMPDIR) are the test's own.</summary>
    private static (ToolResult Result, string Outdir, string Temp) Run(string environment)
    {
        var scratch = Scratch.Folder($"program-{environment}-");
        var outdir = Path.Combine(scratch, "cdk.out");
        var temp = Directory.CreateDirectory(Path.Combine(scratch, "tmp")).FullName;
        var result = Tool.Run("dotnet", new[] { Path.Combine(AppContext.BaseDirectory, "K8sLab.dll") }, Repo.Root,
            new Dictionary<string, string>
            {
                ["CDK_CONTEXT_JSON"] = CdkJson.ContextJson(environment),
                ["CDK_OUTDIR"] = outdir,
                ["TMPDIR"] = temp,
                // As under `npx cdk`: the project's pinned, supported Node runs jsii.
                ["PATH"] = $"{Repo.PathOf("node_modules", ".bin")}:{Environment.GetEnvironmentVariable("PATH")}",
            });
        return (result, outdir, temp);
    }

    [Fact]
    public void A_bad_environment_fails_with_the_reason_no_stack_trace_and_nothing_written()
    {
        var (result, outdir, _) = Run("staging");
        Assert.Equal(1, result.ExitCode);
        Assert.Equal("error: environments/staging.yaml: no such environment file; available: cheap, cilium, dev, prod, spot (choose one with -c env=NAME)", result.StdErr.Trim());
        Assert.DoesNotContain(" at K8sLab", result.Output);
        Assert.False(File.Exists(Path.Combine(outdir, "manifest.json")));
    }

    [Fact]
    public void The_nat_instance_environment_synthesizes_without_cdk_deprecation_notices()
    {
        var (result, _, _) = Run("cheap");
        Assert.True(result.ExitCode == 0, result.Output);
        Assert.DoesNotContain("deprecated", result.Output);
        Assert.Equal("", result.StdErr);
    }

    [Fact]
    public void The_default_environment_synthesizes_offline_and_prints_its_summary()
    {
        var (result, outdir, temp) = Run("dev");
        Assert.True(result.ExitCode == 0, result.Output);
        Assert.Contains("K8sLab dev (eu-west-1): 4 stacks, 3 nodes", result.StdOut);
        Assert.Matches(@"bastion\s+bastion\s+t3\.small\s+[\d,]+ B\s+[0-9a-f]{12}", result.StdOut);
        Assert.Matches(@"worker-1\.\.2\s+worker\s+t3\.medium\s+[\d,]+ B\s+[0-9a-f]{12}", result.StdOut);
        Assert.Contains("NOT PINNED", result.StdOut);
        Assert.Contains("\n  cluster Kubernetes 1.35.4 (kubespray v2.31.0), calico (VXLAN UDP 4789), add-ons: none\n" +
                        "          pods 10.233.64.0/18 (/24 a node), services 10.233.0.0/18\n", result.StdOut);
        Assert.Equal("", result.StdErr);
        Assert.True(File.Exists(Path.Combine(outdir, "K8sLab-dev-Nodes.template.json")));
        // jsii extracts its JavaScript and aws-cdk-lib's packages (66 MB) under TMPDIR on every run; the app
        // deletes them as it ends (Infra/Jsii). What stays is the program's archive, one file a version.
        Assert.Equal(new[] { "k8slab-assets" }, Directory.EnumerateFileSystemEntries(temp).Select(Path.GetFileName));
    }
}
