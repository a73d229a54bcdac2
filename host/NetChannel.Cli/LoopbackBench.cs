using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using NetChannel.Device.Loopback;
using NetChannel.Driver;
using NetChannel.Wire;

namespace NetChannel.Cli;

/// <summary>Options of <c>netchannel loopback-bench</c>.</summary>
internal sealed class LoopbackBenchOptions
{
    public int[] Sizes { get; set; } = [64, 1024, 9000];
    public int Channels { get; set; } = 2;
    public double Seconds { get; set; } = 2;
    public PollMode Mode { get; set; } = PollMode.Interrupt;
    public int PingPongs { get; set; } = 2000;

    public static LoopbackBenchOptions? Parse(string[] args, TextWriter stderr, out bool help)
    {
        help = false;
        var o = new LoopbackBenchOptions();
        for (int i = 0; i < args.Length; i++)
        {
            string a = args[i];
            string? Next()
            {
                if (i + 1 < args.Length) return args[++i];
                stderr.WriteLine($"netchannel loopback-bench: {a} needs a value");
                return null;
            }
            switch (a)
            {
                case "-h": case "--help": help = true; return o;
                case "--size":
                    if (Next() is not { } sz) return null;
                    try { o.Sizes = sz.Split(',').Select(x => int.Parse(x, CultureInfo.InvariantCulture)).ToArray(); }
                    catch (FormatException) { stderr.WriteLine($"netchannel loopback-bench: --size '{sz}' is not a list of integers"); return null; }
                    if (o.Sizes.Any(x => x is < 1 or > Spec.MaxPayloadBytes)) { stderr.WriteLine($"netchannel loopback-bench: sizes must be 1 to {Spec.MaxPayloadBytes}"); return null; }
                    break;
                case "--channels":
                    if (Next() is not { } ch || !int.TryParse(ch, CultureInfo.InvariantCulture, out int c) || c is < 1 or > 16) { stderr.WriteLine("netchannel loopback-bench: --channels must be 1 to 16"); return null; }
                    o.Channels = c;
                    break;
                case "--seconds":
                    if (Next() is not { } se || !double.TryParse(se, CultureInfo.InvariantCulture, out double s) || s is <= 0 or > 600) { stderr.WriteLine("netchannel loopback-bench: --seconds must be in (0, 600]"); return null; }
                    o.Seconds = s;
                    break;
                case "--mode":
                    string? m = Next();
                    if (m == "interrupt") o.Mode = PollMode.Interrupt;
                    else if (m == "busypoll") o.Mode = PollMode.BusyPoll;
                    else { stderr.WriteLine("netchannel loopback-bench: --mode is interrupt or busypoll"); return null; }
                    break;
                case "--pingpongs":
                    if (Next() is not { } pp || !int.TryParse(pp, CultureInfo.InvariantCulture, out int n) || n is < 1 or > 1_000_000) { stderr.WriteLine("netchannel loopback-bench: --pingpongs must be 1 to 1000000"); return null; }
                    o.PingPongs = n;
                    break;
                default:
                    stderr.WriteLine($"netchannel loopback-bench: unknown option '{a}'");
                    return null;
            }
        }
        return o;
    }
}

/// <summary>
/// Measures the host runtime alone: two NicHosts on the loopback test device, senders reserving and
/// committing as fast as they can, receivers copying every payload out and releasing it; then a 64-byte
/// ping-pong on a latency channel. The loopback has no wire: the figures are the cost of the driver, the
/// rings and one memcpy per message, not of the NIC.
/// </summary>
internal sealed class LoopbackBench(LoopbackBenchOptions o, TextWriter stdout)
{
    private sealed class Sink : IMessageSink
    {
        [ThreadStatic] private static byte[]? t_scratch;
        public long Messages, Bytes;
        public Action<Channel, NcMessage, RxBuffer>? Echo;

        public void OnChannelOpened(Channel channel) { }
        public void OnChannelDown(Channel channel, Exception error) { }

        public void OnMessage(Channel channel, in NcMessage message, RxBuffer payload)
        {
            if (Echo is { } e)
            {
                e(channel, message, payload);
                return;
            }
            payload.Span.CopyTo(t_scratch ??= new byte[Spec.MaxPayloadBytes]); // what a copy worker does
            Interlocked.Add(ref Bytes, payload.Length);
            Interlocked.Increment(ref Messages);
            payload.Release();
        }
    }

    public int Run()
    {
        return RunAsync().GetAwaiter().GetResult();
    }

    private async Task<int> RunAsync()
    {
        var addrA = new PeerAddress(0x02_4E_43_00_00_01UL, 0x0A_00_00_01);
        var addrB = new PeerAddress(0x02_4E_43_00_00_02UL, 0x0A_00_00_02);
        NicHostOptions Opt(PeerAddress self) => new() { Mac = self.Mac, Ip = self.Ip, MaxChannels = 32, PollMode = o.Mode, ThroughputPollers = 1 };
        using var pair = new LoopbackDevicePair();
        var sinkA = new Sink();
        var sinkB = new Sink();
        NicHostOptions oa = Opt(addrA);
        oa.Neighbors[addrB.Ip] = addrB.Mac;
        await using NicHost a = await NicHost.StartAsync(pair.A, oa, sinkA);
        await using NicHost b = await NicHost.StartAsync(pair.B, Opt(addrB), sinkB);
        stdout.WriteLine($"loopback-bench: {Environment.ProcessorCount} cores, poll mode {o.Mode}, {o.Channels} channel(s) A->B, {o.Seconds:0.#} s per size");
        stdout.WriteLine("  (the loopback test device has no wire: this is the host runtime's own cost)");
        var chans = new List<Channel>();
        for (int i = 0; i < o.Channels; i++) chans.Add(await a.OpenChannelAsync(addrB, ChannelClass.Throughput));
        stdout.WriteLine("  payload B   messages/s   payload Gbit/s");
        foreach (int size in o.Sizes)
        {
            Interlocked.Exchange(ref sinkB.Messages, 0);
            Interlocked.Exchange(ref sinkB.Bytes, 0);
            using var stop = new CancellationTokenSource();
            long sent = 0;
            var threads = chans.Select(ch => new Thread(() =>
            {
                var msg = new NcMessage(1, 2, 0, 0, NetChannelType.Data);
                long n = 0;
                while (!stop.IsCancellationRequested)
                {
                    if (!ch.TryReserve(out TxSlot s)) { Thread.Yield(); continue; }
                    s.Buffer[0] = (byte)n;
                    ch.Commit(s, msg, size);
                    n++;
                }
                Interlocked.Add(ref sent, n);
            }) { IsBackground = true, Name = "bench sender" }).ToList();
            // Warm up briefly, then measure what the receiver got over the interval.
            threads.ForEach(t => t.Start());
            await Task.Delay(200);
            long m0 = Interlocked.Read(ref sinkB.Messages), b0 = Interlocked.Read(ref sinkB.Bytes);
            var sw = Stopwatch.StartNew();
            await Task.Delay(TimeSpan.FromSeconds(o.Seconds));
            long m1 = Interlocked.Read(ref sinkB.Messages), b1 = Interlocked.Read(ref sinkB.Bytes);
            double secs = sw.Elapsed.TotalSeconds;
            stop.Cancel();
            threads.ForEach(t => t.Join());
            // Every message sent must arrive (the receiver's poller may still be delivering the last ones).
            SpinWait.SpinUntil(() => Interlocked.Read(ref sinkB.Messages) == Interlocked.Read(ref sent), 10_000);
            stdout.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  {size,9}   {(m1 - m0) / secs,10:0}   {(b1 - b0) * 8 / secs / 1e9,14:0.00}"));
            if (Interlocked.Read(ref sinkB.Messages) != Interlocked.Read(ref sent))
            {
                stdout.WriteLine($"loopback-bench: {sent} sent but {sinkB.Messages} received");
                return 1;
            }
        }

        // Ping-pong: A sends 64 bytes on a latency channel, B's sink echoes them at once, A's sink wakes the timer.
        Channel la = await a.OpenChannelAsync(addrB, ChannelClass.Latency);
        using var back = new ManualResetEventSlim(false, 1000);
        sinkB.Echo = (ch, m, buf) =>
        {
            buf.Release();
            if (ch.TryReserve(out TxSlot s)) ch.Commit(s, m, 64);
        };
        sinkA.Echo = (ch, m, buf) =>
        {
            buf.Release();
            back.Set();
        };
        var rtt = new double[o.PingPongs];
        var msg2 = new NcMessage(3, 4, 0, 0, NetChannelType.Data);
        for (int i = -100; i < o.PingPongs; i++)
        {
            back.Reset();
            long t0 = Stopwatch.GetTimestamp();
            TxSlot s = await la.ReserveAsync();
            la.Commit(s, msg2, 64);
            if (!back.Wait(5000))
            {
                stdout.WriteLine("loopback-bench: a ping-pong got no answer within 5 s");
                return 1;
            }
            if (i >= 0) rtt[i] = Stopwatch.GetElapsedTime(t0).TotalMicroseconds;
        }
        Array.Sort(rtt);
        double P(double q) => rtt[Math.Min(rtt.Length - 1, (int)(q * rtt.Length))];
        stdout.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"  ping-pong 64 B on a latency channel, {o.PingPongs} round trips: median {P(0.5):0.0} us, p90 {P(0.9):0.0} us, p99 {P(0.99):0.0} us"));
        return 0;
    }
}
