using System;
using NetChannel.Wire;

namespace NetChannel.Tests.Driver;

/// <summary>The management message format generated from the spec.</summary>
public sealed class ManagementMessageTests
{
    [Fact]
    public void LayoutAndRoundTrip()
    {
        Assert.Equal(48, MgmtMessage.Size);
        Assert.Equal(0, MgmtMessage.VersionOffset);
        Assert.Equal(8, MgmtMessage.HostIdOffset);
        Assert.Equal(44, MgmtMessage.RxBuffersOffset);
        var rng = new Random(48);
        for (int i = 0; i < 1000; i++)
        {
            var m = new MgmtMessage
            {
                Version = MgmtMessage.VersionValue,
                Op = (MgmtOp)rng.Next(1, 10),
                Status = (MgmtStatus)rng.Next(0, 8),
                ChClass = (byte)rng.Next(2),
                Txn = (uint)rng.NextInt64(),
                HostId = (ulong)rng.NextInt64() ^ ((ulong)rng.Next() << 33),
                PeerHostId = (ulong)rng.NextInt64(),
                SrcChan = (ushort)rng.Next(),
                DstChan = (ushort)rng.Next(),
                UdpPort = (ushort)rng.Next(),
                SrcPsn = (uint)rng.NextInt64(),
                DstPsn = (uint)rng.NextInt64(),
                MaxPayload = (uint)rng.Next(),
                RxBuffers = (uint)rng.Next(),
            };
            byte[] buf = new byte[MgmtMessage.Size];
            m.Write(buf);
            Assert.Equal(m, MgmtMessage.Read(buf));
            Assert.Equal(1, buf[0]);
            Assert.Equal((byte)(m.Txn >> 24), buf[4]); // big-endian, like every wire field
        }
    }
}
