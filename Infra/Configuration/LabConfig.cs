using System.Net;

namespace K8sLab.Configuration;

/// <summary>One environment of the lab, as read and checked from <c>environments/NAME.yaml</c>.</summary>
public sealed record LabConfig(
    string Environment,
    string SourceFile,
    string Region,
    NetworkConfig Network,
    AdminAccess Admin,
    ImagePin MachineImage,
    InstanceTypeSpec BastionType,
    NodeGroup ControlPlane,
    NodeGroup Workers)
{
    /// <summary>
    /// The user's tags (environment file's <c>tags:</c>), on every resource that can change its tags
    /// in place; never where a tag would replace something (launch templates, the key pair).
    /// </summary>
    public IReadOnlyDictionary<string, string> Tags { get; init; } = new Dictionary<string, string>();

    /// <summary>How the bastion rolls changes into the cluster (environment file's <c>convergence:</c>).</summary>
    public ConvergenceSettings Convergence { get; init; } = new();

    /// <summary>The cluster's shape: version, network plugin, ranges, add-ons (environment file's <c>kubernetes:</c>).</summary>
    public Cluster.ClusterSpec Kubernetes { get; init; } = Cluster.ClusterSpec.KubesprayDefault;

    /// <summary>The etcd snapshots: how long the lab's bucket keeps them and how often the bastion takes one (environment file's <c>snapshots:</c>).</summary>
    public SnapshotSettings Snapshots { get; init; } = new();

    public int NodeCount => ControlPlane.Count + Workers.Count;

    /// <summary>Prefix of every stack and name tag, so environments sit side by side in one account.</summary>
    public string StackPrefix => $"K8sLab-{Environment}";

    /// <summary>The four stacks' names: Lab.cs names its stacks so, and --print-config tells the scripts.</summary>
    public StackNames StackNames => new($"{StackPrefix}-Network", $"{StackPrefix}-Security", $"{StackPrefix}-Bastion", $"{StackPrefix}-Nodes");
}

/// <summary>One environment's stacks, in deploy order.</summary>
public sealed record StackNames(string Network, string Security, string Bastion, string Nodes);

public enum NatKind { Gateway, Instance }

public sealed record NetworkConfig(
    IPNetwork VpcCidr,
    IReadOnlyList<string>? AvailabilityZones,
    int NatCount,
    NatKind Nat,
    InstanceTypeSpec NatInstanceType)
{
    /// <summary>Without explicit names CloudFormation picks two zones of the region at deploy time.</summary>
    public int ZoneCount => AvailabilityZones?.Count ?? 2;
}

/// <summary>Who may reach the bastion's SSH port.</summary>
public sealed record AdminAccess(IPNetwork Cidr, bool AllowAnyAddress)
{
    /// <summary>The command that prints the user's own public address, for admin.cidr.</summary>
    public const string OwnAddressCommand = "curl -s https://checkip.amazonaws.com";

    /// <summary>A documentation range (the shipped files' 203.0.113.10/32): a deploy would let nobody in.</summary>
    public bool IsDocumentationRange => Cidr.IsDocumentation();

    /// <summary>What to tell the user about a documentation range in <paramref name="file"/>, or null.</summary>
    public string? DocumentationRangeProblem(string file) => IsDocumentationRange
        ? $"{file}: admin.cidr {Cidr} is a documentation range (RFC 5737), nobody's address: the bastion's SSH would let no one in. " +
          $"Put your own address there ({OwnAddressCommand} prints it; add /32)"
        : null;
}

/// <summary>
/// The Ubuntu 24.04 image every instance boots. Pinned per environment so that a newly published
/// image never replaces instances on its own; <c>scripts/pin-image.sh</c> is the one way to move it.
/// </summary>
public sealed record ImagePin(string? AmiId, string? Name)
{
    public bool IsPinned => AmiId is not null;

    /// <summary>The image's architecture, and so every instance's (machineImage.architecture).</summary>
    public string Architecture { get; init; } = Architectures.X86;
}

public sealed record NodeGroup(int Count, InstanceTypeSpec InstanceType)
{
    /// <summary>On spot capacity: persistent requests that stop on interruption (Instances/SpotMarket.cs).</summary>
    public bool Spot { get; init; }

    /// <summary>
    /// Per-node generation counters (<c>workers.generations.worker-3: 1</c>): a new number gives the
    /// node a new logical ID, so CloudFormation launches a new instance for it. The way back for a node
    /// whose instance died outside CloudFormation (which never recreates it by itself).
    /// </summary>
    public IReadOnlyDictionary<string, int> Generations { get; init; } = new Dictionary<string, int>();

    public int GenerationOf(string node) => Generations.TryGetValue(node, out var g) ? g : 0;

    /// <summary>
    /// The group's default type (t3.medium, t4g.medium on arm64): the one type that stays out of the
    /// nodes' logical IDs, so that a lab on it keeps the IDs it had before the type became part of them
    /// (Instances/BootstrappedInstance.cs). Every other type is hashed in with the user data.
    /// </summary>
    public string DefaultInstanceType { get; init; } = DefaultType;

    /// <summary>Both groups' default type on x86-64 (<see cref="Architectures.Default"/> gives arm64's).</summary>
    public const string DefaultType = "t3.medium";
}

/// <param name="MaxSurge">Successors that join before their predecessors drain, and so the most
/// nodes the cluster holds beyond the requested count during a rolling replacement.</param>
/// <param name="DownloadOnce">kubespray's download_run_once: each file and image is downloaded
/// once, on the first control-plane node, and copied to the others through the bastion.</param>
/// <param name="DrainSeconds">How long one node's drain may wait on PodDisruptionBudgets.</param>
public sealed record ConvergenceSettings(int MaxSurge = 1, bool DownloadOnce = false, int DrainSeconds = 300);

/// <param name="KeepDays">Days the lab's snapshot bucket keeps an object: its lifecycle rule expires older ones.</param>
/// <param name="EveryHours">The bastion takes an etcd snapshot when its last one is this many hours old.</param>
public sealed record SnapshotSettings(int KeepDays = SnapshotSettings.DefaultKeepDays, int EveryHours = SnapshotSettings.DefaultEveryHours)
{
    public const int DefaultKeepDays = 7;
    public const int MaxKeepDays = 365;
    public const int DefaultEveryHours = 6;
    /// <summary>At least one snapshot a day.</summary>
    public const int MaxEveryHours = 24;
}
