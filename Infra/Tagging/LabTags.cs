namespace K8sLab.Tagging;

/// <summary>
/// The tags the lab itself sets. The scripts on the instances find things by these keys: keep them
/// stable. What a user's own tags must obey is Configuration/TagRules.cs (which uses these).
/// </summary>
public static class LabTags
{
    public const string Environment = "k8slab:environment";
    public const string ManagedBy = "k8slab:managed-by";
    public const string ManagedByValue = "cdk";
    public const string Role = "k8slab:role";
    /// <summary>Host and inventory name; an instance names itself from it.</summary>
    public const string Node = "k8slab:node";
    /// <summary>The full SHA-256 of the user data the instance was launched with.</summary>
    public const string Fingerprint = "k8slab:userdata-sha256";
    public const string Name = "Name";

    /// <summary>Every tag the lab puts on its most tagged resource, an instance.</summary>
    public static readonly IReadOnlyList<string> OnInstance = new[] { Environment, ManagedBy, Name, Role, Node, Fingerprint };

    /// <summary>AWS allows 50 tags a resource; the lab's own count against it.</summary>
    public const int AwsLimitPerResource = 50;
    public static int UserLimit => AwsLimitPerResource - OnInstance.Count;
}
