using System.Text.Json.Nodes;

namespace K8sLab.Tests.Support;

/// <summary>
/// The context of the repository's cdk.json (the feature flags), which the CDK CLI hands to the app:
/// tests synthesize with it too, so they check what `npx cdk synth` produces.
/// </summary>
public static class CdkJson
{
    private static JsonObject Context() =>
        JsonNode.Parse(File.ReadAllText(Repo.PathOf("cdk.json")))!["context"]?.AsObject() ?? new JsonObject();

    /// <summary>For an in-process <c>App</c>: plain values (booleans, strings, lists of strings).</summary>
    public static IDictionary<string, object> AppContext() =>
        Context().ToDictionary(e => e.Key, e => Plain(e.Value!));

    /// <summary>CDK_CONTEXT_JSON as the CLI sets it for the app process, for one environment.</summary>
    public static string ContextJson(string environment)
    {
        var context = Context();
        context["env"] = environment;
        return context.ToJsonString();
    }

    private static object Plain(JsonNode value) => value switch
    {
        JsonArray list => list.Select(v => v!.GetValue<string>()).ToArray(),
        JsonValue v when v.TryGetValue<bool>(out var flag) => flag,
        _ => value.GetValue<string>(),
    };
}
