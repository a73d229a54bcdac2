using System;
using System.Collections.Generic;
using System.IO;
using NetChannel.Wire;

namespace NetChannel.Harness;

/// <summary>Disagreements found by a cross-check; keeps the first few messages and counts the rest.</summary>
public sealed class Mismatches
{
    private readonly List<string> _messages = [];

    /// <summary>Creates an empty list.</summary>
    /// <param name="keep">How many messages to keep.</param>
    public Mismatches(int keep = 20) => Keep = keep;

    /// <summary>How many messages are kept.</summary>
    public int Keep { get; }

    /// <summary>Every disagreement counted.</summary>
    public int Count { get; private set; }

    /// <summary>The first <see cref="Keep"/> messages.</summary>
    public IReadOnlyList<string> Messages => _messages;

    /// <summary>Counts one disagreement.</summary>
    /// <param name="message">What disagrees.</param>
    public void Add(string message)
    {
        Count++;
        if (_messages.Count < Keep) _messages.Add(message);
    }

    /// <summary>Every kept message, one per line, plus how many were left out.</summary>
    /// <returns>The text.</returns>
    public override string ToString() =>
        string.Join("\n", _messages) + (Count > _messages.Count ? $"\n... and {Count - _messages.Count} more" : "");
}

/// <summary>Comparisons of the C# frame model with the RTL's results.</summary>
public static class CrossCheck
{
    /// <summary>Writes <paramref name="frames"/> to a pcap file, 1 µs apart.</summary>
    /// <param name="path">The file.</param>
    /// <param name="frames">The frames.</param>
    public static void WritePcap(string path, IEnumerable<byte[]> frames)
    {
        ArgumentNullException.ThrowIfNull(frames);
        string? dir = Path.GetDirectoryName(Path.GetFullPath(path));
        if (dir is not null) Directory.CreateDirectory(dir);
        using var w = new PcapWriter(File.Create(path));
        ulong t = 1_700_000_000UL * 1_000_000_000UL;
        foreach (byte[] f in frames)
        {
            w.WriteFrame(f, t);
            t += 1000;
        }
    }

    /// <summary>
    /// Compares the RTL parser's results with the C# parser's over the same frames: drop reasons, and for accepted
    /// frames the header bytes and the payload. Counts both sides' results per reason.
    /// </summary>
    /// <param name="frames">The frames given to both parsers.</param>
    /// <param name="rtl">The RTL's results, one per frame.</param>
    /// <param name="options">The parser configuration both used.</param>
    /// <param name="csCounters">Receives the C# results.</param>
    /// <param name="rtlCounters">Receives the RTL results.</param>
    /// <param name="mismatches">Receives the disagreements.</param>
    public static void CompareParse(IReadOnlyList<byte[]> frames, IReadOnlyList<ParseResult> rtl, in ParserOptions options,
        DropCounters csCounters, DropCounters rtlCounters, Mismatches mismatches)
    {
        ArgumentNullException.ThrowIfNull(frames);
        ArgumentNullException.ThrowIfNull(rtl);
        ArgumentNullException.ThrowIfNull(csCounters);
        ArgumentNullException.ThrowIfNull(rtlCounters);
        ArgumentNullException.ThrowIfNull(mismatches);
        string mode = options.FilterAddresses ? "filter on" : "filter off";
        if (frames.Count != rtl.Count) mismatches.Add($"parse ({mode}): {frames.Count} frames but {rtl.Count} RTL results");
        int n = Math.Min(frames.Count, rtl.Count);
        for (int i = 0; i < n; i++)
        {
            byte[] f = frames[i];
            DropReason cs = FrameParser.Parse(f, options, out FrameHeader hdr, out Range payload);
            ParseResult r = rtl[i];
            csCounters.Add(cs);
            rtlCounters.Add(r.Reason);
            if (cs != r.Reason)
            {
                mismatches.Add($"parse ({mode}) frame {i} ({f.Length} bytes): C# {cs} ({(int)cs}), RTL {r.Reason} ({(int)r.Reason}); header {Hex.OrDash(f.AsSpan(0, Math.Min(f.Length, FrameHeader.Size)))}");
                continue;
            }
            if (cs != DropReason.None)
            {
                if (r.Header is not null || r.Payload.Length != 0)
                    mismatches.Add($"parse ({mode}) frame {i}: dropped ({cs}) but the RTL line carries a header or payload");
                continue;
            }
            if (r.Header is null)
            {
                mismatches.Add($"parse ({mode}) frame {i}: accepted but the RTL line has no header");
                continue;
            }
            if (!r.Header.AsSpan().SequenceEqual(f.AsSpan(0, FrameHeader.Size)))
            {
                FrameHeader rh = FrameHeader.Read(r.Header);
                mismatches.Add($"parse ({mode}) frame {i}: header fields differ\n    C#:  {hdr}\n    RTL: {rh}");
            }
            if (!r.Payload.AsSpan().SequenceEqual(f.AsSpan(payload)))
                mismatches.Add($"parse ({mode}) frame {i}: payload differs (C# {f.AsSpan(payload).Length} bytes, RTL {r.Payload.Length} bytes, first difference at {FirstDifference(f.AsSpan(payload), r.Payload)})");
        }
    }

    /// <summary>Compares the RTL builder's frames with <see cref="FrameBuilder"/>'s for the same requests, byte for byte.</summary>
    /// <param name="requests">The field sets and payloads.</param>
    /// <param name="rtlFrames">The RTL's frames, in order.</param>
    /// <param name="mismatches">Receives the disagreements.</param>
    public static void CompareBuild(IReadOnlyList<BuildRequest> requests, IReadOnlyList<byte[]> rtlFrames, Mismatches mismatches)
    {
        ArgumentNullException.ThrowIfNull(requests);
        ArgumentNullException.ThrowIfNull(rtlFrames);
        ArgumentNullException.ThrowIfNull(mismatches);
        if (requests.Count != rtlFrames.Count) mismatches.Add($"build: {requests.Count} requests but {rtlFrames.Count} RTL frames");
        int n = Math.Min(requests.Count, rtlFrames.Count);
        byte[] buf = new byte[Spec.MaxFrameBytes];
        for (int i = 0; i < n; i++)
        {
            BuildRequest q = requests[i];
            int len = FrameBuilder.Build(buf, q.Header, q.Payload);
            ReadOnlySpan<byte> cs = buf.AsSpan(0, len);
            byte[] rtl = rtlFrames[i];
            if (cs.SequenceEqual(rtl)) continue;
            int d = FirstDifference(cs, rtl);
            string where = d < FrameHeader.Size ? $"header byte {d} ({FieldAt(d)})" : $"payload byte {d - FrameHeader.Size}";
            string detail = rtl.Length >= FrameHeader.Size && d < FrameHeader.Size
                ? $"\n    C#:  {FrameHeader.Read(cs)}\n    RTL: {FrameHeader.Read(rtl)}"
                : "";
            mismatches.Add($"build frame {i} (payload {q.Payload.Length} bytes, offset {q.Offset}): C# {len} bytes, RTL {rtl.Length} bytes, first difference at {where}{detail}");
        }
    }

    /// <summary>Index of the first differing byte (or the shorter length when one is a prefix of the other); -1 when equal.</summary>
    /// <param name="a">First sequence.</param>
    /// <param name="b">Second sequence.</param>
    /// <returns>The index or -1.</returns>
    public static int FirstDifference(ReadOnlySpan<byte> a, ReadOnlySpan<byte> b)
    {
        int n = Math.Min(a.Length, b.Length);
        int i = a.Slice(0, n).CommonPrefixLength(b.Slice(0, n));
        if (i < n) return i;
        return a.Length == b.Length ? -1 : n;
    }

    /// <summary>Name of the header field holding frame byte <paramref name="offset"/>.</summary>
    /// <param name="offset">Byte offset in the frame, 0 to 85.</param>
    /// <returns>e.g. <c>ipv4.checksum</c>.</returns>
    public static string FieldAt(int offset) => offset switch
    {
        < 6 => "eth.dst", < 12 => "eth.src", < 14 => "eth.ethertype",
        14 => "ipv4.version/ihl", 15 => "ipv4.tos", < 18 => "ipv4.total_len", < 20 => "ipv4.id", < 22 => "ipv4.flags/frag_off",
        22 => "ipv4.ttl", 23 => "ipv4.protocol", < 26 => "ipv4.checksum", < 30 => "ipv4.src", < 34 => "ipv4.dst",
        < 36 => "udp.src_port", < 38 => "udp.dst_port", < 40 => "udp.length", < 42 => "udp.checksum",
        42 => "cth.version", 43 => "cth.opcode", 44 => "cth.flags", 45 => "cth.rsvd", < 48 => "cth.dst_chan", < 50 => "cth.src_chan",
        < 54 => "cth.psn", < 58 => "cth.ack_psn", < 66 => "cth.sack", < 70 => "cth.credit",
        < 72 => "nc.src_port", < 74 => "nc.dst_port", < 78 => "nc.seq", < 82 => "nc.grant", 82 => "nc.doff_ver", 83 => "nc.msg_type",
        < 86 => "nc.len", _ => "payload",
    };
}
