using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Text;
using NetChannel.Wire;

namespace NetChannel.Harness;

/// <summary>One frame for the RTL builder: the header fields, the payload and the first-beat lane offset.</summary>
/// <param name="Header">Header fields (const and computed fields are ignored by the RTL).</param>
/// <param name="Payload">Payload bytes.</param>
/// <param name="Offset">Leading empty byte lanes of the first payload beat, 0 to 63.</param>
public sealed record BuildRequest(FrameHeader Header, byte[] Payload, int Offset);

/// <summary>One line of <c>nc_hdr_tool parse</c> output.</summary>
/// <param name="Reason">Drop reason (None when accepted).</param>
/// <param name="Header">The 86 header bytes of an accepted frame, or null for a dropped frame.</param>
/// <param name="Payload">The payload of an accepted frame (empty when dropped or empty).</param>
public sealed record ParseResult(DropReason Reason, byte[]? Header, byte[] Payload);

/// <summary>The nc_hdr_tool (RTL header builder and parser under Verilator) failed or broke its contract.</summary>
public sealed class HdrToolException : Exception
{
    /// <summary>Creates the exception.</summary>
    /// <param name="message">What went wrong, including the tool's stderr.</param>
    public HdrToolException(string message) : base(message) { }
    /// <summary>Creates the exception.</summary>
    public HdrToolException() { }
    /// <summary>Creates the exception.</summary>
    /// <param name="message">What went wrong.</param>
    /// <param name="inner">The cause.</param>
    public HdrToolException(string message, Exception inner) : base(message, inner) { }
}

/// <summary>
/// Client of <c>nc_hdr_tool</c>, the Verilator harness of the RTL header builder and parser
/// (<c>make rtl-tool</c> builds it into <c>build/rtl/nc_hdr_tool</c>).
/// </summary>
public sealed class HdrTool
{
    /// <summary>Environment variable overriding the tool path.</summary>
    public const string EnvVar = "NC_HDR_TOOL";

    /// <summary>Creates a client for the tool at <paramref name="path"/>.</summary>
    /// <param name="path">The tool executable.</param>
    /// <param name="timeout">Per-invocation timeout.</param>
    public HdrTool(string path, TimeSpan timeout)
    {
        Path = path;
        Timeout = timeout;
    }

    /// <summary>The tool executable.</summary>
    public string Path { get; }

    /// <summary>Per-invocation timeout.</summary>
    public TimeSpan Timeout { get; }

    /// <summary>Whether the executable exists.</summary>
    public bool Exists => File.Exists(Path);

    /// <summary>The directory holding <c>NetChannel.sln</c>, found by walking up from <paramref name="start"/> (default: the executable's directory), or null.</summary>
    /// <param name="start">Where to start.</param>
    /// <returns>The repository root or null.</returns>
    public static string? FindRepoRoot(string? start = null)
    {
        for (var dir = new DirectoryInfo(start ?? AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(System.IO.Path.Combine(dir.FullName, "NetChannel.sln"))) return dir.FullName;
        }
        return null;
    }

    /// <summary>
    /// The tool path to use: <paramref name="explicitPath"/> if given, else $NC_HDR_TOOL, else
    /// <c>&lt;repo&gt;/build/rtl/nc_hdr_tool</c>; null when no repository root is found.
    /// </summary>
    /// <param name="explicitPath">A path given by the user, or null.</param>
    /// <returns>The path (which may not exist) or null.</returns>
    public static string? DefaultPath(string? explicitPath = null)
    {
        if (!string.IsNullOrEmpty(explicitPath)) return System.IO.Path.GetFullPath(explicitPath);
        string? env = Environment.GetEnvironmentVariable(EnvVar);
        if (!string.IsNullOrEmpty(env)) return System.IO.Path.GetFullPath(env);
        string? root = FindRepoRoot();
        return root is null ? null : System.IO.Path.Combine(root, "build", "rtl", "nc_hdr_tool");
    }

    /// <summary>
    /// Formats one input line of <c>nc_hdr_tool build</c>. The header is written exactly as the fields say
    /// (const and computed fields keep whatever junk they hold: the RTL must recompute them), except nc.len,
    /// which is set to the payload length: it is a variable field the RTL builder takes as the payload length
    /// (as from a Tx descriptor), and the tool rejects a line whose nc.len disagrees with its payload.
    /// </summary>
    /// <param name="request">The frame.</param>
    /// <returns><c>&lt;hdr_hex&gt; &lt;payload_hex or -&gt; &lt;offset&gt;</c>.</returns>
    public static string FormatBuildLine(BuildRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        Span<byte> hdr = stackalloc byte[FrameHeader.Size];
        FrameHeader h = request.Header;
        h.Nc.Len = (ushort)request.Payload.Length;
        h.Write(hdr);
        return string.Create(CultureInfo.InvariantCulture, $"{Hex.OrDash(hdr)} {Hex.OrDash(request.Payload)} {request.Offset}");
    }

    /// <summary>Parses one output line of <c>nc_hdr_tool parse</c>.</summary>
    /// <param name="line">The line.</param>
    /// <returns>The parse result.</returns>
    /// <exception cref="FormatException">The line breaks the contract.</exception>
    public static ParseResult ParseResultLine(string line)
    {
        ArgumentNullException.ThrowIfNull(line);
        string[] f = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        if (f.Length != 3) throw new FormatException($"expected '<reason> <hdr_hex|-> <payload_hex|->', got '{Trunc(line)}'");
        if (!int.TryParse(f[0], NumberStyles.None, CultureInfo.InvariantCulture, out int reason) || reason > 31)
            throw new FormatException($"bad reason '{f[0]}' in '{Trunc(line)}'");
        byte[]? hdr = f[1] == "-" ? null : Convert.FromHexString(f[1]);
        if (hdr is not null && hdr.Length != FrameHeader.Size)
            throw new FormatException($"header of {hdr.Length} bytes (expected {FrameHeader.Size}) in '{Trunc(line)}'");
        return new ParseResult((DropReason)reason, hdr, Hex.ParseOrDash(f[2]));
    }

    /// <summary>Runs the RTL builder over <paramref name="requests"/> and returns its frames, in order.</summary>
    /// <param name="requests">The frames to build.</param>
    /// <param name="workDir">Directory for the exchange files.</param>
    /// <param name="seed">Seed of the tool's stream back-pressure / timing randomisation.</param>
    /// <returns>The frames the RTL built.</returns>
    /// <exception cref="HdrToolException">The tool failed or broke the contract.</exception>
    public List<byte[]> Build(IReadOnlyList<BuildRequest> requests, string workDir, int seed)
    {
        ArgumentNullException.ThrowIfNull(requests);
        Directory.CreateDirectory(workDir);
        string input = System.IO.Path.Combine(workDir, "build_in.txt");
        string output = System.IO.Path.Combine(workDir, "build_out.pcap");
        File.Delete(output);
        using (var w = new StreamWriter(input, false, new UTF8Encoding(false)) { NewLine = "\n" })
        {
            foreach (BuildRequest r in requests) w.WriteLine(FormatBuildLine(r));
        }
        ProcessResult res = Invoke(["build", input, output, "--seed", seed.ToString(CultureInfo.InvariantCulture)]);
        if (!File.Exists(output)) throw Fail($"build: {output} was not written", res);
        var frames = new List<byte[]>(requests.Count);
        using (var reader = new PcapReader(File.OpenRead(output)))
        {
            if (reader.LinkType != PcapFormat.LinkTypeEthernet) throw Fail($"build: pcap link type {reader.LinkType}, expected 1", res);
            byte[] buf = new byte[65536];
            while (reader.TryReadFrame(buf, out int len, out int orig, out _))
            {
                if (orig != len) throw Fail($"build: frame {frames.Count} truncated in the pcap ({len} of {orig} bytes)", res);
                frames.Add(buf.AsSpan(0, len).ToArray());
            }
        }
        if (frames.Count != requests.Count) throw Fail($"build: {frames.Count} frames in the pcap for {requests.Count} input lines", res);
        return frames;
    }

    /// <summary>Runs the RTL parser over the frames of <paramref name="pcapPath"/>.</summary>
    /// <param name="pcapPath">Input pcap (nanosecond magic, link type 1, no FCS).</param>
    /// <param name="workDir">Directory for the exchange files.</param>
    /// <param name="expectedFrames">Frames in the pcap (one output line each).</param>
    /// <param name="options">Address filter: when <see cref="ParserOptions.FilterAddresses"/> is set, the local MAC and IP are passed.</param>
    /// <returns>One result per frame, in order.</returns>
    /// <exception cref="HdrToolException">The tool failed or broke the contract.</exception>
    public List<ParseResult> Parse(string pcapPath, string workDir, int expectedFrames, in ParserOptions options)
    {
        Directory.CreateDirectory(workDir);
        string output = System.IO.Path.Combine(workDir, options.FilterAddresses ? "parse_out_filter.txt" : "parse_out.txt");
        File.Delete(output);
        var args = new List<string> { "parse", pcapPath, output };
        if (options.FilterAddresses)
        {
            args.AddRange(["--local-mac", MacAddress.Format(options.LocalMac), "--local-ip", MacAddress.FormatIpv4(options.LocalIp)]);
        }
        ProcessResult res = Invoke(args);
        if (!File.Exists(output)) throw Fail($"parse: {output} was not written", res);
        var results = new List<ParseResult>(expectedFrames);
        int lineNo = 0;
        foreach (string line in File.ReadLines(output))
        {
            lineNo++;
            if (line.Length == 0) continue;
            try { results.Add(ParseResultLine(line)); }
            catch (FormatException e) { throw Fail($"parse: {output}:{lineNo}: {e.Message}", res); }
        }
        if (results.Count != expectedFrames) throw Fail($"parse: {results.Count} result lines for {expectedFrames} frames", res);
        return results;
    }

    private ProcessResult Invoke(IReadOnlyList<string> args)
    {
        if (!Exists) throw new HdrToolException($"{Path} not found: run `make rtl-tool` (or set {EnvVar})");
        ProcessResult res;
        try { res = ProcessRunner.Run(Path, args, Timeout); }
        catch (System.ComponentModel.Win32Exception e) { throw new HdrToolException($"cannot start {Path}: {e.Message}", e); }
        if (res.TimedOut) throw Fail($"{args[0]}: timed out after {Timeout.TotalSeconds:0} s", res);
        if (res.ExitCode != 0) throw Fail($"{args[0]}: exit code {res.ExitCode}", res);
        return res;
    }

    private HdrToolException Fail(string what, ProcessResult res) =>
        new($"nc_hdr_tool {what}\n  tool: {Path}\n  stderr:\n{Indent(res.StdErr)}\n  stdout:\n{Indent(res.StdOut)}");

    private static string Indent(string s)
    {
        if (string.IsNullOrWhiteSpace(s)) return "    (empty)";
        if (s.Length > 8000) s = s[..4000] + "\n...\n" + s[^4000..];
        return "    " + s.TrimEnd().Replace("\n", "\n    ", StringComparison.Ordinal);
    }

    private static string Trunc(string s) => s.Length <= 120 ? s : s[..120] + "...";
}
