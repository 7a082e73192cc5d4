namespace K8sLab.Cluster;

/// <summary>The network plugins (CNI) the lab lets kubespray install: kube_network_plugin.</summary>
public enum NetworkPlugin { Calico, Cilium, Flannel }

/// <summary>
/// What each plugin is in the lab, written once: its name in the environment file and in kubespray,
/// and the UDP port of its VXLAN overlay, which the security groups open between nodes
/// (PortRules.cs) and the group variables pin where kubespray has a variable for it
/// (GroupVars.cs). Every plugin runs in VXLAN mode: nodes sit in different subnets and zones, where
/// plain routing of pod addresses would need VPC route tables the lab does not manage.
/// </summary>
public static class NetworkPlugins
{
    public static readonly IReadOnlyList<NetworkPlugin> All = Enum.GetValues<NetworkPlugin>();

    /// <summary>calico, cilium, flannel: the value of kubernetes.networkPlugin and of kube_network_plugin.</summary>
    public static string Name(this NetworkPlugin plugin) => plugin.ToString().ToLowerInvariant();

    public static NetworkPlugin? Find(string name) => All.Cast<NetworkPlugin?>().FirstOrDefault(p => p!.Value.Name() == name);

    /// <summary>
    /// The VXLAN port: calico's calico_vxlan_port (IANA's VXLAN port), cilium's own default (kubespray
    /// has no variable for it; its port-requirements document lists 8472) and flannel's flannel_vxlan_port.
    /// </summary>
    public static int VxlanPort(this NetworkPlugin plugin) => plugin switch
    {
        NetworkPlugin.Calico => 4789,
        NetworkPlugin.Cilium => 8472,
        NetworkPlugin.Flannel => 8472,
        _ => throw new ArgumentOutOfRangeException(nameof(plugin), plugin, null),
    };
}
