namespace K8sLab.Cluster;

/// <summary>
/// The kubespray group variables of a <see cref="ClusterSpec"/>: every variable the <c>kubernetes:</c>
/// section sets, by kubespray's own names, for the convergence to write verbatim into the inventory's
/// group_vars before each kubespray run. Pure. Each name is one of kubespray v2.31.0's defaults
/// (kubespray.txt; a test holds every rendering to that list).
/// </summary>
public static class GroupVars
{
    /// <summary>
    /// Per plugin, the variables that fix its mode, and so the ports it uses, to what the security
    /// groups open (PortRules.cs): VXLAN on <see cref="NetworkPlugins.VxlanPort"/>, and off
    /// whatever would need another port (calico's BGP and IP-in-IP, Typha, WireGuard; cilium's Hubble,
    /// Prometheus metrics and encryption). Each value is kubespray v2.31.0's default: pinned so the
    /// cluster and the security groups cannot drift apart.
    /// </summary>
    public static readonly IReadOnlyDictionary<NetworkPlugin, IReadOnlyList<KeyValuePair<string, object>>> PluginVariables =
        new Dictionary<NetworkPlugin, IReadOnlyList<KeyValuePair<string, object>>>
        {
            [NetworkPlugin.Calico] = Vars(("calico_network_backend", "vxlan"), ("calico_vxlan_mode", "Always"), ("calico_ipip_mode", "Never"),
                ("calico_vxlan_port", NetworkPlugin.Calico.VxlanPort()), ("typha_enabled", false), ("calico_wireguard_enabled", false)),
            [NetworkPlugin.Cilium] = Vars(("cilium_tunnel_mode", "vxlan"), ("cilium_enable_hubble", false), ("cilium_enable_prometheus", false),
                ("cilium_encryption_enabled", false)),
            [NetworkPlugin.Flannel] = Vars(("flannel_backend_type", "vxlan"), ("flannel_vxlan_port", NetworkPlugin.Flannel.VxlanPort())),
        };

    /// <summary>
    /// In a fixed order: the version, plugin and ranges, the plugin's own variables, then every add-on's
    /// switch, on or off (a switch turned off is written off, not left out).
    /// </summary>
    public static OrderedDictionary<string, object> Render(ClusterSpec spec)
    {
        var vars = new OrderedDictionary<string, object>
        {
            ["kube_version"] = spec.Version,
            ["kube_network_plugin"] = spec.NetworkPlugin.Name(),
            ["kube_pods_subnet"] = spec.PodCidr.ToString(),
            ["kube_service_addresses"] = spec.ServiceCidr.ToString(),
            ["kube_network_node_prefix"] = spec.NodePrefix,
        };
        foreach (var (name, value) in PluginVariables[spec.NetworkPlugin]) vars.Add(name, value);
        foreach (var addon in Addons.All) vars.Add(addon.Variable, spec.Addons.Contains(addon));
        return vars;
    }

    private static IReadOnlyList<KeyValuePair<string, object>> Vars(params (string Name, object Value)[] vars) =>
        vars.Select(v => KeyValuePair.Create(v.Name, v.Value)).ToList();
}
