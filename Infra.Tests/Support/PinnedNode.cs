using System.Runtime.CompilerServices;

namespace K8sLab.Tests.Support;

/// <summary>
/// Puts the repository's pinned Node (node_modules/.bin, from npm ci) first on the PATH before any
/// test starts jsii, as `npx cdk` does: plain `dotnet test` then behaves like scripts/test.sh, and
/// no other Node on the machine (Node 20 prints an end-of-life banner) runs the construct library.
/// </summary>
internal static class PinnedNode
{
    [ModuleInitializer]
    internal static void PutFirstOnPath()
    {
        var bin = Repo.PathOf("node_modules", ".bin");
        var path = Environment.GetEnvironmentVariable("PATH") ?? "";
        if (!path.Split(':').Contains(bin)) Environment.SetEnvironmentVariable("PATH", $"{bin}:{path}");
    }
}
