// nc_nic_pkg: types passed between the blocks of the NIC core (nc_nic). Not part of the host
// interface: everything the host sees is in the generated nc_pkg. Channel ids travel as 16 bits
// everywhere (CHANNELS <= 32768); blocks slice them to their RAM address width.
// Waiver (this file only, one message): no single module uses every constant of the package, so the
// linter (-Wall) would report each unused one as UNUSEDPARAM.
// verilator lint_off UNUSEDPARAM
package nc_nic_pkg;
  import nc_pkg::*;

  localparam int WINDOW    = NC_SACK_WINDOW;  // packets a channel keeps unacknowledged at most (= SACK bits)
  localparam int DUPTHRESH = 3;    // selectively acked PSNs above a hole that trigger its fast retransmit
  localparam int MAX_BATCH = 4;    // Tx descriptors fetched by one DMA read
  localparam int DUP_HORIZON = 65536;  // a DATA PSN at most this far behind the receive window is a duplicate;
                                       // further behind it is no plausible one: out of window
  localparam logic [15:0] RTL_REVISION = 16'd1;            // ID_VERSION.rtl
  localparam int DATAPATH_BITS = 8 * NC_AXIS_DATA_BYTES;   // CAP_DATAPATH.width_bits

  // Channel states, commands and command results are the spec's: nc_ch_state_e (NC_CH_STATE_*),
  // nc_ch_cmd_e (NC_CH_CMD_*), nc_ch_cmd_result_e (NC_CH_CMD_RESULT_*) in nc_pkg.

  // Ring log2 size limits (CAP_RING_LOG)
  localparam int RING_LOG_MIN = 1;
  localparam int RING_LOG_MAX = 15;

  // ---- static channel context, written by the command block on open -----------------------------
  typedef struct packed {
    logic [47:0] peer_mac;
    logic [31:0] peer_ip;
    logic [15:0] udp_src;
    logic [15:0] peer_chan;
    logic        latency;     // class: 1 latency, 0 throughput
    logic [7:0]  eq;          // event queue
    logic [57:0] tx_base;     // ring bases, 64-byte aligned: address bits 63..6
    logic [57:0] rx_base;
    logic [57:0] cpl_base;
    logic [3:0]  tx_log;
    logic [3:0]  rx_log;
    logic [3:0]  cpl_log;
    logic [31:0] init_psn;
    logic [31:0] peer_psn;
    logic [31:0] tx_credit;   // initial credit in packets
  } ch_ctx_t;

  // the staged channel registers (CH_*) as the host wrote them
  typedef struct packed {
    logic [47:0] peer_mac;
    logic [31:0] peer_ip;
    logic [15:0] udp_src;
    logic [15:0] peer_chan;
    logic [7:0]  cls;
    logic [7:0]  eq;
    logic [63:0] tx_ring;
    logic [63:0] rx_ring;
    logic [63:0] cpl_ring;
    logic [7:0]  tx_log;
    logic [7:0]  rx_log;
    logic [7:0]  cpl_log;
    logic [31:0] init_psn;
    logic [31:0] peer_psn;
    logic [31:0] tx_credit;
  } staged_t;

  // a channel's live state, for CH_CMD read back (CH_RB_*)
  typedef struct packed {
    nc_reg_ch_rb_state_t   state;
    nc_reg_ch_rb_tx_idx_t  tx_idx;
    logic [31:0] tx_una;
    logic [31:0] tx_nxt;
    logic [31:0] tx_credit;
    nc_reg_ch_rb_rx_idx_t  rx_idx;
    logic [31:0] rx_ack;
    nc_reg_ch_rb_cpl_idx_t cpl_idx;
    logic [31:0] tx_pkts;
    logic [31:0] retx;
    logic [31:0] rx_pkts;
    logic [31:0] dup;
    logic [31:0] timeouts;
  } readback_t;

  // ---- Tx control ----------------------------------------------------------------------------------
  typedef enum logic [3:0] {
    TXOP_OPEN    = 4'd0,
    TXOP_CLOSE   = 4'd1,
    TXOP_READ    = 4'd2,
    TXOP_DB      = 4'd3,
    TXOP_SCHED   = 4'd4,
    TXOP_ACK     = 4'd5,
    TXOP_TIMEOUT = 4'd6,
    TXOP_FAIL    = 4'd7,
    TXOP_SENT    = 4'd8     // a DATA frame of the channel left: restart the retransmission timer
  } txop_e;

  typedef struct packed {
    txop_e       code;
    logic [15:0] chan;
    logic [31:0] a;          // OPEN: initial PSN; DB: producer index; ACK: ack_psn; FAIL: reason
    logic [31:0] b;          // OPEN: initial credit (packets); ACK: credit
    logic [63:0] sack;       // ACK: SACK bitmap
    logic [3:0]  ring_log;   // OPEN
    logic [7:0]  flags;      // ACK: CTH flags (CREDIT_VALID, ACK_VALID)
  } txop_t;

  // fetch request: n consecutive descriptors starting at ring index idx, PSNs psn..psn+n-1
  typedef struct packed {
    logic [15:0] chan;
    logic [31:0] psn;
    logic [15:0] idx;
    logic [2:0]  n;
    logic        retx;
    logic        ackreq;     // set ACK_REQ on the last of the n frames
  } fetch_req_t;

  // retransmission request: PSN psn + j (ring index idx + j) for every set bit j of mask
  typedef struct packed {
    logic [15:0] chan;
    logic [31:0] psn;
    logic [15:0] idx;
    logic [63:0] mask;
  } retx_req_t;

  // timer operation for nc_timer_scan
  typedef struct packed {
    logic        arm;        // 1 arm (deadline), 0 disarm
    logic [15:0] chan;
    logic [31:0] deadline;
  } timer_op_t;

  // channel failure notice (tx control -> command block)
  typedef struct packed {
    logic [15:0] chan;
    logic [7:0]  reason;     // cpl_status
  } fail_t;

  // ---- frames to send ------------------------------------------------------------------------------
  typedef enum logic [1:0] {
    JOB_DATA = 2'd0,         // a channel DATA frame
    JOB_MGMT = 2'd1          // a management frame (header from the host)
  } job_kind_e;

  typedef struct packed {
    job_kind_e   kind;
    logic [15:0] chan;
    logic [31:0] psn;
    logic [7:0]  flags;      // CTH flags: RETX, ACK_REQ, VOID
    logic [15:0] src_port;
    logic [15:0] dst_port;
    logic [31:0] seq;
    logic [31:0] grant;
    logic [7:0]  msg_type;
    logic [15:0] len;        // payload bytes (0: no payload read)
    logic [63:0] addr;       // payload address
  } tx_job_t;

  typedef struct packed {
    logic [15:0] chan;
    logic [31:0] ack_psn;
    logic [63:0] sack;
    logic [31:0] credit;
    logic        ackreq;     // ask the peer for an ACK at once (a credit probe)
  } ack_job_t;

  // what the Tx monitor learns of each frame handed to the builder, in frame order
  typedef struct packed {
    logic [1:0]  kind;       // 0 data, 1 mgmt, 2 ack
    logic [15:0] chan;
    logic [31:0] psn;        // data: the frame's PSN
    logic        retx;       // data: a retransmission
    logic        payload;    // a payload DMA read belongs to this frame
    logic [15:0] len;
  } tx_meta_t;

  // ---- receive -----------------------------------------------------------------------------------
  typedef enum logic [2:0] {
    RXOP_OPEN   = 3'd0,
    RXOP_CLOSE  = 3'd1,
    RXOP_READ   = 3'd2,
    RXOP_DB     = 3'd3,
    RXOP_FRAME  = 3'd4,      // a received frame (DATA, or a frame whose payload is only passed on)
    RXOP_ACKDUE = 3'd5,      // the delayed-ACK deadline of the channel passed
    RXOP_ACKNOW = 3'd6,      // the peer asked for an ACK (ACK_REQ on an ACK frame): send one at once
    RXOP_PROBE  = 3'd7       // our sender is out of credit: send an ACK flagged ACK_REQ (credit probe)
  } rxop_e;

  typedef enum logic [1:0] {
    FR_DATA    = 2'd0,       // DATA frame for a channel whose context matches
    FR_DISCARD = 2'd1,       // payload to drop (no channel, ACK frame with payload)
    FR_MGMT    = 2'd2        // management frame (header in the management header FIFO)
  } frame_kind_e;

  typedef struct packed {
    rxop_e       code;
    frame_kind_e fkind;
    logic [15:0] chan;
    logic [31:0] a;          // OPEN: peer PSN; DB: producer index; FRAME: PSN; CLOSE: reason
    logic [3:0]  ring_log;   // OPEN
    logic [7:0]  flags;      // FRAME: CTH flags
    logic [15:0] src_port;
    logic [15:0] dst_port;
    logic [31:0] seq;
    logic [31:0] grant;
    logic [7:0]  msg_type;
    logic [15:0] len;
  } rxop_t;

  typedef enum logic [1:0] {
    PL_PLACE   = 2'd0,       // write the payload into Rx buffer idx of chan and complete it
    PL_DISCARD = 2'd1,       // drop the payload (if any)
    PL_MGMT    = 2'd2        // write the frame into the next management Rx buffer
  } place_kind_e;

  typedef struct packed {
    place_kind_e kind;
    logic [15:0] chan;
    logic [15:0] idx;
    logic [31:0] psn;
    logic [15:0] src_port;
    logic [15:0] dst_port;
    logic [31:0] seq;
    logic [31:0] grant;
    logic [7:0]  msg_type;
    logic [15:0] len;
  } place_job_t;

  // ---- completions and events -------------------------------------------------------------------
  // One completion, or a range of them (Tx acknowledgement or flush, Rx flush).
  typedef struct packed {
    logic        mgmt;       // the management completion ring (chan ignored)
    logic [15:0] chan;
    logic [7:0]  kind;       // cpl_kind
    logic [7:0]  status;     // cpl_status (range: status of the first n_a entries unless from_table)
    logic [15:0] idx;        // ring index of the (first) descriptor
    logic [15:0] tag;
    logic [15:0] len;
    logic [31:0] psn;        // PSN of the (first) descriptor
    logic [15:0] src_port;
    logic [15:0] dst_port;
    logic [31:0] seq;
    logic [31:0] grant;
    logic [7:0]  msg_type;
    logic [16:0] n_a;        // range: entries with `status` (or the table's status); 1 for a single completion
    logic [16:0] n_b;        // range: then entries with status CHANNEL_DOWN and tag 0
    logic        from_table; // range: tag, len and status of the first n_a entries come from the Tx info table
    logic        notify;     // a channel close: report (cpl_done) once every entry of the range is issued
  } cpl_req_t;

  typedef struct packed {
    logic [7:0]  eq;
    logic [7:0]  ev_type;
    logic [15:0] source;
    logic [31:0] data;
  } ev_req_t;

  // Tx info table entry, per (channel, PSN mod WINDOW)
  typedef struct packed {
    logic [15:0] tag;
    logic [15:0] len;
    logic [7:0]  status;
  } tx_info_t;

  // ---- helpers -----------------------------------------------------------------------------------
  function automatic logic [6:0] popcount64(input logic [63:0] v);
    logic [6:0] n;
    n = '0;
    for (int i = 0; i < 64; i++) n = n + 7'(v[i]);
    return n;
  endfunction

  function automatic logic [15:0] ring_mask(input logic [3:0] lg);
    return 16'((17'd1 << lg) - 17'd1);
  endfunction

  function automatic logic [16:0] ring_size(input logic [3:0] lg);
    return 17'd1 << lg;
  endfunction

endpackage
// verilator lint_on UNUSEDPARAM
