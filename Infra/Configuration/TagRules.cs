using System.Globalization;
using System.Text.RegularExpressions;
using K8sLab.Tagging;

namespace K8sLab.Configuration;

/// <summary>
/// AWS's rules for a user's tags (the environment file's <c>tags:</c>), checked before anything is
/// built, so that no deploy fails on a tag halfway through: lengths in Unicode characters, the
/// characters every tagging service accepts, the reserved <c>aws:</c> prefix, and the lab's own keys.
/// </summary>
public static class TagRules
{
    public const int MaxKeyLength = 128;
    public const int MaxValueLength = 256;
    public const string AllowedCharactersText = "letters, digits, spaces and _ . : / = + - @";
    // \z, not $: a YAML block value ends in a newline, which $ would let through.
    private static readonly Regex AllowedCharacters = new(@"^[\p{L}\p{Z}\p{N}_.:/=+\-@]*\z");

    /// <summary>Every problem with the user's tags, each naming the key.</summary>
    public static IEnumerable<(string Key, string Problem)> Problems(IReadOnlyList<(string Key, string Value, long Line)> tags)
    {
        foreach (var (key, value, line) in tags)
        {
            var problem = KeyProblem(key) ?? ValueProblem(key, value);
            if (problem is not null) yield return (key, $"{problem} (line {line})");
        }
        // IAM, among others, treats keys that differ only in case as the same key.
        foreach (var clash in tags.GroupBy(t => t.Key, StringComparer.OrdinalIgnoreCase).Where(g => g.Count() > 1))
            yield return (clash.Last().Key, $"'{string.Join("' and '", clash.Select(t => t.Key))}' differ only in case (line {clash.Last().Line}); AWS services such as IAM take them as one key");
        if (tags.Count > LabTags.UserLimit)
            yield return ("", $"{tags.Count} tags; AWS allows {LabTags.AwsLimitPerResource} a resource and the lab sets {LabTags.OnInstance.Count} of them on an instance, so at most {LabTags.UserLimit}");
    }

    private static string? KeyProblem(string key)
    {
        var length = new StringInfo(key).LengthInTextElements;
        if (length is 0 or > MaxKeyLength) return $"a tag key has 1 to {MaxKeyLength} characters, got {length}";
        if (!AllowedCharacters.IsMatch(key)) return $"'{key}' has characters AWS refuses in a tag key; allowed: {AllowedCharactersText}";
        if (key.StartsWith("aws:", StringComparison.OrdinalIgnoreCase)) return $"'{key}': the aws: prefix is reserved for AWS";
        if (key.StartsWith(LabTags.Prefix, StringComparison.OrdinalIgnoreCase) || key.Equals(LabTags.Name, StringComparison.OrdinalIgnoreCase))
            return $"'{key}' is set by the lab itself (Name and the {LabTags.Prefix} prefix); choose another key";
        return null;
    }

    private static string? ValueProblem(string key, string value)
    {
        var length = new StringInfo(value).LengthInTextElements;
        if (length > MaxValueLength) return $"the value of '{key}' has {length} characters; AWS allows up to {MaxValueLength}";
        if (!AllowedCharacters.IsMatch(value)) return $"the value of '{key}' has characters AWS refuses in a tag value; allowed: {AllowedCharactersText}";
        if (value.StartsWith("aws:", StringComparison.OrdinalIgnoreCase)) return $"the value of '{key}' starts with aws:, which AWS reserves";
        return null;
    }
}
