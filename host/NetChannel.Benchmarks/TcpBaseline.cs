using System;
using System.Collections.Generic;
using System.Net;
using System.Net.Sockets;
using System.Threading;

namespace NetChannel.Benchmarks;

/// <summary>
/// The baseline a user would pick instead of NetChannel: .NET <see cref="Socket"/> on kernel TCP over
/// loopback (127.0.0.1), one connection per application thread, blocking calls on dedicated threads.
/// </summary>
public sealed class TcpPair : IDisposable
{
    /// <summary>The connecting side.</summary>
    public Socket Client { get; }

    /// <summary>The accepted side.</summary>
    public Socket Server { get; }

    private TcpPair(Socket c, Socket s)
    {
        Client = c;
        Server = s;
    }

    /// <summary>A connected pair over 127.0.0.1 (Nagle off on both ends).</summary>
    public static TcpPair Connect()
    {
        using var l = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        l.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        l.Listen(1);
        var c = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        c.Connect(l.LocalEndPoint!);
        Socket s = l.Accept();
        s.NoDelay = true;
        return new TcpPair(c, s);
    }

    /// <inheritdoc />
    public void Dispose()
    {
        Client.Dispose();
        Server.Dispose();
    }

    /// <summary>Reads exactly <paramref name="n"/> bytes; false at end of stream.</summary>
    public static bool ReadExactly(Socket s, Span<byte> buf)
    {
        int got = 0;
        while (got < buf.Length)
        {
            int r = s.Receive(buf[got..]);
            if (r == 0) return false;
            got += r;
        }
        return true;
    }
}

/// <summary>Kernel-TCP workloads of section 2.</summary>
public static class TcpWorkloads
{
    /// <summary>One sender thread writing <paramref name="sendSize"/>-byte buffers, one receiver thread
    /// reading; goodput (bytes/s) and process CPU seconds per GB over <paramref name="seconds"/> after a warm-up.</summary>
    public static (double BytesPerSecond, double CpuSecondsPerGb) Bulk(int sendSize, double warmup, double seconds)
    {
        using TcpPair p = TcpPair.Connect();
        long received = 0;
        int stop = 0;
        var rx = new Thread(() =>
        {
            var buf = new byte[sendSize];
            try
            {
                while (true)
                {
                    int n = p.Server.Receive(buf);
                    if (n == 0) break;
                    Interlocked.Add(ref received, n);
                }
            }
            catch (SocketException) { }
        }) { Name = "tcp receiver", IsBackground = true };
        var tx = new Thread(() =>
        {
            var buf = new byte[sendSize];
            try
            {
                while (Volatile.Read(ref stop) == 0) p.Client.Send(buf);
                p.Client.Shutdown(SocketShutdown.Send);
            }
            catch (SocketException) { }
        }) { Name = "tcp sender", IsBackground = true };
        rx.Start();
        tx.Start();
        Thread.Sleep(TimeSpan.FromSeconds(warmup));
        long b0 = Interlocked.Read(ref received);
        Meter m = Meter.Start();
        Thread.Sleep(TimeSpan.FromSeconds(seconds));
        long b1 = Interlocked.Read(ref received);
        double wall = m.WallSeconds, cpu = m.CpuSeconds;
        Volatile.Write(ref stop, 1);
        tx.Join();
        rx.Join();
        double bytes = b1 - b0;
        return (bytes / wall, cpu / (bytes / 1e9));
    }

    /// <summary>RPC over <paramref name="connections"/> connections driven by ONE client thread with
    /// <paramref name="outstanding"/> requests in flight in total (spread evenly), requests and responses of
    /// <paramref name="size"/> bytes with a 4-byte length prefix; the server has one thread per connection
    /// and answers every request it has read in one send. Returns calls per second.</summary>
    public static double Rpc(int connections, int size, int outstanding, double warmup, double seconds)
    {
        var pairs = new List<TcpPair>();
        for (int i = 0; i < connections; i++) pairs.Add(TcpPair.Connect());
        int perConn = Math.Max(1, outstanding / connections);
        var servers = new List<Thread>();
        foreach (TcpPair p in pairs)
        {
            var t = new Thread(() => Echo(p.Server, size)) { Name = "tcp rpc server", IsBackground = true };
            t.Start();
            servers.Add(t);
        }
        long calls = 0;
        int stop = 0;
        var client = new Thread(() =>
        {
            var req = new byte[4 + size];
            BitConverter.TryWriteBytes(req, size);
            var resp = new byte[4 + size];
            try
            {
                foreach (TcpPair p in pairs)
                    for (int k = 0; k < perConn; k++) p.Client.Send(req);
                while (Volatile.Read(ref stop) == 0)
                {
                    foreach (TcpPair p in pairs)
                    {
                        if (!TcpPair.ReadExactly(p.Client, resp)) return;
                        Interlocked.Increment(ref calls);
                        p.Client.Send(req);
                    }
                }
                foreach (TcpPair p in pairs)
                {
                    for (int k = 0; k < perConn; k++) TcpPair.ReadExactly(p.Client, resp);
                    p.Client.Shutdown(SocketShutdown.Send);
                }
            }
            catch (SocketException) { }
        }) { Name = "tcp rpc client", IsBackground = true };
        client.Start();
        Thread.Sleep(TimeSpan.FromSeconds(warmup));
        long c0 = Interlocked.Read(ref calls);
        Meter m = Meter.Start();
        Thread.Sleep(TimeSpan.FromSeconds(seconds));
        long c1 = Interlocked.Read(ref calls);
        double wall = m.WallSeconds;
        Volatile.Write(ref stop, 1);
        client.Join();
        foreach (Thread t in servers) t.Join();
        foreach (TcpPair p in pairs) p.Dispose();
        return (c1 - c0) / wall;
    }

    // Reads whatever is there, answers every complete request in one send.
    private static void Echo(Socket s, int size)
    {
        int frame = 4 + size;
        var inBuf = new byte[Math.Max(65536, 4 * frame)];
        var outBuf = new byte[inBuf.Length + frame];
        int have = 0;
        try
        {
            while (true)
            {
                int n = s.Receive(inBuf.AsSpan(have));
                if (n == 0) break;
                have += n;
                int whole = have / frame * frame;
                if (whole > 0)
                {
                    inBuf.AsSpan(0, whole).CopyTo(outBuf);
                    s.Send(outBuf.AsSpan(0, whole));
                    inBuf.AsSpan(whole, have - whole).CopyTo(inBuf);
                    have -= whole;
                }
            }
            s.Shutdown(SocketShutdown.Send);
        }
        catch (SocketException) { }
    }

    /// <summary>64-byte ping-pong round trips on one connection (one thread each side), optionally beside
    /// <paramref name="bulkConnections"/> bulk senders (one thread each, 64 KB writes, a reader thread each).
    /// Returns every round-trip time in microseconds.</summary>
    public static double[] PingPong(int roundTrips, int bulkConnections, double warmup)
    {
        using TcpPair p = TcpPair.Connect();
        var bulk = new List<TcpPair>();
        var bulkThreads = new List<Thread>();
        int stop = 0;
        for (int i = 0; i < bulkConnections; i++)
        {
            TcpPair b = TcpPair.Connect();
            bulk.Add(b);
            var tx = new Thread(() =>
            {
                var buf = new byte[65536];
                try { while (Volatile.Read(ref stop) == 0) b.Client.Send(buf); b.Client.Shutdown(SocketShutdown.Send); }
                catch (SocketException) { }
            }) { Name = "tcp bulk sender", IsBackground = true };
            var rx = new Thread(() =>
            {
                var buf = new byte[65536];
                try { while (b.Server.Receive(buf) > 0) { } }
                catch (SocketException) { }
            }) { Name = "tcp bulk receiver", IsBackground = true };
            tx.Start();
            rx.Start();
            bulkThreads.Add(tx);
            bulkThreads.Add(rx);
        }
        var echo = new Thread(() =>
        {
            var buf = new byte[64];
            try
            {
                while (TcpPair.ReadExactly(p.Server, buf)) p.Server.Send(buf);
            }
            catch (SocketException) { }
        }) { Name = "tcp echo", IsBackground = true };
        echo.Start();
        if (bulkConnections > 0) Thread.Sleep(TimeSpan.FromSeconds(warmup));
        var msg = new byte[64];
        var back = new byte[64];
        var rtt = new double[roundTrips];
        for (int i = -200; i < roundTrips; i++)
        {
            long t0 = System.Diagnostics.Stopwatch.GetTimestamp();
            p.Client.Send(msg);
            TcpPair.ReadExactly(p.Client, back);
            if (i >= 0) rtt[i] = System.Diagnostics.Stopwatch.GetElapsedTime(t0).TotalMicroseconds;
        }
        p.Client.Shutdown(SocketShutdown.Send);
        echo.Join();
        Volatile.Write(ref stop, 1);
        foreach (Thread t in bulkThreads) t.Join();
        foreach (TcpPair b in bulk) b.Dispose();
        return rtt;
    }
}
