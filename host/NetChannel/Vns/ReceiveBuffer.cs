using System;
using System.Buffers;
using System.Net.Sockets;
using System.Threading;
using System.Threading.Tasks;
using System.Threading.Tasks.Sources;
using NetChannel.Copy;
using NetChannel.Scheduling;

namespace NetChannel.Vns;

/// <summary>Sequence arithmetic: sockets count bytes from 0 internally (64-bit offsets) and put
/// <c>ISN + offset</c> (mod 2^32) on the wire.</summary>
internal static class Seq
{
    public static uint ToWire(uint isn, long offset) => unchecked(isn + (uint)offset);

    /// <summary>The offset of wire sequence <paramref name="wire"/>, taking the one nearest to
    /// <paramref name="reference"/> (valid while the two are less than 2^31 apart, which credit guarantees).</summary>
    public static long ToOffset(uint isn, uint wire, long reference) => reference + unchecked((int)(wire - ToWire(isn, reference)));
}

/// <summary>
/// The receive half of a virtual socket: a ring of <see cref="Capacity"/> bytes that is at once the
/// reorder buffer and the flow-control window. The peer may send bytes below <c>appRead + Capacity</c>
/// (the grant), so every chunk that arrives, in whatever order, has its own place in the ring. A chunk
/// either stays in the driver's buffer (held, while the channel's hold share allows: the application then
/// copies it straight into its own memory, the only receive copy) or is copied to its place in the ring
/// and the driver's buffer released at once — so a reader that stops holds at most the channel's share
/// of its buffers, and the rest keep flowing for other sockets.
/// </summary>
/// <remarks>
/// Ranges at or above <c>rcvNxt</c> are tracked as segments, each "in copy" or "complete"; <c>rcvNxt</c>
/// advances over complete ones. A copy reserves its range first, so copies on several workers write
/// disjoint bytes and a duplicate is dropped before it is copied. Held chunks are complete at once; every
/// byte in <c>[appRead, rcvNxt)</c> is in a held chunk (sorted, disjoint) or else in the ring.
/// A pending receive is completed by a signal ("data, end-of-stream or an error is there"); the copy into
/// the receive's memory runs when the application takes the result (<see cref="IValueTaskSource{T}.GetResult"/>),
/// on the application's thread.
/// </remarks>
internal sealed class ReceiveBuffer : IValueTaskSource<int>, IThreadPoolWorkItem
{
    private struct Segment
    {
        public long Start, End;
        public bool Complete;
    }

    private struct Held
    {
        public long Start, End;
        public int Offset; // of Start in the payload
        public RxPayload Payload;
        public ScheduledChannel Channel;
    }

    private static readonly Action<object?, CancellationToken> s_cancel = static (s, token) => ((ReceiveBuffer)s!).OnCancel(token);

    /// <summary>Receives in a row that complete at once, after which one completes through the thread pool.</summary>
    private const int SyncCompletionsBeforeYield = 16;
    private int _syncStreak;

    private readonly object _lock = new();
    private readonly VnsSocket _socket;
    private readonly uint _isn;
    private readonly int _cap;
    private readonly long _ackStep;
    private int _window;            // credit offered beyond appRead: 0 until the socket is accepted, then _cap
    private byte[]? _ring;          // rented when the first chunk must be copied (never for a socket that gets no data)
    private long _appRead, _rcvNxt, _fin = long.MaxValue, _advertised;
    private Segment[] _segs = new Segment[8];
    private int _segCount;
    private Held[] _held = new Held[16];
    private int _heldCount;
    private int _copies;
    private bool _closed;
    private SocketError _error;
    private string? _errorMessage;

    // The one pending receive (under _lock): armed until its result is taken; signalled once completed.
    private ManualResetValueTaskSourceCore<int> _core = new() { RunContinuationsAsynchronously = true };
    private bool _armed, _signalled;
    private Memory<byte> _target;
    private Exception? _opError;
    private CancellationToken _token;
    private CancellationTokenRegistration _reg;

    // Counters.
    private long _bytes, _chunks, _outOfOrder, _direct, _violations, _dupBytes, _finEarly, _acks, _heldChunks;

    /// <param name="socket">The socket.</param>
    /// <param name="isn">Its initial sequence number.</param>
    /// <param name="capacity">The receive buffer: the credit once the socket is open.</param>
    /// <param name="open">Offer the credit at once (a socket the application connected); false for a socket a
    /// SYN created, which offers none until the application accepts it (<see cref="Open"/>), so a SYN commits
    /// neither memory nor credit.</param>
    public ReceiveBuffer(VnsSocket socket, uint isn, int capacity, bool open)
    {
        _socket = socket;
        _isn = isn;
        _cap = capacity;
        _ackStep = Math.Max(1, Math.Min(capacity / 4, 256 * 1024));
        _window = open ? capacity : 0;
        _advertised = _window;
    }

    /// <summary>Offers the credit of a socket the application accepted; true (with the grant to send) the first
    /// time.</summary>
    public bool Open(out long grant)
    {
        lock (_lock)
        {
            grant = 0;
            if (_window != 0 || _closed || _error != SocketError.Success) return false;
            _window = _cap;
            grant = _appRead + _window;
            _advertised = grant;
            _acks++;
            return true;
        }
    }

    /// <summary>Bytes of ring memory this socket holds now (0 until data had to be copied; tests).</summary>
    internal int RingBytes
    {
        get
        {
            lock (_lock) return _ring?.Length ?? 0;
        }
    }

    public int Capacity => _cap;

    /// <summary>Most out-of-order ranges tracked at once: a 64th of the window in entries (a 24-byte entry per
    /// 64 bytes of window at most, under 40 % of the credit), at least 1024 — far more than reordering across
    /// channels makes, even of 1-byte chunks.</summary>
    private int MaxSegments => Math.Max(1024, _cap / 64);

    /// <summary>When true, a receive completed by arriving data runs its continuation on the thread that
    /// delivered the data (the driver's poller) instead of the thread pool. Only for internal consumers whose
    /// continuation never blocks (the RPC read loop).</summary>
    public bool InlineCompletions { get; set; }

    /// <summary>The grant to put in outgoing messages: the first offset the peer may not send.</summary>
    public long Grant => Volatile.Read(ref _appRead) + Volatile.Read(ref _window);

    /// <summary>True when wire sequence <paramref name="wireSeq"/> can be the peer's send position: between what
    /// arrived in order and the credit granted (a RST from a peer that had the socket carries it).</summary>
    public bool InReceiveWindow(uint wireSeq)
    {
        lock (_lock)
        {
            long s = Seq.ToOffset(_isn, wireSeq, _rcvNxt);
            return s >= _rcvNxt && s <= _appRead + _window;
        }
    }

    public long BytesReceived => Volatile.Read(ref _bytes);
    public long Chunks => Volatile.Read(ref _chunks);
    public long OutOfOrderChunks => Volatile.Read(ref _outOfOrder);
    public long DirectBytes => Volatile.Read(ref _direct);
    public long HeldChunks => Volatile.Read(ref _heldChunks);
    public long CreditViolations => Volatile.Read(ref _violations);
    public long DuplicateBytes => Volatile.Read(ref _dupBytes);
    public long FinBeforeData => Volatile.Read(ref _finEarly);
    public long GrantsSent => Volatile.Read(ref _acks);

    /// <summary>Data arrived and not yet read (in order or not), or copies still running.</summary>
    public bool HasUnreadData
    {
        get
        {
            lock (_lock) return _rcvNxt > _appRead || _segCount > 0;
        }
    }

    /// <summary>The application read everything up to the peer's FIN.</summary>
    public bool AtEndOfStream
    {
        get
        {
            lock (_lock) return _appRead >= _fin;
        }
    }

    // ---- arrival (poller thread) -------------------------------------------------------------------

    /// <summary>A DATA message arrived: reserve its range, then hold it or copy it to the ring inline or on a worker.</summary>
    public void OnData(uint wireSeq, RxPayload payload, ScheduledChannel sc, TrafficClass cls, VnsHost host)
    {
        RxCopyItem? item = null;
        int len = payload.Length;
        bool signal = false;
        bool fragmented = false;
        long beyond = 0;
        lock (_lock)
        {
            if (_closed || _error != SocketError.Success || len == 0) goto Drop;
            long s = Seq.ToOffset(_isn, wireSeq, _rcvNxt);
            long e = s + len;
            long limit = Math.Min(_appRead + _window, _fin);
            if (e > limit && e > _rcvNxt)
            {
                // Beyond the credit granted (or past the FIN): the peer broke the protocol. Nothing of it is
                // kept, and the connection is reset below, so the application sees an error, never a gap.
                _violations++;
                beyond = e - limit;
                goto Drop;
            }
            if (s < _rcvNxt) _dupBytes += Math.Min(_rcvNxt, e) - s;
            long start = Math.Max(s, _rcvNxt);
            if (start >= e) goto Drop;
            if (_segCount + RxCopyItem.MaxPieces + 1 > MaxSegments)
            {
                // Out-of-order fragments so small and so many that their bookkeeping would outgrow a fraction of
                // the credit: no sender that means to be read does this. Reset rather than grow without bound.
                fragmented = true;
                goto Drop;
            }
            if (s > _rcvNxt) _outOfOrder++;
            if (start == s && IsFree(start, e) && sc.TryHoldRx(host.Scheduler.Options.ReceiveHoldFraction))
            {
                // Keep the driver's buffer: the application copies the bytes straight out of it.
                int at = InsertSegment(start, e);
                InsertHeld(new Held { Start = start, End = e, Offset = 0, Payload = payload, Channel = sc });
                _segs[at].Complete = true;
                Advance(at);
                _chunks++;
                _heldChunks++;
                _bytes += e - start;
                signal = SignalDataLocked();
                goto Signal;
            }
            _ring ??= ArrayPool<byte>.Shared.Rent(_cap);
            item = host.RxItems.Rent();
            item.Init(this, payload, cls, len);
            AddGaps(item, s, start, e);
            if (item.PieceCount == 0) goto Drop;
            _chunks++;
            _copies++;
        }
        CopyWorker? w = host.Scheduler.SelectWorker(cls, len, host.Scheduler.Options.InlineReceiveCopyBytes);
        if (w is null) item.Execute();
        else w.Enqueue(item);
        return;

    Signal:
        if (signal) Complete(inline: InlineCompletions);
        return;

    Drop:
        payload.Release();
        if (item is not null)
        {
            item.Clear();
            host.RxItems.Return(item);
        }
        if (fragmented)
        {
            host.CountFragmentationReset();
            _socket.Abort(SocketError.ConnectionReset,
                $"{_socket.RemoteEndPoint} left more than {MaxSegments} separate out-of-order fragments in this socket's receive window; the connection was reset.", true);
        }
        if (beyond > 0)
        {
            host.CountCreditViolation();
            _socket.Abort(SocketError.ConnectionReset,
                $"{_socket.RemoteEndPoint} sent {beyond} bytes beyond the credit this socket granted (a protocol violation); the connection was reset.", true);
        }
    }

    /// <summary>True when no segment overlaps [start, end).</summary>
    private bool IsFree(long start, long end)
    {
        for (int i = 0; i < _segCount; i++)
        {
            if (_segs[i].End <= start) continue;
            return _segs[i].Start >= end;
        }
        return true;
    }

    private int InsertSegment(long start, long end)
    {
        int i = 0;
        while (i < _segCount && _segs[i].Start < start) i++;
        InsertSegment(i, start, end);
        return i;
    }

    private void InsertHeld(in Held h)
    {
        if (_heldCount == _held.Length) Array.Resize(ref _held, _held.Length * 2);
        int i = _heldCount;
        while (i > 0 && _held[i - 1].Start > h.Start) i--;
        Array.Copy(_held, i, _held, i + 1, _heldCount - i);
        _held[i] = h;
        _heldCount++;
    }

    private void ReleaseHeadHeld()
    {
        ref Held h = ref _held[0];
        h.Payload.Release();
        h.Channel.UnholdRx();
        _heldCount--;
        Array.Copy(_held, 1, _held, 0, _heldCount);
        _held[_heldCount] = default;
    }

    private void ReleaseAllHeldLocked()
    {
        while (_heldCount > 0) ReleaseHeadHeld();
    }

    private void AddGaps(RxCopyItem item, long chunkStart, long start, long end)
    {
        long cur = start;
        int i = 0;
        while (i < _segCount && _segs[i].End <= cur) i++;
        while (cur < end && item.PieceCount < RxCopyItem.MaxPieces)
        {
            if (i < _segCount && _segs[i].Start <= cur)
            {
                _dupBytes += Math.Min(_segs[i].End, end) - cur;
                cur = _segs[i].End;
                i++;
                continue;
            }
            long gapEnd = i < _segCount ? Math.Min(end, _segs[i].Start) : end;
            InsertSegment(i, cur, gapEnd);
            item.AddPiece(cur, gapEnd, (int)(cur - chunkStart));
            i++;
            cur = gapEnd;
        }
    }

    private void InsertSegment(int index, long start, long end)
    {
        if (_segCount == _segs.Length) Array.Resize(ref _segs, _segs.Length * 2);
        Array.Copy(_segs, index, _segs, index + 1, _segCount - index);
        _segs[index] = new Segment { Start = start, End = end, Complete = false };
        _segCount++;
    }

    private void RemoveSegment(int index)
    {
        _segCount--;
        Array.Copy(_segs, index + 1, _segs, index, _segCount - index);
    }

    private void MarkComplete(long start)
    {
        int lo = 0, hi = _segCount - 1, i = -1;
        while (lo <= hi)
        {
            int mid = (lo + hi) >> 1;
            if (_segs[mid].Start == start) { i = mid; break; }
            if (_segs[mid].Start < start) lo = mid + 1;
            else hi = mid - 1;
        }
        if (i < 0) return; // cannot happen: the range was reserved
        _segs[i].Complete = true;
        Advance(i);
    }

    /// <summary>Merges complete segment <paramref name="i"/> with complete neighbours and moves rcvNxt.</summary>
    private void Advance(int i)
    {
        if (i + 1 < _segCount && _segs[i + 1].Complete && _segs[i + 1].Start == _segs[i].End)
        {
            _segs[i].End = _segs[i + 1].End;
            RemoveSegment(i + 1);
        }
        if (i > 0 && _segs[i - 1].Complete && _segs[i - 1].End == _segs[i].Start)
        {
            _segs[i - 1].End = _segs[i].End;
            RemoveSegment(i);
        }
        while (_segCount > 0 && _segs[0].Complete && _segs[0].Start == _rcvNxt)
        {
            _rcvNxt = _segs[0].End;
            RemoveSegment(0);
        }
    }

    /// <summary>Writes arrived bytes at their place in the ring (the range was reserved; no lock needed).</summary>
    public void CopyToRing(long offset, ReadOnlySpan<byte> src)
    {
        byte[] ring = _ring!;
        int at = (int)(offset % _cap);
        int first = Math.Min(src.Length, _cap - at);
        src[..first].CopyTo(ring.AsSpan(at));
        if (first < src.Length) src[first..].CopyTo(ring);
    }

    private void CopyFromRing(long offset, Span<byte> dst)
    {
        byte[] ring = _ring!;
        int at = (int)(offset % _cap);
        int first = Math.Min(dst.Length, _cap - at);
        ring.AsSpan(at, first).CopyTo(dst);
        if (first < dst.Length) ring.AsSpan(0, dst.Length - first).CopyTo(dst[first..]);
    }

    /// <summary>Copies up to <c>dst.Length</c> in-order bytes to the application (held chunks straight from the
    /// driver's buffer, the rest from the ring), releases the held buffers it emptied, moves appRead.</summary>
    private int ReadLocked(Span<byte> dst)
    {
        int n = (int)Math.Min(_rcvNxt - _appRead, dst.Length);
        int done = 0;
        long pos = _appRead;
        while (done < n)
        {
            if (_heldCount > 0 && _held[0].Start == pos)
            {
                ref Held h = ref _held[0];
                int k = (int)Math.Min(h.End - pos, n - done);
                h.Payload.Span.Slice(h.Offset, k).CopyTo(dst[done..]);
                _direct += k;
                h.Start += k;
                h.Offset += k;
                if (h.Start == h.End) ReleaseHeadHeld();
                done += k;
                pos += k;
            }
            else
            {
                long upTo = _heldCount > 0 ? Math.Min(_held[0].Start, pos + (n - done)) : pos + (n - done);
                int k = (int)(upTo - pos);
                CopyFromRing(pos, dst.Slice(done, k));
                done += k;
                pos += k;
            }
        }
        _appRead += n;
        return n;
    }

    /// <summary>A copy request finished (worker or poller thread).</summary>
    public void OnCopied(RxCopyItem item, Exception? failure)
    {
        long grant = 0;
        bool ack, signal;
        lock (_lock)
        {
            for (int i = 0; i < item.PieceCount; i++) MarkComplete(item.Pieces[i].Start);
            _copies--;
            _bytes += item.TotalBytes;
            signal = SignalDataLocked();
            if (_closed && _copies == 0) ReturnRingLocked();
            ack = GrantDueLocked(out grant);
        }
        if (signal) Complete(inline: InlineCompletions);
        if (failure is not null) _socket.Abort(SocketError.Fault, $"copying received data failed: {failure.Message}", true);
        if (ack) _socket.SendGrant(grant);
    }

    /// <summary>A pending receive can now complete with data or end-of-stream: mark it signalled (the caller
    /// completes it after leaving the lock).</summary>
    private bool SignalDataLocked()
    {
        if (!_armed || _signalled) return false;
        if (_rcvNxt > _appRead || _appRead >= _fin)
        {
            _signalled = true;
            return true;
        }
        return false;
    }

    /// <summary>Fails a pending receive (caller completes it after leaving the lock).</summary>
    private bool SignalErrorLocked(Exception error)
    {
        if (!_armed || _signalled) return false;
        _signalled = true;
        _opError = error;
        return true;
    }

    /// <summary>Completes the signalled receive (never under the lock: an inline continuation may re-enter).</summary>
    private void Complete(bool inline)
    {
        _reg.Unregister();
        _core.RunContinuationsAsynchronously = !inline;
        _core.SetResult(0);
    }

    private bool GrantDueLocked(out long grant)
    {
        grant = _appRead + _window;
        if (_closed || _error != SocketError.Success || _fin != long.MaxValue || grant - _advertised < _ackStep) return false;
        _advertised = grant;
        _acks++;
        return true;
    }

    // ---- the application ---------------------------------------------------------------------------

    public ValueTask<int> ReceiveAsync(Memory<byte> buffer, CancellationToken cancellationToken)
    {
        int n;
        long grant;
        bool ack;
        lock (_lock)
        {
            ObjectDisposedException.ThrowIf(_closed, _socket);
            if (_armed) throw new InvalidOperationException("A receive is already pending on this socket; only one receive may be outstanding at a time.");
            if (_error != SocketError.Success) throw MakeError();
            if (_rcvNxt > _appRead && (InlineCompletions || ++_syncStreak < SyncCompletionsBeforeYield))
            {
                n = ReadLocked(buffer.Span);
                ack = GrantDueLocked(out grant);
            }
            else if (_rcvNxt > _appRead)
            {
                // Many receives in a row found data at once: complete this one through the thread pool (the copy
                // runs when the result is taken), so a reader loop that never waits gives its pool thread back now
                // and then instead of starving other work items.
                short yielded = ArmLocked(buffer, default, signalled: true);
                ThreadPool.UnsafeQueueUserWorkItem(this, preferLocal: false);
                return new ValueTask<int>(this, yielded);
            }
            else if (_appRead >= _fin) return new ValueTask<int>(0);
            else
            {
                if (cancellationToken.IsCancellationRequested) return ValueTask.FromCanceled<int>(cancellationToken);
                short version = ArmLocked(buffer, cancellationToken, signalled: false);
                // A token already cancelled runs the callback here; it re-enters the lock and signals.
                if (cancellationToken.CanBeCanceled) _reg = cancellationToken.UnsafeRegister(s_cancel, this);
                return new ValueTask<int>(this, version);
            }
        }
        if (ack) _socket.SendGrant(grant);
        return new ValueTask<int>(n);
    }

    /// <summary>Arms the one pending receive for <paramref name="buffer"/> (under the lock); already
    /// <paramref name="signalled"/> when its completion is queued at once. Returns the operation's version.</summary>
    private short ArmLocked(Memory<byte> buffer, CancellationToken token, bool signalled)
    {
        _syncStreak = 0;
        _core.Reset();
        _armed = true;
        _signalled = signalled;
        _opError = null;
        _target = buffer;
        _token = token;
        _reg = default;
        return _core.Version;
    }

    private void OnCancel(CancellationToken token)
    {
        bool signal;
        lock (_lock)
        {
            // The token check drops a late callback of an earlier operation that used another token.
            if (token != _token) return;
            signal = SignalErrorLocked(new OperationCanceledException(token));
        }
        if (signal)
        {
            // Not _reg.Unregister() here: we run inside the registration's callback.
            _core.RunContinuationsAsynchronously = true;
            _core.SetResult(0);
        }
    }

    int IValueTaskSource<int>.GetResult(short token)
    {
        _core.GetResult(token); // validates the token
        int n;
        long grant = 0;
        bool ack = false;
        lock (_lock)
        {
            if (!_armed) throw new InvalidOperationException("The receive's result was already taken.");
            _armed = false;
            _signalled = false;
            _reg = default;
            Memory<byte> target = _target;
            _target = default;
            Exception? e = _opError;
            _opError = null;
            if (e is not null) throw e;
            if (_closed) throw new SocketException((int)SocketError.OperationAborted, "The socket was disposed while a receive was pending.");
            if (_error != SocketError.Success) throw MakeError();
            if (_rcvNxt > _appRead)
            {
                n = ReadLocked(target.Span);
                ack = GrantDueLocked(out grant);
            }
            else n = 0; // end-of-stream
        }
        if (ack) _socket.SendGrant(grant);
        return n;
    }

    /// <summary>Completes a yielded receive (see <see cref="ReceiveAsync"/>) on a pool thread.</summary>
    void IThreadPoolWorkItem.Execute()
    {
        _core.RunContinuationsAsynchronously = false; // already on a pool thread
        _core.SetResult(0);
    }

    ValueTaskSourceStatus IValueTaskSource<int>.GetStatus(short token) => _core.GetStatus(token);

    void IValueTaskSource<int>.OnCompleted(Action<object?> continuation, object? state, short token, ValueTaskSourceOnCompletedFlags flags) =>
        _core.OnCompleted(continuation, state, token, flags);

    // ---- control -----------------------------------------------------------------------------------

    /// <summary>The peer's FIN: its stream ends at the final sequence it carries.</summary>
    public bool OnFin(uint wireSeq)
    {
        bool signal;
        lock (_lock)
        {
            if (_closed) return true;
            long f = Seq.ToOffset(_isn, wireSeq, _rcvNxt);
            // Before data that arrived, beyond the credit granted (the peer cannot have sent up to there), or
            // another end than a FIN already said: not from the peer's stream. Ignored (counted by the caller).
            if (f < _rcvNxt || f > _appRead + _window || (_fin != long.MaxValue && _fin != f) || (_segCount > 0 && _segs[_segCount - 1].End > f)) return false;
            if (_fin == f) return true;
            _fin = f;
            if (_rcvNxt < f) _finEarly++;
            signal = SignalDataLocked();
        }
        if (signal) Complete(inline: false);
        return true;
    }

    /// <summary>Fails the receive side (reset, channel lost): a pending receive and every later one throw;
    /// data not read is discarded (held driver buffers are released).</summary>
    public void Abort(SocketError error, string message)
    {
        bool signal;
        lock (_lock)
        {
            if (_error == SocketError.Success)
            {
                _error = error;
                _errorMessage = message;
            }
            ReleaseAllHeldLocked();
            signal = SignalErrorLocked(MakeError());
        }
        if (signal) Complete(inline: false);
    }

    /// <summary>The socket is disposed: a pending receive fails, held driver buffers are released, the ring
    /// goes back to the pool once no copy writes into it.</summary>
    public void Close()
    {
        bool signal;
        lock (_lock)
        {
            if (_closed) return;
            _closed = true;
            ReleaseAllHeldLocked();
            signal = SignalErrorLocked(new SocketException((int)SocketError.OperationAborted, "The socket was disposed while a receive was pending."));
            if (_copies == 0) ReturnRingLocked();
        }
        if (signal) Complete(inline: false);
    }

    private void ReturnRingLocked()
    {
        byte[]? r = _ring;
        _ring = null;
        if (r is not null) ArrayPool<byte>.Shared.Return(r);
    }

    private SocketException MakeError() => new((int)_error, _errorMessage);
}

/// <summary>Copies one received chunk out of the driver's buffer into a socket's ring and/or a pending
/// receive's memory, releases the driver's buffer and reports to the socket.</summary>
internal sealed class RxCopyItem : CopyWorkItem
{
    public const int MaxPieces = 4;

    public struct Piece
    {
        public long Start, End;
        public int Offset;
    }

    private readonly ObjectPool<RxCopyItem> _pool;
    public ReceiveBuffer? Buffer;
    public RxPayload Payload;
    public readonly Piece[] Pieces = new Piece[MaxPieces];
    public int PieceCount;
    public long TotalBytes;

    public RxCopyItem(ObjectPool<RxCopyItem> pool) => _pool = pool;

    public void Init(ReceiveBuffer buffer, RxPayload payload, TrafficClass cls, int bytes)
    {
        Buffer = buffer;
        Payload = payload;
        Class = cls;
        Bytes = bytes;
        PieceCount = 0;
        TotalBytes = 0;
    }

    public void AddPiece(long start, long end, int offset)
    {
        Pieces[PieceCount++] = new Piece { Start = start, End = end, Offset = offset };
        TotalBytes += end - start;
    }

    public void Clear()
    {
        Buffer = null;
        Payload = default;
        PieceCount = 0;
    }

    public override void Execute()
    {
        ReceiveBuffer buffer = Buffer!;
        Exception? failure = null;
        try
        {
            ReadOnlySpan<byte> src = Payload.Span;
            for (int i = 0; i < PieceCount; i++)
            {
                Piece p = Pieces[i];
                int off = p.Offset;
                long pos = p.Start;
                int n = (int)(p.End - p.Start);
                if (n > 0) buffer.CopyToRing(pos, src.Slice(off, n));
            }
        }
        catch (Exception ex)
        {
            failure = ex;
        }
        finally
        {
            Payload.Release();
        }
        buffer.OnCopied(this, failure);
        Clear();
        _pool.Return(this);
    }
}
