using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace NetChannel.Device.Simulated;

// The C ABI of libncsim (sim/include/ncsim.h). Every signature is blittable, so the same functions can be
// reached through [LibraryImport] (NcsimNative, the library resolved as "ncsim") or through function
// pointers of an explicitly loaded file (NcsimApi.Load), without marshalling differences.

/// <summary>ncsim_config (sim/include/ncsim.h), field for field.</summary>
[StructLayout(LayoutKind.Sequential)]
internal struct NcsimConfig
{
    public uint Size;
    public uint DmaLatencyCycles;
    public uint LinkLatencyCycles;
    public uint ResetCycles;
    public uint MmioTimeoutMs;
    public uint StartPaused;
    public double LinkRate;
    public double Loss;
    public double Reorder;
    public double Dup;
    public double Corrupt;
    public ulong Seed;
    public ulong RxFifoBytes;
    public nint PcapPath;
    public nint TracePath;
    public ulong TraceStartCycle;
    public ulong TraceCycles;
    public double CorruptInner;     // V2
}

/// <summary>ncsim_link_dir_stats.</summary>
[StructLayout(LayoutKind.Sequential)]
internal struct NcsimLinkDirStats
{
    public ulong FramesSent, BytesSent, FramesDelivered, Dropped, Reordered, Duplicated, Corrupted, FcsErrors,
                 TxAborted, RxOverflow, InFlight;
}

/// <summary>ncsim_link_stats.</summary>
[StructLayout(LayoutKind.Sequential)]
internal struct NcsimLinkStats
{
    public uint Size;
    public uint Reserved0;
    public ulong Cycle;
    public NcsimLinkDirStats Dir0;
    public NcsimLinkDirStats Dir1;
    public ulong CorruptedInner0, CorruptedInner1;   // V2
    public ulong Injected0, Injected1;
}

/// <summary>ncsim_nic_stats.</summary>
[StructLayout(LayoutKind.Sequential)]
internal struct NcsimNicStats
{
    public uint Size;
    public uint Reserved0;
    public ulong Cycle, MmioWrites, MmioReads, Irqs, IrqsDropped, DmaRdRequests, DmaRdBytes, DmaRdFaults, DmaWrBursts,
                 DmaWrBytes, DmaWrFaults, DmaRdMaxOutstanding, Violations;
}

/// <summary>Return codes of ncsim.h.</summary>
internal static class NcsimRc
{
    public const int Ok = 0;
    public const int Invalid = -1;
    public const int TimedOut = -2;
    public const int Stopped = -3;
    public const int NotFound = -4;
    public const int Deadlock = -5;
    public const int State = -6;
    public const int AbiVersion = 1;
    public const int InjectBadFcs = 1;
}

/// <summary>[LibraryImport] bindings of "ncsim" (resolved by <see cref="NcsimLibrary"/>).</summary>
internal static unsafe partial class NcsimNative
{
    private const string Lib = "ncsim";

    [LibraryImport(Lib)] [UnmanagedCallConv(CallConvs = [typeof(CallConvCdecl)])]
    internal static partial int ncsim_abi_version();

    [LibraryImport(Lib)] [UnmanagedCallConv(CallConvs = [typeof(CallConvCdecl)])]
    internal static partial nint ncsim_device_name();

    [LibraryImport(Lib)] [UnmanagedCallConv(CallConvs = [typeof(CallConvCdecl)])]
    internal static partial int ncsim_has_tracing();

    [LibraryImport(Lib)] [UnmanagedCallConv(CallConvs = [typeof(CallConvCdecl)])]
    internal static partial void ncsim_config_init(void* cfg);

    [LibraryImport(Lib)] [UnmanagedCallConv(CallConvs = [typeof(CallConvCdecl)])]
    internal static partial nint ncsim_create(NcsimConfig* cfg, byte* err, nuint errlen);

    [LibraryImport(Lib)] [UnmanagedCallConv(CallConvs = [typeof(CallConvCdecl)])]
    internal static partial void ncsim_shutdown(nint sys);

    [LibraryImport(Lib)] [UnmanagedCallConv(CallConvs = [typeof(CallConvCdecl)])]
    internal static partial void ncsim_destroy(nint sys);

    [LibraryImport(Lib)] [UnmanagedCallConv(CallConvs = [typeof(CallConvCdecl)])]
    internal static partial int ncsim_mmio_read(nint sys, int nic, uint addr, uint* value);

    [LibraryImport(Lib)] [UnmanagedCallConv(CallConvs = [typeof(CallConvCdecl)])]
    internal static partial int ncsim_mmio_write(nint sys, int nic, uint addr, uint value);

    [LibraryImport(Lib)] [UnmanagedCallConv(CallConvs = [typeof(CallConvCdecl)])]
    internal static partial int ncsim_dma_map(nint sys, int nic, ulong addr, ulong len);

    [LibraryImport(Lib)] [UnmanagedCallConv(CallConvs = [typeof(CallConvCdecl)])]
    internal static partial int ncsim_dma_unmap(nint sys, int nic, ulong addr, ulong len);

    [LibraryImport(Lib)] [UnmanagedCallConv(CallConvs = [typeof(CallConvCdecl)])]
    internal static partial int ncsim_wait_irq(nint sys, int nic, int timeoutMs);

    [LibraryImport(Lib)] [UnmanagedCallConv(CallConvs = [typeof(CallConvCdecl)])]
    internal static partial int ncsim_set_irq_callback(nint sys, delegate* unmanaged[Cdecl]<nint, int, int, void> cb, nint user);

    [LibraryImport(Lib)] [UnmanagedCallConv(CallConvs = [typeof(CallConvCdecl)])]
    internal static partial ulong ncsim_cycles(nint sys);

    [LibraryImport(Lib)] [UnmanagedCallConv(CallConvs = [typeof(CallConvCdecl)])]
    internal static partial int ncsim_get_link_stats(nint sys, NcsimLinkStats* stats);

    [LibraryImport(Lib)] [UnmanagedCallConv(CallConvs = [typeof(CallConvCdecl)])]
    internal static partial int ncsim_get_nic_stats(nint sys, int nic, NcsimNicStats* stats);

    [LibraryImport(Lib)] [UnmanagedCallConv(CallConvs = [typeof(CallConvCdecl)])]
    internal static partial int ncsim_pause(nint sys);

    [LibraryImport(Lib)] [UnmanagedCallConv(CallConvs = [typeof(CallConvCdecl)])]
    internal static partial int ncsim_resume(nint sys);

    [LibraryImport(Lib)] [UnmanagedCallConv(CallConvs = [typeof(CallConvCdecl)])]
    internal static partial int ncsim_step(nint sys, ulong n);

    [LibraryImport(Lib)] [UnmanagedCallConv(CallConvs = [typeof(CallConvCdecl)])]
    internal static partial int ncsim_wait_cycle(nint sys, ulong cycle, int timeoutMs);

    [LibraryImport(Lib)] [UnmanagedCallConv(CallConvs = [typeof(CallConvCdecl)])]
    internal static partial int ncsim_inject_frame(nint sys, int nic, byte* frame, nuint len, int flags);

    [LibraryImport(Lib)] [UnmanagedCallConv(CallConvs = [typeof(CallConvCdecl)])]
    internal static partial nuint ncsim_last_error(nint sys, byte* buf, nuint buflen);

    [LibraryImport(Lib)] [UnmanagedCallConv(CallConvs = [typeof(CallConvCdecl)])]
    internal static partial void ncsim_clear_error(nint sys);
}
