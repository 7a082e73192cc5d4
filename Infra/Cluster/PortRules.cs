namespace K8sLab.Cluster;

/// <summary>Who a port rule admits or protects: one of the lab's security groups, or <see cref="Admin"/>, the configured admin CIDR.</summary>
public enum SecurityGroupRole { Admin, Bastion, ControlPlane, Worker }

/// <summary>
/// <see cref="Icmp"/> rules carry the ICMP type in FromPort and the code in ToPort (-1: any code),
/// as CloudFormation writes them.
/// </summary>
public enum Transport { Tcp, Udp, Icmp }

/// <summary>One ingress rule: traffic from <see cref="From"/> to <see cref="To"/> on a port range.</summary>
public sealed record PortRule(SecurityGroupRole From, SecurityGroupRole To, Transport Transport, int FromPort, int ToPort, string Description)
{
    public PortRule(SecurityGroupRole from, SecurityGroupRole to, Transport transport, int port, string description)
        : this(from, to, transport, port, port, description) { }
}

/// <summary>
/// kubespray's port requirements (docs/operations/port-requirements.md), written once: the rules
/// every cluster needs (<see cref="Common"/>, opened by the Security stack), and each network plugin's
/// own between nodes (<see cref="Plugin"/>, opened by the Nodes stack beside the convergence), in the
/// mode the group variables pin (GroupVars.cs). A cluster's groups open the common rules and its
/// plugin's, nothing of the other plugins. Everything not listed is closed: 10257/10259 are local
/// only; calico's BGP 179, IP-in-IP, Typha 5473 and WireGuard, cilium's Hubble 4244/4245, metrics
/// 9962-9964 and WireGuard 51871 belong to modes the group variables switch off.
/// </summary>
public static class PortRules
{
    private static readonly SecurityGroupRole[] Nodes = { SecurityGroupRole.ControlPlane, SecurityGroupRole.Worker };

    /// <summary>A rule between two nodes: transport, port range and description.</summary>
    private sealed record NodePort(Transport Transport, int FromPort, int ToPort, string Description)
    {
        public NodePort(Transport transport, int port, string description) : this(transport, port, port, description) { }
    }

    /// <summary>Each plugin's own rules between every pair of nodes, both ways.</summary>
    private static readonly IReadOnlyDictionary<NetworkPlugin, NodePort[]> PluginPorts = new Dictionary<NetworkPlugin, NodePort[]>
    {
        [NetworkPlugin.Calico] = new[]
        {
            new NodePort(Transport.Udp, NetworkPlugin.Calico.VxlanPort(), "calico VXLAN overlay between nodes"),
        },
        [NetworkPlugin.Cilium] = new[]
        {
            new NodePort(Transport.Udp, NetworkPlugin.Cilium.VxlanPort(), "cilium VXLAN overlay between nodes"),
            new NodePort(Transport.Tcp, 4240, "cilium-health checks between nodes"),
            // ICMP echo request (type 8, any code); the reply returns through the stateful group.
            new NodePort(Transport.Icmp, 8, -1, "cilium-health ICMP echo between nodes"),
        },
        [NetworkPlugin.Flannel] = new[]
        {
            new NodePort(Transport.Udp, NetworkPlugin.Flannel.VxlanPort(), "flannel VXLAN overlay between nodes"),
        },
    };

    /// <summary>The rules every cluster needs, whatever its plugin: the Security stack opens them.</summary>
    public static IReadOnlyList<PortRule> Common { get; } = new[]
    {
        new PortRule(SecurityGroupRole.Admin, SecurityGroupRole.Bastion, Transport.Tcp, 22, "SSH to the bastion from the admin CIDR"),
        new PortRule(SecurityGroupRole.Bastion, SecurityGroupRole.ControlPlane, Transport.Tcp, 22, "SSH from the bastion (ansible)"),
        new PortRule(SecurityGroupRole.Bastion, SecurityGroupRole.Worker, Transport.Tcp, 22, "SSH from the bastion (ansible)"),
        new PortRule(SecurityGroupRole.Bastion, SecurityGroupRole.ControlPlane, Transport.Tcp, 6443, "Kubernetes API from kubectl on the bastion"),
        new PortRule(SecurityGroupRole.Bastion, SecurityGroupRole.Worker, Transport.Tcp, 30000, 32767, "NodePort services from the bastion"),
        new PortRule(SecurityGroupRole.ControlPlane, SecurityGroupRole.ControlPlane, Transport.Tcp, 2379, 2380, "etcd client and peer, among control-plane nodes"),
    }
    .Concat(Nodes.Select(from => new PortRule(from, SecurityGroupRole.ControlPlane, Transport.Tcp, 6443, "Kubernetes API from the nodes")))
    .Concat(Nodes.SelectMany(from => Nodes.Select(to => new PortRule(from, to, Transport.Tcp, 10250, "kubelet API (control plane, metrics-server)"))))
    .Concat(Nodes.Select(from => new PortRule(from, SecurityGroupRole.Worker, Transport.Tcp, 30000, 32767, "NodePort services between nodes")))
    .ToList();

    /// <summary>
    /// <paramref name="plugin"/>'s own rules, between every pair of nodes, both ways. The Nodes stack
    /// opens them beside the convergence, so that they roll back with a refused plugin change.
    /// </summary>
    public static IReadOnlyList<PortRule> Plugin(NetworkPlugin plugin) =>
        Nodes.SelectMany(from => Nodes.SelectMany(to => PluginPorts[plugin].Select(p => new PortRule(from, to, p.Transport, p.FromPort, p.ToPort, p.Description))))
            .ToList();

    /// <summary>Everything a cluster with <paramref name="plugin"/> opens: the common rules and the plugin's own, nothing of the others.</summary>
    public static IReadOnlyList<PortRule> For(NetworkPlugin plugin) => Common.Concat(Plugin(plugin)).ToList();

    /// <summary>tcp, udp, icmp: the transport as CloudFormation's IpProtocol writes it.</summary>
    public static string Protocol(this Transport transport) => transport.ToString().ToLowerInvariant();
}
