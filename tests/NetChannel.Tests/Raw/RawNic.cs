using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Threading;
using NetChannel.Device;
using NetChannel.Device.Loopback;
using NetChannel.Device.Simulated;
using NetChannel.Wire;

namespace NetChannel.Tests.Raw;

// A raw ring driver for device-level tests: it programs any INicDevice register by register, exactly as
// docs/nic.md says (no NetChannel.Driver), so the same tests run against the loopback test device and the
// simulated NIC (libncsim). How the device's time passes while a test waits is the backend's business
// (DeviceTime): the loopback device runs on its own thread (wall clock), the simulated NICs are stepped.

/// <summary>How a test lets a device's time pass while it waits for something.</summary>
internal abstract class DeviceTime
{
    /// <summary>Lets the device run for one poll interval.</summary>
    public abstract void Pump();

    /// <summary>Lets the device do everything it would do in response to what the host did so far (round trips, acknowledgements).</summary>
    public abstract void Settle();

    /// <summary>The backend's clock in its own unit (ms or cycles).</summary>
    protected abstract long Now { get; }

    /// <summary>A wait's default budget in <see cref="Now"/> units.</summary>
    protected abstract long Budget { get; }

    /// <summary>The budget in words, for messages.</summary>
    public abstract string Describe(double scale);

    /// <summary>Pumps until <paramref name="condition"/> holds; false when the budget (default × <paramref name="scale"/>) runs out.</summary>
    public bool WaitUntil(Func<bool> condition, double scale = 1)
    {
        long end = Now + (long)(Budget * scale);
        while (true)
        {
            if (condition()) return true;
            if (Now >= end) return condition();
            Pump();
        }
    }

    /// <summary>Pumps until <paramref name="condition"/> holds; throws <see cref="TimeoutException"/> naming <paramref name="what"/> otherwise.</summary>
    public void Until(Func<bool> condition, string what, double scale = 1)
    {
        if (!WaitUntil(condition, scale)) throw new TimeoutException($"{what}: not within {Describe(scale)}");
    }
}

/// <summary>A device that runs on its own thread (the loopback pair): waiting is spinning on the wall clock;
/// settling is waiting until its engine has done everything asked of it (an idle pass after the call).</summary>
internal sealed class WallClockTime(LoopbackDevicePair pair) : DeviceTime
{
    private readonly Stopwatch _sw = Stopwatch.StartNew();

    public int BudgetMs { get; init; } = 60_000;   // a hang guard: every wait is for something that must happen

    public override void Pump() => Thread.Yield();

    public override void Settle()
    {
        long mark = pair.EnginePass;
        if (!SpinWait.SpinUntil(() => pair.QuiescentSince(mark), TestUtil.HangGuard))
            throw new TimeoutException($"the loopback engine did not go idle within {TestUtil.HangGuard}");
    }

    protected override long Now => _sw.ElapsedMilliseconds;

    protected override long Budget => BudgetMs;

    public override string Describe(double scale) => $"{BudgetMs * scale:0} ms";
}

/// <summary>A paused simulated system: the host acts between steps, so a run is cycle-exact and reproducible.</summary>
internal sealed class SteppedTime(SimulatedNicSystem sys) : DeviceTime
{
    /// <summary>Cycles per poll interval.</summary>
    public ulong StepCycles { get; set; } = 32;

    /// <summary>Cycles of <see cref="Settle"/>: several DMA and link round trips and ACK coalescing.</summary>
    public ulong SettleCycles { get; set; } = 20_000;

    /// <summary>A wait's default budget in cycles.</summary>
    public long BudgetCycles { get; init; } = 2_000_000;

    public override void Pump() => sys.Step(StepCycles);

    public override void Settle() => sys.Step(SettleCycles);

    protected override long Now => (long)sys.Cycles;

    protected override long Budget => BudgetCycles;

    public override string Describe(double scale) => $"{BudgetCycles * scale:0} simulated cycles";
}

/// <summary>An event queue in DMA memory, read by its phase bits.</summary>
internal sealed unsafe class RawEventQueue : IDisposable
{
    private readonly RawNic _nic;
    private readonly DmaRegion _mem;

    public RawEventQueue(RawNic nic, int queue, int log)
    {
        _nic = nic;
        Queue = queue;
        Log = log;
        _mem = nic.Dev.AllocateDma(Event.Size << log);
        nic.Write(Registers.EqBaseLo, (uint)_mem.BusAddress);
        nic.Write(Registers.EqBaseHi, (uint)(_mem.BusAddress >> 32));
        nic.Write(Registers.EqCmd, new EqCmdRegister { Eq = (byte)queue, Log = (byte)log, Enable = true }.Value);
    }

    public int Queue { get; }
    public int Log { get; }
    public int Cons;

    /// <summary>EQ_ARM with the consumer index: the next event raises the interrupt (at once if events wait).</summary>
    public void Arm() => _nic.Write(Registers.EqArm, new EqArmRegister { Eq = (byte)Queue, Cons = (ushort)Cons }.Value);

    public bool TryEvent(out Event ev)
    {
        byte* e = _mem.Pointer + (Cons & ((1 << Log) - 1)) * Event.Size;
        byte expected = ((Cons >> Log) & 1) == 0 ? Spec.PhaseBit : (byte)0;
        if ((Volatile.Read(ref e[Event.Size - 1]) & Spec.PhaseBit) != expected)
        {
            ev = default;
            return false;
        }
        ev = Event.Read(new ReadOnlySpan<byte>(e, Event.Size));
        Cons++;
        return true;
    }

    public List<Event> Drain()
    {
        var l = new List<Event>();
        while (TryEvent(out Event e)) l.Add(e);
        return l;
    }

    public void Dispose() => _mem.Dispose();
}

/// <summary>Programs a NIC register by register, exactly as docs/nic.md says (no driver).</summary>
internal sealed class RawNic : IDisposable
{
    public const int EqLog = 6;
    private readonly RawEventQueue _eq;
    private readonly List<RawEventQueue> _extraEqs = new();
    private readonly int[] _irqs = new int[256];
    private int _irqTotal, _irqSeen;

    /// <summary>Sets the local address, enables event queue 0, installs the interrupt handler and (unless told not to) enables the NIC.</summary>
    public RawNic(INicDevice dev, DeviceTime time, ulong mac, uint ip, bool filter = true, bool enable = true)
    {
        Dev = dev;
        Time = time;
        Mac = mac;
        Ip = ip;
        if (dev.ReadRegister(Registers.IdMagic) != Spec.NicMagic) throw new InvalidOperationException($"{dev.Description} is not a NetChannel NIC");
        dev.WriteRegister(Registers.MacLo, (uint)mac);
        dev.WriteRegister(Registers.MacHi, (uint)(mac >> 32));
        dev.WriteRegister(Registers.IpAddr, ip);
        _eq = new RawEventQueue(this, 0, EqLog);
        // The C# interrupt handler: it only counts (on the device's thread) — what a driver's handler does.
        dev.SetInterruptHandler(v =>
        {
            Interlocked.Increment(ref _irqs[v & 255]);
            Interlocked.Increment(ref _irqTotal);
        });
        if (enable) dev.WriteRegister(Registers.Ctrl, 1u | (filter ? 2u : 0u));
    }

    public INicDevice Dev { get; }
    public DeviceTime Time { get; }
    public ulong Mac { get; }
    public uint Ip { get; }

    /// <summary>Event queue 0.</summary>
    public RawEventQueue Eq => _eq;

    /// <summary>Enables another event queue (its interrupt vector is its number).</summary>
    public RawEventQueue AddEventQueue(int queue, int log = EqLog)
    {
        var q = new RawEventQueue(this, queue, log);
        _extraEqs.Add(q);
        return q;
    }

    /// <summary>Interrupts seen on <paramref name="vector"/> so far.</summary>
    public int Interrupts(int vector) => Volatile.Read(ref _irqs[vector]);

    /// <summary>Interrupts on every vector so far.</summary>
    public int InterruptsTotal => Volatile.Read(ref _irqTotal);

    /// <summary>Waits for an interrupt not yet waited for (any vector); false when none comes within the budget.</summary>
    public bool WaitInterrupt(double scale = 1)
    {
        bool got = Time.WaitUntil(() => InterruptsTotal > _irqSeen, scale);
        if (got) _irqSeen++;
        return got;
    }

    /// <summary>Forgets interrupts not yet waited for.</summary>
    public void SkipInterrupts() => _irqSeen = InterruptsTotal;

    public uint Read(int reg) => Dev.ReadRegister((uint)reg);

    public void Write(int reg, uint v) => Dev.WriteRegister((uint)reg, v);

    /// <summary>A 64-bit global counter (_LO snapshots, then _HI).</summary>
    public ulong Counter(int lo)
    {
        uint l = Read(lo);
        uint h = Read(lo + 4);
        return ((ulong)h << 32) | l;
    }

    /// <summary>A parser drop counter.</summary>
    public uint Drops(DropReason r) => Read(Registers.CntDropBase + 4 * (int)r);

    /// <summary>Runs a CH_CMD and returns its result code once not busy.</summary>
    public ChannelCommandResult Cmd(int channel, ChannelCommand command)
    {
        Write(Registers.ChCmd, new ChCmdRegister { Channel = (ushort)channel, Cmd = command }.Value);
        var st = new ChCmdStatusRegister(1);
        Time.Until(() => !(st = new ChCmdStatusRegister(Read(Registers.ChCmdStatus))).Busy, $"CH_CMD {command} of channel {channel} stayed busy");
        return st.Result;
    }

    public void ArmEq() => _eq.Arm();

    public bool TryEvent(out Event ev) => _eq.TryEvent(out ev);

    public List<Event> DrainEvents() => _eq.Drain();

    /// <summary>Waits until an event is in queue 0 (polling memory).</summary>
    public Event WaitEvent(double scale = 1)
    {
        Event got = default;
        Time.Until(() => _eq.TryEvent(out got), "no event arrived", scale);
        return got;
    }

    /// <summary>Stages a channel context and opens it; returns the CH_CMD result.</summary>
    /// <param name="credit">CH_TX_CREDIT: the Rx buffers the peer had posted when it agreed to the open.</param>
    public ChannelCommandResult Open(RawChannel ch, int peerChannel, ulong peerMac, uint peerIp, uint initPsn, uint peerPsn, int cls = 0, int eq = 0, ushort udp = 50000, uint credit = 0)
    {
        Write(Registers.ChPeerMacLo, (uint)peerMac);
        Write(Registers.ChPeerMacHi, (uint)(peerMac >> 32));
        Write(Registers.ChPeerIp, peerIp);
        Write(Registers.ChUdpSrc, udp);
        Write(Registers.ChPeerChan, new ChPeerChanRegister { PeerChan = (ushort)peerChannel, Cls = (byte)cls, Eq = (byte)eq }.Value);
        Write(Registers.ChTxRingLo, (uint)ch.TxRingBus);
        Write(Registers.ChTxRingHi, (uint)(ch.TxRingBus >> 32));
        Write(Registers.ChRxRingLo, (uint)ch.RxRingBus);
        Write(Registers.ChRxRingHi, (uint)(ch.RxRingBus >> 32));
        Write(Registers.ChCplRingLo, (uint)ch.CplRingBus);
        Write(Registers.ChCplRingHi, (uint)(ch.CplRingBus >> 32));
        Write(Registers.ChRingLog, new ChRingLogRegister { Tx = (byte)ch.TxLog, Rx = (byte)ch.RxLog, Cpl = (byte)ch.CplLog }.Value);
        Write(Registers.ChInitPsn, initPsn);
        Write(Registers.ChPeerPsn, peerPsn);
        Write(Registers.ChTxCredit, credit);
        ChannelCommandResult r = Cmd(ch.Id, ChannelCommand.Open);
        if (r == ChannelCommandResult.Ok)
        {
            ch.InitPsn = initPsn;
            ch.PeerPsn = peerPsn;
        }
        return r;
    }

    public void Dispose()
    {
        Dev.SetInterruptHandler(null);
        _eq.Dispose();
        foreach (RawEventQueue q in _extraEqs) q.Dispose();
    }
}

/// <summary>A channel's rings and buffers in DMA memory, driven by hand.</summary>
internal sealed unsafe class RawChannel : IDisposable
{
    public const int BufBytes = 9024;
    private readonly DmaRegion _mem;
    private readonly RawNic _nic;

    public RawChannel(RawNic nic, int id, int txLog = 3, int rxLog = 3, int cplLog = -1, int rxBufBytes = BufBytes)
    {
        _nic = nic;
        Id = id;
        TxLog = txLog;
        RxLog = rxLog;
        CplLog = cplLog < 0 ? Math.Max(txLog, rxLog) + 1 : cplLog;
        RxBufBytes = rxBufBytes;
        int tx = Align(32 << TxLog), rx = Align(16 << RxLog), cpl = Align(32 << CplLog);
        int txBufs = BufBytes << TxLog, rxBufs = Align(rxBufBytes) << RxLog;
        _mem = nic.Dev.AllocateDma(tx + rx + cpl + txBufs + rxBufs);
        TxRingBus = _mem.BusAddress;
        RxRingBus = TxRingBus + (ulong)tx;
        CplRingBus = RxRingBus + (ulong)rx;
        TxBufsBus = CplRingBus + (ulong)cpl;
        RxBufsBus = TxBufsBus + (ulong)txBufs;
    }

    private static int Align(int n) => (n + 63) & ~63;

    public RawNic Nic => _nic;
    public int Id { get; }
    public int TxLog { get; }
    public int RxLog { get; }
    public int CplLog { get; }
    public int TxSize => 1 << TxLog;
    public int RxSize => 1 << RxLog;
    public int RxBufBytes { get; }
    public ulong TxRingBus { get; }
    public ulong RxRingBus { get; }
    public ulong CplRingBus { get; }
    public ulong TxBufsBus { get; }
    public ulong RxBufsBus { get; }
    public uint InitPsn { get; set; }
    public uint PeerPsn { get; set; }
    public int TxProd, RxProd, CplCons;
    public DmaRegion Memory => _mem;

    /// <summary>Offset of a bus address inside <see cref="Memory"/>.</summary>
    public int Offset(ulong bus) => checked((int)(bus - _mem.BusAddress));

    private static byte* P(ulong bus) => (byte*)bus;

    public ulong TxBufferBus(int index) => TxBufsBus + (ulong)((index & ((1 << TxLog) - 1)) * BufBytes);

    public Span<byte> TxBuffer(int index) => new(P(TxBufferBus(index)), BufBytes);

    public ulong RxBufferBus(int index) => RxBufsBus + (ulong)((index & ((1 << RxLog) - 1)) * Align(RxBufBytes));

    public Span<byte> RxBuffer(int index) => new(P(RxBufferBus(index)), Align(RxBufBytes));

    /// <summary>Writes a Tx descriptor at the producer index (no doorbell).</summary>
    public void PutTx(TxDescriptor d)
    {
        d.Write(new Span<byte>(P(TxRingBus + (ulong)((TxProd & ((1 << TxLog) - 1)) * 32)), 32));
        TxProd++;
    }

    /// <summary>A valid DATA descriptor for <paramref name="payload"/> copied into the slot buffer.</summary>
    public TxDescriptor Data(ReadOnlySpan<byte> payload, ushort tag = 0, NetChannelType type = NetChannelType.Data, uint seq = 0)
    {
        payload.CopyTo(TxBuffer(TxProd));
        return new TxDescriptor
        {
            Addr = TxBufferBus(TxProd),
            Len = (uint)payload.Length,
            Tag = tag,
            SrcPort = 1111,
            DstPort = 2222,
            Seq = seq,
            Grant = 0xABCD,
            MsgType = type,
        };
    }

    public void Send(ReadOnlySpan<byte> payload, ushort tag = 0, uint seq = 0)
    {
        PutTx(Data(payload, tag, NetChannelType.Data, seq));
        RingTx();
    }

    public void RingTx() => _nic.Write(Registers.DbTx, new DbTxRegister { Channel = (ushort)Id, Prod = (ushort)TxProd }.Value);

    /// <summary>Posts <paramref name="n"/> Rx buffers (tag = ring index) and rings DB_RX.</summary>
    public void PostRx(int n, uint len = 0)
    {
        for (int i = 0; i < n; i++) PutRx(new RxDescriptor { Addr = RxBufferBus(RxProd), Len = len == 0 ? (uint)RxBufBytes : len, Tag = (ushort)RxProd });
        RingRx();
    }

    public void PutRx(RxDescriptor r)
    {
        r.Write(new Span<byte>(P(RxRingBus + (ulong)((RxProd & ((1 << RxLog) - 1)) * 16)), 16));
        RxProd++;
    }

    public void RingRx() => _nic.Write(Registers.DbRx, new DbRxRegister { Channel = (ushort)Id, Prod = (ushort)RxProd }.Value);

    public bool TryCompletion(out Completion c)
    {
        byte* e = P(CplRingBus + (ulong)((CplCons & ((1 << CplLog) - 1)) * 32));
        byte expected = ((CplCons >> CplLog) & 1) == 0 ? Spec.PhaseBit : (byte)0;
        if ((Volatile.Read(ref e[31]) & Spec.PhaseBit) != expected)
        {
            c = default;
            return false;
        }
        c = Completion.Read(new ReadOnlySpan<byte>(e, 32));
        CplCons++;
        return true;
    }

    public Completion WaitCompletion(double scale = 1)
    {
        Completion got = default;
        _nic.Time.Until(() => TryCompletion(out got), $"channel {Id} of {_nic.Dev.Description}: no completion arrived", scale);
        return got;
    }

    /// <summary>True when no completion is in the ring after the device has settled.</summary>
    public bool NoCompletionAfterSettling()
    {
        _nic.Time.Settle();
        return !HasCompletion;
    }

    /// <summary>True when the next completion is in the ring (not consumed).</summary>
    public bool HasCompletion
    {
        get
        {
            byte* e = P(CplRingBus + (ulong)((CplCons & ((1 << CplLog) - 1)) * 32));
            byte expected = ((CplCons >> CplLog) & 1) == 0 ? Spec.PhaseBit : (byte)0;
            return (Volatile.Read(ref e[31]) & Spec.PhaseBit) == expected;
        }
    }

    /// <summary>Every completion in the ring now.</summary>
    public List<Completion> DrainCompletions()
    {
        var l = new List<Completion>();
        while (TryCompletion(out Completion c)) l.Add(c);
        return l;
    }

    public void DbCpl(bool arm) => _nic.Write(Registers.DbCpl, new DbCplRegister { Channel = (ushort)Id, Arm = arm, Cons = (ushort)CplCons }.Value);

    public void Dispose() => _mem.Dispose();
}

/// <summary>A management queue pair driven by hand.</summary>
internal sealed unsafe class RawMgmt : IDisposable
{
    private readonly RawNic _nic;
    private readonly DmaRegion _mem;
    private readonly int _log, _buf;
    private readonly ulong _tx, _rx, _cpl, _txBufs, _rxBufs;
    private int _txProd, _rxProd, _cplCons;

    /// <param name="nic">The NIC.</param>
    /// <param name="log">log2 of the Tx and Rx ring sizes (the completion ring is twice as large).</param>
    /// <param name="bufferBytes">Bytes per Tx and Rx buffer (a frame needs 128 + payload).</param>
    public RawMgmt(RawNic nic, int log, int bufferBytes = 1024)
    {
        _nic = nic;
        _log = log;
        _buf = (bufferBytes + 63) & ~63;
        int n = 1 << log;
        _mem = nic.Dev.AllocateDma(n * 32 + n * 16 + 2 * n * 32 + 2 * n * _buf + 64);
        _tx = _mem.BusAddress;
        _rx = _tx + (ulong)(n * 32);
        _cpl = _rx + (ulong)((n * 16 + 63) & ~63);
        _txBufs = _cpl + (ulong)(2 * n * 32);
        _rxBufs = _txBufs + (ulong)(n * _buf);
        nic.Write(Registers.MgmtTxRingLo, (uint)_tx); nic.Write(Registers.MgmtTxRingHi, (uint)(_tx >> 32));
        nic.Write(Registers.MgmtRxRingLo, (uint)_rx); nic.Write(Registers.MgmtRxRingHi, (uint)(_rx >> 32));
        nic.Write(Registers.MgmtCplRingLo, (uint)_cpl); nic.Write(Registers.MgmtCplRingHi, (uint)(_cpl >> 32));
        nic.Write(Registers.MgmtRingLog, new MgmtRingLogRegister { Tx = (byte)log, Rx = (byte)log, Cpl = (byte)(log + 1) }.Value);
        nic.Write(Registers.MgmtCtrl, 1);
    }

    public ulong TxBufferBus(int i) => _txBufs + (ulong)((i & ((1 << _log) - 1)) * _buf);

    public ulong RxBufferBus(int i) => _rxBufs + (ulong)((i & ((1 << _log) - 1)) * _buf);

    public Span<byte> RxBuffer(int i) => new((byte*)RxBufferBus(i), _buf);

    /// <summary>Writes the header at offset 0 and the payload at 128 of the next Tx buffer and sends it.</summary>
    public void Send(in FrameHeader h, ReadOnlySpan<byte> payload, ushort tag)
    {
        byte* buf = (byte*)TxBufferBus(_txProd);
        h.Write(new Span<byte>(buf, FrameHeader.Size));
        payload.CopyTo(new Span<byte>(buf + 128, payload.Length));
        SendRaw(new TxDescriptor { Addr = (ulong)buf, Len = (uint)payload.Length, Tag = tag });
    }

    /// <summary>Writes <paramref name="d"/> as it is at the Tx producer index and rings MGMT_DB_TX.</summary>
    public void SendRaw(TxDescriptor d)
    {
        d.Write(new Span<byte>((byte*)(_tx + (ulong)((_txProd & ((1 << _log) - 1)) * 32)), 32));
        _txProd++;
        _nic.Write(Registers.MgmtDbTx, (ushort)_txProd);
    }

    /// <summary>Posts <paramref name="n"/> Rx buffers (tag = ring slot) and rings MGMT_DB_RX.</summary>
    public void PostRx(int n, uint len = 0)
    {
        for (int i = 0; i < n; i++) PutRx(new RxDescriptor { Addr = RxBufferBus(_rxProd), Len = len == 0 ? (uint)_buf : len, Tag = (ushort)(_rxProd & ((1 << _log) - 1)) });
        _nic.Write(Registers.MgmtDbRx, (ushort)_rxProd);
    }

    /// <summary>Writes <paramref name="r"/> as it is at the Rx producer index and rings MGMT_DB_RX.</summary>
    public void PostRaw(RxDescriptor r)
    {
        PutRx(r);
        _nic.Write(Registers.MgmtDbRx, (ushort)_rxProd);
    }

    private void PutRx(RxDescriptor r)
    {
        r.Write(new Span<byte>((byte*)(_rx + (ulong)((_rxProd & ((1 << _log) - 1)) * 16)), 16));
        _rxProd++;
    }

    private bool TryCompletion(out Completion c)
    {
        int log = _log + 1;
        byte* e = (byte*)(_cpl + (ulong)((_cplCons & ((1 << log) - 1)) * 32));
        byte expected = ((_cplCons >> log) & 1) == 0 ? Spec.PhaseBit : (byte)0;
        if ((Volatile.Read(ref e[31]) & Spec.PhaseBit) != expected)
        {
            c = default;
            return false;
        }
        _cplCons++;
        _nic.Write(Registers.MgmtDbCpl, (ushort)_cplCons);
        c = Completion.Read(new ReadOnlySpan<byte>(e, 32));
        return true;
    }

    public Completion WaitCompletion(double scale = 1)
    {
        Completion got = default;
        _nic.Time.Until(() => TryCompletion(out got), "no management completion", scale);
        return got;
    }

    /// <summary>True when no management completion arrives while the device settles.</summary>
    public bool NoCompletionAfterSettling()
    {
        _nic.Time.Settle();
        int log = _log + 1;
        byte* e = (byte*)(_cpl + (ulong)((_cplCons & ((1 << log) - 1)) * 32));
        byte expected = ((_cplCons >> log) & 1) == 0 ? Spec.PhaseBit : (byte)0;
        return (Volatile.Read(ref e[31]) & Spec.PhaseBit) != expected;
    }

    public void Dispose() => _mem.Dispose();
}
