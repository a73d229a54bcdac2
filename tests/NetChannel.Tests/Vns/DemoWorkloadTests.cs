using System.Linq;
using System.Net;
using System.Threading.Tasks;
using NetChannel.Harness;
using NetChannel.Scheduling;
using Xunit.Abstractions;

namespace NetChannel.Tests.Vns;

/// <summary>The demonstration workload (bulk + RPC both ways, every byte checked) over each transport.</summary>
[Collection("Simulator")]
public class DemoWorkloadTests
{
    private readonly ITestOutputHelper _out;

    public DemoWorkloadTests(ITestOutputHelper output) => _out = output;

    [Theory]
    [InlineData(TransportKind.InMemory)]
    [InlineData(TransportKind.Loopback)]
    [InlineData(TransportKind.Simulated)]
    public async Task BulkAndRpcBothWaysAllVerified(TransportKind kind)
    {
        await using VnsTestBed bed = await VnsTestBed.StartAsync(kind);
        var o = new DemoWorkloadOptions { BulkSockets = 3, BulkBytesPerDirection = 3 << 20, BulkSendSize = 200_000, RpcConnections = 2, RpcCallsPerConnection = 300, RpcConcurrency = 16 };
        var progress = new System.Progress<string>(_ => { });
        DemoReport r = await DemoWorkload.RunAsync(bed.A, IPAddress.Parse("10.0.0.1"), bed.B, IPAddress.Parse("10.0.0.2"), o, progress).WaitAsync(VnsTestBed.TestTimeout);
        _out.WriteLine($"{kind}: bulk {r.BulkBytesPerSecond / 1e6:0.0} MB/s, rpc {r.RpcCallsPerSecond:0} calls/s, p50 {r.RpcLatencyP50.TotalMicroseconds:0} us, p99 {r.RpcLatencyP99.TotalMicroseconds:0} us");
        Assert.True(r.Ok, string.Join("\n", r.Failures));
        Assert.Equal(2L * 2 * 3 * (3 << 20), r.BulkBytes);
        Assert.Equal(2L * 2 * 300, r.RpcCalls);
        // The RPC connections are latency-class: they ran on their own channels.
        Assert.Contains(r.SchedulerA.Channels, c => c.Class == TrafficClass.Latency && c.TxLatencyMessages > 0 && c.TxThroughputMessages == 0);
        Assert.All(r.SchedulerA.Channels.Where(c => c.Class == TrafficClass.Throughput), c => Assert.Equal(0, c.TxLatencyMessages));
    }
}
