using System;
using System.Collections.Generic;
using System.Diagnostics.Metrics;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using NetChannel.Copy;
using NetChannel.Scheduling;
using NetChannel.Vns;

namespace NetChannel.Tests.Vns;

/// <summary>A channel whose queue the test sets.</summary>
internal sealed class StubChannel : ITransportChannel
{
    public StubChannel(int id) => Id = id;
    public int Id { get; }
    public uint PeerIp => 1;
    public TrafficClass Class => TrafficClass.Throughput;
    public bool IsOpen => true;
    public int MaxPayload => 9000;
    public long QueuedBytes { get; set; }
    public int QueuedMessages => 0;
    public bool TryReserve(out TxLease lease) { lease = default; return false; }
    public ValueTask<TxLease> ReserveAsync(CancellationToken cancellationToken) => throw new NotSupportedException();
    public Span<byte> GetTxBuffer(int token) => default;
    public void Commit(in TxLease lease, in MessageHeader header, int length) { }
    public ValueTask CloseAsync(CancellationToken cancellationToken) => default;
    public ReadOnlySpan<byte> GetRxSpan(int token, int length) => default;
    public void ReleaseRx(int token) { }
}

internal sealed class NopItem : CopyWorkItem
{
    public readonly ManualResetEventSlim Done = new();
    public int[] Cpus = [];
    public override void Execute()
    {
        Cpus = CpuAffinity.GetCurrentThread();
        Done.Set();
    }
}

public class SchedulingTests
{
    private static (ScheduledChannel[] Channels, StubChannel[] Stubs) Channels(int n)
    {
        var stubs = Enumerable.Range(1, n).Select(i => new StubChannel(i)).ToArray();
        return (stubs.Select(s => new ScheduledChannel(s, null!, null!, true)).ToArray(), stubs);
    }

    [Fact]
    public void RoundRobinStaysForStickyChunksSkipsBusyChannelsAndFallsBackToTheLeastQueued()
    {
        (ScheduledChannel[] chans, StubChannel[] stubs) = Channels(3);
        var p = new RoundRobinChannelPolicy(stickyChunks: 2, skipQueuedBytes: 1000);
        var cur = new PolicyCursor();
        int[] picks = Enumerable.Range(0, 8).Select(_ => p.Select(new ChannelView(chans), ref cur, 0, false).Index).ToArray();
        Assert.Equal(new[] { 0, 0, 1, 1, 2, 2, 0, 0 }, picks);
        stubs[1].QueuedBytes = 5000; // over the threshold: skipped
        Selection s = p.Select(new ChannelView(chans), ref cur, 0, false);
        Assert.Equal(2, s.Index); // the cursor points at channel 1, which is skipped
        Assert.Equal(1, s.Skipped);
        foreach (StubChannel st in stubs) st.QueuedBytes = 5000;
        stubs[2].QueuedBytes = 4000;
        Selection all = p.Select(new ChannelView(chans), ref cur, 0, false);
        Assert.True(all.AllBusy);
        Assert.Equal(2, all.Index);
        stubs[0].QueuedBytes = 10;
        Assert.Equal(0, p.Select(new ChannelView(chans), ref cur, 0, control: true).Index); // control: least queued
    }

    [Fact]
    public void HashPolicyKeepsOneSocketOnOneChannel()
    {
        (ScheduledChannel[] chans, _) = Channels(4);
        var p = new HashChannelPolicy();
        var cur = new PolicyCursor();
        for (int h = 0; h < 50; h++)
        {
            int first = p.Select(new ChannelView(chans), ref cur, h * 7919, false).Index;
            for (int k = 0; k < 5; k++) Assert.Equal(first, p.Select(new ChannelView(chans), ref cur, h * 7919, false).Index);
        }
    }

    [Fact]
    public void WorkerPolicySkipsBusyWorkersAndGoesInlineWhenAllAreBusy()
    {
        var workers = new[] { new CopyWorker(0, TrafficClass.Throughput, null, "t0"), new CopyWorker(1, TrafficClass.Throughput, null, "t1") };
        var p = new RoundRobinWorkerPolicy(skipQueuedBytes: 100);
        var cur = new PolicyCursor();
        Assert.NotEqual(p.Select(new WorkerView(workers), ref cur, 10).Index, p.Select(new WorkerView(workers), ref cur, 10).Index);
        workers[0].Enqueue(new NopItem { Bytes = 500 }); // not started: stays queued
        for (int i = 0; i < 4; i++) Assert.Equal(1, p.Select(new WorkerView(workers), ref cur, 10).Index);
        workers[1].Enqueue(new NopItem { Bytes = 500 });
        Selection s = p.Select(new WorkerView(workers), ref cur, 10);
        Assert.Equal(-1, s.Index);
        Assert.True(s.AllBusy);
    }

    [Fact]
    public void WorkersCanBePinnedToACpu()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => CpuAffinity.SetCurrentThread(1024));
        if (!CpuAffinity.IsSupported) return;
        int cpu = CpuAffinity.GetCurrentThread()[0];
        using var pool = new CopyWorkerPool(new CopyWorkerOptions { ThroughputWorkers = 1, LatencyWorkers = 1, PinThreads = true, Cpus = [cpu] });
        var item = new NopItem { Bytes = 1, Class = TrafficClass.Latency };
        pool.LatencyWorkers[0].Enqueue(item);
        Assert.True(item.Done.Wait(VnsTestBed.TestTimeout));
        Assert.Equal(new[] { cpu }, item.Cpus);
        CopyWorkerStats st = pool.Snapshot()[1];
        Assert.True(st.Pinned);
        Assert.Equal(cpu, st.Cpu);
        Assert.Equal(TrafficClass.Latency, st.Class);
        // A CPU the process may not use is refused with EINVAL, not ignored.
        var t = new Thread(() => Assert.Equal(22, CpuAffinity.SetCurrentThread(1023)));
        t.Start();
        t.Join();
    }

    [Fact]
    public async Task MetricsReportTraffic()
    {
        await using VnsTestBed bed = await VnsTestBed.StartAsync(TransportKind.InMemory);
        (VnsSocket c, VnsSocket s) = await bed.ConnectAsync(7400);
        Task<long> r = SocketIo.ReceivePatternAsync(s, 1, 1 << 16);
        await SocketIo.SendPatternAsync(c, 1, 1 << 20, 1 << 18);
        Assert.Equal(1 << 20, await r.WaitAsync(VnsTestBed.TestTimeout));
        var seen = new Dictionary<string, long>();
        using var listener = new MeterListener();
        listener.InstrumentPublished = (inst, l) => { if (inst.Meter == bed.A.Meter) l.EnableMeasurementEvents(inst); };
        listener.SetMeasurementEventCallback<long>((inst, value, tags, _) => { lock (seen) seen[inst.Name] = seen.GetValueOrDefault(inst.Name) + value; });
        listener.Start();
        listener.RecordObservableInstruments();
        Assert.Equal(1 << 20, seen["netchannel.vns.sent"]);
        Assert.Equal(1, seen["netchannel.vns.connects"]);
        Assert.True(seen["netchannel.scheduler.channel_selections"] > 100);
        Assert.True(seen["netchannel.copy.bytes"] > 0);
        Assert.Equal(2, seen["netchannel.scheduler.channels"]);
        Assert.Contains(bed.A.Meter.Tags!, t => t.Key == "netchannel.host" && (string?)t.Value == "A");
        await c.DisposeAsync();
        await s.DisposeAsync();
    }
}

/// <summary>Runs after and apart from every parallel test: it measures the whole process's allocations.</summary>
[CollectionDefinition(nameof(VnsAllocationTests), DisableParallelization = true)]
public sealed class VnsAllocationCollection;

[Collection(nameof(VnsAllocationTests))]
public class VnsAllocationTests
{
    private readonly Xunit.Abstractions.ITestOutputHelper _out;

    public VnsAllocationTests(Xunit.Abstractions.ITestOutputHelper output) => _out = output;

    [Theory]
    [InlineData(TransportKind.InMemory)]
    [InlineData(TransportKind.Loopback)]
    public async Task SteadyStateSendAndReceiveDoNotAllocate(TransportKind kind)
    {
        await using VnsTestBed bed = await VnsTestBed.StartAsync(kind, o => o.Scheduler.DynamicScaling = false);
        (VnsSocket c, VnsSocket s) = await bed.ConnectAsync(7401);
        byte[] small = new byte[8 << 10], big = new byte[256 << 10], rbuf = new byte[64 << 10];
        async Task Run(int rounds)
        {
            for (int i = 0; i < rounds; i++)
            {
                byte[] m = (i & 1) == 0 ? small : big;
                ValueTask<int> send = c.SendAsync(m);
                int got = 0;
                while (got < m.Length) got += await s.ReceiveAsync(rbuf);
                await send;
            }
        }
        await Run(400); // warm-up: JIT, pools, ring buffers
        // Six windows of 400 send+receive pairs, whole process (every thread). An allocation per operation
        // shows in every window; what background threads allocate by the clock (the driver's control tick)
        // or now and then (thread-pool housekeeping) does not: the quietest window is the steady state.
        const int Windows = 6, Rounds = 400;
        var perWindow = new long[Windows];
        for (int w = 0; w < Windows; w++)
        {
            long a0 = GC.GetTotalAllocatedBytes(precise: true);
            await Run(Rounds);
            perWindow[w] = (GC.GetTotalAllocatedBytes(precise: true) - a0) / Rounds;
        }
        long perOp = perWindow.Min();
        _out.WriteLine($"{kind}: {perOp} bytes per send+receive in the quietest window (8 KiB inline / 256 KiB on workers, alternating), " +
            $"whole process; windows: {string.Join(", ", perWindow)}");
        Assert.True(perOp < 32, $"{perOp} bytes allocated per send+receive in steady state");
        await c.DisposeAsync();
        await s.DisposeAsync();
    }
}
