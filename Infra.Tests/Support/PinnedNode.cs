using System.Diagnostics;
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
        // Python's own folder first, then Node's in front of it (the order of the two prepends).
        PutFirst(PythonShims.InterpreterFolder());
        PutFirst(Repo.PathOf("node_modules", ".bin"));
    }

    private static void PutFirst(string? bin)
    {
        if (bin is null) return;
        var path = Environment.GetEnvironmentVariable("PATH") ?? "";
        if (!path.Split(':').Contains(bin)) Environment.SetEnvironmentVariable("PATH", $"{bin}:{path}");
    }
}

/// <summary>
/// When python3 on the PATH is a version manager's shim (pyenv's: a bash script that finds the
/// version, then execs it), every python3, aws and moto_server a test starts pays for that script:
/// 1.2 to 1.5 s a start on this machine kind's 2 cores under load, against 0.3 s for the interpreter
/// itself, and the convergence scenarios start hundreds. The tests run the interpreter the shim
/// would pick (and the AWS CLI, moto, cfn-lint beside it), found once: the same programs, sooner.
/// </summary>
internal static class PythonShims
{
    /// <summary>The folder of the interpreter python3 runs, when python3 on the PATH is a script that finds it; else null.</summary>
    public static string? InterpreterFolder()
    {
        var found = (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':')
            .Select(dir => Path.Combine(dir, "python3")).FirstOrDefault(File.Exists);
        if (found is null) return null;   // the tests that need it say how to install it
        // An interpreter (or a link to one) is a binary; a shim is a script.
        using (var file = File.OpenRead(found))
            if (file.ReadByte() != '#' || file.ReadByte() != '!') return null;
        try
        {
            var start = new ProcessStartInfo(found) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
            foreach (var arg in new[] { "-c", "import sys; print(sys.executable)" }) start.ArgumentList.Add(arg);
            using var process = Process.Start(start)!;
            var executable = process.StandardOutput.ReadToEnd().Trim();
            process.WaitForExit();
            var folder = Path.GetDirectoryName(executable);
            return process.ExitCode == 0 && folder is not null && folder != Path.GetDirectoryName(found) && File.Exists(executable) ? folder : null;
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return null;
        }
    }
}
