using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Net;
using System.Text.Json;
using System.Threading;
using System.Threading.Tasks;
using NetChannel.Device.Simulated;
using NetChannel.Driver;
using NetChannel.Harness;
using NetChannel.Scheduling;
using NetChannel.Vns;
using NetChannel.Wire;

namespace NetChannel.Cli;

/// <summary>Options of <c>netchannel demo</c>.</summary>
internal sealed class DemoOptions
{
    /// <summary>Bulk payload bytes each bulk socket carries in each direction.</summary>
    public long Bytes { get; set; } = 2 << 20;

    /// <summary>Bulk sockets each host opens to the other (every one carries data both ways).</summary>
    public int Sockets { get; set; } = 4;

    /// <summary>Throughput-class channels each host opens to the other (fixed: no dynamic scaling in the demo); both
    /// hosts' channels carry data both ways.</summary>
    public int Channels { get; set; } = 2;

    /// <summary>RPC connections each host opens to the other (latency class).</summary>
    public int RpcConnections { get; set; } = 2;

    /// <summary>Calls on each RPC connection.</summary>
    public int RpcCalls { get; set; } = 500;

    public double Loss { get; set; }
    public double Reorder { get; set; }
    public double Dup { get; set; }
    public double Corrupt { get; set; }
    public double CorruptInner { get; set; }
    public ulong Seed { get; set; } = 1;
    public string? Pcap { get; set; }
    public bool Json { get; set; }
    public uint DmaLatency { get; set; } = SimDefaults.DmaLatencyCycles;
    public uint LinkLatency { get; set; } = SimDefaults.LinkLatencyCycles;

    /// <summary>libncsim's timing defaults, which the demo keeps unless told otherwise.</summary>
    internal static readonly SimulationOptions SimDefaults = new();
    public double TimeoutSeconds { get; set; } = 600;

    public static DemoOptions? Parse(string[] args, TextWriter stderr, out bool help)
    {
        help = false;
        var o = new DemoOptions();
        for (int i = 0; i < args.Length; i++)
        {
            string a = args[i];
            string? Next()
            {
                if (i + 1 < args.Length) return args[++i];
                stderr.WriteLine($"netchannel demo: {a} needs a value");
                return null;
            }
            bool Long(long min, long max, out long v)
            {
                v = 0;
                if (Next() is not { } s) return false;
                if (long.TryParse(s, NumberStyles.Integer, CultureInfo.InvariantCulture, out v) && v >= min && v <= max) return true;
                stderr.WriteLine($"netchannel demo: {a} must be an integer from {min} to {max}, not '{s}'");
                return false;
            }
            bool Prob(out double v)
            {
                v = 0;
                if (Next() is not { } s) return false;
                if (double.TryParse(s, NumberStyles.Float, CultureInfo.InvariantCulture, out v) && v >= 0 && v < 1) return true;
                stderr.WriteLine($"netchannel demo: {a} must be a probability in [0, 1), not '{s}'");
                return false;
            }
            long n;
            double p;
            switch (a)
            {
                case "-h": case "--help": help = true; return o;
                case "--bytes": if (!Long(0, 1L << 40, out n)) return null; o.Bytes = n; break;
                case "--sockets": if (!Long(0, 256, out n)) return null; o.Sockets = (int)n; break;
                case "--channels": if (!Long(1, 16, out n)) return null; o.Channels = (int)n; break;
                case "--rpc-connections": if (!Long(0, 64, out n)) return null; o.RpcConnections = (int)n; break;
                case "--rpc-calls": if (!Long(0, 1_000_000, out n)) return null; o.RpcCalls = (int)n; break;
                case "--loss": if (!Prob(out p)) return null; o.Loss = p; break;
                case "--reorder": if (!Prob(out p)) return null; o.Reorder = p; break;
                case "--dup": if (!Prob(out p)) return null; o.Dup = p; break;
                case "--corrupt": if (!Prob(out p)) return null; o.Corrupt = p; break;
                case "--corrupt-inner": if (!Prob(out p)) return null; o.CorruptInner = p; break;
                case "--seed":
                    if (Next() is not { } sd) return null;
                    if (!ulong.TryParse(sd, NumberStyles.Integer, CultureInfo.InvariantCulture, out ulong seed)) { stderr.WriteLine($"netchannel demo: --seed must be a non-negative integer, not '{sd}'"); return null; }
                    o.Seed = seed;
                    break;
                case "--pcap": if (Next() is not { } pc) return null; o.Pcap = pc; break;
                case "--json": o.Json = true; break;
                case "--dma-latency": if (!Long(0, 100_000, out n)) return null; o.DmaLatency = (uint)n; break;
                case "--link-latency": if (!Long(0, 1_000_000, out n)) return null; o.LinkLatency = (uint)n; break;
                case "--timeout": if (!Long(1, 86_400, out n)) return null; o.TimeoutSeconds = n; break;
                default:
                    stderr.WriteLine($"netchannel demo: unknown option '{a}' (try 'netchannel demo --help')");
                    return null;
            }
        }
        if (o.Sockets == 0 && o.RpcConnections == 0) { stderr.WriteLine("netchannel demo: nothing to do (--sockets 0 and --rpc-connections 0)"); return null; }
        return o;
    }
}

/// <summary>
/// <c>netchannel demo</c>, the project's main job: two hosts, each a <see cref="VnsHost"/> over the NetDriver
/// (<see cref="NicHost"/>) on its own simulated NIC (the nc_nic RTL under libncsim), joined by the simulated
/// link. Bulk virtual sockets carry data both ways and RPC connections make calls both ways
/// (<see cref="DemoWorkload"/>); every byte and every response is verified at the far end.
/// </summary>
internal sealed class Demo
{
    private const uint IpA = 0x0A000001, IpB = 0x0A000002;          // 10.0.0.1, 10.0.0.2
    private const ulong MacA = 0x02_4E_43_00_00_01UL, MacB = 0x02_4E_43_00_00_02UL; // locally administered

    private readonly DemoOptions _o;
    private readonly TextWriter _out, _err;

    public Demo(DemoOptions options, TextWriter stdout, TextWriter stderr)
    {
        _o = options;
        _out = stdout;
        _err = stderr;
    }

    /// <summary>Runs the demo; 0 when every byte and response matched, 1 otherwise.</summary>
    public int Run()
    {
        try
        {
            return RunAsync().GetAwaiter().GetResult();
        }
        catch (DllNotFoundException e)
        {
            _err.WriteLine($"netchannel demo: {e.Message}");
            return 1;
        }
    }

    private static NicHostOptions Nic(ulong mac, uint ip, ulong peerMac, uint peerIp)
    {
        var o = SimulatedTimers.Apply(new NicHostOptions { Mac = mac, Ip = ip, MaxChannels = 32 });   // timers in simulated time
        o.Neighbors[peerIp] = peerMac;
        return o;
    }

    private VnsHostOptions Host(string name)
    {
        var o = SimulatedTimers.Apply(new VnsHostOptions { Name = name });
        o.Scheduler.ThroughputChannels = new ChannelLimits { Initial = _o.Channels, Min = _o.Channels, Max = _o.Channels };
        o.Scheduler.DynamicScaling = false;
        o.CopyWorkers.ThroughputWorkers = 2;
        o.CopyWorkers.LatencyWorkers = 1;
        return o;
    }

    private async Task<int> RunAsync()
    {
        var simOptions = new SimulationOptions
        {
            Seed = _o.Seed,
            Loss = _o.Loss,
            Reorder = _o.Reorder,
            Duplicate = _o.Dup,
            Corrupt = _o.Corrupt,
            CorruptInner = _o.CorruptInner,
            PcapPath = _o.Pcap,
            DmaLatencyCycles = _o.DmaLatency,
            LinkLatencyCycles = _o.LinkLatency,
        };
        var wall = System.Diagnostics.Stopwatch.StartNew();
        using var sys = new SimulatedNicSystem(simOptions);
        var a = new VnsHost(Host("A"));
        var b = new VnsHost(Host("B"));
        var log = _o.Json ? TextWriter.Null : _out;
        log.WriteLine($"netchannel demo: two hosts on two simulated NICs ({sys.DeviceName}, {SimulatedNicSystem.ClockHz / 1e6:0} MHz, 64 B/cycle datapath), " +
            $"link {simOptions.LinkBytesPerCycle} B/cycle, latency {simOptions.LinkLatencyCycles} cycles, DMA latency {simOptions.DmaLatencyCycles} cycles");
        log.WriteLine($"  link faults: loss {_o.Loss:P2}, reorder {_o.Reorder:P2}, duplication {_o.Dup:P2}, corruption {_o.Corrupt:P2} (FCS), {_o.CorruptInner:P2} (behind a good FCS), seed {_o.Seed}");
        DemoReport? report = null;
        NicCounters? ca = null, cb = null;
        var channels = new List<(string Host, int Id, ChannelClass Class, ChannelCounters C, NicChannelCounters N)>();
        string? fatal = null;
        try
        {
            NicTransport ta = await a.AddNicAsync(sys.Nic0, Nic(MacA, IpA, MacB, IpB));
            NicTransport tb = await b.AddNicAsync(sys.Nic1, Nic(MacB, IpB, MacA, IpA));
            var wo = new DemoWorkloadOptions
            {
                BulkSockets = _o.Sockets,
                BulkBytesPerDirection = _o.Bytes,
                BulkSendSize = (int)Math.Clamp(_o.Bytes, 1, 1 << 20),
                RpcConnections = _o.RpcConnections,
                RpcCallsPerConnection = _o.RpcCalls,
                RpcConcurrency = 16,
                RpcMaxRequestBytes = 16 << 10,
                Seed = (int)(_o.Seed & 0x7FFFFFFF),
                Clock = () => sys.Cycles,
            };
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(_o.TimeoutSeconds));
            report = await DemoWorkload.RunAsync(a, new IPAddress(IpBytes(IpA)), b, new IPAddress(IpBytes(IpB)), wo, new LineProgress(log), timeout.Token);
            foreach ((string name, NicTransport t) in new[] { ("A", ta), ("B", tb) })
                foreach (Channel ch in t.NicHost.Channels.OrderBy(c => c.Id))
                    channels.Add((name, ch.Id, ch.Class, ch.Counters, ch.ReadNicCounters()));
            ca = ta.NicHost.ReadCounters();
            cb = tb.NicHost.ReadCounters();
        }
        catch (OperationCanceledException)
        {
            fatal = $"the demo did not finish within {_o.TimeoutSeconds} s";
        }
        catch (Exception e) when (e is InvalidOperationException or System.Net.Sockets.SocketException or IOException or TimeoutException)
        {
            fatal = $"{e.GetType().Name}: {e.Message}";
        }
        finally
        {
            await a.DisposeAsync();
            await b.DisposeAsync();
        }
        ulong cycles = sys.Cycles;
        LinkStatistics link = sys.GetLinkStatistics();
        string? simError = sys.LastError;
        wall.Stop();

        long sentBytes = 2L * 2 * _o.Sockets * _o.Bytes;
        long calls = 2L * _o.RpcConnections * _o.RpcCalls;
        var errors = new List<string>();
        if (fatal is not null) errors.Add(fatal);
        if (simError is not null) errors.Add($"simulator: {simError}");
        if (report is not null)
        {
            errors.AddRange(report.Failures);
            if (report.BulkBytes != sentBytes) errors.Add($"bulk: {report.BulkBytes:N0} bytes verified, {sentBytes:N0} sent");
            if (report.RpcCalls != calls) errors.Add($"rpc: {report.RpcCalls:N0} calls verified, {calls:N0} made");
        }
        ulong retransmits = (ca?.Retransmits ?? 0) + (cb?.Retransmits ?? 0);
        double bulkSeconds = report is null ? 0 : report.BulkTicks / SimulatedNicSystem.ClockHz;
        double gbps = bulkSeconds > 0 ? report!.BulkBytes * 8 / bulkSeconds / 1e9 : 0;

        if (_o.Json)
        {
            var json = new Dictionary<string, object?>
            {
                ["bytes_sent"] = sentBytes,
                ["bytes_verified"] = report?.BulkBytes ?? 0,
                ["rpc_calls"] = calls,
                ["rpc_calls_verified"] = report?.RpcCalls ?? 0,
                ["errors"] = errors.Count,
                ["error_messages"] = errors,
                ["retransmits"] = retransmits,
                ["timeouts"] = (ca?.Timeouts ?? 0) + (cb?.Timeouts ?? 0),
                ["duplicates_dropped"] = (ca?.Duplicates ?? 0) + (cb?.Duplicates ?? 0),
                // Duplicates the receivers dropped that the link did not make: retransmissions of what had arrived.
                ["spurious_retransmits"] = Math.Max(0L, (long)((ca?.Duplicates ?? 0) + (cb?.Duplicates ?? 0)) - (long)(link.Nic0ToNic1.Duplicated + link.Nic1ToNic0.Duplicated)),
                ["drops_bad_fcs"] = (ulong)((ca?.Drops(DropReason.BadFcs) ?? 0) + (cb?.Drops(DropReason.BadFcs) ?? 0)),
                ["drops_bad_icrc"] = (ulong)((ca?.Drops(DropReason.BadIcrc) ?? 0) + (cb?.Drops(DropReason.BadIcrc) ?? 0)),
                ["drops_total"] = (ulong)((ca?.ParserDrops.Sum(x => (long)x) ?? 0) + (cb?.ParserDrops.Sum(x => (long)x) ?? 0)),
                ["sim_cycles"] = cycles,
                ["bulk_sim_cycles"] = report?.BulkTicks ?? 0,
                ["rpc_sim_cycles"] = report?.RpcTicks ?? 0,
                ["rpc_latency_p50_cycles"] = report?.RpcLatencyTicksP50 ?? 0,
                ["rpc_latency_p99_cycles"] = report?.RpcLatencyTicksP99 ?? 0,
                ["bulk_goodput_gbps_sim"] = Math.Round(gbps, 3),
                ["wall_seconds"] = Math.Round(wall.Elapsed.TotalSeconds, 3),
                ["sim_cycles_per_wall_second"] = Math.Round(cycles / wall.Elapsed.TotalSeconds),
                ["link"] = new Dictionary<string, object>
                {
                    ["a_to_b"] = Dir(link.Nic0ToNic1),
                    ["b_to_a"] = Dir(link.Nic1ToNic0),
                },
                ["channels"] = channels.Select(c => new Dictionary<string, object>
                {
                    ["host"] = c.Host, ["id"] = c.Id, ["class"] = c.Class.ToString(),
                    ["tx_messages"] = c.C.TxMessages, ["tx_bytes"] = c.C.TxBytes, ["rx_messages"] = c.C.RxMessages, ["rx_bytes"] = c.C.RxBytes,
                    ["nic_tx_packets"] = c.N.TxPackets, ["nic_rx_packets"] = c.N.RxPackets, ["nic_retransmits"] = c.N.Retransmits,
                    ["nic_timeouts"] = c.N.Timeouts, ["nic_duplicates"] = c.N.Duplicates,
                }).ToList(),
                ["options"] = new Dictionary<string, object?>
                {
                    ["bytes"] = _o.Bytes, ["sockets"] = _o.Sockets, ["channels"] = _o.Channels, ["rpc_connections"] = _o.RpcConnections,
                    ["rpc_calls"] = _o.RpcCalls, ["loss"] = _o.Loss, ["reorder"] = _o.Reorder, ["dup"] = _o.Dup, ["corrupt"] = _o.Corrupt, ["corrupt_inner"] = _o.CorruptInner,
                    ["seed"] = _o.Seed, ["pcap"] = _o.Pcap, ["dma_latency"] = _o.DmaLatency, ["link_latency"] = _o.LinkLatency,
                },
            };
            _out.WriteLine(JsonSerializer.Serialize(json));
            return errors.Count == 0 ? 0 : 1;
        }

        _out.WriteLine();
        _out.WriteLine("summary");
        _out.WriteLine($"  bulk       {report?.BulkBytes ?? 0:N0} of {sentBytes:N0} bytes verified ({2 * _o.Sockets} sockets, {_o.Bytes:N0} bytes each way on each)");
        if (report is not null)
        {
            _out.WriteLine($"             {report.BulkTicks:N0} simulated cycles = {bulkSeconds * 1e3:0.000} ms at {SimulatedNicSystem.ClockHz / 1e6:0} MHz: goodput {gbps:0.00} Gbit/s of simulated time, both directions together ({gbps / 2:0.00} per direction; the link is {LinkGbps:0} per direction); {report.BulkElapsed.TotalSeconds:0.00} s wall");
            _out.WriteLine($"  rpc        {report.RpcCalls:N0} of {calls:N0} calls verified in {report.RpcTicks:N0} simulated cycles, {report.RpcElapsed.TotalSeconds:0.00} s wall; " +
                $"call latency p50 {report.RpcLatencyTicksP50:N0} cycles ({Us(report.RpcLatencyTicksP50):0.0} us simulated), p99 {report.RpcLatencyTicksP99:N0} cycles ({Us(report.RpcLatencyTicksP99):0.0} us)");
        }
        _out.WriteLine($"  simulator  {cycles:N0} cycles in {wall.Elapsed.TotalSeconds:0.00} s wall ({cycles / wall.Elapsed.TotalSeconds / 1e6:0.000} M cycles/s)");
        _out.WriteLine($"  link A->B  {LinkLine(link.Nic0ToNic1)}");
        _out.WriteLine($"  link B->A  {LinkLine(link.Nic1ToNic0)}");
        if (ca is not null && cb is not null)
        {
            _out.WriteLine($"  NIC A      {NicLine(ca)}");
            _out.WriteLine($"  NIC B      {NicLine(cb)}");
        }
        if (channels.Count > 0)
        {
            _out.WriteLine("  channels   host  id  class       tx msgs     tx bytes  rx msgs     rx bytes  nic tx pkts  retx  timeouts  dups");
            foreach (var c in channels)
                _out.WriteLine($"             {c.Host,-4} {c.Id,3}  {c.Class,-10} {c.C.TxMessages,8:N0} {c.C.TxBytes,12:N0} {c.C.RxMessages,8:N0} {c.C.RxBytes,12:N0} {c.N.TxPackets,12:N0} {c.N.Retransmits,5:N0} {c.N.Timeouts,9:N0} {c.N.Duplicates,5:N0}");
        }
        _out.WriteLine($"  retransmissions {retransmits:N0}");
        if (_o.Pcap is not null) _out.WriteLine($"  capture    {_o.Pcap}");
        if (errors.Count == 0)
        {
            _out.WriteLine("  result     OK: every byte and every response verified");
            return 0;
        }
        _out.WriteLine($"  result     FAILED: {errors.Count} error(s)");
        foreach (string e in errors.Take(50)) _out.WriteLine($"    {e}");
        return 1;
    }

    private static double LinkGbps => DemoOptions.SimDefaults.LinkBytesPerCycle * 8 * SimulatedNicSystem.ClockHz / 1e9;

    private static double Us(ulong cycles) => cycles / SimulatedNicSystem.ClockHz * 1e6;

    private static byte[] IpBytes(uint ip) => [(byte)(ip >> 24), (byte)(ip >> 16), (byte)(ip >> 8), (byte)ip];

    private static Dictionary<string, object> Dir(LinkDirectionStatistics d) => new()
    {
        ["frames"] = d.FramesSent, ["bytes"] = d.BytesSent, ["delivered"] = d.FramesDelivered, ["dropped"] = d.Dropped,
        ["reordered"] = d.Reordered, ["duplicated"] = d.Duplicated, ["corrupted"] = d.Corrupted, ["fcs_errors"] = d.FcsErrors,
        ["corrupted_inner"] = d.CorruptedInner,
    };

    private static string LinkLine(LinkDirectionStatistics d) =>
        $"{d.FramesSent:N0} frames ({d.BytesSent:N0} bytes), {d.Dropped:N0} lost, {d.Reordered:N0} reordered, {d.Duplicated:N0} duplicated, {d.Corrupted:N0} corrupted ({d.FcsErrors:N0} caught by the FCS), {d.CorruptedInner:N0} corrupted behind a good FCS";

    private static string NicLine(NicCounters c) =>
        $"tx {c.TxFrames:N0} frames, rx {c.RxFrames:N0} frames, {c.Retransmits:N0} retransmitted, {c.Timeouts:N0} timeouts, {c.Duplicates:N0} duplicates dropped, {c.OutOfWindow:N0} out of window, {c.Drops(DropReason.BadIcrc):N0} dropped BAD_ICRC, {c.AckTx:N0} ACKs sent, {c.CreditStalls:N0} credit stalls, {c.ChannelsFailed:N0} channels failed";
}

/// <summary>Writes each progress line at once, indented (<see cref="Progress{T}"/> would post it to the thread
/// pool, where it could come out after the summary).</summary>
internal sealed class LineProgress(TextWriter writer) : IProgress<string>
{
    public void Report(string value)
    {
        lock (writer) writer.WriteLine("  " + value);
    }
}
