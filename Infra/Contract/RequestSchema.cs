using System.Reflection;
using System.Text.Json;

namespace K8sLab.Contract;

/// <summary>
/// The convergence request's stored form, <c>converge/contract/request.schema.json</c> (embedded): a
/// header and node parts, each a JSON document (JSON Schema draft 2020-12). The app writes the
/// version the schema names; the bastion's program refuses a request of another version, and the
/// tests hold what the app writes to the whole schema.
/// </summary>
public static class RequestSchema
{
    public const string File = "converge/contract/request.schema.json";
    private const string ResourceName = File;

    /// <summary>The schema as the file has it.</summary>
    public static readonly string Text = Load();

    /// <summary>The header's schemaVersion: the const of <c>$defs.header.properties.schemaVersion</c>.</summary>
    public static readonly int Version = ReadVersion();

    private static int ReadVersion()
    {
        var node = JsonDocument.Parse(Text).RootElement;
        foreach (var key in new[] { "$defs", "header", "properties", "schemaVersion", "const" })
            if (node.ValueKind != JsonValueKind.Object || !node.TryGetProperty(key, out node))
                throw new InvalidOperationException($"{File}: $defs.header.properties.schemaVersion.const is missing");
        return node.TryGetInt32(out var version) ? version
            : throw new InvalidOperationException($"{File}: schemaVersion's const is not a whole number");
    }

    private static string Load()
    {
        using var stream = Assembly.GetExecutingAssembly().GetManifestResourceStream(ResourceName)
            ?? throw new InvalidOperationException($"{File} is not embedded in the app");
        return new StreamReader(stream).ReadToEnd();
    }
}
