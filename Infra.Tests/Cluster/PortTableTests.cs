using K8sLab.Cluster;
using K8sLab.Tests.Support;

namespace K8sLab.Tests.Cluster;

public sealed class PortTableTests
{
    [Fact]
    public void The_port_table_is_generated_from_the_rules() =>
        GeneratedSection.AssertCurrent("docs/architecture.md", PortTable.Begin, PortTable.End, PortTable.Markdown());

    [Fact]
    public void Each_row_stands_for_exactly_the_rules_it_names()
    {
        // The pairs the rows make, expanded again, are every rule of every plugin's cluster, once each.
        var rules = PortRules.Common.Select(r => ("every cluster", r))
            .Concat(Enum.GetValues<NetworkPlugin>().SelectMany(p => PortRules.Plugin(p).Select(r => (p.Name(), r))))
            .Select(x => $"{x.Item1}|{x.r.From}|{x.r.To}|{x.r.Description}").Order().ToList();
        var expanded = PortTable.Rows()
            .SelectMany(row => row.From.Split(", ").SelectMany(from => row.To.Split(", ").Select(to => $"{row.Clusters}|{Role(from)}|{Role(to)}|{row.Description}")))
            .Order().ToList();
        Assert.Equal(rules, expanded);
        // The description alone tells the rules of a pair apart, so the comparison above misses none.
        Assert.Equal(rules.Count, rules.Distinct().Count());
    }

    [Fact]
    public void The_table_names_the_ports_kubespray_requires()
    {
        var table = PortTable.Markdown();
        Assert.Contains("| every cluster | control plane | control plane | tcp | 2379-2380 | etcd client and peer, among control-plane nodes |", table);
        Assert.Contains("| every cluster | control plane, workers | control plane, workers | tcp | 10250 | kubelet API (control plane, metrics-server) |", table);
        Assert.Contains("| cilium | control plane, workers | control plane, workers | icmp | type 8 (echo request) | cilium-health ICMP echo between nodes |", table);
        Assert.DoesNotContain("| calico | control plane, workers | control plane, workers | tcp | 4240 |", table);
    }

    private static SecurityGroupRole Role(string name) => name switch
    {
        "`admin.cidr`" => SecurityGroupRole.Admin,
        "bastion" => SecurityGroupRole.Bastion,
        "control plane" => SecurityGroupRole.ControlPlane,
        "workers" => SecurityGroupRole.Worker,
        _ => throw new ArgumentException(name),
    };
}
