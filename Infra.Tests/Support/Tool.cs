using System.Diagnostics;

namespace K8sLab.Tests.Support;

public sealed record ToolResult(int ExitCode, string StdOut, string StdErr)
{
    public string Output => StdOut + StdErr;
}

/// <summary>
/// Runs a real validator (cloud-init, shellcheck, ansible-inventory, bash). A missing tool fails the
/// test with the way to install it: a validator that is silently skipped proves nothing.
/// </summary>
public static class Tool
{
    public static ToolResult Run(string tool, IEnumerable<string> args, string? workingDirectory = null,
        IDictionary<string, string>? environment = null, TimeSpan? timeout = null)
    {
        var path = Locate(tool);
        var start = new ProcessStartInfo(path)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
            WorkingDirectory = workingDirectory ?? Directory.GetCurrentDirectory(),
        };
        foreach (var arg in args) start.ArgumentList.Add(arg);
        foreach (var (key, value) in environment ?? new Dictionary<string, string>()) start.Environment[key] = value;
        using var process = Process.Start(start)!;
        process.StandardInput.Close();
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(timeout ?? TimeSpan.FromMinutes(2)))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{tool} {string.Join(' ', args)} did not finish");
        }
        return new ToolResult(process.ExitCode, stdout.Result, stderr.Result);
    }

    public static string Locate(string tool)
    {
        if (tool.Contains('/')) return tool;
        var found = (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':')
            .Select(dir => Path.Combine(dir, tool)).FirstOrDefault(File.Exists);
        return found ?? throw new InvalidOperationException($"'{tool}' is not installed; {InstallHint(tool)}");
    }

    private static string InstallHint(string tool) => tool switch
    {
        "cfn-lint" or "moto_server" or "aws" =>
            "it ships with this machine kind's Python 3.11 (elsewhere: pip install cfn-lint==1.51.0 'moto[server]==5.2.1' awscli boto3)",
        "node" => "run npm ci at the repository root (it installs the pinned Node 22 into node_modules/.bin)",
        // Debian has no kubectl package; this machine kind ships one (the kubeconfig script's tests need it).
        "kubectl" => "install kubectl (this machine kind ships it; Debian itself has no package for it)",
        _ => "scripts/test.sh installs it (Debian packages cloud-init, shellcheck, ansible, jq, curl)",
    };
}
