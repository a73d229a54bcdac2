using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using NetChannel.Harness;
using NetChannel.Wire;
using Xunit.Abstractions;

namespace NetChannel.Tests;

/// <summary>The C# model against the RTL header parser and builder, through nc_hdr_tool (`make rtl-tool`).</summary>
public class RtlCrossCheckTests
{
    private readonly ITestOutputHelper _log;

    public RtlCrossCheckTests(ITestOutputHelper log) => _log = log;

    internal static HdrTool ToolOrFail()
    {
        string? path = HdrTool.DefaultPath();
        if (path is null || !File.Exists(path))
            throw new Xunit.Sdk.XunitException($"nc_hdr_tool not found at {path ?? "<repo>/build/rtl/nc_hdr_tool"}: run `make rtl-tool` first (or set {HdrTool.EnvVar})");
        return new HdrTool(path, TimeSpan.FromSeconds(150));
    }

    private static List<byte[]> ParseSet(int seed)
    {
        var g = new FrameGenerator(seed, TestUtil.FilterOn);
        var frames = new List<byte[]>();
        foreach (int size in FrameGenerator.EdgePayloadSizes) frames.Add(TestUtil.Frame(g, size, out _, out _));
        while (frames.Count < 600) frames.Add(g.NextFrame());
        foreach (DropReason r in FrameGenerator.FrameFaults)
            for (int k = 0; k < 5; k++) frames.Add(g.Malformed(r));
        for (int k = 0; k < 100; k++)
        {
            var set = new HashSet<DropReason>();
            int n = 2 + g.Random.Next(4);
            while (set.Count < n) set.Add(FrameGenerator.FrameFaults[g.Random.Next(FrameGenerator.FrameFaults.Count)]);
            if (set.Contains(DropReason.TooShort)) set.Remove(DropReason.TooLong);
            frames.Add(g.Malformed([.. set]));
        }
        for (int k = 0; k < 100; k++) frames.Add(g.Mutated());
        for (int n = 1; n < FrameHeader.Size; n += 7) frames.Add(TestUtil.Frame(g, 50, out _, out _).AsSpan(0, n).ToArray());
        // Shuffle so malformed frames sit between good ones (exercises the parser's recovery).
        return frames.OrderBy(_ => g.Random.Next()).ToList();
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void RtlParserAgreesWithCSharp(bool filter)
    {
        HdrTool tool = ToolOrFail();
        List<byte[]> frames = ParseSet(filter ? 1001 : 1002);
        ParserOptions opts = filter ? TestUtil.FilterOn : TestUtil.FilterOff;
        string dir = TestUtil.TempDir("rtl-parse");
        try
        {
            string pcap = Path.Combine(dir, "in.pcap");
            CrossCheck.WritePcap(pcap, frames);
            List<ParseResult> rtl = tool.Parse(pcap, dir, frames.Count, opts);
            var cs = new DropCounters();
            var rc = new DropCounters();
            var mm = new Mismatches(30);
            CrossCheck.CompareParse(frames, rtl, opts, cs, rc, mm);
            _log.WriteLine($"{frames.Count} frames; C# drops: {cs}; RTL drops: {rc}");
            Assert.True(mm.Count == 0, $"{mm.Count} disagreements between the RTL parser and the C# parser:\n{mm}");
            foreach (DropReason r in FrameGenerator.FrameFaults)
                if (filter || r is not DropReason.BadDstMac and not DropReason.BadDstIp) Assert.True(cs[r] > 0, $"no {r} frame in the set");
            Assert.True(cs.Accepted >= 600);
        }
        finally { Directory.Delete(dir, true); }
    }

    [Fact]
    public void RtlBuilderMatchesCSharpByteForByte()
    {
        HdrTool tool = ToolOrFail();
        var g = new FrameGenerator(2002, TestUtil.FilterOn);
        var requests = new List<BuildRequest>();
        for (int i = 0; i < 640; i++)
        {
            int size = i < FrameGenerator.EdgePayloadSizes.Count ? FrameGenerator.EdgePayloadSizes[i] : g.NextPayloadLength();
            requests.Add(new BuildRequest(g.NextHeader(size), g.NextPayload(size), i < Spec.AxisDataBytes ? i : g.Random.Next(Spec.AxisDataBytes)));
        }
        string dir = TestUtil.TempDir("rtl-build");
        try
        {
            List<byte[]> rtl = tool.Build(requests, dir, 7);
            var mm = new Mismatches(30);
            CrossCheck.CompareBuild(requests, rtl, mm);
            Assert.True(mm.Count == 0, $"{mm.Count} RTL-built frames differ from FrameBuilder's:\n{mm}");
            foreach (byte[] f in rtl) Assert.Equal(DropReason.None, FrameParser.Classify(f, TestUtil.FilterOn));
            if (Tshark.Find() is string tshark)
            {
                List<TsharkFrame> t = Tshark.Decode(tshark, Path.Combine(dir, "build_out.pcap"), TimeSpan.FromSeconds(120));
                Assert.Equal(rtl.Count, t.Count);
                for (int i = 0; i < t.Count; i++)
                    Assert.True(t[i].IsSpotless && t[i].UdpLength == rtl[i].Length - 34, $"tshark on the RTL-built frame {i}: {t[i]}");
            }
        }
        finally { Directory.Delete(dir, true); }
    }

    [Fact]
    public void HeaderDemoPasses()
    {
        ToolOrFail();
        string dir = TestUtil.TempDir("demo");
        try
        {
            var o = new StringWriter();
            var e = new StringWriter();
            int rc = Cli.Program.Run(["header-demo", "--frames", "300", "--seed", "5", "--pcap", Path.Combine(dir, "demo.pcap")], o, e);
            _log.WriteLine(o.ToString());
            Assert.True(rc == 0, $"header-demo exit {rc}\nstdout:\n{o}\nstderr:\n{e}");
            Assert.Contains("RESULT: PASS", o.ToString(), StringComparison.Ordinal);
        }
        finally { Directory.Delete(dir, true); }
    }
}
