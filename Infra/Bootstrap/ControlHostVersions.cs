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

    /// <summary>AWS CLI v1 from PyPI, in a venv of its own (Ubuntu 24.04 has no awscli package).</summary>
    public const string AwsCli = "1.36.40";
}
