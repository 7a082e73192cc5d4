using System.Text.Json.Nodes;
using K8sLab.Configuration;

namespace K8sLab.Tests.Support;

/// <summary>
/// The context `npx cdk synth -c env=NAME` hands the app (cdk.json's feature flags and the CLI's own
/// settings): tests synthesize with it too, so they check what the CLI produces.
/// </summary>
public static class CdkJson
{
    /// <summary>For an in-process <c>App</c>: plain values (booleans, strings, lists of strings).</summary>
    public static IDictionary<string, object> AppContext(string environment = "test") =>
        CdkContext.AsTheCliPassesIt(Repo.PathOf("cdk.json"), environment).ToDictionary(e => e.Key, e => Plain(e.Value!));

    /// <summary>CDK_CONTEXT_JSON as the CLI sets it for the app process.</summary>
    public static string ContextJson(string environment) =>
        CdkContext.AsTheCliPassesIt(Repo.PathOf("cdk.json"), environment).ToJsonString();

    private static object Plain(JsonNode value) => value switch
    {
        JsonArray list => list.Select(v => v!.GetValue<string>()).ToArray(),
        JsonValue v when v.TryGetValue<bool>(out var flag) => flag,
        _ => value.GetValue<string>(),
    };
}
