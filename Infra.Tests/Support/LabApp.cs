namespace K8sLab.Tests.Support;

/// <summary>
/// The app these tests were built with (K8sLab.dll beside them), for the scripts: K8SLAB_APP makes
/// scripts/lab-config.sh run it directly instead of <c>dotnet run</c>, which would build it first.
/// Still the real app, reading the test's environment file.
/// </summary>
public static class LabApp
{
    public static string Dll => Path.Combine(AppContext.BaseDirectory, "K8sLab.dll");

    /// <summary>K8SLAB_APP's value: a command prefix, words split at spaces (the test folders have none).</summary>
    public static string Command => $"{Tool.Locate("dotnet")} {Dll}";

    /// <summary>
    /// us-east-1 as YAML may write it and the synth reads it, none of which a line-based read gets:
    /// quoted, quoted before a comment, and through an alias (of a tag's value, anchored first).
    /// </summary>
    public static TheoryData<string> UsEast1 => new()
    {
        "region: \"us-east-1\"",
        "region: 'us-east-1'   # N. Virginia",
        "tags:\n  home: &home us-east-1\nregion: *home",
    };

    /// <summary>The environment file of a test's copy of the repository, from dev.yaml with its region line replaced.</summary>
    public static string DevWithRegion(string regionLines)
    {
        var dev = File.ReadAllText(Repo.PathOf("environments", "dev.yaml"));
        const string line = "region: eu-west-1\n";
        if (!dev.Contains(line)) throw new InvalidOperationException($"environments/dev.yaml has no line '{line.Trim()}'");
        return dev.Replace(line, regionLines + "\n");
    }
}
