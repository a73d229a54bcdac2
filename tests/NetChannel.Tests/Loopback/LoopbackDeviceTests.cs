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

    /// <summary>Channel 5 of A joined to channel 9 of B.</summary>
    private (RawChannel a, RawChannel b) Pair(int txLog = 3, int rxLog = 3, int cplLog = -1, int rxBufBytes = RawChannel.BufBytes)
    {
        RawChannel a = Chan(_a, 5, txLog, rxLog, cplLog, rxBufBytes), b = Chan(_b, 9, txLog, rxLog, cplLog, rxBufBytes);
        Assert.Equal(0u, _a.Open(a, 9, MacB, IpB, PsnA, PsnB));
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
        // Good, then twice.
        Assert.Equal(0u, _a.Open(c, 1, MacB, IpB, 0, 0));
        Assert.Equal(2u, _a.Open(c, 1, MacB, IpB, 0, 0));
        Assert.Equal(0u, _a.Cmd(3, 3));
        Assert.Equal(1u, _a.Read(Registers.ChRbState) & 3);
        Assert.Equal(IpB, _a.Read(Registers.ChPeerIp));
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
        Assert.True(_a.Counter(Registers.CntCreditStallLo) >= 1);
        Assert.Equal(0u, _a.Cmd(5, 3));
        Assert.Equal(0u, _a.Read(Registers.ChRbTxIdx) >> 16); // nothing taken
        b.PostRx(2);
        Assert.Equal(CompletionStatus.Ok, a.WaitCompletion().Status);
        Assert.Equal(CompletionStatus.Ok, a.WaitCompletion().Status);
        Assert.True(a.NoCompletionFor(30), "the third message went without credit");
        b.PostRx(1);
        Assert.Equal((ushort)2, a.WaitCompletion().Index);
        for (int i = 0; i < 3; i++) Assert.Equal((ushort)i, b.WaitCompletion().Index);
        Assert.Equal(0ul, _b.Counter(Registers.CntRxNoBufLo));
    }

    [Fact]
    public void BadTxDescriptorsCompleteWithErrorsInOrderAndTravelAsVoid()
    {
        var (a, b) = Pair();
        b.PostRx(2);
        byte[] good = Payload(500, 7);
        TxDescriptor ok = a.Data(good, tag: 1);
        var bad = new (TxDescriptor d, CompletionStatus st)[]
        {
            (ok with { Addr = 0 }, CompletionStatus.BadAddr),
            (ok with { Addr = ulong.MaxValue - 10 }, CompletionStatus.BadAddr),
            (ok with { Len = Spec.MaxPayloadBytes + 1 }, CompletionStatus.BadLen),
            (ok with { Len = 0 }, CompletionStatus.BadLen),                      // empty DATA
            (ok with { Flags = 1 }, CompletionStatus.BadDesc),
            (ok with { Rsvd1 = 9 }, CompletionStatus.BadDesc),
            (ok with { MsgType = (NetChannelType)7 }, CompletionStatus.BadDesc),
            (ok with { Addr = 0, Flags = 1, Len = 99999 }, CompletionStatus.BadAddr), // several faults: lowest code
        };
        // Eight bad ones fill the ring; then one good one.
        foreach (var (d, _) in bad) a.PutTx(d with { Tag = 7 });
        a.RingTx();
        for (int i = 0; i < bad.Length; i++)
        {
            Completion c = a.WaitCompletion();
            Assert.Equal((ushort)i, c.Index);
            Assert.Equal(bad[i].st, c.Status);
            Assert.Equal(PsnA + (uint)i, c.Psn);
        }
        a.DbCpl(false);
        a.Send(good, tag: 1);
        Completion rx = b.WaitCompletion();
        Assert.Equal(CompletionStatus.Ok, rx.Status);
        Assert.Equal((ushort)0, rx.Index); // the VOIDs consumed no buffer
        Assert.Equal(PsnA + (uint)bad.Length, rx.Psn);
        Assert.True(b.RxBuffer(0).Slice(0, good.Length).SequenceEqual(good));
        Assert.Equal(CompletionStatus.Ok, a.WaitCompletion().Status);
        Assert.Equal((ulong)bad.Length, _a.Counter(Registers.CntBadDescLo));
        Assert.True(b.NoCompletionFor(20));
        // The receiver's credit grew by the VOIDs: its ack covers them.
        Assert.Equal(0u, _b.Cmd(9, 3));
        Assert.Equal(PsnA + (uint)bad.Length + 1, _b.Read(Registers.ChRbRxAck));
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
    public void BadRxDescriptorsCompleteWithErrorsAndTheNextBufferIsUsed()
    {
        var (a, b) = Pair();
        b.PutRx(new RxDescriptor { Addr = b.RxBufferBus(0) + 8, Len = 1000, Tag = 40 }); // not 64-byte aligned
        b.PutRx(new RxDescriptor { Addr = b.RxBufferBus(1), Len = 0, Tag = 41 });        // empty
        b.PutRx(new RxDescriptor { Addr = b.RxBufferBus(2), Len = 1000, Tag = 42, Rsvd = 1 });
        b.PutRx(new RxDescriptor { Addr = b.RxBufferBus(3), Len = 1000, Tag = 43 });
        b.RingRx();
        a.Send(Payload(10, 1));
        Assert.Equal((CompletionStatus.BadAddr, (ushort)40), (b.WaitCompletion() is var c1 ? (c1.Status, c1.Tag) : default));
        Assert.Equal((CompletionStatus.BadLen, (ushort)41), (b.WaitCompletion() is var c2 ? (c2.Status, c2.Tag) : default));
        Assert.Equal((CompletionStatus.BadDesc, (ushort)42), (b.WaitCompletion() is var c3 ? (c3.Status, c3.Tag) : default));
        Completion ok = b.WaitCompletion();
        Assert.Equal(CompletionStatus.Ok, ok.Status);
        Assert.Equal((ushort)43, ok.Tag);
        Assert.Equal((ushort)3, ok.Index);
    }

    [Fact]
    public void BadDoorbellsAreIgnoredAndCounted()
    {
        var (a, b) = Pair();
        b.PostRx(8);
        int n = 0;
        void Bad(int reg, uint v)
        {
            _a.Write(reg, v);
            n++;
            Assert.Equal((ulong)n, _a.Counter(Registers.CntBadDoorbellLo));
        }
        Bad(Registers.DbTx, 3u | (1u << 16));          // channel not open
        Bad(Registers.DbTx, 70u | (1u << 16));         // channel beyond CAP_CHANNELS
        Bad(Registers.DbTx, 5u | (9u << 16));          // more than the ring (8) ahead
        Bad(Registers.DbRx, 5u | (9u << 16));
        Bad(Registers.DbCpl, 5u | (1u << 16));         // consumer beyond the producer
        Bad(Registers.EqArm, 3u);                      // queue not enabled
        Bad(Registers.EqArm, 0u | (5u << 16));         // consumer beyond the producer
        Bad(Registers.MgmtDbTx, 1u);                   // management queue not enabled
        Assert.True(a.NoCompletionFor(20));
        // A good doorbell, then one going backwards.
        a.PutTx(a.Data(Payload(10, 1)));
        a.PutTx(a.Data(Payload(10, 2)));
        a.RingTx();
        a.WaitCompletion();
        a.WaitCompletion();
        Bad(Registers.DbTx, 5u | (1u << 16));
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
    }

    [Fact]
    public void CloseCompletesEverythingOutstandingAndReadBackGivesTheFinalIndex()
    {
        var (a, b) = Pair();
        a.PostRx(4);
        for (int i = 0; i < 3; i++) a.PutTx(a.Data(Payload(10, i), tag: (ushort)(20 + i)));
        a.RingTx(); // B posted nothing: all three wait for credit
        Thread.Sleep(20);
        Assert.Equal(0u, _a.Cmd(5, 2));
        var cpls = new List<Completion>();
        while (a.TryCompletion(out Completion c)) cpls.Add(c);
        Assert.Equal(7, cpls.Count);
        Assert.All(cpls, c => Assert.Equal(CompletionStatus.ChannelDown, c.Status));
        Assert.Equal(new ushort[] { 20, 21, 22 }, cpls.Where(c => c.Kind == CompletionKind.Tx).Select(c => c.Tag));
        Assert.Equal(4, cpls.Count(c => c.Kind == CompletionKind.Rx));
        Assert.Equal(0u, _a.Cmd(5, 3));
        Assert.Equal(7u, _a.Read(Registers.ChRbCplIdx) & 0xFFFF);
        a.DbCpl(arm: false); // consuming after the close is allowed
        Assert.Equal(0ul, _a.Counter(Registers.CntBadDoorbellLo));
        // Frames for the closed channel are dropped and counted at B's side.
        b.Send(Payload(10, 9));
        Assert.True(SpinUntil(() => _a.Counter(Registers.CntNoChannelLo) >= 1));
    }

    [Fact]
    public void APeerThatNeverAnswersFailsTheChannelAfterTheRetryLimit()
    {
        var (a, b) = Pair();
        _a.Write(Registers.RtoCycles, 2500);  // 10 us
        _a.Write(Registers.RetryLimit, 3);
        Assert.Equal(0u, _b.Cmd(9, 2));        // the peer channel is gone
        a.PostRx(2);
        a.PutTx(a.Data(Payload(10, 1), tag: 1));
        a.PutTx(a.Data(Payload(10, 2), tag: 2));
        a.RingTx();
        Completion c1 = a.WaitCompletion(), c2 = a.WaitCompletion();
        Assert.Equal(CompletionStatus.Timeout, c1.Status);
        Assert.Equal(CompletionStatus.Timeout, c2.Status);
        var rx = new[] { a.WaitCompletion(), a.WaitCompletion() };
        Assert.All(rx, c => Assert.Equal(CompletionStatus.ChannelDown, c.Status));
        Event ev = _a.WaitEvent();
        Assert.Equal(EventType.Channel, ev.EvType);
        Assert.Equal((ushort)5, ev.Source);
        Assert.Equal(2u | ((uint)CompletionStatus.Timeout << 8), ev.Data);
        Assert.Equal(1ul, _a.Counter(Registers.CntChFailedLo));
        Assert.Equal(3ul, _a.Counter(Registers.CntTimeoutsLo));
        Assert.Equal(2ul, _a.Counter(Registers.CntRetxLo));
        Assert.True(_b.Counter(Registers.CntNoChannelLo) >= 3);
        Assert.Equal(0u, _a.Cmd(5, 3));
        Assert.Equal(2u | ((uint)CompletionStatus.Timeout << 8), _a.Read(Registers.ChRbState));
        Assert.Equal(3u, _a.Read(Registers.ChRbTimeouts));
        a.Send(Payload(10, 3)); // a failed channel takes no doorbell
        Assert.True(SpinUntil(() => _a.Counter(Registers.CntBadDoorbellLo) == 1));
        Assert.Equal(2u, _a.Cmd(5, 1));                // opening a failed channel: bad state
        Assert.Equal(0u, _a.Cmd(5, 2));                // it must be closed first
    }

    [Fact]
    public void ACutLinkLosesFramesAndTheyAreRetransmittedWhenItComesBack()
    {
        var (a, b) = Pair();
        _a.Write(Registers.RtoCycles, 250_000); // 1 ms
        _a.Write(Registers.RetryLimit, 50);
        b.PostRx(2);
        _pair.SetLinkUp(false);
        Assert.Equal(1u, _a.Read(Registers.Status)); // running, link down
        a.Send(Payload(10, 1));
        Thread.Sleep(15);
        Assert.True(b.NoCompletionFor(0));
        _pair.SetLinkUp(true);
        Assert.Equal(CompletionStatus.Ok, b.WaitCompletion().Status);
        Assert.Equal(CompletionStatus.Ok, a.WaitCompletion().Status);
        Assert.True(_a.Counter(Registers.CntRetxLo) >= 1);
        Assert.Equal(0u, _a.Cmd(5, 3));
        Assert.Equal(1u, _a.Read(Registers.ChRbTxPkts)); // sent once, retransmitted since
        Assert.True(_a.Read(Registers.ChRbRetx) >= 1);
    }

    [Fact]
    public void ARefusedDmaReadFailsTheChannel()
    {
        var (a, b) = Pair();
        b.PostRx(2);
        a.PutTx(a.Data(Payload(10, 1)) with { Addr = 0x1000 }); // not mapped for the device
        a.RingTx();
        Assert.Equal(CompletionStatus.DmaFault, a.WaitCompletion().Status);
        Event ev = _a.WaitEvent();
        Assert.Equal(2u | ((uint)CompletionStatus.DmaFault << 8), ev.Data);
        Assert.Equal(1ul, _a.Counter(Registers.CntDmaFaultLo));
        Assert.True(b.NoCompletionFor(10));
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
        h.Nc.Seq = 55;
        // No buffer posted at B yet: dropped and counted.
        ma.Send(h, payload, tag: 3);
        Completion tx = ma.WaitCompletion();
        Assert.Equal((CompletionKind.MgmtTx, CompletionStatus.Ok, (ushort)3, (ushort)40), (tx.Kind, tx.Status, tx.Tag, tx.Len));
        Assert.True(SpinUntil(() => _b.Counter(Registers.CntRxNoBufLo) == 1));
        mb.PostRx(2);
        ma.Send(h, payload, tag: 4);
        Completion rx = mb.WaitCompletion();
        Assert.Equal(CompletionKind.MgmtRx, rx.Kind);
        Assert.Equal(CompletionStatus.Ok, rx.Status);
        Assert.Equal(40, rx.Len);
        Assert.Equal((ushort)0x1234, rx.Channel);
        Assert.Equal(55u, rx.Seq);
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
