using System;
using NetChannel.Wire;

namespace NetChannel.Tests;

public class WireBitsTests
{
    [Fact]
    public void BigAndLittleEndianOfEveryWidth()
    {
        byte[] b = [0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08];
        for (int n = 1; n <= 8; n++)
        {
            ulong big = 0, little = 0;
            for (int i = 0; i < n; i++)
            {
                big = (big << 8) | b[i];
                little |= (ulong)b[i] << (8 * i);
            }
            Assert.Equal(big, WireBits.ReadBig(b.AsSpan(0, n)));
            Assert.Equal(little, WireBits.ReadLittle(b.AsSpan(0, n)));
            byte[] w = new byte[n];
            WireBits.WriteBig(w, big);
            Assert.Equal(b.AsSpan(0, n).ToArray(), w);
            WireBits.WriteLittle(w, little);
            Assert.Equal(b.AsSpan(0, n).ToArray(), w);
        }
    }

    [Fact]
    public void WritesDropHighBits()
    {
        byte[] w = new byte[6];
        WireBits.WriteBig(w, 0xFFFF_0011_2233_4455UL);
        Assert.Equal(new byte[] { 0x00, 0x11, 0x22, 0x33, 0x44, 0x55 }, w);
        WireBits.WriteLittle(w.AsSpan(0, 3), 0xAABBCCDDUL);
        Assert.Equal(new byte[] { 0xDD, 0xCC, 0xBB }, w.AsSpan(0, 3).ToArray());
    }

    [Fact]
    public void WriteBitsBigIsReadModifyWrite()
    {
        byte[] b = [0xFF, 0xFF];
        WireBits.WriteBitsBig(b, 0, 13, 0);            // IPv4 frag_off: low 13 bits of the 16-bit word
        Assert.Equal(new byte[] { 0xE0, 0x00 }, b);
        WireBits.WriteBitsBig(b.AsSpan(0, 1), 5, 3, 2); // IPv4 flags: top 3 bits of byte 6
        Assert.Equal(new byte[] { 0x40, 0x00 }, b);
        WireBits.WriteBitsBig(b, 0, 13, 0x1ABC);
        Assert.Equal(new byte[] { 0x5A, 0xBC }, b);
        WireBits.WriteBitsBig(b, 0, 13, 0xFFFF);       // value bits above the field are dropped
        Assert.Equal(new byte[] { 0x5F, 0xFF }, b);

        byte[] v = [0x00];
        WireBits.WriteBitsBig(v, 4, 4, 4);
        WireBits.WriteBitsBig(v, 0, 4, 5);
        Assert.Equal(0x45, v[0]);
        WireBits.WriteBitsBig(v, 4, 4, 6);
        Assert.Equal(0x65, v[0]);
    }

    [Fact]
    public void RejectsBadWidths()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => WireBits.ReadBig(new byte[9]));
        Assert.Throws<ArgumentOutOfRangeException>(() => WireBits.ReadLittle(ReadOnlySpan<byte>.Empty));
        Assert.Throws<ArgumentOutOfRangeException>(() => WireBits.WriteBitsBig(new byte[1], 5, 4, 0));
    }
}
