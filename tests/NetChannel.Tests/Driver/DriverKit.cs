using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;
using NetChannel.Device;
using NetChannel.Device.Loopback;
using NetChannel.Device.Simulated;
using NetChannel.Driver;
using NetChannel.Harness;
using NetChannel.Wire;

namespace NetChannel.Tests.Driver;

/// <summary>Records what a host's driver delivers; by default copies each payload out and releases the buffer.</summary>
internal sealed class RecordingSink : IMessageSink
{
    public readonly ConcurrentQueue<Channel> Opened = new();
    public readonly ConcurrentQueue<(Channel Channel, Exception Error)> Down = new();
    public readonly ConcurrentQueue<(int Channel, NcMessage Msg, byte[] Payload, int ThreadId)> Messages = new();
    private readonly SemaphoreSlim _signal = new(0);
    private long _count;

    /// <summary>Replaces the default message handling (which records a copy and releases).</summary>
    public Action<Channel, NcMessage, RxBuffer>? Handler;

    public long Count => Volatile.Read(ref _count);

    public void OnChannelOpened(Channel channel)
    {
        Opened.Enqueue(channel);
        _signal.Release();
    }

    public void OnMessage(Channel channel, in NcMessage message, RxBuffer payload)
    {
        if (Handler is { } h) h(channel, message, payload);
        else
        {
            Messages.Enqueue((channel.Id, message, payload.Span.ToArray(), Environment.CurrentManagedThreadId));
            payload.Release();
        }
        Interlocked.Increment(ref _count);
        _signal.Release();
    }

    public void OnChannelDown(Channel channel, Exception error)
    {
        Down.Enqueue((channel, error));
        _signal.Release();
    }

    /// <summary>Waits for <paramref name="cond"/>, woken by every event of the sink; false only after the
    /// wall-clock hang guard (<see cref="TestUtil.HangGuard"/>).</summary>
    public async Task<bool> WaitUntilAsync(Func<bool> cond)
    {
        long until = Environment.TickCount64 + (long)TestUtil.HangGuard.TotalMilliseconds;
        while (!cond())
        {
            long left = until - Environment.TickCount64;
            if (left <= 0) return false;
            await _signal.WaitAsync((int)Math.Min(left, 50)).ConfigureAwait(false);
        }
        return true;
    }
}

/// <summary>The NICs under a <see cref="HostPair"/>.</summary>
public enum PairDevices
{
    /// <summary>The loopback test device pair (software).</summary>
    Loopback,

    /// <summary>Two simulated NICs (the nc_nic RTL under libncsim, free-running clock) joined by the simulated link.</summary>
    Simulated,
}

/// <summary>Two NicHosts on a pair of NICs: the loopback test device pair or two simulated NICs.</summary>
internal sealed class HostPair : IAsyncDisposable
{
    public static readonly PeerAddress AddrA = new(0x02_4E_43_00_00_0AUL, 0x0A_01_00_0A);
    public static readonly PeerAddress AddrB = new(0x02_4E_43_00_00_0BUL, 0x0A_01_00_0B);

    private LoopbackDevicePair? _loopback;
    private SimulatedNicSystem? _sim;
    private uint _savedCtrlB;

    /// <summary>The loopback pair (loopback pairs only).</summary>
    public LoopbackDevicePair Devices => _loopback ?? throw new InvalidOperationException("not a loopback pair");

    /// <summary>The simulated system (simulated pairs only).</summary>
    public SimulatedNicSystem Sim => _sim ?? throw new InvalidOperationException("not a simulated pair");

    public INicDevice DeviceA { get; private set; } = null!;
    public INicDevice DeviceB { get; private set; } = null!;
    public NicHost A { get; private set; } = null!;
    public NicHost B { get; set; } = null!;
    public RecordingSink SinkA { get; } = new();
    public RecordingSink SinkB { get; } = new();

    /// <summary>The options of a host of this pair: <see cref="Options(PeerAddress, PeerAddress?)"/>, with the
    /// driver's timers scaled to simulated time on simulated NICs (<see cref="SimulatedTimers"/>).</summary>
    public NicHostOptions OptionsFor(PeerAddress self, PeerAddress? neighbour)
    {
        NicHostOptions o = Options(self, neighbour);
        return _sim != null ? SimulatedTimers.Apply(o) : o;
    }

    public static NicHostOptions Options(PeerAddress self, PeerAddress? neighbour)
    {
        var o = new NicHostOptions
        {
            Mac = self.Mac,
            Ip = self.Ip,
            MaxChannels = 16,
            TxRingLog = 5,
            RxRingLog = 5,
            OpenTimeout = TimeSpan.FromSeconds(5),
            RetryInterval = TimeSpan.FromMilliseconds(100),
            CloseTimeout = TimeSpan.FromSeconds(5),
        };
        if (neighbour is PeerAddress n) o.Neighbors[n.Ip] = n.Mac;
        return o;
    }

    public static async Task<HostPair> StartAsync(Action<NicHostOptions>? a = null, Action<NicHostOptions>? b = null, LoopbackOptions? devices = null,
        PairDevices kind = PairDevices.Loopback)
    {
        var p = new HostPair();
        if (kind == PairDevices.Loopback)
        {
            p._loopback = new LoopbackDevicePair(devices ?? new LoopbackOptions { Channels = 64 });
            p.DeviceA = p._loopback.A;
            p.DeviceB = p._loopback.B;
        }
        else
        {
            p._sim = new SimulatedNicSystem(new SimulationOptions { Seed = 1 });
            p.DeviceA = p._sim.Nic0;
            p.DeviceB = p._sim.Nic1;
        }
        NicHostOptions oa = p.OptionsFor(AddrA, AddrB), ob = p.OptionsFor(AddrB, null);
        a?.Invoke(oa);
        b?.Invoke(ob);
        try
        {
            p.A = await NicHost.StartAsync(p.DeviceA, oa, p.SinkA);
            p.B = await NicHost.StartAsync(p.DeviceB, ob, p.SinkB);
        }
        catch
        {
            await p.DisposeAsync();
            throw;
        }
        return p;
    }

    /// <summary>The peer vanishes without a word: nothing reaches B and nothing leaves it (loopback: the cable is
    /// cut; simulated: NIC B is switched off through CTRL, so its MAC is idle and it drops what it receives).</summary>
    public void CutLink()
    {
        if (_loopback is { } l) l.SetLinkUp(false);
        else
        {
            _savedCtrlB = DeviceB.ReadRegister(Registers.Ctrl);
            DeviceB.WriteRegister(Registers.Ctrl, 0);
        }
    }

    /// <summary>Undoes <see cref="CutLink"/>.</summary>
    public void RestoreLink()
    {
        if (_loopback is { } l) l.SetLinkUp(true);
        else DeviceB.WriteRegister(Registers.Ctrl, _savedCtrlB);
    }

    /// <summary>The peer's NIC dies: no ABORT, no more acknowledgements (loopback: device B is disposed;
    /// simulated: NIC B is switched off).</summary>
    public void KillPeerNic()
    {
        if (_loopback is { } l) l.B.Dispose();
        else DeviceB.WriteRegister(Registers.Ctrl, 0);
    }

    /// <summary>A's own NIC disappears under its host (the device object is disposed: every access fails).</summary>
    public void LoseOwnNic() => DeviceA.Dispose();

    /// <summary>Opens a channel from A to B and returns both ends.</summary>
    public async Task<(Channel a, Channel b)> OpenAsync(ChannelClass cls = ChannelClass.Throughput)
    {
        Channel ca = await A.OpenChannelAsync(AddrB, cls).AsTask().WaitAsync(TestUtil.HangGuard);
        Channel? cb = null;
        Assert.True(await SinkB.WaitUntilAsync(() =>
        {
            foreach (Channel c in SinkB.Opened) if (c.Peer.Ip == AddrA.Ip && c.State == ChannelState.Open && !Taken.Contains(c)) { cb = c; return true; }
            return false;
        }), "the peer never reported the channel open");
        Taken.Add(cb!);
        return (ca, cb!);
    }

    private HashSet<Channel> Taken { get; } = new();

    public async ValueTask DisposeAsync()
    {
        try { if (A != null) await A.DisposeAsync(); } catch (ObjectDisposedException) { }
        try { if (B != null) await B.DisposeAsync(); } catch (ObjectDisposedException) { }
        _loopback?.Dispose();
        _sim?.Dispose();
    }

    /// <summary>Deterministic payload content of message <paramref name="seq"/> on a stream <paramref name="key"/>.</summary>
    public static void Fill(Span<byte> dst, int key, uint seq)
    {
        uint x = (uint)key * 2654435761u ^ seq * 40503u ^ 0x9E3779B9u;
        for (int i = 0; i < dst.Length; i++)
        {
            x ^= x << 13; x ^= x >> 17; x ^= x << 5;
            dst[i] = (byte)x;
        }
    }

    public static bool Check(ReadOnlySpan<byte> got, int key, uint seq)
    {
        uint x = (uint)key * 2654435761u ^ seq * 40503u ^ 0x9E3779B9u;
        for (int i = 0; i < got.Length; i++)
        {
            x ^= x << 13; x ^= x >> 17; x ^= x << 5;
            if (got[i] != (byte)x) return false;
        }
        return true;
    }

    /// <summary>Sends <paramref name="n"/> DATA messages with payload lengths from <paramref name="len"/>; seq = message number.</summary>
    public static async Task SendAsync(Channel ch, int key, int n, Func<int, int> len, int firstSeq = 0)
    {
        for (int i = firstSeq; i < firstSeq + n; i++)
        {
            TxSlot s = await ch.ReserveAsync();
            int l = len(i);
            Fill(s.Buffer.Slice(0, l), key, (uint)i);
            ch.Commit(s, new NcMessage((ushort)key, 7, (uint)i, (uint)l, l == 0 ? NetChannelType.Ack : NetChannelType.Data), l);
        }
    }
}
