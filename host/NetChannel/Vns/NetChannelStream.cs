using System;
using System.Buffers;
using System.IO;
using System.Net.Sockets;
using System.Runtime.CompilerServices;
using System.Threading;
using System.Threading.Tasks;

namespace NetChannel.Vns;

/// <summary>
/// A <see cref="Stream"/> over a <see cref="VnsSocket"/>, with the semantics .NET code relies on from
/// <see cref="NetworkStream"/>: a zero-byte read waits until data is available, end-of-stream reads return
/// 0, cancellation throws <see cref="OperationCanceledException"/> carrying the caller's token, use after
/// dispose throws <see cref="ObjectDisposedException"/>, bad arguments throw like NetworkStream, and
/// transport errors surface as <see cref="IOException"/> wrapping the <see cref="SocketException"/>.
/// </summary>
public sealed class NetChannelStream : Stream
{
    private readonly VnsSocket _socket;
    private readonly bool _ownsSocket;
    private int _disposed;

    /// <summary>Wraps <paramref name="socket"/>.</summary>
    /// <param name="socket">A connected socket.</param>
    /// <param name="ownsSocket">Dispose the socket with the stream (like NetworkStream, default false).</param>
    /// <exception cref="ArgumentNullException"><paramref name="socket"/> is null.</exception>
    /// <exception cref="IOException">The socket is not connected.</exception>
    public NetChannelStream(VnsSocket socket, bool ownsSocket = false)
    {
        ArgumentNullException.ThrowIfNull(socket);
        if (!socket.Connected) throw new IOException($"The socket is not connected ({socket.State}).");
        _socket = socket;
        _ownsSocket = ownsSocket;
    }

    /// <summary>The underlying socket.</summary>
    public VnsSocket Socket => _socket;

    private bool IsDisposed => Volatile.Read(ref _disposed) != 0;

    /// <inheritdoc/>
    public override bool CanRead => !IsDisposed;

    /// <inheritdoc/>
    public override bool CanWrite => !IsDisposed;

    /// <inheritdoc/>
    public override bool CanSeek => false;

    /// <inheritdoc/>
    public override long Length => throw new NotSupportedException("A NetChannelStream has no length.");

    /// <inheritdoc/>
    public override long Position
    {
        get => throw new NotSupportedException("A NetChannelStream has no position.");
        set => throw new NotSupportedException("A NetChannelStream cannot seek.");
    }

    /// <inheritdoc/>
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException("A NetChannelStream cannot seek.");

    /// <inheritdoc/>
    public override void SetLength(long value) => throw new NotSupportedException("A NetChannelStream has no length.");

    /// <inheritdoc/>
    public override void Flush()
    {
        // Data is handed to the NIC by WriteAsync itself; nothing is buffered here.
    }

    /// <inheritdoc/>
    public override Task FlushAsync(CancellationToken cancellationToken) =>
        cancellationToken.IsCancellationRequested ? Task.FromCanceled(cancellationToken) : Task.CompletedTask;

    /// <summary>Ends the write direction (the peer reads end-of-stream after the data), keeping reads open,
    /// like <c>QuicStream.CompleteWrites</c>.</summary>
    public void CompleteWrites()
    {
        ObjectDisposedException.ThrowIf(IsDisposed, this);
        _socket.ShutdownSend();
    }

    // ---- read ------------------------------------------------------------------------------------

    /// <inheritdoc/>
    public override int Read(byte[] buffer, int offset, int count)
    {
        ValidateBufferArguments(buffer, offset, count);
        ObjectDisposedException.ThrowIf(IsDisposed, this);
        return Wait(ReadCore(buffer.AsMemory(offset, count), CancellationToken.None));
    }

    /// <inheritdoc/>
    public override int Read(Span<byte> buffer)
    {
        ObjectDisposedException.ThrowIf(IsDisposed, this);
        byte[] tmp = ArrayPool<byte>.Shared.Rent(Math.Min(buffer.Length, 1 << 20));
        try
        {
            int n = Wait(ReadCore(tmp.AsMemory(0, Math.Min(buffer.Length, tmp.Length)), CancellationToken.None));
            tmp.AsSpan(0, n).CopyTo(buffer);
            return n;
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(tmp);
        }
    }

    /// <inheritdoc/>
    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken)
    {
        ValidateBufferArguments(buffer, offset, count);
        return ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();
    }

    /// <inheritdoc/>
    public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(IsDisposed, this);
        return ReadCore(buffer, cancellationToken);
    }

    private ValueTask<int> ReadCore(Memory<byte> buffer, CancellationToken ct)
    {
        ValueTask<int> vt;
        try
        {
            vt = _socket.ReceiveAsync(buffer, ct);
        }
        catch (SocketException e)
        {
            throw ReadError(e);
        }
        return vt.IsCompletedSuccessfully ? vt : AwaitRead(vt);
    }

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    private async ValueTask<int> AwaitRead(ValueTask<int> vt)
    {
        try
        {
            return await vt.ConfigureAwait(false);
        }
        catch (SocketException e)
        {
            throw ReadError(e);
        }
    }

    private static IOException ReadError(SocketException e) => new($"Unable to read data from the virtual socket: {e.Message}", e);

    // ---- write -----------------------------------------------------------------------------------

    /// <inheritdoc/>
    public override void Write(byte[] buffer, int offset, int count)
    {
        ValidateBufferArguments(buffer, offset, count);
        ObjectDisposedException.ThrowIf(IsDisposed, this);
        WaitVoid(WriteCore(buffer.AsMemory(offset, count), CancellationToken.None));
    }

    /// <inheritdoc/>
    public override void Write(ReadOnlySpan<byte> buffer)
    {
        ObjectDisposedException.ThrowIf(IsDisposed, this);
        byte[] tmp = ArrayPool<byte>.Shared.Rent(buffer.Length);
        try
        {
            buffer.CopyTo(tmp);
            WaitVoid(WriteCore(tmp.AsMemory(0, buffer.Length), CancellationToken.None));
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(tmp);
        }
    }

    /// <inheritdoc/>
    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken)
    {
        ValidateBufferArguments(buffer, offset, count);
        return WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();
    }

    /// <inheritdoc/>
    public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(IsDisposed, this);
        return WriteCore(buffer, cancellationToken);
    }

    private ValueTask WriteCore(ReadOnlyMemory<byte> buffer, CancellationToken ct)
    {
        ValueTask<int> vt;
        try
        {
            vt = _socket.SendAsync(buffer, ct);
        }
        catch (SocketException e)
        {
            throw WriteError(e);
        }
        if (vt.IsCompletedSuccessfully)
        {
            _ = vt.Result;
            return default;
        }
        return AwaitWrite(vt);
    }

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder))]
    private async ValueTask AwaitWrite(ValueTask<int> vt)
    {
        try
        {
            await vt.ConfigureAwait(false);
        }
        catch (SocketException e)
        {
            throw WriteError(e);
        }
    }

    private static IOException WriteError(SocketException e) => new($"Unable to write data to the virtual socket: {e.Message}", e);

    private static int Wait(ValueTask<int> vt) => vt.IsCompletedSuccessfully ? vt.Result : vt.AsTask().GetAwaiter().GetResult();

    private static void WaitVoid(ValueTask vt)
    {
        if (vt.IsCompletedSuccessfully) return;
        vt.AsTask().GetAwaiter().GetResult();
    }

    // ---- dispose ---------------------------------------------------------------------------------

    /// <inheritdoc/>
    protected override void Dispose(bool disposing)
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 0 && disposing && _ownsSocket)
            _socket.DisposeAsync().AsTask().GetAwaiter().GetResult();
        base.Dispose(disposing);
    }

    /// <inheritdoc/>
    public override async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 0 && _ownsSocket) await _socket.DisposeAsync().ConfigureAwait(false);
        GC.SuppressFinalize(this);
    }
}
