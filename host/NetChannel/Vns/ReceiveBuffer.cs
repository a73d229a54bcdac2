using System;
using System.Buffers;
using System.Net.Sockets;
using System.Threading;
using System.Threading.Tasks;
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
/// (the grant), so every chunk that arrives, in whatever order, has its own place in the ring; the chunk
/// is copied there (or straight into a pending receive's memory) as soon as it arrives and the driver's
/// buffer is released at once — a reader that stops never holds channel buffers other sockets need.
/// </summary>
/// <remarks>
/// Ranges at or above <c>rcvNxt</c> are tracked as segments, each "in copy" or "complete"; <c>rcvNxt</c>
/// advances over complete ones. A copy reserves its range first, so copies on several workers write
/// disjoint bytes and a duplicate is dropped before it is copied.
/// </remarks>
internal sealed class ReceiveBuffer
{
    private struct Segment
    {
        public long Start, End;
        public bool Complete;
    }

    private readonly object _lock = new();
    private readonly VnsSocket _socket;
    private readonly uint _isn;
    private readonly int _cap;
    private readonly long _ackStep;
    private readonly AsyncOp<int> _recv;
    private byte[]? _ring;
    private long _appRead, _rcvNxt, _fin = long.MaxValue, _advertised;
    private Segment[] _segs = new Segment[8];
    private int _segCount;
    private Memory<byte> _target;
    private int _copies;
    private bool _closed;
    private SocketError _error;
    private string? _errorMessage;

    // Counters.
    private long _bytes, _chunks, _outOfOrder, _direct, _violations, _dupBytes, _finEarly, _acks;

    public ReceiveBuffer(VnsSocket socket, uint isn, int capacity)
    {
        _socket = socket;
        _isn = isn;
        _cap = capacity;
        _ackStep = Math.Max(1, Math.Min(capacity / 4, 256 * 1024));
        _advertised = capacity;
        _ring = ArrayPool<byte>.Shared.Rent(capacity);
        _recv = new AsyncOp<int>(_lock);
    }

    public int Capacity => _cap;

    /// <summary>The grant to put in outgoing messages: the first offset the peer may not send.</summary>
    public long Grant => Volatile.Read(ref _appRead) + _cap;

    public long BytesReceived => Volatile.Read(ref _bytes);
    public long Chunks => Volatile.Read(ref _chunks);
    public long OutOfOrderChunks => Volatile.Read(ref _outOfOrder);
    public long DirectBytes => Volatile.Read(ref _direct);
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

    /// <summary>A DATA message arrived: reserve its range, then copy it inline or on a worker.</summary>
    public void OnData(uint wireSeq, RxPayload payload, TrafficClass cls, VnsHost host)
    {
        RxCopyItem item = host.RxItems.Rent();
        int len = payload.Length;
        lock (_lock)
        {
            if (_closed || _error != SocketError.Success || len == 0) goto Drop;
            long s = Seq.ToOffset(_isn, wireSeq, _rcvNxt);
            long e = s + len;
            long limit = Math.Min(_appRead + _cap, _fin);
            if (e > limit)
            {
                _violations++;
                e = limit;
            }
            if (s < _rcvNxt) _dupBytes += Math.Min(_rcvNxt, e) - s;
            long start = Math.Max(s, _rcvNxt);
            if (start >= e) goto Drop;
            item.Init(this, payload, cls, len);
            AddGaps(item, s, start, e);
            if (item.PieceCount == 0) goto Drop;
            _chunks++;
            if (s > _rcvNxt) _outOfOrder++;
            ref RxCopyItem.Piece first = ref item.Pieces[0];
            if (_recv.IsArmed && !_recv.Claimed && _target.Length > 0 && _appRead == _rcvNxt && first.Start == _rcvNxt)
            {
                _recv.Claimed = true;
                item.Target = _target;
                item.Direct = (int)Math.Min(first.End - first.Start, _target.Length);
            }
            _copies++;
        }
        CopyWorker? w = host.Scheduler.SelectWorker(cls, len, host.Scheduler.Options.InlineReceiveCopyBytes);
        if (w is null) item.Execute();
        else w.Enqueue(item);
        return;

    Drop:
        payload.Release();
        item.Clear();
        host.RxItems.Return(item);
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

    /// <summary>A copy request finished (worker or poller thread).</summary>
    public void OnCopied(RxCopyItem item, Exception? failure)
    {
        long grant = 0;
        bool ack;
        lock (_lock)
        {
            for (int i = 0; i < item.PieceCount; i++) MarkComplete(item.Pieces[i].Start);
            _copies--;
            _bytes += item.TotalBytes;
            if (item.Direct > 0)
            {
                _appRead += item.Direct;
                _direct += item.Direct;
                _target = default;
                _recv.TrySetResult(item.Direct);
            }
            else if (_recv.IsArmed && !_recv.Claimed) CompletePendingLocked();
            if (_closed && _copies == 0) ReturnRingLocked();
            ack = GrantDueLocked(out grant);
        }
        if (failure is not null) _socket.Abort(SocketError.Fault, $"copying received data failed: {failure.Message}", true);
        if (ack) _socket.SendGrant(grant);
    }

    private void CompletePendingLocked()
    {
        if (_error != SocketError.Success)
        {
            _target = default;
            _recv.TrySetException(MakeError());
            return;
        }
        long avail = _rcvNxt - _appRead;
        if (avail > 0)
        {
            int n = (int)Math.Min(avail, _target.Length);
            if (n > 0) CopyFromRing(_appRead, _target.Span[..n]);
            _appRead += n;
            _target = default;
            _recv.TrySetResult(n);
        }
        else if (_appRead >= _fin)
        {
            _target = default;
            _recv.TrySetResult(0);
        }
    }

    private bool GrantDueLocked(out long grant)
    {
        grant = _appRead + _cap;
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
            if (_recv.IsArmed) throw new InvalidOperationException("A receive is already pending on this socket; only one receive may be outstanding at a time.");
            if (_error != SocketError.Success) throw MakeError();
            long avail = _rcvNxt - _appRead;
            if (avail > 0)
            {
                n = (int)Math.Min(avail, buffer.Length);
                if (n > 0) CopyFromRing(_appRead, buffer.Span[..n]);
                _appRead += n;
                ack = GrantDueLocked(out grant);
            }
            else if (_appRead >= _fin) return new ValueTask<int>(0);
            else
            {
                if (cancellationToken.IsCancellationRequested) return ValueTask.FromCanceled<int>(cancellationToken);
                _target = buffer;
                return _recv.Arm(cancellationToken);
            }
        }
        if (ack) _socket.SendGrant(grant);
        return new ValueTask<int>(n);
    }

    // ---- control -----------------------------------------------------------------------------------

    /// <summary>The peer's FIN: its stream ends at the final sequence it carries.</summary>
    public bool OnFin(uint wireSeq)
    {
        lock (_lock)
        {
            if (_closed) return true;
            long f = Seq.ToOffset(_isn, wireSeq, _rcvNxt);
            if (f < _rcvNxt || (_fin != long.MaxValue && _fin != f) || (_segCount > 0 && _segs[_segCount - 1].End > f)) return false;
            if (_fin == f) return true;
            _fin = f;
            if (_rcvNxt < f) _finEarly++;
            if (_recv.IsArmed && !_recv.Claimed) CompletePendingLocked();
            return true;
        }
    }

    /// <summary>Fails the receive side (reset, channel lost): a pending receive and every later one throw.</summary>
    public void Abort(SocketError error, string message)
    {
        lock (_lock)
        {
            if (_error == SocketError.Success)
            {
                _error = error;
                _errorMessage = message;
            }
            if (_recv.IsArmed && !_recv.Claimed)
            {
                _target = default;
                _recv.TrySetException(MakeError());
            }
        }
    }

    /// <summary>The socket is disposed: a pending receive fails, the ring goes back to the pool once no
    /// copy writes into it.</summary>
    public void Close()
    {
        lock (_lock)
        {
            if (_closed) return;
            _closed = true;
            if (_recv.IsArmed && !_recv.Claimed)
            {
                _target = default;
                _recv.TrySetException(new SocketException((int)SocketError.OperationAborted, "The socket was disposed while a receive was pending."));
            }
            if (_copies == 0) ReturnRingLocked();
        }
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
    public Memory<byte> Target;
    public int Direct;
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
        Direct = 0;
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
        Target = default;
        PieceCount = 0;
        Direct = 0;
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
                if (i == 0 && Direct > 0)
                {
                    src.Slice(off, Direct).CopyTo(Target.Span);
                    off += Direct;
                    pos += Direct;
                    n -= Direct;
                }
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
