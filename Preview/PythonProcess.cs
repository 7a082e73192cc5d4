using System.ComponentModel;
using System.Diagnostics;

namespace K8sLab.Preview;

/// <summary>
/// Runs python3 for the preview (cfn-lint's resource schemas, the bastion's change rules) and
/// collects what it says; an interpreter that cannot start is one error, <paramref name="missing"/>.
/// </summary>
public static class PythonProcess
{
    public static (int ExitCode, string StdOut, string StdErr) Run(ProcessStartInfo start, string missing, string? stdin = null)
    {
        (start.RedirectStandardOutput, start.RedirectStandardError, start.RedirectStandardInput, start.UseShellExecute) = (true, true, stdin is not null, false);
        Process process;
        try
        {
            process = Process.Start(start)!;
        }
        catch (Win32Exception e)
        {
            throw new PreviewException($"{missing}; '{start.FileName}' could not be started: {e.Message}");
        }
        using (process)
        {
            // Both streams at once: a full pipe on one must not block the other.
            var stderr = process.StandardError.ReadToEndAsync();
            var stdout = process.StandardOutput.ReadToEndAsync();
            if (stdin is not null)
            {
                process.StandardInput.Write(stdin);
                process.StandardInput.Close();
            }
            process.WaitForExit();
            return (process.ExitCode, stdout.Result, stderr.Result);
        }
    }
}
