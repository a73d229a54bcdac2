using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Threading;
using NetChannel.Device;
using NetChannel.Device.Loopback;
using NetChannel.Wire;

namespace NetChannel.Tests.Loopback;

/// <summary>Programs a loopback device register by register, exactly as docs/nic.md says (no driver).</summary>
internal sealed unsafe class RawNic : IDisposable
{
    public const int EqLog = 6;
    private readonly DmaRegion _eq;
    private int _eqCons;
    private readonly int[] _irqs = new int[256];
    private readonly SemaphoreSlim _irq = new(0);

    public RawNic(INicDevice dev, ulong mac, uint ip, bool filter = true, bool enable = true)
    {
        Dev = dev;
        Mac = mac;
        Ip = ip;
        dev.WriteRegister(Registers.MacLo, (uint)mac);
        dev.WriteRegister(Registers.MacHi, (uint)(mac >> 32));
        dev.WriteRegister(Registers.IpAddr, ip);
        _eq = dev.AllocateDma(Event.Size << EqLog);
        dev.WriteRegister(Registers.EqBaseLo, (uint)_eq.BusAddress);
        dev.WriteRegister(Registers.EqBaseHi, (uint)(_eq.BusAddress >> 32));
        dev.WriteRegister(Registers.EqCmd, 0u | (EqLog << 8) | 0x1_0000);
        dev.SetInterruptHandler(v =>
        {
            Interlocked.Increment(ref _irqs[v]);
            _irq.Release();
        });
        if (enable) dev.WriteRegister(Registers.Ctrl, 1u | (filter ? 2u : 0u));
    }

    public INicDevice Dev { get; }
    public ulong Mac { get; }
    public uint Ip { get; }

    public int Interrupts(int vector) => Volatile.Read(ref _irqs[vector]);

    public bool WaitInterrupt(int ms) => _irq.Wait(ms);

    public uint Read(int reg) => Dev.ReadRegister((uint)reg);

    public void Write(int reg, uint v) => Dev.WriteRegister((uint)reg, v);

    public ulong Counter(int lo)
    {
        uint l = Read(lo);
        uint h = Read(lo + 4);
        return ((ulong)h << 32) | l;
    }

    /// <summary>Runs a CH_CMD and returns its result code once not busy.</summary>
    public uint Cmd(int channel, int command)
    {
        Write(Registers.ChCmd, (uint)channel | ((uint)command << 16));
        var sw = Stopwatch.StartNew();
        while (true)
        {
            uint st = Read(Registers.ChCmdStatus);
            if ((st & 1) == 0) return (st >> 4) & 0xF;
            if (sw.ElapsedMilliseconds > 5000) throw new TimeoutException("CH_CMD stayed busy");
        }
    }

    public void ArmEq() => Write(Registers.EqArm, 0u | ((uint)(ushort)_eqCons << 16));

    public bool TryEvent(out Event ev)
    {
        byte* e = _eq.Pointer + (_eqCons & ((1 << EqLog) - 1)) * Event.Size;
        byte expected = ((_eqCons >> EqLog) & 1) == 0 ? Spec.PhaseBit : (byte)0;
        if ((Volatile.Read(ref e[Event.Size - 1]) & Spec.PhaseBit) != expected)
        {
            ev = default;
            return false;
        }
        ev = Event.Read(new ReadOnlySpan<byte>(e, Event.Size));
        _eqCons++;
        return true;
    }

    public List<Event> DrainEvents()
    {
        var l = new List<Event>();
        while (TryEvent(out Event e)) l.Add(e);
        return l;
    }

    /// <summary>Waits until an event is in the queue (polling memory).</summary>
    public Event WaitEvent(int ms = 5000)
    {
        var sw = Stopwatch.StartNew();
        while (sw.ElapsedMilliseconds < ms)
        {
            if (TryEvent(out Event e)) return e;
            Thread.Yield();
        }
        throw new TimeoutException("no event arrived");
    }

    /// <summary>Stages a channel context and opens it; returns the CH_CMD result.</summary>
    public uint Open(RawChannel ch, int peerChannel, ulong peerMac, uint peerIp, uint initPsn, uint peerPsn, int cls = 0, int eq = 0, ushort udp = 50000, uint credit = 0)
    {
        Write(Registers.ChPeerMacLo, (uint)peerMac);
        Write(Registers.ChPeerMacHi, (uint)(peerMac >> 32));
        Write(Registers.ChPeerIp, peerIp);
        Write(Registers.ChUdpSrc, udp);
        Write(Registers.ChPeerChan, (uint)peerChannel | ((uint)cls << 16) | ((uint)eq << 24));
        Write(Registers.ChTxRingLo, (uint)ch.TxRingBus);
        Write(Registers.ChTxRingHi, (uint)(ch.TxRingBus >> 32));
        Write(Registers.ChRxRingLo, (uint)ch.RxRingBus);
        Write(Registers.ChRxRingHi, (uint)(ch.RxRingBus >> 32));
        Write(Registers.ChCplRingLo, (uint)ch.CplRingBus);
        Write(Registers.ChCplRingHi, (uint)(ch.CplRingBus >> 32));
        Write(Registers.ChRingLog, (uint)ch.TxLog | ((uint)ch.RxLog << 8) | ((uint)ch.CplLog << 16));
        Write(Registers.ChInitPsn, initPsn);
        Write(Registers.ChPeerPsn, peerPsn);
        Write(Registers.ChTxCredit, credit);
        uint r = Cmd(ch.Id, 1);
        if (r == 0)
        {
            ch.InitPsn = initPsn;
        }
        return r;
    }

    public void Dispose()
    {
        Dev.SetInterruptHandler(null);
        _eq.Dispose();
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

    public int Id { get; }
    public int TxLog { get; }
    public int RxLog { get; }
    public int CplLog { get; }
    public int RxBufBytes { get; }
    public ulong TxRingBus { get; }
    public ulong RxRingBus { get; }
    public ulong CplRingBus { get; }
    public ulong TxBufsBus { get; }
    public ulong RxBufsBus { get; }
    public uint InitPsn { get; set; }
    public int TxProd, RxProd, CplCons;
    public DmaRegion Memory => _mem;

    private static byte* P(ulong bus) => (byte*)bus;

    public Span<byte> TxBuffer(int index) => new(P(TxBufsBus + (ulong)((index & ((1 << TxLog) - 1)) * BufBytes)), BufBytes);

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
            Addr = TxBufsBus + (ulong)((TxProd & ((1 << TxLog) - 1)) * BufBytes),
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

    public void RingTx() => _nic.Write(Registers.DbTx, (uint)Id | ((uint)(ushort)TxProd << 16));

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

    public void RingRx() => _nic.Write(Registers.DbRx, (uint)Id | ((uint)(ushort)RxProd << 16));

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

    public Completion WaitCompletion(int ms = 5000)
    {
        var sw = Stopwatch.StartNew();
        while (sw.ElapsedMilliseconds < ms)
        {
            if (TryCompletion(out Completion c)) return c;
            Thread.Yield();
        }
        throw new TimeoutException($"channel {Id}: no completion arrived");
    }

    /// <summary>True when no completion arrives within <paramref name="ms"/>.</summary>
    public bool NoCompletionFor(int ms)
    {
        Thread.Sleep(ms);
        byte* e = P(CplRingBus + (ulong)((CplCons & ((1 << CplLog) - 1)) * 32));
        byte expected = ((CplCons >> CplLog) & 1) == 0 ? Spec.PhaseBit : (byte)0;
        return (Volatile.Read(ref e[31]) & Spec.PhaseBit) != expected;
    }

    /// <summary>Every completion in the ring now.</summary>
    public List<Completion> DrainCompletions()
    {
        var l = new List<Completion>();
        while (TryCompletion(out Completion c)) l.Add(c);
        return l;
    }

    public void DbCpl(bool arm) => _nic.Write(Registers.DbCpl, (uint)Id | (arm ? 0x8000u : 0) | ((uint)(ushort)CplCons << 16));

    public void Dispose() => _mem.Dispose();
}
