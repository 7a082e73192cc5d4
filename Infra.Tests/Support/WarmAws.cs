using System.Diagnostics;
using System.Net.Sockets;
using System.Text;

namespace K8sLab.Tests.Support;

/// <summary>
/// The AWS CLI v1 kept warm (warm-aws.py beside this file): a server in the CLI's own Python that
/// has imported it and parsed its service models once, and runs the real CLI for each call, with the
/// caller's arguments, standard streams, environment and working directory: in the server itself, or
/// in a forked child for the calls that may run for long or start processes. A call costs about
/// 0.034 s of CPU in the server, 0.15 s forked, instead of 1.2 s cold. <see cref="Launcher"/> is an executable that stands for
/// <c>aws</c>, written by the server: the warm servers' launcher (converge/tests/launcher.c, 2 ms a
/// start). Listens on a Unix socket in a folder of its own; stopped, and the folder deleted, on dispose.
/// </summary>
public sealed class WarmAws : IDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _errors = new();
    private readonly string _folder;
    private bool _disposed;

    public string Socket { get; }
    public string Launcher { get; }

    private WarmAws(string python)
    {
        // A short path: a Unix socket's is limited to 108 bytes.
        _folder = Directory.CreateTempSubdirectory("k8slab-aws-").FullName;
        Socket = Path.Combine(_folder, "s");
        var script = Repo.PathOf("Infra.Tests", "Support", "warm-aws.py");
        Launcher = Path.Combine(_folder, "aws");
        var start = new ProcessStartInfo(python)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var arg in new[] { script, "serve", Socket }) start.ArgumentList.Add(arg);
        // The server's own warm-up reads no configuration of this machine's user; each call reads its caller's.
        start.Environment["AWS_CONFIG_FILE"] = "/dev/null";
        start.Environment["AWS_SHARED_CREDENTIALS_FILE"] = "/dev/null";
        _process = Process.Start(start)!;
        _process.OutputDataReceived += (_, _) => { };
        _process.ErrorDataReceived += (_, e) => { lock (_errors) _errors.AppendLine(e.Data); };
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
    }

    /// <summary>
    /// Starts a warm server for <paramref name="aws"/> when it is a Python script, else null (use it as
    /// it is). It is ready for calls once <see cref="WaitUntilAccepting"/> returns: the warm-up runs
    /// meanwhile, beside whatever else the caller starts.
    /// </summary>
    public static WarmAws? StartFor(string aws)
    {
        // Windows has no fork (nor the CLI v1 as a script): the real CLI there.
        if (OperatingSystem.IsWindows()) return null;
        var python = Interpreter(aws);
        return python is null ? null : new WarmAws(python);
    }

    /// <summary>The Python that runs <paramref name="aws"/>, from its shebang; null when it is not a Python script.</summary>
    public static string? Interpreter(string aws)
    {
        string firstLine;
        using (var reader = new StreamReader(aws, Encoding.UTF8))
            firstLine = reader.ReadLine() ?? "";
        if (!firstLine.StartsWith("#!")) return null;
        var words = firstLine[2..].Split(' ', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        if (words.Length == 0) return null;
        var interpreter = Path.GetFileName(words[0]) == "env" && words.Length > 1 ? Tool.Locate(words[1]) : words[0];
        return Path.GetFileName(interpreter).StartsWith("python") && File.Exists(interpreter) ? interpreter : null;
    }

    public void WaitUntilAccepting()
    {
        // The warm-up (imports, models) takes a few seconds, more on a busy machine.
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (DateTime.UtcNow < deadline)
        {
            if (_process.HasExited)
            {
                _process.WaitForExit();
                var message = $"warm-aws.py exited with {_process.ExitCode} before listening: {Errors}";
                Dispose();
                throw new InvalidOperationException(message);
            }
            try
            {
                using var probe = new System.Net.Sockets.Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
                probe.Connect(new UnixDomainSocketEndPoint(Socket));
                return;
            }
            catch (SocketException) { Thread.Sleep(100); }
        }
        Dispose();
        throw new TimeoutException($"warm-aws.py did not listen within 60 s: {Errors}");
    }

    /// <summary>What the server wrote on its standard error (dropped requests, a failed warm-up).</summary>
    public string Errors
    {
        get { lock (_errors) return _errors.ToString(); }
    }

    public void Dispose()
    {
        // Also called when the start fails, then again by the failed start's caller.
        if (_disposed) return;
        _disposed = true;
        if (!_process.HasExited) _process.Kill(entireProcessTree: true);
        _process.WaitForExit(5000);
        _process.Dispose();
        if (Directory.Exists(_folder)) Directory.Delete(_folder, recursive: true);
    }
}
