using System;
using System.Runtime.InteropServices;
using System.Threading;
using System.Threading.Tasks;
using BenchmarkDotNet.Attributes;
using NetChannel.Copy;
using NetChannel.Device.Loopback;
using NetChannel.Driver;
using NetChannel.Harness;
using NetChannel.Scheduling;
using NetChannel.Vns;
using NetChannel.Wire;

namespace NetChannel.Benchmarks;

// Section 3 of issue 5: micro-benchmarks of the data path with BenchmarkDotNet, each with [MemoryDiagnoser].
// Every data-path operation must allocate 0 bytes in steady state (docs/host-runtime.md, docs/vns.md).
// Categories name the operation the issue lists.

/// <summary>The C# wire model: build and parse a frame (1500-byte payload) — the header path in software.</summary>
[MemoryDiagnoser]
public class FrameBenchmarks
{
    private byte[] _frame = [];
    private byte[] _payload = [];
    private FrameHeader _header;
    private ParserOptions _opts;
    private int _len;

    /// <summary>A header addressed to the parser's local address and a 1500-byte payload.</summary>
    [GlobalSetup]
    public void Setup()
    {
        _opts = new ParserOptions(true, 0x02_4E_43_00_00_02UL, 0x0A_00_00_02);
        var g = new FrameGenerator(1, _opts);
        _header = g.NextHeader(1500);
        _payload = g.NextPayload(1500);
        _frame = new byte[Spec.MaxFrameBytes];
        _len = FrameBuilder.Build(_frame, _header, _payload);
    }

    /// <summary>Builds a complete frame (headers with checksum, payload copied).</summary>
    [Benchmark]
    [BenchmarkCategory("frame build")]
    public int Build() => FrameBuilder.Build(_frame, _header, _payload);

    /// <summary>Parses and validates a frame (every check of docs/protocol.md).</summary>
    [Benchmark]
    [BenchmarkCategory("frame parse")]
    public DropReason Parse() => FrameParser.Parse(_frame.AsSpan(0, _len), _opts, out _, out _);
}

/// <summary>Descriptor ring post and completion ring poll as the driver does them on DMA memory (no
/// device): write a Tx descriptor into its slot, then read a completion entry after its phase bit.</summary>
[MemoryDiagnoser]
public unsafe class RingBenchmarks
{
    private const int Entries = 128;
    private byte* _tx;
    private byte* _cpl;
    private int _prod, _cons;

    /// <summary>Rings in native memory; every completion entry carries the phase bit of the first pass.</summary>
    [GlobalSetup]
    public void Setup()
    {
        _tx = (byte*)NativeMemory.AlignedAlloc(Entries * TxDescriptor.Size, 4096);
        _cpl = (byte*)NativeMemory.AlignedAlloc(2 * Entries * Completion.Size, 4096);
        NativeMemory.Clear(_tx, Entries * TxDescriptor.Size);
        NativeMemory.Clear(_cpl, 2 * Entries * Completion.Size);
        for (int i = 0; i < 2 * Entries; i++) _cpl[i * Completion.Size + Completion.Size - 1] = Spec.PhaseBit;
    }

    /// <summary>Frees the rings.</summary>
    [GlobalCleanup]
    public void Cleanup()
    {
        NativeMemory.AlignedFree(_tx);
        NativeMemory.AlignedFree(_cpl);
    }

    /// <summary>One descriptor written (post) and one completion consumed (poll).</summary>
    [Benchmark]
    [BenchmarkCategory("ring post/poll")]
    public ushort PostAndPoll()
    {
        var d = new TxDescriptor { Addr = 0x1000_0000UL + (ulong)_prod * 9024, Len = 64, Tag = (ushort)_prod, SrcPort = 1, DstPort = 2, Seq = (uint)_prod, Grant = 1 << 20, MsgType = NetChannelType.Data };
        d.Write(new Span<byte>(_tx + (_prod & (Entries - 1)) * TxDescriptor.Size, TxDescriptor.Size));
        _prod++;
        byte* e = _cpl + (_cons & (2 * Entries - 1)) * Completion.Size;
        byte expect = ((_cons >> 8) & 1) == 0 ? Spec.PhaseBit : (byte)0;
        if ((Volatile.Read(ref e[Completion.Size - 1]) & Spec.PhaseBit) != expect)
        {
            // wrapped: flip the phase of the whole ring, as the device would on its next pass
            for (int i = 0; i < 2 * Entries; i++) _cpl[i * Completion.Size + Completion.Size - 1] ^= Spec.PhaseBit;
        }
        Completion c = Completion.Read(new ReadOnlySpan<byte>(e, Completion.Size));
        _cons++;
        return c.Index;
    }
}

/// <summary>The whole driver data path on the loopback test device: reserve, commit (descriptor, doorbell),
/// the device's copy, completion processing on both hosts' pollers, delivery to the sink, release — per
/// 64-byte message, measured over batches of 256 (throughput, threads included).</summary>
[MemoryDiagnoser]
public class DriverBenchmarks : IMessageSink
{
    private LoopbackDevicePair? _pair;
    private NicHost? _a, _b;
    private Channel? _ch;
    private long _delivered;
    private long _sent;

    /// <inheritdoc />
    public void OnChannelOpened(Channel channel) { }

    /// <inheritdoc />
    public void OnChannelDown(Channel channel, Exception error) { }

    /// <inheritdoc />
    public void OnMessage(Channel channel, in NcMessage message, RxBuffer payload)
    {
        payload.Release();
        Interlocked.Increment(ref _delivered);
    }

    /// <summary>Two hosts, one throughput channel, busy-polling pollers.</summary>
    [GlobalSetup]
    public void Setup()
    {
        var addrA = new PeerAddress(0x02_4E_43_00_07_01UL, 0x0A_00_00_01);
        var addrB = new PeerAddress(0x02_4E_43_00_07_02UL, 0x0A_00_00_02);
        _pair = new LoopbackDevicePair(new LoopbackOptions { Channels = 64 });
        var oa = new NicHostOptions { Mac = addrA.Mac, Ip = addrA.Ip, MaxChannels = 8 };
        oa.Neighbors[addrB.Ip] = addrB.Mac;
        _a = NicHost.StartAsync(_pair.A, oa, this).AsTask().GetAwaiter().GetResult();
        _b = NicHost.StartAsync(_pair.B, new NicHostOptions { Mac = addrB.Mac, Ip = addrB.Ip, MaxChannels = 8 }, this).AsTask().GetAwaiter().GetResult();
        _ch = _a.OpenChannelAsync(addrB, ChannelClass.Throughput).AsTask().GetAwaiter().GetResult();
    }

    /// <summary>Stops both hosts.</summary>
    [GlobalCleanup]
    public void Cleanup()
    {
        _a!.DisposeAsync().AsTask().GetAwaiter().GetResult();
        _b!.DisposeAsync().AsTask().GetAwaiter().GetResult();
        _pair!.Dispose();
    }

    /// <summary>256 messages of 64 bytes sent and delivered.</summary>
    [Benchmark(OperationsPerInvoke = 256)]
    [BenchmarkCategory("ring post/poll")]
    public void SendDeliver64B()
    {
        Channel ch = _ch!;
        var msg = new NcMessage(1, 2, 0, 0, NetChannelType.Data);
        for (int i = 0; i < 256; i++)
        {
            TxSlot s;
            while (!ch.TryReserve(out s)) Thread.SpinWait(20);
            s.Buffer[0] = (byte)i;
            ch.Commit(s, msg, 64);
        }
        _sent += 256;
        while (Interlocked.Read(ref _delivered) < _sent) Thread.SpinWait(20);
    }
}

/// <summary>The NetScheduler's decisions on a live host: chunk → channel among 4 channels (round-robin
/// policy, reservation taken and returned) and copy → worker among 2.</summary>
[MemoryDiagnoser]
public class SchedulerBenchmarks
{
    private VnsPair? _p;
    private ChannelGroup? _group;

    /// <summary>Two hosts with 4 throughput channels between them.</summary>
    [GlobalSetup]
    public void Setup()
    {
        _p = VnsPair.StartAsync(o =>
        {
            o.Scheduler.DynamicScaling = false;
            o.Scheduler.ThroughputChannels = new ChannelLimits { Initial = 4, Min = 4, Max = 4 };
            o.CopyWorkers.ThroughputWorkers = 2;
        }).GetAwaiter().GetResult();
        (VnsSocket c, VnsSocket _) = _p.ConnectAsync(TrafficClass.Throughput).GetAwaiter().GetResult();
        _group = c.Group;
        for (int i = 0; i < 200 && _group.Active.Length < 4; i++) Thread.Sleep(10);
        if (_group.Active.Length != 4) throw new InvalidOperationException($"expected 4 channels, have {_group.Active.Length}");
    }

    /// <summary>Stops both hosts.</summary>
    [GlobalCleanup]
    public void Cleanup() => _p!.DisposeAsync().AsTask().GetAwaiter().GetResult();

    /// <summary>One chunk → channel decision (and its reservation returned).</summary>
    [Benchmark]
    [BenchmarkCategory("scheduler decision")]
    public int SelectChannel()
    {
        ScheduledChannel sc = _p!.A.Scheduler.SelectChannel(_group!, 12345)!;
        sc.Exit();
        return sc.Transport.Id;
    }

    /// <summary>One copy → worker decision for a 64 KiB copy.</summary>
    [Benchmark]
    [BenchmarkCategory("scheduler decision")]
    public int SelectWorker() => _p!.A.Scheduler.SelectWorker(TrafficClass.Throughput, 65536, 32768)!.Index;
}

/// <summary>Copy-worker hand-off: enqueue a (64-byte) copy request on a worker thread and see it executed,
/// over batches of 64.</summary>
[MemoryDiagnoser]
public class CopyWorkerBenchmarks
{
    private sealed class Item : CopyWorkItem
    {
        public readonly byte[] Src = new byte[64], Dst = new byte[64];
        public long Done;

        public override void Execute()
        {
            Src.AsSpan().CopyTo(Dst);
            Interlocked.Increment(ref Done);
        }
    }

    private CopyWorker? _w;
    private readonly Item[] _items = new Item[64];
    private long _expected;

    /// <summary>One worker thread.</summary>
    [GlobalSetup]
    public void Setup()
    {
        _w = new CopyWorker(0, TrafficClass.Throughput, null, "bench copy worker");
        _w.Start();
        for (int i = 0; i < _items.Length; i++) _items[i] = new Item { Class = TrafficClass.Throughput, Bytes = 64 };
    }

    /// <summary>Stops the worker.</summary>
    [GlobalCleanup]
    public void Cleanup() => _w!.Stop();

    /// <summary>64 requests handed to the worker and executed.</summary>
    [Benchmark(OperationsPerInvoke = 64)]
    [BenchmarkCategory("copy-worker hand-off")]
    public void HandOff()
    {
        foreach (Item it in _items) _w!.Enqueue(it);
        _expected++;
        foreach (Item it in _items)
            while (Interlocked.Read(ref it.Done) < _expected) Thread.SpinWait(10);
    }
}

/// <summary>Reorder-buffer insert: chunks of one virtual socket arriving out of order (each batch of 8
/// 512-byte chunks in reverse order) are placed into the socket's receive ring, then the application reads
/// them in order.</summary>
[MemoryDiagnoser]
public class ReorderBenchmarks : IRxPayloadOwner
{
    private readonly byte[] _chunk = new byte[512];
    private readonly byte[] _read = new byte[8 * 512];
    private VnsPair? _p;
    private VnsSocket? _s;
    private long _offset;

    /// <inheritdoc />
    public ReadOnlySpan<byte> GetRxSpan(int token, int length) => _chunk.AsSpan(0, length);

    /// <inheritdoc />
    public void ReleaseRx(int token) { }

    /// <summary>A connected socket pair; chunks are injected into the server socket's receive buffer.</summary>
    [GlobalSetup]
    public void Setup()
    {
        _p = VnsPair.StartAsync(o => o.Scheduler.DynamicScaling = false).GetAwaiter().GetResult();
        (VnsSocket _, VnsSocket s) = _p.ConnectAsync(TrafficClass.Throughput).GetAwaiter().GetResult();
        _s = s;
    }

    /// <summary>Stops both hosts.</summary>
    [GlobalCleanup]
    public void Cleanup() => _p!.DisposeAsync().AsTask().GetAwaiter().GetResult();

    /// <summary>8 chunks inserted out of order, then read (per chunk).</summary>
    [Benchmark(OperationsPerInvoke = 8)]
    [BenchmarkCategory("reorder-buffer insert")]
    public int InsertOutOfOrder()
    {
        VnsSocket s = _s!;
        for (int k = 7; k >= 0; k--)
        {
            uint wire = Seq.ToWire(s.Isn, _offset + k * 512);
            s.Receive.OnData(wire, new RxPayload(this, k, 512), s.Group.Active[0], TrafficClass.Throughput, _p!.B);
        }
        _offset += 8 * 512;
        int got = 0;
        while (got < _read.Length)
        {
            ValueTask<int> v = s.ReceiveAsync(_read.AsMemory(got));
            // Every 17th receive in a row completes through the thread pool (fairness, vns.md): wait for it
            // without AsTask, whose Task would be the benchmark's own allocation.
            while (!v.IsCompleted) Thread.SpinWait(20);
            got += v.Result;
        }
        return got;
    }
}
