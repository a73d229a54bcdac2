using System;
using System.IO;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using NetChannel.Vns;

namespace NetChannel.Tests.Vns;

public class RpcTests
{
    [Fact]
    public async Task BothSidesCallEachOtherOnOneConnection()
    {
        await using VnsTestBed bed = await VnsTestBed.StartAsync(TransportKind.InMemory);
        (VnsSocket c, VnsSocket s) = await bed.ConnectAsync(7300);
        await using var ca = new VnsRpcConnection(c);
        await using var cb = new VnsRpcConnection(s);
        static async Task Serve(VnsRpcConnection conn, int n)
        {
            for (int i = 0; i < n; i++)
            {
                using RpcRequest req = (await conn.ReceiveRequestAsync())!;
                await req.RespondAsync(VnsSuite.Transform(req.Payload.Span));
            }
        }
        static async Task Call(VnsRpcConnection conn, int seed, int n)
        {
            await Task.WhenAll(Enumerable.Range(0, n).Select(async k =>
            {
                byte[] req = Pattern.Make(seed + k, k * 37 % 5000);
                using RpcMessage resp = await conn.CallAsync(req);
                Assert.Equal(VnsSuite.Transform(req), resp.Payload.ToArray());
            }));
        }
        await Task.WhenAll(Serve(ca, 300), Serve(cb, 300), Call(ca, 1000, 300), Call(cb, 5000, 300)).WaitAsync(VnsTestBed.TestTimeout);
        Assert.Equal(300, ca.CallsCompleted);
        Assert.Equal(300, ca.RequestsReceived);
    }

    [Fact]
    public async Task CancelledCallDiscardsTheLateResponseAndPeerCloseEndsRequests()
    {
        await using VnsTestBed bed = await VnsTestBed.StartAsync(TransportKind.InMemory);
        (VnsSocket c, VnsSocket s) = await bed.ConnectAsync(7301);
        var client = new VnsRpcConnection(c);
        await using var server = new VnsRpcConnection(s);
        using var cts = new CancellationTokenSource();
        ValueTask<RpcMessage> slow = client.CallAsync(new byte[] { 1 }, cts.Token);
        RpcRequest r1 = (await server.ReceiveRequestAsync())!;
        cts.Cancel();
        Assert.Equal(cts.Token, (await Assert.ThrowsAnyAsync<OperationCanceledException>(async () => await slow)).CancellationToken);
        await r1.RespondAsync(new byte[] { 99 }); // arrives after the caller gave up: discarded
        await Assert.ThrowsAsync<InvalidOperationException>(async () => await r1.RespondAsync(new byte[1]));
        r1.Dispose();
        Task<RpcMessage> next = client.CallAsync(new byte[] { 2 }).AsTask();
        using (RpcRequest r2 = (await server.ReceiveRequestAsync())!) await r2.RespondAsync(new byte[] { 3 });
        using (RpcMessage m = await next.WaitAsync(VnsTestBed.TestTimeout)) Assert.Equal(new byte[] { 3 }, m.Payload.ToArray());
        await Assert.ThrowsAsync<ArgumentException>(async () => await client.CallAsync(new byte[(16 << 20) + 1]));
        await client.DisposeAsync();
        Assert.Null(await server.ReceiveRequestAsync().AsTask().WaitAsync(VnsTestBed.TestTimeout));
        await Assert.ThrowsAsync<ObjectDisposedException>(async () => await client.CallAsync(new byte[1]));
    }

    [Fact]
    public async Task MalformedFrameFailsPendingCallsWithIOException()
    {
        await using VnsTestBed bed = await VnsTestBed.StartAsync(TransportKind.InMemory);
        (VnsSocket c, VnsSocket s) = await bed.ConnectAsync(7302);
        await using var client = new VnsRpcConnection(c);
        ValueTask<RpcMessage> call = client.CallAsync(new byte[] { 1 });
        byte[] garbage = new byte[16];
        garbage[0] = 7; // no such frame kind
        await s.SendAsync(garbage);
        IOException e = await Assert.ThrowsAsync<IOException>(async () => await call.AsTask().WaitAsync(VnsTestBed.TestTimeout));
        Assert.IsType<InvalidDataException>(e.InnerException);
        await Assert.ThrowsAsync<IOException>(async () => await client.CallAsync(new byte[1]));
        await s.DisposeAsync();
    }
}
