using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using K8sLab.Tagging;

namespace K8sLab.Preview;

/// <summary>
/// Which resource before is which after: same logical ID; an instance by its <c>k8slab:node</c> tag;
/// any other resource by its logical ID with the hashes taken out, when that is unique on both sides.
/// </summary>
public static partial class ResourcePairing
{
    /// <summary>The logical IDs of the same resource before and after.</summary>
    public static IEnumerable<(string Before, string After)> PairUp(JsonObject before, JsonObject after)
    {
        var pairs = before.Select(r => r.Key).Where(after.ContainsKey).Select(id => (id, id)).ToList();
        var restBefore = before.Where(r => !after.ContainsKey(r.Key)).ToList();
        var restAfter = after.Where(r => !before.ContainsKey(r.Key)).ToList();

        void Match(Func<KeyValuePair<string, JsonNode?>, string?> key)
        {
            var left = restBefore.Where(r => key(r) is not null).GroupBy(r => key(r)!).Where(g => g.Count() == 1).ToDictionary(g => g.Key, g => g.Single().Key);
            var right = restAfter.Where(r => key(r) is not null).GroupBy(r => key(r)!).Where(g => g.Count() == 1).ToDictionary(g => g.Key, g => g.Single().Key);
            foreach (var (k, b) in left)
                if (right.TryGetValue(k, out var a)) pairs.Add((b, a));
            restBefore.RemoveAll(r => pairs.Any(p => p.Item1 == r.Key));
            restAfter.RemoveAll(r => pairs.Any(p => p.Item2 == r.Key));
        }

        Match(r => ResourceJson.TypeOf(r.Value) == ResourceJson.InstanceType ? ResourceJson.Tag(r.Value, LabTags.Node) : null);
        Match(r => $"{ResourceJson.TypeOf(r.Value)} {Stem(r.Key)}");
        return pairs;
    }

    /// <summary>A logical ID without its hashes (runs of 8 or more hex digits that hold a digit).</summary>
    public static string Stem(string logicalId) =>
        HexRun().Replace(logicalId, m => m.Value.Any(char.IsAsciiDigit) ? "" : m.Value);

    [GeneratedRegex("[0-9A-Fa-f]{8,}")]
    private static partial Regex HexRun();
}
