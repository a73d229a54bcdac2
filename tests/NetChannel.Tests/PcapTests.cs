using System;
using System.Buffers.Binary;
using System.IO;
using NetChannel.Harness;
using NetChannel.Wire;

namespace NetChannel.Tests;

public class PcapTests
{
    [Fact]
    public void WriteThenRead()
    {
        var g = new FrameGenerator(42, TestUtil.FilterOn);
        byte[][] frames = new byte[300][];
        for (int i = 0; i < frames.Length; i++) frames[i] = i < 5 ? new byte[i * 3] : g.NextFrame();
        var ms = new MemoryStream();
        using (var w = new PcapWriter(ms, leaveOpen: true))
        {
            for (int i = 0; i < frames.Length; i++) w.WriteFrame(frames[i], 1_700_000_000_123_456_789UL + (ulong)i * 1_000_000_007UL);
            Assert.Equal(frames.Length, w.FramesWritten);
        }
        byte[] file = ms.ToArray();
        Assert.Equal(0xA1B23C4Du, BinaryPrimitives.ReadUInt32LittleEndian(file));
        Assert.Equal(2, BinaryPrimitives.ReadUInt16LittleEndian(file.AsSpan(4)));
        Assert.Equal(4, BinaryPrimitives.ReadUInt16LittleEndian(file.AsSpan(6)));
        Assert.Equal(65535u, BinaryPrimitives.ReadUInt32LittleEndian(file.AsSpan(16)));
        Assert.Equal(1u, BinaryPrimitives.ReadUInt32LittleEndian(file.AsSpan(20)));

        using var r = new PcapReader(new MemoryStream(file));
        Assert.True(r.IsNanosecond);
        Assert.False(r.IsBigEndian);
        Assert.Equal(1u, r.LinkType);
        Assert.Equal(65535u, r.SnapLen);
        byte[] buf = new byte[Spec.MaxFrameBytes];
        for (int i = 0; i < frames.Length; i++)
        {
            Assert.True(r.TryReadFrame(buf, out int len, out int orig, out ulong ts));
            Assert.Equal(frames[i].Length, len);
            Assert.Equal(len, orig);
            Assert.Equal(1_700_000_000_123_456_789UL + (ulong)i * 1_000_000_007UL, ts);
            Assert.True(buf.AsSpan(0, len).SequenceEqual(frames[i]));
        }
        Assert.False(r.TryReadFrame(buf, out _, out _, out _));
        Assert.Equal(frames.Length, r.FramesRead);
    }

    private static byte[] HandMade(bool bigEndian, bool nano, byte[] frame, uint sec, uint frac)
    {
        byte[] f = new byte[24 + 16 + frame.Length];
        void U32(int o, uint v) { if (bigEndian) BinaryPrimitives.WriteUInt32BigEndian(f.AsSpan(o), v); else BinaryPrimitives.WriteUInt32LittleEndian(f.AsSpan(o), v); }
        void U16(int o, ushort v) { if (bigEndian) BinaryPrimitives.WriteUInt16BigEndian(f.AsSpan(o), v); else BinaryPrimitives.WriteUInt16LittleEndian(f.AsSpan(o), v); }
        U32(0, nano ? PcapFormat.MagicNanoseconds : PcapFormat.MagicMicroseconds);
        U16(4, 2);
        U16(6, 4);
        U32(16, 262144);
        U32(20, 1);
        U32(24, sec);
        U32(28, frac);
        U32(32, (uint)frame.Length);
        U32(36, (uint)frame.Length + 4);
        frame.CopyTo(f, 40);
        return f;
    }

    [Theory]
    [InlineData(false, false)]
    [InlineData(false, true)]
    [InlineData(true, false)]
    [InlineData(true, true)]
    public void ReadsEveryMagicAndByteOrder(bool bigEndian, bool nano)
    {
        byte[] frame = [1, 2, 3, 4, 5, 6, 7];
        using var r = new PcapReader(new MemoryStream(HandMade(bigEndian, nano, frame, 10, 250)));
        Assert.Equal(nano, r.IsNanosecond);
        Assert.Equal(bigEndian, r.IsBigEndian);
        Assert.Equal(1u, r.LinkType);
        Assert.Equal(262144u, r.SnapLen);
        byte[] buf = new byte[100];
        Assert.True(r.TryReadFrame(buf, out int len, out int orig, out ulong ts));
        Assert.Equal(7, len);
        Assert.Equal(11, orig);
        Assert.Equal(10_000_000_000UL + (nano ? 250UL : 250_000UL), ts);
        Assert.Equal(frame, buf.AsSpan(0, len).ToArray());
        Assert.False(r.TryReadFrame(buf, out _, out _, out _));
    }

    [Fact]
    public void RejectsBadFiles()
    {
        Assert.Throws<InvalidDataException>(() => new PcapReader(new MemoryStream(new byte[10])));
        Assert.Throws<InvalidDataException>(() => new PcapReader(new MemoryStream(Convert.FromHexString("0a0d0d0a" + new string('0', 40)))));
        byte[] ok = HandMade(false, true, new byte[50], 0, 0);
        using (var r = new PcapReader(new MemoryStream(ok.AsSpan(0, ok.Length - 1).ToArray())))
            Assert.Throws<InvalidDataException>(() => r.TryReadFrame(new byte[100], out _, out _, out _));
        using (var r = new PcapReader(new MemoryStream(ok)))
            Assert.Throws<InvalidDataException>(() => r.TryReadFrame(new byte[10], out _, out _, out _));
        using (var r = new PcapReader(new MemoryStream(ok.AsSpan(0, 30).ToArray())))
            Assert.Throws<InvalidDataException>(() => r.TryReadFrame(new byte[100], out _, out _, out _));
    }
}
