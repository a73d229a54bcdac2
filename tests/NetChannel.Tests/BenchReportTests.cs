using System;
using System.IO;
using System.Linq;
using System.Text.Json;
using NetChannel.Harness;

namespace NetChannel.Tests;

/// <summary>tests/bench/report.py (the report of <c>make bench</c>): figures of every section are merged into
/// results.json with their units and parameters, and each goal of docs/performance.md is judged from them —
/// met, missed with its gap, or "not measured" — never from anything else.</summary>
public class BenchReportTests
{
    private static string Fig(string name, double value, string unit, string prm) =>
        $"{{\"name\": \"{name}\", \"value\": {value.ToString(System.Globalization.CultureInfo.InvariantCulture)}, \"unit\": \"{unit}\", \"params\": {{{prm}}}}}";

    [Fact]
    public void MergesSectionsAndJudgesEveryGoalFromTheFigures()
    {
        string dir = TestUtil.TempDir("benchreport");
        File.WriteAllText(Path.Combine(dir, "meta.json"),
            "{\"command\": \"make bench\", \"date\": \"2026-01-01 00:00 UTC\", \"start\": 0, \"cores\": 2, \"cpu\": \"test\", " +
            "\"memory_gib\": 1, \"commit\": \"abc\", \"load_start\": [1.5, 1, 1], \"steps\": [{\"step\": \"all\", \"seconds\": 10, \"end\": 10, \"load\": [2.5, 1, 1]}]}");
        File.WriteAllText(Path.Combine(dir, "linerate.txt"), "size   builder_beats/cycle parser_beats/cycle\n64         1.0000     1.0000   (600 / 600 beats)\n");
        File.WriteAllText(Path.Combine(dir, "hw.json"), "[" + string.Join(",",
            Fig("nic_goodput_fraction_of_link", 0.95, "fraction", "\"payload_bytes\": 4096, \"dma_latency_cycles\": 256, \"channels\": 1"),
            Fig("nic_goodput_fraction_of_link", 0.85, "fraction", "\"payload_bytes\": 9000, \"dma_latency_cycles\": 256, \"channels\": 1"),
            Fig("nic_message_rate_aggregate", 0.1, "messages/cycle", "\"payload_bytes\": 64, \"dma_latency_cycles\": 256, \"channels\": 1"),
            Fig("nic_message_rate_aggregate", 0.3, "messages/cycle", "\"payload_bytes\": 64, \"dma_latency_cycles\": 256, \"channels\": 4")) + "]");
        File.WriteAllText(Path.Combine(dir, "host.json"), "[" + string.Join(",",
            Fig("op1_tcp_goodput", 4, "Gbit/s", "\"send_bytes\": 65536, \"connections\": 1"),
            Fig("op1_memcpy_limit", 20, "Gbit/s", "\"send_bytes\": 65536"),
            Fig("op1_vns_goodput", 10, "Gbit/s", "\"copy_workers\": 2, \"send_bytes\": 65536, \"channels\": 2"),
            Fig("op1_vns_fraction_of_memcpy_limit", 0.5, "fraction", "\"copy_workers\": 2, \"send_bytes\": 65536, \"channels\": 2"),
            Fig("op2_tcp_rpc_rate", 50000, "calls/s", "\"message_bytes\": 64, \"connections\": 1"),
            Fig("op2_tcp_rpc_rate", 60000, "calls/s", "\"message_bytes\": 64, \"connections\": 4"),
            Fig("op2_vns_rpc_rate", 200000, "calls/s", "\"message_bytes\": 64, \"channels\": 4")) + "]");
        File.WriteAllText(Path.Combine(dir, "micro.json"), "[" + string.Join(",",
            Fig("micro_mean_ns", 10, "ns/op", "\"benchmark\": \"A.Fast\", \"category\": \"ring post/poll\""),
            Fig("micro_allocated_bytes", 0, "bytes/op", "\"benchmark\": \"A.Fast\", \"category\": \"ring post/poll\""),
            Fig("micro_mean_ns", 20, "ns/op", "\"benchmark\": \"B.Allocates\", \"category\": \"frame parse\""),
            Fig("micro_allocated_bytes", 24, "bytes/op", "\"benchmark\": \"B.Allocates\", \"category\": \"frame parse\"")) + "]");
        string doc = Path.Combine(dir, "performance.md");
        ProcessResult r = ProcessRunner.Run("python3", [Path.Combine(TestUtil.RepoRoot, "tests", "bench", "report.py"), "finish", dir, doc, dir],
            TimeSpan.FromSeconds(60));
        Assert.True(r.ExitCode == 0, r.StdErr + r.StdOut);

        using JsonDocument results = JsonDocument.Parse(File.ReadAllText(Path.Combine(dir, "results.json")));
        JsonElement[] figs = results.RootElement.GetProperty("figures").EnumerateArray().ToArray();
        Assert.Equal(2 + 4 + 7 + 4, figs.Length); // line rate parsed into builder + parser figures
        Assert.All(figs, f =>
        {
            Assert.False(string.IsNullOrEmpty(f.GetProperty("unit").GetString()));
            Assert.Contains(f.GetProperty("section").GetString(), new[] { "1", "2", "3" });
        });
        Assert.Contains(figs, f => f.GetProperty("name").GetString() == "hdr_parser_beats_per_cycle" && f.GetProperty("value").GetDouble() == 1.0);

        string[] lines = File.ReadAllLines(doc);
        string Row(string goalStart) => Assert.Single(lines, l => l.StartsWith("| " + goalStart, StringComparison.Ordinal));
        Assert.Contains("2.50×", Row("Op. point 1: with 2 copy workers ≥ 2×"));
        Assert.Contains("**met**", Row("Op. point 1: with 2 copy workers ≥ 2×"));
        Assert.Contains("**missed**", Row("Op. point 1: with 2 copy workers ≥ 70 %"));
        Assert.Contains("1.4× short", Row("Op. point 1: with 2 copy workers ≥ 70 %"));
        string rpc = Row("Op. point 2");
        Assert.Contains("**met**", rpc);              // 200,000 vs the best baseline 60,000 = 3.33×
        Assert.Contains("3.33×", rpc);
        Assert.DoesNotContain(lines, l => l.StartsWith("| Op. point 3", StringComparison.Ordinal)); // no figures, no verdict
        string alloc = Row("Micro-benchmarks");
        Assert.Contains("**missed**", alloc);
        Assert.Contains("B.Allocates", alloc);
        Assert.Contains("**missed**", Row("NIC (issue 3): ≥ 90 %"));   // 85 % for 9000 B
        Assert.Contains(lines, l => l.Contains("| load average (1 min) | 1.5 at the start, 2.5 at the end", StringComparison.Ordinal));
    }
}
