using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace K8sLab.Preview;

/// <summary>
/// Whether a property value whose text is unchanged still changes at deploy time, through the
/// intrinsic functions in it: <c>Ref</c> (a resource's physical ID), <c>Fn::GetAtt</c> (an attribute),
/// <c>Fn::Sub</c> (each <c>${Name}</c> and <c>${Name.Attribute}</c>) and <c>Fn::ImportValue</c> (an
/// export). Whether the resource, attribute or export itself changes is the caller's rule
/// (<see cref="TemplateDiff"/>). Parameters, pseudo parameters and other functions are taken at their text.
/// </summary>
public static partial class Intrinsic
{
    public static bool IsFunction(JsonObject o) =>
        o.Count == 1 && o.First().Key is var key && (key == "Ref" || key.StartsWith("Fn::", StringComparison.Ordinal));

    /// <summary>
    /// Why <paramref name="value"/> changes at deploy time, or null. <paramref name="resource"/> says why
    /// a logical ID's physical ID (attribute null) or attribute changes, or null when it does not (or
    /// when the name is a parameter); <paramref name="exportChanges"/> whether an export's value changes.
    /// </summary>
    public static string? WhyChanges(JsonNode? value, Func<string, string?, string?> resource, Func<string, bool> exportChanges)
    {
        switch (value)
        {
            case JsonObject o when IsFunction(o):
                var (function, argument) = o.First();
                return function switch
                {
                    "Ref" when argument is JsonValue v && v.TryGetValue<string>(out var id) => resource(id, null),
                    "Fn::GetAtt" when GetAtt(argument) is var (id, attribute) && id is not null => resource(id, attribute),
                    "Fn::Sub" => Sub(argument, resource, exportChanges),
                    "Fn::ImportValue" when argument is JsonValue v && v.TryGetValue<string>(out var name) =>
                        exportChanges(name) ? $"export {name} changes" : null,
                    _ => WhyChanges(argument, resource, exportChanges),
                };
            case JsonObject o:
                return o.Select(p => WhyChanges(p.Value, resource, exportChanges)).FirstOrDefault(w => w is not null);
            case JsonArray a:
                return a.Select(e => WhyChanges(e, resource, exportChanges)).FirstOrDefault(w => w is not null);
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

    private static (string? Id, string? Attribute) GetAtt(JsonNode? argument) => argument switch
    {
        JsonArray { Count: 2 } a when a[0] is JsonValue i && i.TryGetValue<string>(out var id)
                                        && a[1] is JsonValue t && t.TryGetValue<string>(out var attribute) => (id, attribute),
        JsonValue v when v.TryGetValue<string>(out var text) && text.IndexOf('.') is > 0 and var dot =>
            (text[..dot], text[(dot + 1)..]),
        _ => (null, null),
    };

    private static string? Sub(JsonNode? argument, Func<string, string?, string?> resource, Func<string, bool> exportChanges)
    {
        var (text, variables) = argument switch
        {
            JsonValue v when v.TryGetValue<string>(out var s) => (s, null),
            JsonArray { Count: 2 } a when a[0] is JsonValue v && v.TryGetValue<string>(out var s) => (s, a[1] as JsonObject),
            _ => (null, null),
        };
        if (text is null) return WhyChanges(argument, resource, exportChanges);
        if (variables is not null && WhyChanges(variables, resource, exportChanges) is { } why) return why;
        foreach (Match m in SubVariable().Matches(text))
        {
            var name = m.Groups[1].Value;
            if (variables?.ContainsKey(name) == true) continue;
            var dot = name.IndexOf('.');
            var reason = dot > 0 ? resource(name[..dot], name[(dot + 1)..]) : resource(name, null);
            if (reason is not null) return reason;
        }
        return null;
    }

    [GeneratedRegex(@"\$\{([^!}][^}]*)\}")]
    private static partial Regex SubVariable();
}
