using K8sLab.Contract;

namespace K8sLab.Tagging;

/// <summary>
/// The tags the lab itself sets (their keys from the contract, converge/contract/lab.json). The scripts on the instances find things by these keys: keep them
/// stable. What a user's own tags must obey is Configuration/TagRules.cs (which uses these).
/// </summary>
public static class LabTags
{
    public static readonly string Environment = LabFacts.Tags.Environment;
    public static readonly string ManagedBy = LabFacts.Tags.ManagedBy;
    public static readonly string ManagedByValue = LabFacts.Tags.ManagedByValue;
    public static readonly string Role = LabFacts.Tags.Role;
    /// <summary>Host and inventory name; an instance names itself from it.</summary>
    public static readonly string Node = LabFacts.Tags.Node;
    /// <summary>The full SHA-256 of the user data the instance was launched with.</summary>
    public static readonly string Fingerprint = LabFacts.Tags.Fingerprint;

    /// <summary>What every one of the lab's own keys starts with (k8slab:), reserved for the lab.</summary>
    public static readonly string Prefix = Environment[..(Environment.IndexOf(':') + 1)];
    public const string Name = "Name";

    /// <summary>Every tag the lab puts on its most tagged resource, an instance.</summary>
    public static readonly IReadOnlyList<string> OnInstance = new[] { Environment, ManagedBy, Name, Role, Node, Fingerprint };

    /// <summary>AWS allows 50 tags a resource; the lab's own count against it.</summary>
    public const int AwsLimitPerResource = 50;
    public static int UserLimit => AwsLimitPerResource - OnInstance.Count;
}
