using System;
using System.Collections.Generic;
using System.Net;
using System.Threading;
using System.Threading.Tasks;
using NetChannel.Device.Loopback;
using NetChannel.Driver;
using NetChannel.Scheduling;
using NetChannel.Vns;
using NetChannel.Wire;

namespace NetChannel.Benchmarks;

/// <summary>Two VnsHosts (A = 10.0.0.1, B = 10.0.0.2) on one loopback test device pair, through the real
/// VNS API (each host's NetDriver NicHost on its loopback device).</summary>
public sealed class VnsPair : IAsyncDisposable
{
    /// <summary>Host A (the client side in every workload).</summary>
    public VnsHost A { get; }

    /// <summary>Host B (the server side).</summary>
    public VnsHost B { get; }

    private readonly LoopbackDevicePair _pair;
    private static int s_port = 6000;

    private VnsPair(VnsHost a, VnsHost b, LoopbackDevicePair pair)
    {
        A = a;
        B = b;
        _pair = pair;
    }

    /// <summary>The server's endpoint for a virtual port.</summary>
    public static IPEndPoint EndPointB(int port) => new(IPAddress.Parse("10.0.0.2"), port);

    /// <summary>A fresh virtual port.</summary>
    public static int NextPort() => Interlocked.Increment(ref s_port);

    /// <summary>Starts both hosts with <paramref name="configure"/> applied to each host's options.</summary>
    public static async Task<VnsPair> StartAsync(Action<VnsHostOptions> configure)
    {
        const ulong MacA = 0x02_4E_43_00_05_01UL, MacB = 0x02_4E_43_00_05_02UL;
        const uint IpA = 0x0A000001, IpB = 0x0A000002;
        var pair = new LoopbackDevicePair(new LoopbackOptions { Channels = 64 });
        VnsHostOptions Opt(string name)
        {
            var o = new VnsHostOptions { Name = name };
            configure(o);
            return o;
        }
        var a = new VnsHost(Opt("bench-a"));
        var b = new VnsHost(Opt("bench-b"));
        NicHostOptions Nic(ulong mac, uint ip, ulong peerMac, uint peerIp)
        {
            var o = new NicHostOptions { Mac = mac, Ip = ip, MaxChannels = 32 };
            o.Neighbors[peerIp] = peerMac;
            return o;
        }
        await a.AddNicAsync(pair.A, Nic(MacA, IpA, MacB, IpB));
        await b.AddNicAsync(pair.B, Nic(MacB, IpB, MacA, IpA));
        return new VnsPair(a, b, pair);
    }

    /// <summary>Connects a socket A → B and accepts it on B.</summary>
    public async Task<(VnsSocket Client, VnsSocket Server)> ConnectAsync(TrafficClass cls)
    {
        int port = NextPort();
        await using VnsListener l = await B.ListenAsync(port);
        ValueTask<VnsSocket> accept = l.AcceptAsync();
        VnsSocket c = await A.ConnectAsync(EndPointB(port), new VnsSocketOptions { Class = cls });
        VnsSocket s = await accept;
        return (c, s);
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        await A.DisposeAsync();
        await B.DisposeAsync();
        _pair.Dispose();
    }
}

/// <summary>A bulk transfer on one virtual socket: one sender loop, one receiver loop.</summary>
public sealed class VnsBulk
{
    private readonly VnsSocket _c, _s;
    private long _received;
    private int _stop;
    private Task? _tx, _rx;

    /// <summary>Bytes the receiver has read so far.</summary>
    public long Received => Interlocked.Read(ref _received);

    /// <summary>Prepares a transfer from <paramref name="client"/> to <paramref name="server"/>.</summary>
    public VnsBulk(VnsSocket client, VnsSocket server)
    {
        _c = client;
        _s = server;
    }

    /// <summary>Starts sending <paramref name="sendSize"/>-byte buffers as fast as SendAsync completes.</summary>
    public void Start(int sendSize)
    {
        _rx = Task.Run(async () =>
        {
            var buf = new byte[Math.Max(sendSize, 65536)];
            while (true)
            {
                int n = await _s.ReceiveAsync(buf).ConfigureAwait(false);
                if (n == 0) break;
                Interlocked.Add(ref _received, n);
            }
        });
        _tx = Task.Run(async () =>
        {
            var buf = new byte[sendSize];
            while (Volatile.Read(ref _stop) == 0) await _c.SendAsync(buf).ConfigureAwait(false);
            _c.ShutdownSend();
        });
    }

    /// <summary>Stops the sender and waits until the receiver has read everything.</summary>
    public async Task StopAsync()
    {
        Volatile.Write(ref _stop, 1);
        await _tx!.ConfigureAwait(false);
        await _rx!.ConfigureAwait(false);
    }
}

/// <summary>The thinnest path the runtime allows: the NetDriver alone (NicHost / Channel on the loopback
/// device pair, no VNS, no scheduler, no workers). The sender loop copies each 64 KB application buffer
/// into Tx slots of one channel (reserve, copy, commit); the receiving sink copies each payload into a 64 KB
/// application buffer and releases it — the same two copies per byte as the VNS path with inline copies.</summary>
public sealed class DriverBulk : IMessageSink
{
    private readonly byte[] _appRx = new byte[65536];
    private int _appPos;
    private long _received;

    /// <summary>Payload bytes received.</summary>
    public long Received => Interlocked.Read(ref _received);

    /// <inheritdoc />
    public void OnChannelOpened(Channel channel) { }

    /// <inheritdoc />
    public void OnChannelDown(Channel channel, Exception error) { }

    /// <inheritdoc />
    public void OnMessage(Channel channel, in NcMessage message, RxBuffer payload)
    {
        int n = payload.Length;
        if (_appPos + n > _appRx.Length) _appPos = 0;
        payload.Span.CopyTo(_appRx.AsSpan(_appPos));
        _appPos += n;
        Interlocked.Add(ref _received, n);
        payload.Release();
    }

    /// <summary>Runs the transfer: warm-up, then measures for <paramref name="seconds"/>; returns goodput
    /// (bytes/s) and CPU seconds per GB.</summary>
    public static async Task<(double BytesPerSecond, double CpuSecondsPerGb)> RunAsync(int sendSize, double warmup, double seconds)
    {
        var addrA = new PeerAddress(0x02_4E_43_00_06_01UL, 0x0A_00_00_01);
        var addrB = new PeerAddress(0x02_4E_43_00_06_02UL, 0x0A_00_00_02);
        using var pair = new LoopbackDevicePair(new LoopbackOptions { Channels = 64 });
        var sinkA = new DriverBulk();
        var sinkB = new DriverBulk();
        var oa = new NicHostOptions { Mac = addrA.Mac, Ip = addrA.Ip, MaxChannels = 32 };
        oa.Neighbors[addrB.Ip] = addrB.Mac;
        await using NicHost a = await NicHost.StartAsync(pair.A, oa, sinkA);
        await using NicHost b = await NicHost.StartAsync(pair.B, new NicHostOptions { Mac = addrB.Mac, Ip = addrB.Ip, MaxChannels = 32 }, sinkB);
        Channel ch = await a.OpenChannelAsync(addrB, ChannelClass.Throughput);
        int stop = 0;
        // The sender waits for free Tx slots the way the runtime offers (ReserveAsync, no spinning), as the
        // VNS path does.
        Task tx = Task.Run(async () =>
        {
            var app = new byte[sendSize];
            var msg = new NcMessage(1, 2, 0, 0, NetChannelType.Data);
            int chunk = ch.MaxPayload;
            while (Volatile.Read(ref stop) == 0)
            {
                for (int off = 0; off < app.Length; off += chunk)
                {
                    int n = Math.Min(chunk, app.Length - off);
                    TxSlot slot = ch.TryReserve(out TxSlot s) ? s : await ch.ReserveAsync().ConfigureAwait(false);
                    app.AsSpan(off, n).CopyTo(slot.Buffer);
                    ch.Commit(slot, msg, n);
                }
            }
        });
        await Task.Delay(TimeSpan.FromSeconds(warmup));
        long b0 = sinkB.Received;
        Meter m = Meter.Start();
        await Task.Delay(TimeSpan.FromSeconds(seconds));
        long b1 = sinkB.Received;
        double wall = m.WallSeconds, cpu = m.CpuSeconds;
        Volatile.Write(ref stop, 1);
        await tx;
        double bytes = b1 - b0;
        return (bytes / wall, cpu / (bytes / 1e9));
    }
}

/// <summary>RPC over one virtual socket: <c>outstanding</c> call loops on one connection (the application's
/// single logical thread of control issues them; continuations run on the .NET thread pool), the server
/// answers with <c>serverLoops</c> receive/respond loops.</summary>
public static class VnsRpc
{
    /// <summary>Calls per second over <paramref name="seconds"/> after a warm-up.</summary>
    public static async Task<double> RunAsync(VnsPair p, TrafficClass cls, int size, int outstanding, double warmup, double seconds)
    {
        (VnsSocket c, VnsSocket s) = await p.ConnectAsync(cls);
        var client = new VnsRpcConnection(c);
        var server = new VnsRpcConnection(s);
        var resp = new byte[size];
        var serverLoops = new List<Task>();
        for (int i = 0; i < 4; i++)
        {
            serverLoops.Add(Task.Run(async () =>
            {
                try
                {
                    while (await server.ReceiveRequestAsync().ConfigureAwait(false) is { } req)
                    {
                        using (req) await req.RespondAsync(resp).ConfigureAwait(false);
                    }
                }
                catch (System.IO.IOException) { }
                catch (ObjectDisposedException) { }
            }));
        }
        long calls = 0;
        int stop = 0;
        var req = new byte[size];
        var loops = new List<Task>();
        for (int i = 0; i < outstanding; i++)
        {
            loops.Add(Task.Run(async () =>
            {
                while (Volatile.Read(ref stop) == 0)
                {
                    using RpcMessage r = await client.CallAsync(req).ConfigureAwait(false);
                    Interlocked.Increment(ref calls);
                }
            }));
        }
        await Task.Delay(TimeSpan.FromSeconds(warmup));
        long c0 = Interlocked.Read(ref calls);
        Meter m = Meter.Start();
        await Task.Delay(TimeSpan.FromSeconds(seconds));
        long c1 = Interlocked.Read(ref calls);
        double wall = m.WallSeconds;
        Volatile.Write(ref stop, 1);
        await Task.WhenAll(loops);
        await client.DisposeAsync();
        await server.DisposeAsync();
        await Task.WhenAll(serverLoops);
        return (c1 - c0) / wall;
    }
}

/// <summary>64-byte ping-pong on one virtual socket of a given class, alone or beside bulk senders.</summary>
public static class VnsPingPong
{
    /// <summary>Round-trip times in microseconds.</summary>
    public static async Task<double[]> RunAsync(VnsPair p, TrafficClass cls, int roundTrips, int bulkSockets, double warmup)
    {
        var bulk = new List<(VnsBulk B, VnsSocket C, VnsSocket S)>();
        for (int i = 0; i < bulkSockets; i++)
        {
            (VnsSocket bc, VnsSocket bs) = await p.ConnectAsync(TrafficClass.Throughput);
            var b = new VnsBulk(bc, bs);
            b.Start(65536);
            bulk.Add((b, bc, bs));
        }
        (VnsSocket c, VnsSocket s) = await p.ConnectAsync(cls);
        Task echo = Task.Run(async () =>
        {
            var buf = new byte[64];
            while (true)
            {
                int got = 0;
                while (got < 64)
                {
                    int n = await s.ReceiveAsync(buf.AsMemory(got)).ConfigureAwait(false);
                    if (n == 0) return;
                    got += n;
                }
                await s.SendAsync(buf).ConfigureAwait(false);
            }
        });
        if (bulkSockets > 0) await Task.Delay(TimeSpan.FromSeconds(warmup));
        double[] rtt = await Task.Run(async () =>
        {
            var msg = new byte[64];
            var back = new byte[64];
            var r = new double[roundTrips];
            for (int i = -200; i < roundTrips; i++)
            {
                long t0 = System.Diagnostics.Stopwatch.GetTimestamp();
                await c.SendAsync(msg).ConfigureAwait(false);
                int got = 0;
                while (got < 64) got += await c.ReceiveAsync(back.AsMemory(got)).ConfigureAwait(false);
                if (i >= 0) r[i] = System.Diagnostics.Stopwatch.GetElapsedTime(t0).TotalMicroseconds;
            }
            return r;
        });
        c.ShutdownSend();
        await echo;
        await c.DisposeAsync();
        await s.DisposeAsync();
        foreach ((VnsBulk b, VnsSocket bc, VnsSocket bs) in bulk)
        {
            await b.StopAsync();
            await bc.DisposeAsync();
            await bs.DisposeAsync();
        }
        return rtt;
    }
}
