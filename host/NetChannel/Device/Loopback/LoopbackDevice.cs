using System;
using System.Buffers.Binary;
using System.Diagnostics;
using System.Threading;
using NetChannel.Wire;

namespace NetChannel.Device.Loopback;

/// <summary>
/// One side of a <see cref="LoopbackDevicePair"/>: a software NIC with the register map and programming
/// model of <c>docs/nic.md</c> and no wire (see the pair for what it is for). Every member may be called
/// from any thread.
/// </summary>
public sealed unsafe partial class LoopbackDevice : INicDevice
{
    /// <summary>Size of the register space (BAR0) in bytes; addresses at or beyond it are refused.</summary>
    public const uint RegisterSpaceBytes = 0x1_0000;

    /// <summary>Nominal clock of the device, in Hz (the spec's nominal NIC clock).</summary>
    public const double NominalClockHz = Spec.NominalClockMhz * 1_000_000.0;

    private const ushort RevisionLoopback = 0x10; // ID_VERSION.rtl
    private const int TransmitWindow = 64;      // CAP_TRANSPORT[7:0]
    private const int MgmtPayloadOffset = 128;

    private readonly LoopbackDevicePair _pair;
    private readonly LoopbackOptions _options;
    private readonly int _index;
    private int _disposed;
    private Action<int>? _irqHandler;

    internal LoopbackDevice(LoopbackDevicePair pair, int index, LoopbackOptions options)
    {
        _pair = pair;
        _index = index;
        _options = options;
        Description = $"loopback test device {(index == 0 ? 'A' : 'B')}";
        _channels = new Ch[options.Channels];
        for (int i = 0; i < _channels.Length; i++) _channels[i] = new Ch(i);
        _readyLatency = new IntQueue(options.Channels);
        _readyThroughput = new IntQueue(options.Channels);
        _timers = new int[options.Channels];
        _eqs = new Eq[options.EventQueues];
        for (int i = 0; i < _eqs.Length; i++) _eqs[i] = new Eq();
        _irqPending = new bool[options.EventQueues];
        _irqList = new int[options.EventQueues];
        ResetRegisters();
    }

    /// <inheritdoc/>
    public string Description { get; }

    /// <inheritdoc/>
    public ulong ClockCycles
    {
        get
        {
            long ticks = Stopwatch.GetTimestamp() - _pair.StartTimestamp;
            return (ulong)(ticks * (NominalClockHz / Stopwatch.Frequency));
        }
    }

    /// <inheritdoc/>
    public double ClockHz => NominalClockHz;

    internal LoopbackDevice Peer { get; set; } = null!;

    /// <summary>True once <see cref="Dispose"/> was called (the device is powered off).</summary>
    public bool IsDisposed => Volatile.Read(ref _disposed) != 0;

    /// <inheritdoc/>
    public uint ReadRegister(uint address)
    {
        CheckAddress(address);
        ObjectDisposedException.ThrowIf(IsDisposed, this);
        if (Environment.CurrentManagedThreadId == _pair.EngineThreadId)
            throw new InvalidOperationException("a register read from the device's own thread (an interrupt handler) would deadlock: interrupt handlers must only signal");
        LoopbackDevicePair.OpWaiter w = LoopbackDevicePair.OpWaiter.ForCurrentThread();
        _pair.Enqueue(new LoopbackDevicePair.Op { Kind = LoopbackDevicePair.OpKind.Read, Device = this, Address = address, Waiter = w });
        return w.Wait(_options.ReadTimeout, $"{Description}: read of register 0x{address:X4}");
    }

    /// <inheritdoc/>
    public void WriteRegister(uint address, uint value)
    {
        CheckAddress(address);
        ObjectDisposedException.ThrowIf(IsDisposed, this);
        _pair.Enqueue(new LoopbackDevicePair.Op { Kind = LoopbackDevicePair.OpKind.Write, Device = this, Address = address, Value = value });
    }

    /// <inheritdoc/>
    public DmaRegion AllocateDma(int length)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(length);
        ObjectDisposedException.ThrowIf(IsDisposed, this);
        LoopbackDmaRegion r = LoopbackDmaRegion.Allocate(this, length);
        _pair.Enqueue(new LoopbackDevicePair.Op { Kind = LoopbackDevicePair.OpKind.Map, Device = this, Region = r });
        return r;
    }

    /// <inheritdoc/>
    public void SetInterruptHandler(Action<int>? handler) => Volatile.Write(ref _irqHandler, handler);

    /// <summary>Powers the device off: it stops at once, as if unplugged (the peer sees the link go down). Idempotent.</summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0) return;
        _irqHandler = null;
        if (_pair.EngineStopped || Environment.CurrentManagedThreadId == _pair.EngineThreadId)
        {
            if (!_pair.EngineStopped) ApplyPowerOff();
            return;
        }
        LoopbackDevicePair.OpWaiter w = LoopbackDevicePair.OpWaiter.ForCurrentThread();
        _pair.Enqueue(new LoopbackDevicePair.Op { Kind = LoopbackDevicePair.OpKind.PowerOff, Device = this, Waiter = w });
        try { w.Wait(_options.ReadTimeout, $"{Description}: power off"); }
        catch (ObjectDisposedException) { /* the engine stopped: nothing runs any more */ }
    }

    internal void Unmap(LoopbackDmaRegion region)
    {
        if (_pair.EngineStopped) return;
        if (Environment.CurrentManagedThreadId == _pair.EngineThreadId)
        {
            ApplyUnmap(region);
            return;
        }
        LoopbackDevicePair.OpWaiter w = LoopbackDevicePair.OpWaiter.ForCurrentThread();
        _pair.Enqueue(new LoopbackDevicePair.Op { Kind = LoopbackDevicePair.OpKind.Unmap, Device = this, Region = region, Waiter = w });
        try { w.Wait(_options.ReadTimeout, $"{Description}: DMA unmap"); }
        catch (ObjectDisposedException) { /* the engine stopped: nothing touches the memory any more */ }
    }

    private static void CheckAddress(uint address)
    {
        if ((address & 3) != 0 || address >= RegisterSpaceBytes)
            throw new ArgumentOutOfRangeException(nameof(address), $"register address 0x{address:X} is not 4-aligned or is beyond the 0x{RegisterSpaceBytes:X}-byte register space");
    }

    /// <inheritdoc/>
    public override string ToString() => Description;
}
