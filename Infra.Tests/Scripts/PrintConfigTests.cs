using System.Text.Json.Nodes;
using K8sLab.Contract;
using K8sLab.Tests.Support;

namespace K8sLab.Tests.Scripts;

/// <summary>
/// The app's <c>--print-config ENV</c>, which the scripts read through scripts/lab-config.sh, and that
/// helper's own refusals. The app runs as the scripts run it in the tests (<see cref="LabApp"/>).
/// </summary>
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class PrintConfigTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("k8slab-print-config-").FullName;

    public PrintConfigTests()
    {
        Directory.CreateDirectory(Path.Combine(_root, "scripts"));
        Directory.CreateDirectory(Path.Combine(_root, "environments"));
        File.Copy(Repo.PathOf("scripts", "lab-config.sh"), Path.Combine(_root, "scripts", "lab-config.sh"));
        File.Copy(Repo.PathOf("environments", "dev.yaml"), Path.Combine(_root, "environments", "dev.yaml"));
    }

    public void Dispose() => Directory.Delete(_root, recursive: true);

    /// <summary>
    /// The app from <paramref name="folder"/>, with a <c>node</c> first on PATH that records its calls
    /// and fails: jsii would start it for any CDK object.
    /// </summary>
    private static (ToolResult Result, FakeBin Bin) PrintConfig(string folder, params string[] args)
    {
        var bin = new FakeBin().Add("node", "exit 1");
        return (Tool.Run("dotnet", new[] { LabApp.Dll }.Concat(args), folder, bin.Environment()), bin);
    }

    [Fact]
    public void Dev_prints_its_region_file_stacks_nodes_parameters_image_and_the_labs_facts_without_starting_jsii()
    {
        var (result, bin) = PrintConfig(Repo.Root, "--print-config", "dev");

        Assert.True(result.ExitCode == 0, result.Output);
        Assert.Equal("", result.StdErr);
        Assert.Empty(bin.Calls);
        var json = JsonNode.Parse(result.StdOut)!.AsObject();
        Assert.Equal(new[] { "environment", "region", "file", "stacks", "nodes", "parameters", "machineImage", "facts" }, json.Select(p => p.Key));
        Assert.Equal("dev", json["environment"]!.GetValue<string>());
        Assert.Equal("eu-west-1", json["region"]!.GetValue<string>());
        Assert.Equal(Repo.PathOf("environments", "dev.yaml"), json["file"]!.GetValue<string>());
        Assert.True(JsonNode.DeepEquals(JsonNode.Parse("""
            { "network": "K8sLab-dev-Network", "security": "K8sLab-dev-Security", "bastion": "K8sLab-dev-Bastion", "nodes": "K8sLab-dev-Nodes" }
            """), json["stacks"]), json["stacks"]!.ToJsonString());
        Assert.True(JsonNode.DeepEquals(JsonNode.Parse("""
            { "controlPlane": ["cp-1"], "worker": ["worker-1", "worker-2"], "bastion": ["bastion"] }
            """), json["nodes"]), json["nodes"]!.ToJsonString());
        Assert.Equal(LabFacts.RequestParameter("dev"), json["parameters"]!["request"]!.GetValue<string>());
        Assert.Equal("/k8slab/dev/kubeconfig", json["parameters"]!["kubeconfig"]!.GetValue<string>());
        Assert.True(JsonNode.DeepEquals(JsonNode.Parse("""{ "amiId": null, "name": null, "architecture": "x86_64" }"""), json["machineImage"]),
            json["machineImage"]!.ToJsonString());
        // The whole contract file, as the bastion's program reads it too.
        Assert.True(JsonNode.DeepEquals(JsonNode.Parse(File.ReadAllText(Repo.PathOf(LabFacts.File.Split('/')))), json["facts"]));
    }

    [Fact]
    public void The_values_are_the_files_own_after_yaml_quotes_comments_and_aliases()
    {
        File.WriteAllText(Path.Combine(_root, "environments", "home.yaml"), LabApp.DevWithRegion("tags:\n  home: &home \"us-east-1\"  # quoted\nregion: *home")
            .Replace("workers:\n  count: 2", "workers:\n  count: 3"));
        var (result, _) = PrintConfig(_root, "--print-config", "home");
        Assert.True(result.ExitCode == 0, result.Output);
        var json = JsonNode.Parse(result.StdOut)!;
        Assert.Equal("us-east-1", json["region"]!.GetValue<string>());
        Assert.Equal("K8sLab-home-Nodes", json["stacks"]!["nodes"]!.GetValue<string>());
        Assert.Equal("""["worker-1","worker-2","worker-3"]""", json["nodes"]!["worker"]!.ToJsonString());
        Assert.Equal(Path.Combine(_root, "environments", "home.yaml"), json["file"]!.GetValue<string>());
    }

    [Fact]
    public void A_bad_file_gets_the_synths_errors_on_stderr_and_nothing_on_stdout()
    {
        File.WriteAllText(Path.Combine(_root, "environments", "dev.yaml"), LabApp.DevWithRegion("region: eu-west-1\nwokers: {}"));
        var (result, _) = PrintConfig(_root, "--print-config", "dev");
        Assert.Equal(1, result.ExitCode);
        Assert.Equal("", result.StdOut);
        Assert.StartsWith("error: environments/dev.yaml: wokers: unknown key (line 4); did you mean 'workers'?", result.StdErr);
        Assert.DoesNotContain(" at K8sLab", result.StdErr);
    }

    [Fact]
    public void Other_arguments_are_refused_with_the_usage()
    {
        foreach (var args in new[] { new[] { "--print-config" }, new[] { "--print-config", "dev", "prod" }, new[] { "--print" } })
        {
            var (result, _) = PrintConfig(Repo.Root, args);
            Assert.True(result.ExitCode == 2, result.Output);
            Assert.Equal("", result.StdOut);
            Assert.StartsWith("usage: K8sLab --print-config ENVIRONMENT", result.StdErr);
        }
    }

    /// <summary>lab-config.sh sourced by a script named "probe", which prints one value.</summary>
    private ToolResult Probe(string filter, Dictionary<string, string> environment) =>
        Tool.Run("bash", new[] { "-c", $"set -euo pipefail; . scripts/lab-config.sh; lab_config probe dev; lab_value '{filter}'" }, _root, environment);

    private static Dictionary<string, string> WithApp(string app) => new() { ["K8SLAB_APP"] = app };

    /// <summary>A PATH of links to <paramref name="tools"/> only: what a machine without the others has.</summary>
    private string PathWith(params string[] tools)
    {
        var bin = Directory.CreateDirectory(Path.Combine(_root, "bin-" + string.Join('-', tools))).FullName;
        foreach (var tool in tools) File.CreateSymbolicLink(Path.Combine(bin, tool), Tool.Locate(tool));
        return bin;
    }

    [Fact]
    public void The_helper_reads_a_value_of_the_apps_json()
    {
        var result = Probe(".facts.controlHost.adminUser", WithApp(LabApp.Command));
        Assert.True(result.ExitCode == 0, result.Output);
        Assert.Equal(LabFacts.ControlHost.AdminUser + "\n", result.StdOut);
    }

    [Fact]
    public void A_value_the_app_does_not_print_is_named()
    {
        var result = Probe(".stacks.cluster", WithApp(LabApp.Command));
        Assert.Equal(1, result.ExitCode);
        Assert.Contains("probe: the app's --print-config has no .stacks.cluster", result.StdErr);
    }

    [Fact]
    public void An_app_that_does_not_run_is_shown_as_it_failed_and_named()
    {
        var missing = Path.Combine(_root, "no-such-build", "K8sLab.dll");
        var result = Probe(".region", WithApp($"{Tool.Locate("dotnet")} {missing}"));
        Assert.Equal(1, result.ExitCode);
        Assert.Equal("", result.StdOut);
        Assert.Contains(missing, result.StdErr);
        Assert.EndsWith($"probe: the app did not run ({Tool.Locate("dotnet")} {missing} --print-config dev: exit 1)\n", result.StdErr);
    }

    [Fact]
    public void Without_jq_one_line_names_it()
    {
        var result = Probe(".region", new() { ["PATH"] = PathWith("dirname", "dotnet"), ["K8SLAB_APP"] = LabApp.Command });
        Assert.Equal(1, result.ExitCode);
        Assert.Equal("probe: jq is not installed: install it (Debian and Ubuntu: apt-get install jq; macOS: brew install jq)\n", result.StdErr);
    }

    [Fact]
    public void Without_the_dotnet_sdk_one_line_names_it()
    {
        var result = Probe(".region", new() { ["PATH"] = PathWith("dirname", "jq") });
        Assert.Equal(1, result.ExitCode);
        Assert.Equal("probe: the .NET SDK (dotnet) is not installed: the app reads environments/dev.yaml for this script, as for npx cdk synth\n", result.StdErr);
    }
}
