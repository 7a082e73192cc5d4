namespace K8sLab.Cluster;

/// <summary>
/// An add-on kubespray installs itself, switched by one variable. <see cref="Key"/> is its name
/// under kubernetes.addons; <see cref="What"/> says what a user gets.
/// </summary>
public sealed record Addon(string Key, string Variable, string What);

/// <summary>
/// The add-ons the lab offers, written once: each is a role of kubespray v2.31.0 whose files and
/// images come through kubespray's own download role (its download list names each one), so the
/// bastion fetches nothing more. Switching one off stops kubespray from managing it; kubespray does
/// not uninstall what it deployed.
/// </summary>
public static class Addons
{
    public static readonly IReadOnlyList<Addon> All = new Addon[]
    {
        new("metricsServer", "metrics_server_enabled", "metrics-server (kubectl top, the resource metrics API)"),
        new("localPathProvisioner", "local_path_provisioner_enabled", "local-path-provisioner (the default StorageClass, volumes on the node's disk)"),
        new("helm", "helm_enabled", "the helm client on the control-plane nodes"),
        new("certManager", "cert_manager_enabled", "cert-manager (certificates as Kubernetes resources)"),
    };

    /// <summary>Add-ons a user may expect that the pinned kubespray no longer carries, with the reason.</summary>
    public static readonly IReadOnlyDictionary<string, string> Unavailable = new Dictionary<string, string>
    {
        ["ingressNginx"] = $"kubespray {KubesprayRelease.Embedded.Tag} no longer carries ingress-nginx (its role was removed)",
    };

    public static Addon? Find(string key) => All.FirstOrDefault(a => a.Key == key);
}
