using System.Runtime.Versioning;

namespace K8sLab.Tests.Support;

/// <summary>
/// A folder of stand-in executables put first on PATH. Each records its arguments, one call per
/// line, in CALLS_LOG, and answers what the test told it to.
/// </summary>
[UnsupportedOSPlatform("windows")]
public sealed class FakeBin
{
    public FakeBin(string? folder = null, string? callsLog = null)
    {
        Folder = folder ?? Scratch.Folder("fakebin-");
        Directory.CreateDirectory(Folder);
        CallsLog = callsLog ?? Path.Combine(Folder, "calls.log");
    }

    public string Folder { get; }
    public string CallsLog { get; }

    public FakeBin Add(string name, string body)
    {
        var path = Path.Combine(Folder, name);
        File.WriteAllText(path, $"#!/bin/bash\necho \"{name} $*\" >> \"{CallsLog}\"\n{body}\n");
        File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        return this;
    }

    public IReadOnlyList<string> Calls => File.Exists(CallsLog) ? File.ReadAllLines(CallsLog) : Array.Empty<string>();

    /// <summary>A PATH of this folder and the machine's, without any folder that holds <paramref name="tool"/>: the machine as if it were not installed.</summary>
    public string PathWithout(string tool) =>
        string.Join(':', new[] { Folder }.Concat((System.Environment.GetEnvironmentVariable("PATH") ?? "").Split(':')
            .Where(d => !File.Exists(Path.Combine(d, tool)))));

    public Dictionary<string, string> Environment(Dictionary<string, string>? more = null)
    {
        var env = new Dictionary<string, string> { ["PATH"] = $"{Folder}:{System.Environment.GetEnvironmentVariable("PATH")}" };
        foreach (var (k, v) in more ?? new()) env[k] = v;
        return env;
    }
}
