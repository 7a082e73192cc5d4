using System.Diagnostics;
using System.Text.Json;

namespace K8sLab.Preview;

/// <summary>
/// Reads the create-only properties of the given resource types from the CloudFormation resource
/// schemas that cfn-lint ships, through one small Python call.
/// </summary>
public static class CfnLintSchemas
{
    public const string Missing = "the preview needs cfn-lint (pip install cfn-lint), whose CloudFormation resource schemas list each type's create-only properties";

    // us-east-1 has every resource type; create-only properties do not differ between regions.
    private const string Script = """
        import json, sys
        try:
            from cfnlint.schema import PROVIDER_SCHEMA_MANAGER as schemas
            from cfnlint.schema.manager import ResourceNotFoundError
        except ImportError as e:
            sys.stderr.write("cannot import cfnlint: %s\n" % e)
            sys.exit(3)
        table = {}
        for name in sys.argv[1:]:
            try:
                table[name] = schemas.get_resource_schema("us-east-1", name).schema.get("createOnlyProperties") or []
            except ResourceNotFoundError:
                table[name] = None
        json.dump(table, sys.stdout)
        """;

    public static CreateOnlyProperties Load(IEnumerable<string> types, string python = "python3")
    {
        var start = new ProcessStartInfo(python);
        start.ArgumentList.Add("-c");
        start.ArgumentList.Add(Script);
        foreach (var type in types.Distinct().Order(StringComparer.Ordinal)) start.ArgumentList.Add(type);

        var (exitCode, stdout, stderr) = PythonProcess.Run(start, Missing);
        if (exitCode != 0)
            throw new PreviewException($"{Missing}; {python} says: {stderr.Trim()}");
        var table = JsonSerializer.Deserialize<Dictionary<string, List<string>?>>(stdout)
            ?? throw new PreviewException($"cfn-lint's schemas gave no answer: {stdout}");
        return new CreateOnlyProperties(table.ToDictionary(t => t.Key, t => (IReadOnlyList<string>?)t.Value));
    }
}

/// <summary>A preview that cannot be made, stated for the user.</summary>
public sealed class PreviewException(string message) : Exception(message);
