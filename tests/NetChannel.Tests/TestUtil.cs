using System;
using System.IO;
using NetChannel.Harness;
using NetChannel.Wire;

namespace NetChannel.Tests;

internal static class TestUtil
{
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
