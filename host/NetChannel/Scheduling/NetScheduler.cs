using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Runtime.CompilerServices;
using System.Threading;
using System.Threading.Tasks;
using NetChannel.Copy;
using NetChannel.Wire;

namespace NetChannel.Scheduling;

/// <summary>What the scheduler hands up to the virtual-socket layer.</summary>
internal interface IChannelEvents
{
    /// <summary>A virtual-socket message (destination port ≠ 0) arrived; the payload must be released.</summary>
    void OnSocketMessage(ScheduledChannel channel, in MessageHeader header, RxPayload payload);

    /// <summary>A channel went down outside a retirement: messages on it may be lost.</summary>
    void OnChannelLost(ScheduledChannel channel, bool failed, Exception? error);
}

/// <summary>One transport (NIC) of the host as the scheduler sees it; the sink the transport reports to.</summary>
internal sealed class TransportBinding : ITransportSink
{
    private readonly ConcurrentDictionary<int, ScheduledChannel> _channels = new();

    public TransportBinding(NetScheduler scheduler, ITransportHost transport, int index)
    {
        Scheduler = scheduler;
        Transport = transport;
        Index = index;
    }

    public NetScheduler Scheduler { get; }
    public ITransportHost Transport { get; }
    public int Index { get; }

    /// <summary>The transport's clock (its device's time): channel timestamps and intervals of this binding.</summary>
    public TimeProvider Clock => Transport.Clock;

    /// <summary>Ticks of <see cref="Clock"/> in <paramref name="t"/>.</summary>
    public long Ticks(TimeSpan t) => (long)(t.TotalSeconds * Clock.TimestampFrequency);

    public bool TryGet(ITransportChannel ch, out ScheduledChannel sc) =>
        _channels.TryGetValue(ch.Id, out sc!) && ReferenceEquals(sc.Transport, ch);

    internal ConcurrentDictionary<int, ScheduledChannel> Channels => _channels;

    public void OnChannelOpened(ITransportChannel channel) => Scheduler.Register(this, channel, false);

    public void OnMessage(ITransportChannel channel, in MessageHeader header, RxPayload payload)
    {
        if (!TryGet(channel, out ScheduledChannel sc)) sc = Scheduler.Register(this, channel, false);
        if (header.DstPort == 0 && header.SrcPort == 0)
        {
            bool retireFin = header.Type == NetChannelType.Fin;
            sc.CountRx(payload.Length, true, retireFin);
            payload.Release();
            Scheduler.OnChannelControl(sc, header);
            return;
        }
        sc.CountRx(payload.Length, false, false);
        Scheduler.Events.OnSocketMessage(sc, header, payload);
    }

    public void OnChannelDown(ITransportChannel channel, bool failed, Exception? error) => Scheduler.OnChannelDown(this, channel, failed, error);
}

/// <summary>
/// The NetScheduler: maps each chunk of a virtual socket to a channel and each copy request to a copy
/// worker through pluggable policies, keeps latency-class and throughput-class traffic on separate channels
/// and workers, and adds channels when a class's channels stay busy and retires idle ones — from load it
/// samples, with a counter for every decision.
/// </summary>
/// <remarks>
/// Channels are grouped by (transport, peer, class). Retirement is agreed with the peer over the channel
/// itself with channel-control messages (ports 0/0): the opener sends <c>FIN</c> carrying the number of
/// messages it committed on the channel and stops using it; the peer stops using it too, waits until it
/// has received that many messages and answers with its own count; the opener closes the channel once it
/// has received the peer's. Messages travel out of order, so counts — not positions — say when a channel
/// is empty. A channel that goes down any other way may have lost messages: its sockets are aborted.
/// </remarks>
public sealed class NetScheduler : IDisposable
{
    private readonly ConcurrentDictionary<(int, uint, TrafficClass), ChannelGroup> _groups = new();
    private ChannelGroup[] _groupList = []; // copy-on-write, for the sampler
    private readonly List<TransportBinding> _bindings = new();
    private readonly object _lock = new();
    private readonly Timer _timer;
    private readonly CancellationTokenSource _shutdown = new();
    private readonly CopyWorkerPool _workers;
    private PolicyCursor _tCursor, _lCursor;
    private int _ticking;
    private volatile bool _disposing;

    // Counters (Interlocked).
    private long _selections, _skips, _allBusy, _noChannel, _inline, _inlineBusy, _workerCopies, _workerSkips;
    private long _samples, _scaleUps, _atLimit, _retires, _retiresByPeer, _retiresDone, _retireTimeouts, _keepAlives;
    private long _opened, _accepted, _openFailures, _failed, _closed, _lost, _controlQueued;

    internal NetScheduler(SchedulerOptions options, CopyWorkerPool workers, IChannelEvents events)
    {
        options.Validate();
        Options = options;
        _workers = workers;
        Events = events;
        _timer = new Timer(static s => ((NetScheduler)s!).Tick(), this, options.SampleInterval, options.SampleInterval);
    }

    /// <summary>The policies and thresholds in use.</summary>
    public SchedulerOptions Options { get; }

    internal IChannelEvents Events { get; }

    internal CopyWorkerPool Workers => _workers;

    internal CancellationToken ShutdownToken => _shutdown.Token;

    internal TransportBinding AddTransport(ITransportHost transport)
    {
        lock (_lock)
        {
            var b = new TransportBinding(this, transport, _bindings.Count);
            _bindings.Add(b);
            return b;
        }
    }

    internal TransportBinding[] Bindings()
    {
        lock (_lock) return _bindings.ToArray();
    }

    internal ChannelGroup GetGroup(TransportBinding binding, uint peerIp, TrafficClass cls)
    {
        if (_groups.TryGetValue((binding.Index, peerIp, cls), out ChannelGroup? g)) return g;
        lock (_lock)
        {
            if (_groups.TryGetValue((binding.Index, peerIp, cls), out g)) return g;
            g = new ChannelGroup(binding, peerIp, cls, Options.ChannelPolicy(cls), Options.Limits(cls));
            _groups[(binding.Index, peerIp, cls)] = g;
            var list = new ChannelGroup[_groupList.Length + 1];
            _groupList.CopyTo(list, 0);
            list[^1] = g;
            Volatile.Write(ref _groupList, list);
            return g;
        }
    }

    internal ScheduledChannel Register(TransportBinding binding, ITransportChannel ch, bool openedLocally)
    {
        ScheduledChannel sc;
        bool added = false;
        lock (_lock)
        {
            if (binding.Channels.TryGetValue(ch.Id, out ScheduledChannel? existing) && ReferenceEquals(existing.Transport, ch))
            {
                if (openedLocally && !existing.OpenedLocally)
                {
                    existing.OpenedLocally = true;
                    Interlocked.Increment(ref _opened);
                    Interlocked.Decrement(ref _accepted);
                }
                return existing;
            }
            ChannelGroup g = GetGroup(binding, ch.PeerIp, ch.Class);
            sc = new ScheduledChannel(ch, binding, g, openedLocally);
            binding.Channels[ch.Id] = sc;
            Interlocked.Increment(ref openedLocally ? ref _opened : ref _accepted);
            added = true;
        }
        if (added) sc.Group.Add(sc);
        return sc;
    }

    // ---- selection ------------------------------------------------------------------------------

    /// <summary>Picks a channel of <paramref name="group"/> and takes a reservation on it; null when the
    /// group has no active channel.</summary>
    internal ScheduledChannel? SelectChannel(ChannelGroup group, int flowHash, bool control = false)
    {
        for (int attempt = 0; attempt < 4; attempt++)
        {
            ScheduledChannel[] active = group.Active;
            if (active.Length == 0) break;
            ScheduledChannel sc;
            if (active.Length == 1) sc = active[0];
            else
            {
                Selection s = group.Policy.Select(new ChannelView(active), ref group.Cursor, flowHash, control);
                if ((uint)s.Index >= (uint)active.Length)
                    throw new InvalidOperationException($"channel policy '{group.Policy.Name}' returned index {s.Index} for {active.Length} channels");
                if (s.Skipped > 0) Interlocked.Add(ref _skips, s.Skipped);
                if (s.AllBusy) Interlocked.Increment(ref _allBusy);
                sc = active[s.Index];
            }
            if (sc.Enter())
            {
                Interlocked.Increment(ref _selections);
                return sc;
            }
        }
        Interlocked.Increment(ref _noChannel);
        return null;
    }

    /// <summary>Counts a send copied inline because it was small.</summary>
    internal void CountInline() => Interlocked.Increment(ref _inline);

    /// <summary>The worker for a copy of <paramref name="bytes"/> bytes of a <paramref name="cls"/> socket, or
    /// null to copy inline (small copy, no worker for the class, or every worker busy).</summary>
    internal CopyWorker? SelectWorker(TrafficClass cls, int bytes, int inlineThreshold)
    {
        ArraySegment<CopyWorker> ws = _workers.For(cls);
        if (bytes <= inlineThreshold || ws.Count == 0)
        {
            Interlocked.Increment(ref _inline);
            return null;
        }
        Selection s = Options.WorkerPolicy.Select(new WorkerView(ws), ref cls == TrafficClass.Latency ? ref _lCursor : ref _tCursor, bytes);
        if (s.Skipped > 0) Interlocked.Add(ref _workerSkips, s.Skipped);
        if (s.Index < 0)
        {
            Interlocked.Increment(ref _inlineBusy);
            return null;
        }
        if (s.Index >= ws.Count) throw new InvalidOperationException($"worker policy '{Options.WorkerPolicy.Name}' returned index {s.Index} for {ws.Count} workers");
        Interlocked.Increment(ref _workerCopies);
        return ws[s.Index];
    }

    /// <summary>Waits until <paramref name="group"/> has an active channel, opening channels if none is
    /// opening. Fails with the open error when opening fails.</summary>
    internal ValueTask WaitForChannelAsync(ChannelGroup group, CancellationToken ct) =>
        group.Active.Length > 0 ? default : WaitForChannelSlowAsync(group, ct);

    private async ValueTask WaitForChannelSlowAsync(ChannelGroup group, CancellationToken ct)
    {
        while (true)
        {
            Task t;
            lock (group.Lock)
            {
                if (group.Active.Length > 0) return;
                ObjectDisposedException.ThrowIf(_shutdown.IsCancellationRequested, this);
                if (group.Opening == 0 && !_disposing) // a host shutting down opens no new channels
                {
                    int n = Math.Max(1, group.Limits.Initial - group.All().Length);
                    for (int i = 0; i < n; i++) _ = OpenChannelAsync(group);
                }
                t = group.AvailableTask();
            }
            await t.WaitAsync(ct).ConfigureAwait(false);
        }
    }

    /// <summary>Opens the class's initial channels towards the group's peer if it has fewer.</summary>
    internal void EnsureInitialChannels(ChannelGroup group)
    {
        lock (group.Lock)
        {
            int have = group.All().Length + group.Opening;
            for (int i = have; i < group.Limits.Initial; i++) _ = OpenChannelAsync(group);
        }
    }

    private async Task OpenChannelAsync(ChannelGroup group)
    {
        lock (group.Lock) group.Opening++;
        Exception? error = null;
        try
        {
            await Task.Yield(); // never call into the transport under the caller's locks
            ITransportChannel ch = await group.Binding.Transport.OpenChannelAsync(group.PeerIp, group.Class, _shutdown.Token).ConfigureAwait(false);
            Register(group.Binding, ch, true);
        }
        catch (Exception ex)
        {
            error = ex;
            Interlocked.Increment(ref _openFailures);
        }
        finally
        {
            lock (group.Lock)
            {
                group.Opening--;
                if (error is not null)
                {
                    group.LastOpenError = error;
                    if (group.Active.Length == 0 && group.Opening == 0) group.FailWaiters(error);
                }
            }
        }
    }

    // ---- control messages -----------------------------------------------------------------------

    /// <summary>Sends a virtual-socket control message (no payload) on a channel of <paramref name="group"/>:
    /// at once when a Tx slot is free, else queued and sent by a background task. Never blocks.</summary>
    internal void SendControl(ChannelGroup group, in MessageHeader header, TrafficClass cls, int flowHash)
    {
        ScheduledChannel? sc = SelectChannel(group, flowHash, control: true);
        if (sc is not null)
        {
            if (sc.TryReserve(out TxLease lease))
            {
                sc.Commit(lease, header, 0, cls, MessageKind.SocketControl);
                return;
            }
            sc.Exit();
        }
        Interlocked.Increment(ref _controlQueued);
        _ = SendControlSlowAsync(group, header, cls, flowHash);
    }

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder))]
    private async ValueTask SendControlSlowAsync(ChannelGroup group, MessageHeader header, TrafficClass cls, int flowHash)
    {
        try
        {
            // Runs until the scheduler is disposed, not merely shutting down: the RSTs of the sockets a closing
            // host aborts are queued here and must still leave.
            while (!_shutdown.IsCancellationRequested)
            {
                await WaitForChannelAsync(group, _shutdown.Token).ConfigureAwait(false);
                ScheduledChannel? sc = SelectChannel(group, flowHash, control: true);
                if (sc is null) continue;
                TxLease lease;
                try
                {
                    lease = sc.TryReserve(out TxLease l) ? l : await sc.Transport.ReserveAsync(_shutdown.Token).ConfigureAwait(false);
                }
                catch
                {
                    sc.Exit();
                    if (_shutdown.IsCancellationRequested) return;
                    await Task.Delay(1).ConfigureAwait(false); // the channel went down meanwhile: try another once it is gone
                    continue;
                }
                sc.Commit(lease, header, 0, cls, MessageKind.SocketControl);
                return;
            }
        }
        catch (Exception)
        {
            // Shutting down, or no channel can be opened any more: the sockets concerned learn it from
            // their own operations (channel loss aborts them).
        }
    }

    private bool TrySendChannelControl(ScheduledChannel sc, NetChannelType type, uint seq, bool retireFin)
    {
        if (retireFin)
        {
            TxLease fl;
            try
            {
                if (!sc.Transport.TryReserve(out fl)) return false;
            }
            catch (Exception)
            {
                return false;
            }
            sc.CommitRetireFin(fl, new MessageHeader(0, 0, seq, 0, type));
            return true;
        }
        if (!sc.Enter()) return false;
        if (!sc.TryReserve(out TxLease lease))
        {
            sc.Exit();
            return false;
        }
        sc.Commit(lease, new MessageHeader(0, 0, seq, 0, type), 0, sc.Transport.Class, MessageKind.ChannelControl);
        return true;
    }

    internal void OnChannelControl(ScheduledChannel sc, in MessageHeader h)
    {
        if (h.Type != NetChannelType.Fin) return; // keep-alive (ACK): counted, nothing to do
        ChannelGroup g = sc.Group;
        lock (g.Lock)
        {
            sc.PeerFinCount = h.Seq;
            if (sc.State == ScheduledChannel.StateActive && sc.StartDraining())
            {
                sc.RetireInitiator = false;
                sc.RetireStarted = sc.Now;
                Interlocked.Increment(ref _retiresByPeer);
                g.Deactivate(sc);
            }
        }
        RetireStep(sc, sc.Now);
    }

    // ---- channel down ---------------------------------------------------------------------------

    internal void OnChannelDown(TransportBinding binding, ITransportChannel ch, bool failed, Exception? error)
    {
        if (!binding.TryGet(ch, out ScheduledChannel sc)) return;
        binding.Channels.TryRemove(new KeyValuePair<int, ScheduledChannel>(ch.Id, sc));
        bool expected;
        lock (sc.Group.Lock) expected = sc.Drained || _disposing;
        sc.SetDown();
        sc.Group.Remove(sc);
        Interlocked.Increment(ref failed ? ref _failed : ref _closed);
        if (!expected)
        {
            Interlocked.Increment(ref _lost);
            Events.OnChannelLost(sc, failed, error);
        }
    }

    // ---- the sampler: scaling, retirement, keep-alive --------------------------------------------

    private void Tick()
    {
        if (_disposing || Interlocked.Exchange(ref _ticking, 1) != 0) return;
        try
        {
            foreach (ChannelGroup g in Volatile.Read(ref _groupList))
            {
                SampleGroup(g);
                long now = g.Binding.Clock.GetTimestamp();   // the group's device time
                foreach (ScheduledChannel sc in g.All())
                {
                    if (sc.State == ScheduledChannel.StateDraining) RetireStep(sc, now);
                    else if (sc.State == ScheduledChannel.StateActive) MaybeRetireOrProbe(g, sc, now);
                }
            }
        }
        catch (Exception)
        {
            // A channel that goes down while being probed throws from the transport; the next tick sees
            // the new state. The sampler must survive everything.
        }
        finally
        {
            Volatile.Write(ref _ticking, 0);
        }
    }

    private void SampleGroup(ChannelGroup g)
    {
        ScheduledChannel[] act = g.Active;
        if (act.Length == 0)
        {
            g.Utilisation = 0;
            return;
        }
        int busy = 0;
        foreach (ScheduledChannel sc in act)
        {
            long waits = sc.ReserveWaits;
            bool b = sc.Transport.QueuedBytes >= Options.BusyQueuedBytes || waits != sc.LastSampleReserveWaits;
            sc.LastSampleReserveWaits = waits;
            sc.Sample(b);
            if (b) busy++;
        }
        Interlocked.Increment(ref _samples);
        g.Utilisation = 0.7 * g.Utilisation + 0.3 * busy / act.Length;
        g.SamplesSinceChange++;
        if (!Options.DynamicScaling || g.Utilisation < Options.ScaleUpUtilisation || g.SamplesSinceChange < Options.ScaleUpSamples) return;
        g.SamplesSinceChange = 0;
        bool open;
        lock (g.Lock) open = g.All().Length + g.Opening < g.Limits.Max;
        if (open)
        {
            Interlocked.Increment(ref _scaleUps);
            _ = OpenChannelAsync(g);
        }
        else Interlocked.Increment(ref _atLimit);
    }

    private void MaybeRetireOrProbe(ChannelGroup g, ScheduledChannel sc, long now)
    {
        if (Options.DynamicScaling && sc.OpenedLocally && now - sc.LastData >= g.Binding.Ticks(Options.IdleRetireAfter))
        {
            bool start = false;
            lock (g.Lock)
            {
                if (g.Active.Length - 1 >= g.Limits.Min && g.Opening == 0 && sc.StartDraining())
                {
                    sc.RetireInitiator = true;
                    sc.RetireStarted = now;
                    g.Deactivate(sc);
                    g.SamplesSinceChange = 0;
                    start = true;
                }
            }
            if (start)
            {
                Interlocked.Increment(ref _retires);
                RetireStep(sc, now);
                return;
            }
        }
        if (now - sc.LastTx >= g.Binding.Ticks(Options.KeepAliveInterval) && TrySendChannelControl(sc, NetChannelType.Ack, 0, false))
        {
            sc.CountKeepAlive();
            Interlocked.Increment(ref _keepAlives);
        }
    }

    /// <summary>Advances a draining channel's retirement (tick and poller threads).</summary>
    private void RetireStep(ScheduledChannel sc, long now)
    {
        ChannelGroup g = sc.Group;
        bool close = false, timedOut = false;
        lock (g.Lock)
        {
            if (sc.State != ScheduledChannel.StateDraining || sc.Closing != 0) return;
            if (!sc.FinSent && sc.Reservations == 0 && (sc.RetireInitiator || PeerDrained(sc)))
            {
                if (TrySendChannelControl(sc, NetChannelType.Fin, (uint)sc.TxDrainCount, true))
                {
                    sc.FinSent = true;
                    if (!sc.RetireInitiator) sc.Drained = true; // both directions empty; the opener closes
                }
            }
            if (sc.RetireInitiator && sc.FinSent && PeerDrained(sc))
            {
                sc.Drained = true;
                sc.Closing = 1;
                close = true;
            }
            else if (now - sc.RetireStarted > sc.Binding.Ticks(Options.RetireTimeout) && sc.RetireInitiator)
            {
                sc.Drained = sc.FinSent && sc.Transport.QueuedMessages == 0 && sc.PeerFinCount >= 0;
                sc.Closing = 1;
                close = timedOut = true;
            }
        }
        if (timedOut) Interlocked.Increment(ref _retireTimeouts);
        if (close) _ = CloseRetiredAsync(sc, timedOut);
    }

    /// <summary>The peer's retirement FIN arrived and so did every message it counted (counts are mod 2^32).</summary>
    private static bool PeerDrained(ScheduledChannel sc) => sc.PeerFinCount >= 0 && (uint)sc.RxDrainCount == (uint)sc.PeerFinCount;

    private async Task CloseRetiredAsync(ScheduledChannel sc, bool timedOut)
    {
        if (!timedOut) Interlocked.Increment(ref _retiresDone); // counted before the channel leaves the snapshot
        try
        {
            await sc.Transport.CloseAsync(_shutdown.Token).ConfigureAwait(false);
        }
        catch (Exception)
        {
            // Closing a channel the peer already closed, or at shutdown: the channel is gone either way.
        }
        // Transports report the close through OnChannelDown; if this one did not, finish here.
        if (sc.Binding.TryGet(sc.Transport, out _)) OnChannelDown(sc.Binding, sc.Transport, false, null);
    }

    // ---- observation and shutdown -----------------------------------------------------------------

    /// <summary>Counters of every decision so far.</summary>
    public SchedulerCounters Counters => new()
    {
        ChannelSelections = Volatile.Read(ref _selections), ChannelSkips = Volatile.Read(ref _skips), ChannelsAllBusy = Volatile.Read(ref _allBusy),
        NoChannelWaits = Volatile.Read(ref _noChannel), InlineCopies = Volatile.Read(ref _inline), InlineCopiesAllWorkersBusy = Volatile.Read(ref _inlineBusy),
        WorkerCopies = Volatile.Read(ref _workerCopies), WorkerSkips = Volatile.Read(ref _workerSkips), Samples = Volatile.Read(ref _samples),
        ScaleUps = Volatile.Read(ref _scaleUps), ScaleUpsAtLimit = Volatile.Read(ref _atLimit), RetiresStarted = Volatile.Read(ref _retires),
        RetiresByPeer = Volatile.Read(ref _retiresByPeer), RetiresCompleted = Volatile.Read(ref _retiresDone), RetireTimeouts = Volatile.Read(ref _retireTimeouts),
        KeepAlives = Volatile.Read(ref _keepAlives), ChannelsOpened = Volatile.Read(ref _opened), ChannelsAccepted = Volatile.Read(ref _accepted),
        OpenFailures = Volatile.Read(ref _openFailures), ChannelsFailed = Volatile.Read(ref _failed), ChannelsClosed = Volatile.Read(ref _closed),
        ChannelsLost = Volatile.Read(ref _lost), ControlQueued = Volatile.Read(ref _controlQueued),
    };

    /// <summary>Counters, channels, groups and workers, at one moment.</summary>
    public SchedulerSnapshot Snapshot()
    {
        var channels = new List<ChannelStats>();
        var groups = new List<GroupStats>();
        foreach (ChannelGroup g in _groups.Values)
        {
            ScheduledChannel[] all = g.All();
            foreach (ScheduledChannel sc in all) channels.Add(sc.Snapshot());
            int opening;
            lock (g.Lock) opening = g.Opening;
            groups.Add(new GroupStats(g.PeerIp, g.Class, g.Binding.Index, g.Active.Length, all.Length, opening, g.Utilisation));
        }
        channels.Sort((a, b) => a.Id.CompareTo(b.Id));
        return new SchedulerSnapshot(Counters, channels, groups, _workers.Snapshot());
    }

    /// <summary>Closes every channel (used when the host shuts down).</summary>
    internal async Task CloseAllChannelsAsync(TimeSpan drain)
    {
        _disposing = true;
        // Let queued control messages (the RSTs of aborted sockets) leave before the channels close: up to
        // `drain` of each transport's device time (polled; 60 s of wall time at most, should a device's clock stand still).
        var bindings = new List<(TransportBinding B, long Deadline)>();
        foreach (TransportBinding b in Bindings()) bindings.Add((b, b.Clock.GetTimestamp() + b.Ticks(drain)));
        long wallDeadline = Environment.TickCount64 + 60_000;
        while (Environment.TickCount64 < wallDeadline)
        {
            bool idle = true;
            foreach ((TransportBinding b, long deadline) in bindings)
            {
                if (b.Clock.GetTimestamp() >= deadline) continue;
                foreach (ScheduledChannel sc in b.Channels.Values)
                    if (sc.Transport.IsOpen && (sc.Transport.QueuedMessages > 0 || sc.Reservations > 0)) idle = false;
            }
            if (idle) break;
            await Task.Delay(5).ConfigureAwait(false);
        }
        var closes = new List<Task>();
        foreach (TransportBinding b in Bindings())
            foreach (ScheduledChannel sc in b.Channels.Values)
                if (sc.OpenedLocally) closes.Add(CloseQuietlyAsync(sc));
        await Task.WhenAll(closes).ConfigureAwait(false);
    }

    private static async Task CloseQuietlyAsync(ScheduledChannel sc)
    {
        try
        {
            using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(5));
            await sc.Transport.CloseAsync(cts.Token).ConfigureAwait(false);
        }
        catch (Exception)
        {
            // Best effort at shutdown; the transport is disposed next.
        }
    }

    /// <summary>Stops the sampler and cancels background work.</summary>
    public void Dispose()
    {
        _disposing = true;
        _timer.Dispose();
        _shutdown.Cancel();
        foreach (ChannelGroup g in Volatile.Read(ref _groupList))
            lock (g.Lock) g.FailWaiters(new ObjectDisposedException(nameof(NetScheduler)));
    }
}
