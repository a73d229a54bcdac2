using System;
using NetChannel.Copy;
using NetChannel.Scheduling;

namespace NetChannel.Vns;

/// <summary>Options of one virtual socket (connect side).</summary>
public sealed class VnsSocketOptions
{
    /// <summary>Traffic class: own channels and copy workers per class. Default <see cref="TrafficClass.Throughput"/>.</summary>
    public TrafficClass Class { get; set; } = TrafficClass.Throughput;

    /// <summary>Receive buffer (= credit = reorder window) in bytes; 0 takes the host's default for the class.</summary>
    public int ReceiveBufferSize { get; set; }

    /// <summary>How long a connect may take (SYN retries included), in the device time of the transport that
    /// reaches the peer; null takes the host's default.</summary>
    public TimeSpan? ConnectTimeout { get; set; }

    internal void Validate()
    {
        if (!Enum.IsDefined(Class)) throw new ArgumentOutOfRangeException(nameof(Class), Class, "unknown traffic class");
        VnsHostOptions.CheckBuffer(ReceiveBufferSize, nameof(ReceiveBufferSize), allowZero: true);
        if (ConnectTimeout is TimeSpan t && t <= TimeSpan.Zero) throw new ArgumentOutOfRangeException(nameof(ConnectTimeout), t, "must be positive");
    }
}

/// <summary>Options of a listener.</summary>
public sealed class VnsListenerOptions
{
    /// <summary>Connections accepted by the protocol and not yet by <see cref="VnsListener.AcceptAsync"/>;
    /// further SYNs are ignored (the client retries). Default 128.</summary>
    public int Backlog { get; set; } = 128;

    /// <summary>Receive buffer of accepted sockets; 0 takes the host's default for the class the client chose.</summary>
    public int ReceiveBufferSize { get; set; }

    internal void Validate()
    {
        if (Backlog < 1 || Backlog > 65536) throw new ArgumentOutOfRangeException(nameof(Backlog), Backlog, "must be in [1, 65536]");
        VnsHostOptions.CheckBuffer(ReceiveBufferSize, nameof(ReceiveBufferSize), allowZero: true);
    }
}

/// <summary>Options of a <see cref="VnsHost"/>.</summary>
public sealed class VnsHostOptions
{
    /// <summary>Smallest receive buffer a socket may have.</summary>
    public const int MinReceiveBufferSize = 4096;

    /// <summary>Largest receive buffer a socket may have (sequence arithmetic needs windows far below 2^31).</summary>
    public const int MaxReceiveBufferSize = 256 << 20;

    /// <summary>Name of the host in thread names and metric tags. Default "vns".</summary>
    public string Name { get; set; } = "vns";

    /// <summary>The NetScheduler's policies and thresholds.</summary>
    public SchedulerOptions Scheduler { get; set; } = new();

    /// <summary>The copy workers.</summary>
    public CopyWorkerOptions CopyWorkers { get; set; } = new();

    /// <summary>Default connect timeout (SYN retries included), in the device time of the transport that reaches
    /// the peer (<see cref="ITransportHost.Clock"/>: a simulated NIC's simulated time). Default 10 s.</summary>
    public TimeSpan ConnectTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>First SYN retry interval (device time); doubles up to 8× per retry. Default 250 ms.</summary>
    public TimeSpan SynRetryInterval { get; set; } = TimeSpan.FromMilliseconds(250);

    /// <summary>Default receive buffer of throughput-class sockets. Default 2 MiB.</summary>
    public int ThroughputReceiveBufferSize { get; set; } = 2 << 20;

    /// <summary>Default receive buffer of latency-class sockets. Default 256 KiB.</summary>
    public int LatencyReceiveBufferSize { get; set; } = 256 << 10;

    /// <summary>At shutdown, how long queued messages (RSTs of the sockets still open) may take to leave (each transport's device time). Default 2 s.</summary>
    public TimeSpan ShutdownDrainTimeout { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>Sockets this host may have at a time (connected, accepted and waiting to be accepted); a connect
    /// beyond it throws <see cref="System.Net.Sockets.SocketError.TooManyOpenSockets"/>, a SYN beyond it is
    /// answered with RST. Default 8192.</summary>
    public int MaxConnections { get; set; } = 8192;

    /// <summary>Sockets one peer may have opened to this host at a time; a SYN beyond it is answered with RST
    /// (counted in <see cref="VnsHostCounters.SynsRefusedPeerLimit"/>). A socket costs a few hundred bytes until
    /// data arrives after the application accepted it, then its receive buffer. Default 1024.</summary>
    public int MaxConnectionsPerPeer { get; set; } = 1024;

    /// <summary>First port of the ephemeral range for connecting sockets. Default 49152.</summary>
    public int EphemeralPortFirst { get; set; } = 49152;

    /// <summary>Last port of the ephemeral range. Default 65535.</summary>
    public int EphemeralPortLast { get; set; } = 65535;

    internal int DefaultReceiveBuffer(TrafficClass cls) => cls == TrafficClass.Latency ? LatencyReceiveBufferSize : ThroughputReceiveBufferSize;

    internal static void CheckBuffer(int size, string name, bool allowZero)
    {
        if (allowZero && size == 0) return;
        if (size < MinReceiveBufferSize || size > MaxReceiveBufferSize)
            throw new ArgumentOutOfRangeException(name, size, $"must be {(allowZero ? "0 (default) or " : "")}in [{MinReceiveBufferSize}, {MaxReceiveBufferSize}]");
    }

    internal void Validate()
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(Name);
        ArgumentNullException.ThrowIfNull(Scheduler);
        ArgumentNullException.ThrowIfNull(CopyWorkers);
        Scheduler.Validate();
        CopyWorkers.Validate();
        if (ConnectTimeout <= TimeSpan.Zero) throw new ArgumentOutOfRangeException(nameof(ConnectTimeout), ConnectTimeout, "must be positive");
        if (SynRetryInterval <= TimeSpan.Zero) throw new ArgumentOutOfRangeException(nameof(SynRetryInterval), SynRetryInterval, "must be positive");
        if (ShutdownDrainTimeout < TimeSpan.Zero) throw new ArgumentOutOfRangeException(nameof(ShutdownDrainTimeout), ShutdownDrainTimeout, "must not be negative");
        CheckBuffer(ThroughputReceiveBufferSize, nameof(ThroughputReceiveBufferSize), false);
        CheckBuffer(LatencyReceiveBufferSize, nameof(LatencyReceiveBufferSize), false);
        if (MaxConnections < 1) throw new ArgumentOutOfRangeException(nameof(MaxConnections), MaxConnections, "must be positive");
        if (MaxConnectionsPerPeer < 1 || MaxConnectionsPerPeer > MaxConnections)
            throw new ArgumentOutOfRangeException(nameof(MaxConnectionsPerPeer), MaxConnectionsPerPeer, $"must be in [1, MaxConnections = {MaxConnections}]");
        if (EphemeralPortFirst < 1 || EphemeralPortLast > 65535 || EphemeralPortFirst > EphemeralPortLast)
            throw new ArgumentOutOfRangeException(nameof(EphemeralPortFirst), $"ephemeral range [{EphemeralPortFirst}, {EphemeralPortLast}] must lie in [1, 65535]");
    }
}
