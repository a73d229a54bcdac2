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
        Assert.Equal(new CapRingLogRegister { Max = 15, Min = 1 }, new CapRingLogRegister(A.Read(Registers.CapRingLog)));
        Assert.Equal(new CapDatapathRegister { MaxPayload = Spec.MaxPayloadBytes, WidthBits = 8 * Spec.AxisDataBytes }, new CapDatapathRegister(A.Read(Registers.CapDatapath)));
        Assert.Equal(new CapTransportRegister { Window = Spec.SackWindow, SackBits = Spec.SackWindow }, new CapTransportRegister(A.Read(Registers.CapTransport)));
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
        Assert.Equal(ChannelCommandResult.BadChannel, A.Cmd(Backend.Channels, ChannelCommand.Open));   // channel beyond CAP_CHANNELS
        Assert.Equal(ChannelCommandResult.BadCommand, A.Cmd(3, (ChannelCommand)7));                  // unknown command
        Assert.Equal(ChannelCommandResult.BadState, A.Cmd(3, ChannelCommand.Close));                  // close of a closed channel
        RawChannel small = Chan(A, 4, 3, 3, 3);         // completion ring smaller than Tx + Rx
        Assert.Equal(ChannelCommandResult.BadContext, A.Open(small, 1, MacB, IpB, 0, 0));
        Assert.Equal(ChannelCommandResult.BadContext, A.Open(c, 1, MacB, IpB, 0, 0, eq: Backend.EventQueues)); // event queue beyond CAP_EVENT_QUEUES
        Assert.Equal(ChannelCommandResult.BadContext, A.Open(c, 1, MacB, IpB, 0, 0, cls: 2));                 // class beyond 1
        A.Write(Registers.ChTxRingLo, (uint)c.TxRingBus + 8);                     // unaligned ring base
        Assert.Equal(ChannelCommandResult.BadContext, A.Cmd(3, ChannelCommand.Open));
        RawChannel zero = Chan(A, 6, 3, 3);
        Assert.Equal(ChannelCommandResult.Ok, A.Open(zero, 1, MacB, IpB, 0, 0));
        Assert.Equal(ChannelCommandResult.Ok, A.Cmd(6, ChannelCommand.Close));
        A.Write(Registers.ChRingLog, new ChRingLogRegister { Tx = 0, Rx = 3, Cpl = 4 }.Value);   // Tx ring size 2^0: outside CAP_RING_LOG
        Assert.Equal(ChannelCommandResult.BadContext, A.Cmd(6, ChannelCommand.Open));
        A.Write(Registers.ChRingLog, new ChRingLogRegister { Tx = 3, Rx = 16, Cpl = 17 }.Value); // Rx ring size 2^16
        Assert.Equal(ChannelCommandResult.BadContext, A.Cmd(6, ChannelCommand.Open));
        A.Write(Registers.ChRingLog, new ChRingLogRegister { Tx = 3, Rx = 3, Cpl = 4 }.Value);
        A.Write(Registers.ChRxRingLo, 0);                                        // zero ring base
        A.Write(Registers.ChRxRingHi, 0);
        Assert.Equal(ChannelCommandResult.BadContext, A.Cmd(6, ChannelCommand.Open));
        Assert.Equal(ChannelCommandResult.Ok, A.Cmd(6, ChannelCommand.Read));
        Assert.Equal(NicChannelState.Closed, new ChRbStateRegister(A.Read(Registers.ChRbState)).State);                       // none of those opened it
        // Good, then twice.
        Assert.Equal(ChannelCommandResult.Ok, A.Open(c, 1, MacB, IpB, 0, 0));
        Assert.Equal(ChannelCommandResult.BadState, A.Open(c, 1, MacB, IpB, 0, 0));
        Assert.Equal(ChannelCommandResult.Ok, A.Cmd(3, ChannelCommand.Read));
        Assert.Equal(NicChannelState.Open, new ChRbStateRegister(A.Read(Registers.ChRbState)).State);
        Assert.Equal(ChannelCommandResult.Ok, A.Cmd(3, ChannelCommand.Close));
        Assert.Equal(ChannelCommandResult.Ok, A.Cmd(3, ChannelCommand.Read));
        Assert.Equal(NicChannelState.Closed, new ChRbStateRegister(A.Read(Registers.ChRbState)).State);
        Assert.Equal(ChannelCommandResult.BadState, A.Cmd(3, ChannelCommand.Close));
    }

    /// <summary>Read back (command 3) returns the staged context and the live state of a fresh channel.</summary>
    [Fact]
    public void ReadBackReturnsTheContextAndTheInitialState()
    {
        RawChannel c = Chan(A, 12, 4, 5);
        Assert.Equal(ChannelCommandResult.Ok, A.Open(c, 33, MacB, IpB, 1000, 2000, cls: 1, eq: 2, udp: 54321, credit: 8));
        foreach (int r in new[] { Registers.ChPeerMacLo, Registers.ChPeerMacHi, Registers.ChPeerIp, Registers.ChUdpSrc, Registers.ChPeerChan,
                                  Registers.ChTxRingLo, Registers.ChTxRingHi, Registers.ChRxRingLo, Registers.ChRxRingHi, Registers.ChCplRingLo,
                                  Registers.ChCplRingHi, Registers.ChRingLog })
            A.Write(r, 0xDEAD_0000);                     // clobber the staging: read back must restore it
        Assert.Equal(ChannelCommandResult.Ok, A.Cmd(12, ChannelCommand.Read));
        Assert.Equal(unchecked((uint)MacB), A.Read(Registers.ChPeerMacLo));
        Assert.Equal((uint)(MacB >> 32), A.Read(Registers.ChPeerMacHi) & 0xFFFF);
        Assert.Equal(IpB, A.Read(Registers.ChPeerIp));
        Assert.Equal(54321u, A.Read(Registers.ChUdpSrc) & 0xFFFF);
        Assert.Equal(new ChPeerChanRegister { PeerChan = 33, Cls = 1, Eq = 2 }, new ChPeerChanRegister(A.Read(Registers.ChPeerChan)));
        Assert.Equal((uint)c.TxRingBus, A.Read(Registers.ChTxRingLo));
        Assert.Equal((uint)(c.RxRingBus >> 32), A.Read(Registers.ChRxRingHi));
        Assert.Equal((uint)c.CplRingBus, A.Read(Registers.ChCplRingLo));
        Assert.Equal(new ChRingLogRegister { Tx = 4, Rx = 5, Cpl = 6 }, new ChRingLogRegister(A.Read(Registers.ChRingLog)));
        Assert.Equal(new ChRbStateRegister { State = NicChannelState.Open }, new ChRbStateRegister(A.Read(Registers.ChRbState)));
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
    public void ReadBackShowsTheInitialCreditAsTheCreditLimit()
    {
        RawChannel c = Chan(A, 12, 4, 5);
        Assert.Equal(ChannelCommandResult.Ok, A.Open(c, 33, MacB, IpB, 0xFFFF_FFFE, 2000, credit: 8));
        Assert.Equal(ChannelCommandResult.Ok, A.Cmd(12, ChannelCommand.Read));
        Assert.Equal(6u, A.Read(Registers.ChRbTxCredit));     // PSNs below INIT_PSN + CH_TX_CREDIT (mod 2^32) may be sent
        RawChannel d = Chan(A, 13, 4, 5);
        Assert.Equal(ChannelCommandResult.Ok, A.Open(d, 34, MacB, IpB, 500, 2000, credit: 0));
        Assert.Equal(ChannelCommandResult.Ok, A.Cmd(13, ChannelCommand.Read));
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
        // Counters. Pure ACK frames (90 bytes with the ICRC, none on the loopback device) are frames too.
        ulong ackTx = A.Counter(Registers.CntAckTxLo), ackRx = B.Counter(Registers.CntAckRxLo);
        Assert.Equal((ulong)n, A.Counter(Registers.CntTxFramesLo) - ackTx);
        Assert.Equal((ulong)sent.Sum(p => FrameBuilder.FrameLength(p.Length)) + ackTx * (ulong)FrameBuilder.FrameLength(0), A.Counter(Registers.CntTxBytesLo));
        Assert.Equal((ulong)n, B.Counter(Registers.CntRxFramesLo) - ackRx);
        Assert.Equal((ulong)sent.Sum(p => FrameBuilder.FrameLength(p.Length)) + ackRx * (ulong)FrameBuilder.FrameLength(0), B.Counter(Registers.CntRxBytesLo));
        Assert.Equal(ChannelCommandResult.Ok, A.Cmd(5, ChannelCommand.Read));
        Assert.Equal(PsnA + (uint)n, A.Read(Registers.ChRbTxNxt));
        Assert.Equal(PsnA + (uint)n, A.Read(Registers.ChRbTxUna));
        Assert.Equal((uint)n, A.Read(Registers.ChRbTxPkts));
        Assert.Equal(0u, A.Read(Registers.ChRbRetx));
        Assert.Equal(new ChRbTxIdxRegister { Prod = (ushort)n, Next = (ushort)n }, new ChRbTxIdxRegister(A.Read(Registers.ChRbTxIdx)));
        Assert.Equal(ChannelCommandResult.Ok, B.Cmd(9, ChannelCommand.Read));
        Assert.Equal(PsnA + (uint)n, B.Read(Registers.ChRbRxAck));
        Assert.Equal((uint)n, B.Read(Registers.ChRbRxPkts));
        Assert.Equal(new ChRbRxIdxRegister { Prod = (ushort)(n + 4), Used = (ushort)n }, new ChRbRxIdxRegister(B.Read(Registers.ChRbRxIdx)));
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
        Assert.Equal(ChannelCommandResult.Ok, A.Cmd(5, ChannelCommand.Read));
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
        Assert.Equal(ChannelCommandResult.Ok, B.Cmd(9, ChannelCommand.Read));
        Assert.Equal(PsnA + (uint)bad.Length + 1, B.Read(Registers.ChRbRxAck)); // the VOIDs are received PSNs
        Assert.Equal(1u, B.Read(Registers.ChRbRxIdx) >> 16);                     // one buffer used
    }

    /// <summary>A Tx descriptor with several faults reports the first of BAD_DESC, BAD_LEN, BAD_ADDR (docs/nic.md).</summary>
    [Fact]
    public void ATxDescriptorWithSeveralFaultsReportsTheFirstOfBadDescBadLenBadAddr()
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
    public void BadRxDescriptorsAreConsumedWithTheirErrorAndTheFrameIsLost()
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
        Bad(Registers.DbTx, new DbTxRegister { Channel = 3, Prod = 1 }.Value, "DB_TX of a closed channel");
        Bad(Registers.DbTx, new DbTxRegister { Channel = (ushort)(Backend.Channels + 6), Prod = 1 }.Value, "DB_TX of a channel beyond CAP_CHANNELS");
        Bad(Registers.DbTx, new DbTxRegister { Channel = 5, Prod = 9 }.Value, "DB_TX more than the ring (8) ahead");
        Bad(Registers.DbRx, new DbRxRegister { Channel = 5, Prod = 9 }.Value, "DB_RX more than the ring ahead");
        Bad(Registers.DbRx, new DbRxRegister { Channel = 3, Prod = 1 }.Value, "DB_RX of a closed channel");
        Bad(Registers.DbCpl, new DbCplRegister { Channel = 5, Cons = 1 }.Value, "DB_CPL consumer beyond the producer");
        Bad(Registers.EqArm, new EqArmRegister { Eq = 0, Cons = 5 }.Value, "EQ_ARM consumer beyond the producer");
        Assert.True(a.NoCompletionAfterSettling());
        Assert.Equal(ChannelCommandResult.Ok, A.Cmd(5, ChannelCommand.Read));
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
        Assert.Equal(ChannelCommandResult.Ok, A.Open(a2, 10, MacB, IpB, 0, 0));
        Assert.Equal(ChannelCommandResult.Ok, B.Open(b2, 6, MacA, IpA, 0, 0, eq: 2));
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
    public void WhenTheInterruptIsTakenItsEventAndCompletionAreInMemory()
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

    /// <summary>
    /// A host that reuses Rx slots without returning completion slots overflows its ring: the completion is dropped,
    /// CNT_CPL_OVERFLOW counts it, an ERROR event names the channel, data[7:0] = 1 (completion ring overflow) and
    /// data[15:8] = the lost completion's kind (docs/nic.md).
    /// </summary>
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
        Event ev = B.WaitEvent();
        Assert.Equal((EventType.Error, (ushort)9), (ev.EvType, ev.Source));
        Assert.Equal(1u | ((uint)CompletionKind.Rx << 8), ev.Data);
        Assert.False(b.HasCompletion, "the lost completion was written over an unconsumed one");
        Assert.Empty(B.DrainEvents());
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
        Assert.Equal(ChannelCommandResult.BadState, A.Cmd(5, ChannelCommand.Close));
    }

    /// <summary>
    /// The CHANNEL_DOWN completions of a close (docs/nic.md): the 4 Tx descriptors the NIC took carry their recorded
    /// tag and length; the 2 it never fetched, and every unused Rx buffer, carry tag 0 and length 0 (the host maps
    /// them by ring index); PSNs follow the ring.
    /// </summary>
    [Fact]
    public void CloseCompletionsCarryTheTagsOfTakenTxDescriptorsOnlyAndTag0ForTheRest()
    {
        var (a, _) = Pair(creditA: 4);
        List<Completion> cpls = CloseWithEverythingOutstanding(a);
        List<Completion> tx = cpls.Where(c => c.Kind == CompletionKind.Tx).ToList(), rx = cpls.Where(c => c.Kind == CompletionKind.Rx).ToList();
        Assert.Equal(new[] { (20, 1000), (21, 1000), (22, 1000), (23, 1000), (0, 0), (0, 0) }, tx.Select(c => ((int)c.Tag, (int)c.Len)));
        Assert.Equal(Enumerable.Range(0, 6).Select(i => PsnA + (uint)i), tx.Select(c => c.Psn));
        Assert.All(rx, c => Assert.Equal((0, 0), ((int)c.Tag, (int)c.Len)));
    }

    private List<Completion> CloseWithEverythingOutstanding(RawChannel a)
    {
        A.Write(Registers.RtoCycles, 10_000_000);
        Assert.Equal(ChannelCommandResult.Ok, B.Cmd(9, ChannelCommand.Close));                 // the peer is gone: nothing is acknowledged
        a.PostRx(8);                                   // tags 0..7
        for (int i = 0; i < 6; i++) a.PutTx(a.Data(Payload(1000, i), tag: (ushort)(20 + i)));
        a.RingTx();
        Time.Settle();
        Assert.False(a.HasCompletion);
        Assert.Equal(ChannelCommandResult.Ok, A.Cmd(5, ChannelCommand.Read));
        Assert.Equal(6u | (4u << 16), A.Read(Registers.ChRbTxIdx));  // 4 taken (the credit), 2 waiting
        Assert.Equal((PsnA, PsnA + 4), (A.Read(Registers.ChRbTxUna), A.Read(Registers.ChRbTxNxt)));
        Assert.Equal(ChannelCommandResult.Ok, A.Cmd(5, ChannelCommand.Close));
        // Not busy: every completion is issued, read back gives the final producer index; they may still be arriving.
        Assert.Equal(ChannelCommandResult.Ok, A.Cmd(5, ChannelCommand.Read));
        Assert.Equal(NicChannelState.Closed, new ChRbStateRegister(A.Read(Registers.ChRbState)).State);
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
        Assert.Equal(ChannelCommandResult.Ok, B.Cmd(9, ChannelCommand.Close));
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
        Assert.Equal(ChannelCommandResult.Ok, A.Open(stranger, 9, MacB, IpB, 77, PsnB, credit: 2)); // names B's channel 9, which expects channel 5
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
    /// A peer that never answers (RETRY_LIMIT 3): 3 tail-loss probes (each the newest PSN in flight again, none
    /// answered), then the 4th timeout in a row fails the channel (docs/nic.md: RETRY_LIMIT + 1 expiries) — a CHANNEL
    /// event with reason TIMEOUT, CNT_CH_FAILED, the counters of exactly that many probes; a failed channel takes no
    /// doorbell, nothing more completes, and it must be closed before it can be opened again.
    /// </summary>
    [Fact]
    public void APeerThatNeverAnswersFailsTheChannelAfterTheRetryLimit()
    {
        var (a, _) = Pair(creditA: 2);
        List<Completion> cpls = FailWithEverythingOutstanding(a);
        Assert.Equal(5, cpls.Count);
        Event ev = A.WaitEvent();
        Assert.Equal((EventType.Channel, (ushort)5, 2u | ((uint)CompletionStatus.Timeout << 8)), (ev.EvType, ev.Source, ev.Data));
        Assert.Equal(1ul, A.Counter(Registers.CntChFailedLo));
        Assert.Equal(4ul, A.Counter(Registers.CntTimeoutsLo));
        Assert.Equal(3ul, A.Counter(Registers.CntRetxLo));                                        // 3 probes, unanswered
        Assert.Equal(5ul, A.Counter(Registers.CntTxFramesLo) - A.Counter(Registers.CntAckTxLo)); // 2 first sends + 3
        Assert.Equal(1ul, A.Counter(Registers.CntCreditStallLo));                                 // the credit ended the first turn
        Assert.Equal(ChannelCommandResult.Ok, A.Cmd(5, ChannelCommand.Read));
        Assert.Equal(new ChRbStateRegister { State = NicChannelState.Failed, Why = CompletionStatus.Timeout }, new ChRbStateRegister(A.Read(Registers.ChRbState)));
        Assert.Equal((4u, 3u, 2u), (A.Read(Registers.ChRbTimeouts), A.Read(Registers.ChRbRetx), A.Read(Registers.ChRbTxPkts)));
        Assert.Equal(2u | (2u << 16), A.Read(Registers.ChRbTxIdx));                              // producer back to the next to take
        Assert.Equal((PsnA + 2, PsnA + 2), (A.Read(Registers.ChRbTxUna), A.Read(Registers.ChRbTxNxt)));
        Assert.Equal(5u, A.Read(Registers.ChRbCplIdx) & 0xFFFF);
        ulong badDb = A.Counter(Registers.CntBadDoorbellLo);
        a.Send(Payload(10, 3));                        // a failed channel takes no doorbell
        Eventually(() => A.Counter(Registers.CntBadDoorbellLo) == badDb + 1, "DB_TX of a failed channel was not counted");
        Assert.Equal(ChannelCommandResult.BadState, A.Cmd(5, ChannelCommand.Open));                 // opening a failed channel: bad state
        Assert.Equal(ChannelCommandResult.Ok, A.Cmd(5, ChannelCommand.Close));                 // it must be closed first
        Assert.True(a.NoCompletionAfterSettling(), "a completion after the failure had flushed everything");
    }

    /// <summary>
    /// The completions of a channel that failed on timeouts (docs/nic.md), in ring order: the 2 Tx descriptors in
    /// flight complete TIMEOUT with their recorded tag and length, the one never taken (no credit for it)
    /// CHANNEL_DOWN with tag 0 and length 0; the unused Rx buffers CHANNEL_DOWN with tag 0 and length 0.
    /// </summary>
    [Fact]
    public void AFailedChannelCompletesTxInFlightWithTimeoutAndTheirTagsAndTheRestChannelDownWithTag0()
    {
        var (a, _) = Pair(creditA: 2);
        List<Completion> cpls = FailWithEverythingOutstanding(a);
        List<Completion> tx = cpls.Where(c => c.Kind == CompletionKind.Tx).ToList(), rx = cpls.Where(c => c.Kind == CompletionKind.Rx).ToList();
        Assert.Equal(new[] { (0, CompletionStatus.Timeout, 1, 10), (1, CompletionStatus.Timeout, 2, 11), (2, CompletionStatus.ChannelDown, 0, 0) },
                     tx.Select(c => ((int)c.Index, c.Status, (int)c.Tag, (int)c.Len)));
        Assert.Equal(new[] { PsnA, PsnA + 1, PsnA + 2 }, tx.Select(c => c.Psn));
        Assert.Equal(new[] { (0, CompletionStatus.ChannelDown, 0, 0), (1, CompletionStatus.ChannelDown, 0, 0) },
                     rx.Select(c => ((int)c.Index, c.Status, (int)c.Tag, (int)c.Len)));
        Assert.All(cpls, c => Assert.Equal((ushort)5, c.Channel));
    }

    // A's channel 5 with 2 unused Rx buffers (tags 0, 1) and 3 Tx descriptors (tags 1..3, 10..12 bytes), of which
    // the credit (2) lets 2 go; the peer channel is closed, so nothing is acknowledged and RETRY_LIMIT 3 fails it.
    // Returns the 5 completions of the failure.
    private List<Completion> FailWithEverythingOutstanding(RawChannel a)
    {
        A.Write(Registers.RtoCycles, 2500);
        A.Write(Registers.RetryLimit, 3);
        Assert.Equal(ChannelCommandResult.Ok, B.Cmd(9, ChannelCommand.Close));        // the peer channel is gone
        a.PostRx(2);
        for (int i = 0; i < 3; i++) a.PutTx(a.Data(Payload(10 + i, i), tag: (ushort)(1 + i)));
        a.RingTx();
        var cpls = new List<Completion>();
        for (int i = 0; i < 5; i++) cpls.Add(a.WaitCompletion());
        return cpls;
    }

    /// <summary>
    /// RETRY_LIMIT 0 and 1: the channel fails at the (RETRY_LIMIT + 1)-th timeout in a row, after RETRY_LIMIT
    /// retransmission rounds (docs/nic.md) — CH_RB_TIMEOUTS and CH_RB_RETX of each channel, the global counters.
    /// </summary>
    [Fact]
    public void TheChannelFailsAtTheTimeoutAfterRetryLimitRetransmissionRounds()
    {
        A.Write(Registers.RtoCycles, 2500);
        for (int limit = 0; limit <= 1; limit++)
        {
            A.Write(Registers.RetryLimit, (uint)limit);
            RawChannel c = Chan(A, 20 + limit);
            Assert.Equal(ChannelCommandResult.Ok, A.Open(c, 30, MacB, IpB, PsnA, PsnB, credit: 1)); // B has no channel 30: nothing is acknowledged
            c.Send(Payload(10, limit), tag: 7);
            Completion t = c.WaitCompletion();
            Assert.Equal((CompletionStatus.Timeout, (ushort)7, (ushort)10), (t.Status, t.Tag, t.Len));
            Assert.Equal(ChannelCommandResult.Ok, A.Cmd(c.Id, ChannelCommand.Read));
            Assert.Equal(new ChRbStateRegister { State = NicChannelState.Failed, Why = CompletionStatus.Timeout }, new ChRbStateRegister(A.Read(Registers.ChRbState)));
            Assert.Equal(((uint)limit + 1, (uint)limit), (A.Read(Registers.ChRbTimeouts), A.Read(Registers.ChRbRetx)));
        }
        Assert.Equal((3ul, 1ul, 2ul), (A.Counter(Registers.CntTimeoutsLo), A.Counter(Registers.CntRetxLo), A.Counter(Registers.CntChFailedLo)));
    }

    /// <summary>
    /// A channel out of credit whose peer vanished fails on unanswered credit probes though nothing is in flight
    /// (docs/nic.md): its descriptors, never taken, complete CHANNEL_DOWN with tag 0 and length 0; the CHANNEL event
    /// says TIMEOUT; no DATA frame went; probes are not CNT_TIMEOUTS, the expiry that fails the channel is.
    /// </summary>
    [Fact]
    public void AChannelOutOfCreditWhosePeerVanishedFailsOnUnansweredCreditProbes()
    {
        var (a, _) = Pair();                  // no credit: B never posted a buffer
        A.Write(Registers.RtoCycles, 2500);
        A.Write(Registers.RetryLimit, 3);
        Assert.Equal(ChannelCommandResult.Ok, B.Cmd(9, ChannelCommand.Close));
        a.PutTx(a.Data(Payload(10, 1), tag: 1));
        a.PutTx(a.Data(Payload(10, 2), tag: 2));
        a.RingTx();
        var tx = new[] { a.WaitCompletion(), a.WaitCompletion() };
        Assert.Equal(new[] { (0, CompletionStatus.ChannelDown, 0, 0, PsnA), (1, CompletionStatus.ChannelDown, 0, 0, PsnA + 1) },
                     tx.Select(c => ((int)c.Index, c.Status, (int)c.Tag, (int)c.Len, c.Psn)));
        Event ev = A.WaitEvent();
        Assert.Equal((EventType.Channel, (ushort)5, 2u | ((uint)CompletionStatus.Timeout << 8)), (ev.EvType, ev.Source, ev.Data));
        Assert.Equal(1ul, A.Counter(Registers.CntTimeoutsLo));
        Assert.Equal(0ul, A.Counter(Registers.CntRetxLo));
        Assert.Equal(0ul, A.Counter(Registers.CntTxFramesLo) - A.Counter(Registers.CntAckTxLo)); // probes are ACK frames (RTL) or none (loopback)
        Assert.Equal(1ul, A.Counter(Registers.CntCreditStallLo));
        Assert.Equal(ChannelCommandResult.Ok, A.Cmd(5, ChannelCommand.Read));
        Assert.Equal(new ChRbStateRegister { State = NicChannelState.Failed, Why = CompletionStatus.Timeout }, new ChRbStateRegister(A.Read(Registers.ChRbState)));
        Assert.Equal(0u, A.Read(Registers.ChRbTxPkts));
    }

    /// <summary>
    /// A receiver that withholds credit with its channel open never fails the sender (docs/nic.md: an answered probe
    /// clears the retry count): RETRY_LIMIT 2 and RTO 2,500 cycles would fail a channel whose probes go unanswered
    /// within 17,500 cycles (see <see cref="AChannelOutOfCreditWhosePeerVanishedFailsOnUnansweredCreditProbes"/>);
    /// after many times that the channel is open with no timeout, and the message goes once a buffer is posted.
    /// </summary>
    [Fact]
    public void AChannelOutOfCreditWithALivePeerWaitsAsLongAsItTakes()
    {
        var (a, b) = Pair();
        A.Write(Registers.RtoCycles, 2500);
        A.Write(Registers.RetryLimit, 2);
        a.Send(Payload(10, 1), tag: 1);
        for (int i = 0; i < 4; i++) Time.Settle();
        Assert.False(a.HasCompletion, "the message completed without credit");
        Assert.Equal(ChannelCommandResult.Ok, A.Cmd(5, ChannelCommand.Read));
        Assert.Equal((new ChRbStateRegister { State = NicChannelState.Open }, 0u), (new ChRbStateRegister(A.Read(Registers.ChRbState)), A.Read(Registers.ChRbTimeouts)));
        b.PostRx(1);
        Completion c = a.WaitCompletion();
        Assert.Equal((CompletionStatus.Ok, (ushort)1), (c.Status, c.Tag));
        Completion r = b.WaitCompletion();
        Assert.Equal((CompletionStatus.Ok, PsnA), (r.Status, r.Psn));
        Assert.Equal(0ul, A.Counter(Registers.CntTimeoutsLo) + A.Counter(Registers.CntChFailedLo));
    }

    /// <summary>
    /// A sender whose host staged more credit (4) than the peer posted (1) is not protected by it (docs/nic.md): the
    /// frames beyond the peer's buffers are dropped there (CNT_RX_NO_BUF), not acknowledged, and retransmitted once
    /// buffers are posted (a timeout's probe, then what its answer shows missing); every message arrives exactly
    /// once, into the buffers in ring order (the PSNs in whatever order they came: channels do not order); the
    /// credit limit stays the staged one.
    /// </summary>
    [Fact]
    public void ASenderGrantedMoreCreditThanThePeerPostedLosesFramesForWantOfABufferAndRetransmitsThem()
    {
        var (a, b) = Pair(creditA: 4);
        A.Write(Registers.RtoCycles, 25_000);
        A.Write(Registers.RetryLimit, 50);     // however long the host takes to post buffers, the channel must not fail
        b.PostRx(1);
        for (int i = 0; i < 3; i++) a.PutTx(a.Data(Payload(10, i), tag: (ushort)i, seq: (uint)i));
        a.RingTx();
        Assert.Equal(CompletionStatus.Ok, b.WaitCompletion().Status);
        Eventually(() => B.Counter(Registers.CntRxNoBufLo) >= 1, "CNT_RX_NO_BUF did not count a frame beyond the peer's buffers");
        b.PostRx(2);
        var psns = new List<uint>();
        for (int i = 1; i < 3; i++)
        {
            Completion c = b.WaitCompletion();
            Assert.Equal((CompletionStatus.Ok, (ushort)i), (c.Status, c.Index));
            Assert.Equal(c.Seq, c.Psn - PsnA);       // the message its PSN carries
            psns.Add(c.Psn);
        }
        Assert.Equal(new[] { PsnA + 1, PsnA + 2 }, psns.Order());
        for (int i = 0; i < 3; i++)
        {
            Completion c = a.WaitCompletion();
            Assert.Equal((CompletionStatus.Ok, (ushort)i), (c.Status, c.Tag));
        }
        Assert.True(A.Counter(Registers.CntRetxLo) >= 2, "the dropped frames were not retransmitted");
        Assert.True(b.NoCompletionAfterSettling(), "a message arrived twice");
        Assert.Equal(ChannelCommandResult.Ok, A.Cmd(5, ChannelCommand.Read));
        Assert.Equal(PsnA + 4, A.Read(Registers.ChRbTxCredit)); // B's three buffers never raised it above the staged grant
    }

    /// <summary>
    /// CNT_CREDIT_STALL counts what protocol.md says: a doorbell that finds no credit for its descriptors, and a batch
    /// that the credit (not the window) limited while descriptors wait; a send with credit at hand counts nothing.
    /// </summary>
    [Fact]
    public void CreditStallsCountDoorbellsWithoutCreditAndBatchesTheCreditCutShort()
    {
        var (a, b) = Pair();
        for (int i = 0; i < 4; i++) a.PutTx(a.Data(Payload(100, i)));
        a.RingTx();
        Eventually(() => A.Counter(Registers.CntCreditStallLo) == 1, "a doorbell without credit was not counted");
        a.PutTx(a.Data(Payload(100, 4)));
        a.RingTx();                                                           // still no credit
        Eventually(() => A.Counter(Registers.CntCreditStallLo) == 2, "a second doorbell without credit was not counted");
        b.PostRx(2);                                                          // two of five go, then the credit ends the batch
        a.WaitCompletion();
        a.WaitCompletion();
        Assert.True(a.NoCompletionAfterSettling(), "a message went without credit");
        Assert.Equal(3ul, A.Counter(Registers.CntCreditStallLo));
        b.PostRx(3);                                                          // the last three: the ring ends the batch
        for (int i = 0; i < 3; i++) Assert.Equal(CompletionStatus.Ok, a.WaitCompletion().Status);
        a.DbCpl(false);
        b.PostRx(1);
        Time.Settle();                                                        // the credit update arrives
        a.Send(Payload(10, 9));                                               // credit at hand: nothing counted
        a.WaitCompletion();
        Assert.Equal(3ul, A.Counter(Registers.CntCreditStallLo));
        var rx = new List<Completion>();
        Eventually(() => { rx.AddRange(b.DrainCompletions()); return rx.Count >= 6; }, "the six messages at the receiver");
        Assert.Equal(Enumerable.Range(0, 6).Select(i => (CompletionStatus.Ok, PsnA + (uint)i)), rx.Select(c => (c.Status, c.Psn)));
    }

    /// <summary>
    /// A Tx payload read the host refuses (IOMMU) fails the channel (docs/nic.md): the descriptor in flight completes
    /// DMA_FAULT with its recorded tag and length, the one never taken CHANNEL_DOWN with tag 0; a CHANNEL event with
    /// reason DMA_FAULT, CNT_DMA_FAULT, CNT_CH_FAILED; the peer receives nothing.
    /// </summary>
    [Fact]
    public void ARefusedDmaReadFailsTheChannel()
    {
        var (a, b) = Pair();
        b.PostRx(1);                                             // credit for the first descriptor only
        a.PutTx(a.Data(Payload(10, 1), tag: 4) with { Addr = 0x1000 }); // not mapped for the device
        a.PutTx(a.Data(Payload(10, 2), tag: 5));
        a.RingTx();
        Completion c = a.WaitCompletion(), d = a.WaitCompletion();
        Assert.Equal((CompletionStatus.DmaFault, (ushort)0, (ushort)4, (ushort)10, PsnA), (c.Status, c.Index, c.Tag, c.Len, c.Psn));
        Assert.Equal((CompletionStatus.ChannelDown, (ushort)1, (ushort)0, (ushort)0, PsnA + 1), (d.Status, d.Index, d.Tag, d.Len, d.Psn));
        Event ev = A.WaitEvent();
        Assert.Equal((EventType.Channel, (ushort)5), (ev.EvType, ev.Source));
        Assert.Equal(2u | ((uint)CompletionStatus.DmaFault << 8), ev.Data);
        Assert.Equal(1ul, A.Counter(Registers.CntDmaFaultLo));
        Assert.Equal(1ul, A.Counter(Registers.CntChFailedLo));
        Assert.Equal(ChannelCommandResult.Ok, A.Cmd(5, ChannelCommand.Read));
        Assert.Equal(new ChRbStateRegister { State = NicChannelState.Failed, Why = CompletionStatus.DmaFault }, new ChRbStateRegister(A.Read(Registers.ChRbState)));
        Assert.True(b.NoCompletionAfterSettling());
        Assert.Equal(ChannelCommandResult.Ok, B.Cmd(9, ChannelCommand.Read));
        Assert.Equal(PsnA, B.Read(Registers.ChRbRxAck));         // the PSN was never received
    }

    /// <summary>
    /// A Tx descriptor whose ring read the host refuses does not fail the channel (docs/nic.md): it is sent as a VOID
    /// (the peer receives its PSN, no buffer used) and completes DMA_FAULT with tag 0 and length 0; CNT_DMA_FAULT, not
    /// CNT_BAD_DESC, counts it.
    /// </summary>
    [Fact]
    public void ARefusedTxDescriptorReadIsAVoidWithDmaFaultAndTheChannelGoesOn()
    {
        var (a, b) = Pair();
        DmaRegion gone = A.Dev.AllocateDma(4096);
        ulong ring = gone.BusAddress;
        gone.Dispose();                                          // unmapped: every read of it is refused
        Assert.Equal(ChannelCommandResult.Ok, A.Cmd(5, ChannelCommand.Close));                           // re-open A's channel with its Tx ring there
        A.Write(Registers.ChTxRingLo, (uint)ring);
        A.Write(Registers.ChTxRingHi, (uint)(ring >> 32));
        Assert.Equal(ChannelCommandResult.Ok, A.Cmd(5, ChannelCommand.Open));
        b.PostRx(1);
        A.Write(Registers.DbTx, 5u | (1u << 16));
        Completion c = a.WaitCompletion();
        Assert.Equal((CompletionKind.Tx, CompletionStatus.DmaFault, (ushort)0, (ushort)0, (ushort)0, PsnA), (c.Kind, c.Status, c.Index, c.Tag, c.Len, c.Psn));
        Assert.Equal(1ul, A.Counter(Registers.CntDmaFaultLo));
        Assert.Equal(0ul, A.Counter(Registers.CntBadDescLo));
        Assert.Equal(ChannelCommandResult.Ok, A.Cmd(5, ChannelCommand.Read));
        Assert.Equal(new ChRbStateRegister { State = NicChannelState.Open }, new ChRbStateRegister(A.Read(Registers.ChRbState)));          // still open
        Assert.True(b.NoCompletionAfterSettling(), "the VOID used a buffer");
        Assert.Equal(ChannelCommandResult.Ok, B.Cmd(9, ChannelCommand.Read));
        Assert.Equal(PsnA + 1, B.Read(Registers.ChRbRxAck));
        Assert.Equal(0u, B.Read(Registers.ChRbRxIdx) >> 16);
    }

    /// <summary>
    /// An Rx payload write the host refuses (a posted buffer it unmapped) cannot be reported in the completion
    /// (docs/nic.md): the Rx completion says OK with the frame's length and PSN, CNT_DMA_FAULT counts it, the PSN is
    /// received (the sender's descriptor completes OK) and the next buffer takes the next message.
    /// </summary>
    [Fact]
    public void ARefusedRxPayloadWriteIsCountedAndTheCompletionSaysOk()
    {
        var (a, b) = Pair();
        DmaRegion gone = B.Dev.AllocateDma(4096);
        ulong buf = gone.BusAddress;
        gone.Dispose();                                          // the host's bug: it unmapped a buffer it posted
        Backend.RefusedWritesExpected = 1;
        b.PutRx(new RxDescriptor { Addr = buf, Len = 4096, Tag = 77 });
        b.PostRx(1);
        a.Send(Payload(100, 1), seq: 1);
        byte[] p = Payload(200, 2);
        a.Send(p, seq: 2);
        Completion c = b.WaitCompletion();
        Assert.Equal((CompletionStatus.Ok, (ushort)0, (ushort)77, (ushort)100, PsnA, 1u), (c.Status, c.Index, c.Tag, c.Len, c.Psn, c.Seq));
        Completion d = b.WaitCompletion();
        Assert.Equal((CompletionStatus.Ok, (ushort)1, PsnA + 1), (d.Status, d.Index, d.Psn));
        Assert.True(b.RxBuffer(1).Slice(0, p.Length).SequenceEqual(p));
        Assert.Equal(CompletionStatus.Ok, a.WaitCompletion().Status);
        Assert.Equal(CompletionStatus.Ok, a.WaitCompletion().Status);
        Eventually(() => B.Counter(Registers.CntDmaFaultLo) == 1, "CNT_DMA_FAULT did not count the refused write");
        Assert.Equal(0ul, B.Counter(Registers.CntBadDescLo));
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
        // A MGMT_TX completion names no channel and carries no NetChannel fields.
        Assert.Equal(((ushort)0xFFFF, 0u, 0u, (ushort)0, (ushort)0), (tx.Channel, tx.Psn, tx.Seq, tx.SrcPort, tx.DstPort));
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
            // the frame as it travelled: header at 0, payload at 128 (the NIC checked and removed the trailer)
            var frame = new byte[FrameBuilder.FrameLength(sizes[k])];
            buf.Slice(0, FrameHeader.Size).CopyTo(frame);
            buf.Slice(128, sizes[k]).CopyTo(frame.AsSpan(FrameHeader.Size));
            Icrc.Seal(frame);
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
    public void ManagementFramesLeaveWithTheNicsOwnSourceAddresses()
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

    /// <summary>
    /// Enabling the management queue pair takes effect only with a valid configuration (docs/nic.md): ring bases
    /// non-zero and 64-byte aligned, sizes within CAP_RING_LOG, a completion ring larger than each of the other two;
    /// otherwise MGMT_CTRL[0] reads back 0 (the event queue field [15:8] is kept).
    /// </summary>
    [Fact]
    public void EnablingTheManagementQueuePairNeedsAValidConfiguration()
    {
        DmaRegion m = Rig.Own(A.Dev.AllocateDma(3 * 4096));
        ulong tx = m.BusAddress, rx = tx + 4096, cpl = tx + 8192;
        uint Enable(ulong t, ulong r, ulong c, int tl, int rl, int cl)
        {
            A.Write(Registers.MgmtTxRingLo, (uint)t); A.Write(Registers.MgmtTxRingHi, (uint)(t >> 32));
            A.Write(Registers.MgmtRxRingLo, (uint)r); A.Write(Registers.MgmtRxRingHi, (uint)(r >> 32));
            A.Write(Registers.MgmtCplRingLo, (uint)c); A.Write(Registers.MgmtCplRingHi, (uint)(c >> 32));
            A.Write(Registers.MgmtRingLog, (uint)tl | ((uint)rl << 8) | ((uint)cl << 16));
            A.Write(Registers.MgmtCtrl, 1u | (3u << 8));
            return A.Read(Registers.MgmtCtrl);
        }
        Assert.Equal(0x301u, Enable(tx, rx, cpl, 2, 2, 3));
        Assert.Equal(0x300u, Enable(0, rx, cpl, 2, 2, 3));         // a zero base
        Assert.Equal(0x300u, Enable(tx, rx + 8, cpl, 2, 2, 3));    // a base not 64-byte aligned
        Assert.Equal(0x300u, Enable(tx, rx, cpl, 0, 2, 3));        // a size below CAP_RING_LOG
        Assert.Equal(0x300u, Enable(tx, rx, cpl, 2, 2, 16));       // a size above it
        Assert.Equal(0x300u, Enable(tx, rx, cpl, 2, 3, 3));        // the completion ring not larger than the Rx ring
        Assert.Equal(0x300u, Enable(tx, rx, cpl, 3, 2, 3));        // nor than the Tx ring
        Assert.Equal(0x301u, Enable(tx, rx, cpl, 3, 2, 4));
        A.Write(Registers.MgmtCtrl, 0);
        Assert.Equal(0u, A.Read(Registers.MgmtCtrl));
    }

    /// <summary>
    /// Bad management Tx descriptors (docs/nic.md) complete in ring order with the first fault of BAD_DESC, BAD_LEN,
    /// BAD_ADDR (address zero, not 64-byte aligned, header and payload wrapping 2^64), or DMA_FAULT for a buffer the
    /// host unmapped; MGMT_TX completions with their tag, length 0, channel 0xFFFF; nothing is sent.
    /// </summary>
    [Fact]
    public void BadManagementDescriptorsCompleteWithTheFirstFaultAndSendNothing()
    {
        using var ma = new RawMgmt(A, 3);
        using var mb = new RawMgmt(B, 3);
        mb.PostRx(4);
        DmaRegion gone = A.Dev.AllocateDma(4096);
        ulong unmapped = gone.BusAddress;
        gone.Dispose();
        ulong buf = ma.TxBufferBus(0);
        var bad = new (TxDescriptor d, CompletionStatus st)[]
        {
            (new TxDescriptor { Addr = buf + 8, Len = 40, Flags = 1 }, CompletionStatus.BadDesc),
            (new TxDescriptor { Addr = 0, Len = Spec.MaxPayloadBytes + 1, Rsvd1 = 1 }, CompletionStatus.BadDesc),
            (new TxDescriptor { Addr = 0, Len = Spec.MaxPayloadBytes + 1 }, CompletionStatus.BadLen),
            (new TxDescriptor { Addr = 0, Len = 40 }, CompletionStatus.BadAddr),
            (new TxDescriptor { Addr = buf + 8, Len = 40 }, CompletionStatus.BadAddr),
            (new TxDescriptor { Addr = ulong.MaxValue - 63, Len = 40 }, CompletionStatus.BadAddr),
            (new TxDescriptor { Addr = unmapped, Len = 40 }, CompletionStatus.DmaFault),
        };
        for (int i = 0; i < bad.Length; i++) ma.SendRaw(bad[i].d with { Tag = (ushort)(10 + i) });
        for (int i = 0; i < bad.Length; i++)
        {
            Completion c = ma.WaitCompletion();
            Assert.Equal((CompletionKind.MgmtTx, bad[i].st, (ushort)i, (ushort)(10 + i), (ushort)0, (ushort)0xFFFF), (c.Kind, c.Status, c.Index, c.Tag, c.Len, c.Channel));
        }
        Assert.Equal(6ul, A.Counter(Registers.CntBadDescLo));
        Assert.Equal(1ul, A.Counter(Registers.CntDmaFaultLo));
        Assert.Equal(0ul, A.Counter(Registers.CntMgmtTxLo) + A.Counter(Registers.CntTxFramesLo));
        Assert.True(mb.NoCompletionAfterSettling(), "a bad management descriptor was sent");
        Assert.Equal(0ul, B.Counter(Registers.CntRxFramesLo));
    }

    /// <summary>
    /// A bad management Rx descriptor is consumed (docs/nic.md): completed with its status and the frame's fields
    /// (length, destination channel, PSN, sequence), nothing written, the frame dropped; the next frame takes the
    /// next buffer.
    /// </summary>
    [Fact]
    public void ABadManagementRxDescriptorConsumesItsBufferAndDropsTheFrame()
    {
        using var ma = new RawMgmt(A, 3);
        using var mb = new RawMgmt(B, 3);
        mb.RxBuffer(0).Fill(0xEE);
        mb.PostRaw(new RxDescriptor { Addr = mb.RxBufferBus(0), Len = 1024, Tag = 0, Rsvd = 3 });
        mb.PostRx(1);
        FrameHeader h = MgmtHeader(0x2222, 66, 5);
        byte[] p1 = Payload(48, 1), p2 = Payload(48, 2);
        ma.Send(h, p1, tag: 1);
        ma.Send(h with { Nc = h.Nc with { Seq = 67 } }, p2, tag: 2);
        Completion c1 = mb.WaitCompletion();
        Assert.Equal((CompletionKind.MgmtRx, CompletionStatus.BadDesc, (ushort)0, (ushort)48, 66u, (ushort)0x2222, 5u), (c1.Kind, c1.Status, c1.Index, c1.Len, c1.Seq, c1.Channel, c1.Psn));
        Assert.True(mb.RxBuffer(0).IndexOfAnyExcept((byte)0xEE) < 0, "the bad management buffer was written");
        Completion c2 = mb.WaitCompletion();
        Assert.Equal((CompletionStatus.Ok, (ushort)1, 67u), (c2.Status, c2.Index, c2.Seq));
        Assert.True(mb.RxBuffer(1).Slice(128, 48).SequenceEqual(p2));
        Assert.Equal(1ul, B.Counter(Registers.CntBadDescLo));
        Assert.Equal(1ul, B.Counter(Registers.CntMgmtRxLo));
    }

    /// <summary>
    /// A management frame whose Rx buffer the host unmapped: its header and payload writes are refused and counted
    /// (CNT_DMA_FAULT, one per write), the MGMT_RX completion says OK with the frame's fields (docs/nic.md: a refused
    /// write cannot be reported in the completion).
    /// </summary>
    [Fact]
    public void ARefusedManagementRxWriteIsCountedAndTheCompletionSaysOk()
    {
        using var ma = new RawMgmt(A, 2);
        using var mb = new RawMgmt(B, 2);
        DmaRegion gone = B.Dev.AllocateDma(4096);
        ulong buf = gone.BusAddress;
        gone.Dispose();
        Backend.RefusedWritesExpected = 2;
        mb.PostRaw(new RxDescriptor { Addr = buf, Len = 4096, Tag = 9 });
        ma.Send(MgmtHeader(0x3333, 88, 6), Payload(40, 1), tag: 1);
        Completion c = mb.WaitCompletion();
        Assert.Equal((CompletionKind.MgmtRx, CompletionStatus.Ok, (ushort)9, (ushort)40, 88u, (ushort)0x3333), (c.Kind, c.Status, c.Tag, c.Len, c.Seq, c.Channel));
        Eventually(() => B.Counter(Registers.CntDmaFaultLo) == 2, "CNT_DMA_FAULT did not count the refused header and payload writes");
    }

    /// <summary>
    /// EQ_CMD with a size outside CAP_RING_LOG disables the queue (as nc_eq): a COMPLETION event then finds no queue
    /// (CNT_EQ_OVERFLOW) and nothing is written; a valid EQ_CMD enables it again with its indices at 0.
    /// </summary>
    [Fact]
    public void AnEventQueueCommandWithABadSizeDisablesTheQueue()
    {
        var (a, b) = Pair();
        b.PostRx(4);
        B.Write(Registers.EqCmd, 0u | (0u << 8) | 0x1_0000);   // log 0: below CAP_RING_LOG
        b.DbCpl(arm: true);
        a.Send(Payload(10, 1));
        b.WaitCompletion();
        Eventually(() => B.Counter(Registers.CntEqOverflowLo) == 1, "the event for a disabled queue was not counted");
        Assert.Empty(B.DrainEvents());
        B.Write(Registers.EqCmd, 0u | ((uint)RawNic.EqLog << 8) | 0x1_0000); // valid again (indices back to 0)
        B.Eq.Cons = 0;
        b.DbCpl(arm: true);
        a.Send(Payload(10, 2));
        Event ev = B.WaitEvent();
        Assert.Equal((EventType.Completion, (ushort)9, 2u), (ev.EvType, ev.Source, ev.Data));
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
        Assert.Equal(5ul * (ulong)FrameBuilder.FrameLength(1000) + acks * (ulong)FrameBuilder.FrameLength(0), ((ulong)hi << 32) | lo);
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
            Assert.Equal(ChannelCommandResult.Ok, A.Cmd(a.Id, ChannelCommand.Read));
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
}

/// <summary>The device contract against two simulated NICs (the nc_nic RTL under libncsim, stepped).</summary>
[Collection("Simulator")]
public sealed class SimulatedNicContractTests : NicContractTests
{
    /// <summary>Two nc_nic with libncsim's default timing (DMA latency 200 cycles, link 50 bytes/cycle, latency 100 cycles), no faults.</summary>
    public SimulatedNicContractTests() : base(new SimulatedBackend()) { }

    private protected override void PrepareForTraffic() => ((SimulatedBackend)Backend).Stepped.StepCycles = 256;
}
