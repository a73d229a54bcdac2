using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading.Tasks;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Diagnosers;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Loggers;
using BenchmarkDotNet.Reports;
using BenchmarkDotNet.Running;
using BenchmarkDotNet.Toolchains.InProcess.Emit;
using Perfolizer.Horology;

namespace NetChannel.Benchmarks;

/// <summary>
/// <c>NetChannel.Benchmarks host|micro [--quick] --json FILE</c>: section 2 (the host runtime on the
/// loopback test device and the kernel-TCP baseline, wall clock) or section 3 (BenchmarkDotNet
/// micro-benchmarks) of issue 5, figures written as a JSON array for tests/bench/report.py. The
/// <c>profile-*</c> modes run one workload alone for a profiler (docs/performance.md, Findings).
/// </summary>
public static class Program
{
    /// <summary>Entry point.</summary>
    public static async Task<int> Main(string[] args)
    {
        if (args.Length >= 3 && args[0] == "profile-bulk")
        {
            // One VNS bulk transfer (64 KB sends, given copy workers) for a given time: a target for perf / dotnet-counters.
            int workers = int.Parse(args[1], System.Globalization.CultureInfo.InvariantCulture);
            double secs = double.Parse(args[2], System.Globalization.CultureInfo.InvariantCulture);
            int channels = args.Length > 3 ? int.Parse(args[3], System.Globalization.CultureInfo.InvariantCulture) : 2;
            await using VnsPair p = await VnsPair.StartAsync(o =>
            {
                o.CopyWorkers.ThroughputWorkers = workers;
                o.Scheduler.DynamicScaling = false;
                o.Scheduler.ThroughputChannels = new NetChannel.Scheduling.ChannelLimits { Initial = channels, Min = channels, Max = channels };
            });
            (NetChannel.Vns.VnsSocket c, NetChannel.Vns.VnsSocket s) = await p.ConnectAsync(NetChannel.Scheduling.TrafficClass.Throughput);
            var bulk = new VnsBulk(c, s);
            bulk.Start(65536);
            Meter m = Meter.Start();
            await Task.Delay(TimeSpan.FromSeconds(secs));
            long b = bulk.Received;
            Console.WriteLine($"{b * 8 / m.WallSeconds / 1e9:0.00} Gbit/s, {m.CpuSeconds / (b / 1e9):0.00} CPU s/GB");
            await bulk.StopAsync();
            NetChannel.Vns.VnsSocketCounters k = s.Counters, kc = c.Counters;
            Console.WriteLine($"receiver: {k.BytesReceived} bytes, {k.DirectBytes} copied straight into the application's buffer " +
                              $"({100.0 * k.DirectBytes / Math.Max(1, k.BytesReceived):0.0} %), {k.ChunksReceived} chunks, {k.OutOfOrderChunks} out of order, " +
                              $"{k.GrantsSent} grants; sender: {kc.CreditWaits} credit waits, {kc.WorkerCopies} worker copies");
            return 0;
        }
        if (args.Length >= 2 && args[0] == "profile-driver")
        {
            // The NetDriver-alone bulk transfer of the overhead comparison, for a given time.
            (double bps, double cpu) = await DriverBulk.RunAsync(65536, 0.5, double.Parse(args[1], System.Globalization.CultureInfo.InvariantCulture));
            Console.WriteLine($"{bps * 8 / 1e9:0.00} Gbit/s, {cpu:0.00} CPU s/GB");
            return 0;
        }
        if (args.Length >= 4 && args[0] == "profile-rpc")
        {
            // One RPC workload (message size, latency-class channels) for a given time: a target for perf.
            int size = int.Parse(args[1], System.Globalization.CultureInfo.InvariantCulture);
            int ch = int.Parse(args[2], System.Globalization.CultureInfo.InvariantCulture);
            double secs = double.Parse(args[3], System.Globalization.CultureInfo.InvariantCulture);
            await using VnsPair p = await VnsPair.StartAsync(o =>
            {
                o.Scheduler.DynamicScaling = false;
                o.Scheduler.LatencyChannels = new NetChannel.Scheduling.ChannelLimits { Initial = ch, Min = ch, Max = ch };
            });
            double rate = await VnsRpc.RunAsync(p, NetChannel.Scheduling.TrafficClass.Latency, size, 32, 0.5, secs);
            Console.WriteLine($"{rate:0} calls/s");
            return 0;
        }
        if (args.Length == 0 || args[0] is not ("host" or "micro"))
        {
            Console.Error.WriteLine("usage: NetChannel.Benchmarks host|micro [--quick] --json FILE [--filter SUBSTRING]\n" +
                                    "       NetChannel.Benchmarks profile-bulk WORKERS SECONDS [CHANNELS] | profile-driver SECONDS |\n" +
                                    "                             profile-rpc BYTES CHANNELS SECONDS   (one workload, a target for perf)");
            return 2;
        }
        bool quick = args.Contains("--quick");
        string? json = null, filter = null;
        for (int i = 1; i < args.Length; i++)
        {
            if (args[i] == "--json" && i + 1 < args.Length) json = args[++i];
            else if (args[i] == "--filter" && i + 1 < args.Length) filter = args[++i];
            else if (args[i] != "--quick") { Console.Error.WriteLine($"NetChannel.Benchmarks: unknown option '{args[i]}'"); return 2; }
        }
        if (json is null) { Console.Error.WriteLine("NetChannel.Benchmarks: --json FILE is required"); return 2; }
        var results = new Results(new Dictionary<string, object> { ["harness"] = args[0] == "host" ? "loopback" : "benchmarkdotnet" });
        double load0 = Machine.LoadAverage();
        var sw = System.Diagnostics.Stopwatch.StartNew();
        if (args[0] == "host") await new HostBench(quick, results, filter).RunAsync();
        else RunMicro(quick, filter, results);
        results.Add($"{args[0]}_section_wall_seconds", sw.Elapsed.TotalSeconds, "s", ("load_average_start", load0), ("load_average_end", Machine.LoadAverage()));
        results.Write(json);
        return 0;
    }

    private static void RunMicro(bool quick, string? filter, Results results)
    {
        Job job = Job.Default
            .WithToolchain(InProcessEmitToolchain.Instance)
            .WithLaunchCount(1)
            .WithWarmupCount(quick ? 2 : 5)
            .WithIterationCount(quick ? 5 : 15)
            .WithIterationTime(TimeInterval.FromMilliseconds(quick ? 100 : 250))
            .WithId(quick ? "quick" : "full");
        IConfig config = ManualConfig.CreateEmpty()
            .AddJob(job)
            .AddDiagnoser(MemoryDiagnoser.Default)
            .AddColumnProvider(DefaultConfig.Instance.GetColumnProviders().ToArray())
            .AddLogger(ConsoleLogger.Default)
            .WithOption(ConfigOptions.DisableLogFile, true)
            .WithArtifactsPath(System.IO.Path.Combine(System.IO.Path.GetTempPath(), "netchannel-bdn"));
        Type[] types = [typeof(FrameBenchmarks), typeof(RingBenchmarks), typeof(DriverBenchmarks), typeof(SchedulerBenchmarks),
                        typeof(CopyWorkerBenchmarks), typeof(ReorderBenchmarks)];
        foreach (Type t in types)
        {
            if (filter is not null && !t.Name.Contains(filter, StringComparison.OrdinalIgnoreCase)) continue;
            Summary s = BenchmarkRunner.Run(t, config);
            foreach (BenchmarkReport r in s.Reports)
            {
                string method = r.BenchmarkCase.Descriptor.WorkloadMethod.Name;
                string category = r.BenchmarkCase.Descriptor.Categories.FirstOrDefault() ?? "";
                if (r.ResultStatistics is null)
                {
                    results.Add("micro_failed", 1, "count", ("benchmark", $"{t.Name}.{method}"), ("category", category));
                    continue;
                }
                long? alloc = r.GcStats.GetBytesAllocatedPerOperation(r.BenchmarkCase);
                var prm = new (string, object)[] { ("benchmark", $"{t.Name}.{method}"), ("category", category), ("job", job.Id) };
                results.Add("micro_mean_ns", r.ResultStatistics.Mean, "ns/op", prm);
                results.Add("micro_stddev_ns", r.ResultStatistics.StandardDeviation, "ns/op", prm);
                results.Add("micro_allocated_bytes", alloc ?? -1, "bytes/op", prm);
                results.Add("micro_gen0_per_1000_ops", r.GcStats.Gen0Collections * 1000.0 / Math.Max(1, r.GcStats.TotalOperations), "collections", prm);
            }
        }
    }
}
