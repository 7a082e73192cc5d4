using System.Diagnostics;
using System.Globalization;
using System.Text.Json;

// The synthesis benchmark (README "Benchmarks"). Each case is a fresh process, as under `cdk synth`,
// so every time includes starting .NET and the jsii runtime:
//   floor        an empty CDK app: what starting jsii and synthesizing nothing costs
//   default      environments/dev.yaml
//   N nodes      dev.yaml with 3 control-plane nodes and N-3 workers
//   largest      the most nodes the environment file accepts (ScaleLimits.MaxNodes), the same way
// Runs are interleaved (one of each case per round) so that drift on a noisy machine hits every
// case alike; the table shows medians.

if (args is ["floor", var floorOut])
{
    using var jsii = new K8sLab.Jsii.JsiiRuntime();   // as the app does: started, ended, its extracted packages deleted
    var app = new Amazon.CDK.App(new Amazon.CDK.AppProps { Outdir = floorOut });
    app.Synth();
    return 0;
}

var rounds = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 5;
var repo = FindRepo();
var lab = Path.Combine(AppContext.BaseDirectory, "K8sLab.dll");
var self = Path.Combine(AppContext.BaseDirectory, "K8sLab.Benchmarks.dll");
var work = Directory.CreateTempSubdirectory("k8slab-bench-").FullName;
Directory.CreateDirectory(Path.Combine(work, "environments"));
File.Copy(Path.Combine(repo, "environments", "dev.yaml"), Path.Combine(work, "environments", "dev.yaml"));
var largest = K8sLab.Configuration.ScaleLimits.MaxNodes;
foreach (var nodes in new[] { 50, 150, 400, largest })
    File.WriteAllText(Path.Combine(work, "environments", $"n{nodes}.yaml"), Scaled(File.ReadAllText(Path.Combine(repo, "environments", "dev.yaml")), nodes));

var cases = new (string Name, string[] Command, string? Environment)[]
{
    ("floor (empty app)", new[] { self, "floor" }, null),
    ("default (dev, 3 nodes)", new[] { lab }, "dev"),
    ("50 nodes", new[] { lab }, "n50"),
    ("150 nodes", new[] { lab }, "n150"),
    ("400 nodes", new[] { lab }, "n400"),
    (Inv($"largest accepted ({largest} nodes)"), new[] { lab }, $"n{largest}"),
};

var runs = cases.ToDictionary(c => c.Name, _ => new List<(double Seconds, long PeakKb)>());
var outdirs = new Dictionary<string, string>();
for (var round = 1; round <= rounds; round++)
{
    foreach (var c in cases)
    {
        var outdir = Path.Combine(work, "out-" + runs[c.Name].Count + "-" + c.Name.Split(' ')[0]);
        var run = Measure(c.Command, c.Environment, outdir, work);
        runs[c.Name].Add(run);
        outdirs[c.Name] = outdir;
        Console.Error.WriteLine(Inv($"round {round}/{rounds}  {c.Name,-24} {run.Seconds,6:0.00} s  {run.PeakKb / 1024,5} MiB"));
    }
}

var floor = Median(runs[cases[0].Name].Select(r => r.Seconds));
Console.WriteLine();
Console.WriteLine(Inv($"Synthesis, median of {rounds} interleaved runs per case; {Environment.ProcessorCount} cores, {Memory()}, .NET {Environment.Version}, {NodeVersion()}"));
Console.WriteLine();
Console.WriteLine("| case | wall (median) | × floor | peak RSS | stack: template bytes / resources |");
Console.WriteLine("| --- | ---: | ---: | ---: | --- |");
foreach (var c in cases)
{
    var wall = Median(runs[c.Name].Select(r => r.Seconds));
    var peak = Median(runs[c.Name].Select(r => (double)r.PeakKb)) / 1024;
    Console.WriteLine(Inv($"| {c.Name} | {wall:0.00} s | {wall / floor:0.00} | {peak:0} MiB | {Templates(outdirs[c.Name])} |"));
}
Directory.Delete(work, recursive: true);
return 0;

static (double Seconds, long PeakKb) Measure(string[] command, string? environment, string outdir, string cwd)
{
    // GNU time reports the largest resident set of the process tree's members (dotnet or node).
    var start = new ProcessStartInfo("/usr/bin/time") { RedirectStandardError = true, RedirectStandardOutput = true, WorkingDirectory = cwd };
    foreach (var a in new[] { "-f", "k8slab-peak-kb=%M", "dotnet" }.Concat(command)) start.ArgumentList.Add(a);
    if (command.Length > 1) start.ArgumentList.Add(outdir);
    start.Environment["CDK_OUTDIR"] = outdir;
    // As the CLI does: cdk.json's context (the feature flags), its own settings and the environment.
    start.Environment["CDK_CONTEXT_JSON"] = environment is null ? "{}"
        : K8sLab.Configuration.CdkContext.AsTheCliPassesIt(Path.Combine(FindRepo(), "cdk.json"), environment).ToJsonString();
    var clock = Stopwatch.StartNew();
    using var process = Process.Start(start)!;
    var stdout = process.StandardOutput.ReadToEndAsync();
    var stderr = process.StandardError.ReadToEnd();
    process.WaitForExit();
    var seconds = clock.Elapsed.TotalSeconds;
    if (process.ExitCode != 0) throw new InvalidOperationException($"{string.Join(' ', command)} failed:\n{stdout.Result}\n{stderr}");
    var peak = stderr.Split('\n').Last(l => l.StartsWith("k8slab-peak-kb=", StringComparison.Ordinal))["k8slab-peak-kb=".Length..];
    return (seconds, long.Parse(peak, CultureInfo.InvariantCulture));
}

static string Templates(string outdir)
{
    var stacks = Directory.GetFiles(outdir, "*.template.json").Order().Select(f =>
    {
        using var doc = JsonDocument.Parse(File.ReadAllText(f));
        var resources = doc.RootElement.TryGetProperty("Resources", out var r) ? r.EnumerateObject().Count() : 0;
        var name = Path.GetFileName(f).Replace(".template.json", "").Split('-').Last();
        return Inv($"{name} {new FileInfo(f).Length:N0} B / {resources}");
    }).ToList();
    return stacks.Count == 0 ? "(no stacks)" : string.Join("; ", stacks);
}

// A large lab needs what the scale limits ask for: a bastion for the forks, a surge that fits the
// wait (12 for 400 nodes, 20 for the largest lab: the wait now budgets the control plane's roll), a pod range for the nodes (Infra/Configuration/ScaleLimits.cs).
static string Scaled(string devYaml, int nodes) => devYaml
    .Replace("  count: 1                       # odd: 1, 3, 5 or 7", "  count: 3")
    .Replace("  count: 2\n", $"  count: {nodes - 3}\n")
    .Replace("bastion:\n  instanceType: t3.small", "bastion:\n  instanceType: t3.large")
    + $"\nconvergence:\n  maxSurge: {(nodes > 400 ? 20 : 12)}\nkubernetes:\n  podCidr: 10.64.0.0/14\n";

static double Median(IEnumerable<double> values)
{
    var sorted = values.Order().ToList();
    return sorted.Count % 2 == 1 ? sorted[sorted.Count / 2] : (sorted[sorted.Count / 2 - 1] + sorted[sorted.Count / 2]) / 2;
}

static string Memory() => File.ReadLines("/proc/meminfo").First().Split(' ', StringSplitOptions.RemoveEmptyEntries) is [_, var kb, ..]
    ? Inv($"{long.Parse(kb, CultureInfo.InvariantCulture) / 1024 / 1024} GiB") : "?";

static string NodeVersion()
{
    var p = Process.Start(new ProcessStartInfo("node", "--version") { RedirectStandardOutput = true })!;
    var v = p.StandardOutput.ReadToEnd().Trim();
    p.WaitForExit();
    return "Node " + v;
}

static string FindRepo()
{
    for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        if (File.Exists(Path.Combine(dir.FullName, "K8sLab.sln"))) return dir.FullName;
    throw new InvalidOperationException("run from the repository");
}

static string Inv(FormattableString s) => s.ToString(CultureInfo.InvariantCulture);
