using System;
using System.Collections.Generic;
using NetChannel.Wire;

namespace NetChannel.Harness;

/// <summary>
/// Deterministic random frames for tests and the header demonstration: valid frames with random fields and
/// payload sizes (edge sizes included) and malformed frames with chosen faults.
/// </summary>
public sealed class FrameGenerator
{
    /// <summary>Payload sizes that stress the datapath: tiny, 64-byte beat boundaries of the frame (38..42 and 102..106 put the ICRC trailer at the end of a beat or across two), and the maximum.</summary>
    public static readonly IReadOnlyList<int> EdgePayloadSizes =
    [
        0, 1, 2, 3, 4, 7, 8, 9, 15, 16, 17, 21, 22, 23, 31, 32, 33, 38, 39, 40, 41, 42, 43, 63, 64, 65, 102, 103, 104, 105, 106, 107, 127, 128, 129,
        169, 170, 171, 255, 256, 257, 1023, 1024, 1413, 1414, 1415, 1500, 4095, 4096, 8191, 8192, 8937, 8938, 8939,
        8998, 8999, Spec.MaxPayloadBytes,
    ];

    /// <summary>Faults <see cref="Malformed"/> can put into a frame (every drop reason except None and BadFcs, which is a MAC signal, not frame content).</summary>
    public static readonly IReadOnlyList<DropReason> FrameFaults =
    [
        DropReason.TooShort, DropReason.TooLong, DropReason.BadDstMac, DropReason.BadEthertype, DropReason.BadIpVersion,
        DropReason.BadIpLength, DropReason.BadIpChecksum, DropReason.IpFragment, DropReason.BadIpProtocol, DropReason.BadDstIp,
        DropReason.BadUdpPort, DropReason.BadUdpLength, DropReason.BadCth, DropReason.BadNcVersion, DropReason.BadNcType,
        DropReason.BadPayloadLength, DropReason.BadIcrc,
    ];

    private readonly Random _rng;

    /// <summary>Creates a generator.</summary>
    /// <param name="seed">Seed; the same seed gives the same frames.</param>
    /// <param name="local">Addresses of the receiving parser: valid frames go to its MAC (or broadcast) and IP.</param>
    public FrameGenerator(int seed, ParserOptions local)
    {
        _rng = new Random(seed);
        Local = local;
    }

    /// <summary>The receiver's addresses.</summary>
    public ParserOptions Local { get; }

    /// <summary>The random source.</summary>
    public Random Random => _rng;

    /// <summary>A random payload length: edge sizes, small sizes and uniform 0..MAX_PAYLOAD_BYTES.</summary>
    /// <returns>The length.</returns>
    public int NextPayloadLength()
    {
        int k = _rng.Next(10);
        if (k < 3) return EdgePayloadSizes[_rng.Next(EdgePayloadSizes.Count)];
        if (k < 6) return _rng.Next(257);
        return _rng.Next(Spec.MaxPayloadBytes + 1);
    }

    /// <summary>A random payload of <paramref name="length"/> bytes.</summary>
    /// <param name="length">The length.</param>
    /// <returns>The payload.</returns>
    public byte[] NextPayload(int length)
    {
        byte[] p = new byte[length];
        _rng.NextBytes(p);
        return p;
    }

    /// <summary>Random variable fields addressed to the local MAC (1 in 8: broadcast) and IP; const/computed fields hold random junk the builder must overwrite.</summary>
    /// <returns>The header fields.</returns>
    public FrameHeader NextHeader()
    {
        FrameHeader h = default;
        h.Eth.Dst = _rng.Next(8) == 0 ? MacAddress.Broadcast : Local.LocalMac;
        h.Eth.Src = U64() & MacAddress.Mask & ~0x0100_0000_0000UL; // unicast: a group source address is not valid Ethernet
        h.Eth.Ethertype = (ushort)U64();
        h.Ipv4.Version = (byte)(U64() & 0xF);
        h.Ipv4.Ihl = (byte)(U64() & 0xF);
        h.Ipv4.Tos = (byte)U64();
        h.Ipv4.TotalLen = (ushort)U64();
        h.Ipv4.Id = (ushort)U64();
        h.Ipv4.Flags = (byte)(U64() & 7);
        h.Ipv4.FragOff = (ushort)(U64() & 0x1FFF);
        h.Ipv4.Ttl = (byte)U64();
        h.Ipv4.Protocol = (byte)U64();
        h.Ipv4.Checksum = (ushort)U64();
        h.Ipv4.Src = (uint)U64();
        h.Ipv4.Dst = Local.LocalIp;
        h.Udp.SrcPort = (ushort)U64();
        h.Udp.DstPort = (ushort)U64();
        h.Udp.Length = (ushort)U64();
        h.Udp.Checksum = (ushort)U64();
        h.Cth.Version = (byte)U64();
        h.Cth.Opcode = (ChannelOpcode)(1 + _rng.Next(3));
        h.Cth.Flags = (ChannelFlags)(byte)U64();
        h.Cth.Rsvd = (byte)U64();
        h.Cth.DstChan = (ushort)U64();
        h.Cth.SrcChan = (ushort)U64();
        h.Cth.Psn = (uint)U64();
        h.Cth.AckPsn = (uint)U64();
        h.Cth.Sack = U64();
        h.Cth.Credit = (uint)U64();
        h.Nc.SrcPort = (ushort)U64();
        h.Nc.DstPort = (ushort)U64();
        h.Nc.Seq = (uint)U64();
        h.Nc.Grant = (uint)U64();
        h.Nc.DoffVer = (byte)U64();
        h.Nc.MsgType = (NetChannelType)_rng.Next(7);
        h.Nc.Len = (ushort)U64();
        return h;
    }

    /// <summary>Random variable fields for a frame with <paramref name="payloadLength"/> payload bytes: as <see cref="NextHeader()"/>, but an
    /// ACK or VOID DATA opcode only where the frame carries no NetChannel content (no payload, type NONE), so the frame is valid.</summary>
    /// <param name="payloadLength">The payload length the header will describe.</param>
    /// <returns>The header fields.</returns>
    public FrameHeader NextHeader(int payloadLength)
    {
        FrameHeader h = NextHeader();
        WithoutContentRules(ref h, payloadLength);
        return h;
    }

    /// <summary>A random valid frame.</summary>
    /// <returns>The frame bytes.</returns>
    public byte[] NextFrame()
    {
        FrameHeader h = NextHeader();
        byte[] payload = NextPayload(NextPayloadLength());
        WithoutContentRules(ref h, payload.Length);
        byte[] frame = new byte[FrameBuilder.FrameLength(payload.Length)];
        FrameBuilder.Build(frame, h, payload);
        return frame;
    }

    /// <summary>ACK frames and VOID DATA frames carry no NetChannel content: a header with a payload or a message type is made a DATA (non-VOID) or MGMT frame.</summary>
    private void WithoutContentRules(ref FrameHeader h, int payloadLength)
    {
        if (h.Cth.Opcode == ChannelOpcode.Ack && (payloadLength != 0 || h.Nc.MsgType != NetChannelType.None))
            h.Cth.Opcode = _rng.Next(2) == 0 ? ChannelOpcode.Data : ChannelOpcode.Mgmt;
        if (h.Cth.Opcode == ChannelOpcode.Data && (h.Cth.Flags & ChannelFlags.Void) != 0 && (payloadLength != 0 || h.Nc.MsgType != NetChannelType.None))
            h.Cth.Flags &= ~ChannelFlags.Void;
    }

    /// <summary>
    /// A frame carrying exactly the given faults (each one alone would produce its own drop reason; together the
    /// parser reports the lowest). Address faults only show when the parser filters addresses.
    /// </summary>
    /// <param name="faults">Faults from <see cref="FrameFaults"/>.</param>
    /// <returns>The frame bytes.</returns>
    public byte[] Malformed(params DropReason[] faults)
    {
        ArgumentNullException.ThrowIfNull(faults);
        var set = new HashSet<DropReason>(faults);
        if (set.Contains(DropReason.BadFcs) || set.Contains(DropReason.None))
            throw new ArgumentException("BadFcs and None are not frame contents", nameof(faults));

        FrameHeader h = NextHeader();
        int payloadLength;
        if (set.Contains(DropReason.TooLong)) payloadLength = Spec.MaxPayloadBytes + 1 + _rng.Next(200);
        else if (set.Contains(DropReason.TooShort)) payloadLength = _rng.Next(64);
        else payloadLength = NextPayloadLength();

        if (!set.Contains(DropReason.BadCth))
        {
            // a frame that may carry NetChannel content, so only the chosen faults show (the payload length
            // and type faults would make an ACK or a VOID also BAD_CTH)
            if (h.Cth.Opcode == ChannelOpcode.Ack) h.Cth.Opcode = _rng.Next(2) == 0 ? ChannelOpcode.Data : ChannelOpcode.Mgmt;
            h.Cth.Flags &= ~ChannelFlags.Void;
        }
        byte[] f = new byte[FrameBuilder.FrameLength(payloadLength)];
        _rng.NextBytes(f.AsSpan(FrameHeader.Size));
        FrameBuilder.WriteHeader(f, h, Math.Min(payloadLength, Spec.MaxPayloadBytes));
        if (payloadLength > Spec.MaxPayloadBytes)
        {
            // Consistent lengths for an over-long frame: only its size is wrong.
            Put16(f, 16, f.Length - 14);
            Put16(f, 38, f.Length - 34);
            Put16(f, 84, payloadLength);
        }

        foreach (DropReason r in set)
        {
            switch (r)
            {
                case DropReason.BadDstMac:
                    ulong mac;
                    do mac = U64() & MacAddress.Mask; while (mac == Local.LocalMac || mac == MacAddress.Broadcast);
                    WireBits.WriteBig(f.AsSpan(0, 6), mac);
                    break;
                case DropReason.BadEthertype:
                    ushort et;
                    do et = _rng.Next(3) switch { 0 => 0x86DD, 1 => 0x0806, _ => (ushort)U64() }; while (et == Spec.EthertypeIpv4);
                    Put16(f, 12, et);
                    break;
                case DropReason.BadIpVersion:
                    byte vi;
                    do vi = (byte)U64(); while (vi == 0x45);
                    f[14] = vi;
                    break;
                case DropReason.BadIpLength:
                    Put16(f, 16, Get16(f, 16) + NonZero(300));
                    break;
                case DropReason.IpFragment:
                    int ff = Get16(f, 20);
                    ff = _rng.Next(3) switch
                    {
                        0 => ff | 0x2000,                                    // MF
                        1 => (ff & 0xE000) | (1 + _rng.Next(0x1FFF)),        // offset
                        _ => 0x2000 | (1 + _rng.Next(0x1FFF)),               // both
                    };
                    Put16(f, 20, ff);
                    break;
                case DropReason.BadIpProtocol:
                    byte proto;
                    do proto = _rng.Next(2) == 0 ? (byte)6 : (byte)U64(); while (proto == Spec.Ipv4ProtoUdp);
                    f[23] = proto;
                    break;
                case DropReason.BadDstIp:
                    uint ip;
                    do ip = (uint)U64(); while (ip == Local.LocalIp);
                    WireBits.WriteBig(f.AsSpan(30, 4), ip);
                    break;
                case DropReason.BadUdpPort:
                    ushort port;
                    do port = (ushort)U64(); while (port == Spec.UdpPort);
                    Put16(f, 36, port);
                    break;
                case DropReason.BadUdpLength:
                    Put16(f, 38, Get16(f, 38) + NonZero(300));
                    break;
                case DropReason.BadCth:
                    switch (_rng.Next(5))
                    {
                        case 0: f[42] = (byte)(Spec.CthVersion + 1 + _rng.Next(255)); break;
                        case 1: f[43] = _rng.Next(2) == 0 ? (byte)0 : (byte)(4 + _rng.Next(252)); break;
                        case 2: f[45] = (byte)(1 + _rng.Next(255)); break;
                        default:
                            // an ACK or a VOID DATA frame with NetChannel content
                            if (_rng.Next(2) == 0) f[43] = (byte)ChannelOpcode.Ack;
                            else { f[43] = (byte)ChannelOpcode.Data; f[44] |= (byte)ChannelFlags.Void; }
                            if (Get16(f, 84) == 0) f[83] = (byte)(1 + _rng.Next(6));
                            break;
                    }
                    break;
                case DropReason.BadNcVersion:
                    f[82] = (byte)(Spec.NcDoffVer + 1 + _rng.Next(255));
                    break;
                case DropReason.BadNcType:
                    f[83] = (byte)(7 + _rng.Next(249));
                    break;
                case DropReason.BadPayloadLength:
                    Put16(f, 84, _rng.Next(2) == 0 ? Get16(f, 84) + NonZero(300) : Spec.MaxPayloadBytes + 1 + _rng.Next(60000));
                    break;
                case DropReason.BadIpChecksum:
                case DropReason.TooShort:
                case DropReason.TooLong:
                case DropReason.BadIcrc:
                    break;
                default:
                    throw new ArgumentException($"unknown fault {r}", nameof(faults));
            }
        }

        // IPv4 checksum: right unless it is one of the faults.
        Put16(f, 24, 0);
        ushort csum = Ipv4Checksum.Compute(f.AsSpan(14, 20));
        if (set.Contains(DropReason.BadIpChecksum)) csum ^= (ushort)(1 + _rng.Next(0xFFFF));
        Put16(f, 24, csum);

        // ICRC: right unless it is one of the faults (a flipped bit in a field no other check looks at, or in the trailer).
        Icrc.Seal(f);
        if (set.Contains(DropReason.BadIcrc))
        {
            int at = _rng.Next(3) switch
            {
                0 => f.Length - 1 - _rng.Next(Spec.IcrcBytes),          // the trailer
                1 => 46 + _rng.Next(36),                                 // channel ids .. NetChannel grant
                _ => FrameHeader.Size + _rng.Next(f.Length - FrameHeader.Size), // payload or trailer
            };
            f[at] ^= (byte)(1 << _rng.Next(8));
        }

        if (set.Contains(DropReason.TooShort)) f = f.AsSpan(0, 1 + _rng.Next(FrameHeader.Size + Spec.IcrcBytes - 1)).ToArray(); // 1..89: an AXI-Stream frame has at least one byte
        return f;
    }

    /// <summary>A valid frame with 1 to 3 random header bytes overwritten (any outcome).</summary>
    /// <returns>The frame bytes.</returns>
    public byte[] Mutated()
    {
        byte[] f = NextFrame();
        int n = 1 + _rng.Next(3);
        for (int i = 0; i < n; i++) f[_rng.Next(FrameHeader.Size)] = (byte)U64();
        return f;
    }

    private ulong U64() => (ulong)_rng.NextInt64() ^ ((ulong)_rng.Next(2) << 63);

    private int NonZero(int max) => (1 + _rng.Next(max)) * (_rng.Next(2) == 0 ? 1 : -1);

    private static int Get16(byte[] f, int o) => (f[o] << 8) | f[o + 1];

    private static void Put16(byte[] f, int o, int v)
    {
        f[o] = (byte)(v >> 8);
        f[o + 1] = (byte)v;
    }
}
