namespace K8sLab.Tests.Support;

/// <summary>
/// The bastion's convergence program (converge/), run by this machine's python3:
/// the same code the bastion runs with its AWS CLI's Python.
/// </summary>
public static class Python
{
    public static string ControlHost => Repo.PathOf("converge");

    /// <summary>What every run of converge/'s Python adds to its environment: the program and the tests on the path, no bytecode in the tree.</summary>
    public static IReadOnlyDictionary<string, string> Environment => new Dictionary<string, string>
    {
        ["PYTHONPATH"] = ControlHost + ":" + Path.Combine(ControlHost, "tests"),
        ["PYTHONDONTWRITEBYTECODE"] = "1",
    };

    public static ToolResult Run(string a, string b, string? stdin = null, IDictionary<string, string>? environment = null, TimeSpan? timeout = null) =>
        Run(new[] { a, b }, stdin, environment, timeout);

    public static ToolResult Run(IEnumerable<string> args, string? stdin = null, IDictionary<string, string>? environment = null, TimeSpan? timeout = null)
    {
        var env = new Dictionary<string, string>(environment ?? new Dictionary<string, string>());
        foreach (var (key, value) in Environment) env[key] = value;
        if (stdin is null) return Tool.Run("python3", args, ControlHost, env, timeout);
        var input = Path.GetTempFileName();
        File.WriteAllText(input, stdin);
        try
        {
            return Tool.Run("bash", new[] { "-c", "python3 \"$@\" < \"$K8SLAB_STDIN\"", "python3" }.Concat(args), ControlHost,
                new Dictionary<string, string>(env) { ["K8SLAB_STDIN"] = input }, timeout);
        }
        finally { File.Delete(input); }
    }
}
