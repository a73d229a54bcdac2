using System;
using System.IO;
using NetChannel.Wire;

namespace NetChannel.Driver;

/// <summary>What a channel carries: bulk data or latency-sensitive messages (which get their own poller and event queue).</summary>
public enum ChannelClass : byte
{
    /// <summary>Bulk traffic (T-apps).</summary>
    Throughput = 0,

    /// <summary>Latency-sensitive traffic (L-apps): polled on a separate thread, sent with DSCP 46 by the NIC.</summary>
    Latency = 1,
}

/// <summary>Life cycle of a <see cref="Channel"/>.</summary>
public enum ChannelState
{
    /// <summary>Being agreed with the peer.</summary>
    Opening,

    /// <summary>Usable.</summary>
    Open,

    /// <summary>A close is being agreed with the peer: no new messages may be reserved.</summary>
    Closing,

    /// <summary>Closed cleanly (by either side).</summary>
    Closed,

    /// <summary>Gone because of an error (NIC retransmission limit, dead peer, abort, shutdown).</summary>
    Failed,
}

/// <summary>A host's NetChannel address: a 48-bit MAC and an IPv4 address, as integers.</summary>
/// <param name="Mac">48-bit MAC address, byte 0 of the address in bits 47..40.</param>
/// <param name="Ip">IPv4 address, first octet in bits 31..24.</param>
public readonly record struct PeerAddress(ulong Mac, uint Ip)
{
    /// <summary>Parses "aa:bb:cc:dd:ee:ff" and "a.b.c.d".</summary>
    /// <param name="mac">The MAC address text.</param>
    /// <param name="ip">The IPv4 address text.</param>
    /// <returns>The address.</returns>
    /// <exception cref="FormatException">Either text is malformed.</exception>
    public static PeerAddress Parse(string mac, string ip) => new(MacAddress.Parse(mac), MacAddress.ParseIpv4(ip));

    /// <inheritdoc/>
    public override string ToString() => $"{MacAddress.FormatIpv4(Ip)} ({MacAddress.Format(Mac)})";
}

/// <summary>The NetChannel header fields of one message (the payload travels separately).</summary>
/// <param name="SrcPort">Source virtual-socket port.</param>
/// <param name="DstPort">Destination virtual-socket port.</param>
/// <param name="Seq">Virtual-socket byte sequence.</param>
/// <param name="Grant">Credit grant.</param>
/// <param name="Type">Message type.</param>
public readonly record struct NcMessage(ushort SrcPort, ushort DstPort, uint Seq, uint Grant, NetChannelType Type);

/// <summary>What went wrong, for <see cref="NetChannelException"/> (in the spirit of <c>SocketError</c>).</summary>
public enum NetChannelError
{
    /// <summary>The peer refused the channel (it does not accept channels).</summary>
    ConnectionRefused,

    /// <summary>The peer or this host has no free channel or memory.</summary>
    NoResources,

    /// <summary>The peer did not answer in time.</summary>
    TimedOut,

    /// <summary>The peer stopped answering management messages (liveness check) or restarted.</summary>
    PeerUnreachable,

    /// <summary>The NIC failed the channel: the retransmission limit was reached (the peer no longer acknowledges).</summary>
    RetransmissionLimit,

    /// <summary>The NIC failed the channel: a DMA access was refused.</summary>
    DmaFault,

    /// <summary>The peer closed the channel.</summary>
    ClosedByPeer,

    /// <summary>The peer aborted the channel (its side failed, timed out or shut down).</summary>
    AbortedByPeer,

    /// <summary>This host closed or aborted the channel.</summary>
    Closed,

    /// <summary>The local host is shutting down (<see cref="NicHost.DisposeAsync"/>).</summary>
    Shutdown,

    /// <summary>The device failed or did not answer.</summary>
    DeviceFailure,

    /// <summary>The peer or the device broke the protocol (e.g. a message larger than the receive buffers).</summary>
    ProtocolError,
}

/// <summary>A channel or host operation failed; <see cref="Error"/> says why.</summary>
public sealed class NetChannelException : IOException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="error">The error class.</param>
    /// <param name="message">What happened.</param>
    /// <param name="inner">The cause, if any.</param>
    public NetChannelException(NetChannelError error, string message, Exception? inner = null)
        : base(message, inner)
    {
        Error = error;
    }

    /// <summary>The error class.</summary>
    public NetChannelError Error { get; }
}

/// <summary>
/// Receives what the driver delivers. Called on driver threads (channel pollers and the control thread):
/// implementations must not block and must not throw (exceptions are caught and counted).
/// </summary>
public interface IMessageSink
{
    /// <summary>A channel became usable: one this host opened (before <see cref="NicHost.OpenChannelAsync(PeerAddress, ChannelClass, System.Threading.CancellationToken)"/> completes) or one the peer opened. Called before any message of the channel.</summary>
    /// <param name="channel">The channel.</param>
    void OnChannelOpened(Channel channel);

    /// <summary>
    /// A message arrived. <paramref name="payload"/> holds DMA memory of the channel's receive pool: call
    /// <see cref="RxBuffer.Release"/> soon (from any thread) once the bytes are copied out — until then the
    /// buffer is not reposted, and when the pool runs dry the channel withholds credit from the peer.
    /// </summary>
    /// <param name="channel">The channel.</param>
    /// <param name="message">The NetChannel header fields.</param>
    /// <param name="payload">The payload.</param>
    void OnMessage(Channel channel, in NcMessage message, RxBuffer payload);

    /// <summary>
    /// A channel went down for any reason other than this host's <see cref="Channel.CloseAsync"/>: the peer
    /// closed or aborted it, the NIC failed it, the peer stopped answering. Called once, after the last
    /// <see cref="OnMessage"/> of the channel.
    /// </summary>
    /// <param name="channel">The channel.</param>
    /// <param name="error">Why (a <see cref="NetChannelException"/>).</param>
    void OnChannelDown(Channel channel, Exception error);
}
