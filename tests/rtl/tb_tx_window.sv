// tb_tx_window: TESTBENCH-ONLY harness (not part of the product, not synthesised). It builds the send
// window the way nc_tx_ctrl does — the per-channel state {una, nxt, sacked, done, rec_valid, rec_mark,
// probing} in nc_chan_rmw, updated in its p stage by nc_tx_window_logic — behind a pipelined per-channel
// operation interface, so tests/rtl/tb_xport.cpp can run the product's window logic and RMW pipeline
// against a reference model with random traffic and back-pressure. Bit j of a bitmap is PSN una + j
// (j < WINDOW = 64 = the product's nc_nic_pkg::WINDOW); bits at or beyond nxt - una are zero.
//
// One operation per cycle on s_op; every operation gets one m_rsp, in order:
//   OP_INIT    (chan, psn)          una = nxt = psn, bitmaps and recovery state cleared (nc_tx_ctrl's OPEN).
//   OP_SEND    (chan)               psn = nxt, nxt++ ; STATUS_NO_WINDOW (no change) when nxt - una == 64
//                                   (nc_tx_ctrl's SCHED, one PSN at a time: its window room is 64 - inflight).
//   OP_ACK     (chan, psn, sack)    psn = the peer's ack_psn, through nc_tx_window_logic: beyond nxt or a SACK
//                                   bit at or beyond nxt -> STATUS_BAD_ACK (nc_tx_ctrl drops the frame);
//                                   before una -> STATUS_STALE; both change nothing. Else [acked_from,
//                                   +acked_count) are newly acknowledged, una = psn, the peer's sack merged,
//                                   rtx_mask (relative to rtx_base = the new una) = fast retransmits, lost
//                                   retransmissions and the answer to a probe; the mark moves to nxt when
//                                   rtx_mask is not empty, is dropped when acknowledged; probing ends.
//                                   Here a retransmission counts as on the wire when it is asked for (the
//                                   logic's rsent is done), and the mark is nxt then; nc_tx_ctrl sets both
//                                   when the frame actually leaves.
//   OP_TIMEOUT (chan)               with packets in flight: rtx_mask = the newest one (the tail-loss
//                                   probe), done gains it, probing starts, the mark moves to nxt.
// Every response carries inflight = nxt - una after the operation.
//
// The response register is the p stage's consumer: the p stage is held (p_hold) while it is full and not
// taken, as nc_tx_ctrl holds it on a full output FIFO. After reset every channel reads all zero (una =
// nxt = 0) while `clearing` is high; nothing is accepted meanwhile.
`default_nettype none

module tb_tx_window #(
  parameter int CHANNELS  = 1024,             // a power of two >= 2
  parameter int DUPTHRESH = 3,                // as nc_nic_pkg::DUPTHRESH
  parameter int CW        = $clog2(CHANNELS)  // derived, do not override
) (
  input  wire           clk,
  input  wire           rst,

  input  wire           s_op_valid,
  output logic          s_op_ready,
  input  wire [1:0]     s_op_code,
  input  wire [CW-1:0]  s_op_chan,
  input  wire [31:0]    s_op_psn,
  input  wire [63:0]    s_op_sack,

  output logic          m_rsp_valid,
  input  wire           m_rsp_ready,
  output logic [1:0]    m_rsp_code,
  output logic [CW-1:0] m_rsp_chan,
  output logic [1:0]    m_rsp_status,
  output logic [31:0]   m_rsp_psn,         // SEND: the PSN assigned
  output logic [31:0]   m_rsp_acked_from,  // ACK: old una
  output logic [6:0]    m_rsp_acked_count, // ACK: PSNs newly cumulatively acknowledged (0..64)
  output logic [31:0]   m_rsp_rtx_base,    // ACK/TIMEOUT: PSN of rtx_mask bit 0 (= una after the op)
  output logic [63:0]   m_rsp_rtx_mask,    // ACK/TIMEOUT: PSNs to retransmit
  output logic [6:0]    m_rsp_inflight,    // nxt - una after the op (0..64)

  output logic          clearing
);

  localparam logic [1:0] OP_INIT = 2'd0, OP_SEND = 2'd1, OP_ACK = 2'd2, OP_TIMEOUT = 2'd3;
  localparam logic [1:0] STATUS_OK = 2'd0, STATUS_NO_WINDOW = 2'd1, STATUS_BAD_ACK = 2'd2, STATUS_STALE = 2'd3;
  localparam int WINDOW = 64;
  localparam int SW  = 32 + 32 + 64 + 64 + 1 + 32 + 1;  // {una, nxt, sacked, done, rec_valid, rec_mark, probing}
  localparam int OPW = 2 + 32 + 64;        // {code, psn, sack}

  logic          s_ready, p_valid, p_write, p_hold, p_fire;
  logic [CW-1:0] p_addr;
  logic [OPW-1:0] p_op;
  logic [SW-1:0] p_state, p_next;

  assign s_op_ready = s_ready;

  nc_chan_rmw #(.DEPTH(CHANNELS), .SW(SW), .OPW(OPW)) u_rmw (
    .clk(clk), .rst(rst),
    .s_valid(s_op_valid), .s_ready(s_ready), .s_addr(s_op_chan), .s_op({s_op_code, s_op_psn, s_op_sack}),
    .p_valid(p_valid), .p_addr(p_addr), .p_op(p_op), .p_state(p_state),
    .p_next(p_next), .p_write(p_write), .p_hold(p_hold), .p_fire(p_fire),
    .clearing(clearing));

  logic [1:0]  code;
  logic [31:0] psn, una, nxt, rec_mark;
  logic [63:0] sack, sacked, done;
  logic        rec_valid, probing;
  assign {code, psn, sack}                                      = p_op;
  assign {una, nxt, sacked, done, rec_valid, rec_mark, probing} = p_state;

  logic        ack_ok, ack_ahead, sack_bad, rec_over;
  logic [6:0]  acked, new_inflight;
  logic [63:0] a_sacked, a_done, rtx_ack, tlp;
  /* verilator lint_off UNUSEDSIGNAL */
  logic [63:0] a_rsent_unused;   // here a retransmission is on the wire as soon as it is asked for: rsent = done
  /* verilator lint_on UNUSEDSIGNAL */

  nc_tx_window_logic #(.WINDOW(WINDOW), .DUPTHRESH(DUPTHRESH)) u_window (
    .una(una), .nxt(nxt), .sacked(sacked), .done(done), .rsent(done), .rec_valid(rec_valid), .rec_mark(rec_mark),
    .probing(probing), .snd_nxt(nxt), .ack_psn(psn), .sack(sack),
    .ack_ok(ack_ok), .ack_ahead(ack_ahead), .sack_bad(sack_bad), .acked(acked), .new_inflight(new_inflight),
    .new_sacked(a_sacked), .new_done(a_done), .new_rsent(a_rsent_unused), .rtx(rtx_ack), .rec_over(rec_over), .tlp(tlp));

  logic [31:0] n_una, n_nxt, inflight, rsp_psn, n_mark;
  logic [63:0] n_sacked, n_done, rtx;
  logic        n_rec, n_probing;
  logic [1:0]  status;
  logic [6:0]  acked_count;

  assign inflight = nxt - una;

  always_comb begin
    n_una = una; n_nxt = nxt; n_sacked = sacked; n_done = done;
    n_rec = rec_valid; n_mark = rec_mark; n_probing = probing;
    rtx = '0; status = STATUS_OK; rsp_psn = psn; acked_count = '0;
    unique case (code)
      OP_INIT: begin
        n_una = psn; n_nxt = psn; n_sacked = '0; n_done = '0; n_rec = 1'b0; n_mark = '0; n_probing = 1'b0;
      end
      OP_SEND: begin
        rsp_psn = nxt;
        if (inflight < 32'(WINDOW)) n_nxt = nxt + 32'd1;
        else status = STATUS_NO_WINDOW;
      end
      OP_ACK: begin
        if (ack_ahead || sack_bad) begin
          status = STATUS_BAD_ACK;
        end else if (!ack_ok) begin
          status = STATUS_STALE;
        end else begin
          n_una = psn; n_sacked = a_sacked; n_done = a_done; rtx = rtx_ack; acked_count = acked;
          n_probing = 1'b0;
          if (rtx_ack != '0) begin
            n_rec = 1'b1; n_mark = nxt;
          end else if (rec_over) begin
            n_rec = 1'b0;
          end
        end
      end
      OP_TIMEOUT: begin
        if (inflight != '0) begin
          rtx = tlp; n_done = done | tlp; n_probing = 1'b1; n_rec = 1'b1; n_mark = nxt;
        end
      end
      default: ;
    endcase
  end

  logic out_free;
  assign out_free = !m_rsp_valid || m_rsp_ready;
  assign p_hold   = p_valid && !out_free;
  assign p_write  = 1'b1;
  assign p_next   = {n_una, n_nxt, n_sacked, n_done, n_rec, n_mark, n_probing};

  always_ff @(posedge clk) begin
    if (out_free) m_rsp_valid <= p_fire;
    if (rst) m_rsp_valid <= 1'b0;
  end

  always_ff @(posedge clk) begin
    if (p_fire) begin
      m_rsp_code        <= code;
      m_rsp_chan        <= p_addr;
      m_rsp_status      <= status;
      m_rsp_psn         <= rsp_psn;
      m_rsp_acked_from  <= una;
      m_rsp_acked_count <= acked_count;
      m_rsp_rtx_base    <= n_una;
      m_rsp_rtx_mask    <= rtx;
      // after a good ACK the logic's own new_inflight (nc_tx_ctrl arms the timer from it), else nxt - una
      m_rsp_inflight    <= (code == OP_ACK && status == STATUS_OK) ? new_inflight : 7'(n_nxt - n_una);
    end
  end

endmodule

`default_nettype wire
