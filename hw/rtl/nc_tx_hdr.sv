// nc_tx_hdr: assembles the header of every frame the NIC sends and hands it to nc_frame_builder.
//
// Three kinds of frame: channel DATA frames (jobs from nc_tx_job_arb, in payload order), pure ACK
// frames (from nc_rx_ctrl; they have priority, and no payload, so they can go between any two jobs)
// and management frames (jobs whose header the host wrote, delivered on s_mgmt_hdr in job order).
// Ethernet, IPv4 and UDP fields come from the channel's context (peer MAC/IP, this channel's UDP source
// port, DSCP 46 for latency-class channels) and the local addresses; the builder computes lengths and
// checksums. For management frames the host's header is used except that the source MAC and IPv4
// address are the NIC's own and the opcode is MGMT (a host cannot inject channel frames).
// For every header a record (kind, channel, payload or not, length) goes to m_meta, in frame order,
// for the Tx monitor.
`default_nettype none

module nc_tx_hdr
  import nc_pkg::*;
  import nc_nic_pkg::*;
#(
  parameter int CHANNELS = 1024,
  parameter int CW       = $clog2(CHANNELS)   // derived, do not override
) (
  input  wire            clk,
  input  wire            rst,

  input  wire [47:0]     cfg_mac,
  input  wire [31:0]     cfg_ip,

  // header context, written on channel open
  input  wire            ctx_wr_en,
  input  wire [CW-1:0]   ctx_wr_chan,
  input  wire [47:0]     ctx_wr_peer_mac,
  input  wire [31:0]     ctx_wr_peer_ip,
  input  wire [15:0]     ctx_wr_udp_src,
  input  wire [15:0]     ctx_wr_peer_chan,
  input  wire            ctx_wr_latency,

  input  wire tx_job_t   s_job,
  input  wire            s_job_valid,
  output logic           s_job_ready,
  input  wire ack_job_t  s_ack,
  input  wire            s_ack_valid,
  output logic           s_ack_ready,
  input  wire [687:0]    s_mgmt_hdr,         // lane order (wire byte 0 in bits [7:0])
  input  wire            s_mgmt_hdr_valid,
  output logic           s_mgmt_hdr_ready,

  output nc_frame_hdr_t  m_hdr,
  output logic           m_hdr_valid,
  input  wire            m_hdr_ready,

  output tx_meta_t       m_meta,
  output logic           m_meta_valid,
  input  wire            m_meta_ready
);

  initial begin
    if (CW != $clog2(CHANNELS)) $fatal(1, "nc_tx_hdr: CW must not be overridden");
  end

  localparam int CTXW = 48 + 32 + 16 + 16 + 1;

  // ---------------------------------------------------------------- stage A: select
  logic          b_valid_reg, b_ready, a_take, a_ack, a_job;
  logic          job_ok;

  assign job_ok  = s_job_valid && (s_job.kind != JOB_MGMT || s_mgmt_hdr_valid);
  assign a_ack   = s_ack_valid;
  assign a_job   = !s_ack_valid && job_ok;
  assign a_take  = (a_ack || a_job) && (!b_valid_reg || b_ready);

  assign s_ack_ready      = a_take && a_ack;
  assign s_job_ready      = a_take && a_job;
  assign s_mgmt_hdr_ready = a_take && a_job && s_job.kind == JOB_MGMT;

  // ---------------------------------------------------------------- stage B: context read
  logic          b_is_ack_reg;
  /* verilator lint_off UNUSEDSIGNAL */
  tx_job_t       b_job_reg;     // the payload address was used for the DMA read already
  /* verilator lint_on UNUSEDSIGNAL */
  ack_job_t      b_ack_reg;
  nc_frame_hdr_t b_mgmt_reg;
  logic [CTXW-1:0] ctx_rd;
  /* verilator lint_off UNUSEDSIGNAL */
  logic [15:0]   rd_chan;       // 16-bit channel id; CW bits address the context RAM
  /* verilator lint_on UNUSEDSIGNAL */

  assign rd_chan = a_ack ? s_ack.chan : s_job.chan;

  nc_ram_1w1r #(.DEPTH(CHANNELS), .W(CTXW)) u_ctx (
    .clk(clk), .wr_en(ctx_wr_en), .wr_addr(ctx_wr_chan),
    .wr_data({ctx_wr_peer_mac, ctx_wr_peer_ip, ctx_wr_udp_src, ctx_wr_peer_chan, ctx_wr_latency}),
    .rd_en(a_take), .rd_addr(rd_chan[CW-1:0]), .rd_data(ctx_rd));

  always_ff @(posedge clk) begin
    if (!b_valid_reg || b_ready) b_valid_reg <= a_ack || a_job;
    if (rst) b_valid_reg <= 1'b0;
  end
  always_ff @(posedge clk) begin
    if (a_take) begin
      b_is_ack_reg <= a_ack;
      b_job_reg    <= s_job;
      b_ack_reg    <= s_ack;
    end
    // converted only for management frames (the lane swap is not free in simulation)
    if (a_take && a_job && s_job.kind == JOB_MGMT) b_mgmt_reg <= nc_frame_hdr_from_lanes(s_mgmt_hdr);
  end

  // ---------------------------------------------------------------- stage C: assemble
  logic [47:0]   c_peer_mac;
  logic [31:0]   c_peer_ip;
  logic [15:0]   c_udp_src, c_peer_chan;
  logic          c_latency;
  nc_frame_hdr_t h;
  tx_meta_t      meta;
  logic [15:0]   ip_id_reg;

  assign {c_peer_mac, c_peer_ip, c_udp_src, c_peer_chan, c_latency} = ctx_rd;

  // assembled only in the cycle the header moves to stage C (wide struct work is not free in simulation)
  always_comb begin
    h = '0;
    meta = '0;
    if (b_valid_reg && b_ready) begin
    h.eth.dst        = c_peer_mac;
    h.eth.src        = cfg_mac;
    h.ipv4.tos       = c_latency ? 8'hB8 : 8'h00;
    h.ipv4.id        = ip_id_reg;
    h.ipv4.ttl       = NC_IPV4_DEFAULT_TTL;
    h.ipv4.src       = cfg_ip;
    h.ipv4.dst       = c_peer_ip;
    h.udp.src_port   = c_udp_src;
    h.cth.dst_chan   = c_peer_chan;
    if (b_is_ack_reg) begin
      h.cth.opcode   = NC_CTH_OPCODE_ACK;
      h.cth.flags    = NC_CTH_FLAG_ACK_VALID | NC_CTH_FLAG_CREDIT_VALID |
                       (b_ack_reg.ackreq ? NC_CTH_FLAG_ACK_REQ : 8'd0);
      h.cth.src_chan = b_ack_reg.chan;
      h.cth.ack_psn  = b_ack_reg.ack_psn;
      h.cth.sack     = b_ack_reg.sack;
      h.cth.credit   = b_ack_reg.credit;
      h.nc.msg_type  = NC_NC_TYPE_NONE;
      meta.kind      = 2'd2;
      meta.chan      = b_ack_reg.chan;
    end else if (b_job_reg.kind == JOB_MGMT) begin
      h              = b_mgmt_reg;
      h.eth.src      = cfg_mac;
      h.ipv4.src     = cfg_ip;
      h.cth.opcode   = NC_CTH_OPCODE_MGMT;
      h.nc.len       = b_job_reg.len;
      meta.kind      = 2'd1;
      meta.chan      = b_job_reg.chan;
      meta.payload   = b_job_reg.len != 16'd0;
      meta.len       = b_job_reg.len;
    end else begin
      h.cth.opcode   = NC_CTH_OPCODE_DATA;
      h.cth.flags    = b_job_reg.flags;
      h.cth.src_chan = b_job_reg.chan;
      h.cth.psn      = b_job_reg.psn;
      h.nc.src_port  = b_job_reg.src_port;
      h.nc.dst_port  = b_job_reg.dst_port;
      h.nc.seq       = b_job_reg.seq;
      h.nc.grant     = b_job_reg.grant;
      h.nc.msg_type  = nc_nc_type_e'(b_job_reg.msg_type);
      h.nc.len       = b_job_reg.len;
      meta.kind      = 2'd0;
      meta.chan      = b_job_reg.chan;
      meta.psn       = b_job_reg.psn;
      meta.retx      = (b_job_reg.flags & NC_CTH_FLAG_RETX) != 8'd0;
      meta.payload   = b_job_reg.len != 16'd0;
      meta.len       = b_job_reg.len;
    end
    end
  end

  logic c_valid_reg, c_ready, meta_q_ready;
  assign b_ready = !c_valid_reg || c_ready;
  assign c_ready = m_hdr_ready && meta_q_ready;

  always_ff @(posedge clk) begin
    if (b_ready) c_valid_reg <= b_valid_reg;
    if (b_ready && b_valid_reg) ip_id_reg <= ip_id_reg + 16'd1;
    if (rst) begin
      c_valid_reg <= 1'b0;
      ip_id_reg   <= '0;
    end
  end

  tx_meta_t c_meta_reg;
  always_ff @(posedge clk) begin
    if (b_ready && b_valid_reg) begin
      m_hdr      <= h;
      c_meta_reg <= meta;
    end
  end

  assign m_hdr_valid = c_valid_reg && meta_q_ready;

  /* verilator lint_off UNUSEDSIGNAL */
  logic [4:0] meta_free_unused;
  /* verilator lint_on UNUSEDSIGNAL */
  nc_fifo #(.WIDTH($bits(tx_meta_t)), .DEPTH(16)) u_meta (
    .clk(clk), .rst(rst), .s_data(c_meta_reg), .s_valid(c_valid_reg && c_ready), .s_ready(meta_q_ready),
    .m_data(m_meta), .m_valid(m_meta_valid), .m_ready(m_meta_ready), .free(meta_free_unused));

endmodule

`default_nettype wire
