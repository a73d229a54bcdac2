using System;
using System.Runtime.InteropServices;
using System.Threading;

namespace NetChannel.Device.Simulated;

/// <summary>
/// One NIC of a <see cref="SimulatedNicSystem"/> as an <see cref="INicDevice"/>: registers, DMA memory
/// (native memory mapped for this NIC, bus address = virtual address) and interrupts.
/// </summary>
/// <remarks>
/// Disposing a <see cref="SimulatedNic"/> detaches it (its interrupt handler is removed and its members
/// throw <see cref="ObjectDisposedException"/>); the simulation itself runs until the system is disposed.
/// </remarks>
public sealed unsafe class SimulatedNic : INicDevice
{
    private readonly SimulatedNicSystem _sys;
    private readonly object _irqLock = new();
    private Action<int>? _handler;
    private int _disposed;

    internal SimulatedNic(SimulatedNicSystem system, int index)
    {
        _sys = system;
        Index = index;
        Description = $"simulated NIC {index} ({system.DeviceName}, libncsim)";
    }

    /// <summary>0 or 1.</summary>
    public int Index { get; }

    /// <summary>The system this NIC belongs to.</summary>
    public SimulatedNicSystem System => _sys;

    /// <inheritdoc />
    public string Description { get; }

    /// <inheritdoc />
    public ulong ClockCycles
    {
        get
        {
            ThrowIfDisposed();
            return _sys.Cycles;
        }
    }

    /// <inheritdoc />
    public double ClockHz => SimulatedNicSystem.ClockHz;

    /// <inheritdoc />
    public uint ReadRegister(uint address)
    {
        CheckAddress(address);
        ThrowIfDisposed();
        uint value;
        int rc;
        using (var l = _sys.Lease()) rc = _sys.Api.MmioRead(l.Handle, Index, address, &value);
        if (rc == NcsimRc.TimedOut)
            throw new DeviceException($"{Description} did not answer the read of register 0x{address:X4} within {_sys.Options.MmioTimeout.TotalSeconds:0.###} s" +
                                      (_sys.IsDisposed ? "" : $" (at cycle {_sys.Cycles})"));
        _sys.Check(rc, $"read register 0x{address:X4} of NIC {Index}");
        return value;
    }

    /// <inheritdoc />
    public void WriteRegister(uint address, uint value)
    {
        CheckAddress(address);
        ThrowIfDisposed();
        int rc;
        using (var l = _sys.Lease()) rc = _sys.Api.MmioWrite(l.Handle, Index, address, value);
        _sys.Check(rc, $"write register 0x{address:X4} of NIC {Index}");
    }

    /// <inheritdoc />
    public DmaRegion AllocateDma(int length)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(length);
        ThrowIfDisposed();
        nuint size = ((nuint)length + 4095) & ~(nuint)4095;
        byte* p = (byte*)NativeMemory.AlignedAlloc(size, 4096);
        NativeMemory.Clear(p, size);
        int rc;
        try
        {
            using var l = _sys.Lease();
            rc = _sys.Api.DmaMap(l.Handle, Index, (ulong)p, (ulong)length);
        }
        catch
        {
            NativeMemory.AlignedFree(p);
            throw;
        }
        if (rc != NcsimRc.Ok)
        {
            NativeMemory.AlignedFree(p);
            _sys.Check(rc, $"map {length} bytes for NIC {Index}");
        }
        return new SimulatedDmaRegion(this, p, length);
    }

    /// <inheritdoc />
    /// <remarks>When it returns, the previous handler is not running (unless called from that handler).</remarks>
    public void SetInterruptHandler(Action<int>? handler)
    {
        if (handler is not null) ThrowIfDisposed();
        lock (_irqLock) _handler = handler;
    }

    /// <summary>
    /// Puts <paramref name="frame"/> (Ethernet header to payload end, no FCS) into this NIC's MAC receive side,
    /// behind the copies the link is delivering, as though it had come off the wire — a frame from a hostile
    /// or broken peer, for fuzzing and for tests of what the NIC and the host do with it. Posted like a
    /// register write: it returns at once, and frames and register accesses reach the device in call order.
    /// </summary>
    /// <param name="frame">1 to 16384 bytes; shorter than 60 is padded with zeros, as on the wire.</param>
    /// <param name="badFcs">Deliver it with a bad FCS (the MAC flags it; the NIC drops it as BAD_FCS).</param>
    /// <exception cref="ArgumentException">The frame is empty or longer than 16384 bytes.</exception>
    /// <exception cref="ObjectDisposedException">The NIC or its system was disposed.</exception>
    public void InjectFrame(ReadOnlySpan<byte> frame, bool badFcs = false)
    {
        if (frame.Length is < 1 or > 16384) throw new ArgumentException($"a frame is 1 to 16384 bytes, not {frame.Length}", nameof(frame));
        ThrowIfDisposed();
        int rc;
        fixed (byte* p = frame)
        {
            using var l = _sys.Lease();
            rc = _sys.Api.InjectFrame(l.Handle, Index, p, (nuint)frame.Length, badFcs ? NcsimRc.InjectBadFcs : 0);
        }
        _sys.Check(rc, $"inject a {frame.Length}-byte frame into NIC {Index}");
    }

    /// <summary>Threads inside <see cref="WaitForInterrupt"/> now (tests).</summary>
    internal int InterruptWaiters => Volatile.Read(ref _irqWaiters);

    private int _irqWaiters;

    /// <summary>
    /// Waits for this NIC's next interrupt (libncsim queues every interrupt, oldest first, up to 4096 per NIC,
    /// whether or not a handler is installed): its vector, or null on timeout.
    /// </summary>
    /// <param name="timeout">Wall-clock limit (<see cref="TimeSpan.Zero"/> polls, <see cref="Timeout.InfiniteTimeSpan"/> waits forever).</param>
    /// <returns>The vector, or null.</returns>
    /// <exception cref="InvalidOperationException">Called from an interrupt handler with a non-zero timeout.</exception>
    public int? WaitForInterrupt(TimeSpan timeout)
    {
        int ms = SimulatedNicSystem.TimeoutMs(timeout);
        ThrowIfDisposed();
        int rc;
        using (var l = _sys.Lease())
        {
            Interlocked.Increment(ref _irqWaiters);
            try { rc = _sys.Api.WaitIrq(l.Handle, Index, ms); }
            finally { Interlocked.Decrement(ref _irqWaiters); }
        }
        if (rc >= 0) return rc;
        if (rc == NcsimRc.TimedOut) return null;
        _sys.Check(rc, $"wait for an interrupt of NIC {Index}");
        return null;
    }

    /// <summary>What the simulator counted at this NIC's host interface.</summary>
    public SimulatedNicStatistics GetStatistics()
    {
        ThrowIfDisposed();
        NcsimNicStats s = default;
        s.Size = (uint)sizeof(NcsimNicStats);
        int rc;
        using (var l = _sys.Lease()) rc = _sys.Api.GetNicStats(l.Handle, Index, &s);
        _sys.Check(rc, $"read the statistics of NIC {Index}");
        return SimulatedNicStatistics.From(s);
    }

    /// <summary>Detaches this NIC (see the remarks of the class).</summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0) return;
        lock (_irqLock) _handler = null;
    }

    /// <inheritdoc />
    public override string ToString() => Description;

    // Simulation thread.
    internal void Dispatch(int vector)
    {
        lock (_irqLock) _handler?.Invoke(vector);
    }

    internal void Unmap(ulong address, ulong length)
    {
        using var l = _sys.Lease();
        int rc = _sys.Api.DmaUnmap(l.Handle, Index, address, length);
        if (rc != NcsimRc.Ok && rc != NcsimRc.Stopped) _sys.Check(rc, $"unmap {length} bytes at 0x{address:X} of NIC {Index}");
    }

    private void ThrowIfDisposed()
    {
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        ObjectDisposedException.ThrowIf(_sys.IsDisposed, _sys);
    }

    private static void CheckAddress(uint address)
    {
        if ((address & 3) != 0 || address > 0xFFFC)
            throw new ArgumentOutOfRangeException(nameof(address), $"register address 0x{address:X} must be 4-aligned and below 0x10000");
    }
}

/// <summary>Native memory mapped for one simulated NIC; Dispose unmaps, then frees.</summary>
internal sealed unsafe class SimulatedDmaRegion : DmaRegion
{
    private readonly SimulatedNic _nic;

    public SimulatedDmaRegion(SimulatedNic nic, byte* pointer, int length) : base(pointer, (ulong)pointer, length)
    {
        _nic = nic;
    }

    protected override void Release()
    {
        if (SimulatedNicSystem.OnSimulationThread)
            throw new InvalidOperationException("a DMA region cannot be disposed from an interrupt handler (the unmap would block the simulation thread); it stays mapped and allocated");
        try
        {
            _nic.Unmap(BusAddress, (ulong)Length);
        }
        catch (ObjectDisposedException)
        {
            // The system is shut down: no DMA can touch the memory any more.
        }
        catch (InvalidOperationException)
        {
            // Not mapped (cannot happen unless unmapped behind our back): nothing to undo.
        }
        finally
        {
            NativeMemory.AlignedFree(Pointer);
        }
    }
}
