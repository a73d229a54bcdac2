using System;
using System.IO;
using System.Net.Sockets;
using System.Threading;
using System.Threading.Tasks;
using NetChannel.Vns;

namespace NetChannel.Tests.Vns;

/// <summary>The Stream semantics .NET code relies on (NetworkStream's).</summary>
public class NetChannelStreamTests
{
    private static async Task<(VnsTestBed, NetChannelStream, NetChannelStream)> Pair(int port)
    {
        VnsTestBed bed = await VnsTestBed.StartAsync(TransportKind.InMemory);
        (VnsSocket c, VnsSocket s) = await bed.ConnectAsync(port);
        return (bed, new NetChannelStream(c, ownsSocket: true), new NetChannelStream(s, ownsSocket: true));
    }

    [Fact]
    public async Task ZeroByteReadWaitsAndEndOfStreamReturnsZero()
    {
        (VnsTestBed bed, NetChannelStream a, NetChannelStream b) = await Pair(7200);
        await using (bed)
        {
            ValueTask<int> zero = b.ReadAsync(Memory<byte>.Empty);
            await bed.Net.QuiesceAsync().WaitAsync(VnsTestBed.TestTimeout);   // everything in flight delivered
            Assert.False(zero.IsCompleted);
            await a.WriteAsync(new byte[] { 1, 2, 3 });
            Assert.Equal(0, await zero.AsTask().WaitAsync(VnsTestBed.TestTimeout));
            byte[] buf = new byte[10];
            Assert.Equal(3, await b.ReadAsync(buf));
            a.CompleteWrites();
            Assert.Equal(0, await b.ReadAsync(buf).AsTask().WaitAsync(VnsTestBed.TestTimeout));
            Assert.Equal(0, b.Read(buf, 0, 10));
            Assert.Equal(-1, b.ReadByte());
            await a.DisposeAsync();
            await b.DisposeAsync();
        }
    }

    [Fact]
    public async Task CancellationThrowsWithTheCallersToken()
    {
        (VnsTestBed bed, NetChannelStream a, NetChannelStream b) = await Pair(7201);
        await using (bed)
        {
            using var cts = new CancellationTokenSource();
            ValueTask<int> read = b.ReadAsync(new byte[4], cts.Token);
            cts.Cancel();
            OperationCanceledException e = await Assert.ThrowsAnyAsync<OperationCanceledException>(async () => await read);
            Assert.Equal(cts.Token, e.CancellationToken);
            Task<int> pre = b.ReadAsync(new byte[4], 0, 4, cts.Token);
            Assert.Equal(cts.Token, (await Assert.ThrowsAnyAsync<OperationCanceledException>(() => pre)).CancellationToken);
            Assert.Equal(cts.Token, (await Assert.ThrowsAnyAsync<OperationCanceledException>(async () => await a.WriteAsync(new byte[1], cts.Token))).CancellationToken);
            // Still usable.
            await a.WriteAsync(new byte[] { 9 });
            Assert.Equal(1, await b.ReadAsync(new byte[4]));
            await a.DisposeAsync();
            await b.DisposeAsync();
        }
    }

    [Fact]
    public async Task DisposedUseThrowsObjectDisposedAndArgumentsAreChecked()
    {
        (VnsTestBed bed, NetChannelStream a, NetChannelStream b) = await Pair(7202);
        await using (bed)
        {
            Assert.Throws<ArgumentNullException>(() => a.Write(null!, 0, 1));
            Assert.Throws<ArgumentOutOfRangeException>(() => a.Write(new byte[4], -1, 1));
            Assert.Throws<ArgumentOutOfRangeException>(() => a.Write(new byte[4], 2, 3));
            Assert.Throws<ArgumentNullException>(() => { _ = a.ReadAsync(null!, 0, 1); });
            Assert.Throws<ArgumentOutOfRangeException>(() => { _ = a.ReadAsync(new byte[4], 0, 5); });
            Assert.False(a.CanSeek);
            Assert.Throws<NotSupportedException>(() => a.Length);
            Assert.Throws<NotSupportedException>(() => a.Position = 1);
            Assert.Throws<NotSupportedException>(() => a.Seek(0, SeekOrigin.Begin));
            Assert.Throws<NotSupportedException>(() => a.SetLength(1));
            Assert.True(a.CanRead && a.CanWrite);
            a.Dispose();
            Assert.False(a.CanRead || a.CanWrite);
            Assert.Throws<ObjectDisposedException>(() => a.Write(new byte[1], 0, 1));
            Assert.Throws<ObjectDisposedException>(() => a.Read(new byte[1], 0, 1));
            Assert.Throws<ObjectDisposedException>(() => { _ = a.ReadAsync(new byte[1]); });
            Assert.Throws<ObjectDisposedException>(() => { _ = a.WriteAsync(new byte[1]); });
            Assert.Equal(VnsSocketState.Closed, a.Socket.State); // owned socket disposed with the stream
            await b.DisposeAsync();
        }
    }

    [Fact]
    public async Task CopyToAndSyncIoAndResetSurfaceAsIOException()
    {
        (VnsTestBed bed, NetChannelStream a, NetChannelStream b) = await Pair(7203);
        await using (bed)
        {
            byte[] data = Pattern.Make(8, 3_000_001);
            var writer = Task.Run(() =>
            {
                a.Write(data, 0, 1000);          // sync paths
                a.Write(data.AsSpan(1000, 999_000));
                a.WriteByte(data[1_000_000]);
                return a.WriteAsync(data, 1_000_001, 2_000_000);
            });
            var sink = new MemoryStream();
            byte[] first = new byte[1];
            Assert.Equal(1, b.Read(first.AsSpan()));
            sink.Write(first);
            Task copy = b.CopyToAsync(sink); // the writes need the reader: credit is 2 MiB
            await writer.WaitAsync(VnsTestBed.TestTimeout);
            a.CompleteWrites();
            await copy.WaitAsync(VnsTestBed.TestTimeout);
            Assert.Equal(data, sink.ToArray());
            // A reset surfaces as IOException wrapping the SocketException.
            await b.WriteAsync(new byte[10]);
            b.Socket.Abort();
            // The 10 bytes may be read before the RST arrives (they left first); then the reset surfaces.
            IOException e = await Assert.ThrowsAsync<IOException>(async () =>
            {
                byte[] rb = new byte[100];
                while (await a.ReadAsync(rb).AsTask().WaitAsync(VnsTestBed.TestTimeout) > 0) { }
            });
            Assert.Equal(SocketError.ConnectionReset, Assert.IsType<SocketException>(e.InnerException).SocketErrorCode);
            await a.DisposeAsync();
            await b.DisposeAsync();
        }
    }
}
