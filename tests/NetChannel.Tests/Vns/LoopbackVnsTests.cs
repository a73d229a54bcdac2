using System.Linq;
using System.Net.Sockets;
using System.Threading.Tasks;
using NetChannel.Scheduling;
using NetChannel.Vns;

namespace NetChannel.Tests.Vns;

/// <summary>Virtual sockets over the NetDriver on the loopback device: what only a real driver does.</summary>
public class LoopbackVnsTests
{
    [Fact]
    public async Task ConnectToAHostThatRefusesChannelsIsRefused()
    {
        await using VnsTestBed bed = await VnsTestBed.StartAsync(TransportKind.Loopback, nicB: o => o.AcceptChannels = false);
        await using VnsListener l = await bed.B.ListenAsync(7500);
        SocketException e = await Assert.ThrowsAsync<SocketException>(() => bed.A.ConnectAsync(VnsTestBed.EndPointB(7500)).AsTask().WaitAsync(VnsTestBed.TestTimeout));
        Assert.Equal(SocketError.ConnectionRefused, e.SocketErrorCode);
        Assert.True(bed.A.Scheduler.Counters.OpenFailures >= 1);
    }

    [Fact]
    public async Task RetiredChannelsAreClosedWithThePeerAndTheDriverAgrees()
    {
        await using VnsTestBed bed = await VnsTestBed.StartAsync(TransportKind.Loopback, o =>
        {
            o.Scheduler.ThroughputChannels = new ChannelLimits { Initial = 3, Min = 1, Max = 3 };
            o.Scheduler.IdleRetireAfter = System.TimeSpan.FromMilliseconds(200);
            o.Scheduler.SampleInterval = System.TimeSpan.FromMilliseconds(5);
        });
        (VnsSocket c, VnsSocket s) = await bed.ConnectAsync(7501);
        Task<long> r = SocketIo.ReceivePatternAsync(s, 4, 1 << 16);
        await SocketIo.SendPatternAsync(c, 4, 4 << 20, 1 << 20);
        Assert.Equal(4 << 20, await r.WaitAsync(VnsTestBed.TestTimeout));
        await c.DisposeAsync();
        await s.DisposeAsync();
        NetChannel.Driver.NicHost ha = ((NicTransport)bed.TransportA).NicHost, hb = ((NicTransport)bed.TransportB).NicHost;
        // Idle: two of the three channels are retired, in the scheduler and in both drivers.
        await VnsSuite.WaitUntil(() => ha.Channels.Count == 1 && hb.Channels.Count == 1
            && bed.A.Scheduler.Snapshot().Channels.Count == 1 && bed.B.Scheduler.Snapshot().Channels.Count == 1).WaitAsync(VnsTestBed.TestTimeout);
        Assert.Equal(2, bed.A.Scheduler.Counters.RetiresCompleted);
        Assert.Equal(2, bed.B.Scheduler.Counters.RetiresByPeer);
        Assert.Equal(0, bed.A.Scheduler.Counters.ChannelsLost + bed.B.Scheduler.Counters.ChannelsLost);
        Assert.Single(bed.A.Scheduler.Snapshot().Channels);
        Assert.Equal(ha.Channels.Single().Id, bed.A.Scheduler.Snapshot().Channels.Single().Id);
    }
}
