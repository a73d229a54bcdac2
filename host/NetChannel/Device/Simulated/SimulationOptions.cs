using System;

namespace NetChannel.Device.Simulated;

/// <summary>
/// How to build a <see cref="SimulatedNicSystem"/>: the DMA and link timing, the link's seeded faults,
/// the captures. Times are in cycles of the 250 MHz NIC clock (4 ns). The defaults are libncsim's
/// (docs/simulator.md).
/// </summary>
public sealed record SimulationOptions
{
    /// <summary>Cycles from a DMA read request to its first response beat, and from a write burst's last beat to its
    /// acknowledgement (when it becomes visible). Default 200 (800 ns, a PCIe round trip).</summary>
    public uint DmaLatencyCycles { get; init; } = 200;

    /// <summary>Bytes per cycle on the wire, preamble, inter-frame gap and FCS included, in (0, 64]. Default 50 (100 Gbit/s).</summary>
    public double LinkBytesPerCycle { get; init; } = 50;

    /// <summary>Propagation delay of the link after serialisation, per direction. Default 100 cycles (400 ns).</summary>
    public uint LinkLatencyCycles { get; init; } = 100;

    /// <summary>Probability that the link drops a frame, in [0, 1].</summary>
    public double Loss { get; init; }

    /// <summary>Probability that the link holds a frame back behind the next one, in [0, 1].</summary>
    public double Reorder { get; init; }

    /// <summary>Probability that the link delivers a frame twice, in [0, 1].</summary>
    public double Duplicate { get; init; }

    /// <summary>Probability that a delivered copy has 1 to 3 flipped bits, in [0, 1]. The receiving MAC's FCS check
    /// flags every such copy (tuser), and the NIC drops it.</summary>
    public double Corrupt { get; init; }

    /// <summary>Probability that a frame gets 1 to 3 flipped bits behind a valid FCS (recomputed over them), in [0, 1]:
    /// corruption inside a switch or a NIC, which the Ethernet FCS cannot see. The NIC's ICRC check drops every
    /// such frame (drop reason BAD_ICRC). Default 0.</summary>
    public double CorruptInner { get; init; }

    /// <summary>Seed of the link's fault generators: the same seed and the same inputs give the same run.</summary>
    public ulong Seed { get; init; }

    /// <summary>The receiving MAC's FIFO in bytes; a frame arriving when it is full is dropped. At least 16384. Default 1 MiB.</summary>
    public ulong RxFifoBytes { get; init; } = 1 << 20;

    /// <summary>If set, a nanosecond pcap of both directions of the link (frames as sent, stamped with the simulated time).</summary>
    public string? PcapPath { get; init; }

    /// <summary>If set, an FST waveform of both NICs for <see cref="WaveformCycles"/> cycles from <see cref="WaveformStartCycle"/>.</summary>
    public string? WaveformPath { get; init; }

    /// <summary>First cycle of the waveform.</summary>
    public ulong WaveformStartCycle { get; init; }

    /// <summary>Cycles in the waveform; 0 = until the system is disposed.</summary>
    public ulong WaveformCycles { get; init; }

    /// <summary>Start with the clock stopped after reset (cycle 0): it runs only on <see cref="SimulatedNicSystem.Step"/>,
    /// for blocking register reads, and after <see cref="SimulatedNicSystem.Resume"/>. Runs that act only between steps
    /// are cycle-exact and reproducible.</summary>
    public bool StartPaused { get; init; }

    /// <summary>How long a register read waits for the device (wall clock). Default 10 s.</summary>
    public TimeSpan MmioTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>Cycles reset is held at start (at least 1). Default 16.</summary>
    public uint ResetCycles { get; init; } = 16;

    /// <summary>
    /// A libncsim file to load explicitly instead of the one bound as "ncsim" (<see cref="NcsimLibrary.DefaultPath"/>),
    /// e.g. <c>build/sim/libncsim_testdev.so</c>, the simulator around its test device.
    /// </summary>
    public string? LibraryPath { get; init; }

    /// <summary>Checks every value.</summary>
    /// <exception cref="ArgumentOutOfRangeException">A value is out of range; the message names it.</exception>
    public void Validate()
    {
        if (!(LinkBytesPerCycle > 0 && LinkBytesPerCycle <= 64))
            throw new ArgumentOutOfRangeException(nameof(LinkBytesPerCycle), LinkBytesPerCycle, "the link rate must be in (0, 64] bytes per cycle");
        Probability(Loss, nameof(Loss));
        Probability(Reorder, nameof(Reorder));
        Probability(Duplicate, nameof(Duplicate));
        Probability(Corrupt, nameof(Corrupt));
        Probability(CorruptInner, nameof(CorruptInner));
        if (RxFifoBytes < 16384)
            throw new ArgumentOutOfRangeException(nameof(RxFifoBytes), RxFifoBytes, "the receive FIFO must hold at least one 16384-byte frame");
        if (DmaLatencyCycles > 1_000_000)
            throw new ArgumentOutOfRangeException(nameof(DmaLatencyCycles), DmaLatencyCycles, "at most 1000000 cycles");
        if (LinkLatencyCycles > 100_000_000)
            throw new ArgumentOutOfRangeException(nameof(LinkLatencyCycles), LinkLatencyCycles, "at most 100000000 cycles");
        if (ResetCycles < 1)
            throw new ArgumentOutOfRangeException(nameof(ResetCycles), ResetCycles, "reset must last at least one cycle");
        if (MmioTimeout < TimeSpan.FromMilliseconds(1) || MmioTimeout.TotalMilliseconds > int.MaxValue)
            throw new ArgumentOutOfRangeException(nameof(MmioTimeout), MmioTimeout, "between 1 ms and 24 days");
        if (PcapPath is { Length: 0 }) throw new ArgumentOutOfRangeException(nameof(PcapPath), "empty path (use null for no capture)");
        if (WaveformPath is { Length: 0 }) throw new ArgumentOutOfRangeException(nameof(WaveformPath), "empty path (use null for no waveform)");
    }

    private static void Probability(double p, string name)
    {
        if (!(p >= 0 && p <= 1)) throw new ArgumentOutOfRangeException(name, p, "a probability must be in [0, 1]");
    }
}
