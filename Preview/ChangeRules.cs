using System.Diagnostics;
using System.Text.Json.Nodes;

namespace K8sLab.Preview;

/// <summary>
/// The bastion's own rules for a change of the cluster's settings: converge/k8slab_converge/changes.py,
/// which the bastion's planner applies too, run by python3 (3.8 or later, standard library only) from
/// this repository's converge/ folder. The preview states them; it keeps no copy that could disagree.
/// </summary>
public static class ChangeRules
{
    public const string Module = "k8slab_converge.changes";

    public const string Missing = "the preview needs python3 (3.8 or later): it runs the bastion's own rules for a change " +
                                  "of the cluster's settings (converge/k8slab_converge/changes.py)";

    /// <summary>
    /// The classification of a change from one request header's <c>settings</c> to another's, and what the
    /// convergence does with it and with <paramref name="nodes"/>: each node whose instance the deploy
    /// replaces, adds or removes (its name, role tag and "replaced", "added" or "removed").
    /// </summary>
    /// <param name="converge">The repository's converge/ folder; found from the working directory or this program's when null.</param>
    public static ClusterChange Classify(JsonNode before, JsonNode after, IEnumerable<(string Name, string Role, string Change)>? nodes = null,
        string python = "python3", string? converge = null)
    {
        converge ??= ConvergeFolder();
        var start = new ProcessStartInfo(python);
        start.ArgumentList.Add("-m");
        start.ArgumentList.Add(Module);
        var path = Environment.GetEnvironmentVariable("PYTHONPATH");
        start.Environment["PYTHONPATH"] = string.IsNullOrEmpty(path) ? converge : converge + Path.PathSeparator + path;
        // The user's repository gets no __pycache__ from a preview.
        start.Environment["PYTHONDONTWRITEBYTECODE"] = "1";

        var input = new JsonObject
        {
            ["before"] = before.DeepClone(), ["after"] = after.DeepClone(),
            ["nodes"] = new JsonArray((nodes ?? []).Select(n => (JsonNode)new JsonObject { ["name"] = n.Name, ["role"] = n.Role, ["change"] = n.Change }).ToArray()),
        }.ToJsonString();
        var (exitCode, stdout, stderr) = PythonProcess.Run(start, Missing, input);
        if (exitCode != 0)
            throw new PreviewException($"the bastion's change rules ({python} -m {Module}, in {converge}) failed: {stderr.Trim()}");
        return ClusterChange.Parse(stdout);
    }

    /// <summary>converge/ beside the preview: above the working directory (scripts/preview.sh runs from the repository's root) or above this program.</summary>
    public static string ConvergeFolder()
    {
        foreach (var start in new[] { Directory.GetCurrentDirectory(), AppContext.BaseDirectory })
            for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
            {
                var converge = Path.Combine(dir.FullName, "converge");
                if (File.Exists(Path.Combine(converge, "k8slab_converge", "changes.py"))) return converge;
            }
        throw new PreviewException($"converge/k8slab_converge/changes.py (the bastion's change rules) is neither above {Directory.GetCurrentDirectory()} " +
                                   $"nor above {AppContext.BaseDirectory}: run the preview from the repository (scripts/preview.sh does)");
    }
}

/// <summary>
/// What a deploy does to the running cluster when its settings change, as the bastion's rules classify it
/// (<see cref="ChangeRules"/>). None of it replaces an instance: the settings reach the cluster as group
/// variables, not user data.
/// </summary>
/// <param name="Verdict">refused, rebuild, upgrade, re-converge (cluster.yml with new variables) or unchanged.</param>
/// <param name="Changes">"version 1.34.7 → 1.35.4", "networkPlugin calico → cilium", "addons +helm": what differs.</param>
/// <param name="Refusals">Why the convergence will refuse the change (the deploy then fails and rolls back,
/// the plugin's port rules with it: they are the Nodes stack's, Cluster/PortRules.cs); the reason is the bastion's own.</param>
public sealed record ClusterChange(string Verdict, IReadOnlyList<string> Changes, IReadOnlyList<(string Rule, string Reason)> Refusals)
{
    /// <summary>What the convergence does, in the order of its work ("rolled: cp-1..3 (...)"): changes.py's statements.</summary>
    public IReadOnlyList<string> Statements { get; init; } = Array.Empty<string>();
    /// <summary>The convergence would refuse the deploy.</summary>
    public bool Refused { get; init; }

    public bool None => Changes.Count == 0;

    public static ClusterChange Parse(string json)
    {
        try
        {
            var node = JsonNode.Parse(json)!;
            return new ClusterChange(node["verdict"]!.GetValue<string>(),
                node["changes"]!.AsArray().Select(c => c!.GetValue<string>()).ToList(),
                node["refusals"]!.AsArray().Select(r => (r!["rule"]!.GetValue<string>(), r["reason"]!.GetValue<string>())).ToList())
            {
                Statements = node["statements"]!.AsArray().Select(s => s!.GetValue<string>()).ToList(),
                Refused = node["refused"]!.GetValue<bool>(),
            };
        }
        catch (Exception e) when (e is System.Text.Json.JsonException or NullReferenceException or InvalidOperationException)
        {
            throw new PreviewException($"the bastion's change rules answered what the preview cannot read ({e.Message}): {json}");
        }
    }

    /// <summary>
    /// "kubernetes: version 1.34.7 → 1.35.4: upgrade (...), re-converge, no instance replaced": one line for the
    /// preview; <paramref name="instancesReplaced"/> is whether the same deploy replaces any instance.
    /// </summary>
    public string Describe(bool instancesReplaced)
    {
        var what = Verdict switch
        {
            "refused" => "refused by the convergence (see the warnings)",
            "rebuild" => "rebuild: the cluster is reset (kubernetes.allowRebuild)",
            "upgrade" => "upgrade (kubespray's upgrade-cluster.yml: control plane first, then the workers, drained and upgraded a batch at a time), re-converge",
            "re-converge" => "re-converge",
            "unchanged" => "nothing for the convergence to change",
            _ => throw new PreviewException($"the bastion's change rules gave an unknown verdict: {Verdict}"),
        };
        return $"kubernetes: {string.Join(", ", Changes)}: {what}{(instancesReplaced || Verdict == "refused" ? "" : ", no instance replaced")}";
    }
}
