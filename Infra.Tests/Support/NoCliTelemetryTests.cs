namespace K8sLab.Tests.Support;

public class NoCliTelemetryTests
{
    [Fact]
    public void The_cdk_cli_a_test_runs_sends_no_telemetry()
    {
        // A command that needs no app; -vv makes the CLI say what it did with its telemetry.
        var folder = Scratch.Folder("cli-telemetry-");
        var result = Tool.Run(Repo.PathOf("node_modules", ".bin", "cdk"), new[] { "acknowledge", "12345", "-vv" }, folder,
            new Dictionary<string, string> { ["TMPDIR"] = folder });
        Assert.True(result.ExitCode == 0, result.Output);
        Assert.Contains("Telemetry disabled", result.Output);
        Assert.DoesNotContain("Telemetry dispatched", result.Output);
        Assert.Empty(Directory.EnumerateFiles(folder, "cdk-telemetry-*"));
    }
}
