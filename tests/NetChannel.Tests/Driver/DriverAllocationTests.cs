using System;
using System.Reflection;
using System.Threading;
using System.Threading.Tasks;
using NetChannel.Driver;
using NetChannel.Wire;

namespace NetChannel.Tests.Driver;

/// <summary>The data path allocates nothing per message in steady state: sender, pollers, loopback engine.</summary>
public sealed class DriverAllocationTests
{
    private static long PollerBytes(NicHost h) =>
        (long)typeof(NicHost).GetProperty("PollerAllocatedBytes", BindingFlags.NonPublic | BindingFlags.Instance)!.GetValue(h)!;

    [Fact]
    public async Task SteadyStateSendAndReceiveAllocateNothing()
    {
        await using HostPair p = await HostPair.StartAsync();
        var (a, b) = await p.OpenAsync();
        long received = 0, bytes = 0;
        // A sink that copies out and releases, allocation-free.
        byte[] scratch = new byte[Spec.MaxPayloadBytes];
        p.SinkB.Handler = (ch, m, buf) =>
        {
            buf.Span.CopyTo(scratch);
            bytes += buf.Length;
            buf.Release();
            Volatile.Write(ref received, received + 1);
        };
        var msg = new NcMessage(1, 2, 0, 0, NetChannelType.Data);
        long sent = 0;
        void Send(int n)
        {
            for (int i = 0; i < n; i++)
            {
                TxSlot s;
                while (!a.TryReserve(out s)) Thread.Yield();
                int len = 1 + (int)(sent * 7919 % 4000);
                s.Buffer[0] = (byte)sent;
                a.Commit(s, msg, len);
                sent++;
            }
        }

        // Warm up (JIT, first waits of every thread), then measure on a dedicated thread.
        long allocated = -1;
        var t = new Thread(() =>
        {
            Send(3000);
            SpinWait.SpinUntil(() => Volatile.Read(ref received) == sent, TestUtil.HangGuard);
            long before = GC.GetAllocatedBytesForCurrentThread();
            Send(20_000);
            allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        });
        t.Start();
        long pollA0 = 0, pollB0 = 0, engine0 = 0;
        Assert.True(await TestUtil.Until(() => Volatile.Read(ref received) >= 3000));
        Assert.True(await TestUtil.Until(() => p.A.PollersSleeping && p.B.PollersSleeping));   // warm-up done: both sides idle
        pollA0 = PollerBytes(p.A);
        pollB0 = PollerBytes(p.B);
        engine0 = p.Devices.EngineAllocatedBytes;
        t.Join();
        Assert.True(await TestUtil.Until(() => Volatile.Read(ref received) == 23_000), $"{received} of 23000 arrived");
        Assert.True(await TestUtil.Until(() => p.A.PollersSleeping && p.B.PollersSleeping));   // every completion handled
        Assert.Equal(0, allocated);
        Assert.Equal(0, PollerBytes(p.A) - pollA0);
        Assert.Equal(0, PollerBytes(p.B) - pollB0);
        Assert.Equal(0, p.Devices.EngineAllocatedBytes - engine0);
        Assert.Equal(23_000, b.Counters.RxMessages);
    }
}
