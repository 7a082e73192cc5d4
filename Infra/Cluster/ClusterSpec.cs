using System.Net;

namespace K8sLab.Cluster;

/// <summary>
/// The cluster's shape (environment file's <c>kubernetes:</c>): what kubespray installs and how the
/// pods and services are addressed. It reaches the cluster as kubespray group variables written by
/// the convergence (<see cref="GroupVars"/>), never through user data: changing it replaces no instance.
/// </summary>
public sealed record ClusterSpec
{
    /// <summary>kubespray's own defaults (roles/kubespray_defaults): kube_pods_subnet, kube_service_addresses, kube_network_node_prefix.</summary>
    public static readonly IPNetwork DefaultPodCidr = IPNetwork.Parse(KubesprayRelease.Embedded.DefaultValue("kube_pods_subnet"));
    public static readonly IPNetwork DefaultServiceCidr = IPNetwork.Parse(KubesprayRelease.Embedded.DefaultValue("kube_service_addresses"));
    public static readonly int DefaultNodePrefix = int.Parse(KubesprayRelease.Embedded.DefaultValue("kube_network_node_prefix"), System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>What a file without a <c>kubernetes:</c> section gets: kubespray's defaults, calico, no add-ons.</summary>
    public static readonly ClusterSpec KubesprayDefault = new();

    /// <summary>kube_version; kubespray's default unless kubernetes.version says otherwise.</summary>
    public string Version { get; init; } = KubesprayRelease.Embedded.Default;
    public NetworkPlugin NetworkPlugin { get; init; } = NetworkPlugin.Calico;
    /// <summary>kube_pods_subnet.</summary>
    public IPNetwork PodCidr { get; init; } = DefaultPodCidr;
    /// <summary>kube_service_addresses.</summary>
    public IPNetwork ServiceCidr { get; init; } = DefaultServiceCidr;
    /// <summary>kube_network_node_prefix: each node's share of the pod range.</summary>
    public int NodePrefix { get; init; } = DefaultNodePrefix;
    /// <summary>The add-ons switched on, in the order of <see cref="Addons.All"/>.</summary>
    public IReadOnlyList<Addon> Addons { get; init; } = Array.Empty<Addon>();
    /// <summary>Whether a deploy may rebuild a running cluster to change its plugin, ranges or node prefix.</summary>
    public bool AllowRebuild { get; init; }

    /// <summary>How many nodes the pod range can hold: one node prefix each.</summary>
    public long NodeCapacity => 1L << (NodePrefix - PodCidr.PrefixLength);
}
