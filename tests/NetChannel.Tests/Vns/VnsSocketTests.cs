using System;
using System.Linq;
using System.Net;
using System.Net.Sockets;
using System.Threading;
using System.Threading.Tasks;
using NetChannel.Harness;
using NetChannel.Scheduling;
using NetChannel.Vns;

namespace NetChannel.Tests.Vns;

/// <summary>Data on the lowest-numbered channel, control messages on the highest: lets a test hold the data
/// while the FIN overtakes it.</summary>
internal sealed class SplitPolicy : IChannelPolicy
{
    public string Name => "test-split";

    public Selection Select(ChannelView channels, ref PolicyCursor cursor, int flowHash, bool control)
    {
        int lo = 0, hi = 0;
        for (int i = 1; i < channels.Count; i++)
        {
            if (channels.Id(i) < channels.Id(lo)) lo = i;
            if (channels.Id(i) > channels.Id(hi)) hi = i;
        }
        return new Selection(control ? hi : lo, 0, false);
    }
}

/// <summary>Virtual-socket semantics over the in-memory network (which can hold, fail and crash channels).</summary>
public class VnsSocketTests
{
    private static Task<T> Bounded<T>(Task<T> t) => t.WaitAsync(VnsTestBed.TestTimeout);
    private static Task Bounded(Task t) => t.WaitAsync(VnsTestBed.TestTimeout);

    [Fact]
    public async Task FinThatOvertakesDataWaitsForIt()
    {
        await using VnsTestBed bed = await VnsTestBed.StartAsync(TransportKind.InMemory, o =>
        {
            o.Scheduler.ThroughputChannels = new ChannelLimits { Initial = 2, Min = 2, Max = 2 };
            o.Scheduler.DynamicScaling = false;
            o.Scheduler.ThroughputChannelPolicy = new SplitPolicy();
        });
        (VnsSocket c, VnsSocket s) = await bed.ConnectAsync(7100);
        int dataChannel = bed.A.Scheduler.Snapshot().Channels.Min(ch => ch.Id);
        bed.Net.Hold((InMemoryTransport)bed.TransportA, dataChannel, true);
        Task<long> reader = SocketIo.ReceivePatternAsync(s, 9, 4096);
        await SocketIo.SendPatternAsync(c, 9, 200_000, 200_000, shutdown: true);
        // The FIN (on the other channel) arrives while every byte is still held back.
        await Bounded(VnsSuite.WaitUntil(() => s.Counters.FinBeforeData == 1));
        await Bounded(bed.Net.QuiesceAsync());   // everything but the held channel delivered
        Assert.False(reader.IsCompleted, "end-of-stream must wait for the data the FIN overtook");
        Assert.Equal(0, s.Counters.BytesReceived);
        bed.Net.Hold((InMemoryTransport)bed.TransportA, dataChannel, false);
        Assert.Equal(200_000, await Bounded(reader));
        await c.DisposeAsync();
        await s.DisposeAsync();
    }

    [Fact]
    public async Task TinyChunksHeavyReorderingSmallCreditAndSequenceWrap()
    {
        await using VnsTestBed bed = await VnsTestBed.StartAsync(TransportKind.InMemory, o => o.Scheduler.ThroughputChannels = new ChannelLimits { Initial = 3, Min = 3, Max = 3 },
            new InMemoryNetworkOptions { MaxPayload = 700, ReorderWindow = 64, Seed = 5, TxRingSize = 128, RxBuffers = 128 });
        bed.A.IsnGenerator = () => 0xFFFF_F000; // both directions wrap after 4 KiB
        await using VnsListener l = await bed.B.ListenAsync(7101, new VnsListenerOptions { ReceiveBufferSize = 16 << 10 });
        (VnsSocket c, VnsSocket s) = await bed.ConnectAsync(7101, new VnsSocketOptions { ReceiveBufferSize = 8 << 10 }, l);
        const long N = 3 << 20;
        await Bounded(Task.WhenAll(SocketIo.SendPatternAsync(c, 21, N, 100_000), SocketIo.SendPatternAsync(s, 22, N, 33_333),
            Check(SocketIo.ReceivePatternAsync(s, 21, 5000)), Check(SocketIo.ReceivePatternAsync(c, 22, 70_000))));
        Assert.True(s.Counters.OutOfOrderChunks > 1000, $"only {s.Counters.OutOfOrderChunks} chunks arrived out of order");
        Assert.True(c.Counters.CreditWaits > 0 && s.Counters.CreditWaits > 0);
        Assert.Equal(0, s.Counters.CreditViolations);
        await c.DisposeAsync();
        await s.DisposeAsync();

        static async Task Check(Task<long> t) => Assert.Equal(N, await t);
    }

    [Fact]
    public async Task ReceiveCancellationThrowsWithTheTokenAndLosesNothing()
    {
        await using VnsTestBed bed = await VnsTestBed.StartAsync(TransportKind.InMemory);
        (VnsSocket c, VnsSocket s) = await bed.ConnectAsync(7102);
        using var cts = new CancellationTokenSource();
        byte[] buf = new byte[100];
        ValueTask<int> pending = s.ReceiveAsync(buf, cts.Token);
        cts.Cancel();
        OperationCanceledException e = await Assert.ThrowsAnyAsync<OperationCanceledException>(async () => await pending);
        Assert.Equal(cts.Token, e.CancellationToken);
        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () => await s.ReceiveAsync(buf, cts.Token)); // already cancelled
        Assert.True(s.Connected);
        await c.SendAsync(new byte[] { 1, 2, 3 });
        int n = await Bounded(s.ReceiveAsync(buf).AsTask());
        Assert.Equal(3, n);
        Assert.Equal(new byte[] { 1, 2, 3 }, buf[..3]);
        await c.DisposeAsync();
        await s.DisposeAsync();
    }

    [Fact]
    public async Task SendWaitingForCreditCanBeCancelledAndTheSocketStaysUsable()
    {
        await using VnsTestBed bed = await VnsTestBed.StartAsync(TransportKind.InMemory);
        await using VnsListener l = await bed.B.ListenAsync(7103, new VnsListenerOptions { ReceiveBufferSize = 8192 });
        (VnsSocket c, VnsSocket s) = await bed.ConnectAsync(7103, listener: l);
        await c.SendAsync(new byte[8192]); // exactly the credit
        Assert.Equal(8192, c.Counters.BytesSent);
        using var cts = new CancellationTokenSource();
        ValueTask<int> blocked = c.SendAsync(new byte[10], cts.Token);
        await Bounded(bed.Net.QuiesceAsync());   // no grant is in flight
        Assert.False(blocked.IsCompleted);
        cts.Cancel();
        OperationCanceledException e = await Assert.ThrowsAnyAsync<OperationCanceledException>(async () => await blocked);
        Assert.Equal(cts.Token, e.CancellationToken);
        Assert.True(c.Connected, "nothing of the cancelled send had left: the socket must stay usable");
        Task<long> r = Task.Run(async () =>
        {
            long total = 0;
            byte[] b = new byte[4096];
            int k;
            while ((k = await s.ReceiveAsync(b)) > 0) total += k;
            return total;
        });
        await c.SendAsync(new byte[20_000]);
        c.ShutdownSend();
        Assert.Equal(28_192, await Bounded(r));
        await c.DisposeAsync();
        await s.DisposeAsync();
    }

    [Fact]
    public async Task SendCancelledHalfwayAbortsTheConnection()
    {
        await using VnsTestBed bed = await VnsTestBed.StartAsync(TransportKind.InMemory);
        await using VnsListener l = await bed.B.ListenAsync(7104, new VnsListenerOptions { ReceiveBufferSize = 8192 });
        (VnsSocket c, VnsSocket s) = await bed.ConnectAsync(7104, listener: l);
        using var cts = new CancellationTokenSource();
        ValueTask<int> send = c.SendAsync(new byte[100_000], cts.Token);
        await Bounded(VnsSuite.WaitUntil(() => c.Counters.BytesSent == 8192));
        cts.Cancel();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () => await send);
        Assert.Equal(VnsSocketState.Aborted, c.State);
        SocketException e = await Assert.ThrowsAsync<SocketException>(async () => await c.SendAsync(new byte[1]));
        Assert.Equal(SocketError.OperationAborted, e.SocketErrorCode);
        // The peer learns it from the RST.
        await Bounded(VnsSuite.WaitUntil(() => s.State == VnsSocketState.Aborted));
        SocketException pe = await Assert.ThrowsAsync<SocketException>(async () => await s.ReceiveAsync(new byte[10]));
        Assert.Equal(SocketError.ConnectionReset, pe.SocketErrorCode);
        await c.DisposeAsync();
        await s.DisposeAsync();
    }

    [Fact]
    public async Task GracefulDisposeGivesThePeerEndOfStreamAfterAllData()
    {
        await using VnsTestBed bed = await VnsTestBed.StartAsync(TransportKind.InMemory);
        (VnsSocket c, VnsSocket s) = await bed.ConnectAsync(7105);
        await SocketIo.SendPatternAsync(c, 3, 1 << 20, 1 << 20, shutdown: false);
        await c.DisposeAsync(); // sends FIN: graceful
        Assert.Equal(1 << 20, await Bounded(SocketIo.ReceivePatternAsync(s, 3, 1 << 16)));
        Assert.Equal(0, await s.ReceiveAsync(new byte[1])); // end-of-stream stays end-of-stream
        Assert.Equal(0, await s.ReceiveAsync(new byte[1]));
        // The other direction is still open; the peer's data to the closed socket is answered with RST.
        await s.SendAsync(new byte[100]);
        await Bounded(VnsSuite.WaitUntil(() => s.State == VnsSocketState.Aborted));
        Assert.True(bed.A.Counters.UnknownSocketMessages >= 1);
        await s.DisposeAsync();
    }

    [Fact]
    public async Task DisposeWithUnreadDataResetsThePeerAndAbortResetsToo()
    {
        await using VnsTestBed bed = await VnsTestBed.StartAsync(TransportKind.InMemory);
        (VnsSocket c, VnsSocket s) = await bed.ConnectAsync(7106);
        await c.SendAsync(new byte[1000]);
        await Bounded(VnsSuite.WaitUntil(() => s.Counters.BytesReceived == 1000));
        Task<int> peerRead = c.ReceiveAsync(new byte[10]).AsTask();
        await s.DisposeAsync(); // 1000 bytes unread: abortive, like TCP
        SocketException e = await Assert.ThrowsAsync<SocketException>(() => Bounded(peerRead));
        Assert.Equal(SocketError.ConnectionReset, e.SocketErrorCode);
        await c.DisposeAsync();

        (VnsSocket c2, VnsSocket s2) = await bed.ConnectAsync(7107);
        Task<int> r2 = s2.ReceiveAsync(new byte[10]).AsTask();
        c2.Abort();
        Assert.Equal(SocketError.ConnectionReset, (await Assert.ThrowsAsync<SocketException>(() => Bounded(r2))).SocketErrorCode);
        Assert.Equal(SocketError.ConnectionAborted, (await Assert.ThrowsAsync<SocketException>(async () => await c2.ReceiveAsync(new byte[1]))).SocketErrorCode);
        await c2.DisposeAsync();
        await s2.DisposeAsync();
    }

    [Fact]
    public async Task MisuseThrowsClearExceptions()
    {
        await using VnsTestBed bed = await VnsTestBed.StartAsync(TransportKind.InMemory);
        (VnsSocket c, VnsSocket s) = await bed.ConnectAsync(7108);
        ValueTask<int> first = s.ReceiveAsync(new byte[10]);
        Assert.Throws<InvalidOperationException>(() => { _ = s.ReceiveAsync(new byte[10]); });
        await c.SendAsync(new byte[3]);
        Assert.Equal(3, await first);
        c.ShutdownSend();
        c.ShutdownSend(); // idempotent
        Assert.Throws<InvalidOperationException>(() => { _ = c.SendAsync(new byte[1]); });
        await c.DisposeAsync();
        Assert.Throws<ObjectDisposedException>(() => { _ = c.SendAsync(new byte[1]); });
        Assert.Throws<ObjectDisposedException>(() => { _ = c.ReceiveAsync(new byte[1]); });
        Assert.Throws<ObjectDisposedException>(() => c.ShutdownSend());
        await c.DisposeAsync(); // idempotent
        await s.DisposeAsync();
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(async () => await bed.B.ListenAsync(0));
        await using VnsListener l = await bed.B.ListenAsync(7109);
        Assert.Equal(SocketError.AddressAlreadyInUse, (await Assert.ThrowsAsync<SocketException>(async () => await bed.B.ListenAsync(7109))).SocketErrorCode);
        await Assert.ThrowsAsync<ArgumentException>(async () => await bed.A.ConnectAsync(new IPEndPoint(IPAddress.IPv6Loopback, 1)));
        await Assert.ThrowsAsync<ArgumentException>(async () => await bed.A.ConnectAsync(VnsTestBed.EndPointB(0)));
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(async () => await bed.A.ConnectAsync(VnsTestBed.EndPointB(1), new VnsSocketOptions { ReceiveBufferSize = 100 }));
        Assert.Throws<ArgumentOutOfRangeException>(() => new VnsHost(new VnsHostOptions { Scheduler = new SchedulerOptions { ThroughputChannels = new ChannelLimits { Min = 3, Max = 2 } } }));
        Assert.Throws<ArgumentOutOfRangeException>(() => new RoundRobinChannelPolicy(0));
    }

    [Fact]
    public async Task UnreachableHostAndSilentPeerFailInBoundedTime()
    {
        await using VnsTestBed bed = await VnsTestBed.StartAsync(TransportKind.InMemory);
        SocketException e = await Assert.ThrowsAsync<SocketException>(async () => await bed.A.ConnectAsync(new IPEndPoint(IPAddress.Parse("10.9.9.9"), 80)));
        Assert.Equal(SocketError.HostUnreachable, e.SocketErrorCode);
        // A host whose NIC answers channel opens but whose stack is not running: SYNs vanish.
        bed.Net.CreateHost(0x0A000003);
        SocketException t = await Assert.ThrowsAsync<SocketException>(() => Bounded(bed.A.ConnectAsync(new IPEndPoint(IPAddress.Parse("10.0.0.3"), 80),
            new VnsSocketOptions { ConnectTimeout = TimeSpan.FromMilliseconds(1500) }).AsTask()));
        Assert.Equal(SocketError.TimedOut, t.SocketErrorCode);
        Assert.True(bed.A.Counters.SynRetries >= 1);
        Assert.Equal(1, bed.A.Counters.ConnectTimeouts);
    }

    [Fact]
    public async Task RetriedSynReachesAListenerThatStartsLate()
    {
        using var net = new InMemoryNetwork();
        InMemoryTransport ta = net.CreateHost(VnsTestBed.IpA), tb = net.CreateHost(VnsTestBed.IpB);
        await using VnsHost a = await VnsHost.StartAsync([ta], VnsTestBed.DefaultOptions("A"));
        Task<VnsSocket> connect = a.ConnectAsync(VnsTestBed.EndPointB(7110)).AsTask();
        await Bounded(VnsSuite.WaitUntil(() => a.Counters.SynRetries >= 1));
        await using VnsHost b = await VnsHost.StartAsync([tb], VnsTestBed.DefaultOptions("B"));
        await using VnsListener l = await b.ListenAsync(7110);
        VnsSocket c = await Bounded(connect);
        VnsSocket s = await Bounded(l.AcceptAsync().AsTask());
        await c.SendAsync(new byte[] { 42 });
        byte[] one = new byte[1];
        Assert.Equal(1, await s.ReceiveAsync(one));
        Assert.Equal(42, one[0]);
        await c.DisposeAsync();
        await s.DisposeAsync();
    }

    [Fact]
    public async Task FullBacklogDefersConnectsUntilAccepted()
    {
        await using VnsTestBed bed = await VnsTestBed.StartAsync(TransportKind.InMemory);
        await using VnsListener l = await bed.B.ListenAsync(7111, new VnsListenerOptions { Backlog = 1 });
        Task<VnsSocket> c1 = bed.A.ConnectAsync(VnsTestBed.EndPointB(7111)).AsTask();
        await Bounded(c1);
        Task<VnsSocket> c2 = bed.A.ConnectAsync(VnsTestBed.EndPointB(7111)).AsTask();
        await Bounded(VnsSuite.WaitUntil(() => bed.B.Counters.BacklogDrops >= 1));
        Assert.False(c2.IsCompleted);
        VnsSocket s1 = await l.AcceptAsync();
        VnsSocket s2 = await Bounded(l.AcceptAsync().AsTask());
        await Bounded(c2);
        foreach (VnsSocket x in new[] { await c1, await c2, s1, s2 }) await x.DisposeAsync();
    }

    [Fact]
    public async Task ChannelFailureAbortsTheSocketsThatUsedIt()
    {
        await using VnsTestBed bed = await VnsTestBed.StartAsync(TransportKind.InMemory, o => o.Scheduler.ThroughputChannels = new ChannelLimits { Initial = 1, Min = 1, Max = 1 });
        (VnsSocket c, VnsSocket s) = await bed.ConnectAsync(7112);
        (VnsSocket lc, VnsSocket ls) = await bed.ConnectAsync(7113, new VnsSocketOptions { Class = TrafficClass.Latency });
        await c.SendAsync(new byte[100]);
        Task<int> pending = c.ReceiveAsync(new byte[10]).AsTask();
        int id = bed.A.Scheduler.Snapshot().Channels.Single(ch => ch.Class == TrafficClass.Throughput).Id;
        InMemoryTransport ta = (InMemoryTransport)bed.TransportA;
        bed.Net.FailChannel(ta, id);
        Assert.Equal(SocketError.ConnectionAborted, (await Assert.ThrowsAsync<SocketException>(() => Bounded(pending))).SocketErrorCode);
        await Bounded(VnsSuite.WaitUntil(() => s.State == VnsSocketState.Aborted));
        // The latency socket used another channel and is unaffected.
        await lc.SendAsync(new byte[] { 7 });
        Assert.Equal(1, await Bounded(ls.ReceiveAsync(new byte[4]).AsTask()));
        Assert.Equal(1, bed.A.Scheduler.Counters.ChannelsLost);
        // New sockets get a new channel.
        (VnsSocket c3, VnsSocket s3) = await bed.ConnectAsync(7114);
        await c3.SendAsync(new byte[5]);
        Assert.Equal(5, await Bounded(s3.ReceiveAsync(new byte[5]).AsTask()));
        foreach (VnsSocket x in new[] { c, s, lc, ls, c3, s3 }) await x.DisposeAsync();
    }

    [Fact]
    public async Task HostShutdownResetsThePeersSockets()
    {
        using var net = new InMemoryNetwork();
        InMemoryTransport ta = net.CreateHost(VnsTestBed.IpA), tb = net.CreateHost(VnsTestBed.IpB);
        VnsHost a = await VnsHost.StartAsync([ta], VnsTestBed.DefaultOptions("A"));
        await using VnsHost b = await VnsHost.StartAsync([tb], VnsTestBed.DefaultOptions("B"));
        await using VnsListener l = await b.ListenAsync(7115);
        Task<VnsSocket> acc = l.AcceptAsync().AsTask();
        VnsSocket c = await a.ConnectAsync(VnsTestBed.EndPointB(7115));
        VnsSocket s = await Bounded(acc);
        Task<int> r = s.ReceiveAsync(new byte[10]).AsTask();
        await a.DisposeAsync();
        SocketException e = await Assert.ThrowsAsync<SocketException>(() => Bounded(r));
        Assert.True(e.SocketErrorCode is SocketError.ConnectionReset or SocketError.ConnectionAborted, e.SocketErrorCode.ToString());
        Assert.Equal(SocketError.Shutdown, (await Assert.ThrowsAsync<SocketException>(async () => await c.SendAsync(new byte[1]))).SocketErrorCode);
        await s.DisposeAsync();
    }

    [Fact]
    public async Task ZeroByteReceiveWaitsForDataWithoutConsumingIt()
    {
        await using VnsTestBed bed = await VnsTestBed.StartAsync(TransportKind.InMemory);
        (VnsSocket c, VnsSocket s) = await bed.ConnectAsync(7116);
        ValueTask<int> zero = s.ReceiveAsync(Memory<byte>.Empty);
        await Bounded(bed.Net.QuiesceAsync());   // everything in flight delivered
        Assert.False(zero.IsCompleted);
        await c.SendAsync(new byte[] { 5, 6 });
        Assert.Equal(0, await Bounded(zero.AsTask()));
        byte[] b = new byte[2];
        Assert.Equal(2, await s.ReceiveAsync(b));
        Assert.Equal(new byte[] { 5, 6 }, b);
        c.ShutdownSend();
        Assert.Equal(0, await Bounded(s.ReceiveAsync(Memory<byte>.Empty).AsTask())); // end-of-stream
        Assert.Equal(0, await s.ReceiveAsync(b));
        await c.DisposeAsync();
        await s.DisposeAsync();
    }

    [Fact]
    public async Task AHostWithTwoNicsReachesEachPeerAddressThroughItsOwnNic()
    {
        using var net1 = new InMemoryNetwork();
        using var net2 = new InMemoryNetwork();
        InMemoryTransport a1 = net1.CreateHost(0x0A000001), b1 = net1.CreateHost(0x0A000002);
        InMemoryTransport a2 = net2.CreateHost(0x0A010001), b2 = net2.CreateHost(0x0A010002);
        await using VnsHost a = await VnsHost.StartAsync([a1, a2], VnsTestBed.DefaultOptions("A"));
        await using VnsHost b = await VnsHost.StartAsync([b1, b2], VnsTestBed.DefaultOptions("B"));
        Assert.Equal(2, a.Transports.Count);
        await using VnsListener l = await b.ListenAsync(7120);
        foreach (string ip in new[] { "10.0.0.2", "10.1.0.2" })
        {
            Task<VnsSocket> acc = l.AcceptAsync().AsTask();
            await using VnsSocket c = await a.ConnectAsync(new IPEndPoint(IPAddress.Parse(ip), 7120));
            await using VnsSocket s = await Bounded(acc);
            Assert.Equal(ip, s.LocalEndPoint.Address.ToString());
            Assert.Equal(ip == "10.0.0.2" ? "10.0.0.1" : "10.1.0.1", c.LocalEndPoint.Address.ToString());
            Task<long> r = SocketIo.ReceivePatternAsync(s, 8, 1 << 16);
            await SocketIo.SendPatternAsync(c, 8, 500_000, 100_000);
            Assert.Equal(500_000, await Bounded(r));
        }
        // Each network carried its own connection.
        Assert.True(net1.Delivered > 50 && net2.Delivered > 50, $"{net1.Delivered} / {net2.Delivered} messages");
        Assert.Equal(2, a.Scheduler.Snapshot().Groups.Select(g => g.Transport).Distinct().Count());
    }

    private static int HeldRx(VnsHost h) => h.Scheduler.Bindings().Sum(b => b.Channels.Values.Sum(ch => Volatile.Read(ref ch.HeldRx)));

    [Fact]
    public async Task StalledReaderHoldsAtMostTheChannelsShareOfRxBuffersAndGivesThemBack()
    {
        await using VnsTestBed bed = await VnsTestBed.StartAsync(TransportKind.InMemory, o =>
        {
            o.Scheduler.ThroughputChannels = new ChannelLimits { Initial = 1, Min = 1, Max = 1 };
            o.Scheduler.DynamicScaling = false;
        });
        int share = (int)(bed.Net.Options.RxBuffers * bed.B.Scheduler.Options.ReceiveHoldFraction);
        Assert.True(share > 0);
        (VnsSocket c, VnsSocket s) = await bed.ConnectAsync(7200);
        // Nobody reads s: its chunks are held up to the channel's share, the rest go through its ring.
        const int Stalled = 1 << 20;
        await Bounded(SocketIo.SendPatternAsync(c, 21, Stalled, 64 * 1024, shutdown: false));
        await Bounded(VnsSuite.WaitUntil(() => s.Counters.BytesReceived == Stalled));
        int held = HeldRx(bed.B);
        Assert.InRange(held, 1, share);
        // Another socket on the same channel still flows.
        (VnsSocket c2, VnsSocket s2) = await bed.ConnectAsync(7201);
        Task<long> r2 = SocketIo.ReceivePatternAsync(s2, 22, 32 * 1024);
        await Bounded(SocketIo.SendPatternAsync(c2, 22, 4 << 20, 64 * 1024));
        Assert.Equal(4 << 20, await Bounded(r2));
        // Reading gives the held buffers back, and every byte is right (held chunks and ring interleaved).
        c.ShutdownSend();
        Assert.Equal(Stalled, await Bounded(SocketIo.ReceivePatternAsync(s, 21, 5000)));
        Assert.True(s.Counters.DirectBytes > 0);
        await Bounded(VnsSuite.WaitUntil(() => HeldRx(bed.B) == 0));
        // A socket disposed with held, unread data gives them back at once (and resets the connection).
        (VnsSocket c3, VnsSocket s3) = await bed.ConnectAsync(7202);
        await Bounded(SocketIo.SendPatternAsync(c3, 23, 256 * 1024, 64 * 1024, shutdown: false));
        await Bounded(VnsSuite.WaitUntil(() => s3.Counters.BytesReceived == 256 * 1024));
        Assert.True(HeldRx(bed.B) > 0);
        await s3.DisposeAsync();
        Assert.Equal(0, HeldRx(bed.B));
        await Bounded(VnsSuite.WaitUntil(() => c3.State == VnsSocketState.Aborted));
        await c.DisposeAsync();
        await s.DisposeAsync();
        await c2.DisposeAsync();
        await s2.DisposeAsync();
        await c3.DisposeAsync();
    }
}
