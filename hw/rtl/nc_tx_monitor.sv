// nc_tx_monitor: watches frames leave on the MAC and settles what each one was.
//
// Frame records (nc_tx_hdr's meta, one per header) and payload read statuses (one per payload DMA read,
// from the response router) arrive in frame order; at each frame's last beat the monitor pops them and
//   - returns the frame's payload length to the job arbiter (bytes in flight inside the NIC);
//   - reports a DATA frame as sent (m_sent: channel, PSN, retransmission or not): the channel's timer
//     restarts, and nc_tx_ctrl learns what is on the wire (RTT samples, the loss-recovery mark);
//   - counts the frame and its bytes (and pure ACK / management frames separately);
//   - reports a management frame as sent (m_mgmt_done, with err if its payload read was refused);
//   - reports a channel whose payload read was refused (m_fault: the frame left poisoned, tuser set,
//     and the channel must fail: its descriptor points at memory the host does not let the NIC read).
`default_nettype none

module nc_tx_monitor
  import nc_pkg::*;
  import nc_nic_pkg::*;
(
  input  wire            clk,
  input  wire            rst,

  input  wire            mac_tvalid,
  input  wire            mac_tready,
  input  wire            mac_tlast,

  input  wire tx_meta_t  s_meta,
  input  wire            s_meta_valid,
  output logic           s_meta_ready,
  input  wire            s_pst_err,
  input  wire            s_pst_valid,
  output logic           s_pst_ready,

  output logic           m_mgmt_done_valid,
  output logic           m_mgmt_done_err,
  input  wire            m_mgmt_done_ready,
  output logic [15:0]    m_sent_chan,     // a DATA frame of this channel left (drops when full: nc_tx_ctrl
  output logic [31:0]    m_sent_psn,      //   tolerates a missing one)
  output logic           m_sent_retx,
  output logic           m_sent_valid,
  input  wire            m_sent_ready,
  output logic           m_done_valid,    // a frame with a payload left: its length returns to the job arbiter
  output logic [15:0]    m_done_len,
  output fail_t          m_fault,
  output logic           m_fault_valid,
  input  wire            m_fault_ready,

  output logic           cnt_frame,
  output logic [15:0]    cnt_bytes,
  output logic           cnt_ack,
  output logic           cnt_mgmt,
  output logic           cnt_desync      // a frame ended without its record (must never happen)
);

  logic end_frame, err, mgmt_push, fault_push;
  assign end_frame    = mac_tvalid && mac_tready && mac_tlast;
  assign s_meta_ready = end_frame;
  assign s_pst_ready  = end_frame && s_meta_valid && s_meta.payload;
  assign err          = s_meta.payload && s_pst_valid && s_pst_err;
  assign mgmt_push    = end_frame && s_meta_valid && s_meta.kind == 2'd1;
  assign fault_push   = end_frame && s_meta_valid && s_meta.kind == 2'd0 && err;

  fail_t f_in;
  assign f_in = '{chan: s_meta.chan, reason: 8'(NC_CPL_STATUS_DMA_FAULT)};

  /* verilator lint_off UNUSEDSIGNAL */
  logic [2:0] mf_free_unused, ff_free_unused;
  logic       mf_ready_unused, ff_ready_unused;
  /* verilator lint_on UNUSEDSIGNAL */

  /* verilator lint_off UNUSEDSIGNAL */
  logic [4:0] sf_free_unused;
  logic       sf_ready_unused;
  /* verilator lint_on UNUSEDSIGNAL */
  nc_fifo #(.WIDTH(49), .DEPTH(16)) u_sent (
    .clk(clk), .rst(rst), .s_data({s_meta.retx, s_meta.psn, s_meta.chan}),
    .s_valid(end_frame && s_meta_valid && s_meta.kind == 2'd0),
    .s_ready(sf_ready_unused), .m_data({m_sent_retx, m_sent_psn, m_sent_chan}), .m_valid(m_sent_valid),
    .m_ready(m_sent_ready), .free(sf_free_unused));

  nc_fifo #(.WIDTH(1), .DEPTH(4)) u_mgmt_done (
    .clk(clk), .rst(rst), .s_data(err), .s_valid(mgmt_push), .s_ready(mf_ready_unused),
    .m_data(m_mgmt_done_err), .m_valid(m_mgmt_done_valid), .m_ready(m_mgmt_done_ready), .free(mf_free_unused));
  nc_fifo #(.WIDTH($bits(fail_t)), .DEPTH(4)) u_fault (
    .clk(clk), .rst(rst), .s_data(f_in), .s_valid(fault_push), .s_ready(ff_ready_unused),
    .m_data(m_fault), .m_valid(m_fault_valid), .m_ready(m_fault_ready), .free(ff_free_unused));

  always_ff @(posedge clk) begin
    m_done_valid <= end_frame && s_meta_valid && s_meta.payload;
    m_done_len   <= s_meta.len;
    cnt_frame  <= end_frame;
    cnt_bytes  <= 16'(NC_FRAME_HDR_BYTES + NC_ICRC_BYTES) + s_meta.len;
    cnt_ack    <= end_frame && s_meta_valid && s_meta.kind == 2'd2;
    cnt_mgmt   <= mgmt_push;
    cnt_desync <= end_frame && (!s_meta_valid || (s_meta.payload && !s_pst_valid));
    if (rst) begin
      m_done_valid <= 1'b0;
      cnt_frame  <= 1'b0;
      cnt_ack    <= 1'b0;
      cnt_mgmt   <= 1'b0;
      cnt_desync <= 1'b0;
    end
  end

endmodule

`default_nettype wire
