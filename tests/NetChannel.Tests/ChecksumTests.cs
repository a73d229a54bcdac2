using System;
using NetChannel.Wire;

namespace NetChannel.Tests;

public class ChecksumTests
{
    // The classic example (Wikipedia "IPv4 header checksum"): 4500 0073 0000 4000 4011 [b861] c0a8 0001 c0a8 00c7.
    private static readonly byte[] Example = Convert.FromHexString("450000730000400040110000c0a80001c0a800c7");

    [Fact]
    public void KnownAnswer()
    {
        Assert.Equal(0xB861, Ipv4Checksum.Compute(Example));
        byte[] withSum = (byte[])Example.Clone();
        withSum[10] = 0xB8;
        withSum[11] = 0x61;
        Assert.True(Ipv4Checksum.Verify(withSum));
        Assert.Equal(0xFFFF, Ipv4Checksum.OnesComplementSum(withSum));
        withSum[19] ^= 1;
        Assert.False(Ipv4Checksum.Verify(withSum));
    }

    [Fact]
    public void Rfc1071Example()
    {
        // RFC 1071 section 3: 00 01 f2 03 f4 f5 f6 f7 sums to ddf2.
        Assert.Equal(0xDDF2, Ipv4Checksum.OnesComplementSum(Convert.FromHexString("0001f203f4f5f6f7")));
        Assert.Equal(0x0100, Ipv4Checksum.OnesComplementSum([0x01])); // odd length: zero padded
    }

    [Fact]
    public void BuilderChecksumVerifiesForRandomHeaders()
    {
        var g = new Harness.FrameGenerator(7, TestUtil.FilterOn);
        for (int i = 0; i < 2000; i++)
        {
            byte[] f = TestUtil.Frame(g, g.Random.Next(64), out _, out _);
            Assert.True(Ipv4Checksum.Verify(f.AsSpan(14, 20)));
            ushort stored = (ushort)((f[24] << 8) | f[25]);
            f[24] = f[25] = 0;
            Assert.Equal(stored, Ipv4Checksum.Compute(f.AsSpan(14, 20)));
        }
    }
}
