using System;

namespace NetChannel.Scheduling;

/// <summary>How many channels one class may use towards one peer.</summary>
public sealed class ChannelLimits
{
    /// <summary>Channels opened when the first socket of the class connects to a peer.</summary>
    public int Initial { get; set; } = 1;

    /// <summary>Idle channels are retired down to this many (at least 1).</summary>
    public int Min { get; set; } = 1;

    /// <summary>Dynamic scaling adds channels up to this many.</summary>
    public int Max { get; set; } = 8;

    internal void Validate(string name)
    {
        if (Min < 1) throw new ArgumentOutOfRangeException(name, Min, $"{name}.Min must be at least 1");
        if (Max < Min) throw new ArgumentOutOfRangeException(name, Max, $"{name}.Max ({Max}) must be at least Min ({Min})");
        if (Initial < 1 || Initial > Max) throw new ArgumentOutOfRangeException(name, Initial, $"{name}.Initial must be in [1, Max={Max}]");
        if (Max > 1024) throw new ArgumentOutOfRangeException(name, Max, $"{name}.Max must be at most 1024");
    }
}

/// <summary>Policies and thresholds of the NetScheduler. Every value has a default; every decision the
/// scheduler takes is counted (<see cref="SchedulerCounters"/>).</summary>
public sealed class SchedulerOptions
{
    /// <summary>Chunk → channel policy of throughput-class sockets. Default: round-robin, 6 chunks per
    /// channel, skip channels with 2 MiB queued.</summary>
    public IChannelPolicy ThroughputChannelPolicy { get; set; } = new RoundRobinChannelPolicy();

    /// <summary>Chunk → channel policy of latency-class sockets. Default: round-robin, 1 chunk per channel,
    /// skip channels with 64 KiB queued.</summary>
    public IChannelPolicy LatencyChannelPolicy { get; set; } = new RoundRobinChannelPolicy(1, 64 * 1024);

    /// <summary>Copy request → worker policy (each class has its own workers). Default: round-robin,
    /// skip workers with 640 KiB queued.</summary>
    public IWorkerPolicy WorkerPolicy { get; set; } = new RoundRobinWorkerPolicy();

    /// <summary>A send of at most this many bytes is copied inline by the application thread. Default 32 KiB.</summary>
    public int InlineCopyBytes { get; set; } = 32 * 1024;

    /// <summary>Bytes of one send-side copy request handed to a worker (several chunks). Default 64 KiB.</summary>
    public int CopyBatchBytes { get; set; } = 64 * 1024;

    /// <summary>A received chunk of at most this many bytes is copied out of the driver's buffer inline on the
    /// poller thread; larger ones go to a copy worker. Default 4 KiB.</summary>
    public int InlineReceiveCopyBytes { get; set; } = 4 * 1024;

    /// <summary>Fraction of a channel's receive buffers (<see cref="ITransportChannel.RxBufferCount"/>) that
    /// sockets may keep while the application has not read their data yet, so the application copies it
    /// straight from the driver's buffer (one copy instead of two through the receive ring). A received chunk
    /// that finds the channel's share used up is copied into its socket's ring and released at once, so the
    /// rest of the channel's buffers always keep flowing whatever the readers do. 0 disables holding.
    /// Default 0.25.</summary>
    public double ReceiveHoldFraction { get; set; } = 0.25;

    /// <summary>Channel counts of the throughput class. Default: 2 initial, 1 min, 8 max.</summary>
    public ChannelLimits ThroughputChannels { get; set; } = new() { Initial = 2, Min = 1, Max = 8 };

    /// <summary>Channel counts of the latency class. Default: 1 initial, 1 min, 2 max.</summary>
    public ChannelLimits LatencyChannels { get; set; } = new() { Initial = 1, Min = 1, Max = 2 };

    /// <summary>Add channels under sustained load and retire idle ones. Default true.</summary>
    public bool DynamicScaling { get; set; } = true;

    /// <summary>How often channel load is sampled (also drives keep-alives and retirement). Wall time: it paces the
    /// scheduler's own work. Default 10 ms.</summary>
    public TimeSpan SampleInterval { get; set; } = TimeSpan.FromMilliseconds(10);

    /// <summary>A channel counts as busy in a sample when this many payload bytes are queued on it (or a
    /// sender had to wait for one of its Tx slots since the last sample). Default 256 KiB.</summary>
    public long BusyQueuedBytes { get; set; } = 256 * 1024;

    /// <summary>Utilisation (smoothed fraction of busy channels) at or above which a class gains a channel. Default 0.75.</summary>
    public double ScaleUpUtilisation { get; set; } = 0.75;

    /// <summary>Samples the utilisation must stay high (and samples between two changes of a group). Default 20.</summary>
    public int ScaleUpSamples { get; set; } = 20;

    /// <summary>A channel that carried no socket message for this long is retired (down to the class's
    /// minimum; only by the host that opened it). Device time of the channel's transport. Default 2 s.</summary>
    public TimeSpan IdleRetireAfter { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>An idle channel is probed this often, so a peer that vanished is detected by the channel's
    /// retransmission limit even when nobody sends (device time). Default 1 s.</summary>
    public TimeSpan KeepAliveInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>A retirement the peer does not complete within this time closes the channel anyway (device time). Default 10 s.</summary>
    public TimeSpan RetireTimeout { get; set; } = TimeSpan.FromSeconds(10);

    internal ChannelLimits Limits(TrafficClass cls) => cls == TrafficClass.Latency ? LatencyChannels : ThroughputChannels;

    internal IChannelPolicy ChannelPolicy(TrafficClass cls) => cls == TrafficClass.Latency ? LatencyChannelPolicy : ThroughputChannelPolicy;

    internal void Validate()
    {
        ArgumentNullException.ThrowIfNull(ThroughputChannelPolicy);
        ArgumentNullException.ThrowIfNull(LatencyChannelPolicy);
        ArgumentNullException.ThrowIfNull(WorkerPolicy);
        ArgumentNullException.ThrowIfNull(ThroughputChannels);
        ArgumentNullException.ThrowIfNull(LatencyChannels);
        ThroughputChannels.Validate(nameof(ThroughputChannels));
        LatencyChannels.Validate(nameof(LatencyChannels));
        if (InlineCopyBytes < 0) throw new ArgumentOutOfRangeException(nameof(InlineCopyBytes), InlineCopyBytes, "must not be negative");
        if (!(ReceiveHoldFraction >= 0 && ReceiveHoldFraction <= 0.5)) throw new ArgumentOutOfRangeException(nameof(ReceiveHoldFraction), ReceiveHoldFraction, "must be in [0, 0.5]");
        if (InlineReceiveCopyBytes < 0) throw new ArgumentOutOfRangeException(nameof(InlineReceiveCopyBytes), InlineReceiveCopyBytes, "must not be negative");
        if (CopyBatchBytes < 1) throw new ArgumentOutOfRangeException(nameof(CopyBatchBytes), CopyBatchBytes, "must be positive");
        if (SampleInterval < TimeSpan.FromMilliseconds(1)) throw new ArgumentOutOfRangeException(nameof(SampleInterval), SampleInterval, "must be at least 1 ms");
        if (BusyQueuedBytes < 1) throw new ArgumentOutOfRangeException(nameof(BusyQueuedBytes), BusyQueuedBytes, "must be positive");
        if (!(ScaleUpUtilisation > 0 && ScaleUpUtilisation <= 1)) throw new ArgumentOutOfRangeException(nameof(ScaleUpUtilisation), ScaleUpUtilisation, "must be in (0, 1]");
        if (ScaleUpSamples < 1) throw new ArgumentOutOfRangeException(nameof(ScaleUpSamples), ScaleUpSamples, "must be positive");
        if (IdleRetireAfter <= TimeSpan.Zero) throw new ArgumentOutOfRangeException(nameof(IdleRetireAfter), IdleRetireAfter, "must be positive");
        if (KeepAliveInterval <= TimeSpan.Zero) throw new ArgumentOutOfRangeException(nameof(KeepAliveInterval), KeepAliveInterval, "must be positive");
        if (RetireTimeout <= TimeSpan.Zero) throw new ArgumentOutOfRangeException(nameof(RetireTimeout), RetireTimeout, "must be positive");
    }
}
