using System;
using System.Net;
using System.Threading;
using System.Threading.Tasks;
using NetChannel.Device.Loopback;
using NetChannel.Device.Simulated;
using NetChannel.Driver;
using NetChannel.Harness;
using NetChannel.Scheduling;
using NetChannel.Vns;

namespace NetChannel.Tests.Vns;

/// <summary>Which transport joins the two hosts of a test.</summary>
public enum TransportKind
{
    /// <summary>The in-memory network of NetChannel.Harness (reorders, no NIC).</summary>
    InMemory,

    /// <summary>Two NetDriver NicHosts on the loopback test device pair.</summary>
    Loopback,

    /// <summary>Two NetDriver NicHosts on two simulated NICs (the nc_nic RTL under libncsim, free-running
    /// clock) joined by the simulated link.</summary>
    Simulated,
}

/// <summary>Two VnsHosts joined by a transport, A = 10.0.0.1, B = 10.0.0.2.</summary>
internal sealed class VnsTestBed : IAsyncDisposable
{
    public const uint IpA = 0x0A000001, IpB = 0x0A000002;

    private readonly InMemoryNetwork? _net;
    private readonly LoopbackDevicePair? _pair;
    private readonly SimulatedNicSystem? _sim;

    private VnsTestBed(VnsHost a, VnsHost b, InMemoryNetwork? net, LoopbackDevicePair? pair, ITransportHost ta, ITransportHost tb, SimulatedNicSystem? sim = null)
    {
        A = a;
        B = b;
        _net = net;
        _pair = pair;
        _sim = sim;
        TransportA = ta;
        TransportB = tb;
    }

    public VnsHost A { get; }
    public VnsHost B { get; }
    public ITransportHost TransportA { get; }
    public ITransportHost TransportB { get; }
    public InMemoryNetwork Net => _net ?? throw new InvalidOperationException("not an in-memory test bed");
    public LoopbackDevicePair Pair => _pair ?? throw new InvalidOperationException("not a loopback test bed");
    public SimulatedNicSystem Sim => _sim ?? throw new InvalidOperationException("not a simulated test bed");

    public const ulong MacA = 0x02_4E_43_00_01_01UL, MacB = 0x02_4E_43_00_01_02UL;

    /// <summary>Driver options for the loopback hosts: smaller rings than the defaults (memory: a test opens
    /// a few dozen channels), short close and liveness bounds so failures surface quickly.</summary>
    public static NicHostOptions NicOptions(ulong mac, uint ip, ulong peerMac, uint peerIp)
    {
        var o = new NicHostOptions
        {
            Mac = mac,
            Ip = ip,
            MaxChannels = 32,
            TxRingLog = 6,
            RxRingLog = 6,
            CloseTimeout = TimeSpan.FromSeconds(2),
            LivenessTimeout = TimeSpan.FromSeconds(3),
        };
        o.Neighbors[peerIp] = peerMac;
        return o;
    }

    public static IPEndPoint EndPointB(int port) => new(IPAddress.Parse("10.0.0.2"), port);
    public static IPEndPoint EndPointA(int port) => new(IPAddress.Parse("10.0.0.1"), port);

    /// <summary>Options every test starts from: small worker pools (the CI machine has 2 cores).</summary>
    public static VnsHostOptions DefaultOptions(string name)
    {
        var o = new VnsHostOptions { Name = name };
        o.CopyWorkers.ThroughputWorkers = 2;
        o.CopyWorkers.LatencyWorkers = 1;
        return o;
    }

    /// <summary>The simulated NIC pair of the Simulated test bed: libncsim's default timing (DMA latency 200
    /// cycles, link 50 bytes/cycle, latency 100 cycles), no faults unless the test asks.</summary>
    public static SimulationOptions SimOptions(ulong seed = 1) => new() { Seed = seed };

    public static async Task<VnsTestBed> StartAsync(TransportKind kind, Action<VnsHostOptions>? configure = null, InMemoryNetworkOptions? netOptions = null,
        Action<VnsHostOptions>? configureB = null, Action<NicHostOptions>? nicB = null, SimulationOptions? sim = null)
    {
        VnsHostOptions oa = DefaultOptions("A"), ob = DefaultOptions("B");
        if (kind == TransportKind.Simulated)
        {
            SimulatedTimers.Apply(oa);   // the hosts' timers run on the simulated NICs' clock
            SimulatedTimers.Apply(ob);
        }
        configure?.Invoke(oa);
        configure?.Invoke(ob);
        configureB?.Invoke(ob);
        switch (kind)
        {
            case TransportKind.InMemory:
            {
                var net = new InMemoryNetwork(netOptions);
                InMemoryTransport ta = net.CreateHost(IpA), tb = net.CreateHost(IpB);
                VnsHost a = await VnsHost.StartAsync([ta], oa);
                VnsHost b = await VnsHost.StartAsync([tb], ob);
                return new VnsTestBed(a, b, net, null, ta, tb);
            }
            case TransportKind.Loopback:
            {
                var pair = new LoopbackDevicePair(new LoopbackOptions { Channels = 64 });
                var a = new VnsHost(oa);
                var b = new VnsHost(ob);
                NicTransport ta = await a.AddNicAsync(pair.A, NicOptions(MacA, IpA, MacB, IpB));
                NicHostOptions nb = NicOptions(MacB, IpB, MacA, IpA);
                nicB?.Invoke(nb);
                NicTransport tb = await b.AddNicAsync(pair.B, nb);
                return new VnsTestBed(a, b, null, pair, ta, tb);
            }
            case TransportKind.Simulated:
            {
                var sys = new SimulatedNicSystem(sim ?? SimOptions());
                var a = new VnsHost(oa);
                var b = new VnsHost(ob);
                try
                {
                    NicTransport ta = await a.AddNicAsync(sys.Nic0, SimulatedTimers.Apply(NicOptions(MacA, IpA, MacB, IpB)));
                    NicHostOptions nb = SimulatedTimers.Apply(NicOptions(MacB, IpB, MacA, IpA));
                    nicB?.Invoke(nb);
                    NicTransport tb = await b.AddNicAsync(sys.Nic1, nb);
                    return new VnsTestBed(a, b, null, null, ta, tb, sys);
                }
                catch
                {
                    await a.DisposeAsync();
                    await b.DisposeAsync();
                    sys.Dispose();
                    throw;
                }
            }
            default:
                throw new ArgumentOutOfRangeException(nameof(kind));
        }
    }

    /// <summary>A connected pair: (client on A, server on B).</summary>
    public async Task<(VnsSocket Client, VnsSocket Server)> ConnectAsync(int port, VnsSocketOptions? options = null, VnsListener? listener = null)
    {
        VnsListener l = listener ?? await B.ListenAsync(port);
        try
        {
            Task<VnsSocket> accept = l.AcceptAsync().AsTask();
            VnsSocket c = await A.ConnectAsync(EndPointB(port), options).AsTask().WaitAsync(TestTimeout);
            VnsSocket s = await accept.WaitAsync(TestTimeout);
            return (c, s);
        }
        finally
        {
            if (listener is null) await l.DisposeAsync();
        }
    }

    /// <summary>Generous bound for anything that should finish: reaching it means a hang, not slowness.</summary>
    public static readonly TimeSpan TestTimeout = TimeSpan.FromSeconds(Environment.GetEnvironmentVariable("NC_TEST_TIMEOUT_S") is { } t ? double.Parse(t) : 120);

    public async ValueTask DisposeAsync()
    {
        await A.DisposeAsync();
        await B.DisposeAsync();
        _net?.Dispose();
        _pair?.Dispose();
        _sim?.Dispose();
    }
}

/// <summary>Deterministic payloads: byte i of stream <c>seed</c> is a function of both, so the far end can
/// check every byte without a copy of what was sent.</summary>
internal static class Pattern
{
    public static byte At(int seed, long i)
    {
        ulong x = (ulong)i * 0x9E3779B97F4A7C15UL ^ (ulong)seed * 0xC2B2AE3D27D4EB4FUL;
        x ^= x >> 29;
        x *= 0xBF58476D1CE4E5B9UL;
        x ^= x >> 32;
        return (byte)x;
    }

    public static void Fill(Span<byte> dst, int seed, long offset)
    {
        for (int i = 0; i < dst.Length; i++) dst[i] = At(seed, offset + i);
    }

    /// <summary>Index of the first wrong byte, or -1.</summary>
    public static long Check(ReadOnlySpan<byte> src, int seed, long offset)
    {
        for (int i = 0; i < src.Length; i++)
            if (src[i] != At(seed, offset + i)) return offset + i;
        return -1;
    }

    public static byte[] Make(int seed, int length)
    {
        var b = new byte[length];
        Fill(b, seed, 0);
        return b;
    }
}

internal static class SocketIo
{
    /// <summary>Sends <paramref name="total"/> pattern bytes in pieces of <paramref name="piece"/>.</summary>
    public static async Task SendPatternAsync(VnsSocket s, int seed, long total, int piece, bool shutdown = true, CancellationToken ct = default)
    {
        byte[] buf = new byte[piece];
        long off = 0;
        while (off < total)
        {
            int n = (int)Math.Min(piece, total - off);
            Pattern.Fill(buf.AsSpan(0, n), seed, off);
            await s.SendAsync(buf.AsMemory(0, n), ct);
            off += n;
        }
        if (shutdown) s.ShutdownSend();
    }

    /// <summary>Reads to end-of-stream, checking every byte; returns the byte count.</summary>
    public static async Task<long> ReceivePatternAsync(VnsSocket s, int seed, int piece, CancellationToken ct = default)
    {
        byte[] buf = new byte[piece];
        long off = 0;
        while (true)
        {
            int n = await s.ReceiveAsync(buf, ct);
            if (n == 0) return off;
            long bad = Pattern.Check(buf.AsSpan(0, n), seed, off);
            if (bad >= 0) throw new Xunit.Sdk.XunitException($"byte {bad} of stream {seed} is wrong");
            off += n;
        }
    }
}
