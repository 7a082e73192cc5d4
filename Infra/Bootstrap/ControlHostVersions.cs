namespace K8sLab.Bootstrap;

/// <summary>
/// The pinned control-host tool set, in one place. Moving a pin changes the bastion's user data
/// and so replaces the bastion (and only the bastion) on the next deploy.
/// </summary>
public static class ControlHostVersions
{
    /// <summary>kubespray release; its requirements.txt pins ansible 11.13.0 (ansible-core 2.18).</summary>
    public const string Kubespray = "v2.31.0";

    /// <summary>The ansible-core series kubespray v2.31 asserts (&gt;= 2.18, &lt; 2.19).</summary>
    public const string AnsibleCoreSeries = "2.18";

    /// <summary>
    /// The cluster's Kubernetes: kubespray v2.31.0's default kube_version. The convergence request
    /// carries it (and the kubespray version): a change runs kubespray's upgrade-cluster.yml.
    /// </summary>
    public const string Kubernetes = "1.35.4";

    /// <summary>kubectl matching the cluster's Kubernetes.</summary>
    public const string Kubectl = "v" + Kubernetes;

    /// <summary>
    /// kubectl v1.35.4's SHA-256 per architecture, as kubespray v2.31.0 pins them
    /// (roles/kubespray_defaults/vars/main/checksums.yml, kubectl_checksums): the bastion checks
    /// the download against this, not against a checksum file from the same server.
    /// </summary>
    public static string KubectlSha256(string architecture) => Configuration.Architectures.Debian(architecture) switch
    {
        "amd64" => "b529430df69a688fd61b64ad2299edb5fd71cb58be2a4779dba624c7d3510efd",
        "arm64" => "6a5a4cc4e396d7626a7a693a3044b51c75520f81db30fe6816c2554e53be336f",
        var other => throw new ArgumentException($"no kubectl checksum for {other}"),
    };

    /// <summary>AWS CLI v1 from PyPI, in a venv of its own (Ubuntu 24.04 has no awscli package).</summary>
    public const string AwsCli = "1.36.40";
}
