using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Linq;
using System.Net.Sockets;
using System.Numerics;
using System.Threading;
using System.Threading.Tasks;
using NetChannel.Copy;
using NetChannel.Device.Simulated;
using NetChannel.Scheduling;
using NetChannel.Vns;
using Xunit.Abstractions;

namespace NetChannel.Tests.Vns;

/// <summary>
/// The tests of issue 4 that are about the virtual-socket layer, the scheduler and the copy workers,
/// written once and run over every transport (a derived class per transport). Numbers refer to the issue's
/// list. No test asserts a duration: throughput is compared as a ratio within one run, and every wait is
/// bounded only to turn a hang into a failure.
/// </summary>
public abstract class VnsSuite
{
    private readonly ITestOutputHelper _out;

    protected VnsSuite(ITestOutputHelper output) => _out = output;

    protected abstract TransportKind Kind { get; }

    private Task<VnsTestBed> StartAsync(Action<VnsHostOptions>? configure = null) => VnsTestBed.StartAsync(Kind, configure);

    /// <summary>A timer setting of a test, given for a transport whose clock runs at wall speed: the same on the
    /// in-memory and loopback transports, a hundredth of it on the simulated NICs (whose timers run on simulated
    /// time, several hundred times slower than the wall clock; see SimulatedTimers).</summary>
    private protected virtual TimeSpan DeviceTime(TimeSpan atWallSpeed) => atWallSpeed;

    private static Task Bounded(Task t) => t.WaitAsync(VnsTestBed.TestTimeout);

    private static Task<T> Bounded<T>(Task<T> t) => t.WaitAsync(VnsTestBed.TestTimeout);

    // ---- 1 -------------------------------------------------------------------------------------------

    [Fact]
    public async Task T1_OneSocket16MiBEachWayByteExact()
    {
        await using VnsTestBed bed = await StartAsync();
        (VnsSocket c, VnsSocket s) = await bed.ConnectAsync(7001);
        const long N = 16 << 20;
        Task sendC = SocketIo.SendPatternAsync(c, 11, N, 1 << 20);
        Task sendS = SocketIo.SendPatternAsync(s, 12, N, 1 << 20);
        Task<long> recvS = SocketIo.ReceivePatternAsync(s, 11, 256 << 10);
        Task<long> recvC = SocketIo.ReceivePatternAsync(c, 12, 256 << 10);
        await Bounded(Task.WhenAll(sendC, sendS, recvS, recvC));
        Assert.Equal(N, await recvS);
        Assert.Equal(N, await recvC);
        VnsSocketCounters cc = c.Counters;
        _out.WriteLine($"client: {cc}");
        Assert.Equal(N, cc.BytesSent);
        Assert.True(BitOperations.PopCount(cc.ChannelMask) >= 2, "one socket's data should travel over several channels");
        Assert.True(cc.WorkerCopies > 0, "1 MiB sends should be copied by copy workers");
        await c.DisposeAsync();
        await s.DisposeAsync();
    }

    // ---- 2 -------------------------------------------------------------------------------------------

    [Fact]
    public async Task T2_SixtyFourSocketsOverFourChannelsMixedSizes()
    {
        await using VnsTestBed bed = await StartAsync(o =>
        {
            o.Scheduler.ThroughputChannels = new ChannelLimits { Initial = 4, Min = 4, Max = 4 };
            o.Scheduler.DynamicScaling = false;
        });
        await using VnsListener l = await bed.B.ListenAsync(7002, new VnsListenerOptions { Backlog = 64 });
        const int Sockets = 64;
        var rng = new Random(2);
        int[] sizes = [0, 1, 100, 8999, 9000, 9001, 65535, 65536, 300_000, 1 << 19];
        var up = new int[Sockets];
        var down = new int[Sockets];
        for (int i = 0; i < Sockets; i++)
        {
            up[i] = i < sizes.Length ? sizes[i] : rng.Next(0, 1 << 19);
            down[i] = i < sizes.Length ? sizes[sizes.Length - 1 - i] : rng.Next(0, 1 << 19);
        }
        var server = Task.Run(async () =>
        {
            var work = new List<Task>();
            for (int i = 0; i < Sockets; i++)
            {
                VnsSocket s = await l.AcceptAsync();
                work.Add(Task.Run(async () =>
                {
                    // The client announces its index in 4 bytes, then its data.
                    byte[] idx = new byte[4];
                    int got = 0;
                    while (got < 4) got += await s.ReceiveAsync(idx.AsMemory(got));
                    int k = BitConverter.ToInt32(idx);
                    Task<long> r = SocketIo.ReceivePatternAsync(s, 1000 + k, 7000);
                    await SocketIo.SendPatternAsync(s, 2000 + k, down[k], 50_000);
                    Assert.Equal(up[k], await r);
                    await s.DisposeAsync();
                }));
            }
            await Task.WhenAll(work);
        });
        var clients = Enumerable.Range(0, Sockets).Select(k => Task.Run(async () =>
        {
            VnsSocket c = await bed.A.ConnectAsync(VnsTestBed.EndPointB(7002));
            await c.SendAsync(BitConverter.GetBytes(k));
            Task<long> r = SocketIo.ReceivePatternAsync(c, 2000 + k, 30_000);
            await SocketIo.SendPatternAsync(c, 1000 + k, up[k], 40_000);
            Assert.Equal(down[k], await r);
            await c.DisposeAsync();
        })).ToArray();
        await Bounded(Task.WhenAll(clients));
        await Bounded(server);
        SchedulerSnapshot snap = bed.A.Scheduler.Snapshot();
        ChannelStats[] t = snap.Channels.Where(ch => ch.Class == TrafficClass.Throughput).ToArray();
        foreach (ChannelStats ch in t) _out.WriteLine(ch.ToString());
        Assert.Equal(4, t.Length);
        Assert.All(t, ch => Assert.True(ch.TxThroughputMessages > 0 && ch.RxThroughputMessages > 0, $"channel {ch.Id} carried no socket traffic"));
    }

    // ---- 3 -------------------------------------------------------------------------------------------

    [Fact]
    public async Task T3_RpcManyOutstandingEveryResponseMatched()
    {
        await using VnsTestBed bed = await StartAsync();
        await using VnsListener l = await bed.B.ListenAsync(7003);
        const int Connections = 4, Concurrency = 128, CallsPerConnection = 512;
        using var stop = new CancellationTokenSource();
        var servers = new List<Task>();
        var serverConns = new List<VnsRpcConnection>();
        var accepting = Task.Run(async () =>
        {
            for (int i = 0; i < Connections; i++)
            {
                var conn = new VnsRpcConnection(await l.AcceptAsync());
                lock (serverConns) serverConns.Add(conn);
                servers.Add(ServeAsync(conn));
            }
        });

        static async Task ServeAsync(VnsRpcConnection conn)
        {
            var answers = new List<Task>();
            while (await conn.ReceiveRequestAsync() is RpcRequest req)
            {
                // Answer out of order: each request on its own task, after a random yield.
                answers.Add(Task.Run(async () =>
                {
                    using (req)
                    {
                        if ((req.Id & 3) == 0) await Task.Yield();
                        await req.RespondAsync(Transform(req.Payload.Span));
                    }
                }));
            }
            await Task.WhenAll(answers);
        }

        var clients = Enumerable.Range(0, Connections).Select(ci => Task.Run(async () =>
        {
            await using var conn = new VnsRpcConnection(await bed.A.ConnectAsync(VnsTestBed.EndPointB(7003)));
            var rng = new Random(ci);
            int next = 0;
            async Task Caller()
            {
                while (true)
                {
                    int k = Interlocked.Increment(ref next) - 1;
                    if (k >= CallsPerConnection) return;
                    int size = k % 16 == 0 ? 30_000 + k : k % 200;
                    byte[] req = Pattern.Make(ci * 100_000 + k, size);
                    using RpcMessage resp = await conn.CallAsync(req);
                    Assert.Equal(Transform(req), resp.Payload.ToArray());
                }
            }
            await Task.WhenAll(Enumerable.Range(0, Concurrency).Select(_ => Caller()));
            Assert.Equal(CallsPerConnection, conn.CallsCompleted);
        })).ToArray();
        await Bounded(Task.WhenAll(clients));
        await Bounded(accepting);
        await Bounded(Task.WhenAll(servers));
        foreach (VnsRpcConnection c in serverConns) await c.DisposeAsync();
    }

    internal static byte[] Transform(ReadOnlySpan<byte> req)
    {
        // The response names its request: length, then the request reversed and complemented.
        var r = new byte[req.Length + 4];
        BitConverter.TryWriteBytes(r, req.Length);
        for (int i = 0; i < req.Length; i++) r[4 + i] = (byte)~req[req.Length - 1 - i];
        return r;
    }

    // ---- 4 -------------------------------------------------------------------------------------------

    [Fact]
    public async Task T4_CloseDeliversEverythingSentBeforeShutdown()
    {
        // Data sent right before ShutdownSend travels on several channels; the FIN carries the final
        // sequence, so end-of-stream comes only after all of it. Many sockets, sizes around chunk edges.
        await using VnsTestBed bed = await StartAsync(o => o.Scheduler.ThroughputChannels = new ChannelLimits { Initial = 4, Min = 4, Max = 4 });
        await using VnsListener l = await bed.B.ListenAsync(7004, new VnsListenerOptions { Backlog = 64 });
        int[] sizes = [1, 9000, 9001, 18000, 50_000, 123_457, 600_000, 2_000_000];
        long finEarly = 0;
        for (int round = 0; round < 2; round++)
        {
            var accept = Task.Run(async () =>
            {
                var rs = new List<Task<(long, long)>>();
                for (int i = 0; i < sizes.Length; i++)
                {
                    VnsSocket s = await l.AcceptAsync();
                    rs.Add(Task.Run(async () =>
                    {
                        byte[] id = new byte[4];
                        int got = 0;
                        while (got < 4) got += await s.ReceiveAsync(id.AsMemory(got));
                        int k = BitConverter.ToInt32(id);
                        long n = await SocketIo.ReceivePatternAsync(s, 40 + k, 1 << 16);
                        long early = s.Counters.FinBeforeData;
                        Assert.Equal(sizes[k], n);
                        await s.DisposeAsync();
                        return (n, early);
                    }));
                }
                return await Task.WhenAll(rs);
            });
            await Bounded(Task.WhenAll(Enumerable.Range(0, sizes.Length).Select(k => Task.Run(async () =>
            {
                VnsSocket c = await bed.A.ConnectAsync(VnsTestBed.EndPointB(7004));
                await c.SendAsync(BitConverter.GetBytes(k));
                await SocketIo.SendPatternAsync(c, 40 + k, sizes[k], sizes[k], shutdown: true);
                // Dispose at once: closing must not lose what is still in flight either.
                await c.DisposeAsync();
            }))));
            (long, long)[] results = await Bounded(accept);
            finEarly += results.Sum(r => r.Item2);
        }
        _out.WriteLine($"FIN arrived before the last data on {finEarly} of {2 * sizes.Length} sockets");
    }

    // ---- 5 -------------------------------------------------------------------------------------------

    [Fact]
    public async Task T5_StalledReaderDoesNotSlowAnotherSocketOnTheSameChannels()
    {
        const int StalledBuffer = 512 << 10;
        await using VnsTestBed bed = await StartAsync(o =>
        {
            o.Scheduler.ThroughputChannels = new ChannelLimits { Initial = 2, Min = 2, Max = 2 };
            o.Scheduler.DynamicScaling = false;
        });
        await using VnsListener l = await bed.B.ListenAsync(7005, new VnsListenerOptions { ReceiveBufferSize = StalledBuffer });
        const long N = 12 << 20;

        async Task<double> Transfer(int seed)
        {
            (VnsSocket c, VnsSocket s) = await bed.ConnectAsync(7005, listener: l);
            var sw = Stopwatch.StartNew();
            Task<long> r = SocketIo.ReceivePatternAsync(s, seed, 1 << 18);
            await SocketIo.SendPatternAsync(c, seed, N, 1 << 20);
            Assert.Equal(N, await Bounded(r));
            double rate = N / sw.Elapsed.TotalSeconds;
            await c.DisposeAsync();
            await s.DisposeAsync();
            return rate;
        }

        // Warm up (JIT, pools), then a baseline, then the same transfer while a stalled socket shares the
        // channels; twice, best of each.
        await Transfer(499);
        double alone = 0, shared = 0;
        (VnsSocket stalledC, VnsSocket stalledS) = (null!, null!);
        Task stalledSend = Task.CompletedTask;
        using var cancelStalled = new CancellationTokenSource();
        for (int round = 0; round < 2; round++)
        {
            alone = Math.Max(alone, await Transfer(500 + round));
            if (round == 0)
            {
                (stalledC, stalledS) = await bed.ConnectAsync(7005, listener: l);
                stalledSend = SocketIo.SendPatternAsync(stalledC, 77, 64 << 20, 1 << 20, ct: cancelStalled.Token);
                // The stalled socket fills exactly its credit, then its sender waits.
                await Bounded(WaitUntil(() => stalledS.Counters.BytesReceived == StalledBuffer));
            }
            shared = Math.Max(shared, await Transfer(600 + round));
        }
        _out.WriteLine($"alone {alone / 1e6:0.0} MB/s, next to a stalled reader {shared / 1e6:0.0} MB/s");
        Assert.Equal(StalledBuffer, stalledS.Counters.BytesReceived);
        Assert.Equal(StalledBuffer, stalledC.Counters.BytesSent);
        Assert.False(stalledSend.IsCompleted);
        Assert.True(stalledC.Counters.CreditWaits > 0);
        Assert.True(shared >= 0.25 * alone, $"throughput next to a stalled reader fell to {shared / alone:P0} of the baseline");
        // The stalled reader resumes: everything arrives.
        cancelStalled.Cancel();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => stalledSend);
        await stalledC.DisposeAsync();
        await stalledS.DisposeAsync();
    }

    internal static async Task WaitUntil(Func<bool> condition)
    {
        while (!condition()) await Task.Delay(5);
    }

    // ---- 6 -------------------------------------------------------------------------------------------

    [Fact]
    public async Task T6a_ConnectToPortNobodyListensOnIsRefused()
    {
        await using VnsTestBed bed = await StartAsync();
        await using VnsListener other = await bed.B.ListenAsync(7106);
        SocketException e = await Assert.ThrowsAsync<SocketException>(() => Bounded(bed.A.ConnectAsync(VnsTestBed.EndPointB(7006)).AsTask()));
        Assert.Equal(SocketError.ConnectionRefused, e.SocketErrorCode);
        Assert.Equal(1, bed.A.Counters.ConnectsRefused);
        Assert.Equal(1, bed.B.Counters.SynsRefused);
        // The host is still usable.
        (VnsSocket c, VnsSocket s) = await bed.ConnectAsync(7106, listener: other);
        await c.DisposeAsync();
        await s.DisposeAsync();
    }

    [Fact]
    public async Task T6b_PeerThatDisappearsSurfacesAsAnError()
    {
        await using VnsTestBed bed = await StartAsync(o => o.Scheduler.KeepAliveInterval = DeviceTime(TimeSpan.FromMilliseconds(50)));
        (VnsSocket c, VnsSocket s) = await bed.ConnectAsync(7007);
        await SocketIo.SendPatternAsync(c, 5, 100_000, 100_000, shutdown: false);
        byte[] buf = new byte[200_000];
        Task<int> pending = c.ReceiveAsync(buf).AsTask(); // waits for data that will never come
        Task<int> sendBlocked = Task.Run(async () =>
        {
            // And a sender that waits for credit the vanished peer will never grant.
            return await c.SendAsync(new byte[8 << 20]);
        });
        await Bounded(WaitUntil(() => c.Counters.CreditWaits > 0));   // the sender waits for credit
        await DisappearAsync(bed);
        SocketException e = await Assert.ThrowsAsync<SocketException>(() => Bounded(pending));
        _out.WriteLine($"receive: {e.SocketErrorCode}: {e.Message}");
        await Assert.ThrowsAsync<SocketException>(() => Bounded(sendBlocked));
        await Assert.ThrowsAsync<SocketException>(async () => await c.ReceiveAsync(buf));
        await c.DisposeAsync();
    }

    /// <summary>Makes host B vanish without a word (no RST, no channel close).</summary>
    private protected abstract Task DisappearAsync(VnsTestBed bed);

    // ---- 8 -------------------------------------------------------------------------------------------

    [Fact]
    public async Task T8_LatencyAndThroughputNeverShareAChannelOrAWorker()
    {
        await using VnsTestBed bed = await StartAsync();
        (VnsSocket bc, VnsSocket bs) = await bed.ConnectAsync(7008);
        (VnsSocket lc, VnsSocket ls) = await bed.ConnectAsync(7009, new VnsSocketOptions { Class = TrafficClass.Latency });
        Assert.Equal(TrafficClass.Latency, ls.Class);
        // Bulk both ways on the throughput socket, big ping-pongs (worker-sized) on the latency one.
        Task bulk = Task.WhenAll(SocketIo.SendPatternAsync(bc, 1, 8 << 20, 1 << 20), SocketIo.ReceivePatternAsync(bs, 1, 1 << 18),
            SocketIo.SendPatternAsync(bs, 2, 8 << 20, 1 << 20), SocketIo.ReceivePatternAsync(bc, 2, 1 << 18));
        byte[] msg = Pattern.Make(3, 100_000), echo = new byte[msg.Length];
        var echoer = Task.Run(async () =>
        {
            byte[] b = new byte[msg.Length];
            for (int i = 0; i < 20; i++)
            {
                int got = 0;
                while (got < b.Length) got += await ls.ReceiveAsync(b.AsMemory(got));
                await ls.SendAsync(b);
            }
        });
        for (int i = 0; i < 20; i++)
        {
            await lc.SendAsync(msg);
            int got = 0;
            while (got < echo.Length) got += await Bounded(lc.ReceiveAsync(echo.AsMemory(got)).AsTask());
            Assert.Equal(msg, echo);
        }
        await Bounded(echoer);
        await Bounded(bulk);
        foreach (VnsHost h in new[] { bed.A, bed.B })
        {
            SchedulerSnapshot snap = h.Scheduler.Snapshot();
            foreach (ChannelStats ch in snap.Channels) _out.WriteLine($"{h.Options.Name} {ch}");
            foreach (CopyWorkerStats w in snap.Workers) _out.WriteLine($"{h.Options.Name} {w}");
            Assert.Contains(snap.Channels, ch => ch.Class == TrafficClass.Latency && ch.TxLatencyMessages > 0);
            Assert.Contains(snap.Channels, ch => ch.Class == TrafficClass.Throughput && ch.TxThroughputMessages > 0);
            foreach (ChannelStats ch in snap.Channels)
            {
                if (ch.Class == TrafficClass.Latency) Assert.True(ch.TxThroughputMessages == 0 && ch.RxThroughputMessages == 0, $"latency channel {ch.Id} carried throughput traffic");
                else Assert.True(ch.TxLatencyMessages == 0 && ch.RxLatencyMessages == 0, $"throughput channel {ch.Id} carried latency traffic");
            }
            Assert.Contains(snap.Workers, w => w.Class == TrafficClass.Latency && w.LatencyItems > 0);
            Assert.Contains(snap.Workers, w => w.Class == TrafficClass.Throughput && w.ThroughputItems > 0);
            foreach (CopyWorkerStats w in snap.Workers)
            {
                if (w.Class == TrafficClass.Latency) Assert.Equal(0, w.ThroughputItems);
                else Assert.Equal(0, w.LatencyItems);
            }
        }
        foreach (VnsSocket x in new[] { bc, bs, lc, ls }) await x.DisposeAsync();
    }

    // ---- 9 -------------------------------------------------------------------------------------------

    [Fact]
    public async Task T9_UnderSustainedLoadAClassGainsChannelsAndGivesThemBackWhenIdle()
    {
        await using VnsTestBed bed = await StartAsync(o =>
        {
            o.Scheduler.ThroughputChannels = new ChannelLimits { Initial = 1, Min = 1, Max = 4 };
            o.Scheduler.SampleInterval = TimeSpan.FromMilliseconds(5);
            o.Scheduler.ScaleUpSamples = 10;
            o.Scheduler.BusyQueuedBytes = 64 << 10;
            o.Scheduler.IdleRetireAfter = DeviceTime(TimeSpan.FromMilliseconds(300));
        });
        await using VnsListener l = await bed.B.ListenAsync(7010);
        int ActiveA() => bed.A.Scheduler.Snapshot().Groups.Where(g => g.Class == TrafficClass.Throughput).Sum(g => g.Active);
        Assert.Equal(0, ActiveA());
        using var stop = new CancellationTokenSource();
        var pairs = new List<(VnsSocket, VnsSocket)>();
        for (int i = 0; i < 4; i++) pairs.Add(await bed.ConnectAsync(7010, listener: l));
        Assert.Equal(1, ActiveA());
        // Sustained load until the class has gained channels (bounded by the test timeout, not timed).
        var load = pairs.Select((p, i) => Task.Run(async () =>
        {
            Task<long> r = SocketIo.ReceivePatternAsync(p.Item2, 900 + i, 1 << 18);
            byte[] buf = new byte[1 << 20];
            long off = 0;
            while (!stop.IsCancellationRequested)
            {
                Pattern.Fill(buf, 900 + i, off);
                await p.Item1.SendAsync(buf);
                off += buf.Length;
            }
            p.Item1.ShutdownSend();
            Assert.Equal(off, await r);
        })).ToArray();
        await Bounded(WaitUntil(() => ActiveA() >= 2 || load.Any(t => t.IsFaulted)));
        int peak = ActiveA();
        stop.Cancel();
        await Bounded(Task.WhenAll(load));
        foreach ((VnsSocket a, VnsSocket b) in pairs)
        {
            await a.DisposeAsync();
            await b.DisposeAsync();
        }
        // Idle: the extra channels are retired, down to the minimum.
        await Bounded(WaitUntil(() => ActiveA() == 1 && bed.A.Scheduler.Snapshot().Channels.Count(c => c.Class == TrafficClass.Throughput) == 1));
        SchedulerCounters ca = bed.A.Scheduler.Counters, cb = bed.B.Scheduler.Counters;
        _out.WriteLine($"peak {peak} channels; A: {ca}");
        _out.WriteLine($"B: {cb}");
        Assert.True(peak >= 2);
        Assert.True(ca.ScaleUps + cb.ScaleUps >= 1);
        Assert.True(ca.RetiresCompleted + cb.RetiresCompleted >= 1);
        Assert.Equal(0, ca.ChannelsLost + cb.ChannelsLost);
        // And the remaining channel still works.
        (VnsSocket c2, VnsSocket s2) = await bed.ConnectAsync(7010, listener: l);
        Task<long> rr = SocketIo.ReceivePatternAsync(s2, 3, 1 << 16);
        await SocketIo.SendPatternAsync(c2, 3, 1 << 20, 1 << 16);
        Assert.Equal(1 << 20, await Bounded(rr));
        await c2.DisposeAsync();
        await s2.DisposeAsync();
    }
}

/// <summary>The issue-4 suite over the in-memory network (reordering within and across channels).</summary>
public sealed class VnsSuiteInMemory : VnsSuite
{
    public VnsSuiteInMemory(ITestOutputHelper output) : base(output) { }

    protected override TransportKind Kind => TransportKind.InMemory;

    private protected override Task DisappearAsync(VnsTestBed bed)
    {
        bed.Net.Crash((NetChannel.Harness.InMemoryTransport)bed.TransportB);
        return Task.CompletedTask;
    }
}

/// <summary>The issue-4 suite over two NetDriver NicHosts on the loopback test device (issue 4, test 10 and
/// tests 6, 8, 9 on the loopback device).</summary>
public sealed class VnsSuiteLoopback : VnsSuite
{
    public VnsSuiteLoopback(ITestOutputHelper output) : base(output) { }

    protected override TransportKind Kind => TransportKind.Loopback;

    private protected override Task DisappearAsync(VnsTestBed bed)
    {
        bed.Pair.SetLinkUp(false); // the cable is cut: B neither answers nor acknowledges any more
        return Task.CompletedTask;
    }
}

/// <summary>The issue-4 suite over two NetDriver NicHosts on two simulated NICs: the nc_nic RTL under libncsim
/// with a free-running clock, joined by the simulated link (tests 1–6, 8, 9), plus test 7 — 5% loss,
/// reordering, duplication and corruption on the link — which only a link model can do.</summary>
[Collection("Simulator")]
public sealed class VnsSuiteSimulated : VnsSuite
{
    private readonly ITestOutputHelper _out;

    public VnsSuiteSimulated(ITestOutputHelper output) : base(output) => _out = output;

    protected override TransportKind Kind => TransportKind.Simulated;

    private protected override TimeSpan DeviceTime(TimeSpan atWallSpeed) => atWallSpeed / 100;

    private protected override Task DisappearAsync(VnsTestBed bed)
    {
        // NIC B is switched off (CTRL.enable = 0): its MAC goes idle and it drops every frame it receives,
        // so B neither answers nor acknowledges any more — the host vanished with its card.
        bed.Sim.Nic1.WriteRegister((uint)NetChannel.Wire.Registers.Ctrl, 0);
        return Task.CompletedTask;
    }

    // ---- 7 -------------------------------------------------------------------------------------------

    [Fact]
    public async Task T7_LossReorderDuplicationAndCorruptionOnTheLinkEverySocketByteExact()
    {
        SimulationOptions sim = VnsTestBed.SimOptions(seed: 7) with { Loss = 0.05, Reorder = 0.05, Duplicate = 0.01, Corrupt = 0.01 };
        await using VnsTestBed bed = await VnsTestBed.StartAsync(TransportKind.Simulated, o =>
        {
            o.Scheduler.ThroughputChannels = new ChannelLimits { Initial = 2, Min = 2, Max = 2 };
            o.Scheduler.DynamicScaling = false;
        }, sim: sim);
        await using VnsListener l = await bed.B.ListenAsync(7011, new VnsListenerOptions { Backlog = 16 });
        const int Sockets = 8;
        var pairs = new List<(VnsSocket C, VnsSocket S)>();
        for (int i = 0; i < Sockets; i++) pairs.Add(await bed.ConnectAsync(7011, i % 4 == 3 ? new VnsSocketOptions { Class = TrafficClass.Latency } : null, l));
        long[] sizes = [1 << 20, 3 << 20, 1, 0, 250_000, 2 << 20, 9001, 777_777];
        var work = new List<Task<long>>();
        var sends = new List<Task>();
        for (int i = 0; i < Sockets; i++)
        {
            (VnsSocket c, VnsSocket s) = pairs[i];
            sends.Add(SocketIo.SendPatternAsync(c, 300 + i, sizes[i], 100_000));
            sends.Add(SocketIo.SendPatternAsync(s, 400 + i, sizes[Sockets - 1 - i], 64_000));
            work.Add(SocketIo.ReceivePatternAsync(s, 300 + i, 1 << 16));
            work.Add(SocketIo.ReceivePatternAsync(c, 400 + i, 1 << 16));
        }
        await Task.WhenAll(sends).WaitAsync(VnsTestBed.TestTimeout);
        long[] got = await Task.WhenAll(work).WaitAsync(VnsTestBed.TestTimeout);
        for (int i = 0; i < Sockets; i++)
        {
            Assert.Equal(sizes[i], got[2 * i]);
            Assert.Equal(sizes[Sockets - 1 - i], got[2 * i + 1]);
        }
        LinkStatistics link = bed.Sim.GetLinkStatistics();
        _out.WriteLine($"link: {link}");
        ulong retransmits = 0;
        foreach (ITransportHost t in new[] { bed.TransportA, bed.TransportB })
            retransmits += ((NicTransport)t).NicHost.ReadCounters().Retransmits;
        _out.WriteLine($"NIC retransmissions: {retransmits}, cycles {bed.Sim.Cycles}");
        Assert.True(link.Nic0ToNic1.Dropped > 0 && link.Nic1ToNic0.Dropped > 0, "the link lost nothing: the fault model was not applied");
        Assert.True(link.Nic0ToNic1.Corrupted + link.Nic1ToNic0.Corrupted > 0, "the link corrupted nothing");
        Assert.True(retransmits > 0, "losses were repaired without a single retransmission");
        Assert.Null(bed.Sim.LastError);
        foreach ((VnsSocket c, VnsSocket s) in pairs)
        {
            await c.DisposeAsync();
            await s.DisposeAsync();
        }
    }
}
