using System.Globalization;
using System.Reflection;

namespace K8sLab.Costs;

/// <summary>Where a group of prices comes from, and when it was published or read.</summary>
public sealed record PriceSource(string Id, string Date, string Url, string Description);

/// <summary>One list price: USD per <see cref="Unit"/> (hour, gb-month) of an item in a region.</summary>
public sealed record Price(string Region, string Item, decimal Usd, string Unit, PriceSource Source);

/// <summary>
/// The repository's dated price table (<c>Infra/Costs/prices.txt</c>), the one place a price is
/// written. A price it does not hold is unknown: nothing here estimates, interpolates or borrows a
/// figure from another region.
/// </summary>
public sealed class PriceTable
{
    public const string File = "Infra/Costs/prices.txt";
    public const string ResourceName = "prices.txt";
    /// <summary>AWS's convention for a month of hours (365 × 24 / 12).</summary>
    public const int HoursPerMonth = 730;

    public IReadOnlyList<PriceSource> Sources { get; }
    public IReadOnlyList<Price> Prices { get; }

    private PriceTable(IReadOnlyList<PriceSource> sources, IReadOnlyList<Price> prices)
    {
        Sources = sources;
        Prices = prices;
    }

    /// <summary>The table built into the app (the same file, embedded).</summary>
    public static PriceTable Embedded()
    {
        using var stream = Assembly.GetExecutingAssembly().GetManifestResourceStream(ResourceName)
            ?? throw new InvalidOperationException($"{ResourceName} is not embedded in {Assembly.GetExecutingAssembly().GetName().Name}");
        using var reader = new StreamReader(stream);
        return Parse(reader.ReadToEnd());
    }

    public static PriceTable Parse(string text)
    {
        var sources = new Dictionary<string, PriceSource>();
        var prices = new List<Price>();
        var lineNumber = 0;
        foreach (var raw in text.Split('\n'))
        {
            lineNumber++;
            var line = raw.Trim();
            if (line.Length == 0 || line.StartsWith('#')) continue;
            var f = line.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
            switch (f[0])
            {
                case "source" when f.Length >= 5 && DateOnly.TryParseExact(f[2], "yyyy-MM-dd", out _):
                    sources[f[1]] = new PriceSource(f[1], f[2], f[3], string.Join(' ', f[4..]));
                    break;
                case "price" when f.Length == 6 && decimal.TryParse(f[3], NumberStyles.Number, CultureInfo.InvariantCulture, out var usd)
                                  && f[4] is "hour" or "gb-month":
                    if (!sources.TryGetValue(f[5], out var source))
                        throw new FormatException($"{File}: line {lineNumber}: source '{f[5]}' is not declared above");
                    if (prices.Any(p => p.Region == f[1] && p.Item == f[2]))
                        throw new FormatException($"{File}: line {lineNumber}: {f[2]} in {f[1]} has a price already");
                    prices.Add(new Price(f[1], f[2], usd, f[4], source));
                    break;
                default:
                    throw new FormatException($"{File}: line {lineNumber}: expected 'source ID YYYY-MM-DD URL DESCRIPTION' or 'price REGION ITEM USD hour|gb-month SOURCE', got '{line}'");
            }
        }
        return new PriceTable(sources.Values.ToList(), prices);
    }

    /// <summary>The region's own price, else one for every region (<c>*</c>), else null: unknown.</summary>
    public Price? Find(string region, string item) =>
        Prices.FirstOrDefault(p => p.Region == region && p.Item == item) ?? Prices.FirstOrDefault(p => p.Region == "*" && p.Item == item);

    public static string Instance(string type) => $"ec2:{type}";
    public const string NatGateway = "nat-gateway";
    public const string PublicIpv4 = "public-ipv4";
    public const string Gp3 = "ebs:gp3";
}
