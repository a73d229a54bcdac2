using System;
using System.Collections.Generic;
using System.Linq;
using NetChannel.Device;
using NetChannel.Wire;

namespace NetChannel.Tests.Raw;

/// <summary>
/// The NIC programming model of docs/nic.md, checked register by register through <c>INicDevice</c> with the
/// raw ring driver (no NetChannel.Driver). Every fact here is behaviour the loopback test device and the
/// simulated NIC (the nc_nic RTL under libncsim) must share; one subclass per backend runs them all.
/// Behaviour only the RTL has (the lossy link, retransmission, credit probes, FCS) is in
/// <see cref="SimulatedNicTransportTests"/>, behaviour only the loopback device has in LoopbackDeviceTests.
/// </summary>
public abstract class NicContractTests : RawTestBase
{
    private protected NicContractTests(RawBackend backend) : base(backend) { }

    /// <summary>Identification and capability registers; read-only registers ignore writes; bad addresses throw.</summary>
    [Fact]
    public void IdentificationAndCapabilities()
    {
        Assert.Equal(Spec.NicMagic, A.Read(Registers.IdMagic));
        Assert.Equal((uint)Spec.SpecVersion, A.Read(Registers.IdVersion) & 0xFFFF);
        Assert.Equal((uint)Backend.Channels, A.Read(Registers.CapChannels));
        Assert.Equal((uint)Backend.EventQueues, A.Read(Registers.CapEventQueues));
        Assert.Equal(15u | (1u << 8), A.Read(Registers.CapRingLog));
        Assert.Equal(((uint)Spec.MaxPayloadBytes << 16) | 512u, A.Read(Registers.CapDatapath));
        Assert.Equal(64u | ((uint)Spec.SackWindow << 8), A.Read(Registers.CapTransport) & 0xFFFF);
        Assert.Equal(3u, A.Read(Registers.Status)); // running, link up
        A.Write(Registers.IdMagic, 0); // read-only: ignored
        Assert.Equal(Spec.NicMagic, A.Read(Registers.IdMagic));
        Assert.Equal(unchecked((uint)MacA), A.Read(Registers.MacLo));
        Assert.Equal((uint)(MacA >> 32), A.Read(Registers.MacHi) & 0xFFFF);
        Assert.Equal(IpB, B.Read(Registers.IpAddr));
        Assert.Throws<ArgumentOutOfRangeException>(() => A.Dev.ReadRegister(2));
        Assert.Throws<ArgumentOutOfRangeException>(() => A.Dev.WriteRegister(0x1_0000, 0));
    }

    /// <summary>CH_CMD result codes: bad channel, bad command, bad state, and every kind of bad context.</summary>
    [Fact]
    public void ChannelCommandsValidateTheContext()
    {
        RawChannel c = Chan(A, 3);
        Assert.Equal(1u, A.Cmd(Backend.Channels, 1));   // channel beyond CAP_CHANNELS
        Assert.Equal(4u, A.Cmd(3, 7));                  // unknown command
        Assert.Equal(2u, A.Cmd(3, 2));                  // close of a closed channel
        RawChannel small = Chan(A, 4, 3, 3, 3);         // completion ring smaller than Tx + Rx
        Assert.Equal(3u, A.Open(small, 1, MacB, IpB, 0, 0));
        Assert.Equal(3u, A.Open(c, 1, MacB, IpB, 0, 0, eq: Backend.EventQueues)); // event queue beyond CAP_EVENT_QUEUES
        Assert.Equal(3u, A.Open(c, 1, MacB, IpB, 0, 0, cls: 2));                 // class beyond 1
        A.Write(Registers.ChTxRingLo, (uint)c.TxRingBus + 8);                     // unaligned ring base
        Assert.Equal(3u, A.Cmd(3, 1));
        RawChannel zero = Chan(A, 6, 3, 3);
        Assert.Equal(0u, A.Open(zero, 1, MacB, IpB, 0, 0));
        Assert.Equal(0u, A.Cmd(6, 2));
        A.Write(Registers.ChRingLog, 0u | (3u << 8) | (4u << 16));               // Tx ring size 2^0: outside CAP_RING_LOG
        Assert.Equal(3u, A.Cmd(6, 1));
        A.Write(Registers.ChRingLog, 3u | (16u << 8) | (17u << 16));             // Rx ring size 2^16
        Assert.Equal(3u, A.Cmd(6, 1));
        A.Write(Registers.ChRingLog, 3u | (3u << 8) | (4u << 16));
        A.Write(Registers.ChRxRingLo, 0);                                        // zero ring base
        A.Write(Registers.ChRxRingHi, 0);
        Assert.Equal(3u, A.Cmd(6, 1));
        Assert.Equal(0u, A.Cmd(6, 3));
        Assert.Equal(0u, A.Read(Registers.ChRbState) & 3);                       // none of those opened it
        // Good, then twice.
        Assert.Equal(0u, A.Open(c, 1, MacB, IpB, 0, 0));
        Assert.Equal(2u, A.Open(c, 1, MacB, IpB, 0, 0));
        Assert.Equal(0u, A.Cmd(3, 3));
        Assert.Equal(1u, A.Read(Registers.ChRbState) & 3);
        Assert.Equal(0u, A.Cmd(3, 2));
        Assert.Equal(0u, A.Cmd(3, 3));
        Assert.Equal(0u, A.Read(Registers.ChRbState) & 3);
        Assert.Equal(2u, A.Cmd(3, 2));
    }

    /// <summary>Read back (command 3) returns the staged context and the live state of a fresh channel.</summary>
    [Fact]
    public void ReadBackReturnsTheContextAndTheInitialState()
    {
        RawChannel c = Chan(A, 12, 4, 5);
        Assert.Equal(0u, A.Open(c, 33, MacB, IpB, 1000, 2000, cls: 1, eq: 2, udp: 54321, credit: 8));
        foreach (int r in new[] { Registers.ChPeerMacLo, Registers.ChPeerMacHi, Registers.ChPeerIp, Registers.ChUdpSrc, Registers.ChPeerChan,
                                  Registers.ChTxRingLo, Registers.ChTxRingHi, Registers.ChRxRingLo, Registers.ChRxRingHi, Registers.ChCplRingLo,
                                  Registers.ChCplRingHi, Registers.ChRingLog })
            A.Write(r, 0xDEAD_0000);                     // clobber the staging: read back must restore it
        Assert.Equal(0u, A.Cmd(12, 3));
        Assert.Equal(unchecked((uint)MacB), A.Read(Registers.ChPeerMacLo));
        Assert.Equal((uint)(MacB >> 32), A.Read(Registers.ChPeerMacHi) & 0xFFFF);
        Assert.Equal(IpB, A.Read(Registers.ChPeerIp));
        Assert.Equal(54321u, A.Read(Registers.ChUdpSrc) & 0xFFFF);
        Assert.Equal(33u | (1u << 16) | (2u << 24), A.Read(Registers.ChPeerChan));
        Assert.Equal((uint)c.TxRingBus, A.Read(Registers.ChTxRingLo));
        Assert.Equal((uint)(c.RxRingBus >> 32), A.Read(Registers.ChRxRingHi));
        Assert.Equal((uint)c.CplRingBus, A.Read(Registers.ChCplRingLo));
        Assert.Equal(4u | (5u << 8) | (6u << 16), A.Read(Registers.ChRingLog));
        Assert.Equal(1u, A.Read(Registers.ChRbState));
        Assert.Equal(0u, A.Read(Registers.ChRbTxIdx));
        Assert.Equal(1000u, A.Read(Registers.ChRbTxUna));
        Assert.Equal(1000u, A.Read(Registers.ChRbTxNxt));
        Assert.Equal(0u, A.Read(Registers.ChRbRxIdx));
        Assert.Equal(2000u, A.Read(Registers.ChRbRxAck));
        Assert.Equal(0u, A.Read(Registers.ChRbCplIdx));
        Assert.Equal(0u, A.Read(Registers.ChRbTxPkts) + A.Read(Registers.ChRbRetx) + A.Read(Registers.ChRbRxPkts) + A.Read(Registers.ChRbDup) + A.Read(Registers.ChRbTimeouts));
    }

    /// <summary>The initial credit (CH_TX_CREDIT: buffers the peer had posted) shows in read back as the credit limit: INIT_PSN + CH_TX_CREDIT.</summary>
    [Fact]
    public virtual void ReadBackShowsTheInitialCreditAsTheCreditLimit()
    {
        RawChannel c = Chan(A, 12, 4, 5);
        Assert.Equal(0u, A.Open(c, 33, MacB, IpB, 0xFFFF_FFFE, 2000, credit: 8));
        Assert.Equal(0u, A.Cmd(12, 3));
        Assert.Equal(6u, A.Read(Registers.ChRbTxCredit));     // PSNs below INIT_PSN + CH_TX_CREDIT (mod 2^32) may be sent
        RawChannel d = Chan(A, 13, 4, 5);
        Assert.Equal(0u, A.Open(d, 34, MacB, IpB, 500, 2000, credit: 0));
        Assert.Equal(0u, A.Cmd(13, 3));
        Assert.Equal(500u, A.Read(Registers.ChRbTxCredit));
    }

    /// <summary>
    /// 40 messages of random sizes (1 to MAX_PAYLOAD_BYTES) through 4-entry rings and 8-entry completion rings (many
    /// wraps, so both phases), PSNs wrapping 2^32: every completion's fields, every payload byte, the counters.
    /// </summary>
    [Fact]
    public void DeliversEveryPayloadIntactInRingOrderWithPhaseBitsAcrossWraps()
    {
        var (a, b) = Pair(txLog: 2, rxLog: 2);
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
            Assert.Equal((ushort)i, rx.Tag);
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
            Assert.Equal(5, tx.Channel);
            a.DbCpl(false);
            b.DbCpl(false);
            b.PostRx(1);
        }
        // Counters. Pure ACK frames (86 bytes, none on the loopback device) are frames too.
        ulong ackTx = A.Counter(Registers.CntAckTxLo), ackRx = B.Counter(Registers.CntAckRxLo);
        Assert.Equal((ulong)n, A.Counter(Registers.CntTxFramesLo) - ackTx);
        Assert.Equal((ulong)sent.Sum(p => p.Length + FrameHeader.Size) + ackTx * FrameHeader.Size, A.Counter(Registers.CntTxBytesLo));
        Assert.Equal((ulong)n, B.Counter(Registers.CntRxFramesLo) - ackRx);
        Assert.Equal((ulong)sent.Sum(p => p.Length + FrameHeader.Size) + ackRx * FrameHeader.Size, B.Counter(Registers.CntRxBytesLo));
        Assert.Equal(0u, A.Cmd(5, 3));
        Assert.Equal(PsnA + (uint)n, A.Read(Registers.ChRbTxNxt));
        Assert.Equal(PsnA + (uint)n, A.Read(Registers.ChRbTxUna));
        Assert.Equal((uint)n, A.Read(Registers.ChRbTxPkts));
        Assert.Equal(0u, A.Read(Registers.ChRbRetx));
        Assert.Equal((uint)n | ((uint)n << 16), A.Read(Registers.ChRbTxIdx));
        Assert.Equal(0u, B.Cmd(9, 3));
        Assert.Equal(PsnA + (uint)n, B.Read(Registers.ChRbRxAck));
        Assert.Equal((uint)n, B.Read(Registers.ChRbRxPkts));
        Assert.Equal((uint)(n + 4) | ((uint)n << 16), B.Read(Registers.ChRbRxIdx));
        Assert.Equal(0ul, A.Counter(Registers.CntBadDoorbellLo) + B.Counter(Registers.CntBadDoorbellLo));
        Assert.Equal(0ul, B.Counter(Registers.CntRxNoBufLo) + B.Counter(Registers.CntDupLo));
    }

    /// <summary>A descriptor waits for the peer's credit (a posted Rx buffer), is never sent without it, never dropped.</summary>
    [Fact]
    public void TransmitWaitsForCreditAndNeverDrops()
    {
        var (a, b) = Pair();
        for (int i = 0; i < 3; i++) a.PutTx(a.Data(Payload(100, i), tag: (ushort)i));
        a.RingTx();
        Assert.True(a.NoCompletionAfterSettling(), "a Tx descriptor completed without a receive buffer at the peer");
        Assert.True(A.Counter(Registers.CntCreditStallLo) >= 1, "CNT_CREDIT_STALL did not count the stall");
        Assert.Equal(0u, A.Cmd(5, 3));
        Assert.Equal(PsnA, A.Read(Registers.ChRbTxNxt));          // no PSN given out
        b.PostRx(2);
        Assert.Equal(CompletionStatus.Ok, a.WaitCompletion().Status);
        Assert.Equal(CompletionStatus.Ok, a.WaitCompletion().Status);
        Assert.True(a.NoCompletionAfterSettling(), "the third message went without credit");
        b.PostRx(1);
        Assert.Equal((ushort)2, a.WaitCompletion().Index);
        for (int i = 0; i < 3; i++)
        {
            Completion c = b.WaitCompletion();
            Assert.Equal(((ushort)i, CompletionStatus.Ok, PsnA + (uint)i), (c.Index, c.Status, c.Psn));
        }
        Assert.Equal(0ul, B.Counter(Registers.CntRxNoBufLo));
    }

    /// <summary>
    /// Eight Tx descriptors with one fault each complete with BAD_ADDR / BAD_LEN / BAD_DESC in ring order, with
    /// their PSNs, counted in CNT_BAD_DESC; their PSNs travel as VOIDs that use no Rx buffer; nothing in either
    /// host's memory changes except the sender's completion entries; the next good message lands in the first buffer.
    /// </summary>
    [Fact]
    public void BadTxDescriptorsAreRejectedWithErrorCompletionsAndTouchNothing()
    {
        var (a, b) = Pair();
        b.PostRx(2);
        byte[] good = Payload(500, 7);
        TxDescriptor ok = a.Data(good, tag: 1);
        var bad = new (TxDescriptor d, CompletionStatus st)[]
        {
            (ok with { Addr = 0 }, CompletionStatus.BadAddr),
            (ok with { Addr = ulong.MaxValue - 10 }, CompletionStatus.BadAddr), // wraps the address space
            (ok with { Len = Spec.MaxPayloadBytes + 1 }, CompletionStatus.BadLen),
            (ok with { Len = 0 }, CompletionStatus.BadLen),                      // empty DATA
            (ok with { Flags = 1 }, CompletionStatus.BadDesc),
            (ok with { Rsvd1 = 9 }, CompletionStatus.BadDesc),
            (ok with { Rsvd0 = 1 }, CompletionStatus.BadDesc),
            (ok with { MsgType = (NetChannelType)7 }, CompletionStatus.BadDesc),
        };
        for (int i = 0; i < bad.Length; i++) a.PutTx(bad[i].d with { Tag = (ushort)(70 + i) });
        Time.Settle();
        byte[] aBefore = a.Memory.Span.ToArray(), bBefore = b.Memory.Span.ToArray();
        a.RingTx();
        for (int i = 0; i < bad.Length; i++)
        {
            Completion c = a.WaitCompletion();
            Assert.Equal(CompletionKind.Tx, c.Kind);
            Assert.True(c.Index == i && c.Tag == 70 + i, $"completion {i}: index {c.Index}, tag {c.Tag} (ring order)");
            Assert.True(bad[i].st == c.Status, $"descriptor {i}: {c.Status}, expected {bad[i].st}");
            Assert.Equal(PsnA + (uint)i, c.Psn);
        }
        Time.Settle();
        Assert.False(b.HasCompletion, "a rejected descriptor reached the peer");
        int cplOff = a.Offset(a.CplRingBus), cplEnd = cplOff + 32 * bad.Length;
        byte[] aAfter = a.Memory.Span.ToArray(), bAfter = b.Memory.Span.ToArray();
        for (int i = 0; i < aAfter.Length; i++)
            Assert.True(aBefore[i] == aAfter[i] || (i >= cplOff && i < cplEnd), $"sender memory changed at offset {i} (outside its completion entries)");
        Assert.True(bBefore.AsSpan().SequenceEqual(bAfter), "receiver memory changed");
        a.DbCpl(false);
        a.Send(good, tag: 1);
        Completion rx = b.WaitCompletion();
        Assert.Equal(CompletionStatus.Ok, rx.Status);
        Assert.Equal((ushort)0, rx.Index); // the VOIDs consumed no buffer
        Assert.Equal(PsnA + (uint)bad.Length, rx.Psn);
        Assert.True(b.RxBuffer(0).Slice(0, good.Length).SequenceEqual(good));
        Assert.Equal(CompletionStatus.Ok, a.WaitCompletion().Status);
        Assert.Equal((ulong)bad.Length, A.Counter(Registers.CntBadDescLo));
        Assert.True(b.NoCompletionAfterSettling());
        Assert.Equal(0u, B.Cmd(9, 3));
        Assert.Equal(PsnA + (uint)bad.Length + 1, B.Read(Registers.ChRbRxAck)); // the VOIDs are received PSNs
        Assert.Equal(1u, B.Read(Registers.ChRbRxIdx) >> 16);                     // one buffer used
    }

    /// <summary>A Tx descriptor with several faults reports the first of BAD_DESC, BAD_LEN, BAD_ADDR (docs/nic.md).</summary>
    [Fact]
    public virtual void ATxDescriptorWithSeveralFaultsReportsTheFirstOfBadDescBadLenBadAddr()
    {
        var (a, b) = Pair();
        b.PostRx(8);
        TxDescriptor ok = a.Data(Payload(10, 1));
        var cases = new (TxDescriptor d, CompletionStatus st)[]
        {
            (ok with { Addr = 0, Flags = 1, Len = 99999 }, CompletionStatus.BadDesc),
            (ok with { Addr = 0, MsgType = (NetChannelType)9 }, CompletionStatus.BadDesc),
            (ok with { Addr = 0, Len = 99999 }, CompletionStatus.BadLen),
            (ok with { Addr = ulong.MaxValue, Len = 0 }, CompletionStatus.BadLen),
            (ok with { Rsvd1 = 1, Len = 0 }, CompletionStatus.BadDesc),
        };
        foreach (var (d, _) in cases) a.PutTx(d);
        a.RingTx();
        foreach (var (_, st) in cases) Assert.Equal(st, a.WaitCompletion().Status);
    }

    /// <summary>A payload longer than the Rx buffer consumes it as TOO_SMALL (length reported, nothing written); nothing outside a payload changes.</summary>
    [Fact]
    public void TooSmallBuffersAreConsumedAndNothingOutsideThePayloadIsTouched()
    {
        var (a, b) = Pair(rxBufBytes: 256);
        b.RxBuffer(0).Fill(0xEE);
        b.RxBuffer(1).Fill(0xEE);
        byte[] before = b.Memory.Span.ToArray();
        b.PostRx(2, len: 256);
        byte[] p = Payload(100, 3);
        a.Send(p);
        Assert.Equal(CompletionStatus.Ok, b.WaitCompletion().Status);
        a.Send(Payload(300, 4), seq: 44);
        Completion small = b.WaitCompletion();
        Assert.Equal(CompletionStatus.TooSmall, small.Status);
        Assert.Equal(300, small.Len);
        Assert.Equal(44u, small.Seq);
        Assert.Equal(PsnA + 1, small.Psn);
        Assert.Equal(CompletionStatus.Ok, a.WaitCompletion().Status); // still acknowledged: the PSN counts as received
        Assert.Equal(CompletionStatus.Ok, a.WaitCompletion().Status);
        byte[] after = b.Memory.Span.ToArray();
        int off0 = b.Offset(b.RxBufferBus(0)), ringOff = b.Offset(b.RxRingBus), cplOff = b.Offset(b.CplRingBus);
        for (int i = 0; i < after.Length; i++)
        {
            bool inPayload = i >= off0 && i < off0 + 100;
            bool inRing = i >= ringOff && i < ringOff + (16 << b.RxLog);
            bool inCpl = i >= cplOff && i < cplOff + (32 << b.CplLog);
            if (inPayload || inRing || inCpl) continue;
            Assert.True(before[i] == after[i], $"byte {i} outside the payload changed");
        }
        Assert.True(b.RxBuffer(0).Slice(0, 100).SequenceEqual(p));
        Assert.True(b.NoCompletionAfterSettling());
    }

    /// <summary>
    /// A bad Rx descriptor is consumed like TOO_SMALL (docs/nic.md): completed in ring order with its error (the first
    /// of BAD_DESC, BAD_LEN, BAD_ADDR) and the lost frame's length, PSN and fields; nothing is written; the PSN counts
    /// as received (the sender's descriptor completes OK); CNT_BAD_DESC counts it.
    /// </summary>
    [Fact]
    public virtual void BadRxDescriptorsAreConsumedWithTheirErrorAndTheFrameIsLost()
    {
        var (a, b) = Pair();
        for (int i = 0; i < 8; i++) b.RxBuffer(i).Fill(0xEE);
        var posts = new (RxDescriptor d, CompletionStatus st)[]
        {
            (new RxDescriptor { Addr = b.RxBufferBus(0) + 8, Len = 1000, Tag = 40 }, CompletionStatus.BadAddr),  // not 64-byte aligned
            (new RxDescriptor { Addr = b.RxBufferBus(1), Len = 0, Tag = 41 }, CompletionStatus.BadLen),
            (new RxDescriptor { Addr = b.RxBufferBus(2), Len = 1000, Tag = 42, Rsvd = 1 }, CompletionStatus.BadDesc),
            (new RxDescriptor { Addr = 0, Len = 1000, Tag = 43 }, CompletionStatus.BadAddr),
            (new RxDescriptor { Addr = b.RxBufferBus(4) + 4, Len = 0, Tag = 44, Rsvd = 2 }, CompletionStatus.BadDesc), // several faults
            (new RxDescriptor { Addr = b.RxBufferBus(5) + 4, Len = 0, Tag = 45 }, CompletionStatus.BadLen),
            (new RxDescriptor { Addr = b.RxBufferBus(6), Len = 1000, Tag = 46 }, CompletionStatus.Ok),
        };
        foreach (var (d, _) in posts) b.PutRx(d);
        b.RingRx();
        var sent = new List<byte[]>();
        for (int i = 0; i < posts.Length; i++)
        {
            sent.Add(Payload(10 + i, i));
            a.Send(sent[i], tag: (ushort)i, seq: (uint)(500 + i));
        }
        for (int i = 0; i < posts.Length; i++)
        {
            Completion c = b.WaitCompletion();
            Assert.True(c.Kind == CompletionKind.Rx && c.Index == i && c.Tag == 40 + i, $"Rx completion {i}: kind {c.Kind}, index {c.Index}, tag {c.Tag}");
            Assert.True(posts[i].st == c.Status, $"Rx descriptor {i}: {c.Status}, expected {posts[i].st}");
            Assert.True(c.Len == sent[i].Length && c.Psn == PsnA + (uint)i && c.Seq == 500 + i,
                        $"Rx completion {i}: len {c.Len}, PSN {c.Psn}, seq {c.Seq}: not the frame's");
        }
        Assert.True(b.RxBuffer(6).Slice(0, sent[6].Length).SequenceEqual(sent[6]));
        for (int i = 0; i < 6; i++) Assert.True(b.RxBuffer(i).IndexOfAnyExcept((byte)0xEE) < 0, $"the buffer of bad descriptor {i} was written");
        for (int i = 0; i < posts.Length; i++) Assert.Equal(CompletionStatus.Ok, a.WaitCompletion().Status);
        Assert.Equal(6ul, B.Counter(Registers.CntBadDescLo));
        Assert.True(b.NoCompletionAfterSettling());
    }

    /// <summary>Doorbells for closed or nonexistent channels, beyond the ring, backwards, or consumer indices beyond the producer are ignored and counted.</summary>
    [Fact]
    public void BadDoorbellsAreIgnoredAndCounted()
    {
        var (a, b) = Pair();
        b.PostRx(8);
        int n = 0;
        void Bad(int reg, uint v, string what)
        {
            A.Write(reg, v);
            n++;
            Eventually(() => A.Counter(Registers.CntBadDoorbellLo) >= (ulong)n, $"CNT_BAD_DOORBELL did not count: {what}");
            Time.Settle();
            Assert.True((ulong)n == A.Counter(Registers.CntBadDoorbellLo), $"CNT_BAD_DOORBELL counted more than one: {what}");
        }
        Bad(Registers.DbTx, 3u | (1u << 16), "DB_TX of a closed channel");
        Bad(Registers.DbTx, (uint)(Backend.Channels + 6) | (1u << 16), "DB_TX of a channel beyond CAP_CHANNELS");
        Bad(Registers.DbTx, 5u | (9u << 16), "DB_TX more than the ring (8) ahead");
        Bad(Registers.DbRx, 5u | (9u << 16), "DB_RX more than the ring ahead");
        Bad(Registers.DbRx, 3u | (1u << 16), "DB_RX of a closed channel");
        Bad(Registers.DbCpl, 5u | (1u << 16), "DB_CPL consumer beyond the producer");
        Bad(Registers.EqArm, 0u | (5u << 16), "EQ_ARM consumer beyond the producer");
        Assert.True(a.NoCompletionAfterSettling());
        Assert.Equal(0u, A.Cmd(5, 3));
        Assert.Equal(0u, A.Read(Registers.ChRbTxIdx));
        Assert.Equal(0u, A.Read(Registers.ChRbRxIdx));
        // A good doorbell, then one going backwards.
        a.PutTx(a.Data(Payload(10, 1)));
        a.PutTx(a.Data(Payload(10, 2)));
        a.RingTx();
        a.WaitCompletion();
        a.WaitCompletion();
        Bad(Registers.DbTx, 5u | (1u << 16), "DB_TX behind the previous one");
        Assert.Equal(2, b.DrainCompletions().Count);
    }

    /// <summary>DB_CPL arm: one COMPLETION event (source = channel, data = producer index) for the next completion, none unarmed, at once when completions already wait.</summary>
    [Fact]
    public void CompletionRingArmingRaisesExactlyOneEventAndNeverLosesOne()
    {
        var (a, b) = Pair();
        b.PostRx(8);
        a.Send(Payload(10, 1));                       // not armed: no event
        b.WaitCompletion();
        Time.Settle();
        Assert.Empty(B.DrainEvents());
        b.DbCpl(arm: true);                           // armed on an empty ring
        a.Send(Payload(10, 2));
        Event ev = B.WaitEvent();
        Assert.Equal(EventType.Completion, ev.EvType);
        Assert.Equal((ushort)9, ev.Source);
        Assert.Equal(2u, ev.Data);
        Assert.True(b.HasCompletion, "the event came before its completion was in memory");
        a.Send(Payload(10, 3));                       // disarmed by the event
        b.WaitCompletion();
        b.WaitCompletion();
        Time.Settle();
        Assert.Empty(B.DrainEvents());
        a.Send(Payload(10, 4));                       // armed while a completion already waits: at once
        Time.Settle();
        b.DbCpl(arm: true);
        ev = B.WaitEvent();
        Assert.Equal(EventType.Completion, ev.EvType);
        Assert.Equal(4u, ev.Data);
        Time.Settle();
        Assert.Empty(B.DrainEvents());
        Assert.Equal(0, B.InterruptsTotal);           // the event queue was never armed
    }

    /// <summary>
    /// Interrupts through the C# handler: an event queue raises its vector when an event is written while it is
    /// armed, once; EQ_ARM over waiting events fires at once; a channel on event queue 2 raises vector 2 only.
    /// </summary>
    [Fact]
    public void EventQueueArmingRaisesTheInterruptOnceAndAtOnceWhenEventsWait()
    {
        var (a, b) = Pair();
        b.PostRx(8);
        b.DbCpl(arm: true);
        a.Send(Payload(10, 1));
        B.WaitEvent();
        B.Eq.Cons--;                                  // leave the event unconsumed
        Time.Settle();
        Assert.Equal(0, B.InterruptsTotal);           // the queue is not armed: no interrupt
        B.ArmEq();                                    // consumer 0, one event waiting: fires at once
        Assert.True(B.WaitInterrupt(), "EQ_ARM with a waiting event raised no interrupt");
        Assert.Equal(1, B.Interrupts(0));
        Assert.True(B.TryEvent(out _));
        B.ArmEq();                                    // empty now: armed
        b.WaitCompletion();
        b.DbCpl(arm: true);
        a.Send(Payload(10, 2));
        Assert.True(B.WaitInterrupt(), "an armed queue raised no interrupt for a new event");
        Assert.Equal(2, B.Interrupts(0));
        Time.Settle();
        Assert.Equal(2, B.InterruptsTotal);           // disarmed by the interrupt
        Assert.Equal((ushort)9, Assert.Single(B.DrainEvents()).Source);
        b.DrainCompletions();
        b.DbCpl(arm: false);
        // A channel on event queue 2: its events go there and raise vector 2.
        RawEventQueue eq2 = B.AddEventQueue(2, 4);
        RawChannel a2 = Chan(A, 6), b2 = Chan(B, 10);
        Assert.Equal(0u, A.Open(a2, 10, MacB, IpB, 0, 0));
        Assert.Equal(0u, B.Open(b2, 6, MacA, IpA, 0, 0, eq: 2));
        b2.PostRx(4);
        b2.DbCpl(arm: true);
        eq2.Arm();
        a2.Send(Payload(20, 3));
        Assert.True(B.WaitInterrupt(), "event queue 2 raised no interrupt");
        Assert.Equal(1, B.Interrupts(2));
        Assert.Equal(2, B.Interrupts(0));
        Time.Settle();
        List<Event> evs = eq2.Drain();
        Assert.Single(evs);
        Assert.Equal((EventType.Completion, (ushort)10), (evs[0].EvType, evs[0].Source));
        Assert.Empty(B.DrainEvents());
    }

    /// <summary>
    /// When the host takes an interrupt, the event that raised it — and the completion that event announces — is in
    /// memory (as an MSI after the device's posted writes on PCIe): a host that looks at once finds both.
    /// </summary>
    [Fact]
    public virtual void WhenTheInterruptIsTakenItsEventAndCompletionAreInMemory()
    {
        var (a, b) = Pair();
        b.PostRx(8);
        for (int i = 0; i < 5; i++)
        {
            b.DbCpl(arm: true);
            B.ArmEq();
            a.Send(Payload(20 + i, i));
            Assert.True(B.WaitInterrupt(), $"message {i}: no interrupt");
            bool ev = B.TryEvent(out Event e), cpl = b.HasCompletion;
            Assert.True(ev && cpl, $"message {i}: interrupt taken with the event {(ev ? "" : "not ")}in memory and the completion {(cpl ? "" : "not ")}in memory");
            Assert.Equal((EventType.Completion, (ushort)9, (uint)(i + 1)), (e.EvType, e.Source, e.Data));
            Assert.Equal(CompletionStatus.Ok, b.WaitCompletion().Status);
            a.WaitCompletion();
        }
    }

    /// <summary>
    /// The arm-and-wait discipline of a driver's poller (consume, DB_CPL with arm, EQ_ARM, sleep until the
    /// interrupt): 3,000 messages with a producer keeping 16 in flight; a lost wake-up would stall it.
    /// </summary>
    [Fact]
    public void ArmAndWaitDisciplineReceivesEverythingWithoutLostWakeups()
    {
        var (a, b) = Pair(txLog: 4, rxLog: 4);
        const int N = 3000;
        b.PostRx(16);
        b.DbCpl(arm: true);
        B.ArmEq();
        int received = 0, sent = 0, done = 0;
        while (received < N)
        {
            while (sent < N && sent - done < 16) a.Send(Payload(1 + (sent % 64), sent), seq: (uint)sent++);
            if (!B.WaitInterrupt()) Assert.Fail($"lost wake-up after {received} messages");
            B.DrainEvents();
            int got = 0;
            while (b.TryCompletion(out Completion c))
            {
                Assert.Equal(CompletionStatus.Ok, c.Status);
                Assert.Equal((uint)(received + got), c.Seq);
                got++;
            }
            received += got;
            b.DbCpl(arm: true); // consume, then arm: fires at once if more arrived meanwhile
            if (got > 0) b.PostRx(got);
            B.ArmEq();
            while (a.TryCompletion(out Completion t))
            {
                Assert.Equal(CompletionStatus.Ok, t.Status);
                done++;
            }
            a.DbCpl(false);
        }
        Assert.Equal(N, received);
    }

    /// <summary>A host that reuses Rx slots without returning completion slots overflows its ring: the completion is dropped, CNT_CPL_OVERFLOW counts it, an ERROR event names the channel and the lost completion's kind.</summary>
    [Fact]
    public void AFullCompletionRingDropsAndRaisesAnErrorEvent()
    {
        Event ev = OverflowTheCompletionRing(out RawChannel b);
        Assert.Equal(EventType.Error, ev.EvType);
        Assert.Equal((ushort)9, ev.Source);
        Assert.Equal((uint)CompletionKind.Rx, (ev.Data >> 8) & 0xFF);
        Assert.False(b.HasCompletion, "the lost completion was written over an unconsumed one");
    }

    /// <summary>The ERROR event of a completion ring overflow says so: data[7:0] = 1 (docs/nic.md).</summary>
    [Fact]
    public virtual void TheErrorEventOfAnOverflowSaysCompletionRingOverflow()
    {
        Event ev = OverflowTheCompletionRing(out _);
        Assert.Equal(EventType.Error, ev.EvType);
        Assert.Equal(1u, ev.Data & 0xFF);
    }

    private Event OverflowTheCompletionRing(out RawChannel bOut)
    {
        var (a, b) = Pair(txLog: 1, rxLog: 1, cplLog: 2); // 2 + 2 = 4 completion slots
        bOut = b;
        b.PostRx(2);
        a.Send(Payload(10, 1));
        a.Send(Payload(10, 2));
        b.WaitCompletion();
        b.WaitCompletion();
        a.WaitCompletion(); a.WaitCompletion(); a.DbCpl(false);
        b.PostRx(2);  // B reuses its Rx slots without returning completion slots (a host bug)
        a.Send(Payload(10, 3));
        a.Send(Payload(10, 4));
        b.WaitCompletion();
        b.WaitCompletion();
        a.WaitCompletion(); a.WaitCompletion(); a.DbCpl(false);
        b.PostRx(1);
        a.Send(Payload(10, 5));
        Assert.Equal(CompletionStatus.Ok, a.WaitCompletion().Status);
        Eventually(() => B.Counter(Registers.CntCplOverflowLo) == 1, "CNT_CPL_OVERFLOW");
        return B.WaitEvent();
    }

    /// <summary>
    /// Close with 6 Tx descriptors outstanding (4 sent and unacknowledged, 2 waiting for credit) and 8 unused Rx
    /// buffers: once CH_CMD_STATUS is not busy, read back gives the final completion producer index (14), and 14
    /// CHANNEL_DOWN completions arrive — Tx and Rx each in ring order —, nothing more; DB_CPL is still accepted.
    /// </summary>
    [Fact]
    public void CloseCompletesEverythingOutstandingAndReadBackGivesTheFinalIndex()
    {
        var (a, _) = Pair(creditA: 4);
        List<Completion> cpls = CloseWithEverythingOutstanding(a);
        Assert.All(cpls, c => Assert.Equal((CompletionStatus.ChannelDown, (ushort)5), (c.Status, c.Channel)));
        Assert.Equal(Enumerable.Range(0, 6).Select(t => (ushort)t), cpls.Where(c => c.Kind == CompletionKind.Tx).Select(c => c.Index));
        Assert.Equal(Enumerable.Range(0, 8).Select(t => (ushort)t), cpls.Where(c => c.Kind == CompletionKind.Rx).Select(c => c.Index));
        Assert.Equal(Enumerable.Range(0, 4).Select(i => PsnA + (uint)i), cpls.Where(c => c.Kind == CompletionKind.Tx).Take(4).Select(c => c.Psn));
        a.DbCpl(arm: false); // consuming after the close is allowed
        Time.Settle();
        Assert.Equal(0ul, A.Counter(Registers.CntBadDoorbellLo));
        Assert.True(a.NoCompletionAfterSettling());
        Assert.Equal(2u, A.Cmd(5, 2));
    }

    /// <summary>The CHANNEL_DOWN completions of a close carry each descriptor's tag (the completion's tag is "the descriptor's tag"), for descriptors the NIC never fetched too.</summary>
    [Fact]
    public virtual void CloseCompletionsCarryTheDescriptorsTags()
    {
        var (a, _) = Pair(creditA: 4);
        List<Completion> cpls = CloseWithEverythingOutstanding(a);
        Assert.Equal(Enumerable.Range(20, 6).Select(t => (ushort)t), cpls.Where(c => c.Kind == CompletionKind.Tx).Select(c => c.Tag));
        Assert.Equal(Enumerable.Range(0, 8).Select(t => (ushort)t), cpls.Where(c => c.Kind == CompletionKind.Rx).Select(c => c.Tag));
    }

    private List<Completion> CloseWithEverythingOutstanding(RawChannel a)
    {
        A.Write(Registers.RtoCycles, 10_000_000);
        Assert.Equal(0u, B.Cmd(9, 2));                 // the peer is gone: nothing is acknowledged
        a.PostRx(8);                                   // tags 0..7
        for (int i = 0; i < 6; i++) a.PutTx(a.Data(Payload(1000, i), tag: (ushort)(20 + i)));
        a.RingTx();
        Time.Settle();
        Assert.False(a.HasCompletion);
        Assert.Equal(0u, A.Cmd(5, 2));
        // Not busy: every completion is issued, read back gives the final producer index; they may still be arriving.
        Assert.Equal(0u, A.Cmd(5, 3));
        Assert.Equal(0u, A.Read(Registers.ChRbState) & 3);
        Assert.Equal(14u, A.Read(Registers.ChRbCplIdx) & 0xFFFF);
        var cpls = new List<Completion>();
        Eventually(() => { cpls.AddRange(a.DrainCompletions()); return cpls.Count >= 14; }, "the close's 14 completions");
        Assert.Equal(14, cpls.Count);
        return cpls;
    }

    /// <summary>Frames for a channel the receiver closed are dropped and counted (CNT_NO_CHANNEL); nothing of the receiver's memory changes.</summary>
    [Fact]
    public void AFrameForAClosedChannelIsDroppedAndCounted()
    {
        var (a, b) = Pair();
        b.PostRx(4);
        a.Send(Payload(50, 1));
        Assert.Equal(CompletionStatus.Ok, b.WaitCompletion().Status);
        Assert.Equal(CompletionStatus.Ok, a.WaitCompletion().Status);
        ulong before = B.Counter(Registers.CntNoChannelLo);
        Assert.Equal(0u, B.Cmd(9, 2));
        for (int i = 0; i < 3; i++) Assert.Equal(CompletionStatus.ChannelDown, b.WaitCompletion().Status);
        byte[] mem = b.Memory.Span.ToArray();
        for (int i = 0; i < 3; i++) a.Send(Payload(60, 2 + i), seq: (uint)i);
        Eventually(() => B.Counter(Registers.CntNoChannelLo) >= before + 3, "CNT_NO_CHANNEL did not count the frames for the closed channel");
        Time.Settle();
        Assert.True(mem.AsSpan().SequenceEqual(b.Memory.Span), "a frame for the closed channel changed the receiver's memory");
        // Nothing was acknowledged: the sender's descriptors are outstanding or (once it gave up) TIMEOUT.
        Assert.All(a.DrainCompletions(), c => Assert.Equal(CompletionStatus.Timeout, c.Status));
    }

    /// <summary>A frame whose source channel is not the one the receiving channel's context names is dropped and counted; the right peer still gets through.</summary>
    [Fact]
    public void AFrameFromAnUnexpectedPeerChannelIsDroppedAndCounted()
    {
        var (a, b) = Pair();
        RawChannel stranger = Chan(A, 6);
        Assert.Equal(0u, A.Open(stranger, 9, MacB, IpB, 77, PsnB, credit: 2)); // names B's channel 9, which expects channel 5
        b.PostRx(4);
        byte[] mem = b.Memory.Span.ToArray();
        ulong before = B.Counter(Registers.CntNoChannelLo);
        stranger.Send(Payload(40, 1));
        Eventually(() => B.Counter(Registers.CntNoChannelLo) >= before + 1, "CNT_NO_CHANNEL did not count the stranger's frame");
        Time.Settle();
        Assert.True(mem.AsSpan().SequenceEqual(b.Memory.Span), "the stranger's frame changed the receiver's memory");
        byte[] p = Payload(40, 2);
        a.Send(p);
        Completion c = b.WaitCompletion();
        Assert.Equal((CompletionStatus.Ok, (ushort)0, PsnA), (c.Status, c.Index, c.Psn));
        Assert.True(b.RxBuffer(0).Slice(0, 40).SequenceEqual(p));
    }

    /// <summary>
    /// A peer that never answers: after RETRY_LIMIT timeouts in a row the channel fails — outstanding Tx complete
    /// TIMEOUT, unused Rx CHANNEL_DOWN, a CHANNEL event, CNT_CH_FAILED; it takes no doorbell and must be closed before reopening.
    /// </summary>
    [Fact]
    public void APeerThatNeverAnswersFailsTheChannelAfterTheRetryLimit()
    {
        var (a, b) = Pair(creditA: 2);
        A.Write(Registers.RtoCycles, 2500);
        A.Write(Registers.RetryLimit, 3);
        Assert.Equal(0u, B.Cmd(9, 2));        // the peer channel is gone
        a.PostRx(2);
        a.PutTx(a.Data(Payload(10, 1), tag: 1));
        a.PutTx(a.Data(Payload(10, 2), tag: 2));
        a.RingTx();
        Completion c1 = a.WaitCompletion(), c2 = a.WaitCompletion();
        Assert.Equal((CompletionStatus.Timeout, (ushort)1), (c1.Status, c1.Tag));
        Assert.Equal((CompletionStatus.Timeout, (ushort)2), (c2.Status, c2.Tag));
        var rx = new[] { a.WaitCompletion(), a.WaitCompletion() };
        Assert.All(rx, c => Assert.Equal((CompletionKind.Rx, CompletionStatus.ChannelDown), (c.Kind, c.Status)));
        Event ev = A.WaitEvent();
        Assert.Equal(EventType.Channel, ev.EvType);
        Assert.Equal((ushort)5, ev.Source);
        Assert.Equal(2u | ((uint)CompletionStatus.Timeout << 8), ev.Data);
        Assert.Equal(1ul, A.Counter(Registers.CntChFailedLo));
        ulong timeouts = A.Counter(Registers.CntTimeoutsLo);
        Assert.True(timeouts >= 3, $"failed after {timeouts} timeouts, RETRY_LIMIT 3");
        Assert.True(A.Counter(Registers.CntRetxLo) >= 2, "nothing was retransmitted before giving up");
        Assert.True(B.Counter(Registers.CntNoChannelLo) >= 3);
        Assert.Equal(0u, A.Cmd(5, 3));
        Assert.Equal(2u | ((uint)CompletionStatus.Timeout << 8), A.Read(Registers.ChRbState));
        Assert.Equal(timeouts, A.Read(Registers.ChRbTimeouts));
        ulong badDb = A.Counter(Registers.CntBadDoorbellLo);
        a.Send(Payload(10, 3));                        // a failed channel takes no doorbell
        Eventually(() => A.Counter(Registers.CntBadDoorbellLo) == badDb + 1, "DB_TX of a failed channel was not counted");
        Assert.Equal(2u, A.Cmd(5, 1));                 // opening a failed channel: bad state
        Assert.Equal(0u, A.Cmd(5, 2));                 // it must be closed first
    }

    /// <summary>docs/nic.md: "When RETRY_LIMIT retransmission timeouts happen in a row … the channel enters state failed": 3 timeouts for RETRY_LIMIT 3.</summary>
    [Fact]
    public virtual void TheChannelFailsAtTheRetryLimitthTimeoutInARow()
    {
        var (a, b) = Pair(creditA: 1);
        A.Write(Registers.RtoCycles, 2500);
        A.Write(Registers.RetryLimit, 3);
        Assert.Equal(0u, B.Cmd(9, 2));
        a.Send(Payload(10, 1));
        Assert.Equal(CompletionStatus.Timeout, a.WaitCompletion().Status);
        Assert.Equal(3ul, A.Counter(Registers.CntTimeoutsLo));
        Assert.Equal(0u, A.Cmd(5, 3));
        Assert.Equal(3u, A.Read(Registers.ChRbTimeouts));
    }

    /// <summary>
    /// docs/nic.md: a channel that fails on timeouts completes its outstanding Tx descriptors with TIMEOUT — the one in
    /// flight and those still waiting for credit —, each with its tag, in ring order.
    /// </summary>
    [Fact]
    public virtual void AFailedChannelCompletesEveryOutstandingTxDescriptorWithTimeoutAndItsTag()
    {
        var (a, b) = Pair(creditA: 1);
        A.Write(Registers.RtoCycles, 2000);
        A.Write(Registers.RetryLimit, 2);
        Assert.Equal(0u, B.Cmd(9, 2));
        for (int i = 0; i < 3; i++) a.PutTx(a.Data(Payload(10 + i, i), tag: (ushort)(30 + i)));
        a.RingTx();
        for (int i = 0; i < 3; i++)
        {
            Completion c = a.WaitCompletion();
            Assert.Equal((CompletionKind.Tx, (ushort)i, (ushort)(30 + i), CompletionStatus.Timeout), (c.Kind, c.Index, c.Tag, c.Status));
        }
    }

    /// <summary>A Tx payload read the host refuses (IOMMU) completes DMA_FAULT and fails the channel with a CHANNEL event.</summary>
    [Fact]
    public void ARefusedDmaReadFailsTheChannel()
    {
        var (a, b) = Pair();
        b.PostRx(2);
        a.PutTx(a.Data(Payload(10, 1)) with { Addr = 0x1000 }); // not mapped for the device
        a.RingTx();
        Assert.Equal(CompletionStatus.DmaFault, a.WaitCompletion().Status);
        Event ev = A.WaitEvent();
        Assert.Equal((EventType.Channel, (ushort)5), (ev.EvType, ev.Source));
        Assert.Equal(2u | ((uint)CompletionStatus.DmaFault << 8), ev.Data);
        Assert.True(A.Counter(Registers.CntDmaFaultLo) >= 1);
        Assert.Equal(1ul, A.Counter(Registers.CntChFailedLo));
        Assert.Equal(0u, A.Cmd(5, 3));
        Assert.Equal(2u | ((uint)CompletionStatus.DmaFault << 8), A.Read(Registers.ChRbState));
        Assert.True(b.NoCompletionAfterSettling());
    }

    /// <summary>Memory the host disposed is unmapped: a descriptor pointing into it faults.</summary>
    [Fact]
    public void DisposedMemoryIsNoLongerReachable()
    {
        var (a, b) = Pair();
        b.PostRx(1);
        DmaRegion extra = A.Dev.AllocateDma(4096);
        ulong addr = extra.BusAddress;
        extra.Dispose();
        a.PutTx(a.Data(Payload(10, 1)) with { Addr = addr });
        a.RingTx();
        Assert.Equal(CompletionStatus.DmaFault, a.WaitCompletion().Status);
    }

    private static FrameHeader MgmtHeader(ushort dstChan, uint seq, uint psn) => new()
    {
        Eth = new EthernetHeader { Dst = MacB, Src = MacA },
        Ipv4 = new Ipv4Header { Ttl = 64, Src = IpA, Dst = IpB, Tos = 0xC0 },
        Udp = new UdpHeader { SrcPort = 777 },
        Cth = new ChannelHeader { Opcode = ChannelOpcode.Data, DstChan = dstChan, Psn = psn }, // the NIC makes it MGMT
        Nc = new NetChannelHeader { Seq = seq, SrcPort = 3, DstPort = 4 },
    };

    /// <summary>
    /// Management frames of 0 to 9000 bytes from A arrive whole at B: header at 0 (as the host wrote it, opcode MGMT,
    /// lengths and checksum recomputed — it parses cleanly), payload at 128, MGMT_TX/MGMT_RX completions with the
    /// frame's fields; with no buffer posted a frame is dropped and counted; a buffer too small is consumed TOO_SMALL.
    /// </summary>
    [Fact]
    public void ManagementFramesArriveWholeWithTheHeaderAt0AndThePayloadAt128()
    {
        const int Log = 3;
        using var ma = new RawMgmt(A, Log, 9216);
        using var mb = new RawMgmt(B, Log, 9216);
        FrameHeader h = MgmtHeader(0x1234, 55, 0xABCDEF);
        ma.Send(h, Payload(40, 11), tag: 3);           // no buffer posted at B yet: dropped and counted
        Completion tx = ma.WaitCompletion();
        Assert.Equal((CompletionKind.MgmtTx, CompletionStatus.Ok, (ushort)3, (ushort)40), (tx.Kind, tx.Status, tx.Tag, tx.Len));
        Eventually(() => B.Counter(Registers.CntRxNoBufLo) == 1, "CNT_RX_NO_BUF did not count the management frame without a buffer");
        mb.PostRx(6);
        int[] sizes = { 0, 1, 40, 1500, 4095, Spec.MaxPayloadBytes };
        for (int k = 0; k < sizes.Length; k++)
        {
            byte[] payload = Payload(sizes[k], 100 + k);
            FrameHeader hk = MgmtHeader((ushort)(0x100 + k), (uint)(1000 + k), (uint)(77 * k));
            ma.Send(hk, payload, tag: (ushort)(10 + k));
            Completion t = ma.WaitCompletion();
            Assert.Equal((CompletionKind.MgmtTx, CompletionStatus.Ok, (ushort)(10 + k)), (t.Kind, t.Status, t.Tag));
            Completion rx = mb.WaitCompletion();
            Assert.Equal(CompletionKind.MgmtRx, rx.Kind);
            Assert.Equal(CompletionStatus.Ok, rx.Status);
            Assert.Equal(sizes[k], rx.Len);
            Assert.Equal((ushort)(0x100 + k), rx.Channel);
            Assert.Equal((uint)(1000 + k), rx.Seq);
            Assert.Equal((uint)(77 * k), rx.Psn);
            Assert.Equal((ushort)3, rx.SrcPort);
            Assert.Equal((ushort)k, rx.Index);
            Span<byte> buf = mb.RxBuffer(k);
            var frame = new byte[FrameHeader.Size + sizes[k]];
            buf.Slice(0, FrameHeader.Size).CopyTo(frame);
            buf.Slice(128, sizes[k]).CopyTo(frame.AsSpan(FrameHeader.Size));
            Assert.Equal(DropReason.None, FrameParser.Parse(frame, new ParserOptions(true, MacB, IpB), out FrameHeader got, out _));
            Assert.Equal(FrameBuilder.Complete(hk with { Cth = hk.Cth with { Opcode = ChannelOpcode.Mgmt } }, sizes[k]), got);
            Assert.True(buf.Slice(128, sizes[k]).SequenceEqual(payload), $"management payload of {sizes[k]} bytes differs");
        }
        Assert.Equal(1ul + (ulong)sizes.Length, A.Counter(Registers.CntMgmtTxLo));
        Assert.Equal((ulong)sizes.Length, B.Counter(Registers.CntMgmtRxLo));
        // A frame for another MAC is dropped by B's address filter, by reason.
        ma.Send(h with { Eth = h.Eth with { Dst = 0x02_99_99_99_99_99UL } }, Payload(40, 1), tag: 5);
        ma.WaitCompletion();
        Eventually(() => B.Drops(DropReason.BadDstMac) == 1, "the address filter did not count the frame for another MAC");
        // A buffer too small for the frame: TOO_SMALL, untouched.
        mb.PostRx(1, len: 128 + 20);
        mb.RxBuffer(6).Fill(0xEE);
        ma.Send(h, Payload(40, 2), tag: 6);
        ma.WaitCompletion();
        Completion tooSmall = mb.WaitCompletion();
        Assert.Equal((CompletionStatus.TooSmall, (ushort)40), (tooSmall.Status, tooSmall.Len));
        Assert.True(mb.RxBuffer(6).IndexOfAnyExcept((byte)0xEE) < 0, "a TOO_SMALL management buffer was written");
    }

    /// <summary>
    /// A management frame leaves with the NIC's own source MAC and IPv4 address whatever the host wrote there
    /// (tests/rtl/tb_nic.cpp management_queue_pair: "source MAC and opcode set by the NIC"); the rest is the host's.
    /// </summary>
    [Fact]
    public virtual void ManagementFramesLeaveWithTheNicsOwnSourceAddresses()
    {
        using var ma = new RawMgmt(A, 2);
        using var mb = new RawMgmt(B, 2);
        mb.PostRx(1);
        FrameHeader h = MgmtHeader(7, 8, 9);
        h.Eth.Src = 0x02_BA_DB_AD_BA_DBUL;
        h.Ipv4.Src = 0x0A_09_09_09;
        ma.Send(h, Payload(30, 1), tag: 1);
        Assert.Equal(CompletionStatus.Ok, ma.WaitCompletion().Status);
        Assert.Equal(CompletionStatus.Ok, mb.WaitCompletion().Status);
        FrameHeader got = FrameHeader.Read(mb.RxBuffer(0));
        FrameHeader want = h;
        want.Eth.Src = MacA;
        want.Ipv4.Src = IpA;
        want.Cth.Opcode = ChannelOpcode.Mgmt;
        Assert.Equal(FrameBuilder.Complete(want, 30), got);
    }

    /// <summary>Global counters are 64 bits: reading _LO snapshots, _HI gives the upper half of that snapshot.</summary>
    [Fact]
    public void CountersAreSixtyFourBitSnapshots()
    {
        var (a, b) = Pair();
        b.PostRx(8);
        for (int i = 0; i < 5; i++) a.Send(Payload(1000, i));
        for (int i = 0; i < 5; i++) b.WaitCompletion();
        for (int i = 0; i < 5; i++) a.WaitCompletion();
        uint lo = A.Read(Registers.CntTxBytesLo);
        uint hi = A.Read(Registers.CntTxBytesHi);
        ulong acks = A.Counter(Registers.CntAckTxLo);
        Assert.Equal(5ul * (1000 + FrameHeader.Size) + acks * FrameHeader.Size, ((ulong)hi << 32) | lo);
        Assert.Equal(5ul, B.Counter(Registers.CntRxFramesLo) - B.Counter(Registers.CntAckRxLo));
    }

    /// <summary>
    /// 10,000 messages of random sizes (1 byte to MAX_PAYLOAD_BYTES) on four channel pairs, both directions at once:
    /// every message arrives exactly once with its payload and fields intact, every Tx descriptor completes OK in
    /// ring order; the credit is never overrun (CNT_RX_NO_BUF 0).
    /// </summary>
    [Fact]
    public void TenThousandMessagesOfRandomSizesOnFourChannelsArriveExactlyOnceIntact()
    {
        var pairs = Pairs(4, 7);
        var t = new RawTraffic(Time, 2024);
        foreach (var (a, b) in pairs)
        {
            t.Add(a, b, 2000, r => r.Next(1, Spec.MaxPayloadBytes + 1));
            t.Add(b, a, 500, r => r.Next(1, Spec.MaxPayloadBytes + 1));
        }
        PrepareForTraffic();
        string? error = t.Run();
        Assert.Null(error);
        Assert.Equal(10_000L, t.Totals.Messages);
        Assert.Equal(0ul, A.Counter(Registers.CntRxNoBufLo) + B.Counter(Registers.CntRxNoBufLo));
        Assert.Equal(0ul, A.Counter(Registers.CntBadDescLo) + B.Counter(Registers.CntBadDescLo));
        foreach (var (a, b) in pairs)
        {
            Assert.Equal(0u, A.Cmd(a.Id, 3));
            Assert.Equal(2000u, A.Read(Registers.ChRbTxPkts));
            Assert.Equal(500u, A.Read(Registers.ChRbRxPkts));
        }
    }

    /// <summary>Lets the backend poll at a coarser grain for bulk traffic.</summary>
    private protected virtual void PrepareForTraffic() { }
}

/// <summary>The device contract against the loopback test device.</summary>
public sealed class LoopbackNicContractTests : NicContractTests
{
    /// <summary>A loopback pair with 64 channels and 4 event queues.</summary>
    public LoopbackNicContractTests() : base(new LoopbackBackend()) { }

    private const string Aligning = "loopback device differs from docs/nic.md and the RTL here (reported; the loopback device is being aligned with the RTL on another branch): ";

    /// <inheritdoc />
    [Fact(Skip = Aligning + "it reports the lowest status code (BAD_ADDR) for a Tx descriptor with several faults, not the first of BAD_DESC, BAD_LEN, BAD_ADDR")]
    public override void ATxDescriptorWithSeveralFaultsReportsTheFirstOfBadDescBadLenBadAddr() => base.ATxDescriptorWithSeveralFaultsReportsTheFirstOfBadDescBadLenBadAddr();

    /// <inheritdoc />
    [Fact(Skip = Aligning + "a bad Rx descriptor completes with its error without the frame (len 0, PSN 0) and the frame goes into the next buffer, instead of being consumed like TOO_SMALL")]
    public override void BadRxDescriptorsAreConsumedWithTheirErrorAndTheFrameIsLost() => base.BadRxDescriptorsAreConsumedWithTheirErrorAndTheFrameIsLost();

    /// <inheritdoc />
    [Fact(Skip = Aligning + "the ERROR event of a completion ring overflow has data[7:0] = 0, not 1")]
    public override void TheErrorEventOfAnOverflowSaysCompletionRingOverflow() => base.TheErrorEventOfAnOverflowSaysCompletionRingOverflow();

    /// <inheritdoc />
    [Fact(Skip = Aligning + "a management frame leaves with the source MAC and IPv4 address the host wrote; nc_nic writes its own (docs/nic.md does not say which)")]
    public override void ManagementFramesLeaveWithTheNicsOwnSourceAddresses() => base.ManagementFramesLeaveWithTheNicsOwnSourceAddresses();

    /// <inheritdoc />
    [Fact(Skip = Aligning + "CH_TX_CREDIT is ignored: read back gives CH_RB_TX_CREDIT = INIT_PSN whatever the initial credit")]
    public override void ReadBackShowsTheInitialCreditAsTheCreditLimit() => base.ReadBackShowsTheInitialCreditAsTheCreditLimit();
}

/// <summary>The device contract against two simulated NICs (the nc_nic RTL under libncsim, stepped).</summary>
[Collection("Simulator")]
public sealed class SimulatedNicContractTests : NicContractTests
{
    /// <summary>Two nc_nic with libncsim's default timing (DMA latency 200 cycles, link 50 bytes/cycle, latency 100 cycles), no faults.</summary>
    public SimulatedNicContractTests() : base(new SimulatedBackend()) { }

    private protected override void PrepareForTraffic() => ((SimulatedBackend)Backend).Stepped.StepCycles = 256;

    private const string RtlBug = "nc_nic differs from docs/nic.md here (reported to the lead): ";

    /// <inheritdoc />
    [Fact(Skip = RtlBug + "the channel fails at the (RETRY_LIMIT + 1)-th timeout: RETRY_LIMIT 3 gives CNT_TIMEOUTS 4 (nc_tx_ctrl fails when retries_next > cfg_retry_limit)")]
    public override void TheChannelFailsAtTheRetryLimitthTimeoutInARow() => base.TheChannelFailsAtTheRetryLimitthTimeoutInARow();

    /// <inheritdoc />
    [Fact(Skip = RtlBug + "the interrupt pulses when the event's DMA write is handed to the host, before its write-done: with libncsim's DMA latency L the event and its completion land L - 2 cycles after the interrupt (nc_dma_wr_mux ignores dma_wr_done)")]
    public override void WhenTheInterruptIsTakenItsEventAndCompletionAreInMemory() => base.WhenTheInterruptIsTakenItsEventAndCompletionAreInMemory();

    /// <inheritdoc />
    [Fact(Skip = RtlBug + "when a channel fails on timeouts, Tx descriptors not yet taken (waiting for credit) complete CHANNEL_DOWN with tag 0, not TIMEOUT with their tag; only the ones in flight complete TIMEOUT")]
    public override void AFailedChannelCompletesEveryOutstandingTxDescriptorWithTimeoutAndItsTag() => base.AFailedChannelCompletesEveryOutstandingTxDescriptorWithTimeoutAndItsTag();

    /// <inheritdoc />
    [Fact(Skip = RtlBug + "CHANNEL_DOWN completions of descriptors the NIC never fetched carry tag 0 (and Tx len 0): every Rx buffer's and the unsent Tx descriptors' tags are lost, which NetChannel.Driver uses to return Rx pool buffers")]
    public override void CloseCompletionsCarryTheDescriptorsTags() => base.CloseCompletionsCarryTheDescriptorsTags();
}
