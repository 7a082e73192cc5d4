using System.Text.Json.Nodes;
using K8sLab.Tagging;

namespace K8sLab.Preview;

/// <summary>What the preview reads from one resource of a template: its type, properties and tags.</summary>
public static class ResourceJson
{
    public const string InstanceType = "AWS::EC2::Instance";

    public static string TypeOf(JsonNode? resource) =>
        resource?["Type"] is JsonValue v && v.TryGetValue<string>(out var type) ? type : "?";

    public static JsonObject PropertiesOf(JsonNode? resource) => resource?["Properties"] as JsonObject ?? new JsonObject();

    /// <summary>A literal tag value from a resource's Tags list.</summary>
    public static string? Tag(JsonNode? resource, string key) =>
        (PropertiesOf(resource)["Tags"] as JsonArray)?.OfType<JsonObject>()
            .Where(t => t["Key"] is JsonValue k && k.TryGetValue<string>(out var s) && s == key)
            .Select(t => t["Value"] is JsonValue v && v.TryGetValue<string>(out var s) ? s : null)
            .FirstOrDefault();

    /// <summary>An instance's node name and user-data fingerprints from its tags; null for any other type.</summary>
    public static InstanceInfo? Instance(JsonNode? before, JsonNode? after)
    {
        var any = after ?? before;
        if (TypeOf(any) != InstanceType) return null;
        return new InstanceInfo(Tag(any, LabTags.Node),
            before is null ? null : Tag(before, LabTags.Fingerprint),
            after is null ? null : Tag(after, LabTags.Fingerprint), Tag(any, LabTags.Role));
    }

    public static bool Same(JsonNode? a, JsonNode? b) => JsonNode.DeepEquals(a, b);
}
