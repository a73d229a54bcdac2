using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Linq;
using System.Net;
using System.Threading;
using System.Threading.Tasks;
using NetChannel.Scheduling;
using NetChannel.Vns;

namespace NetChannel.Harness;

/// <summary>What the demonstration workload does.</summary>
public sealed class DemoWorkloadOptions
{
    /// <summary>Bulk sockets each host opens to the other; every one carries data both ways. Default 4.</summary>
    public int BulkSockets { get; set; } = 4;

    /// <summary>Bytes each side of each bulk socket sends. Default 16 MiB.</summary>
    public long BulkBytesPerDirection { get; set; } = 16 << 20;

    /// <summary>Size of one SendAsync of the bulk senders. Default 1 MiB.</summary>
    public int BulkSendSize { get; set; } = 1 << 20;

    /// <summary>RPC connections each host opens to the other. Default 2.</summary>
    public int RpcConnections { get; set; } = 2;

    /// <summary>Calls made on each RPC connection. Default 2000.</summary>
    public int RpcCallsPerConnection { get; set; } = 2000;

    /// <summary>Calls outstanding at once on each RPC connection. Default 32.</summary>
    public int RpcConcurrency { get; set; } = 32;

    /// <summary>Largest RPC request (sizes are drawn from 0 to this). Default 16 KiB.</summary>
    public int RpcMaxRequestBytes { get; set; } = 16 << 10;

    /// <summary>Traffic class of the RPC connections (latency by default: they get their own channels and workers).</summary>
    public TrafficClass RpcClass { get; set; } = TrafficClass.Latency;

    /// <summary>Seed of every size and byte.</summary>
    public int Seed { get; set; } = 1;

    /// <summary>Virtual port of the bulk listeners. Default 5001.</summary>
    public int BulkPort { get; set; } = 5001;

    /// <summary>Virtual port of the RPC listeners. Default 5002.</summary>
    public int RpcPort { get; set; } = 5002;

    /// <summary>A second clock read at the start and the end of each phase — the simulated NICs' cycle
    /// counter, for instance — reported as <see cref="DemoReport.BulkTicks"/> and <see cref="DemoReport.RpcTicks"/>.
    /// Null: not read.</summary>
    public Func<ulong>? Clock { get; set; }

    internal void Validate()
    {
        if (BulkSockets < 0 || RpcConnections < 0) throw new ArgumentOutOfRangeException(nameof(BulkSockets), "socket counts must not be negative");
        if (BulkBytesPerDirection < 0) throw new ArgumentOutOfRangeException(nameof(BulkBytesPerDirection), BulkBytesPerDirection, "must not be negative");
        if (BulkSendSize < 1) throw new ArgumentOutOfRangeException(nameof(BulkSendSize), BulkSendSize, "must be positive");
        if (RpcCallsPerConnection < 0 || RpcConcurrency < 1) throw new ArgumentOutOfRangeException(nameof(RpcConcurrency), "RPC calls must not be negative and concurrency must be positive");
        if (RpcMaxRequestBytes < 0) throw new ArgumentOutOfRangeException(nameof(RpcMaxRequestBytes), RpcMaxRequestBytes, "must not be negative");
        if (BulkPort == RpcPort) throw new ArgumentException("BulkPort and RpcPort must differ");
    }
}

/// <summary>The outcome of a demonstration run. Every byte and every response was checked; <see cref="Failures"/>
/// lists what did not match (empty when <see cref="Ok"/>).</summary>
/// <param name="BulkBytes">Payload bytes the bulk sockets delivered and verified (both directions).</param>
/// <param name="BulkElapsed">Wall time of the bulk phase.</param>
/// <param name="RpcCalls">RPC calls completed with a verified response (both directions).</param>
/// <param name="RpcElapsed">Wall time of the RPC phase.</param>
/// <param name="RpcLatencyP50">Median call latency (request sent to response received).</param>
/// <param name="RpcLatencyP99">99th percentile call latency.</param>
/// <param name="Failures">Mismatches and errors, each with the socket or call concerned.</param>
/// <param name="SchedulerA">Host A's scheduler counters, channels and workers at the end.</param>
/// <param name="SchedulerB">Host B's.</param>
public sealed record DemoReport(long BulkBytes, TimeSpan BulkElapsed, long RpcCalls, TimeSpan RpcElapsed, TimeSpan RpcLatencyP50, TimeSpan RpcLatencyP99,
    IReadOnlyList<string> Failures, SchedulerSnapshot SchedulerA, SchedulerSnapshot SchedulerB)
{
    /// <summary>True when every byte and every response matched.</summary>
    public bool Ok => Failures.Count == 0;

    /// <summary>Bulk goodput in bytes per second (both directions together).</summary>
    public double BulkBytesPerSecond => BulkElapsed > TimeSpan.Zero ? BulkBytes / BulkElapsed.TotalSeconds : 0;

    /// <summary>RPC calls per second (both directions together).</summary>
    public double RpcCallsPerSecond => RpcElapsed > TimeSpan.Zero ? RpcCalls / RpcElapsed.TotalSeconds : 0;

    /// <summary>Ticks of <see cref="DemoWorkloadOptions.Clock"/> the bulk phase took (0 without a clock).</summary>
    public ulong BulkTicks { get; init; }

    /// <summary>Ticks of <see cref="DemoWorkloadOptions.Clock"/> the RPC phase took (0 without a clock).</summary>
    public ulong RpcTicks { get; init; }

    /// <summary>Median call latency in ticks of <see cref="DemoWorkloadOptions.Clock"/> (0 without a clock).</summary>
    public ulong RpcLatencyTicksP50 { get; init; }

    /// <summary>99th percentile call latency in ticks of <see cref="DemoWorkloadOptions.Clock"/> (0 without a clock).</summary>
    public ulong RpcLatencyTicksP99 { get; init; }
}

/// <summary>
/// The end-to-end demonstration workload, independent of what joins the two hosts (the simulated NIC pair,
/// the loopback test device, the in-memory network): bulk transfers in both directions over several
/// virtual sockets at once, then RPC with many calls outstanding in both directions, every byte and every
/// response verified against deterministic patterns. Both hosts must be started and reach each other.
/// </summary>
public static class DemoWorkload
{
    /// <summary>Byte <paramref name="offset"/> of stream <paramref name="stream"/>: what the far end expects.</summary>
    public static byte PatternByte(long stream, long offset)
    {
        ulong x = (ulong)offset * 0x9E3779B97F4A7C15UL ^ (ulong)stream * 0xC2B2AE3D27D4EB4FUL;
        x ^= x >> 29;
        x *= 0xBF58476D1CE4E5B9UL;
        x ^= x >> 32;
        return (byte)x;
    }

    private static void Fill(Span<byte> dst, long stream, long offset)
    {
        for (int i = 0; i < dst.Length; i++) dst[i] = PatternByte(stream, offset + i);
    }

    private static long FirstMismatch(ReadOnlySpan<byte> src, long stream, long offset)
    {
        for (int i = 0; i < src.Length; i++)
            if (src[i] != PatternByte(stream, offset + i)) return offset + i;
        return -1;
    }

    /// <summary>The response an RPC server gives to a request: its length (4 bytes, little-endian), then the
    /// request reversed and complemented — so a response can only match its own request.</summary>
    public static byte[] RpcResponse(ReadOnlySpan<byte> request)
    {
        var r = new byte[request.Length + 4];
        BitConverter.TryWriteBytes(r, request.Length);
        for (int i = 0; i < request.Length; i++) r[4 + i] = (byte)~request[request.Length - 1 - i];
        return r;
    }

    /// <summary>Runs the workload between hosts <paramref name="a"/> (address <paramref name="ipA"/>) and
    /// <paramref name="b"/> (<paramref name="ipB"/>).</summary>
    /// <param name="a">One host.</param>
    /// <param name="ipA">Its address as the other host reaches it.</param>
    /// <param name="b">The other host.</param>
    /// <param name="ipB">Its address.</param>
    /// <param name="options">What to run (null: defaults).</param>
    /// <param name="progress">Receives one line per phase.</param>
    /// <param name="cancellationToken">Stops the run.</param>
    public static async Task<DemoReport> RunAsync(VnsHost a, IPAddress ipA, VnsHost b, IPAddress ipB, DemoWorkloadOptions? options = null,
        IProgress<string>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(a);
        ArgumentNullException.ThrowIfNull(b);
        ArgumentNullException.ThrowIfNull(ipA);
        ArgumentNullException.ThrowIfNull(ipB);
        options ??= new DemoWorkloadOptions();
        options.Validate();
        var failures = new List<string>();
        void Fail(string what)
        {
            lock (failures) failures.Add(what);
        }

        await using VnsListener bulkA = await a.ListenAsync(options.BulkPort, new VnsListenerOptions { Backlog = Math.Max(16, options.BulkSockets) }, cancellationToken).ConfigureAwait(false);
        await using VnsListener bulkB = await b.ListenAsync(options.BulkPort, new VnsListenerOptions { Backlog = Math.Max(16, options.BulkSockets) }, cancellationToken).ConfigureAwait(false);
        await using VnsListener rpcA = await a.ListenAsync(options.RpcPort, new VnsListenerOptions { Backlog = Math.Max(16, options.RpcConnections) }, cancellationToken).ConfigureAwait(false);
        await using VnsListener rpcB = await b.ListenAsync(options.RpcPort, new VnsListenerOptions { Backlog = Math.Max(16, options.RpcConnections) }, cancellationToken).ConfigureAwait(false);

        // ---- bulk: each host connects BulkSockets to the other; every socket carries data both ways ----
        progress?.Report($"bulk: {2 * options.BulkSockets} sockets, {options.BulkBytesPerDirection:N0} bytes each way on each");
        long bulkBytes = 0;
        ulong ticks0 = options.Clock?.Invoke() ?? 0;
        var sw = Stopwatch.StartNew();
        var bulk = new List<Task>();
        for (int i = 0; i < options.BulkSockets; i++)
        {
            bulk.Add(BulkPairAsync(a, "A", b, "B", bulkB, new IPEndPoint(ipB, options.BulkPort), i));
            bulk.Add(BulkPairAsync(b, "B", a, "A", bulkA, new IPEndPoint(ipA, options.BulkPort), options.BulkSockets + i));
        }
        await Task.WhenAll(bulk).ConfigureAwait(false);
        TimeSpan bulkElapsed = sw.Elapsed;
        ulong ticks1 = options.Clock?.Invoke() ?? 0;
        progress?.Report($"bulk: {bulkBytes:N0} bytes verified in {bulkElapsed.TotalSeconds:0.000} s");

        async Task BulkPairAsync(VnsHost client, string cn, VnsHost server, string sn, VnsListener listener, IPEndPoint to, int k)
        {
            try
            {
                Task<VnsSocket> accept = listener.AcceptAsync(cancellationToken).AsTask();
                await using VnsSocket c = await client.ConnectAsync(to, null, cancellationToken).ConfigureAwait(false);
                await using VnsSocket s = await accept.ConfigureAwait(false);
                long streamUp = (long)options.Seed << 32 | (uint)(2 * k), streamDown = (long)options.Seed << 32 | (uint)(2 * k + 1);
                // Accepts may complete in any order: the client names its stream in the first 8 bytes.
                await c.SendAsync(BitConverter.GetBytes(streamUp), cancellationToken).ConfigureAwait(false);
                byte[] name = new byte[8];
                int got = 0;
                while (got < 8)
                {
                    int n = await s.ReceiveAsync(name.AsMemory(got), cancellationToken).ConfigureAwait(false);
                    if (n == 0) throw new InvalidOperationException("end-of-stream before the stream name");
                    got += n;
                }
                // s may be the far end of another task's client: it serves whatever stream it was named.
                long heard = BitConverter.ToInt64(name);
                await Task.WhenAll(
                    SendAsync(c, streamUp, $"{cn}->{sn} socket {k}"),
                    ReceiveAsync(s, heard, $"{cn}->{sn} stream {heard & 0xFFFFFFFF}"),
                    SendAsync(s, heard + 1, $"{sn}->{cn} stream {(heard + 1) & 0xFFFFFFFF}"),
                    ReceiveAsync(c, streamDown, $"{sn}->{cn} socket {k}")).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
            {
                Fail($"bulk socket {k} ({cn} connects to {sn}): {ex.GetType().Name}: {ex.Message}");
            }
        }

        async Task SendAsync(VnsSocket s, long stream, string what)
        {
            byte[] buf = new byte[Math.Min(options.BulkSendSize, Math.Max(1, options.BulkBytesPerDirection))];
            long off = 0;
            while (off < options.BulkBytesPerDirection)
            {
                int n = (int)Math.Min(buf.Length, options.BulkBytesPerDirection - off);
                Fill(buf.AsSpan(0, n), stream, off);
                await s.SendAsync(buf.AsMemory(0, n), cancellationToken).ConfigureAwait(false);
                off += n;
            }
            s.ShutdownSend();
        }

        async Task ReceiveAsync(VnsSocket s, long stream, string what)
        {
            byte[] buf = new byte[256 << 10];
            long off = 0;
            while (true)
            {
                int n = await s.ReceiveAsync(buf, cancellationToken).ConfigureAwait(false);
                if (n == 0) break;
                long bad = FirstMismatch(buf.AsSpan(0, n), stream, off);
                if (bad >= 0)
                {
                    Fail($"{what}: byte {bad} differs");
                    return;
                }
                off += n;
            }
            if (off != options.BulkBytesPerDirection) Fail($"{what}: {off:N0} bytes before end-of-stream, {options.BulkBytesPerDirection:N0} sent");
            Interlocked.Add(ref bulkBytes, off);
        }

        // ---- RPC: each host opens RpcConnections to the other and calls; the other answers ----
        progress?.Report($"rpc: {2 * options.RpcConnections} connections ({options.RpcClass}), {options.RpcCallsPerConnection:N0} calls each, {options.RpcConcurrency} outstanding");
        var latencies = new List<long>();
        var clockLatencies = new List<ulong>();
        long calls = 0;
        sw.Restart();
        var rpc = new List<Task>();
        var servers = new List<Task>();
        for (int i = 0; i < options.RpcConnections; i++)
        {
            rpc.Add(RpcClientAsync(a, rpcB, new IPEndPoint(ipB, options.RpcPort), $"A->B rpc {i}", 1000 + i, servers));
            rpc.Add(RpcClientAsync(b, rpcA, new IPEndPoint(ipA, options.RpcPort), $"B->A rpc {i}", 2000 + i, servers));
        }
        await Task.WhenAll(rpc).ConfigureAwait(false);
        Task[] serverTasks;
        lock (servers) serverTasks = servers.ToArray();
        await Task.WhenAll(serverTasks).ConfigureAwait(false);
        TimeSpan rpcElapsed = sw.Elapsed;
        ulong ticks2 = options.Clock?.Invoke() ?? 0;
        latencies.Sort();
        clockLatencies.Sort();
        ulong ClockPct(double p) => clockLatencies.Count == 0 ? 0 : clockLatencies[Math.Min(clockLatencies.Count - 1, (int)(p * clockLatencies.Count))];
        TimeSpan Pct(double p) => latencies.Count == 0 ? TimeSpan.Zero
            : TimeSpan.FromSeconds(latencies[Math.Min(latencies.Count - 1, (int)(p * latencies.Count))] / (double)Stopwatch.Frequency);
        progress?.Report($"rpc: {calls:N0} calls verified in {rpcElapsed.TotalSeconds:0.000} s, wall-clock call latency p50 {Pct(0.5).TotalMicroseconds:0} us, p99 {Pct(0.99).TotalMicroseconds:0} us");

        async Task RpcClientAsync(VnsHost client, VnsListener listener, IPEndPoint to, string what, int seed, List<Task> serverList)
        {
            try
            {
                Task<VnsSocket> accept = listener.AcceptAsync(cancellationToken).AsTask();
                var conn = new VnsRpcConnection(await client.ConnectAsync(to, new VnsSocketOptions { Class = options.RpcClass }, cancellationToken).ConfigureAwait(false));
                var serverConn = new VnsRpcConnection(await accept.ConfigureAwait(false));
                lock (serverList) serverList.Add(ServeAsync(serverConn, what));
                await using (conn)
                {
                    int next = 0;
                    var rng = new Random(options.Seed * 7919 + seed);
                    int[] sizes = Enumerable.Range(0, options.RpcCallsPerConnection).Select(_ => rng.Next(0, options.RpcMaxRequestBytes + 1)).ToArray();
                    async Task Caller()
                    {
                        var mine = new List<long>();
                        var mineClock = new List<ulong>();
                        while (true)
                        {
                            int k = Interlocked.Increment(ref next) - 1;
                            if (k >= sizes.Length) break;
                            byte[] req = new byte[sizes[k]];
                            Fill(req, (long)seed << 32 | (uint)k, 0);
                            long t0 = Stopwatch.GetTimestamp();
                            ulong c0 = options.Clock?.Invoke() ?? 0;
                            using RpcMessage resp = await conn.CallAsync(req, cancellationToken).ConfigureAwait(false);
                            mine.Add(Stopwatch.GetTimestamp() - t0);
                            if (options.Clock is { } clock) mineClock.Add(clock() - c0);
                            if (!resp.Payload.Span.SequenceEqual(RpcResponse(req))) Fail($"{what}: call {k} got a response that is not its own");
                            else Interlocked.Increment(ref calls);
                        }
                        lock (latencies)
                        {
                            latencies.AddRange(mine);
                            clockLatencies.AddRange(mineClock);
                        }
                    }
                    await Task.WhenAll(Enumerable.Range(0, options.RpcConcurrency).Select(_ => Caller())).ConfigureAwait(false);
                }
            }
            catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
            {
                Fail($"{what}: {ex.GetType().Name}: {ex.Message}");
            }
        }

        async Task ServeAsync(VnsRpcConnection conn, string what)
        {
            try
            {
                await using (conn)
                {
                    var answers = new List<Task>();
                    while (await conn.ReceiveRequestAsync(cancellationToken).ConfigureAwait(false) is RpcRequest req)
                    {
                        answers.Add(Answer(req));
                        if (answers.Count > 256)
                        {
                            await Task.WhenAll(answers).ConfigureAwait(false);
                            answers.Clear();
                        }
                    }
                    await Task.WhenAll(answers).ConfigureAwait(false);
                }
            }
            catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
            {
                Fail($"{what} (server side): {ex.GetType().Name}: {ex.Message}");
            }

            static async Task Answer(RpcRequest req)
            {
                using (req) await req.RespondAsync(RpcResponse(req.Payload.Span)).ConfigureAwait(false);
            }
        }

        return new DemoReport(bulkBytes, bulkElapsed, calls, rpcElapsed, Pct(0.5), Pct(0.99), failures, a.Scheduler.Snapshot(), b.Scheduler.Snapshot())
        {
            BulkTicks = ticks1 - ticks0,
            RpcTicks = ticks2 - ticks1,
            RpcLatencyTicksP50 = ClockPct(0.5),
            RpcLatencyTicksP99 = ClockPct(0.99),
        };
    }
}
