using K8sLab.Configuration;
using K8sLab.Costs;
using K8sLab.Tests.Support;

namespace K8sLab.Tests.Costs;

/// <summary>The price table, the estimate built from it, and the README's cost section generated from both.</summary>
public class CostTests
{
    private static readonly PriceTable Prices = PriceTable.Parse(File.ReadAllText(Repo.PathOf("Infra", "Costs", "prices.txt")));

    [Fact]
    public void Every_price_has_a_dated_source_with_an_address()
    {
        Assert.NotEmpty(Prices.Prices);
        Assert.All(Prices.Sources, s =>
        {
            Assert.True(DateOnly.TryParseExact(s.Date, "yyyy-MM-dd", out _), s.Id);
            Assert.StartsWith("https://", s.Url);
        });
        Assert.All(Prices.Prices, p => Assert.Contains(p.Source, Prices.Sources));
        Assert.All(Prices.Prices, p => Assert.True(p.Usd > 0, $"{p.Item} in {p.Region}"));
    }

    [Fact]
    public void The_app_embeds_the_same_table()
    {
        Assert.Equal(Prices.Prices, PriceTable.Embedded().Prices);
    }

    [Theory]
    [InlineData("price us-east-1 ec2:t3.small 0.02 hour nobody", "source 'nobody' is not declared above")]
    [InlineData("price us-east-1 ec2:t3.small cheap hour karpenter", "expected 'source ID YYYY-MM-DD URL DESCRIPTION'")]
    [InlineData("price us-east-1 ec2:t3.small 0.02 day karpenter", "expected 'source ID YYYY-MM-DD URL DESCRIPTION'")]
    [InlineData("source undated sometime https://example.com a page", "expected 'source ID YYYY-MM-DD URL DESCRIPTION'")]
    public void A_malformed_line_is_refused_naming_its_line(string line, string message)
    {
        var text = "source karpenter 2026-07-20 https://example.com/x a table\n" + line + "\n";
        var e = Assert.Throws<FormatException>(() => PriceTable.Parse(text));
        Assert.StartsWith("Infra/Costs/prices.txt: line 2: ", e.Message);
        Assert.Contains(message, e.Message);
    }

    [Fact]
    public void A_region_without_prices_is_unknown_never_a_borrowed_figure()
    {
        // eu-central-1 has no line in the table (us-east-1 and eu-west-1 do): nothing is borrowed from them.
        var config = Environments.With("test", ("region: eu-west-1", "region: eu-central-1"));
        var estimate = new CostEstimate(config, Prices);
        Assert.Null(estimate.Lines.Single(l => l.Item == "ec2:t3.medium" && l.What.Contains("workers")).HourlyEach);
        Assert.Null(estimate.Lines.Single(l => l.Item == PriceTable.NatGateway).HourlyEach);
        // The public IPv4 charge is the same in every region: known.
        Assert.Equal(0.005m, estimate.Lines.First(l => l.Item == PriceTable.PublicIpv4).HourlyEach);
        // No figure for the priced part alone: it would read like the total.
        Assert.Equal("partial: 4 items unpriced (no eu-central-1 price in Infra/Costs/prices.txt for ec2:t3.small, ec2:t3.medium, nat-gateway, ebs:gp3)", estimate.Total());
        Assert.DoesNotContain("$", estimate.Total(paused: true));
        Assert.DoesNotContain(estimate.Describe(), l => l.Contains("t3.medium workers") && l.Contains('$'));
    }

    [Fact]
    public void The_shipped_eu_west_1_environments_are_priced_in_full()
    {
        foreach (var name in new[] { "cheap", "cilium", "dev", "prod" })
        {
            var config = EnvironmentFiles.Load(Repo.EnvironmentsFolder, name);
            Assert.Equal("eu-west-1", config.Region);
            var estimate = new CostEstimate(config, Prices);
            Assert.All(estimate.Lines, l => Assert.NotNull(l.HourlyEach));
            Assert.True(estimate.Complete(), $"{name}: {estimate.Total()}");
        }
    }

    [Fact]
    public void The_estimate_adds_instances_nat_addresses_and_volumes_at_the_tables_prices()
    {
        var spot = EnvironmentFiles.Load(Repo.EnvironmentsFolder, "spot");
        var estimate = new CostEstimate(spot, Prices);
        var hour = 3 * 0.0168m + 0.0042m + 2 * 0.005m + 88 * 0.08m / 730;
        Assert.Equal(Math.Round(hour, 12), Math.Round(estimate.KnownHourly(), 12));
        Assert.True(estimate.Complete());
        Assert.Equal("$0.0742/h, $54.20/month", estimate.Total());
        // Paused: the volumes only (the NAT instance stops, its and the bastion's addresses are released).
        Assert.Equal("$0.0096/h, $7.04/month", estimate.Total(paused: true));
        // docs/operations.md's "Running it cheaply" quotes these figures.
        Assert.Contains("**$0.0742 an hour, $54.20 a month** running", File.ReadAllText(Repo.PathOf("docs", "operations.md")));
        Assert.Contains("**$7.04 a month** paused", File.ReadAllText(Repo.PathOf("docs", "operations.md")));
        Assert.Contains(estimate.Describe(), l => l.Contains("t4g.small workers (spot)") && l.Contains("spot: at most this"));
    }

    [Fact]
    public void A_nat_gateway_costs_while_paused_with_its_address()
    {
        var config = Environments.With("test", ("region: eu-west-1", "region: us-east-1"));
        var estimate = new CostEstimate(config, Prices);
        var paused = estimate.Lines.Where(l => l.WhilePaused).Select(l => l.Item).ToList();
        Assert.Equal(new[] { PriceTable.NatGateway, PriceTable.PublicIpv4, PriceTable.Gp3 }, paused);
        Assert.Equal(Math.Round(0.045m + 0.005m + 110 * 0.08m / 730, 12), Math.Round(estimate.KnownHourly(paused: true), 12));
    }

    private static IEnumerable<LabConfig> Shipped =>
        EnvironmentFiles.Available(Repo.EnvironmentsFolder).Select(n => EnvironmentFiles.Load(Repo.EnvironmentsFolder, n));

    [Fact]
    public void The_cost_section_is_generated_from_the_table() =>
        GeneratedSection.AssertCurrent("docs/cost.md", CostReport.Begin, CostReport.End, CostReport.Markdown(Prices, Shipped));

    [Fact]
    public void The_readmes_table_of_environments_is_generated_from_the_files_and_the_table() =>
        GeneratedSection.AssertCurrent("README.md", CostReport.OverviewBegin, CostReport.OverviewEnd, CostReport.Overview(Prices, Shipped));

    [Fact]
    public void Every_shipped_environment_prints_a_total_or_says_how_many_items_are_unpriced()
    {
        foreach (var config in Shipped)
        {
            var estimate = new CostEstimate(config, Prices);
            foreach (var paused in new[] { false, true })
                Assert.Matches(estimate.Complete(paused) ? @"^\$\d+\.\d{4}/h, \$\d+\.\d{2}/month$" : @"^partial: \d+ items? unpriced$", estimate.ShortTotal(paused));
        }
    }
}
