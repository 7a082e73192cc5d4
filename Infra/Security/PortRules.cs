namespace K8sLab.Security;

/// <summary>Who a port rule admits or protects: one of the lab's security groups, or <see cref="Admin"/>, the configured admin CIDR.</summary>
public enum SecurityGroupRole { Admin, Bastion, ControlPlane, Worker }

public enum Transport { Tcp, Udp }

/// <summary>One ingress rule: traffic from <see cref="From"/> to <see cref="To"/> on a port range.</summary>
public sealed record PortRule(SecurityGroupRole From, SecurityGroupRole To, Transport Transport, int FromPort, int ToPort, string Description)
{
    public PortRule(SecurityGroupRole from, SecurityGroupRole to, Transport transport, int port, string description)
        : this(from, to, transport, port, port, description) { }
}

/// <summary>
/// kubespray's port requirements (docs/operations/port-requirements.md) for the default CNI,
/// calico in VXLAN mode, written once. Everything not listed is closed: 10257/10259 are local only,
/// BGP 179 and IP-in-IP are not used in VXLAN mode.
/// </summary>
public static class PortRules
{
    private static readonly SecurityGroupRole[] Nodes = { SecurityGroupRole.ControlPlane, SecurityGroupRole.Worker };

    public static readonly IReadOnlyList<PortRule> All = new[]
    {
        new PortRule(SecurityGroupRole.Admin, SecurityGroupRole.Bastion, Transport.Tcp, 22, "SSH to the bastion from the admin CIDR"),
        new PortRule(SecurityGroupRole.Bastion, SecurityGroupRole.ControlPlane, Transport.Tcp, 22, "SSH from the bastion (ansible)"),
        new PortRule(SecurityGroupRole.Bastion, SecurityGroupRole.Worker, Transport.Tcp, 22, "SSH from the bastion (ansible)"),
        new PortRule(SecurityGroupRole.Bastion, SecurityGroupRole.ControlPlane, Transport.Tcp, 6443, "Kubernetes API from kubectl on the bastion"),
        new PortRule(SecurityGroupRole.Bastion, SecurityGroupRole.Worker, Transport.Tcp, 30000, 32767, "NodePort services from the bastion"),
        new PortRule(SecurityGroupRole.ControlPlane, SecurityGroupRole.ControlPlane, Transport.Tcp, 2379, 2380, "etcd client and peer, among control-plane nodes"),
    }
    .Concat(Nodes.Select(from => new PortRule(from, SecurityGroupRole.ControlPlane, Transport.Tcp, 6443, "Kubernetes API from the nodes")))
    .Concat(Nodes.SelectMany(from => Nodes.SelectMany(to => new[]
    {
        new PortRule(from, to, Transport.Tcp, 10250, "kubelet API (control plane, metrics-server)"),
        new PortRule(from, to, Transport.Udp, 4789, "calico VXLAN overlay between nodes"),
    })))
    .Concat(Nodes.Select(from => new PortRule(from, SecurityGroupRole.Worker, Transport.Tcp, 30000, 32767, "NodePort services between nodes")))
    .ToList();
}
