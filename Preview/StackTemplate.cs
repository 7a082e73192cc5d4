using System.Text.Json.Nodes;

namespace K8sLab.Preview;

/// <summary>A synthesized stack: its template and the stack tags CDK deploys it with.</summary>
public sealed record StackTemplate(JsonObject Template, IReadOnlyDictionary<string, string>? Tags = null)
{
    public static StackTemplate Parse(string json, IReadOnlyDictionary<string, string>? tags = null) =>
        new(JsonNode.Parse(json) as JsonObject ?? throw new ArgumentException("a template must be a JSON object"), tags);

    public JsonObject Resources => Template["Resources"] as JsonObject ?? new JsonObject();
}
