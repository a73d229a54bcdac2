using System.Threading.Tasks;

namespace NetChannel.Driver;

// Life-cycle state owned by the host's control thread.
public sealed partial class Channel
{
    internal enum LifePhase : byte
    {
        OpenRequested,  // opener: OPEN_REQ sent, waiting for OPEN_ACK (not in the NIC yet)
        AwaitConfirm,   // responder: programmed, OPEN_ACK sent, waiting for OPEN_CONFIRM (no Rx buffers yet)
        Open,
        Draining,       // local close: waiting for the Tx ring to drain
        CloseSent,      // local close: CLOSE_REQ sent, waiting for CLOSE_ACK
        PeerDraining,   // the peer asked to close: draining our Tx ring before CLOSE_ACK
        TearingDown,    // closed in the NIC, waiting for the poller to consume the last completions
        Done,
    }

    internal LifePhase Phase;
    internal uint Txn;                 // the open's transaction (both sides), then the close's
    internal uint PeerCloseTxn;
    internal long Deadline, NextRetry; // device time (NicHost.Clock cycles)
    internal uint LocalPsn, PeerPsn;
    internal ushort PeerChannel = 0xFFFF;
    internal ushort UdpPort;
    internal ulong PeerHostId;
    internal volatile bool NicOpen;
    internal bool EverInNic, ReportedOpen, TornDown;
    internal bool Accepted;            // opened by the peer (counts toward MaxChannelsPerPeer / MaxAcceptedChannels)
    internal TaskCompletionSource? CloseTcs;
    internal NicHost.OpenRequest? OpenReq;
    internal (uint Ip, ulong Host, uint Txn)? AnsweredKey;
}
