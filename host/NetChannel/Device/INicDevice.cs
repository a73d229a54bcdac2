using System;

namespace NetChannel.Device;

/// <summary>
/// A NetChannel NIC as the host sees it — the surface a PCIe card offers: 32-bit registers, memory the
/// device can reach by DMA, and interrupts. Every backend (the simulated NIC over <c>libncsim</c>, the
/// loopback test device, later a card behind VFIO) implements exactly this; nothing above it knows which
/// one runs. The programming model behind the registers is <c>docs/nic.md</c>.
/// </summary>
/// <remarks>
/// Thread safety: every member may be called from any thread. Register accesses of one device reach it in
/// call order. A register write has release semantics: descriptors written to DMA memory before the write
/// (a doorbell) are visible to the device when it acts on the write.
/// </remarks>
public interface INicDevice : IDisposable
{
    /// <summary>What this device is, for logs (e.g. "simulated NIC 0 (libncsim)").</summary>
    string Description { get; }

    /// <summary>Reads the 32-bit register at byte address <paramref name="address"/> (4-aligned).</summary>
    /// <exception cref="ArgumentOutOfRangeException">The address is not 4-aligned or beyond the register space.</exception>
    /// <exception cref="DeviceException">The device did not answer (stopped, failed or timed out).</exception>
    /// <exception cref="ObjectDisposedException">The device was disposed.</exception>
    uint ReadRegister(uint address);

    /// <summary>Writes the 32-bit register at byte address <paramref name="address"/> (4-aligned).</summary>
    /// <exception cref="ArgumentOutOfRangeException">The address is not 4-aligned or beyond the register space.</exception>
    /// <exception cref="DeviceException">The device is stopped or failed.</exception>
    /// <exception cref="ObjectDisposedException">The device was disposed.</exception>
    void WriteRegister(uint address, uint value);

    /// <summary>
    /// Allocates <paramref name="length"/> bytes of zeroed memory, 4096-byte aligned, that the device may
    /// access by DMA (mapped for it, as an IOMMU would). Disposing the region unmaps it first: when
    /// <see cref="IDisposable.Dispose"/> returns, the device no longer touches it.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="length"/> is not positive.</exception>
    DmaRegion AllocateDma(int length);

    /// <summary>
    /// Installs the interrupt handler (or removes it with <c>null</c>). It is called with the vector (the
    /// event queue number) for every interrupt, on a thread of the device's: it must only signal
    /// (set an event, release a semaphore), never block or call back into the device.
    /// </summary>
    void SetInterruptHandler(Action<int>? handler);

    /// <summary>The device's free-running clock in cycles (the simulated clock for a simulated NIC), for timestamps and statistics.</summary>
    ulong ClockCycles { get; }

    /// <summary>The device clock's nominal frequency in Hz (to turn cycles into time).</summary>
    double ClockHz { get; }
}

/// <summary>A device failure: the device stopped, did not answer, or reported an internal error.</summary>
public sealed class DeviceException : Exception
{
    /// <summary>Creates the exception.</summary>
    public DeviceException(string message) : base(message) { }

    /// <summary>Creates the exception with its cause.</summary>
    public DeviceException(string message, Exception inner) : base(message, inner) { }
}
