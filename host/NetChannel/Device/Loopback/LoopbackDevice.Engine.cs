using System;
using System.Diagnostics;
using System.Threading;
using NetChannel.Wire;

namespace NetChannel.Device.Loopback;

// The device's state and behaviour. Everything in this file runs on the pair's engine thread only.
public sealed unsafe partial class LoopbackDevice
{
    private enum ChState : byte { Closed = 0, Open = 1, Failed = 2 }

    private enum SendResult : byte { Sent, Stalled, Lost, Failed }

    // Global counters in register order (CNT_TX_FRAMES_LO + 8 * index).
    private enum C
    {
        TxFrames, TxBytes, RxFrames, RxBytes, Retx, Timeouts, CreditStall, BadDesc, Dup, NoChannel, DmaFault,
        MgmtTx, MgmtRx, RxNoBuf, OutOfWindow, AckTx, AckRx, CplOverflow, EqOverflow, ChFailed, BadDoorbell, Count,
    }

    private readonly uint[] _regs = new uint[RegisterSpaceBytes / 4];
    private readonly DmaMap _map = new();
    private readonly Ch[] _channels;
    private readonly IntQueue _readyLatency, _readyThroughput;
    private readonly int[] _lost;
    private int _lostCount;
    private readonly Eq[] _eqs;
    private readonly bool[] _irqPending;
    private readonly int[] _irqList;
    private int _irqCount;
    private readonly ulong[] _cnt = new ulong[(int)C.Count];
    private readonly uint[] _cntSnapHi = new uint[(int)C.Count];
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
    private uint _cmd;
    private Context _cmdCtx;
    private uint _cmdResult;

    // ---------------------------------------------------------------------------------------------
    // Register access
    // ---------------------------------------------------------------------------------------------
    private void ResetRegisters()
    {
        _rtoCycles = 16384;
        _retryLimit = 8;
        Reg(Registers.RtoCycles) = _rtoCycles;
        Reg(Registers.AckCoalesce) = 16u | (64u << 16);
        Reg(Registers.RetryLimit) = _retryLimit;
    }

    private ref uint Reg(int address) => ref _regs[address >> 2];

    internal uint ApplyRead(uint a)
    {
        int address = (int)a;
        switch (address)
        {
            case Registers.IdMagic: return Spec.NicMagic;
            case Registers.IdVersion: return (uint)Spec.SpecVersion | ((uint)RevisionLoopback << 16);
            case Registers.IdBuild: return _options.BuildId;
            case Registers.CapChannels: return (uint)_options.Channels;
            case Registers.CapRingLog: return (uint)_options.MaxRingLog | ((uint)_options.MinRingLog << 8);
            case Registers.CapDatapath: return 512u | ((uint)Spec.MaxPayloadBytes << 16);
            case Registers.CapEventQueues: return (uint)_options.EventQueues;
            case Registers.CapTransport: return TransmitWindow | ((uint)Spec.SackWindow << 8);
            case Registers.Status: return (_enabled ? 1u : 0u) | (LinkUp && !Peer.PoweredOff ? 2u : 0u);
            case Registers.ChCmdStatus: return (_cmdBusy ? 1u : 0u) | (_cmdResult << 4);
            case Registers.ChCmd: case Registers.DbTx: case Registers.DbRx: case Registers.DbCpl: case Registers.EqArm:
            case Registers.EqCmd: case Registers.MgmtDbTx: case Registers.MgmtDbRx: case Registers.MgmtDbCpl:
                return 0; // write-only
        }
        if (address >= Registers.ChRbState && address <= Registers.ChRbTimeouts) return _rb[(address - Registers.ChRbState) >> 2];
        if (address >= Registers.CntTxFramesLo && address < Registers.CntTxFramesLo + 8 * (int)C.Count)
        {
            int i = (address - Registers.CntTxFramesLo) >> 3;
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
            case Registers.Ctrl:
                Reg(address) = v & 7;
                bool was = _enabled;
                _enabled = (v & 1) != 0;
                _filter = (v & 2) != 0;
                if (_enabled && !was)
                    foreach (Ch ch in _channels) MaybeReady(ch);
                return;
            case Registers.MacLo: case Registers.MacHi:
                Reg(address) = address == Registers.MacHi ? v & 0xFFFF : v;
                _mac = ((ulong)Reg(Registers.MacHi) << 32) | Reg(Registers.MacLo);
                return;
            case Registers.IpAddr: Reg(address) = v; _ip = v; return;
            case Registers.RtoCycles: Reg(address) = v; _rtoCycles = v; return;
            case Registers.AckCoalesce: Reg(address) = v; return;
            case Registers.RetryLimit: Reg(address) = v & 0xFF; _retryLimit = v & 0xFF; return;
            case Registers.ChCmd: StartCommand(v); return;
            case Registers.DbTx: DoorbellTx((int)(v & 0xFFFF), (ushort)(v >> 16)); return;
            case Registers.DbRx: DoorbellRx((int)(v & 0xFFFF), (ushort)(v >> 16)); return;
            case Registers.DbCpl: DoorbellCpl((int)(v & 0x7FFF), (v & 0x8000) != 0, (ushort)(v >> 16)); return;
            case Registers.EqArm: ArmEventQueue((int)(v & 0xFF), (ushort)(v >> 16)); return;
            case Registers.EqBaseLo: case Registers.EqBaseHi: Reg(address) = v; return;
            case Registers.EqCmd: EventQueueCommand(v); return;
            case Registers.MgmtDbTx: MgmtDoorbellTx((ushort)v); return;
            case Registers.MgmtDbRx: MgmtDoorbellRx((ushort)v); return;
            case Registers.MgmtDbCpl: MgmtDoorbellCpl((ushort)v, (v & 0x1_0000) != 0); return;
            case Registers.MgmtCtrl: MgmtControl(v); return;
        }
        bool staged = address >= Registers.ChPeerMacLo && address <= Registers.ChPeerPsn;
        bool mgmtRing = address >= Registers.MgmtTxRingLo && address <= Registers.MgmtRingLog;
        if (staged || mgmtRing) Reg(address) = v;
        // Everything else (read-only, unknown) ignores writes, as hardware does.
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

    internal void OnLinkRestored() { /* lost heads retry on their timers; nothing else to do */ }

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
        public uint InitPsn, PeerPsn;
    }

    private void StartCommand(uint v)
    {
        if (_cmdBusy) RunCommands(); // a command written while one is pending: finish that one first
        _cmd = v;
        _cmdBusy = true;
        _cmdCtx = new Context
        {
            PeerMac = ((ulong)(Reg(Registers.ChPeerMacHi) & 0xFFFF) << 32) | Reg(Registers.ChPeerMacLo),
            PeerIp = Reg(Registers.ChPeerIp),
            UdpSrc = (ushort)Reg(Registers.ChUdpSrc),
            PeerChan = (ushort)Reg(Registers.ChPeerChan),
            Class = (byte)(Reg(Registers.ChPeerChan) >> 16),
            Eq = (byte)(Reg(Registers.ChPeerChan) >> 24),
            TxBase = ((ulong)Reg(Registers.ChTxRingHi) << 32) | Reg(Registers.ChTxRingLo),
            RxBase = ((ulong)Reg(Registers.ChRxRingHi) << 32) | Reg(Registers.ChRxRingLo),
            CplBase = ((ulong)Reg(Registers.ChCplRingHi) << 32) | Reg(Registers.ChCplRingLo),
            TxLog = (int)(Reg(Registers.ChRingLog) & 0xFF),
            RxLog = (int)((Reg(Registers.ChRingLog) >> 8) & 0xFF),
            CplLog = (int)((Reg(Registers.ChRingLog) >> 16) & 0xFF),
            InitPsn = Reg(Registers.ChInitPsn),
            PeerPsn = Reg(Registers.ChPeerPsn),
        };
    }

    /// <summary>Executes a pending CH_CMD (one engine pass after it was written, so CH_CMD_STATUS reads busy at least once).</summary>
    internal bool RunCommands()
    {
        if (!_cmdBusy || PoweredOff) return false;
        _cmdBusy = false;
        int id = (int)(_cmd & 0xFFFF);
        int cmd = (int)((_cmd >> 16) & 0xF);
        if (cmd is < 1 or > 3) { _cmdResult = 4; return true; }
        if (id >= _channels.Length) { _cmdResult = 1; return true; }
        Ch ch = _channels[id];
        switch (cmd)
        {
            case 1:
                if (ch.State != ChState.Closed) { _cmdResult = 2; return true; }
                if (!ContextValid(in _cmdCtx)) { _cmdResult = 3; return true; }
                Open(ch, in _cmdCtx);
                break;
            case 2:
                if (ch.State == ChState.Closed) { _cmdResult = 2; return true; }
                Close(ch);
                break;
            case 3:
                ReadBack(ch);
                break;
        }
        _cmdResult = 0;
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
        ch.Cq.Reset(c.CplBase, c.CplLog, c.Eq, (ushort)ch.Id);
        ch.TxProd = ch.TxTaken = 0;
        ch.RxProd = ch.RxCons = 0;
        ch.TxNxt = ch.TxUna = c.InitPsn;
        ch.RxAck = c.PeerPsn;
        ch.VoidsRecv = ch.RxPostedTotal = 0;
        ch.LastCredit = c.InitPsn;
        ch.HeadLost = ch.CreditStalled = ch.HeadSentOnce = false;
        ch.TimeoutsInRow = 0;
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
        ch.HeadLost = ch.CreditStalled = false;
    }

    private void Fail(Ch ch, CompletionStatus why)
    {
        if (ch.State != ChState.Open) return;
        Count(C.ChFailed);
        FlushTx(ch, why);
        FlushRx(ch);
        ch.State = ChState.Failed;
        ch.FailWhy = why;
        ch.HeadLost = ch.CreditStalled = false;
        WriteEvent(ch.Cq.Eq, EventType.Channel, (ushort)ch.Id, (uint)ChState.Failed | ((uint)why << 8));
    }

    private void ReadBack(Ch ch)
    {
        Reg(Registers.ChPeerMacLo) = (uint)ch.PeerMac;
        Reg(Registers.ChPeerMacHi) = (uint)(ch.PeerMac >> 32) & 0xFFFF;
        Reg(Registers.ChPeerIp) = ch.PeerIp;
        Reg(Registers.ChUdpSrc) = ch.UdpSrc;
        Reg(Registers.ChPeerChan) = ch.PeerChan | ((uint)ch.Class << 16) | ((uint)ch.Cq.Eq << 24);
        Reg(Registers.ChTxRingLo) = (uint)ch.TxBase; Reg(Registers.ChTxRingHi) = (uint)(ch.TxBase >> 32);
        Reg(Registers.ChRxRingLo) = (uint)ch.RxBase; Reg(Registers.ChRxRingHi) = (uint)(ch.RxBase >> 32);
        Reg(Registers.ChCplRingLo) = (uint)ch.Cq.Base; Reg(Registers.ChCplRingHi) = (uint)(ch.Cq.Base >> 32);
        Reg(Registers.ChRingLog) = (uint)ch.TxLog | ((uint)ch.RxLog << 8) | ((uint)ch.Cq.Log << 16);
        Reg(Registers.ChInitPsn) = ch.InitPsn;
        Reg(Registers.ChPeerPsn) = ch.PeerPsn;
        Rb(Registers.ChRbState) = (uint)ch.State | ((uint)ch.FailWhy << 8);
        Rb(Registers.ChRbTxIdx) = ch.TxProd | ((uint)ch.TxTaken << 16);
        Rb(Registers.ChRbTxUna) = ch.TxUna;
        Rb(Registers.ChRbTxNxt) = ch.TxNxt;
        Rb(Registers.ChRbTxCredit) = ch.LastCredit;
        Rb(Registers.ChRbRxIdx) = ch.RxProd | ((uint)ch.RxCons << 16);
        Rb(Registers.ChRbRxAck) = ch.RxAck;
        Rb(Registers.ChRbCplIdx) = ch.Cq.Prod | ((uint)ch.Cq.Cons << 16);
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
    // A producer index is acceptable when it is at most a ring ahead of what the device has taken and
    // not behind the previous doorbell.
    private static bool IndexOk(ushort next, ushort previous, ushort taken, int log) =>
        (ushort)(next - taken) <= (1 << log) && (ushort)(next - previous) <= (1 << log);

    private void DoorbellTx(int id, ushort prod)
    {
        if (id >= _channels.Length || _channels[id].State != ChState.Open) { Count(C.BadDoorbell); return; }
        Ch ch = _channels[id];
        if (!IndexOk(prod, ch.TxProd, ch.TxTaken, ch.TxLog)) { Count(C.BadDoorbell); return; }
        ch.TxProd = prod;
        MaybeReady(ch);
    }

    private void DoorbellRx(int id, ushort prod)
    {
        if (id >= _channels.Length || _channels[id].State != ChState.Open) { Count(C.BadDoorbell); return; }
        Ch ch = _channels[id];
        if (!IndexOk(prod, ch.RxProd, ch.RxCons, ch.RxLog)) { Count(C.BadDoorbell); return; }
        ch.RxPostedTotal += (ushort)(prod - ch.RxProd);
        ch.RxProd = prod;
        // Credit grew: wake the peer's sender if it waits for it.
        LoopbackDevice p = Peer;
        if (!p.PoweredOff && ch.PeerChan < p._channels.Length)
        {
            Ch s = p._channels[ch.PeerChan];
            if (s.State == ChState.Open && s.PeerChan == id && s.CreditStalled)
            {
                s.CreditStalled = false;
                p.MaybeReady(s);
            }
        }
    }

    private void DoorbellCpl(int id, bool arm, ushort cons)
    {
        // Allowed on closed and failed channels too: their last completions are consumed after the close.
        if (id >= _channels.Length || !_channels[id].Cq.Configured) { Count(C.BadDoorbell); return; }
        if (!ConsumeAndArm(_channels[id].Cq, cons, arm)) Count(C.BadDoorbell);
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
        if (q >= _eqs.Length || !_eqs[q].Enabled) { Count(C.BadDoorbell); return; }
        Eq e = _eqs[q];
        if ((ushort)(cons - e.Cons) > (ushort)(e.Prod - e.Cons)) { Count(C.BadDoorbell); return; }
        e.Cons = cons;
        if (e.Prod != e.Cons) RaiseInterrupt(q);
        else e.Armed = true;
    }

    private void EventQueueCommand(uint v)
    {
        int q = (int)(v & 0xFF);
        int log = (int)((v >> 8) & 0xFF);
        bool enable = (v & 0x1_0000) != 0;
        if (q >= _eqs.Length) return;
        Eq e = _eqs[q];
        ulong b = ((ulong)Reg(Registers.EqBaseHi) << 32) | Reg(Registers.EqBaseLo);
        if (enable && (b == 0 || (b & 63) != 0 || log < _options.MinRingLog || log > _options.MaxRingLog)) return;
        e.Enabled = enable;
        e.Base = b;
        e.Log = log;
        e.Prod = e.Cons = 0;
        e.Armed = false;
    }

    // ---------------------------------------------------------------------------------------------
    // Transmit
    // ---------------------------------------------------------------------------------------------
    private void MaybeReady(Ch ch)
    {
        if (ch.InReady || ch.State != ChState.Open || ch.TxTaken == ch.TxProd || ch.HeadLost || ch.CreditStalled || !_enabled) return;
        ch.InReady = true;
        (ch.Class == 1 ? _readyLatency : _readyThroughput).Enqueue(ch.Id);
    }

    /// <summary>Transmits up to 16 descriptors of the next ready channel (latency-class channels first).</summary>
    internal bool RunTransmit()
    {
        if (PoweredOff || !_enabled) return false;
        if (!_readyLatency.TryDequeue(out int id) && !_readyThroughput.TryDequeue(out id)) return false;
        Ch ch = _channels[id];
        ch.InReady = false;
        for (int budget = 16; budget > 0; budget--)
        {
            if (ch.State != ChState.Open || ch.TxTaken == ch.TxProd || ch.HeadLost || ch.CreditStalled) break;
            if (SendHead(ch, retransmission: false) != SendResult.Sent) break;
        }
        MaybeReady(ch);
        return true;
    }

    private static CompletionStatus ValidateTx(in TxDescriptor d)
    {
        // Several faults: the lowest status code is reported (as the parser does for drop reasons).
        if (d.Addr == 0 || d.Addr + d.Len < d.Addr) return CompletionStatus.BadAddr;
        if (d.Len > Spec.MaxPayloadBytes || (d.Len == 0 && d.MsgType == NetChannelType.Data)) return CompletionStatus.BadLen;
        if (d.Flags != 0 || d.Rsvd0 != 0 || d.Rsvd1 != 0 || d.MsgType > NetChannelType.Rst) return CompletionStatus.BadDesc;
        return CompletionStatus.Ok;
    }

    private static CompletionStatus ValidateRx(in RxDescriptor r)
    {
        if (r.Addr == 0 || (r.Addr & 63) != 0 || r.Addr + r.Len < r.Addr) return CompletionStatus.BadAddr;
        if (r.Len == 0) return CompletionStatus.BadLen;
        if (r.Rsvd != 0) return CompletionStatus.BadDesc;
        return CompletionStatus.Ok;
    }

    // The peer channel a frame of ch reaches, or null when the frame is lost (counted at the peer).
    private Ch? Resolve(Ch ch)
    {
        LoopbackDevice p = Peer;
        if (!LinkUp || p.PoweredOff || !p._enabled) return null;
        if (p._filter)
        {
            if (ch.PeerMac != p._mac && ch.PeerMac != MacAddress.Broadcast) { p._drops[(int)DropReason.BadDstMac]++; return null; }
            if (ch.PeerIp != p._ip) { p._drops[(int)DropReason.BadDstIp]++; return null; }
        }
        if (ch.PeerChan >= p._channels.Length) { p.Count(C.NoChannel); return null; }
        Ch t = p._channels[ch.PeerChan];
        if (t.State != ChState.Open || t.PeerChan != ch.Id || t.PeerIp != _ip) { p.Count(C.NoChannel); return null; }
        return t;
    }

    private SendResult SendHead(Ch ch, bool retransmission)
    {
        ulong da = ch.TxBase + (ulong)(ch.TxTaken & ((1 << ch.TxLog) - 1)) * TxDescriptor.Size;
        if (!_map.Contains(da, TxDescriptor.Size))
        {
            Count(C.DmaFault);
            Fail(ch, CompletionStatus.DmaFault);
            return SendResult.Failed;
        }
        TxDescriptor d = TxDescriptor.Read(new ReadOnlySpan<byte>((void*)da, TxDescriptor.Size));
        CompletionStatus st = ValidateTx(in d);
        uint len = st == CompletionStatus.Ok ? d.Len : 0;
        uint psn = ch.TxNxt;
        LoopbackDevice p = Peer;
        Ch? t = Resolve(ch);
        if (t == null) return Lost(ch, len);
        ch.LastCredit = t.Credit;
        if (psn != t.RxAck)
        {
            // The loopback never reorders, so only the next expected PSN can arrive; anything else comes
            // from a context that disagrees with the peer's (a host bug): dropped, the sender times out.
            p.Count(C.OutOfWindow);
            return Lost(ch, len);
        }
        if ((int)(psn - t.Credit) >= 0) return Stall(ch);

        if (st != CompletionStatus.Ok)
        {
            // A rejected descriptor: its PSN travels as a VOID frame that consumes no buffer.
            Count(C.BadDesc);
            t.RxAck++;
            t.VoidsRecv++;
            p.Count(C.RxFrames);
            p.Count(C.RxBytes, FrameHeader.Size);
            Sent(ch, 0);
            CompleteTx(ch, in d, st, 0, psn);
            return SendResult.Sent;
        }

        RxDescriptor r;
        ushort rxIndex;
        while (true)
        {
            if (t.RxCons == t.RxProd) return Stall(ch); // the credit counted a buffer that turned out bad
            rxIndex = t.RxCons;
            ulong ra = t.RxBase + (ulong)(rxIndex & ((1 << t.RxLog) - 1)) * RxDescriptor.Size;
            if (!p._map.Contains(ra, RxDescriptor.Size))
            {
                p.Count(C.DmaFault);
                p.Fail(t, CompletionStatus.DmaFault);
                return Lost(ch, len);
            }
            r = RxDescriptor.Read(new ReadOnlySpan<byte>((void*)ra, RxDescriptor.Size));
            CompletionStatus rs = ValidateRx(in r);
            if (rs == CompletionStatus.Ok) break;
            p.Count(C.BadDesc);
            p.WriteCompletion(t.Cq, CompletionKind.Rx, rxIndex, r.Tag, rs, 0, default, 0);
            t.RxCons++;
        }

        if (r.Len < d.Len)
        {
            // The host asked for the data to go nowhere: the buffer is consumed untouched, the PSN received.
            p.WriteCompletion(t.Cq, CompletionKind.Rx, rxIndex, r.Tag, CompletionStatus.TooSmall, d.Len, in d, psn);
        }
        else
        {
            if (d.Len > 0 && !_map.Contains(d.Addr, d.Len))
            {
                Count(C.DmaFault);
                Fail(ch, CompletionStatus.DmaFault);
                return SendResult.Failed;
            }
            if (d.Len > 0 && !p._map.Contains(r.Addr, d.Len))
            {
                p.Count(C.DmaFault);
                p.Fail(t, CompletionStatus.DmaFault);
                return Lost(ch, len);
            }
            if (d.Len > 0) Buffer.MemoryCopy((void*)d.Addr, (void*)r.Addr, r.Len, d.Len);
            p.WriteCompletion(t.Cq, CompletionKind.Rx, rxIndex, r.Tag, CompletionStatus.Ok, d.Len, in d, psn);
        }
        t.RxCons++;
        t.RxAck++;
        t.RxPkts++;
        p.Count(C.RxFrames);
        p.Count(C.RxBytes, FrameHeader.Size + d.Len);
        Sent(ch, d.Len);
        CompleteTx(ch, in d, CompletionStatus.Ok, d.Len, psn);
        return SendResult.Sent;
    }

    /// <summary>Test hook: when set (before traffic), the ids of the channels whose frames are sent, in order, up to its length.</summary>
    internal int[]? TransmitTrace;
    internal int TransmitTraceCount;

    private void Sent(Ch ch, uint len)
    {
        if (ch.HeadSentOnce) return; // counted when it was first sent (and lost)
        if (TransmitTrace is { } trace && TransmitTraceCount < trace.Length) trace[TransmitTraceCount++] = ch.Id;
        ch.TxPkts++;
        Count(C.TxFrames);
        Count(C.TxBytes, FrameHeader.Size + len);
    }

    private SendResult Stall(Ch ch)
    {
        // The peer is there but has no buffer: wait (no timer) until it posts one.
        if (!ch.CreditStalled) Count(C.CreditStall);
        ch.CreditStalled = true;
        ch.HeadLost = false;
        ch.TimeoutsInRow = 0;
        return SendResult.Stalled;
    }

    private SendResult Lost(Ch ch, uint len)
    {
        Sent(ch, len);
        ch.HeadSentOnce = true;
        if (!ch.HeadLost)
        {
            ch.HeadLost = true;
            if (!ch.InLost)
            {
                ch.InLost = true;
                _lost[_lostCount++] = ch.Id;
            }
        }
        int shift = Math.Min(ch.TimeoutsInRow, 4); // doubled per timeout in a row, up to 16x
        double cycles = (double)Math.Max(1u, _rtoCycles) * (1 << shift);
        ch.RtoDeadline = Stopwatch.GetTimestamp() + (long)(cycles * Stopwatch.Frequency / NominalClockHz);
        return SendResult.Lost;
    }

    private void CompleteTx(Ch ch, in TxDescriptor d, CompletionStatus st, uint len, uint psn)
    {
        WriteCompletion(ch.Cq, CompletionKind.Tx, ch.TxTaken, d.Tag, st, len, default, psn);
        ch.TxTaken++;
        ch.TxNxt++;
        ch.TxUna = ch.TxNxt;
        ch.HeadLost = ch.CreditStalled = ch.HeadSentOnce = false;
        ch.TimeoutsInRow = 0;
    }

    private void FlushTx(Ch ch, CompletionStatus st)
    {
        while (ch.TxTaken != ch.TxProd)
        {
            ulong da = ch.TxBase + (ulong)(ch.TxTaken & ((1 << ch.TxLog) - 1)) * TxDescriptor.Size;
            TxDescriptor d = _map.Contains(da, TxDescriptor.Size) ? TxDescriptor.Read(new ReadOnlySpan<byte>((void*)da, TxDescriptor.Size)) : default;
            CompleteTx(ch, in d, st, 0, ch.TxNxt);
        }
    }

    private void FlushRx(Ch ch)
    {
        while (ch.RxCons != ch.RxProd)
        {
            ulong ra = ch.RxBase + (ulong)(ch.RxCons & ((1 << ch.RxLog) - 1)) * RxDescriptor.Size;
            ushort tag = _map.Contains(ra, RxDescriptor.Size) ? RxDescriptor.Read(new ReadOnlySpan<byte>((void*)ra, RxDescriptor.Size)).Tag : (ushort)0;
            WriteCompletion(ch.Cq, CompletionKind.Rx, ch.RxCons, tag, CompletionStatus.ChannelDown, 0, default, 0);
            ch.RxCons++;
        }
    }

    // ---------------------------------------------------------------------------------------------
    // Timers: retransmission of frames that found no receiver
    // ---------------------------------------------------------------------------------------------
    internal bool RunTimers(long now, ref long next)
    {
        if (PoweredOff || _lostCount == 0) return false;
        bool worked = false;
        int n = _lostCount;
        for (int i = 0; i < n; i++)
        {
            Ch ch = _channels[_lost[i]];
            if (ch.State != ChState.Open || !ch.HeadLost) continue;
            if (now < ch.RtoDeadline)
            {
                next = Math.Min(next, ch.RtoDeadline);
                continue;
            }
            worked = true;
            ch.Timeouts++;
            Count(C.Timeouts);
            ch.TimeoutsInRow++;
            if (ch.TimeoutsInRow >= Math.Max(1u, _retryLimit))
            {
                Fail(ch, CompletionStatus.Timeout);
                continue;
            }
            if (!_enabled) { Lost(ch, 0); next = Math.Min(next, ch.RtoDeadline); continue; }
            ch.Retx++;
            Count(C.Retx);
            Count(C.TxFrames);
            ch.HeadLost = false; // re-evaluated by the retransmission
            SendResult res = SendHead(ch, retransmission: true);
            if (res == SendResult.Lost) next = Math.Min(next, ch.RtoDeadline);
            MaybeReady(ch);
        }
        // Compact: keep the channels whose head is still waiting for its timer.
        int k = 0;
        for (int i = 0; i < _lostCount; i++)
        {
            Ch ch = _channels[_lost[i]];
            if (ch.State == ChState.Open && ch.HeadLost) _lost[k++] = ch.Id;
            else ch.InLost = false;
        }
        _lostCount = k;
        return worked;
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
            WriteEvent(cq.Eq, EventType.Error, cq.Source, (uint)kind << 8);
            return;
        }
        ulong a = cq.Base + (ulong)(cq.Prod & ((1 << cq.Log) - 1)) * Completion.Size;
        if (!_map.Contains(a, Completion.Size))
        {
            Count(C.DmaFault);
            return;
        }
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
        cq.Prod++;
        if (cq.Armed)
        {
            cq.Armed = false;
            WriteEvent(cq.Eq, EventType.Completion, cq.Source, cq.Prod);
        }
    }

    // Management completions: the channel field is the frame's destination channel; events have source 0xFFFF.
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
        if (!_map.Contains(a, Event.Size)) { Count(C.DmaFault); return; }
        Event ev = default;
        ev.EvType = type;
        ev.Source = source;
        ev.Data = data;
        Span<byte> tmp = stackalloc byte[Event.Size];
        ev.Write(tmp);
        byte* dst = (byte*)a;
        tmp.Slice(0, Event.Size - 1).CopyTo(new Span<byte>(dst, Event.Size - 1));
        Volatile.Write(ref dst[Event.Size - 1], PhaseOf(e.Prod, e.Log));
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
    private void MgmtControl(uint v)
    {
        Reg(Registers.MgmtCtrl) = v & 0xFF01;
        Mgmt m = _mg;
        if ((v & 1) == 0) { m.Enabled = false; return; }
        uint logs = Reg(Registers.MgmtRingLog);
        m.TxBase = ((ulong)Reg(Registers.MgmtTxRingHi) << 32) | Reg(Registers.MgmtTxRingLo);
        m.RxBase = ((ulong)Reg(Registers.MgmtRxRingHi) << 32) | Reg(Registers.MgmtRxRingLo);
        ulong cpl = ((ulong)Reg(Registers.MgmtCplRingHi) << 32) | Reg(Registers.MgmtCplRingLo);
        m.TxLog = (int)(logs & 0xFF);
        m.RxLog = (int)((logs >> 8) & 0xFF);
        int cplLog = (int)((logs >> 16) & 0xFF);
        bool RingOk(ulong b, int log) => b != 0 && (b & 63) == 0 && log >= _options.MinRingLog && log <= _options.MaxRingLog;
        if (!RingOk(m.TxBase, m.TxLog) || !RingOk(m.RxBase, m.RxLog) || !RingOk(cpl, cplLog)) { m.Enabled = false; return; }
        m.Cq.Reset(cpl, cplLog, (int)((v >> 8) & 0xFF), 0xFFFF);
        m.TxProd = m.TxTaken = m.RxProd = m.RxCons = 0;
        m.Enabled = true;
    }

    private void MgmtDoorbellTx(ushort prod)
    {
        Mgmt m = _mg;
        if (!m.Enabled || !IndexOk(prod, m.TxProd, m.TxTaken, m.TxLog)) { Count(C.BadDoorbell); return; }
        m.TxProd = prod;
    }

    private void MgmtDoorbellRx(ushort prod)
    {
        Mgmt m = _mg;
        if (!m.Enabled || !IndexOk(prod, m.RxProd, m.RxCons, m.RxLog)) { Count(C.BadDoorbell); return; }
        m.RxProd = prod;
    }

    private void MgmtDoorbellCpl(ushort cons, bool arm)
    {
        if (!_mg.Cq.Configured || !ConsumeAndArm(_mg.Cq, cons, arm)) Count(C.BadDoorbell);
    }

    /// <summary>Sends the next management frame, if any.</summary>
    internal bool RunManagementTx()
    {
        Mgmt m = _mg;
        if (PoweredOff || !_enabled || !m.Enabled || m.TxTaken == m.TxProd) return false;
        ushort index = m.TxTaken++;
        ulong da = m.TxBase + (ulong)(index & ((1 << m.TxLog) - 1)) * TxDescriptor.Size;
        FrameHeader h = default;
        if (!_map.Contains(da, TxDescriptor.Size))
        {
            Count(C.DmaFault);
            WriteMgmtCompletion(CompletionKind.MgmtTx, index, 0, CompletionStatus.DmaFault, 0, in h);
            return true;
        }
        TxDescriptor d = TxDescriptor.Read(new ReadOnlySpan<byte>((void*)da, TxDescriptor.Size));
        CompletionStatus st = CompletionStatus.Ok;
        if (d.Addr == 0 || (d.Addr & 63) != 0 || d.Addr + MgmtPayloadOffset + d.Len < d.Addr) st = CompletionStatus.BadAddr;
        else if (d.Len > Spec.MaxPayloadBytes) st = CompletionStatus.BadLen;
        else if (d.Flags != 0 || d.Rsvd0 != 0 || d.Rsvd1 != 0) st = CompletionStatus.BadDesc;
        else if (!_map.Contains(d.Addr, MgmtPayloadOffset + d.Len)) { st = CompletionStatus.DmaFault; Count(C.DmaFault); }
        if (st != CompletionStatus.Ok)
        {
            if (st != CompletionStatus.DmaFault) Count(C.BadDesc);
            WriteMgmtCompletion(CompletionKind.MgmtTx, index, d.Tag, st, 0, in h);
            return true;
        }
        byte* buf = (byte*)d.Addr;
        h = FrameHeader.Read(new ReadOnlySpan<byte>(buf, FrameHeader.Size));
        h.Cth.Opcode = ChannelOpcode.Mgmt;
        int len = (int)d.Len;
        FrameBuilder.WriteHeader(_frame, in h, len);
        new ReadOnlySpan<byte>(buf + MgmtPayloadOffset, len).CopyTo(_frame.AsSpan(FrameHeader.Size));
        Count(C.MgmtTx);
        Count(C.TxFrames);
        Count(C.TxBytes, (ulong)(FrameHeader.Size + len));
        FrameHeader sent = FrameHeader.Read(_frame);
        WriteMgmtCompletion(CompletionKind.MgmtTx, index, d.Tag, CompletionStatus.Ok, (uint)len, in sent);
        if (LinkUp && !Peer.PoweredOff) Peer.ReceiveManagement(_frame.AsSpan(0, FrameHeader.Size + len));
        return true;
    }

    private void ReceiveManagement(ReadOnlySpan<byte> frame)
    {
        if (!_enabled) return;
        DropReason reason = FrameParser.Parse(frame, new ParserOptions(_filter, _mac, _ip), out FrameHeader h, out Range payload);
        if (reason != DropReason.None)
        {
            _drops[(int)reason]++;
            return;
        }
        Mgmt m = _mg;
        int plen = frame.Length - FrameHeader.Size;
        while (true)
        {
            if (!m.Enabled || m.RxCons == m.RxProd) { Count(C.RxNoBuf); return; }
            ushort index = m.RxCons++;
            ulong ra = m.RxBase + (ulong)(index & ((1 << m.RxLog) - 1)) * RxDescriptor.Size;
            if (!_map.Contains(ra, RxDescriptor.Size))
            {
                Count(C.DmaFault);
                WriteMgmtCompletion(CompletionKind.MgmtRx, index, 0, CompletionStatus.DmaFault, 0, in h);
                continue;
            }
            RxDescriptor r = RxDescriptor.Read(new ReadOnlySpan<byte>((void*)ra, RxDescriptor.Size));
            CompletionStatus rs = ValidateRx(in r);
            if (rs != CompletionStatus.Ok)
            {
                Count(C.BadDesc);
                WriteMgmtCompletion(CompletionKind.MgmtRx, index, r.Tag, rs, 0, in h);
                continue;
            }
            if (r.Len < MgmtPayloadOffset + plen)
            {
                WriteMgmtCompletion(CompletionKind.MgmtRx, index, r.Tag, CompletionStatus.TooSmall, (uint)plen, in h);
                return;
            }
            if (!_map.Contains(r.Addr, MgmtPayloadOffset + plen))
            {
                Count(C.DmaFault);
                WriteMgmtCompletion(CompletionKind.MgmtRx, index, r.Tag, CompletionStatus.DmaFault, 0, in h);
                return;
            }
            byte* dst = (byte*)r.Addr;
            frame.Slice(0, FrameHeader.Size).CopyTo(new Span<byte>(dst, FrameHeader.Size));
            frame[payload].CopyTo(new Span<byte>(dst + MgmtPayloadOffset, plen));
            Count(C.MgmtRx);
            Count(C.RxFrames);
            Count(C.RxBytes, (ulong)frame.Length);
            WriteMgmtCompletion(CompletionKind.MgmtRx, index, r.Tag, CompletionStatus.Ok, (uint)plen, in h);
            return;
        }
    }

    // ---------------------------------------------------------------------------------------------
    // State types
    // ---------------------------------------------------------------------------------------------
    private sealed class Cq
    {
        public ulong Base;
        public int Log;
        public ushort Prod, Cons;
        public bool Armed, Configured;
        public int Eq;
        public ushort Source;

        public void Reset(ulong b, int log, int eq, ushort source)
        {
            Base = b;
            Log = log;
            Prod = Cons = 0;
            Armed = false;
            Configured = true;
            Eq = eq;
            Source = source;
        }
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
        public uint InitPsn, PeerPsn;
        public readonly Cq Cq = new();
        public ushort TxProd, TxTaken, RxProd, RxCons;
        public uint TxNxt, TxUna, RxAck, VoidsRecv, RxPostedTotal, LastCredit;
        public bool InReady, InLost, HeadLost, CreditStalled, HeadSentOnce;
        public int TimeoutsInRow;
        public long RtoDeadline;
        public uint TxPkts, Retx, RxPkts, Dup, Timeouts;

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
