namespace K8sLab.Configuration;

/// <summary>
/// The figures that grow with the node count, checked when the environment file is read, so that a
/// lab too large for its subnets, pod range, bastion or wait fails the synth with the setting to
/// change rather than half-way through a deploy. Pure: no CDK.
/// </summary>
public static class ScaleLimits
{
    /// <summary>CloudFormation's quota of resources in one stack's template.</summary>
    public const int StackMaxResources = 500;

    /// <summary>
    /// The most resources the Nodes stack holds besides one instance a node: 12 network-plugin rules
    /// (cilium's), 2 launch templates, up to 10 SSM parameters of the convergence request (a header and
    /// 9 parts hold even 1,007 nodes: ScaleLimitTests), the wait handle and condition, CDK's metadata.
    /// </summary>
    public const int NodesStackOtherResources = 27;

    /// <summary>
    /// The most nodes (control plane and workers) one Nodes stack takes: 473. At that count its
    /// template is about 0.9 MB without user tags (BENCHMARKS.md); many long tags can still
    /// reach the 1 MB quota, which the synth then refuses naming workers.count.
    /// </summary>
    public const int MaxNodes = StackMaxResources - NodesStackOtherResources;

    /// <summary>AWS keeps five addresses of every subnet.</summary>
    public const int AwsReservedPerSubnet = 5;

    /// <summary>The subnet groups the VPC splits its block into (public, nodes).</summary>
    public const int SubnetGroups = 2;

    /// <summary>kubelet's default max pods (110) needs a /25 of the pod range per node.</summary>
    public const int LongestNodePrefix = 25;

    /// <summary>ansible's default (5) up to kubespray's example for 200 nodes (50): a fork per 4 nodes.</summary>
    public static int Forks(int nodes) => Math.Clamp((nodes + 3) / 4, 5, 50);

    // Estimates of the ansible controller on the bastion (this repository has no account to measure):
    // the controller process and the OS, each fork's Python, and each host's facts and variables.
    public const int ControllerBaseMb = 768, MbPerFork = 48, MbPerNode = 2;

    public static int BastionMemoryMb(int nodes) => ControllerBaseMb + MbPerFork * Forks(nodes) + MbPerNode * nodes;

    /// <summary>
    /// The prefix of each subnet CDK carves from the VPC block when no mask is given: the block
    /// divided evenly among zones × groups subnets, rounded down to a power of two.
    /// </summary>
    public static int SubnetPrefix(System.Net.IPNetwork vpc, int zones) =>
        32 - (int)Math.Floor(Math.Log2(Math.Pow(2, 32 - vpc.PrefixLength) / (zones * SubnetGroups)));

    public static long AddressesPerSubnet(System.Net.IPNetwork vpc, int zones) => (1L << (32 - SubnetPrefix(vpc, zones))) - AwsReservedPerSubnet;

    /// <summary>
    /// The most instances one private subnet holds during a full replacement: nodes go round-robin
    /// over the zones, and CloudFormation creates every replacement before it deletes any old instance.
    /// </summary>
    public static long InstancesPerSubnet(LabConfig config)
    {
        var zones = config.Network.ZoneCount;
        var busiest = (config.ControlPlane.Count + zones - 1) / zones + (config.Workers.Count + zones - 1) / zones;
        return 2L * busiest;
    }

    // The wait: boot and cluster.yml, kubespray's time per node, each control-plane node beyond the
    // first (kubespray upgrades them one at a time: upgrade-cluster.yml's control-plane play has
    // serial 1), and the time of one surge batch of a rolling replacement or upgrade (scale.yml or
    // upgrade-cluster.yml --limit, drain, remove-node.yml, validation).
    public static readonly TimeSpan WaitBase = TimeSpan.FromMinutes(50), WaitPerNode = TimeSpan.FromSeconds(20),
        WaitPerControlPlane = TimeSpan.FromMinutes(10), WaitPerBatch = TimeSpan.FromMinutes(12), WaitLimit = TimeSpan.FromHours(12);

    // The control plane's roll, one node at a time (a new image, type or document replaces every
    // control-plane node; controlPlane.count up or down adds or removes etcd members the same way):
    // per node one cluster.yml that joins the successor (~15 min), an nginx-proxy restart and the
    // validation (~2 min) and one remove-node.yml for the predecessor (~5 min), budgeted at 25 min;
    // once, a cluster.yml that puts the inventory's first node back in order (~15 min) and the etcd
    // snapshot to S3 taken before anything (~2 min).
    public static readonly TimeSpan WaitPerControlPlaneRoll = TimeSpan.FromMinutes(25), WaitControlPlaneReorder = TimeSpan.FromMinutes(15),
        WaitSnapshot = TimeSpan.FromMinutes(2);

    /// <summary>
    /// Long enough for a first deploy, for rolling every control-plane node and replacing every worker
    /// maxSurge at a time, and for a Kubernetes upgrade (the control plane node by node, then the
    /// workers maxSurge at a time), all in one deploy.
    /// </summary>
    public static TimeSpan WaitTimeout(LabConfig config) =>
        WaitFixed(config) + WaitPerBatch * Batches(config.Workers.Count, config.Convergence.MaxSurge);

    /// <summary>Rolling every control-plane node, one at a time, after a snapshot (42 min for 1 node, 3 h 12 min for 7).</summary>
    public static TimeSpan ControlPlaneRoll(int controlPlaneNodes) =>
        WaitSnapshot + WaitControlPlaneReorder + WaitPerControlPlaneRoll * controlPlaneNodes;

    private static TimeSpan WaitFixed(LabConfig config) =>
        WaitBase + WaitPerControlPlane * (config.ControlPlane.Count - 1) + ControlPlaneRoll(config.ControlPlane.Count) + WaitPerNode * config.NodeCount;

    private static int Batches(int workers, int surge) => (workers + surge - 1) / surge;

    /// <summary>Every limit the configuration breaks, as "key: message".</summary>
    public static IReadOnlyList<string> Check(LabConfig config)
    {
        var problems = new List<string>();
        var nodes = config.NodeCount;
        var surge = config.Convergence.MaxSurge;

        if (nodes > MaxNodes)
            problems.Add($"workers.count: {config.Workers.Count} workers and {config.ControlPlane.Count} control-plane nodes make {nodes} nodes; " +
                $"the Nodes stack takes at most {MaxNodes} (one resource each, besides up to {NodesStackOtherResources} others, within CloudFormation's " +
                $"{StackMaxResources} resources per stack): allowed 0 to {MaxNodes - config.ControlPlane.Count} workers with {config.ControlPlane.Count} control-plane nodes");

        var perSubnet = InstancesPerSubnet(config);
        var room = AddressesPerSubnet(config.Network.VpcCidr, config.Network.ZoneCount);
        if (perSubnet > room)
            problems.Add($"network.vpcCidr: {config.Network.VpcCidr} over {config.Network.ZoneCount} zones gives each private subnet a " +
                $"/{SubnetPrefix(config.Network.VpcCidr, config.Network.ZoneCount)} of {room} addresses; replacing every node needs {perSubnet} in the busiest " +
                "(CloudFormation creates each new instance before deleting the old one): use a larger block (a shorter prefix) or more network.availabilityZones");

        var pods = config.Kubernetes;
        if (pods.NodeCapacity < nodes + surge)
            problems.Add($"kubernetes.podCidr: {pods.PodCidr} with kubernetes.nodePrefix /{pods.NodePrefix} holds {pods.NodeCapacity} nodes; " +
                $"the cluster has up to {nodes + surge} ({nodes} nodes + convergence.maxSurge {surge}): use a larger range such as " +
                $"{SuggestPodRange(nodes + surge, pods.NodePrefix)} or a longer nodePrefix (up to /{LongestNodePrefix}, 110 pods a node)");

        var need = BastionMemoryMb(nodes);
        if (config.BastionType.UsableMemoryMiB < need)
        {
            var fits = InstanceTypes.All.Values.Where(t => t.Name.StartsWith("t3.", StringComparison.Ordinal) && t.UsableMemoryMiB >= need)
                .OrderBy(t => t.MemoryMiB).FirstOrDefault();
            problems.Add($"bastion.instanceType: {config.BastionType.Name} has {config.BastionType.UsableMemoryMiB} MB usable; converging {nodes} nodes " +
                $"runs ansible with {Forks(nodes)} forks and needs about {need} MB ({ControllerBaseMb} MB + {MbPerFork} MB a fork + {MbPerNode} MB a node): " +
                $"choose {fits?.Name ?? "a larger type"}{(fits is null ? "" : " or larger")}");
        }

        var wait = WaitTimeout(config);
        if (wait > WaitLimit)
        {
            var left = WaitLimit - WaitFixed(config);
            var minimum = left <= TimeSpan.Zero ? (int?)null : (int)Math.Ceiling(config.Workers.Count / Math.Floor(left / WaitPerBatch));
            problems.Add($"convergence.maxSurge: replacing {config.Workers.Count} workers {surge} at a time takes about {wait.TotalHours:0.#} hours " +
                $"({WaitPerBatch.TotalMinutes:0} minutes a batch); a CloudFormation wait lasts at most {WaitLimit.TotalHours:0} hours: " +
                (minimum is { } m && m <= 100 ? $"set it to at least {m}" : "use fewer workers"));
        }
        return problems;
    }

    private static string SuggestPodRange(int nodes, int nodePrefix)
    {
        var bits = (int)Math.Ceiling(Math.Log2(nodes));
        var prefix = Math.Max(8, nodePrefix - bits);
        // 10.128.0.0/9 and below stay clear of the service range 10.233.0.0/18 only when small enough;
        // suggest a block aligned at 10.64.0.0 (outside the usual VPC blocks 10.0-10.63).
        return $"10.64.0.0/{prefix}";
    }
}
