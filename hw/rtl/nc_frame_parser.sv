// nc_frame_parser: checks a received frame and splits it into header and payload.
//
// s_axis carries one frame per packet without its ICRC trailer (nc_icrc_check removed it; no FCS; tuser
// at tlast = the MAC saw a bad FCS, s_axis_icrc_bad at tlast = the trailer did not match). The header
// (first 86 bytes) is captured, the payload is realigned to byte lane 0 and written into a
// drop-on-bad frame FIFO. At tlast the frame is checked (two pipeline stages); a good frame is
// committed and its header pushed into the header FIFO, a bad one is rewound, so malformed frames
// never reach m_hdr/m_axis. stat_valid pulses once per input frame, in order, with the reason
// (NC_DROP_REASON_NONE for accepted frames); when a frame has several faults the lowest code wins.
// A frame with nc.len == 0 produces a header and no payload transfer.
// Line rate: s_axis_tready only drops when a FIFO is (nearly) full.
`default_nettype none

module nc_frame_parser
  import nc_pkg::*;
#(
  parameter int PAY_FIFO_DEPTH = 256,  // payload FIFO beats (power of two; must hold a maximum frame, 141 beats, plus slack)
  parameter int HDR_FIFO_DEPTH = 16    // header FIFO entries (power of two, >= 4)
) (
  input  wire                  clk,
  input  wire                  rst,

  input  wire                  cfg_filter_en,   // check destination MAC and IP against the local ones
  input  wire [47:0]           cfg_local_mac,
  input  wire [31:0]           cfg_local_ip,

  input  wire [511:0]          s_axis_tdata,
  input  wire [63:0]           s_axis_tkeep,
  input  wire                  s_axis_tvalid,
  output logic                 s_axis_tready,
  input  wire                  s_axis_tlast,
  input  wire                  s_axis_tuser,
  input  wire                  s_axis_icrc_bad,

  output nc_frame_hdr_t        m_hdr,
  output logic                 m_hdr_valid,
  input  wire                  m_hdr_ready,

  output logic [511:0]         m_axis_tdata,
  output logic [63:0]          m_axis_tkeep,
  output logic                 m_axis_tvalid,
  input  wire                  m_axis_tready,
  output logic                 m_axis_tlast,
  output logic                 m_axis_tuser,

  output logic                 stat_valid,
  output nc_drop_reason_e      stat_reason
);

  localparam int HDR_HI_BYTES = NC_FRAME_HDR_BYTES - 64;                    // header bytes in beat 1 (22)
  localparam int LAST_BEAT    = (NC_MAX_FRAME_BYTES - NC_ICRC_BYTES - 1) / 64;  // last beat index of a maximum frame (141)
  localparam int TRAILER      = NC_ICRC_BYTES;   // bytes the frame had after the payload (its length fields count them)
  localparam int PAY_AW       = $clog2(PAY_FIFO_DEPTH);
  localparam int HDR_AW       = $clog2(HDR_FIFO_DEPTH);

  initial begin
    if (NC_AXIS_DATA_BYTES != 64) $fatal(1, "nc_frame_parser: only a 64-byte datapath is supported");
    if (NC_FRAME_HDR_BYTES <= 64 || NC_FRAME_HDR_BYTES > 128) $fatal(1, "nc_frame_parser: header must span 2 beats");
    if (PAY_FIFO_DEPTH < LAST_BEAT + 8) $fatal(1, "nc_frame_parser: PAY_FIFO_DEPTH cannot hold a maximum frame");
    if ((PAY_FIFO_DEPTH & (PAY_FIFO_DEPTH - 1)) != 0) $fatal(1, "nc_frame_parser: PAY_FIFO_DEPTH must be a power of two");
    if (HDR_FIFO_DEPTH < 4 || (HDR_FIFO_DEPTH & (HDR_FIFO_DEPTH - 1)) != 0) $fatal(1, "nc_frame_parser: HDR_FIFO_DEPTH must be a power of two >= 4");
  end

  function automatic logic [6:0] popcount64(logic [63:0] v);
    logic [6:0] n;
    n = '0;
    for (int i = 0; i < 64; i++) n = n + 7'(v[i]);
    return n;
  endfunction

  // ---------------------------------------------------------------- input stage
  logic [PAY_AW:0] pay_free;
  logic [HDR_AW:0] hdr_free;
  logic            in_xfer;
  logic [7:0]      beat_reg;          // beat index in the frame, saturating at 255
  logic [511:0]    hdr_lo_reg;        // beat 0 = header bytes 0..63
  logic [175:0]    hdr_hi_reg;        // header bytes 64..85
  logic [511-8*HDR_HI_BYTES:0] carry_data_reg;  // lanes 22..63 of the previous beat (also the flush beat)
  logic [63-HDR_HI_BYTES:0]    carry_keep_reg;

  // Worst case per accepted beat: one payload write now and one flush write next cycle; the two
  // frames still in the check pipeline and this one may each push a header.
  assign s_axis_tready = (pay_free >= (PAY_AW+1)'(2)) && (hdr_free >= (HDR_AW+1)'(3));
  assign in_xfer       = s_axis_tvalid && s_axis_tready;

  logic         wr_en, wr_last;
  logic [511:0] wr_data;
  logic [63:0]  wr_keep;
  logic         flush_valid_reg;
  logic         in_store;             // this beat index may carry stored payload

  assign in_store = (beat_reg >= 8'd1) && (beat_reg <= 8'(LAST_BEAT));

  // wr_data, wr_keep and wr_last matter only with wr_en: the 512-bit lane shift is evaluated (in
  // simulation) only for a beat that is written.
  always_comb begin
    wr_en   = 1'b0;
    wr_data = '0;
    wr_keep = '0;
    wr_last = 1'b0;
    if (flush_valid_reg) begin
      wr_en   = 1'b1;
      wr_data = 512'(carry_data_reg);
      wr_keep = 64'(carry_keep_reg);
      wr_last = 1'b1;
    end else if (in_xfer && in_store && (beat_reg >= 8'd2)) begin
      // payload beat k = beat k+1 lanes 22..63 followed by beat k+2 lanes 0..21
      wr_en   = 1'b1;
      wr_data = {s_axis_tdata[8*HDR_HI_BYTES-1:0], carry_data_reg};
      wr_keep = {s_axis_tkeep[HDR_HI_BYTES-1:0], carry_keep_reg};
      wr_last = s_axis_tlast && !s_axis_tkeep[HDR_HI_BYTES];
    end
  end

  // check pipeline stage 1: snapshot at tlast
  logic            f1_valid_reg;
  nc_frame_hdr_t   f1_hdr_reg;
  logic [15:0]     f1_len_reg;
  logic            f1_fcs_reg, f1_icrc_reg;
  logic [687:0]    snap_lanes;

  // the header lanes at tlast; only the last beat of a frame needs them (evaluated only then in simulation)
  always_comb begin
    snap_lanes = '0;
    if (s_axis_tlast) begin
      snap_lanes = {hdr_hi_reg, hdr_lo_reg};
      if (beat_reg == 8'd0) snap_lanes[511:0] = s_axis_tdata;
      if (beat_reg <= 8'd1) snap_lanes[687:512] = s_axis_tdata[8*HDR_HI_BYTES-1:0];
    end
  end

  always_ff @(posedge clk) begin
    f1_valid_reg    <= in_xfer && s_axis_tlast;
    flush_valid_reg <= in_xfer && s_axis_tlast && in_store && s_axis_tkeep[HDR_HI_BYTES];
    if (in_xfer) beat_reg <= s_axis_tlast ? 8'd0 : (beat_reg == 8'hFF ? 8'hFF : beat_reg + 8'd1);
    if (rst) begin
      f1_valid_reg    <= 1'b0;
      flush_valid_reg <= 1'b0;
      beat_reg        <= '0;
    end
  end

  always_ff @(posedge clk) begin
    if (in_xfer) begin
      carry_data_reg <= s_axis_tdata[511:8*HDR_HI_BYTES];
      carry_keep_reg <= s_axis_tkeep[63:HDR_HI_BYTES];
      if (beat_reg == 8'd0) hdr_lo_reg <= s_axis_tdata;
      if (beat_reg == 8'd1) hdr_hi_reg <= s_axis_tdata[8*HDR_HI_BYTES-1:0];
      if (s_axis_tlast) begin
        f1_hdr_reg <= nc_frame_hdr_from_lanes(snap_lanes);
        f1_len_reg <= {2'b00, beat_reg, 6'd0} + 16'(popcount64(s_axis_tkeep));
        f1_fcs_reg <= s_axis_tuser;
        f1_icrc_reg <= s_axis_icrc_bad;
      end
    end
  end

  // ---------------------------------------------------------------- checks (from stage 1)
  nc_drop_reason_e f1_reason;
  logic [19:0]     ip_sum;
  logic [16:0]     ip_fold1;
  logic [15:0]     ip_fold2;
  logic [7:0]      cth_opcode, nc_msg_type;

  logic            no_content;   // an ACK frame or a VOID DATA frame: carries no NetChannel content
  assign cth_opcode  = f1_hdr_reg.cth.opcode;
  assign nc_msg_type = f1_hdr_reg.nc.msg_type;
  assign no_content  = (cth_opcode == 8'(NC_CTH_OPCODE_ACK)) ||
                       (cth_opcode == 8'(NC_CTH_OPCODE_DATA) && (f1_hdr_reg.cth.flags & NC_CTH_FLAG_VOID) != '0);

  // The checks matter only in the cycle after a tlast (f1_valid_reg), so only then are they evaluated
  // (in simulation; the hardware is the same).
  always_comb begin
    ip_sum = '0;
    if (f1_valid_reg) begin
      for (int i = 0; i < NC_IPV4_BYTES / 2; i++) begin
        ip_sum = ip_sum + 20'(f1_hdr_reg.ipv4[16*i +: 16]);
      end
    end
    ip_fold1 = 17'(ip_sum[15:0]) + 17'(ip_sum[19:16]);
    ip_fold2 = ip_fold1[15:0] + 16'(ip_fold1[16]);
  end

  always_comb begin
    // checked from the highest code down so the lowest failing code is left
    f1_reason = NC_DROP_REASON_NONE;
    if (f1_valid_reg) begin
      if (f1_icrc_reg)                                                    f1_reason = NC_DROP_REASON_BAD_ICRC;
      if (f1_hdr_reg.nc.len != f1_len_reg - 16'(NC_FRAME_HDR_BYTES) ||
          f1_hdr_reg.nc.len > 16'(NC_MAX_PAYLOAD_BYTES))                   f1_reason = NC_DROP_REASON_BAD_PAYLOAD_LENGTH;
      if (nc_msg_type > 8'(NC_NC_TYPE_COUNT - 1))                         f1_reason = NC_DROP_REASON_BAD_NC_TYPE;
      if (f1_hdr_reg.nc.doff_ver != NC_NC_DOFF_VER)                       f1_reason = NC_DROP_REASON_BAD_NC_VERSION;
      if (f1_hdr_reg.cth.version != NC_CTH_VERSION || f1_hdr_reg.cth.rsvd != '0 ||
          cth_opcode < 8'(NC_CTH_OPCODE_DATA) || cth_opcode > 8'(NC_CTH_OPCODE_MGMT) ||
          (no_content && (f1_hdr_reg.nc.len != '0 || nc_msg_type != 8'(NC_NC_TYPE_NONE)))) f1_reason = NC_DROP_REASON_BAD_CTH;
      if (f1_hdr_reg.udp.length != f1_hdr_reg.ipv4.total_len - 16'(NC_IPV4_BYTES)) f1_reason = NC_DROP_REASON_BAD_UDP_LENGTH;
      if (f1_hdr_reg.udp.dst_port != NC_UDP_PORT)                         f1_reason = NC_DROP_REASON_BAD_UDP_PORT;
      if (cfg_filter_en && f1_hdr_reg.ipv4.dst != cfg_local_ip)           f1_reason = NC_DROP_REASON_BAD_DST_IP;
      if (f1_hdr_reg.ipv4.protocol != NC_IPV4_PROTO_UDP)                  f1_reason = NC_DROP_REASON_BAD_IP_PROTOCOL;
      if (f1_hdr_reg.ipv4.flags[0] || f1_hdr_reg.ipv4.frag_off != '0)     f1_reason = NC_DROP_REASON_IP_FRAGMENT;
      if (ip_fold2 != 16'hFFFF)                                           f1_reason = NC_DROP_REASON_BAD_IP_CHECKSUM;
      if (f1_hdr_reg.ipv4.total_len != f1_len_reg + 16'(TRAILER - NC_ETH_BYTES)) f1_reason = NC_DROP_REASON_BAD_IP_LENGTH;
      if (f1_hdr_reg.ipv4.version != NC_IPV4_VERSION || f1_hdr_reg.ipv4.ihl != NC_IPV4_IHL) f1_reason = NC_DROP_REASON_BAD_IP_VERSION;
      if (f1_hdr_reg.eth.ethertype != NC_ETHERTYPE_IPV4)                  f1_reason = NC_DROP_REASON_BAD_ETHERTYPE;
      if (cfg_filter_en && f1_hdr_reg.eth.dst != cfg_local_mac && f1_hdr_reg.eth.dst != '1) f1_reason = NC_DROP_REASON_BAD_DST_MAC;
      if (f1_len_reg > 16'(NC_MAX_FRAME_BYTES - TRAILER))                 f1_reason = NC_DROP_REASON_TOO_LONG;
      if (f1_len_reg < 16'(NC_FRAME_HDR_BYTES))                           f1_reason = NC_DROP_REASON_TOO_SHORT;
      if (f1_fcs_reg)                                                     f1_reason = NC_DROP_REASON_BAD_FCS;
    end
  end

  // ---------------------------------------------------------------- stage 2: commit / drop / report
  logic            f2_valid_reg;
  nc_drop_reason_e f2_reason_reg;
  nc_frame_hdr_t   f2_hdr_reg;
  logic            f2_good;

  always_ff @(posedge clk) begin
    f2_valid_reg <= f1_valid_reg;
    if (rst) f2_valid_reg <= 1'b0;
  end

  always_ff @(posedge clk) begin
    if (f1_valid_reg) begin
      f2_reason_reg <= f1_reason;
      f2_hdr_reg    <= f1_hdr_reg;
    end
  end

  assign f2_good     = f2_valid_reg && (f2_reason_reg == NC_DROP_REASON_NONE);
  assign stat_valid  = f2_valid_reg;
  assign stat_reason = f2_reason_reg;

  // ---------------------------------------------------------------- FIFOs
  nc_axis_frame_fifo #(
    .DATA_W (512),
    .KEEP_W (64),
    .DEPTH  (PAY_FIFO_DEPTH)
  ) u_pay_fifo (
    .clk           (clk),
    .rst           (rst),
    .wr_en         (wr_en),
    .wr_data       (wr_data),
    .wr_keep       (wr_keep),
    .wr_last       (wr_last),
    .commit        (f2_good),
    .drop          (f2_valid_reg && !f2_good),
    .free          (pay_free),
    .m_axis_tdata  (m_axis_tdata),
    .m_axis_tkeep  (m_axis_tkeep),
    .m_axis_tvalid (m_axis_tvalid),
    .m_axis_tready (m_axis_tready),
    .m_axis_tlast  (m_axis_tlast)
  );

  assign m_axis_tuser = 1'b0;

  logic hdr_s_ready;

  nc_fifo #(
    .WIDTH ($bits(nc_frame_hdr_t)),
    .DEPTH (HDR_FIFO_DEPTH)
  ) u_hdr_fifo (
    .clk     (clk),
    .rst     (rst),
    .s_data  (f2_hdr_reg),
    .s_valid (f2_good),
    .s_ready (hdr_s_ready),
    .m_data  (m_hdr),
    .m_valid (m_hdr_valid),
    .m_ready (m_hdr_ready),
    .free    (hdr_free)
  );

  // hdr_s_ready is guaranteed by the s_axis_tready reservation above
  logic unused_hdr_s_ready;
  assign unused_hdr_s_ready = hdr_s_ready;

endmodule

`default_nettype wire
