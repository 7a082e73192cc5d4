namespace K8sLab.Configuration;

/// <summary>
/// A problem with an environment file, stated for the user: which file, which key, what is allowed.
/// Thrown before any stack is built, so nothing is written when it is raised.
/// </summary>
public sealed class ConfigException : Exception
{
    public ConfigException(IReadOnlyList<string> problems)
        : base(string.Join(Environment.NewLine, problems)) => Problems = problems;

    public ConfigException(string problem) : this(new[] { problem }) { }

    public IReadOnlyList<string> Problems { get; }
}
