using System.Text.Json.Nodes;

namespace K8sLab.Cluster;

/// <summary>
/// The cluster settings a convergence request carries (its header's <c>settings</c>), as the preview
/// compares them. A request written before the kubernetes section had no plugin, service range,
/// add-ons or group variables: it means kubespray's defaults, as the convergence reads it too.
/// </summary>
public sealed record ClusterSettings(string Version, string NetworkPlugin, string PodCidr, string ServiceCidr, int NodePrefix,
    IReadOnlyList<string> Addons, bool AllowRebuild, string? GroupVars)
{
    public static ClusterSettings FromRequest(JsonNode settings) => new(
        Version: Text(settings["kubernetes"]) ?? throw new FormatException("a convergence request's settings name the Kubernetes version"),
        NetworkPlugin: Text(settings["networkPlugin"]) ?? Cluster.NetworkPlugin.Calico.Name(),
        PodCidr: Text(settings["podCidr"]) ?? ClusterSpec.DefaultPodCidr.ToString(),
        ServiceCidr: Text(settings["serviceCidr"]) ?? ClusterSpec.DefaultServiceCidr.ToString(),
        NodePrefix: settings["nodePrefix"] is JsonValue p && p.TryGetValue<int>(out var prefix) ? prefix : ClusterSpec.DefaultNodePrefix,
        Addons: (settings["addons"] as JsonArray)?.Select(a => Text(a) ?? "").ToList() ?? new List<string>(),
        AllowRebuild: settings["allowRebuild"] is JsonValue r && r.TryGetValue<bool>(out var allow) && allow,
        GroupVars: settings["groupVars"]?.ToJsonString());

    private static string? Text(JsonNode? node) => node is JsonValue v && v.TryGetValue<string>(out var s) ? s : null;
}

/// <summary>
/// What a deploy does to a running cluster when its settings change from <see cref="ClusterSettings"/>
/// to others, by the rules the convergence applies: a newer version is an upgrade (one minor at a
/// time, never down); a new plugin, range or node prefix rebuilds the cluster and needs
/// kubernetes.allowRebuild; anything else (add-ons, the switch itself) re-runs kubespray. None of it
/// replaces an instance: the settings reach the cluster as group variables, not user data.
/// </summary>
/// <param name="Changes">"version 1.34.7 → 1.35.4", "networkPlugin calico → cilium", "addons +helm": what differs.</param>
/// <param name="Refusals">Why the convergence will refuse the change (the deploy then fails and rolls back,
/// the plugin's port rules with it: they are the Nodes stack's, Cluster/PortRules.cs).</param>
public sealed record ClusterChange(IReadOnlyList<string> Changes, bool Upgrade, IReadOnlyList<string> RebuildBy, IReadOnlyList<string> Refusals)
{
    public bool None => Changes.Count == 0;
    public bool Rebuild => RebuildBy.Count > 0;

    public static ClusterChange Between(ClusterSettings before, ClusterSettings after)
    {
        var changes = new List<string>();
        var refusals = new List<string>();
        var upgrade = false;
        if (before.Version != after.Version)
        {
            changes.Add($"version {before.Version} → {after.Version}");
            var (from, to) = (KubernetesVersion.Parse(before.Version), KubernetesVersion.Parse(after.Version));
            if (to < from)
                refusals.Add($"kubernetes.version {to} is older than the running {from}: a downgrade, which the convergence refuses (Kubernetes' version-skew policy)");
            else if (to.Major != from.Major || to.Minor - from.Minor > 1)
                refusals.Add($"kubernetes.version {from} → {to} skips a minor version, which the convergence refuses: upgrade one minor at a time" +
                             (to.Major == from.Major ? $": {string.Join(", then ", Enumerable.Range(from.Minor + 1, to.Minor - from.Minor - 1).Select(m => $"{from.Major}.{m}.x").Append(to.ToString()))}" : ""));
            else upgrade = true;
        }

        var rebuildBy = new List<string>();
        foreach (var (key, old, now) in new[]
        {
            ("networkPlugin", before.NetworkPlugin, after.NetworkPlugin), ("podCidr", before.PodCidr, after.PodCidr),
            ("serviceCidr", before.ServiceCidr, after.ServiceCidr),
            ("nodePrefix", before.NodePrefix.ToString(System.Globalization.CultureInfo.InvariantCulture), after.NodePrefix.ToString(System.Globalization.CultureInfo.InvariantCulture)),
        })
            if (old != now) rebuildBy.Add($"{key} {old} → {now}");
        changes.AddRange(rebuildBy);
        if (rebuildBy.Count > 0 && !after.AllowRebuild)
            refusals.Add($"{string.Join(", ", rebuildBy)} rebuilds the running cluster (reset, then cluster.yml: workloads are lost), and kubernetes.allowRebuild is not true: " +
                         "the convergence refuses it and leaves the cluster as it was" +
                         (before.NetworkPlugin != after.NetworkPlugin
                             ? $" ({after.NetworkPlugin}'s port rules, in the Nodes stack, roll back with the refusal; {before.NetworkPlugin}'s stay open)"
                             : ""));

        var added = after.Addons.Except(before.Addons).Select(a => "+" + a);
        var removed = before.Addons.Except(after.Addons).Select(a => "-" + a);
        if (added.Concat(removed).Any()) changes.Add($"addons {string.Join(" ", added.Concat(removed))}");
        if (before.AllowRebuild != after.AllowRebuild) changes.Add($"allowRebuild {Bool(before.AllowRebuild)} → {Bool(after.AllowRebuild)}");
        // What the settings above do not explain (a request from before the group variables, say).
        if (changes.Count == 0 && before.GroupVars != after.GroupVars) changes.Add("kubespray group variables");
        return new ClusterChange(changes, upgrade, rebuildBy, refusals);
    }

    /// <summary>
    /// "version 1.34.7 → 1.35.4: upgrade (...), re-converge, no instance replaced": one line for the
    /// preview; <paramref name="instancesReplaced"/> is whether the same deploy replaces any instance.
    /// </summary>
    public string Describe(bool instancesReplaced)
    {
        var what = Refusals.Count > 0 ? "refused by the convergence (see the warnings)"
            : Rebuild ? "rebuild: the cluster is reset (kubernetes.allowRebuild)"
            : Upgrade ? "upgrade (kubespray's upgrade-cluster.yml: control plane first, then the workers, drained and upgraded a batch at a time), re-converge"
            : "re-converge";
        return $"kubernetes: {string.Join(", ", Changes)}: {what}{(instancesReplaced || Refusals.Count > 0 ? "" : ", no instance replaced")}";
    }

    private static string Bool(bool b) => b ? "true" : "false";
}
