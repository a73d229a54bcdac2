using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Threading;
using NetChannel.Wire;
using C = NetChannel.Wire.NicCounter;
using ChState = NetChannel.Wire.NicChannelState;

namespace NetChannel.Device.Loopback;

// The device's state and behaviour. Everything in this file runs on the pair's engine thread only.
// The reference for every rule here is docs/nic.md and, where it is silent, the RTL NIC as built
// (hw/rtl, exercised by tests/rtl/tb_nic.cpp); docs/host-runtime.md lists what the loopback models.
public sealed unsafe partial class LoopbackDevice
{
    // A channel's state and the global counters are the spec's (NicChannelState, NicCounter: CNT_BASE + 8 i).
    private static readonly int CounterCount = Enum.GetValues<C>().Length;

    /// <summary>Descriptors one transmit turn of a channel takes at most (the RTL takes 4, MAX_BATCH).</summary>
    private const int TransmitBatch = 16;

    /// <summary>ERROR event data[7:0]: a completion found its ring full.</summary>
    private const uint ErrorCplOverflow = 1;

    private readonly uint[] _regs = new uint[RegisterSpaceBytes / 4];
    private readonly DmaMap _map = new();
    private readonly Ch[] _channels;
    private readonly IntQueue _readyLatency, _readyThroughput;
    private readonly int[] _timers;
    private int _timerCount;
    private readonly Eq[] _eqs;
    private readonly bool[] _irqPending;
    private readonly int[] _irqList;
    private int _irqCount;
    private readonly ulong[] _cnt = new ulong[CounterCount];
    private readonly uint[] _cntSnapHi = new uint[CounterCount];
    private readonly uint[] _drops = new uint[Registers.CntDropBaseCount];
    private readonly uint[] _rb = new uint[(Registers.ChRbTimeouts - Registers.ChRbState) / 4 + 1];
    private readonly Mgmt _mg = new();
    private readonly byte[] _frame = new byte[Spec.MaxFrameBytes];

    internal bool PoweredOff;
    internal bool LinkUp = true;
    private bool _enabled, _filter;
    private ulong _mac;
    private uint _ip;
    private uint _rtoCycles, _retryLimit;

    private bool _cmdBusy;
    private ChCmdRegister _cmd;
    private Context _cmdCtx;
    private ChannelCommandResult _cmdResult;

    // ---------------------------------------------------------------------------------------------
    // Register access
    // ---------------------------------------------------------------------------------------------
    private void ResetRegisters()
    {
        // Every read-write register's reset value, as the spec gives it (RegisterMap).
        foreach (RegisterInfo r in RegisterMap.All)
            if (r.Access == RegisterAccess.ReadWrite && r.Reset is uint v)
                for (int i = 0; i < r.Count; i++) Reg(r.Address + 4 * i) = v;
        _rtoCycles = Reg(Registers.RtoCycles);
        _retryLimit = new RetryLimitRegister(Reg(Registers.RetryLimit)).Limit;
    }

    /// <summary>The bits of each read-write register its fields occupy (the rest read 0), by address.</summary>
    private static readonly Dictionary<int, uint> WritableMask = BuildWritableMask();

    private static Dictionary<int, uint> BuildWritableMask()
    {
        var m = new Dictionary<int, uint>();
        foreach (RegisterInfo r in RegisterMap.All)
            if (r.Access == RegisterAccess.ReadWrite)
                for (int i = 0; i < r.Count; i++) m[r.Address + 4 * i] = r.Mask;
        return m;
    }

    private ref uint Reg(int address) => ref _regs[address >> 2];

    internal uint ApplyRead(uint a)
    {
        int address = (int)a;
        switch (address)
        {
            case Registers.IdMagic: return Spec.NicMagic;
            case Registers.IdVersion: return new IdVersionRegister { Spec = Spec.SpecVersion, Rtl = RevisionLoopback }.Value;
            case Registers.IdBuild: return _options.BuildId;
            case Registers.CapChannels: return (uint)_options.Channels;
            case Registers.CapRingLog: return new CapRingLogRegister { Max = (byte)_options.MaxRingLog, Min = (byte)_options.MinRingLog }.Value;
            case Registers.CapDatapath: return new CapDatapathRegister { WidthBits = 8 * Spec.AxisDataBytes, MaxPayload = Spec.MaxPayloadBytes }.Value;
            case Registers.CapEventQueues: return (uint)_options.EventQueues;
            case Registers.CapTransport: return new CapTransportRegister { Window = (byte)TransmitWindow, SackBits = Spec.SackWindow }.Value;
            case Registers.Status: return new StatusRegister { Running = _enabled, LinkUp = LinkUp && !Peer.PoweredOff }.Value;
            case Registers.ChCmdStatus: return new ChCmdStatusRegister { Busy = _cmdBusy, Result = _cmdResult }.Value;
            case Registers.ChCmd: case Registers.DbTx: case Registers.DbRx: case Registers.DbCpl: case Registers.EqArm:
            case Registers.EqCmd: case Registers.MgmtDbTx: case Registers.MgmtDbRx: case Registers.MgmtDbCpl:
                return 0; // write-only
        }
        if (address >= Registers.ChRbState && address <= Registers.ChRbTimeouts) return _rb[(address - Registers.ChRbState) >> 2];
        if (address >= Registers.CntBase && address < Registers.CntBase + 8 * CounterCount)
        {
            int i = (address - Registers.CntBase) >> 3;
            if ((address & 4) == 0)
            {
                ulong v = _cnt[i];
                _cntSnapHi[i] = (uint)(v >> 32);
                return (uint)v;
            }
            return _cntSnapHi[i];
        }
        if (address >= Registers.CntDropBase && address < Registers.CntDropBase + 4 * Registers.CntDropBaseCount)
            return _drops[(address - Registers.CntDropBase) >> 2];
        return _regs[address >> 2];
    }

    internal void ApplyWrite(uint a, uint v)
    {
        if (PoweredOff) return;
        int address = (int)a;
        switch (address)
        {
            case Registers.ChCmd: StartCommand(new ChCmdRegister(v)); return;
            case Registers.DbTx: { var d = new DbTxRegister(v); DoorbellTx(d.Channel, d.Prod); return; }
            case Registers.DbRx: { var d = new DbRxRegister(v); DoorbellRx(d.Channel, d.Prod); return; }
            case Registers.DbCpl: { var d = new DbCplRegister(v); DoorbellCpl(d.Channel, d.Arm, d.Cons); return; }
            case Registers.EqArm: { var d = new EqArmRegister(v); ArmEventQueue(d.Eq, d.Cons); return; }
            case Registers.EqCmd: EventQueueCommand(new EqCmdRegister(v)); return;
            case Registers.MgmtDbTx: MgmtDoorbellTx(new MgmtDbTxRegister(v).Prod); return;
            case Registers.MgmtDbRx: MgmtDoorbellRx(new MgmtDbRxRegister(v).Prod); return;
            case Registers.MgmtDbCpl: { var d = new MgmtDbCplRegister(v); MgmtDoorbellCpl(d.Cons, d.Arm); return; }
            case Registers.MgmtCtrl: MgmtControl(new MgmtCtrlRegister(v & MgmtCtrlRegister.Mask)); return;
        }
        // Everything else that is read-write keeps the bits of its fields; read-only and unknown addresses
        // ignore writes, as hardware does.
        if (!WritableMask.TryGetValue(address, out uint mask)) return;
        Reg(address) = v & mask;
        switch (address)
        {
            case Registers.Ctrl:
                var c = new CtrlRegister(Reg(address));
                bool was = _enabled;
                _enabled = c.Enable;
                _filter = c.Filter;
                if (_enabled && !was)
                    foreach (Ch ch in _channels) MaybeReady(ch);
                return;
            case Registers.MacLo: case Registers.MacHi:
                _mac = ((ulong)new MacHiRegister(Reg(Registers.MacHi)).MacHi << 32) | Reg(Registers.MacLo);
                return;
            case Registers.IpAddr: _ip = Reg(address); return;
            case Registers.RtoCycles: _rtoCycles = Reg(address); return;
            case Registers.RetryLimit: _retryLimit = new RetryLimitRegister(Reg(address)).Limit; return;
        }
    }

    internal void ApplyMap(LoopbackDmaRegion r)
    {
        if (!r.IsDisposed) _map.Add(r.BusAddress, r.Length);
    }

    internal void ApplyUnmap(LoopbackDmaRegion r) => _map.Remove(r.BusAddress);

    internal void ApplyPowerOff()
    {
        PoweredOff = true;
        _enabled = false;
        _irqCount = 0;
        _map.Clear();
    }

    internal void OnLinkRestored() { /* frames in flight are retransmitted by their timers; nothing else to do */ }

    // ---------------------------------------------------------------------------------------------
    // Channel commands
    // ---------------------------------------------------------------------------------------------
    private struct Context
    {
        public ulong PeerMac;
        public uint PeerIp;
        public ushort UdpSrc, PeerChan;
        public byte Class, Eq;
        public ulong TxBase, RxBase, CplBase;
        public int TxLog, RxLog, CplLog;
        public uint InitPsn, PeerPsn, TxCredit;
    }

    private void StartCommand(ChCmdRegister v)
    {
        if (_cmdBusy) RunCommands(); // a command written while one is pending: finish that one first
        _cmd = v;
        _cmdBusy = true;
        var pc = new ChPeerChanRegister(Reg(Registers.ChPeerChan));
        var logs = new ChRingLogRegister(Reg(Registers.ChRingLog));
        _cmdCtx = new Context
        {
            PeerMac = ((ulong)new ChPeerMacHiRegister(Reg(Registers.ChPeerMacHi)).MacHi << 32) | Reg(Registers.ChPeerMacLo),
            PeerIp = Reg(Registers.ChPeerIp),
            UdpSrc = new ChUdpSrcRegister(Reg(Registers.ChUdpSrc)).Port,
            PeerChan = pc.PeerChan,
            Class = pc.Cls,
            Eq = pc.Eq,
            TxBase = ((ulong)Reg(Registers.ChTxRingHi) << 32) | Reg(Registers.ChTxRingLo),
            RxBase = ((ulong)Reg(Registers.ChRxRingHi) << 32) | Reg(Registers.ChRxRingLo),
            CplBase = ((ulong)Reg(Registers.ChCplRingHi) << 32) | Reg(Registers.ChCplRingLo),
            TxLog = logs.Tx,
            RxLog = logs.Rx,
            CplLog = logs.Cpl,
            InitPsn = Reg(Registers.ChInitPsn),
            PeerPsn = Reg(Registers.ChPeerPsn),
            TxCredit = Reg(Registers.ChTxCredit),
        };
    }

    /// <summary>
    /// Executes a pending CH_CMD (one engine pass after it was written, so CH_CMD_STATUS reads busy at least
    /// once). A close writes every flush completion before it reports not busy, as the RTL does.
    /// </summary>
    internal bool RunCommands()
    {
        if (!_cmdBusy || PoweredOff) return false;
        _cmdBusy = false;
        int id = _cmd.Channel;
        ChannelCommand cmd = _cmd.Cmd;
        if (id >= _channels.Length) { _cmdResult = ChannelCommandResult.BadChannel; return true; }
        if (cmd is not (ChannelCommand.Open or ChannelCommand.Close or ChannelCommand.Read)) { _cmdResult = ChannelCommandResult.BadCommand; return true; }
        Ch ch = _channels[id];
        switch (cmd)
        {
            case ChannelCommand.Open:
                if (!ContextValid(in _cmdCtx)) { _cmdResult = ChannelCommandResult.BadContext; return true; }
                if (ch.State != ChState.Closed) { _cmdResult = ChannelCommandResult.BadState; return true; }
                Open(ch, in _cmdCtx);
                break;
            case ChannelCommand.Close:
                if (ch.State == ChState.Closed) { _cmdResult = ChannelCommandResult.BadState; return true; }
                Close(ch);
                break;
            case ChannelCommand.Read:
                ReadBack(ch);
                break;
        }
        _cmdResult = ChannelCommandResult.Ok;
        return true;
    }

    private bool ContextValid(in Context c)
    {
        bool RingOk(ulong b, int log) => b != 0 && (b & 63) == 0 && log >= _options.MinRingLog && log <= _options.MaxRingLog;
        if (!RingOk(c.TxBase, c.TxLog) || !RingOk(c.RxBase, c.RxLog) || !RingOk(c.CplBase, c.CplLog)) return false;
        if ((1L << c.CplLog) < (1L << c.TxLog) + (1L << c.RxLog)) return false;
        if (c.Eq >= _eqs.Length || c.Class > 1) return false;
        return true;
    }

    private void Open(Ch ch, in Context c)
    {
        ch.PeerMac = c.PeerMac; ch.PeerIp = c.PeerIp; ch.UdpSrc = c.UdpSrc; ch.PeerChan = c.PeerChan;
        ch.Class = c.Class; ch.TxBase = c.TxBase; ch.RxBase = c.RxBase;
        ch.TxLog = c.TxLog; ch.RxLog = c.RxLog; ch.InitPsn = c.InitPsn; ch.PeerPsn = c.PeerPsn;
        ch.TxCreditInit = c.TxCredit;
        ch.Cq.Reset(c.CplBase, c.CplLog, c.Eq, (ushort)ch.Id);
        ch.Info ??= new TxInfo[TransmitWindow]; // once per channel, never per packet
        ch.TxProd = ch.TxTaken = ch.TxAcked = 0;
        ch.RxProd = ch.RxCons = 0;
        ch.TxNxt = ch.TxUna = c.InitPsn;
        ch.LastCredit = c.InitPsn + c.TxCredit; // the credit the peer granted before the open (CH_TX_CREDIT)
        ch.RxAck = c.PeerPsn;
        ch.VoidsRecv = ch.RxPostedTotal = 0;
        ch.CreditStalled = ch.TimerArmed = false;
        ch.Retries = 0;
        ch.TxPkts = ch.Retx = ch.RxPkts = ch.Dup = ch.Timeouts = 0;
        ch.FailWhy = CompletionStatus.Ok;
        ch.State = ChState.Open;
    }

    private void Close(Ch ch)
    {
        if (ch.State == ChState.Open)
        {
            FlushTx(ch, CompletionStatus.ChannelDown);
            FlushRx(ch);
        }
        ch.State = ChState.Closed;
        ch.CreditStalled = ch.TimerArmed = false;
    }

    private void Fail(Ch ch, CompletionStatus why)
    {
        if (ch.State != ChState.Open) return;
        Count(C.ChFailed);
        FlushTx(ch, why);
        FlushRx(ch);
        ch.State = ChState.Failed;
        ch.FailWhy = why;
        ch.CreditStalled = ch.TimerArmed = false;
        WriteEvent(ch.Cq.Eq, EventType.Channel, (ushort)ch.Id, new ChRbStateRegister { State = ChState.Failed, Why = why }.Value);
    }

    private void ReadBack(Ch ch)
    {
        if (ch.State == ChState.Open) RefreshCredit(ch);
        Reg(Registers.ChPeerMacLo) = (uint)ch.PeerMac;
        Reg(Registers.ChPeerMacHi) = new ChPeerMacHiRegister { MacHi = (ushort)(ch.PeerMac >> 32) }.Value;
        Reg(Registers.ChPeerIp) = ch.PeerIp;
        Reg(Registers.ChUdpSrc) = new ChUdpSrcRegister { Port = ch.UdpSrc }.Value;
        Reg(Registers.ChPeerChan) = new ChPeerChanRegister { PeerChan = ch.PeerChan, Cls = ch.Class, Eq = (byte)ch.Cq.Eq }.Value;
        Reg(Registers.ChTxRingLo) = (uint)ch.TxBase; Reg(Registers.ChTxRingHi) = (uint)(ch.TxBase >> 32);
        Reg(Registers.ChRxRingLo) = (uint)ch.RxBase; Reg(Registers.ChRxRingHi) = (uint)(ch.RxBase >> 32);
        Reg(Registers.ChCplRingLo) = (uint)ch.Cq.Base; Reg(Registers.ChCplRingHi) = (uint)(ch.Cq.Base >> 32);
        Reg(Registers.ChRingLog) = new ChRingLogRegister { Tx = (byte)ch.TxLog, Rx = (byte)ch.RxLog, Cpl = (byte)ch.Cq.Log }.Value;
        Reg(Registers.ChInitPsn) = ch.InitPsn;
        Reg(Registers.ChPeerPsn) = ch.PeerPsn;
        Reg(Registers.ChTxCredit) = ch.TxCreditInit;
        Rb(Registers.ChRbState) = new ChRbStateRegister { State = ch.State, Why = ch.FailWhy }.Value;
        Rb(Registers.ChRbTxIdx) = new ChRbTxIdxRegister { Prod = ch.TxProd, Next = ch.TxTaken }.Value;
        Rb(Registers.ChRbTxUna) = ch.TxUna;
        Rb(Registers.ChRbTxNxt) = ch.TxNxt;
        Rb(Registers.ChRbTxCredit) = ch.LastCredit;
        Rb(Registers.ChRbRxIdx) = new ChRbRxIdxRegister { Prod = ch.RxProd, Used = ch.RxCons }.Value;
        Rb(Registers.ChRbRxAck) = ch.RxAck;
        Rb(Registers.ChRbCplIdx) = new ChRbCplIdxRegister { Prod = ch.Cq.Prod, Cons = ch.Cq.Cons }.Value;
        Rb(Registers.ChRbTxPkts) = ch.TxPkts;
        Rb(Registers.ChRbRetx) = ch.Retx;
        Rb(Registers.ChRbRxPkts) = ch.RxPkts;
        Rb(Registers.ChRbDup) = ch.Dup;
        Rb(Registers.ChRbTimeouts) = ch.Timeouts;
    }

    private ref uint Rb(int address) => ref _rb[(address - Registers.ChRbState) >> 2];

    // ---------------------------------------------------------------------------------------------
    // Doorbells and arming
    // ---------------------------------------------------------------------------------------------
    // A producer index is acceptable when it is at most a ring ahead of what the device has not finished
    // with (Tx: the oldest unacknowledged descriptor and the next one to take; Rx: the next buffer to use)
    // and not behind the previous doorbell.
    private static bool Within(ushort index, ushort from, int log) => (ushort)(index - from) <= (1 << log);

    private void DoorbellTx(int id, ushort prod)
    {
        if (id >= _channels.Length || _channels[id].State != ChState.Open) { Count(C.BadDoorbell); return; }
        Ch ch = _channels[id];
        if (!Within(prod, ch.TxAcked, ch.TxLog) || !Within(prod, ch.TxTaken, ch.TxLog) || !Within(prod, ch.TxProd, ch.TxLog))
        {
            Count(C.BadDoorbell);
            return;
        }
        ch.TxProd = prod;
        if (ch.Avail == 0) return;
        if (!HasCredit(ch)) RefreshCredit(ch);
        if (!HasCredit(ch))
        {
            // A doorbell that found no credit for its descriptors (nc_tx_ctrl TXOP_DB). With nothing in flight
            // the retransmission timer runs as a persist timer (credit probes), restarted by every such doorbell.
            Count(C.CreditStall);
            if (ch.InFlight == 0)
            {
                ch.CreditStalled = true;
                ArmTimer(ch, Stopwatch.GetTimestamp() + RtoTicks(ch));
            }
            return;
        }
        MaybeReady(ch);
    }

    private void DoorbellRx(int id, ushort prod)
    {
        if (id >= _channels.Length || _channels[id].State != ChState.Open) { Count(C.BadDoorbell); return; }
        Ch ch = _channels[id];
        if (!Within(prod, ch.RxCons, ch.RxLog) || !Within(prod, ch.RxProd, ch.RxLog)) { Count(C.BadDoorbell); return; }
        if (prod == ch.RxProd) return;
        ch.RxPostedTotal += (ushort)(prod - ch.RxProd);
        ch.RxProd = prod;
        // Posting buffers sends a credit update at once: the sending channel learns the new credit.
        Ch? s = PeerOf(ch);
        if (s != null) Peer.OnCreditUpdate(s, ch.Credit);
    }

    /// <summary>A credit update from the peer reached channel <paramref name="ch"/> of this device.</summary>
    private void OnCreditUpdate(Ch ch, uint credit)
    {
        if ((int)(credit - ch.LastCredit) <= 0) return; // only newer credit counts (as nc_tx_ctrl TXOP_ACK)
        ch.LastCredit = credit;
        ch.Retries = 0; // the peer is alive
        if (ch.CreditStalled)
        {
            ch.CreditStalled = false;
            if (ch.InFlight == 0) ch.TimerArmed = false;
        }
        MaybeReady(ch);
    }

    private void DoorbellCpl(int id, bool arm, ushort cons)
    {
        // Allowed on closed and failed channels too: their last completions are consumed after the close.
        if (id >= _channels.Length || !ConsumeAndArm(_channels[id].Cq, cons, arm)) Count(C.BadDoorbell);
    }

    private bool ConsumeAndArm(Cq cq, ushort cons, bool arm)
    {
        if ((ushort)(cons - cq.Cons) > (ushort)(cq.Prod - cq.Cons)) return false; // beyond the producer
        cq.Cons = cons;
        if (arm)
        {
            if (cq.Prod != cq.Cons)
            {
                cq.Armed = false;
                WriteEvent(cq.Eq, EventType.Completion, cq.Source, cq.Prod);
            }
            else cq.Armed = true;
        }
        return true;
    }

    private void ArmEventQueue(int q, ushort cons)
    {
        if (q >= _eqs.Length) { Count(C.BadDoorbell); return; }
        Eq e = _eqs[q];
        if ((ushort)(cons - e.Cons) > (ushort)(e.Prod - e.Cons)) { Count(C.BadDoorbell); return; }
        e.Cons = cons;
        if (e.Prod != e.Cons) RaiseInterrupt(q);
        else e.Armed = true;
    }

    private void EventQueueCommand(EqCmdRegister v)
    {
        int q = v.Eq;
        int log = v.Log;
        if (q >= _eqs.Length) return;
        Eq e = _eqs[q];
        ulong b = ((ulong)Reg(Registers.EqBaseHi) << 32) | Reg(Registers.EqBaseLo);
        // A queue is enabled only with a valid base and size; an invalid request disables it (as the RTL).
        e.Enabled = v.Enable && b != 0 && (b & 63) == 0 && log >= _options.MinRingLog && log <= _options.MaxRingLog;
        e.Base = b;
        e.Log = log;
        e.Prod = e.Cons = 0;
        e.Armed = false;
    }

    // ---------------------------------------------------------------------------------------------
    // Transmit
    //
    // Ring indices of a channel: [TxAcked, TxTaken) are in flight (sent, not acknowledged: in the loopback
    // that means lost and waiting for the retransmission timer), [TxTaken, TxProd) not taken yet. A frame
    // that reaches the peer is acknowledged at once. At most TransmitWindow (64) are in flight, and no PSN
    // at or beyond the credit is sent. The credit is the peer channel's posted-buffer count, read directly
    // whenever the peer is reachable (there are no ACK frames to carry it).
    // ---------------------------------------------------------------------------------------------
    private void MaybeReady(Ch ch)
    {
        if (ch.InReady || ch.State != ChState.Open || ch.Avail == 0 || ch.InFlight >= TransmitWindow || !_enabled) return;
        if (!HasCredit(ch))
        {
            RefreshCredit(ch);
            if (!HasCredit(ch)) return;
        }
        if (ch.CreditStalled)
        {
            ch.CreditStalled = false;
            if (ch.InFlight == 0) ch.TimerArmed = false; // the persist timer is no longer needed
        }
        ch.InReady = true;
        (ch.Class == 1 ? _readyLatency : _readyThroughput).Enqueue(ch.Id);
    }

    private static bool HasCredit(Ch ch) => (int)(ch.TxNxt - ch.LastCredit) < 0;

    // The peer channel that accepts ch's frames right now (address filter, open, naming ch and this
    // device's IP), or null. Counts nothing: Deliver counts what a frame that arrives meets.
    private Ch? PeerOf(Ch ch)
    {
        LoopbackDevice p = Peer;
        if (!LinkUp || p.PoweredOff || !p._enabled) return null;
        if (p._filter && ((ch.PeerMac != p._mac && ch.PeerMac != MacAddress.Broadcast) || ch.PeerIp != p._ip)) return null;
        if (ch.PeerChan >= p._channels.Length) return null;
        Ch t = p._channels[ch.PeerChan];
        return t.State == ChState.Open && t.PeerChan == ch.Id && t.PeerIp == _ip ? t : null;
    }

    private void RefreshCredit(Ch ch)
    {
        Ch? t = PeerOf(ch);
        if (t != null && (int)(t.Credit - ch.LastCredit) > 0) ch.LastCredit = t.Credit;
    }

    /// <summary>Transmits up to <see cref="TransmitBatch"/> descriptors of the next ready channel (latency-class channels first).</summary>
    internal bool RunTransmit()
    {
        if (PoweredOff || !_enabled) return false;
        if (!_readyLatency.TryDequeue(out int id) && !_readyThroughput.TryDequeue(out id)) return false;
        Ch ch = _channels[id];
        ch.InReady = false;
        bool creditCut = false;
        for (int n = 0; n < TransmitBatch; n++)
        {
            if (ch.State != ChState.Open || ch.Avail == 0 || ch.InFlight >= TransmitWindow) break;
            if (!HasCredit(ch))
            {
                RefreshCredit(ch);
                if (!HasCredit(ch)) { creditCut = true; break; }
            }
            SendNew(ch);
        }
        if (creditCut && ch.State == ChState.Open)
        {
            // The credit, not the window, cut this turn short with descriptors waiting (nc_tx_ctrl TXOP_SCHED).
            Count(C.CreditStall);
            if (ch.InFlight == 0)
            {
                ch.CreditStalled = true;
                ArmTimer(ch, Stopwatch.GetTimestamp() + RtoTicks(ch));
            }
        }
        MaybeReady(ch);
        return true;
    }

    private static CompletionStatus ValidateTx(in TxDescriptor d)
    {
        // Several faults: the first of BAD_DESC, BAD_LEN, BAD_ADDR (nc_desc_validate). A buffer of length 0
        // needs no address.
        if (d.Flags != 0 || d.Rsvd0 != 0 || d.Rsvd1 != 0 || d.MsgType > NetChannelType.Rst) return CompletionStatus.BadDesc;
        if (d.Len > Spec.MaxPayloadBytes || (d.Len == 0 && d.MsgType == NetChannelType.Data)) return CompletionStatus.BadLen;
        if (d.Len != 0 && BadBuffer(d.Addr, d.Len)) return CompletionStatus.BadAddr;
        return CompletionStatus.Ok;
    }

    private static CompletionStatus ValidateRx(in RxDescriptor r)
    {
        if (r.Rsvd != 0) return CompletionStatus.BadDesc;
        if (r.Len == 0) return CompletionStatus.BadLen;
        if (BadBuffer(r.Addr, r.Len) || (r.Addr & 63) != 0) return CompletionStatus.BadAddr;
        return CompletionStatus.Ok;
    }

    /// <summary>Address zero, or [addr, addr + len) ends beyond 2^64.</summary>
    private static bool BadBuffer(ulong addr, ulong len)
    {
        ulong end = addr + len;
        return addr == 0 || (end < addr && end != 0);
    }

    // Reads and validates the Tx descriptor at ring index `index`. A refused read is a VOID with status
    // DMA_FAULT (nc_tx_fetch): the channel goes on.
    private CompletionStatus ReadTx(Ch ch, ushort index, out TxDescriptor d)
    {
        ulong da = ch.TxBase + (ulong)(index & ((1 << ch.TxLog) - 1)) * TxDescriptor.Size;
        if (!_map.Contains(da, TxDescriptor.Size))
        {
            d = default;
            return CompletionStatus.DmaFault;
        }
        d = TxDescriptor.Read(new ReadOnlySpan<byte>((void*)da, TxDescriptor.Size));
        return ValidateTx(in d);
    }

    /// <summary>Takes the next descriptor, gives it the next PSN and sends its frame.</summary>
    private void SendNew(Ch ch)
    {
        ushort index = ch.TxTaken;
        uint psn = ch.TxNxt;
        CompletionStatus st = ReadTx(ch, index, out TxDescriptor d);
        if (st == CompletionStatus.DmaFault) Count(C.DmaFault);
        else if (st != CompletionStatus.Ok) Count(C.BadDesc);
        uint len = st == CompletionStatus.Ok ? d.Len : 0;
        // What its completion will say (the RTL's Tx info table): recorded when the descriptor is taken.
        ch.Info![psn & (TransmitWindow - 1)] = new TxInfo { Tag = st == CompletionStatus.DmaFault ? (ushort)0 : d.Tag, Len = (ushort)len, Status = st };
        ch.TxTaken++;
        ch.TxNxt++;
        ch.TxPkts++;
        if (TransmitTrace is { } trace && TransmitTraceCount < trace.Length) trace[TransmitTraceCount++] = ch.Id;
        Transmit(ch, in d, st, psn, len);
    }

    /// <summary>Puts the frame of the in-flight PSN <paramref name="psn"/> on the "wire" (first send or retransmission).</summary>
    private void Transmit(Ch ch, in TxDescriptor d, CompletionStatus st, uint psn, uint len)
    {
        Count(C.TxFrames);
        Count(C.TxBytes, (ulong)FrameBuilder.FrameLength((int)len));
        if (len > 0 && !_map.Contains(d.Addr, len))
        {
            // The payload read is refused: the frame leaves poisoned (the peer's MAC drops it, BAD_FCS) and the
            // channel fails; its descriptors in flight complete DMA_FAULT.
            Count(C.DmaFault);
            LoopbackDevice p = Peer;
            if (LinkUp && !p.PoweredOff && p._enabled) p._drops[(int)DropReason.BadFcs]++;
            Fail(ch, CompletionStatus.DmaFault);
            return;
        }
        if (Deliver(ch, psn, in d, st, len))
        {
            AckThrough(ch, psn);
            return;
        }
        ArmTimer(ch, Stopwatch.GetTimestamp() + RtoTicks(ch)); // every frame sent restarts the timer
    }

    // The frame of ch with PSN psn arrives at the peer, or not. True when the peer accepted it (it is then
    // acknowledged at once). Counts at the peer what the RTL counts for such a frame.
    private bool Deliver(Ch ch, uint psn, in TxDescriptor d, CompletionStatus st, uint len)
    {
        LoopbackDevice p = Peer;
        if (!LinkUp || p.PoweredOff || !p._enabled) return false;
        if (p._filter)
        {
            if (ch.PeerMac != p._mac && ch.PeerMac != MacAddress.Broadcast) { p._drops[(int)DropReason.BadDstMac]++; return false; }
            if (ch.PeerIp != p._ip) { p._drops[(int)DropReason.BadDstIp]++; return false; }
        }
        p.Count(C.RxFrames);
        p.Count(C.RxBytes, (ulong)FrameBuilder.FrameLength((int)len));
        if (ch.PeerChan >= p._channels.Length) { p.Count(C.NoChannel); return false; }
        Ch t = p._channels[ch.PeerChan];
        if (t.State != ChState.Open || t.PeerChan != ch.Id || t.PeerIp != _ip) { p.Count(C.NoChannel); return false; }
        int ahead = (int)(psn - t.RxAck);
        if (ahead < 0)
        {
            p.Count(C.Dup);
            t.Dup++;
            return false;
        }
        if (ahead > 0)
        {
            // The loopback never reorders: a PSN after one that was lost is lost too (the RTL would keep it
            // in its receive window). Counted as out of window.
            p.Count(C.OutOfWindow);
            return false;
        }
        if (st != CompletionStatus.Ok)
        {
            // A VOID: the PSN consumes no buffer and raises the credit by one.
            t.RxAck++;
            t.VoidsRecv++;
            return true;
        }
        if (t.RxCons == t.RxProd)
        {
            p.Count(C.RxNoBuf); // the sender went beyond the credit (only with a disagreeing context)
            return false;
        }
        ushort rxIndex = t.RxCons++;
        t.RxAck++;
        t.RxPkts++;
        p.Place(t, rxIndex, this, in d, psn);
        return true;
    }

    // Writes an accepted payload into buffer rxIndex of channel t (the receiving side) and completes it. The
    // buffer is consumed and the PSN received whatever happens: a bad descriptor, a buffer too small or a
    // refused descriptor read completes with that status and the frame's fields, and nothing is written. A
    // refused payload write is only counted: the completion says OK (docs/nic.md: a posted write's refusal
    // cannot be reported in the completion; nc_rx_place and nc_dma_wr_mux).
    private void Place(Ch t, ushort rxIndex, LoopbackDevice sender, in TxDescriptor d, uint psn)
    {
        ulong ra = t.RxBase + (ulong)(rxIndex & ((1 << t.RxLog) - 1)) * RxDescriptor.Size;
        RxDescriptor r = default;
        CompletionStatus rs;
        if (!_map.Contains(ra, RxDescriptor.Size))
        {
            Count(C.DmaFault);
            rs = CompletionStatus.DmaFault;
        }
        else
        {
            r = RxDescriptor.Read(new ReadOnlySpan<byte>((void*)ra, RxDescriptor.Size));
            rs = ValidateRx(in r);
            if (rs != CompletionStatus.Ok) Count(C.BadDesc);
            else if (r.Len < d.Len) rs = CompletionStatus.TooSmall;
        }
        if (rs == CompletionStatus.Ok && d.Len > 0)
        {
            if (!_map.Contains(r.Addr, d.Len)) Count(C.DmaFault); // the write is refused; the completion still says OK
            else
            {
                Debug.Assert(sender._map.Contains(d.Addr, d.Len));
                Buffer.MemoryCopy((void*)d.Addr, (void*)r.Addr, r.Len, d.Len);
            }
        }
        WriteCompletion(t.Cq, CompletionKind.Rx, rxIndex, r.Tag, rs, d.Len, in d, psn);
    }

    // Everything up to and including PSN `psn` is acknowledged: Tx completions in ring order.
    private void AckThrough(Ch ch, uint psn)
    {
        while (ch.State == ChState.Open && ch.InFlight > 0 && (int)(psn - ch.TxUna) >= 0)
        {
            ref TxInfo i = ref ch.Info![ch.TxUna & (TransmitWindow - 1)];
            WriteCompletion(ch.Cq, CompletionKind.Tx, ch.TxAcked, i.Tag, i.Status, i.Len, default, ch.TxUna);
            ch.TxAcked++;
            ch.TxUna++;
        }
        ch.Retries = 0;
        if (ch.InFlight == 0 && !ch.CreditStalled) ch.TimerArmed = false;
    }

    /// <summary>Test hook: when set (before traffic), the ids of the channels whose frames are sent, in order, up to its length.</summary>
    internal int[]? TransmitTrace;
    internal int TransmitTraceCount;

    // Every outstanding Tx descriptor completes (close, failure), in ring order: those in flight with
    // `st` and what was recorded when they were taken, those never taken with CHANNEL_DOWN, tag and length
    // 0 (the NIC never read them). Then, as in the RTL, una = nxt and the producer index is the next to take.
    private void FlushTx(Ch ch, CompletionStatus st)
    {
        int inFlight = ch.InFlight, notTaken = ch.Avail;
        for (int k = 0; k < inFlight; k++)
        {
            ref TxInfo i = ref ch.Info![ch.TxUna & (TransmitWindow - 1)];
            WriteCompletion(ch.Cq, CompletionKind.Tx, ch.TxAcked, i.Tag, st, i.Len, default, ch.TxUna);
            ch.TxAcked++;
            ch.TxUna++;
        }
        ushort index = ch.TxTaken;
        uint psn = ch.TxNxt;
        for (int k = 0; k < notTaken; k++)
            WriteCompletion(ch.Cq, CompletionKind.Tx, index++, 0, CompletionStatus.ChannelDown, 0, default, psn++);
        ch.TxProd = ch.TxTaken;
    }

    // Every unused Rx buffer completes CHANNEL_DOWN (tag and length 0: the NIC does not read the descriptors).
    private void FlushRx(Ch ch)
    {
        while (ch.RxCons != ch.RxProd)
        {
            WriteCompletion(ch.Cq, CompletionKind.Rx, ch.RxCons, 0, CompletionStatus.ChannelDown, 0, default, 0);
            ch.RxCons++;
        }
    }

    // ---------------------------------------------------------------------------------------------
    // Timers: retransmission (frames in flight) and persist (out of credit, nothing in flight)
    // ---------------------------------------------------------------------------------------------
    // RTO_CYCLES doubled per timeout in a row, up to 16x, on the wall clock at the nominal clock rate.
    private long RtoTicks(Ch ch)
    {
        int shift = Math.Min(ch.Retries, 4);
        double cycles = (double)Math.Max(1u, _rtoCycles) * (1 << shift);
        return (long)(cycles * Stopwatch.Frequency / NominalClockHz);
    }

    private void ArmTimer(Ch ch, long deadline)
    {
        ch.Deadline = deadline;
        ch.TimerArmed = true;
        if (!ch.InTimers)
        {
            ch.InTimers = true;
            _timers[_timerCount++] = ch.Id;
        }
    }

    internal bool RunTimers(long now, ref long next)
    {
        if (PoweredOff || _timerCount == 0) return false;
        bool worked = false;
        int n = _timerCount;
        for (int i = 0; i < n; i++)
        {
            Ch ch = _channels[_timers[i]];
            if (ch.State != ChState.Open || !ch.TimerArmed) continue;
            if (now < ch.Deadline)
            {
                next = Math.Min(next, ch.Deadline);
                continue;
            }
            worked = true;
            ch.TimerArmed = false;
            if (ch.InFlight > 0) Retransmit(ch);
            else if (ch.CreditStalled) Probe(ch);
            if (ch.State == ChState.Open && ch.TimerArmed) next = Math.Min(next, ch.Deadline);
            MaybeReady(ch);
        }
        // Compact: keep the channels whose timer still runs.
        int k = 0;
        for (int i = 0; i < _timerCount; i++)
        {
            Ch ch = _channels[_timers[i]];
            if (ch.State == ChState.Open && ch.TimerArmed) _timers[k++] = ch.Id;
            else ch.InTimers = false;
        }
        _timerCount = k;
        return worked;
    }

    // A retransmission timeout (nc_tx_ctrl TXOP_TIMEOUT). The RTL sends a tail-loss probe (the newest PSN in
    // flight) and resends what its answer shows missing. Here the answer is known at once: when the peer is
    // there, everything in flight from its cumulative acknowledgement on is resent (this receiver keeps nothing
    // past a gap); when it is not, the probe alone goes out, and is lost. The channel fails at the
    // (RETRY_LIMIT + 1)-th timeout in a row.
    private void Retransmit(Ch ch)
    {
        ch.Timeouts++;
        Count(C.Timeouts);
        if (ch.Retries + 1 > (int)_retryLimit)
        {
            Fail(ch, CompletionStatus.Timeout);
            return;
        }
        ch.Retries++;
        int n = ch.InFlight;
        if (_enabled && PeerOf(ch) != null)
        {
            // The RTL probes with the newest frame in flight and resends what the answer shows missing; here the
            // answer is known at once, and the loopback receiver keeps no frame past a gap: everything from TxUna.
            ushort index = ch.TxAcked;
            uint psn = ch.TxUna;
            for (int k = 0; k < n && ch.State == ChState.Open && _enabled; k++, index++, psn++) Resend(ch, index, psn);
        }
        else Resend(ch, (ushort)(ch.TxAcked + n - 1), ch.TxUna + (uint)(n - 1));   // the probe, lost: nobody answers
        if (ch.State == ChState.Open && ch.InFlight > 0) ArmTimer(ch, Stopwatch.GetTimestamp() + RtoTicks(ch));
    }

    // A retransmission re-reads the descriptor and the payload from host memory.
    private void Resend(Ch ch, ushort index, uint psn)
    {
        CompletionStatus st = ReadTx(ch, index, out TxDescriptor d);
        uint len = st == CompletionStatus.Ok ? d.Len : 0;
        ch.Info![psn & (TransmitWindow - 1)] = new TxInfo { Tag = st == CompletionStatus.DmaFault ? (ushort)0 : d.Tag, Len = (ushort)len, Status = st };
        ch.Retx++;
        Count(C.Retx);
        Transmit(ch, in d, st, psn, len);
    }

    // The persist timer of a channel out of credit with nothing in flight: a credit probe. An answered one
    // (the peer channel is there) brings its current credit and resets the count; unanswered ones count
    // toward RETRY_LIMIT, so a vanished peer fails the channel even with nothing in flight.
    private void Probe(Ch ch)
    {
        Ch? t = _enabled ? PeerOf(ch) : null;
        if (t != null)
        {
            ch.Retries = 0;
            if ((int)(t.Credit - ch.LastCredit) > 0) ch.LastCredit = t.Credit;
        }
        else if (ch.Retries + 1 > (int)_retryLimit)
        {
            ch.Timeouts++;
            Count(C.Timeouts);
            Fail(ch, CompletionStatus.Timeout);
            return;
        }
        else ch.Retries++;
        if (HasCredit(ch)) ch.CreditStalled = false;
        else ArmTimer(ch, Stopwatch.GetTimestamp() + RtoTicks(ch));
    }

    // ---------------------------------------------------------------------------------------------
    // Completions, events, interrupts
    // ---------------------------------------------------------------------------------------------
    private void WriteCompletion(Cq cq, CompletionKind kind, ushort index, ushort tag, CompletionStatus st, uint len, in TxDescriptor nc, uint psn)
        => WriteCompletion(cq, kind, index, tag, st, len, in nc, psn, cq.Source);

    private void WriteCompletion(Cq cq, CompletionKind kind, ushort index, ushort tag, CompletionStatus st, uint len, in TxDescriptor nc, uint psn, ushort channelField)
    {
        if ((ushort)(cq.Prod - cq.Cons) >= (1 << cq.Log))
        {
            Count(C.CplOverflow);
            WriteEvent(cq.Eq, EventType.Error, cq.Source, ErrorCplOverflow | ((uint)kind << 8));
            return;
        }
        ulong a = cq.Base + (ulong)(cq.Prod & ((1 << cq.Log) - 1)) * Completion.Size;
        if (_map.Contains(a, Completion.Size))
        {
            Completion c = default;
            c.SrcPort = nc.SrcPort;
            c.DstPort = nc.DstPort;
            c.Seq = nc.Seq;
            c.Grant = nc.Grant;
            c.MsgType = nc.MsgType;
            c.Len = (ushort)len;
            c.Status = st;
            c.Index = index;
            c.Channel = channelField;
            c.Tag = tag;
            c.Kind = kind;
            c.Psn = psn;
            c.Phase = 0;
            Span<byte> tmp = stackalloc byte[Completion.Size];
            c.Write(tmp);
            byte* dst = (byte*)a;
            tmp.Slice(0, Completion.Size - 1).CopyTo(new Span<byte>(dst, Completion.Size - 1));
            Volatile.Write(ref dst[Completion.Size - 1], PhaseOf(cq.Prod, cq.Log));
        }
        else Count(C.DmaFault); // the write is refused; the NIC has issued it all the same
        cq.Prod++;
        if (cq.Armed)
        {
            cq.Armed = false;
            WriteEvent(cq.Eq, EventType.Completion, cq.Source, cq.Prod);
        }
    }

    // Management completions: the channel field is the frame's destination channel (Rx) or 0xFFFF (Tx);
    // events have source 0xFFFF.
    private void WriteMgmtCompletion(CompletionKind kind, ushort index, ushort tag, CompletionStatus st, uint len, in FrameHeader h)
    {
        TxDescriptor nc = default;
        nc.SrcPort = h.Nc.SrcPort;
        nc.DstPort = h.Nc.DstPort;
        nc.Seq = h.Nc.Seq;
        nc.Grant = h.Nc.Grant;
        nc.MsgType = h.Nc.MsgType;
        WriteCompletion(_mg.Cq, kind, index, tag, st, len, in nc, h.Cth.Psn, h.Cth.DstChan);
    }

    private void WriteEvent(int q, EventType type, ushort source, uint data)
    {
        if (q >= _eqs.Length) { Count(C.EqOverflow); return; }
        Eq e = _eqs[q];
        if (!e.Enabled || (ushort)(e.Prod - e.Cons) >= (1 << e.Log)) { Count(C.EqOverflow); return; }
        ulong a = e.Base + (ulong)(e.Prod & ((1 << e.Log) - 1)) * Event.Size;
        if (_map.Contains(a, Event.Size))
        {
            Event ev = default;
            ev.EvType = type;
            ev.Source = source;
            ev.Data = data;
            Span<byte> tmp = stackalloc byte[Event.Size];
            ev.Write(tmp);
            byte* dst = (byte*)a;
            tmp.Slice(0, Event.Size - 1).CopyTo(new Span<byte>(dst, Event.Size - 1));
            Volatile.Write(ref dst[Event.Size - 1], PhaseOf(e.Prod, e.Log));
        }
        else Count(C.DmaFault);
        e.Prod++;
        if (e.Armed) RaiseInterrupt(q);
    }

    private static byte PhaseOf(ushort index, int log) => ((index >> log) & 1) == 0 ? Spec.PhaseBit : (byte)0;

    private void RaiseInterrupt(int q)
    {
        _eqs[q].Armed = false;
        if (_irqPending[q]) return;
        _irqPending[q] = true;
        _irqList[_irqCount++] = q;
    }

    internal void DeliverInterrupts()
    {
        if (_irqCount == 0) return;
        Action<int>? h = Volatile.Read(ref _irqHandler);
        for (int i = 0; i < _irqCount; i++)
        {
            int q = _irqList[i];
            _irqPending[q] = false;
            try
            {
                h?.Invoke(q);
            }
            catch (Exception)
            {
                // A faulty handler must not stop the device (an interrupt line does not care either).
                InterruptHandlerFaults++;
            }
        }
        _irqCount = 0;
    }

    private void Count(C c, ulong n = 1) => _cnt[(int)c] += n;

    /// <summary>Exceptions thrown by the interrupt handler (caught: they do not stop the device).</summary>
    internal int InterruptHandlerFaults;

    // ---------------------------------------------------------------------------------------------
    // Management queue pair
    // ---------------------------------------------------------------------------------------------
    // MGMT_CTRL: enabling takes effect only with a valid configuration (bases non-zero and 64-byte aligned,
    // sizes within CAP_RING_LOG, the completion ring larger than each of the other two); otherwise [0] reads
    // back 0 and the queue pair is stopped (nc_regs).
    private void MgmtControl(MgmtCtrlRegister v)
    {
        Reg(Registers.MgmtCtrl) = new MgmtCtrlRegister { Eq = v.Eq }.Value;
        Mgmt m = _mg;
        if (!v.Enable) { m.Enabled = false; return; }
        var logs = new MgmtRingLogRegister(Reg(Registers.MgmtRingLog));
        m.TxBase = ((ulong)Reg(Registers.MgmtTxRingHi) << 32) | Reg(Registers.MgmtTxRingLo);
        m.RxBase = ((ulong)Reg(Registers.MgmtRxRingHi) << 32) | Reg(Registers.MgmtRxRingLo);
        ulong cpl = ((ulong)Reg(Registers.MgmtCplRingHi) << 32) | Reg(Registers.MgmtCplRingLo);
        m.TxLog = logs.Tx;
        m.RxLog = logs.Rx;
        int cplLog = logs.Cpl;
        bool RingOk(ulong b, int log) => b != 0 && (b & 63) == 0 && log >= _options.MinRingLog && log <= _options.MaxRingLog;
        if (!RingOk(m.TxBase, m.TxLog) || !RingOk(m.RxBase, m.RxLog) || !RingOk(cpl, cplLog) || cplLog <= m.TxLog || cplLog <= m.RxLog)
        {
            m.Enabled = false;
            return;
        }
        Reg(Registers.MgmtCtrl) = new MgmtCtrlRegister { Eq = v.Eq, Enable = true }.Value;
        m.Cq.Reset(cpl, cplLog, v.Eq, 0xFFFF);
        m.TxProd = m.TxTaken = m.RxProd = m.RxCons = 0;
        m.Enabled = true;
    }

    // Management doorbells: at most a ring ahead of what the NIC has taken, never behind the previous
    // one (nc_mgmt). Taken while the queue is disabled too (checked against MGMT_RING_LOG); enabling the
    // queue resets every index.
    private int MgmtLog(bool tx) => _mg.Enabled ? (tx ? _mg.TxLog : _mg.RxLog)
        : tx ? new MgmtRingLogRegister(Reg(Registers.MgmtRingLog)).Tx : new MgmtRingLogRegister(Reg(Registers.MgmtRingLog)).Rx;

    private void MgmtDoorbellTx(ushort prod)
    {
        Mgmt m = _mg;
        int log = MgmtLog(tx: true);
        if (!Within(prod, m.TxTaken, log) || !Within(prod, m.TxProd, log)) { Count(C.BadDoorbell); return; }
        m.TxProd = prod;
    }

    private void MgmtDoorbellRx(ushort prod)
    {
        Mgmt m = _mg;
        int log = MgmtLog(tx: false);
        if (!Within(prod, m.RxCons, log) || !Within(prod, m.RxProd, log)) { Count(C.BadDoorbell); return; }
        m.RxProd = prod;
    }

    private void MgmtDoorbellCpl(ushort cons, bool arm)
    {
        if (!ConsumeAndArm(_mg.Cq, cons, arm)) Count(C.BadDoorbell);
    }

    /// <summary>Sends the next management frame, if any.</summary>
    internal bool RunManagementTx()
    {
        Mgmt m = _mg;
        if (PoweredOff || !_enabled || !m.Enabled || m.TxTaken == m.TxProd) return false;
        ushort index = m.TxTaken++;
        ulong da = m.TxBase + (ulong)(index & ((1 << m.TxLog) - 1)) * TxDescriptor.Size;
        if (!_map.Contains(da, TxDescriptor.Size))
        {
            Count(C.DmaFault);
            MgmtTxCompletion(index, 0, CompletionStatus.DmaFault, 0);
            return true;
        }
        TxDescriptor d = TxDescriptor.Read(new ReadOnlySpan<byte>((void*)da, TxDescriptor.Size));
        // The first of BAD_DESC, BAD_LEN, BAD_ADDR (nc_mgmt); the NetChannel fields are not looked at.
        CompletionStatus st = CompletionStatus.Ok;
        if (d.Flags != 0 || d.Rsvd0 != 0 || d.Rsvd1 != 0) st = CompletionStatus.BadDesc;
        else if (d.Len > Spec.MaxPayloadBytes) st = CompletionStatus.BadLen;
        else if ((d.Addr & 63) != 0 || BadBuffer(d.Addr, (ulong)MgmtPayloadOffset + d.Len)) st = CompletionStatus.BadAddr;
        if (st != CompletionStatus.Ok)
        {
            Count(C.BadDesc);
            MgmtTxCompletion(index, d.Tag, st, 0);
            return true;
        }
        if (!_map.Contains(d.Addr, MgmtPayloadOffset + d.Len))
        {
            Count(C.DmaFault);
            MgmtTxCompletion(index, d.Tag, CompletionStatus.DmaFault, 0);
            return true;
        }
        byte* buf = (byte*)d.Addr;
        FrameHeader h = FrameHeader.Read(new ReadOnlySpan<byte>(buf, FrameHeader.Size));
        // The NIC sends from its own addresses with opcode MGMT (nc_tx_hdr); lengths and checksum are recomputed.
        h.Eth.Src = _mac;
        h.Ipv4.Src = _ip;
        h.Cth.Opcode = ChannelOpcode.Mgmt;
        int len = (int)d.Len;
        int flen = FrameBuilder.Build(_frame, in h, new ReadOnlySpan<byte>(buf + MgmtPayloadOffset, len));
        Count(C.MgmtTx);
        Count(C.TxFrames);
        Count(C.TxBytes, (ulong)flen);
        MgmtTxCompletion(index, d.Tag, CompletionStatus.Ok, (uint)len);
        if (LinkUp && !Peer.PoweredOff) Peer.ReceiveManagement(_frame.AsSpan(0, flen));
        return true;
    }

    // MGMT_TX completions carry the ring index, tag, status and (when sent) the payload length; channel
    // 0xFFFF, no NetChannel fields (nc_mgmt).
    private void MgmtTxCompletion(ushort index, ushort tag, CompletionStatus st, uint len)
        => WriteCompletion(_mg.Cq, CompletionKind.MgmtTx, index, tag, st, len, default, 0, 0xFFFF);

    private void ReceiveManagement(ReadOnlySpan<byte> frame)
    {
        if (!_enabled) return;
        DropReason reason = FrameParser.Parse(frame, new ParserOptions(_filter, _mac, _ip), out FrameHeader h, out Range payload);
        if (reason != DropReason.None)
        {
            _drops[(int)reason]++;
            return;
        }
        Count(C.RxFrames);
        Count(C.RxBytes, (ulong)frame.Length);
        Mgmt m = _mg;
        int plen = payload.GetOffsetAndLength(frame.Length).Length;
        if (!m.Enabled || m.RxCons == m.RxProd) { Count(C.RxNoBuf); return; }
        // The next buffer is consumed whatever happens: a bad descriptor, a buffer too small or a refused
        // descriptor read completes with that status and the frame's fields, and the frame is dropped. The
        // header and the payload are two writes; a refused one is only counted (the completion says OK).
        ushort index = m.RxCons++;
        ulong ra = m.RxBase + (ulong)(index & ((1 << m.RxLog) - 1)) * RxDescriptor.Size;
        RxDescriptor r = default;
        CompletionStatus st;
        if (!_map.Contains(ra, RxDescriptor.Size))
        {
            Count(C.DmaFault);
            st = CompletionStatus.DmaFault;
        }
        else
        {
            r = RxDescriptor.Read(new ReadOnlySpan<byte>((void*)ra, RxDescriptor.Size));
            st = ValidateRx(in r);
            if (st != CompletionStatus.Ok) Count(C.BadDesc);
            else if (r.Len < MgmtPayloadOffset + plen) st = CompletionStatus.TooSmall;
        }
        if (st == CompletionStatus.Ok)
        {
            byte* dst = (byte*)r.Addr;
            if (_map.Contains(r.Addr, FrameHeader.Size)) frame.Slice(0, FrameHeader.Size).CopyTo(new Span<byte>(dst, FrameHeader.Size));
            else Count(C.DmaFault);
            if (plen > 0)
            {
                if (_map.Contains(r.Addr + MgmtPayloadOffset, plen)) frame[payload].CopyTo(new Span<byte>(dst + MgmtPayloadOffset, plen));
                else Count(C.DmaFault);
            }
            Count(C.MgmtRx);
        }
        WriteMgmtCompletion(CompletionKind.MgmtRx, index, r.Tag, st, (uint)plen, in h);
    }

    // ---------------------------------------------------------------------------------------------
    // State types
    // ---------------------------------------------------------------------------------------------
    private sealed class Cq
    {
        public ulong Base;
        public int Log;
        public ushort Prod, Cons;
        public bool Armed;
        public int Eq;
        public ushort Source;

        public void Reset(ulong b, int log, int eq, ushort source)
        {
            Base = b;
            Log = log;
            Prod = Cons = 0;
            Armed = false;
            Eq = eq;
            Source = source;
        }
    }

    /// <summary>What the completion of a taken Tx descriptor says (the RTL's Tx info table entry).</summary>
    private struct TxInfo
    {
        public ushort Tag, Len;
        public CompletionStatus Status;
    }

    private sealed class Ch(int id)
    {
        public readonly int Id = id;
        public ChState State;
        public CompletionStatus FailWhy;
        public ulong PeerMac;
        public uint PeerIp;
        public ushort UdpSrc, PeerChan;
        public byte Class;
        public ulong TxBase, RxBase;
        public int TxLog, RxLog;
        public uint InitPsn, PeerPsn, TxCreditInit;
        public readonly Cq Cq = new();
        public TxInfo[]? Info;                     // by PSN mod TransmitWindow
        public ushort TxProd, TxTaken, TxAcked;    // ring indices (see "Transmit")
        public uint TxNxt, TxUna, LastCredit;      // PSNs of TxTaken and TxAcked; credit limit known
        public ushort RxProd, RxCons;
        public uint RxAck, VoidsRecv, RxPostedTotal;
        public bool InReady, InTimers, TimerArmed, CreditStalled;
        public int Retries;                        // timeouts (or unanswered probes) in a row
        public long Deadline;
        public uint TxPkts, Retx, RxPkts, Dup, Timeouts;

        public int InFlight => (ushort)(TxTaken - TxAcked);
        public int Avail => (ushort)(TxProd - TxTaken);

        /// <summary>Credit this (receiving) channel grants: PSNs below it may be sent.</summary>
        public uint Credit => PeerPsn + RxPostedTotal + VoidsRecv;
    }

    private sealed class Eq
    {
        public bool Enabled, Armed;
        public ulong Base;
        public int Log;
        public ushort Prod, Cons;
    }

    private sealed class Mgmt
    {
        public bool Enabled;
        public ulong TxBase, RxBase;
        public int TxLog, RxLog;
        public ushort TxProd, TxTaken, RxProd, RxCons;
        public readonly Cq Cq = new();
    }

    private sealed class IntQueue(int capacity)
    {
        private readonly int[] _items = new int[capacity];
        private int _head, _count;

        public void Enqueue(int v)
        {
            _items[(_head + _count) % _items.Length] = v;
            _count++;
        }

        public bool TryDequeue(out int v)
        {
            if (_count == 0) { v = 0; return false; }
            v = _items[_head];
            _head = (_head + 1) % _items.Length;
            _count--;
            return true;
        }
    }
}
