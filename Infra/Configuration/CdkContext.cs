using System.Text.Json;

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
}
