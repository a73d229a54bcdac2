/* Generated from hw/spec/netchannel.toml by hw/spec/gen.py. Do not edit: edit the spec and run `make gen`. */
/* Constants, enumerations, byte offsets of every field and the register map, for C and C++. */
#ifndef NC_SPEC_H
#define NC_SPEC_H

#include <stdint.h>

#define NC_SPEC_VERSION 2

/* ---- constants ---- */
#define NC_ETHERTYPE_IPV4 0x800u  /* EtherType of IPv4 */
#define NC_IPV4_VERSION 0x4u  /* IPv4 version field */
#define NC_IPV4_IHL 0x5u  /* IPv4 header length in 32-bit words (no options are sent or accepted) */
#define NC_IPV4_PROTO_UDP 0x11u  /* IPv4 protocol number of UDP */
#define NC_IPV4_DEFAULT_TTL 0x40u  /* TTL a host uses unless configured otherwise */
#define NC_IPV4_FLAG_DF 0x2u  /* IPv4 flags value written by the builder: Don't Fragment */
#define NC_UDP_PORT 0x4E43u  /* Well-known UDP destination port of NetChannel (0x4E43, 'NC'); the source port is chosen per channel so channels spread over ECMP paths */
#define NC_CTH_VERSION 0x1u  /* Channel transport header version */
#define NC_NC_DOFF_VER 0x41u  /* NetChannel header byte 12: data offset 4 words (high nibble, as in the reference's 0x40) and version 1 (low nibble) */
#define NC_FRAME_HDR_BYTES 0x56u  /* All headers before the payload (Ethernet 14 + IPv4 20 + UDP 8 + transport 28 + NetChannel 16) */
#define NC_ICRC_START 0x2Au  /* First frame byte the ICRC covers: the channel transport header (after Ethernet 14 + IPv4 20 + UDP 8) */
#define NC_ICRC_BYTES 0x4u  /* Invariant CRC trailer after the payload: CRC-32 (IEEE 802.3, as zlib's crc32) over frame bytes ICRC_START up to the end of the payload, least significant byte first */
#define NC_MAX_PAYLOAD_BYTES 0x2328u  /* Largest payload a frame carries (jumbo) */
#define NC_MAX_FRAME_BYTES 0x2382u  /* Largest frame without FCS: FRAME_HDR_BYTES + MAX_PAYLOAD_BYTES + ICRC_BYTES */
#define NC_NOMINAL_CLOCK_MHZ 0xFAu  /* Nominal NIC clock: 512 bits x 250 MHz = 128 Gbit/s raw link; simulated time is reported at this clock */
#define NC_AXIS_DATA_BYTES 0x40u  /* MAC-side AXI-Stream width in bytes (512 bits) */
#define NC_SACK_WINDOW 0x40u  /* Packets covered by the selective-ack bitmap after the cumulative ack */
#define NC_NIC_MAGIC 0x4E434E49u  /* Value of the ID_MAGIC register ('NCNI') */
#define NC_PHASE_BIT 0x80u  /* Mask of the phase bit in the last byte of a completion or event; the device writes that byte last */

/* ---- enumerations ---- */
#define NC_DROP_REASON_NONE 0x0u
#define NC_DROP_REASON_BAD_FCS 0x1u
#define NC_DROP_REASON_TOO_SHORT 0x2u
#define NC_DROP_REASON_TOO_LONG 0x3u
#define NC_DROP_REASON_BAD_DST_MAC 0x4u
#define NC_DROP_REASON_BAD_ETHERTYPE 0x5u
#define NC_DROP_REASON_BAD_IP_VERSION 0x6u
#define NC_DROP_REASON_BAD_IP_LENGTH 0x7u
#define NC_DROP_REASON_BAD_IP_CHECKSUM 0x8u
#define NC_DROP_REASON_IP_FRAGMENT 0x9u
#define NC_DROP_REASON_BAD_IP_PROTOCOL 0xAu
#define NC_DROP_REASON_BAD_DST_IP 0xBu
#define NC_DROP_REASON_BAD_UDP_PORT 0xCu
#define NC_DROP_REASON_BAD_UDP_LENGTH 0xDu
#define NC_DROP_REASON_BAD_CTH 0xEu
#define NC_DROP_REASON_BAD_NC_VERSION 0xFu
#define NC_DROP_REASON_BAD_NC_TYPE 0x10u
#define NC_DROP_REASON_BAD_PAYLOAD_LENGTH 0x11u
#define NC_DROP_REASON_BAD_ICRC 0x12u

#define NC_CTH_OPCODE_DATA 0x1u
#define NC_CTH_OPCODE_ACK 0x2u
#define NC_CTH_OPCODE_MGMT 0x3u

#define NC_CTH_FLAG_ACK_VALID 0x1u
#define NC_CTH_FLAG_CREDIT_VALID 0x2u
#define NC_CTH_FLAG_ACK_REQ 0x4u
#define NC_CTH_FLAG_RETX 0x8u
#define NC_CTH_FLAG_VOID 0x10u

#define NC_NC_TYPE_NONE 0x0u
#define NC_NC_TYPE_DATA 0x1u
#define NC_NC_TYPE_ACK 0x2u
#define NC_NC_TYPE_SYN 0x3u
#define NC_NC_TYPE_SYN_ACK 0x4u
#define NC_NC_TYPE_FIN 0x5u
#define NC_NC_TYPE_RST 0x6u

#define NC_CPL_STATUS_OK 0x0u
#define NC_CPL_STATUS_BAD_ADDR 0x1u
#define NC_CPL_STATUS_BAD_LEN 0x2u
#define NC_CPL_STATUS_BAD_INDEX 0x3u
#define NC_CPL_STATUS_CHANNEL_DOWN 0x4u
#define NC_CPL_STATUS_TOO_SMALL 0x5u
#define NC_CPL_STATUS_TIMEOUT 0x6u
#define NC_CPL_STATUS_BAD_DESC 0x7u
#define NC_CPL_STATUS_DMA_FAULT 0x8u

#define NC_CPL_KIND_TX 0x1u
#define NC_CPL_KIND_RX 0x2u
#define NC_CPL_KIND_MGMT_TX 0x3u
#define NC_CPL_KIND_MGMT_RX 0x4u

#define NC_EVENT_TYPE_COMPLETION 0x1u
#define NC_EVENT_TYPE_CHANNEL 0x2u
#define NC_EVENT_TYPE_ERROR 0x3u

#define NC_CH_CMD_OPEN 0x1u
#define NC_CH_CMD_CLOSE 0x2u
#define NC_CH_CMD_READ 0x3u

#define NC_CH_CMD_RESULT_OK 0x0u
#define NC_CH_CMD_RESULT_BAD_CHANNEL 0x1u
#define NC_CH_CMD_RESULT_BAD_STATE 0x2u
#define NC_CH_CMD_RESULT_BAD_CONTEXT 0x3u
#define NC_CH_CMD_RESULT_BAD_COMMAND 0x4u

#define NC_CH_STATE_CLOSED 0x0u
#define NC_CH_STATE_OPEN 0x1u
#define NC_CH_STATE_FAILED 0x2u

#define NC_MGMT_OP_OPEN_REQ 0x1u
#define NC_MGMT_OP_OPEN_ACK 0x2u
#define NC_MGMT_OP_OPEN_NAK 0x3u
#define NC_MGMT_OP_OPEN_CONFIRM 0x4u
#define NC_MGMT_OP_CLOSE_REQ 0x5u
#define NC_MGMT_OP_CLOSE_ACK 0x6u
#define NC_MGMT_OP_ABORT 0x7u
#define NC_MGMT_OP_PING 0x8u
#define NC_MGMT_OP_PONG 0x9u

#define NC_MGMT_STATUS_OK 0x0u
#define NC_MGMT_STATUS_REFUSED 0x1u
#define NC_MGMT_STATUS_NO_RESOURCES 0x2u
#define NC_MGMT_STATUS_BAD_REQUEST 0x3u
#define NC_MGMT_STATUS_FAILED 0x4u
#define NC_MGMT_STATUS_SHUTDOWN 0x5u
#define NC_MGMT_STATUS_UNKNOWN_CHANNEL 0x6u
#define NC_MGMT_STATUS_TIMEOUT 0x7u

/* ---- formats: size and the byte offset of every byte-aligned field ----
 * wire formats: offsets within the header (big-endian fields); NC_OFF_* also within the frame
 * DMA formats: offsets within the little-endian structure */
#define NC_ETH_BYTES 14
#define NC_ETH_DST_OFF 0  /* 48 bits */
#define NC_ETH_SRC_OFF 6  /* 48 bits */
#define NC_ETH_ETHERTYPE_OFF 12  /* 16 bits */
#define NC_OFF_ETH 0

#define NC_IPV4_BYTES 20
#define NC_IPV4_TOS_OFF 1  /* 8 bits */
#define NC_IPV4_TOTAL_LEN_OFF 2  /* 16 bits */
#define NC_IPV4_ID_OFF 4  /* 16 bits */
#define NC_IPV4_TTL_OFF 8  /* 8 bits */
#define NC_IPV4_PROTOCOL_OFF 9  /* 8 bits */
#define NC_IPV4_CHECKSUM_OFF 10  /* 16 bits */
#define NC_IPV4_SRC_OFF 12  /* 32 bits */
#define NC_IPV4_DST_OFF 16  /* 32 bits */
#define NC_OFF_IPV4 14

#define NC_UDP_BYTES 8
#define NC_UDP_SRC_PORT_OFF 0  /* 16 bits */
#define NC_UDP_DST_PORT_OFF 2  /* 16 bits */
#define NC_UDP_LENGTH_OFF 4  /* 16 bits */
#define NC_UDP_CHECKSUM_OFF 6  /* 16 bits */
#define NC_OFF_UDP 34

#define NC_CTH_BYTES 28
#define NC_CTH_VERSION_OFF 0  /* 8 bits */
#define NC_CTH_OPCODE_OFF 1  /* 8 bits */
#define NC_CTH_FLAGS_OFF 2  /* 8 bits */
#define NC_CTH_RSVD_OFF 3  /* 8 bits */
#define NC_CTH_DST_CHAN_OFF 4  /* 16 bits */
#define NC_CTH_SRC_CHAN_OFF 6  /* 16 bits */
#define NC_CTH_PSN_OFF 8  /* 32 bits */
#define NC_CTH_ACK_PSN_OFF 12  /* 32 bits */
#define NC_CTH_SACK_OFF 16  /* 64 bits */
#define NC_CTH_CREDIT_OFF 24  /* 32 bits */
#define NC_OFF_CTH 42

#define NC_NC_BYTES 16
#define NC_NC_SRC_PORT_OFF 0  /* 16 bits */
#define NC_NC_DST_PORT_OFF 2  /* 16 bits */
#define NC_NC_SEQ_OFF 4  /* 32 bits */
#define NC_NC_GRANT_OFF 8  /* 32 bits */
#define NC_NC_DOFF_VER_OFF 12  /* 8 bits */
#define NC_NC_MSG_TYPE_OFF 13  /* 8 bits */
#define NC_NC_LEN_OFF 14  /* 16 bits */
#define NC_OFF_NC 70

#define NC_TX_DESC_BYTES 32
#define NC_TX_DESC_ADDR_OFF 0  /* 64 bits */
#define NC_TX_DESC_LEN_OFF 8  /* 32 bits */
#define NC_TX_DESC_TAG_OFF 12  /* 16 bits */
#define NC_TX_DESC_FLAGS_OFF 14  /* 16 bits */
#define NC_TX_DESC_SRC_PORT_OFF 16  /* 16 bits */
#define NC_TX_DESC_DST_PORT_OFF 18  /* 16 bits */
#define NC_TX_DESC_SEQ_OFF 20  /* 32 bits */
#define NC_TX_DESC_GRANT_OFF 24  /* 32 bits */
#define NC_TX_DESC_MSG_TYPE_OFF 28  /* 8 bits */
#define NC_TX_DESC_RSVD0_OFF 29  /* 8 bits */
#define NC_TX_DESC_RSVD1_OFF 30  /* 16 bits */

#define NC_RX_DESC_BYTES 16
#define NC_RX_DESC_ADDR_OFF 0  /* 64 bits */
#define NC_RX_DESC_LEN_OFF 8  /* 32 bits */
#define NC_RX_DESC_TAG_OFF 12  /* 16 bits */
#define NC_RX_DESC_RSVD_OFF 14  /* 16 bits */

#define NC_CPL_BYTES 32
#define NC_CPL_SRC_PORT_OFF 0  /* 16 bits */
#define NC_CPL_DST_PORT_OFF 2  /* 16 bits */
#define NC_CPL_SEQ_OFF 4  /* 32 bits */
#define NC_CPL_GRANT_OFF 8  /* 32 bits */
#define NC_CPL_LEN_OFF 12  /* 16 bits */
#define NC_CPL_MSG_TYPE_OFF 14  /* 8 bits */
#define NC_CPL_STATUS_OFF 15  /* 8 bits */
#define NC_CPL_INDEX_OFF 16  /* 16 bits */
#define NC_CPL_CHANNEL_OFF 18  /* 16 bits */
#define NC_CPL_TAG_OFF 20  /* 16 bits */
#define NC_CPL_KIND_OFF 22  /* 8 bits */
#define NC_CPL_RSVD0_OFF 23  /* 8 bits */
#define NC_CPL_PSN_OFF 24  /* 32 bits */
#define NC_CPL_RSVD1_OFF 28  /* 24 bits */
#define NC_CPL_PHASE_OFF 31  /* 8 bits */

#define NC_EVENT_BYTES 16
#define NC_EVENT_EV_TYPE_OFF 0  /* 8 bits */
#define NC_EVENT_RSVD0_OFF 1  /* 8 bits */
#define NC_EVENT_SOURCE_OFF 2  /* 16 bits */
#define NC_EVENT_DATA_OFF 4  /* 32 bits */
#define NC_EVENT_RSVD1_OFF 8  /* 56 bits */
#define NC_EVENT_PHASE_OFF 15  /* 8 bits */

#define NC_MGMT_BYTES 48
#define NC_MGMT_VERSION_OFF 0  /* 8 bits */
#define NC_MGMT_OP_OFF 1  /* 8 bits */
#define NC_MGMT_STATUS_OFF 2  /* 8 bits */
#define NC_MGMT_CH_CLASS_OFF 3  /* 8 bits */
#define NC_MGMT_TXN_OFF 4  /* 32 bits */
#define NC_MGMT_HOST_ID_OFF 8  /* 64 bits */
#define NC_MGMT_PEER_HOST_ID_OFF 16  /* 64 bits */
#define NC_MGMT_SRC_CHAN_OFF 24  /* 16 bits */
#define NC_MGMT_DST_CHAN_OFF 26  /* 16 bits */
#define NC_MGMT_UDP_PORT_OFF 28  /* 16 bits */
#define NC_MGMT_RSVD_OFF 30  /* 16 bits */
#define NC_MGMT_SRC_PSN_OFF 32  /* 32 bits */
#define NC_MGMT_DST_PSN_OFF 36  /* 32 bits */
#define NC_MGMT_MAX_PAYLOAD_OFF 40  /* 32 bits */
#define NC_MGMT_RX_BUFFERS_OFF 44  /* 32 bits */

/* ---- register map (byte addresses) and fields (LSB, width, reset) ---- */
#define NC_REG_ID_MAGIC 0x0000u  /* ro */
#define NC_REG_ID_MAGIC_RESET 0x4E434E49u
#define NC_REG_ID_VERSION 0x0004u  /* ro */
#define NC_REG_ID_VERSION_SPEC_LSB 0
#define NC_REG_ID_VERSION_SPEC_WIDTH 16
#define NC_REG_ID_VERSION_RTL_LSB 16
#define NC_REG_ID_VERSION_RTL_WIDTH 16
#define NC_REG_ID_BUILD 0x0008u  /* ro */
#define NC_REG_CAP_CHANNELS 0x000Cu  /* ro */
#define NC_REG_CAP_RING_LOG 0x0010u  /* ro */
#define NC_REG_CAP_RING_LOG_MAX_LSB 0
#define NC_REG_CAP_RING_LOG_MAX_WIDTH 8
#define NC_REG_CAP_RING_LOG_MIN_LSB 8
#define NC_REG_CAP_RING_LOG_MIN_WIDTH 8
#define NC_REG_CAP_RING_LOG_RESET 0x0000010Fu
#define NC_REG_CAP_DATAPATH 0x0014u  /* ro */
#define NC_REG_CAP_DATAPATH_WIDTH_BITS_LSB 0
#define NC_REG_CAP_DATAPATH_WIDTH_BITS_WIDTH 16
#define NC_REG_CAP_DATAPATH_MAX_PAYLOAD_LSB 16
#define NC_REG_CAP_DATAPATH_MAX_PAYLOAD_WIDTH 16
#define NC_REG_CAP_DATAPATH_RESET 0x23280200u
#define NC_REG_CAP_EVENT_QUEUES 0x0018u  /* ro */
#define NC_REG_CAP_TRANSPORT 0x001Cu  /* ro */
#define NC_REG_CAP_TRANSPORT_WINDOW_LSB 0
#define NC_REG_CAP_TRANSPORT_WINDOW_WIDTH 8
#define NC_REG_CAP_TRANSPORT_SACK_BITS_LSB 8
#define NC_REG_CAP_TRANSPORT_SACK_BITS_WIDTH 8
#define NC_REG_CAP_TRANSPORT_RESET 0x00004040u
#define NC_REG_CTRL 0x0100u  /* rw */
#define NC_REG_CTRL_ENABLE_LSB 0
#define NC_REG_CTRL_ENABLE_WIDTH 1
#define NC_REG_CTRL_FILTER_LSB 1
#define NC_REG_CTRL_FILTER_WIDTH 1
#define NC_REG_CTRL_PROMISC_MGMT_LSB 2
#define NC_REG_CTRL_PROMISC_MGMT_WIDTH 1
#define NC_REG_CTRL_RESET 0x00000000u
#define NC_REG_STATUS 0x0104u  /* ro */
#define NC_REG_STATUS_RUNNING_LSB 0
#define NC_REG_STATUS_RUNNING_WIDTH 1
#define NC_REG_STATUS_LINK_UP_LSB 1
#define NC_REG_STATUS_LINK_UP_WIDTH 1
#define NC_REG_MAC_LO 0x0108u  /* rw */
#define NC_REG_MAC_LO_RESET 0x00000000u
#define NC_REG_MAC_HI 0x010Cu  /* rw */
#define NC_REG_MAC_HI_MAC_HI_LSB 0
#define NC_REG_MAC_HI_MAC_HI_WIDTH 16
#define NC_REG_MAC_HI_RESET 0x00000000u
#define NC_REG_IP_ADDR 0x0110u  /* rw */
#define NC_REG_IP_ADDR_RESET 0x00000000u
#define NC_REG_RTO_CYCLES 0x0114u  /* rw */
#define NC_REG_RTO_CYCLES_RESET 0x00004000u
#define NC_REG_ACK_COALESCE 0x0118u  /* rw */
#define NC_REG_ACK_COALESCE_PACKETS_LSB 0
#define NC_REG_ACK_COALESCE_PACKETS_WIDTH 16
#define NC_REG_ACK_COALESCE_CYCLES_LSB 16
#define NC_REG_ACK_COALESCE_CYCLES_WIDTH 16
#define NC_REG_ACK_COALESCE_RESET 0x00400010u
#define NC_REG_RETRY_LIMIT 0x011Cu  /* rw */
#define NC_REG_RETRY_LIMIT_LIMIT_LSB 0
#define NC_REG_RETRY_LIMIT_LIMIT_WIDTH 8
#define NC_REG_RETRY_LIMIT_RESET 0x00000008u
#define NC_REG_CH_PEER_MAC_LO 0x0200u  /* rw */
#define NC_REG_CH_PEER_MAC_LO_RESET 0x00000000u
#define NC_REG_CH_PEER_MAC_HI 0x0204u  /* rw */
#define NC_REG_CH_PEER_MAC_HI_MAC_HI_LSB 0
#define NC_REG_CH_PEER_MAC_HI_MAC_HI_WIDTH 16
#define NC_REG_CH_PEER_MAC_HI_RESET 0x00000000u
#define NC_REG_CH_PEER_IP 0x0208u  /* rw */
#define NC_REG_CH_PEER_IP_RESET 0x00000000u
#define NC_REG_CH_UDP_SRC 0x020Cu  /* rw */
#define NC_REG_CH_UDP_SRC_PORT_LSB 0
#define NC_REG_CH_UDP_SRC_PORT_WIDTH 16
#define NC_REG_CH_UDP_SRC_RESET 0x00000000u
#define NC_REG_CH_PEER_CHAN 0x0210u  /* rw */
#define NC_REG_CH_PEER_CHAN_PEER_CHAN_LSB 0
#define NC_REG_CH_PEER_CHAN_PEER_CHAN_WIDTH 16
#define NC_REG_CH_PEER_CHAN_CLS_LSB 16
#define NC_REG_CH_PEER_CHAN_CLS_WIDTH 8
#define NC_REG_CH_PEER_CHAN_EQ_LSB 24
#define NC_REG_CH_PEER_CHAN_EQ_WIDTH 8
#define NC_REG_CH_PEER_CHAN_RESET 0x00000000u
#define NC_REG_CH_TX_RING_LO 0x0214u  /* rw */
#define NC_REG_CH_TX_RING_LO_RESET 0x00000000u
#define NC_REG_CH_TX_RING_HI 0x0218u  /* rw */
#define NC_REG_CH_TX_RING_HI_RESET 0x00000000u
#define NC_REG_CH_RX_RING_LO 0x021Cu  /* rw */
#define NC_REG_CH_RX_RING_LO_RESET 0x00000000u
#define NC_REG_CH_RX_RING_HI 0x0220u  /* rw */
#define NC_REG_CH_RX_RING_HI_RESET 0x00000000u
#define NC_REG_CH_CPL_RING_LO 0x0224u  /* rw */
#define NC_REG_CH_CPL_RING_LO_RESET 0x00000000u
#define NC_REG_CH_CPL_RING_HI 0x0228u  /* rw */
#define NC_REG_CH_CPL_RING_HI_RESET 0x00000000u
#define NC_REG_CH_RING_LOG 0x022Cu  /* rw */
#define NC_REG_CH_RING_LOG_TX_LSB 0
#define NC_REG_CH_RING_LOG_TX_WIDTH 8
#define NC_REG_CH_RING_LOG_RX_LSB 8
#define NC_REG_CH_RING_LOG_RX_WIDTH 8
#define NC_REG_CH_RING_LOG_CPL_LSB 16
#define NC_REG_CH_RING_LOG_CPL_WIDTH 8
#define NC_REG_CH_RING_LOG_RESET 0x00000000u
#define NC_REG_CH_INIT_PSN 0x0230u  /* rw */
#define NC_REG_CH_INIT_PSN_RESET 0x00000000u
#define NC_REG_CH_PEER_PSN 0x0234u  /* rw */
#define NC_REG_CH_PEER_PSN_RESET 0x00000000u
#define NC_REG_CH_TX_CREDIT 0x0238u  /* rw */
#define NC_REG_CH_TX_CREDIT_RESET 0x00000000u
#define NC_REG_CH_CMD 0x0240u  /* wo */
#define NC_REG_CH_CMD_CHANNEL_LSB 0
#define NC_REG_CH_CMD_CHANNEL_WIDTH 16
#define NC_REG_CH_CMD_CMD_LSB 16
#define NC_REG_CH_CMD_CMD_WIDTH 4
#define NC_REG_CH_CMD_STATUS 0x0244u  /* ro */
#define NC_REG_CH_CMD_STATUS_BUSY_LSB 0
#define NC_REG_CH_CMD_STATUS_BUSY_WIDTH 1
#define NC_REG_CH_CMD_STATUS_RESULT_LSB 4
#define NC_REG_CH_CMD_STATUS_RESULT_WIDTH 4
#define NC_REG_CH_RB_STATE 0x0250u  /* ro */
#define NC_REG_CH_RB_STATE_STATE_LSB 0
#define NC_REG_CH_RB_STATE_STATE_WIDTH 2
#define NC_REG_CH_RB_STATE_WHY_LSB 8
#define NC_REG_CH_RB_STATE_WHY_WIDTH 8
#define NC_REG_CH_RB_TX_IDX 0x0254u  /* ro */
#define NC_REG_CH_RB_TX_IDX_PROD_LSB 0
#define NC_REG_CH_RB_TX_IDX_PROD_WIDTH 16
#define NC_REG_CH_RB_TX_IDX_NEXT_LSB 16
#define NC_REG_CH_RB_TX_IDX_NEXT_WIDTH 16
#define NC_REG_CH_RB_TX_UNA 0x0258u  /* ro */
#define NC_REG_CH_RB_TX_NXT 0x025Cu  /* ro */
#define NC_REG_CH_RB_TX_CREDIT 0x0260u  /* ro */
#define NC_REG_CH_RB_RX_IDX 0x0264u  /* ro */
#define NC_REG_CH_RB_RX_IDX_PROD_LSB 0
#define NC_REG_CH_RB_RX_IDX_PROD_WIDTH 16
#define NC_REG_CH_RB_RX_IDX_USED_LSB 16
#define NC_REG_CH_RB_RX_IDX_USED_WIDTH 16
#define NC_REG_CH_RB_RX_ACK 0x0268u  /* ro */
#define NC_REG_CH_RB_CPL_IDX 0x026Cu  /* ro */
#define NC_REG_CH_RB_CPL_IDX_PROD_LSB 0
#define NC_REG_CH_RB_CPL_IDX_PROD_WIDTH 16
#define NC_REG_CH_RB_CPL_IDX_CONS_LSB 16
#define NC_REG_CH_RB_CPL_IDX_CONS_WIDTH 16
#define NC_REG_CH_RB_TX_PKTS 0x0270u  /* ro */
#define NC_REG_CH_RB_RETX 0x0274u  /* ro */
#define NC_REG_CH_RB_RX_PKTS 0x0278u  /* ro */
#define NC_REG_CH_RB_DUP 0x027Cu  /* ro */
#define NC_REG_CH_RB_TIMEOUTS 0x0280u  /* ro */
#define NC_REG_MGMT_TX_RING_LO 0x0300u  /* rw */
#define NC_REG_MGMT_TX_RING_LO_RESET 0x00000000u
#define NC_REG_MGMT_TX_RING_HI 0x0304u  /* rw */
#define NC_REG_MGMT_TX_RING_HI_RESET 0x00000000u
#define NC_REG_MGMT_RX_RING_LO 0x0308u  /* rw */
#define NC_REG_MGMT_RX_RING_LO_RESET 0x00000000u
#define NC_REG_MGMT_RX_RING_HI 0x030Cu  /* rw */
#define NC_REG_MGMT_RX_RING_HI_RESET 0x00000000u
#define NC_REG_MGMT_CPL_RING_LO 0x0310u  /* rw */
#define NC_REG_MGMT_CPL_RING_LO_RESET 0x00000000u
#define NC_REG_MGMT_CPL_RING_HI 0x0314u  /* rw */
#define NC_REG_MGMT_CPL_RING_HI_RESET 0x00000000u
#define NC_REG_MGMT_RING_LOG 0x0318u  /* rw */
#define NC_REG_MGMT_RING_LOG_TX_LSB 0
#define NC_REG_MGMT_RING_LOG_TX_WIDTH 8
#define NC_REG_MGMT_RING_LOG_RX_LSB 8
#define NC_REG_MGMT_RING_LOG_RX_WIDTH 8
#define NC_REG_MGMT_RING_LOG_CPL_LSB 16
#define NC_REG_MGMT_RING_LOG_CPL_WIDTH 8
#define NC_REG_MGMT_RING_LOG_RESET 0x00000000u
#define NC_REG_MGMT_CTRL 0x031Cu  /* rw */
#define NC_REG_MGMT_CTRL_ENABLE_LSB 0
#define NC_REG_MGMT_CTRL_ENABLE_WIDTH 1
#define NC_REG_MGMT_CTRL_EQ_LSB 8
#define NC_REG_MGMT_CTRL_EQ_WIDTH 8
#define NC_REG_MGMT_CTRL_RESET 0x00000000u
#define NC_REG_DB_TX 0x1000u  /* wo */
#define NC_REG_DB_TX_CHANNEL_LSB 0
#define NC_REG_DB_TX_CHANNEL_WIDTH 16
#define NC_REG_DB_TX_PROD_LSB 16
#define NC_REG_DB_TX_PROD_WIDTH 16
#define NC_REG_DB_RX 0x1004u  /* wo */
#define NC_REG_DB_RX_CHANNEL_LSB 0
#define NC_REG_DB_RX_CHANNEL_WIDTH 16
#define NC_REG_DB_RX_PROD_LSB 16
#define NC_REG_DB_RX_PROD_WIDTH 16
#define NC_REG_DB_CPL 0x1008u  /* wo */
#define NC_REG_DB_CPL_CHANNEL_LSB 0
#define NC_REG_DB_CPL_CHANNEL_WIDTH 15
#define NC_REG_DB_CPL_ARM_LSB 15
#define NC_REG_DB_CPL_ARM_WIDTH 1
#define NC_REG_DB_CPL_CONS_LSB 16
#define NC_REG_DB_CPL_CONS_WIDTH 16
#define NC_REG_EQ_ARM 0x100Cu  /* wo */
#define NC_REG_EQ_ARM_EQ_LSB 0
#define NC_REG_EQ_ARM_EQ_WIDTH 8
#define NC_REG_EQ_ARM_CONS_LSB 16
#define NC_REG_EQ_ARM_CONS_WIDTH 16
#define NC_REG_EQ_BASE_LO 0x1010u  /* rw */
#define NC_REG_EQ_BASE_LO_RESET 0x00000000u
#define NC_REG_EQ_BASE_HI 0x1014u  /* rw */
#define NC_REG_EQ_BASE_HI_RESET 0x00000000u
#define NC_REG_EQ_CMD 0x1018u  /* wo */
#define NC_REG_EQ_CMD_EQ_LSB 0
#define NC_REG_EQ_CMD_EQ_WIDTH 8
#define NC_REG_EQ_CMD_LOG_LSB 8
#define NC_REG_EQ_CMD_LOG_WIDTH 8
#define NC_REG_EQ_CMD_ENABLE_LSB 16
#define NC_REG_EQ_CMD_ENABLE_WIDTH 1
#define NC_REG_MGMT_DB_TX 0x1020u  /* wo */
#define NC_REG_MGMT_DB_TX_PROD_LSB 0
#define NC_REG_MGMT_DB_TX_PROD_WIDTH 16
#define NC_REG_MGMT_DB_RX 0x1024u  /* wo */
#define NC_REG_MGMT_DB_RX_PROD_LSB 0
#define NC_REG_MGMT_DB_RX_PROD_WIDTH 16
#define NC_REG_MGMT_DB_CPL 0x1028u  /* wo */
#define NC_REG_MGMT_DB_CPL_CONS_LSB 0
#define NC_REG_MGMT_DB_CPL_CONS_WIDTH 16
#define NC_REG_MGMT_DB_CPL_ARM_LSB 16
#define NC_REG_MGMT_DB_CPL_ARM_WIDTH 1
#define NC_REG_CNT_TX_FRAMES_LO 0x2000u  /* snap */
#define NC_REG_CNT_TX_FRAMES_HI 0x2004u  /* ro */
#define NC_REG_CNT_TX_BYTES_LO 0x2008u  /* snap */
#define NC_REG_CNT_TX_BYTES_HI 0x200Cu  /* ro */
#define NC_REG_CNT_RX_FRAMES_LO 0x2010u  /* snap */
#define NC_REG_CNT_RX_FRAMES_HI 0x2014u  /* ro */
#define NC_REG_CNT_RX_BYTES_LO 0x2018u  /* snap */
#define NC_REG_CNT_RX_BYTES_HI 0x201Cu  /* ro */
#define NC_REG_CNT_RETX_LO 0x2020u  /* snap */
#define NC_REG_CNT_RETX_HI 0x2024u  /* ro */
#define NC_REG_CNT_TIMEOUTS_LO 0x2028u  /* snap */
#define NC_REG_CNT_TIMEOUTS_HI 0x202Cu  /* ro */
#define NC_REG_CNT_CREDIT_STALL_LO 0x2030u  /* snap */
#define NC_REG_CNT_CREDIT_STALL_HI 0x2034u  /* ro */
#define NC_REG_CNT_BAD_DESC_LO 0x2038u  /* snap */
#define NC_REG_CNT_BAD_DESC_HI 0x203Cu  /* ro */
#define NC_REG_CNT_DUP_LO 0x2040u  /* snap */
#define NC_REG_CNT_DUP_HI 0x2044u  /* ro */
#define NC_REG_CNT_NO_CHANNEL_LO 0x2048u  /* snap */
#define NC_REG_CNT_NO_CHANNEL_HI 0x204Cu  /* ro */
#define NC_REG_CNT_DMA_FAULT_LO 0x2050u  /* snap */
#define NC_REG_CNT_DMA_FAULT_HI 0x2054u  /* ro */
#define NC_REG_CNT_MGMT_TX_LO 0x2058u  /* snap */
#define NC_REG_CNT_MGMT_TX_HI 0x205Cu  /* ro */
#define NC_REG_CNT_MGMT_RX_LO 0x2060u  /* snap */
#define NC_REG_CNT_MGMT_RX_HI 0x2064u  /* ro */
#define NC_REG_CNT_RX_NO_BUF_LO 0x2068u  /* snap */
#define NC_REG_CNT_RX_NO_BUF_HI 0x206Cu  /* ro */
#define NC_REG_CNT_OUT_OF_WINDOW_LO 0x2070u  /* snap */
#define NC_REG_CNT_OUT_OF_WINDOW_HI 0x2074u  /* ro */
#define NC_REG_CNT_ACK_TX_LO 0x2078u  /* snap */
#define NC_REG_CNT_ACK_TX_HI 0x207Cu  /* ro */
#define NC_REG_CNT_ACK_RX_LO 0x2080u  /* snap */
#define NC_REG_CNT_ACK_RX_HI 0x2084u  /* ro */
#define NC_REG_CNT_CPL_OVERFLOW_LO 0x2088u  /* snap */
#define NC_REG_CNT_CPL_OVERFLOW_HI 0x208Cu  /* ro */
#define NC_REG_CNT_EQ_OVERFLOW_LO 0x2090u  /* snap */
#define NC_REG_CNT_EQ_OVERFLOW_HI 0x2094u  /* ro */
#define NC_REG_CNT_CH_FAILED_LO 0x2098u  /* snap */
#define NC_REG_CNT_CH_FAILED_HI 0x209Cu  /* ro */
#define NC_REG_CNT_BAD_DOORBELL_LO 0x20A0u  /* snap */
#define NC_REG_CNT_BAD_DOORBELL_HI 0x20A4u  /* ro */
#define NC_REG_CNT_BAD_ACK_LO 0x20A8u  /* snap */
#define NC_REG_CNT_BAD_ACK_HI 0x20ACu  /* ro */
#define NC_REG_CNT_BAD_CREDIT_LO 0x20B0u  /* snap */
#define NC_REG_CNT_BAD_CREDIT_HI 0x20B4u  /* ro */
#define NC_REG_CNT_HDR_LEN_MISMATCH_LO 0x20B8u  /* snap */
#define NC_REG_CNT_HDR_LEN_MISMATCH_HI 0x20BCu  /* ro */
#define NC_REG_CNT_DROP_BASE 0x2100u  /* ro */

/* ---- register values from fields (nc_reg_<name>(fields, lowest first)) and fields from values ---- */
static inline uint32_t nc_reg_id_version(uint32_t spec, uint32_t rtl) { return ((uint32_t)(spec & 0xFFFFu) << 0) | ((uint32_t)(rtl & 0xFFFFu) << 16); }
#define NC_REG_ID_VERSION_SPEC_OF(v) ((uint32_t)(((v) >> 0) & 0xFFFFu))
#define NC_REG_ID_VERSION_RTL_OF(v) ((uint32_t)(((v) >> 16) & 0xFFFFu))
static inline uint32_t nc_reg_cap_ring_log(uint32_t max, uint32_t min) { return ((uint32_t)(max & 0xFFu) << 0) | ((uint32_t)(min & 0xFFu) << 8); }
#define NC_REG_CAP_RING_LOG_MAX_OF(v) ((uint32_t)(((v) >> 0) & 0xFFu))
#define NC_REG_CAP_RING_LOG_MIN_OF(v) ((uint32_t)(((v) >> 8) & 0xFFu))
static inline uint32_t nc_reg_cap_datapath(uint32_t width_bits, uint32_t max_payload) { return ((uint32_t)(width_bits & 0xFFFFu) << 0) | ((uint32_t)(max_payload & 0xFFFFu) << 16); }
#define NC_REG_CAP_DATAPATH_WIDTH_BITS_OF(v) ((uint32_t)(((v) >> 0) & 0xFFFFu))
#define NC_REG_CAP_DATAPATH_MAX_PAYLOAD_OF(v) ((uint32_t)(((v) >> 16) & 0xFFFFu))
static inline uint32_t nc_reg_cap_transport(uint32_t window, uint32_t sack_bits) { return ((uint32_t)(window & 0xFFu) << 0) | ((uint32_t)(sack_bits & 0xFFu) << 8); }
#define NC_REG_CAP_TRANSPORT_WINDOW_OF(v) ((uint32_t)(((v) >> 0) & 0xFFu))
#define NC_REG_CAP_TRANSPORT_SACK_BITS_OF(v) ((uint32_t)(((v) >> 8) & 0xFFu))
static inline uint32_t nc_reg_ctrl(uint32_t enable, uint32_t filter, uint32_t promisc_mgmt) { return ((uint32_t)(enable & 0x1u) << 0) | ((uint32_t)(filter & 0x1u) << 1) | ((uint32_t)(promisc_mgmt & 0x1u) << 2); }
#define NC_REG_CTRL_ENABLE_OF(v) ((uint32_t)(((v) >> 0) & 0x1u))
#define NC_REG_CTRL_FILTER_OF(v) ((uint32_t)(((v) >> 1) & 0x1u))
#define NC_REG_CTRL_PROMISC_MGMT_OF(v) ((uint32_t)(((v) >> 2) & 0x1u))
static inline uint32_t nc_reg_status(uint32_t running, uint32_t link_up) { return ((uint32_t)(running & 0x1u) << 0) | ((uint32_t)(link_up & 0x1u) << 1); }
#define NC_REG_STATUS_RUNNING_OF(v) ((uint32_t)(((v) >> 0) & 0x1u))
#define NC_REG_STATUS_LINK_UP_OF(v) ((uint32_t)(((v) >> 1) & 0x1u))
static inline uint32_t nc_reg_ack_coalesce(uint32_t packets, uint32_t cycles) { return ((uint32_t)(packets & 0xFFFFu) << 0) | ((uint32_t)(cycles & 0xFFFFu) << 16); }
#define NC_REG_ACK_COALESCE_PACKETS_OF(v) ((uint32_t)(((v) >> 0) & 0xFFFFu))
#define NC_REG_ACK_COALESCE_CYCLES_OF(v) ((uint32_t)(((v) >> 16) & 0xFFFFu))
static inline uint32_t nc_reg_ch_peer_chan(uint32_t peer_chan, uint32_t cls, uint32_t eq) { return ((uint32_t)(peer_chan & 0xFFFFu) << 0) | ((uint32_t)(cls & 0xFFu) << 16) | ((uint32_t)(eq & 0xFFu) << 24); }
#define NC_REG_CH_PEER_CHAN_PEER_CHAN_OF(v) ((uint32_t)(((v) >> 0) & 0xFFFFu))
#define NC_REG_CH_PEER_CHAN_CLS_OF(v) ((uint32_t)(((v) >> 16) & 0xFFu))
#define NC_REG_CH_PEER_CHAN_EQ_OF(v) ((uint32_t)(((v) >> 24) & 0xFFu))
static inline uint32_t nc_reg_ch_ring_log(uint32_t tx, uint32_t rx, uint32_t cpl) { return ((uint32_t)(tx & 0xFFu) << 0) | ((uint32_t)(rx & 0xFFu) << 8) | ((uint32_t)(cpl & 0xFFu) << 16); }
#define NC_REG_CH_RING_LOG_TX_OF(v) ((uint32_t)(((v) >> 0) & 0xFFu))
#define NC_REG_CH_RING_LOG_RX_OF(v) ((uint32_t)(((v) >> 8) & 0xFFu))
#define NC_REG_CH_RING_LOG_CPL_OF(v) ((uint32_t)(((v) >> 16) & 0xFFu))
static inline uint32_t nc_reg_ch_cmd(uint32_t channel, uint32_t cmd) { return ((uint32_t)(channel & 0xFFFFu) << 0) | ((uint32_t)(cmd & 0xFu) << 16); }
#define NC_REG_CH_CMD_CHANNEL_OF(v) ((uint32_t)(((v) >> 0) & 0xFFFFu))
#define NC_REG_CH_CMD_CMD_OF(v) ((uint32_t)(((v) >> 16) & 0xFu))
static inline uint32_t nc_reg_ch_cmd_status(uint32_t busy, uint32_t result) { return ((uint32_t)(busy & 0x1u) << 0) | ((uint32_t)(result & 0xFu) << 4); }
#define NC_REG_CH_CMD_STATUS_BUSY_OF(v) ((uint32_t)(((v) >> 0) & 0x1u))
#define NC_REG_CH_CMD_STATUS_RESULT_OF(v) ((uint32_t)(((v) >> 4) & 0xFu))
static inline uint32_t nc_reg_ch_rb_state(uint32_t state, uint32_t why) { return ((uint32_t)(state & 0x3u) << 0) | ((uint32_t)(why & 0xFFu) << 8); }
#define NC_REG_CH_RB_STATE_STATE_OF(v) ((uint32_t)(((v) >> 0) & 0x3u))
#define NC_REG_CH_RB_STATE_WHY_OF(v) ((uint32_t)(((v) >> 8) & 0xFFu))
static inline uint32_t nc_reg_ch_rb_tx_idx(uint32_t prod, uint32_t next) { return ((uint32_t)(prod & 0xFFFFu) << 0) | ((uint32_t)(next & 0xFFFFu) << 16); }
#define NC_REG_CH_RB_TX_IDX_PROD_OF(v) ((uint32_t)(((v) >> 0) & 0xFFFFu))
#define NC_REG_CH_RB_TX_IDX_NEXT_OF(v) ((uint32_t)(((v) >> 16) & 0xFFFFu))
static inline uint32_t nc_reg_ch_rb_rx_idx(uint32_t prod, uint32_t used) { return ((uint32_t)(prod & 0xFFFFu) << 0) | ((uint32_t)(used & 0xFFFFu) << 16); }
#define NC_REG_CH_RB_RX_IDX_PROD_OF(v) ((uint32_t)(((v) >> 0) & 0xFFFFu))
#define NC_REG_CH_RB_RX_IDX_USED_OF(v) ((uint32_t)(((v) >> 16) & 0xFFFFu))
static inline uint32_t nc_reg_ch_rb_cpl_idx(uint32_t prod, uint32_t cons) { return ((uint32_t)(prod & 0xFFFFu) << 0) | ((uint32_t)(cons & 0xFFFFu) << 16); }
#define NC_REG_CH_RB_CPL_IDX_PROD_OF(v) ((uint32_t)(((v) >> 0) & 0xFFFFu))
#define NC_REG_CH_RB_CPL_IDX_CONS_OF(v) ((uint32_t)(((v) >> 16) & 0xFFFFu))
static inline uint32_t nc_reg_mgmt_ring_log(uint32_t tx, uint32_t rx, uint32_t cpl) { return ((uint32_t)(tx & 0xFFu) << 0) | ((uint32_t)(rx & 0xFFu) << 8) | ((uint32_t)(cpl & 0xFFu) << 16); }
#define NC_REG_MGMT_RING_LOG_TX_OF(v) ((uint32_t)(((v) >> 0) & 0xFFu))
#define NC_REG_MGMT_RING_LOG_RX_OF(v) ((uint32_t)(((v) >> 8) & 0xFFu))
#define NC_REG_MGMT_RING_LOG_CPL_OF(v) ((uint32_t)(((v) >> 16) & 0xFFu))
static inline uint32_t nc_reg_mgmt_ctrl(uint32_t enable, uint32_t eq) { return ((uint32_t)(enable & 0x1u) << 0) | ((uint32_t)(eq & 0xFFu) << 8); }
#define NC_REG_MGMT_CTRL_ENABLE_OF(v) ((uint32_t)(((v) >> 0) & 0x1u))
#define NC_REG_MGMT_CTRL_EQ_OF(v) ((uint32_t)(((v) >> 8) & 0xFFu))
static inline uint32_t nc_reg_db_tx(uint32_t channel, uint32_t prod) { return ((uint32_t)(channel & 0xFFFFu) << 0) | ((uint32_t)(prod & 0xFFFFu) << 16); }
#define NC_REG_DB_TX_CHANNEL_OF(v) ((uint32_t)(((v) >> 0) & 0xFFFFu))
#define NC_REG_DB_TX_PROD_OF(v) ((uint32_t)(((v) >> 16) & 0xFFFFu))
static inline uint32_t nc_reg_db_rx(uint32_t channel, uint32_t prod) { return ((uint32_t)(channel & 0xFFFFu) << 0) | ((uint32_t)(prod & 0xFFFFu) << 16); }
#define NC_REG_DB_RX_CHANNEL_OF(v) ((uint32_t)(((v) >> 0) & 0xFFFFu))
#define NC_REG_DB_RX_PROD_OF(v) ((uint32_t)(((v) >> 16) & 0xFFFFu))
static inline uint32_t nc_reg_db_cpl(uint32_t channel, uint32_t arm, uint32_t cons) { return ((uint32_t)(channel & 0x7FFFu) << 0) | ((uint32_t)(arm & 0x1u) << 15) | ((uint32_t)(cons & 0xFFFFu) << 16); }
#define NC_REG_DB_CPL_CHANNEL_OF(v) ((uint32_t)(((v) >> 0) & 0x7FFFu))
#define NC_REG_DB_CPL_ARM_OF(v) ((uint32_t)(((v) >> 15) & 0x1u))
#define NC_REG_DB_CPL_CONS_OF(v) ((uint32_t)(((v) >> 16) & 0xFFFFu))
static inline uint32_t nc_reg_eq_arm(uint32_t eq, uint32_t cons) { return ((uint32_t)(eq & 0xFFu) << 0) | ((uint32_t)(cons & 0xFFFFu) << 16); }
#define NC_REG_EQ_ARM_EQ_OF(v) ((uint32_t)(((v) >> 0) & 0xFFu))
#define NC_REG_EQ_ARM_CONS_OF(v) ((uint32_t)(((v) >> 16) & 0xFFFFu))
static inline uint32_t nc_reg_eq_cmd(uint32_t eq, uint32_t log, uint32_t enable) { return ((uint32_t)(eq & 0xFFu) << 0) | ((uint32_t)(log & 0xFFu) << 8) | ((uint32_t)(enable & 0x1u) << 16); }
#define NC_REG_EQ_CMD_EQ_OF(v) ((uint32_t)(((v) >> 0) & 0xFFu))
#define NC_REG_EQ_CMD_LOG_OF(v) ((uint32_t)(((v) >> 8) & 0xFFu))
#define NC_REG_EQ_CMD_ENABLE_OF(v) ((uint32_t)(((v) >> 16) & 0x1u))
static inline uint32_t nc_reg_mgmt_db_cpl(uint32_t cons, uint32_t arm) { return ((uint32_t)(cons & 0xFFFFu) << 0) | ((uint32_t)(arm & 0x1u) << 16); }
#define NC_REG_MGMT_DB_CPL_CONS_OF(v) ((uint32_t)(((v) >> 0) & 0xFFFFu))
#define NC_REG_MGMT_DB_CPL_ARM_OF(v) ((uint32_t)(((v) >> 16) & 0x1u))

/* ---- counters: index i is NC_CNT_BASE + 8 i ---- */
#define NC_CNT_BASE 0x2000u
#define NC_CNT_TX_FRAMES 0
#define NC_CNT_TX_BYTES 1
#define NC_CNT_RX_FRAMES 2
#define NC_CNT_RX_BYTES 3
#define NC_CNT_RETX 4
#define NC_CNT_TIMEOUTS 5
#define NC_CNT_CREDIT_STALL 6
#define NC_CNT_BAD_DESC 7
#define NC_CNT_DUP 8
#define NC_CNT_NO_CHANNEL 9
#define NC_CNT_DMA_FAULT 10
#define NC_CNT_MGMT_TX 11
#define NC_CNT_MGMT_RX 12
#define NC_CNT_RX_NO_BUF 13
#define NC_CNT_OUT_OF_WINDOW 14
#define NC_CNT_ACK_TX 15
#define NC_CNT_ACK_RX 16
#define NC_CNT_CPL_OVERFLOW 17
#define NC_CNT_EQ_OVERFLOW 18
#define NC_CNT_CH_FAILED 19
#define NC_CNT_BAD_DOORBELL 20
#define NC_CNT_BAD_ACK 21
#define NC_CNT_BAD_CREDIT 22
#define NC_CNT_HDR_LEN_MISMATCH 23
#define NC_CNT_COUNT 24

#endif /* NC_SPEC_H */
