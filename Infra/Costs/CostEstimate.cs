using System.Globalization;
using K8sLab.Configuration;

namespace K8sLab.Costs;

/// <summary>
/// One line of an estimate: <see cref="Quantity"/> of a priced item. <see cref="HourlyEach"/> is
/// null when the price table has no price for it (unknown, never guessed).
/// </summary>
public sealed record CostLine(string What, int Quantity, string Item, decimal? HourlyEach, Price? Price, bool Spot, bool WhilePaused)
{
    public decimal? Hourly => HourlyEach * Quantity;
}

/// <summary>
/// What an environment costs an hour and a month at the price table's list prices, running and
/// paused (<c>scripts/lab.sh pause</c>): instances by type, NAT gateways or the NAT instance, public
/// IPv4 addresses and gp3 storage. Data transfer and NAT data processing depend on use and are not in it.
/// </summary>
public sealed class CostEstimate
{
    // Root volumes as the stacks create them (a test compares them with the templates).
    public const int BastionVolumeGiB = 20;
    public const int NodeVolumeGiB = 30;
    public const int NatInstanceVolumeGiB = 8;

    public string Region { get; }
    public IReadOnlyList<CostLine> Lines { get; }

    public CostEstimate(LabConfig config, PriceTable prices)
    {
        Region = config.Region;
        var lines = new List<CostLine>();
        CostLine Line(string what, int quantity, string item, bool spot = false, bool whilePaused = false)
        {
            var price = prices.Find(config.Region, item);
            decimal? each = price is null ? null : price.Unit == "hour" ? price.Usd : price.Usd / PriceTable.HoursPerMonth;
            return new CostLine(what, quantity, item, each, price, spot, whilePaused);
        }

        lines.Add(Line($"{config.BastionType.Name} bastion", 1, PriceTable.Instance(config.BastionType.Name)));
        foreach (var (group, role) in new[] { (config.ControlPlane, "control plane"), (config.Workers, "workers") })
            if (group.Count > 0)
                lines.Add(Line($"{group.InstanceType.Name} {role}{(group.Spot ? " (spot)" : "")}", group.Count, PriceTable.Instance(group.InstanceType.Name), spot: group.Spot));

        var network = config.Network;
        int addresses;
        if (network.Nat == NatKind.Gateway)
        {
            lines.Add(Line("NAT gateway", network.NatCount, PriceTable.NatGateway, whilePaused: true));
            // Each NAT gateway holds an Elastic IP, charged like any address, stopped instances or not.
            lines.Add(Line("public IPv4 of the NAT gateways", network.NatCount, PriceTable.PublicIpv4, whilePaused: true));
            addresses = 1;
        }
        else
        {
            lines.Add(Line($"{network.NatInstanceType.Name} NAT instance", 1, PriceTable.Instance(network.NatInstanceType.Name)));
            addresses = 2;
        }
        // The bastion's (and the NAT instance's) address is asked for at launch: EC2 releases it on stop.
        lines.Add(Line(addresses == 1 ? "public IPv4 of the bastion" : "public IPv4 of the bastion and NAT instance", addresses, PriceTable.PublicIpv4));

        var gib = BastionVolumeGiB + NodeVolumeGiB * (config.ControlPlane.Count + config.Workers.Count)
                  + (network.Nat == NatKind.Instance ? NatInstanceVolumeGiB : 0);
        lines.Add(Line("GB of gp3 (root volumes)", gib, PriceTable.Gp3, whilePaused: true));
        Lines = lines;
    }

    public IEnumerable<CostLine> Unknown => Lines.Where(l => l.HourlyEach is null);

    public decimal KnownHourly(bool paused = false) => Lines.Where(l => !paused || l.WhilePaused).Sum(l => l.Hourly ?? 0);

    public bool Complete(bool paused = false) => Lines.Where(l => !paused || l.WhilePaused).All(l => l.HourlyEach is not null);

    public IEnumerable<PriceSource> Sources => Lines.Where(l => l.Price is not null).Select(l => l.Price!.Source).Distinct();

    /// <summary>
    /// "$0.2100/h, $153.30/month" when every item has a price; else "partial: N items unpriced (...)"
    /// and no figure, since a sum of the priced part alone would read like a total.
    /// </summary>
    public string Total(bool paused = false) =>
        Complete(paused) ? ShortTotal(paused) : $"{ShortTotal(paused)} (no {Region} price in {PriceTable.File} for {string.Join(", ", Unpriced(paused))})";

    /// <summary><see cref="Total"/> without the list of what is unpriced: "partial: 4 items unpriced".</summary>
    public string ShortTotal(bool paused = false)
    {
        var known = KnownHourly(paused);
        if (Complete(paused)) return $"{Hourly(known)}, {Monthly(known)}";
        var count = Unpriced(paused).Count;
        return $"partial: {count} item{(count == 1 ? "" : "s")} unpriced";
    }

    private List<string> Unpriced(bool paused) =>
        Lines.Where(l => (!paused || l.WhilePaused) && l.HourlyEach is null).Select(l => l.Item).Distinct().ToList();

    public static string Hourly(decimal usd) => string.Create(CultureInfo.InvariantCulture, $"${usd:0.0000}/h");
    public static string Monthly(decimal usdPerHour) => string.Create(CultureInfo.InvariantCulture, $"${usdPerHour * PriceTable.HoursPerMonth:0.00}/month");

    /// <summary>The estimate as the synth summary and docs/cost.md show it, one line each.</summary>
    public IEnumerable<string> Describe()
    {
        foreach (var l in Lines)
        {
            var price = l.HourlyEach is null ? "unknown" : $"{Hourly(l.Hourly!.Value)}  {Monthly(l.Hourly!.Value)}";
            var note = l.Spot ? "  spot: at most this (the on-demand price); the saving depends on the spot price of the hour" : "";
            yield return string.Create(CultureInfo.InvariantCulture, $"{l.Quantity,4} {l.What,-44} {price}{note}");
        }
        yield return $"     running: {Total()}";
        var pausedItems = string.Join(", ", Lines.Where(l => l.WhilePaused).Select(l => l.What));
        yield return $"     paused (scripts/lab.sh pause): {Total(paused: true)} ({pausedItems})";
        if (Lines.Any(l => l.Spot))
            yield return "     spot: the price table holds list prices only; spot prices move by zone and hour (aws ec2 describe-spot-price-history)";
    }
}
