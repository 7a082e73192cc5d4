namespace K8sLab.Configuration;

/// <summary>
/// The region names an environment file may give: AWS CDK 2.160.0's own list
/// (<c>Amazon.CDK.RegionInfo.RegionInfo.Regions</c>), held here as text so that reading a file starts
/// no jsii (<c>--print-config</c> stays fast); a test compares it with CDK's list.
/// </summary>
public static class Regions
{
    public static readonly IReadOnlyList<string> Known =
    [
        "af-south-1", "ap-east-1", "ap-northeast-1", "ap-northeast-2", "ap-northeast-3", "ap-south-1", "ap-south-2",
        "ap-southeast-1", "ap-southeast-2", "ap-southeast-3", "ap-southeast-4", "ap-southeast-5", "ap-southeast-7",
        "ca-central-1", "ca-west-1", "cn-north-1", "cn-northwest-1", "eu-central-1", "eu-central-2", "eu-isoe-west-1",
        "eu-north-1", "eu-south-1", "eu-south-2", "eu-west-1", "eu-west-2", "eu-west-3", "il-central-1", "me-central-1",
        "me-south-1", "mx-central-1", "sa-east-1", "us-east-1", "us-east-2", "us-gov-east-1", "us-gov-west-1",
        "us-iso-east-1", "us-iso-west-1", "us-isob-east-1", "us-west-1", "us-west-2",
    ];

    /// <returns>null when <paramref name="name"/> is a known region, else what to tell the user.</returns>
    public static string? Problem(string name)
    {
        if (Known.Contains(name)) return null;
        var hint = YamlSection.Closest(name, Known);
        return $"'{name}' is not an AWS region that AWS CDK knows{(hint is null ? "" : $"; did you mean '{hint}'?")} Known: {string.Join(", ", Known)}";
    }
}
