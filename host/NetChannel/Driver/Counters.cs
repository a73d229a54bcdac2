using System;
using System.Collections.Generic;
using System.Threading;
using NetChannel.Wire;

namespace NetChannel.Driver;

/// <summary>
/// Live counters of one channel. The host-side counts are updated by the driver as it goes; the
/// <c>Nic*</c> values are the NIC's per-channel counters as of the last read-back
/// (<see cref="Channel.ReadNicCounters"/>, and once more when the channel goes down).
/// </summary>
public sealed class ChannelCounters
{
    internal long _txMessages, _txBytes, _txErrors, _rxMessages, _rxBytes, _rxErrors;
    internal long _rxStarvations, _reserveWaits, _sinkExceptions, _doorbells;
    private NicChannelCounters _nic;
    private readonly object _nicLock = new();

    /// <summary>Messages the NIC completed successfully (acknowledged by the peer's NIC).</summary>
    public long TxMessages => Volatile.Read(ref _txMessages);

    /// <summary>Payload bytes of <see cref="TxMessages"/>.</summary>
    public long TxBytes => Volatile.Read(ref _txBytes);

    /// <summary>Messages the NIC completed with an error (not delivered: timeout, DMA fault, channel down, rejected).</summary>
    public long TxErrors => Volatile.Read(ref _txErrors);

    /// <summary>Messages delivered to the sink.</summary>
    public long RxMessages => Volatile.Read(ref _rxMessages);

    /// <summary>Payload bytes of <see cref="RxMessages"/>.</summary>
    public long RxBytes => Volatile.Read(ref _rxBytes);

    /// <summary>Receive completions with an error status (other than the buffers returned by a close).</summary>
    public long RxErrors => Volatile.Read(ref _rxErrors);

    /// <summary>Times the Rx ring could not be refilled because every pool buffer was held by the application (credit withheld).</summary>
    public long RxStarvations => Volatile.Read(ref _rxStarvations);

    /// <summary>Times <see cref="Channel.ReserveAsync"/> had to wait for a free Tx slot.</summary>
    public long ReserveWaits => Volatile.Read(ref _reserveWaits);

    /// <summary>Exceptions thrown by the sink's callbacks for this channel (caught and counted).</summary>
    public long SinkExceptions => Volatile.Read(ref _sinkExceptions);

    /// <summary>Tx doorbells rung (each covers a batch of committed messages).</summary>
    public long Doorbells => Volatile.Read(ref _doorbells);

    /// <summary>The NIC's per-channel counters as of the last read-back.</summary>
    public NicChannelCounters Nic
    {
        get { lock (_nicLock) return _nic; }
        internal set { lock (_nicLock) _nic = value; }
    }
}

/// <summary>A channel's state as the NIC reports it (CH_CMD read back; docs/nic.md).</summary>
public readonly record struct NicChannelCounters
{
    /// <summary>NIC channel state: 0 closed, 1 open, 2 failed.</summary>
    public int State { get; init; }

    /// <summary>Why the NIC failed the channel (when <see cref="State"/> is 2).</summary>
    public CompletionStatus FailReason { get; init; }

    /// <summary>Tx producer index (last doorbell).</summary>
    public ushort TxProducer { get; init; }

    /// <summary>Ring index of the next PSN (descriptors taken).</summary>
    public ushort TxTaken { get; init; }

    /// <summary>Oldest unacknowledged PSN.</summary>
    public uint TxUnacked { get; init; }

    /// <summary>Next PSN to assign.</summary>
    public uint TxNext { get; init; }

    /// <summary>Credit limit the peer granted.</summary>
    public uint TxCredit { get; init; }

    /// <summary>Rx producer index (buffers posted).</summary>
    public ushort RxProducer { get; init; }

    /// <summary>Rx buffers consumed.</summary>
    public ushort RxConsumed { get; init; }

    /// <summary>Receive cumulative ack (first PSN not yet received).</summary>
    public uint RxAck { get; init; }

    /// <summary>Completion producer index.</summary>
    public ushort CplProducer { get; init; }

    /// <summary>Completion consumer index (last DB_CPL).</summary>
    public ushort CplConsumer { get; init; }

    /// <summary>Packets sent for the first time (32-bit, wraps).</summary>
    public uint TxPackets { get; init; }

    /// <summary>Packets retransmitted (wraps).</summary>
    public uint Retransmits { get; init; }

    /// <summary>Packets received and placed (wraps).</summary>
    public uint RxPackets { get; init; }

    /// <summary>Duplicate packets dropped (wraps).</summary>
    public uint Duplicates { get; init; }

    /// <summary>Retransmission timeouts (wraps).</summary>
    public uint Timeouts { get; init; }
}

/// <summary>A snapshot of the NIC's global counters (docs/protocol.md, CNT_*; <see cref="NicCounter"/>).</summary>
public sealed class NicCounters
{
    private readonly ulong[] _values;

    internal NicCounters(ulong[] values, uint[] drops)
    {
        if (values.Length != Count) throw new ArgumentException($"{Count} counters expected, got {values.Length}", nameof(values));
        _values = values;
        ParserDrops = drops;
    }

    /// <summary>Number of 64-bit counters (<see cref="NicCounter"/>), in register order.</summary>
    internal static readonly int Count = Enum.GetValues<NicCounter>().Length;

    /// <summary>The value of one counter.</summary>
    public ulong this[NicCounter counter] => _values[(int)counter];

    /// <summary>Frames transmitted.</summary>
    public ulong TxFrames => this[NicCounter.TxFrames];
    /// <summary>Frame bytes transmitted (without FCS).</summary>
    public ulong TxBytes => this[NicCounter.TxBytes];
    /// <summary>Frames received and accepted.</summary>
    public ulong RxFrames => this[NicCounter.RxFrames];
    /// <summary>Frame bytes received and accepted.</summary>
    public ulong RxBytes => this[NicCounter.RxBytes];
    /// <summary>Packets retransmitted.</summary>
    public ulong Retransmits => this[NicCounter.Retx];
    /// <summary>Retransmission timeouts.</summary>
    public ulong Timeouts => this[NicCounter.Timeouts];
    /// <summary>Times a channel with posted Tx descriptors was held back by the peer's credit.</summary>
    public ulong CreditStalls => this[NicCounter.CreditStall];
    /// <summary>Descriptors rejected.</summary>
    public ulong BadDescriptors => this[NicCounter.BadDesc];
    /// <summary>Duplicate DATA packets dropped.</summary>
    public ulong Duplicates => this[NicCounter.Dup];
    /// <summary>Frames for a closed or unknown channel, or from an unexpected peer.</summary>
    public ulong NoChannel => this[NicCounter.NoChannel];
    /// <summary>DMA accesses the host refused.</summary>
    public ulong DmaFaults => this[NicCounter.DmaFault];
    /// <summary>Management frames transmitted.</summary>
    public ulong ManagementTx => this[NicCounter.MgmtTx];
    /// <summary>Management frames delivered to the host.</summary>
    public ulong ManagementRx => this[NicCounter.MgmtRx];
    /// <summary>Frames dropped for want of a posted Rx buffer.</summary>
    public ulong RxNoBuffer => this[NicCounter.RxNoBuf];
    /// <summary>DATA packets outside the receive window.</summary>
    public ulong OutOfWindow => this[NicCounter.OutOfWindow];
    /// <summary>Pure ACK frames sent.</summary>
    public ulong AckTx => this[NicCounter.AckTx];
    /// <summary>Pure ACK frames received and applied.</summary>
    public ulong AckRx => this[NicCounter.AckRx];
    /// <summary>Completions dropped because a completion ring was full.</summary>
    public ulong CompletionOverflows => this[NicCounter.CplOverflow];
    /// <summary>Events dropped because an event queue was full or disabled.</summary>
    public ulong EventQueueOverflows => this[NicCounter.EqOverflow];
    /// <summary>Channels that failed.</summary>
    public ulong ChannelsFailed => this[NicCounter.ChFailed];
    /// <summary>Doorbells rejected.</summary>
    public ulong BadDoorbells => this[NicCounter.BadDoorbell];
    /// <summary>ACK frames dropped: they acknowledged PSNs never sent.</summary>
    public ulong BadAcks => this[NicCounter.BadAck];
    /// <summary>ACK frames dropped: their credit was beyond anything the peer can have granted.</summary>
    public ulong BadCredits => this[NicCounter.BadCredit];
    /// <summary>Tx frames whose descriptor length disagreed with the payload read.</summary>
    public ulong HeaderLengthMismatches => this[NicCounter.HdrLenMismatch];

    /// <summary>Parser drops by <see cref="DropReason"/> (index = reason code).</summary>
    public IReadOnlyList<uint> ParserDrops { get; }

    /// <summary>Parser drops for one reason.</summary>
    public uint Drops(DropReason reason) => (int)reason < ParserDrops.Count ? ParserDrops[(int)reason] : 0;
}

/// <summary>
/// What a host's driver did with management frames (a snapshot: <see cref="NicHost.ManagementCounters"/>).
/// Every frame that reaches the management queue is either taken (<see cref="Received"/>) or dropped under
/// one reason; every open request a peer sends is answered, and a refused one counted under its reason.
/// </summary>
public sealed record ManagementCounters
{
    /// <summary>Management frames sent.</summary>
    public long Sent { get; init; }

    /// <summary>Messages not sent because the management Tx ring was full (their exchange retries them).</summary>
    public long NotSent { get; init; }

    /// <summary>Messages taken: well-formed, from this incarnation's peer, and part of an exchange (or an open request).</summary>
    public long Received { get; init; }

    /// <summary>Dropped: not a valid management message (error completion, too short, wrong version, zero host id,
    /// zero or multicast source address).</summary>
    public long DroppedMalformed { get; init; }

    /// <summary>Dropped: an operation code no version of the protocol defines.</summary>
    public long DroppedUnknownOperation { get; init; }

    /// <summary>Dropped: the message does not name this host's incarnation (peer_host_id zero where it must be
    /// set, or an earlier incarnation's: that one is answered with ABORT or PONG so the sender learns).</summary>
    public long DroppedWrongIncarnation { get; init; }

    /// <summary>Dropped: an answer that matches no exchange in progress with that peer (unknown transaction or
    /// channel, another peer's channel, an abort of nothing).</summary>
    public long DroppedNoMatchingExchange { get; init; }

    /// <summary>Dropped: matches an exchange but contradicts it (wrong channel, PSN or transaction for it, zero
    /// payload size).</summary>
    public long DroppedFieldMismatch { get; init; }

    /// <summary>Open requests refused because this host is shutting down or does not accept channels.</summary>
    public long OpensRefusedNotAccepting { get; init; }

    /// <summary>Open requests refused as malformed (class, payload size, channel id).</summary>
    public long OpensRefusedMalformed { get; init; }

    /// <summary>Open requests refused because the peer already has <see cref="NicHostOptions.MaxChannelsPerPeer"/> channels it opened.</summary>
    public long OpensRefusedPeerLimit { get; init; }

    /// <summary>Open requests refused because peers together have <see cref="NicHostOptions.MaxAcceptedChannels"/> channels.</summary>
    public long OpensRefusedAcceptLimit { get; init; }

    /// <summary>Open requests refused because no channel or no memory was free (or the NIC refused it).</summary>
    public long OpensRefusedNoResources { get; init; }

    /// <summary>Every dropped message.</summary>
    public long Dropped => DroppedMalformed + DroppedUnknownOperation + DroppedWrongIncarnation + DroppedNoMatchingExchange + DroppedFieldMismatch;
}
