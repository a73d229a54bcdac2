using System;
using static NetChannel.Tests.CliRunner;
using System.IO;
using System.Linq;
using System.Text.Json;
using NetChannel.Harness;

namespace NetChannel.Tests;

/// <summary><c>netchannel demo</c> (the main job of <c>make run</c>) over two simulated NICs: its JSON, its
/// checks, its pcap and its usage errors.</summary>
[Collection("Simulator")]
public class DemoCliTests
{
    [Fact]
    public void JsonReportsEveryByteVerifiedOverALossyLinkAndThePcapDecodes()
    {
        string dir = TestUtil.TempDir("demo");
        try
        {
            string pcap = Path.Combine(dir, "demo.pcap");
            var (rc, o, e) = Run("demo", "--json", "--bytes", "300000", "--sockets", "2", "--channels", "2", "--rpc-connections", "1",
                "--rpc-calls", "50", "--loss", "0.02", "--reorder", "0.02", "--dup", "0.01", "--corrupt", "0.01", "--seed", "5", "--pcap", pcap);
            Assert.True(rc == 0, $"exit {rc}\n{o}\n{e}");
            using JsonDocument doc = JsonDocument.Parse(o);
            JsonElement r = doc.RootElement;
            Assert.Equal(2L * 2 * 2 * 300_000, r.GetProperty("bytes_sent").GetInt64());
            Assert.Equal(r.GetProperty("bytes_sent").GetInt64(), r.GetProperty("bytes_verified").GetInt64());
            Assert.Equal(0, r.GetProperty("errors").GetInt32());
            Assert.Equal(100, r.GetProperty("rpc_calls_verified").GetInt64());
            Assert.True(r.GetProperty("retransmits").GetUInt64() > 0, "2% loss without a retransmission");
            Assert.True(r.GetProperty("sim_cycles").GetUInt64() > r.GetProperty("bulk_sim_cycles").GetUInt64());
            Assert.True(r.GetProperty("bulk_goodput_gbps_sim").GetDouble() > 0);
            Assert.True(r.GetProperty("wall_seconds").GetDouble() > 0);
            JsonElement ab = r.GetProperty("link").GetProperty("a_to_b");
            Assert.True(ab.GetProperty("dropped").GetUInt64() > 0);
            Assert.True(r.GetProperty("channels").GetArrayLength() >= 4, "each host has 2 throughput channels and a latency one");
            // The capture (frames as the NICs sent them, in simulated time) decodes cleanly in tshark, every frame.
            string tshark = Tshark.Find() ?? throw new Xunit.Sdk.XunitException("tshark is not on PATH: install it (`make deps`)");
            var frames = Tshark.Decode(tshark, pcap, TimeSpan.FromSeconds(300));
            ulong sent = ab.GetProperty("frames").GetUInt64() + r.GetProperty("link").GetProperty("b_to_a").GetProperty("frames").GetUInt64();
            Assert.Equal((int)sent, frames.Count);
            Assert.All(frames, f => Assert.True(f.IsClean, f.ToString()));
        }
        finally { Directory.Delete(dir, true); }
    }

    [Fact]
    public void TextSummarySaysOk()
    {
        var (rc, o, e) = Run("demo", "--bytes", "65536", "--sockets", "1", "--rpc-connections", "1", "--rpc-calls", "20");
        Assert.True(rc == 0, $"exit {rc}\n{o}\n{e}");
        Assert.Contains("262,144 of 262,144 bytes verified", o, StringComparison.Ordinal);
        Assert.Contains("40 of 40 calls verified", o, StringComparison.Ordinal);
        Assert.Contains("result     OK", o, StringComparison.Ordinal);
        Assert.Contains("Gbit/s of simulated time", o, StringComparison.Ordinal);
    }

    [Fact]
    public void UsageErrorsNameTheOption()
    {
        foreach (string[] args in new[]
        {
            new[] { "demo", "--loss", "1.5" }, new[] { "demo", "--channels", "0" }, new[] { "demo", "--bytes", "-1" },
            new[] { "demo", "--seed" }, new[] { "demo", "--frobnicate" }, new[] { "demo", "--sockets", "0", "--rpc-connections", "0" },
        })
        {
            var (rc, _, e) = Run(args);
            Assert.True(rc == 2, $"{string.Join(' ', args)}: exit {rc}");
            string named = args.Skip(1).First(a => a.StartsWith("--", StringComparison.Ordinal));
            Assert.True(e.Contains(named, StringComparison.Ordinal) || e.Contains("nothing to do", StringComparison.Ordinal), $"{string.Join(' ', args)}: {e}");
        }
        var (hrc, ho, _) = Run("demo", "--help");
        Assert.Equal(0, hrc);
        Assert.Contains("--corrupt", ho, StringComparison.Ordinal);
    }
}
