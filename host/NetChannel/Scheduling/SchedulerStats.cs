using System.Collections.Generic;
using NetChannel.Copy;

namespace NetChannel.Scheduling;

/// <summary>Counters of one channel (a snapshot).</summary>
/// <param name="Id">Channel id at this host.</param>
/// <param name="PeerIp">Peer address (host order).</param>
/// <param name="Class">Class the channel was opened for.</param>
/// <param name="State">"active", "draining" (being retired) or "down".</param>
/// <param name="OpenedLocally">This host opened it.</param>
/// <param name="TxMessages">Messages committed (all kinds).</param>
/// <param name="TxBytes">Payload bytes committed.</param>
/// <param name="TxThroughputMessages">Messages of throughput-class sockets committed.</param>
/// <param name="TxLatencyMessages">Messages of latency-class sockets committed.</param>
/// <param name="TxChannelControl">Channel-control messages committed (keep-alive, retirement).</param>
/// <param name="RxMessages">Messages received.</param>
/// <param name="RxBytes">Payload bytes received.</param>
/// <param name="RxThroughputMessages">Messages received for throughput-class sockets.</param>
/// <param name="RxLatencyMessages">Messages received for latency-class sockets.</param>
/// <param name="RxChannelControl">Channel-control messages received.</param>
/// <param name="ReserveWaits">Times a sender found the Tx ring full and waited.</param>
/// <param name="KeepAlives">Keep-alive probes sent.</param>
/// <param name="QueuedBytes">Bytes queued now (committed, not yet acknowledged).</param>
/// <param name="Utilisation">Fraction of load samples in which the channel was busy.</param>
public readonly record struct ChannelStats(int Id, uint PeerIp, TrafficClass Class, string State, bool OpenedLocally,
    long TxMessages, long TxBytes, long TxThroughputMessages, long TxLatencyMessages, long TxChannelControl,
    long RxMessages, long RxBytes, long RxThroughputMessages, long RxLatencyMessages, long RxChannelControl,
    long ReserveWaits, long KeepAlives, long QueuedBytes, double Utilisation);

/// <summary>Counters of the scheduler's decisions (a snapshot). Every decision the scheduler takes is in here.</summary>
public sealed record SchedulerCounters
{
    /// <summary>Chunks (and control messages) given a channel.</summary>
    public long ChannelSelections { get; init; }

    /// <summary>Channels passed over because their queue was above the policy's threshold.</summary>
    public long ChannelSkips { get; init; }

    /// <summary>Selections where every channel was above the threshold.</summary>
    public long ChannelsAllBusy { get; init; }

    /// <summary>Times a sender found no usable channel and waited for one to open.</summary>
    public long NoChannelWaits { get; init; }

    /// <summary>Copies done inline by the calling thread because they were small.</summary>
    public long InlineCopies { get; init; }

    /// <summary>Copies done inline because every worker of the class was above the threshold.</summary>
    public long InlineCopiesAllWorkersBusy { get; init; }

    /// <summary>Copy requests handed to a worker.</summary>
    public long WorkerCopies { get; init; }

    /// <summary>Workers passed over because their queue was above the threshold.</summary>
    public long WorkerSkips { get; init; }

    /// <summary>Load samples taken (per group).</summary>
    public long Samples { get; init; }

    /// <summary>Channels added because a class's utilisation stayed above the threshold.</summary>
    public long ScaleUps { get; init; }

    /// <summary>Scale-ups not done because the class was at its maximum.</summary>
    public long ScaleUpsAtLimit { get; init; }

    /// <summary>Retirements started (idle channels above the minimum).</summary>
    public long RetiresStarted { get; init; }

    /// <summary>Retirements the peer asked for and this host followed.</summary>
    public long RetiresByPeer { get; init; }

    /// <summary>Channels closed after a completed retirement.</summary>
    public long RetiresCompleted { get; init; }

    /// <summary>Retirements that the peer did not complete in time (closed anyway).</summary>
    public long RetireTimeouts { get; init; }

    /// <summary>Keep-alive probes sent on idle channels.</summary>
    public long KeepAlives { get; init; }

    /// <summary>Channels this host opened.</summary>
    public long ChannelsOpened { get; init; }

    /// <summary>Channels the peer opened.</summary>
    public long ChannelsAccepted { get; init; }

    /// <summary>Channel opens that failed.</summary>
    public long OpenFailures { get; init; }

    /// <summary>Channels that failed (retransmission limit, device stopped).</summary>
    public long ChannelsFailed { get; init; }

    /// <summary>Channels closed (retired, or closed by the peer or at shutdown).</summary>
    public long ChannelsClosed { get; init; }

    /// <summary>Channels that went down outside a retirement: their sockets were aborted.</summary>
    public long ChannelsLost { get; init; }

    /// <summary>Control messages that found no free Tx slot and were queued.</summary>
    public long ControlQueued { get; init; }
}

/// <summary>State of one channel group (one peer, one class, one transport).</summary>
/// <param name="PeerIp">Peer address (host order).</param>
/// <param name="Class">The class.</param>
/// <param name="Transport">Index of the transport (NIC) in the host.</param>
/// <param name="Active">Channels accepting messages.</param>
/// <param name="Total">Channels not yet down (active + draining).</param>
/// <param name="Opening">Opens in progress.</param>
/// <param name="Utilisation">Smoothed fraction of busy channels.</param>
public readonly record struct GroupStats(uint PeerIp, TrafficClass Class, int Transport, int Active, int Total, int Opening, double Utilisation);

/// <summary>Everything the scheduler counts, at one moment.</summary>
/// <param name="Counters">Decision counters.</param>
/// <param name="Channels">Every channel not yet down.</param>
/// <param name="Groups">Every channel group.</param>
/// <param name="Workers">Every copy worker.</param>
public sealed record SchedulerSnapshot(SchedulerCounters Counters, IReadOnlyList<ChannelStats> Channels, IReadOnlyList<GroupStats> Groups,
    IReadOnlyList<CopyWorkerStats> Workers);
