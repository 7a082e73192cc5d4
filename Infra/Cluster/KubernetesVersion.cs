using System.Globalization;
using System.Text.RegularExpressions;

namespace K8sLab.Cluster;

/// <summary>A Kubernetes release, MAJOR.MINOR.PATCH, as kubespray's kube_version writes it (no "v").</summary>
public readonly record struct KubernetesVersion(int Major, int Minor, int Patch) : IComparable<KubernetesVersion>
{
    private static readonly Regex Form = new(@"^(0|[1-9][0-9]{0,3})\.(0|[1-9][0-9]{0,3})\.(0|[1-9][0-9]{0,3})$");

    public static bool TryParse(string text, out KubernetesVersion version)
    {
        var match = Form.Match(text);
        version = match.Success
            ? new KubernetesVersion(Int(match.Groups[1].Value), Int(match.Groups[2].Value), Int(match.Groups[3].Value))
            : default;
        return match.Success;
    }

    public static KubernetesVersion Parse(string text) =>
        TryParse(text, out var version) ? version : throw new FormatException($"'{text}' is not a Kubernetes version such as 1.35.4");

    public int CompareTo(KubernetesVersion other) => (Major, Minor, Patch).CompareTo((other.Major, other.Minor, other.Patch));

    public static bool operator <(KubernetesVersion a, KubernetesVersion b) => a.CompareTo(b) < 0;
    public static bool operator >(KubernetesVersion a, KubernetesVersion b) => a.CompareTo(b) > 0;
    public static bool operator <=(KubernetesVersion a, KubernetesVersion b) => a.CompareTo(b) <= 0;
    public static bool operator >=(KubernetesVersion a, KubernetesVersion b) => a.CompareTo(b) >= 0;

    /// <summary>"1.35": the minor release, which the version-skew policy counts in.</summary>
    public string MinorRelease => $"{Major}.{Minor}";

    public override string ToString() => $"{Major}.{Minor}.{Patch}";

    private static int Int(string s) => int.Parse(s, CultureInfo.InvariantCulture);
}
