using System.Net;
using System.Net.Sockets;

namespace K8sLab.Configuration;

/// <summary>
/// What the environment files need of IPv4 blocks beyond <see cref="IPNetwork"/>: strict parsing with
/// a reason a user can act on, and overlap and containment between blocks.
/// </summary>
public static class Cidr
{
    /// <returns>null and a reason when <paramref name="text"/> is not an IPv4 block with its network address.</returns>
    public static IPNetwork? TryParse(string text, out string reason)
    {
        reason = "";
        var slash = text.IndexOf('/');
        if (slash < 0 || text.Count(c => c == '.') != 3 ||
            !IPAddress.TryParse(text[..slash], out var address) || address.AddressFamily != AddressFamily.InterNetwork ||
            !int.TryParse(text[(slash + 1)..], out var prefix) || prefix is < 0 or > 32)
        {
            reason = $"'{text}' is not an IPv4 CIDR block such as 10.0.0.0/16";
            return null;
        }
        // IPNetwork (.NET 10) accepts an address with host bits and keeps it as is: refuse that here.
        var network = NetworkOf(address, prefix);
        if (network.BaseAddress.Equals(address)) return network;
        reason = $"'{text}' has host bits set; the network address is {network}";
        return null;
    }

    /// <summary>RFC 5737's documentation ranges (TEST-NET-1, -2, -3): examples, nobody's address.</summary>
    public static readonly IReadOnlyList<IPNetwork> DocumentationRanges =
        [IPNetwork.Parse("192.0.2.0/24"), IPNetwork.Parse("198.51.100.0/24"), IPNetwork.Parse("203.0.113.0/24")];

    public static bool IsDocumentation(this IPNetwork block) => DocumentationRanges.Any(range => block.Within(range));

    public static bool Overlaps(this IPNetwork a, IPNetwork b) => a.Contains(b.BaseAddress) || b.Contains(a.BaseAddress);

    /// <summary>Whether <paramref name="inner"/> lies wholly inside <paramref name="outer"/>.</summary>
    public static bool Within(this IPNetwork inner, IPNetwork outer) =>
        inner.PrefixLength >= outer.PrefixLength && outer.Contains(inner.BaseAddress);

    private static IPNetwork NetworkOf(IPAddress address, int prefix)
    {
        var bytes = address.GetAddressBytes();
        for (var bit = prefix; bit < 32; bit++) bytes[bit / 8] &= (byte)~(0x80 >> (bit % 8));
        return new IPNetwork(new IPAddress(bytes), prefix);
    }
}
