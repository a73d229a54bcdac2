using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Text;
using NetChannel.Harness;
using NetChannel.Wire;

namespace NetChannel.Cli;

/// <summary>
/// <c>netchannel header-demo</c>: the header path end to end. C# builds random frames and malformed frames of
/// every class; the RTL parser (through nc_hdr_tool) parses them and the RTL builder builds frames from the same
/// fields; both must agree with the C# model byte for byte. tshark checks the frames independently.
/// </summary>
internal sealed class HeaderDemo
{
    /// <summary>Local MAC address of the parser under test.</summary>
    public const ulong LocalMac = 0x02_4E_43_00_00_01UL;
    /// <summary>Local IPv4 address of the parser under test (10.0.0.1).</summary>
    public const uint LocalIp = 0x0A_00_00_01;

    private readonly HeaderDemoOptions _o;
    private readonly TextWriter _out;
    private readonly TextWriter _err;

    public HeaderDemo(HeaderDemoOptions options, TextWriter stdout, TextWriter stderr)
    {
        _o = options;
        _out = stdout;
        _err = stderr;
    }

    public int Run()
    {
        var total = Stopwatch.StartNew();
        bool ok = true;
        var filterOn = new ParserOptions(true, LocalMac, LocalIp);
        var filterOff = new ParserOptions(false, LocalMac, LocalIp);
        TimeSpan timeout = TimeSpan.FromSeconds(_o.TimeoutSeconds);

        string? root = HdrTool.FindRepoRoot() ?? HdrTool.FindRepoRoot(Directory.GetCurrentDirectory());
        string pcap = Path.GetFullPath(_o.Pcap ?? Path.Combine(root ?? Directory.GetCurrentDirectory(), "build", "header-demo", "frames.pcap"));
        string workDir = Path.GetDirectoryName(pcap)!;
        Directory.CreateDirectory(workDir);
        string parseInput = Path.Combine(workDir, Path.GetFileNameWithoutExtension(pcap) + "-parse-input.pcap");

        // ---- frames ---------------------------------------------------------------------------------
        var gen = new FrameGenerator(_o.Seed, filterOn);
        var requests = new List<BuildRequest>(_o.Frames);
        for (int i = 0; i < _o.Frames; i++)
        {
            int len = i < FrameGenerator.EdgePayloadSizes.Count ? FrameGenerator.EdgePayloadSizes[i] : gen.NextPayloadLength();
            requests.Add(new BuildRequest(gen.NextHeader(len), gen.NextPayload(len), gen.Random.Next(Spec.AxisDataBytes)));
        }
        var valid = new List<byte[]>(requests.Count);
        long validBytes = 0;
        foreach (BuildRequest q in requests)
        {
            byte[] f = new byte[FrameBuilder.FrameLength(q.Payload.Length)];
            FrameBuilder.Build(f, q.Header, q.Payload);
            valid.Add(f);
            validBytes += f.Length;
        }
        var malformed = new List<byte[]>();
        foreach (DropReason r in FrameGenerator.FrameFaults)
            for (int k = 0; k < 4; k++) malformed.Add(gen.Malformed(r));
        for (int k = 0; k < 64; k++)
        {
            var faults = new HashSet<DropReason>();
            int n = 2 + gen.Random.Next(3);
            while (faults.Count < n) faults.Add(FrameGenerator.FrameFaults[gen.Random.Next(FrameGenerator.FrameFaults.Count)]);
            if (faults.Contains(DropReason.TooShort) && faults.Contains(DropReason.TooLong)) faults.Remove(DropReason.TooLong);
            malformed.Add(gen.Malformed([.. faults]));
        }
        for (int k = 0; k < 64; k++) malformed.Add(gen.Mutated());
        var all = new List<byte[]>(valid.Count + malformed.Count);
        all.AddRange(valid);
        all.AddRange(malformed);
        long allBytes = all.Sum(f => (long)f.Length);

        CrossCheck.WritePcap(pcap, valid);
        CrossCheck.WritePcap(parseInput, all);

        _out.WriteLine($"NetChannel header demo (seed {_o.Seed})");
        _out.WriteLine($"  C# built {valid.Count} random frames ({validBytes:N0} bytes, payload {MinMax(requests)}) -> {Rel(pcap, root)}");
        _out.WriteLine($"  plus {malformed.Count} malformed frames ({FrameGenerator.FrameFaults.Count} fault classes x 4, 64 multi-fault, 64 mutated): {all.Count} frames, {allBytes:N0} bytes to the parsers -> {Rel(parseInput, root)}");

        // ---- C# parse -------------------------------------------------------------------------------
        var csOn = new DropCounters();
        var csOff = new DropCounters();
        foreach (byte[] f in all)
        {
            csOn.Add(FrameParser.Classify(f, filterOn));
            csOff.Add(FrameParser.Classify(f, filterOff));
        }
        for (int i = 0; i < valid.Count; i++)
        {
            if (FrameParser.Classify(valid[i], filterOn) != DropReason.None)
            {
                _out.WriteLine($"  C# FAIL: the C# parser drops its own frame {i}");
                ok = false;
                break;
            }
        }

        // ---- RTL ------------------------------------------------------------------------------------
        string? toolPath = HdrTool.DefaultPath(_o.Tool);
        var tool = toolPath is null ? null : new HdrTool(toolPath, timeout);
        DropCounters? rtlOn = null, rtlOff = null;
        var parseMismatches = new Mismatches();
        var buildMismatches = new Mismatches();
        string? rtlBuiltPcap = null;
        bool rtlRan = false;
        if (tool is null || !tool.Exists)
        {
            _err.WriteLine($"netchannel: nc_hdr_tool not found{(toolPath is null ? " (no NetChannel.sln above the executable)" : $" at {toolPath}")}: run `make rtl-tool`, or pass --tool / set {HdrTool.EnvVar}");
            ok = false;
        }
        else
        {
            try
            {
                var sw = Stopwatch.StartNew();
                rtlOn = new DropCounters();
                var csOn2 = new DropCounters();
                List<ParseResult> on = tool.Parse(parseInput, workDir, all.Count, filterOn);
                CrossCheck.CompareParse(all, on, filterOn, csOn2, rtlOn, parseMismatches);
                rtlOff = new DropCounters();
                var csOff2 = new DropCounters();
                List<ParseResult> off = tool.Parse(parseInput, workDir, all.Count, filterOff);
                CrossCheck.CompareParse(all, off, filterOff, csOff2, rtlOff, parseMismatches);
                _out.WriteLine($"  RTL parser ran twice over {all.Count} frames in {sw.Elapsed.TotalSeconds:0.0} s");
                sw.Restart();
                List<byte[]> built = tool.Build(requests, workDir, _o.Seed);
                rtlBuiltPcap = Path.Combine(workDir, "build_out.pcap");
                CrossCheck.CompareBuild(requests, built, buildMismatches);
                _out.WriteLine($"  RTL builder built {built.Count} frames in {sw.Elapsed.TotalSeconds:0.0} s -> {Rel(rtlBuiltPcap, root)}");
                rtlRan = true;
            }
            catch (HdrToolException e)
            {
                _err.WriteLine($"netchannel: {e.Message}");
                ok = false;
            }
        }

        // ---- summary --------------------------------------------------------------------------------
        _out.WriteLine();
        _out.WriteLine("  parse results per reason          filter on (local MAC/IP)    filter off");
        _out.WriteLine("     reason                            C#        RTL           C#        RTL");
        for (int i = 0; i < DropCounters.Count; i++)
        {
            var r = (DropReason)i;
            if (csOn[r] == 0 && csOff[r] == 0 && (rtlOn?[r] ?? 0) == 0 && (rtlOff?[r] ?? 0) == 0) continue;
            string name = i == 0 ? "accepted" : SpecName(r);
            _out.WriteLine($"  {(i == 0 ? "  " : $"{i,2}")} {name,-28} {csOn[r],6} {Opt(rtlOn, r),10}   {csOff[r],10} {Opt(rtlOff, r),10}");
        }
        _out.WriteLine();
        if (rtlRan)
        {
            bool parseOk = parseMismatches.Count == 0;
            bool buildOk = buildMismatches.Count == 0;
            _out.WriteLine($"  RTL parser vs C# parser   : {(parseOk ? "AGREE" : "DISAGREE")} on {2 * all.Count} frame parses (reasons, header fields, payload){(parseOk ? "" : $", {parseMismatches.Count} mismatches")}");
            _out.WriteLine($"  RTL builder vs C# builder : {(buildOk ? "IDENTICAL" : "DIFFERENT")} on {requests.Count} frames, {validBytes:N0} bytes{(buildOk ? "" : $", {buildMismatches.Count} mismatches")}");
            if (!parseOk) _out.WriteLine(Indent(parseMismatches.ToString()));
            if (!buildOk) _out.WriteLine(Indent(buildMismatches.ToString()));
            ok &= parseOk && buildOk;
        }
        else
        {
            _out.WriteLine("  RTL cross-check            : NOT RUN (see the error above)");
        }

        string? tshark = Tshark.Find();
        if (tshark is null)
        {
            _out.WriteLine("  tshark                     : not on PATH, skipped");
        }
        else
        {
            ok &= TsharkVerdict(tshark, "C#-built frames ", pcap, valid.Select(f => f.Length).ToList(), timeout);
            if (rtlBuiltPcap is not null && File.Exists(rtlBuiltPcap))
                ok &= TsharkVerdict(tshark, "RTL-built frames", rtlBuiltPcap, valid.Select(f => f.Length).ToList(), timeout);
        }

        _out.WriteLine();
        _out.WriteLine($"  RESULT: {(ok ? "PASS" : "FAIL")} ({total.Elapsed.TotalSeconds:0.0} s)");
        return ok ? 0 : 1;
    }

    private bool TsharkVerdict(string tshark, string what, string pcap, List<int> lengths, TimeSpan timeout)
    {
        List<TsharkFrame> frames;
        try { frames = Tshark.Decode(tshark, pcap, timeout); }
        catch (InvalidOperationException e)
        {
            _out.WriteLine($"  tshark on {what}  : ERROR {e.Message}");
            return false;
        }
        var problems = new Mismatches(10);
        if (frames.Count != lengths.Count) problems.Add($"tshark decoded {frames.Count} frames, expected {lengths.Count}");
        for (int i = 0; i < Math.Min(frames.Count, lengths.Count); i++)
        {
            TsharkFrame t = frames[i];
            int udpLen = lengths[i] - EthernetHeader.Size - Ipv4Header.Size;
            if (!t.IsSpotless || t.UdpLength != udpLen)
                problems.Add($"frame {t.Number}: protocols {t.Protocols}, ip checksum status {t.IpChecksumStatus}, udp.length {t.UdpLength} (expected {udpLen}){(t.Malformed ? ", MALFORMED" : "")}{(t.ExpertErrors.Length > 0 ? $", errors: {t.ExpertErrors}" : "")}{(t.ExpertWarnings.Length > 0 ? $", warnings: {t.ExpertWarnings}" : "")}");
        }
        if (problems.Count == 0)
        {
            _out.WriteLine($"  tshark on {what}  : OK, {frames.Count} frames decoded as Ethernet/IPv4/UDP, IPv4 checksums good, UDP lengths right, nothing malformed, no expert warnings");
            return true;
        }
        _out.WriteLine($"  tshark on {what}  : {problems.Count} PROBLEMS");
        _out.WriteLine(Indent(problems.ToString()));
        return false;
    }

    private static string Opt(DropCounters? c, DropReason r) => c is null ? "-" : c[r].ToString(System.Globalization.CultureInfo.InvariantCulture);

    private static string MinMax(List<BuildRequest> q) =>
        q.Count == 0 ? "none" : $"{q.Min(x => x.Payload.Length)}..{q.Max(x => x.Payload.Length)} bytes";

    /// <summary>The spec's name of a drop reason, e.g. BAD_IP_CHECKSUM.</summary>
    internal static string SpecName(DropReason r)
    {
        string s = r.ToString();
        var sb = new StringBuilder();
        for (int i = 0; i < s.Length; i++)
        {
            if (i > 0 && char.IsUpper(s[i])) sb.Append('_');
            sb.Append(char.ToUpperInvariant(s[i]));
        }
        return sb.ToString();
    }

    private static string Rel(string path, string? root) =>
        root is not null && path.StartsWith(root + Path.DirectorySeparatorChar, StringComparison.Ordinal) ? path[(root.Length + 1)..] : path;

    private static string Indent(string s) => "    " + s.Replace("\n", "\n    ", StringComparison.Ordinal);
}
