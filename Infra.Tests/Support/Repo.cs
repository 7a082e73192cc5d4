namespace K8sLab.Tests.Support;

/// <summary>The repository the tests run from, found by its solution file.</summary>
public static class Repo
{
    public static readonly string Root = Find();

    public static string EnvironmentsFolder => Path.Combine(Root, "environments");

    /// <summary>The pinned Node.js (22) that npm ci puts in node_modules/.bin, as under npx.</summary>
    public static string Node
    {
        get
        {
            var node = PathOf("node_modules", ".bin", "node");
            return File.Exists(node) ? node : throw new InvalidOperationException($"{node} is missing: run npm ci at the repository root");
        }
    }

    public static string PathOf(params string[] parts) => Path.Combine(new[] { Root }.Concat(parts).ToArray());

    /// <summary>
    /// The working tree's files as git sees them: tracked and untracked, not ignored, and present (a deleted file
    /// git still tracks is left out); paths relative to <see cref="Root"/>, limited by git pathspecs if given.
    /// </summary>
    public static IReadOnlyList<string> Files(params string[] pathspecs) =>
        Tool.Run("git", new[] { "ls-files", "-co", "--exclude-standard", "--" }.Concat(pathspecs), Root).StdOut
            .Split('\n', StringSplitOptions.RemoveEmptyEntries).Where(f => File.Exists(PathOf(f))).ToList();

    private static string Find()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "K8sLab.sln"))) return dir.FullName;
        throw new InvalidOperationException("K8sLab.sln not found above " + AppContext.BaseDirectory);
    }
}
