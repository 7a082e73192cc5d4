using System.Net;
using K8sLab.Cluster;

namespace K8sLab.Configuration;

public static partial class EnvironmentFiles
{
    /// <summary>kube-apiserver and kubeadm take a service range of at most 20 host bits (a /12 in IPv4).</summary>
    public const int LargestServicePrefix = 12;

    /// <summary>kubeadm refuses a node prefix more than 16 bits longer than the pod range.</summary>
    public const int MaxNodePrefixBits = 16;

    /// <summary>
    /// The <c>kubernetes:</c> section: the version (one kubespray installs on the image's architecture),
    /// the network plugin, the pod and service ranges (apart from each other and from the VPC), the
    /// per-node prefix, the add-ons and whether a deploy may rebuild the cluster. A range left at
    /// kubespray's default that meets the VPC is reported on network.vpcCidr, the key to change there.
    /// </summary>
    private static ClusterSpec ReadKubernetes(YamlSection s, YamlSection network, IPNetwork? vpc, string architecture, KubesprayRelease release)
    {
        var version = ReadVersion(s, architecture, release);
        var plugin = NetworkPlugins.Find(s.Choice("networkPlugin", NetworkPlugin.Calico.Name(), NetworkPlugins.All.Select(p => p.Name()).ToArray()))!.Value;

        var (pods, podsSet, podsValid) = ReadRange(s, "podCidr", ClusterSpec.DefaultPodCidr);
        var (services, servicesSet, servicesValid) = ReadRange(s, "serviceCidr", ClusterSpec.DefaultServiceCidr);
        var prefix = s.Int("nodePrefix", ClusterSpec.DefaultNodePrefix, 16, 25);
        if (pods.PrefixLength is < 8 or > 24)
            s.Problem("podCidr", $"must have a prefix from /8 to /24, got /{pods.PrefixLength}");
        else if (prefix <= pods.PrefixLength && !s.Has("nodePrefix"))
            s.Problem("podCidr", $"{pods} leaves no room for the /{prefix} each node gets of it (kubernetes.nodePrefix, default {ClusterSpec.DefaultNodePrefix}): " +
                $"use a pod range larger than /{prefix}, such as {ClusterSpec.DefaultPodCidr}, or a longer nodePrefix");
        else if (prefix <= pods.PrefixLength)
            s.Problem("nodePrefix", $"must be longer than the pod range's /{pods.PrefixLength} (kubernetes.podCidr; each node gets a /{prefix} of it)");
        else if (prefix - pods.PrefixLength > MaxNodePrefixBits)
            s.Problem("nodePrefix", $"/{prefix} is more than {MaxNodePrefixBits} bits longer than the pod range's /{pods.PrefixLength}, which kubeadm refuses: " +
                $"use a nodePrefix up to /{pods.PrefixLength + MaxNodePrefixBits} or a smaller pod range");
        if (services.PrefixLength is < LargestServicePrefix or > 24)
            s.Problem("serviceCidr", $"must have a prefix from /{LargestServicePrefix} (the largest kube-apiserver takes) to /24, got /{services.PrefixLength}");
        // A range that does not parse is reported once, above; nothing more is said about it.
        if (podsValid && servicesValid && pods.Overlaps(services))
        {
            if (podsSet) s.Problem("podCidr", $"{pods} overlaps the service range {services}{(servicesSet ? "" : " (kubespray's default; kubernetes.serviceCidr)")}");
            else s.Problem("serviceCidr", $"{services} overlaps the pod range {pods} (kubespray's default; kubernetes.podCidr)");
        }
        if (vpc is { } block)
            foreach (var (range, set, valid, key, what) in new[] { (services, servicesSet, servicesValid, "serviceCidr", "service"), (pods, podsSet, podsValid, "podCidr", "pod") })
            {
                if (!valid || !range.Overlaps(block)) continue;
                if (set) s.Problem(key, $"{range} overlaps the VPC {block}");
                else network.Problem("vpcCidr", $"{block} overlaps kubespray's default {what} range {range}; choose a block outside {ClusterSpec.DefaultServiceCidr} and {ClusterSpec.DefaultPodCidr}, such as 10.0.0.0/16, or move the range with kubernetes.{key}");
            }

        var addonSection = s.Section("addons");
        var addons = Addons.All.Where(a => addonSection.Bool(a.Key, false)).ToList();
        addonSection.RejectUnknownKeys(Addons.Unavailable);
        var allowRebuild = s.Bool("allowRebuild", false);
        s.Document("allowRebuild", "false", "true or false: true lets the convergence reset the cluster (every workload lost) where only that " +
            "makes a change: a new network plugin or range, or a dead control plane with no etcd snapshot; false refuses those before any node is touched");
        s.RejectUnknownKeys();
        return new ClusterSpec
        {
            Version = version, NetworkPlugin = plugin, PodCidr = pods, ServiceCidr = services, NodePrefix = prefix,
            Addons = addons, AllowRebuild = allowRebuild,
        };
    }

    /// <summary>kubernetes.version: one the pinned kubespray installs, with binaries for the image's architecture.</summary>
    private static string ReadVersion(YamlSection s, string architecture, KubesprayRelease release)
    {
        var text = s.OptionalString("version", "a Kubernetes version such as " + release.Default);
        s.Document("version", release.Default, $"a version kubespray {release.Tag} installs on the image's architecture: {KubesprayRelease.Describe(release.Versions.Select(v => v.Version))}; one minor at a time, never down");
        if (text is null) return release.Default;
        var supported = $"supported: {KubesprayRelease.Describe(release.Versions.Select(v => v.Version))} (default {release.Default})";
        if (!KubernetesVersion.TryParse(text.TrimStart('v'), out var version))
        {
            s.Problem("version", $"'{text}' is not a Kubernetes version (MAJOR.MINOR.PATCH such as {release.Default}); kubespray {release.Tag} {supported}");
            return release.Default;
        }
        if (text.StartsWith('v'))
        {
            s.Problem("version", $"write it without the 'v', as kubespray's kube_version does: {version}");
            return release.Default;
        }
        var debian = Architectures.Debian(architecture);
        var entry = release.Versions.FirstOrDefault(v => v.Version == version);
        if (entry.Architectures is null)
            s.Problem("version", $"kubespray {release.Tag} does not install Kubernetes {version}; {supported}");
        else if (!entry.Architectures.Contains(debian))
            s.Problem("version", $"kubespray {release.Tag} has no {debian} binaries of Kubernetes {version}, and machineImage.architecture is {architecture}; " +
                $"supported on {architecture}: {KubesprayRelease.Describe(release.For(debian))}");
        else return version.ToString();
        return release.Default;
    }

    /// <summary>
    /// A range, whether the file sets it (a range the file does not set is kubespray's default), and
    /// whether it is valid (a block that does not parse is reported here, and the default stands in).
    /// </summary>
    private static (IPNetwork Range, bool Set, bool Valid) ReadRange(YamlSection s, string key, IPNetwork fallback)
    {
        var text = s.OptionalString(key, "an IPv4 CIDR block such as " + fallback);
        s.Document(key, fallback.ToString(), "an IPv4 block apart from the VPC and the other range (a change rebuilds a running cluster: allowRebuild)");
        if (text is null) return (fallback, false, true);
        var range = Cidr.TryParse(text, out var reason);
        if (range is null) s.Problem(key, reason);
        return (range ?? fallback, true, range is not null);
    }
}
