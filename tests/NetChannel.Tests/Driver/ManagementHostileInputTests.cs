using System;
using System.Threading.Tasks;
using NetChannel.Device.Simulated;
using NetChannel.Driver;
using NetChannel.Wire;

namespace NetChannel.Tests.Driver;

/// <summary>
/// Management frames from a hostile or broken sender, put into NIC A's MAC receive side behind the link (the
/// simulator's frame injection), so the NIC and host A take them exactly as from the wire (issue 9). A frame
/// that matches no exchange, names no incarnation of A, or forges a peer it cannot be, is dropped and counted
/// by reason; nothing of it takes a channel down, keeps a dead peer alive, or takes a channel slot beyond the
/// limits, and the real peer goes on.
/// </summary>
[Collection("Simulator")]
public sealed class ManagementHostileInputTests
{
    private static readonly PeerAddress Stranger = new(0x02_66_66_00_00_99UL, 0x0A_01_00_63);

    private static void Inject(HostPair p, PeerAddress from, MgmtMessage m)
    {
        FrameHeader h = default;
        h.Eth.Dst = HostPair.AddrA.Mac;
        h.Eth.Src = from.Mac;
        h.Ipv4.Tos = 0xC0;
        h.Ipv4.Ttl = Spec.Ipv4DefaultTtl;
        h.Ipv4.Src = from.Ip;
        h.Ipv4.Dst = HostPair.AddrA.Ip;
        h.Udp.SrcPort = Spec.UdpPort;
        h.Cth.Opcode = ChannelOpcode.Mgmt;
        h.Cth.DstChan = m.DstChan;
        h.Cth.SrcChan = m.SrcChan;
        h.Nc.MsgType = NetChannelType.None;
        if (m.Version == 0) m.Version = MgmtMessage.VersionValue;
        byte[] payload = new byte[MgmtMessage.Size];
        m.Write(payload);
        byte[] frame = new byte[FrameBuilder.FrameLength(payload.Length)];
        FrameBuilder.Build(frame, h, payload);
        ((SimulatedNic)p.DeviceA).InjectFrame(frame);
    }

    private static async Task<ManagementCounters> AfterAsync(HostPair p, Func<ManagementCounters, bool> done)
    {
        Assert.True(await TestUtil.Until(() => done(p.A.ManagementCounters)), $"host A never counted it: {p.A.ManagementCounters}");
        return p.A.ManagementCounters;
    }

    private static async Task AssertCarriesAsync(HostPair p, Channel a, Channel b, int key)
    {
        long before = p.SinkB.Count;
        await HostPair.SendAsync(a, key, 20, i => 100 + i);
        Assert.True(await p.SinkB.WaitUntilAsync(() => p.SinkB.Count == before + 20));
        long back = p.SinkA.Count;
        await HostPair.SendAsync(b, key + 1, 5, i => 10);
        Assert.True(await p.SinkA.WaitUntilAsync(() => p.SinkA.Count == back + 5));
    }

    [Fact]
    public async Task ForgedAbortsClosesPingsAndAnswersAreDroppedByReasonAndTheChannelsStayUp()
    {
        await using HostPair p = await HostPair.StartAsync(kind: PairDevices.Simulated);
        var (a, b) = await p.OpenAsync();
        ulong hostA = p.A.HostId, hostB = p.B.HostId, forged = hostB ^ 0x5A5A_5A5A_5A5A_5A5A;
        ManagementCounters c0 = p.A.ManagementCounters;

        // An off-path sender knows the addresses and (small, sequential) channel ids, not the host ids.
        Inject(p, HostPair.AddrB, new MgmtMessage { Op = MgmtOp.Abort, HostId = forged, PeerHostId = 0, SrcChan = (ushort)b.Id, DstChan = (ushort)a.Id, Txn = 1 });
        Inject(p, HostPair.AddrB, new MgmtMessage { Op = MgmtOp.CloseReq, HostId = forged, PeerHostId = 0, SrcChan = (ushort)b.Id, DstChan = (ushort)a.Id, Txn = 2 });
        Inject(p, HostPair.AddrB, new MgmtMessage { Op = MgmtOp.Ping, HostId = forged, PeerHostId = 0, SrcChan = 0xFFFF, DstChan = 0xFFFF, Txn = 3 }); // "B restarted"
        ManagementCounters c1 = await AfterAsync(p, c => c.DroppedWrongIncarnation + c.DroppedNoMatchingExchange >= c0.DroppedWrongIncarnation + c0.DroppedNoMatchingExchange + 3);
        Assert.Equal(c0.DroppedWrongIncarnation + 2, c1.DroppedWrongIncarnation);   // the CLOSE_REQ and the PING name no incarnation of A
        Assert.Equal(c0.DroppedNoMatchingExchange + 1, c1.DroppedNoMatchingExchange); // an ABORT without A's id must match an open A answered

        // One who also learned A's host id (on the path once) still cannot name B's.
        Inject(p, HostPair.AddrB, new MgmtMessage { Op = MgmtOp.Abort, HostId = forged, PeerHostId = hostA, SrcChan = (ushort)b.Id, DstChan = (ushort)a.Id, Txn = a.Txn });
        Inject(p, HostPair.AddrB, new MgmtMessage { Op = MgmtOp.CloseReq, HostId = forged, PeerHostId = hostA, SrcChan = (ushort)b.Id, DstChan = (ushort)a.Id, Txn = 4 });
        Inject(p, HostPair.AddrB, new MgmtMessage { Op = MgmtOp.CloseAck, HostId = hostB, PeerHostId = hostA, SrcChan = (ushort)b.Id, DstChan = (ushort)a.Id, Txn = 5 });
        // Answers to exchanges A never started.
        Inject(p, HostPair.AddrB, new MgmtMessage { Op = MgmtOp.OpenAck, HostId = hostB, PeerHostId = hostA, SrcChan = 7, DstChan = 9, Txn = 0xDEAD_BEEF, MaxPayload = 9000 });
        Inject(p, HostPair.AddrB, new MgmtMessage { Op = MgmtOp.OpenNak, HostId = hostB, PeerHostId = hostA, SrcChan = 0xFFFF, DstChan = 9, Txn = 0xDEAD_BEF0, Status = MgmtStatus.NoResources });
        ManagementCounters c2 = await AfterAsync(p, c => c.DroppedNoMatchingExchange == c1.DroppedNoMatchingExchange + 5);
        // Malformed: another protocol version, a zero host id; an operation nobody defines.
        Inject(p, HostPair.AddrB, new MgmtMessage { Version = 7, Op = MgmtOp.Ping, HostId = hostB, PeerHostId = hostA });
        Inject(p, HostPair.AddrB, new MgmtMessage { Op = MgmtOp.Ping, HostId = 0, PeerHostId = hostA });
        Inject(p, HostPair.AddrB, new MgmtMessage { Op = (MgmtOp)77, HostId = hostB, PeerHostId = hostA });
        ManagementCounters c3 = await AfterAsync(p, c => c.DroppedMalformed == c2.DroppedMalformed + 2 && c.DroppedUnknownOperation == c2.DroppedUnknownOperation + 1);

        Assert.True(a.State == ChannelState.Open && b.State == ChannelState.Open,
            $"A's channel {a.State} ({a.DownReason?.Message}), B's {b.State} ({b.DownReason?.Message}); A: {c3}; B: {p.B.ManagementCounters}");
        Assert.True(p.SinkA.Down.IsEmpty && p.SinkB.Down.IsEmpty);
        Assert.Equal(0, c3.DroppedFieldMismatch - c0.DroppedFieldMismatch);
        await AssertCarriesAsync(p, a, b, 40);
    }

    [Fact]
    public async Task APeerThatOpensChannelsUntilRefusedDoesNotLockTheRealPeerOut()
    {
        // MaxChannels 16: one peer may open 8 (MaxChannelsPerPeer's default), all peers 14.
        await using HostPair p = await HostPair.StartAsync(kind: PairDevices.Simulated);
        const int Requests = 20;
        for (int i = 0; i < Requests; i++)
            Inject(p, Stranger, new MgmtMessage
            {
                Op = MgmtOp.OpenReq, HostId = 0x1234_5678_9ABC_DEF0UL, PeerHostId = 0, Txn = (uint)(1000 + i), SrcChan = (ushort)(100 + i),
                DstChan = 0xFFFF, ChClass = 0, MaxPayload = 9000, UdpPort = 50000, SrcPsn = 77, RxBuffers = 32,
            });
        ManagementCounters c = await AfterAsync(p, m => m.OpensRefusedPeerLimit == Requests - 8);
        Assert.Equal(0, c.OpensRefusedAcceptLimit + c.OpensRefusedNoResources);
        // The stranger holds its eight half-open channels (no CONFIRM comes): the real peer still opens both ways.
        Assert.Equal(8, p.A.ChannelSlotsInUse);
        var (a, b) = await p.OpenAsync();
        Channel fromB = await p.B.OpenChannelAsync(HostPair.AddrA, ChannelClass.Latency).AsTask().WaitAsync(TestUtil.HangGuard);
        await AssertCarriesAsync(p, a, b, 50);
        Assert.Equal(ChannelState.Open, fromB.State);
        // The half-open channels expire after the open timeout (device time) and give their slots back.
        Assert.True(await TestUtil.Until(() => p.A.ChannelSlotsInUse == 2), $"{p.A.ChannelSlotsInUse} channel slots in use at A");
    }
}
