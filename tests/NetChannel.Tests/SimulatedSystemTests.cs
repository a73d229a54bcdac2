using System;
using System.Collections.Generic;
using System.IO;
using System.Threading;
using System.Threading.Tasks;
using NetChannel.Device;
using NetChannel.Device.Simulated;
using NetChannel.Harness;

namespace NetChannel.Tests;

/// <summary>
/// <see cref="SimulatedNicSystem"/>: the clock (pause, step, determinism), the link (statistics, faults,
/// pcap), the simulator's error report and disposal — with the test device in place of nc_nic.
/// </summary>
[Collection("Simulator")]
public class SimulatedSystemTests
{
    private sealed record Outcome(byte[] Pcap, ulong Cycles, LinkStatistics Link, uint Rx0, uint Rx1);

    /// <summary>A scripted exchange in step mode: frames both ways, register reads between steps.</summary>
    private static Outcome Scripted(ulong seed, string pcap, string? waveform = null)
    {
        var options = TestDevice.Options with
        {
            StartPaused = true, Seed = seed, Loss = 0.05, Duplicate = 0.05, Reorder = 0.1, Corrupt = 0.05, PcapPath = pcap,
            WaveformPath = waveform, WaveformStartCycle = 100, WaveformCycles = 1000,
        };
        var regions = new List<DmaRegion>();
        Outcome o;
        using (var sys = new SimulatedNicSystem(options))
        {
            SimulatedNic[] nics = [sys.Nic0, sys.Nic1];
            var tx = new DmaRegion[2];
            for (int n = 0; n < 2; n++)
            {
                tx[n] = nics[n].AllocateDma(16384);
                DmaRegion rx = nics[n].AllocateDma(16 * 2048), cpl = nics[n].AllocateDma(4096);
                regions.AddRange([tx[n], rx, cpl]);
                TestDevice.SetupRx(nics[n], rx, cpl, 2048, 16, 2, interrupt: false);
            }
            var g = new FrameGenerator(5, TestUtil.FilterOn);  // the host's actions do not depend on the link seed
            var r = new Random(6);
            for (int i = 0; i < 60; i++)
            {
                int n = r.Next(2);
                if ((nics[n].ReadRegister(TestDevice.TxStatus) & 1) != 0)
                {
                    sys.Step(50);
                    continue;
                }
                byte[] f = TestUtil.Frame(g, r.Next(1500), out _, out _);
                f.CopyTo(tx[n].Slice(7, f.Length));
                TestDevice.StartTx(nics[n], tx[n].BusAddressOf(7), f.Length);
                sys.Step((ulong)(1 + r.Next(150)));
            }
            sys.Step(4000);
            o = new Outcome([], sys.Cycles, sys.GetLinkStatistics(), sys.Nic0.ReadRegister(TestDevice.RxFrames), sys.Nic1.ReadRegister(TestDevice.RxFrames));
            Assert.Null(sys.LastError);
        }
        foreach (DmaRegion d in regions) d.Dispose();  // after the system: must still work
        return o with { Pcap = File.ReadAllBytes(pcap) };
    }

    [Fact]
    public void StepModeIsCycleExactAndTheSameSeedGivesTheSameRun()
    {
        string dir = TestUtil.TempDir("ncsim-determinism");
        try
        {
            Outcome a = Scripted(77, Path.Combine(dir, "a.pcap"));
            Outcome b = Scripted(77, Path.Combine(dir, "b.pcap"));
            Outcome c = Scripted(78, Path.Combine(dir, "c.pcap"));
            Assert.True(a.Pcap.Length > 10_000, $"pcap of {a.Pcap.Length} bytes");
            Assert.Equal(a.Pcap, b.Pcap);
            Assert.Equal(a.Cycles, b.Cycles);
            Assert.Equal(a.Link, b.Link);
            Assert.Equal((a.Rx0, a.Rx1), (b.Rx0, b.Rx1));
            Assert.NotEqual(a.Link with { Cycle = 0 }, c.Link with { Cycle = 0 });
        }
        finally { Directory.Delete(dir, true); }
    }

    [Fact]
    public void PauseStopsTheClockAndStepNeedsIt()
    {
        using var sys = new SimulatedNicSystem(TestDevice.Options);
        Assert.True(sys.WaitForCycle(sys.Cycles + 10_000, TimeSpan.FromSeconds(10)));
        var e = Assert.Throws<InvalidOperationException>(() => sys.Step(10));
        Assert.Contains("Pause()", e.Message, StringComparison.Ordinal);
        sys.Pause();
        ulong c = sys.Cycles;
        Assert.False(sys.WaitForCycle(c + 1, TimeSpan.FromMilliseconds(30)));   // 30 ms of wall time: a paused clock stands still
        Assert.Equal(c, sys.Cycles);
        sys.Step(1234);
        Assert.Equal(c + 1234, sys.Cycles);
        sys.Resume();
        Assert.True(sys.WaitForCycle(c + 100_000, TimeSpan.FromSeconds(10)));
    }

    [Fact]
    public void PcapOfBothDirectionsDecodesCleanlyInTshark()
    {
        string tshark = Tshark.Find() ?? throw new Xunit.Sdk.XunitException("tshark is not on PATH: install it (`make deps`)");
        string dir = TestUtil.TempDir("ncsim-pcap");
        try
        {
            string pcap = Path.Combine(dir, "link.pcap");
            Outcome o = Scripted(3, pcap);
            ulong sent = o.Link.Nic0ToNic1.FramesSent + o.Link.Nic1ToNic0.FramesSent;
            List<TsharkFrame> frames = Tshark.Decode(tshark, pcap, TimeSpan.FromSeconds(120));
            Assert.Equal((int)sent, frames.Count);
            Assert.True(sent > 30, $"only {sent} frames");
            foreach (TsharkFrame f in frames) Assert.True(f.IsClean, f.ToString());
        }
        finally { Directory.Delete(dir, true); }
    }

    [Fact]
    public void LinkStatisticsAgreeWithWhatTheDeviceSaw()
    {
        var options = TestDevice.Options with { Seed = 9, Loss = 0.1, Duplicate = 0.1, Corrupt = 0.2 };
        using var sys = new SimulatedNicSystem(options);
        using DmaRegion tx = sys.Nic0.AllocateDma(4096), rx = sys.Nic1.AllocateDma(16 * 2048), cpl = sys.Nic1.AllocateDma(4096);
        TestDevice.SetupRx(sys.Nic1, rx, cpl, 2048, 16, 0, interrupt: false);
        var g = new FrameGenerator(8, TestUtil.FilterOn);
        for (int i = 0; i < 200; i++)
        {
            byte[] f = TestUtil.Frame(g, 64 + i, out _, out _);
            f.CopyTo(tx.Span);
            TestDevice.StartTx(sys.Nic0, tx.BusAddress, f.Length);
            TestDevice.WaitTx(sys.Nic0);
        }
        Assert.True(sys.WaitForCycle(sys.Cycles + 5000, TimeSpan.FromSeconds(10)));
        LinkDirectionStatistics d = sys.GetLinkStatistics().Nic0ToNic1;
        Assert.Equal(200UL, d.FramesSent);
        Assert.Equal(0UL, d.InFlight);
        Assert.Equal(d.FramesSent - d.Dropped + d.Duplicated, d.FramesDelivered);
        Assert.Equal(d.Corrupted, d.FcsErrors);
        Assert.True(d.Dropped > 5 && d.Duplicated > 5 && d.Corrupted > 10, d.ToString());
        Assert.Equal(d.FcsErrors, sys.Nic1.ReadRegister(TestDevice.RxBadFcs));
        Assert.Equal(d.FramesDelivered - d.FcsErrors, sys.Nic1.ReadRegister(TestDevice.RxFrames));
    }

    [Fact]
    public void DeviceProtocolViolationsReachLastError()
    {
        using var sys = new SimulatedNicSystem(TestDevice.Options);
        using DmaRegion m = sys.Nic1.AllocateDma(4096);
        Assert.Null(sys.LastError);
        TestDevice.Write64(sys.Nic1, TestDevice.TxAddrLo, m.BusAddress);
        sys.Nic1.WriteRegister(TestDevice.TxLen, 0);
        sys.Nic1.WriteRegister(TestDevice.Viol, 1);  // a DMA read of 0 bytes
        while ((sys.Nic1.ReadRegister(TestDevice.Busy) & 4) != 0) { }
        string? e = sys.LastError;
        Assert.NotNull(e);
        Assert.Contains("NIC 1", e, StringComparison.Ordinal);
        Assert.Contains("read request of 0 bytes", e, StringComparison.Ordinal);
        Assert.Equal(1UL, sys.Nic1.GetStatistics().ProtocolViolations);
        sys.ClearError();
        Assert.Null(sys.LastError);
    }

    [Fact]
    public void DisposeWakesBlockedCallersAndLaterCallsThrow()
    {
        var sys = new SimulatedNicSystem(TestDevice.Options);
        DmaRegion r = sys.Nic0.AllocateDma(4096);
        Task<int?> waiter = Task.Run(() => sys.Nic0.WaitForInterrupt(Timeout.InfiniteTimeSpan));
        Assert.True(SpinWait.SpinUntil(() => sys.Nic0.InterruptWaiters == 1 || waiter.IsCompleted, TestUtil.HangGuard));   // blocked in the wait
        sys.Dispose();
        Exception? e = Record.Exception(() => waiter.Wait(TimeSpan.FromSeconds(10)));
        Assert.True(waiter.IsCompleted, "the blocked waiter was not woken");
        Assert.True(e is AggregateException { InnerException: DeviceException or ObjectDisposedException }, e?.ToString());
        Assert.True(sys.IsDisposed);
        Assert.Throws<ObjectDisposedException>(() => sys.Nic0.ReadRegister(0));
        Assert.Throws<ObjectDisposedException>(() => sys.Cycles);
        Assert.Throws<ObjectDisposedException>(() => sys.Step(1));
        r.Dispose();  // after the system: frees without error
        sys.Dispose();  // idempotent
    }

    [Fact]
    public void WaveformOfAWindowIsWritten()
    {
        string dir = TestUtil.TempDir("ncsim-fst");
        try
        {
            string fst = Path.Combine(dir, "nics.fst");
            Outcome withWave = Scripted(4, Path.Combine(dir, "a.pcap"), fst);
            byte[] f = File.ReadAllBytes(fst);
            Assert.True(f.Length > 1000, $"FST of {f.Length} bytes");
            Assert.Equal(0, f[0]);  // FST header block
            ulong start = System.Buffers.Binary.BinaryPrimitives.ReadUInt64BigEndian(f.AsSpan(9));
            ulong end = System.Buffers.Binary.BinaryPrimitives.ReadUInt64BigEndian(f.AsSpan(17));
            Assert.Equal(100UL * 4, start);
            Assert.Equal(1099UL * 4 + 2, end);
            // Tracing changes nothing in the simulation.
            Outcome without = Scripted(4, Path.Combine(dir, "b.pcap"));
            Assert.Equal(without.Pcap, withWave.Pcap);
        }
        finally { Directory.Delete(dir, true); }
    }
}
