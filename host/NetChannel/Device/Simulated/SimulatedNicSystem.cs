using System;
using System.IO;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Text;
using System.Threading;

namespace NetChannel.Device.Simulated;

/// <summary>
/// Two simulated NetChannel NICs joined by a simulated Ethernet link: <c>libncsim</c> (the Verilated
/// <c>nc_nic</c> on its own simulation thread with a free-running 250 MHz clock, DMA served from this
/// process's memory, a link model with seeded faults). <see cref="Nic0"/> and <see cref="Nic1"/> are the
/// devices a host driver uses, through <see cref="INicDevice"/> only; this class adds what only a simulation
/// has: the clock (pause, step, the cycle counter), link statistics, the simulator's error report.
/// </summary>
/// <remarks>
/// Every member is thread-safe. <see cref="Dispose"/> stops the simulation (blocked calls then fail with
/// <see cref="ObjectDisposedException"/> or <see cref="DeviceException"/>), flushes the pcap and the waveform
/// and frees the simulator; DMA regions stay valid memory until they are disposed.
/// </remarks>
public sealed unsafe class SimulatedNicSystem : IDisposable
{
    /// <summary>The NIC clock: 250 MHz.</summary>
    public const double ClockHz = 250e6;

    /// <summary>Simulated nanoseconds per clock cycle.</summary>
    public const int NanosecondsPerCycle = 4;

    private readonly NcsimApi _api;
    private readonly SystemHandle _handle;
    private GCHandle _self;  // weak: the interrupt callback's way back here
    private int _disposed;
    private Exception? _handlerFault;

    [ThreadStatic] private static bool _onSimulationThread;

    /// <summary>Creates and resets the system (returns at cycle 0; the clock then runs unless <see cref="SimulationOptions.StartPaused"/>).</summary>
    /// <param name="options">The configuration.</param>
    /// <exception cref="ArgumentOutOfRangeException">An option is out of range.</exception>
    /// <exception cref="DllNotFoundException">libncsim is missing; the message says what to build (<c>make sim</c>).</exception>
    /// <exception cref="IOException">The pcap or waveform file cannot be created.</exception>
    /// <exception cref="DeviceException">The library is incompatible or the model failed to start.</exception>
    public SimulatedNicSystem(SimulationOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        Options = options;
        _api = options.LibraryPath is null ? NcsimLibrary.Default() : NcsimLibrary.Explicit(options.LibraryPath);
        if (_api.AbiVersion() != NcsimRc.AbiVersion)
            throw new DeviceException($"{_api.Source} has ABI version {_api.AbiVersion()}, this backend speaks version {NcsimRc.AbiVersion}: rebuild it (`make sim`)");
        DeviceName = Marshal.PtrToStringUTF8(_api.DeviceName()) ?? "?";
        HasTracing = _api.HasTracing() != 0;
        if (options.WaveformPath is not null && !HasTracing)
            throw new DeviceException($"{_api.Source} was built without waveform support (SIM_TRACE=0): rebuild it with `make sim` to write {options.WaveformPath}");

        // Defaults from the library, which also proves both sides agree on the struct's size.
        byte* init = stackalloc byte[512];
        new Span<byte>(init, 512).Clear();
        _api.ConfigInit(init);
        uint size = *(uint*)init;
        if (size != (uint)sizeof(NcsimConfig))
            throw new DeviceException($"{_api.Source} has a {size}-byte ncsim_config, this backend a {sizeof(NcsimConfig)}-byte one: rebuild it (`make sim`)");
        NcsimConfig cfg = *(NcsimConfig*)init;
        cfg.DmaLatencyCycles = options.DmaLatencyCycles;
        cfg.LinkLatencyCycles = options.LinkLatencyCycles;
        cfg.ResetCycles = options.ResetCycles;
        cfg.MmioTimeoutMs = (uint)Math.Ceiling(options.MmioTimeout.TotalMilliseconds);
        cfg.StartPaused = options.StartPaused ? 1u : 0u;
        cfg.LinkRate = options.LinkBytesPerCycle;
        cfg.Loss = options.Loss;
        cfg.Reorder = options.Reorder;
        cfg.Dup = options.Duplicate;
        cfg.Corrupt = options.Corrupt;
        cfg.Seed = options.Seed;
        cfg.RxFifoBytes = options.RxFifoBytes;
        cfg.TraceStartCycle = options.WaveformStartCycle;
        cfg.TraceCycles = options.WaveformCycles;
        cfg.CorruptInner = options.CorruptInner;
        nint pcap = options.PcapPath is null ? 0 : Marshal.StringToCoTaskMemUTF8(Path.GetFullPath(options.PcapPath));
        nint trace = options.WaveformPath is null ? 0 : Marshal.StringToCoTaskMemUTF8(Path.GetFullPath(options.WaveformPath));
        nint h;
        const int errLen = 1024;
        byte* err = stackalloc byte[errLen];
        err[0] = 0;
        try
        {
            cfg.PcapPath = pcap;
            cfg.TracePath = trace;
            h = _api.Create(&cfg, err, errLen);
        }
        finally
        {
            if (pcap != 0) Marshal.FreeCoTaskMem(pcap);
            if (trace != 0) Marshal.FreeCoTaskMem(trace);
        }
        if (h == 0)
        {
            string msg = Marshal.PtrToStringUTF8((nint)err) ?? "unknown error";
            if (msg.Contains("cannot create", StringComparison.Ordinal)) throw new IOException(msg);
            throw new DeviceException($"{_api.Source}: {msg}");
        }
        _handle = new SystemHandle(_api, h);
        _self = GCHandle.Alloc(this, GCHandleType.Weak);
        int rc = _api.SetIrqCallback(h, &OnInterrupt, GCHandle.ToIntPtr(_self));
        if (rc != NcsimRc.Ok)
        {
            _handle.Dispose();
            _self.Free();
            throw new DeviceException($"cannot install the interrupt callback ({rc})");
        }
        Nic0 = new SimulatedNic(this, 0);
        Nic1 = new SimulatedNic(this, 1);
    }

    /// <summary>The configuration the system was created with.</summary>
    public SimulationOptions Options { get; }

    /// <summary>NIC 0 (its <c>m_axis_tx</c> feeds the link towards NIC 1).</summary>
    public SimulatedNic Nic0 { get; }

    /// <summary>NIC 1.</summary>
    public SimulatedNic Nic1 { get; }

    /// <summary>The simulated module (<c>nc_nic</c>, or <c>nc_testdev</c> for the simulator's test fixture).</summary>
    public string DeviceName { get; }

    /// <summary>True when the library can write waveforms.</summary>
    public bool HasTracing { get; }

    /// <summary>True once disposed.</summary>
    public bool IsDisposed => Volatile.Read(ref _disposed) != 0;

    /// <summary>Clock cycles simulated since the end of reset.</summary>
    /// <exception cref="ObjectDisposedException">The system was disposed.</exception>
    public ulong Cycles
    {
        get
        {
            using var l = Lease();
            return _api.Cycles(l.Handle);
        }
    }

    /// <summary>Stops the free-running clock; when it returns, <see cref="Cycles"/> is stable.</summary>
    public void Pause()
    {
        using var l = Lease();
        Check(_api.Pause(l.Handle), "pause");
    }

    /// <summary>Restarts the free-running clock.</summary>
    public void Resume()
    {
        using var l = Lease();
        Check(_api.Resume(l.Handle), "resume");
    }

    /// <summary>
    /// Runs exactly <paramref name="cycles"/> cycles of a paused system (register writes made before are
    /// applied first), then returns with the clock stopped again.
    /// </summary>
    /// <exception cref="InvalidOperationException">The clock runs freely (not paused).</exception>
    public void Step(ulong cycles)
    {
        using var l = Lease();
        Check(_api.Step(l.Handle, cycles), "step");
    }

    /// <summary>Waits until the clock has reached <paramref name="cycle"/>; false on timeout.</summary>
    /// <param name="cycle">The cycle to wait for.</param>
    /// <param name="timeout">Wall-clock limit, or <see cref="Timeout.InfiniteTimeSpan"/>.</param>
    /// <returns>True when reached.</returns>
    public bool WaitForCycle(ulong cycle, TimeSpan timeout)
    {
        int ms = TimeoutMs(timeout);
        using var l = Lease();
        int rc = _api.WaitCycle(l.Handle, cycle, ms);
        if (rc == NcsimRc.TimedOut) return false;
        Check(rc, "wait for a cycle");
        return true;
    }

    /// <summary>A snapshot of the link's counters.</summary>
    public LinkStatistics GetLinkStatistics()
    {
        NcsimLinkStats s = default;
        s.Size = (uint)sizeof(NcsimLinkStats);
        using var l = Lease();
        Check(_api.GetLinkStats(l.Handle, &s), "read the link statistics");
        return new LinkStatistics(s.Cycle, LinkDirectionStatistics.From(s.Dir0, s.CorruptedInner0, s.Injected0),
            LinkDirectionStatistics.From(s.Dir1, s.CorruptedInner1, s.Injected1));
    }

    /// <summary>
    /// The first error the simulator recorded since <see cref="ClearError"/>: a device protocol violation (DMA
    /// or register rules broken by the RTL) or why the simulation stopped; null when none.
    /// </summary>
    public string? LastError
    {
        get
        {
            using var l = Lease();
            return ReadError(l.Handle);
        }
    }

    /// <summary>Forgets the recorded error.</summary>
    public void ClearError()
    {
        using var l = Lease();
        _api.ClearError(l.Handle);
    }

    /// <summary>The first exception an interrupt handler threw (it was caught on the simulation thread), or null.</summary>
    public Exception? InterruptHandlerFault => Volatile.Read(ref _handlerFault);

    /// <summary>Stops the simulation, flushes the pcap and waveform, frees the simulator. Not from an interrupt handler.</summary>
    /// <exception cref="InvalidOperationException">Called from an interrupt handler (on the simulation thread).</exception>
    public void Dispose()
    {
        if (_onSimulationThread)
            throw new InvalidOperationException("a simulated system cannot be disposed from its interrupt handler (the simulation thread); signal another thread to do it");
        if (Interlocked.Exchange(ref _disposed, 1) != 0) return;
        bool added = false;
        try
        {
            _handle.DangerousAddRef(ref added);
            _api.Shutdown(_handle.DangerousGetHandle());  // joins the simulation thread: no callback runs after this
        }
        finally
        {
            if (added) _handle.DangerousRelease();
        }
        _handle.Dispose();  // ncsim_destroy as soon as no call is in progress
        if (_self.IsAllocated) _self.Free();
    }

    /// <summary>The defaults of a libncsim file (ncsim_config_init), as options (tests compare them with ours).</summary>
    internal static SimulationOptions LibraryDefaults(string libraryPath)
    {
        NcsimApi api = NcsimLibrary.Explicit(libraryPath);
        byte* init = stackalloc byte[512];
        new Span<byte>(init, 512).Clear();
        api.ConfigInit(init);
        NcsimConfig c = *(NcsimConfig*)init;
        return new SimulationOptions
        {
            DmaLatencyCycles = c.DmaLatencyCycles, LinkLatencyCycles = c.LinkLatencyCycles, ResetCycles = c.ResetCycles,
            MmioTimeout = TimeSpan.FromMilliseconds(c.MmioTimeoutMs), StartPaused = c.StartPaused != 0, LinkBytesPerCycle = c.LinkRate,
            Loss = c.Loss, Reorder = c.Reorder, Duplicate = c.Dup, Corrupt = c.Corrupt, CorruptInner = c.CorruptInner, Seed = c.Seed, RxFifoBytes = c.RxFifoBytes,
            WaveformStartCycle = c.TraceStartCycle, WaveformCycles = c.TraceCycles,
        };
    }

    // ---- plumbing for SimulatedNic and SimulatedDmaRegion ----------------------------------------------

    internal NcsimApi Api => _api;

    /// <summary>Keeps the native handle alive for one call.</summary>
    internal Lease Lease()
    {
        ObjectDisposedException.ThrowIf(IsDisposed, this);
        return new Lease(_handle, this);
    }

    internal string? ReadError(nint h)
    {
        const int n = 2048;
        byte* b = stackalloc byte[n];
        nuint len = _api.LastError(h, b, n);
        return len == 0 ? null : Marshal.PtrToStringUTF8((nint)b);
    }

    /// <summary>Turns a return code into the exception the API documents.</summary>
    internal void Check(int rc, string what)
    {
        switch (rc)
        {
            case NcsimRc.Ok:
                return;
            case NcsimRc.Invalid:
                throw new ArgumentException($"libncsim refused to {what}: invalid argument");
            case NcsimRc.TimedOut:
                throw new DeviceException($"timed out: {what}");
            case NcsimRc.Stopped:
                ObjectDisposedException.ThrowIf(IsDisposed, this);
                throw new DeviceException($"cannot {what}: the simulation stopped" + (LastErrorOrNull() is { } e ? $" ({e})" : ""));
            case NcsimRc.NotFound:
                throw new InvalidOperationException($"cannot {what}: not mapped");
            case NcsimRc.Deadlock:
                throw new InvalidOperationException($"cannot {what} from an interrupt handler: it would block the simulation thread; signal another thread instead");
            case NcsimRc.State:
                throw new InvalidOperationException($"cannot {what}: the clock runs freely; call Pause() first (or create the system with StartPaused)");
            default:
                throw new DeviceException($"cannot {what}: libncsim returned {rc}");
        }
    }

    private string? LastErrorOrNull()
    {
        try
        {
            using var l = Lease();
            return ReadError(l.Handle);
        }
        catch (ObjectDisposedException)
        {
            return null;
        }
    }

    internal static int TimeoutMs(TimeSpan timeout)
    {
        if (timeout == Timeout.InfiniteTimeSpan) return -1;
        if (timeout < TimeSpan.Zero || timeout.TotalMilliseconds > int.MaxValue)
            throw new ArgumentOutOfRangeException(nameof(timeout), timeout, "between 0 and int.MaxValue ms, or Timeout.InfiniteTimeSpan");
        return (int)Math.Ceiling(timeout.TotalMilliseconds);
    }

    internal static bool OnSimulationThread => _onSimulationThread;

    [UnmanagedCallersOnly(CallConvs = [typeof(CallConvCdecl)])]
    private static void OnInterrupt(nint user, int nic, int vector)
    {
        // On the simulation thread. Nothing may escape into native code.
        _onSimulationThread = true;
        try
        {
            if (GCHandle.FromIntPtr(user).Target is SimulatedNicSystem sys && (uint)nic < 2)
            {
                try
                {
                    (nic == 0 ? sys.Nic0 : sys.Nic1).Dispatch(vector);
                }
                catch (Exception e)
                {
                    Interlocked.CompareExchange(ref sys._handlerFault, e, null);
                }
            }
        }
        catch (Exception)
        {
            // (a system being collected: nothing to deliver to)
        }
    }

    private sealed class SystemHandle : SafeHandle
    {
        private readonly NcsimApi _api;

        public SystemHandle(NcsimApi api, nint h) : base(0, true)
        {
            _api = api;
            SetHandle(h);
        }

        public override bool IsInvalid => handle == 0;

        protected override bool ReleaseHandle()
        {
            _api.Destroy(handle);
            return true;
        }
    }
}

/// <summary>One native call's hold on the system handle.</summary>
internal ref struct Lease
{
    private readonly SafeHandle _handle;
    private bool _added;

    public Lease(SafeHandle handle, object owner)
    {
        _handle = handle;
        _added = false;
        try
        {
            handle.DangerousAddRef(ref _added);
        }
        catch (ObjectDisposedException)
        {
            throw new ObjectDisposedException(owner.GetType().FullName);
        }
        Handle = handle.DangerousGetHandle();
    }

    public nint Handle { get; }

    public void Dispose()
    {
        if (_added) _handle.DangerousRelease();
        _added = false;
    }
}
