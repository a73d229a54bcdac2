using System;

namespace NetChannel.Wire;

/// <summary>
/// The C# model of the RTL receive path (<c>nc_icrc_check</c> and <c>nc_frame_parser</c>): validates a frame
/// (without FCS, with its ICRC trailer) and extracts its headers and payload. When a frame has several faults
/// the lowest <see cref="DropReason"/> code is reported, exactly as the RTL parser does. The UDP checksum is
/// ignored. Allocation-free.
/// </summary>
public static class FrameParser
{
    /// <summary>
    /// Parses <paramref name="frame"/>.
    /// </summary>
    /// <param name="frame">The frame bytes, Ethernet header first, ICRC trailer last, no FCS.</param>
    /// <param name="options">Address filter configuration.</param>
    /// <param name="header">
    /// The headers as read from the frame whenever it holds at least <see cref="FrameHeader.Size"/> bytes
    /// (also for dropped frames, for diagnostics); <c>default</c> otherwise.
    /// </param>
    /// <param name="payload">The payload's range in <paramref name="frame"/> for an accepted frame; an empty range otherwise.</param>
    /// <param name="macError">True when the MAC flagged the frame (FCS error or abort): the frame is dropped as <see cref="DropReason.BadFcs"/>.</param>
    /// <returns><see cref="DropReason.None"/> when the frame is accepted, otherwise the (lowest) drop reason.</returns>
    public static DropReason Parse(ReadOnlySpan<byte> frame, in ParserOptions options, out FrameHeader header, out Range payload, bool macError = false)
    {
        payload = default;
        header = default;
        if (frame.Length >= FrameHeader.Size) header = FrameHeader.Read(frame);

        DropReason reason = Check(frame, options, header, macError);
        if (reason == DropReason.None) payload = new Range(FrameHeader.Size, frame.Length - Spec.IcrcBytes);
        return reason;
    }

    /// <summary>Returns the drop reason of <paramref name="frame"/> (<see cref="DropReason.None"/> when accepted) without extracting anything.</summary>
    /// <param name="frame">The frame bytes, Ethernet header first, ICRC trailer last, no FCS.</param>
    /// <param name="options">Address filter configuration.</param>
    /// <param name="macError">True when the MAC flagged the frame.</param>
    /// <returns>The drop reason.</returns>
    public static DropReason Classify(ReadOnlySpan<byte> frame, in ParserOptions options, bool macError = false)
    {
        FrameHeader h = frame.Length >= FrameHeader.Size ? FrameHeader.Read(frame) : default;
        return Check(frame, options, h, macError);
    }

    private static DropReason Check(ReadOnlySpan<byte> frame, in ParserOptions options, in FrameHeader h, bool macError)
    {
        if (macError) return DropReason.BadFcs;
        int len = frame.Length;
        if (len < FrameHeader.Size + Spec.IcrcBytes) return DropReason.TooShort;
        if (len > Spec.MaxFrameBytes) return DropReason.TooLong;
        if (options.FilterAddresses && h.Eth.Dst != (options.LocalMac & MacAddress.Mask) && h.Eth.Dst != MacAddress.Broadcast)
            return DropReason.BadDstMac;
        if (h.Eth.Ethertype != Spec.EthertypeIpv4) return DropReason.BadEthertype;
        if (h.Ipv4.Version != Spec.Ipv4Version || h.Ipv4.Ihl != Spec.Ipv4Ihl) return DropReason.BadIpVersion;
        if (h.Ipv4.TotalLen != len - EthernetHeader.Size) return DropReason.BadIpLength;
        if (!Ipv4Checksum.Verify(frame.Slice(Ipv4Header.FrameOffset, Ipv4Header.Size))) return DropReason.BadIpChecksum;
        if ((h.Ipv4.Flags & 1) != 0 || h.Ipv4.FragOff != 0) return DropReason.IpFragment;
        if (h.Ipv4.Protocol != Spec.Ipv4ProtoUdp) return DropReason.BadIpProtocol;
        if (options.FilterAddresses && h.Ipv4.Dst != options.LocalIp) return DropReason.BadDstIp;
        if (h.Udp.DstPort != Spec.UdpPort) return DropReason.BadUdpPort;
        if (h.Udp.Length != h.Ipv4.TotalLen - Ipv4Header.Size) return DropReason.BadUdpLength;
        // ACK frames and VOID DATA frames carry no NetChannel content
        bool noContent = h.Cth.Opcode == ChannelOpcode.Ack || (h.Cth.Opcode == ChannelOpcode.Data && (h.Cth.Flags & ChannelFlags.Void) != 0);
        if (h.Cth.Version != Spec.CthVersion || h.Cth.Opcode is < ChannelOpcode.Data or > ChannelOpcode.Mgmt || h.Cth.Rsvd != 0 ||
            (noContent && (h.Nc.Len != 0 || h.Nc.MsgType != NetChannelType.None)))
            return DropReason.BadCth;
        if (h.Nc.DoffVer != Spec.NcDoffVer) return DropReason.BadNcVersion;
        if (h.Nc.MsgType > NetChannelType.Rst) return DropReason.BadNcType;
        if (h.Nc.Len != len - FrameHeader.Size - Spec.IcrcBytes || h.Nc.Len > Spec.MaxPayloadBytes) return DropReason.BadPayloadLength;
        if (!Icrc.IsValid(frame)) return DropReason.BadIcrc;
        return DropReason.None;
    }
}
