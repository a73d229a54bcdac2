namespace NetChannel.Device.Simulated;

/// <summary>Counters of one direction of the simulated link.</summary>
/// <param name="FramesSent">Frames the transmitting NIC put on the link.</param>
/// <param name="BytesSent">Their bytes (without FCS and padding).</param>
/// <param name="FramesDelivered">Copies completely handed to the receiving NIC.</param>
/// <param name="Dropped">Frames the link lost.</param>
/// <param name="Reordered">Frames delivered behind a later frame.</param>
/// <param name="Duplicated">Extra copies the link made.</param>
/// <param name="Corrupted">Copies with flipped bits.</param>
/// <param name="FcsErrors">Copies whose FCS did not check (delivered flagged, dropped by the NIC).</param>
/// <param name="TxAborted">Frames the transmitting NIC aborted (or longer than 16384 bytes), passed on flagged.</param>
/// <param name="RxOverflow">Copies dropped because the receiving MAC's FIFO was full.</param>
/// <param name="InFlight">Copies inside the link at the snapshot.</param>
/// <param name="CorruptedInner">Copies corrupted behind a good FCS (<see cref="SimulationOptions.CorruptInner"/>): only
/// the NIC's ICRC can catch them.</param>
/// <param name="Injected">Frames put into the receiving NIC's MAC by <see cref="SimulatedNic.InjectFrame"/>.</param>
public sealed record LinkDirectionStatistics(
    ulong FramesSent, ulong BytesSent, ulong FramesDelivered, ulong Dropped, ulong Reordered, ulong Duplicated,
    ulong Corrupted, ulong FcsErrors, ulong TxAborted, ulong RxOverflow, ulong InFlight, ulong CorruptedInner, ulong Injected)
{
    internal static LinkDirectionStatistics From(in NcsimLinkDirStats s, ulong corruptedInner, ulong injected) =>
        new(s.FramesSent, s.BytesSent, s.FramesDelivered, s.Dropped, s.Reordered, s.Duplicated, s.Corrupted, s.FcsErrors,
            s.TxAborted, s.RxOverflow, s.InFlight, corruptedInner, injected);
}

/// <summary>A snapshot of the link's counters, taken between two cycles.</summary>
/// <param name="Cycle">The cycle of the snapshot.</param>
/// <param name="Nic0ToNic1">Frames NIC 0 sent to NIC 1.</param>
/// <param name="Nic1ToNic0">Frames NIC 1 sent to NIC 0.</param>
public sealed record LinkStatistics(ulong Cycle, LinkDirectionStatistics Nic0ToNic1, LinkDirectionStatistics Nic1ToNic0);

/// <summary>What the simulator counted at one NIC's host interface.</summary>
/// <param name="Cycle">The cycle of the snapshot.</param>
/// <param name="RegisterWrites">Register writes the device accepted.</param>
/// <param name="RegisterReads">Register reads it answered.</param>
/// <param name="Interrupts">Interrupt pulses.</param>
/// <param name="InterruptsDropped">Interrupts dropped from the <see cref="SimulatedNic.WaitForInterrupt"/> queue (4096 deep) because nobody waited.</param>
/// <param name="DmaReadRequests">DMA read requests.</param>
/// <param name="DmaReadBytes">Bytes read from host memory.</param>
/// <param name="DmaReadFaults">Reads refused (unmapped memory, or an invalid request).</param>
/// <param name="DmaWriteBursts">DMA write bursts acknowledged.</param>
/// <param name="DmaWriteBytes">Bytes written to host memory.</param>
/// <param name="DmaWriteFaults">Write bursts refused (unmapped memory, or breaking the lane rules).</param>
/// <param name="DmaMaxOutstandingReads">Most read requests outstanding at once.</param>
/// <param name="ProtocolViolations">Violations of the DMA and register rules by the device (see <see cref="SimulatedNicSystem.LastError"/>).</param>
public sealed record SimulatedNicStatistics(
    ulong Cycle, ulong RegisterWrites, ulong RegisterReads, ulong Interrupts, ulong InterruptsDropped,
    ulong DmaReadRequests, ulong DmaReadBytes, ulong DmaReadFaults, ulong DmaWriteBursts, ulong DmaWriteBytes,
    ulong DmaWriteFaults, ulong DmaMaxOutstandingReads, ulong ProtocolViolations)
{
    internal static SimulatedNicStatistics From(in NcsimNicStats s) =>
        new(s.Cycle, s.MmioWrites, s.MmioReads, s.Irqs, s.IrqsDropped, s.DmaRdRequests, s.DmaRdBytes, s.DmaRdFaults,
            s.DmaWrBursts, s.DmaWrBytes, s.DmaWrFaults, s.DmaRdMaxOutstanding, s.Violations);
}
