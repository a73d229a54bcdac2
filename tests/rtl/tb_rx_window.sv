// tb_rx_window: TESTBENCH-ONLY harness (not part of the product, not synthesised). It builds the receive
// window the way nc_rx_ctrl does — the per-channel state {ack_psn, sack} in nc_chan_rmw, updated in its
// p stage by nc_rx_window_logic — behind a pipelined per-channel request/response interface, so
// tests/rtl/tb_xport.cpp can run the product's window logic and RMW pipeline against a reference model
// with random traffic and back-pressure.
//
//   init   (init_valid/ready, chan, psn)   channel open: ack_psn = psn, sack = 0; no response. Has
//                                         priority over s_req (s_req_ready is low while init_valid).
//   s_req  (chan, psn) -> m_rsp (chan, psn, verdict, ack_psn, sack)
//            NEW (0)            psn in [ack_psn, ack_psn + 64] and not yet received; psn == ack_psn
//                               advances ack_psn past every consecutive received PSN
//            DUPLICATE (1)      psn before ack_psn, or already marked in sack
//            OUT_OF_WINDOW (2)  psn after ack_psn + 64
//          ack_psn/sack are the channel's state after the packet.
//
// The response register is the p stage's consumer: a request is held in the p stage (p_hold) while the
// register is full and not taken — as nc_rx_ctrl holds its p stage on a full output FIFO. An init needs no
// response and is never held. After reset every channel reads ack_psn = 0, sack = 0 (the RMW clear, while
// `clearing` is high; nothing is accepted meanwhile).
`default_nettype none

module tb_rx_window #(
  parameter int CHANNELS = 1024,            // a power of two >= 2
  parameter int CW       = $clog2(CHANNELS) // derived, do not override
) (
  input  wire           clk,
  input  wire           rst,

  input  wire           init_valid,
  output logic          init_ready,
  input  wire [CW-1:0]  init_chan,
  input  wire [31:0]    init_psn,

  input  wire           s_req_valid,
  output logic          s_req_ready,
  input  wire [CW-1:0]  s_req_chan,
  input  wire [31:0]    s_req_psn,

  output logic          m_rsp_valid,
  input  wire           m_rsp_ready,
  output logic [CW-1:0] m_rsp_chan,
  output logic [31:0]   m_rsp_psn,
  output logic [1:0]    m_rsp_verdict,
  output logic [31:0]   m_rsp_ack_psn,
  output logic [63:0]   m_rsp_sack,

  output logic          clearing
);

  localparam int SW  = 32 + 64;   // {ack_psn, sack}
  localparam int OPW = 1 + 32;    // {init, psn}

  logic          s_valid, s_ready, p_valid, p_write, p_hold, p_fire;
  logic [CW-1:0] s_addr, p_addr;
  logic [OPW-1:0] s_op, p_op;
  logic [SW-1:0] p_state, p_next;

  assign s_valid     = init_valid || s_req_valid;
  assign s_addr      = init_valid ? init_chan : s_req_chan;
  assign s_op        = init_valid ? {1'b1, init_psn} : {1'b0, s_req_psn};
  assign init_ready  = s_ready;
  assign s_req_ready = s_ready && !init_valid;

  nc_chan_rmw #(.DEPTH(CHANNELS), .SW(SW), .OPW(OPW)) u_rmw (
    .clk(clk), .rst(rst),
    .s_valid(s_valid), .s_ready(s_ready), .s_addr(s_addr), .s_op(s_op),
    .p_valid(p_valid), .p_addr(p_addr), .p_op(p_op), .p_state(p_state),
    .p_next(p_next), .p_write(p_write), .p_hold(p_hold), .p_fire(p_fire),
    .clearing(clearing));

  logic        p_init, w_dup, w_oow;
  logic [31:0] p_psn, w_ack;
  logic [63:0] w_sack;
  assign {p_init, p_psn} = p_op;

  nc_rx_window_logic u_window (
    .ack_psn(p_state[SW-1:64]), .sack(p_state[63:0]), .psn(p_psn),
    .dup(w_dup), .oow(w_oow), .new_ack_psn(w_ack), .new_sack(w_sack));

  logic out_free;
  assign out_free = !m_rsp_valid || m_rsp_ready;
  assign p_hold   = p_valid && !p_init && !out_free;
  assign p_write  = p_init || !(w_dup || w_oow);
  assign p_next   = p_init ? {p_psn, 64'd0} : {w_ack, w_sack};

  always_ff @(posedge clk) begin
    if (out_free) m_rsp_valid <= p_fire && !p_init;
    if (rst) m_rsp_valid <= 1'b0;
  end

  always_ff @(posedge clk) begin
    if (p_fire && !p_init) begin
      m_rsp_chan    <= p_addr;
      m_rsp_psn     <= p_psn;
      m_rsp_verdict <= w_dup ? 2'd1 : w_oow ? 2'd2 : 2'd0;
      m_rsp_ack_psn <= w_ack;
      m_rsp_sack    <= w_sack;
    end
  end

endmodule

`default_nettype wire
