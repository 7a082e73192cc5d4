using System.Diagnostics;
using System.Text;
using System.Text.Json.Nodes;
using K8sLab.Tests.Support;

namespace K8sLab.Tests.Convergence;

/// <summary>
/// A scenario class's emulator and its runner (converge/tests/runner.py): one warm Python process,
/// started with the class's first scenario, that runs each scenario in a child forked from it, so
/// that the imports, botocore's models and the stand-ins' server are paid once a class, not once a
/// scenario (about 1.2 s of CPU each). Stopped with the emulator on dispose.
/// </summary>
public sealed class ScenarioRunner : IDisposable
{
    private static readonly TimeSpan CaseTimeout = TimeSpan.FromMinutes(15);
    private readonly MotoServer _moto = new();
    private readonly StringBuilder _errors = new();
    private Process? _process;

    /// <summary>Runs MODULE.CLASS.TEST; fails the test on its failure, a skip, or the runner's death.</summary>
    public void Run(string test)
    {
        var process = _process ??= Start(test.Split('.')[0]);
        try
        {
            process.StandardInput.WriteLine(test);
            process.StandardInput.Flush();
        }
        catch (IOException)
        {
            // The runner died after the last case: the next case starts a new one.
            Stop();
            Assert.Fail($"the scenario runner had ended before {test}: {Errors}");
        }
        var line = process.StandardOutput.ReadLineAsync();
        if (!line.Wait(CaseTimeout))
        {
            Stop();
            Assert.Fail($"{test} did not finish within {CaseTimeout.TotalMinutes} minutes");
        }
        var answer = line.Result is { } text ? JsonNode.Parse(text) : null;
        if (answer is null)
        {
            Stop();
            Assert.Fail($"the scenario runner ended during {test}: {Errors}");
        }
        if ((string?)answer["test"] != test)
        {
            // Answers out of step with the questions: every later one would be another case's.
            Stop();
            Assert.Fail($"the scenario runner answered {answer["test"]} for {test}");
        }
        var output = (string?)answer["output"] ?? "";
        Assert.False((bool)answer["skipped"]!, $"{test} was skipped:\n{output}");
        Assert.True((bool)answer["ok"]!, output);
    }

    private Process Start(string module)
    {
        var start = new ProcessStartInfo(Tool.Locate("python3"))
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = Python.ControlHost,
        };
        foreach (var arg in new[] { "-m", "runner", module }) start.ArgumentList.Add(arg);
        foreach (var (key, value) in _moto.ClientEnvironment.Concat(Python.Environment)) start.Environment[key] = value;
        var process = Process.Start(start)!;
        process.ErrorDataReceived += (_, e) => { lock (_errors) _errors.AppendLine(e.Data); };
        process.BeginErrorReadLine();
        // The warm-up (imports, models, the stand-ins' server): seconds, more on a busy machine.
        var ready = process.StandardOutput.ReadLineAsync();
        if (!ready.Wait(TimeSpan.FromMinutes(2)) || ready.Result is not { } first || JsonNode.Parse(first)?["ready"] is null)
        {
            _process = process;
            Stop();
            throw new InvalidOperationException($"converge/tests/runner.py did not start: {Errors}");
        }
        return process;
    }

    private string Errors
    {
        get { lock (_errors) return _errors.ToString(); }
    }

    private void Stop()
    {
        if (_process is null) return;
        if (!_process.HasExited) _process.Kill(entireProcessTree: true);
        _process.WaitForExit(5000);
        _process.Dispose();
        _process = null;
    }

    public void Dispose()
    {
        if (_process is { HasExited: false })
        {
            // End of input: the runner exits and stops its stand-ins' server.
            _process.StandardInput.Close();
            if (!_process.WaitForExit(10_000)) _process.Kill(entireProcessTree: true);
        }
        Stop();
        _moto.Dispose();
    }
}
