using System;
using System.Collections.Generic;
using NetChannel.Device;
using NetChannel.Wire;

namespace NetChannel.Tests.Raw;

/// <summary>
/// Two NICs programmed register by register through <see cref="INicDevice"/> (the raw driver in this
/// folder): A (MAC 02:00:00:00:00:0A, 10.0.0.10) and B (…:0B, 10.0.0.11), each with event queue 0 and its
/// interrupt handler installed, enabled with address filtering; and what the tests allocate on them.
/// </summary>
internal sealed class RawRig : IDisposable
{
    public const ulong MacA = 0x02_00_00_00_00_0AUL, MacB = 0x02_00_00_00_00_0BUL;
    public const uint IpA = 0x0A_00_00_0A, IpB = 0x0A_00_00_0B;
    public const uint PsnA = 0xFFFF_FFF0, PsnB = 1000; // A's PSNs wrap 2^32 during the tests

    private readonly List<IDisposable> _owned = new();
    private bool _disposed;

    public RawRig(RawBackend backend)
    {
        Backend = backend;
        try
        {
            A = new RawNic(backend.A, backend.Time, MacA, IpA);
            B = new RawNic(backend.B, backend.Time, MacB, IpB);
        }
        catch
        {
            backend.Dispose();
            throw;
        }
    }

    public RawBackend Backend { get; }
    public RawNic A { get; }
    public RawNic B { get; }
    public DeviceTime Time => Backend.Time;

    /// <summary>Checks the backend's health (the simulator's protocol checks), then frees everything.</summary>
    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        try
        {
            Backend.CheckHealthy();
        }
        finally
        {
            foreach (IDisposable d in _owned) d.Dispose();
            A.Dispose();
            B.Dispose();
            Backend.Dispose();
        }
    }

    public T Own<T>(T d) where T : IDisposable
    {
        _owned.Add(d);
        return d;
    }

    public RawChannel Chan(RawNic nic, int id, int txLog = 3, int rxLog = 3, int cplLog = -1, int rxBufBytes = RawChannel.BufBytes) =>
        Own(new RawChannel(nic, id, txLog, rxLog, cplLog, rxBufBytes));

    /// <summary>Channel 5 of A joined to channel 9 of B (each opened with the given initial credit).</summary>
    public (RawChannel a, RawChannel b) Pair(int txLog = 3, int rxLog = 3, int cplLog = -1, int rxBufBytes = RawChannel.BufBytes,
                                             uint creditA = 0, uint creditB = 0)
    {
        RawChannel a = Chan(A, 5, txLog, rxLog, cplLog, rxBufBytes), b = Chan(B, 9, txLog, rxLog, cplLog, rxBufBytes);
        Assert.Equal(ChannelCommandResult.Ok, A.Open(a, 9, MacB, IpB, PsnA, PsnB, credit: creditA));
        Assert.Equal(ChannelCommandResult.Ok, B.Open(b, 5, MacA, IpA, PsnB, PsnA, credit: creditB));
        return (a, b);
    }

    /// <summary>
    /// <paramref name="n"/> channel pairs, A's channel 3 + 7k joined to B's channel 11 + 5k (UDP source port
    /// 49152 + A's channel), A's PSNs starting just below 2^32 so they wrap; pair k is of class
    /// <paramref name="latencyPair"/> == k ? latency : throughput.
    /// </summary>
    public List<(RawChannel a, RawChannel b)> Pairs(int n, int log, int latencyPair = -1)
    {
        var l = new List<(RawChannel, RawChannel)>();
        for (int k = 0; k < n; k++)
        {
            RawChannel a = Chan(A, 3 + 7 * k, log, log), b = Chan(B, 11 + 5 * k, log, log);
            uint pa = 0xFFFF_FF00u + (uint)k * 1000u, pb = unchecked(0x1234_5678u * (uint)(k + 1));
            int cls = k == latencyPair ? 1 : 0;
            Assert.Equal(ChannelCommandResult.Ok, A.Open(a, b.Id, MacB, IpB, pa, pb, cls: cls, udp: (ushort)(49152 + a.Id)));
            Assert.Equal(ChannelCommandResult.Ok, B.Open(b, a.Id, MacA, IpA, pb, pa, cls: cls, udp: (ushort)(49152 + a.Id)));
            l.Add((a, b));
        }
        return l;
    }

    /// <summary>Waits until <paramref name="condition"/> holds (pumping the device) and asserts it.</summary>
    public void Eventually(Func<bool> condition, string what, double scale = 1) =>
        Assert.True(Time.WaitUntil(condition, scale), $"{what}: not within {Time.Describe(scale)}");
}

/// <summary>An xunit class over one <see cref="RawRig"/> per test, with shortcuts to it.</summary>
public abstract class RawTestBase : IDisposable
{
    private protected const ulong MacA = RawRig.MacA, MacB = RawRig.MacB;
    private protected const uint IpA = RawRig.IpA, IpB = RawRig.IpB, PsnA = RawRig.PsnA, PsnB = RawRig.PsnB;

    private protected RawTestBase(RawBackend backend)
    {
        Rig = new RawRig(backend);
    }

    private protected RawRig Rig { get; }
    private protected RawBackend Backend => Rig.Backend;
    private protected RawNic A => Rig.A;
    private protected RawNic B => Rig.B;
    private protected DeviceTime Time => Rig.Time;

    /// <summary>Checks the backend's health, then frees everything.</summary>
    public void Dispose()
    {
        Rig.Dispose();
        GC.SuppressFinalize(this);
    }

    private protected RawChannel Chan(RawNic nic, int id, int txLog = 3, int rxLog = 3, int cplLog = -1, int rxBufBytes = RawChannel.BufBytes) =>
        Rig.Chan(nic, id, txLog, rxLog, cplLog, rxBufBytes);

    private protected (RawChannel a, RawChannel b) Pair(int txLog = 3, int rxLog = 3, int cplLog = -1, int rxBufBytes = RawChannel.BufBytes,
                                                       uint creditA = 0, uint creditB = 0) =>
        Rig.Pair(txLog, rxLog, cplLog, rxBufBytes, creditA, creditB);

    private protected List<(RawChannel a, RawChannel b)> Pairs(int n, int log, int latencyPair = -1) => Rig.Pairs(n, log, latencyPair);

    private protected void Eventually(Func<bool> condition, string what, double scale = 1) => Rig.Eventually(condition, what, scale);

    private protected static byte[] Payload(int n, int seed)
    {
        var b = new byte[n];
        new Random(seed).NextBytes(b);
        return b;
    }
}
