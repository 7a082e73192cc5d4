using System.Text;
using System.Text.Json;

namespace K8sLab.Convergence;

/// <summary>One requested node: its name, role and the logical ID of the instance CloudFormation made for it.</summary>
public sealed record RequestedNode(string Name, string Role, string InstanceLogicalId);

/// <summary>
/// What the bastion needs besides the node set; part of the wait's identity, so a change of any of
/// them (the cluster's shape included) makes a new wait and a new convergence run.
/// </summary>
/// <param name="Addons">The enabled add-ons' keys (kubernetes.addons), sorted.</param>
/// <param name="GroupVars">kubespray group variables (Cluster/GroupVars.cs) that the bastion writes verbatim.</param>
/// <param name="SnapshotBucket">The Security stack's etcd snapshot bucket: its name, a token until deploy.</param>
/// <param name="SnapshotHours">snapshots.everyHours: the bastion takes a snapshot when its last one is this old.</param>
/// <param name="SnapshotDays">snapshots.keepDays: how long the bucket keeps one.</param>
public sealed record RequestSettings(string Kubespray, string Kubernetes, int MaxSurge, int Forks, bool DownloadOnce,
    string PodCidr, int NodePrefix, int DrainSeconds, string NetworkPlugin, string ServiceCidr,
    IReadOnlyList<string> Addons, bool AllowRebuild, IReadOnlyDictionary<string, object> GroupVars,
    string SnapshotBucket, int SnapshotHours, int SnapshotDays)
{
    /// <summary>The settings of an environment: the file's choices, the pinned kubespray, forks for its size, the snapshot bucket's name.</summary>
    public static RequestSettings For(Configuration.LabConfig config, string snapshotBucket)
    {
        var cluster = config.Kubernetes;
        return new RequestSettings(
            Kubespray: Bootstrap.ControlHostVersions.Kubespray,
            Kubernetes: cluster.Version,
            MaxSurge: config.Convergence.MaxSurge,
            Forks: Configuration.ScaleLimits.Forks(config.NodeCount),
            DownloadOnce: config.Convergence.DownloadOnce,
            PodCidr: cluster.PodCidr.ToString(),
            NodePrefix: cluster.NodePrefix,
            DrainSeconds: config.Convergence.DrainSeconds,
            NetworkPlugin: Cluster.NetworkPlugins.Name(cluster.NetworkPlugin),
            ServiceCidr: cluster.ServiceCidr.ToString(),
            Addons: cluster.Addons.Select(a => a.Key).Order(StringComparer.Ordinal).ToList(),
            AllowRebuild: cluster.AllowRebuild,
            GroupVars: Cluster.GroupVars.Render(cluster),
            SnapshotBucket: snapshotBucket,
            SnapshotHours: config.Snapshots.EveryHours,
            SnapshotDays: config.Snapshots.KeepDays);
    }
}

/// <summary>
/// The convergence request as SSM parameters, in the form converge/contract/request.schema.json
/// defines: a header (schema version, id, the wait's signal URL, settings, the number of parts)
/// and node parts mapping each node to its instance ID, by <c>Ref</c>, so that the request names
/// the exact instance generation (a rollback names the old instances again). Every
/// parameter is in SSM's Standard tier (4 KB, free); parts are filled to fit it with the longest
/// instance ID, so the request grows by parts, never past the tier. Pure: the values are
/// CloudFormation expressions built here, sized here.
/// </summary>
public sealed class ConvergenceRequest
{
    public const int StandardTierBytes = 4096;
    /// <summary>"i-" and 17 hex digits: the longest ID a Ref of an instance resolves to.</summary>
    public const int InstanceIdBytes = 19;
    /// <summary>
    /// Room for the wait condition handle's URL, a presigned S3 URL (a few hundred bytes; more with
    /// a session token in it).
    /// </summary>
    public const int SignalUrlBytes = 2048;
    /// <summary>The most parts a request may have (one GetParameters call takes 10 names).</summary>
    public const int MaxParts = 20;
    /// <summary>The longest name S3 gives a bucket: the header is sized for it, whatever name CloudFormation picks.</summary>
    public const int BucketNameBytes = 63;

    // Around a logical ID in the JSON text: where a Ref goes (no name, ID or setting contains it).
    private const string Mark = "@@";
    // Between marks, where the snapshot bucket's name goes (no logical ID has a colon): the name is
    // another stack's, an import CDK makes of the settings' token, sized as the longest bucket name.
    private const string BucketPlace = "snapshotBucket:name";

    public string Id { get; }
    /// <summary>The header and the parts, with their largest size at deploy time.</summary>
    public IReadOnlyList<(object Value, int MaxBytes)> Parameters { get; }

    public ConvergenceRequest(string id, string signalLogicalId, IReadOnlyList<RequestedNode> nodes, RequestSettings settings)
    {
        Id = id;
        var parts = Split(id, nodes);
        if (parts.Count > MaxParts)
            throw new ArgumentException($"ConvergenceRequest: {nodes.Count} nodes need {parts.Count} parameters of 4 KB; at most {MaxParts} (lower workers.count)");
        var header = JsonSerializer.Serialize(new Dictionary<string, object>
        {
            // The bastion reads only its own version: a newer request says to deploy the bastion first.
            ["schemaVersion"] = Contract.RequestSchema.Version,
            ["id"] = id,
            ["signal"] = Mark + signalLogicalId + Mark,
            ["parts"] = parts.Count,
            ["settings"] = new Dictionary<string, object>
            {
                ["kubespray"] = settings.Kubespray, ["kubernetes"] = settings.Kubernetes, ["maxSurge"] = settings.MaxSurge,
                ["forks"] = settings.Forks, ["downloadOnce"] = settings.DownloadOnce, ["podCidr"] = settings.PodCidr,
                ["nodePrefix"] = settings.NodePrefix, ["drainSeconds"] = settings.DrainSeconds,
                ["networkPlugin"] = settings.NetworkPlugin, ["serviceCidr"] = settings.ServiceCidr, ["addons"] = settings.Addons,
                ["allowRebuild"] = settings.AllowRebuild, ["groupVars"] = settings.GroupVars,
                ["snapshotBucket"] = Mark + BucketPlace + Mark, ["snapshotHours"] = settings.SnapshotHours, ["snapshotDays"] = settings.SnapshotDays,
            },
        });
        var all = new List<(object, int)> { (Join(header, settings.SnapshotBucket), Bytes(header, SignalUrlBytes)) };
        all.AddRange(parts.Select(p => { var text = PartText(id, p); return (Join(text), Bytes(text, InstanceIdBytes)); }));
        foreach (var (index, (_, bytes)) in all.Select((p, i) => (i, p)))
            if (bytes > StandardTierBytes)
                throw new ArgumentException($"ConvergenceRequest: parameter {index} would take {bytes} bytes; SSM's Standard tier holds {StandardTierBytes}");
        Parameters = all;
    }

    /// <summary>Nodes in parts of at most 4 KB each, in request order.</summary>
    public static IReadOnlyList<IReadOnlyList<RequestedNode>> Split(string id, IReadOnlyList<RequestedNode> nodes)
    {
        var parts = new List<IReadOnlyList<RequestedNode>>();
        var current = new List<RequestedNode>();
        foreach (var node in nodes)
        {
            current.Add(node);
            if (current.Count > 1 && Bytes(PartText(id, current), InstanceIdBytes) > StandardTierBytes)
            {
                current.RemoveAt(current.Count - 1);
                parts.Add(current);
                current = new List<RequestedNode> { node };
            }
        }
        parts.Add(current);
        return parts;
    }

    private static string PartText(string id, IEnumerable<RequestedNode> nodes)
    {
        var part = new Dictionary<string, object> { ["id"] = id };
        foreach (var role in nodes.GroupBy(n => n.Role))
            part[role.Key] = role.ToDictionary(n => n.Name, n => Mark + n.InstanceLogicalId + Mark);
        return JsonSerializer.Serialize(part);
    }

    /// <summary>
    /// The size at deploy time: each reference becomes a value of at most <paramref name="perReference"/> bytes,
    /// the snapshot bucket's name one of at most <see cref="BucketNameBytes"/>.
    /// </summary>
    private static int Bytes(string text, int perReference)
    {
        var pieces = text.Split(Mark);
        var literal = pieces.Where((_, i) => i % 2 == 0).Sum(p => Encoding.UTF8.GetByteCount(p));
        return literal + pieces.Where((p, i) => i % 2 == 1).Sum(p => p == BucketPlace ? BucketNameBytes : perReference);
    }

    /// <summary>The text with its references as an Fn::Join of literals and Refs, and the snapshot bucket's name (CDK resolves its token).</summary>
    private static object Join(string text, string? bucket = null)
    {
        var pieces = text.Split(Mark);
        var list = pieces.Select((p, i) => i % 2 == 0 ? (object)p
                : p == BucketPlace ? bucket ?? throw new InvalidOperationException("ConvergenceRequest: a part names the snapshot bucket")
                : new Dictionary<string, object> { ["Ref"] = p })
            .Where(p => p is not string s || s.Length > 0).ToArray();
        return new Dictionary<string, object> { ["Fn::Join"] = new object[] { "", list } };
    }
}
