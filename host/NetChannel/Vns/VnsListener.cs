using System;
using System.Net;
using System.Threading;
using System.Threading.Channels;
using System.Threading.Tasks;

namespace NetChannel.Vns;

/// <summary>Accepts virtual-socket connections on one port (of every transport of the host), like
/// <c>QuicListener</c>: connections complete the handshake in the background and wait in a bounded backlog.</summary>
public sealed class VnsListener : IAsyncDisposable
{
    private readonly VnsHost _host;
    private readonly Channel<VnsSocket> _backlog;
    private int _disposed;

    internal VnsListener(VnsHost host, ushort port, VnsListenerOptions options)
    {
        _host = host;
        Port = port;
        Options = options;
        _backlog = Channel.CreateBounded<VnsSocket>(new BoundedChannelOptions(options.Backlog)
        {
            SingleWriter = false,
            SingleReader = false,
            FullMode = BoundedChannelFullMode.Wait,
        });
        LocalEndPoint = new IPEndPoint(IPAddress.Any, port);
    }

    /// <summary>The listening port.</summary>
    public ushort Port { get; }

    /// <summary>The local endpoint (any address, <see cref="Port"/>).</summary>
    public IPEndPoint LocalEndPoint { get; }

    internal VnsListenerOptions Options { get; }

    internal bool IsDisposed => Volatile.Read(ref _disposed) != 0;

    internal bool TryEnqueue(VnsSocket socket) => !IsDisposed && _backlog.Writer.TryWrite(socket);

    /// <summary>Waits for the next connection.</summary>
    /// <exception cref="ObjectDisposedException">The listener was disposed.</exception>
    /// <exception cref="OperationCanceledException">Cancelled.</exception>
    public async ValueTask<VnsSocket> AcceptAsync(CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(IsDisposed, this);
        try
        {
            VnsSocket s = await _backlog.Reader.ReadAsync(cancellationToken).ConfigureAwait(false);
            s.OnAccepted(); // its credit (and, once data comes, its memory) from now on
            return s;
        }
        catch (ChannelClosedException)
        {
            throw new ObjectDisposedException(nameof(VnsListener), "The listener was disposed.");
        }
    }

    /// <summary>Stops listening; connections not yet accepted are reset.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0) return;
        _host.RemoveListener(this);
        _backlog.Writer.TryComplete();
        while (_backlog.Reader.TryRead(out VnsSocket? s))
        {
            s.Abort();
            await s.DisposeAsync().ConfigureAwait(false);
        }
    }

    /// <inheritdoc/>
    public override string ToString() => $"VnsListener {LocalEndPoint}";
}
