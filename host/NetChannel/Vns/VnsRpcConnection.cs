using System;
using System.Buffers;
using System.Buffers.Binary;
using System.Collections.Generic;
using System.IO;
using System.Net.Sockets;
using System.Threading;
using System.Threading.Channels;
using System.Threading.Tasks;
using System.Threading.Tasks.Sources;

namespace NetChannel.Vns;

/// <summary>Options of an RPC connection.</summary>
public sealed class VnsRpcOptions
{
    /// <summary>Largest request or response payload; a larger frame from the peer aborts the connection. Default 16 MiB.</summary>
    public int MaxMessageSize { get; set; } = 16 << 20;

    /// <summary>Requests received and not yet taken by <see cref="VnsRpcConnection.ReceiveRequestAsync"/>; when
    /// full the connection stops reading (credit then stops the peer). Default 1024.</summary>
    public int MaxQueuedRequests { get; set; } = 1024;

    internal void Validate()
    {
        if (MaxMessageSize < 0 || MaxMessageSize > (1 << 30)) throw new ArgumentOutOfRangeException(nameof(MaxMessageSize), MaxMessageSize, "must be in [0, 1 GiB]");
        if (MaxQueuedRequests < 1) throw new ArgumentOutOfRangeException(nameof(MaxQueuedRequests), MaxQueuedRequests, "must be positive");
    }
}

/// <summary>A message received over RPC (a response to a call); its payload lives in a pooled buffer
/// until <see cref="Dispose"/>.</summary>
public class RpcMessage : IDisposable
{
    private byte[]? _buffer;
    private int _length;

    internal void Set(ulong id, byte[] buffer, int length)
    {
        Id = id;
        _buffer = buffer;
        _length = length;
    }

    /// <summary>The request id the message belongs to.</summary>
    public ulong Id { get; private set; }

    /// <summary>The payload (valid until disposed).</summary>
    /// <exception cref="ObjectDisposedException">The message was disposed.</exception>
    public ReadOnlyMemory<byte> Payload => _buffer is { } b ? b.AsMemory(0, _length) : throw new ObjectDisposedException(GetType().Name);

    /// <summary>Returns the payload buffer to the pool.</summary>
    public void Dispose()
    {
        byte[]? b = Interlocked.Exchange(ref _buffer, null);
        if (b is not null) ArrayPool<byte>.Shared.Return(b);
        GC.SuppressFinalize(this);
    }
}

/// <summary>A request received over RPC; answer it once with <see cref="RespondAsync"/>.</summary>
public sealed class RpcRequest : RpcMessage
{
    private readonly VnsRpcConnection _connection;
    private int _responded;

    internal RpcRequest(VnsRpcConnection connection) => _connection = connection;

    /// <summary>Sends the response; the caller's <c>CallAsync</c> completes with it. Completes once the frame is
    /// handed to the connection's writer (a small frame may be sent by another caller's send, with theirs).</summary>
    /// <exception cref="InvalidOperationException">The request was already answered.</exception>
    public ValueTask RespondAsync(ReadOnlyMemory<byte> response, CancellationToken cancellationToken = default)
    {
        if (Interlocked.Exchange(ref _responded, 1) != 0) throw new InvalidOperationException($"Request {Id} was already answered.");
        return _connection.SendFrameAsync(VnsRpcConnection.KindResponse, Id, response, cancellationToken);
    }
}

/// <summary>
/// Request/response messaging over one <see cref="VnsSocket"/>, preserving message boundaries: each side can
/// call the other (<see cref="CallAsync"/>) with any number of calls outstanding, and answer calls it
/// receives (<see cref="ReceiveRequestAsync"/>, <see cref="RpcRequest.RespondAsync"/>) in any order. Every
/// response is matched to its request by id.
/// </summary>
/// <remarks>
/// Frame: 16-byte little-endian header — kind (1 request, 2 response), three zero bytes, payload length
/// (u32), request id (u64) — then the payload. A malformed frame aborts the connection with
/// <see cref="InvalidDataException"/> for every pending call.
/// </remarks>
public sealed class VnsRpcConnection : IAsyncDisposable
{
    internal const byte KindRequest = 1, KindResponse = 2;
    private const int HeaderSize = 16;
    private const int CoalesceLimit = 64 * 1024;

    private readonly VnsSocket _socket;
    private readonly VnsRpcOptions _options;
    private readonly SemaphoreSlim _writeLock = new(1, 1);
    private readonly object _txLock = new();
    private byte[] _txBuf = new byte[CoalesceLimit], _txSpare = new byte[CoalesceLimit]; // frames waiting for a send, and the one being sent
    private int _txLen;
    private Exception? _txFailure;
    private readonly Dictionary<ulong, PendingCall> _pending = new();
    private readonly Channel<RpcRequest> _requests;
    private readonly CancellationTokenSource _closing = new();
    private readonly Task _reader;
    private readonly Stack<PendingCall> _callPool = new();
    private long _nextId;
    private Exception? _failure;
    private int _disposed;
    private long _calls, _served;

    /// <summary>Starts RPC over <paramref name="socket"/> (the connection owns it from now on).</summary>
    public VnsRpcConnection(VnsSocket socket, VnsRpcOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(socket);
        _options = options ?? new VnsRpcOptions();
        _options.Validate();
        _socket = socket;
        // The read loop's receives complete on the poller that delivered the data, not via the thread pool:
        // the loop never blocks, and it hands responses and requests on to the application asynchronously.
        socket.Receive.InlineCompletions = true;
        _requests = Channel.CreateBounded<RpcRequest>(new BoundedChannelOptions(_options.MaxQueuedRequests) { SingleWriter = true });
        _reader = Task.Run(ReadLoopAsync);
    }

    /// <summary>The socket underneath.</summary>
    public VnsSocket Socket => _socket;

    /// <summary>Calls completed with a response.</summary>
    public long CallsCompleted => Volatile.Read(ref _calls);

    /// <summary>Requests received from the peer.</summary>
    public long RequestsReceived => Volatile.Read(ref _served);

    /// <summary>Sends <paramref name="request"/> and waits for the matching response. Dispose the response
    /// to return its buffer.</summary>
    /// <exception cref="ObjectDisposedException">The connection was disposed.</exception>
    /// <exception cref="IOException">The connection failed or closed before the response came.</exception>
    /// <exception cref="ArgumentException">The request exceeds <see cref="VnsRpcOptions.MaxMessageSize"/>.</exception>
    /// <exception cref="OperationCanceledException">Cancelled; a response that comes later is discarded.</exception>
    [System.Runtime.CompilerServices.AsyncMethodBuilder(typeof(System.Runtime.CompilerServices.PoolingAsyncValueTaskMethodBuilder<>))]
    public async ValueTask<RpcMessage> CallAsync(ReadOnlyMemory<byte> request, CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        if (request.Length > _options.MaxMessageSize)
            throw new ArgumentException($"request of {request.Length} bytes exceeds MaxMessageSize ({_options.MaxMessageSize})", nameof(request));
        ulong id = (ulong)Interlocked.Increment(ref _nextId);
        PendingCall call;
        lock (_pending)
        {
            if (_failure is not null) throw new IOException($"The RPC connection failed: {_failure.Message}", _failure);
            call = _callPool.Count > 0 ? _callPool.Pop() : new PendingCall(this);
            call.Start(id, cancellationToken);
            _pending.Add(id, call);
        }
        ValueTask<RpcMessage> response = call.Task;
        try
        {
            await SendFrameAsync(KindRequest, id, request, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            lock (_pending)
                if (_pending.Remove(id)) call.Fail(ex);
        }
        RpcMessage m = await response.ConfigureAwait(false);
        Interlocked.Increment(ref _calls);
        return m;
    }

    /// <summary>Waits for the next request from the peer; null once the peer has closed its side.</summary>
    /// <exception cref="IOException">The connection failed.</exception>
    /// <exception cref="OperationCanceledException">Cancelled.</exception>
    public async ValueTask<RpcRequest?> ReceiveRequestAsync(CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        try
        {
            return await _requests.Reader.ReadAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (ChannelClosedException e)
        {
            if (e.InnerException is IOException io) throw new IOException(io.Message, io);
            if (e.InnerException is { } inner) throw new IOException($"The RPC connection failed: {inner.Message}", inner);
            return null;
        }
    }

    /// <summary>Sends one frame. A frame that fits the coalescing buffer is appended to it and the call
    /// returns at once; whoever holds the write lock (this caller if it is free) sends everything appended so
    /// far in one <see cref="VnsSocket.SendAsync"/>, so concurrent callers share sends instead of queueing
    /// on the lock one thread-pool hop after another. Larger frames, or a full buffer, take the write lock.</summary>
    internal ValueTask SendFrameAsync(byte kind, ulong id, ReadOnlyMemory<byte> payload, CancellationToken ct)
    {
        if (payload.Length > _options.MaxMessageSize)
            throw new ArgumentException($"message of {payload.Length} bytes exceeds MaxMessageSize ({_options.MaxMessageSize})", nameof(payload));
        int frame = HeaderSize + payload.Length;
        if (frame <= CoalesceLimit)
        {
            lock (_txLock)
            {
                if (_txFailure is { } f) throw f is ObjectDisposedException or OperationCanceledException ? new ObjectDisposedException(nameof(VnsRpcConnection), "The RPC connection was disposed.") : new IOException($"Unable to send on the RPC connection: {f.Message}", f);
                if (_txLen + frame <= _txBuf.Length)
                {
                    WriteHeader(_txBuf.AsSpan(_txLen), kind, id, payload.Length);
                    payload.Span.CopyTo(_txBuf.AsSpan(_txLen + HeaderSize));
                    _txLen += frame;
                    goto Appended;
                }
            }
        }
        return SendFrameLockedAsync(kind, id, payload, ct);

    Appended:
        if (!_writeLock.Wait(0)) return default; // the lock's holder sends it before it lets go
        return FlushAsync(true);
    }

    /// <summary>The frame does not fit the coalescing buffer: take the write lock, send what is buffered, then the frame.</summary>
    private async ValueTask SendFrameLockedAsync(byte kind, ulong id, ReadOnlyMemory<byte> payload, CancellationToken ct)
    {
        await _writeLock.WaitAsync(ct).ConfigureAwait(false);
        byte[]? tmp = null;
        bool locked = true;
        try
        {
            // The caller's token only covers the wait for the lock: cancelling a frame half-written would
            // break the framing for everyone, so the write itself runs to completion (or connection failure).
            await FlushAsync(false).ConfigureAwait(false);
            int frame = HeaderSize + payload.Length;
            if (frame <= CoalesceLimit)
            {
                tmp = ArrayPool<byte>.Shared.Rent(frame);
                WriteHeader(tmp, kind, id, payload.Length);
                payload.Span.CopyTo(tmp.AsSpan(HeaderSize));
                await SendOrFailAsync(tmp.AsMemory(0, frame)).ConfigureAwait(false);
            }
            else
            {
                tmp = ArrayPool<byte>.Shared.Rent(HeaderSize);
                WriteHeader(tmp, kind, id, payload.Length);
                await SendOrFailAsync(tmp.AsMemory(0, HeaderSize)).ConfigureAwait(false);
                await SendOrFailAsync(payload).ConfigureAwait(false);
            }
            locked = false;
            await FlushAsync(true).ConfigureAwait(false);
        }
        finally
        {
            if (tmp is not null) ArrayPool<byte>.Shared.Return(tmp);
            if (locked) _writeLock.Release();
        }
    }

    /// <summary>Sends the buffered frames (caller holds the write lock). With <paramref name="release"/>,
    /// releases the lock when nothing is left, looking once more afterwards so a frame appended meanwhile by a
    /// caller that found the lock taken is never stranded.</summary>
    private ValueTask FlushAsync(bool release)
    {
        while (true)
        {
            byte[] buf;
            int n;
            lock (_txLock)
            {
                n = _txLen;
                if (n > 0)
                {
                    buf = _txBuf;
                    _txBuf = _txSpare;
                    _txSpare = buf;
                    _txLen = 0;
                }
                else buf = null!;
            }
            if (n > 0)
            {
                ValueTask t;
                try
                {
                    t = SendOrFailAsync(buf.AsMemory(0, n));
                }
                catch
                {
                    if (release) _writeLock.Release();
                    throw;
                }
                if (!t.IsCompletedSuccessfully) return AwaitFlushAsync(t, release);
                t.GetAwaiter().GetResult();
                continue;
            }
            if (!release) return default;
            _writeLock.Release();
            lock (_txLock)
                if (_txLen == 0) return default;
            if (!_writeLock.Wait(0)) return default; // the new holder sends it
        }
    }

    private async ValueTask AwaitFlushAsync(ValueTask pending, bool release)
    {
        try
        {
            await pending.ConfigureAwait(false);
        }
        catch
        {
            if (release) _writeLock.Release();
            throw;
        }
        await FlushAsync(release).ConfigureAwait(false);
    }

    /// <summary>One send of whole frames (caller holds the write lock). A failure fails the connection: frames
    /// of other callers may have been in it, and their calls must not wait for answers that cannot come.</summary>
    private ValueTask SendOrFailAsync(ReadOnlyMemory<byte> data)
    {
        ValueTask<int> t;
        try
        {
            t = _socket.SendAsync(data, _closing.Token);
        }
        catch (Exception e)
        {
            throw FailSend(e);
        }
        if (t.IsCompletedSuccessfully) return default;
        return AwaitSendAsync(t);
    }

    private async ValueTask AwaitSendAsync(ValueTask<int> t)
    {
        try
        {
            await t.ConfigureAwait(false);
        }
        catch (Exception e)
        {
            throw FailSend(e);
        }
    }

    private Exception FailSend(Exception e)
    {
        Exception thrown = e is SocketException ? new IOException($"Unable to send on the RPC connection: {e.Message}", e) : e;
        lock (_txLock)
        {
            _txFailure ??= e;
            _txLen = 0;
        }
        if (e is not ObjectDisposedException && Volatile.Read(ref _disposed) == 0)
        {
            // The socket cannot carry frames any more: abort it so the read loop ends and fails every pending call.
            _socket.Abort();
        }
        return thrown;
    }

    private static void WriteHeader(Span<byte> h, byte kind, ulong id, int length)
    {
        h[0] = kind;
        h[1] = h[2] = h[3] = 0;
        BinaryPrimitives.WriteUInt32LittleEndian(h[4..], (uint)length);
        BinaryPrimitives.WriteUInt64LittleEndian(h[8..], id);
    }

    private async Task ReadLoopAsync()
    {
        byte[] header = new byte[HeaderSize];
        Exception? failure = null;
        try
        {
            while (true)
            {
                if (!await ReadExactlyAsync(header, true).ConfigureAwait(false)) break;
                byte kind = header[0];
                uint len = BinaryPrimitives.ReadUInt32LittleEndian(header.AsSpan(4));
                ulong id = BinaryPrimitives.ReadUInt64LittleEndian(header.AsSpan(8));
                if ((kind != KindRequest && kind != KindResponse) || header[1] != 0 || header[2] != 0 || header[3] != 0)
                    throw new InvalidDataException($"malformed RPC frame header (kind {kind}, reserved {header[1]:x2}{header[2]:x2}{header[3]:x2})");
                if (len > (uint)_options.MaxMessageSize)
                    throw new InvalidDataException($"RPC frame of {len} bytes exceeds MaxMessageSize ({_options.MaxMessageSize})");
                byte[] buf = ArrayPool<byte>.Shared.Rent(Math.Max(1, (int)len));
                await ReadExactlyAsync(buf.AsMemory(0, (int)len), false).ConfigureAwait(false);
                if (kind == KindResponse)
                {
                    PendingCall? call;
                    lock (_pending)
                        if (!_pending.Remove(id, out call)) call = null;
                    if (call is null) ArrayPool<byte>.Shared.Return(buf); // cancelled call, or unknown id
                    else
                    {
                        var m = new RpcMessage();
                        m.Set(id, buf, (int)len);
                        call.Complete(m);
                    }
                }
                else
                {
                    var r = new RpcRequest(this);
                    r.Set(id, buf, (int)len);
                    Interlocked.Increment(ref _served);
                    await _requests.Writer.WriteAsync(r, _closing.Token).ConfigureAwait(false);
                }
            }
        }
        catch (Exception ex)
        {
            failure = ex;
        }
        Exception reason = failure switch
        {
            null => new IOException("The peer closed the RPC connection."),
            OperationCanceledException when _closing.IsCancellationRequested => new ObjectDisposedException(nameof(VnsRpcConnection), "The RPC connection was disposed."),
            IOException io => io,
            _ => new IOException($"The RPC connection failed: {failure.Message}", failure),
        };
        List<PendingCall> fail;
        lock (_pending)
        {
            _failure = reason;
            fail = new List<PendingCall>(_pending.Values);
            _pending.Clear();
        }
        foreach (PendingCall c in fail) c.Fail(reason);
        _requests.Writer.TryComplete(failure is null || _closing.IsCancellationRequested ? null : reason);
    }

    private async ValueTask<bool> ReadExactlyAsync(Memory<byte> buffer, bool atFrameStart)
    {
        int got = 0;
        while (got < buffer.Length)
        {
            int n = await _socket.ReceiveAsync(buffer[got..], _closing.Token).ConfigureAwait(false);
            if (n == 0)
            {
                if (got == 0 && atFrameStart) return false; // end-of-stream at a frame boundary: the peer closed
                throw new InvalidDataException("the peer closed the connection in the middle of an RPC frame");
            }
            got += n;
        }
        return true;
    }

    internal void ReturnCall(PendingCall call)
    {
        lock (_pending) _callPool.Push(call);
    }

    internal void CancelCall(PendingCall call, ulong id, CancellationToken token)
    {
        if (!call.IsFor(id, token)) return; // a late callback of an earlier call that used this pooled object
        bool removed;
        lock (_pending) removed = _pending.Remove(id);
        if (removed) call.Fail(new OperationCanceledException(token));
    }

    /// <summary>Closes the connection: pending calls fail, the socket is disposed (graceful when everything
    /// sent to this side was read).</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0) return;
        _closing.Cancel();
        await _socket.DisposeAsync().ConfigureAwait(false);
        try
        {
            await _reader.ConfigureAwait(false);
        }
        catch (Exception)
        {
            // The read loop records its own failure.
        }
        while (_requests.Reader.TryRead(out RpcRequest? r)) r.Dispose();
        _closing.Dispose();
    }

    /// <summary>One outstanding call: a pooled awaitable completed by the read loop.</summary>
    internal sealed class PendingCall : IValueTaskSource<RpcMessage>
    {
        private static readonly Action<object?, CancellationToken> s_cancel = static (s, t) =>
        {
            var c = (PendingCall)s!;
            c._owner.CancelCall(c, c._id, t);
        };

        private readonly VnsRpcConnection _owner;
        private ManualResetValueTaskSourceCore<RpcMessage> _core = new() { RunContinuationsAsynchronously = true };
        private CancellationTokenRegistration _reg;
        private ulong _id;
        private CancellationToken _token;
        private int _done;

        public bool IsFor(ulong id, CancellationToken token) => _id == id && _token == token && Volatile.Read(ref _done) == 0;

        public PendingCall(VnsRpcConnection owner) => _owner = owner;

        public ValueTask<RpcMessage> Task => new(this, _core.Version);

        public void Start(ulong id, CancellationToken ct)
        {
            _core.Reset();
            _id = id;
            _token = ct;
            _done = 0;
            _reg = ct.CanBeCanceled ? ct.UnsafeRegister(s_cancel, this) : default;
        }

        public void Complete(RpcMessage m)
        {
            if (Interlocked.Exchange(ref _done, 1) != 0)
            {
                m.Dispose();
                return;
            }
            _reg.Unregister();
            _core.SetResult(m);
        }

        public void Fail(Exception e)
        {
            if (Interlocked.Exchange(ref _done, 1) != 0) return;
            _reg.Unregister();
            _core.SetException(e);
        }

        public RpcMessage GetResult(short token)
        {
            try
            {
                return _core.GetResult(token);
            }
            finally
            {
                _reg = default;
                _owner.ReturnCall(this);
            }
        }

        public ValueTaskSourceStatus GetStatus(short token) => _core.GetStatus(token);

        public void OnCompleted(Action<object?> continuation, object? state, short token, ValueTaskSourceOnCompletedFlags flags) =>
            _core.OnCompleted(continuation, state, token, flags);
    }
}
