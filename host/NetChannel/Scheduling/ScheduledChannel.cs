using System;
using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;

namespace NetChannel.Scheduling;

/// <summary>What a committed message is, for the counters.</summary>
internal enum MessageKind : byte
{
    /// <summary>Virtual-socket DATA.</summary>
    Data,

    /// <summary>Virtual-socket control (SYN, SYN_ACK, ACK, FIN, RST).</summary>
    SocketControl,

    /// <summary>Channel control (port 0: keep-alive, retirement).</summary>
    ChannelControl,
}

/// <summary>The scheduler's view of one channel: the transport channel plus counters and the state of its
/// retirement. Senders bracket every reservation with <see cref="Enter"/> and a commit (or <see cref="Exit"/>),
/// so a channel that starts draining knows when the last message it will ever carry was committed.</summary>
internal sealed class ScheduledChannel
{
    public const int StateActive = 0, StateDraining = 1, StateDown = 2;

    private int _state;
    private int _reservations;
    private long _txMsgs, _txBytes, _txT, _txL, _txCtl, _rxMsgs, _rxBytes, _rxT, _rxL, _rxCtl, _reserveWaits, _keepAlives;
    private long _txDrain, _rxDrain;
    private long _lastData, _lastTx;
    private long _samples, _busySamples, _commitFailures;

    public ScheduledChannel(ITransportChannel transport, TransportBinding binding, ChannelGroup group, bool openedLocally)
    {
        Transport = transport;
        Binding = binding;
        Group = group;
        OpenedLocally = openedLocally;
        _clock = binding is null ? TimeProvider.System : binding.Clock;   // (unit tests build channels without a binding)
        OpenedAt = Now;
        _lastData = _lastTx = OpenedAt;
    }

    /// <summary>The transport's device time now (its clock's ticks; every timestamp of the channel is in them).</summary>
    internal long Now => _clock.GetTimestamp();

    private readonly TimeProvider _clock;

    public ITransportChannel Transport { get; }

    /// <summary>Received payloads of this channel that sockets hold un-released (any thread, Interlocked).</summary>
    internal int HeldRx;

    /// <summary>Tries to take one of the channel's receive buffers for a socket to hold until its data is read.</summary>
    internal bool TryHoldRx(double fraction)
    {
        int budget = (int)(Transport.RxBufferCount * fraction);
        if (budget <= 0) return false;
        if (Interlocked.Increment(ref HeldRx) <= budget) return true;
        Interlocked.Decrement(ref HeldRx);
        return false;
    }

    /// <summary>A held receive buffer was released.</summary>
    internal void UnholdRx() => Interlocked.Decrement(ref HeldRx);
    public TransportBinding Binding { get; }
    public ChannelGroup Group { get; }
    public long OpenedAt { get; }

    /// <summary>This host opened the channel (only the opener retires it).</summary>
    public volatile bool OpenedLocally;

    public int State => Volatile.Read(ref _state);
    public int Reservations => Volatile.Read(ref _reservations);

    // Retirement (written by the scheduler's tick and the poller under the group lock).
    public bool RetireInitiator;
    public long RetireStarted;
    public bool FinSent;
    public long PeerFinCount = -1;
    public bool Drained;
    public int Closing;
    public long LastSampleReserveWaits;

    /// <summary>Takes a reservation; false when the channel no longer accepts new messages.</summary>
    public bool Enter()
    {
        Interlocked.Increment(ref _reservations);
        if (Volatile.Read(ref _state) != StateActive)
        {
            Interlocked.Decrement(ref _reservations);
            return false;
        }
        return true;
    }

    /// <summary>Gives back a reservation that will not be committed.</summary>
    public void Exit() => Interlocked.Decrement(ref _reservations);

    /// <summary>Stops new reservations (full fence, pairs with <see cref="Enter"/>).</summary>
    public bool StartDraining() => Interlocked.CompareExchange(ref _state, StateDraining, StateActive) == StateActive;

    public void SetDown() => Interlocked.Exchange(ref _state, StateDown);

    /// <summary>Reserves a Tx slot (the caller holds a reservation from <see cref="Enter"/>).</summary>
    public bool TryReserve(out TxLease lease)
    {
        try
        {
            if (Transport.TryReserve(out lease)) return true;
        }
        catch (Exception)
        {
            // A channel going down may throw here; the caller's ReserveAsync reports it properly.
            lease = default;
        }
        Interlocked.Increment(ref _reserveWaits);
        return false;
    }

    /// <summary>Commits a reserved slot and gives back the reservation.</summary>
    public void Commit(in TxLease lease, in MessageHeader header, int length, TrafficClass cls, MessageKind kind)
    {
        try
        {
            Transport.Commit(lease, header, length);
        }
        catch (Exception)
        {
            // Only a channel that went down refuses a commit; its loss is reported through OnChannelDown,
            // which aborts the sockets concerned. Callers (copy workers, pollers) must never see it.
            Interlocked.Increment(ref _commitFailures);
        }
        Count(length, cls, kind);
        Interlocked.Decrement(ref _reservations);
    }

    /// <summary>Commits a retirement FIN (not counted in the drain count it carries).</summary>
    public void CommitRetireFin(in TxLease lease, in MessageHeader header)
    {
        try
        {
            Transport.Commit(lease, header, 0);
        }
        catch (Exception)
        {
            Interlocked.Increment(ref _commitFailures);
        }
        Interlocked.Increment(ref _txMsgs);
        Interlocked.Increment(ref _txCtl);
        Volatile.Write(ref _lastTx, Now);
    }

    private void Count(int length, TrafficClass cls, MessageKind kind)
    {
        long now = Now;
        Interlocked.Increment(ref _txMsgs);
        Interlocked.Increment(ref _txDrain);
        if (length > 0) Interlocked.Add(ref _txBytes, length);
        if (kind == MessageKind.ChannelControl) Interlocked.Increment(ref _txCtl);
        else
        {
            Interlocked.Increment(ref cls == TrafficClass.Latency ? ref _txL : ref _txT);
            Volatile.Write(ref _lastData, now);
        }
        Volatile.Write(ref _lastTx, now);
    }

    public void CountKeepAlive() => Interlocked.Increment(ref _keepAlives);

    /// <summary>Counts a received message (on the poller thread); <paramref name="retireFin"/> messages are
    /// not part of the drain count.</summary>
    public void CountRx(int length, bool channelControl, bool retireFin)
    {
        Interlocked.Increment(ref _rxMsgs);
        if (!retireFin) Interlocked.Increment(ref _rxDrain);
        if (length > 0) Interlocked.Add(ref _rxBytes, length);
        if (channelControl) Interlocked.Increment(ref _rxCtl);
        else Volatile.Write(ref _lastData, Now);
    }

    /// <summary>Counts the class of the socket a received message belonged to.</summary>
    public void CountRxClass(TrafficClass cls) => Interlocked.Increment(ref cls == TrafficClass.Latency ? ref _rxL : ref _rxT);

    public long TxDrainCount => Volatile.Read(ref _txDrain);
    public long RxDrainCount => Volatile.Read(ref _rxDrain);
    public long LastData => Volatile.Read(ref _lastData);
    public long LastTx => Volatile.Read(ref _lastTx);
    public long ReserveWaits => Volatile.Read(ref _reserveWaits);

    public void Sample(bool busy)
    {
        _samples++;
        if (busy) _busySamples++;
    }

    public ChannelStats Snapshot()
    {
        string state = State switch { StateActive => "active", StateDraining => "draining", _ => "down" };
        long samples = _samples;
        return new ChannelStats(Transport.Id, Transport.PeerIp, Transport.Class, state, OpenedLocally,
            Volatile.Read(ref _txMsgs), Volatile.Read(ref _txBytes), Volatile.Read(ref _txT), Volatile.Read(ref _txL), Volatile.Read(ref _txCtl),
            Volatile.Read(ref _rxMsgs), Volatile.Read(ref _rxBytes), Volatile.Read(ref _rxT), Volatile.Read(ref _rxL), Volatile.Read(ref _rxCtl),
            Volatile.Read(ref _reserveWaits), Volatile.Read(ref _keepAlives), Transport.QueuedBytes,
            samples == 0 ? 0 : (double)_busySamples / samples);
    }
}

/// <summary>The channels of one class towards one peer through one transport.</summary>
internal sealed class ChannelGroup
{
    private ScheduledChannel[] _active = [];
    private ScheduledChannel[] _allSnapshot = [];
    private readonly List<ScheduledChannel> _all = new();
    private TaskCompletionSource? _available;

    public ChannelGroup(TransportBinding binding, uint peerIp, TrafficClass cls, IChannelPolicy policy, ChannelLimits limits)
    {
        Binding = binding;
        PeerIp = peerIp;
        Class = cls;
        Policy = policy;
        Limits = limits;
    }

    public object Lock => _all;
    public TransportBinding Binding { get; }
    public uint PeerIp { get; }
    public TrafficClass Class { get; }
    public IChannelPolicy Policy { get; }
    public ChannelLimits Limits { get; }

    /// <summary>Channel policy state (mutated with Interlocked by the policy).</summary>
    public PolicyCursor Cursor;

    // Scaling state (scheduler tick only, except Opening which is under the lock).
    public int Opening;
    public double Utilisation;
    public int SamplesSinceChange;
    public Exception? LastOpenError;

    /// <summary>Channels that accept new messages (copy-on-write; read without a lock).</summary>
    public ScheduledChannel[] Active => Volatile.Read(ref _active);

    /// <summary>Every channel of the group not yet down, active or draining (copy-on-write snapshot: do not modify).</summary>
    public ScheduledChannel[] All() => Volatile.Read(ref _allSnapshot);

    public void Add(ScheduledChannel ch)
    {
        TaskCompletionSource? wake;
        lock (Lock)
        {
            _all.Add(ch);
            if (ch.State == ScheduledChannel.StateActive) RebuildActive();
            LastOpenError = null;
            wake = _available;
            _available = null;
        }
        wake?.TrySetResult();
    }

    /// <summary>Takes a channel out of the active set (it is draining or down).</summary>
    public void Deactivate(ScheduledChannel ch)
    {
        lock (Lock) RebuildActive();
    }

    public void Remove(ScheduledChannel ch)
    {
        lock (Lock)
        {
            _all.Remove(ch);
            RebuildActive();
        }
    }

    private void RebuildActive()
    {
        Volatile.Write(ref _allSnapshot, _all.ToArray());
        int n = 0;
        foreach (ScheduledChannel c in _all)
            if (c.State == ScheduledChannel.StateActive) n++;
        var a = new ScheduledChannel[n];
        int k = 0;
        foreach (ScheduledChannel c in _all)
            if (c.State == ScheduledChannel.StateActive) a[k++] = c;
        Volatile.Write(ref _active, a);
    }

    /// <summary>A task completed when a channel becomes active (caller holds the lock).</summary>
    public Task AvailableTask() => (_available ??= new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).Task;

    /// <summary>Fails the waiters (caller holds the lock).</summary>
    public void FailWaiters(Exception error)
    {
        TaskCompletionSource? t = _available;
        _available = null;
        t?.TrySetException(error);
    }
}
