using System.Diagnostics;
using System.Text.Json;
using K8sLab.Tests.Support;

namespace K8sLab.Tests.Compliance;

/// <summary>One finding of scripts/nag.js, as its --json summary writes it (compliant lines are left out).</summary>
public sealed record NagFinding(string Stack, string Resource, string Rule, string Finding, string Level, string Compliance, string Reason)
{
    public bool IsOpenError => Level == "Error" && Compliance is "Non-Compliant" or "UNKNOWN";
}

/// <summary>One run of scripts/nag.js: exit code, printed summary, findings, wall time.</summary>
public sealed record NagRun(int ExitCode, string Output, IReadOnlyList<NagFinding> Findings, TimeSpan Took)
{
    public IEnumerable<NagFinding> In(string stack) => Findings.Where(f => f.Stack == stack);
}

/// <summary>Runs scripts/nag.js on the repository's pinned Node (22) and cdk-nag (node_modules).</summary>
public static class Nag
{
    public static string Script => Repo.PathOf("scripts", "nag.js");
    public static string Node => Repo.Node;

    /// <summary>A missing install fails the test with the way out, never a skipped check.</summary>
    public static void RequireInstalled()
    {
        foreach (var package in new[] { "cdk-nag", "aws-cdk-lib" })
            if (!File.Exists(Repo.PathOf("node_modules", package, "package.json")))
                throw new InvalidOperationException($"{package} is not installed in {Repo.PathOf("node_modules")}: run npm ci at the repository root (package.json pins cdk-nag and aws-cdk-lib)");
        _ = Node;   // names npm ci when the pinned Node is missing
    }

    /// <summary>Writes each stack's template as STACK.template.json into <paramref name="folder"/>.</summary>
    public static IEnumerable<string> Write(Synthesized app, string folder) =>
        app.Texts.Select(t =>
        {
            var path = Path.Combine(folder, $"{t.Key}.template.json");
            File.WriteAllText(path, t.Value);
            return path;
        }).ToList();

    public static NagRun Run(IEnumerable<string> templates)
    {
        RequireInstalled();
        var summary = Path.Combine(Scratch.Folder("nag-summary-"), "summary.json");
        var clock = Stopwatch.StartNew();
        var result = Tool.Run(Node, new[] { Script, "--json", summary }.Concat(templates), Repo.Root, timeout: TimeSpan.FromMinutes(3));
        var took = clock.Elapsed;
        if (!File.Exists(summary))
            throw new InvalidOperationException($"scripts/nag.js wrote no summary (exit {result.ExitCode}):\n{result.Output}");
        using var json = JsonDocument.Parse(File.ReadAllText(summary));
        var findings = json.RootElement.GetProperty("findings").EnumerateArray().Select(f => new NagFinding(
            f.GetProperty("stack").GetString()!, f.GetProperty("resource").GetString()!, f.GetProperty("rule").GetString()!,
            f.GetProperty("finding").GetString()!, f.GetProperty("level").GetString()!, f.GetProperty("compliance").GetString()!,
            f.GetProperty("reason").GetString()!)).ToList();
        return new NagRun(result.ExitCode, result.Output, findings, took);
    }
}
