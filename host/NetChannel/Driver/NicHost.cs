using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Diagnostics.Metrics;
using System.Security.Cryptography;
using System.Threading;
using System.Threading.Tasks;
using NetChannel.Device;
using NetChannel.Wire;

namespace NetChannel.Driver;

/// <summary>
/// The host half of the NetDriver for one NIC: initialises the device, runs the event queues and their
/// poller threads, the management queue pair and the control thread that agrees channels with peers
/// (open, close, abort, liveness). One per NIC.
/// </summary>
/// <remarks>
/// Threads: one control thread (management queue, channel life cycle, timers), one poller for
/// latency-class channels and <see cref="NicHostOptions.ThroughputPollers"/> pollers for throughput-class
/// channels, each on its own event queue. The data path (reserve, commit, completions, receive) does no
/// register reads and allocates nothing per message.
/// </remarks>
public sealed unsafe partial class NicHost : IAsyncDisposable
{
    private const int ControlEventQueue = 0;
    private const int LatencyEventQueue = 1;

    private readonly NicHostOptions _o;
    private readonly Channel?[] _table;
    private readonly Poller _latencyPoller;
    private readonly Poller[] _throughputPollers;
    private readonly Poller?[] _pollerByEq;
    private readonly ConcurrentDictionary<uint, ulong> _neighbors = new();
    private readonly HashSet<uint> _staticNeighbors = new();
    private readonly object _cmdLock = new();
    private readonly object _counterLock = new();
    private readonly Meter _meter;
    private int _nextThroughput;
    private int _deviceFailed;
    private Exception? _deviceError;
    private int _disposed;

    private NicHost(INicDevice device, NicHostOptions o, IMessageSink sink, DeviceCaps caps)
    {
        Device = device;
        Clock = new DeviceClock(device);
        _o = o;
        Sink = sink;
        Caps = caps;
        LocalAddress = new PeerAddress(o.Mac, o.Ip);
        HostId = RandomNonZero64();
        _table = new Channel?[o.MaxChannels];
        foreach (KeyValuePair<uint, ulong> kv in o.Neighbors)
        {
            _neighbors[kv.Key] = kv.Value;
            _staticNeighbors.Add(kv.Key);
        }
        int eqLog = Math.Clamp(CeilLog2(2 * o.MaxChannels + 8), caps.MinRingLog, caps.MaxRingLog);
        _pollerByEq = new Poller?[caps.EventQueues];
        _latencyPoller = new Poller(this, LatencyEventQueue, eqLog, "netchannel poller (latency)", o.MaxChannels, o);
        _pollerByEq[LatencyEventQueue] = _latencyPoller;
        _throughputPollers = new Poller[o.ThroughputPollers];
        for (int i = 0; i < _throughputPollers.Length; i++)
        {
            _throughputPollers[i] = new Poller(this, 2 + i, eqLog, $"netchannel poller (throughput {i})", o.MaxChannels, o);
            _pollerByEq[2 + i] = _throughputPollers[i];
        }
        _meter = new Meter("NetChannel.Driver");
        CreateInstruments();
        InitControl();
    }

    /// <summary>
    /// Initialises the NIC behind <paramref name="device"/> (identification, addresses, event queues,
    /// management queue pair), starts the driver's threads and enables the NIC.
    /// </summary>
    /// <param name="device">The NIC. The host does not own it: dispose it after the host.</param>
    /// <param name="options">Configuration (validated; a copy is kept).</param>
    /// <param name="sink">Receives channel and message notifications.</param>
    /// <param name="ct">Cancels the start.</param>
    /// <returns>The running host.</returns>
    /// <exception cref="ArgumentNullException">An argument is null.</exception>
    /// <exception cref="ArgumentException">An option is invalid or exceeds the device's capabilities.</exception>
    /// <exception cref="DeviceException">The device is not a NetChannel NIC of this spec version, or failed.</exception>
    public static ValueTask<NicHost> StartAsync(INicDevice device, NicHostOptions options, IMessageSink sink, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(device);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(sink);
        NicHostOptions o = options.Clone();
        o.Validate();
        ct.ThrowIfCancellationRequested();
        // Register reads are round trips to the device: do them off the caller's thread.
        return new ValueTask<NicHost>(Task.Run(() =>
        {
            DeviceCaps caps = DeviceCaps.Read(device);
            caps.Check(o);
            ct.ThrowIfCancellationRequested();
            var host = new NicHost(device, o, sink, caps);
            try
            {
                host.Initialize();
            }
            catch
            {
                host.StopThreadsAndFree();
                throw;
            }
            return host;
        }, ct));
    }

    /// <summary>This host's address.</summary>
    public PeerAddress LocalAddress { get; }

    /// <summary>The random id this host drew at start; peers see a new one after a restart.</summary>
    public ulong HostId { get; }

    /// <summary>The device's clock: every timer of the driver about the device or a peer (opens, closes, retries,
    /// liveness, keep-alive, channel commands) runs on it, so <see cref="NicHostOptions"/>' times are device time.</summary>
    public DeviceClock Clock { get; }

    /// <summary>The channels that are open or closing.</summary>
    public IReadOnlyCollection<Channel> Channels
    {
        get
        {
            var list = new List<Channel>();
            foreach (Channel? ch in _table)
                if (ch != null && ch.State is ChannelState.Open or ChannelState.Closing) list.Add(ch);
            return list;
        }
    }

    /// <summary>Channel slots in use in any phase, half-open and tearing down included (tests).</summary>
    internal int ChannelSlotsInUse
    {
        get
        {
            int n = 0;
            for (int i = 0; i < _table.Length; i++) if (Volatile.Read(ref _table[i]) != null) n++;
            return n;
        }
    }

    internal INicDevice Device { get; }
    internal IMessageSink Sink { get; }
    internal DeviceCaps Caps { get; }
    internal bool DeviceFailed => Volatile.Read(ref _deviceFailed) != 0;
    internal bool IsDisposed => Volatile.Read(ref _disposed) != 0;

    /// <summary>Looks an IPv4 address up in the neighbour table (configured, plus learned from management frames).</summary>
    /// <param name="ip">The address.</param>
    /// <param name="peer">The peer address when found.</param>
    /// <returns>True when found.</returns>
    public bool TryResolve(uint ip, out PeerAddress peer)
    {
        if (_neighbors.TryGetValue(ip, out ulong mac))
        {
            peer = new PeerAddress(mac, ip);
            return true;
        }
        peer = default;
        return false;
    }

    /// <summary>Opens a channel to <paramref name="peer"/>: agrees ids, initial PSNs, class and sizes with it over the management queue (retried, bounded by <see cref="NicHostOptions.OpenTimeout"/>).</summary>
    /// <param name="peer">The peer (see <see cref="TryResolve"/>).</param>
    /// <param name="cls">The channel's class.</param>
    /// <param name="ct">Abandons the open.</param>
    /// <returns>The open channel (the sink's <see cref="IMessageSink.OnChannelOpened"/> has been called).</returns>
    /// <exception cref="ArgumentException"><paramref name="peer"/> is not a valid unicast address or is this host.</exception>
    /// <exception cref="NetChannelException">Refused, timed out, no resources.</exception>
    /// <exception cref="ObjectDisposedException">The host was disposed.</exception>
    public ValueTask<Channel> OpenChannelAsync(PeerAddress peer, ChannelClass cls, CancellationToken ct = default)
    {
        ObjectDisposedException.ThrowIf(IsDisposed, this);
        if (peer.Mac == 0 || peer.Mac > MacAddress.Mask || (peer.Mac & (1UL << 40)) != 0)
            throw new ArgumentException($"peer MAC 0x{peer.Mac:X} is not a unicast 48-bit address", nameof(peer));
        if (peer.Ip == 0) throw new ArgumentException("peer IPv4 address is 0", nameof(peer));
        if (peer.Ip == LocalAddress.Ip) throw new ArgumentException($"{MacAddress.FormatIpv4(peer.Ip)} is this host's own address", nameof(peer));
        if (!Enum.IsDefined(cls)) throw new ArgumentOutOfRangeException(nameof(cls), cls, "unknown channel class");
        if (ct.IsCancellationRequested) return ValueTask.FromCanceled<Channel>(ct);
        if (DeviceFailed) throw new NetChannelException(NetChannelError.DeviceFailure, "the device failed", _deviceError);
        var req = new OpenRequest(peer, cls);
        Post(req);
        return new ValueTask<Channel>(AwaitOpenAsync(req, ct));
    }

    /// <summary>Opens a channel to the neighbour with IPv4 address <paramref name="ip"/>.</summary>
    /// <exception cref="ArgumentException"><paramref name="ip"/> is not in the neighbour table.</exception>
    /// <inheritdoc cref="OpenChannelAsync(PeerAddress, ChannelClass, CancellationToken)"/>
    public ValueTask<Channel> OpenChannelAsync(uint ip, ChannelClass cls, CancellationToken ct = default)
    {
        if (!TryResolve(ip, out PeerAddress peer))
            throw new ArgumentException($"{MacAddress.FormatIpv4(ip)} is not in the neighbour table (NicHostOptions.Neighbors)", nameof(ip));
        return OpenChannelAsync(peer, cls, ct);
    }

    /// <summary>Reads the NIC's global counters (many register reads: not for the data path).</summary>
    /// <returns>The snapshot.</returns>
    public NicCounters ReadCounters()
    {
        ObjectDisposedException.ThrowIf(IsDisposed, this);
        var v = new ulong[NicCounters.Count];
        var drops = new uint[Registers.CntDropBaseCount];
        lock (_counterLock)
        {
            for (int i = 0; i < v.Length; i++)
            {
                uint lo = Device.ReadRegister((uint)Registers.Counter((NicCounter)i));       // snapshots the counter
                uint hi = Device.ReadRegister((uint)(Registers.Counter((NicCounter)i) + 4));
                v[i] = ((ulong)hi << 32) | lo;
            }
            for (int i = 0; i < drops.Length; i++) drops[i] = Device.ReadRegister((uint)(Registers.CntDropBase + 4 * i));
        }
        return new NicCounters(v, drops);
    }

    // ---------------------------------------------------------------------------------------------
    // Initialisation
    // ---------------------------------------------------------------------------------------------
    private void Initialize()
    {
        INicDevice d = Device;
        d.WriteRegister(Registers.Ctrl, 0);
        d.WriteRegister(Registers.MacLo, (uint)_o.Mac);
        d.WriteRegister(Registers.MacHi, new MacHiRegister { MacHi = (ushort)(_o.Mac >> 32) }.Value);
        d.WriteRegister(Registers.IpAddr, _o.Ip);
        if (_o.RetransmitTimeoutCycles is uint rto) d.WriteRegister(Registers.RtoCycles, rto);
        if (_o.RetryLimit is int rl) d.WriteRegister(Registers.RetryLimit, (uint)rl);
        if (_o.AckCoalesce is uint ac) d.WriteRegister(Registers.AckCoalesce, ac);

        EnableEventQueue(ControlEventQueue, _ctlEq.BusAddress, _ctlEqLog);
        EnableEventQueue(LatencyEventQueue, _latencyPoller.EventQueueBus, _latencyPoller.EventQueueLog);
        foreach (Poller p in _throughputPollers) EnableEventQueue(p.EventQueue, p.EventQueueBus, p.EventQueueLog);
        InitManagementQueue();

        d.SetInterruptHandler(OnInterrupt);
        d.WriteRegister(Registers.Ctrl, new CtrlRegister { Enable = true, Filter = _o.AddressFiltering }.Value);
        // A read makes sure every write above reached the device before the host is handed out.
        if (!new StatusRegister(d.ReadRegister(Registers.Status)).Running)
            throw new DeviceException($"{d.Description}: the NIC did not start (STATUS.running is 0 after CTRL.enable)");
        // Frames or interrupts that arrive before the threads run wait for them in the rings.
        if (_o.HealthCheckInterval != Timeout.InfiniteTimeSpan)
            _nextHealthCheck = Environment.TickCount64 + (long)_o.HealthCheckInterval.TotalMilliseconds;
        _latencyPoller.Start();
        foreach (Poller p in _throughputPollers) p.Start();
        _control.Start();
    }

    private void EnableEventQueue(int q, ulong bus, int log)
    {
        Device.WriteRegister(Registers.EqBaseLo, (uint)bus);
        Device.WriteRegister(Registers.EqBaseHi, (uint)(bus >> 32));
        Device.WriteRegister(Registers.EqCmd, new EqCmdRegister { Eq = (byte)q, Log = (byte)log, Enable = true }.Value);
    }

    private void OnInterrupt(int vector)
    {
        if (vector == ControlEventQueue) _controlWake.Set();
        else if ((uint)vector < (uint)_pollerByEq.Length) _pollerByEq[vector]?.OnInterrupt();
    }

    private void StopThreadsAndFree()
    {
        _controlStop = true;
        _controlWake.Set();
        if (_control.IsAlive && Thread.CurrentThread != _control) _control.Join();
        _latencyPoller.Stop();
        foreach (Poller p in _throughputPollers) p.Stop();
        try { Device.SetInterruptHandler(null); } catch (ObjectDisposedException) { /* the device is gone already */ }
        foreach (Channel? ch in _table) ch?.FreeAllMemory();
        foreach (PendingOpen po in _pendingOpens.Values) po.Channel.FreeAllMemory();
        _latencyPoller.FreeMemory();
        foreach (Poller p in _throughputPollers) p.FreeMemory();
        _mgmtMem?.Dispose();
        _ctlEq.Dispose();
        Clock.Dispose();
    }

    // ---------------------------------------------------------------------------------------------
    // Device access helpers
    // ---------------------------------------------------------------------------------------------
    /// <summary>A register write from a driver thread: a dead device is reported, not thrown.</summary>
    internal void TryWrite(int address, uint value)
    {
        if (DeviceFailed) return;
        try
        {
            Device.WriteRegister((uint)address, value);
        }
        catch (Exception e) when (e is DeviceException or ObjectDisposedException)
        {
            ReportDeviceFailure(e);
        }
    }

    internal void ReportDeviceFailure(Exception e)
    {
        if (Interlocked.Exchange(ref _deviceFailed, 1) != 0) return;
        _deviceError = e;
        _controlWake.Set();
    }

    /// <summary>How long a channel command may stay busy on the wall clock whatever the device's clock says: only a
    /// device that no longer runs at all takes that long.</summary>
    private static readonly TimeSpan CommandWallGuard = TimeSpan.FromMinutes(2);

    /// <summary>Runs a CH_CMD command and waits until the NIC is no longer busy (at most CommandTimeout of device
    /// time; <see cref="CommandWallGuard"/> of wall time catches a device whose clock stopped); returns the result
    /// code. Caller holds _cmdLock.</summary>
    private ChannelCommandResult RunChannelCommand(int id, ChannelCommand command)
    {
        Device.WriteRegister(Registers.ChCmd, new ChCmdRegister { Channel = (ushort)id, Cmd = command }.Value);
        long deadline = Clock.GetTimestamp() + Clock.Ticks(_o.CommandTimeout);
        long wallDeadline = Environment.TickCount64 + (long)CommandWallGuard.TotalMilliseconds;
        for (int i = 0; ; i++)
        {
            var st = new ChCmdStatusRegister(Device.ReadRegister(Registers.ChCmdStatus));
            if (!st.Busy) return st.Result;
            if (Clock.GetTimestamp() > deadline)
                throw new DeviceException($"{Device.Description}: CH_CMD {command} for channel {id} stayed busy for {_o.CommandTimeout.TotalMilliseconds} ms of device time");
            if (Environment.TickCount64 > wallDeadline)
                throw new DeviceException($"{Device.Description}: CH_CMD {command} for channel {id} stayed busy for {CommandWallGuard.TotalSeconds} s of wall time (the device's clock no longer advances)");
            if (i > 16) Thread.Sleep(i > 64 ? 1 : 0);
        }
    }

    private static string CommandResult(ChannelCommandResult r) => r switch
    {
        ChannelCommandResult.Ok => "ok", ChannelCommandResult.BadChannel => "bad channel", ChannelCommandResult.BadState => "bad state",
        ChannelCommandResult.BadContext => "bad context", ChannelCommandResult.BadCommand => "bad command", _ => $"result {(int)r}",
    };

    /// <summary>Programs the channel's context into the NIC and opens it.</summary>
    private void OpenInNic(Channel ch)
    {
        lock (_cmdLock)
        {
            for (int attempt = 0; ; attempt++)
            {
                StageContext(ch);
                ChannelCommandResult r = RunChannelCommand(ch.Id, ChannelCommand.Open);
                if (r == ChannelCommandResult.Ok) break;
                if (r == ChannelCommandResult.BadState && attempt == 0)
                {
                    // Left open by an earlier user of the device: close it, then try again.
                    RunChannelCommand(ch.Id, ChannelCommand.Close);
                    continue;
                }
                throw new DeviceException($"{Device.Description}: opening channel {ch.Id} in the NIC failed ({CommandResult(r)})");
            }
            ch.NicOpen = true;
        }
    }

    private void StageContext(Channel ch)
    {
        INicDevice d = Device;
        d.WriteRegister(Registers.ChPeerMacLo, (uint)ch.Peer.Mac);
        d.WriteRegister(Registers.ChPeerMacHi, new ChPeerMacHiRegister { MacHi = (ushort)(ch.Peer.Mac >> 32) }.Value);
        d.WriteRegister(Registers.ChPeerIp, ch.Peer.Ip);
        d.WriteRegister(Registers.ChUdpSrc, new ChUdpSrcRegister { Port = ch.UdpPort }.Value);
        d.WriteRegister(Registers.ChPeerChan, new ChPeerChanRegister { PeerChan = ch.PeerChannel, Cls = (byte)ch.Class, Eq = (byte)ch.Poller.EventQueue }.Value);
        d.WriteRegister(Registers.ChTxRingLo, (uint)ch.TxRingBus);
        d.WriteRegister(Registers.ChTxRingHi, (uint)(ch.TxRingBus >> 32));
        d.WriteRegister(Registers.ChRxRingLo, (uint)ch.RxRingBus);
        d.WriteRegister(Registers.ChRxRingHi, (uint)(ch.RxRingBus >> 32));
        d.WriteRegister(Registers.ChCplRingLo, (uint)ch.CplRingBus);
        d.WriteRegister(Registers.ChCplRingHi, (uint)(ch.CplRingBus >> 32));
        d.WriteRegister(Registers.ChRingLog, new ChRingLogRegister { Tx = (byte)ch.TxLog, Rx = (byte)ch.RxLog, Cpl = (byte)ch.CplLog }.Value);
        d.WriteRegister(Registers.ChInitPsn, ch.LocalPsn);
        d.WriteRegister(Registers.ChPeerPsn, ch.PeerPsn);
        // Neither side posts receive buffers before the other side's channel is programmed (see the open
        // exchange), so the initial credit is 0: the first credit arrives with the peer's first credit update.
        // Written every time, as the staged register keeps whatever an earlier open or read back left in it.
        d.WriteRegister(Registers.ChTxCredit, 0);
    }

    /// <summary>Closes the channel in the NIC and returns its final completion producer index.</summary>
    private ushort CloseInNic(Channel ch)
    {
        lock (_cmdLock)
        {
            ChannelCommandResult r = RunChannelCommand(ch.Id, ChannelCommand.Close);
            if (r is not ChannelCommandResult.Ok and not ChannelCommandResult.BadState) throw new DeviceException($"{Device.Description}: closing channel {ch.Id} in the NIC failed ({CommandResult(r)})");
            ch.NicOpen = false;
            NicChannelCounters n = ReadBackLocked(ch.Id);
            ch.Counters.Nic = n;
            return n.CplProducer;
        }
    }

    internal NicChannelCounters ReadChannelCounters(Channel ch)
    {
        ObjectDisposedException.ThrowIf(IsDisposed, this);
        if (!ch.NicOpen) throw new InvalidOperationException($"channel {ch.Id} is not open in the NIC (its last counters are in Counters.Nic)");
        lock (_cmdLock)
        {
            NicChannelCounters n = ReadBackLocked(ch.Id);
            ch.Counters.Nic = n;
            return n;
        }
    }

    private NicChannelCounters ReadBackLocked(int id)
    {
        ChannelCommandResult r = RunChannelCommand(id, ChannelCommand.Read);
        if (r != ChannelCommandResult.Ok) throw new DeviceException($"{Device.Description}: reading channel {id} back failed ({CommandResult(r)})");
        INicDevice d = Device;
        var st = new ChRbStateRegister(d.ReadRegister(Registers.ChRbState));
        var txIdx = new ChRbTxIdxRegister(d.ReadRegister(Registers.ChRbTxIdx));
        var rxIdx = new ChRbRxIdxRegister(d.ReadRegister(Registers.ChRbRxIdx));
        var cplIdx = new ChRbCplIdxRegister(d.ReadRegister(Registers.ChRbCplIdx));
        return new NicChannelCounters
        {
            State = (int)st.State,
            FailReason = st.Why,
            TxProducer = txIdx.Prod,
            TxTaken = txIdx.Next,
            TxUnacked = d.ReadRegister(Registers.ChRbTxUna),
            TxNext = d.ReadRegister(Registers.ChRbTxNxt),
            TxCredit = d.ReadRegister(Registers.ChRbTxCredit),
            RxProducer = rxIdx.Prod,
            RxConsumed = rxIdx.Used,
            RxAck = d.ReadRegister(Registers.ChRbRxAck),
            CplProducer = cplIdx.Prod,
            CplConsumer = cplIdx.Cons,
            TxPackets = d.ReadRegister(Registers.ChRbTxPkts),
            Retransmits = d.ReadRegister(Registers.ChRbRetx),
            RxPackets = d.ReadRegister(Registers.ChRbRxPkts),
            Duplicates = d.ReadRegister(Registers.ChRbDup),
            Timeouts = d.ReadRegister(Registers.ChRbTimeouts),
        };
    }

    internal Channel? Lookup(int id) => (uint)id < (uint)_table.Length ? Volatile.Read(ref _table[id]) : null;

    // ---------------------------------------------------------------------------------------------
    // Diagnostics and metrics
    // ---------------------------------------------------------------------------------------------
    /// <summary>Bytes allocated by the driver's poller threads so far (diagnostics: flat in steady state).</summary>
    /// <summary>True when every poller thread sleeps for an interrupt (tests: the data path is quiet).</summary>
    internal bool PollersSleeping
    {
        get
        {
            if (!_latencyPoller.Sleeping) return false;
            foreach (Poller p in _throughputPollers) if (!p.Sleeping) return false;
            return true;
        }
    }

    internal long PollerAllocatedBytes
    {
        get
        {
            long n = _latencyPoller.AllocatedBytes;
            foreach (Poller p in _throughputPollers) n += p.AllocatedBytes;
            return n;
        }
    }

    internal int LatencyPollerThreadId => _latencyPoller.ThreadId;

    private void CreateInstruments()
    {
        var hostTag = new KeyValuePair<string, object?>("netchannel.host", MacAddress.FormatIpv4(_o.Ip));
        IEnumerable<Measurement<long>> Sum(Func<ChannelCounters, long> f)
        {
            foreach (Channel? ch in _table)
            {
                if (ch == null) continue;
                yield return new Measurement<long>(f(ch.Counters), hostTag,
                    new KeyValuePair<string, object?>("netchannel.channel", ch.Id),
                    new KeyValuePair<string, object?>("netchannel.class", ch.Class.ToString()));
            }
        }
        _meter.CreateObservableCounter("netchannel.channel.tx.messages", () => Sum(c => c.TxMessages), "{message}", "Messages the NIC completed successfully");
        _meter.CreateObservableCounter("netchannel.channel.tx.bytes", () => Sum(c => c.TxBytes), "By", "Payload bytes completed successfully");
        _meter.CreateObservableCounter("netchannel.channel.tx.errors", () => Sum(c => c.TxErrors), "{message}", "Messages completed with an error");
        _meter.CreateObservableCounter("netchannel.channel.rx.messages", () => Sum(c => c.RxMessages), "{message}", "Messages delivered");
        _meter.CreateObservableCounter("netchannel.channel.rx.bytes", () => Sum(c => c.RxBytes), "By", "Payload bytes delivered");
        _meter.CreateObservableCounter("netchannel.channel.rx.starvations", () => Sum(c => c.RxStarvations), "{event}", "Rx ring refills short of pool buffers");
        _meter.CreateObservableUpDownCounter("netchannel.channel.tx.queued", () =>
        {
            var list = new List<Measurement<long>>();
            foreach (Channel? ch in _table)
                if (ch != null) list.Add(new Measurement<long>(ch.QueuedMessages, hostTag, new KeyValuePair<string, object?>("netchannel.channel", ch.Id)));
            return list;
        }, "{message}", "Messages reserved or posted, not yet completed");
        _meter.CreateObservableUpDownCounter("netchannel.host.channels", () => (long)Channels.Count, "{channel}", "Open channels");
    }

    private static int CeilLog2(int n)
    {
        int l = 0;
        while ((1 << l) < n) l++;
        return l;
    }

    private static ulong RandomNonZero64()
    {
        Span<byte> b = stackalloc byte[8];
        ulong v;
        do
        {
            RandomNumberGenerator.Fill(b);
            v = BitConverter.ToUInt64(b);
        } while (v == 0);
        return v;
    }

    /// <summary>What the device's identification and capability registers say.</summary>
    internal readonly record struct DeviceCaps(int Channels, int MinRingLog, int MaxRingLog, int EventQueues, int MaxPayload)
    {
        public static DeviceCaps Read(INicDevice d)
        {
            uint magic = d.ReadRegister(Registers.IdMagic);
            if (magic != Spec.NicMagic)
                throw new DeviceException($"{d.Description}: not a NetChannel NIC (ID_MAGIC is 0x{magic:X8}, expected 0x{Spec.NicMagic:X8})");
            uint ver = new IdVersionRegister(d.ReadRegister(Registers.IdVersion)).Spec;
            if (ver != Spec.SpecVersion)
                throw new DeviceException($"{d.Description}: the NIC implements spec version {ver}; this driver speaks version {Spec.SpecVersion}");
            var rl = new CapRingLogRegister(d.ReadRegister(Registers.CapRingLog));
            return new DeviceCaps(
                (int)d.ReadRegister(Registers.CapChannels),
                rl.Min,
                rl.Max,
                (int)d.ReadRegister(Registers.CapEventQueues),
                new CapDatapathRegister(d.ReadRegister(Registers.CapDatapath)).MaxPayload);
        }

        public void Check(NicHostOptions o)
        {
            if (o.MaxChannels > Channels)
                throw new ArgumentOutOfRangeException(nameof(o.MaxChannels), o.MaxChannels, $"MaxChannels exceeds the device's {Channels} channels (CAP_CHANNELS)");
            int cpl = o.CplRingLog;
            foreach ((string name, int log) in new[] { (nameof(o.TxRingLog), o.TxRingLog), (nameof(o.RxRingLog), o.RxRingLog), ("completion ring log", cpl), (nameof(o.ManagementRingLog), o.ManagementRingLog), ("management completion ring log", o.ManagementRingLog + 1) })
                if (log < MinRingLog || log > MaxRingLog)
                    throw new ArgumentOutOfRangeException(name, log, $"{name} = {log} is outside the device's ring sizes (CAP_RING_LOG: {MinRingLog} to {MaxRingLog})");
            if (EventQueues < 2 + o.ThroughputPollers)
                throw new ArgumentOutOfRangeException(nameof(o.ThroughputPollers), o.ThroughputPollers, $"the device has {EventQueues} event queues; the host needs 2 + ThroughputPollers");
            if (o.MaxPayload > MaxPayload)
                throw new ArgumentOutOfRangeException(nameof(o.MaxPayload), o.MaxPayload, $"MaxPayload exceeds the device's {MaxPayload} bytes (CAP_DATAPATH)");
        }
    }
}
