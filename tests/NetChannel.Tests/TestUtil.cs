using System;
using System.IO;
using System.Threading;
using System.Threading.Tasks;
using NetChannel.Harness;
using NetChannel.Wire;

namespace NetChannel.Tests;

internal static class TestUtil
{
    /// <summary>The wall-clock guard of every wait for something a device or a simulator does: long enough that
    /// only a hang reaches it, on a loaded machine with a simulator at 0.1 M cycles/s.</summary>
    public static readonly TimeSpan HangGuard = TimeSpan.FromMinutes(2);

    /// <summary>Waits until <paramref name="condition"/> holds (polled every millisecond); false only after
    /// <see cref="HangGuard"/>.</summary>
    public static async Task<bool> Until(Func<bool> condition)
    {
        long until = Environment.TickCount64 + (long)HangGuard.TotalMilliseconds;
        while (!condition())
        {
            if (Environment.TickCount64 > until) return condition();
            await Task.Delay(1).ConfigureAwait(false);
        }
        return true;
    }

    /// <summary>Waits <paramref name="interval"/> of <paramref name="clock"/>'s time (a device's: simulated time
    /// on a simulated NIC) — the window in which something must not happen.</summary>
    public static Task Elapse(TimeProvider clock, TimeSpan interval) => Task.Delay(interval, clock);

    public const ulong LocalMac = 0x02_4E_43_00_00_01UL;
    public const uint LocalIp = 0x0A_00_00_01;
    public static readonly ParserOptions FilterOn = new(true, LocalMac, LocalIp);
    public static readonly ParserOptions FilterOff = new(false, LocalMac, LocalIp);

    public static string RepoRoot =>
        HdrTool.FindRepoRoot() ?? throw new InvalidOperationException($"NetChannel.sln not found above {AppContext.BaseDirectory}");

    /// <summary>A fresh directory under the system temp directory.</summary>
    public static string TempDir(string name)
    {
        string d = Path.Combine(Path.GetTempPath(), "netchannel-tests", $"{name}-{Environment.ProcessId}-{Guid.NewGuid():N}");
        Directory.CreateDirectory(d);
        return d;
    }

    /// <summary>A valid frame with the given payload length.</summary>
    public static byte[] Frame(FrameGenerator g, int payloadLength, out FrameHeader header, out byte[] payload)
    {
        header = g.NextHeader(payloadLength);
        payload = g.NextPayload(payloadLength);
        byte[] f = new byte[FrameBuilder.FrameLength(payloadLength)];
        FrameBuilder.Build(f, header, payload);
        return f;
    }

    /// <summary>Rewrites a frame's ICRC trailer after its covered bytes were changed.</summary>
    public static byte[] Reseal(byte[] f)
    {
        Icrc.Seal(f);
        return f;
    }

    public static void Put16(byte[] f, int o, int v)
    {
        f[o] = (byte)(v >> 8);
        f[o + 1] = (byte)v;
    }

    /// <summary>Recomputes the IPv4 header checksum of a frame in place.</summary>
    public static void FixIpChecksum(byte[] f)
    {
        Put16(f, 24, 0);
        Put16(f, 24, Ipv4Checksum.Compute(f.AsSpan(14, 20)));
    }
}
