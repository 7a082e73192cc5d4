using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace K8sLab.Preview;

/// <summary>
/// Whether a property value whose text is unchanged still changes at deploy time, through the
/// intrinsic functions in it. The rule, conservative on purpose:
/// <list type="bullet">
/// <item><c>Ref</c> to a resource (its physical ID) changes when that resource is replaced;</item>
/// <item><c>Fn::GetAtt</c> changes when the resource is replaced, and also when it is merely updated if
///   the attribute is a version (its name ends in <c>Version</c> or <c>VersionNumber</c>, such as a
///   launch template's <c>LatestVersionNumber</c>, which every update of its data increments); other
///   attributes (IDs, ARNs, addresses) are taken to survive an update;</item>
/// <item><c>Fn::Sub</c> follows the same rules for each <c>${Name}</c> and <c>${Name.Attribute}</c>;</item>
/// <item><c>Fn::ImportValue</c> changes when the export it names changes (a new export, a new text or
///   a value that itself changes by these rules).</item>
/// </list>
/// Parameters, pseudo parameters and other functions are taken at their text.
/// </summary>
public static partial class Intrinsic
{
    public static bool IsFunction(JsonObject o) =>
        o.Count == 1 && o.First().Key is var key && (key == "Ref" || key.StartsWith("Fn::", StringComparison.Ordinal));

    public static bool ChangesOnUpdate(string attribute) =>
        attribute.EndsWith("Version", StringComparison.Ordinal) || attribute.EndsWith("VersionNumber", StringComparison.Ordinal);

    /// <summary>
    /// Why <paramref name="value"/> changes at deploy time, or null. <paramref name="status"/> tells a
    /// resource of the same stack that is replaced or updated (null otherwise, or for a parameter);
    /// <paramref name="exportChanges"/> whether an export's value changes.
    /// </summary>
    public static string? WhyChanges(JsonNode? value, Func<string, Change?> status, Func<string, bool> exportChanges)
    {
        switch (value)
        {
            case JsonObject o when IsFunction(o):
                var (function, argument) = o.First();
                return function switch
                {
                    "Ref" when argument is JsonValue v && v.TryGetValue<string>(out var id) => Ref(id, status),
                    "Fn::GetAtt" when GetAtt(argument) is var (id, attribute) && id is not null => Attribute(id, attribute!, status),
                    "Fn::Sub" => Sub(argument, status, exportChanges),
                    "Fn::ImportValue" when argument is JsonValue v && v.TryGetValue<string>(out var name) =>
                        exportChanges(name) ? $"export {name} changes" : null,
                    _ => WhyChanges(argument, status, exportChanges),
                };
            case JsonObject o:
                return o.Select(p => WhyChanges(p.Value, status, exportChanges)).FirstOrDefault(w => w is not null);
            case JsonArray a:
                return a.Select(e => WhyChanges(e, status, exportChanges)).FirstOrDefault(w => w is not null);
            default:
                return null;
        }
    }

    /// <summary>The export names a value imports (literal <c>Fn::ImportValue</c> arguments).</summary>
    public static IEnumerable<string> ImportedExports(JsonNode? value) => value switch
    {
        JsonObject o when IsFunction(o) && o.First() is { Key: "Fn::ImportValue", Value: JsonValue v } && v.TryGetValue<string>(out var name) => new[] { name },
        JsonObject o => o.SelectMany(p => ImportedExports(p.Value)),
        JsonArray a => a.SelectMany(ImportedExports),
        _ => Array.Empty<string>(),
    };

    private static string? Ref(string id, Func<string, Change?> status) =>
        status(id) == Change.Replaced ? $"{id} is replaced" : null;

    private static string? Attribute(string id, string attribute, Func<string, Change?> status) => status(id) switch
    {
        Change.Replaced => $"{id} is replaced",
        Change.Updated when ChangesOnUpdate(attribute) => $"{id} is updated: new {attribute}",
        _ => null,
    };

    private static (string? Id, string? Attribute) GetAtt(JsonNode? argument) => argument switch
    {
        JsonArray { Count: 2 } a when a[0] is JsonValue i && i.TryGetValue<string>(out var id)
                                        && a[1] is JsonValue t && t.TryGetValue<string>(out var attribute) => (id, attribute),
        JsonValue v when v.TryGetValue<string>(out var text) && text.IndexOf('.') is > 0 and var dot =>
            (text[..dot], text[(dot + 1)..]),
        _ => (null, null),
    };

    private static string? Sub(JsonNode? argument, Func<string, Change?> status, Func<string, bool> exportChanges)
    {
        var (text, variables) = argument switch
        {
            JsonValue v when v.TryGetValue<string>(out var s) => (s, null),
            JsonArray { Count: 2 } a when a[0] is JsonValue v && v.TryGetValue<string>(out var s) => (s, a[1] as JsonObject),
            _ => (null, null),
        };
        if (text is null) return WhyChanges(argument, status, exportChanges);
        if (variables is not null && WhyChanges(variables, status, exportChanges) is { } why) return why;
        foreach (Match m in SubVariable().Matches(text))
        {
            var name = m.Groups[1].Value;
            if (variables?.ContainsKey(name) == true) continue;
            var dot = name.IndexOf('.');
            var reason = dot > 0 ? Attribute(name[..dot], name[(dot + 1)..], status) : Ref(name, status);
            if (reason is not null) return reason;
        }
        return null;
    }

    [GeneratedRegex(@"\$\{([^!}][^}]*)\}")]
    private static partial Regex SubVariable();
}
