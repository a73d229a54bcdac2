using System.Threading.Tasks;
using NetChannel.Vns;

namespace NetChannel.Tests.Vns;

public class SmokeTests
{
    [Fact]
    public async Task ConnectSendReceiveClose()
    {
        await using VnsTestBed bed = await VnsTestBed.StartAsync(TransportKind.InMemory);
        (VnsSocket c, VnsSocket s) = await bed.ConnectAsync(7000);
        Task send = SocketIo.SendPatternAsync(c, 1, 300_000, 70_000);
        long got = await SocketIo.ReceivePatternAsync(s, 1, 50_000).WaitAsync(VnsTestBed.TestTimeout);
        await send;
        Assert.Equal(300_000, got);
        await c.DisposeAsync();
        await s.DisposeAsync();
    }
}
