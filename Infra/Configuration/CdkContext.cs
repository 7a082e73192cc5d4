using System.Text.Json;
using System.Text.Json.Nodes;

namespace K8sLab.Configuration;

/// <summary>
/// The environment chosen with <c>-c env=NAME</c>, read from the context the CDK CLI hands the app
/// (CDK_CONTEXT_JSON, which includes cdk.json's context) before jsii starts, so that a bad
/// environment file fails in milliseconds and nothing is built.
/// </summary>
public static class CdkContext
{
    public const string DefaultEnvironment = "dev";

    public static string Environment(string? contextJson)
    {
        if (string.IsNullOrWhiteSpace(contextJson)) return DefaultEnvironment;
        using var context = JsonDocument.Parse(contextJson);
        return context.RootElement.TryGetProperty("env", out var env) && env.ValueKind == JsonValueKind.String
            ? env.GetString()!
            : DefaultEnvironment;
    }

    /// <summary>
    /// The context the CDK CLI (2.1148) hands the app for <c>-c env=<paramref name="environment"/></c>:
    /// cdk.json's context plus the CLI's own settings (path and asset metadata, version reporting,
    /// bundling), for runs without the CLI (tests, the benchmark) that must synthesize what it does.
    /// </summary>
    public static JsonObject AsTheCliPassesIt(string cdkJsonFile, string environment)
    {
        var cdkJson = JsonNode.Parse(File.ReadAllText(cdkJsonFile))!.AsObject();
        var context = cdkJson["context"]?.DeepClone().AsObject() ?? new JsonObject();
        if (cdkJson["pathMetadata"]?.GetValue<bool>() != false) context["aws:cdk:enable-path-metadata"] = true;
        if (cdkJson["assetMetadata"]?.GetValue<bool>() != false) context["aws:cdk:enable-asset-metadata"] = true;
        if (cdkJson["versionReporting"]?.GetValue<bool>() != false) context["aws:cdk:version-reporting"] = true;
        context["aws:cdk:bundling-stacks"] = new JsonArray("**");
        context["env"] = environment;
        return context;
    }
}
