using System;
using System.Collections.Generic;
using System.Runtime.CompilerServices;
using System.Threading;
using System.Threading.Tasks;
using System.Threading.Tasks.Sources;
using NetChannel.Device;
using NetChannel.Wire;

namespace NetChannel.Driver;

/// <summary>
/// One NIC channel joined to a channel of a peer host: a reliable, message-oriented queue pair whose
/// transport runs in the NIC. Messages are delivered exactly once but not necessarily in order.
/// </summary>
/// <remarks>
/// Sending: <see cref="TryReserve"/> / <see cref="ReserveAsync"/> hand out Tx slots in ring order (any
/// thread); fill <see cref="TxSlot.Buffer"/>, then <see cref="Commit"/> (any thread, any order). The
/// driver posts the committed prefix of the ring and rings one doorbell per batch. A slot is free again
/// when the peer's NIC acknowledged its frame. Receiving: messages go to the host's
/// <see cref="IMessageSink"/> on the channel's poller thread.
/// </remarks>
public sealed unsafe partial class Channel
{
    private readonly INicDevice _dev;
    private readonly DmaRegion _mem;
    private readonly RxBufferPool _pool;
    private readonly byte* _txRing, _rxRing, _cplRing, _txBufs;
    private readonly int _txSize, _txMask, _rxSize, _rxMask, _cplLog, _cplMask, _txStride;
    private int _state;
    private NetChannelException? _downError;

    // Tx (any thread)
    private int _reserved;       // next ring index to hand out
    private int _posted;         // next ring index not yet given to the NIC (holder of _posting only)
    private int _txCompleted;    // ring indices below this are completed (published by the poller)
    private int _posting;
    private int _activeCommitters;
    private int _txRetired, _txFreed;
    private long _queuedBytes;
    private readonly int[] _claim, _committed, _slotLen;
    private readonly int[] _rxSlot;    // receive-pool buffer posted at each Rx ring slot (poller only)

    // ReserveAsync waiters
    private readonly object _waitLock = new();
    private readonly List<SlotWaiter> _waiters = new(4);
    private readonly Stack<SlotWaiter> _waiterPool = new();
    private int _waiterCount;

    internal Channel(NicHost host, Poller poller, int id, PeerAddress peer, ChannelClass cls, NicHostOptions o)
    {
        Host = host;
        Poller = poller;
        _dev = host.Device;
        Id = id;
        Peer = peer;
        Class = cls;
        LocalMaxPayload = o.MaxPayload;
        MaxPayload = o.MaxPayload;
        _state = (int)ChannelState.Opening;
        TxLog = o.TxRingLog;
        RxLog = o.RxRingLog;
        _cplLog = o.CplRingLog;
        _txSize = 1 << TxLog;
        _txMask = _txSize - 1;
        _rxSize = 1 << RxLog;
        _rxMask = _rxSize - 1;
        _cplMask = (1 << _cplLog) - 1;
        _txStride = (o.MaxPayload + 63) & ~63;

        int txRingBytes = Align(_txSize * TxDescriptor.Size);
        int rxRingBytes = Align(_rxSize * RxDescriptor.Size);
        int cplBytes = Align((1 << _cplLog) * Completion.Size);
        int total = checked(txRingBytes + rxRingBytes + cplBytes + _txStride * _txSize);
        _mem = _dev.AllocateDma(total);
        try
        {
            _pool = new RxBufferPool(_dev, this, o.EffectiveRxPoolBuffers, o.MaxPayload);
        }
        catch
        {
            _mem.Dispose();
            throw;
        }
        byte* b = _mem.Pointer;
        _txRing = b;
        _rxRing = b + txRingBytes;
        _cplRing = _rxRing + rxRingBytes;
        _txBufs = _cplRing + cplBytes;
        TxRingBus = _mem.BusAddress;
        RxRingBus = TxRingBus + (ulong)txRingBytes;
        CplRingBus = RxRingBus + (ulong)rxRingBytes;
        TxBufsBus = CplRingBus + (ulong)cplBytes;

        _claim = new int[_txSize];
        _committed = new int[_txSize];
        _slotLen = new int[_txSize];
        _rxSlot = new int[_rxSize];
        for (int k = 0; k < _txSize; k++)
        {
            _claim[k] = k - _txSize + 1;   // "claimed" value of the previous pass, so index k claims with CAS
            _committed[k] = k - _txSize + 1;
        }
    }

    private static int Align(int n) => (n + 63) & ~63;

    /// <summary>Local channel id (the NIC's channel number).</summary>
    public int Id { get; }

    /// <summary>The host at the other end.</summary>
    public PeerAddress Peer { get; }

    /// <summary>The channel's class.</summary>
    public ChannelClass Class { get; }

    /// <summary>Current state.</summary>
    public ChannelState State => (ChannelState)Volatile.Read(ref _state);

    /// <summary>Largest payload of a message in bytes: the Tx slot size, capped by the peer's receive buffers.</summary>
    public int MaxPayload { get; internal set; }

    /// <summary>Messages reserved or posted and not yet completed (for scheduler thresholds).</summary>
    public int QueuedMessages => Volatile.Read(ref _reserved) - Volatile.Read(ref _txCompleted);

    /// <summary>Payload bytes committed and not yet completed.</summary>
    public long QueuedBytes => Volatile.Read(ref _queuedBytes);

    /// <summary>Tx ring entries: the most messages in flight at a time.</summary>
    public int TxCapacity => _txSize;

    /// <summary>Receive buffers in the channel's pool (<see cref="RxBuffer.Id"/> is below this).</summary>
    public int RxPoolBuffers => _pool.Count;

    /// <summary>Receive-pool buffers that are free (not posted, not held by the application); diagnostics and tests.</summary>
    internal int[] RxPoolFreeIds() => _pool.FreeIds();

    /// <summary>The reserved, not yet committed slot with ring index <paramref name="index"/> (<see cref="TxSlot.Index"/>).</summary>
    /// <param name="index">The slot's index.</param>
    /// <returns>The slot.</returns>
    /// <exception cref="ArgumentException">No slot with that index is reserved and uncommitted.</exception>
    public TxSlot GetReservedSlot(int index)
    {
        int done = Volatile.Read(ref _txCompleted);
        if (index - done < 0 || index - Volatile.Read(ref _reserved) >= 0 || Volatile.Read(ref _claim[index & _txMask]) == index + 1)
            throw new ArgumentException($"no slot with index {index} is reserved and uncommitted on channel {Id}", nameof(index));
        return new TxSlot(this, index);
    }

    /// <summary>Per-channel counters (host side, plus the NIC's as of the last read-back).</summary>
    public ChannelCounters Counters { get; } = new();

    /// <summary>Why the channel went down (null while it is up).</summary>
    public Exception? DownReason => Volatile.Read(ref _downError);

    internal NicHost Host { get; }
    internal Poller Poller { get; }
    internal int LocalMaxPayload { get; }
    internal int TxLog { get; }
    internal int RxLog { get; }
    internal int CplLog => _cplLog;
    internal ulong TxRingBus { get; }
    internal ulong RxRingBus { get; }
    internal ulong CplRingBus { get; }
    internal ulong TxBufsBus { get; }
    internal int RxBufferBytes => _pool.BufferBytes;
    internal RxBufferPool Pool => _pool;

    /// <summary>Reserves the next Tx slot in ring order, if one is free.</summary>
    /// <param name="slot">The slot; fill its buffer, then <see cref="Commit"/> it.</param>
    /// <returns>False when all <see cref="TxCapacity"/> slots are in flight.</returns>
    /// <exception cref="NetChannelException">The channel is closing, closed or failed.</exception>
    /// <exception cref="InvalidOperationException">The channel is not open yet.</exception>
    public bool TryReserve(out TxSlot slot)
    {
        ThrowIfCannotReserve();
        while (true)
        {
            int r = Volatile.Read(ref _reserved);
            if (r - Volatile.Read(ref _txCompleted) >= _txSize)
            {
                slot = default;
                return false;
            }
            if (Interlocked.CompareExchange(ref _reserved, r + 1, r) == r)
            {
                slot = new TxSlot(this, r);
                return true;
            }
        }
    }

    /// <summary>Reserves the next Tx slot, waiting for one to become free.</summary>
    /// <param name="ct">Cancels the wait.</param>
    /// <returns>The slot.</returns>
    /// <exception cref="NetChannelException">The channel is or goes down (closing, closed, failed) before a slot is free.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="ct"/> was cancelled.</exception>
    public ValueTask<TxSlot> ReserveAsync(CancellationToken ct = default)
    {
        if (ct.IsCancellationRequested) return ValueTask.FromCanceled<TxSlot>(ct);
        if (TryReserve(out TxSlot s)) return new ValueTask<TxSlot>(s);
        return ReserveSlowAsync(ct);
    }

    /// <summary>
    /// Hands a filled slot to the NIC: writes its descriptor and posts the in-order committed prefix of the
    /// ring with one doorbell. Any thread, any order; each slot exactly once.
    /// </summary>
    /// <param name="slot">A slot reserved on this channel.</param>
    /// <param name="msg">The NetChannel header fields.</param>
    /// <param name="length">Payload bytes in the slot's buffer, 0 to <see cref="MaxPayload"/> (at least 1 for <see cref="NetChannelType.Data"/>).</param>
    /// <exception cref="ArgumentException">The slot is default or belongs to another channel; the message type is unknown; a DATA message is empty.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="length"/> is negative or exceeds <see cref="MaxPayload"/>.</exception>
    /// <exception cref="InvalidOperationException">The slot was already committed.</exception>
    /// <exception cref="NetChannelException">The channel went down; the slot is abandoned (its message is not sent).</exception>
    public void Commit(in TxSlot slot, in NcMessage msg, int length)
    {
        if (slot.Owner is null) throw new ArgumentException("a default TxSlot cannot be committed; reserve one with TryReserve or ReserveAsync", nameof(slot));
        if (slot.Owner != this) throw new ArgumentException($"the slot belongs to channel {slot.Owner.Id}, not to channel {Id}", nameof(slot));
        if ((uint)length > (uint)MaxPayload)
            throw new ArgumentOutOfRangeException(nameof(length), length, $"the payload length must be 0 to {MaxPayload} bytes (the channel's MaxPayload)");
        if (msg.Type > NetChannelType.Rst)
            throw new ArgumentException($"unknown NetChannel message type {(byte)msg.Type}", nameof(msg));
        if (msg.Type == NetChannelType.Data && length == 0)
            throw new ArgumentException("a DATA message carries at least one payload byte", nameof(length));

        int idx = slot.Index;
        int k = idx & _txMask;
        int expected = idx + 1 - _txSize;
        Interlocked.Increment(ref _activeCommitters);
        try
        {
            if (Volatile.Read(ref _state) >= (int)ChannelState.Closed)
            {
                // Abandon the slot so the channel's memory can be released, then report why.
                Interlocked.CompareExchange(ref _claim[k], idx + 1, expected);
                throw DownException();
            }
            int prev = Interlocked.CompareExchange(ref _claim[k], idx + 1, expected);
            if (prev != expected)
                throw new InvalidOperationException(prev == idx + 1
                    ? $"slot {idx} of channel {Id} was already committed"
                    : $"slot {idx} of channel {Id} is stale (its ring position was reused)");

            TxDescriptor d = default;
            d.Addr = TxBufsBus + (ulong)(k * _txStride);
            d.Len = (uint)length;
            d.Tag = (ushort)k;
            d.SrcPort = msg.SrcPort;
            d.DstPort = msg.DstPort;
            d.Seq = msg.Seq;
            d.Grant = msg.Grant;
            d.MsgType = msg.Type;
            d.Write(new Span<byte>(_txRing + k * TxDescriptor.Size, TxDescriptor.Size));
            _slotLen[k] = length;
            Interlocked.Add(ref _queuedBytes, length);
            Volatile.Write(ref _committed[k], idx + 1);
        }
        finally
        {
            if (Interlocked.Decrement(ref _activeCommitters) == 0 && Volatile.Read(ref _txRetired) != 0) TryFreeTx();
        }
        TryPost();
    }

    /// <summary>Closes the channel cleanly: stops new reservations, lets the messages in flight complete, agrees the close with the peer, then closes it in the NIC.</summary>
    /// <param name="ct">Stops waiting (the close still proceeds).</param>
    /// <returns>Completes when the channel is closed (bounded by <see cref="NicHostOptions.CloseTimeout"/>, after which it is closed locally anyway).</returns>
    public ValueTask CloseAsync(CancellationToken ct = default) => Host.CloseChannelAsync(this, ct);

    /// <summary>Tears the channel down at once without agreement: messages in flight are lost, the peer is told (ABORT). Returns at once; idempotent.</summary>
    public void Abort() => Host.AbortChannel(this);

    /// <summary>Reads the NIC's state and counters of this channel (CH_CMD read back: several register reads, slow on a simulated NIC).</summary>
    /// <returns>The snapshot (also stored in <see cref="ChannelCounters.Nic"/>).</returns>
    /// <exception cref="InvalidOperationException">The channel was never programmed into the NIC or is gone.</exception>
    public NicChannelCounters ReadNicCounters() => Host.ReadChannelCounters(this);

    /// <inheritdoc/>
    public override string ToString() => $"channel {Id} ({Class}) to {Peer}, {State}";

    internal Span<byte> GetSlotBuffer(int index)
    {
        if (Volatile.Read(ref _txFreed) != 0) throw new ObjectDisposedException(ToString(), "the channel's memory was released");
        return new Span<byte>(_txBufs + (index & _txMask) * _txStride, MaxPayload);
    }

    private void ThrowIfCannotReserve()
    {
        int s = Volatile.Read(ref _state);
        if (s == (int)ChannelState.Open) return;
        if (s == (int)ChannelState.Opening) throw new InvalidOperationException($"channel {Id} is not open yet");
        if (s == (int)ChannelState.Closing) throw new NetChannelException(NetChannelError.Closed, $"channel {Id} is closing: no new messages can be reserved");
        throw DownException();
    }

    private NetChannelException DownException() =>
        Volatile.Read(ref _downError) is { } e
            ? new NetChannelException(e.Error, e.Message, e)
            : new NetChannelException(NetChannelError.Closed, $"channel {Id} is closed");

    private void TryPost()
    {
        while (true)
        {
            if (Interlocked.CompareExchange(ref _posting, 1, 0) != 0) return;
            int start = _posted, p = start, limit = Volatile.Read(ref _reserved);
            while (p != limit && Volatile.Read(ref _committed[p & _txMask]) == p + 1) p++;
            if (p != start)
            {
                _posted = p;
                if (Volatile.Read(ref _state) <= (int)ChannelState.Closing && !Host.DeviceFailed)
                {
                    try
                    {
                        _dev.WriteRegister(Registers.DbTx, new DbTxRegister { Channel = (ushort)Id, Prod = (ushort)p }.Value);
                        Volatile.Write(ref Counters._doorbells, Counters._doorbells + 1);
                    }
                    catch (Exception e) when (e is DeviceException or ObjectDisposedException)
                    {
                        Host.ReportDeviceFailure(e);
                    }
                }
            }
            // A full fence on release, so a commit that saw us posting is seen by the re-check below.
            Interlocked.Exchange(ref _posting, 0);
            int next = Volatile.Read(ref _posted);
            if (next == Volatile.Read(ref _reserved) || Volatile.Read(ref _committed[next & _txMask]) != next + 1) return;
        }
    }

    // ---------------------------------------------------------------------------------------------
    // State changes (control thread or poller)
    // ---------------------------------------------------------------------------------------------
    internal bool TrySetState(ChannelState from, ChannelState to) =>
        Interlocked.CompareExchange(ref _state, (int)to, (int)from) == (int)from;

    /// <summary>Moves to Closed or Failed (once) and fails every waiting reservation.</summary>
    internal bool SetDown(ChannelState terminal, NetChannelException error)
    {
        while (true)
        {
            int s = Volatile.Read(ref _state);
            if (s >= (int)ChannelState.Closed) return false;
            Volatile.Write(ref _downError, error);
            if (Interlocked.CompareExchange(ref _state, (int)terminal, s) == s) break;
        }
        FailWaiters(error);
        return true;
    }

    internal bool IsDrained => Volatile.Read(ref _reserved) == Volatile.Read(ref _txCompleted);

    internal void RetireMemory()
    {
        _pool.Retire();
        Volatile.Write(ref _txRetired, 1);
        TryFreeTx();
    }

    private void TryFreeTx()
    {
        if (Volatile.Read(ref _activeCommitters) != 0) return;
        // Every reserved slot must have been committed or abandoned: its holder may still write its buffer.
        int r = Volatile.Read(ref _reserved);
        for (int i = Volatile.Read(ref _txCompleted); i != r; i++)
            if (Volatile.Read(ref _claim[i & _txMask]) != i + 1) return;
        if (Interlocked.Exchange(ref _txFreed, 1) == 0) _mem.Dispose();
    }

    /// <summary>Frees all memory whatever is outstanding (host shutdown).</summary>
    internal void FreeAllMemory()
    {
        // A commit in progress on another thread is writing the ring: let it finish (it throws afterwards).
        SpinWait.SpinUntil(() => Volatile.Read(ref _activeCommitters) == 0, 1000);
        if (Interlocked.Exchange(ref _txFreed, 1) == 0) _mem.Dispose();
        _pool.Free();
    }

    // ---------------------------------------------------------------------------------------------
    // ReserveAsync waiters
    // ---------------------------------------------------------------------------------------------
    private SlotWaiter RentWaiter()
    {
        lock (_waitLock) return _waiterPool.Count > 0 ? _waiterPool.Pop() : new SlotWaiter();
    }

    private void ReturnWaiter(SlotWaiter w)
    {
        w.Reset();
        lock (_waitLock) _waiterPool.Push(w);
    }

    private void AddWaiter(SlotWaiter w)
    {
        lock (_waitLock)
        {
            _waiters.Add(w);
            _waiterCount = _waiters.Count;
        }
    }

    internal bool RemoveWaiter(SlotWaiter w)
    {
        lock (_waitLock)
        {
            bool removed = _waiters.Remove(w);
            _waiterCount = _waiters.Count;
            return removed;
        }
    }

    /// <summary>Wakes up to <paramref name="n"/> waiting reservations (or all with an error).</summary>
    private void WakeReservers(int n, Exception? error)
    {
        if (Volatile.Read(ref _waiterCount) == 0) return;
        lock (_waitLock)
        {
            while (_waiters.Count > 0 && (n > 0 || error != null))
            {
                SlotWaiter w = _waiters[0];
                _waiters.RemoveAt(0);
                w.Signal(error);
                n--;
            }
            _waiterCount = _waiters.Count;
        }
    }

    private void FailWaiters(Exception error) => WakeReservers(0, error);

    /// <summary>A reusable awaitable for one waiting reservation; completes on the thread pool without allocating.</summary>
    internal sealed class SlotWaiter : IValueTaskSource<bool>, IThreadPoolWorkItem
    {
        private ManualResetValueTaskSourceCore<bool> _core;
        private Exception? _error;
        private Channel? _channel;
        private CancellationToken _ct;
        private CancellationTokenRegistration _reg;

        public ValueTask<bool> AsValueTask() => new(this, _core.Version);

        public void Arm(Channel channel, CancellationToken ct)
        {
            _channel = channel;
            _ct = ct;
            if (ct.CanBeCanceled)
                _reg = ct.UnsafeRegister(static s => ((SlotWaiter)s!).Cancel(), this);
        }

        public void Disarm()
        {
            _reg.Dispose();
            _reg = default;
        }

        private void Cancel()
        {
            Channel? ch = _channel;
            if (ch != null && ch.RemoveWaiter(this)) Signal(new OperationCanceledException(_ct));
        }

        /// <summary>Completes the wait (called once, by whoever removed it from the waiter list).</summary>
        public void Signal(Exception? error)
        {
            _error = error;
            ThreadPool.UnsafeQueueUserWorkItem(this, preferLocal: false);
        }

        void IThreadPoolWorkItem.Execute()
        {
            // Each waiter throws its own exception object: one shared instance rethrown on several threads
            // would have its stack trace overwritten concurrently.
            if (_error is NetChannelException n) _core.SetException(new NetChannelException(n.Error, n.Message, n));
            else if (_error is { } e) _core.SetException(e);
            else _core.SetResult(true);
        }

        public void Reset()
        {
            _core.Reset();
            _error = null;
            _channel = null;
            _ct = default;
        }

        public bool GetResult(short token) => _core.GetResult(token);
        public ValueTaskSourceStatus GetStatus(short token) => _core.GetStatus(token);
        public void OnCompleted(Action<object?> continuation, object? state, short token, ValueTaskSourceOnCompletedFlags flags) =>
            _core.OnCompleted(continuation, state, token, flags);
    }
}

