using System;
using System.Buffers.Binary;
using System.Collections.Generic;
using System.Linq;
using NetChannel.Harness;
using NetChannel.Wire;

namespace NetChannel.Tests;

public class BuilderParserTests
{
    public static IEnumerable<object[]> EdgeSizes() => FrameGenerator.EdgePayloadSizes.Select(s => new object[] { s });

    private static void AssertComputedFields(byte[] f, in FrameHeader input, ReadOnlySpan<byte> payload)
    {
        int p = payload.Length;
        Assert.Equal(FrameHeader.Size + p + Spec.IcrcBytes, f.Length);
        FrameHeader h = FrameHeader.Read(f);
        Assert.Equal(0x0800, h.Eth.Ethertype);
        Assert.Equal(0x45, f[14]);
        Assert.Equal(4, h.Ipv4.Version);
        Assert.Equal(5, h.Ipv4.Ihl);
        Assert.Equal(20 + 8 + 28 + 16 + p + 4, h.Ipv4.TotalLen);
        Assert.Equal(Spec.Ipv4FlagDf, h.Ipv4.Flags);
        Assert.Equal(0, h.Ipv4.FragOff);
        Assert.Equal(0x40, f[20]);
        Assert.Equal(0x00, f[21]);
        Assert.Equal(17, h.Ipv4.Protocol);
        Assert.True(Ipv4Checksum.Verify(f.AsSpan(14, 20)));
        Assert.Equal(Spec.UdpPort, h.Udp.DstPort);
        Assert.Equal(8 + 28 + 16 + p + 4, h.Udp.Length);
        Assert.Equal(0, h.Udp.Checksum);
        Assert.Equal(Spec.CthVersion, h.Cth.Version);
        Assert.Equal(0, h.Cth.Rsvd);
        Assert.Equal(Spec.NcDoffVer, h.Nc.DoffVer);
        Assert.Equal(p, h.Nc.Len);
        Assert.True(payload.SequenceEqual(f.AsSpan(FrameHeader.Size, p)));
        // the trailer: zlib's CRC-32 of the frame from the transport header to the end of the payload, little-endian
        Assert.Equal(System.IO.Hashing.Crc32.HashToUInt32(f.AsSpan(42, 28 + 16 + p)), BinaryPrimitives.ReadUInt32LittleEndian(f.AsSpan(FrameHeader.Size + p)));

        // Every variable field is copied from the input.
        Assert.Equal(input.Eth.Dst, h.Eth.Dst);
        Assert.Equal(input.Eth.Src, h.Eth.Src);
        Assert.Equal(input.Ipv4.Tos, h.Ipv4.Tos);
        Assert.Equal(input.Ipv4.Id, h.Ipv4.Id);
        Assert.Equal(input.Ipv4.Ttl, h.Ipv4.Ttl);
        Assert.Equal(input.Ipv4.Src, h.Ipv4.Src);
        Assert.Equal(input.Ipv4.Dst, h.Ipv4.Dst);
        Assert.Equal(input.Udp.SrcPort, h.Udp.SrcPort);
        Assert.Equal(input.Cth.Opcode, h.Cth.Opcode);
        Assert.Equal(input.Cth.Flags, h.Cth.Flags);
        Assert.Equal(input.Cth.DstChan, h.Cth.DstChan);
        Assert.Equal(input.Cth.SrcChan, h.Cth.SrcChan);
        Assert.Equal(input.Cth.Psn, h.Cth.Psn);
        Assert.Equal(input.Cth.AckPsn, h.Cth.AckPsn);
        Assert.Equal(input.Cth.Sack, h.Cth.Sack);
        Assert.Equal(input.Cth.Credit, h.Cth.Credit);
        Assert.Equal(input.Nc.SrcPort, h.Nc.SrcPort);
        Assert.Equal(input.Nc.DstPort, h.Nc.DstPort);
        Assert.Equal(input.Nc.Seq, h.Nc.Seq);
        Assert.Equal(input.Nc.Grant, h.Nc.Grant);
        Assert.Equal(input.Nc.MsgType, h.Nc.MsgType);
        Assert.Equal(FrameBuilder.Complete(input, p), h);
    }

    [Theory]
    [MemberData(nameof(EdgeSizes))]
    public void RoundTripEdgeSizes(int payloadLength)
    {
        var g = new FrameGenerator(payloadLength, TestUtil.FilterOn);
        for (int i = 0; i < 3; i++)
        {
            byte[] f = TestUtil.Frame(g, payloadLength, out FrameHeader input, out byte[] payload);
            AssertComputedFields(f, input, payload);
            Assert.Equal(DropReason.None, FrameParser.Parse(f, TestUtil.FilterOn, out FrameHeader parsed, out Range range));
            Assert.Equal(FrameHeader.Read(f), parsed);
            Assert.Equal(payload, f.AsSpan(range).ToArray());
            Assert.Equal(DropReason.None, FrameParser.Parse(f, TestUtil.FilterOff, out _, out _));
        }
    }

    [Fact]
    public void RoundTripRandom()
    {
        var g = new FrameGenerator(12345, TestUtil.FilterOn);
        byte[] buf = new byte[Spec.MaxFrameBytes + 100];
        for (int i = 0; i < 3000; i++)
        {
            byte[] payload = g.NextPayload(i <= Spec.MaxPayloadBytes / 3 ? i * 3 : g.NextPayloadLength());
            FrameHeader input = g.NextHeader(payload.Length);
            int len = FrameBuilder.Build(buf, input, payload);
            byte[] f = buf.AsSpan(0, len).ToArray();
            AssertComputedFields(f, input, payload);
            Assert.Equal(DropReason.None, FrameParser.Parse(f, TestUtil.FilterOn, out FrameHeader parsed, out Range range));
            Assert.Equal(FrameBuilder.Complete(input, payload.Length), parsed);
            Assert.True(f.AsSpan(range).SequenceEqual(payload));
        }
    }

    [Fact]
    public void BuildRejectsBadArguments()
    {
        FrameHeader h = default;
        var e = Assert.Throws<ArgumentException>(() => FrameBuilder.Build(new byte[20000], h, new byte[Spec.MaxPayloadBytes + 1]));
        Assert.Contains("9000", e.Message, StringComparison.Ordinal);
        e = Assert.Throws<ArgumentException>(() => FrameBuilder.Build(new byte[FrameHeader.Size + 13], h, new byte[10]));
        Assert.Contains("100", e.Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentException>(() => FrameBuilder.Build(new byte[10], h, ReadOnlySpan<byte>.Empty));
        Assert.Throws<ArgumentException>(() => FrameBuilder.Build(new byte[FrameHeader.Size], h, ReadOnlySpan<byte>.Empty));
        Assert.Equal(FrameHeader.Size + 4, FrameBuilder.Build(new byte[FrameHeader.Size + 4], h, ReadOnlySpan<byte>.Empty));
        Assert.Equal(Spec.MaxFrameBytes, FrameBuilder.Build(new byte[Spec.MaxFrameBytes], h, new byte[Spec.MaxPayloadBytes]));
    }

    public static IEnumerable<object[]> Faults() => FrameGenerator.FrameFaults.Select(r => new object[] { r });

    [Theory]
    [MemberData(nameof(Faults))]
    public void EveryMalformedClassHasItsReason(DropReason fault)
    {
        var g = new FrameGenerator((int)fault * 1000, TestUtil.FilterOn);
        for (int i = 0; i < 200; i++)
        {
            byte[] f = g.Malformed(fault);
            Assert.Equal(fault, FrameParser.Parse(f, TestUtil.FilterOn, out _, out Range payload));
            Assert.Equal(0, f.AsSpan(payload).Length);
            DropReason off = FrameParser.Classify(f, TestUtil.FilterOff);
            Assert.Equal(fault is DropReason.BadDstMac or DropReason.BadDstIp ? DropReason.None : fault, off);
        }
    }

    [Fact]
    public void HandMadeFaults()
    {
        var g = new FrameGenerator(99, TestUtil.FilterOn);
        byte[] Good() => TestUtil.Frame(g, 100, out _, out _);
        DropReason P(byte[] f) => FrameParser.Classify(f, TestUtil.FilterOn);

        byte[] f = Good(); f[12] = 0x86; f[13] = 0xDD; Assert.Equal(DropReason.BadEthertype, P(f));
        f = Good(); f[14] = 0x46; TestUtil.FixIpChecksum(f); Assert.Equal(DropReason.BadIpVersion, P(f));
        f = Good(); f[14] = 0x55; TestUtil.FixIpChecksum(f); Assert.Equal(DropReason.BadIpVersion, P(f));
        f = Good(); TestUtil.Put16(f, 16, 20 + 8 + 28 + 16 + 100); TestUtil.FixIpChecksum(f); Assert.Equal(DropReason.BadIpLength, P(f)); // the trailer not counted
        f = Good(); f[25] ^= 0x01; Assert.Equal(DropReason.BadIpChecksum, P(f));
        f = Good(); f[20] = 0x20; TestUtil.FixIpChecksum(f); Assert.Equal(DropReason.IpFragment, P(f));  // MF, no DF
        f = Good(); f[20] = 0x60; TestUtil.FixIpChecksum(f); Assert.Equal(DropReason.IpFragment, P(f));  // DF + MF
        f = Good(); f[20] = 0x40; f[21] = 0x01; TestUtil.FixIpChecksum(f); Assert.Equal(DropReason.IpFragment, P(f));
        f = Good(); f[20] = 0x00; TestUtil.FixIpChecksum(f); Assert.Equal(DropReason.None, P(f));        // DF clear is fine
        f = Good(); f[20] = 0x80; TestUtil.FixIpChecksum(f); Assert.Equal(DropReason.None, P(f));        // reserved flag is not checked
        f = Good(); f[23] = 6; TestUtil.FixIpChecksum(f); Assert.Equal(DropReason.BadIpProtocol, P(f));
        f = Good(); f[33] ^= 1; TestUtil.FixIpChecksum(f); Assert.Equal(DropReason.BadDstIp, P(f));
        f = Good(); f[37] ^= 1; Assert.Equal(DropReason.BadUdpPort, P(f));
        f = Good(); f[39] ^= 1; Assert.Equal(DropReason.BadUdpLength, P(f));
        f = Good(); f[42] = 2; Assert.Equal(DropReason.BadCth, P(f));
        f = Good(); f[43] = 0; Assert.Equal(DropReason.BadCth, P(f));
        f = Good(); f[43] = 4; Assert.Equal(DropReason.BadCth, P(f));
        f = Good(); f[45] = 0x80; Assert.Equal(DropReason.BadCth, P(f));
        foreach (byte op in new byte[] { 1, 3 }) { f = Good(); f[43] = op; f[44] &= 0xEF; Assert.Equal(DropReason.None, P(TestUtil.Reseal(f))); }
        f = Good(); f[43] = 2; Assert.Equal(DropReason.BadCth, P(TestUtil.Reseal(f)));                     // an ACK with a payload
        f = Good(); f[43] = 1; f[44] |= 0x10; Assert.Equal(DropReason.BadCth, P(TestUtil.Reseal(f)));      // a VOID with a payload
        f = TestUtil.Frame(g, 0, out _, out _); f[43] = 2; f[83] = 0; Assert.Equal(DropReason.None, P(TestUtil.Reseal(f)));
        f = TestUtil.Frame(g, 0, out _, out _); f[43] = 2; f[83] = 5; Assert.Equal(DropReason.BadCth, P(TestUtil.Reseal(f)));  // an ACK with a FIN
        f = TestUtil.Frame(g, 0, out _, out _); f[43] = 1; f[44] |= 0x10; f[83] = 0; Assert.Equal(DropReason.None, P(TestUtil.Reseal(f)));
        f = Good(); f[82] = 0x40; Assert.Equal(DropReason.BadNcVersion, P(f));
        f = Good(); f[83] = 7; Assert.Equal(DropReason.BadNcType, P(f));
        for (byte t = 0; t <= 6; t++) { f = Good(); f[83] = t; Assert.Equal(DropReason.None, P(TestUtil.Reseal(f))); }
        f = Good(); TestUtil.Put16(f, 84, 99); Assert.Equal(DropReason.BadPayloadLength, P(f));
        f = Good(); TestUtil.Put16(f, 84, 101); Assert.Equal(DropReason.BadPayloadLength, P(f));
        f = Good(); Assert.Equal(DropReason.BadFcs, FrameParser.Parse(f, TestUtil.FilterOn, out _, out _, macError: true));
        Assert.Equal(DropReason.BadFcs, FrameParser.Classify(new byte[3], TestUtil.FilterOn, macError: true));
        Assert.Equal(DropReason.TooLong, P(new byte[Spec.MaxFrameBytes + 1]));
        // the ICRC: any covered byte or the trailer changed is BAD_ICRC; what it does not cover may change
        f = Good(); f[FrameHeader.Size + 50] ^= 0x04; Assert.Equal(DropReason.BadIcrc, P(f));           // payload
        f = Good(); f[^1] ^= 0x80; Assert.Equal(DropReason.BadIcrc, P(f));                             // trailer
        f = Good(); f[50] ^= 0x01; Assert.Equal(DropReason.BadIcrc, P(f));                             // the PSN
        f = Good(); f[71] ^= 0x10; Assert.Equal(DropReason.BadIcrc, P(f));                             // a socket port
        f = Good(); f[22] = 3; f[15] = 0xB8; TestUtil.FixIpChecksum(f); Assert.Equal(DropReason.None, P(f)); // TTL, DSCP: invariant
        f = Good(); f[35] ^= 0x55; f[40] = 0x12; Assert.Equal(DropReason.None, P(f));                   // UDP source port, checksum
    }

    [Fact]
    public void TruncationsOfEveryLengthAreTooShort()
    {
        var g = new FrameGenerator(5, TestUtil.FilterOn);
        byte[] f = TestUtil.Frame(g, 0, out _, out _);
        for (int n = 0; n < FrameHeader.Size + Spec.IcrcBytes; n++)
        {
            Assert.Equal(DropReason.TooShort, FrameParser.Parse(f.AsSpan(0, n), TestUtil.FilterOn, out FrameHeader h, out Range r));
            if (n < FrameHeader.Size) Assert.Equal(default, h);   // the headers are read whenever they are there
            Assert.Equal(DropReason.TooShort, FrameParser.Classify(f.AsSpan(0, n), TestUtil.FilterOff));
        }
        Assert.Equal(DropReason.None, FrameParser.Classify(f, TestUtil.FilterOn));
        // A truncated bigger frame: TOO_SHORT below 90 bytes (headers and trailer), BAD_IP_LENGTH from 90 up.
        byte[] big = TestUtil.Frame(g, 500, out _, out _);
        for (int n = 0; n < big.Length; n++)
            Assert.Equal(n < FrameHeader.Size + Spec.IcrcBytes ? DropReason.TooShort : DropReason.BadIpLength, FrameParser.Classify(big.AsSpan(0, n), TestUtil.FilterOn));
    }

    [Fact]
    public void PrecedenceLowestCodeWins()
    {
        var g = new FrameGenerator(2024, TestUtil.FilterOn);
        var faults = FrameGenerator.FrameFaults;
        for (int i = 0; i < 3000; i++)
        {
            var set = new HashSet<DropReason>();
            int n = 2 + g.Random.Next(5);
            while (set.Count < n) set.Add(faults[g.Random.Next(faults.Count)]);
            if (set.Contains(DropReason.TooShort)) set.Remove(DropReason.TooLong);
            byte[] f = g.Malformed([.. set]);
            Assert.Equal(set.Min(), FrameParser.Classify(f, TestUtil.FilterOn));
            var off = set.Where(r => r is not DropReason.BadDstMac and not DropReason.BadDstIp).ToList();
            Assert.Equal(off.Count == 0 ? DropReason.None : off.Min(), FrameParser.Classify(f, TestUtil.FilterOff));
            Assert.Equal(DropReason.BadFcs, FrameParser.Classify(f, TestUtil.FilterOn, macError: true));
        }
    }

    [Fact]
    public void SpecificPrecedencePairs()
    {
        var g = new FrameGenerator(77, TestUtil.FilterOn);
        byte[] f = TestUtil.Frame(g, 10, out _, out _);
        f[5] ^= 1;          // BAD_DST_MAC
        f[12] = 0x86;       // BAD_ETHERTYPE
        f[83] = 9;          // BAD_NC_TYPE
        Assert.Equal(DropReason.BadDstMac, FrameParser.Classify(f, TestUtil.FilterOn));
        Assert.Equal(DropReason.BadEthertype, FrameParser.Classify(f, TestUtil.FilterOff));
        f = TestUtil.Frame(g, 10, out _, out _);
        f[25] ^= 0xFF;      // BAD_IP_CHECKSUM
        f[20] |= 0x20;      // IP_FRAGMENT (checksum now wrong anyway)
        f[36] = 0;          // BAD_UDP_PORT
        Assert.Equal(DropReason.BadIpChecksum, FrameParser.Classify(f, TestUtil.FilterOn));
        f = TestUtil.Frame(g, 10, out _, out _);
        TestUtil.Put16(f, 16, 1000); TestUtil.FixIpChecksum(f);  // BAD_IP_LENGTH, then BAD_UDP_LENGTH too
        Assert.Equal(DropReason.BadIpLength, FrameParser.Classify(f, TestUtil.FilterOn));
    }

    [Fact]
    public void AddressFilter()
    {
        var g = new FrameGenerator(3, TestUtil.FilterOn);
        byte[] f = TestUtil.Frame(g, 64, out _, out _);
        WireBits.WriteBig(f.AsSpan(0, 6), MacAddress.Broadcast);
        Assert.Equal(DropReason.None, FrameParser.Classify(f, TestUtil.FilterOn));        // broadcast accepted
        WireBits.WriteBig(f.AsSpan(0, 6), TestUtil.LocalMac);
        Assert.Equal(DropReason.None, FrameParser.Classify(f, TestUtil.FilterOn));
        WireBits.WriteBig(f.AsSpan(0, 6), 0x01_00_5E_00_00_01UL);                          // multicast is not broadcast
        Assert.Equal(DropReason.BadDstMac, FrameParser.Classify(f, TestUtil.FilterOn));
        Assert.Equal(DropReason.None, FrameParser.Classify(f, TestUtil.FilterOff));
        WireBits.WriteBig(f.AsSpan(0, 6), TestUtil.LocalMac);
        BinaryPrimitives.WriteUInt32BigEndian(f.AsSpan(30), 0x0A000002);
        TestUtil.FixIpChecksum(f);
        Assert.Equal(DropReason.BadDstIp, FrameParser.Classify(f, TestUtil.FilterOn));
        Assert.Equal(DropReason.None, FrameParser.Classify(f, TestUtil.FilterOff));
        Assert.Equal(DropReason.None, FrameParser.Classify(f, new ParserOptions(true, TestUtil.LocalMac, 0x0A000002)));
        Assert.Equal(DropReason.None, FrameParser.Classify(f, default));
    }

    [Fact]
    public void MutatedFramesNeverThrow()
    {
        var g = new FrameGenerator(11, TestUtil.FilterOn);
        var counters = new DropCounters();
        for (int i = 0; i < 3000; i++)
        {
            byte[] f = g.Mutated();
            DropReason r = FrameParser.Parse(f, TestUtil.FilterOn, out _, out Range p);
            counters.Add(r);
            Assert.Equal(r == DropReason.None ? f.Length - FrameHeader.Size - Spec.IcrcBytes : 0, f.AsSpan(p).Length);
        }
        Assert.Equal(3000, counters.Total);
        Assert.True(counters.Dropped > 0);
    }

    [Fact]
    public void DropCountersCount()
    {
        var c = new DropCounters();
        c.Add(DropReason.None);
        c.Add(DropReason.BadCth);
        c.Add(DropReason.BadCth);
        Assert.Equal(1, c.Accepted);
        Assert.Equal(2, c[DropReason.BadCth]);
        Assert.Equal(2, c.Dropped);
        Assert.Equal(3, c.Total);
        Assert.Equal("BadCth=2", c.ToString());
        var d = new DropCounters();
        Assert.False(c.SameAs(d));
        c.Clear();
        Assert.True(c.SameAs(d));
    }

    [Fact]
    public void AddressText()
    {
        Assert.Equal(0xAABBCCDDEEFFUL, MacAddress.Parse("aa:bb:cc:dd:ee:ff"));
        Assert.Equal("02:4e:43:00:00:01", MacAddress.Format(TestUtil.LocalMac));
        Assert.Equal(0x0A000001u, MacAddress.ParseIpv4("10.0.0.1"));
        Assert.Equal("192.168.0.199", MacAddress.FormatIpv4(0xC0A800C7));
        Assert.Throws<FormatException>(() => MacAddress.Parse("aa:bb:cc:dd:ee"));
        Assert.Throws<FormatException>(() => MacAddress.ParseIpv4("10.0.0.256"));
    }
}
