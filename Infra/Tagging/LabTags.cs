using System.Text.RegularExpressions;

namespace K8sLab.Tagging;

/// <summary>
/// The tags the lab itself sets, and AWS's rules for the tags a user adds (environment file's
/// <c>tags:</c>). The scripts on the instances find things by these keys: keep them stable.
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

    public const int MaxKeyLength = 128;
    public const int MaxValueLength = 256;
    private static readonly Regex AllowedCharacters = new(@"^[\p{L}\p{Z}\p{N}_.:/=+\-@]*$");
    public const string AllowedCharactersText = "letters, digits, spaces and _ . : / = + - @";

    /// <summary>What is wrong with a user's tag key, or null.</summary>
    public static string? KeyProblem(string key)
    {
        if (key.Length is 0 or > MaxKeyLength) return $"a tag key has 1 to {MaxKeyLength} characters, got {key.Length}";
        if (!AllowedCharacters.IsMatch(key)) return $"'{key}' has characters AWS refuses in a tag key; allowed: {AllowedCharactersText}";
        if (key.StartsWith("aws:", StringComparison.OrdinalIgnoreCase)) return $"'{key}': the aws: prefix is reserved for AWS";
        if (key.StartsWith("k8slab:", StringComparison.OrdinalIgnoreCase) || key == Name)
            return $"'{key}' is set by the lab itself (Name and the k8slab: prefix); choose another key";
        return null;
    }

    /// <summary>What is wrong with a user's tag value, or null.</summary>
    public static string? ValueProblem(string key, string value)
    {
        if (value.Length > MaxValueLength) return $"the value of '{key}' has {value.Length} characters; AWS allows up to {MaxValueLength}";
        if (!AllowedCharacters.IsMatch(value)) return $"the value of '{key}' has characters AWS refuses in a tag value; allowed: {AllowedCharactersText}";
        return null;
    }
}
