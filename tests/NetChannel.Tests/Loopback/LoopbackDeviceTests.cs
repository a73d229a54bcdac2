using System;
using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;
using NetChannel.Device.Loopback;
using NetChannel.Tests.Raw;
using NetChannel.Wire;

namespace NetChannel.Tests.Loopback;

/// <summary>
/// What only the loopback test device has — its cable, its power, its transmit trace, host threads racing its
/// engine — programmed register by register with the raw driver. Everything it shares with the NIC (docs/nic.md)
/// is in <see cref="NicContractTests"/> (<see cref="LoopbackNicContractTests"/>).
/// </summary>
public sealed class LoopbackDeviceTests : RawTestBase
{
    /// <summary>A loopback pair with 64 channels and 4 event queues.</summary>
    public LoopbackDeviceTests() : base(new LoopbackBackend()) { }

    private LoopbackDevicePair LoopPair => ((LoopbackBackend)Backend).Pair;

    /// <summary>A producer thread and a consumer thread that sleeps on the interrupt (arm-and-wait) race the engine: 3,000 messages, no lost wake-up.</summary>
    [Fact]
    public async Task ArmAndWaitWithAProducerThreadAndAConsumerThreadLosesNoWakeup()
    {
        var (a, b) = Pair(txLog: 4, rxLog: 4);
        const int N = 3000;
        b.PostRx(16);
        int received = 0;
        var consumer = Task.Run(() =>
        {
            b.DbCpl(arm: true);
            B.ArmEq();
            while (received < N)
            {
                if (!B.WaitInterrupt()) throw new TimeoutException($"lost wake-up after {received} messages");
                B.DrainEvents();
                int got = 0;
                while (b.TryCompletion(out Completion c))
                {
                    Assert.Equal(CompletionStatus.Ok, c.Status);
                    got++;
                }
                received += got;
                b.DbCpl(arm: true); // consume then arm: fires at once if more arrived meanwhile
                if (got > 0) b.PostRx(got);
                B.ArmEq();
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

    /// <summary>
    /// A cut cable loses frames (STATUS shows the link down): the two frames the credit allows stay in flight and
    /// are probed for, still lost, by the timer; when the cable is back the next probe is answered and the frame
    /// it shows missing is sent again, so both arrive in order and the third message follows; nothing is sent
    /// twice to the receiver.
    /// </summary>
    [Fact]
    public void ACutLinkLosesFramesAndTheyAreRetransmittedWhenItComesBack()
    {
        var (a, b) = Pair();
        A.Write(Registers.RtoCycles, 250_000); // 1 ms
        A.Write(Registers.RetryLimit, 50);
        b.PostRx(2);                            // A learns the credit at once
        LoopPair.SetLinkUp(false);
        Assert.Equal(1u, A.Read(Registers.Status)); // running, link down
        for (int i = 0; i < 3; i++) a.PutTx(a.Data(Payload(10, i), tag: (ushort)(1 + i)));
        a.RingTx();
        Eventually(() => A.Cmd(5, ChannelCommand.Read) == ChannelCommandResult.Ok && A.Read(Registers.ChRbTimeouts) >= 1, "no retransmission timeout while the link was down");
        Assert.False(b.HasCompletion, "a frame crossed the cut link");
        Assert.Equal(3u | (2u << 16), A.Read(Registers.ChRbTxIdx)); // two in flight (the credit), the third not taken
        Assert.Equal((PsnA, PsnA + 2), (A.Read(Registers.ChRbTxUna), A.Read(Registers.ChRbTxNxt)));
        LoopPair.SetLinkUp(true);
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
        ulong retx = A.Counter(Registers.CntRetxLo), timeouts = A.Counter(Registers.CntTimeoutsLo);
        // Every timeout while the link is down sends one probe (the newest frame in flight), lost; the first after
        // it is back resends the two frames the peer lacks.
        Assert.True(timeouts >= 2 && retx == timeouts + 1, $"{retx} retransmissions for {timeouts} timeouts: one probe per timeout while cut, then the two missing frames");
        Assert.Equal(ChannelCommandResult.Ok, A.Cmd(5, ChannelCommand.Read));
        Assert.Equal(3u, A.Read(Registers.ChRbTxPkts)); // sent once each, retransmitted since
        Assert.Equal((uint)retx, A.Read(Registers.ChRbRetx));
        Assert.Equal(0ul, B.Counter(Registers.CntDupLo) + B.Counter(Registers.CntOutOfWindowLo) + B.Counter(Registers.CntRxNoBufLo));
    }

    /// <summary>A disposed device is gone: its peer sees the link down, and it throws ObjectDisposedException.</summary>
    [Fact]
    public void APoweredOffDeviceIsGoneForItsPeer()
    {
        Pair();
        LoopPair.B.Dispose();
        Eventually(() => (A.Read(Registers.Status) & 2) == 0, "the peer of a powered-off device still sees the link up");
        Assert.Throws<ObjectDisposedException>(() => LoopPair.B.ReadRegister(Registers.IdMagic));
        Assert.Throws<ObjectDisposedException>(() => LoopPair.B.WriteRegister(Registers.Ctrl, 0));
    }

    /// <summary>
    /// Four bulk channels with 16 messages each and one latency channel with one message, all queued while the
    /// device is disabled and with credit at the peer: when it is enabled the latency message goes first.
    /// </summary>
    [Fact]
    public void LatencyClassChannelsAreServedFirst()
    {
        A.Write(Registers.Ctrl, 0);
        var chans = new List<RawChannel>();
        for (int id = 1; id <= 5; id++)
        {
            RawChannel c = Chan(A, id, 4, 4), p = Chan(B, id, 4, 4);
            Assert.Equal(ChannelCommandResult.Ok, A.Open(c, id, MacB, IpB, 0, 0, cls: id == 5 ? 1 : 0));
            Assert.Equal(ChannelCommandResult.Ok, B.Open(p, id, MacA, IpA, 0, 0));
            p.PostRx(16);
            int n = id == 5 ? 1 : 16;
            for (int i = 0; i < n; i++) c.PutTx(c.Data(Payload(4000, i)));
            c.RingTx();
            chans.Add(c);
        }
        LoopPair.A.TransmitTrace = new int[65];
        A.Write(Registers.Ctrl, 3);
        foreach (RawChannel c in chans)
            for (int i = 0; i < (c.Id == 5 ? 1 : 16); i++) Assert.Equal(CompletionStatus.Ok, c.WaitCompletion().Status);
        Assert.Equal(65, LoopPair.A.TransmitTraceCount);
        Assert.Equal(5, LoopPair.A.TransmitTrace[0]);
    }

    /// <summary>An interrupt handler that throws is counted and the device goes on.</summary>
    [Fact]
    public void AFaultyInterruptHandlerDoesNotStopTheDevice()
    {
        var (a, b) = Pair();
        b.PostRx(8);
        int calls = 0;
        LoopPair.B.SetInterruptHandler(v =>
        {
            Interlocked.Increment(ref calls);
            throw new InvalidOperationException("a broken handler");
        });
        for (int i = 1; i <= 2; i++)
        {
            b.DbCpl(arm: true);
            B.ArmEq();
            a.Send(Payload(10, i));
            Eventually(() => Volatile.Read(ref calls) == i, $"interrupt {i} never came");
            b.WaitCompletion();
            B.DrainEvents();
        }
        // Still answering; and the engine serves the read only after the handler's second call returned, so the
        // fault count is final (the handler runs on the engine thread, the count is taken after it threw).
        Assert.Equal(Spec.NicMagic, B.Read(Registers.IdMagic));
        Assert.Equal(2, Volatile.Read(ref LoopPair.B.InterruptHandlerFaults));
    }
}
