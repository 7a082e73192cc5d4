using System.Reflection;
using System.Text.RegularExpressions;
using K8sLab.Contract;

namespace K8sLab.Bootstrap;

/// <summary>
/// The files that ship inside the assembly (Infra.csproj: Bootstrap/Scripts, the converge/ folder),
/// so a synth never depends on the working directory.
/// </summary>
public static partial class EmbeddedFiles
{
    public static string Text(string name)
    {
        using var stream = Assembly.GetExecutingAssembly().GetManifestResourceStream(name)
            ?? throw new InvalidOperationException($"embedded file {name} is missing from the build");
        return new StreamReader(stream).ReadToEnd();
    }

    /// <summary>
    /// The contract's values a user-data script names, as @NAME@ in its source: the script keeps no
    /// copy of them, and the rendered text is what it always was.
    /// </summary>
    private static readonly IReadOnlyDictionary<string, string> Placeholders = new Dictionary<string, string>
    {
        ["@NODE_TAG@"] = LabFacts.Tags.Node,
    };

    /// <summary>An embedded user-data script with the contract's values filled in.</summary>
    public static string Script(string name)
    {
        var text = Placeholders.Aggregate(Text(name), (t, p) => t.Replace(p.Key, p.Value, StringComparison.Ordinal));
        return Placeholder().Match(text) is { Success: true } left
            ? throw new InvalidOperationException($"{name}: {left.Value} is not a value of the contract ({string.Join(", ", Placeholders.Keys)})")
            : text;
    }

    /// <summary>
    /// A script as it goes into a node's user data: without its comment lines (they stay in the
    /// repository), keeping the shebang and shellcheck directives.
    /// </summary>
    public static string ScriptWithoutComments(string name) => string.Concat(Script(name).Split('\n')
        .Where(line => !line.TrimStart().StartsWith('#') || line.StartsWith("#!") || line.TrimStart().StartsWith("# shellcheck"))
        .Select(line => line + "\n")).TrimEnd('\n') + "\n";

    /// <summary>The embedded files under <paramref name="prefix"/>, by name, in a stable order.</summary>
    public static IReadOnlyList<(string Name, string Text)> Under(string prefix) =>
        Assembly.GetExecutingAssembly().GetManifestResourceNames()
            .Where(n => n.StartsWith(prefix, StringComparison.Ordinal)).Order(StringComparer.Ordinal)
            .Select(n => (n, Text(n))).ToList();

    [GeneratedRegex("@[A-Z][A-Z_]*@")]
    private static partial Regex Placeholder();
}
