using System.Text.Json.Nodes;

namespace K8sLab.Preview;

/// <summary>
/// CloudFormation's create-only properties per resource type (the resource schemas'
/// <c>createOnlyProperties</c>, JSON pointers such as <c>/properties/ImageId</c>): a change to any of
/// them replaces the resource under the same logical ID. A type the schemas do not know maps to null.
/// </summary>
public sealed class CreateOnlyProperties(IReadOnlyDictionary<string, IReadOnlyList<string>?> byType)
{
    public IReadOnlyDictionary<string, IReadOnlyList<string>?> ByType { get; } = byType;

    public bool Knows(string type) => ByType.TryGetValue(type, out var pointers) && pointers is not null;

    public IReadOnlyList<string> For(string type) => ByType.GetValueOrDefault(type) ?? Array.Empty<string>();

    /// <summary>"/properties/LaunchTemplate/Version" reads "LaunchTemplate.Version".</summary>
    public static string NameOf(string pointer) =>
        string.Join('.', Segments(pointer).SkipWhile((s, i) => i == 0 && s == "properties"));

    /// <summary>
    /// The values a pointer selects in a resource's Properties: none when absent, several through
    /// arrays ("*", or a name applied to each element). An intrinsic function met on the way is the
    /// value itself, since what it resolves to is not in the text.
    /// </summary>
    public static IReadOnlyList<JsonNode?> Select(JsonObject? properties, string pointer)
    {
        var segments = Segments(pointer).ToList();
        if (segments.FirstOrDefault() == "properties") segments.RemoveAt(0);
        IEnumerable<JsonNode?> current = properties is null ? Array.Empty<JsonNode?>() : new JsonNode?[] { properties };
        foreach (var segment in segments)
            current = current.SelectMany(node => Step(node, segment)).ToList();
        return current.ToList();
    }

    private static IEnumerable<JsonNode?> Step(JsonNode? node, string segment) => node switch
    {
        JsonObject o when Intrinsic.IsFunction(o) => new[] { node },
        JsonObject o => o.TryGetPropertyValue(segment, out var child) ? new[] { child } : Array.Empty<JsonNode?>(),
        JsonArray a when segment == "*" => a,
        JsonArray a => a.SelectMany(element => Step(element, segment)),
        _ => Array.Empty<JsonNode?>(),
    };

    private static IEnumerable<string> Segments(string pointer) =>
        pointer.Split('/', StringSplitOptions.RemoveEmptyEntries).Select(s => s.Replace("~1", "/").Replace("~0", "~"));
}
