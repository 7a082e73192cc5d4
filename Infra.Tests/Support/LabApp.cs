namespace K8sLab.Tests.Support;

/// <summary>The app these tests were built with (K8sLab.dll beside them), run as a process.</summary>
public static class LabApp
{
    public static string Dll => Path.Combine(AppContext.BaseDirectory, "K8sLab.dll");

    /// <summary>The environment file of a test's copy of the repository, from dev.yaml with its region line replaced.</summary>
    public static string DevWithRegion(string regionLines)
    {
        var dev = File.ReadAllText(Repo.PathOf("environments", "dev.yaml"));
        const string line = "region: eu-west-1\n";
        if (!dev.Contains(line)) throw new InvalidOperationException($"environments/dev.yaml has no line '{line.Trim()}'");
        return dev.Replace(line, regionLines + "\n");
    }
}
