using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Text;

namespace NetChannel.Harness;

/// <summary>Result of an external process run.</summary>
/// <param name="ExitCode">Exit code (-1 when killed on timeout).</param>
/// <param name="StdOut">Everything written to stdout.</param>
/// <param name="StdErr">Everything written to stderr.</param>
/// <param name="TimedOut">True when the process was killed because it ran past the timeout.</param>
/// <param name="Elapsed">Wall-clock run time.</param>
public sealed record ProcessResult(int ExitCode, string StdOut, string StdErr, bool TimedOut, TimeSpan Elapsed);

/// <summary>Runs an external process with a timeout, capturing stdout and stderr.</summary>
public static class ProcessRunner
{
    /// <summary>Runs <paramref name="fileName"/> with <paramref name="args"/> and waits at most <paramref name="timeout"/>.</summary>
    /// <param name="fileName">Executable path or name on PATH.</param>
    /// <param name="args">Arguments, passed without shell interpretation.</param>
    /// <param name="timeout">Kill the process (tree) after this long.</param>
    /// <param name="workingDirectory">Working directory, or null for the current one.</param>
    /// <param name="environment">Extra environment variables, or null.</param>
    /// <returns>Exit code and output.</returns>
    public static ProcessResult Run(string fileName, IEnumerable<string> args, TimeSpan timeout, string? workingDirectory = null,
        IReadOnlyDictionary<string, string>? environment = null)
    {
        var psi = new ProcessStartInfo(fileName)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (string a in args) psi.ArgumentList.Add(a);
        if (workingDirectory is not null) psi.WorkingDirectory = workingDirectory;
        if (environment is not null)
        {
            foreach (KeyValuePair<string, string> kv in environment) psi.Environment[kv.Key] = kv.Value;
        }

        var stdout = new StringBuilder();
        var stderr = new StringBuilder();
        var sw = Stopwatch.StartNew();
        using var p = new Process { StartInfo = psi };
        p.OutputDataReceived += (_, e) => { if (e.Data is not null) lock (stdout) stdout.AppendLine(e.Data); };
        p.ErrorDataReceived += (_, e) => { if (e.Data is not null) lock (stderr) stderr.AppendLine(e.Data); };
        p.Start();
        p.BeginOutputReadLine();
        p.BeginErrorReadLine();
        bool done = p.WaitForExit(timeout);
        if (!done)
        {
            try { p.Kill(entireProcessTree: true); } catch (InvalidOperationException) { }
            p.WaitForExit();
        }
        else
        {
            p.WaitForExit(); // drain the asynchronous readers
        }
        sw.Stop();
        string o, e2;
        lock (stdout) o = stdout.ToString();
        lock (stderr) e2 = stderr.ToString();
        return new ProcessResult(done ? p.ExitCode : -1, o, e2, !done, sw.Elapsed);
    }
}
