using System.Text;
using K8sLab.Configuration;

namespace K8sLab.Costs;

/// <summary>
/// The README's cost section, generated from the price table: its sources with their dates, and the
/// estimate of each environment file. A test keeps the README equal to this text.
/// </summary>
public static class CostReport
{
    public const string Begin = "<!-- cost:begin: generated from Infra/Costs/prices.txt (Costs/CostReport.cs); CostTests keeps it equal -->";
    public const string End = "<!-- cost:end -->";

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
