using System;

namespace NetChannel.Device.Loopback;

/// <summary>
/// Capabilities of a <see cref="LoopbackDevicePair"/>'s two devices (what their <c>CAP_*</c> registers report).
/// </summary>
public sealed class LoopbackOptions
{
    /// <summary>Channels per device (<c>CAP_CHANNELS</c>), 1 to 32768. Default 1024, as the NIC.</summary>
    public int Channels { get; set; } = 1024;

    /// <summary>Event queues (interrupt vectors) per device (<c>CAP_EVENT_QUEUES</c>), 1 to 256. Default 8.</summary>
    public int EventQueues { get; set; } = 8;

    /// <summary>Smallest ring log2 size accepted (<c>CAP_RING_LOG[15:8]</c>), 1 to <see cref="MaxRingLog"/>. Default 1.</summary>
    public int MinRingLog { get; set; } = 1;

    /// <summary>Largest ring log2 size accepted (<c>CAP_RING_LOG[7:0]</c>), up to 15. Default 15.</summary>
    public int MaxRingLog { get; set; } = 15;

    /// <summary>Value of <c>ID_BUILD</c>. Default "LOOP".</summary>
    public uint BuildId { get; set; } = 0x4C4F_4F50;

    /// <summary>
    /// How long a register read waits for the device's engine before it fails with
    /// <see cref="DeviceException"/>. Default 10 s.
    /// </summary>
    public TimeSpan ReadTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// How long the engine keeps looking for work (spinning, yielding its CPU) after it found none, before it
    /// sleeps until the next register access: a doorbell that comes within it is served without a sleep and a
    /// wake-up. 0: sleep at once. Default 50 µs.
    /// </summary>
    public TimeSpan EngineIdleSpin { get; set; } = TimeSpan.FromMicroseconds(50);

    internal void Validate()
    {
        if (Channels is < 1 or > 32768)
            throw new ArgumentOutOfRangeException(nameof(Channels), Channels, "Channels must be 1 to 32768 (DB_CPL carries a 15-bit channel id)");
        if (EventQueues is < 1 or > 256)
            throw new ArgumentOutOfRangeException(nameof(EventQueues), EventQueues, "EventQueues must be 1 to 256 (EQ_CMD carries an 8-bit queue number)");
        if (MaxRingLog is < 1 or > 15)
            throw new ArgumentOutOfRangeException(nameof(MaxRingLog), MaxRingLog, "MaxRingLog must be 1 to 15 (ring indices are 16-bit)");
        if (MinRingLog < 1 || MinRingLog > MaxRingLog)
            throw new ArgumentOutOfRangeException(nameof(MinRingLog), MinRingLog, $"MinRingLog must be 1 to MaxRingLog ({MaxRingLog})");
        if (ReadTimeout <= TimeSpan.Zero)
            throw new ArgumentOutOfRangeException(nameof(ReadTimeout), ReadTimeout, "ReadTimeout must be positive");
        if (EngineIdleSpin < TimeSpan.Zero || EngineIdleSpin > TimeSpan.FromSeconds(1))
            throw new ArgumentOutOfRangeException(nameof(EngineIdleSpin), EngineIdleSpin, "EngineIdleSpin must be 0 to 1 s");
    }

    internal LoopbackOptions Clone() => (LoopbackOptions)MemberwiseClone();
}
