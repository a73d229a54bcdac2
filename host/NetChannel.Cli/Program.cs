using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;

[assembly: System.Runtime.CompilerServices.InternalsVisibleTo("NetChannel.Tests")]

namespace NetChannel.Cli;

/// <summary>Entry point of the <c>netchannel</c> command.</summary>
internal static class Program
{
    internal const string Usage = """
        usage: netchannel <command> [options]

        commands:
          demo          the main job: two hosts, each with its simulated NIC (the nc_nic RTL under libncsim),
                        joined by the simulated link; bulk virtual sockets and RPCs both ways, every byte
                        verified at the far end; prints a summary (exit 1 if any byte or response is wrong)
              --bytes N       bulk bytes each socket carries in each direction (default 2097152)
              --sockets N     bulk sockets each host opens to the other (default 4)
              --channels N    throughput-class channels each host opens to the other, 1 to 16 (default 2)
              --rpc-connections N  latency-class RPC connections each host opens (default 2)
              --rpc-calls N   calls on each RPC connection (default 500)
              --loss P        probability a frame is lost on the link (default 0)
              --reorder P     probability a frame is delivered behind a later one (default 0)
              --dup P         probability a frame is duplicated (default 0)
              --corrupt P     probability a frame's bits are flipped (caught by the FCS) (default 0)
              --corrupt-inner P  probability a frame's bits are flipped behind a valid FCS, as inside a
                              switch (only the NetChannel ICRC catches it) (default 0)
              --seed S        seed of the link's faults and of the payloads (default 1)
              --pcap FILE     capture the link (timestamps in simulated time)
              --dma-latency C DMA latency in cycles (default 200)
              --link-latency C link latency in cycles (default 100)
              --timeout SEC   give up after SEC seconds of wall time (default 600)
              --json          print one JSON object instead of the summary
          header-demo   build random and malformed frames in C#, run them through the RTL header parser and
                        builder (nc_hdr_tool), compare byte for byte, check the frames with tshark, print a summary
              --frames N      valid random frames (default 2000)
              --seed S        random seed (default 1)
              --tool PATH     nc_hdr_tool (default: $NC_HDR_TOOL, else <repo>/build/rtl/nc_hdr_tool)
              --pcap FILE     where to write the C#-built frames (default: <repo>/build/header-demo/frames.pcap)
              --timeout SEC   timeout of each nc_hdr_tool / tshark run (default 600)
          loopback-bench  measure the host runtime alone: two hosts on the loopback test device, senders as
                        fast as they can, receivers copying every payload out; then a 64-byte ping-pong
              --size LIST     payload sizes, comma-separated (default 64,1024,9000)
              --channels N    channels A->B, one sender thread each (default 2)
              --seconds S     measuring time per size (default 2)
              --mode M        interrupt or busypoll (default interrupt)
              --pingpongs N   round trips timed (default 2000)
          help          this text

        options:
          -h, --help    this text

        exit codes: 0 everything agrees, 1 a disagreement or a failed check, 2 usage error
        """;

    private static int Main(string[] args) => Run(args, Console.Out, Console.Error);

    /// <summary>Runs the command line <paramref name="args"/>.</summary>
    internal static int Run(string[] args, TextWriter stdout, TextWriter stderr)
    {
        if (args.Length == 0)
        {
            stderr.WriteLine("netchannel: no command given");
            stderr.WriteLine(Usage);
            return 2;
        }
        switch (args[0])
        {
            case "-h":
            case "--help":
            case "help":
                stdout.WriteLine(Usage);
                return 0;
            case "demo":
                DemoOptions? dm = DemoOptions.Parse(args[1..], stderr, out bool dmHelp);
                if (dmHelp)
                {
                    stdout.WriteLine(Usage);
                    return 0;
                }
                if (dm is null) return 2;
                return new Demo(dm, stdout, stderr).Run();
            case "header-demo":
                HeaderDemoOptions? opts = HeaderDemoOptions.Parse(args[1..], stderr, out bool help);
                if (help)
                {
                    stdout.WriteLine(Usage);
                    return 0;
                }
                if (opts is null) return 2;
                return new HeaderDemo(opts, stdout, stderr).Run();
            case "loopback-bench":
                LoopbackBenchOptions? lb = LoopbackBenchOptions.Parse(args[1..], stderr, out bool lbHelp);
                if (lbHelp)
                {
                    stdout.WriteLine(Usage);
                    return 0;
                }
                if (lb is null) return 2;
                return new LoopbackBench(lb, stdout).Run();
            default:
                stderr.WriteLine($"netchannel: unknown command '{args[0]}' (try 'netchannel --help')");
                return 2;
        }
    }
}

/// <summary>Options of <c>netchannel header-demo</c>.</summary>
internal sealed class HeaderDemoOptions
{
    public int Frames { get; set; } = 2000;
    public int Seed { get; set; } = 1;
    public string? Tool { get; set; }
    public string? Pcap { get; set; }
    public int TimeoutSeconds { get; set; } = 600;

    /// <summary>Parses the options after the command; prints the problem and returns null on a usage error.</summary>
    public static HeaderDemoOptions? Parse(string[] args, TextWriter stderr, out bool help)
    {
        help = false;
        var o = new HeaderDemoOptions();
        for (int i = 0; i < args.Length; i++)
        {
            string a = args[i];
            string? inlineValue = null;
            int eq = a.IndexOf('=', StringComparison.Ordinal);
            if (a.StartsWith("--", StringComparison.Ordinal) && eq > 0)
            {
                inlineValue = a[(eq + 1)..];
                a = a[..eq];
            }
            string? Value()
            {
                if (inlineValue is not null) return inlineValue;
                if (i + 1 < args.Length) return args[++i];
                stderr.WriteLine($"netchannel header-demo: option {a} needs a value");
                return null;
            }
            bool Int(string name, int min, int max, out int value)
            {
                value = 0;
                string? v = Value();
                if (v is null) return false;
                if (!int.TryParse(v, NumberStyles.Integer, CultureInfo.InvariantCulture, out value) || value < min || value > max)
                {
                    stderr.WriteLine($"netchannel header-demo: {name} must be an integer in {min}..{max}, got '{v}'");
                    return false;
                }
                return true;
            }
            switch (a)
            {
                case "-h":
                case "--help":
                    help = true;
                    return o;
                case "--frames":
                    if (!Int(a, 0, 10_000_000, out int n)) return null;
                    o.Frames = n;
                    break;
                case "--seed":
                    if (!Int(a, int.MinValue, int.MaxValue, out int s)) return null;
                    o.Seed = s;
                    break;
                case "--timeout":
                    if (!Int(a, 1, 86_400, out int t)) return null;
                    o.TimeoutSeconds = t;
                    break;
                case "--tool":
                    o.Tool = Value();
                    if (o.Tool is null) return null;
                    break;
                case "--pcap":
                    o.Pcap = Value();
                    if (o.Pcap is null) return null;
                    break;
                default:
                    stderr.WriteLine($"netchannel header-demo: unknown option '{args[i]}' (try 'netchannel --help')");
                    return null;
            }
        }
        return o;
    }
}
