using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using NetChannel.Device.Simulated;
using NetChannel.Harness;
using NetChannel.Wire;

namespace NetChannel.Tests.Raw;

/// <summary>
/// What only the NIC RTL has — the reliable transport over a faulty link (loss, reordering, duplication,
/// corruption caught by the FCS), retransmission, credit probes, ACK frames, DSCP marking, a wire capture —
/// checked through <c>INicDevice</c> with the raw driver on two simulated NICs (libncsim, stepped, so every run
/// is reproducible from its seed).
/// </summary>
[Collection("Simulator")]
public sealed class SimulatedNicTransportTests
{
    private static RawRig Rig(SimulationOptions options) => new(new SimulatedBackend(options));

    private static ulong Sum(RawRig r, int counterLo) => r.A.Counter(counterLo) + r.B.Counter(counterLo);

    /// <summary>
    /// 10,000 messages of random sizes (1 to 9000 bytes) on four channel pairs, both directions at once, over a link
    /// that loses 5 %, reorders 5 %, duplicates 1 % and corrupts 1 % of the frames: still every message exactly once
    /// and intact, every Tx descriptor completed OK in ring order; retransmissions happened; every corrupted copy was
    /// dropped by the FCS check (the NICs' BAD_FCS drops equal the link's FCS errors per direction); duplicates were
    /// dropped and counted; the per-channel counters add up to the global ones; the credit was never overrun.
    /// </summary>
    [Fact]
    public void TenThousandMessagesOverALossyReorderingDuplicatingCorruptingLinkArriveExactlyOnceIntact()
    {
        using RawRig r = Rig(new SimulationOptions { Seed = 11, Loss = 0.05, Reorder = 0.05, Duplicate = 0.01, Corrupt = 0.01 });
        foreach (RawNic n in new[] { r.A, r.B }) n.Write(Registers.RtoCycles, 8192);
        var pairs = r.Pairs(4, 7);
        var t = new RawTraffic(r.Time, 99);
        foreach (var (a, b) in pairs)
        {
            t.Add(a, b, 2000, g => g.Next(1, Spec.MaxPayloadBytes + 1));
            t.Add(b, a, 500, g => g.Next(1, Spec.MaxPayloadBytes + 1));
        }
        var sys = ((SimulatedBackend)r.Backend).Sys;
        ((SimulatedBackend)r.Backend).Stepped.StepCycles = 256;
        string? error = t.Run();
        Assert.True(error is null, error);
        Assert.Equal(10_000L, t.Totals.Messages);
        r.Time.Settle();  // the last ACKs
        LinkStatistics link = sys.GetLinkStatistics();
        foreach (LinkDirectionStatistics d in new[] { link.Nic0ToNic1, link.Nic1ToNic0 })
        {
            Assert.True(d.Dropped > 0 && d.Reordered > 0 && d.Duplicated > 0 && d.Corrupted > 0, $"the link injected too few faults: {d}");
            Assert.Equal(0UL, d.RxOverflow);
        }
        Assert.Equal(link.Nic0ToNic1.FcsErrors, r.B.Drops(DropReason.BadFcs));
        Assert.Equal(link.Nic1ToNic0.FcsErrors, r.A.Drops(DropReason.BadFcs));
        ulong retx = Sum(r, Registers.CntRetxLo), dup = Sum(r, Registers.CntDupLo);
        Assert.True(retx > 0, "no retransmission over a lossy link");
        Assert.True(dup > 0, "no duplicate dropped over a duplicating link");
        Assert.Equal(0UL, Sum(r, Registers.CntRxNoBufLo));
        Assert.Equal(0UL, Sum(r, Registers.CntChFailedLo));
        // Per-channel read-back counters add up to the global ones.
        ulong chRetx = 0, chDup = 0, chTx = 0;
        foreach (var (a, b) in pairs)
        {
            foreach (var (nic, ch, sent) in new[] { (r.A, a, 2000u), (r.B, b, 500u) })
            {
                Assert.Equal(ChannelCommandResult.Ok, nic.Cmd(ch.Id, ChannelCommand.Read));
                Assert.Equal(sent, nic.Read(Registers.ChRbTxPkts));
                chTx += nic.Read(Registers.ChRbTxPkts);
                chRetx += nic.Read(Registers.ChRbRetx);
                chDup += nic.Read(Registers.ChRbDup);
            }
        }
        Assert.Equal(retx, chRetx);
        Assert.Equal(dup, chDup);
        // Every frame a NIC sent is a first transmission, a retransmission or a pure ACK (nothing is sent while idle).
        ulong acks = Sum(r, Registers.CntAckTxLo);
        Assert.Equal(link, sys.GetLinkStatistics() with { Cycle = link.Cycle });
        Assert.Equal(link.Nic0ToNic1.FramesSent + link.Nic1ToNic0.FramesSent, chTx + retx + acks);
        Assert.Equal(link.Nic0ToNic1.FramesSent, r.A.Counter(Registers.CntTxFramesLo));
        Assert.Equal(link.Nic1ToNic0.FramesSent, r.B.Counter(Registers.CntTxFramesLo));
    }

    /// <summary>
    /// Credit through two Rx buffers over a link losing 5 % of the frames (credit updates included): 300 messages,
    /// the sender held back by credit again and again (CNT_CREDIT_STALL), never a frame dropped for want of a buffer,
    /// every message exactly once and intact.
    /// </summary>
    [Fact]
    public void CreditThroughTwoBuffersOverALossyLinkNeverOverrunsTheReceiver()
    {
        using RawRig r = Rig(new SimulationOptions { Seed = 5, Loss = 0.05 });
        foreach (RawNic n in new[] { r.A, r.B })
        {
            n.Write(Registers.RtoCycles, 3000);
            n.Write(Registers.RetryLimit, 12);
        }
        RawChannel a = r.Chan(r.A, 5, 6, 1), b = r.Chan(r.B, 9, 6, 1);
        Assert.Equal(ChannelCommandResult.Ok, r.A.Open(a, 9, RawRig.MacB, RawRig.IpB, RawRig.PsnA, RawRig.PsnB));
        Assert.Equal(ChannelCommandResult.Ok, r.B.Open(b, 5, RawRig.MacA, RawRig.IpA, RawRig.PsnB, RawRig.PsnA));
        var t = new RawTraffic(r.Time, 3);
        t.Add(a, b, 300, g => g.Next(1, 4001));
        string? error = t.Run();
        Assert.True(error is null, error);
        Assert.True(r.A.Counter(Registers.CntCreditStallLo) > 0, "the sender was never held back by the two-buffer credit");
        Assert.Equal(0UL, r.B.Counter(Registers.CntRxNoBufLo));
        Assert.True(((SimulatedBackend)r.Backend).Sys.GetLinkStatistics().Nic1ToNic0.Dropped > 0, "no ACK/credit frame was lost");
    }

    /// <summary>
    /// A credit update the sender never saw: B opens its channel and posts 4 buffers before A's channel exists, so
    /// the update is dropped at A (CNT_NO_CHANNEL); A opens with credit 0 and has messages waiting. Its persist timer
    /// sends a credit probe (an ACK frame flagged ACK_REQ, seen in the capture), B answers with its credit, and the
    /// messages go — not before the timer (RTO_CYCLES) expired.
    /// </summary>
    [Fact]
    public void ACreditProbeRecoversACreditUpdateTheSenderMissed()
    {
        string dir = TestUtil.TempDir("raw-probe");
        try
        {
            string pcap = Path.Combine(dir, "probe.pcap");
            const uint Rto = 6000;
            ulong doorbellCycle, firstDataCycle;
            using (RawRig r = Rig(new SimulationOptions { Seed = 1, PcapPath = pcap }))
            {
                var sys = ((SimulatedBackend)r.Backend).Sys;
                r.A.Write(Registers.RtoCycles, Rto);
                RawChannel a = r.Chan(r.A, 5), b = r.Chan(r.B, 9);
                Assert.Equal(ChannelCommandResult.Ok, r.B.Open(b, 5, RawRig.MacA, RawRig.IpA, RawRig.PsnB, RawRig.PsnA));
                b.PostRx(4);
                r.Eventually(() => r.A.Counter(Registers.CntNoChannelLo) >= 1, "B's credit update did not reach A (to be dropped there)");
                Assert.Equal(ChannelCommandResult.Ok, r.A.Open(a, 9, RawRig.MacB, RawRig.IpB, RawRig.PsnA, RawRig.PsnB, credit: 0));
                for (int i = 0; i < 3; i++) a.PutTx(a.Data(new byte[] { (byte)i, 1, 2 }, tag: (ushort)i));
                a.RingTx();
                doorbellCycle = sys.Cycles;
                for (int i = 0; i < 3; i++)
                {
                    Completion c = b.WaitCompletion();
                    Assert.Equal((CompletionStatus.Ok, (ushort)i, RawRig.PsnA + (uint)i), (c.Status, c.Index, c.Psn));
                }
                for (int i = 0; i < 3; i++) Assert.Equal(CompletionStatus.Ok, a.WaitCompletion().Status);
                Assert.True(r.A.Counter(Registers.CntCreditStallLo) >= 1);
            }
            // The capture: A's probe (ACK + ACK_REQ) comes before A's first DATA frame, at least RTO cycles after the doorbell.
            var frames = ReadPcap(pcap);
            int probe = frames.FindIndex(f => f.H.Eth.Src == RawRig.MacA && f.H.Cth.Opcode == ChannelOpcode.Ack && (f.H.Cth.Flags & ChannelFlags.AckReq) != 0);
            int data = frames.FindIndex(f => f.H.Eth.Src == RawRig.MacA && f.H.Cth.Opcode == ChannelOpcode.Data);
            Assert.True(probe >= 0, "A sent no credit probe (ACK frame with ACK_REQ)");
            Assert.True(data > probe, "A sent DATA before its credit probe was answered");
            Assert.True(frames.Skip(probe).Take(data - probe).Any(f => f.H.Eth.Src == RawRig.MacB && f.H.Cth.Opcode == ChannelOpcode.Ack && f.H.Cth.Credit == RawRig.PsnA + 4),
                        "B did not answer the probe with its credit");
            firstDataCycle = frames[data].Ns / SimulatedNicSystem.NanosecondsPerCycle;
            Assert.True(firstDataCycle >= doorbellCycle + Rto, $"first DATA at cycle {firstDataCycle}, doorbell at {doorbellCycle}: sent before the persist timer expired");
        }
        finally { Directory.Delete(dir, true); }
    }

    /// <summary>
    /// A peer that vanished while a channel waits for credit with nothing in flight: the persist timer sends
    /// RETRY_LIMIT credit probes (ACK frames flagged ACK_REQ, in the capture), none is answered, and the channel fails
    /// at the next expiry — CHANNEL_DOWN completions for the waiting descriptors (never taken), a CHANNEL event with
    /// reason TIMEOUT, CNT_CH_FAILED.
    /// </summary>
    [Fact]
    public void UnansweredCreditProbesFailTheChannelAfterTheRetryLimit()
    {
        string dir = TestUtil.TempDir("raw-probe-fail");
        try
        {
            string pcap = Path.Combine(dir, "probes.pcap");
            const uint Limit = 4;
            using (RawRig r = Rig(new SimulationOptions { Seed = 1, PcapPath = pcap }))
            {
                r.A.Write(Registers.RtoCycles, 2000);
                r.A.Write(Registers.RetryLimit, Limit);
                RawChannel a = r.Chan(r.A, 5);
                Assert.Equal(ChannelCommandResult.Ok, r.A.Open(a, 9, RawRig.MacB, RawRig.IpB, RawRig.PsnA, RawRig.PsnB, credit: 0)); // B has no channel 9
                a.PutTx(a.Data(new byte[] { 1 }, tag: 1));
                a.PutTx(a.Data(new byte[] { 2 }, tag: 2));
                a.RingTx();
                // Both descriptors, never taken, complete in ring order CHANNEL_DOWN with tag 0 (docs/nic.md; the
                // contract suite checks the rest: NicContractTests.AChannelOutOfCreditWhosePeerVanishedFails…).
                Completion c1 = a.WaitCompletion(), c2 = a.WaitCompletion();
                Assert.Equal((CompletionKind.Tx, (ushort)0, CompletionStatus.ChannelDown, (ushort)0), (c1.Kind, c1.Index, c1.Status, c1.Tag));
                Assert.Equal((CompletionKind.Tx, (ushort)1, CompletionStatus.ChannelDown, (ushort)0), (c2.Kind, c2.Index, c2.Status, c2.Tag));
                Event ev = r.A.WaitEvent();
                Assert.Equal((EventType.Channel, (ushort)5, 2u | ((uint)CompletionStatus.Timeout << 8)), (ev.EvType, ev.Source, ev.Data));
                Assert.Equal(1UL, r.A.Counter(Registers.CntChFailedLo));
                Assert.True(r.B.Counter(Registers.CntNoChannelLo) >= Limit, "B did not count the probes for its missing channel");
                Assert.Equal(ChannelCommandResult.Ok, r.A.Cmd(5, ChannelCommand.Read));
                Assert.Equal(new ChRbStateRegister { State = NicChannelState.Failed, Why = CompletionStatus.Timeout }, new ChRbStateRegister(r.A.Read(Registers.ChRbState)));
                Assert.Equal(0u, r.A.Read(Registers.ChRbTxPkts));   // no DATA frame went without credit
            }
            List<Captured> frames = ReadPcap(pcap);
            Assert.All(frames, f => Assert.Equal(RawRig.MacA, f.H.Eth.Src));
            Assert.All(frames, f => Assert.Equal((ChannelOpcode.Ack, ChannelFlags.AckReq), (f.H.Cth.Opcode, f.H.Cth.Flags & ChannelFlags.AckReq)));
            Assert.Equal((int)Limit, frames.Count);
        }
        finally { Directory.Delete(dir, true); }
    }

    private sealed record Captured(byte[] Bytes, FrameHeader H, ulong Ns);

    private static List<Captured> ReadPcap(string path)
    {
        var l = new List<Captured>();
        using var rd = new PcapReader(File.OpenRead(path));
        byte[] buf = new byte[65536];
        while (rd.TryReadFrame(buf, out int len, out _, out ulong ns))
        {
            byte[] f = buf.AsSpan(0, len).ToArray();
            l.Add(new Captured(f, FrameHeader.Read(f), ns));
        }
        return l;
    }

    private sealed record ScriptedRun(byte[] Pcap, ulong Cycles, ulong[] Counters, LinkStatistics Link);

    private static readonly int[] GlobalCounters =
    {
        Registers.CntTxFramesLo, Registers.CntTxBytesLo, Registers.CntRxFramesLo, Registers.CntRxBytesLo, Registers.CntRetxLo,
        Registers.CntTimeoutsLo, Registers.CntDupLo, Registers.CntAckTxLo, Registers.CntAckRxLo, Registers.CntCreditStallLo,
    };

    /// <summary>Two channel pairs (the second of the latency class), 300 messages each way on each, over a faulty link, in step mode, captured.</summary>
    private static ScriptedRun Scripted(ulong seed, string pcap)
    {
        ulong[] counters;
        ulong cycles;
        LinkStatistics link;
        using (RawRig r = Rig(new SimulationOptions { Seed = seed, Loss = 0.02, Reorder = 0.02, Duplicate = 0.02, Corrupt = 0.02, PcapPath = pcap }))
        {
            foreach (RawNic n in new[] { r.A, r.B }) n.Write(Registers.RtoCycles, 8192);
            var pairs = r.Pairs(2, 5, latencyPair: 1);
            var t = new RawTraffic(r.Time, 17);   // the host's actions do not depend on the link's seed
            foreach (var (a, b) in pairs)
            {
                t.Add(a, b, 300, g => g.Next(1, 3000));
                t.Add(b, a, 300, g => g.Next(1, 3000));
            }
            ((SimulatedBackend)r.Backend).Stepped.StepCycles = 100;
            string? error = t.Run();
            Assert.True(error is null, error);
            counters = GlobalCounters.SelectMany(c => new[] { r.A.Counter(c), r.B.Counter(c) }).ToArray();
            var sys = ((SimulatedBackend)r.Backend).Sys;
            cycles = sys.Cycles;
            link = sys.GetLinkStatistics();
        }
        return new ScriptedRun(File.ReadAllBytes(pcap), cycles, counters, link);
    }

    /// <summary>
    /// Step mode is reproducible: the same seed and the same host actions give a byte-identical pcap, the same
    /// counters and the same cycle count; another seed gives another run. tshark decodes the capture (both
    /// directions, faults on) with no malformed frame and no IPv4 checksum error; every frame parses with the C#
    /// model; DATA frames of the latency-class channel carry DSCP 46, the others 0; each channel uses its UDP source port.
    /// </summary>
    [Fact]
    public void TheSameSeedGivesAByteIdenticalCaptureAndTsharkDecodesItCleanly()
    {
        string tshark = Tshark.Find() ?? throw new Xunit.Sdk.XunitException("tshark is not on PATH: install it (`make deps`, Debian package tshark)");
        string dir = TestUtil.TempDir("raw-determinism");
        try
        {
            ScriptedRun x = Scripted(21, Path.Combine(dir, "a.pcap"));
            ScriptedRun y = Scripted(21, Path.Combine(dir, "b.pcap"));
            ScriptedRun z = Scripted(22, Path.Combine(dir, "c.pcap"));
            Assert.True(x.Pcap.Length > 1_000_000, $"a capture of only {x.Pcap.Length} bytes");
            Assert.True(x.Pcap.AsSpan().SequenceEqual(y.Pcap), "the same seed gave a different capture");
            Assert.Equal(x.Counters, y.Counters);
            Assert.Equal(x.Cycles, y.Cycles);
            Assert.Equal(x.Link, y.Link);
            Assert.False(x.Pcap.AsSpan().SequenceEqual(z.Pcap), "another seed gave the same capture");

            ulong sent = x.Link.Nic0ToNic1.FramesSent + x.Link.Nic1ToNic0.FramesSent;
            List<TsharkFrame> decoded = Tshark.Decode(tshark, Path.Combine(dir, "a.pcap"), TimeSpan.FromSeconds(120));
            Assert.Equal((int)sent, decoded.Count);
            var bad = decoded.Where(f => !f.IsClean).Take(10).ToList();
            Assert.True(bad.Count == 0, "tshark found problems:\n" + string.Join("\n", bad));
            Assert.All(decoded, f => Assert.Equal(1, f.IpChecksumStatus));

            List<Captured> frames = ReadPcap(Path.Combine(dir, "a.pcap"));
            Assert.Equal((int)sent, frames.Count);
            int latencyData = 0, bulkData = 0, acks = 0;
            foreach (Captured f in frames)
            {
                Assert.Equal(DropReason.None, FrameParser.Parse(f.Bytes, new ParserOptions(false, 0, 0), out FrameHeader h, out _));
                bool fromA = h.Eth.Src == RawRig.MacA;
                Assert.Equal(fromA ? RawRig.IpA : RawRig.IpB, h.Ipv4.Src);
                int aChan = fromA ? h.Cth.SrcChan : h.Cth.DstChan;
                Assert.True(aChan is 3 or 10, $"frame on channel {aChan} of A");
                Assert.Equal((ushort)(49152 + aChan), h.Udp.SrcPort);
                if (h.Cth.Opcode == ChannelOpcode.Ack) { acks++; continue; }
                Assert.Equal(ChannelOpcode.Data, h.Cth.Opcode);
                bool latency = aChan == 10;
                Assert.True(h.Ipv4.Tos == (latency ? 0xB8 : 0), $"DATA frame of channel {aChan}: TOS 0x{h.Ipv4.Tos:X2}");
                if (latency) latencyData++; else bulkData++;
            }
            Assert.True(latencyData >= 600 && bulkData >= 600 && acks > 0, $"{latencyData} latency and {bulkData} bulk DATA frames, {acks} ACKs");
        }
        finally { Directory.Delete(dir, true); }
    }
}
