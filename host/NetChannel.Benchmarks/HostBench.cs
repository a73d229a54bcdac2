using System;
using System.Collections.Generic;
using System.Linq;
using System.Runtime.InteropServices;
using System.Threading;
using System.Threading.Tasks;
using NetChannel.Scheduling;
using NetChannel.Vns;

namespace NetChannel.Benchmarks;

/// <summary>Section 2 of issue 5: the host runtime alone on the loopback test device, wall clock, every
/// ratio taken between figures of the same run.</summary>
public sealed class HostBench(bool quick, Results r, string? only = null)
{
    private bool Want(string section) => only is null || section.Contains(only, StringComparison.OrdinalIgnoreCase);

    private double Warmup => quick ? 0.5 : 1.0;
    private double Seconds => quick ? 1.5 : 4.0;

    /// <summary>Runs every workload of section 2.</summary>
    public async Task RunAsync()
    {
        Console.WriteLine($"section 2: host runtime on the loopback test device ({Environment.ProcessorCount} cores, load {Machine.LoadAverage():0.00})");
        if (Want("memcpy op1")) Memcpy();
        if (Want("op1")) await OperatingPoint1Async();
        if (Want("op2")) await OperatingPoint2Async();
        if (Want("op3")) await OperatingPoint3Async();
        if (Want("overhead")) await OverheadAsync();
    }

    // ---- the memcpy limit -------------------------------------------------------------------------------

    private readonly Dictionary<(int Size, int Threads), double> _memcpy = new();

    /// <summary>memcpy bandwidth for 64 B, 4 KB and 64 KB copies: the source is one buffer of that size (in
    /// cache, like an application's buffer), the destination walks through 16 MiB (like DMA buffers); one
    /// thread, and every core at once.</summary>
    private void Memcpy()
    {
        Console.WriteLine("memcpy bandwidth");
        foreach (int size in new[] { 64, 4096, 65536 })
            foreach (int threads in new[] { 1, Environment.ProcessorCount })
            {
                double bw = MemcpyBandwidth(size, threads, quick ? 0.4 : 1.0);
                _memcpy[(size, threads)] = bw;
                r.Add("memcpy_bandwidth", bw, "bytes/s", ("copy_bytes", size), ("threads", threads), ("destination_span_bytes", 16 << 20));
            }
    }

    private static unsafe double MemcpyBandwidth(int size, int threads, double seconds)
    {
        const int Span = 16 << 20;
        long total = 0;
        int stop = 0;
        using var ready = new CountdownEvent(threads);
        var ts = new Thread[threads];
        for (int t = 0; t < threads; t++)
        {
            ts[t] = new Thread(() =>
            {
                byte* src = (byte*)NativeMemory.AlignedAlloc((nuint)Math.Max(size, 64), 64);
                byte* dst = (byte*)NativeMemory.AlignedAlloc(Span, 4096);
                NativeMemory.Fill(src, (nuint)size, 1);
                NativeMemory.Fill(dst, Span, 0);
                ready.Signal();
                long n = 0;
                int off = 0;
                while (Volatile.Read(ref stop) == 0)
                {
                    for (int k = 0; k < 64; k++)
                    {
                        Buffer.MemoryCopy(src, dst + off, size, size);
                        off += size;
                        if (off + size > Span) off = 0;
                    }
                    n += 64L * size;
                }
                Interlocked.Add(ref total, n);
                NativeMemory.AlignedFree(src);
                NativeMemory.AlignedFree(dst);
            }) { Name = "memcpy", IsBackground = true };
            ts[t].Start();
        }
        ready.Wait();
        Meter m = Meter.Start();
        Thread.Sleep(TimeSpan.FromSeconds(seconds));
        Volatile.Write(ref stop, 1);
        foreach (Thread t in ts) t.Join();
        return total / m.WallSeconds;
    }

    // ---- operating point 1 ------------------------------------------------------------------------------

    /// <summary>Rounds: every configuration of a comparison is measured once per round, rounds interleaved, and
    /// the median per configuration reported, so the shared machine's load drifts over all of them alike.</summary>
    private int Rounds => quick ? 1 : 3;

    private static double Median(List<double> v)
    {
        var s = v.OrderBy(x => x).ToList();
        return s.Count % 2 == 1 ? s[s.Count / 2] : (s[s.Count / 2 - 1] + s[s.Count / 2]) / 2;
    }

    private async Task<(double BytesPerSecond, double CpuSecondsPerGb)> VnsBulkOnceAsync(Action<VnsHostOptions> configure)
    {
        await using VnsPair p = await VnsPair.StartAsync(configure);
        (VnsSocket c, VnsSocket s) = await p.ConnectAsync(TrafficClass.Throughput);
        var bulk = new VnsBulk(c, s);
        bulk.Start(65536);
        await Task.Delay(TimeSpan.FromSeconds(Warmup));
        long b0 = bulk.Received;
        Meter m = Meter.Start();
        await Task.Delay(TimeSpan.FromSeconds(Seconds));
        long b1 = bulk.Received;
        double wall = m.WallSeconds, cpu = m.CpuSeconds;
        await bulk.StopAsync();
        await c.DisposeAsync();
        await s.DisposeAsync();
        return ((b1 - b0) / wall, cpu / ((b1 - b0) / 1e9));
    }

    private async Task OperatingPoint1Async()
    {
        Console.WriteLine($"operating point 1: one sender and one receiver thread, 64 KB sends ({Rounds} interleaved rounds, medians)");
        int[] workerCounts = [0, 1, 2];
        var tcpBps = new List<double>();
        var tcpCpu = new List<double>();
        var vnsBps = workerCounts.ToDictionary(w => w, _ => new List<double>());
        var vnsCpu = workerCounts.ToDictionary(w => w, _ => new List<double>());
        var memcpy = new List<double>();
        for (int round = 0; round < Rounds; round++)
        {
            // the limit is measured in every round too: the machine's bandwidth is the better of one thread
            // and all cores (under other processes' load the all-core figure can come out lower)
            memcpy.Add(Math.Max(MemcpyBandwidth(65536, 1, 0.4), MemcpyBandwidth(65536, Environment.ProcessorCount, 0.4)));
            Machine.Settle();
            (double tcp, double tc) = TcpWorkloads.Bulk(65536, Warmup, Seconds);
            tcpBps.Add(tcp);
            tcpCpu.Add(tc);
            foreach (int workers in workerCounts)
            {
                Machine.Settle();
                (double bps, double cpu) = await VnsBulkOnceAsync(o =>
                {
                    o.CopyWorkers.ThroughputWorkers = workers;
                    o.CopyWorkers.LatencyWorkers = 1;
                    o.Scheduler.DynamicScaling = false;
                });
                vnsBps[workers].Add(bps);
                vnsCpu[workers].Add(cpu);
            }
        }
        double tcpM = Median(tcpBps);
        r.Add("op1_tcp_goodput", tcpM * 8 / 1e9, "Gbit/s", ("send_bytes", 65536), ("connections", 1), ("rounds", Rounds),
              ("min", tcpBps.Min() * 8 / 1e9), ("max", tcpBps.Max() * 8 / 1e9));
        r.Add("op1_tcp_cpu_seconds_per_gb", Median(tcpCpu), "CPU s/GB", ("send_bytes", 65536), ("connections", 1), ("rounds", Rounds));
        double limit = Median(memcpy) / 2;
        r.Add("op1_memcpy_limit", limit * 8 / 1e9, "Gbit/s", ("copy_bytes", 65536), ("rounds", Rounds),
              ("min", memcpy.Min() / 2 * 8 / 1e9), ("max", memcpy.Max() / 2 * 8 / 1e9),
              ("note", "median over the rounds of the better of 1-thread and all-core memcpy bandwidth, / 2 copies per byte"));
        foreach (int workers in workerCounts)
        {
            double bps = Median(vnsBps[workers]);
            var prm = new (string, object)[] { ("copy_workers", workers), ("send_bytes", 65536), ("channels", 2), ("rounds", Rounds),
                                               ("min", vnsBps[workers].Min() * 8 / 1e9), ("max", vnsBps[workers].Max() * 8 / 1e9) };
            r.Add("op1_vns_goodput", bps * 8 / 1e9, "Gbit/s", prm);
            r.Add("op1_vns_cpu_seconds_per_gb", Median(vnsCpu[workers]), "CPU s/GB", prm);
            r.Add("op1_vns_fraction_of_memcpy_limit", bps / limit, "fraction", prm);
            r.Add("op1_vns_ratio_to_tcp", bps / tcpM, "ratio", prm);
        }
    }

    // ---- operating point 2 ------------------------------------------------------------------------------

    private async Task OperatingPoint2Async()
    {
        const int Outstanding = 32;
        Console.WriteLine($"operating point 2: RPC from one application, {Outstanding} calls outstanding ({Rounds} interleaved rounds, medians)");
        int[] sizes = [64, 4096], conns = [1, 4], channels = [1, 2, 4];
        var tcp = new Dictionary<(int, int), List<double>>();
        var vns = new Dictionary<(int, int), List<double>>();
        for (int round = 0; round < Rounds; round++)
        {
            foreach (int size in sizes)
            {
                foreach (int c in conns)
                {
                    Machine.Settle();
                    double rate = TcpWorkloads.Rpc(c, size, Outstanding, Warmup, Seconds);
                    (tcp.TryGetValue((size, c), out var l) ? l : tcp[(size, c)] = new List<double>()).Add(rate);
                }
                foreach (int ch in channels)
                {
                    Machine.Settle();
                    await using VnsPair p = await VnsPair.StartAsync(o =>
                    {
                        o.CopyWorkers.ThroughputWorkers = 2;
                        o.CopyWorkers.LatencyWorkers = 1;
                        o.Scheduler.DynamicScaling = false;
                        o.Scheduler.LatencyChannels = new ChannelLimits { Initial = ch, Min = ch, Max = ch };
                    });
                    double rate = await VnsRpc.RunAsync(p, TrafficClass.Latency, size, Outstanding, Warmup, Seconds);
                    (vns.TryGetValue((size, ch), out var l) ? l : vns[(size, ch)] = new List<double>()).Add(rate);
                }
            }
        }
        foreach (int size in sizes)
        {
            foreach (int c in conns)
                r.Add("op2_tcp_rpc_rate", Median(tcp[(size, c)]), "calls/s", ("message_bytes", size), ("connections", c), ("outstanding", Outstanding),
                      ("client_threads", 1), ("rounds", Rounds), ("min", tcp[(size, c)].Min()), ("max", tcp[(size, c)].Max()));
            foreach (int ch in channels)
                r.Add("op2_vns_rpc_rate", Median(vns[(size, ch)]), "calls/s", ("message_bytes", size), ("channels", ch), ("outstanding", Outstanding),
                      ("class", "latency"), ("rounds", Rounds), ("min", vns[(size, ch)].Min()), ("max", vns[(size, ch)].Max()));
        }
    }

    // ---- operating point 3 ------------------------------------------------------------------------------

    private async Task OperatingPoint3Async()
    {
        int n = quick ? 3000 : 20000;
        Console.WriteLine($"operating point 3: 64-byte ping-pong ({n} round trips), alone and beside 8 bulk senders");
        void Report(string system, string isolation, int bulk, double[] rtt)
        {
            Array.Sort(rtt);
            double P(double q) => rtt[Math.Min(rtt.Length - 1, (int)(q * rtt.Length))];
            var prm = new (string, object)[] { ("system", system), ("isolation", isolation), ("bulk_senders", bulk), ("round_trips", rtt.Length) };
            r.Add("op3_rtt_p50", P(0.5), "us", prm);
            r.Add("op3_rtt_p99", P(0.99), "us", prm);
            r.Add("op3_rtt_p999", P(0.999), "us", prm);
            // the CDF for the plot: quantiles 0.005 ... 0.995, then the tail
            var pts = new List<double[]>();
            for (int k = 1; k < 200; k++) pts.Add([k / 200.0, P(k / 200.0)]);
            foreach (double q in new[] { 0.999, 0.9999 }) pts.Add([q, P(q)]);
            pts.Add([1.0, rtt[^1]]);
            r.Add("op3_rtt_cdf", rtt.Length, "samples", [.. prm, ("points_quantile_us", pts)]);
        }
        foreach (int bulk in new[] { 0, 8 })
        {
            Machine.Settle();
            Report("tcp", "n/a", bulk, TcpWorkloads.PingPong(n, bulk, Warmup));
        }
        foreach (bool isolation in new[] { true, false })
        {
            foreach (int bulk in new[] { 0, 8 })
            {
                Machine.Settle();
                await using VnsPair p = await VnsPair.StartAsync(o =>
                {
                    o.CopyWorkers.ThroughputWorkers = 2;
                    o.CopyWorkers.LatencyWorkers = 1;
                    o.Scheduler.DynamicScaling = false;
                });
                double[] rtt = await VnsPingPong.RunAsync(p, isolation ? TrafficClass.Latency : TrafficClass.Throughput, n, bulk, Warmup);
                Report("netchannel", isolation ? "on" : "off", bulk, rtt);
            }
        }
    }

    // ---- layering overhead ------------------------------------------------------------------------------

    private async Task OverheadAsync()
    {
        Console.WriteLine($"overhead: one pipeline (one channel, copies inline) through VNS vs the driver alone, 64 KB sends ({Rounds} rounds, medians)");
        var thin = new List<double>();
        var thinCpu = new List<double>();
        var full = new List<double>();
        var fullCpu = new List<double>();
        for (int round = 0; round < Rounds; round++)
        {
            Machine.Settle();
            (double t, double tc) = await DriverBulk.RunAsync(65536, Warmup, Seconds);
            thin.Add(t);
            thinCpu.Add(tc);
            Machine.Settle();
            (double f, double fc) = await VnsBulkOnceAsync(o =>
            {
                o.CopyWorkers.ThroughputWorkers = 0;
                o.CopyWorkers.LatencyWorkers = 0;
                o.Scheduler.DynamicScaling = false;
                o.Scheduler.ThroughputChannels = new ChannelLimits { Initial = 1, Min = 1, Max = 1 };
            });
            full.Add(f);
            fullCpu.Add(fc);
        }
        double tM = Median(thin), fM = Median(full), tcM = Median(thinCpu), fcM = Median(fullCpu);
        r.Add("overhead_driver_goodput", tM * 8 / 1e9, "Gbit/s", ("path", "driver"), ("channels", 1), ("send_bytes", 65536), ("rounds", Rounds));
        r.Add("overhead_driver_cpu_seconds_per_gb", tcM, "CPU s/GB", ("path", "driver"), ("channels", 1), ("send_bytes", 65536), ("rounds", Rounds));
        r.Add("overhead_vns_goodput", fM * 8 / 1e9, "Gbit/s", ("path", "vns"), ("channels", 1), ("send_bytes", 65536), ("copy_workers", 0), ("rounds", Rounds));
        r.Add("overhead_vns_cpu_seconds_per_gb", fcM, "CPU s/GB", ("path", "vns"), ("channels", 1), ("send_bytes", 65536), ("copy_workers", 0), ("rounds", Rounds));
        r.Add("overhead_vns_goodput_fraction_of_driver", fM / tM, "fraction", ("channels", 1), ("send_bytes", 65536));
        r.Add("overhead_vns_extra_cpu_seconds_per_gb", fcM - tcM, "CPU s/GB", ("channels", 1), ("send_bytes", 65536));
    }
}
