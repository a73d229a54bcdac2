using System;
using System.Collections.Generic;
using System.IO;
using System.Reflection;
using NetChannel.Harness;
using NetChannel.Wire;

namespace NetChannel.Tests;

public class SpecTests
{
    [Fact]
    public void Sizes()
    {
        Assert.Equal(Spec.FrameHdrBytes, FrameHeader.Size);
        Assert.Equal(FrameHeader.Size, EthernetHeader.Size + Ipv4Header.Size + UdpHeader.Size + ChannelHeader.Size + NetChannelHeader.Size);
        Assert.Equal(Spec.MaxFrameBytes, Spec.FrameHdrBytes + Spec.MaxPayloadBytes + Spec.IcrcBytes);
        Assert.Equal(Spec.IcrcStart, EthernetHeader.Size + Ipv4Header.Size + UdpHeader.Size);
        Assert.Equal(14, Ipv4Header.FrameOffset);
        Assert.Equal(34, UdpHeader.FrameOffset);
        Assert.Equal(42, ChannelHeader.FrameOffset);
        Assert.Equal(70, NetChannelHeader.FrameOffset);
        Assert.Equal(32, TxDescriptor.Size);
        Assert.Equal(16, RxDescriptor.Size);
        Assert.Equal(32, Completion.Size);
        Assert.Equal(16, Event.Size);
        Assert.Equal(20035, Spec.UdpPort);
        Assert.Equal(0x41, Spec.NcDoffVer);
    }

    // Fields narrower than their C# type; every other field uses its type's full width.
    private static readonly Dictionary<(Type, string), int> NarrowFields = new()
    {
        [(typeof(EthernetHeader), "Dst")] = 48,
        [(typeof(EthernetHeader), "Src")] = 48,
        [(typeof(Ipv4Header), "Version")] = 4,
        [(typeof(Ipv4Header), "Ihl")] = 4,
        [(typeof(Ipv4Header), "Flags")] = 3,
        [(typeof(Ipv4Header), "FragOff")] = 13,
        [(typeof(Completion), "Rsvd1")] = 24,
        [(typeof(Event), "Rsvd1")] = 56,
    };

    public static IEnumerable<object[]> Formats() =>
    [
        [typeof(EthernetHeader)], [typeof(Ipv4Header)], [typeof(UdpHeader)], [typeof(ChannelHeader)], [typeof(NetChannelHeader)],
        [typeof(TxDescriptor)], [typeof(RxDescriptor)], [typeof(Completion)], [typeof(Event)],
    ];

    private static object RandomValue(Type format, Random rng)
    {
        object box = Activator.CreateInstance(format)!;
        foreach (FieldInfo f in format.GetFields(BindingFlags.Public | BindingFlags.Instance))
        {
            Type t = f.FieldType.IsEnum ? Enum.GetUnderlyingType(f.FieldType) : f.FieldType;
            int bits = NarrowFields.TryGetValue((format, f.Name), out int b) ? b : System.Runtime.InteropServices.Marshal.SizeOf(t) * 8;
            ulong v = (ulong)rng.NextInt64() ^ ((ulong)rng.Next() << 40);
            if (bits < 64) v &= (1UL << bits) - 1;
            object value = Convert.ChangeType(v, t, System.Globalization.CultureInfo.InvariantCulture);
            f.SetValue(box, f.FieldType.IsEnum ? Enum.ToObject(f.FieldType, value) : value);
        }
        return box;
    }

    [Theory]
    [MemberData(nameof(Formats))]
    public void ReadOfWriteIsIdentity(Type format)
    {
        var rng = new Random(format.Name.Length * 7919);
        MethodInfo roundTrip = typeof(SpecTests).GetMethod(nameof(RoundTrip), BindingFlags.NonPublic | BindingFlags.Static)!.MakeGenericMethod(format);
        for (int i = 0; i < 2000; i++)
        {
            object x = RandomValue(format, rng);
            object y = roundTrip.Invoke(null, [x])!;
            Assert.Equal(x, y);
        }
    }

    private static object RoundTrip<T>(object x) where T : struct
    {
        T v = (T)x;
        byte[] buf = new byte[256];
        switch (v)
        {
            case EthernetHeader e: e.Write(buf); return EthernetHeader.Read(buf);
            case Ipv4Header e: e.Write(buf); return Ipv4Header.Read(buf);
            case UdpHeader e: e.Write(buf); return UdpHeader.Read(buf);
            case ChannelHeader e: e.Write(buf); return ChannelHeader.Read(buf);
            case NetChannelHeader e: e.Write(buf); return NetChannelHeader.Read(buf);
            case TxDescriptor e: e.Write(buf); return TxDescriptor.Read(buf);
            case RxDescriptor e: e.Write(buf); return RxDescriptor.Read(buf);
            case Completion e: e.Write(buf); return Completion.Read(buf);
            case Event e: e.Write(buf); return Event.Read(buf);
            default: throw new NotSupportedException(typeof(T).Name);
        }
    }

    [Fact]
    public void FrameHeaderReadOfWriteIsIdentity()
    {
        var rng = new Random(86);
        for (int i = 0; i < 2000; i++)
        {
            FrameHeader h;
            h.Eth = (EthernetHeader)RandomValue(typeof(EthernetHeader), rng);
            h.Ipv4 = (Ipv4Header)RandomValue(typeof(Ipv4Header), rng);
            h.Udp = (UdpHeader)RandomValue(typeof(UdpHeader), rng);
            h.Cth = (ChannelHeader)RandomValue(typeof(ChannelHeader), rng);
            h.Nc = (NetChannelHeader)RandomValue(typeof(NetChannelHeader), rng);
            byte[] buf = new byte[FrameHeader.Size];
            h.Write(buf);
            Assert.Equal(h, FrameHeader.Read(buf));
            byte[] again = new byte[FrameHeader.Size];
            FrameHeader.Read(buf).Write(again);
            Assert.Equal(buf, again);
        }
    }

    [Fact]
    public void SubByteFieldsAtTheRightBits()
    {
        var ip = new Ipv4Header { Version = 4, Ihl = 5, Flags = 2, FragOff = 0 };
        byte[] b = new byte[20];
        ip.Write(b);
        Assert.Equal(0x45, b[0]);
        Assert.Equal(0x40, b[6]);
        Assert.Equal(0x00, b[7]);

        ip = new Ipv4Header { Version = 0xA, Ihl = 0x3, Flags = 0x5, FragOff = 0x1234 };
        b.AsSpan().Fill(0xFF);
        ip.Write(b);
        Assert.Equal(0xA3, b[0]);
        Assert.Equal((0x5 << 13) | 0x1234, (b[6] << 8) | b[7]);
        Assert.Equal(0xB2, b[6]);
        Assert.Equal(0x34, b[7]);
        Ipv4Header r = Ipv4Header.Read(b);
        Assert.Equal(0xA, r.Version);
        Assert.Equal(0x3, r.Ihl);
        Assert.Equal(0x5, r.Flags);
        Assert.Equal(0x1234, r.FragOff);

        // MF is the lowest flag bit: 0x20 in byte 6.
        b[6] = 0x20;
        b[7] = 0x00;
        Assert.Equal(1, Ipv4Header.Read(b).Flags);
        b[6] = 0x1F;
        b[7] = 0xFF;
        r = Ipv4Header.Read(b);
        Assert.Equal(0, r.Flags);
        Assert.Equal(0x1FFF, r.FragOff);
    }

    [Fact]
    public void WireOrderAndDmaOrder()
    {
        var eth = new EthernetHeader { Dst = 0x0102_0304_0506, Src = 0x0A0B_0C0D_0E0F, Ethertype = 0x0800 };
        byte[] b = new byte[14];
        eth.Write(b);
        Assert.Equal(Convert.FromHexString("0102030405060a0b0c0d0e0f0800"), b);

        var tx = new TxDescriptor { Addr = 0x0102030405060708, Len = 0x11223344, MsgType = NetChannelType.Fin };
        byte[] d = new byte[TxDescriptor.Size];
        tx.Write(d);
        Assert.Equal(Convert.FromHexString("0807060504030201" + "44332211"), d.AsSpan(0, 12).ToArray());
        Assert.Equal(5, d[28]);

        var cpl = new Completion { Rsvd1 = 0xABCDEF, Phase = Spec.PhaseBit };
        byte[] c = new byte[Completion.Size];
        cpl.Write(c);
        Assert.Equal(new byte[] { 0xEF, 0xCD, 0xAB, 0x80 }, c.AsSpan(28, 4).ToArray());

        var ev = new Event { EvType = EventType.Channel, Source = 0x1234, Rsvd1 = 0x00_1122_3344_5566_77, Phase = 0x80 };
        byte[] e = new byte[Event.Size];
        ev.Write(e);
        Assert.Equal(Convert.FromHexString("02003412"), e.AsSpan(0, 4).ToArray());
        Assert.Equal(Convert.FromHexString("7766554433221180"), e.AsSpan(8, 8).ToArray());
    }

    [Fact]
    public void GeneratedFilesAreCurrent()
    {
        string root = TestUtil.RepoRoot;
        ProcessResult r = ProcessRunner.Run("python3", [Path.Combine(root, "hw", "spec", "gen.py"), "--check"], TimeSpan.FromSeconds(60), root);
        Assert.False(r.TimedOut, "gen.py --check timed out");
        Assert.True(r.ExitCode == 0, $"`python3 hw/spec/gen.py --check` failed (exit {r.ExitCode}): the generated files are stale; run `make gen`.\n{r.StdOut}\n{r.StdErr}");
    }
}
