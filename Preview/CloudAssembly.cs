using System.Text.Json.Nodes;

namespace K8sLab.Preview;

/// <summary>The stacks of a synthesized cloud assembly (a cdk.out folder): templates and stack tags, by stack name.</summary>
public static class CloudAssembly
{
    public static IReadOnlyDictionary<string, StackTemplate> Read(string folder)
    {
        var manifestFile = Path.Combine(folder, "manifest.json");
        if (!File.Exists(manifestFile)) throw new PreviewException($"{folder} holds no synthesized app (no manifest.json)");
        var manifest = JsonNode.Parse(File.ReadAllText(manifestFile))!;
        var stacks = new Dictionary<string, StackTemplate>();
        foreach (var (id, artifact) in manifest["artifacts"] as JsonObject ?? new JsonObject())
        {
            if (artifact?["type"]?.GetValue<string>() != "aws:cloudformation:stack") continue;
            var properties = artifact["properties"]!;
            var name = properties["stackName"]?.GetValue<string>() ?? id;
            var template = File.ReadAllText(Path.Combine(folder, properties["templateFile"]!.GetValue<string>()));
            var tags = (properties["tags"] as JsonObject)?.ToDictionary(t => t.Key, t => t.Value!.GetValue<string>());
            stacks[name] = StackTemplate.Parse(template, tags);
        }
        return stacks;
    }
}
