using System;
using System.Runtime.InteropServices;

namespace NetChannel.Device.Simulated;

/// <summary>
/// The libncsim functions, either through the [LibraryImport] bindings of "ncsim" (<see cref="Default"/>,
/// one file per process: <c>build/sim/libncsim.so</c> or <c>$NCSIM_LIBRARY</c>) or through function
/// pointers of a file loaded explicitly (<see cref="Load"/>; the test-device build, say, next to the real one).
/// </summary>
internal abstract unsafe class NcsimApi
{
    /// <summary>The library bound as "ncsim".</summary>
    public static NcsimApi Default { get; } = new ImportedApi();

    /// <summary>Where the functions come from, for messages.</summary>
    public abstract string Source { get; }

    public abstract int AbiVersion();
    public abstract nint DeviceName();
    public abstract int HasTracing();
    public abstract void ConfigInit(void* cfg);
    public abstract nint Create(NcsimConfig* cfg, byte* err, nuint errlen);
    public abstract void Shutdown(nint sys);
    public abstract void Destroy(nint sys);
    public abstract int MmioRead(nint sys, int nic, uint addr, uint* value);
    public abstract int MmioWrite(nint sys, int nic, uint addr, uint value);
    public abstract int DmaMap(nint sys, int nic, ulong addr, ulong len);
    public abstract int DmaUnmap(nint sys, int nic, ulong addr, ulong len);
    public abstract int WaitIrq(nint sys, int nic, int timeoutMs);
    public abstract int SetIrqCallback(nint sys, delegate* unmanaged[Cdecl]<nint, int, int, void> cb, nint user);
    public abstract ulong Cycles(nint sys);
    public abstract int GetLinkStats(nint sys, NcsimLinkStats* stats);
    public abstract int GetNicStats(nint sys, int nic, NcsimNicStats* stats);
    public abstract int Pause(nint sys);
    public abstract int Resume(nint sys);
    public abstract int Step(nint sys, ulong n);
    public abstract int WaitCycle(nint sys, ulong cycle, int timeoutMs);
    public abstract int InjectFrame(nint sys, int nic, byte* frame, nuint len, int flags);
    public abstract nuint LastError(nint sys, byte* buf, nuint buflen);
    public abstract void ClearError(nint sys);

    /// <summary>Loads a libncsim file explicitly (kept loaded for the life of the process).</summary>
    /// <exception cref="DllNotFoundException">The file cannot be loaded or lacks a function.</exception>
    public static NcsimApi Load(string path) => new LoadedApi(path);

    private sealed class ImportedApi : NcsimApi
    {
        public override string Source => "libncsim (\"ncsim\")";
        public override int AbiVersion() => NcsimNative.ncsim_abi_version();
        public override nint DeviceName() => NcsimNative.ncsim_device_name();
        public override int HasTracing() => NcsimNative.ncsim_has_tracing();
        public override void ConfigInit(void* cfg) => NcsimNative.ncsim_config_init(cfg);
        public override nint Create(NcsimConfig* cfg, byte* err, nuint errlen) => NcsimNative.ncsim_create(cfg, err, errlen);
        public override void Shutdown(nint sys) => NcsimNative.ncsim_shutdown(sys);
        public override void Destroy(nint sys) => NcsimNative.ncsim_destroy(sys);
        public override int MmioRead(nint sys, int nic, uint addr, uint* value) => NcsimNative.ncsim_mmio_read(sys, nic, addr, value);
        public override int MmioWrite(nint sys, int nic, uint addr, uint value) => NcsimNative.ncsim_mmio_write(sys, nic, addr, value);
        public override int DmaMap(nint sys, int nic, ulong addr, ulong len) => NcsimNative.ncsim_dma_map(sys, nic, addr, len);
        public override int DmaUnmap(nint sys, int nic, ulong addr, ulong len) => NcsimNative.ncsim_dma_unmap(sys, nic, addr, len);
        public override int WaitIrq(nint sys, int nic, int timeoutMs) => NcsimNative.ncsim_wait_irq(sys, nic, timeoutMs);
        public override int SetIrqCallback(nint sys, delegate* unmanaged[Cdecl]<nint, int, int, void> cb, nint user) =>
            NcsimNative.ncsim_set_irq_callback(sys, cb, user);
        public override ulong Cycles(nint sys) => NcsimNative.ncsim_cycles(sys);
        public override int GetLinkStats(nint sys, NcsimLinkStats* stats) => NcsimNative.ncsim_get_link_stats(sys, stats);
        public override int GetNicStats(nint sys, int nic, NcsimNicStats* stats) => NcsimNative.ncsim_get_nic_stats(sys, nic, stats);
        public override int Pause(nint sys) => NcsimNative.ncsim_pause(sys);
        public override int Resume(nint sys) => NcsimNative.ncsim_resume(sys);
        public override int Step(nint sys, ulong n) => NcsimNative.ncsim_step(sys, n);
        public override int WaitCycle(nint sys, ulong cycle, int timeoutMs) => NcsimNative.ncsim_wait_cycle(sys, cycle, timeoutMs);
        public override int InjectFrame(nint sys, int nic, byte* frame, nuint len, int flags) => NcsimNative.ncsim_inject_frame(sys, nic, frame, len, flags);
        public override nuint LastError(nint sys, byte* buf, nuint buflen) => NcsimNative.ncsim_last_error(sys, buf, buflen);
        public override void ClearError(nint sys) => NcsimNative.ncsim_clear_error(sys);
    }

    private sealed class LoadedApi : NcsimApi
    {
        private readonly string _path;
        private readonly delegate* unmanaged[Cdecl]<int> _abiVersion;
        private readonly delegate* unmanaged[Cdecl]<nint> _deviceName;
        private readonly delegate* unmanaged[Cdecl]<int> _hasTracing;
        private readonly delegate* unmanaged[Cdecl]<void*, void> _configInit;
        private readonly delegate* unmanaged[Cdecl]<NcsimConfig*, byte*, nuint, nint> _create;
        private readonly delegate* unmanaged[Cdecl]<nint, void> _shutdown;
        private readonly delegate* unmanaged[Cdecl]<nint, void> _destroy;
        private readonly delegate* unmanaged[Cdecl]<nint, int, uint, uint*, int> _mmioRead;
        private readonly delegate* unmanaged[Cdecl]<nint, int, uint, uint, int> _mmioWrite;
        private readonly delegate* unmanaged[Cdecl]<nint, int, ulong, ulong, int> _dmaMap;
        private readonly delegate* unmanaged[Cdecl]<nint, int, ulong, ulong, int> _dmaUnmap;
        private readonly delegate* unmanaged[Cdecl]<nint, int, int, int> _waitIrq;
        private readonly delegate* unmanaged[Cdecl]<nint, delegate* unmanaged[Cdecl]<nint, int, int, void>, nint, int> _setIrqCallback;
        private readonly delegate* unmanaged[Cdecl]<nint, ulong> _cycles;
        private readonly delegate* unmanaged[Cdecl]<nint, NcsimLinkStats*, int> _getLinkStats;
        private readonly delegate* unmanaged[Cdecl]<nint, int, NcsimNicStats*, int> _getNicStats;
        private readonly delegate* unmanaged[Cdecl]<nint, int> _pause;
        private readonly delegate* unmanaged[Cdecl]<nint, int> _resume;
        private readonly delegate* unmanaged[Cdecl]<nint, ulong, int> _step;
        private readonly delegate* unmanaged[Cdecl]<nint, ulong, int, int> _waitCycle;
        private readonly delegate* unmanaged[Cdecl]<nint, int, byte*, nuint, int, int> _injectFrame;
        private readonly delegate* unmanaged[Cdecl]<nint, byte*, nuint, nuint> _lastError;
        private readonly delegate* unmanaged[Cdecl]<nint, void> _clearError;

        public LoadedApi(string path)
        {
            _path = path;
            nint h;
            try
            {
                h = NativeLibrary.Load(path);
            }
            catch (Exception e) when (e is DllNotFoundException or BadImageFormatException)
            {
                throw new DllNotFoundException($"cannot load the simulator library '{path}': {e.Message}", e);
            }
            nint Get(string name) =>
                NativeLibrary.TryGetExport(h, name, out nint p)
                    ? p
                    : throw new DllNotFoundException($"'{path}' is not a libncsim build: it has no function {name}");
            _abiVersion = (delegate* unmanaged[Cdecl]<int>)Get("ncsim_abi_version");
            _deviceName = (delegate* unmanaged[Cdecl]<nint>)Get("ncsim_device_name");
            _hasTracing = (delegate* unmanaged[Cdecl]<int>)Get("ncsim_has_tracing");
            _configInit = (delegate* unmanaged[Cdecl]<void*, void>)Get("ncsim_config_init");
            _create = (delegate* unmanaged[Cdecl]<NcsimConfig*, byte*, nuint, nint>)Get("ncsim_create");
            _shutdown = (delegate* unmanaged[Cdecl]<nint, void>)Get("ncsim_shutdown");
            _destroy = (delegate* unmanaged[Cdecl]<nint, void>)Get("ncsim_destroy");
            _mmioRead = (delegate* unmanaged[Cdecl]<nint, int, uint, uint*, int>)Get("ncsim_mmio_read");
            _mmioWrite = (delegate* unmanaged[Cdecl]<nint, int, uint, uint, int>)Get("ncsim_mmio_write");
            _dmaMap = (delegate* unmanaged[Cdecl]<nint, int, ulong, ulong, int>)Get("ncsim_dma_map");
            _dmaUnmap = (delegate* unmanaged[Cdecl]<nint, int, ulong, ulong, int>)Get("ncsim_dma_unmap");
            _waitIrq = (delegate* unmanaged[Cdecl]<nint, int, int, int>)Get("ncsim_wait_irq");
            _setIrqCallback = (delegate* unmanaged[Cdecl]<nint, delegate* unmanaged[Cdecl]<nint, int, int, void>, nint, int>)Get("ncsim_set_irq_callback");
            _cycles = (delegate* unmanaged[Cdecl]<nint, ulong>)Get("ncsim_cycles");
            _getLinkStats = (delegate* unmanaged[Cdecl]<nint, NcsimLinkStats*, int>)Get("ncsim_get_link_stats");
            _getNicStats = (delegate* unmanaged[Cdecl]<nint, int, NcsimNicStats*, int>)Get("ncsim_get_nic_stats");
            _pause = (delegate* unmanaged[Cdecl]<nint, int>)Get("ncsim_pause");
            _resume = (delegate* unmanaged[Cdecl]<nint, int>)Get("ncsim_resume");
            _step = (delegate* unmanaged[Cdecl]<nint, ulong, int>)Get("ncsim_step");
            _waitCycle = (delegate* unmanaged[Cdecl]<nint, ulong, int, int>)Get("ncsim_wait_cycle");
            _injectFrame = (delegate* unmanaged[Cdecl]<nint, int, byte*, nuint, int, int>)Get("ncsim_inject_frame");
            _lastError = (delegate* unmanaged[Cdecl]<nint, byte*, nuint, nuint>)Get("ncsim_last_error");
            _clearError = (delegate* unmanaged[Cdecl]<nint, void>)Get("ncsim_clear_error");
        }

        public override string Source => _path;
        public override int AbiVersion() => _abiVersion();
        public override nint DeviceName() => _deviceName();
        public override int HasTracing() => _hasTracing();
        public override void ConfigInit(void* cfg) => _configInit(cfg);
        public override nint Create(NcsimConfig* cfg, byte* err, nuint errlen) => _create(cfg, err, errlen);
        public override void Shutdown(nint sys) => _shutdown(sys);
        public override void Destroy(nint sys) => _destroy(sys);
        public override int MmioRead(nint sys, int nic, uint addr, uint* value) => _mmioRead(sys, nic, addr, value);
        public override int MmioWrite(nint sys, int nic, uint addr, uint value) => _mmioWrite(sys, nic, addr, value);
        public override int DmaMap(nint sys, int nic, ulong addr, ulong len) => _dmaMap(sys, nic, addr, len);
        public override int DmaUnmap(nint sys, int nic, ulong addr, ulong len) => _dmaUnmap(sys, nic, addr, len);
        public override int WaitIrq(nint sys, int nic, int timeoutMs) => _waitIrq(sys, nic, timeoutMs);
        public override int SetIrqCallback(nint sys, delegate* unmanaged[Cdecl]<nint, int, int, void> cb, nint user) => _setIrqCallback(sys, cb, user);
        public override ulong Cycles(nint sys) => _cycles(sys);
        public override int GetLinkStats(nint sys, NcsimLinkStats* stats) => _getLinkStats(sys, stats);
        public override int GetNicStats(nint sys, int nic, NcsimNicStats* stats) => _getNicStats(sys, nic, stats);
        public override int Pause(nint sys) => _pause(sys);
        public override int Resume(nint sys) => _resume(sys);
        public override int Step(nint sys, ulong n) => _step(sys, n);
        public override int WaitCycle(nint sys, ulong cycle, int timeoutMs) => _waitCycle(sys, cycle, timeoutMs);
        public override int InjectFrame(nint sys, int nic, byte* frame, nuint len, int flags) => _injectFrame(sys, nic, frame, len, flags);
        public override nuint LastError(nint sys, byte* buf, nuint buflen) => _lastError(sys, buf, buflen);
        public override void ClearError(nint sys) => _clearError(sys);
    }
}
