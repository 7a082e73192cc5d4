using System.Net;

namespace K8sLab.Configuration;

/// <summary>An IPv4 CIDR block, parsed strictly (the address must be the network address).</summary>
public readonly record struct Cidr(uint Network, int PrefixLength)
{
    public uint Size => PrefixLength == 0 ? uint.MaxValue : 1u << (32 - PrefixLength);
    public uint Last => Network + (Size - 1);

    public bool Overlaps(Cidr other) => Network <= other.Last && other.Network <= Last;

    public override string ToString() =>
        $"{Network >> 24}.{(Network >> 16) & 255}.{(Network >> 8) & 255}.{Network & 255}/{PrefixLength}";

    /// <returns>null and a reason when <paramref name="text"/> is not a well-formed IPv4 CIDR.</returns>
    public static Cidr? TryParse(string text, out string reason)
    {
        reason = "";
        var parts = text.Split('/');
        if (parts.Length != 2 || !int.TryParse(parts[1], out var prefix) || prefix is < 0 or > 32 ||
            parts[0].Count(c => c == '.') != 3 ||
            !IPAddress.TryParse(parts[0], out var address) ||
            address.AddressFamily != System.Net.Sockets.AddressFamily.InterNetwork)
        {
            reason = $"'{text}' is not an IPv4 CIDR block such as 10.0.0.0/16";
            return null;
        }

        var bytes = address.GetAddressBytes();
        var value = (uint)bytes[0] << 24 | (uint)bytes[1] << 16 | (uint)bytes[2] << 8 | bytes[3];
        var cidr = new Cidr(value & (prefix == 0 ? 0 : uint.MaxValue << (32 - prefix)), prefix);
        if (cidr.Network != value)
        {
            reason = $"'{text}' has host bits set; the network address is {cidr}";
            return null;
        }
        return cidr;
    }
}
