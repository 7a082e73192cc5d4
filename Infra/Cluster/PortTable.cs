using System.Text;

namespace K8sLab.Cluster;

/// <summary>
/// The port rules of <see cref="PortRules"/> as the table in docs/architecture.md: one row per rule,
/// the node pairs it opens written as sets (every pair of the sets, both ways where they overlap).
/// A test keeps the document equal to <see cref="Markdown"/>.
/// </summary>
public static class PortTable
{
    public const string Begin = "<!-- ports:begin: generated from Infra/Cluster/PortRules.cs (Cluster/PortTable.cs); PortTableTests keeps it equal -->";
    public const string End = "<!-- ports:end -->";

    /// <summary>One row: who may reach whom, how, why, and in which clusters (every one, or one plugin's).</summary>
    public sealed record Row(string Clusters, string From, string To, string Protocol, string Ports, string Description);

    public static IReadOnlyList<Row> Rows()
    {
        var scoped = PortRules.Common.Select(rule => ("every cluster", rule))
            .Concat(Enum.GetValues<NetworkPlugin>().SelectMany(p => PortRules.Plugin(p).Select(rule => (p.Name(), rule))));
        // First the destinations of each source, then the sources that share the same destinations: a
        // row stands for exactly the pairs its two sets make.
        return scoped
            .GroupBy(s => (s.Item1, s.rule.From, s.rule.Transport, s.rule.FromPort, s.rule.ToPort, s.rule.Description))
            .Select(g => (g.Key, To: string.Join(", ", g.Select(s => s.rule.To).Distinct().Order().Select(Who))))
            .GroupBy(x => (x.Key.Item1, x.To, x.Key.Transport, x.Key.FromPort, x.Key.ToPort, x.Key.Description))
            .Select(g => new Row(g.Key.Item1, string.Join(", ", g.Select(x => x.Key.From).Order().Select(Who)), g.Key.To,
                g.Key.Transport.Protocol(), Ports(g.Key.Transport, g.Key.FromPort, g.Key.ToPort), g.Key.Description))
            .ToList();
    }

    public static string Markdown()
    {
        var text = new StringBuilder();
        text.AppendLine(Begin);
        text.AppendLine("| clusters | from | to | protocol | ports | why |");
        text.AppendLine("| --- | --- | --- | --- | --- | --- |");
        foreach (var row in Rows())
            text.AppendLine($"| {row.Clusters} | {row.From} | {row.To} | {row.Protocol} | {row.Ports} | {row.Description} |");
        text.Append(End);
        return text.ToString();
    }

    private static string Who(SecurityGroupRole role) => role switch
    {
        SecurityGroupRole.Admin => "`admin.cidr`",
        SecurityGroupRole.Bastion => "bastion",
        SecurityGroupRole.ControlPlane => "control plane",
        _ => "workers",
    };

    /// <summary>A port or range; for ICMP, the type (FromPort) and code (ToPort, -1: any) as CloudFormation writes them.</summary>
    private static string Ports(Transport transport, int from, int to) => transport switch
    {
        Transport.Icmp => $"type {from}{(from == 8 ? " (echo request)" : "")}{(to == -1 ? "" : $", code {to}")}",
        _ => from == to ? $"{from}" : $"{from}-{to}",
    };
}
