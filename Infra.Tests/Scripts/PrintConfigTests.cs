using System.Text.Json.Nodes;
using K8sLab.Contract;
using K8sLab.Tests.Support;

namespace K8sLab.Tests.Scripts;

/// <summary>The app's <c>--print-config ENV</c>: what the scripts are to read instead of the YAML.</summary>
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class PrintConfigTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("k8slab-print-config-").FullName;

    public PrintConfigTests()
    {
        Directory.CreateDirectory(Path.Combine(_root, "environments"));
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
}
