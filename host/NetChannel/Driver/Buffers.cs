using System;
using System.Threading;
using NetChannel.Device;

namespace NetChannel.Driver;

/// <summary>
/// A received payload in DMA memory of the channel's receive pool. Copy the bytes out, then call
/// <see cref="Release"/> (from any thread, exactly once) so the buffer can be posted again.
/// </summary>
public readonly struct RxBuffer
{
    private readonly RxBufferPool? _pool;
    private readonly int _id;
    private readonly int _token;
    private readonly int _length;

    internal RxBuffer(RxBufferPool pool, int id, int token, int length)
    {
        _pool = pool;
        _id = id;
        _token = token;
        _length = length;
    }

    /// <summary>The payload.</summary>
    /// <exception cref="ObjectDisposedException">The buffer was released (or its host disposed).</exception>
    /// <exception cref="InvalidOperationException">A default <see cref="RxBuffer"/>.</exception>
    public ReadOnlySpan<byte> Span => Pool.GetSpan(_id, _token, _length);

    /// <summary>Payload length in bytes.</summary>
    public int Length => _length;

    /// <summary>
    /// The buffer's index in its channel's receive pool (0 to <see cref="Channel.RxPoolBuffers"/> − 1),
    /// unique among the buffers not yet released: a handle for adapters that keep buffers in a table.
    /// </summary>
    public int Id => _id;

    /// <summary>Returns the buffer to its pool. Call exactly once.</summary>
    /// <exception cref="InvalidOperationException">The buffer was already released, or this is a default <see cref="RxBuffer"/>.</exception>
    public void Release() => Pool.Release(_id, _token);

    private RxBufferPool Pool => _pool ?? throw new InvalidOperationException("a default RxBuffer holds no buffer");
}

/// <summary>
/// A slot of a channel's Tx ring, reserved in ring order by <see cref="Channel.TryReserve"/> or
/// <see cref="Channel.ReserveAsync"/>: write the payload into <see cref="Buffer"/>, then
/// <see cref="Channel.Commit"/> it (exactly once).
/// </summary>
public readonly struct TxSlot
{
    internal TxSlot(Channel channel, int index)
    {
        Owner = channel;
        Index = index;
    }

    internal Channel? Owner { get; }

    /// <summary>
    /// The slot's free-running ring index: a handle for adapters, turned back into the slot by
    /// <see cref="Channel.GetReservedSlot"/>.
    /// </summary>
    public int Index { get; }

    /// <summary>The slot's payload buffer: DMA memory of <see cref="Channel.MaxPayload"/> bytes.</summary>
    /// <exception cref="InvalidOperationException">A default <see cref="TxSlot"/>.</exception>
    /// <exception cref="ObjectDisposedException">The channel's memory was released (the channel is gone and the slot was abandoned).</exception>
    public Span<byte> Buffer => (Owner ?? throw new InvalidOperationException("a default TxSlot has no buffer; reserve one with Channel.TryReserve or ReserveAsync")).GetSlotBuffer(Index);

    /// <summary>Capacity of <see cref="Buffer"/> in bytes (the channel's <see cref="Channel.MaxPayload"/>).</summary>
    public int Capacity => Owner?.MaxPayload ?? 0;
}

/// <summary>
/// A channel's receive buffers: more than its Rx ring holds. Buffers cycle pool → posted → handed to the
/// sink → released → pool. Taking (the poller) and releasing (any thread) are allocation-free.
/// </summary>
internal sealed unsafe class RxBufferPool
{
    private readonly DmaRegion _region;
    private readonly int _stride;
    private readonly int[] _owner;   // token of the hand-out that owns the buffer; 0 when not handed out
    private readonly int[] _free;
    private readonly object _lock = new();
    private int _freeCount;
    private int _nextToken;          // poller thread only
    private int _outstanding;        // handed out, not released
    private int _retired, _freed;
    private readonly Channel _channel;

    public RxBufferPool(INicDevice device, Channel channel, int count, int bufferBytes)
    {
        _channel = channel;
        _stride = (bufferBytes + 63) & ~63;
        BufferBytes = bufferBytes;
        Count = count;
        _region = device.AllocateDma(checked(_stride * count));
        _owner = new int[count];
        _free = new int[count];
        for (int i = 0; i < count; i++) _free[i] = count - 1 - i;
        _freeCount = count;
    }

    public int Count { get; }

    public int BufferBytes { get; }

    public int FreeCount
    {
        get { lock (_lock) return _freeCount; }
    }

    public int Outstanding => Volatile.Read(ref _outstanding);

    /// <summary>The ids in the free list (diagnostics and tests: each id at most once).</summary>
    public int[] FreeIds()
    {
        lock (_lock) return _free.AsSpan(0, _freeCount).ToArray();
    }

    public ulong BusAddress(int id) => _region.BusAddress + (ulong)(id * _stride);

    public bool TryTake(out int id)
    {
        lock (_lock)
        {
            if (_freeCount == 0) { id = -1; return false; }
            id = _free[--_freeCount];
            return true;
        }
    }

    /// <summary>Puts back a buffer that was never handed out (returned by the NIC at close).</summary>
    public void Return(int id)
    {
        lock (_lock) _free[_freeCount++] = id;
    }

    /// <summary>Hands a filled buffer to the sink (poller thread).</summary>
    public RxBuffer HandOut(int id, int length)
    {
        int token = ++_nextToken;
        if (token <= 0) token = _nextToken = 1;
        Volatile.Write(ref _owner[id], token);
        Interlocked.Increment(ref _outstanding);
        return new RxBuffer(this, id, token, length);
    }

    public ReadOnlySpan<byte> GetSpan(int id, int token, int length)
    {
        if (Volatile.Read(ref _owner[id]) != token)
            throw new ObjectDisposedException(nameof(RxBuffer), "the receive buffer was already released");
        return _region.Slice(id * _stride, length);
    }

    public void Release(int id, int token)
    {
        if (Interlocked.CompareExchange(ref _owner[id], 0, token) != token)
            throw new InvalidOperationException("RxBuffer.Release was called twice for the same buffer (or on a stale copy)");
        lock (_lock) _free[_freeCount++] = id;
        if (Interlocked.Decrement(ref _outstanding) == 0 && Volatile.Read(ref _retired) != 0) Free();
        else _channel.OnRxBufferReleased();
    }

    /// <summary>The channel is gone: free the memory once the last handed-out buffer is released.</summary>
    public void Retire()
    {
        Volatile.Write(ref _retired, 1);
        if (Volatile.Read(ref _outstanding) == 0) Free();
    }

    /// <summary>Frees the memory now, whatever is outstanding (host shutdown).</summary>
    public void Free()
    {
        if (Interlocked.Exchange(ref _freed, 1) == 0) _region.Dispose();
    }

    public bool IsFreed => Volatile.Read(ref _freed) != 0;
}
