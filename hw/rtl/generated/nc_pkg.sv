// Generated from hw/spec/netchannel.toml by hw/spec/gen.py. Do not edit: edit the spec and run `make gen`.
// Waiver (this file only, one message): the package defines every constant of the spec, and no single
// module uses them all, so Verilator -Wall would report each unused one as UNUSEDPARAM.
// verilator lint_off UNUSEDPARAM
`default_nettype none

package nc_pkg;

  localparam int NC_SPEC_VERSION = 2;

  // ---- constants ----
  localparam logic [15:0] NC_ETHERTYPE_IPV4 = 16'h0800;  // EtherType of IPv4
  localparam logic [3:0] NC_IPV4_VERSION = 4'h4;  // IPv4 version field
  localparam logic [3:0] NC_IPV4_IHL = 4'h5;  // IPv4 header length in 32-bit words (no options are sent or accepted)
  localparam logic [7:0] NC_IPV4_PROTO_UDP = 8'h11;  // IPv4 protocol number of UDP
  localparam logic [7:0] NC_IPV4_DEFAULT_TTL = 8'h40;  // TTL a host uses unless configured otherwise
  localparam logic [2:0] NC_IPV4_FLAG_DF = 3'h2;  // IPv4 flags value written by the builder: Don't Fragment
  localparam logic [15:0] NC_UDP_PORT = 16'h4E43;  // Well-known UDP destination port of NetChannel (0x4E43, 'NC'); the source port is chosen per channel so channels spread over ECMP paths
  localparam logic [7:0] NC_CTH_VERSION = 8'h01;  // Channel transport header version
  localparam logic [7:0] NC_NC_DOFF_VER = 8'h41;  // NetChannel header byte 12: data offset 4 words (high nibble, as in the reference's 0x40) and version 1 (low nibble)
  localparam int NC_FRAME_HDR_BYTES = 86;  // All headers before the payload (Ethernet 14 + IPv4 20 + UDP 8 + transport 28 + NetChannel 16)
  localparam int NC_ICRC_START = 42;  // First frame byte the ICRC covers: the channel transport header (after Ethernet 14 + IPv4 20 + UDP 8)
  localparam int NC_ICRC_BYTES = 4;  // Invariant CRC trailer after the payload: CRC-32 (IEEE 802.3, as zlib's crc32) over frame bytes ICRC_START up to the end of the payload, least significant byte first
  localparam int NC_MAX_PAYLOAD_BYTES = 9000;  // Largest payload a frame carries (jumbo)
  localparam int NC_MAX_FRAME_BYTES = 9090;  // Largest frame without FCS: FRAME_HDR_BYTES + MAX_PAYLOAD_BYTES + ICRC_BYTES
  localparam int NC_NOMINAL_CLOCK_MHZ = 250;  // Nominal NIC clock: 512 bits x 250 MHz = 128 Gbit/s raw link; simulated time is reported at this clock
  localparam int NC_AXIS_DATA_BYTES = 64;  // MAC-side AXI-Stream width in bytes (512 bits)
  localparam int NC_SACK_WINDOW = 64;  // Packets covered by the selective-ack bitmap after the cumulative ack
  localparam logic [31:0] NC_NIC_MAGIC = 32'h4E434E49;  // Value of the ID_MAGIC register ('NCNI')
  localparam logic [7:0] NC_PHASE_BIT = 8'h80;  // Mask of the phase bit in the last byte of a completion or event; the device writes that byte last

  // ---- enumerations ----
  typedef enum logic [4:0] {
    NC_DROP_REASON_NONE = 5'h00,  // Frame accepted
    NC_DROP_REASON_BAD_FCS = 5'h01,  // The MAC flagged the frame (tuser at tlast: FCS error or abort)
    NC_DROP_REASON_TOO_SHORT = 5'h02,  // Frame shorter than its headers and the ICRC trailer (FRAME_HDR_BYTES + ICRC_BYTES)
    NC_DROP_REASON_TOO_LONG = 5'h03,  // Frame longer than MAX_FRAME_BYTES
    NC_DROP_REASON_BAD_DST_MAC = 5'h04,  // Destination MAC is neither the local address nor broadcast (only when address filtering is on)
    NC_DROP_REASON_BAD_ETHERTYPE = 5'h05,  // EtherType is not IPv4
    NC_DROP_REASON_BAD_IP_VERSION = 5'h06,  // IPv4 version is not 4 or IHL is not 5
    NC_DROP_REASON_BAD_IP_LENGTH = 5'h07,  // IPv4 total length disagrees with the frame length
    NC_DROP_REASON_BAD_IP_CHECKSUM = 5'h08,  // IPv4 header checksum does not verify
    NC_DROP_REASON_IP_FRAGMENT = 5'h09,  // More-fragments set or fragment offset non-zero
    NC_DROP_REASON_BAD_IP_PROTOCOL = 5'h0A,  // IPv4 protocol is not UDP
    NC_DROP_REASON_BAD_DST_IP = 5'h0B,  // Destination IPv4 address is not the local one (only when address filtering is on)
    NC_DROP_REASON_BAD_UDP_PORT = 5'h0C,  // UDP destination port is not UDP_PORT
    NC_DROP_REASON_BAD_UDP_LENGTH = 5'h0D,  // UDP length disagrees with the IPv4 total length
    NC_DROP_REASON_BAD_CTH = 5'h0E,  // Channel transport header: unknown version or opcode, reserved byte non-zero, or a frame that cannot carry a payload (ACK, VOID DATA) with NetChannel content (payload length or message type not zero)
    NC_DROP_REASON_BAD_NC_VERSION = 5'h0F,  // NetChannel header data offset / version byte is not NC_DOFF_VER
    NC_DROP_REASON_BAD_NC_TYPE = 5'h10,  // Unknown NetChannel message type
    NC_DROP_REASON_BAD_PAYLOAD_LENGTH = 5'h11,  // NetChannel payload length disagrees with the frame, or exceeds MAX_PAYLOAD_BYTES
    NC_DROP_REASON_BAD_ICRC = 5'h12  // The ICRC trailer does not match the frame (corruption the Ethernet FCS did not see: inside a switch or a NIC)
  } nc_drop_reason_e;
  localparam int NC_DROP_REASON_COUNT = 19;

  typedef enum logic [7:0] {
    NC_CTH_OPCODE_DATA = 8'h01,  // Reliable data packet: consumes a packet sequence number and one posted Rx buffer of the peer
    NC_CTH_OPCODE_ACK = 8'h02,  // Transport acknowledgement only (cumulative ack, SACK bitmap, credit); no payload, no sequence number
    NC_CTH_OPCODE_MGMT = 8'h03  // Management frame: not sequenced; delivered whole to the host's management queue (channel open/close exchange)
  } nc_cth_opcode_e;
  localparam int NC_CTH_OPCODE_COUNT = 4;

  localparam logic [7:0] NC_CTH_FLAG_ACK_VALID = 8'h01;  // ack_psn and sack carry the sender's receive state for this channel
  localparam logic [7:0] NC_CTH_FLAG_CREDIT_VALID = 8'h02;  // credit carries the sender's receive credit for this channel
  localparam logic [7:0] NC_CTH_FLAG_ACK_REQ = 8'h04;  // The sender asks for an acknowledgement without coalescing delay
  localparam logic [7:0] NC_CTH_FLAG_RETX = 8'h08;  // This DATA packet is a retransmission
  localparam logic [7:0] NC_CTH_FLAG_VOID = 8'h10;  // DATA packet standing for a Tx descriptor the sender rejected: it carries no payload (nc.len 0, type NONE); the receiver acknowledges its PSN, consumes no Rx buffer and delivers nothing

  typedef enum logic [7:0] {
    NC_NC_TYPE_NONE = 8'h00,  // No virtual-socket content (pure transport frames: CTH ACK)
    NC_NC_TYPE_DATA = 8'h01,  // Virtual-socket data; seq is the byte sequence of the first payload byte
    NC_NC_TYPE_ACK = 8'h02,  // Credit grant: grant is the highest byte sequence (exclusive) the receiver accepts
    NC_NC_TYPE_SYN = 8'h03,  // Connection request (virtual socket open); seq is the initial sequence
    NC_NC_TYPE_SYN_ACK = 8'h04,  // Connection accepted; grant carries the initial credit
    NC_NC_TYPE_FIN = 8'h05,  // End of the sender's stream; seq is the FINAL byte sequence, so data still on other channels is awaited
    NC_NC_TYPE_RST = 8'h06  // Connection refused or aborted
  } nc_nc_type_e;
  localparam int NC_NC_TYPE_COUNT = 7;

  typedef enum logic [7:0] {
    NC_CPL_STATUS_OK = 8'h00,  // Success
    NC_CPL_STATUS_BAD_ADDR = 8'h01,  // Descriptor address is zero, the buffer wraps the 64-bit address space, or an Rx buffer is not 64-byte aligned
    NC_CPL_STATUS_BAD_LEN = 8'h02,  // Descriptor length is zero (Rx; Tx DATA) or exceeds MAX_PAYLOAD_BYTES (Tx)
    NC_CPL_STATUS_BAD_INDEX = 8'h03,  // Doorbell producer index is outside the ring (more than the ring size ahead of the consumer)
    NC_CPL_STATUS_CHANNEL_DOWN = 8'h04,  // The channel is closed or was closed while the descriptor was outstanding
    NC_CPL_STATUS_TOO_SMALL = 8'h05,  // Rx buffer smaller than the received payload (the frame is dropped)
    NC_CPL_STATUS_TIMEOUT = 8'h06,  // Retransmission limit reached: the peer no longer acknowledges
    NC_CPL_STATUS_BAD_DESC = 8'h07,  // Reserved descriptor field non-zero, or unknown NetChannel message type
    NC_CPL_STATUS_DMA_FAULT = 8'h08  // The host rejected a DMA access (address not mapped for the device)
  } nc_cpl_status_e;
  localparam int NC_CPL_STATUS_COUNT = 9;

  typedef enum logic [7:0] {
    NC_CPL_KIND_TX = 8'h01,  // A Tx descriptor was acknowledged by the peer (or failed)
    NC_CPL_KIND_RX = 8'h02,  // A payload was placed into a posted Rx buffer
    NC_CPL_KIND_MGMT_TX = 8'h03,  // A management frame was transmitted
    NC_CPL_KIND_MGMT_RX = 8'h04  // A management frame was received into a management Rx buffer
  } nc_cpl_kind_e;
  localparam int NC_CPL_KIND_COUNT = 5;

  typedef enum logic [7:0] {
    NC_EVENT_TYPE_COMPLETION = 8'h01,  // A completion queue has new entries (source = completion queue)
    NC_EVENT_TYPE_CHANNEL = 8'h02,  // A channel changed state (source = channel; data [7:0] new CH_STATE state, [15:8] the completion status that says why: TIMEOUT, DMA_FAULT, CHANNEL_DOWN)
    NC_EVENT_TYPE_ERROR = 8'h03  // A device error (source = channel or 0xFFFF; data [7:0] error: 1 completion ring overflow; [15:8] the kind of the completion that was lost)
  } nc_event_type_e;
  localparam int NC_EVENT_TYPE_COUNT = 4;

  typedef enum logic [3:0] {
    NC_CH_CMD_OPEN = 4'h1,  // Open the channel with the staged context
    NC_CH_CMD_CLOSE = 4'h2,  // Close the channel: every posted descriptor completes CHANNEL_DOWN
    NC_CH_CMD_READ = 4'h3  // Read the channel's state back into the staged and CH_RB_* registers
  } nc_ch_cmd_e;
  localparam int NC_CH_CMD_COUNT = 4;

  typedef enum logic [3:0] {
    NC_CH_CMD_RESULT_OK = 4'h0,  // Done
    NC_CH_CMD_RESULT_BAD_CHANNEL = 4'h1,  // No such channel
    NC_CH_CMD_RESULT_BAD_STATE = 4'h2,  // Not allowed in the channel's state (open an open channel, close a closed one)
    NC_CH_CMD_RESULT_BAD_CONTEXT = 4'h3,  // The staged context is invalid (ring sizes, class, event queue, peer address)
    NC_CH_CMD_RESULT_BAD_COMMAND = 4'h4  // Unknown command
  } nc_ch_cmd_result_e;
  localparam int NC_CH_CMD_RESULT_COUNT = 5;

  typedef enum logic [1:0] {
    NC_CH_STATE_CLOSED = 2'h0,  // Closed (or never opened)
    NC_CH_STATE_OPEN = 2'h1,  // Open
    NC_CH_STATE_FAILED = 2'h2  // Failed: retransmission limit or DMA fault (CH_RB_STATE.why says which); it must be closed
  } nc_ch_state_e;
  localparam int NC_CH_STATE_COUNT = 3;

  typedef enum logic [7:0] {
    NC_MGMT_OP_OPEN_REQ = 8'h01,  // Open a channel: carries the opener's channel id, initial PSN, class, UDP source port, receive MTU
    NC_MGMT_OP_OPEN_ACK = 8'h02,  // Open accepted: the responder's channel id, initial PSN and receive MTU; its channel is programmed, without Rx buffers yet
    NC_MGMT_OP_OPEN_NAK = 8'h03,  // Open refused; status says why
    NC_MGMT_OP_OPEN_CONFIRM = 8'h04,  // The opener programmed its channel and posted its Rx buffers; the responder posts its own and reports the channel open
    NC_MGMT_OP_CLOSE_REQ = 8'h05,  // Graceful close: the sender has no transmit outstanding on the channel any more
    NC_MGMT_OP_CLOSE_ACK = 8'h06,  // Close agreed: the sender drained and closed its side
    NC_MGMT_OP_ABORT = 8'h07,  // The sender tore its side of the channel down (failure, timeout, shutdown); status says why. Not answered
    NC_MGMT_OP_PING = 8'h08,  // Liveness probe; answered by PONG
    NC_MGMT_OP_PONG = 8'h09  // Answer to PING (echoes txn)
  } nc_mgmt_op_e;
  localparam int NC_MGMT_OP_COUNT = 10;

  typedef enum logic [7:0] {
    NC_MGMT_STATUS_OK = 8'h00,  // No error
    NC_MGMT_STATUS_REFUSED = 8'h01,  // The host does not accept channels
    NC_MGMT_STATUS_NO_RESOURCES = 8'h02,  // No free channel (MaxChannels or CAP_CHANNELS reached) or no memory
    NC_MGMT_STATUS_BAD_REQUEST = 8'h03,  // A field is invalid (class, receive MTU, channel id, version)
    NC_MGMT_STATUS_FAILED = 8'h04,  // The channel failed in the NIC (retransmission limit or DMA fault)
    NC_MGMT_STATUS_SHUTDOWN = 8'h05,  // The host is shutting down
    NC_MGMT_STATUS_UNKNOWN_CHANNEL = 8'h06,  // The message names a channel the receiver does not have (stale or after a restart)
    NC_MGMT_STATUS_TIMEOUT = 8'h07  // The exchange timed out (open not confirmed, close not answered, peer silent)
  } nc_mgmt_status_e;
  localparam int NC_MGMT_STATUS_COUNT = 8;

  // ---- formats ----
  // Wire formats: a packed struct lists the fields in wire order, so its bits are the header in
  // network order (wire byte 0 = the top byte). *_to_lanes / *_from_lanes convert to AXI-Stream lane
  // order (wire byte 0 in bits [7:0]). DMA formats (little-endian) list byte 0 last, so their struct
  // bits are already in lane order.

  // EthernetHeader: Ethernet II header. The MAC adds and strips the FCS; it is not part of the AXI-Stream frame.
  localparam int NC_ETH_BYTES = 14;
  typedef struct packed {
    logic [47:0] dst;  // byte 0: Destination MAC address
    logic [47:0] src;  // byte 6: Source MAC address
    logic [15:0] ethertype;  // byte 12: EtherType
  } nc_eth_hdr_t;
  localparam int NC_OFF_ETH_DST = 0;  // frame byte offset
  localparam int NC_OFF_ETH_SRC = 6;  // frame byte offset
  localparam int NC_OFF_ETH_ETHERTYPE = 12;  // frame byte offset

  // Ipv4Header: IPv4 header without options.
  localparam int NC_IPV4_BYTES = 20;
  typedef struct packed {
    logic [3:0] version;  // byte 0 bit 0: Version
    logic [3:0] ihl;  // byte 0 bit 4: Header length in 32-bit words
    logic [7:0] tos;  // byte 1: DSCP (6 bits) and ECN (2 bits); latency-class channels use a higher DSCP
    logic [15:0] total_len;  // byte 2: IPv4 header + UDP + transport + NetChannel headers + payload + ICRC trailer, in bytes
    logic [15:0] id;  // byte 4: Identification (informational: fragments are never sent)
    logic [2:0] flags;  // byte 6 bit 0: Flags: the builder writes DF; the parser rejects MF
    logic [12:0] frag_off;  // byte 6 bit 3: Fragment offset: written as 0; the parser rejects non-zero
    logic [7:0] ttl;  // byte 8: Time to live
    logic [7:0] protocol;  // byte 9: Protocol
    logic [15:0] checksum;  // byte 10: Header checksum (ones' complement of the ones' complement sum of the header)
    logic [31:0] src;  // byte 12: Source address
    logic [31:0] dst;  // byte 16: Destination address
  } nc_ipv4_hdr_t;
  localparam int NC_OFF_IPV4_TOS = 15;  // frame byte offset
  localparam int NC_OFF_IPV4_TOTAL_LEN = 16;  // frame byte offset
  localparam int NC_OFF_IPV4_ID = 18;  // frame byte offset
  localparam int NC_OFF_IPV4_TTL = 22;  // frame byte offset
  localparam int NC_OFF_IPV4_PROTOCOL = 23;  // frame byte offset
  localparam int NC_OFF_IPV4_CHECKSUM = 24;  // frame byte offset
  localparam int NC_OFF_IPV4_SRC = 26;  // frame byte offset
  localparam int NC_OFF_IPV4_DST = 30;  // frame byte offset

  // UdpHeader: UDP header. The checksum is sent as 0 (allowed for UDP over IPv4): the header is built before the payload streams through. End-to-end integrity is the ICRC trailer's job (ICRC_BYTES after the payload, counted in the UDP and IPv4 lengths); the parser ignores the UDP checksum.
  localparam int NC_UDP_BYTES = 8;
  typedef struct packed {
    logic [15:0] src_port;  // byte 0: Source port, chosen per channel (ECMP entropy)
    logic [15:0] dst_port;  // byte 2: Destination port
    logic [15:0] length;  // byte 4: UDP header + transport + NetChannel headers + payload + ICRC trailer, in bytes
    logic [15:0] checksum;  // byte 6: Written as 0 (no checksum)
  } nc_udp_hdr_t;
  localparam int NC_OFF_UDP_SRC_PORT = 34;  // frame byte offset
  localparam int NC_OFF_UDP_DST_PORT = 36;  // frame byte offset
  localparam int NC_OFF_UDP_LENGTH = 38;  // frame byte offset
  localparam int NC_OFF_UDP_CHECKSUM = 40;  // frame byte offset

  // ChannelHeader: Channel transport header: the NIC's own reliable transport, one instance per channel. Acks and credit ride on every frame of the reverse direction (flags say which fields are valid) and in pure ACK frames.
  localparam int NC_CTH_BYTES = 28;
  typedef struct packed {
    logic [7:0] version;  // byte 0: Transport header version
    nc_cth_opcode_e opcode;  // byte 1: What the frame is
    logic [7:0] flags;  // byte 2: Flag bits
    logic [7:0] rsvd;  // byte 3: Reserved, zero
    logic [15:0] dst_chan;  // byte 4: Channel id at the receiver
    logic [15:0] src_chan;  // byte 6: Channel id at the sender (checked against the receiver's channel context)
    logic [31:0] psn;  // byte 8: Packet sequence number (DATA only)
    logic [31:0] ack_psn;  // byte 12: Cumulative ack: every PSN before this one was received
    logic [63:0] sack;  // byte 16: Selective ack: bit i set = PSN ack_psn + 1 + i was received
    logic [31:0] credit;  // byte 24: Credit limit: the sender may transmit DATA with PSN < credit (one posted Rx buffer per packet)
  } nc_cth_hdr_t;
  localparam int NC_OFF_CTH_VERSION = 42;  // frame byte offset
  localparam int NC_OFF_CTH_OPCODE = 43;  // frame byte offset
  localparam int NC_OFF_CTH_FLAGS = 44;  // frame byte offset
  localparam int NC_OFF_CTH_RSVD = 45;  // frame byte offset
  localparam int NC_OFF_CTH_DST_CHAN = 46;  // frame byte offset
  localparam int NC_OFF_CTH_SRC_CHAN = 48;  // frame byte offset
  localparam int NC_OFF_CTH_PSN = 50;  // frame byte offset
  localparam int NC_OFF_CTH_ACK_PSN = 54;  // frame byte offset
  localparam int NC_OFF_CTH_SACK = 58;  // frame byte offset
  localparam int NC_OFF_CTH_CREDIT = 66;  // frame byte offset

  // NetChannelHeader: NetChannel header, the reference's 16-byte layout with its defects fixed: FIN carries the final sequence in seq, ACK grants are real credit, the version is checked.
  localparam int NC_NC_BYTES = 16;
  typedef struct packed {
    logic [15:0] src_port;  // byte 0: Source virtual-socket port
    logic [15:0] dst_port;  // byte 2: Destination virtual-socket port
    logic [31:0] seq;  // byte 4: Byte sequence of the virtual socket (DATA: first payload byte; FIN: final sequence; SYN: initial sequence)
    logic [31:0] grant;  // byte 8: Credit: highest byte sequence (exclusive) the receiver of this socket accepts
    logic [7:0] doff_ver;  // byte 12: Data offset (words, high nibble) and version (low nibble)
    nc_nc_type_e msg_type;  // byte 13: Message type
    logic [15:0] len;  // byte 14: Payload bytes following this header (0 to MAX_PAYLOAD_BYTES)
  } nc_nc_hdr_t;
  localparam int NC_OFF_NC_SRC_PORT = 70;  // frame byte offset
  localparam int NC_OFF_NC_DST_PORT = 72;  // frame byte offset
  localparam int NC_OFF_NC_SEQ = 74;  // frame byte offset
  localparam int NC_OFF_NC_GRANT = 78;  // frame byte offset
  localparam int NC_OFF_NC_DOFF_VER = 82;  // frame byte offset
  localparam int NC_OFF_NC_MSG_TYPE = 83;  // frame byte offset
  localparam int NC_OFF_NC_LEN = 84;  // frame byte offset

  // TxDescriptor: Tx descriptor (ring entry, 32 bytes). On a channel ring the NIC reads the payload from addr (any alignment) and builds the headers from the channel context plus the NetChannel fields below. On the management Tx ring addr points at a 64-byte aligned buffer holding the frame's 86 header bytes at offset 0 and the payload at offset 128; len is the payload length and the NetChannel fields are ignored (zero).
  localparam int NC_TX_DESC_BYTES = 32;
  typedef struct packed {
    logic [15:0] rsvd1;  // byte 30: Reserved, zero
    logic [7:0] rsvd0;  // byte 29: Reserved, zero
    nc_nc_type_e msg_type;  // byte 28: NetChannel message type
    logic [31:0] grant;  // byte 24: NetChannel credit grant
    logic [31:0] seq;  // byte 20: NetChannel byte sequence
    logic [15:0] dst_port;  // byte 18: NetChannel destination port
    logic [15:0] src_port;  // byte 16: NetChannel source port
    logic [15:0] flags;  // byte 14: Reserved, zero
    logic [15:0] tag;  // byte 12: Host cookie, echoed in the completion
    logic [31:0] len;  // byte 8: Payload bytes (1 to MAX_PAYLOAD_BYTES; 0 only for NetChannel control messages)
    logic [63:0] addr;  // byte 0: Bus address of the payload
  } nc_tx_desc_t;

  // RxDescriptor: Rx descriptor (ring entry, 16 bytes): one posted receive buffer, 64-byte aligned. A management Rx buffer receives the frame's 86 header bytes at offset 0 and the payload at offset 128.
  localparam int NC_RX_DESC_BYTES = 16;
  typedef struct packed {
    logic [15:0] rsvd;  // byte 14: Reserved, zero
    logic [15:0] tag;  // byte 12: Host cookie, echoed in the completion
    logic [31:0] len;  // byte 8: Buffer capacity in bytes
    logic [63:0] addr;  // byte 0: Bus address of the buffer
  } nc_rx_desc_t;

  // Completion: Completion. The device writes it in one DMA write, the last byte last; the host owns an entry when its phase bit equals the ring pass's phase, so the host never reads a device pointer.
  localparam int NC_CPL_BYTES = 32;
  typedef struct packed {
    logic [7:0] phase;  // byte 31: Bit 7: phase (PHASE_BIT); other bits zero
    logic [23:0] rsvd1;  // byte 28: Reserved, zero
    logic [31:0] psn;  // byte 24: Packet sequence number of the frame
    logic [7:0] rsvd0;  // byte 23: Reserved, zero
    nc_cpl_kind_e kind;  // byte 22: Which ring
    logic [15:0] tag;  // byte 20: The descriptor's tag
    logic [15:0] channel;  // byte 18: Channel id
    logic [15:0] index;  // byte 16: Ring index of the descriptor this completes
    nc_cpl_status_e status;  // byte 15: Status
    nc_nc_type_e msg_type;  // byte 14: NetChannel message type (Rx)
    logic [15:0] len;  // byte 12: Payload bytes placed (Rx) or sent (Tx)
    logic [31:0] grant;  // byte 8: NetChannel credit grant (Rx)
    logic [31:0] seq;  // byte 4: NetChannel byte sequence (Rx)
    logic [15:0] dst_port;  // byte 2: NetChannel destination port (Rx)
    logic [15:0] src_port;  // byte 0: NetChannel source port (Rx)
  } nc_cpl_t;

  // Event: Event queue entry, one queue per interrupt vector; phase bit as in completions.
  localparam int NC_EVENT_BYTES = 16;
  typedef struct packed {
    logic [7:0] phase;  // byte 15: Bit 7: phase (PHASE_BIT); other bits zero
    logic [55:0] rsvd1;  // byte 8: Reserved, zero
    logic [31:0] data;  // byte 4: Type-specific data
    logic [15:0] source;  // byte 2: Completion queue or channel that raised the event
    logic [7:0] rsvd0;  // byte 1: Reserved, zero
    nc_event_type_e ev_type;  // byte 0: Event type
  } nc_event_t;

  // MgmtMessage: Management message, the payload of a MGMT frame (in a management buffer at offset 128). Requests carry a random txn the sender chose; replies echo it, so retransmitted requests are recognised. host_id is a random 64-bit id a host draws at start; peer_host_id is the id the sender believes the receiver has. Every message but OPEN_REQ must carry the receiver's own host id as peer_host_id (an ABORT of the sender's own unanswered open may carry 0 and is then matched by host_id and txn); any other is dropped as stale or forged, so a sender that only knows addresses and channel ids can take nothing down. A PONG that echoes the txn of the receiver's last PING with a new host_id means the peer restarted.
  localparam int NC_MGMT_BYTES = 48;
  typedef struct packed {
    logic [7:0] version;  // byte 0: Management protocol version
    nc_mgmt_op_e op;  // byte 1: Operation
    nc_mgmt_status_e status;  // byte 2: OPEN_NAK, ABORT: reason
    logic [7:0] ch_class;  // byte 3: Channel class: 0 throughput, 1 latency (OPEN_REQ)
    logic [31:0] txn;  // byte 4: Transaction id chosen (at random) by the requester, echoed in the reply
    logic [63:0] host_id;  // byte 8: Sender's host id (random per host start)
    logic [63:0] peer_host_id;  // byte 16: Receiver's host id as the sender knows it (0 only in OPEN_REQ and in an ABORT of an unanswered open)
    logic [15:0] src_chan;  // byte 24: Sender's channel id (0xFFFF: none)
    logic [15:0] dst_chan;  // byte 26: Receiver's channel id (0xFFFF: not known yet)
    logic [15:0] udp_port;  // byte 28: UDP source port both directions of the channel use (OPEN_REQ; echoed)
    logic [15:0] rsvd;  // byte 30: Reserved, zero
    logic [31:0] src_psn;  // byte 32: Sender's initial transmit PSN (OPEN_REQ, OPEN_ACK)
    logic [31:0] dst_psn;  // byte 36: Receiver's initial transmit PSN as the sender knows it (OPEN_ACK echoes the opener's; OPEN_CONFIRM the responder's)
    logic [31:0] max_payload;  // byte 40: Largest payload the sender's Rx buffers take (its receive MTU), bytes
    logic [31:0] rx_buffers;  // byte 44: Rx ring entries the sender posts on the channel (informational: its credit window)
  } nc_mgmt_hdr_t;

  // FrameHeader: every header in front of the payload, 86 bytes.
  typedef struct packed {
    nc_eth_hdr_t eth;
    nc_ipv4_hdr_t ipv4;
    nc_udp_hdr_t udp;
    nc_cth_hdr_t cth;
    nc_nc_hdr_t nc;
  } nc_frame_hdr_t;
  localparam int NC_OFF_ETH = 0;  // frame byte offset of EthernetHeader
  localparam int NC_OFF_IPV4 = 14;  // frame byte offset of Ipv4Header
  localparam int NC_OFF_UDP = 34;  // frame byte offset of UdpHeader
  localparam int NC_OFF_CTH = 42;  // frame byte offset of ChannelHeader
  localparam int NC_OFF_NC = 70;  // frame byte offset of NetChannelHeader

  function automatic logic [687:0] nc_frame_hdr_to_lanes(nc_frame_hdr_t h);
    logic [687:0] l;
    for (int i = 0; i < 86; i++) l[8*i +: 8] = h[8*(85-i) +: 8];
    return l;
  endfunction
  function automatic nc_frame_hdr_t nc_frame_hdr_from_lanes(logic [687:0] l);
    logic [687:0] h;
    for (int i = 0; i < 86; i++) h[8*(85-i) +: 8] = l[8*i +: 8];
    return nc_frame_hdr_t'(h);
  endfunction
  function automatic logic [111:0] nc_eth_hdr_to_lanes(nc_eth_hdr_t h);
    logic [111:0] l;
    for (int i = 0; i < 14; i++) l[8*i +: 8] = h[8*(13-i) +: 8];
    return l;
  endfunction
  function automatic nc_eth_hdr_t nc_eth_hdr_from_lanes(logic [111:0] l);
    logic [111:0] h;
    for (int i = 0; i < 14; i++) h[8*(13-i) +: 8] = l[8*i +: 8];
    return nc_eth_hdr_t'(h);
  endfunction
  function automatic logic [159:0] nc_ipv4_hdr_to_lanes(nc_ipv4_hdr_t h);
    logic [159:0] l;
    for (int i = 0; i < 20; i++) l[8*i +: 8] = h[8*(19-i) +: 8];
    return l;
  endfunction
  function automatic nc_ipv4_hdr_t nc_ipv4_hdr_from_lanes(logic [159:0] l);
    logic [159:0] h;
    for (int i = 0; i < 20; i++) h[8*(19-i) +: 8] = l[8*i +: 8];
    return nc_ipv4_hdr_t'(h);
  endfunction
  function automatic logic [63:0] nc_udp_hdr_to_lanes(nc_udp_hdr_t h);
    logic [63:0] l;
    for (int i = 0; i < 8; i++) l[8*i +: 8] = h[8*(7-i) +: 8];
    return l;
  endfunction
  function automatic nc_udp_hdr_t nc_udp_hdr_from_lanes(logic [63:0] l);
    logic [63:0] h;
    for (int i = 0; i < 8; i++) h[8*(7-i) +: 8] = l[8*i +: 8];
    return nc_udp_hdr_t'(h);
  endfunction
  function automatic logic [223:0] nc_cth_hdr_to_lanes(nc_cth_hdr_t h);
    logic [223:0] l;
    for (int i = 0; i < 28; i++) l[8*i +: 8] = h[8*(27-i) +: 8];
    return l;
  endfunction
  function automatic nc_cth_hdr_t nc_cth_hdr_from_lanes(logic [223:0] l);
    logic [223:0] h;
    for (int i = 0; i < 28; i++) h[8*(27-i) +: 8] = l[8*i +: 8];
    return nc_cth_hdr_t'(h);
  endfunction
  function automatic logic [127:0] nc_nc_hdr_to_lanes(nc_nc_hdr_t h);
    logic [127:0] l;
    for (int i = 0; i < 16; i++) l[8*i +: 8] = h[8*(15-i) +: 8];
    return l;
  endfunction
  function automatic nc_nc_hdr_t nc_nc_hdr_from_lanes(logic [127:0] l);
    logic [127:0] h;
    for (int i = 0; i < 16; i++) h[8*(15-i) +: 8] = l[8*i +: 8];
    return nc_nc_hdr_t'(h);
  endfunction

  // ---- register map (byte addresses) ----
  localparam logic [15:0] NC_REG_ID_MAGIC = 16'h0000;  // ro: NIC_MAGIC
  localparam logic [15:0] NC_REG_ID_VERSION = 16'h0004;  // ro: Spec and RTL versions
  localparam logic [15:0] NC_REG_ID_BUILD = 16'h0008;  // ro: Build id (e.g. source hash)
  localparam logic [15:0] NC_REG_CAP_CHANNELS = 16'h000C;  // ro: Number of channels
  localparam logic [15:0] NC_REG_CAP_RING_LOG = 16'h0010;  // ro: Ring sizes the NIC accepts (log2)
  localparam logic [15:0] NC_REG_CAP_DATAPATH = 16'h0014;  // ro: Datapath
  localparam logic [15:0] NC_REG_CAP_EVENT_QUEUES = 16'h0018;  // ro: Number of event queues (interrupt vectors)
  localparam logic [15:0] NC_REG_CAP_TRANSPORT = 16'h001C;  // ro: Transport
  localparam logic [15:0] NC_REG_CTRL = 16'h0100;  // rw: Control
  localparam logic [15:0] NC_REG_STATUS = 16'h0104;  // ro: Status
  localparam logic [15:0] NC_REG_MAC_LO = 16'h0108;  // rw: Local MAC address bytes 2..5 (MAC = MAC_HI.mac_hi : MAC_LO)
  localparam logic [15:0] NC_REG_MAC_HI = 16'h010C;  // rw: Local MAC address bytes 0..1
  localparam logic [15:0] NC_REG_IP_ADDR = 16'h0110;  // rw: Local IPv4 address
  localparam logic [15:0] NC_REG_RTO_CYCLES = 16'h0114;  // rw: Retransmission timeout in clock cycles: a channel's timeout until its first round-trip sample and its upper bound after (then 2 srtt + 4 rttvar + the ACK delay of ACK_COALESCE); the persist timer (credit probes) uses it as it is; doubled after each timeout in a row, up to 16x
  localparam logic [15:0] NC_REG_ACK_COALESCE = 16'h0118;  // rw: A pure ACK is sent when that many new packets are unacknowledged or the oldest has waited that long
  localparam logic [15:0] NC_REG_RETRY_LIMIT = 16'h011C;  // rw: Retransmission rounds without progress before a channel fails: it fails at the (RETRY_LIMIT + 1)-th timeout in a row
  localparam logic [15:0] NC_REG_CH_PEER_MAC_LO = 16'h0200;  // rw: Staged: peer MAC bytes 2..5
  localparam logic [15:0] NC_REG_CH_PEER_MAC_HI = 16'h0204;  // rw: Staged: peer MAC bytes 0..1
  localparam logic [15:0] NC_REG_CH_PEER_IP = 16'h0208;  // rw: Staged: peer IPv4 address
  localparam logic [15:0] NC_REG_CH_UDP_SRC = 16'h020C;  // rw: Staged: UDP source port of this channel
  localparam logic [15:0] NC_REG_CH_PEER_CHAN = 16'h0210;  // rw: Staged: the peer's channel, the class and the event queue
  localparam logic [15:0] NC_REG_CH_TX_RING_LO = 16'h0214;  // rw: Staged: Tx ring base bits 31..0
  localparam logic [15:0] NC_REG_CH_TX_RING_HI = 16'h0218;  // rw: Staged: Tx ring base bits 63..32
  localparam logic [15:0] NC_REG_CH_RX_RING_LO = 16'h021C;  // rw: Staged: Rx ring base bits 31..0
  localparam logic [15:0] NC_REG_CH_RX_RING_HI = 16'h0220;  // rw: Staged: Rx ring base bits 63..32
  localparam logic [15:0] NC_REG_CH_CPL_RING_LO = 16'h0224;  // rw: Staged: completion ring base bits 31..0
  localparam logic [15:0] NC_REG_CH_CPL_RING_HI = 16'h0228;  // rw: Staged: completion ring base bits 63..32
  localparam logic [15:0] NC_REG_CH_RING_LOG = 16'h022C;  // rw: Staged: ring log2 sizes
  localparam logic [15:0] NC_REG_CH_INIT_PSN = 16'h0230;  // rw: Staged: initial transmit PSN (the peer's initial receive PSN is CH_PEER_PSN)
  localparam logic [15:0] NC_REG_CH_PEER_PSN = 16'h0234;  // rw: Staged: initial PSN the peer transmits
  localparam logic [15:0] NC_REG_CH_TX_CREDIT = 16'h0238;  // rw: Staged: initial credit in packets — the Rx buffers the peer had posted when it agreed to open (later credit arrives in ACK frames)
  localparam logic [15:0] NC_REG_CH_CMD = 16'h0240;  // wo: Applies a channel command
  localparam logic [15:0] NC_REG_CH_CMD_STATUS = 16'h0244;  // ro: Channel command status
  localparam logic [15:0] NC_REG_CH_RB_STATE = 16'h0250;  // ro: Read back: state
  localparam logic [15:0] NC_REG_CH_RB_TX_IDX = 16'h0254;  // ro: Read back: Tx ring indices
  localparam logic [15:0] NC_REG_CH_RB_TX_UNA = 16'h0258;  // ro: Read back: oldest unacknowledged PSN
  localparam logic [15:0] NC_REG_CH_RB_TX_NXT = 16'h025C;  // ro: Read back: next PSN to assign
  localparam logic [15:0] NC_REG_CH_RB_TX_CREDIT = 16'h0260;  // ro: Read back: credit limit the peer granted (PSNs below it may be sent)
  localparam logic [15:0] NC_REG_CH_RB_RX_IDX = 16'h0264;  // ro: Read back: Rx ring indices
  localparam logic [15:0] NC_REG_CH_RB_RX_ACK = 16'h0268;  // ro: Read back: receive cumulative ack (first PSN not yet received)
  localparam logic [15:0] NC_REG_CH_RB_CPL_IDX = 16'h026C;  // ro: Read back: completion ring indices
  localparam logic [15:0] NC_REG_CH_RB_TX_PKTS = 16'h0270;  // ro: Read back: packets sent for the first time (wraps)
  localparam logic [15:0] NC_REG_CH_RB_RETX = 16'h0274;  // ro: Read back: packets retransmitted (wraps)
  localparam logic [15:0] NC_REG_CH_RB_RX_PKTS = 16'h0278;  // ro: Read back: packets received and placed (wraps)
  localparam logic [15:0] NC_REG_CH_RB_DUP = 16'h027C;  // ro: Read back: duplicate packets dropped (wraps)
  localparam logic [15:0] NC_REG_CH_RB_TIMEOUTS = 16'h0280;  // ro: Read back: retransmission timeouts (wraps)
  localparam logic [15:0] NC_REG_MGMT_TX_RING_LO = 16'h0300;  // rw: Management Tx ring base bits 31..0 (descriptor len = whole frame bytes)
  localparam logic [15:0] NC_REG_MGMT_TX_RING_HI = 16'h0304;  // rw: Management Tx ring base bits 63..32
  localparam logic [15:0] NC_REG_MGMT_RX_RING_LO = 16'h0308;  // rw: Management Rx ring base bits 31..0
  localparam logic [15:0] NC_REG_MGMT_RX_RING_HI = 16'h030C;  // rw: Management Rx ring base bits 63..32
  localparam logic [15:0] NC_REG_MGMT_CPL_RING_LO = 16'h0310;  // rw: Management completion ring base bits 31..0
  localparam logic [15:0] NC_REG_MGMT_CPL_RING_HI = 16'h0314;  // rw: Management completion ring base bits 63..32
  localparam logic [15:0] NC_REG_MGMT_RING_LOG = 16'h0318;  // rw: Management ring log2 sizes
  localparam logic [15:0] NC_REG_MGMT_CTRL = 16'h031C;  // rw: Management queue pair control
  localparam logic [15:0] NC_REG_DB_TX = 16'h1000;  // wo: Tx doorbell
  localparam logic [15:0] NC_REG_DB_RX = 16'h1004;  // wo: Rx doorbell (posted buffers)
  localparam logic [15:0] NC_REG_DB_CPL = 16'h1008;  // wo: Completion doorbell
  localparam logic [15:0] NC_REG_EQ_ARM = 16'h100C;  // wo: Event queue consumer index and arming; arming a non-empty queue fires at once
  localparam logic [15:0] NC_REG_EQ_BASE_LO = 16'h1010;  // rw: Staged: event queue ring base bits 31..0
  localparam logic [15:0] NC_REG_EQ_BASE_HI = 16'h1014;  // rw: Staged: event queue ring base bits 63..32
  localparam logic [15:0] NC_REG_EQ_CMD = 16'h1018;  // wo: Applies the staged event queue base
  localparam logic [15:0] NC_REG_MGMT_DB_TX = 16'h1020;  // wo: Management Tx doorbell
  localparam logic [15:0] NC_REG_MGMT_DB_RX = 16'h1024;  // wo: Management Rx doorbell
  localparam logic [15:0] NC_REG_MGMT_DB_CPL = 16'h1028;  // wo: Management completion doorbell
  localparam logic [15:0] NC_REG_CNT_TX_FRAMES_LO = 16'h2000;  // snap: Frames transmitted
  localparam logic [15:0] NC_REG_CNT_TX_FRAMES_HI = 16'h2004;  // ro: 
  localparam logic [15:0] NC_REG_CNT_TX_BYTES_LO = 16'h2008;  // snap: Frame bytes transmitted (without FCS)
  localparam logic [15:0] NC_REG_CNT_TX_BYTES_HI = 16'h200C;  // ro: 
  localparam logic [15:0] NC_REG_CNT_RX_FRAMES_LO = 16'h2010;  // snap: Frames received and accepted
  localparam logic [15:0] NC_REG_CNT_RX_FRAMES_HI = 16'h2014;  // ro: 
  localparam logic [15:0] NC_REG_CNT_RX_BYTES_LO = 16'h2018;  // snap: Frame bytes received and accepted
  localparam logic [15:0] NC_REG_CNT_RX_BYTES_HI = 16'h201C;  // ro: 
  localparam logic [15:0] NC_REG_CNT_RETX_LO = 16'h2020;  // snap: Packets retransmitted (tail-loss probes included)
  localparam logic [15:0] NC_REG_CNT_RETX_HI = 16'h2024;  // ro: 
  localparam logic [15:0] NC_REG_CNT_TIMEOUTS_LO = 16'h2028;  // snap: Retransmission timeouts
  localparam logic [15:0] NC_REG_CNT_TIMEOUTS_HI = 16'h202C;  // ro: 
  localparam logic [15:0] NC_REG_CNT_CREDIT_STALL_LO = 16'h2030;  // snap: Times a channel with posted Tx descriptors was held back by the peer's credit (a doorbell found no credit, or the credit, not the window, limited a batch)
  localparam logic [15:0] NC_REG_CNT_CREDIT_STALL_HI = 16'h2034;  // ro: 
  localparam logic [15:0] NC_REG_CNT_BAD_DESC_LO = 16'h2038;  // snap: Descriptors rejected
  localparam logic [15:0] NC_REG_CNT_BAD_DESC_HI = 16'h203C;  // ro: 
  localparam logic [15:0] NC_REG_CNT_DUP_LO = 16'h2040;  // snap: Duplicate DATA packets dropped
  localparam logic [15:0] NC_REG_CNT_DUP_HI = 16'h2044;  // ro: 
  localparam logic [15:0] NC_REG_CNT_NO_CHANNEL_LO = 16'h2048;  // snap: Frames for a closed, failed or unknown channel, or from an unexpected peer
  localparam logic [15:0] NC_REG_CNT_NO_CHANNEL_HI = 16'h204C;  // ro: 
  localparam logic [15:0] NC_REG_CNT_DMA_FAULT_LO = 16'h2050;  // snap: DMA accesses the host refused
  localparam logic [15:0] NC_REG_CNT_DMA_FAULT_HI = 16'h2054;  // ro: 
  localparam logic [15:0] NC_REG_CNT_MGMT_TX_LO = 16'h2058;  // snap: Management frames transmitted
  localparam logic [15:0] NC_REG_CNT_MGMT_TX_HI = 16'h205C;  // ro: 
  localparam logic [15:0] NC_REG_CNT_MGMT_RX_LO = 16'h2060;  // snap: Management frames delivered to the host
  localparam logic [15:0] NC_REG_CNT_MGMT_RX_HI = 16'h2064;  // ro: 
  localparam logic [15:0] NC_REG_CNT_RX_NO_BUF_LO = 16'h2068;  // snap: Frames dropped for want of a posted Rx buffer (management queue, or a credit violation)
  localparam logic [15:0] NC_REG_CNT_RX_NO_BUF_HI = 16'h206C;  // ro: 
  localparam logic [15:0] NC_REG_CNT_OUT_OF_WINDOW_LO = 16'h2070;  // snap: DATA packets outside the receive window — more than SACK_WINDOW after the cumulative ack, or more than 65536 before it (no sender's retransmission lies that far back) — dropped, not answered
  localparam logic [15:0] NC_REG_CNT_OUT_OF_WINDOW_HI = 16'h2074;  // ro: 
  localparam logic [15:0] NC_REG_CNT_ACK_TX_LO = 16'h2078;  // snap: Pure ACK frames sent
  localparam logic [15:0] NC_REG_CNT_ACK_TX_HI = 16'h207C;  // ro: 
  localparam logic [15:0] NC_REG_CNT_ACK_RX_LO = 16'h2080;  // snap: Pure ACK frames received, checked and applied (those dropped are in CNT_BAD_ACK, CNT_BAD_CREDIT or CNT_NO_CHANNEL)
  localparam logic [15:0] NC_REG_CNT_ACK_RX_HI = 16'h2084;  // ro: 
  localparam logic [15:0] NC_REG_CNT_CPL_OVERFLOW_LO = 16'h2088;  // snap: Completions dropped because the completion ring was full (a host error; an ERROR event is raised)
  localparam logic [15:0] NC_REG_CNT_CPL_OVERFLOW_HI = 16'h208C;  // ro: 
  localparam logic [15:0] NC_REG_CNT_EQ_OVERFLOW_LO = 16'h2090;  // snap: Events dropped because the event queue was full or disabled
  localparam logic [15:0] NC_REG_CNT_EQ_OVERFLOW_HI = 16'h2094;  // ro: 
  localparam logic [15:0] NC_REG_CNT_CH_FAILED_LO = 16'h2098;  // snap: Channels that failed (retransmission limit or DMA fault)
  localparam logic [15:0] NC_REG_CNT_CH_FAILED_HI = 16'h209C;  // ro: 
  localparam logic [15:0] NC_REG_CNT_BAD_DOORBELL_LO = 16'h20A0;  // snap: Doorbells rejected (closed channel, channel out of range, or producer index outside the ring)
  localparam logic [15:0] NC_REG_CNT_BAD_DOORBELL_HI = 16'h20A4;  // ro: 
  localparam logic [15:0] NC_REG_CNT_BAD_ACK_LO = 16'h20A8;  // snap: ACK frames dropped whole: they acknowledge PSNs the channel never sent (cumulative ack beyond the next PSN to send, or a SACK bit for a PSN at or beyond it)
  localparam logic [15:0] NC_REG_CNT_BAD_ACK_HI = 16'h20AC;  // ro: 
  localparam logic [15:0] NC_REG_CNT_BAD_CREDIT_LO = 16'h20B0;  // snap: ACK frames dropped whole: their credit lies beyond anything the peer can have granted (more than a largest Rx ring, 2^15 PSNs, past the next PSN to send)
  localparam logic [15:0] NC_REG_CNT_BAD_CREDIT_HI = 16'h20B4;  // ro: 
  localparam logic [15:0] NC_REG_CNT_HDR_LEN_MISMATCH_LO = 16'h20B8;  // snap: Tx frames whose descriptor length disagreed with the payload the DMA delivered (the frame builder's length check; the frame is sent flagged and the peer drops it)
  localparam logic [15:0] NC_REG_CNT_HDR_LEN_MISMATCH_HI = 16'h20BC;  // ro: 
  localparam logic [15:0] NC_REG_CNT_DROP_BASE = 16'h2100;  // ro: Parser drops by reason: CNT_DROP_BASE + 4 * drop_reason
  localparam int NC_REG_CNT_DROP_BASE_COUNT = 32;

  // ---- register fields ----
  // One packed struct per register (bit 31 first, reserved bits named rsvd*), its reset value and the
  // mask of the bits its fields occupy. Counters (CNT_*) and arrays of one 32-bit field have none.
  typedef struct packed {  // ID_MAGIC
    logic [31:0] magic;  // [31:0] NIC_MAGIC
  } nc_reg_id_magic_t;
  localparam logic [31:0] NC_REG_ID_MAGIC_RESET = 32'h4E434E49;
  localparam logic [31:0] NC_REG_ID_MAGIC_MASK = 32'hFFFFFFFF;
  typedef struct packed {  // ID_VERSION
    logic [15:0] rtl;  // [31:16] RTL revision
    logic [15:0] spec;  // [15:0] Spec version (spec_version)
  } nc_reg_id_version_t;
  localparam logic [31:0] NC_REG_ID_VERSION_MASK = 32'hFFFFFFFF;
  typedef struct packed {  // ID_BUILD
    logic [31:0] build;  // [31:0] Build id
  } nc_reg_id_build_t;
  localparam logic [31:0] NC_REG_ID_BUILD_MASK = 32'hFFFFFFFF;
  typedef struct packed {  // CAP_CHANNELS
    logic [31:0] channels;  // [31:0] Channels the NIC has (a synthesis parameter)
  } nc_reg_cap_channels_t;
  localparam logic [31:0] NC_REG_CAP_CHANNELS_MASK = 32'hFFFFFFFF;
  typedef struct packed {  // CAP_RING_LOG
    logic [15:0] rsvd0;
    logic [7:0] min;  // [15:8] Smallest ring log2 size
    logic [7:0] max;  // [7:0] Largest ring log2 size
  } nc_reg_cap_ring_log_t;
  localparam logic [31:0] NC_REG_CAP_RING_LOG_RESET = 32'h0000010F;
  localparam logic [31:0] NC_REG_CAP_RING_LOG_MASK = 32'h0000FFFF;
  typedef struct packed {  // CAP_DATAPATH
    logic [15:0] max_payload;  // [31:16] MAX_PAYLOAD_BYTES
    logic [15:0] width_bits;  // [15:0] MAC datapath width in bits
  } nc_reg_cap_datapath_t;
  localparam logic [31:0] NC_REG_CAP_DATAPATH_RESET = 32'h23280200;
  localparam logic [31:0] NC_REG_CAP_DATAPATH_MASK = 32'hFFFFFFFF;
  typedef struct packed {  // CAP_EVENT_QUEUES
    logic [31:0] queues;  // [31:0] Event queues (a synthesis parameter)
  } nc_reg_cap_event_queues_t;
  localparam logic [31:0] NC_REG_CAP_EVENT_QUEUES_MASK = 32'hFFFFFFFF;
  typedef struct packed {  // CAP_TRANSPORT
    logic [15:0] rsvd0;
    logic [7:0] sack_bits;  // [15:8] SACK bitmap bits
    logic [7:0] window;  // [7:0] Packets a channel keeps in flight at most (transmit window)
  } nc_reg_cap_transport_t;
  localparam logic [31:0] NC_REG_CAP_TRANSPORT_RESET = 32'h00004040;
  localparam logic [31:0] NC_REG_CAP_TRANSPORT_MASK = 32'h0000FFFF;
  typedef struct packed {  // CTRL
    logic [28:0] rsvd0;
    logic promisc_mgmt;  // [2] Promiscuous management Rx: frames for closed or unknown channels go to the management Rx queue instead of being dropped
    logic filter;  // [1] Address filtering on (frames not for MAC_*/IP_ADDR are dropped)
    logic enable;  // [0] Enable (0: the MAC side is idle, received frames are dropped)
  } nc_reg_ctrl_t;
  localparam logic [31:0] NC_REG_CTRL_RESET = 32'h00000000;
  localparam logic [31:0] NC_REG_CTRL_MASK = 32'h00000007;
  typedef struct packed {  // STATUS
    logic [29:0] rsvd0;
    logic link_up;  // [1] Link up (the RTL core does not see the PHY: always 1)
    logic running;  // [0] Running (CTRL.enable)
  } nc_reg_status_t;
  localparam logic [31:0] NC_REG_STATUS_MASK = 32'h00000003;
  typedef struct packed {  // MAC_LO
    logic [31:0] mac_lo;  // [31:0] MAC address bytes 2..5
  } nc_reg_mac_lo_t;
  localparam logic [31:0] NC_REG_MAC_LO_RESET = 32'h00000000;
  localparam logic [31:0] NC_REG_MAC_LO_MASK = 32'hFFFFFFFF;
  typedef struct packed {  // MAC_HI
    logic [15:0] rsvd0;
    logic [15:0] mac_hi;  // [15:0] MAC address bytes 0..1
  } nc_reg_mac_hi_t;
  localparam logic [31:0] NC_REG_MAC_HI_RESET = 32'h00000000;
  localparam logic [31:0] NC_REG_MAC_HI_MASK = 32'h0000FFFF;
  typedef struct packed {  // IP_ADDR
    logic [31:0] ip;  // [31:0] IPv4 address
  } nc_reg_ip_addr_t;
  localparam logic [31:0] NC_REG_IP_ADDR_RESET = 32'h00000000;
  localparam logic [31:0] NC_REG_IP_ADDR_MASK = 32'hFFFFFFFF;
  typedef struct packed {  // RTO_CYCLES
    logic [31:0] cycles;  // [31:0] Cycles
  } nc_reg_rto_cycles_t;
  localparam logic [31:0] NC_REG_RTO_CYCLES_RESET = 32'h00004000;
  localparam logic [31:0] NC_REG_RTO_CYCLES_MASK = 32'hFFFFFFFF;
  typedef struct packed {  // ACK_COALESCE
    logic [15:0] cycles;  // [31:16] Cycles
    logic [15:0] packets;  // [15:0] Packets
  } nc_reg_ack_coalesce_t;
  localparam logic [31:0] NC_REG_ACK_COALESCE_RESET = 32'h00400010;
  localparam logic [31:0] NC_REG_ACK_COALESCE_MASK = 32'hFFFFFFFF;
  typedef struct packed {  // RETRY_LIMIT
    logic [23:0] rsvd0;
    logic [7:0] limit;  // [7:0] Rounds
  } nc_reg_retry_limit_t;
  localparam logic [31:0] NC_REG_RETRY_LIMIT_RESET = 32'h00000008;
  localparam logic [31:0] NC_REG_RETRY_LIMIT_MASK = 32'h000000FF;
  typedef struct packed {  // CH_PEER_MAC_LO
    logic [31:0] mac_lo;  // [31:0] Peer MAC bytes 2..5
  } nc_reg_ch_peer_mac_lo_t;
  localparam logic [31:0] NC_REG_CH_PEER_MAC_LO_RESET = 32'h00000000;
  localparam logic [31:0] NC_REG_CH_PEER_MAC_LO_MASK = 32'hFFFFFFFF;
  typedef struct packed {  // CH_PEER_MAC_HI
    logic [15:0] rsvd0;
    logic [15:0] mac_hi;  // [15:0] Peer MAC bytes 0..1
  } nc_reg_ch_peer_mac_hi_t;
  localparam logic [31:0] NC_REG_CH_PEER_MAC_HI_RESET = 32'h00000000;
  localparam logic [31:0] NC_REG_CH_PEER_MAC_HI_MASK = 32'h0000FFFF;
  typedef struct packed {  // CH_PEER_IP
    logic [31:0] ip;  // [31:0] Peer IPv4 address
  } nc_reg_ch_peer_ip_t;
  localparam logic [31:0] NC_REG_CH_PEER_IP_RESET = 32'h00000000;
  localparam logic [31:0] NC_REG_CH_PEER_IP_MASK = 32'hFFFFFFFF;
  typedef struct packed {  // CH_UDP_SRC
    logic [15:0] rsvd0;
    logic [15:0] port;  // [15:0] UDP source port
  } nc_reg_ch_udp_src_t;
  localparam logic [31:0] NC_REG_CH_UDP_SRC_RESET = 32'h00000000;
  localparam logic [31:0] NC_REG_CH_UDP_SRC_MASK = 32'h0000FFFF;
  typedef struct packed {  // CH_PEER_CHAN
    logic [7:0] eq;  // [31:24] Event queue of the channel's events
    logic [7:0] cls;  // [23:16] Class (0 throughput, 1 latency)
    logic [15:0] peer_chan;  // [15:0] Channel id at the peer
  } nc_reg_ch_peer_chan_t;
  localparam logic [31:0] NC_REG_CH_PEER_CHAN_RESET = 32'h00000000;
  localparam logic [31:0] NC_REG_CH_PEER_CHAN_MASK = 32'hFFFFFFFF;
  typedef struct packed {  // CH_TX_RING_LO
    logic [31:0] addr;  // [31:0] Bits 31..0
  } nc_reg_ch_tx_ring_lo_t;
  localparam logic [31:0] NC_REG_CH_TX_RING_LO_RESET = 32'h00000000;
  localparam logic [31:0] NC_REG_CH_TX_RING_LO_MASK = 32'hFFFFFFFF;
  typedef struct packed {  // CH_TX_RING_HI
    logic [31:0] addr;  // [31:0] Bits 63..32
  } nc_reg_ch_tx_ring_hi_t;
  localparam logic [31:0] NC_REG_CH_TX_RING_HI_RESET = 32'h00000000;
  localparam logic [31:0] NC_REG_CH_TX_RING_HI_MASK = 32'hFFFFFFFF;
  typedef struct packed {  // CH_RX_RING_LO
    logic [31:0] addr;  // [31:0] Bits 31..0
  } nc_reg_ch_rx_ring_lo_t;
  localparam logic [31:0] NC_REG_CH_RX_RING_LO_RESET = 32'h00000000;
  localparam logic [31:0] NC_REG_CH_RX_RING_LO_MASK = 32'hFFFFFFFF;
  typedef struct packed {  // CH_RX_RING_HI
    logic [31:0] addr;  // [31:0] Bits 63..32
  } nc_reg_ch_rx_ring_hi_t;
  localparam logic [31:0] NC_REG_CH_RX_RING_HI_RESET = 32'h00000000;
  localparam logic [31:0] NC_REG_CH_RX_RING_HI_MASK = 32'hFFFFFFFF;
  typedef struct packed {  // CH_CPL_RING_LO
    logic [31:0] addr;  // [31:0] Bits 31..0
  } nc_reg_ch_cpl_ring_lo_t;
  localparam logic [31:0] NC_REG_CH_CPL_RING_LO_RESET = 32'h00000000;
  localparam logic [31:0] NC_REG_CH_CPL_RING_LO_MASK = 32'hFFFFFFFF;
  typedef struct packed {  // CH_CPL_RING_HI
    logic [31:0] addr;  // [31:0] Bits 63..32
  } nc_reg_ch_cpl_ring_hi_t;
  localparam logic [31:0] NC_REG_CH_CPL_RING_HI_RESET = 32'h00000000;
  localparam logic [31:0] NC_REG_CH_CPL_RING_HI_MASK = 32'hFFFFFFFF;
  typedef struct packed {  // CH_RING_LOG
    logic [7:0] rsvd0;
    logic [7:0] cpl;  // [23:16] Completion ring log2 size
    logic [7:0] rx;  // [15:8] Rx ring log2 size
    logic [7:0] tx;  // [7:0] Tx ring log2 size
  } nc_reg_ch_ring_log_t;
  localparam logic [31:0] NC_REG_CH_RING_LOG_RESET = 32'h00000000;
  localparam logic [31:0] NC_REG_CH_RING_LOG_MASK = 32'h00FFFFFF;
  typedef struct packed {  // CH_INIT_PSN
    logic [31:0] psn;  // [31:0] PSN
  } nc_reg_ch_init_psn_t;
  localparam logic [31:0] NC_REG_CH_INIT_PSN_RESET = 32'h00000000;
  localparam logic [31:0] NC_REG_CH_INIT_PSN_MASK = 32'hFFFFFFFF;
  typedef struct packed {  // CH_PEER_PSN
    logic [31:0] psn;  // [31:0] PSN
  } nc_reg_ch_peer_psn_t;
  localparam logic [31:0] NC_REG_CH_PEER_PSN_RESET = 32'h00000000;
  localparam logic [31:0] NC_REG_CH_PEER_PSN_MASK = 32'hFFFFFFFF;
  typedef struct packed {  // CH_TX_CREDIT
    logic [31:0] credit;  // [31:0] Packets
  } nc_reg_ch_tx_credit_t;
  localparam logic [31:0] NC_REG_CH_TX_CREDIT_RESET = 32'h00000000;
  localparam logic [31:0] NC_REG_CH_TX_CREDIT_MASK = 32'hFFFFFFFF;
  typedef struct packed {  // CH_CMD
    logic [11:0] rsvd0;
    nc_ch_cmd_e cmd;  // [19:16] Command
    logic [15:0] channel;  // [15:0] Channel
  } nc_reg_ch_cmd_t;
  localparam logic [31:0] NC_REG_CH_CMD_MASK = 32'h000FFFFF;
  typedef struct packed {  // CH_CMD_STATUS
    logic [23:0] rsvd0;
    nc_ch_cmd_result_e result;  // [7:4] Result of the last command
    logic [2:0] rsvd1;
    logic busy;  // [0] A command is in progress
  } nc_reg_ch_cmd_status_t;
  localparam logic [31:0] NC_REG_CH_CMD_STATUS_MASK = 32'h000000F1;
  typedef struct packed {  // CH_RB_STATE
    logic [15:0] rsvd0;
    nc_cpl_status_e why;  // [15:8] Why it failed
    logic [5:0] rsvd1;
    nc_ch_state_e state;  // [1:0] State
  } nc_reg_ch_rb_state_t;
  localparam logic [31:0] NC_REG_CH_RB_STATE_MASK = 32'h0000FF03;
  typedef struct packed {  // CH_RB_TX_IDX
    logic [15:0] next;  // [31:16] Ring index of the next PSN (descriptors taken)
    logic [15:0] prod;  // [15:0] Tx producer index (last doorbell)
  } nc_reg_ch_rb_tx_idx_t;
  localparam logic [31:0] NC_REG_CH_RB_TX_IDX_MASK = 32'hFFFFFFFF;
  typedef struct packed {  // CH_RB_TX_UNA
    logic [31:0] psn;  // [31:0] PSN
  } nc_reg_ch_rb_tx_una_t;
  localparam logic [31:0] NC_REG_CH_RB_TX_UNA_MASK = 32'hFFFFFFFF;
  typedef struct packed {  // CH_RB_TX_NXT
    logic [31:0] psn;  // [31:0] PSN
  } nc_reg_ch_rb_tx_nxt_t;
  localparam logic [31:0] NC_REG_CH_RB_TX_NXT_MASK = 32'hFFFFFFFF;
  typedef struct packed {  // CH_RB_TX_CREDIT
    logic [31:0] psn;  // [31:0] PSN
  } nc_reg_ch_rb_tx_credit_t;
  localparam logic [31:0] NC_REG_CH_RB_TX_CREDIT_MASK = 32'hFFFFFFFF;
  typedef struct packed {  // CH_RB_RX_IDX
    logic [15:0] used;  // [31:16] Rx buffers consumed
    logic [15:0] prod;  // [15:0] Rx producer index (posted buffers)
  } nc_reg_ch_rb_rx_idx_t;
  localparam logic [31:0] NC_REG_CH_RB_RX_IDX_MASK = 32'hFFFFFFFF;
  typedef struct packed {  // CH_RB_RX_ACK
    logic [31:0] psn;  // [31:0] PSN
  } nc_reg_ch_rb_rx_ack_t;
  localparam logic [31:0] NC_REG_CH_RB_RX_ACK_MASK = 32'hFFFFFFFF;
  typedef struct packed {  // CH_RB_CPL_IDX
    logic [15:0] cons;  // [31:16] Completion consumer index (last DB_CPL)
    logic [15:0] prod;  // [15:0] Completion producer index
  } nc_reg_ch_rb_cpl_idx_t;
  localparam logic [31:0] NC_REG_CH_RB_CPL_IDX_MASK = 32'hFFFFFFFF;
  typedef struct packed {  // CH_RB_TX_PKTS
    logic [31:0] count;  // [31:0] Packets
  } nc_reg_ch_rb_tx_pkts_t;
  localparam logic [31:0] NC_REG_CH_RB_TX_PKTS_MASK = 32'hFFFFFFFF;
  typedef struct packed {  // CH_RB_RETX
    logic [31:0] count;  // [31:0] Packets
  } nc_reg_ch_rb_retx_t;
  localparam logic [31:0] NC_REG_CH_RB_RETX_MASK = 32'hFFFFFFFF;
  typedef struct packed {  // CH_RB_RX_PKTS
    logic [31:0] count;  // [31:0] Packets
  } nc_reg_ch_rb_rx_pkts_t;
  localparam logic [31:0] NC_REG_CH_RB_RX_PKTS_MASK = 32'hFFFFFFFF;
  typedef struct packed {  // CH_RB_DUP
    logic [31:0] count;  // [31:0] Packets
  } nc_reg_ch_rb_dup_t;
  localparam logic [31:0] NC_REG_CH_RB_DUP_MASK = 32'hFFFFFFFF;
  typedef struct packed {  // CH_RB_TIMEOUTS
    logic [31:0] count;  // [31:0] Timeouts
  } nc_reg_ch_rb_timeouts_t;
  localparam logic [31:0] NC_REG_CH_RB_TIMEOUTS_MASK = 32'hFFFFFFFF;
  typedef struct packed {  // MGMT_TX_RING_LO
    logic [31:0] addr;  // [31:0] Bits 31..0
  } nc_reg_mgmt_tx_ring_lo_t;
  localparam logic [31:0] NC_REG_MGMT_TX_RING_LO_RESET = 32'h00000000;
  localparam logic [31:0] NC_REG_MGMT_TX_RING_LO_MASK = 32'hFFFFFFFF;
  typedef struct packed {  // MGMT_TX_RING_HI
    logic [31:0] addr;  // [31:0] Bits 63..32
  } nc_reg_mgmt_tx_ring_hi_t;
  localparam logic [31:0] NC_REG_MGMT_TX_RING_HI_RESET = 32'h00000000;
  localparam logic [31:0] NC_REG_MGMT_TX_RING_HI_MASK = 32'hFFFFFFFF;
  typedef struct packed {  // MGMT_RX_RING_LO
    logic [31:0] addr;  // [31:0] Bits 31..0
  } nc_reg_mgmt_rx_ring_lo_t;
  localparam logic [31:0] NC_REG_MGMT_RX_RING_LO_RESET = 32'h00000000;
  localparam logic [31:0] NC_REG_MGMT_RX_RING_LO_MASK = 32'hFFFFFFFF;
  typedef struct packed {  // MGMT_RX_RING_HI
    logic [31:0] addr;  // [31:0] Bits 63..32
  } nc_reg_mgmt_rx_ring_hi_t;
  localparam logic [31:0] NC_REG_MGMT_RX_RING_HI_RESET = 32'h00000000;
  localparam logic [31:0] NC_REG_MGMT_RX_RING_HI_MASK = 32'hFFFFFFFF;
  typedef struct packed {  // MGMT_CPL_RING_LO
    logic [31:0] addr;  // [31:0] Bits 31..0
  } nc_reg_mgmt_cpl_ring_lo_t;
  localparam logic [31:0] NC_REG_MGMT_CPL_RING_LO_RESET = 32'h00000000;
  localparam logic [31:0] NC_REG_MGMT_CPL_RING_LO_MASK = 32'hFFFFFFFF;
  typedef struct packed {  // MGMT_CPL_RING_HI
    logic [31:0] addr;  // [31:0] Bits 63..32
  } nc_reg_mgmt_cpl_ring_hi_t;
  localparam logic [31:0] NC_REG_MGMT_CPL_RING_HI_RESET = 32'h00000000;
  localparam logic [31:0] NC_REG_MGMT_CPL_RING_HI_MASK = 32'hFFFFFFFF;
  typedef struct packed {  // MGMT_RING_LOG
    logic [7:0] rsvd0;
    logic [7:0] cpl;  // [23:16] Completion ring log2 size
    logic [7:0] rx;  // [15:8] Rx ring log2 size
    logic [7:0] tx;  // [7:0] Tx ring log2 size
  } nc_reg_mgmt_ring_log_t;
  localparam logic [31:0] NC_REG_MGMT_RING_LOG_RESET = 32'h00000000;
  localparam logic [31:0] NC_REG_MGMT_RING_LOG_MASK = 32'h00FFFFFF;
  typedef struct packed {  // MGMT_CTRL
    logic [15:0] rsvd0;
    logic [7:0] eq;  // [15:8] Event queue of the management completions
    logic [6:0] rsvd1;
    logic enable;  // [0] Enable: writing 1 applies the ring registers and resets the indices (it reads back 1 only when they were valid); 0 stops the queues
  } nc_reg_mgmt_ctrl_t;
  localparam logic [31:0] NC_REG_MGMT_CTRL_RESET = 32'h00000000;
  localparam logic [31:0] NC_REG_MGMT_CTRL_MASK = 32'h0000FF01;
  typedef struct packed {  // DB_TX
    logic [15:0] prod;  // [31:16] New Tx producer index
    logic [15:0] channel;  // [15:0] Channel
  } nc_reg_db_tx_t;
  localparam logic [31:0] NC_REG_DB_TX_MASK = 32'hFFFFFFFF;
  typedef struct packed {  // DB_RX
    logic [15:0] prod;  // [31:16] New Rx producer index
    logic [15:0] channel;  // [15:0] Channel
  } nc_reg_db_rx_t;
  localparam logic [31:0] NC_REG_DB_RX_MASK = 32'hFFFFFFFF;
  typedef struct packed {  // DB_CPL
    logic [15:0] cons;  // [31:16] Completion consumer index (frees completion slots)
    logic arm;  // [15] Arm: the next completion raises an event
    logic [14:0] channel;  // [14:0] Channel
  } nc_reg_db_cpl_t;
  localparam logic [31:0] NC_REG_DB_CPL_MASK = 32'hFFFFFFFF;
  typedef struct packed {  // EQ_ARM
    logic [15:0] cons;  // [31:16] Consumer index
    logic [7:0] rsvd0;
    logic [7:0] eq;  // [7:0] Event queue
  } nc_reg_eq_arm_t;
  localparam logic [31:0] NC_REG_EQ_ARM_MASK = 32'hFFFF00FF;
  typedef struct packed {  // EQ_BASE_LO
    logic [31:0] addr;  // [31:0] Bits 31..0
  } nc_reg_eq_base_lo_t;
  localparam logic [31:0] NC_REG_EQ_BASE_LO_RESET = 32'h00000000;
  localparam logic [31:0] NC_REG_EQ_BASE_LO_MASK = 32'hFFFFFFFF;
  typedef struct packed {  // EQ_BASE_HI
    logic [31:0] addr;  // [31:0] Bits 63..32
  } nc_reg_eq_base_hi_t;
  localparam logic [31:0] NC_REG_EQ_BASE_HI_RESET = 32'h00000000;
  localparam logic [31:0] NC_REG_EQ_BASE_HI_MASK = 32'hFFFFFFFF;
  typedef struct packed {  // EQ_CMD
    logic [14:0] rsvd0;
    logic enable;  // [16] Enable
    logic [7:0] log;  // [15:8] Log2 size
    logic [7:0] eq;  // [7:0] Event queue
  } nc_reg_eq_cmd_t;
  localparam logic [31:0] NC_REG_EQ_CMD_MASK = 32'h0001FFFF;
  typedef struct packed {  // MGMT_DB_TX
    logic [15:0] rsvd0;
    logic [15:0] prod;  // [15:0] Management Tx producer index
  } nc_reg_mgmt_db_tx_t;
  localparam logic [31:0] NC_REG_MGMT_DB_TX_MASK = 32'h0000FFFF;
  typedef struct packed {  // MGMT_DB_RX
    logic [15:0] rsvd0;
    logic [15:0] prod;  // [15:0] Management Rx producer index
  } nc_reg_mgmt_db_rx_t;
  localparam logic [31:0] NC_REG_MGMT_DB_RX_MASK = 32'h0000FFFF;
  typedef struct packed {  // MGMT_DB_CPL
    logic [14:0] rsvd0;
    logic arm;  // [16] Arm: the next completion raises an event
    logic [15:0] cons;  // [15:0] Management completion consumer index
  } nc_reg_mgmt_db_cpl_t;
  localparam logic [31:0] NC_REG_MGMT_DB_CPL_MASK = 32'h0001FFFF;

  // ---- counters: index i is CNT_BASE + 8 i ----
  localparam logic [15:0] NC_CNT_BASE = 16'h2000;
  typedef enum int {
    NC_CNT_TX_FRAMES = 0,  // Frames transmitted
    NC_CNT_TX_BYTES = 1,  // Frame bytes transmitted (without FCS)
    NC_CNT_RX_FRAMES = 2,  // Frames received and accepted
    NC_CNT_RX_BYTES = 3,  // Frame bytes received and accepted
    NC_CNT_RETX = 4,  // Packets retransmitted (tail-loss probes included)
    NC_CNT_TIMEOUTS = 5,  // Retransmission timeouts
    NC_CNT_CREDIT_STALL = 6,  // Times a channel with posted Tx descriptors was held back by the peer's credit (a doorbell found no credit, or the credit, not the window, limited a batch)
    NC_CNT_BAD_DESC = 7,  // Descriptors rejected
    NC_CNT_DUP = 8,  // Duplicate DATA packets dropped
    NC_CNT_NO_CHANNEL = 9,  // Frames for a closed, failed or unknown channel, or from an unexpected peer
    NC_CNT_DMA_FAULT = 10,  // DMA accesses the host refused
    NC_CNT_MGMT_TX = 11,  // Management frames transmitted
    NC_CNT_MGMT_RX = 12,  // Management frames delivered to the host
    NC_CNT_RX_NO_BUF = 13,  // Frames dropped for want of a posted Rx buffer (management queue, or a credit violation)
    NC_CNT_OUT_OF_WINDOW = 14,  // DATA packets outside the receive window — more than SACK_WINDOW after the cumulative ack, or more than 65536 before it (no sender's retransmission lies that far back) — dropped, not answered
    NC_CNT_ACK_TX = 15,  // Pure ACK frames sent
    NC_CNT_ACK_RX = 16,  // Pure ACK frames received, checked and applied (those dropped are in CNT_BAD_ACK, CNT_BAD_CREDIT or CNT_NO_CHANNEL)
    NC_CNT_CPL_OVERFLOW = 17,  // Completions dropped because the completion ring was full (a host error; an ERROR event is raised)
    NC_CNT_EQ_OVERFLOW = 18,  // Events dropped because the event queue was full or disabled
    NC_CNT_CH_FAILED = 19,  // Channels that failed (retransmission limit or DMA fault)
    NC_CNT_BAD_DOORBELL = 20,  // Doorbells rejected (closed channel, channel out of range, or producer index outside the ring)
    NC_CNT_BAD_ACK = 21,  // ACK frames dropped whole: they acknowledge PSNs the channel never sent (cumulative ack beyond the next PSN to send, or a SACK bit for a PSN at or beyond it)
    NC_CNT_BAD_CREDIT = 22,  // ACK frames dropped whole: their credit lies beyond anything the peer can have granted (more than a largest Rx ring, 2^15 PSNs, past the next PSN to send)
    NC_CNT_HDR_LEN_MISMATCH = 23  // Tx frames whose descriptor length disagreed with the payload the DMA delivered (the frame builder's length check; the frame is sent flagged and the peer drops it)
  } nc_counter_e;
  localparam int NC_CNT_COUNT = 24;

endpackage

`default_nettype wire
// verilator lint_on UNUSEDPARAM
