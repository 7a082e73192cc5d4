using System.Text;
using K8sLab.Configuration;

namespace K8sLab.Costs;

/// <summary>
/// docs/cost.md's cost section, generated from the price table: its sources with their dates, and the
/// estimate of each environment file; and the README's table of the shipped environments. Tests keep
/// both documents equal to this text.
/// </summary>
public static class CostReport
{
    public const string Begin = "<!-- cost:begin: generated from Infra/Costs/prices.txt (Costs/CostReport.cs); CostTests keeps it equal -->";
    public const string End = "<!-- cost:end -->";
    public const string OverviewBegin = "<!-- environments:begin: generated from environments/ and Infra/Costs/prices.txt (Costs/CostReport.cs); CostTests keeps it equal -->";
    public const string OverviewEnd = "<!-- environments:end -->";

    /// <summary>One line per environment: its nodes, how long its deploy may wait, and its totals running and paused.</summary>
    public static string Overview(PriceTable prices, IEnumerable<LabConfig> environments)
    {
        var text = new StringBuilder();
        text.AppendLine(OverviewBegin);
        text.AppendLine("| file | region | nodes | a deploy waits at most | running | paused |");
        text.AppendLine("| --- | --- | --- | --- | --- | --- |");
        foreach (var c in environments)
        {
            var estimate = new CostEstimate(c, prices);
            var wait = ScaleLimits.WaitTimeout(c);
            text.AppendLine($"| `{c.Environment}` | {c.Region} | {c.ControlPlane.Count} control plane, {c.Workers.Count} worker{(c.Workers.Count == 1 ? "" : "s")} " +
                $"({c.ControlPlane.InstanceType.Name}/{c.Workers.InstanceType.Name}) | {(int)wait.TotalHours} h {wait.Minutes} min | {estimate.ShortTotal()} | {estimate.ShortTotal(paused: true)} |");
        }
        text.Append(OverviewEnd);
        return text.ToString();
    }

    public static string Markdown(PriceTable prices, IEnumerable<LabConfig> environments)
    {
        var text = new StringBuilder();
        text.AppendLine(Begin);
        text.AppendLine("| source | date | what it gives |");
        text.AppendLine("| --- | --- | --- |");
        foreach (var s in prices.Sources)
        {
            var regions = string.Join(", ", prices.Prices.Where(p => p.Source == s).Select(p => p.Region == "*" ? "every region" : p.Region).Distinct());
            var count = prices.Prices.Count(p => p.Source == s);
            text.AppendLine($"| [{s.Id}]({s.Url}) | {s.Date} | {s.Description} ({count} price{(count == 1 ? "" : "s")}: {regions}) |");
        }
        foreach (var config in environments)
        {
            text.AppendLine();
            text.AppendLine($"`{config.Environment}` ({config.Region}):");
            text.AppendLine();
            text.AppendLine("```");
            foreach (var line in new CostEstimate(config, prices).Describe()) text.AppendLine(line.TrimEnd());
            text.AppendLine("```");
        }
        text.Append(End);
        return text.ToString();
    }
}
