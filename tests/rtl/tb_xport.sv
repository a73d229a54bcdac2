// tb_xport: Verilator top of the transport building-block tests (testbench only, not synthesised). Every
// port of every instance is a top-level port, so tests/rtl/tb_xport.cpp drives them directly:
//   rxs/rxl  tb_rx_window  (nc_chan_rmw + nc_rx_window_logic, as in nc_rx_ctrl; CHANNELS = 4 / 1024)
//   txs/txl  tb_tx_window  (nc_chan_rmw + nc_tx_window_logic, as in nc_tx_ctrl; CHANNELS = 4 / 1024)
//   tms/tml  nc_timer_scan (CHANNELS = 4 / 1024)
//   rms/rml  nc_chan_rmw   (DEPTH = 4, SW = 40, OPW = 8 / DEPTH = 1024, SW = 72, OPW = 16)
//   dv       nc_desc_validate
`default_nettype none

module tb_xport
  import nc_pkg::*;
(
  input  wire  clk,
  input  wire  rst,
  input  wire  [31:0] now,

  // rxs: tb_rx_window (CHANNELS = 4)
  input  wire           rxs_init_valid,
  output logic          rxs_init_ready,
  input  wire  [1:0]    rxs_init_chan,
  input  wire  [31:0]   rxs_init_psn,
  input  wire           rxs_s_req_valid,
  output logic          rxs_s_req_ready,
  input  wire  [1:0]    rxs_s_req_chan,
  input  wire  [31:0]   rxs_s_req_psn,
  output logic          rxs_m_rsp_valid,
  input  wire           rxs_m_rsp_ready,
  output logic [1:0]    rxs_m_rsp_chan,
  output logic [31:0]   rxs_m_rsp_psn,
  output logic [1:0]    rxs_m_rsp_verdict,
  output logic [31:0]   rxs_m_rsp_ack_psn,
  output logic [63:0]   rxs_m_rsp_sack,
  output logic          rxs_clearing,
  // rxl: tb_rx_window (CHANNELS = 1024)
  input  wire           rxl_init_valid,
  output logic          rxl_init_ready,
  input  wire  [9:0]    rxl_init_chan,
  input  wire  [31:0]   rxl_init_psn,
  input  wire           rxl_s_req_valid,
  output logic          rxl_s_req_ready,
  input  wire  [9:0]    rxl_s_req_chan,
  input  wire  [31:0]   rxl_s_req_psn,
  output logic          rxl_m_rsp_valid,
  input  wire           rxl_m_rsp_ready,
  output logic [9:0]    rxl_m_rsp_chan,
  output logic [31:0]   rxl_m_rsp_psn,
  output logic [1:0]    rxl_m_rsp_verdict,
  output logic [31:0]   rxl_m_rsp_ack_psn,
  output logic [63:0]   rxl_m_rsp_sack,
  output logic          rxl_clearing,
  // txs: tb_tx_window (CHANNELS = 4)
  input  wire           txs_s_op_valid,
  output logic          txs_s_op_ready,
  input  wire  [1:0]    txs_s_op_code,
  input  wire  [1:0]    txs_s_op_chan,
  input  wire  [31:0]   txs_s_op_psn,
  input  wire  [63:0]   txs_s_op_sack,
  output logic          txs_m_rsp_valid,
  input  wire           txs_m_rsp_ready,
  output logic [1:0]    txs_m_rsp_code,
  output logic [1:0]    txs_m_rsp_chan,
  output logic [1:0]    txs_m_rsp_status,
  output logic [31:0]   txs_m_rsp_psn,
  output logic [31:0]   txs_m_rsp_acked_from,
  output logic [6:0]    txs_m_rsp_acked_count,
  output logic [31:0]   txs_m_rsp_rtx_base,
  output logic [63:0]   txs_m_rsp_rtx_mask,
  output logic [6:0]    txs_m_rsp_inflight,
  output logic          txs_clearing,
  // txl: tb_tx_window (CHANNELS = 1024)
  input  wire           txl_s_op_valid,
  output logic          txl_s_op_ready,
  input  wire  [1:0]    txl_s_op_code,
  input  wire  [9:0]    txl_s_op_chan,
  input  wire  [31:0]   txl_s_op_psn,
  input  wire  [63:0]   txl_s_op_sack,
  output logic          txl_m_rsp_valid,
  input  wire           txl_m_rsp_ready,
  output logic [1:0]    txl_m_rsp_code,
  output logic [9:0]    txl_m_rsp_chan,
  output logic [1:0]    txl_m_rsp_status,
  output logic [31:0]   txl_m_rsp_psn,
  output logic [31:0]   txl_m_rsp_acked_from,
  output logic [6:0]    txl_m_rsp_acked_count,
  output logic [31:0]   txl_m_rsp_rtx_base,
  output logic [63:0]   txl_m_rsp_rtx_mask,
  output logic [6:0]    txl_m_rsp_inflight,
  output logic          txl_clearing,
  // tms: nc_timer_scan (CHANNELS = 4)
  input  wire           tms_arm_valid,
  output logic          tms_arm_ready,
  input  wire  [1:0]    tms_arm_chan,
  input  wire  [31:0]   tms_arm_deadline,
  input  wire           tms_disarm_valid,
  output logic          tms_disarm_ready,
  input  wire  [1:0]    tms_disarm_chan,
  output logic          tms_m_expire_valid,
  input  wire           tms_m_expire_ready,
  output logic [1:0]    tms_m_expire_chan,
  // tml: nc_timer_scan (CHANNELS = 1024)
  input  wire           tml_arm_valid,
  output logic          tml_arm_ready,
  input  wire  [9:0]    tml_arm_chan,
  input  wire  [31:0]   tml_arm_deadline,
  input  wire           tml_disarm_valid,
  output logic          tml_disarm_ready,
  input  wire  [9:0]    tml_disarm_chan,
  output logic          tml_m_expire_valid,
  input  wire           tml_m_expire_ready,
  output logic [9:0]    tml_m_expire_chan,
  // rms: nc_chan_rmw (DEPTH = 4, SW = 40, OPW = 8)
  input  wire           rms_s_valid,
  output logic          rms_s_ready,
  input  wire  [1:0]    rms_s_addr,
  input  wire  [7:0]    rms_s_op,
  output logic          rms_p_valid,
  output logic [1:0]    rms_p_addr,
  output logic [7:0]    rms_p_op,
  output logic [39:0]   rms_p_state,
  input  wire  [39:0]   rms_p_next,
  input  wire           rms_p_write,
  input  wire           rms_p_hold,
  output logic          rms_p_fire,
  output logic          rms_clearing,
  // rml: nc_chan_rmw (DEPTH = 1024, SW = 72, OPW = 16)
  input  wire           rml_s_valid,
  output logic          rml_s_ready,
  input  wire  [9:0]    rml_s_addr,
  input  wire  [15:0]   rml_s_op,
  output logic          rml_p_valid,
  output logic [9:0]    rml_p_addr,
  output logic [15:0]   rml_p_op,
  output logic [71:0]   rml_p_state,
  input  wire  [71:0]   rml_p_next,
  input  wire           rml_p_write,
  input  wire           rml_p_hold,
  output logic          rml_p_fire,
  output logic          rml_clearing,
  // dv: nc_desc_validate (USER_W = 8)
  input  wire  dv_s_valid,
  output logic dv_s_ready,
  input  wire  dv_s_is_rx,
  input  wire  [255:0] dv_s_tx_desc,
  input  wire  [127:0] dv_s_rx_desc,
  input  wire  [7:0]   dv_s_user,
  output logic dv_m_valid,
  input  wire  dv_m_ready,
  output logic dv_m_is_rx,
  output logic [255:0] dv_m_tx_desc,
  output logic [127:0] dv_m_rx_desc,
  output logic [7:0]   dv_m_user,
  output logic [7:0]   dv_m_status
);

  tb_rx_window #(.CHANNELS(4)) u_rxs (
    .clk(clk), .rst(rst),
    .init_valid(rxs_init_valid), .init_ready(rxs_init_ready), .init_chan(rxs_init_chan),
    .init_psn(rxs_init_psn), .s_req_valid(rxs_s_req_valid), .s_req_ready(rxs_s_req_ready),
    .s_req_chan(rxs_s_req_chan), .s_req_psn(rxs_s_req_psn), .m_rsp_valid(rxs_m_rsp_valid),
    .m_rsp_ready(rxs_m_rsp_ready), .m_rsp_chan(rxs_m_rsp_chan), .m_rsp_psn(rxs_m_rsp_psn),
    .m_rsp_verdict(rxs_m_rsp_verdict), .m_rsp_ack_psn(rxs_m_rsp_ack_psn), .m_rsp_sack(rxs_m_rsp_sack),
    .clearing(rxs_clearing));

  tb_rx_window #(.CHANNELS(1024)) u_rxl (
    .clk(clk), .rst(rst),
    .init_valid(rxl_init_valid), .init_ready(rxl_init_ready), .init_chan(rxl_init_chan),
    .init_psn(rxl_init_psn), .s_req_valid(rxl_s_req_valid), .s_req_ready(rxl_s_req_ready),
    .s_req_chan(rxl_s_req_chan), .s_req_psn(rxl_s_req_psn), .m_rsp_valid(rxl_m_rsp_valid),
    .m_rsp_ready(rxl_m_rsp_ready), .m_rsp_chan(rxl_m_rsp_chan), .m_rsp_psn(rxl_m_rsp_psn),
    .m_rsp_verdict(rxl_m_rsp_verdict), .m_rsp_ack_psn(rxl_m_rsp_ack_psn), .m_rsp_sack(rxl_m_rsp_sack),
    .clearing(rxl_clearing));

  tb_tx_window #(.CHANNELS(4)) u_txs (
    .clk(clk), .rst(rst),
    .s_op_valid(txs_s_op_valid), .s_op_ready(txs_s_op_ready), .s_op_code(txs_s_op_code),
    .s_op_chan(txs_s_op_chan), .s_op_psn(txs_s_op_psn), .s_op_sack(txs_s_op_sack),
    .m_rsp_valid(txs_m_rsp_valid), .m_rsp_ready(txs_m_rsp_ready), .m_rsp_code(txs_m_rsp_code),
    .m_rsp_chan(txs_m_rsp_chan), .m_rsp_status(txs_m_rsp_status), .m_rsp_psn(txs_m_rsp_psn),
    .m_rsp_acked_from(txs_m_rsp_acked_from), .m_rsp_acked_count(txs_m_rsp_acked_count),
    .m_rsp_rtx_base(txs_m_rsp_rtx_base), .m_rsp_rtx_mask(txs_m_rsp_rtx_mask),
    .m_rsp_inflight(txs_m_rsp_inflight), .clearing(txs_clearing));

  tb_tx_window #(.CHANNELS(1024)) u_txl (
    .clk(clk), .rst(rst),
    .s_op_valid(txl_s_op_valid), .s_op_ready(txl_s_op_ready), .s_op_code(txl_s_op_code),
    .s_op_chan(txl_s_op_chan), .s_op_psn(txl_s_op_psn), .s_op_sack(txl_s_op_sack),
    .m_rsp_valid(txl_m_rsp_valid), .m_rsp_ready(txl_m_rsp_ready), .m_rsp_code(txl_m_rsp_code),
    .m_rsp_chan(txl_m_rsp_chan), .m_rsp_status(txl_m_rsp_status), .m_rsp_psn(txl_m_rsp_psn),
    .m_rsp_acked_from(txl_m_rsp_acked_from), .m_rsp_acked_count(txl_m_rsp_acked_count),
    .m_rsp_rtx_base(txl_m_rsp_rtx_base), .m_rsp_rtx_mask(txl_m_rsp_rtx_mask),
    .m_rsp_inflight(txl_m_rsp_inflight), .clearing(txl_clearing));

  nc_timer_scan #(.CHANNELS(4)) u_tms (
    .clk(clk), .rst(rst), .now(now),
    .arm_valid(tms_arm_valid), .arm_ready(tms_arm_ready), .arm_chan(tms_arm_chan),
    .arm_deadline(tms_arm_deadline), .disarm_valid(tms_disarm_valid), .disarm_ready(tms_disarm_ready),
    .disarm_chan(tms_disarm_chan), .m_expire_valid(tms_m_expire_valid), .m_expire_ready(tms_m_expire_ready),
    .m_expire_chan(tms_m_expire_chan));

  nc_timer_scan #(.CHANNELS(1024)) u_tml (
    .clk(clk), .rst(rst), .now(now),
    .arm_valid(tml_arm_valid), .arm_ready(tml_arm_ready), .arm_chan(tml_arm_chan),
    .arm_deadline(tml_arm_deadline), .disarm_valid(tml_disarm_valid), .disarm_ready(tml_disarm_ready),
    .disarm_chan(tml_disarm_chan), .m_expire_valid(tml_m_expire_valid), .m_expire_ready(tml_m_expire_ready),
    .m_expire_chan(tml_m_expire_chan));

  nc_chan_rmw #(.DEPTH(4), .SW(40), .OPW(8)) u_rms (
    .clk(clk), .rst(rst),
    .s_valid(rms_s_valid), .s_ready(rms_s_ready), .s_addr(rms_s_addr), .s_op(rms_s_op),
    .p_valid(rms_p_valid), .p_addr(rms_p_addr), .p_op(rms_p_op), .p_state(rms_p_state), .p_next(rms_p_next),
    .p_write(rms_p_write), .p_hold(rms_p_hold), .p_fire(rms_p_fire), .clearing(rms_clearing));

  nc_chan_rmw #(.DEPTH(1024), .SW(72), .OPW(16)) u_rml (
    .clk(clk), .rst(rst),
    .s_valid(rml_s_valid), .s_ready(rml_s_ready), .s_addr(rml_s_addr), .s_op(rml_s_op),
    .p_valid(rml_p_valid), .p_addr(rml_p_addr), .p_op(rml_p_op), .p_state(rml_p_state), .p_next(rml_p_next),
    .p_write(rml_p_write), .p_hold(rml_p_hold), .p_fire(rml_p_fire), .clearing(rml_clearing));

  nc_tx_desc_t    dv_m_tx;
  nc_rx_desc_t    dv_m_rx;
  nc_cpl_status_e dv_st;
  assign dv_m_tx_desc = dv_m_tx;
  assign dv_m_rx_desc = dv_m_rx;
  assign dv_m_status  = dv_st;

  nc_desc_validate #(.USER_W(8)) u_dv (
    .clk(clk), .rst(rst),
    .s_valid(dv_s_valid), .s_ready(dv_s_ready), .s_is_rx(dv_s_is_rx), .s_tx_desc(nc_tx_desc_t'(dv_s_tx_desc)),
    .s_rx_desc(nc_rx_desc_t'(dv_s_rx_desc)), .s_user(dv_s_user),
    .m_valid(dv_m_valid), .m_ready(dv_m_ready), .m_is_rx(dv_m_is_rx), .m_tx_desc(dv_m_tx), .m_rx_desc(dv_m_rx),
    .m_user(dv_m_user), .m_status(dv_st));

endmodule

`default_nettype wire
