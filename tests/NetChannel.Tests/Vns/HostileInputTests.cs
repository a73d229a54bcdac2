using System;
using System.Collections.Generic;
using System.Linq;
using System.Net;
using System.Net.Sockets;
using System.Threading;
using System.Threading.Tasks;
using NetChannel.Harness;
using NetChannel.Scheduling;
using NetChannel.Vns;
using NetChannel.Wire;

namespace NetChannel.Tests.Vns;

/// <summary>
/// Virtual-socket messages a hostile or broken peer sends on a channel that is otherwise in order (issue 9):
/// every field is checked before it changes state; what fails is ignored and counted under a reason of its own,
/// and the connection goes on (or fails with an error the application sees, never a silent gap). Messages are
/// forged on host A's own channels to B, past A's sockets, so B sees them exactly as from its peer.
/// </summary>
public sealed class HostileInputTests
{
    private static Task Bounded(Task t) => t.WaitAsync(VnsTestBed.TestTimeout);

    private static Task<T> Bounded<T>(Task<T> t) => t.WaitAsync(VnsTestBed.TestTimeout);

    /// <summary>Sends <paramref name="h"/> (and <paramref name="payload"/>) from <paramref name="from"/> on one of
    /// its open channels to <paramref name="peerIp"/>, as the scheduler would, without any socket.</summary>
    private static async Task ForgeAsync(VnsHost from, uint peerIp, MessageHeader h, byte[]? payload = null)
    {
        ScheduledChannel sc = from.Scheduler.Bindings().SelectMany(b => b.Channels.Values)
            .First(c => c.Transport.IsOpen && c.Transport.PeerIp == peerIp && c.Transport.Class == TrafficClass.Throughput);
        TxLease lease = sc.TryReserve(out TxLease l) ? l : await sc.Transport.ReserveAsync(CancellationToken.None);
        int n = payload?.Length ?? 0;
        payload?.CopyTo(sc.Transport.GetTxBuffer(lease.Token));
        sc.Commit(lease, h, n, TrafficClass.Throughput, n > 0 ? MessageKind.Data : MessageKind.SocketControl);
    }

    private static async Task WaitFor(Func<bool> cond, Func<string> state)
    {
        try { await Bounded(VnsSuite.WaitUntil(cond)); }
        catch (TimeoutException) { throw new Xunit.Sdk.XunitException("not within the test timeout; " + state()); }
    }

    private static MessageHeader From(VnsSocket c, NetChannelType type, long seqOffset, long grantOffset) =>
        new((ushort)c.LocalEndPoint.Port, (ushort)c.RemoteEndPoint.Port, Seq.ToWire(c.Isn, seqOffset), Seq.ToWire(c.Isn, grantOffset), type);

    private static async Task AssertStillCarriesAsync(VnsSocket c, VnsSocket s, int seed, int bytes)
    {
        Task<long> r = SocketIo.ReceivePatternAsync(s, seed, 1 << 16);
        await SocketIo.SendPatternAsync(c, seed, bytes, 50_000);
        Assert.Equal(bytes, await Bounded(r));
    }

    [Fact]
    public async Task ARstWhoseSequenceIsNotFromTheStreamIsIgnoredAndOneFromItResets()
    {
        await using VnsTestBed bed = await VnsTestBed.StartAsync(TransportKind.InMemory);
        (VnsSocket c, VnsSocket s) = await bed.ConnectAsync(7300);
        await SocketIo.SendPatternAsync(c, 1, 100_000, 100_000, shutdown: false);
        byte[] got = new byte[100_000];
        int n = 0;
        while (n < got.Length) n += await Bounded(s.ReceiveAsync(got.AsMemory(n)).AsTask());
        // Far outside both windows (the credit is 2 MiB), and the RST a peer without the socket would send for a
        // byte never sent: both ignored.
        await ForgeAsync(bed.A, VnsTestBed.IpB, From(c, NetChannelType.Rst, 1L << 30, 0));
        await ForgeAsync(bed.A, VnsTestBed.IpB, From(c, NetChannelType.Rst, -(8L << 20), 0));
        await Bounded(VnsSuite.WaitUntil(() => bed.B.Counters.IgnoredRsts == 2));
        Assert.True(s.Connected);
        Assert.Equal(0, bed.B.Counters.RstReceived);
        // The stream goes on, byte-exact.
        Task<long> r = SocketIo.ReceivePatternAsync(s, 2, 1 << 16);
        Task send = SocketIo.SendPatternAsync(c, 2, 300_000, 30_000, shutdown: false);
        await Bounded(send);
        // A RST at the peer's send position (what a peer that aborted sends) resets the socket.
        await ForgeAsync(bed.A, VnsTestBed.IpB, From(c, NetChannelType.Rst, 400_000, 0));
        SocketException e = await Assert.ThrowsAsync<SocketException>(() => Bounded(r));
        Assert.Equal(SocketError.ConnectionReset, e.SocketErrorCode);
        Assert.Equal(1, bed.B.Counters.RstReceived);
        await c.DisposeAsync();
        await s.DisposeAsync();
    }

    [Fact]
    public async Task AFinBeyondTheCreditOrBeforeArrivedDataIsIgnoredAndTheRealEndOfStreamStillComes()
    {
        await using VnsTestBed bed = await VnsTestBed.StartAsync(TransportKind.InMemory);
        (VnsSocket c, VnsSocket s) = await bed.ConnectAsync(7301);
        Task<long> r = SocketIo.ReceivePatternAsync(s, 3, 1 << 16);
        await SocketIo.SendPatternAsync(c, 3, 200_000, 20_000, shutdown: false);
        await Bounded(VnsSuite.WaitUntil(() => s.Counters.BytesReceived == 200_000));
        // A FIN the peer cannot have sent (beyond the 2 MiB credit) would make the reader wait forever for data
        // that never comes; one before data that arrived would cut the stream short.
        await ForgeAsync(bed.A, VnsTestBed.IpB, From(c, NetChannelType.Fin, 200_000 + (64L << 20), 0));
        await ForgeAsync(bed.A, VnsTestBed.IpB, From(c, NetChannelType.Fin, 1000, 0));
        await Bounded(VnsSuite.WaitUntil(() => bed.B.Counters.IgnoredFins == 2));
        await SocketIo.SendPatternAsync(c, 3, 0, 1, shutdown: true); // the real FIN, at 200000
        Assert.Equal(200_000, await Bounded(r));
        await c.DisposeAsync();
        await s.DisposeAsync();
    }

    [Fact]
    public async Task DataBeyondTheCreditResetsTheConnectionAndTheApplicationSeesWhy()
    {
        await using VnsTestBed bed = await VnsTestBed.StartAsync(TransportKind.InMemory);
        await using VnsListener l = await bed.B.ListenAsync(7302, new VnsListenerOptions { ReceiveBufferSize = 64 << 10 });
        (VnsSocket c, VnsSocket s) = await bed.ConnectAsync(7302, listener: l);
        Task<int> pending = s.ReceiveAsync(new byte[1000]).AsTask();
        // 1000 bytes that end beyond the 64 KiB the server granted: a gap the application could never see filled.
        await ForgeAsync(bed.A, VnsTestBed.IpB, From(c, NetChannelType.Data, (64 << 10) - 10, 0), new byte[1000]);
        SocketException e = await Assert.ThrowsAsync<SocketException>(() => Bounded(pending));
        Assert.Equal(SocketError.ConnectionReset, e.SocketErrorCode);
        Assert.Contains("beyond the credit", e.Message);
        Assert.Equal(1, bed.B.Counters.CreditViolations);
        Assert.Equal(0, s.Counters.BytesReceived);
        // The peer is told (RST at the server's send position), so its sends fail too instead of waiting.
        await Bounded(VnsSuite.WaitUntil(() => !c.Connected));
        await c.DisposeAsync();
        await s.DisposeAsync();
    }

    [Fact]
    public async Task ThousandsOfOneByteFragmentsWithGapsResetTheConnectionInsteadOfGrowingItsBookkeeping()
    {
        await using VnsTestBed bed = await VnsTestBed.StartAsync(TransportKind.InMemory);
        await using VnsListener l = await bed.B.ListenAsync(7306, new VnsListenerOptions { ReceiveBufferSize = 64 << 10 });
        (VnsSocket c, VnsSocket s) = await bed.ConnectAsync(7306, listener: l);
        Task<int> pending = s.ReceiveAsync(new byte[10]).AsTask();
        // Every other byte of the window, never the first: each one its own out-of-order range (64 KiB window:
        // at most 1024 tracked). All within the credit, so nothing else would stop them.
        for (int i = 0; i < 1100; i++)
            await ForgeAsync(bed.A, VnsTestBed.IpB, From(c, NetChannelType.Data, 2 + 2 * i, 0), new byte[1]);
        SocketException e = await Assert.ThrowsAsync<SocketException>(() => Bounded(pending));
        Assert.Equal(SocketError.ConnectionReset, e.SocketErrorCode);
        Assert.Contains("out-of-order fragments", e.Message);
        Assert.Equal(1, bed.B.Counters.FragmentationResets);
        await c.DisposeAsync();
        await s.DisposeAsync();
    }

    [Fact]
    public async Task AGrantNoReceiveBufferCouldOfferIsIgnored()
    {
        await using VnsTestBed bed = await VnsTestBed.StartAsync(TransportKind.InMemory);
        await using VnsListener l = await bed.B.ListenAsync(7303, new VnsListenerOptions { ReceiveBufferSize = 64 << 10 });
        (VnsSocket c, VnsSocket s) = await bed.ConnectAsync(7303, listener: l);
        // B's socket "grants" A 1 GiB: were it believed, A would send far past B's 64 KiB and B would reset.
        var forged = new MessageHeader((ushort)s.LocalEndPoint.Port, (ushort)s.RemoteEndPoint.Port, Seq.ToWire(s.Isn, 0), Seq.ToWire(s.Isn, 1L << 30), NetChannelType.Ack);
        await ForgeAsync(bed.B, VnsTestBed.IpA, forged);
        await Bounded(VnsSuite.WaitUntil(() => bed.A.Counters.IgnoredGrants == 1));
        await AssertStillCarriesAsync(c, s, 4, 1 << 20);
        Assert.Equal(0, bed.B.Counters.CreditViolations);
        Assert.True(c.Counters.CreditWaits > 0, "a 1 MiB send through a 64 KiB window never waited for credit");
        await c.DisposeAsync();
        await s.DisposeAsync();
    }

    [Fact]
    public async Task ASynAckForAnotherIsnAndAMessageOfAnUnknownTypeAreIgnored()
    {
        await using VnsTestBed bed = await VnsTestBed.StartAsync(TransportKind.InMemory);
        (VnsSocket c, VnsSocket s) = await bed.ConnectAsync(7304);
        await ForgeAsync(bed.B, VnsTestBed.IpA, new MessageHeader((ushort)s.LocalEndPoint.Port, (ushort)s.RemoteEndPoint.Port, s.Isn + 12345, 0, NetChannelType.SynAck));
        await ForgeAsync(bed.A, VnsTestBed.IpB, From(c, (NetChannelType)9, 0, 0));
        await WaitFor(() => bed.A.Counters.IgnoredSynAcks == 1 && bed.B.Counters.IgnoredUnknownTypes == 1, () => $"A: {bed.A.Counters}; B: {bed.B.Counters}");
        await AssertStillCarriesAsync(c, s, 5, 100_000);
        await c.DisposeAsync();
        await s.DisposeAsync();
    }

    /// <summary>A peer's transport with no virtual-socket layer above it: it sends what the test forges and
    /// answers nothing (a SYN flood from a peer that never resets what it is sent back).</summary>
    private sealed class SilentSink : ITransportSink
    {
        public void OnChannelOpened(ITransportChannel channel) { }

        public void OnMessage(ITransportChannel channel, in MessageHeader header, RxPayload payload) => payload.Release();

        public void OnChannelDown(ITransportChannel channel, bool failed, Exception? error) { }
    }

    /// <summary>Issue 9: 3,000 SYNs to an accepting server grew its GC heap by 6 GiB (each rented its 2 MiB ring).
    /// Now a SYN costs the socket object: no credit until the application accepts, no ring until data must be
    /// copied; and one peer gets at most <see cref="VnsHostOptions.MaxConnectionsPerPeer"/> sockets — the rest
    /// are refused with RST — while another peer still connects and carries data.</summary>
    [Fact]
    public async Task ASynFloodCommitsNoReceiveMemoryAndAnotherPeerStillConnects()
    {
        const uint IpX = 0x0A000009;
        var net = new InMemoryNetwork();
        InMemoryTransport ta = net.CreateHost(VnsTestBed.IpA), tb = net.CreateHost(VnsTestBed.IpB), tx = net.CreateHost(IpX);
        VnsHostOptions ob = VnsTestBed.DefaultOptions("B");
        ob.MaxConnectionsPerPeer = 1000;
        try
        {
            await using VnsHost a = await VnsHost.StartAsync([ta], VnsTestBed.DefaultOptions("A"));
            await using VnsHost b = await VnsHost.StartAsync([tb], ob);
            await tx.StartAsync(new SilentSink(), CancellationToken.None);
            ITransportChannel flood = await Bounded(tx.OpenChannelAsync(VnsTestBed.IpB, TrafficClass.Throughput, CancellationToken.None).AsTask());
            await using VnsListener l = await b.ListenAsync(7305, new VnsListenerOptions { Backlog = 4096 });
            // An application that accepts everything it is given.
            var accepted = new List<VnsSocket>();
            using var stop = new CancellationTokenSource();
            Task acceptLoop = Task.Run(async () =>
            {
                try
                {
                    while (true)
                    {
                        VnsSocket s = await l.AcceptAsync(stop.Token);
                        lock (accepted) accepted.Add(s);
                    }
                }
                catch (OperationCanceledException) { }
            });
            GC.Collect();
            GC.WaitForPendingFinalizers();
            long before = GC.GetTotalMemory(true);
            const int Syns = 3000;
            for (int i = 0; i < Syns; i++)
            {
                uint isn = (uint)Random.Shared.Next();
                TxLease lease = await flood.ReserveAsync(CancellationToken.None);
                flood.Commit(lease, new MessageHeader((ushort)(20000 + i), 7305, isn, isn + (2u << 20), NetChannelType.Syn), 0);
            }
            await WaitFor(() => b.Counters.Accepted + b.Counters.SynsRefusedPeerLimit == Syns, () => $"B: {b.Counters}");
            await WaitFor(() => { lock (accepted) return accepted.Count == 1000; }, () => $"accepted {accepted.Count}; B: {b.Counters}");
            GC.Collect();
            GC.WaitForPendingFinalizers();
            long after = GC.GetTotalMemory(true);
            VnsHostCounters cb = b.Counters;
            Assert.Equal(1000, cb.Accepted);                  // the per-peer limit
            Assert.Equal(Syns - 1000, cb.SynsRefusedPeerLimit); // each answered with RST
            int ringBytes;
            lock (accepted) ringBytes = accepted.Sum(s => s.Receive.RingBytes);
            Assert.Equal(0, ringBytes);
            Assert.True(after - before < 32L << 20, $"the heap grew by {(after - before) >> 20} MiB for {Syns} SYNs");
            // Another peer connects and carries data, byte-exact, while the flood's sockets still stand.
            VnsSocket cc = await Bounded(a.ConnectAsync(new IPEndPoint(IPAddress.Parse("10.0.0.2"), 7305)).AsTask());
            VnsSocket cs;
            await WaitFor(() => { lock (accepted) return accepted.Count == 1001; }, () => $"accepted {accepted.Count}; B: {b.Counters}");
            lock (accepted) cs = accepted[^1];
            await AssertStillCarriesAsync(cc, cs, 6, 1 << 20);
            stop.Cancel();
            await Bounded(acceptLoop);
            foreach (VnsSocket s in accepted) await s.DisposeAsync();
            await cc.DisposeAsync();
        }
        finally
        {
            await tx.DisposeAsync();
            net.Dispose();
        }
    }
}
