using System;
using System.Net;
using System.Net.Sockets;
using System.Runtime.CompilerServices;
using System.Threading;
using System.Threading.Tasks;
using NetChannel.Copy;
using NetChannel.Scheduling;
using NetChannel.Wire;

namespace NetChannel.Vns;

/// <summary>Where a virtual socket is in its life.</summary>
public enum VnsSocketState
{
    /// <summary>SYN sent, waiting for SYN_ACK.</summary>
    Connecting,

    /// <summary>Both directions open (either may have been shut down since).</summary>
    Connected,

    /// <summary>Reset or aborted: every operation throws.</summary>
    Aborted,

    /// <summary>Disposed.</summary>
    Closed,
}

/// <summary>Counters of one virtual socket (a snapshot).</summary>
/// <param name="BytesSent">Payload bytes committed to channels.</param>
/// <param name="BytesReceived">Payload bytes received (placed in the receive buffer or a receive's memory).</param>
/// <param name="ChunksSent">DATA messages sent.</param>
/// <param name="ChunksReceived">DATA messages received.</param>
/// <param name="OutOfOrderChunks">Chunks that arrived ahead of a missing one.</param>
/// <param name="DirectBytes">Received bytes the application copied straight from the driver's Rx buffer (held chunks), without the receive ring.</param>
/// <param name="CreditWaits">Times a send waited for credit.</param>
/// <param name="GrantsSent">Credit updates (ACK) sent.</param>
/// <param name="WorkerCopies">Send-side copy requests handed to workers.</param>
/// <param name="FinBeforeData">1 when the peer's FIN arrived before all its data (data still on other channels was then awaited).</param>
/// <param name="CreditViolations">Chunks the peer sent beyond the credit granted (truncated).</param>
/// <param name="ChannelMask">Bit (channel id mod 64) set for every channel the socket used.</param>
public readonly record struct VnsSocketCounters(long BytesSent, long BytesReceived, long ChunksSent, long ChunksReceived, long OutOfOrderChunks,
    long DirectBytes, long CreditWaits, long GrantsSent, long WorkerCopies, long FinBeforeData, long CreditViolations, ulong ChannelMask);

/// <summary>
/// A virtual socket: a reliable, ordered byte stream to a peer, carried over several NetChannel channels
/// at once and copied by several cores. In the idiom of <see cref="Socket"/> and <c>QuicStream</c>: one
/// outstanding send and one outstanding receive at a time, async-first, cancellation tokens, errors as
/// <see cref="SocketException"/>.
/// </summary>
/// <remarks>
/// Each direction numbers its bytes (the byte sequence of the NetChannel header). A send is cut into
/// chunks of at most the channel payload, spread over the socket's channels by the scheduler and copied
/// into DMA buffers by the application thread (small sends) or by copy workers; it never exceeds the
/// credit the peer granted. The receiver restores order in a buffer bounded by that credit.
/// </remarks>
public sealed partial class VnsSocket : IAsyncDisposable
{
    private readonly VnsHost _host;
    private readonly object _txLock = new();
    private readonly SendOperation _sendOp;
    private readonly TaskCompletionSource? _connected;
    private readonly int _flowHash;
    private VnsSocketState _state;
    private bool _sending, _finRequested, _finSent, _disposed;
    private SocketError _txError;
    private string? _txErrorMessage;
    private long _sndNxt, _sndGrant;
    private long _grantAhead;      // the most credit the peer has offered beyond what was sent: about its receive buffer
    private int _copiesOutstanding;
    private long _chunksSent, _bytesSent, _creditWaits, _workerCopies;
    private ulong _channelMask;

    internal VnsSocket(VnsHost host, ChannelGroup group, SocketKey key, uint isn, int receiveBufferSize, bool connecting)
    {
        _host = host;
        Group = group;
        Key = key;
        Isn = isn;
        Class = group.Class;
        _sendOp = new SendOperation(this);
        Receive = new ReceiveBuffer(this, isn, receiveBufferSize, open: connecting);
        _flowHash = HashCode.Combine(key.PeerIp, key.LocalPort, key.RemotePort);
        _state = connecting ? VnsSocketState.Connecting : VnsSocketState.Connected;
        if (connecting) _connected = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        LocalEndPoint = new IPEndPoint(new IPAddress(HostToNetwork(group.Binding.Transport.LocalIp)), key.LocalPort);
        RemoteEndPoint = new IPEndPoint(new IPAddress(HostToNetwork(key.PeerIp)), key.RemotePort);
    }

    internal static uint HostToNetwork(uint ip) => (uint)IPAddress.HostToNetworkOrder((int)ip);

    internal ChannelGroup Group { get; }
    internal SocketKey Key { get; }
    internal uint Isn { get; }
    internal ReceiveBuffer Receive { get; }
    internal Task ConnectedTask => _connected!.Task;

    /// <summary>The local endpoint (this host's address and the socket's port).</summary>
    public IPEndPoint LocalEndPoint { get; }

    /// <summary>The peer's endpoint.</summary>
    public IPEndPoint RemoteEndPoint { get; }

    /// <summary>The socket's traffic class (chosen by the connecting side).</summary>
    public TrafficClass Class { get; }

    /// <summary>Receive buffer size in bytes: the most the peer may have in flight to this socket.</summary>
    public int ReceiveBufferSize => Receive.Capacity;

    /// <summary>Where the socket is in its life.</summary>
    public VnsSocketState State
    {
        get
        {
            lock (_txLock) return _state;
        }
    }

    /// <summary>True once connected, until reset, aborted or disposed.</summary>
    public bool Connected => State == VnsSocketState.Connected;

    /// <summary>The socket's counters.</summary>
    public VnsSocketCounters Counters => new(Volatile.Read(ref _bytesSent), Receive.BytesReceived, Volatile.Read(ref _chunksSent), Receive.Chunks,
        Receive.OutOfOrderChunks, Receive.DirectBytes, Volatile.Read(ref _creditWaits), Receive.GrantsSent, Volatile.Read(ref _workerCopies),
        Receive.FinBeforeData, Receive.CreditViolations, Volatile.Read(ref _channelMask));

    internal void NoteChannel(ScheduledChannel sc)
    {
        ulong bit = 1UL << (sc.Transport.Id & 63);
        if ((Volatile.Read(ref _channelMask) & bit) == 0) Interlocked.Or(ref _channelMask, bit);
    }

    internal bool UsedChannel(ScheduledChannel sc) => (Volatile.Read(ref _channelMask) & (1UL << (sc.Transport.Id & 63))) != 0;

    private MessageHeader Header(NetChannelType type, long seqOffset) =>
        new(Key.LocalPort, Key.RemotePort, Seq.ToWire(Isn, seqOffset), Seq.ToWire(Isn, Receive.Grant), type);

    // ---- handshake --------------------------------------------------------------------------------

    internal void SendSyn() =>
        _host.Scheduler.SendControl(Group, new MessageHeader(Key.LocalPort, Key.RemotePort, Isn, Seq.ToWire(Isn, Receive.Grant), NetChannelType.Syn), Class, _flowHash);

    internal void SendSynAck() =>
        _host.Scheduler.SendControl(Group, new MessageHeader(Key.LocalPort, Key.RemotePort, Isn, Seq.ToWire(Isn, Receive.Grant), NetChannelType.SynAck), Class, _flowHash);

    /// <summary>Sets the initial credit of an accepted socket (from the SYN's grant).</summary>
    internal void SetInitialGrant(uint wireGrant)
    {
        long g = Seq.ToOffset(Isn, wireGrant, 0);
        if (g > VnsHostOptions.MaxReceiveBufferSize || g < 0)
        {
            _host.CountIgnored(VnsHost.Ignored.Grant);
            return;
        }
        _sndGrant = _grantAhead = g;
    }

    // ---- messages from the peer (poller thread) -----------------------------------------------------

    internal void OnMessage(ScheduledChannel sc, in MessageHeader h, RxPayload payload)
    {
        NoteChannel(sc);
        switch (h.Type)
        {
            case NetChannelType.Data:
                OnGrant(h.Grant);
                Receive.OnData(h.Seq, payload, sc, Class, _host);
                return;
            case NetChannelType.Ack:
                payload.Release();
                OnGrant(h.Grant);
                return;
            case NetChannelType.SynAck:
                payload.Release();
                if (h.Seq != Isn)
                {
                    _host.CountIgnored(VnsHost.Ignored.SynAck);
                    return;
                }
                lock (_txLock)
                {
                    if (_state != VnsSocketState.Connecting) return; // a retried SYN's second answer
                    _state = VnsSocketState.Connected;
                }
                OnGrant(h.Grant);
                _connected!.TrySetResult();
                return;
            case NetChannelType.Fin:
                payload.Release();
                OnGrant(h.Grant);
                if (!Receive.OnFin(h.Seq)) _host.CountIgnored(VnsHost.Ignored.Fin);
                return;
            case NetChannelType.Rst:
                payload.Release();
                if (!RstAcceptable(h.Seq))
                {
                    _host.CountIgnored(VnsHost.Ignored.Rst);
                    return;
                }
                _host.CountRstReceived();
                bool refused;
                lock (_txLock) refused = _state == VnsSocketState.Connecting;
                if (refused) Abort(SocketError.ConnectionRefused, $"Connection to {RemoteEndPoint} refused: nobody listens on virtual port {Key.RemotePort}.", false);
                else Abort(SocketError.ConnectionReset, $"Connection reset by {RemoteEndPoint}.", false);
                return;
            default:
                payload.Release();
                _host.CountIgnored(VnsHost.Ignored.UnknownType);
                return;
        }
    }

    /// <summary>
    /// A RST resets the socket only when its sequence shows it comes from the peer's stream: either an echo of
    /// something this socket sent (a peer without the socket answering our SYN, SYN_ACK or data: between what
    /// we sent less the peer's window and what we sent; exactly the ISN while connecting) or the peer's own send
    /// position (a peer that had the socket and aborted: between what arrived here in order and the credit we
    /// granted). Anything else — a blind guess needs the random ISN within a window of a few MiB of 2^32 — is
    /// ignored and counted.
    /// </summary>
    private bool RstAcceptable(uint wireSeq)
    {
        lock (_txLock)
        {
            long s = Seq.ToOffset(Isn, wireSeq, _sndNxt);
            if (s <= _sndNxt && s >= _sndNxt - _grantAhead) return true;
        }
        return Receive.InReceiveWindow(wireSeq);
    }

    /// <summary>A grant (the first offset the peer may not be sent). One that only repeats or lowers what is
    /// known changes nothing; one beyond anything a receive buffer could offer is not from the peer: ignored.</summary>
    private void OnGrant(uint wireGrant)
    {
        bool bad = false;
        lock (_txLock)
        {
            if (_state == VnsSocketState.Connecting && _sndGrant == 0 && _sndNxt == 0)
            {
                // Before SYN_ACK the first grant defines the credit: take it relative to offset 0.
                long g0 = Seq.ToOffset(Isn, wireGrant, 0);
                if (g0 > VnsHostOptions.MaxReceiveBufferSize) bad = true;
                else if (g0 > 0) _sndGrant = _grantAhead = g0;
            }
            else
            {
                long g = Seq.ToOffset(Isn, wireGrant, _sndGrant);
                if (g - _sndNxt > VnsHostOptions.MaxReceiveBufferSize) bad = true;
                else if (g > _sndGrant)
                {
                    _sndGrant = g;
                    _grantAhead = Math.Max(_grantAhead, g - _sndNxt);
                    _sendOp.WakeIfWaitingFor(SendOperation.WaitCredit);
                }
            }
        }
        if (bad) _host.CountIgnored(VnsHost.Ignored.Grant);
    }

    /// <summary>The application accepted this socket (a SYN created it): it offers its credit now.</summary>
    internal void OnAccepted()
    {
        if (Receive.Open(out long grant)) SendGrant(grant);
    }

    // ---- send -------------------------------------------------------------------------------------

    // SendAsync and its operation: VnsSocket.Send.cs

    /// <summary>Commits one DATA chunk (application thread or copy worker).</summary>
    internal void CommitData(ScheduledChannel sc, in TxLease lease, long seq, int n)
    {
        sc.Commit(lease, Header(NetChannelType.Data, seq), n, Class, MessageKind.Data);
        NoteChannel(sc);
        Interlocked.Increment(ref _chunksSent);
        Interlocked.Add(ref _bytesSent, n);
    }

    /// <summary>A worker finished a copy request of this socket.</summary>
    internal void OnTxCopyDone(bool wasQueued)
    {
        if (!wasQueued) return;
        lock (_txLock)
        {
            if (--_copiesOutstanding == 0) _sendOp.WakeIfWaitingFor(SendOperation.WaitCopies);
        }
    }

    internal void SendGrant(long grant) =>
        _host.Scheduler.SendControl(Group, new MessageHeader(Key.LocalPort, Key.RemotePort, Seq.ToWire(Isn, Volatile.Read(ref _sndNxt)), Seq.ToWire(Isn, grant), NetChannelType.Ack), Class, _flowHash);

    private void SendFin() => _host.Scheduler.SendControl(Group, Header(NetChannelType.Fin, Volatile.Read(ref _sndNxt)), Class, _flowHash);

    /// <summary>Ends the send direction: the peer reads everything sent so far, then end-of-stream. The FIN
    /// carries the final sequence, so data still travelling on other channels is awaited, never lost. If a
    /// send is in progress the FIN follows it. Idempotent.</summary>
    /// <exception cref="ObjectDisposedException">The socket was disposed.</exception>
    /// <exception cref="InvalidOperationException">The socket is not connected yet.</exception>
    public void ShutdownSend()
    {
        bool fin;
        lock (_txLock)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (_state == VnsSocketState.Connecting) throw new InvalidOperationException("The socket is not connected yet.");
            if (_finRequested || _txError != SocketError.Success) return;
            _finRequested = true;
            fin = !_sending;
            if (fin) _finSent = true;
        }
        if (fin) SendFin();
    }

    // ---- receive ----------------------------------------------------------------------------------

    /// <summary>Receives into <paramref name="buffer"/>: completes as soon as at least one byte is
    /// available (in order), with the number of bytes copied; 0 at end-of-stream. A zero-length buffer waits
    /// until data is available (or end-of-stream) and returns 0 without consuming anything.</summary>
    /// <exception cref="ObjectDisposedException">The socket was disposed.</exception>
    /// <exception cref="InvalidOperationException">Another receive is pending.</exception>
    /// <exception cref="SocketException">The connection was reset, aborted, or a channel it used failed.</exception>
    /// <exception cref="OperationCanceledException">Cancelled; nothing was consumed and the socket stays usable.</exception>
    public ValueTask<int> ReceiveAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
        Receive.ReceiveAsync(buffer, cancellationToken);

    // ---- abort and dispose ------------------------------------------------------------------------

    /// <summary>Aborts the connection at once: sends RST, and every pending and later operation on either side
    /// fails with <see cref="SocketError.ConnectionAborted"/> here and <see cref="SocketError.ConnectionReset"/>
    /// at the peer. Data not yet read is discarded.</summary>
    public void Abort() => Abort(SocketError.ConnectionAborted, "The connection was aborted locally.", true);

    internal void Abort(SocketError error, string message, bool sendRst)
    {
        bool wasConnecting;
        lock (_txLock)
        {
            if (_txError != SocketError.Success || _state == VnsSocketState.Closed) return;
            _txError = error;
            _txErrorMessage = message;
            wasConnecting = _state == VnsSocketState.Connecting;
            if (_state != VnsSocketState.Closed) _state = VnsSocketState.Aborted;
            _sendOp.WakeIfWaitingFor(SendOperation.WaitCredit); // it sees the error and fails
        }
        Receive.Abort(error, message);
        if (wasConnecting) _connected!.TrySetException(new SocketException((int)error, message));
        if (sendRst && !wasConnecting)
        {
            _host.CountRstSent();
            _host.Scheduler.SendControl(Group, Header(NetChannelType.Rst, Volatile.Read(ref _sndNxt)), Class, _flowHash);
        }
        _host.Unregister(this);
    }

    /// <summary>Closes the socket. Graceful when possible: sends FIN if the send side is still open. Abortive
    /// (RST, like TCP's close with unread data) when received data was not read or a send is in progress.
    /// Pending operations fail with <see cref="SocketError.OperationAborted"/>.</summary>
    public ValueTask DisposeAsync()
    {
        bool abort = false, fin = false, connected;
        lock (_txLock)
        {
            if (_disposed) return default;
            _disposed = true;
            connected = _state == VnsSocketState.Connected && _txError == SocketError.Success;
            if (connected)
            {
                if (_sending || Receive.HasUnreadData) abort = true;
                else if (!_finRequested)
                {
                    _finRequested = true;
                    _finSent = true;
                    fin = true;
                }
            }
        }
        if (abort) Abort(SocketError.OperationAborted, "The socket was disposed.", true);
        else if (fin) SendFin();
        lock (_txLock)
        {
            if (_state != VnsSocketState.Aborted) _state = VnsSocketState.Closed;
            _sendOp.WakeIfWaitingFor(SendOperation.WaitCredit); // it sees the disposal and fails
        }
        Receive.Close();
        _host.Unregister(this);
        _host.CountClosed();
        return default;
    }

    /// <inheritdoc/>
    public override string ToString() => $"VnsSocket {LocalEndPoint} -> {RemoteEndPoint} ({Class}, {State})";
}
