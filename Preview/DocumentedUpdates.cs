namespace K8sLab.Preview;

/// <summary>A property whose change replaces the resource, except for the keys inside it named <see cref="InPlace"/>.</summary>
public sealed record DocumentedReplacement(string Type, string Pointer, string? InPlace = null);

/// <summary>
/// What CloudFormation's documentation says about updates and the resource schemas do not (the schemas'
/// <c>createOnlyProperties</c> list none of it). Written once, by hand, from the AWS CloudFormation
/// Template Reference: the page of each type, its "Update requires" line per property and its notes.
/// Data only; <see cref="Settlement"/> applies it.
/// </summary>
public static class DocumentedUpdates
{
    /// <summary>Properties whose change replaces the resource, though the schema does not list them as create-only.</summary>
    public static readonly IReadOnlyList<DocumentedReplacement> Replacements = new DocumentedReplacement[]
    {
        // AWS::EC2::Instance BlockDeviceMapping: "After the instance is running, you can modify only the
        // DeleteOnTermination parameter for the attached volumes without interrupting the instance.
        // Modifying any other parameter results in instance replacement."
        new("AWS::EC2::Instance", "/properties/BlockDeviceMappings", InPlace: "DeleteOnTermination"),
    };

    /// <summary>Types that CloudFormation cannot update at all ("Updates aren't supported"): only a new logical ID makes a new one.</summary>
    public static readonly IReadOnlySet<string> NotUpdatable = new HashSet<string>
    {
        "AWS::CloudFormation::WaitCondition",
        "AWS::CloudFormation::WaitConditionHandle",
    };

    /// <summary>
    /// Properties of an instance whose update stops and starts it ("Update requires: Some interruptions"),
    /// and the attributes that a stop and start changes: an instance without an Elastic IP gets a new
    /// public address.
    /// </summary>
    public static readonly IReadOnlyDictionary<string, (IReadOnlySet<string> Properties, IReadOnlySet<string> Attributes)> StopStart =
        new Dictionary<string, (IReadOnlySet<string>, IReadOnlySet<string>)>
        {
            ["AWS::EC2::Instance"] = (
                new HashSet<string> { "AdditionalInfo", "EbsOptimized", "InstanceType", "KernelId", "RamdiskId", "UserData" },
                new HashSet<string> { "PublicIp", "PublicDnsName" }),
        };
}
