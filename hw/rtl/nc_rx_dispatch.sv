// nc_rx_dispatch: decides what each frame the header parser accepted is for.
//
// The destination channel's context (peer channel id and peer IPv4 address, written on open) is read
// and the frame is sent on:
//   ACK frame from the channel's peer            -> an ACK operation for nc_tx_ctrl (which checks it,
//                                                   applies it and answers ACK_REQ through nc_rx_ctrl)
//   DATA frame from the channel's peer           -> a FRAME operation for nc_rx_ctrl (window, buffer)
//   management frame                             -> its header to the management header FIFO and a
//                                                   FRAME operation (so its payload keeps its place)
//   anything else (unknown channel, wrong peer)  -> counted (CNT_NO_CHANNEL); with CTRL promiscuous
//                                                   management Rx on it goes to the management queue
// Every frame with a payload gets exactly one FRAME operation, in frame order, because the payloads
// wait in the parser's FIFO in that order and nc_rx_place consumes them by those operations.
`default_nettype none

module nc_rx_dispatch
  import nc_pkg::*;
  import nc_nic_pkg::*;
#(
  parameter int CHANNELS = 1024,
  parameter int CW       = $clog2(CHANNELS)   // derived, do not override
) (
  input  wire            clk,
  input  wire            rst,

  input  wire            cfg_promisc,

  input  wire            ctx_wr_en,
  input  wire [CW-1:0]   ctx_wr_chan,
  input  wire [15:0]     ctx_wr_peer_chan,
  input  wire [31:0]     ctx_wr_peer_ip,

  input  wire nc_frame_hdr_t s_hdr,
  input  wire            s_hdr_valid,
  output logic           s_hdr_ready,

  output txop_t          m_ack,
  output logic           m_ack_valid,
  input  wire            m_ack_ready,
  output rxop_t          m_frame,
  output logic           m_frame_valid,
  input  wire            m_frame_ready,
  output nc_frame_hdr_t  m_mgmt_hdr,
  output logic           m_mgmt_hdr_valid,
  input  wire            m_mgmt_hdr_ready,

  output logic           cnt_rx_frame,
  output logic [15:0]    cnt_rx_bytes,
  output logic           cnt_no_channel
);

  initial begin
    if (CW != $clog2(CHANNELS)) $fatal(1, "nc_rx_dispatch: CW must not be overridden");
  end

  logic          b_valid_reg, b_ready, a_take;
  nc_frame_hdr_t b_reg;
  logic [47:0]   ctx_rd;
  logic [15:0]   peer_chan;
  logic [31:0]   peer_ip;

  assign a_take      = s_hdr_valid && (!b_valid_reg || b_ready);
  assign s_hdr_ready = !b_valid_reg || b_ready;

  nc_ram_1w1r #(.DEPTH(CHANNELS), .W(48)) u_ctx (
    .clk(clk), .wr_en(ctx_wr_en), .wr_addr(ctx_wr_chan), .wr_data({ctx_wr_peer_chan, ctx_wr_peer_ip}),
    .rd_en(a_take), .rd_addr(s_hdr.cth.dst_chan[CW-1:0]), .rd_data(ctx_rd));
  assign {peer_chan, peer_ip} = ctx_rd;

  always_ff @(posedge clk) begin
    if (!b_valid_reg || b_ready) b_valid_reg <= s_hdr_valid;
    if (rst) b_valid_reg <= 1'b0;
  end
  always_ff @(posedge clk) begin
    if (a_take) b_reg <= s_hdr;
  end

  // ---------------------------------------------------------------- classify
  logic m_ack_ready_q, m_frame_ready_q, m_mgmt_ready_q;
  logic in_range, match, is_mgmt, is_ack, is_data, has_pay;
  logic need_ack, need_frame, need_mgmt, no_chan;
  frame_kind_e fkind;

  assign in_range = ({16'd0, b_reg.cth.dst_chan} < 32'(CHANNELS));
  assign match    = in_range && peer_chan == b_reg.cth.src_chan && peer_ip == b_reg.ipv4.src;
  assign is_mgmt  = b_reg.cth.opcode == NC_CTH_OPCODE_MGMT;
  assign is_ack   = b_reg.cth.opcode == NC_CTH_OPCODE_ACK;
  assign is_data  = b_reg.cth.opcode == NC_CTH_OPCODE_DATA;
  assign has_pay  = b_reg.nc.len != 16'd0;

  always_comb begin
    need_ack = 1'b0; need_frame = 1'b0; need_mgmt = 1'b0; no_chan = 1'b0;
    fkind = FR_DISCARD;
    if (is_mgmt) begin
      need_mgmt = 1'b1; need_frame = 1'b1; fkind = FR_MGMT;
    end else if (!match) begin
      no_chan = 1'b1;
      if (cfg_promisc) begin
        need_mgmt = 1'b1; need_frame = 1'b1; fkind = FR_MGMT;
      end else if (has_pay) begin
        need_frame = 1'b1; fkind = FR_DISCARD;
      end
    end else if (is_ack) begin
      need_ack = 1'b1;
      if (has_pay) begin   // the parser drops an ACK with a payload; its payload would keep its place
        need_frame = 1'b1; fkind = FR_DISCARD;
      end
    end else if (is_data) begin
      need_frame = 1'b1; fkind = FR_DATA;
    end else if (has_pay) begin
      need_frame = 1'b1; fkind = FR_DISCARD;
    end
  end

  assign b_ready = !b_valid_reg ||
                   ((!need_ack || m_ack_ready_q) && (!need_frame || m_frame_ready_q) && (!need_mgmt || m_mgmt_ready_q));

  logic b_fire;
  assign b_fire = b_valid_reg && b_ready;

  txop_t ack_in;
  rxop_t frame_in;
  always_comb begin
    ack_in = '0;
    ack_in.code  = TXOP_ACK;
    ack_in.chan  = b_reg.cth.dst_chan;
    ack_in.a     = b_reg.cth.ack_psn;
    ack_in.b     = b_reg.cth.credit;
    ack_in.sack  = b_reg.cth.sack;
    ack_in.flags = b_reg.cth.flags;
    frame_in = '0;
    frame_in.code     = RXOP_FRAME;
    frame_in.fkind    = fkind;
    frame_in.chan     = b_reg.cth.dst_chan;
    frame_in.a        = b_reg.cth.psn;
    frame_in.flags    = b_reg.cth.flags;
    frame_in.src_port = b_reg.nc.src_port;
    frame_in.dst_port = b_reg.nc.dst_port;
    frame_in.seq      = b_reg.nc.seq;
    frame_in.grant    = b_reg.nc.grant;
    frame_in.msg_type = 8'(b_reg.nc.msg_type);
    frame_in.len      = b_reg.nc.len;
  end

  /* verilator lint_off UNUSEDSIGNAL */
  logic [3:0] f1_unused, f2_unused, f3_unused;
  /* verilator lint_on UNUSEDSIGNAL */

  nc_fifo #(.WIDTH($bits(txop_t)), .DEPTH(8)) u_ack_q (
    .clk(clk), .rst(rst), .s_data(ack_in), .s_valid(b_fire && need_ack), .s_ready(m_ack_ready_q),
    .m_data(m_ack), .m_valid(m_ack_valid), .m_ready(m_ack_ready), .free(f1_unused));
  nc_fifo #(.WIDTH($bits(rxop_t)), .DEPTH(8)) u_frame_q (
    .clk(clk), .rst(rst), .s_data(frame_in), .s_valid(b_fire && need_frame), .s_ready(m_frame_ready_q),
    .m_data(m_frame), .m_valid(m_frame_valid), .m_ready(m_frame_ready), .free(f2_unused));
  nc_fifo #(.WIDTH($bits(nc_frame_hdr_t)), .DEPTH(8)) u_mgmt_q (
    .clk(clk), .rst(rst), .s_data(b_reg), .s_valid(b_fire && need_mgmt), .s_ready(m_mgmt_ready_q),
    .m_data(m_mgmt_hdr), .m_valid(m_mgmt_hdr_valid), .m_ready(m_mgmt_hdr_ready), .free(f3_unused));

  always_ff @(posedge clk) begin
    cnt_rx_frame   <= b_fire;
    cnt_rx_bytes   <= 16'(NC_FRAME_HDR_BYTES + NC_ICRC_BYTES) + b_reg.nc.len;
    cnt_no_channel <= b_fire && no_chan && !is_mgmt;
    if (rst) begin
      cnt_rx_frame   <= 1'b0;
      cnt_no_channel <= 1'b0;
    end
  end

endmodule

`default_nettype wire
