// tb_tx_window: TESTBENCH-ONLY harness (not part of the product, not synthesised). It builds the send
// window the way nc_tx_ctrl does — the per-channel state {una, nxt, sacked, done} in nc_chan_rmw, updated
// in its p stage by nc_tx_window_logic — behind a pipelined per-channel operation interface, so
// tests/rtl/tb_xport.cpp can run the product's window logic and RMW pipeline against a reference model
// with random traffic and back-pressure. Bit j of a bitmap is PSN una + j (j < WINDOW = 64 = the
// product's nc_nic_pkg::WINDOW); bits at or beyond nxt - una are zero.
//
// One operation per cycle on s_op; every operation gets one m_rsp, in order:
//   OP_INIT    (chan, psn)          una = nxt = psn, bitmaps cleared (nc_tx_ctrl's OPEN).
//   OP_SEND    (chan)               psn = nxt, nxt++ ; STATUS_NO_WINDOW (no change) when nxt - una == 64
//                                   (nc_tx_ctrl's SCHED, one PSN at a time: its window room is 64 - inflight).
//   OP_ACK     (chan, psn, sack)    psn = the peer's ack_psn, through nc_tx_window_logic: stale or beyond
//                                   nxt -> STATUS_BAD_ACK, no change; else [acked_from, +acked_count) are
//                                   newly acknowledged, una = psn, the peer's sack merged, rtx_mask
//                                   (relative to rtx_base = the new una) = the fast retransmits.
//   OP_TIMEOUT (chan)               rtx_mask = every unsacked PSN in [una, nxt); done = rtx_mask.
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
  localparam logic [1:0] STATUS_OK = 2'd0, STATUS_NO_WINDOW = 2'd1, STATUS_BAD_ACK = 2'd2;
  localparam int WINDOW = 64;
  localparam int SW  = 32 + 32 + 64 + 64;  // {una, nxt, sacked, done}
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
  logic [31:0] psn, una, nxt;
  logic [63:0] sack, sacked, done;
  assign {code, psn, sack}         = p_op;
  assign {una, nxt, sacked, done}  = p_state;

  logic        ack_ok;
  logic [6:0]  acked, new_inflight;
  logic [63:0] a_sacked, a_done, rtx_ack, rtx_to;

  nc_tx_window_logic #(.DUPTHRESH(DUPTHRESH)) u_window (
    .una(una), .nxt(nxt), .sacked(sacked), .done(done), .ack_psn(psn), .sack(sack),
    .ack_ok(ack_ok), .acked(acked), .new_inflight(new_inflight), .new_sacked(a_sacked), .new_done(a_done),
    .rtx(rtx_ack), .rtx_timeout(rtx_to));

  logic [31:0] n_una, n_nxt, inflight, rsp_psn;
  logic [63:0] n_sacked, n_done, rtx;
  logic [1:0]  status;
  logic [6:0]  acked_count;

  assign inflight = nxt - una;

  always_comb begin
    n_una = una; n_nxt = nxt; n_sacked = sacked; n_done = done;
    rtx = '0; status = STATUS_OK; rsp_psn = psn; acked_count = '0;
    unique case (code)
      OP_INIT: begin
        n_una = psn; n_nxt = psn; n_sacked = '0; n_done = '0;
      end
      OP_SEND: begin
        rsp_psn = nxt;
        if (inflight < 32'(WINDOW)) n_nxt = nxt + 32'd1;
        else status = STATUS_NO_WINDOW;
      end
      OP_ACK: begin
        if (ack_ok) begin
          n_una = psn; n_sacked = a_sacked; n_done = a_done; rtx = rtx_ack; acked_count = acked;
        end else begin
          status = STATUS_BAD_ACK;
        end
      end
      OP_TIMEOUT: begin
        rtx = rtx_to; n_done = rtx_to;
      end
      default: ;
    endcase
  end

  logic out_free;
  assign out_free = !m_rsp_valid || m_rsp_ready;
  assign p_hold   = p_valid && !out_free;
  assign p_write  = 1'b1;
  assign p_next   = {n_una, n_nxt, n_sacked, n_done};

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
      m_rsp_inflight    <= (code == OP_ACK && ack_ok) ? new_inflight : 7'(n_nxt - n_una);
    end
  end

endmodule

`default_nettype wire
