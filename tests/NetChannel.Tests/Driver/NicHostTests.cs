using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using NetChannel.Device;
using NetChannel.Device.Loopback;
using NetChannel.Driver;
using NetChannel.Wire;

namespace NetChannel.Tests.Driver;

/// <summary>The host driver on a pair of NICs: channel life cycle with the peer, data path, failures. Written
/// once, run on the loopback test device (<see cref="NicHostTests"/>) and on two simulated NICs
/// (<see cref="SimulatedNicHostTests"/>: the nc_nic RTL under libncsim).</summary>
public abstract class NicHostSuite
{
    /// <summary>The NICs the hosts run on.</summary>
    private protected abstract PairDevices Kind { get; }

    /// <summary>A short retransmission timeout for the tests that wait for a channel to fail: short enough that
    /// RETRY_LIMIT + 1 of them pass quickly, long enough that a live peer's acknowledgement is never late.</summary>
    private protected abstract uint FastFailRtoCycles { get; }

    /// <summary>A timer setting of a test, given for a device whose clock runs at wall speed (the loopback
    /// device's): the same there, a hundredth of it on the simulated NICs, whose clock is simulated time
    /// (several hundred times slower than the wall clock).</summary>
    private protected virtual TimeSpan DeviceTime(TimeSpan atWallSpeed) => atWallSpeed;

    private protected Task<HostPair> StartPair(Action<NicHostOptions>? a = null, Action<NicHostOptions>? b = null) => HostPair.StartAsync(a, b, null, Kind);

    [Fact]
    public async Task OpenAndCloseAreAgreedWithThePeer()
    {
        await using HostPair p = await StartPair();
        var (a, b) = await p.OpenAsync(ChannelClass.Latency);
        Assert.Equal(ChannelState.Open, a.State);
        Assert.Equal(ChannelState.Open, b.State);
        Assert.Equal(HostPair.AddrB, a.Peer);
        Assert.Equal(HostPair.AddrA, b.Peer);
        Assert.Equal(ChannelClass.Latency, b.Class);
        Assert.Equal(9000, a.MaxPayload);
        Assert.Contains(a, p.SinkA.Opened); // the opener's sink hears of its own channels too
        Assert.Single(p.A.Channels);
        Assert.Single(p.B.Channels);
        Assert.True(p.B.TryResolve(HostPair.AddrA.Ip, out PeerAddress learned)); // learned from management frames
        Assert.Equal(HostPair.AddrA, learned);

        // The NIC contexts agree: each side's initial PSN is the other's expected one.
        NicChannelCounters na = a.ReadNicCounters(), nb = b.ReadNicCounters();
        Assert.Equal(1, na.State);
        Assert.Equal(na.TxNext, nb.RxAck);
        Assert.Equal(nb.TxNext, na.RxAck);

        await a.CloseAsync().AsTask().WaitAsync(TestUtil.HangGuard);
        Assert.Equal(ChannelState.Closed, a.State);
        Assert.True(await p.SinkB.WaitUntilAsync(() => !p.SinkB.Down.IsEmpty));
        p.SinkB.Down.TryPeek(out var down);
        Assert.Same(b, down.Channel);
        Assert.Equal(NetChannelError.ClosedByPeer, Assert.IsType<NetChannelException>(down.Error).Error);
        Assert.Equal(ChannelState.Closed, b.State);
        Assert.Empty(p.A.Channels);
        Assert.Empty(p.B.Channels);
        Assert.True(p.SinkA.Down.IsEmpty); // a local close is not reported as "down"
        Assert.Throws<NetChannelException>(() => a.TryReserve(out _));
        Assert.Equal(0, a.Counters.Nic.State);
        Assert.Null(GetControlError(p));
    }

    internal static Exception? GetControlError(HostPair p) =>
        (Exception?)typeof(NicHost).GetProperty("ControlError", System.Reflection.BindingFlags.NonPublic | System.Reflection.BindingFlags.Instance)!.GetValue(p.A)
        ?? (Exception?)typeof(NicHost).GetProperty("ControlError", System.Reflection.BindingFlags.NonPublic | System.Reflection.BindingFlags.Instance)!.GetValue(p.B);

    [Fact]
    public async Task TwelveThousandMessagesOfRandomSizesOnSeveralChannelsArriveExactlyOnceAndIntact()
    {
        await using HostPair p = await StartPair();
        var chans = new List<(Channel tx, Channel rx)>();
        for (int i = 0; i < 3; i++)
        {
            var (a, b) = await p.OpenAsync(i == 2 ? ChannelClass.Latency : ChannelClass.Throughput);
            chans.Add((a, b));
            chans.Add((b, a)); // both directions
        }
        const int PerStream = 2000;
        var seen = new ConcurrentDictionary<(int, uint), int>();
        var bad = new ConcurrentQueue<string>();
        void Handler(Channel ch, NcMessage m, RxBuffer buf)
        {
            if (buf.Length != (int)m.Grant || !HostPair.Check(buf.Span, m.SrcPort, m.Seq)) bad.Enqueue($"stream {m.SrcPort} seq {m.Seq}: payload differs");
            if (seen.AddOrUpdate((m.SrcPort, m.Seq), 1, (_, v) => v + 1) != 1) bad.Enqueue($"stream {m.SrcPort} seq {m.Seq} delivered twice");
            buf.Release();
        }
        p.SinkA.Handler = Handler;
        p.SinkB.Handler = Handler;
        var rng = new Random(42);
        int[] sizes = Enumerable.Range(0, PerStream).Select(_ => rng.Next(10) == 0 ? 0 : rng.Next(1, Spec.MaxPayloadBytes + 1)).ToArray();
        Task[] senders = chans.Select((c, k) => Task.Run(() => HostPair.SendAsync(c.tx, 100 + k, PerStream, i => sizes[i]))).ToArray();
        await Task.WhenAll(senders).WaitAsync(TestUtil.HangGuard);
        int total = chans.Count * PerStream;
        Assert.True(await p.SinkA.WaitUntilAsync(() => p.SinkA.Count + p.SinkB.Count >= total), $"{p.SinkA.Count + p.SinkB.Count} of {total} arrived");
        Assert.Empty(bad);
        Assert.Equal(total, seen.Count);
        Assert.Equal(total, p.SinkA.Count + p.SinkB.Count);
        foreach (var (tx, rx) in chans)
        {
            Assert.True(await TestUtil.Until(() => tx.QueuedMessages == 0));
            Assert.Equal(PerStream, tx.Counters.TxMessages);
            Assert.Equal(0, tx.Counters.TxErrors);
            Assert.Equal(sizes.Sum(), tx.Counters.TxBytes);
            Assert.Equal(0, tx.QueuedBytes);
        }
        NicCounters ca = p.A.ReadCounters();
        Assert.Equal(0ul, ca.RxNoBuffer + ca.BadDescriptors + ca.BadDoorbells + ca.CompletionOverflows + ca.EventQueueOverflows);
        Assert.Null(GetControlError(p));
    }

    [Fact]
    public async Task CommitsInAnyOrderArePostedInRingOrderWithOneDoorbellPerBatch()
    {
        await using HostPair p = await StartPair();
        var (a, b) = await p.OpenAsync();
        var slots = new TxSlot[8];
        for (int i = 0; i < 8; i++) Assert.True(a.TryReserve(out slots[i]));
        Assert.Equal(8, a.QueuedMessages);
        long doorbells = a.Counters.Doorbells;
        // Reverse order: nothing can be posted until slot 0 is committed, then all 8 go with one doorbell.
        for (int i = 7; i >= 0; i--)
        {
            HostPair.Fill(slots[i].Buffer.Slice(0, 100), 1, (uint)i);
            a.Commit(slots[i], new NcMessage(1, 2, (uint)i, 100, NetChannelType.Data), 100);
            if (i > 0) Assert.Equal(doorbells, a.Counters.Doorbells);
        }
        Assert.Equal(doorbells + 1, a.Counters.Doorbells);
        Assert.True(await p.SinkB.WaitUntilAsync(() => p.SinkB.Count == 8));
        // The NIC takes descriptors in ring order: the peer sees seq 0..7 in that order.
        Assert.Equal(Enumerable.Range(0, 8).Select(i => (uint)i), p.SinkB.Messages.Select(m => m.Msg.Seq));
        Assert.All(p.SinkB.Messages, m => Assert.True(HostPair.Check(m.Payload, 1, m.Msg.Seq)));

        // Many threads committing a shuffled set of slots: everything arrives once.
        var more = new TxSlot[24];
        for (int i = 0; i < more.Length; i++) more[i] = await a.ReserveAsync();
        int[] order = Enumerable.Range(0, more.Length).OrderBy(_ => Random.Shared.Next()).ToArray();
        await Parallel.ForEachAsync(order, new ParallelOptions { MaxDegreeOfParallelism = 4 }, (i, _) =>
        {
            HostPair.Fill(more[i].Buffer.Slice(0, 50), 1, (uint)(100 + i));
            a.Commit(more[i], new NcMessage(1, 2, (uint)(100 + i), 50, NetChannelType.Data), 50);
            return ValueTask.CompletedTask;
        });
        Assert.True(await p.SinkB.WaitUntilAsync(() => p.SinkB.Count == 32));
        Assert.Equal(32, p.SinkB.Messages.Select(m => m.Msg.Seq).Distinct().Count());
    }

    [Fact]
    public async Task AnExhaustedReceivePoolWithholdsCreditAndLosesNothing()
    {
        // Rx ring 32, pool 64: a consumer that holds every buffer stops the peer after 64 messages.
        await using HostPair p = await StartPair();
        var (a, b) = await p.OpenAsync();
        var held = new ConcurrentQueue<(NcMessage, RxBuffer)>();
        p.SinkB.Handler = (ch, m, buf) => held.Enqueue((m, buf));
        const int N = 200;
        Task sender = Task.Run(() => HostPair.SendAsync(a, 5, N, i => 1 + i % 3000));
        Assert.True(await p.SinkB.WaitUntilAsync(() => p.SinkB.Count == 64));
        await TestUtil.Elapse(p.A.Clock, DeviceTime(TimeSpan.FromMilliseconds(100)));   // many round trips of device time
        Assert.Equal(64, p.SinkB.Count); // no more: credit is withheld
        Assert.True(b.Counters.RxStarvations >= 1);
        Assert.True(a.QueuedMessages > 0);
        Assert.False(sender.IsCompleted);
        // Release everything as it comes: the rest flows.
        p.SinkB.Handler = (ch, m, buf) => held.Enqueue((m, buf));
        var seen = new HashSet<uint>();
        int released = 0;
        while (released < N)
        {
            if (held.TryDequeue(out var h))
            {
                Assert.True(HostPair.Check(h.Item2.Span, 5, h.Item1.Seq));
                Assert.True(seen.Add(h.Item1.Seq));
                h.Item2.Release();
                released++;
            }
            else await p.SinkB.WaitUntilAsync(() => !held.IsEmpty);
            Assert.True(released == N || !held.IsEmpty || await p.SinkB.WaitUntilAsync(() => !held.IsEmpty), $"stalled after {released}");
        }
        await sender.WaitAsync(TestUtil.HangGuard);
        Assert.Equal(N, seen.Count);
        NicCounters nb = p.B.ReadCounters();
        Assert.Equal(0ul, nb.RxNoBuffer);
    }

    [Fact]
    public async Task ReserveAsyncWaitsForASlotAndHonoursCancellation()
    {
        await using HostPair p = await StartPair(b: o => o.RxRingLog = 1); // B grants 2 buffers
        var (a, b) = await p.OpenAsync();
        var held = new ConcurrentQueue<RxBuffer>();
        p.SinkB.Handler = (ch, m, buf) => held.Enqueue(buf);
        // Fill A's 32 Tx slots: B's pool (4 buffers) is soon exhausted, so they stay in flight.
        for (int i = 0; i < a.TxCapacity; i++)
        {
            TxSlot s = await a.ReserveAsync();
            a.Commit(s, new NcMessage(1, 1, (uint)i, 0, NetChannelType.Data), 1);
        }
        Assert.True(await p.SinkB.WaitUntilAsync(() => p.SinkB.Count == 4)); // B's pool is dry now
        Assert.True(await TestUtil.Until(() => a.Counters.TxMessages == 4));
        int extra = 0;
        while (a.TryReserve(out TxSlot s)) { a.Commit(s, new NcMessage(1, 1, (uint)(100 + extra), 0, NetChannelType.Data), 1); extra++; }
        Assert.Equal(4, extra); // the four slots the delivered messages freed
        Assert.Equal(a.TxCapacity, a.QueuedMessages);
        using var cts = new CancellationTokenSource(50);
        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () => await a.ReserveAsync(cts.Token));
        ValueTask<TxSlot> waiting = a.ReserveAsync();
        Assert.False(waiting.IsCompleted);
        Assert.True(a.Counters.ReserveWaits >= 2);
        while (held.TryDequeue(out RxBuffer r)) r.Release(); // frees B's buffers: A's messages complete
        p.SinkB.Handler = (ch, m, buf) => buf.Release();
        TxSlot got = await waiting.AsTask().WaitAsync(TestUtil.HangGuard);
        a.Commit(got, new NcMessage(1, 1, 999, 0, NetChannelType.Ack), 0);
        Assert.True(await p.SinkB.WaitUntilAsync(() => p.SinkB.Count == 37));
    }

    [Fact]
    public async Task ClosingDrainsTheMessagesInFlightFirst()
    {
        await using HostPair p = await StartPair();
        var (a, b) = await p.OpenAsync();
        var held = new ConcurrentQueue<RxBuffer>();
        p.SinkB.Handler = (ch, m, buf) => held.Enqueue(buf);
        await HostPair.SendAsync(a, 1, 80, i => 100); // 64 arrive, 16 wait for B's buffers
        Assert.True(await p.SinkB.WaitUntilAsync(() => p.SinkB.Count == 64));
        ValueTask closing = a.CloseAsync();
        Assert.True(await TestUtil.Until(() => a.State == ChannelState.Closing));
        Assert.Throws<NetChannelException>(() => a.TryReserve(out _));
        Assert.False(closing.IsCompleted);
        p.SinkB.Handler = (ch, m, buf) => buf.Release();
        while (held.TryDequeue(out RxBuffer r)) r.Release();
        await closing.AsTask().WaitAsync(TestUtil.HangGuard);
        Assert.Equal(80, p.SinkB.Count);
        Assert.Equal(80, a.Counters.TxMessages);
    }

    [Fact]
    public async Task ClosingGivesEveryPostedReceiveBufferBackToThePoolExactlyOnce()
    {
        // The NIC completes the Rx buffers a close returns with CHANNEL_DOWN and no tag (it does not read their
        // descriptors): the driver must know by ring slot which buffer each one was.
        await using HostPair p = await StartPair();
        var (a, b) = await p.OpenAsync();
        await HostPair.SendAsync(a, 1, 10, i => 100 + i);
        await HostPair.SendAsync(b, 2, 5, i => 50);
        Assert.True(await p.SinkB.WaitUntilAsync(() => p.SinkB.Count == 10));
        Assert.True(await p.SinkA.WaitUntilAsync(() => p.SinkA.Count == 5));
        await a.CloseAsync().AsTask().WaitAsync(TestUtil.HangGuard);
        Assert.True(await TestUtil.Until(() => p.B.Channels.Count == 0));
        foreach (Channel c in new[] { a, b })
        {
            int[] free = c.RxPoolFreeIds();
            Assert.True(c.RxPoolBuffers == free.Length, $"channel {(c == a ? "a" : "b")}: {free.Length} of {c.RxPoolBuffers} receive buffers back in the pool");
            Assert.Equal(c.RxPoolBuffers, free.Distinct().Count());
        }
        Assert.Equal(0, a.Counters.RxErrors + b.Counters.RxErrors);
        // Nothing was posted to a closed ring.
        Assert.Equal(0ul, p.A.ReadCounters().BadDoorbells + p.B.ReadCounters().BadDoorbells);
    }

    [Fact]
    public async Task SimultaneousClosesFromBothSidesComplete()
    {
        await using HostPair p = await StartPair();
        var (a, b) = await p.OpenAsync();
        await Task.WhenAll(a.CloseAsync().AsTask(), b.CloseAsync().AsTask()).WaitAsync(TestUtil.HangGuard);
        Assert.Equal(ChannelState.Closed, a.State);
        Assert.Equal(ChannelState.Closed, b.State);
        Assert.Empty(p.A.Channels);
        Assert.Empty(p.B.Channels);
    }

    [Fact]
    public async Task AbortTearsDownAtOnceAndThePeerIsTold()
    {
        await using HostPair p = await StartPair();
        var (a, b) = await p.OpenAsync();
        a.Abort();
        Assert.True(await p.SinkB.WaitUntilAsync(() => !p.SinkB.Down.IsEmpty));
        p.SinkB.Down.TryPeek(out var d);
        Assert.Equal(NetChannelError.AbortedByPeer, ((NetChannelException)d.Error).Error);
        Assert.Equal(ChannelState.Failed, b.State);
        Assert.True(await TestUtil.Until(() => a.State == ChannelState.Failed));
        await Assert.ThrowsAsync<NetChannelException>(async () => await b.ReserveAsync());
    }

    [Fact]
    public async Task LatencyChannelsAreServedByTheirOwnPoller()
    {
        await using HostPair p = await StartPair();
        var (lt, lr) = await p.OpenAsync(ChannelClass.Latency);
        var (tt, tr) = await p.OpenAsync(ChannelClass.Throughput);
        await HostPair.SendAsync(lt, 1, 20, i => 64);
        await HostPair.SendAsync(tt, 2, 20, i => 64);
        Assert.True(await p.SinkB.WaitUntilAsync(() => p.SinkB.Count == 40));
        int[] latencyThreads = p.SinkB.Messages.Where(m => m.Channel == lr.Id).Select(m => m.ThreadId).Distinct().ToArray();
        int[] bulkThreads = p.SinkB.Messages.Where(m => m.Channel == tr.Id).Select(m => m.ThreadId).Distinct().ToArray();
        Assert.Single(latencyThreads);
        Assert.Single(bulkThreads);
        Assert.NotEqual(latencyThreads[0], bulkThreads[0]);
        Assert.Equal(p.B.LatencyPollerThreadId, latencyThreads[0]);
    }

    [Fact]
    public async Task BusyPollingAndIdleSpinDeliverToo()
    {
        await using HostPair p = await StartPair(
            a => { a.PollMode = PollMode.BusyPoll; a.ThroughputPollers = 2; },
            b => { b.IdleSpin = TimeSpan.FromMilliseconds(1); });
        var (a1, b1) = await p.OpenAsync();
        var (a2, b2) = await p.OpenAsync();
        await Task.WhenAll(HostPair.SendAsync(a1, 1, 300, i => i % 5000 + 1), HostPair.SendAsync(b2, 2, 300, i => 7));
        Assert.True(await p.SinkB.WaitUntilAsync(() => p.SinkB.Count == 300));
        Assert.True(await p.SinkA.WaitUntilAsync(() => p.SinkA.Count == 300));
        Assert.All(p.SinkB.Messages, m => Assert.True(HostPair.Check(m.Payload, 1, m.Msg.Seq)));
    }

    [Fact]
    public async Task AnOpenThePeerRefusesFailsAtOnce()
    {
        await using HostPair p = await StartPair(b: o => o.AcceptChannels = false);
        var e = await Assert.ThrowsAsync<NetChannelException>(async () => await p.A.OpenChannelAsync(HostPair.AddrB, ChannelClass.Throughput));
        Assert.Equal(NetChannelError.ConnectionRefused, e.Error);
        Assert.Empty(p.A.Channels);
        Assert.True(p.SinkB.Opened.IsEmpty);
    }

    [Fact]
    public async Task AnOpenToAHostWithNoFreeChannelFailsWithNoResources()
    {
        await using HostPair p = await StartPair(b: o => o.MaxChannels = 1);
        await p.OpenAsync();
        var e = await Assert.ThrowsAsync<NetChannelException>(async () => await p.A.OpenChannelAsync(HostPair.AddrB, ChannelClass.Throughput));
        Assert.Equal(NetChannelError.NoResources, e.Error);
    }

    [Fact]
    public async Task AnOpenNobodyAnswersTimesOutInBoundedTime()
    {
        await using HostPair p = await StartPair(a => { a.OpenTimeout = DeviceTime(TimeSpan.FromMilliseconds(400)); a.RetryInterval = DeviceTime(TimeSpan.FromMilliseconds(50)); });
        var nobody = new PeerAddress(0x02_00_00_00_99_99UL, 0x0A_01_00_63); // B filters it out
        long t0 = p.A.Clock.GetTimestamp();
        var e = await Assert.ThrowsAsync<NetChannelException>(async () => await p.A.OpenChannelAsync(nobody, ChannelClass.Throughput));
        Assert.Equal(NetChannelError.TimedOut, e.Error);
        Assert.InRange(p.A.Clock.GetElapsedTime(t0), DeviceTime(TimeSpan.FromMilliseconds(400)), DeviceTime(TimeSpan.FromMilliseconds(5000)));   // device time
        Assert.True(p.A.ManagementFramesSent >= 4); // retried
        Assert.Empty(p.A.Channels);
        // Cancelling an open abandons it.
        using var cts = new CancellationTokenSource(100);
        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () => await p.A.OpenChannelAsync(nobody, ChannelClass.Throughput, cts.Token));
    }

    [Fact]
    public async Task DisposingThePeerHostTakesItsChannelsDownAtOnce()
    {
        await using HostPair p = await StartPair();
        var (a, b) = await p.OpenAsync();
        var (a2, b2) = await p.OpenAsync(ChannelClass.Latency);
        Task<TxSlot>[] waiting = new Task<TxSlot>[1];
        var held = new ConcurrentQueue<RxBuffer>();
        p.SinkB.Handler = (ch, m, buf) => held.Enqueue(buf);
        await HostPair.SendAsync(a, 1, 32 + 64, i => 10); // fills B's pool and A's Tx ring
        waiting[0] = a.ReserveAsync().AsTask();
        long t0 = p.A.Clock.GetTimestamp();
        await p.B.DisposeAsync();
        Assert.True(await p.SinkA.WaitUntilAsync(() => p.SinkA.Down.Count == 2), "the channels did not go down");
        Assert.True(p.A.Clock.GetElapsedTime(t0) < DeviceTime(TimeSpan.FromSeconds(3)));   // not by a timeout
        Assert.All(p.SinkA.Down, d => Assert.Equal(NetChannelError.AbortedByPeer, ((NetChannelException)d.Error).Error));
        var e = await Assert.ThrowsAsync<NetChannelException>(() => waiting[0]);
        Assert.Equal(NetChannelError.AbortedByPeer, e.Error);
        Assert.Empty(p.A.Channels);
        Assert.Equal(0, a.QueuedMessages);
        Assert.True(p.SinkB.Down.IsEmpty); // the disposed host calls its sink no more
    }

    [Fact]
    public async Task APeerWhoseDeviceDiesFailsChannelsWithTrafficByNicTimeout()
    {
        await using HostPair p = await StartPair(a => { a.RetransmitTimeoutCycles = FastFailRtoCycles; a.RetryLimit = 4; a.LivenessTimeout = TimeSpan.FromSeconds(30); });
        var (a, b) = await p.OpenAsync();
        await HostPair.SendAsync(a, 1, 10, i => 10);
        Assert.True(await p.SinkB.WaitUntilAsync(() => p.SinkB.Count == 10));
        p.KillPeerNic(); // the peer's NIC vanishes: no ABORT, no more acknowledgements
        await HostPair.SendAsync(a, 1, 1, i => 10, firstSeq: 10);
        Assert.True(await p.SinkA.WaitUntilAsync(() => !p.SinkA.Down.IsEmpty), "the channel did not fail");
        p.SinkA.Down.TryPeek(out var d);
        Assert.Equal(NetChannelError.RetransmissionLimit, ((NetChannelException)d.Error).Error);
        Assert.Equal(1, a.Counters.TxErrors);
        Assert.Equal(ChannelState.Failed, a.State);
        Assert.True(a.Counters.Nic.Timeouts >= 4);
    }

    [Fact]
    public async Task APeerWhoseDeviceDiesWhileTheChannelWaitsForCreditFailsByNicTimeout()
    {
        // Nothing in flight: the NIC's credit probes go unanswered and it fails the channel; the descriptors it
        // never took complete CHANNEL_DOWN before the CHANNEL event says why.
        await using HostPair p = await StartPair(a => { a.RetransmitTimeoutCycles = FastFailRtoCycles; a.RetryLimit = 4; a.LivenessTimeout = TimeSpan.FromSeconds(30); });
        var (a, b) = await p.OpenAsync();
        var held = new ConcurrentQueue<RxBuffer>();
        p.SinkB.Handler = (ch, m, buf) => held.Enqueue(buf);
        Task sender = Task.Run(() => HostPair.SendAsync(a, 1, 80, i => 10)); // 64 arrive (B's pool), 16 wait for credit
        Assert.True(await p.SinkB.WaitUntilAsync(() => p.SinkB.Count == 64));
        await sender.WaitAsync(TestUtil.HangGuard);
        // Sixteen retransmission timeouts of device time: a live peer answers the probes, waiting for credit is not a failure.
        await TestUtil.Elapse(p.A.Clock, TimeSpan.FromSeconds(16.0 * FastFailRtoCycles / p.DeviceA.ClockHz));
        Assert.Equal(ChannelState.Open, a.State);
        Assert.Equal(16, a.QueuedMessages);
        NicChannelCounters before = a.ReadNicCounters();
        p.KillPeerNic();
        Assert.True(await p.SinkA.WaitUntilAsync(() => !p.SinkA.Down.IsEmpty), "the channel did not fail");
        p.SinkA.Down.TryPeek(out var d);
        Assert.True(((NetChannelException)d.Error).Error == NetChannelError.RetransmissionLimit,
            $"failed by {d.Error.Message}, not by the NIC; NIC channel counters before the kill: {before}; driver counters now: {a.Counters}");
        Assert.Equal(ChannelState.Failed, a.State);
        Assert.Equal(16, a.Counters.TxErrors);
        Assert.Equal(0u, a.Counters.Nic.Retransmits);
        Assert.Equal(1u, a.Counters.Nic.Timeouts);
        while (held.TryDequeue(out RxBuffer r)) r.Release();
    }

    [Fact]
    public async Task AnIdleChannelToAVanishedPeerIsDetectedByTheLivenessCheck()
    {
        await using HostPair p = await StartPair(a => { a.LivenessTimeout = DeviceTime(TimeSpan.FromMilliseconds(400)); a.KeepAliveInterval = DeviceTime(TimeSpan.FromMilliseconds(50)); });
        var (a, b) = await p.OpenAsync();
        long t0 = p.A.Clock.GetTimestamp();
        p.CutLink(); // the peer vanishes without a word
        Assert.True(await p.SinkA.WaitUntilAsync(() => !p.SinkA.Down.IsEmpty), "the idle channel to a vanished peer stayed up");
        p.SinkA.Down.TryPeek(out var d);
        Assert.Equal(NetChannelError.PeerUnreachable, ((NetChannelException)d.Error).Error);
        Assert.InRange(p.A.Clock.GetElapsedTime(t0), DeviceTime(TimeSpan.FromMilliseconds(300)), DeviceTime(TimeSpan.FromMilliseconds(3000)));   // device time
        await Assert.ThrowsAsync<NetChannelException>(async () => await a.ReserveAsync());
    }

    [Fact]
    public async Task TheLivenessCheckKeepsHealthyIdleChannelsUp()
    {
        await using HostPair p = await StartPair(
            a => { a.LivenessTimeout = DeviceTime(TimeSpan.FromMilliseconds(300)); a.KeepAliveInterval = DeviceTime(TimeSpan.FromMilliseconds(60)); },
            b => { b.LivenessTimeout = DeviceTime(TimeSpan.FromMilliseconds(300)); b.KeepAliveInterval = DeviceTime(TimeSpan.FromMilliseconds(60)); });
        var (a, b) = await p.OpenAsync();
        await TestUtil.Elapse(p.A.Clock, DeviceTime(TimeSpan.FromMilliseconds(750)));   // two and a half liveness timeouts of device time
        Assert.Equal(ChannelState.Open, a.State);
        Assert.Equal(ChannelState.Open, b.State);
        Assert.True(p.SinkA.Down.IsEmpty && p.SinkB.Down.IsEmpty);
        Assert.True(p.A.ManagementFramesReceived >= 5); // pings and pongs
    }

    [Fact]
    public async Task APeerThatRestartsIsDetectedByItsNewHostId()
    {
        await using HostPair p = await StartPair(a => { a.LivenessTimeout = TimeSpan.FromSeconds(30); a.KeepAliveInterval = DeviceTime(TimeSpan.FromMilliseconds(50)); });
        var (a, b) = await p.OpenAsync();
        ulong oldId = p.B.HostId;
        // B's host goes away while the link is cut, so its ABORT is lost; then a new instance starts.
        p.CutLink();
        await p.B.DisposeAsync();
        p.RestoreLink();
        Assert.True(p.SinkA.Down.IsEmpty);
        var sinkB2 = new RecordingSink();
        p.B = await NicHost.StartAsync(p.DeviceB, p.OptionsFor(HostPair.AddrB, null), sinkB2);
        Assert.NotEqual(oldId, p.B.HostId);
        // A's next probe is answered by the new instance: A sees the new host id and drops the old channel
        // long before its 30 s liveness timeout.
        Assert.True(await p.SinkA.WaitUntilAsync(() => !p.SinkA.Down.IsEmpty), "the restart went unnoticed");
        p.SinkA.Down.TryPeek(out var d);
        Assert.Equal(NetChannelError.PeerUnreachable, ((NetChannelException)d.Error).Error);
        Assert.Contains("restarted", d.Error.Message);
        Channel a2 = await p.A.OpenChannelAsync(HostPair.AddrB, ChannelClass.Throughput).AsTask().WaitAsync(TestUtil.HangGuard);
        await HostPair.SendAsync(a2, 3, 5, i => 100);
        Assert.True(await sinkB2.WaitUntilAsync(() => sinkB2.Count == 5));
    }

    [Fact]
    public async Task NoMessageIsDeliveredAfterTheChannelWentDown()
    {
        await using HostPair p = await StartPair();
        var (a, b) = await p.OpenAsync();
        var log = new ConcurrentQueue<string>();
        p.SinkA.Handler = (ch, m, buf) => { log.Enqueue("msg"); buf.Release(); };
        var sinkDown = new TaskCompletionSource();
        using var stop = new CancellationTokenSource();
        // B streams to A until its host is disposed under it.
        Task sender = Task.Run(async () =>
        {
            try
            {
                for (uint i = 0; !stop.IsCancellationRequested; i++)
                {
                    TxSlot s = await b.ReserveAsync(stop.Token);
                    b.Commit(s, new NcMessage(1, 1, i, 0, NetChannelType.Data), 100);
                }
            }
            catch (Exception e) when (e is NetChannelException or OperationCanceledException) { }
        });
        Assert.True(await p.SinkA.WaitUntilAsync(() => p.SinkA.Count > 500));
        await p.B.DisposeAsync();
        Assert.True(await p.SinkA.WaitUntilAsync(() => !p.SinkA.Down.IsEmpty));
        log.Enqueue("down");
        long delivered = p.SinkA.Count;
        await TestUtil.Elapse(p.A.Clock, DeviceTime(TimeSpan.FromMilliseconds(100)));   // anything the NIC still had would have completed
        stop.Cancel();
        await sender;
        Assert.Equal(delivered, p.SinkA.Count); // nothing after OnChannelDown
        Assert.Equal("down", log.Last());
        Assert.Equal(a.Counters.RxMessages, delivered);
    }

    [Fact]
    public async Task TheHostsOwnDeviceFailingTakesEverythingDown()
    {
        await using HostPair p = await StartPair();
        var (a, b) = await p.OpenAsync();
        var held = new ConcurrentQueue<RxBuffer>();
        p.SinkB.Handler = (ch, m, buf) => held.Enqueue(buf);
        await HostPair.SendAsync(a, 1, 32 + 64, i => 10);
        Task<TxSlot> waiting = a.ReserveAsync().AsTask();
        p.LoseOwnNic(); // A's own NIC disappears under its host
        Assert.True(await p.SinkA.WaitUntilAsync(() => !p.SinkA.Down.IsEmpty));
        p.SinkA.Down.TryPeek(out var d);
        Assert.Equal(NetChannelError.DeviceFailure, ((NetChannelException)d.Error).Error);
        var e = await Assert.ThrowsAsync<NetChannelException>(() => waiting);
        Assert.Equal(NetChannelError.DeviceFailure, e.Error);
        var open = await Assert.ThrowsAsync<NetChannelException>(async () => await p.A.OpenChannelAsync(HostPair.AddrB, ChannelClass.Throughput));
        Assert.Equal(NetChannelError.DeviceFailure, open.Error);
    }

    [Fact]
    public async Task TheHealthCheckNoticesANicThatStoppedRunning()
    {
        await using HostPair p = await StartPair(a => a.HealthCheckInterval = TimeSpan.FromMilliseconds(100));
        var (a, b) = await p.OpenAsync();
        p.DeviceA.WriteRegister(Registers.Ctrl, 0); // someone else switched A's NIC off; A's host is idle
        Assert.True(await p.SinkA.WaitUntilAsync(() => !p.SinkA.Down.IsEmpty), "the stopped NIC went unnoticed");
        p.SinkA.Down.TryPeek(out var d);
        Assert.Equal(NetChannelError.DeviceFailure, ((NetChannelException)d.Error).Error);
        Assert.Contains("stopped running", d.Error.Message);
    }
}

/// <summary>The driver suite on the loopback test device pair.</summary>
public sealed class NicHostTests : NicHostSuite
{
    private protected override PairDevices Kind => PairDevices.Loopback;

    // The loopback device's clock is the wall clock: 10 ms, so a pool thread or the engine descheduled on a
    // loaded machine does not make an acknowledgement look late (100 µs did, about once in six full runs).
    private protected override uint FastFailRtoCycles => 2_500_000;
}

/// <summary>The driver suite on two simulated NICs (the nc_nic RTL under libncsim, free-running clock, DMA latency
/// 200 cycles, link 50 B/cycle and 100 cycles of latency).</summary>
[Collection("Simulator")]
public sealed class SimulatedNicHostTests : NicHostSuite
{
    private protected override PairDevices Kind => PairDevices.Simulated;

    // Simulated cycles: acknowledgements come after a fixed number of them whatever the host's load.
    private protected override uint FastFailRtoCycles => 25_000;

    private protected override TimeSpan DeviceTime(TimeSpan atWallSpeed) => atWallSpeed / 100;
}
