using System;

namespace NetChannel.Wire;

/// <summary>
/// Builds NetChannel frames exactly as the RTL builder and ICRC append do: every const and computed field is
/// filled in (EtherType, IPv4 version/IHL/lengths/flags/protocol/checksum, UDP port/length/checksum,
/// transport version/reserved, NetChannel version/length), every other field is copied from the caller's
/// header, and the ICRC trailer (<see cref="Icrc"/>) follows the payload. The IPv4 and UDP lengths count it.
/// </summary>
public static class FrameBuilder
{
    /// <summary>
    /// Returns <paramref name="header"/> with every const and computed field set for a payload of
    /// <paramref name="payloadLength"/> bytes (IPv4 checksum included), i.e. the header a parser reads back.
    /// </summary>
    /// <param name="header">The variable fields (const and computed fields are ignored).</param>
    /// <param name="payloadLength">Payload bytes, 0 to <see cref="Spec.MaxPayloadBytes"/>.</param>
    /// <returns>The complete header.</returns>
    public static FrameHeader Complete(in FrameHeader header, int payloadLength)
    {
        Span<byte> tmp = stackalloc byte[FrameHeader.Size];
        WriteHeader(tmp, header, payloadLength);
        return FrameHeader.Read(tmp);
    }

    /// <summary>
    /// Writes the <see cref="FrameHeader.Size"/> header bytes of a frame carrying <paramref name="payloadLength"/>
    /// payload bytes into <paramref name="dst"/>, with every const and computed field filled in.
    /// </summary>
    /// <param name="dst">Destination, at least <see cref="FrameHeader.Size"/> bytes.</param>
    /// <param name="header">The variable fields (const and computed fields are ignored).</param>
    /// <param name="payloadLength">Payload bytes, 0 to <see cref="Spec.MaxPayloadBytes"/>.</param>
    /// <exception cref="ArgumentException">The payload length is out of range or <paramref name="dst"/> is too small.</exception>
    public static void WriteHeader(Span<byte> dst, in FrameHeader header, int payloadLength)
    {
        if ((uint)payloadLength > Spec.MaxPayloadBytes)
            throw new ArgumentException($"payload of {payloadLength} bytes is outside 0..{Spec.MaxPayloadBytes}", nameof(payloadLength));
        if (dst.Length < FrameHeader.Size)
            throw new ArgumentException($"destination of {dst.Length} bytes cannot hold the {FrameHeader.Size} header bytes", nameof(dst));

        FrameHeader h = header;
        h.Eth.Ethertype = Spec.EthertypeIpv4;
        h.Ipv4.Version = Spec.Ipv4Version;
        h.Ipv4.Ihl = Spec.Ipv4Ihl;
        h.Ipv4.TotalLen = (ushort)(Ipv4Header.Size + UdpHeader.Size + ChannelHeader.Size + NetChannelHeader.Size + payloadLength + Spec.IcrcBytes);
        h.Ipv4.Flags = Spec.Ipv4FlagDf;
        h.Ipv4.FragOff = 0;
        h.Ipv4.Protocol = Spec.Ipv4ProtoUdp;
        h.Ipv4.Checksum = 0;
        h.Udp.DstPort = Spec.UdpPort;
        h.Udp.Length = (ushort)(UdpHeader.Size + ChannelHeader.Size + NetChannelHeader.Size + payloadLength + Spec.IcrcBytes);
        h.Udp.Checksum = 0;
        h.Cth.Version = Spec.CthVersion;
        h.Cth.Rsvd = 0;
        h.Nc.DoffVer = Spec.NcDoffVer;
        h.Nc.Len = (ushort)payloadLength;
        h.Write(dst);

        Span<byte> ip = dst.Slice(Ipv4Header.FrameOffset, Ipv4Header.Size);
        ushort csum = Ipv4Checksum.Compute(ip);
        ip[Ipv4Header.ChecksumOffset] = (byte)(csum >> 8);
        ip[Ipv4Header.ChecksumOffset + 1] = (byte)csum;
    }

    /// <summary>The length of a frame carrying <paramref name="payloadLength"/> payload bytes: headers, payload and ICRC trailer.</summary>
    /// <param name="payloadLength">Payload bytes.</param>
    /// <returns><see cref="FrameHeader.Size"/> + <paramref name="payloadLength"/> + <see cref="Spec.IcrcBytes"/>.</returns>
    public static int FrameLength(int payloadLength) => FrameHeader.Size + payloadLength + Spec.IcrcBytes;

    /// <summary>
    /// Writes a whole frame (headers, payload, ICRC trailer) into <paramref name="frame"/> and returns its length,
    /// <see cref="FrameLength"/>(<c>payload.Length</c>). Allocation-free.
    /// </summary>
    /// <param name="frame">Destination, at least <see cref="FrameLength"/>(<c>payload.Length</c>) bytes.</param>
    /// <param name="header">The variable fields (const and computed fields are ignored).</param>
    /// <param name="payload">The payload, 0 to <see cref="Spec.MaxPayloadBytes"/> bytes.</param>
    /// <returns>The frame length in bytes.</returns>
    /// <exception cref="ArgumentException">The payload is too long or <paramref name="frame"/> is too small.</exception>
    public static int Build(Span<byte> frame, in FrameHeader header, ReadOnlySpan<byte> payload)
    {
        if (payload.Length > Spec.MaxPayloadBytes)
            throw new ArgumentException($"payload of {payload.Length} bytes exceeds MAX_PAYLOAD_BYTES ({Spec.MaxPayloadBytes})", nameof(payload));
        int length = FrameLength(payload.Length);
        if (frame.Length < length)
            throw new ArgumentException($"destination of {frame.Length} bytes cannot hold the {length}-byte frame", nameof(frame));
        WriteHeader(frame, header, payload.Length);
        payload.CopyTo(frame.Slice(FrameHeader.Size));
        Icrc.Seal(frame.Slice(0, length));
        return length;
    }
}
