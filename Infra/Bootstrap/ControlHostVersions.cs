using K8sLab.Cluster;
using K8sLab.Contract;

namespace K8sLab.Bootstrap;

/// <summary>
/// The pinned control-host tool set, from the contract: kubespray's release, the ansible-core series
/// and kubectl's checksums from kubespray.txt (generated from the release), the AWS CLI from lab.json.
/// Moving a pin changes the bastion's user data and so replaces the bastion (and only the bastion).
/// </summary>
public static class ControlHostVersions
{
    private static KubesprayRelease Release => KubesprayRelease.Embedded;

    /// <summary>The kubespray release (its tag).</summary>
    public static string Kubespray => Release.Tag;

    /// <summary>The ansible-core series the release asserts (playbooks/ansible_version.yml).</summary>
    public static string AnsibleCoreSeries => Release.AnsibleCoreSeries;

    /// <summary>
    /// The cluster's Kubernetes by default: the release's kube_version. The convergence request
    /// carries it (and the kubespray version): a change runs kubespray's upgrade-cluster.yml.
    /// </summary>
    public static string Kubernetes => Release.Default;

    /// <summary>kubectl matching the cluster's default Kubernetes.</summary>
    public static string Kubectl => "v" + Kubernetes;

    /// <summary>
    /// kubectl's SHA-256 for the architecture, as kubespray pins it (kubectl_checksums): the bastion
    /// checks the download against this, not against a checksum file from the same server.
    /// </summary>
    public static string KubectlSha256(string architecture)
    {
        var arch = Configuration.Architectures.Debian(architecture);
        return Release.KubectlSha256.TryGetValue((Kubernetes, arch), out var sha)
            ? sha : throw new ArgumentException($"{KubesprayRelease.File} has no kubectl {Kubernetes} checksum for {arch}");
    }

    /// <summary>AWS CLI v1 from PyPI, in a venv of its own (Ubuntu 24.04 has no awscli package).</summary>
    public static string AwsCli => LabFacts.ControlHost.AwsCliVersion;
}
