using System;
using System.Threading.Tasks;
using NetChannel.Device;
using NetChannel.Device.Loopback;
using NetChannel.Driver;
using NetChannel.Wire;

namespace NetChannel.Tests.Driver;

/// <summary>API misuse and bad configuration get exceptions that say what was wrong.</summary>
public sealed class NicHostMisuseTests
{
    private static NicHostOptions Good() => HostPair.Options(HostPair.AddrA, HostPair.AddrB);

    public static TheoryData<string, Action<NicHostOptions>> BadOptions() => new()
    {
        { "Mac", o => o.Mac = 0 },
        { "Mac", o => o.Mac = 0x01_00_5E_00_00_01UL },          // multicast
        { "Mac", o => o.Mac = 1UL << 50 },                     // wider than 48 bits
        { "Ip", o => o.Ip = 0 },
        { "Neighbors", o => o.Neighbors[0x0A000005] = 0 },
        { "MaxChannels", o => o.MaxChannels = 0 },
        { "TxRingLog", o => o.TxRingLog = 0 },
        { "RxRingLog", o => o.RxRingLog = 15 },
        { "RxPoolBuffers", o => o.RxPoolBuffers = 32 },        // not more than the 32-entry ring
        { "MaxPayload", o => o.MaxPayload = Spec.MaxPayloadBytes + 1 },
        { "ThroughputPollers", o => o.ThroughputPollers = 0 },
        { "PollBudget", o => o.PollBudget = 0 },
        { "OpenTimeout", o => o.OpenTimeout = TimeSpan.Zero },
        { "KeepAliveInterval", o => { o.LivenessTimeout = TimeSpan.FromSeconds(1); o.KeepAliveInterval = TimeSpan.FromSeconds(2); } },
        { "RetryLimit", o => o.RetryLimit = 0 },
        { "IdleSpin", o => o.IdleSpin = TimeSpan.FromTicks(-1) },
    };

    [Theory]
    [MemberData(nameof(BadOptions))]
    public async Task BadOptionsAreRejectedNamingTheSetting(string name, Action<NicHostOptions> spoil)
    {
        using var dev = new LoopbackDevicePair();
        NicHostOptions o = Good();
        spoil(o);
        var e = await Assert.ThrowsAnyAsync<ArgumentException>(async () => await NicHost.StartAsync(dev.A, o, new RecordingSink()));
        Assert.Equal(name, e.ParamName);
    }

    [Fact]
    public async Task OptionsBeyondTheDeviceAreRejected()
    {
        using var dev = new LoopbackDevicePair(new LoopbackOptions { Channels = 8, EventQueues = 3, MaxRingLog = 6 });
        NicHostOptions o = Good();
        o.ManagementRingLog = 4;
        o.MaxChannels = 9;
        var e = await Assert.ThrowsAnyAsync<ArgumentException>(async () => await NicHost.StartAsync(dev.A, o, new RecordingSink()));
        Assert.Contains("CAP_CHANNELS", e.Message);
        o = Good();
        o.ManagementRingLog = 4;
        o.MaxChannels = 8;
        o.ThroughputPollers = 2;
        e = await Assert.ThrowsAnyAsync<ArgumentException>(async () => await NicHost.StartAsync(dev.A, o, new RecordingSink()));
        Assert.Contains("event queues", e.Message);
        o = Good();
        o.ManagementRingLog = 4;
        o.MaxChannels = 8;
        o.TxRingLog = 6; // completion ring 7 > 6
        e = await Assert.ThrowsAnyAsync<ArgumentException>(async () => await NicHost.StartAsync(dev.A, o, new RecordingSink()));
        Assert.Contains("CAP_RING_LOG", e.Message);
    }

    [Fact]
    public async Task NullArgumentsAndForeignDevicesAreRejected()
    {
        using var dev = new LoopbackDevicePair();
        await Assert.ThrowsAsync<ArgumentNullException>(async () => await NicHost.StartAsync(null!, Good(), new RecordingSink()));
        await Assert.ThrowsAsync<ArgumentNullException>(async () => await NicHost.StartAsync(dev.A, null!, new RecordingSink()));
        await Assert.ThrowsAsync<ArgumentNullException>(async () => await NicHost.StartAsync(dev.A, Good(), null!));
        var e = await Assert.ThrowsAsync<DeviceException>(async () => await NicHost.StartAsync(new NotANic(), Good(), new RecordingSink()));
        Assert.Contains("ID_MAGIC", e.Message);
    }

    private sealed class NotANic : INicDevice
    {
        public string Description => "not a NIC";
        public uint ReadRegister(uint address) => 0xDEADBEEF;
        public void WriteRegister(uint address, uint value) { }
        public DmaRegion AllocateDma(int length) => throw new NotSupportedException();
        public void SetInterruptHandler(Action<int>? handler) { }
        public ulong ClockCycles => 0;
        public double ClockHz => 1;
        public void Dispose() { }
    }

    [Fact]
    public async Task BadPeersAreRejected()
    {
        await using HostPair p = await HostPair.StartAsync();
        Assert.Throws<ArgumentException>(() => { _ = p.A.OpenChannelAsync(new PeerAddress(0, 5), ChannelClass.Throughput); });
        Assert.Throws<ArgumentException>(() => { _ = p.A.OpenChannelAsync(new PeerAddress(0xFF_FF_FF_FF_FF_FFUL, 5), ChannelClass.Throughput); });
        Assert.Throws<ArgumentException>(() => { _ = p.A.OpenChannelAsync(new PeerAddress(0x02_00_00_00_00_05UL, 0), ChannelClass.Throughput); });
        Assert.Throws<ArgumentException>(() => { _ = p.A.OpenChannelAsync(HostPair.AddrA, ChannelClass.Throughput); });
        Assert.Throws<ArgumentOutOfRangeException>(() => { _ = p.A.OpenChannelAsync(HostPair.AddrB, (ChannelClass)7); });
        var e = Assert.Throws<ArgumentException>(() => { _ = p.A.OpenChannelAsync(0x0A_09_09_09u, ChannelClass.Throughput); });
        Assert.Contains("neighbour table", e.Message);
    }

    [Fact]
    public async Task MisusedSlotsAndBuffersThrow()
    {
        await using HostPair p = await HostPair.StartAsync();
        var (a, b) = await p.OpenAsync();
        var (a2, _) = await p.OpenAsync();
        var msg = new NcMessage(1, 2, 3, 4, NetChannelType.Data);
        Assert.Throws<ArgumentException>(() => a.Commit(default, msg, 1));
        Assert.Throws<InvalidOperationException>(() => default(TxSlot).Buffer.Length);
        Assert.True(a.TryReserve(out TxSlot s));
        Assert.Equal(9000, s.Buffer.Length);
        Assert.Equal(9000, s.Capacity);
        Assert.Throws<ArgumentException>(() => a2.Commit(s, msg, 1));                       // another channel's slot
        Assert.Throws<ArgumentOutOfRangeException>(() => a.Commit(s, msg, 9001));
        Assert.Throws<ArgumentOutOfRangeException>(() => a.Commit(s, msg, -1));
        Assert.Throws<ArgumentException>(() => a.Commit(s, msg, 0));                        // empty DATA
        Assert.Throws<ArgumentException>(() => a.Commit(s, msg with { Type = (NetChannelType)9 }, 1));
        RxBuffer kept = default;
        p.SinkB.Handler = (ch, m, buf) => kept = buf;
        Assert.Equal(s.Index, a.GetReservedSlot(s.Index).Index); // the adapter handle round-trips
        Assert.Throws<ArgumentException>(() => a.GetReservedSlot(s.Index + 1));
        a.Commit(s, msg, 1);
        Assert.Throws<ArgumentException>(() => a.GetReservedSlot(s.Index));
        var twice = Assert.Throws<InvalidOperationException>(() => a.Commit(s, msg, 1));
        Assert.Contains("already committed", twice.Message);

        Assert.True(await p.SinkB.WaitUntilAsync(() => p.SinkB.Count == 1));
        Assert.Equal(1, kept.Span.Length);
        Assert.InRange(kept.Id, 0, b.RxPoolBuffers - 1);
        kept.Release();
        Assert.Throws<ObjectDisposedException>(() => kept.Span.Length);
        Assert.Throws<InvalidOperationException>(() => kept.Release());
        Assert.Throws<InvalidOperationException>(() => default(RxBuffer).Release());

        await a.CloseAsync();
        Assert.Throws<InvalidOperationException>(() => a.ReadNicCounters());
        var closed = Assert.Throws<NetChannelException>(() => a.TryReserve(out _));
        Assert.Equal(NetChannelError.Closed, closed.Error);
        await a.CloseAsync(); // idempotent
    }

    [Fact]
    public async Task ADisposedHostRefusesFurtherUse()
    {
        await using HostPair p = await HostPair.StartAsync();
        var (a, b) = await p.OpenAsync();
        Assert.True(a.TryReserve(out TxSlot held)); // a slot held across the shutdown
        await p.A.DisposeAsync();
        await p.A.DisposeAsync(); // idempotent
        Assert.Throws<ObjectDisposedException>(() => { _ = p.A.OpenChannelAsync(HostPair.AddrB, ChannelClass.Throughput); });
        Assert.Throws<ObjectDisposedException>(() => p.A.ReadCounters());
        var e = Assert.Throws<NetChannelException>(() => a.Commit(held, new NcMessage(1, 1, 1, 1, NetChannelType.Data), 1));
        Assert.Equal(NetChannelError.Shutdown, e.Error);
        Assert.Equal(ChannelState.Failed, a.State);
        Assert.True(await p.SinkB.WaitUntilAsync(() => !p.SinkB.Down.IsEmpty));
    }
}
