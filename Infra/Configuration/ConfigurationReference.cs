using System.Text;

namespace K8sLab.Configuration;

/// <summary>One key of an environment file: its path, its default, and what it allows, as the reader checks it.</summary>
public sealed record KeyReference(string Key, string Default, string Allowed)
{
    public const string None = "none";
    public const string Required = "(required)";
}

/// <summary>
/// The configuration reference table of docs/configuration.md: every key the reader asks for, in the
/// order of the file's sections, noted while it reads a minimal file (<see cref="YamlSection"/>), so
/// the table says what the code checks. A test keeps the document equal to <see cref="Markdown"/>.
/// </summary>
public static class ConfigurationReference
{
    public const string Begin = "<!-- keys:begin: generated from the reader (Configuration/ConfigurationReference.cs); ConfigurationReferenceTests keeps it equal -->";
    public const string End = "<!-- keys:end -->";

    /// <summary>The smallest file the reader accepts: everything else is its default.</summary>
    private const string Minimal = "region: eu-west-1\nadmin:\n  cidr: 198.18.0.10/32\n";

    public static IReadOnlyList<KeyReference> Keys()
    {
        var catalog = new List<KeyReference>();
        EnvironmentFiles.Parse("environments/reference.yaml", "reference", Minimal, catalog: catalog);
        // In the file's order of sections (the reader reads machineImage first: it decides the types).
        var order = EnvironmentFiles.TopLevelKeys.ToList();
        return catalog.OrderBy(k => order.IndexOf(k.Key.Split('.')[0])).ToList();
    }

    public static string Markdown()
    {
        var text = new StringBuilder();
        text.AppendLine(Begin);
        text.AppendLine("| key | default | allowed |");
        text.AppendLine("| --- | --- | --- |");
        foreach (var k in Keys())
        {
            var fallback = k.Default is KeyReference.None or KeyReference.Required ? k.Default : $"`{k.Default}`";
            text.AppendLine($"| `{k.Key}` | {fallback} | {k.Allowed.Replace("|", "\\|")} |");
        }
        text.Append(End);
        return text.ToString();
    }
}
