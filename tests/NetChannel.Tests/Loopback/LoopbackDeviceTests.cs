using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using NetChannel.Device;
using NetChannel.Device.Loopback;
using NetChannel.Wire;

namespace NetChannel.Tests.Loopback;

/// <summary>The loopback test device against docs/nic.md, programmed register by register.</summary>
public sealed class LoopbackDeviceTests : IDisposable
{
    private const ulong MacA = 0x02_00_00_00_00_0AUL, MacB = 0x02_00_00_00_00_0BUL;
    private const uint IpA = 0x0A_00_00_0A, IpB = 0x0A_00_00_0B;
    private const uint PsnA = 0xFFFF_FFF0, PsnB = 1000; // A's PSNs wrap 2^32 during the tests

    private readonly LoopbackDevicePair _pair = new(new LoopbackOptions { Channels = 64, EventQueues = 4 });
    private readonly RawNic _a, _b;
    private readonly List<IDisposable> _owned = new();

    public LoopbackDeviceTests()
    {
        _a = new RawNic(_pair.A, MacA, IpA);
        _b = new RawNic(_pair.B, MacB, IpB);
    }

    public void Dispose()
    {
        foreach (IDisposable d in _owned) d.Dispose();
        _a.Dispose();
        _b.Dispose();
        _pair.Dispose();
    }

    private RawChannel Chan(RawNic nic, int id, int txLog = 3, int rxLog = 3, int cplLog = -1, int rxBufBytes = RawChannel.BufBytes)
    {
        var c = new RawChannel(nic, id, txLog, rxLog, cplLog, rxBufBytes);
        _owned.Add(c);
        return c;
    }

    /// <summary>Channel 5 of A joined to channel 9 of B; A's initial credit (CH_TX_CREDIT) is <paramref name="creditA"/>.</summary>
    private (RawChannel a, RawChannel b) Pair(int txLog = 3, int rxLog = 3, int cplLog = -1, int rxBufBytes = RawChannel.BufBytes, uint creditA = 0)
    {
        RawChannel a = Chan(_a, 5, txLog, rxLog, cplLog, rxBufBytes), b = Chan(_b, 9, txLog, rxLog, cplLog, rxBufBytes);
        Assert.Equal(0u, _a.Open(a, 9, MacB, IpB, PsnA, PsnB, credit: creditA));
        Assert.Equal(0u, _b.Open(b, 5, MacA, IpA, PsnB, PsnA));
        return (a, b);
    }

    private static byte[] Payload(int n, int seed)
    {
        var b = new byte[n];
        new Random(seed).NextBytes(b);
        return b;
    }

    [Fact]
    public void IdentificationAndCapabilities()
    {
        Assert.Equal(Spec.NicMagic, _a.Read(Registers.IdMagic));
        Assert.Equal((uint)Spec.SpecVersion, _a.Read(Registers.IdVersion) & 0xFFFF);
        Assert.Equal(64u, _a.Read(Registers.CapChannels));
        Assert.Equal(4u, _a.Read(Registers.CapEventQueues));
        Assert.Equal(15u | (1u << 8), _a.Read(Registers.CapRingLog));
        Assert.Equal((uint)Spec.MaxPayloadBytes, _a.Read(Registers.CapDatapath) >> 16);
        Assert.Equal(3u, _a.Read(Registers.Status)); // running, link up
        _a.Write(Registers.IdMagic, 0); // read-only: ignored
        Assert.Equal(Spec.NicMagic, _a.Read(Registers.IdMagic));
        Assert.Equal(unchecked((uint)MacA), _a.Read(Registers.MacLo));
        Assert.Throws<ArgumentOutOfRangeException>(() => _a.Dev.ReadRegister(2));
        Assert.Throws<ArgumentOutOfRangeException>(() => _a.Dev.WriteRegister(LoopbackDevice.RegisterSpaceBytes, 0));
    }

    [Fact]
    public void ChannelCommandsValidateTheContext()
    {
        RawChannel c = Chan(_a, 3);
        Assert.Equal(1u, _a.Cmd(64, 1));          // channel beyond CAP_CHANNELS
        Assert.Equal(4u, _a.Cmd(3, 7));           // unknown command
        Assert.Equal(1u, _a.Cmd(64, 7));          // both: the channel is checked first (as the RTL)
        Assert.Equal(2u, _a.Cmd(3, 2));           // close of a closed channel
        // Completion ring smaller than Tx + Rx: bad context.
        RawChannel small = Chan(_a, 4, 3, 3, 3);
        Assert.Equal(3u, _a.Open(small, 1, MacB, IpB, 0, 0));
        // Event queue beyond CAP_EVENT_QUEUES, class beyond 1.
        Assert.Equal(3u, _a.Open(c, 1, MacB, IpB, 0, 0, eq: 4));
        Assert.Equal(3u, _a.Open(c, 1, MacB, IpB, 0, 0, cls: 2));
        // Unaligned ring base.
        _a.Write(Registers.ChTxRingLo, (uint)c.TxRingBus + 8);
        Assert.Equal(3u, _a.Cmd(3, 1));
        // Ring size outside CAP_RING_LOG (0).
        RawChannel zero = Chan(_a, 6, 3, 3);
        _a.Open(zero, 1, MacB, IpB, 0, 0);
        Assert.Equal(0u, _a.Cmd(6, 2));
        _a.Write(Registers.ChRingLog, 0u | (3u << 8) | (4u << 16));
        Assert.Equal(3u, _a.Cmd(6, 1));
        // Good, then twice; a bad context is reported before the state (as the RTL).
        Assert.Equal(0u, _a.Open(c, 1, MacB, IpB, 1000, 2000, credit: 8));
        Assert.Equal(2u, _a.Open(c, 1, MacB, IpB, 0, 0));
        Assert.Equal(3u, _a.Open(c, 1, MacB, IpB, 0, 0, eq: 4));
        _a.Write(Registers.ChTxCredit, 77);
        Assert.Equal(0u, _a.Cmd(3, 3));
        Assert.Equal(1u, _a.Read(Registers.ChRbState) & 3);
        Assert.Equal(IpB, _a.Read(Registers.ChPeerIp));
        // Read back restores the staged context, CH_TX_CREDIT included, and the live state: the credit limit
        // starts at CH_INIT_PSN + CH_TX_CREDIT (the peer channel 1 of B is not open to say otherwise).
        Assert.Equal(8u, _a.Read(Registers.ChTxCredit));
        Assert.Equal(1008u, _a.Read(Registers.ChRbTxCredit));
        Assert.Equal(1000u, _a.Read(Registers.ChRbTxNxt));
        Assert.Equal(2000u, _a.Read(Registers.ChRbRxAck));
        Assert.Equal(3u | (3u << 8) | (4u << 16), _a.Read(Registers.ChRingLog));
        Assert.Equal(0u, _a.Cmd(3, 2));
        Assert.Equal(0u, _a.Cmd(3, 3));
        Assert.Equal(0u, _a.Read(Registers.ChRbState) & 3);
    }

    [Fact]
    public void DeliversEveryPayloadIntactInRingOrderWithPhaseBitsAcrossWraps()
    {
        var (a, b) = Pair(txLog: 2, rxLog: 2); // 4-entry rings, 8-entry completion rings: many wraps
        b.PostRx(4);
        var rng = new Random(1);
        int n = 40;
        var sent = new List<byte[]>();
        for (int i = 0; i < n; i++)
        {
            byte[] p = Payload(rng.Next(1, Spec.MaxPayloadBytes + 1), i);
            sent.Add(p);
            a.Send(p, tag: (ushort)(100 + i), seq: (uint)i * 7);
            Completion rx = b.WaitCompletion();
            Assert.Equal(CompletionKind.Rx, rx.Kind);
            Assert.Equal(CompletionStatus.Ok, rx.Status);
            Assert.Equal((ushort)i, rx.Index);
            Assert.Equal((ushort)(i & 0xFFFF), rx.Tag);
            Assert.Equal(9, rx.Channel);
            Assert.Equal(p.Length, rx.Len);
            Assert.Equal(PsnA + (uint)i, rx.Psn);
            Assert.Equal((ushort)1111, rx.SrcPort);
            Assert.Equal((ushort)2222, rx.DstPort);
            Assert.Equal((uint)i * 7, rx.Seq);
            Assert.Equal(0xABCDu, rx.Grant);
            Assert.Equal(NetChannelType.Data, rx.MsgType);
            Assert.True(b.RxBuffer(i).Slice(0, p.Length).SequenceEqual(p), $"payload {i} differs");
            Completion tx = a.WaitCompletion();
            Assert.Equal(CompletionKind.Tx, tx.Kind);
            Assert.Equal(CompletionStatus.Ok, tx.Status);
            Assert.Equal((ushort)i, tx.Index);
            Assert.Equal((ushort)(100 + i), tx.Tag);
            Assert.Equal(p.Length, tx.Len);
            Assert.Equal(PsnA + (uint)i, tx.Psn);
            a.DbCpl(false);
            b.DbCpl(false);
            b.PostRx(1);
        }
        Assert.Equal((ulong)n, _a.Counter(Registers.CntTxFramesLo));
        Assert.Equal((ulong)n, _b.Counter(Registers.CntRxFramesLo));
        Assert.Equal((ulong)sent.Sum(p => p.Length + FrameHeader.Size), _a.Counter(Registers.CntTxBytesLo));
        Assert.Equal(0u, _a.Cmd(5, 3));
        Assert.Equal(PsnA + (uint)n, _a.Read(Registers.ChRbTxNxt));
        Assert.Equal((uint)n, _a.Read(Registers.ChRbTxPkts));
        Assert.Equal(0u, _b.Cmd(9, 3));
        Assert.Equal(PsnA + (uint)n, _b.Read(Registers.ChRbRxAck));
        Assert.Equal((uint)n, _b.Read(Registers.ChRbRxPkts));
        Assert.Equal(0ul, _a.Counter(Registers.CntBadDoorbellLo) + _b.Counter(Registers.CntBadDoorbellLo));
    }

    [Fact]
    public void TransmitWaitsForCreditAndNeverDrops()
    {
        var (a, b) = Pair();
        for (int i = 0; i < 3; i++) a.PutTx(a.Data(Payload(100, i)));
        a.RingTx();
        Assert.True(a.NoCompletionFor(60), "a Tx descriptor completed without a receive buffer at the peer");
        Assert.Equal(0u, _a.Cmd(5, 3));
        Assert.Equal(3u, _a.Read(Registers.ChRbTxIdx)); // producer 3, nothing taken
        Assert.Equal(PsnA, _a.Read(Registers.ChRbTxCredit));
        b.PostRx(2);
        Assert.Equal(CompletionStatus.Ok, a.WaitCompletion().Status);
        Assert.Equal(CompletionStatus.Ok, a.WaitCompletion().Status);
        Assert.True(a.NoCompletionFor(30), "the third message went without credit");
        Assert.Equal(0u, _a.Cmd(5, 3));
        Assert.Equal(PsnA + 2, _a.Read(Registers.ChRbTxCredit)); // B's two buffers, learned at once
        b.PostRx(1);
        Assert.Equal((ushort)2, a.WaitCompletion().Index);
        for (int i = 0; i < 3; i++) Assert.Equal((ushort)i, b.WaitCompletion().Index);
        Assert.Equal(0ul, _b.Counter(Registers.CntRxNoBufLo));
        Assert.Equal(0ul, _a.Counter(Registers.CntRetxLo));
    }

    [Fact]
    public void CreditStallsCountDoorbellsWithoutCreditAndTurnsTheCreditCutShort()
    {
        // CNT_CREDIT_STALL counts what nc_tx_ctrl counts: a doorbell that finds no credit for its descriptors,
        // and a transmit turn that the credit (not the window) ends with descriptors left.
        var (a, b) = Pair();
        for (int i = 0; i < 4; i++) a.PutTx(a.Data(Payload(100, i)));
        a.RingTx();
        Assert.True(SpinUntil(() => _a.Counter(Registers.CntCreditStallLo) == 1));
        a.PutTx(a.Data(Payload(100, 4)));
        a.RingTx();                                                           // still no credit
        Assert.True(SpinUntil(() => _a.Counter(Registers.CntCreditStallLo) == 2));
        b.PostRx(2);                                                          // two of five go, then the credit ends the turn
        a.WaitCompletion();
        a.WaitCompletion();
        Assert.True(a.NoCompletionFor(20));
        Assert.Equal(3ul, _a.Counter(Registers.CntCreditStallLo));
        b.PostRx(3);                                                          // the last three: the ring ends the turn
        for (int i = 0; i < 3; i++) Assert.Equal(CompletionStatus.Ok, a.WaitCompletion().Status);
        a.DbCpl(false);
        b.PostRx(1);
        Thread.Sleep(10);
        a.Send(Payload(10, 9));                                               // credit at hand: nothing counted
        a.WaitCompletion();
        Assert.Equal(3ul, _a.Counter(Registers.CntCreditStallLo));
        Assert.Equal(6, b.DrainCompletions().Count(c => c.Status == CompletionStatus.Ok));
    }

    [Fact]
    public void BadTxDescriptorsCompleteWithErrorsInOrderAndTravelAsVoid()
    {
        var (a, b) = Pair(txLog: 4);
        b.PostRx(2);
        byte[] good = Payload(500, 7);
        TxDescriptor ok = a.Data(good, tag: 1);
        var bad = new (TxDescriptor d, CompletionStatus st)[]
        {
            (ok with { Addr = 0 }, CompletionStatus.BadAddr),
            (ok with { Addr = ulong.MaxValue - 10 }, CompletionStatus.BadAddr),   // the buffer wraps 2^64
            (ok with { Len = Spec.MaxPayloadBytes + 1 }, CompletionStatus.BadLen),
            (ok with { Len = 0 }, CompletionStatus.BadLen),                      // empty DATA
            (ok with { Flags = 1 }, CompletionStatus.BadDesc),
            (ok with { Rsvd1 = 9 }, CompletionStatus.BadDesc),
            (ok with { MsgType = (NetChannelType)7 }, CompletionStatus.BadDesc),
            // Several faults: the first of BAD_DESC, BAD_LEN, BAD_ADDR (nc_desc_validate).
            (ok with { Addr = 0, Flags = 1, Len = 99999 }, CompletionStatus.BadDesc),
            (ok with { Addr = 0, Len = 99999 }, CompletionStatus.BadLen),
            (ok with { Addr = 0, Len = 0 }, CompletionStatus.BadLen),
            (ok with { Addr = ulong.MaxValue - 10, Rsvd0 = 1, MsgType = (NetChannelType)200 }, CompletionStatus.BadDesc),
        };
        foreach (var (d, _) in bad) a.PutTx(d with { Tag = 7 });
        a.RingTx();
        for (int i = 0; i < bad.Length; i++)
        {
            Completion c = a.WaitCompletion();
            Assert.Equal((ushort)i, c.Index);
            Assert.Equal(bad[i].st, c.Status);
            Assert.Equal(PsnA + (uint)i, c.Psn);
            Assert.Equal((ushort)7, c.Tag);
            Assert.Equal(0, c.Len);
        }
        a.DbCpl(false);
        // An empty non-DATA message needs no address; then a good DATA one.
        a.PutTx(ok with { Addr = 0, Len = 0, MsgType = NetChannelType.Syn, Tag = 2 });
        a.Send(good, tag: 1);
        Completion syn = b.WaitCompletion();
        Assert.Equal((CompletionStatus.Ok, (ushort)0, 0, NetChannelType.Syn), (syn.Status, syn.Index, (int)syn.Len, syn.MsgType));
        Assert.Equal(PsnA + (uint)bad.Length, syn.Psn); // the VOIDs consumed no buffer
        Completion rx = b.WaitCompletion();
        Assert.Equal(CompletionStatus.Ok, rx.Status);
        Assert.Equal((ushort)1, rx.Index);
        Assert.Equal(PsnA + (uint)bad.Length + 1, rx.Psn);
        Assert.True(b.RxBuffer(1).Slice(0, good.Length).SequenceEqual(good));
        Assert.Equal(CompletionStatus.Ok, a.WaitCompletion().Status);
        Assert.Equal(CompletionStatus.Ok, a.WaitCompletion().Status);
        Assert.Equal((ulong)bad.Length, _a.Counter(Registers.CntBadDescLo));
        Assert.True(b.NoCompletionFor(20));
        // The receiver's credit grew by the VOIDs: its ack covers them.
        Assert.Equal(0u, _b.Cmd(9, 3));
        Assert.Equal(PsnA + (uint)bad.Length + 2, _b.Read(Registers.ChRbRxAck));
        Assert.Equal(2u, _b.Read(Registers.ChRbRxPkts)); // VOIDs are not packets placed
    }

    [Fact]
    public void NothingOutsideTheReceiveBufferIsTouched()
    {
        var (a, b) = Pair(rxBufBytes: 256);
        b.RxBuffer(0).Fill(0xEE);
        b.RxBuffer(1).Fill(0xEE);
        Span<byte> region = b.Memory.Span;
        byte[] before = region.ToArray();
        b.PostRx(2, len: 256);
        byte[] p = Payload(100, 3);
        a.Send(p);
        Assert.Equal(CompletionStatus.Ok, b.WaitCompletion().Status);
        // Too large for the 256-byte buffer: consumed as TOO_SMALL, nothing written, still acknowledged.
        a.Send(Payload(300, 4));
        Completion small = b.WaitCompletion();
        Assert.Equal(CompletionStatus.TooSmall, small.Status);
        Assert.Equal(300, small.Len);
        Assert.Equal(CompletionStatus.Ok, a.WaitCompletion().Status);
        Assert.Equal(CompletionStatus.Ok, a.WaitCompletion().Status);
        byte[] after = region.ToArray();
        long off0 = (long)(b.RxBufferBus(0) - b.Memory.BusAddress);
        long ringOff = (long)(b.RxRingBus - b.Memory.BusAddress), cplOff = (long)(b.CplRingBus - b.Memory.BusAddress);
        for (long i = 0; i < after.Length; i++)
        {
            bool inPayload = i >= off0 && i < off0 + 100;
            bool inRing = i >= ringOff && i < ringOff + (16 << b.RxLog);
            bool inCpl = i >= cplOff && i < cplOff + (32 << b.CplLog);
            if (inPayload || inRing || inCpl) continue;
            Assert.True(before[i] == after[i], $"byte {i} outside the payload changed");
        }
        Assert.True(b.RxBuffer(0).Slice(0, 100).SequenceEqual(p));
    }

    [Fact]
    public void ABadRxDescriptorConsumesItsBufferLikeTooSmallAndTheHostIsToldWhichMessageItLost()
    {
        var (a, b) = Pair();
        Span<byte> region = b.Memory.Span;
        for (int i = 0; i < 8; i++) b.RxBuffer(i).Fill(0xEE);
        byte[] before = region.ToArray();
        var posted = new (RxDescriptor r, CompletionStatus st)[]
        {
            (new RxDescriptor { Addr = b.RxBufferBus(0) + 8, Len = 1000, Tag = 40 }, CompletionStatus.BadAddr), // not 64-byte aligned
            (new RxDescriptor { Addr = b.RxBufferBus(1), Len = 0, Tag = 41 }, CompletionStatus.BadLen),
            (new RxDescriptor { Addr = b.RxBufferBus(2), Len = 1000, Tag = 42, Rsvd = 1 }, CompletionStatus.BadDesc),
            // Several faults: the first of BAD_DESC, BAD_LEN, BAD_ADDR.
            (new RxDescriptor { Addr = b.RxBufferBus(3) + 8, Len = 0, Tag = 43, Rsvd = 1 }, CompletionStatus.BadDesc),
            (new RxDescriptor { Addr = 0, Len = 0, Tag = 44 }, CompletionStatus.BadLen),
            (new RxDescriptor { Addr = b.RxBufferBus(5), Len = 1000, Tag = 45 }, CompletionStatus.Ok),
        };
        foreach (var (r, _) in posted) b.PutRx(r);
        b.RingRx();
        var sent = new List<byte[]>();
        for (int i = 0; i < posted.Length; i++)
        {
            sent.Add(Payload(10 + i, i));
            a.Send(sent[i], tag: (ushort)(60 + i), seq: (uint)(500 + i));
        }
        for (int i = 0; i < posted.Length; i++)
        {
            // Every buffer is consumed in ring order, each with the fields of the message it was meant for.
            Completion c = b.WaitCompletion();
            Assert.Equal(CompletionKind.Rx, c.Kind);
            Assert.Equal(posted[i].st, c.Status);
            Assert.Equal((ushort)i, c.Index);
            Assert.Equal(posted[i].r.Tag, c.Tag);
            Assert.Equal(sent[i].Length, c.Len);
            Assert.Equal(PsnA + (uint)i, c.Psn);
            Assert.Equal((uint)(500 + i), c.Seq);
            Assert.Equal((ushort)1111, c.SrcPort);
            Assert.Equal(NetChannelType.Data, c.MsgType);
        }
        // The sender sees every message acknowledged: the data went nowhere because the receiver asked so.
        for (int i = 0; i < posted.Length; i++)
        {
            Completion c = a.WaitCompletion();
            Assert.Equal((CompletionStatus.Ok, (ushort)(60 + i)), (c.Status, c.Tag));
        }
        Assert.Equal(5ul, _b.Counter(Registers.CntBadDescLo));
        Assert.Equal(0ul, _a.Counter(Registers.CntBadDescLo));
        Assert.Equal(0ul, _a.Counter(Registers.CntRetxLo));
        Assert.Equal(0u, _b.Cmd(9, 3));
        Assert.Equal(PsnA + (uint)posted.Length, _b.Read(Registers.ChRbRxAck)); // the PSNs count as received
        Assert.Equal((uint)posted.Length | ((uint)posted.Length << 16), _b.Read(Registers.ChRbRxIdx));
        Assert.True(b.RxBuffer(5).Slice(0, sent[5].Length).SequenceEqual(sent[5]));
        // Nothing was written into the bad buffers (or anywhere else but the good payload and the rings).
        byte[] after = region.ToArray();
        long good = (long)(b.RxBufferBus(5) - b.Memory.BusAddress);
        long ringOff = (long)(b.RxRingBus - b.Memory.BusAddress), cplOff = (long)(b.CplRingBus - b.Memory.BusAddress);
        for (long i = 0; i < after.Length; i++)
        {
            if ((i >= good && i < good + sent[5].Length) || (i >= ringOff && i < ringOff + (16 << b.RxLog)) ||
                (i >= cplOff && i < cplOff + (32 << b.CplLog))) continue;
            Assert.True(before[i] == after[i], $"byte {i} changed");
        }
    }

    [Fact]
    public void BadDoorbellsAreIgnoredAndCounted()
    {
        var (a, b) = Pair();
        int n = 0;
        void Bad(int reg, uint v)
        {
            _a.Write(reg, v);
            n++;
            Assert.Equal((ulong)n, _a.Counter(Registers.CntBadDoorbellLo));
        }
        void Good(int reg, uint v)
        {
            _a.Write(reg, v);
            Assert.Equal((ulong)n, _a.Counter(Registers.CntBadDoorbellLo));
        }
        Bad(Registers.DbTx, 3u | (1u << 16));          // channel not open
        Bad(Registers.DbTx, 70u | (1u << 16));         // channel beyond CAP_CHANNELS
        Bad(Registers.DbTx, 5u | (9u << 16));          // more than the ring (8) ahead
        Bad(Registers.DbRx, 5u | (9u << 16));
        Bad(Registers.DbRx, 3u | (1u << 16));          // channel not open
        Bad(Registers.DbCpl, 5u | (1u << 16));         // consumer beyond the producer
        Bad(Registers.DbCpl, 70u);                     // channel beyond CAP_CHANNELS
        Good(Registers.DbCpl, 3u | 0x8000u);           // a ring never opened: consumer 0 is its producer
        Bad(Registers.EqArm, 4u);                      // queue beyond CAP_EVENT_QUEUES
        Bad(Registers.EqArm, 0u | (5u << 16));         // consumer beyond the producer
        Good(Registers.EqArm, 3u);                     // a queue not enabled, consumer = producer: taken
        // Management doorbells (the queue is not enabled: checked against MGMT_RING_LOG 0, a ring of one).
        Good(Registers.MgmtDbTx, 1u);
        Bad(Registers.MgmtDbTx, 3u);                   // more than the ring ahead
        Bad(Registers.MgmtDbTx, 0u);                   // behind the previous doorbell
        Bad(Registers.MgmtDbRx, 2u);
        Bad(Registers.MgmtDbCpl, 1u);                  // consumer beyond the producer
        Assert.True(a.NoCompletionFor(20));
        // Behind the previous doorbell while nothing is taken yet (B has posted no buffer: no credit).
        a.PutTx(a.Data(Payload(10, 1)));
        a.PutTx(a.Data(Payload(10, 2)));
        a.RingTx();
        Bad(Registers.DbTx, 5u | (1u << 16));
        Good(Registers.DbTx, 5u | (2u << 16));         // the same index again is fine
        b.PostRx(8);
        a.WaitCompletion();
        a.WaitCompletion();
        Bad(Registers.DbTx, 5u | (1u << 16));          // behind the descriptors taken
        Bad(Registers.DbTx, 5u | (11u << 16));         // more than the ring beyond the oldest unacknowledged
        // B: an Rx doorbell behind its previous one.
        _b.Write(Registers.DbRx, 9u | (7u << 16));
        Assert.Equal(1ul, _b.Counter(Registers.CntBadDoorbellLo));
        // Nothing moved.
        Assert.Equal(0u, _a.Cmd(5, 3));
        Assert.Equal(2u | (2u << 16), _a.Read(Registers.ChRbTxIdx));
        Assert.Equal(0u, _b.Cmd(9, 3));
        Assert.Equal(8u | (2u << 16), _b.Read(Registers.ChRbRxIdx));
        Assert.True(a.NoCompletionFor(10));
        Assert.Equal(2, b.DrainCompletions().Count);
    }

    [Fact]
    public void CompletionRingArmingRaisesExactlyOneEventAndNeverLosesOne()
    {
        var (a, b) = Pair();
        b.PostRx(8);
        // Not armed: no event.
        a.Send(Payload(10, 1));
        b.WaitCompletion();
        Assert.Empty(_b.DrainEvents());
        // Armed on an empty ring: the next completion raises one event (source = channel, data = producer).
        b.DbCpl(arm: true);
        a.Send(Payload(10, 2));
        Event ev = _b.WaitEvent();
        Assert.Equal(EventType.Completion, ev.EvType);
        Assert.Equal((ushort)9, ev.Source);
        Assert.Equal(2u, ev.Data);
        // Disarmed by the event: the next completion raises none.
        a.Send(Payload(10, 3));
        b.WaitCompletion();
        b.WaitCompletion();
        Assert.Empty(_b.DrainEvents());
        // Armed while a completion is already there (consumer behind): the event is raised at once.
        a.Send(Payload(10, 4));
        Thread.Sleep(20);
        b.DbCpl(arm: true);
        ev = _b.WaitEvent();
        Assert.Equal(EventType.Completion, ev.EvType);
    }

    [Fact]
    public void EventQueueArmingRaisesTheInterruptAtOnceWhenEventsWait()
    {
        var (a, b) = Pair();
        b.PostRx(8);
        b.DbCpl(arm: true);
        a.Send(Payload(10, 1));
        Thread.Sleep(30); // the event is written; the queue is not armed: no interrupt
        Assert.Equal(0, _b.Interrupts(0));
        _b.ArmEq(); // consumer 0, one event waiting: fires at once
        Assert.True(_b.WaitInterrupt(5000));
        Assert.Equal(1, _b.Interrupts(0));
        Assert.True(_b.TryEvent(out _));
        _b.ArmEq(); // empty now: armed
        b.WaitCompletion();
        b.DbCpl(arm: true);
        a.Send(Payload(10, 2));
        Assert.True(_b.WaitInterrupt(5000));
        Assert.Equal(2, _b.Interrupts(0));
    }

    [Fact]
    public async Task ArmAndWaitDisciplineReceivesEverythingWithoutLostWakeups()
    {
        var (a, b) = Pair(txLog: 4, rxLog: 4);
        const int N = 3000;
        b.PostRx(16);
        int received = 0;
        var consumer = Task.Run(() =>
        {
            b.DbCpl(arm: true);
            _b.ArmEq();
            while (received < N)
            {
                if (!_b.WaitInterrupt(5000)) throw new TimeoutException($"lost wake-up after {received} messages");
                _b.DrainEvents();
                int got = 0;
                while (b.TryCompletion(out Completion c))
                {
                    Assert.Equal(CompletionStatus.Ok, c.Status);
                    got++;
                }
                received += got;
                b.DbCpl(arm: true); // consume then arm: fires at once if more arrived meanwhile
                if (got > 0) b.PostRx(got);
                _b.ArmEq();
            }
        });
        var producer = Task.Run(() =>
        {
            int done = 0;
            for (int i = 0; i < N; i++)
            {
                while (a.TxProd - done >= 16)
                {
                    while (a.TryCompletion(out _)) done++;
                    a.DbCpl(false);
                    Thread.Yield();
                }
                a.Send(Payload(1 + (i % 64), i));
            }
        });
        await Task.WhenAll(consumer, producer).WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Equal(N, received);
    }

    [Fact]
    public void AFullCompletionRingDropsAndRaisesAnErrorEvent()
    {
        var (a, b) = Pair(txLog: 1, rxLog: 1, cplLog: 2); // 2 + 2 = 4 completion slots
        b.PostRx(2);
        a.Send(Payload(10, 1));
        a.Send(Payload(10, 2));
        b.WaitCompletion();
        b.WaitCompletion();
        a.WaitCompletion(); a.WaitCompletion(); a.DbCpl(false);
        // B reuses its Rx slots without returning completion slots (a host bug).
        b.PostRx(2);
        a.Send(Payload(10, 3));
        a.Send(Payload(10, 4));
        b.WaitCompletion();
        b.WaitCompletion();
        a.WaitCompletion(); a.WaitCompletion(); a.DbCpl(false);
        b.PostRx(1);
        a.Send(Payload(10, 5));
        a.WaitCompletion();
        Assert.True(SpinUntil(() => _b.Counter(Registers.CntCplOverflowLo) == 1));
        Event ev = _b.WaitEvent();
        Assert.Equal(EventType.Error, ev.EvType);
        Assert.Equal((ushort)9, ev.Source);
        Assert.Equal(1u | ((uint)CompletionKind.Rx << 8), ev.Data); // [7:0] 1: completion ring overflow, [15:8] the kind lost
        // The lost completion was not written: the ring still holds the four the host has not returned.
        Assert.Equal(0u, _b.Cmd(9, 3));
        Assert.Equal(4u, _b.Read(Registers.ChRbCplIdx) & 0xFFFF);
    }

    [Fact]
    public void CloseCompletesEverythingOutstandingAndReadBackGivesTheFinalIndex()
    {
        var (a, b) = Pair();
        a.PostRx(4);
        for (int i = 0; i < 3; i++) a.PutTx(a.Data(Payload(10, i), tag: (ushort)(20 + i)));
        a.RingTx(); // B posted nothing: all three wait for credit, none is taken
        Thread.Sleep(20);
        Assert.Equal(0u, _a.Cmd(5, 2));
        // Not busy any more: every completion is already in memory, and read back gives the final index.
        var cpls = a.DrainCompletions();
        Assert.Equal(0u, _a.Cmd(5, 3));
        Assert.Equal(7u, _a.Read(Registers.ChRbCplIdx) & 0xFFFF);
        Assert.Equal(7, cpls.Count);
        Assert.All(cpls, c => Assert.Equal(CompletionStatus.ChannelDown, c.Status));
        // Descriptors the NIC never read complete with tag and length 0, in ring order; so do the Rx buffers.
        var tx = cpls.Where(c => c.Kind == CompletionKind.Tx).ToList();
        Assert.Equal(new ushort[] { 0, 1, 2 }, tx.Select(c => c.Index));
        Assert.All(tx, c => Assert.Equal((0, 0), ((int)c.Tag, (int)c.Len)));
        Assert.Equal(new uint[] { PsnA, PsnA + 1, PsnA + 2 }, tx.Select(c => c.Psn));
        var rx = cpls.Where(c => c.Kind == CompletionKind.Rx).ToList();
        Assert.Equal(new ushort[] { 0, 1, 2, 3 }, rx.Select(c => c.Index));
        Assert.All(rx, c => Assert.Equal(0, c.Tag));
        a.DbCpl(arm: false); // consuming after the close is allowed
        Assert.Equal(0ul, _a.Counter(Registers.CntBadDoorbellLo));
        // Frames for the closed channel are dropped and counted at B's side (and received: they passed the parser).
        ulong rxFrames = _a.Counter(Registers.CntRxFramesLo);
        b.Send(Payload(10, 9));
        Assert.True(SpinUntil(() => _a.Counter(Registers.CntNoChannelLo) >= 1));
        Assert.True(_a.Counter(Registers.CntRxFramesLo) > rxFrames);
        Assert.Equal(2u, _a.Cmd(5, 2)); // closing a closed channel
    }

    [Fact]
    public void CloseCompletesDescriptorsInFlightWithTheirTagsAndTheRestWithout()
    {
        var (a, b) = Pair(creditA: 2);
        _a.Write(Registers.RtoCycles, 25_000_000); // 100 ms: nothing is retransmitted during the test
        Assert.Equal(0u, _b.Cmd(9, 2));           // the frames find no channel: they stay in flight
        for (int i = 0; i < 3; i++) a.PutTx(a.Data(Payload(10 + i, i), tag: (ushort)(30 + i)));
        a.RingTx();
        Assert.True(SpinUntil(() => _b.Counter(Registers.CntNoChannelLo) == 2)); // two sent (the credit), one waits
        Assert.Equal(0u, _a.Cmd(5, 3));
        Assert.Equal(3u | (2u << 16), _a.Read(Registers.ChRbTxIdx));
        Assert.Equal(PsnA, _a.Read(Registers.ChRbTxUna));
        Assert.Equal(PsnA + 2, _a.Read(Registers.ChRbTxNxt));
        Assert.Equal(0u, _a.Cmd(5, 2));
        var tx = a.DrainCompletions();
        Assert.Equal(3, tx.Count);
        Assert.All(tx, c => Assert.Equal(CompletionStatus.ChannelDown, c.Status));
        Assert.Equal(new[] { (30, 10), (31, 11), (0, 0) }, tx.Select(c => ((int)c.Tag, (int)c.Len)));
        Assert.Equal(new uint[] { PsnA, PsnA + 1, PsnA + 2 }, tx.Select(c => c.Psn));
    }

    [Fact]
    public void APeerThatNeverAnswersFailsTheChannelAfterTheRetryLimit()
    {
        var (a, b) = Pair(creditA: 2);        // B granted two buffers when it agreed to open
        _a.Write(Registers.RtoCycles, 2500);  // 10 us
        _a.Write(Registers.RetryLimit, 3);
        Assert.Equal(0u, _b.Cmd(9, 2));        // the peer channel is gone
        a.PostRx(2);
        for (int i = 0; i < 3; i++) a.PutTx(a.Data(Payload(10 + i, i), tag: (ushort)(1 + i)));
        a.RingTx();
        // RETRY_LIMIT (3) timeouts retransmit both frames in flight; the next one fails the channel. The two in
        // flight complete TIMEOUT with their tags and lengths; the third was never taken: CHANNEL_DOWN, tag 0.
        var tx = new[] { a.WaitCompletion(), a.WaitCompletion(), a.WaitCompletion() };
        Assert.Equal(new[] { (CompletionStatus.Timeout, 1, 10), (CompletionStatus.Timeout, 2, 11), (CompletionStatus.ChannelDown, 0, 0) },
                     tx.Select(c => (c.Status, (int)c.Tag, (int)c.Len)));
        Assert.All(tx, c => Assert.Equal(CompletionKind.Tx, c.Kind));
        var rx = new[] { a.WaitCompletion(), a.WaitCompletion() };
        Assert.All(rx, c => Assert.Equal((CompletionKind.Rx, CompletionStatus.ChannelDown), (c.Kind, c.Status)));
        Event ev = _a.WaitEvent();
        Assert.Equal(EventType.Channel, ev.EvType);
        Assert.Equal((ushort)5, ev.Source);
        Assert.Equal(2u | ((uint)CompletionStatus.Timeout << 8), ev.Data);
        Assert.Equal(1ul, _a.Counter(Registers.CntChFailedLo));
        Assert.Equal(4ul, _a.Counter(Registers.CntTimeoutsLo));
        Assert.Equal(6ul, _a.Counter(Registers.CntRetxLo));       // 3 rounds of 2
        Assert.Equal(8ul, _a.Counter(Registers.CntTxFramesLo));   // 2 first sends + 6 retransmissions
        Assert.Equal(8ul, _b.Counter(Registers.CntNoChannelLo));  // each one arrived and found no channel
        Assert.Equal(8ul, _b.Counter(Registers.CntRxFramesLo));
        Assert.Equal(1ul, _a.Counter(Registers.CntCreditStallLo)); // the credit ended the first turn
        Assert.Equal(0u, _a.Cmd(5, 3));
        Assert.Equal(2u | ((uint)CompletionStatus.Timeout << 8), _a.Read(Registers.ChRbState));
        Assert.Equal(4u, _a.Read(Registers.ChRbTimeouts));
        Assert.Equal(6u, _a.Read(Registers.ChRbRetx));
        Assert.Equal(2u, _a.Read(Registers.ChRbTxPkts));
        Assert.Equal(2u | (2u << 16), _a.Read(Registers.ChRbTxIdx)); // as the RTL: producer back to the next to take
        Assert.Equal(PsnA + 2, _a.Read(Registers.ChRbTxUna));
        Assert.Equal(PsnA + 2, _a.Read(Registers.ChRbTxNxt));
        a.Send(Payload(10, 3)); // a failed channel takes no doorbell
        Assert.True(SpinUntil(() => _a.Counter(Registers.CntBadDoorbellLo) == 1));
        Assert.Equal(2u, _a.Cmd(5, 1));                // opening a failed channel: bad state
        Assert.Equal(0u, _a.Cmd(5, 2));                // it must be closed first
        Assert.True(a.NoCompletionFor(10));            // everything was completed when it failed
    }

    [Fact]
    public void AChannelOutOfCreditWhosePeerVanishedFailsOnUnansweredCreditProbes()
    {
        var (a, b) = Pair();                  // no credit: B never posted a buffer
        _a.Write(Registers.RtoCycles, 2500);
        _a.Write(Registers.RetryLimit, 3);
        Assert.Equal(0u, _b.Cmd(9, 2));
        a.PutTx(a.Data(Payload(10, 1), tag: 1));
        a.PutTx(a.Data(Payload(10, 2), tag: 2));
        a.RingTx();
        // Nothing is in flight, so the timer runs as a persist timer; its probes go unanswered.
        var tx = new[] { a.WaitCompletion(), a.WaitCompletion() };
        Assert.All(tx, c => Assert.Equal((CompletionStatus.ChannelDown, 0, 0), (c.Status, (int)c.Tag, (int)c.Len)));
        Event ev = _a.WaitEvent();
        Assert.Equal(2u | ((uint)CompletionStatus.Timeout << 8), ev.Data);
        Assert.Equal(1ul, _a.Counter(Registers.CntTimeoutsLo)); // probes are not timeouts; the one that fails is
        Assert.Equal(0ul, _a.Counter(Registers.CntRetxLo));
        Assert.Equal(0ul, _a.Counter(Registers.CntTxFramesLo));
        Assert.Equal(1ul, _a.Counter(Registers.CntCreditStallLo));
        Assert.Equal(0u, _a.Cmd(5, 3));
        Assert.Equal(2u | ((uint)CompletionStatus.Timeout << 8), _a.Read(Registers.ChRbState));
    }

    [Fact]
    public void AChannelOutOfCreditWithALivePeerWaitsAsLongAsItTakes()
    {
        var (a, b) = Pair();
        _a.Write(Registers.RtoCycles, 2500);  // probes every 10 us: unanswered, 3 would fail it within 70 us
        _a.Write(Registers.RetryLimit, 2);
        a.Send(Payload(10, 1), tag: 1);
        Assert.True(a.NoCompletionFor(50));   // answered probes: the peer is alive, only slow
        Assert.Equal(0u, _a.Cmd(5, 3));
        Assert.Equal(1u, _a.Read(Registers.ChRbState));
        b.PostRx(1);
        Completion c = a.WaitCompletion();
        Assert.Equal((CompletionStatus.Ok, (ushort)1), (c.Status, c.Tag));
        Assert.Equal(0ul, _a.Counter(Registers.CntTimeoutsLo) + _a.Counter(Registers.CntChFailedLo));
    }

    [Fact]
    public void ACutLinkLosesFramesAndTheyAreRetransmittedWhenItComesBack()
    {
        var (a, b) = Pair();
        _a.Write(Registers.RtoCycles, 250_000); // 1 ms
        _a.Write(Registers.RetryLimit, 50);
        b.PostRx(2);                            // A learns the credit at once
        _pair.SetLinkUp(false);
        Assert.Equal(1u, _a.Read(Registers.Status)); // running, link down
        for (int i = 0; i < 3; i++) a.PutTx(a.Data(Payload(10, i), tag: (ushort)(1 + i)));
        a.RingTx();
        Thread.Sleep(15);
        Assert.True(b.NoCompletionFor(0));
        // Two frames in flight (the credit), the third not taken.
        Assert.Equal(0u, _a.Cmd(5, 3));
        Assert.Equal(3u | (2u << 16), _a.Read(Registers.ChRbTxIdx));
        Assert.Equal(PsnA, _a.Read(Registers.ChRbTxUna));
        Assert.Equal(PsnA + 2, _a.Read(Registers.ChRbTxNxt));
        Assert.True(_a.Read(Registers.ChRbTimeouts) >= 1);
        _pair.SetLinkUp(true);
        for (int i = 0; i < 2; i++)
        {
            Completion rx = b.WaitCompletion();
            Assert.Equal((CompletionStatus.Ok, (ushort)i, PsnA + (uint)i), (rx.Status, rx.Index, rx.Psn));
            Completion tx = a.WaitCompletion();
            Assert.Equal((CompletionStatus.Ok, (ushort)(1 + i)), (tx.Status, tx.Tag));
        }
        b.PostRx(1);
        Assert.Equal(CompletionStatus.Ok, b.WaitCompletion().Status);
        Assert.Equal((ushort)3, a.WaitCompletion().Tag);
        ulong retx = _a.Counter(Registers.CntRetxLo);
        Assert.True(retx >= 2 && retx % 2 == 0, $"retransmissions {retx}: every timeout retransmits both frames in flight");
        Assert.Equal(0u, _a.Cmd(5, 3));
        Assert.Equal(3u, _a.Read(Registers.ChRbTxPkts)); // sent once each, retransmitted since
        Assert.Equal((uint)retx, _a.Read(Registers.ChRbRetx));
        Assert.Equal(0ul, _b.Counter(Registers.CntOutOfWindowLo) + _b.Counter(Registers.CntRxNoBufLo));
    }

    [Fact]
    public void ASenderGrantedMoreCreditThanThePeerPostedLosesFramesForWantOfABufferAndRetransmitsThem()
    {
        var (a, b) = Pair(creditA: 4);         // the host says B posted four buffers; it posts one
        _a.Write(Registers.RtoCycles, 25_000); // 100 us
        b.PostRx(1);
        for (int i = 0; i < 3; i++) a.PutTx(a.Data(Payload(10, i), tag: (ushort)i));
        a.RingTx();
        Assert.Equal(CompletionStatus.Ok, b.WaitCompletion().Status);
        Assert.True(SpinUntil(() => _b.Counter(Registers.CntRxNoBufLo) >= 1));
        b.PostRx(2);
        for (int i = 1; i < 3; i++)
        {
            Completion c = b.WaitCompletion();
            Assert.Equal((CompletionStatus.Ok, PsnA + (uint)i), (c.Status, c.Psn));
        }
        for (int i = 0; i < 3; i++)
        {
            Completion c = a.WaitCompletion();
            Assert.Equal((CompletionStatus.Ok, (ushort)i), (c.Status, c.Tag));
        }
        Assert.True(_a.Counter(Registers.CntRetxLo) >= 2);
        Assert.Equal(0u, _a.Cmd(5, 3));
        Assert.Equal(PsnA + 4, _a.Read(Registers.ChRbTxCredit)); // B's three buffers never raised it above the grant
    }

    [Fact]
    public void ARefusedDmaReadFailsTheChannel()
    {
        var (a, b) = Pair();
        b.PostRx(2);
        a.PutTx(a.Data(Payload(10, 1), tag: 4) with { Addr = 0x1000 }); // not mapped for the device
        a.PutTx(a.Data(Payload(10, 2), tag: 5));
        a.RingTx();
        Completion c = a.WaitCompletion();
        Assert.Equal((CompletionStatus.DmaFault, (ushort)4, 10), (c.Status, c.Tag, (int)c.Len));
        Completion d = a.WaitCompletion();
        Assert.Equal((CompletionStatus.ChannelDown, (ushort)0), (d.Status, d.Tag)); // never taken
        Event ev = _a.WaitEvent();
        Assert.Equal(2u | ((uint)CompletionStatus.DmaFault << 8), ev.Data);
        Assert.Equal(1ul, _a.Counter(Registers.CntDmaFaultLo));
        Assert.Equal(1ul, _a.Counter(Registers.CntChFailedLo));
        Assert.True(b.NoCompletionFor(10));
        Assert.True(SpinUntil(() => _b.Read(Registers.CntDropBase + 4 * (int)DropReason.BadFcs) == 1)); // the poisoned frame
    }

    [Fact]
    public void ARefusedTxDescriptorReadIsAVoidWithDmaFaultAndTheChannelGoesOn()
    {
        var (a, b) = Pair();
        // Re-open A's channel with its Tx ring at an address not mapped for the device.
        Assert.Equal(0u, _a.Cmd(5, 2));
        _a.Write(Registers.ChTxRingLo, 0x4_0000);
        _a.Write(Registers.ChTxRingHi, 0);
        Assert.Equal(0u, _a.Cmd(5, 1));
        b.PostRx(1);
        _a.Write(Registers.DbTx, 5u | (1u << 16));
        Completion c = a.WaitCompletion();
        Assert.Equal((CompletionKind.Tx, CompletionStatus.DmaFault, (ushort)0, (ushort)0, 0, PsnA), (c.Kind, c.Status, c.Index, c.Tag, (int)c.Len, c.Psn));
        Assert.Equal(1ul, _a.Counter(Registers.CntDmaFaultLo));
        Assert.Equal(0ul, _a.Counter(Registers.CntBadDescLo));
        Assert.Equal(0u, _a.Cmd(5, 3));
        Assert.Equal(1u, _a.Read(Registers.ChRbState));          // still open
        Assert.True(b.NoCompletionFor(10));                       // a VOID: no buffer used
        Assert.Equal(0u, _b.Cmd(9, 3));
        Assert.Equal(PsnA + 1, _b.Read(Registers.ChRbRxAck));
    }

    [Fact]
    public void DisposedMemoryIsNoLongerReachable()
    {
        var (a, b) = Pair();
        b.PostRx(1);
        DmaRegion extra = _pair.A.AllocateDma(4096);
        ulong addr = extra.BusAddress;
        extra.Dispose();
        a.PutTx(a.Data(Payload(10, 1)) with { Addr = addr });
        a.RingTx();
        Assert.Equal(CompletionStatus.DmaFault, a.WaitCompletion().Status);
    }

    [Fact]
    public void ManagementFramesArriveWholeWithTheHeaderAt0AndThePayloadAt128()
    {
        const int Log = 3;
        using var ma = new RawMgmt(_a, Log);
        using var mb = new RawMgmt(_b, Log);
        byte[] payload = Payload(40, 11);
        FrameHeader h = default;
        h.Eth.Dst = MacB; h.Eth.Src = MacA;
        h.Ipv4.Ttl = 64; h.Ipv4.Src = IpA; h.Ipv4.Dst = IpB;
        h.Udp.SrcPort = 777;
        h.Cth.Opcode = ChannelOpcode.Data; // the NIC makes it MGMT
        h.Cth.DstChan = 0x1234;
        h.Cth.Psn = 77;
        h.Nc.Seq = 55;
        // No buffer posted at B yet: dropped and counted.
        ma.Send(h, payload, tag: 3);
        Completion tx = ma.WaitCompletion();
        Assert.Equal((CompletionKind.MgmtTx, CompletionStatus.Ok, (ushort)3, (ushort)40), (tx.Kind, tx.Status, tx.Tag, tx.Len));
        // A MGMT_TX completion names no channel and carries no NetChannel fields (as nc_mgmt).
        Assert.Equal(((ushort)0xFFFF, 0u, 0u, (ushort)0), (tx.Channel, tx.Psn, tx.Seq, tx.SrcPort));
        Assert.True(SpinUntil(() => _b.Counter(Registers.CntRxNoBufLo) == 1));
        mb.PostRx(2);
        ma.Send(h, payload, tag: 4);
        Completion rx = mb.WaitCompletion();
        Assert.Equal(CompletionKind.MgmtRx, rx.Kind);
        Assert.Equal(CompletionStatus.Ok, rx.Status);
        Assert.Equal(40, rx.Len);
        Assert.Equal((ushort)0x1234, rx.Channel);
        Assert.Equal(55u, rx.Seq);
        Assert.Equal(77u, rx.Psn);
        Span<byte> buf = mb.RxBuffer(0);
        FrameHeader got = FrameHeader.Read(buf);
        Assert.Equal(DropReason.None, FrameParser.Parse(Frame(buf, 40), new ParserOptions(true, MacB, IpB), out FrameHeader parsed, out _));
        Assert.Equal(ChannelOpcode.Mgmt, got.Cth.Opcode);
        Assert.Equal((ushort)777, got.Udp.SrcPort);
        Assert.Equal(FrameBuilder.Complete(h with { Cth = h.Cth with { Opcode = ChannelOpcode.Mgmt } }, 40), got);
        Assert.True(buf.Slice(128, 40).SequenceEqual(payload));
        Assert.Equal(2ul, _a.Counter(Registers.CntMgmtTxLo));
        Assert.Equal(1ul, _b.Counter(Registers.CntMgmtRxLo));
        // A frame for another MAC is dropped by B's address filter, by reason.
        ma.Send(h with { Eth = h.Eth with { Dst = 0x02_99_99_99_99_99UL } }, payload, tag: 5);
        Assert.True(SpinUntil(() => _b.Read(Registers.CntDropBase + 4 * (int)DropReason.BadDstMac) == 1));
        // A buffer too small for the frame: TOO_SMALL, untouched.
        mb.PostRx(1, len: 128 + 20);
        mb.WaitNone(10);
        ma.Send(h, payload, tag: 6); // goes into the second buffer posted earlier (ring order)
        Assert.Equal(CompletionStatus.Ok, mb.WaitCompletion().Status);
        ma.Send(h, payload, tag: 7);
        Completion tooSmall = mb.WaitCompletion();
        Assert.Equal(CompletionStatus.TooSmall, tooSmall.Status);
        Assert.Equal((40, 55u), ((int)tooSmall.Len, tooSmall.Seq));
        // The NIC sends from its own addresses, whatever the host wrote (as nc_tx_hdr).
        mb.PostRx(1);
        ma.Send(h with { Eth = h.Eth with { Src = 0x0B_AD_BA_DB_AD_BAUL }, Ipv4 = h.Ipv4 with { Src = 0x01020304 } }, payload, tag: 8);
        Completion rx2 = mb.WaitCompletion();
        Assert.Equal(CompletionStatus.Ok, rx2.Status);
        FrameHeader got2 = FrameHeader.Read(mb.RxBuffer(rx2.Index & 7));
        Assert.Equal((MacA, IpA), (got2.Eth.Src, got2.Ipv4.Src));
    }

    [Fact]
    public void BadManagementDescriptorsCompleteWithTheFirstFaultAndSendNothing()
    {
        const int Log = 3;
        using var ma = new RawMgmt(_a, Log);
        using var mb = new RawMgmt(_b, Log);
        mb.PostRx(4);
        ulong buf = ma.TxBufferBus(0);
        var bad = new (TxDescriptor d, CompletionStatus st)[]
        {
            (new TxDescriptor { Addr = buf + 8, Len = 40, Flags = 1 }, CompletionStatus.BadDesc),       // first of BAD_DESC, BAD_LEN, BAD_ADDR
            (new TxDescriptor { Addr = 0, Len = Spec.MaxPayloadBytes + 1 }, CompletionStatus.BadLen),
            (new TxDescriptor { Addr = 0, Len = 40 }, CompletionStatus.BadAddr),
            (new TxDescriptor { Addr = buf + 8, Len = 40 }, CompletionStatus.BadAddr),                  // not 64-byte aligned
            (new TxDescriptor { Addr = ulong.MaxValue - 63, Len = 40 }, CompletionStatus.BadAddr),      // header + payload wrap 2^64
            (new TxDescriptor { Addr = 0x4_0000, Len = 40 }, CompletionStatus.DmaFault),               // not mapped for the device
        };
        for (int i = 0; i < bad.Length; i++) ma.SendRaw(bad[i].d with { Tag = (ushort)(10 + i) });
        for (int i = 0; i < bad.Length; i++)
        {
            Completion c = ma.WaitCompletion();
            Assert.Equal((CompletionKind.MgmtTx, bad[i].st, (ushort)i, (ushort)(10 + i), 0, (ushort)0xFFFF), (c.Kind, c.Status, c.Index, c.Tag, (int)c.Len, c.Channel));
        }
        Assert.Equal(5ul, _a.Counter(Registers.CntBadDescLo));
        Assert.Equal(1ul, _a.Counter(Registers.CntDmaFaultLo));
        Assert.Equal(0ul, _a.Counter(Registers.CntMgmtTxLo) + _a.Counter(Registers.CntTxFramesLo));
        mb.WaitNone(10);
        Assert.Equal(0ul, _b.Counter(Registers.CntRxFramesLo));
    }

    [Fact]
    public void ABadManagementRxDescriptorConsumesItsBufferAndDropsTheFrame()
    {
        const int Log = 3;
        using var ma = new RawMgmt(_a, Log);
        using var mb = new RawMgmt(_b, Log);
        mb.RxBuffer(0).Fill(0xEE);
        mb.PostRaw(new RxDescriptor { Addr = mb.RxBufferBus(0), Len = 1024, Tag = 0, Rsvd = 3 });
        mb.PostRx(1);
        FrameHeader h = default;
        h.Eth.Dst = MacB;
        h.Ipv4.Ttl = 64; h.Ipv4.Dst = IpB;
        h.Cth.DstChan = 0x2222;
        h.Cth.Psn = 5;
        h.Nc.Seq = 66;
        byte[] p1 = Payload(48, 1), p2 = Payload(48, 2);
        ma.Send(h, p1, tag: 1);
        ma.Send(h with { Nc = h.Nc with { Seq = 67 } }, p2, tag: 2);
        // The frame meant for the bad buffer is dropped; the host is told which one (its fields) and the buffer is back.
        Completion c1 = mb.WaitCompletion();
        Assert.Equal((CompletionKind.MgmtRx, CompletionStatus.BadDesc, (ushort)0, 48, 66u, (ushort)0x2222, 5u), (c1.Kind, c1.Status, c1.Index, (int)c1.Len, c1.Seq, c1.Channel, c1.Psn));
        Assert.True(mb.RxBuffer(0).ToArray().All(x => x == 0xEE));
        Completion c2 = mb.WaitCompletion();
        Assert.Equal((CompletionStatus.Ok, (ushort)1, 67u), (c2.Status, c2.Index, c2.Seq));
        Assert.True(mb.RxBuffer(1).Slice(128, 48).SequenceEqual(p2));
        Assert.Equal(1ul, _b.Counter(Registers.CntBadDescLo));
        Assert.Equal(1ul, _b.Counter(Registers.CntMgmtRxLo));
        Assert.Equal(2ul, _b.Counter(Registers.CntRxFramesLo));
    }

    [Fact]
    public void AnEventQueueCommandWithABadSizeDisablesTheQueue()
    {
        var (a, b) = Pair();
        b.PostRx(4);
        _b.Write(Registers.EqCmd, 0u | (0u << 8) | 0x1_0000);   // log 0 is below CAP_RING_LOG: the queue is disabled
        b.DbCpl(arm: true);
        a.Send(Payload(10, 1));
        b.WaitCompletion();
        Assert.True(SpinUntil(() => _b.Counter(Registers.CntEqOverflowLo) == 1)); // the event found no queue
        Assert.Empty(_b.DrainEvents());
        _b.Write(Registers.EqCmd, 0u | ((uint)RawNic.EqLog << 8) | 0x1_0000); // valid again (indices back to 0)
        b.DbCpl(arm: true);
        a.Send(Payload(10, 2));
        Event ev = _b.WaitEvent();
        Assert.Equal((EventType.Completion, (ushort)9, 2u), (ev.EvType, ev.Source, ev.Data));
    }

    private static byte[] Frame(ReadOnlySpan<byte> mgmtBuffer, int len)
    {
        var f = new byte[FrameHeader.Size + len];
        mgmtBuffer.Slice(0, FrameHeader.Size).CopyTo(f);
        mgmtBuffer.Slice(128, len).CopyTo(f.AsSpan(FrameHeader.Size));
        return f;
    }

    [Fact]
    public void CountersAreSixtyFourBitSnapshots()
    {
        var (a, b) = Pair();
        b.PostRx(8);
        for (int i = 0; i < 5; i++) a.Send(Payload(1000, i));
        for (int i = 0; i < 5; i++) b.WaitCompletion();
        uint lo = _a.Read(Registers.CntTxBytesLo);
        uint hi = _a.Read(Registers.CntTxBytesHi);
        Assert.Equal(5ul * (1000 + FrameHeader.Size), ((ulong)hi << 32) | lo);
    }

    [Fact]
    public void APoweredOffDeviceIsGoneForItsPeer()
    {
        var (a, b) = Pair();
        _pair.B.Dispose();
        Assert.True(SpinUntil(() => (_a.Read(Registers.Status) & 2) == 0));
        Assert.Throws<ObjectDisposedException>(() => _pair.B.ReadRegister(Registers.IdMagic));
        Assert.Throws<ObjectDisposedException>(() => _pair.B.WriteRegister(Registers.Ctrl, 0));
    }

    [Fact]
    public void LatencyClassChannelsAreServedFirst()
    {
        // Four bulk channels with 16 messages each and one latency channel with one message, all queued while
        // the NIC is disabled and with credit at the peer; when it is enabled the latency message goes first.
        _a.Write(Registers.Ctrl, 0);
        var chans = new List<RawChannel>();
        for (int id = 1; id <= 5; id++)
        {
            RawChannel c = Chan(_a, id, 4, 4), p = Chan(_b, id, 4, 4);
            Assert.Equal(0u, _a.Open(c, id, MacB, IpB, 0, 0, cls: id == 5 ? 1 : 0));
            Assert.Equal(0u, _b.Open(p, id, MacA, IpA, 0, 0));
            p.PostRx(16);
            int n = id == 5 ? 1 : 16;
            for (int i = 0; i < n; i++) c.PutTx(c.Data(Payload(4000, i)));
            c.RingTx();
            chans.Add(c);
        }
        _pair.A.TransmitTrace = new int[65];
        _a.Write(Registers.Ctrl, 3);
        foreach (RawChannel c in chans)
            for (int i = 0; i < (c.Id == 5 ? 1 : 16); i++) Assert.Equal(CompletionStatus.Ok, c.WaitCompletion().Status);
        Assert.Equal(65, _pair.A.TransmitTraceCount);
        Assert.Equal(5, _pair.A.TransmitTrace[0]);
    }

    [Fact]
    public void AFaultyInterruptHandlerDoesNotStopTheDevice()
    {
        var (a, b) = Pair();
        b.PostRx(8);
        int calls = 0;
        _pair.B.SetInterruptHandler(v =>
        {
            Interlocked.Increment(ref calls);
            throw new InvalidOperationException("a broken handler");
        });
        for (int i = 1; i <= 2; i++)
        {
            b.DbCpl(arm: true);
            _b.ArmEq();
            a.Send(Payload(10, i));
            Assert.True(SpinUntil(() => Volatile.Read(ref calls) == i), $"interrupt {i} never came");
            b.WaitCompletion();
            _b.DrainEvents();
        }
        Assert.Equal(2, _pair.B.InterruptHandlerFaults);
        Assert.Equal(Spec.NicMagic, _b.Read(Registers.IdMagic)); // still answering
    }

    private static bool SpinUntil(Func<bool> cond, int ms = 5000) => SpinWait.SpinUntil(cond, ms);
}

/// <summary>A management queue pair driven by hand.</summary>
internal sealed unsafe class RawMgmt : IDisposable
{
    private readonly RawNic _nic;
    private readonly DmaRegion _mem;
    private readonly int _log;
    private readonly ulong _tx, _rx, _cpl, _txBufs, _rxBufs;
    private int _txProd, _rxProd, _cplCons;

    public RawMgmt(RawNic nic, int log)
    {
        _nic = nic;
        _log = log;
        int n = 1 << log;
        _mem = nic.Dev.AllocateDma(n * 32 + n * 16 + 2 * n * 32 + 2 * n * 1024 + 64);
        _tx = _mem.BusAddress;
        _rx = _tx + (ulong)(n * 32);
        _cpl = _rx + (ulong)((n * 16 + 63) & ~63);
        _txBufs = _cpl + (ulong)(2 * n * 32);
        _rxBufs = _txBufs + (ulong)(n * 1024);
        nic.Write(Registers.MgmtTxRingLo, (uint)_tx); nic.Write(Registers.MgmtTxRingHi, (uint)(_tx >> 32));
        nic.Write(Registers.MgmtRxRingLo, (uint)_rx); nic.Write(Registers.MgmtRxRingHi, (uint)(_rx >> 32));
        nic.Write(Registers.MgmtCplRingLo, (uint)_cpl); nic.Write(Registers.MgmtCplRingHi, (uint)(_cpl >> 32));
        nic.Write(Registers.MgmtRingLog, (uint)log | ((uint)log << 8) | ((uint)(log + 1) << 16));
        nic.Write(Registers.MgmtCtrl, 1);
    }

    public Span<byte> RxBuffer(int i) => new((byte*)(_rxBufs + (ulong)(i * 1024)), 1024);

    public ulong RxBufferBus(int i) => _rxBufs + (ulong)(i * 1024);

    public ulong TxBufferBus(int i) => _txBufs + (ulong)(i * 1024);

    /// <summary>Writes <paramref name="d"/> as it is at the Tx producer index and rings MGMT_DB_TX.</summary>
    public void SendRaw(TxDescriptor d)
    {
        d.Write(new Span<byte>((byte*)(_tx + (ulong)((_txProd & ((1 << _log) - 1)) * 32)), 32));
        _txProd++;
        _nic.Write(Registers.MgmtDbTx, (ushort)_txProd);
    }

    /// <summary>Writes <paramref name="r"/> as it is at the Rx producer index and rings MGMT_DB_RX.</summary>
    public void PostRaw(RxDescriptor r)
    {
        r.Write(new Span<byte>((byte*)(_rx + (ulong)((_rxProd & ((1 << _log) - 1)) * 16)), 16));
        _rxProd++;
        _nic.Write(Registers.MgmtDbRx, (ushort)_rxProd);
    }

    public void Send(in FrameHeader h, ReadOnlySpan<byte> payload, ushort tag)
    {
        int k = _txProd & ((1 << _log) - 1);
        byte* buf = (byte*)(_txBufs + (ulong)(k * 1024));
        h.Write(new Span<byte>(buf, FrameHeader.Size));
        payload.CopyTo(new Span<byte>(buf + 128, payload.Length));
        new TxDescriptor { Addr = (ulong)buf, Len = (uint)payload.Length, Tag = tag }.Write(new Span<byte>((byte*)(_tx + (ulong)(k * 32)), 32));
        _txProd++;
        _nic.Write(Registers.MgmtDbTx, (ushort)_txProd);
    }

    public void PostRx(int n, uint len = 1024)
    {
        for (int i = 0; i < n; i++)
        {
            int k = _rxProd & ((1 << _log) - 1);
            new RxDescriptor { Addr = _rxBufs + (ulong)(k * 1024), Len = len, Tag = (ushort)k }.Write(new Span<byte>((byte*)(_rx + (ulong)(k * 16)), 16));
            _rxProd++;
        }
        _nic.Write(Registers.MgmtDbRx, (ushort)_rxProd);
    }

    public Completion WaitCompletion(int ms = 5000)
    {
        var sw = System.Diagnostics.Stopwatch.StartNew();
        int log = _log + 1;
        while (sw.ElapsedMilliseconds < ms)
        {
            byte* e = (byte*)(_cpl + (ulong)((_cplCons & ((1 << log) - 1)) * 32));
            byte expected = ((_cplCons >> log) & 1) == 0 ? Spec.PhaseBit : (byte)0;
            if ((Volatile.Read(ref e[31]) & Spec.PhaseBit) == expected)
            {
                _cplCons++;
                _nic.Write(Registers.MgmtDbCpl, (ushort)_cplCons);
                return Completion.Read(new ReadOnlySpan<byte>(e, 32));
            }
            Thread.Yield();
        }
        throw new TimeoutException("no management completion");
    }

    public void WaitNone(int ms) => Thread.Sleep(ms);

    public void Dispose() => _mem.Dispose();
}
