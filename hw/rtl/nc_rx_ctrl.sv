// nc_rx_ctrl: the receiver side of every channel's reliable transport.
//
// One state word per channel (nc_chan_rmw): open, the Rx ring's producer (posted buffers) and consumer
// (buffers used) indices, the receive window (ack_psn = first PSN not yet received, sack bit i = PSN
// ack_psn + 1 + i received), the credit advertised to the peer (peer's initial PSN + buffers posted +
// VOID packets received: one buffer per PSN), the packets not yet acknowledged, and per-channel counters.
// Operations, one per cycle through the read-modify-write pipeline:
//
//   OPEN/CLOSE/READ  from the command block (close completes every unused Rx buffer: CHANNEL_DOWN)
//   DB               an Rx doorbell: buffers posted -> more credit -> an ACK frame carries it at once
//   FRAME            a received frame, in frame order. DATA frames are checked against the window:
//                    new -> the next Rx buffer in ring order (placement job), duplicate -> dropped and
//                    acknowledged at once, beyond the window -> dropped; other frames only pass their
//                    payload disposition (discard / management) on to nc_rx_place, keeping frame order
//   ACKDUE           the channel's delayed-ACK deadline passed
//   ACKNOW           the peer asked for an ACK (an ACK frame flagged ACK_REQ, which nc_tx_ctrl checked
//                    and passes on): send one at once
//   PROBE            our own sender is out of credit: send an ACK flagged ACK_REQ, so the peer answers
//                    with its current credit (a credit update lost on the link cannot stall a channel)
//
// Acknowledgements are coalesced: an ACK job is emitted at once for a duplicate, a packet flagged
// ACK_REQ, a packet received while a hole exists, a packet without a buffer,
// or when ACK_COALESCE packets are pending; otherwise the channel waits in a FIFO of (channel,
// deadline) — deadlines are now + a constant, so the FIFO is sorted — until ACK_COALESCE cycles pass.
`default_nettype none

module nc_rx_ctrl
  import nc_pkg::*;
  import nc_nic_pkg::*;
#(
  parameter int CHANNELS = 1024,               // a power of two, 2..32768
  parameter int CW       = $clog2(CHANNELS)    // derived, do not override
) (
  input  wire            clk,
  input  wire            rst,

  input  wire [31:0]     now,
  input  wire [15:0]     cfg_coal_pkts,
  input  wire [15:0]     cfg_coal_cycles,

  input  wire rxop_t     cmd_op,
  input  wire            cmd_valid,
  output logic           cmd_ready,
  input  wire rxop_t     frame_op,
  input  wire            frame_valid,
  output logic           frame_ready,
  input  wire rxop_t     db_op,
  input  wire            db_valid,
  output logic           db_ready,
  input  wire [15:0]     probe_chan,
  input  wire            probe_req,      // 1: our credit probe (ACK_REQ), 0: answer the peer's ACK_REQ
  input  wire            probe_valid,
  output logic           probe_ready,

  output logic           rsp_valid,
  output logic           rsp_open,
  output logic [15:0]    rsp_prod,
  output logic [15:0]    rsp_cons,
  output logic [31:0]    rsp_ack_psn,
  output logic [31:0]    rsp_rx_pkts,
  output logic [31:0]    rsp_dup,

  output place_job_t     m_place,
  output logic           m_place_valid,
  input  wire            m_place_ready,
  output ack_job_t       m_ack,
  output logic           m_ack_valid,
  input  wire            m_ack_ready,
  output cpl_req_t       m_cpl,
  output logic           m_cpl_valid,
  input  wire            m_cpl_ready,

  output logic           cnt_dup,
  output logic           cnt_oow,
  output logic           cnt_no_buf,
  output logic           cnt_no_channel,
  output logic           cnt_bad_doorbell
);

  initial begin
    if (CHANNELS < 2 || CHANNELS > 32768 || (CHANNELS & (CHANNELS - 1)) != 0)
      $fatal(1, "nc_rx_ctrl: CHANNELS must be a power of two in 2..32768");
    if (CW != $clog2(CHANNELS)) $fatal(1, "nc_rx_ctrl: CW must not be overridden");
  end

  typedef struct packed {
    logic        open;
    logic        in_delay;
    logic [3:0]  ring_log;
    logic [15:0] prod;
    logic [15:0] cons;
    logic [31:0] ack_psn;
    logic [63:0] sack;
    logic [31:0] credit;
    logic [15:0] pending;
    logic [31:0] rx_pkts;
    logic [31:0] dup;
  } rxc_state_t;

  localparam int SW  = $bits(rxc_state_t);
  localparam int OPW = $bits(rxop_t);

  // ---------------------------------------------------------------- output FIFOs
  place_job_t pl_in;  logic pl_push, pl_ready;
  ack_job_t   ak_in;  logic ak_push, ak_ready;
  cpl_req_t   cp_in;  logic cp_push, cp_ready;
  /* verilator lint_off UNUSEDSIGNAL */
  logic [4:0] pl_free_unused;
  logic [3:0] ak_free_unused, cp_free_unused;
  /* verilator lint_on UNUSEDSIGNAL */

  nc_fifo #(.WIDTH($bits(place_job_t)), .DEPTH(16)) u_place_q (
    .clk(clk), .rst(rst), .s_data(pl_in), .s_valid(pl_push), .s_ready(pl_ready),
    .m_data(m_place), .m_valid(m_place_valid), .m_ready(m_place_ready), .free(pl_free_unused));
  nc_fifo #(.WIDTH($bits(ack_job_t)), .DEPTH(8)) u_ack_q (
    .clk(clk), .rst(rst), .s_data(ak_in), .s_valid(ak_push), .s_ready(ak_ready),
    .m_data(m_ack), .m_valid(m_ack_valid), .m_ready(m_ack_ready), .free(ak_free_unused));
  nc_fifo #(.WIDTH($bits(cpl_req_t)), .DEPTH(8)) u_cpl_q (
    .clk(clk), .rst(rst), .s_data(cp_in), .s_valid(cp_push), .s_ready(cp_ready),
    .m_data(m_cpl), .m_valid(m_cpl_valid), .m_ready(m_cpl_ready), .free(cp_free_unused));

  // delayed ACKs: (channel, deadline), at most one entry per channel (the in_delay bit)
  typedef struct packed {
    logic [15:0] chan;
    logic [31:0] deadline;
  } delay_t;
  delay_t dl_in, dl_head;
  logic   dl_push, dl_head_valid, dl_pop, dl_due;
  /* verilator lint_off UNUSEDSIGNAL */
  logic   dl_ready_unused;
  logic [CW:0] dl_free_unused;
  logic [31:0] dl_left;
  /* verilator lint_on UNUSEDSIGNAL */

  nc_fifo #(.WIDTH($bits(delay_t)), .DEPTH(CHANNELS)) u_delay_q (
    .clk(clk), .rst(rst), .s_data(dl_in), .s_valid(dl_push), .s_ready(dl_ready_unused),
    .m_data(dl_head), .m_valid(dl_head_valid), .m_ready(dl_pop), .free(dl_free_unused));

  assign dl_left = dl_head.deadline - now;
  assign dl_due  = dl_head_valid && (dl_left[31] || dl_left == 32'd0);

  // ---------------------------------------------------------------- operation arbiter
  logic  s_ready, s_valid;
  rxop_t s_op;
  logic  pick_cmd, pick_due, pick_frame, pick_db, pick_probe;

  assign pick_cmd   = cmd_valid;
  assign pick_due   = !cmd_valid && dl_due;
  assign pick_frame = !cmd_valid && !dl_due && frame_valid;
  assign pick_db    = !cmd_valid && !dl_due && !frame_valid && db_valid;
  assign pick_probe = !cmd_valid && !dl_due && !frame_valid && !db_valid && probe_valid;

  always_comb begin
    s_op = '0;
    if (pick_cmd) s_op = cmd_op;
    else if (pick_due) begin
      s_op.code = RXOP_ACKDUE;
      s_op.chan = dl_head.chan;
    end else if (pick_frame) s_op = frame_op;
    else if (pick_db) s_op = db_op;
    else if (pick_probe) begin
      s_op.code = probe_req ? RXOP_PROBE : RXOP_ACKNOW;
      s_op.chan = probe_chan;
    end
  end

  assign s_valid     = pick_cmd || pick_due || pick_frame || pick_db || pick_probe;
  assign probe_ready = s_ready && pick_probe;
  assign cmd_ready   = s_ready && pick_cmd;
  assign dl_pop      = s_ready && pick_due;
  assign frame_ready = s_ready && pick_frame;
  assign db_ready    = s_ready && pick_db;

  // ---------------------------------------------------------------- RMW pipeline
  logic          p_valid, p_fire, p_write, p_hold;
  logic [CW-1:0] p_addr;
  logic [OPW-1:0] p_op_bits;
  logic [SW-1:0] p_state_bits, p_next_bits;
  /* verilator lint_off UNUSEDSIGNAL */
  logic          clearing_unused;
  logic [CW-1:0] p_addr_unused;   // the operation carries its channel id
  /* verilator lint_on UNUSEDSIGNAL */
  assign p_addr_unused  = p_addr;

  nc_chan_rmw #(.DEPTH(CHANNELS), .SW(SW), .OPW(OPW)) u_rmw (
    .clk(clk), .rst(rst),
    .s_valid(s_valid), .s_ready(s_ready), .s_addr(s_op.chan[CW-1:0]), .s_op(s_op),
    .p_valid(p_valid), .p_addr(p_addr), .p_op(p_op_bits), .p_state(p_state_bits),
    .p_next(p_next_bits), .p_write(p_write), .p_hold(p_hold), .p_fire(p_fire),
    .clearing(clearing_unused));

  rxop_t      op;
  rxc_state_t st, nx;
  assign op          = rxop_t'(p_op_bits);
  assign st          = rxc_state_t'(p_state_bits);
  assign p_next_bits = nx;

  // ---------------------------------------------------------------- window
  logic        w_dup, w_oow;
  logic [31:0] w_ack;
  logic [63:0] w_sack;

  nc_rx_window_logic #(.HORIZON(DUP_HORIZON)) u_window (
    .ack_psn(st.ack_psn), .sack(st.sack), .psn(op.a),
    .dup(w_dup), .oow(w_oow), .new_ack_psn(w_ack), .new_sack(w_sack));

  // ---------------------------------------------------------------- modify
  logic [16:0] size;
  logic [15:0] db_prod, db_from_cons, db_from_prod;
  logic        db_ok, has_pay, is_void;
  assign size         = ring_size(st.ring_log);
  assign db_prod      = op.a[15:0];
  assign db_from_cons = db_prod - st.cons;
  assign db_from_prod = db_prod - st.prod;
  assign db_ok        = ({1'b0, db_from_cons} <= size) && ({1'b0, db_from_prod} <= size);
  assign has_pay      = op.len != 16'd0;
  assign is_void      = (op.flags & NC_CTH_FLAG_VOID) != 8'd0;

  logic need_pl, need_ak, need_cp, need_dl, rsp_now, ak_req;
  logic c_dup, c_oow, c_nobuf, c_nochan, c_baddb;
  logic [15:0] pend;
  logic        now_ack;

  always_comb begin
    nx = st;
    pend = st.pending;
    now_ack = 1'b0;
    p_write = 1'b1;
    need_pl = 1'b0; need_ak = 1'b0; need_cp = 1'b0; need_dl = 1'b0; rsp_now = 1'b0; ak_req = 1'b0;
    c_dup = 1'b0; c_oow = 1'b0; c_nobuf = 1'b0; c_nochan = 1'b0; c_baddb = 1'b0;

    pl_in = '0;
    pl_in.kind     = PL_DISCARD;
    pl_in.chan     = op.chan;
    pl_in.idx      = st.cons;
    pl_in.psn      = op.a;
    pl_in.src_port = op.src_port;
    pl_in.dst_port = op.dst_port;
    pl_in.seq      = op.seq;
    pl_in.grant    = op.grant;
    pl_in.msg_type = op.msg_type;
    pl_in.len      = op.len;

    cp_in = '0;
    cp_in.chan   = op.chan;
    cp_in.kind   = 8'(NC_CPL_KIND_RX);
    cp_in.idx    = st.cons;
    cp_in.status = 8'(NC_CPL_STATUS_CHANNEL_DOWN);
    cp_in.n_a    = 17'(st.prod - st.cons);

    dl_in = '{chan: op.chan, deadline: now + 32'(cfg_coal_cycles)};

    if (p_valid) begin   // only an operation in the modify stage is worth evaluating
      unique case (op.code)
        RXOP_OPEN: begin
          rsp_now     = 1'b1;
          nx.open     = 1'b1;
          nx.ring_log = op.ring_log;
          nx.prod     = '0;
          nx.cons     = '0;
          nx.ack_psn  = op.a;
          nx.sack     = '0;
          nx.credit   = op.a;
          nx.pending  = '0;
          nx.rx_pkts  = '0;
          nx.dup      = '0;
        end
        RXOP_CLOSE: begin
          // every unused Rx buffer completes CHANNEL_DOWN; the range always goes out (maybe empty) so the
          // command block learns when everything of the channel has been issued
          rsp_now     = 1'b1;
          need_cp     = 1'b1;
          cp_in.notify = 1'b1;
          if (st.open) begin
            nx.open = 1'b0;
            nx.cons = st.prod;
          end else begin
            cp_in.n_a = '0;
            p_write   = 1'b0;
          end
        end
        RXOP_ACKNOW, RXOP_PROBE: begin
          p_write = 1'b0;
          if (st.open) begin
            need_ak    = 1'b1;
            ak_req     = (op.code == RXOP_PROBE);
            nx.pending = '0;
            p_write    = st.pending != 16'd0;
          end
        end
        RXOP_READ: begin
          rsp_now = 1'b1;
          p_write = 1'b0;
        end
        RXOP_DB: begin
          if (!st.open || !db_ok) begin
            c_baddb = 1'b1;
            p_write = 1'b0;
          end else begin
            nx.prod   = db_prod;
            nx.credit = st.credit + 32'(db_from_prod);
            if (db_from_prod != 16'd0) begin
              need_ak    = 1'b1;
              nx.pending = '0;
            end
          end
        end
        RXOP_ACKDUE: begin
          nx.in_delay = 1'b0;
          if (st.open && st.pending != 16'd0) begin
            need_ak    = 1'b1;
            nx.pending = '0;
          end
        end
        RXOP_FRAME: begin
          if (op.fkind == FR_MGMT) begin
            p_write  = 1'b0;
            need_pl  = 1'b1;
            pl_in.kind = PL_MGMT;
          end else if (op.fkind == FR_DISCARD) begin
            p_write  = 1'b0;
            need_pl  = has_pay;
          end else if (!st.open) begin
            p_write  = 1'b0;
            need_pl  = has_pay;
            c_nochan = 1'b1;
          end else begin
            if (w_dup) begin
              c_dup   = 1'b1;
              nx.dup  = st.dup + 32'd1;
              need_pl = has_pay;
              now_ack = 1'b1;
            end else if (w_oow) begin
              // no sender of this channel sends there: counted and dropped, not answered
              c_oow   = 1'b1;
              need_pl = has_pay;
            end else if (is_void) begin
              nx.ack_psn = w_ack;
              nx.sack    = w_sack;
              nx.credit  = st.credit + 32'd1;
              pend       = st.pending + 16'd1;
              need_pl    = has_pay;
            end else if (st.cons == st.prod) begin
              c_nobuf = 1'b1;     // the sender overran its credit: drop, do not acknowledge
              need_pl = has_pay;
              now_ack = 1'b1;
            end else begin
              nx.ack_psn = w_ack;
              nx.sack    = w_sack;
              nx.cons    = st.cons + 16'd1;
              nx.rx_pkts = st.rx_pkts + 32'd1;
              pend       = st.pending + 16'd1;
              need_pl    = 1'b1;
              pl_in.kind = PL_PLACE;
            end
            if (now_ack || ((op.flags & NC_CTH_FLAG_ACK_REQ) != 8'd0) || (nx.sack != 64'd0) ||
                (pend >= cfg_coal_pkts)) begin
              need_ak    = 1'b1;
              nx.pending = '0;
            end else begin
              nx.pending = pend;
              if (pend != 16'd0 && !st.in_delay) begin
                need_dl     = 1'b1;
                nx.in_delay = 1'b1;
              end
            end
          end
        end
        default: begin
          p_write = 1'b0;
        end
      endcase
    end
  end

  assign ak_in = '{chan: op.chan, ack_psn: nx.ack_psn, sack: nx.sack, credit: nx.credit, ackreq: ak_req};

  assign p_hold  = (need_pl && !pl_ready) || (need_ak && !ak_ready) || (need_cp && !cp_ready);
  assign pl_push = p_fire && need_pl;
  assign ak_push = p_fire && need_ak;
  assign cp_push = p_fire && need_cp;
  assign dl_push = p_fire && need_dl;

  always_ff @(posedge clk) begin
    rsp_valid        <= p_fire && rsp_now;
    cnt_dup          <= p_fire && c_dup;
    cnt_oow          <= p_fire && c_oow;
    cnt_no_buf       <= p_fire && c_nobuf;
    cnt_no_channel   <= p_fire && c_nochan;
    cnt_bad_doorbell <= p_fire && c_baddb;
    if (rst) begin
      rsp_valid        <= 1'b0;
      cnt_dup          <= 1'b0;
      cnt_oow          <= 1'b0;
      cnt_no_buf       <= 1'b0;
      cnt_no_channel   <= 1'b0;
      cnt_bad_doorbell <= 1'b0;
    end
  end

  always_ff @(posedge clk) begin
    if (p_fire && rsp_now) begin
      rsp_open    <= st.open;
      rsp_prod    <= st.prod;
      rsp_cons    <= st.cons;
      rsp_ack_psn <= st.ack_psn;
      rsp_rx_pkts <= st.rx_pkts;
      rsp_dup     <= st.dup;
    end
  end

endmodule

`default_nettype wire
