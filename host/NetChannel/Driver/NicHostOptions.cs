using System;
using System.Collections.Generic;
using System.Threading;
using NetChannel.Wire;

namespace NetChannel.Driver;

/// <summary>How a poller thread waits for work.</summary>
public enum PollMode
{
    /// <summary>Spin for <see cref="NicHostOptions.IdleSpin"/>, then arm the event queue and sleep until its interrupt.</summary>
    Interrupt,

    /// <summary>Never sleep: poll the event queue continuously (lowest latency, one busy core per poller).</summary>
    BusyPoll,
}

/// <summary>
/// Configuration of a <see cref="NicHost"/>. Nothing is compiled in: the application supplies the local
/// address and the neighbours. <see cref="NicHost.StartAsync"/> validates it (also against the device's
/// capabilities) and keeps a copy, so later changes to this object have no effect.
/// </summary>
public sealed class NicHostOptions
{
    /// <summary>Local MAC address (48 bits, unicast, not zero). Required.</summary>
    public ulong Mac { get; set; }

    /// <summary>Local IPv4 address (not zero). Required.</summary>
    public uint Ip { get; set; }

    /// <summary>Neighbour table: IPv4 address → MAC address of the hosts this one may open channels to. Entries learned from management frames are added to it.</summary>
    public IDictionary<uint, ulong> Neighbors => _neighbors;
    private Dictionary<uint, ulong> _neighbors = new();

    /// <summary>Drop frames not addressed to <see cref="Mac"/>/<see cref="Ip"/> in the NIC (CTRL[1]). Default true.</summary>
    public bool AddressFiltering { get; set; } = true;

    /// <summary>Channels this host may have at a time (1 to the device's CAP_CHANNELS, at most 4096). Default 64.</summary>
    public int MaxChannels { get; set; } = 64;

    /// <summary>Channels one peer may have opened to this host at a time; an open request beyond it is refused
    /// (<c>OPEN_NAK NO_RESOURCES</c>, counted in <see cref="ManagementCounters.OpensRefusedPeerLimit"/>). Channels this
    /// host opens do not count. 0 (default): half of <see cref="MaxChannels"/> (at least 1).</summary>
    public int MaxChannelsPerPeer { get; set; }

    /// <summary>Channels all peers together may have opened to this host at a time, so that this host can always
    /// open its own; beyond it open requests are refused (<see cref="ManagementCounters.OpensRefusedAcceptLimit"/>).
    /// 0 (default): <see cref="MaxChannels"/> less an eighth of it.</summary>
    public int MaxAcceptedChannels { get; set; }

    internal int EffectiveMaxChannelsPerPeer => MaxChannelsPerPeer != 0 ? MaxChannelsPerPeer : Math.Max(1, MaxChannels / 2);

    internal int EffectiveMaxAcceptedChannels => MaxAcceptedChannels != 0 ? MaxAcceptedChannels : Math.Max(1, MaxChannels - MaxChannels / 8);

    /// <summary>log2 of a channel's Tx ring entries (messages in flight per channel). Default 7 (128).</summary>
    public int TxRingLog { get; set; } = 7;

    /// <summary>log2 of a channel's Rx ring entries (buffers posted, i.e. the credit granted to the peer). Default 7 (128).</summary>
    public int RxRingLog { get; set; } = 7;

    /// <summary>
    /// Receive buffers per channel, more than the Rx ring holds, so buffers the application still holds do
    /// not take credit away at once. Must exceed 2^<see cref="RxRingLog"/>; at most 65535. 0 (default):
    /// twice the ring.
    /// </summary>
    public int RxPoolBuffers { get; set; }

    /// <summary>Largest message payload, bytes: the Tx slot size and the Rx buffer size (1 to MAX_PAYLOAD_BYTES). Default 9000.</summary>
    public int MaxPayload { get; set; } = Spec.MaxPayloadBytes;

    /// <summary>Throughput-class pollers (threads with their own event queue each). Latency-class channels always have one poller of their own. Default 1.</summary>
    public int ThroughputPollers { get; set; } = 1;

    /// <summary>How pollers wait for work. Default <see cref="PollMode.Interrupt"/>.</summary>
    public PollMode PollMode { get; set; } = PollMode.Interrupt;

    /// <summary>In <see cref="PollMode.Interrupt"/>: how long an idle poller keeps polling (yielding its CPU
    /// between polls) before it arms the interrupt and sleeps, so completions that follow soon are handled
    /// without a sleep and a wake-up. 0: sleep at once. Default 50 µs.</summary>
    public TimeSpan IdleSpin { get; set; } = TimeSpan.FromMicroseconds(50);

    /// <summary>Completions a poller handles on one channel before it moves to the next (fairness). Default 64.</summary>
    public int PollBudget { get; set; } = 64;

    /// <summary>Accept channels that peers open to this host. Default true.</summary>
    public bool AcceptChannels { get; set; } = true;

    /// <summary>How long an open may take in total (all retries) before it fails with <see cref="NetChannelError.TimedOut"/>.
    /// Device time (<see cref="NicHost.Clock"/>), like every timer about the device or a peer. Default 5 s.</summary>
    public TimeSpan OpenTimeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>Interval between retransmissions of an unanswered open or close request (device time). Default 200 ms.</summary>
    public TimeSpan RetryInterval { get; set; } = TimeSpan.FromMilliseconds(200);

    /// <summary>How long a close may take (draining transmit, agreeing with the peer) before the channel is closed locally anyway (device time). Default 5 s.</summary>
    public TimeSpan CloseTimeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// A peer with channels to this host that sends no management frame for this long is declared dead and
    /// its channels go down (<see cref="NetChannelError.PeerUnreachable"/>). Device time: a slow or paused simulated
    /// NIC never makes a live peer look dead. <see cref="Timeout.InfiniteTimeSpan"/> turns the check off. Default 10 s.
    /// </summary>
    public TimeSpan LivenessTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Interval between liveness probes (PING) to each peer with channels; less than <see cref="LivenessTimeout"/> (device time). 0 (default): a quarter of it.</summary>
    public TimeSpan KeepAliveInterval { get; set; } = TimeSpan.Zero;

    /// <summary>
    /// Interval of the device health check (the control thread reads ID_MAGIC and STATUS: a device that
    /// vanished, reads all-ones or stopped running is declared failed, and every channel goes down).
    /// Wall time (a dead device's clock no longer advances). <see cref="Timeout.InfiniteTimeSpan"/> turns it off. Default 1 s.
    /// </summary>
    public TimeSpan HealthCheckInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>How long a channel command (CH_CMD) may stay busy before the device is declared failed (device time; a
    /// device whose clock stands still fails after two minutes of wall time). Default 2 s.</summary>
    public TimeSpan CommandTimeout { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>NIC retransmission timeout in clock cycles (RTO_CYCLES); null keeps the device's value.</summary>
    public uint? RetransmitTimeoutCycles { get; set; }

    /// <summary>NIC retransmission rounds without progress before a channel fails (RETRY_LIMIT, 1 to 255: the channel fails at the (RETRY_LIMIT + 1)-th timeout in a row); null keeps the device's value.</summary>
    public int? RetryLimit { get; set; }

    /// <summary>NIC ack coalescing (ACK_COALESCE: [15:0] packets, [31:16] cycles); null keeps the device's value.</summary>
    public uint? AckCoalesce { get; set; }

    /// <summary>log2 of the management rings' entries. Default 6 (64).</summary>
    public int ManagementRingLog { get; set; } = 6;

    internal int EffectiveRxPoolBuffers => RxPoolBuffers == 0 ? 2 << RxRingLog : RxPoolBuffers;

    internal TimeSpan EffectiveKeepAlive =>
        KeepAliveInterval != TimeSpan.Zero ? KeepAliveInterval
        : LivenessTimeout == Timeout.InfiniteTimeSpan ? TimeSpan.FromSeconds(10) : LivenessTimeout / 4;

    /// <summary>Smallest completion ring that holds every completion of the Tx and Rx rings (docs/nic.md).</summary>
    internal int CplRingLog => Math.Max(TxRingLog, RxRingLog) + 1;

    internal NicHostOptions Clone()
    {
        var c = (NicHostOptions)MemberwiseClone();
        c._neighbors = new Dictionary<uint, ulong>(_neighbors); // MemberwiseClone shares it
        return c;
    }

    /// <summary>Checks every setting on its own; throws <see cref="ArgumentException"/> naming the first bad one.</summary>
    internal void Validate()
    {
        if (Mac == 0 || Mac > MacAddress.Mask)
            throw new ArgumentOutOfRangeException(nameof(Mac), $"Mac must be a non-zero 48-bit address (got 0x{Mac:X})");
        if ((Mac & (1UL << 40)) != 0)
            throw new ArgumentException($"Mac {MacAddress.Format(Mac)} is a multicast/broadcast address; a host needs a unicast one", nameof(Mac));
        if (Ip == 0) throw new ArgumentOutOfRangeException(nameof(Ip), "Ip must be set (non-zero)");
        foreach (KeyValuePair<uint, ulong> kv in Neighbors)
        {
            if (kv.Key == 0 || kv.Value == 0 || kv.Value > MacAddress.Mask || (kv.Value & (1UL << 40)) != 0)
                throw new ArgumentException($"neighbour {MacAddress.FormatIpv4(kv.Key)} -> 0x{kv.Value:X} is not an IPv4 address with a unicast 48-bit MAC", nameof(Neighbors));
        }
        if (MaxChannels is < 1 or > 4096) throw new ArgumentOutOfRangeException(nameof(MaxChannels), MaxChannels, "MaxChannels must be 1 to 4096");
        if (MaxChannelsPerPeer < 0 || MaxChannelsPerPeer > MaxChannels)
            throw new ArgumentOutOfRangeException(nameof(MaxChannelsPerPeer), MaxChannelsPerPeer, $"MaxChannelsPerPeer must be 0 (default) to MaxChannels ({MaxChannels})");
        if (MaxAcceptedChannels < 0 || MaxAcceptedChannels > MaxChannels)
            throw new ArgumentOutOfRangeException(nameof(MaxAcceptedChannels), MaxAcceptedChannels, $"MaxAcceptedChannels must be 0 (default) to MaxChannels ({MaxChannels})");
        if (TxRingLog is < 1 or > 14) throw new ArgumentOutOfRangeException(nameof(TxRingLog), TxRingLog, "TxRingLog must be 1 to 14");
        if (RxRingLog is < 1 or > 14) throw new ArgumentOutOfRangeException(nameof(RxRingLog), RxRingLog, "RxRingLog must be 1 to 14");
        if (RxPoolBuffers != 0 && (RxPoolBuffers <= 1 << RxRingLog || RxPoolBuffers > 65535))
            throw new ArgumentOutOfRangeException(nameof(RxPoolBuffers), RxPoolBuffers, $"RxPoolBuffers must exceed the Rx ring ({1 << RxRingLog}) and be at most 65535, or be 0 for twice the ring");
        if (EffectiveRxPoolBuffers > 65535)
            throw new ArgumentOutOfRangeException(nameof(RxRingLog), RxRingLog, "twice the Rx ring exceeds 65535 pool buffers; set RxPoolBuffers");
        if (MaxPayload is < 1 or > Spec.MaxPayloadBytes)
            throw new ArgumentOutOfRangeException(nameof(MaxPayload), MaxPayload, $"MaxPayload must be 1 to {Spec.MaxPayloadBytes}");
        if (ThroughputPollers is < 1 or > 64) throw new ArgumentOutOfRangeException(nameof(ThroughputPollers), ThroughputPollers, "ThroughputPollers must be 1 to 64");
        if (!Enum.IsDefined(PollMode)) throw new ArgumentOutOfRangeException(nameof(PollMode), PollMode, "unknown poll mode");
        if (IdleSpin < TimeSpan.Zero) throw new ArgumentOutOfRangeException(nameof(IdleSpin), IdleSpin, "IdleSpin must not be negative");
        if (PollBudget is < 1 or > 65536) throw new ArgumentOutOfRangeException(nameof(PollBudget), PollBudget, "PollBudget must be 1 to 65536");
        Positive(OpenTimeout, nameof(OpenTimeout));
        Positive(RetryInterval, nameof(RetryInterval));
        Positive(CloseTimeout, nameof(CloseTimeout));
        Positive(CommandTimeout, nameof(CommandTimeout));
        if (LivenessTimeout != Timeout.InfiniteTimeSpan) Positive(LivenessTimeout, nameof(LivenessTimeout));
        if (HealthCheckInterval != Timeout.InfiniteTimeSpan) Positive(HealthCheckInterval, nameof(HealthCheckInterval));
        if (KeepAliveInterval < TimeSpan.Zero) throw new ArgumentOutOfRangeException(nameof(KeepAliveInterval), KeepAliveInterval, "KeepAliveInterval must not be negative");
        if (LivenessTimeout != Timeout.InfiniteTimeSpan && EffectiveKeepAlive >= LivenessTimeout)
            throw new ArgumentOutOfRangeException(nameof(KeepAliveInterval), KeepAliveInterval, $"KeepAliveInterval must be shorter than LivenessTimeout ({LivenessTimeout})");
        if (RetransmitTimeoutCycles == 0) throw new ArgumentOutOfRangeException(nameof(RetransmitTimeoutCycles), "RetransmitTimeoutCycles must be positive");
        if (RetryLimit is < 1 or > 255) throw new ArgumentOutOfRangeException(nameof(RetryLimit), RetryLimit, "RetryLimit must be 1 to 255");
        if (ManagementRingLog is < 2 or > 10) throw new ArgumentOutOfRangeException(nameof(ManagementRingLog), ManagementRingLog, "ManagementRingLog must be 2 to 10");
    }

    private static void Positive(TimeSpan t, string name)
    {
        if (t <= TimeSpan.Zero || t.TotalMilliseconds > int.MaxValue)
            throw new ArgumentOutOfRangeException(name, t, $"{name} must be positive and at most {int.MaxValue} ms");
    }
}
