using System;
using System.Threading;
using System.Threading.Tasks;
using NetChannel.Wire;

namespace NetChannel.Scheduling;

// The seam between the virtual-socket layer and the NetDriver. VNS, the scheduler and the copy workers see
// channels only through these types; the NetDriver's NicHost/Channel are adapted to them
// (NetChannel.Vns.NicTransport) and the tests add an in-memory network (NetChannel.Harness). The shapes
// follow the driver's API one to one: reserve a Tx slot in ring order, fill it from any thread, commit it
// with the NetChannel header; received payloads are leased from the driver and released once copied out.

/// <summary>Traffic class of a virtual socket and of the channels and copy workers that serve it.</summary>
public enum TrafficClass : byte
{
    /// <summary>Bulk transfers (T-apps): throughput first. Channels and workers shared by throughput sockets only.</summary>
    Throughput = 0,

    /// <summary>Latency-sensitive traffic (L-apps): own channels (DSCP 46 on the wire) and own copy workers.</summary>
    Latency = 1,
}

/// <summary>The NetChannel header fields of one message (<c>docs/protocol.md</c>, NetChannelHeader) minus the
/// version byte and the payload length, which the NIC writes.</summary>
/// <param name="SrcPort">Source virtual-socket port (0 = channel control, not a socket).</param>
/// <param name="DstPort">Destination virtual-socket port.</param>
/// <param name="Seq">Byte sequence (DATA: first payload byte; FIN: final sequence; SYN: initial sequence).</param>
/// <param name="Grant">Credit: highest byte sequence (exclusive) the sender of this message accepts.</param>
/// <param name="Type">Message type.</param>
public readonly record struct MessageHeader(ushort SrcPort, ushort DstPort, uint Seq, uint Grant, NetChannelType Type);

/// <summary>A reserved Tx slot of a channel: DMA memory of <see cref="ITransportChannel.MaxPayload"/> bytes
/// that must be committed (<see cref="ITransportChannel.Commit"/>) exactly once.</summary>
public readonly struct TxLease
{
    /// <summary>Creates a lease; used by transport implementations.</summary>
    /// <param name="channel">The channel the slot belongs to.</param>
    /// <param name="token">The channel's own handle of the slot.</param>
    public TxLease(ITransportChannel channel, int token)
    {
        Channel = channel ?? throw new ArgumentNullException(nameof(channel));
        Token = token;
    }

    /// <summary>The channel the slot belongs to (null for a default lease).</summary>
    public ITransportChannel Channel { get; }

    /// <summary>The channel's handle of the slot.</summary>
    public int Token { get; }

    /// <summary>The slot's DMA buffer (<see cref="ITransportChannel.MaxPayload"/> bytes).</summary>
    public Span<byte> Buffer => Channel.GetTxBuffer(Token);
}

/// <summary>Something that lends received payloads (a channel's Rx buffers).</summary>
public interface IRxPayloadOwner
{
    /// <summary>The bytes of the payload behind <paramref name="token"/>.</summary>
    ReadOnlySpan<byte> GetRxSpan(int token, int length);

    /// <summary>Returns the buffer behind <paramref name="token"/> to the driver.</summary>
    void ReleaseRx(int token);
}

/// <summary>A received payload still in the driver's Rx buffer. Copy it out, then <see cref="Release"/> it
/// exactly once; until then the driver cannot reuse the buffer.</summary>
public readonly struct RxPayload
{
    private readonly IRxPayloadOwner? _owner;
    private readonly int _token;

    /// <summary>Creates a payload lease; used by transport implementations.</summary>
    public RxPayload(IRxPayloadOwner owner, int token, int length)
    {
        _owner = owner ?? throw new ArgumentNullException(nameof(owner));
        ArgumentOutOfRangeException.ThrowIfNegative(length);
        _token = token;
        Length = length;
    }

    /// <summary>Payload length in bytes.</summary>
    public int Length { get; }

    /// <summary>The payload bytes (valid until <see cref="Release"/>).</summary>
    public ReadOnlySpan<byte> Span => _owner is null ? default : _owner.GetRxSpan(_token, Length);

    /// <summary>Gives the buffer back to the driver.</summary>
    public void Release() => _owner?.ReleaseRx(_token);
}

/// <summary>One channel: a NIC queue pair joined to a peer's channel. Reliable and exactly-once, but not in
/// order. Every member may be called from any thread.</summary>
public interface ITransportChannel : IRxPayloadOwner
{
    /// <summary>Channel id at this host (unique per transport).</summary>
    int Id { get; }

    /// <summary>IPv4 address of the peer (host order).</summary>
    uint PeerIp { get; }

    /// <summary>Class the channel was opened for.</summary>
    TrafficClass Class { get; }

    /// <summary>True while the channel carries traffic.</summary>
    bool IsOpen { get; }

    /// <summary>Largest payload of one message.</summary>
    int MaxPayload { get; }

    /// <summary>Payload bytes committed and not yet acknowledged by the peer.</summary>
    long QueuedBytes { get; }

    /// <summary>Messages committed and not yet acknowledged by the peer.</summary>
    int QueuedMessages { get; }

    /// <summary>Receive buffers the channel has (its Rx pool); the virtual-socket layer keeps at most a
    /// fraction of them (<see cref="SchedulerOptions.ReceiveHoldFraction"/>) un-released while their data is
    /// unread. 0 (the default): the transport does not say, and every received payload is copied out at once.</summary>
    int RxBufferCount => 0;

    /// <summary>Reserves the next Tx slot in ring order; false when the ring is full.</summary>
    bool TryReserve(out TxLease lease);

    /// <summary>Reserves the next Tx slot, waiting for one when the ring is full.</summary>
    ValueTask<TxLease> ReserveAsync(CancellationToken cancellationToken);

    /// <summary>The DMA buffer of a reserved slot.</summary>
    Span<byte> GetTxBuffer(int token);

    /// <summary>Hands a reserved slot to the NIC with its header and payload length (0 for control
    /// messages). Any thread, any order: the driver posts the committed prefix of the ring.</summary>
    void Commit(in TxLease lease, in MessageHeader header, int length);

    /// <summary>Closes the channel, agreed with the peer.</summary>
    ValueTask CloseAsync(CancellationToken cancellationToken);
}

/// <summary>What a transport reports to the virtual-socket layer. Called on the driver's poller threads:
/// implementations must not block.</summary>
public interface ITransportSink
{
    /// <summary>A channel became usable (opened by either side).</summary>
    void OnChannelOpened(ITransportChannel channel);

    /// <summary>A message arrived; <paramref name="payload"/> must be released once copied out.</summary>
    void OnMessage(ITransportChannel channel, in MessageHeader header, RxPayload payload);

    /// <summary>A channel stopped: closed (<paramref name="failed"/> false) or failed (retransmission limit,
    /// DMA fault, device stopped); messages committed on a failed channel may not have arrived.</summary>
    void OnChannelDown(ITransportChannel channel, bool failed, Exception? error);
}

/// <summary>One NIC (or stand-in) of this host: opens channels to peers and reports traffic to a sink.</summary>
public interface ITransportHost : IAsyncDisposable
{
    /// <summary>What this transport is, for logs and errors.</summary>
    string Description { get; }

    /// <summary>Local IPv4 address (host order).</summary>
    uint LocalIp { get; }

    /// <summary>True when <paramref name="ip"/> is a peer this transport can open channels to.</summary>
    bool CanReach(uint ip);

    /// <summary>The clock of this transport's device: timers about its channels and peers (connects, keep-alives,
    /// retirement, drains) run on it, so a slow or paused simulated device never makes a live peer look dead.
    /// Default: the system's (a transport without a device clock of its own).</summary>
    TimeProvider Clock => TimeProvider.System;

    /// <summary>Starts delivering events to <paramref name="sink"/>; called once, before anything else.</summary>
    ValueTask StartAsync(ITransportSink sink, CancellationToken cancellationToken);

    /// <summary>Opens a channel to <paramref name="peerIp"/>, agreed with the peer.</summary>
    ValueTask<ITransportChannel> OpenChannelAsync(uint peerIp, TrafficClass trafficClass, CancellationToken cancellationToken);
}
