using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using NetChannel.Harness;
using NetChannel.Wire;

namespace NetChannel.Tests;

public class TsharkTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(120);

    private static string TsharkOrFail() =>
        Tshark.Find() ?? throw new Xunit.Sdk.XunitException("tshark is not on PATH: install it (`make deps`, Debian package tshark)");

    private static void AssertClean(List<TsharkFrame> decoded, IReadOnlyList<int> frameLengths, string what, bool noWarnings)
    {
        Assert.True(decoded.Count == frameLengths.Count, $"{what}: tshark decoded {decoded.Count} frames, expected {frameLengths.Count}");
        var problems = new List<string>();
        for (int i = 0; i < decoded.Count; i++)
        {
            TsharkFrame t = decoded[i];
            int udp = frameLengths[i] - 34;
            if (!(noWarnings ? t.IsSpotless : t.IsClean) || t.UdpLength != udp)
                problems.Add($"frame {t.Number}: {t.Protocols}, ip.checksum.status {t.IpChecksumStatus}, udp.length {t.UdpLength} (expected {udp}), malformed {t.Malformed}, errors '{t.ExpertErrors}', warnings '{t.ExpertWarnings}'");
        }
        Assert.True(problems.Count == 0, $"{what}: tshark found problems:\n" + string.Join("\n", problems.Take(20)));
    }

    [Fact]
    public void CSharpBuiltFramesAreCleanForTshark()
    {
        string tshark = TsharkOrFail();
        var g = new FrameGenerator(314, TestUtil.FilterOn);
        var frames = new List<byte[]>();
        foreach (int size in FrameGenerator.EdgePayloadSizes) frames.Add(TestUtil.Frame(g, size, out _, out _));
        while (frames.Count < 300) frames.Add(g.NextFrame());
        string dir = TestUtil.TempDir("tshark");
        try
        {
            string pcap = Path.Combine(dir, "cs.pcap");
            CrossCheck.WritePcap(pcap, frames);
            AssertClean(Tshark.Decode(tshark, pcap, Timeout), frames.Select(f => f.Length).ToList(), "C#-built frames", noWarnings: true);
        }
        finally { Directory.Delete(dir, true); }
    }

    [Fact]
    public void TsharkFlagsBrokenFrames()
    {
        // Proves the invocation really reports problems: each broken frame must be flagged.
        string tshark = TsharkOrFail();
        var g = new FrameGenerator(2718, TestUtil.FilterOn);
        var frames = new List<byte[]>();
        byte[] f = TestUtil.Frame(g, 100, out _, out _); f[25] ^= 0x5A; frames.Add(f);                                   // IPv4 checksum
        f = TestUtil.Frame(g, 100, out _, out _); TestUtil.Put16(f, 38, 9000); frames.Add(f);                            // UDP length > IP payload
        f = TestUtil.Frame(g, 100, out _, out _); TestUtil.Put16(f, 38, 4); frames.Add(f);                               // UDP length < 8
        f = TestUtil.Frame(g, 100, out _, out _); TestUtil.Put16(f, 16, 1000); TestUtil.FixIpChecksum(f); frames.Add(f); // IP total length > frame
        f = TestUtil.Frame(g, 100, out _, out _); frames.Add(f.AsSpan(0, 40).ToArray());                                 // truncated inside UDP
        f = TestUtil.Frame(g, 100, out _, out _); frames.Add(f);                                                         // good
        string dir = TestUtil.TempDir("tshark-bad");
        try
        {
            string pcap = Path.Combine(dir, "bad.pcap");
            CrossCheck.WritePcap(pcap, frames);
            List<TsharkFrame> d = Tshark.Decode(tshark, pcap, Timeout);
            Assert.Equal(frames.Count, d.Count);
            Assert.Equal(0, d[0].IpChecksumStatus);
            Assert.False(d[0].IsClean);
            Assert.True(d[1].Malformed, d[1].ToString());
            Assert.True(d[2].Malformed, d[2].ToString());
            Assert.False(d[3].IsClean, d[3].ToString());
            Assert.False(d[4].IsClean, d[4].ToString());
            Assert.True(d[5].IsSpotless, d[5].ToString());
            Assert.Equal(frames[5].Length - 34, d[5].UdpLength);
        }
        finally { Directory.Delete(dir, true); }
    }

    [Fact]
    public void RtlTestbenchPcapIsCleanIfPresent()
    {
        string pcap = Path.Combine(TestUtil.RepoRoot, "build", "rtl", "builder_random.pcap");
        if (!File.Exists(pcap)) return; // written by the RTL testbench; the RTL cross-check covers the RTL builder otherwise
        string tshark = TsharkOrFail();
        var lengths = new List<int>();
        using (var r = new PcapReader(File.OpenRead(pcap)))
        {
            byte[] buf = new byte[65536];
            while (r.TryReadFrame(buf, out int len, out _, out _))
            {
                lengths.Add(len);
                Assert.Equal(DropReason.None, FrameParser.Classify(buf.AsSpan(0, len), TestUtil.FilterOff));
            }
        }
        Assert.NotEmpty(lengths);
        AssertClean(Tshark.Decode(tshark, pcap, Timeout), lengths, "build/rtl/builder_random.pcap", noWarnings: false); // its random source MACs may be group addresses (a warning)
    }
}
