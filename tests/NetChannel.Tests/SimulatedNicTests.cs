using System;
using System.Collections.Concurrent;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using NetChannel.Device;
using NetChannel.Device.Simulated;
using NetChannel.Harness;

namespace NetChannel.Tests;

/// <summary>
/// <see cref="SimulatedNic"/> as an <see cref="INicDevice"/> — registers, DMA memory, interrupts — with the
/// simulator's test device in place of nc_nic (libncsim_testdev.so, loaded explicitly).
/// </summary>
[Collection("Simulator")]
public class SimulatedNicTests
{
    [Fact]
    public void RegistersArePerNicAndRoundTrip()
    {
        using var sys = new SimulatedNicSystem(TestDevice.Options);
        INicDevice a = sys.Nic0, b = sys.Nic1;
        Assert.Equal(TestDevice.Magic, a.ReadRegister(TestDevice.IdMagic));
        Assert.Equal(TestDevice.Magic, b.ReadRegister(TestDevice.IdMagic));
        a.WriteRegister(TestDevice.Scratch0, 0xA5A5_0001);
        b.WriteRegister(TestDevice.Scratch0, 0x5A5A_0002);
        Assert.Equal(0xA5A5_0001u, a.ReadRegister(TestDevice.Scratch0));
        Assert.Equal(0x5A5A_0002u, b.ReadRegister(TestDevice.Scratch0));
        a.WriteRegister(TestDevice.RdDelay, 100);  // answers 100 cycles late
        ulong c0 = a.ClockCycles;
        Assert.Equal(0xA5A5_0001u, a.ReadRegister(TestDevice.Scratch0));
        Assert.True(a.ClockCycles - c0 >= 100);
        SimulatedNicStatistics st = sys.Nic0.GetStatistics();
        Assert.Equal(3UL, st.RegisterReads);
        Assert.Equal(2UL, st.RegisterWrites);
    }

    [Theory]
    [InlineData(2u)]
    [InlineData(0x10000u)]
    [InlineData(0xFFFF_FFFCu)]
    public void BadRegisterAddressesThrow(uint address)
    {
        using var sys = new SimulatedNicSystem(TestDevice.Options);
        Assert.Throws<ArgumentOutOfRangeException>(() => sys.Nic0.ReadRegister(address));
        Assert.Throws<ArgumentOutOfRangeException>(() => sys.Nic1.WriteRegister(address, 1));
    }

    [Fact]
    public void ConcurrentRegisterAccessKeepsEachThreadsOrder()
    {
        using var sys = new SimulatedNicSystem(TestDevice.Options);
        sys.Nic0.WriteRegister(TestDevice.RdDelay, 5);
        int bad = 0;
        Parallel.For(0, 4, new ParallelOptions { MaxDegreeOfParallelism = 4 }, t =>
        {
            INicDevice nic = t % 2 == 0 ? sys.Nic0 : sys.Nic1;
            uint reg = TestDevice.Scratch0 + 4u * (uint)(t / 2);
            var r = new Random(t);
            for (int i = 0; i < 200; i++)
            {
                uint v = (uint)r.Next();
                nic.WriteRegister(reg, v);
                if (nic.ReadRegister(reg) != v) Interlocked.Increment(ref bad);
            }
        });
        Assert.Equal(0, bad);
        Assert.Equal(400UL, sys.Nic0.GetStatistics().RegisterReads);
    }

    [Fact]
    public void DmaMemoryIsAlignedAndZeroed()
    {
        using var sys = new SimulatedNicSystem(TestDevice.Options);
        using DmaRegion r = sys.Nic0.AllocateDma(10_000);
        Assert.Equal(0UL, r.BusAddress % 4096);  // bus address = virtual address (the DMA tests prove the device reads it)
        Assert.Equal(10_000, r.Length);
        Assert.True(r.Span.ToArray().All(x => x == 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => sys.Nic0.AllocateDma(0));
    }

    [Fact]
    public void FrameTravelsByDmaOverTheLinkIntoTheOtherNicsMemoryWithAnInterrupt()
    {
        using var sys = new SimulatedNicSystem(TestDevice.Options);
        using DmaRegion tx = sys.Nic0.AllocateDma(4096), rx = sys.Nic1.AllocateDma(4 * 2048), cpl = sys.Nic1.AllocateDma(64);
        var vectors = new ConcurrentQueue<int>();
        using var got = new SemaphoreSlim(0);
        int handlerThread = -1;
        sys.Nic1.SetInterruptHandler(v =>
        {
            vectors.Enqueue(v);
            handlerThread = Environment.CurrentManagedThreadId;
            got.Release();
        });
        TestDevice.SetupRx(sys.Nic1, rx, cpl, 2048, 4, offset: 5, interrupt: true);
        var g = new FrameGenerator(11, TestUtil.FilterOn);
        for (int k = 0; k < 3; k++)
        {
            byte[] frame = TestUtil.Frame(g, 100 + 500 * k, out _, out _);
            frame.CopyTo(tx.Slice(3, frame.Length));
            TestDevice.StartTx(sys.Nic0, tx.BusAddressOf(3), frame.Length);
            Assert.True(got.Wait(TimeSpan.FromSeconds(10)), $"no interrupt for frame {k}");
            Assert.Equal(frame, rx.Slice(k * 2048 + 5, frame.Length).ToArray());
            Span<byte> rec = cpl.Slice(8 * k, 8);
            Assert.Equal(frame.Length, rec[0] | rec[1] << 8);
            Assert.Equal(0x80, rec[7]);
        }
        Assert.Equal(new[] { TestDevice.RxVector, TestDevice.RxVector, TestDevice.RxVector }, vectors.ToArray());
        Assert.NotEqual(Environment.CurrentManagedThreadId, handlerThread);
        // The waitable queue saw them too, in order.
        for (int k = 0; k < 3; k++) Assert.Equal(TestDevice.RxVector, sys.Nic1.WaitForInterrupt(TimeSpan.FromSeconds(5)));
        Assert.Null(sys.Nic1.WaitForInterrupt(TimeSpan.Zero));
        Assert.Null(sys.InterruptHandlerFault);
    }

    [Fact]
    public void DisposedRegionIsUnmappedForTheDevice()
    {
        using var sys = new SimulatedNicSystem(TestDevice.Options);
        DmaRegion r = sys.Nic0.AllocateDma(4096);
        ulong addr = r.BusAddress;
        TestDevice.StartTx(sys.Nic0, addr, 100);
        Assert.Equal(0u, TestDevice.WaitTx(sys.Nic0) & 2);  // mapped: read accepted
        r.Dispose();
        Assert.True(r.IsDisposed);
        Assert.Throws<ObjectDisposedException>(() => r.Span.Length);
        TestDevice.StartTx(sys.Nic0, addr, 100);
        Assert.Equal(2u, TestDevice.WaitTx(sys.Nic0) & 2);  // refused, as by an IOMMU
        Assert.Equal(1UL, sys.Nic0.GetStatistics().DmaReadFaults);
        r.Dispose();  // idempotent
    }

    [Fact]
    public void HandlerExceptionsAreCaughtAndBlockingCallsFromTheHandlerThrow()
    {
        using var sys = new SimulatedNicSystem(TestDevice.Options);
        Exception? inner = null;
        using var done = new SemaphoreSlim(0);
        sys.Nic0.SetInterruptHandler(v =>
        {
            try
            {
                sys.Nic0.ReadRegister(TestDevice.Scratch0);
            }
            catch (Exception e)
            {
                inner = e;
            }
            done.Release();
            throw new InvalidOperationException("handler bug " + v);
        });
        sys.Nic0.WriteRegister(TestDevice.IrqFire, 7);
        Assert.True(done.Wait(TimeSpan.FromSeconds(10)));
        Assert.IsType<InvalidOperationException>(inner);
        Assert.Contains("interrupt handler", inner!.Message, StringComparison.Ordinal);
        Assert.True(SpinWait.SpinUntil(() => sys.InterruptHandlerFault is not null, TestUtil.HangGuard));
        Assert.Equal("handler bug 7", sys.InterruptHandlerFault?.Message);
        // The simulation goes on; removing the handler stops the calls.
        sys.Nic0.SetInterruptHandler(null);
        sys.Nic0.WriteRegister(TestDevice.IrqFire, 8);
        Assert.Equal(7, sys.Nic0.WaitForInterrupt(TimeSpan.FromSeconds(5)));
        Assert.Equal(8, sys.Nic0.WaitForInterrupt(TimeSpan.FromSeconds(5)));
        Assert.Equal(TestDevice.Magic, sys.Nic0.ReadRegister(TestDevice.IdMagic));
    }

    [Fact]
    public void DisposedNicThrowsButTheSystemRuns()
    {
        using var sys = new SimulatedNicSystem(TestDevice.Options);
        sys.Nic0.Dispose();
        Assert.Throws<ObjectDisposedException>(() => sys.Nic0.ReadRegister(0));
        Assert.Throws<ObjectDisposedException>(() => sys.Nic0.AllocateDma(64));
        Assert.Equal(TestDevice.Magic, sys.Nic1.ReadRegister(TestDevice.IdMagic));
    }
}
