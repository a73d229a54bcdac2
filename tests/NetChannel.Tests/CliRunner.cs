using System.IO;

namespace NetChannel.Tests;

/// <summary>Runs the <c>netchannel</c> command in-process with captured output.</summary>
internal static class CliRunner
{
    /// <summary>Runs <paramref name="args"/>; returns the exit code and what went to stdout and stderr.</summary>
    public static (int Rc, string Out, string Err) Run(params string[] args)
    {
        var o = new StringWriter();
        var e = new StringWriter();
        int rc = Cli.Program.Run(args, o, e);
        return (rc, o.ToString(), e.ToString());
    }
}
