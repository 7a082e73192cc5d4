using System.Reflection;

namespace K8sLab.Bootstrap;

/// <summary>
/// The files that ship inside the assembly (Infra.csproj: Bootstrap/Scripts, the convergence program
/// and its playbooks), so a synth never depends on the working directory.
/// </summary>
public static class EmbeddedFiles
{
    public static string Text(string name)
    {
        using var stream = Assembly.GetExecutingAssembly().GetManifestResourceStream(name)
            ?? throw new InvalidOperationException($"embedded file {name} is missing from the build");
        return new StreamReader(stream).ReadToEnd();
    }

    /// <summary>
    /// An embedded script as it goes into user data: without its comment lines (they stay in the
    /// repository), keeping the shebang and shellcheck directives. User data is limited to 16 KB.
    /// </summary>
    public static string ScriptWithoutComments(string name) => string.Concat(Text(name).Split('\n')
        .Where(line => !line.TrimStart().StartsWith('#') || line.StartsWith("#!") || line.TrimStart().StartsWith("# shellcheck"))
        .Select(line => line + "\n")).TrimEnd('\n') + "\n";

    /// <summary>The embedded files under <paramref name="prefix"/>, by name, in a stable order.</summary>
    public static IReadOnlyList<(string Name, string Text)> Under(string prefix) =>
        Assembly.GetExecutingAssembly().GetManifestResourceNames()
            .Where(n => n.StartsWith(prefix, StringComparison.Ordinal)).Order(StringComparer.Ordinal)
            .Select(n => (n, Text(n))).ToList();
}
