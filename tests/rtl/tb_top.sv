// tb_top: Verilator test harness (not synthesised).
//   builder -> ICRC append -> link (gated by link_gate, for back-pressure) -> ICRC check -> parser A (+ counters A)
//   ICRC check -> parser B, driven directly by the testbench with whole frames, trailer included (+ counters B)
// The bld_m_* ports show the frame as it leaves for the link (after the ICRC append).
// Headers cross the C++ boundary in lane order (wire byte 0 in bits [7:0]).
`default_nettype none

module tb_top
  import nc_pkg::*;
(
  input  wire            clk,
  input  wire            rst,

  input  wire            cfg_filter_en,
  input  wire [47:0]     cfg_local_mac,
  input  wire [31:0]     cfg_local_ip,

  // builder
  input  wire [687:0]    bld_hdr_lanes,
  input  wire            bld_hdr_valid,
  output logic           bld_hdr_ready,
  input  wire [511:0]    bld_s_tdata,
  input  wire [63:0]     bld_s_tkeep,
  input  wire            bld_s_tvalid,
  output logic           bld_s_tready,
  input  wire            bld_s_tlast,
  input  wire            bld_s_tuser,
  output logic [511:0]   bld_m_tdata,
  output logic [63:0]    bld_m_tkeep,
  output logic           bld_m_tvalid,
  output logic           bld_m_tready,
  output logic           bld_m_tlast,
  output logic           bld_m_tuser,
  output logic           bld_err_len,
  input  wire            link_gate,

  // parser A (after the builder)
  output logic [687:0]   pa_hdr_lanes,
  output logic           pa_hdr_valid,
  input  wire            pa_hdr_ready,
  output logic [511:0]   pa_m_tdata,
  output logic [63:0]    pa_m_tkeep,
  output logic           pa_m_tvalid,
  input  wire            pa_m_tready,
  output logic           pa_m_tlast,
  output logic           pa_m_tuser,
  output logic           pa_stat_valid,
  output logic [4:0]     pa_stat_reason,
  output logic [NC_DROP_REASON_COUNT-1:0][31:0] pa_cnt,

  // parser B (standalone)
  input  wire [511:0]    pb_s_tdata,
  input  wire [63:0]     pb_s_tkeep,
  input  wire            pb_s_tvalid,
  output logic           pb_s_tready,
  input  wire            pb_s_tlast,
  input  wire            pb_s_tuser,
  output logic [687:0]   pb_hdr_lanes,
  output logic           pb_hdr_valid,
  input  wire            pb_hdr_ready,
  output logic [511:0]   pb_m_tdata,
  output logic [63:0]    pb_m_tkeep,
  output logic           pb_m_tvalid,
  input  wire            pb_m_tready,
  output logic           pb_m_tlast,
  output logic           pb_m_tuser,
  output logic           pb_stat_valid,
  output logic [4:0]     pb_stat_reason,
  output logic [NC_DROP_REASON_COUNT-1:0][31:0] pb_cnt
);

  logic pa_s_tready;
  nc_frame_hdr_t pa_hdr, pb_hdr;
  logic [511:0] b_tdata, ca_tdata, cb_tdata;
  logic [63:0]  b_tkeep, ca_tkeep, cb_tkeep;
  logic         b_tvalid, b_tready, b_tlast, b_tuser;
  logic         ca_tvalid, ca_tready, ca_tlast, ca_tuser, ca_bad;
  logic         cb_tvalid, cb_tready, cb_tlast, cb_tuser, cb_bad;
  nc_drop_reason_e pa_reason, pb_reason;
  logic [31:0] pa_accepted, pb_accepted;

  assign bld_m_tready = pa_s_tready && link_gate;

  nc_frame_builder u_builder (
    .clk              (clk),
    .rst              (rst),
    .s_hdr            (nc_frame_hdr_from_lanes(bld_hdr_lanes)),
    .s_hdr_valid      (bld_hdr_valid),
    .s_hdr_ready      (bld_hdr_ready),
    .s_axis_tdata     (bld_s_tdata),
    .s_axis_tkeep     (bld_s_tkeep),
    .s_axis_tvalid    (bld_s_tvalid),
    .s_axis_tready    (bld_s_tready),
    .s_axis_tlast     (bld_s_tlast),
    .s_axis_tuser     (bld_s_tuser),
    .m_axis_tdata     (b_tdata),
    .m_axis_tkeep     (b_tkeep),
    .m_axis_tvalid    (b_tvalid),
    .m_axis_tready    (b_tready),
    .m_axis_tlast     (b_tlast),
    .m_axis_tuser     (b_tuser),
    .err_len_mismatch (bld_err_len)
  );

  nc_icrc_append #(.START(NC_ICRC_START)) u_append (
    .clk(clk), .rst(rst),
    .s_axis_tdata(b_tdata), .s_axis_tkeep(b_tkeep), .s_axis_tvalid(b_tvalid), .s_axis_tready(b_tready),
    .s_axis_tlast(b_tlast), .s_axis_tuser(b_tuser),
    .m_axis_tdata(bld_m_tdata), .m_axis_tkeep(bld_m_tkeep), .m_axis_tvalid(bld_m_tvalid),
    .m_axis_tready(bld_m_tready), .m_axis_tlast(bld_m_tlast), .m_axis_tuser(bld_m_tuser));

  nc_icrc_check #(.START(NC_ICRC_START)) u_check_a (
    .clk(clk), .rst(rst),
    .s_axis_tdata(bld_m_tdata), .s_axis_tkeep(bld_m_tkeep), .s_axis_tvalid(bld_m_tvalid && link_gate),
    .s_axis_tready(pa_s_tready), .s_axis_tlast(bld_m_tlast), .s_axis_tuser(bld_m_tuser),
    .m_axis_tdata(ca_tdata), .m_axis_tkeep(ca_tkeep), .m_axis_tvalid(ca_tvalid), .m_axis_tready(ca_tready),
    .m_axis_tlast(ca_tlast), .m_axis_tuser(ca_tuser), .m_axis_icrc_bad(ca_bad));

  nc_icrc_check #(.START(NC_ICRC_START)) u_check_b (
    .clk(clk), .rst(rst),
    .s_axis_tdata(pb_s_tdata), .s_axis_tkeep(pb_s_tkeep), .s_axis_tvalid(pb_s_tvalid),
    .s_axis_tready(pb_s_tready), .s_axis_tlast(pb_s_tlast), .s_axis_tuser(pb_s_tuser),
    .m_axis_tdata(cb_tdata), .m_axis_tkeep(cb_tkeep), .m_axis_tvalid(cb_tvalid), .m_axis_tready(cb_tready),
    .m_axis_tlast(cb_tlast), .m_axis_tuser(cb_tuser), .m_axis_icrc_bad(cb_bad));

  nc_frame_parser u_parser_a (
    .clk           (clk),
    .rst           (rst),
    .cfg_filter_en (cfg_filter_en),
    .cfg_local_mac (cfg_local_mac),
    .cfg_local_ip  (cfg_local_ip),
    .s_axis_tdata  (ca_tdata),
    .s_axis_tkeep  (ca_tkeep),
    .s_axis_tvalid (ca_tvalid),
    .s_axis_tready (ca_tready),
    .s_axis_tlast  (ca_tlast),
    .s_axis_tuser  (ca_tuser),
    .s_axis_icrc_bad (ca_bad),
    .m_hdr         (pa_hdr),
    .m_hdr_valid   (pa_hdr_valid),
    .m_hdr_ready   (pa_hdr_ready),
    .m_axis_tdata  (pa_m_tdata),
    .m_axis_tkeep  (pa_m_tkeep),
    .m_axis_tvalid (pa_m_tvalid),
    .m_axis_tready (pa_m_tready),
    .m_axis_tlast  (pa_m_tlast),
    .m_axis_tuser  (pa_m_tuser),
    .stat_valid    (pa_stat_valid),
    .stat_reason   (pa_reason)
  );

  nc_frame_parser u_parser_b (
    .clk           (clk),
    .rst           (rst),
    .cfg_filter_en (cfg_filter_en),
    .cfg_local_mac (cfg_local_mac),
    .cfg_local_ip  (cfg_local_ip),
    .s_axis_tdata  (cb_tdata),
    .s_axis_tkeep  (cb_tkeep),
    .s_axis_tvalid (cb_tvalid),
    .s_axis_tready (cb_tready),
    .s_axis_tlast  (cb_tlast),
    .s_axis_tuser  (cb_tuser),
    .s_axis_icrc_bad (cb_bad),
    .m_hdr         (pb_hdr),
    .m_hdr_valid   (pb_hdr_valid),
    .m_hdr_ready   (pb_hdr_ready),
    .m_axis_tdata  (pb_m_tdata),
    .m_axis_tkeep  (pb_m_tkeep),
    .m_axis_tvalid (pb_m_tvalid),
    .m_axis_tready (pb_m_tready),
    .m_axis_tlast  (pb_m_tlast),
    .m_axis_tuser  (pb_m_tuser),
    .stat_valid    (pb_stat_valid),
    .stat_reason   (pb_reason)
  );

  assign pa_hdr_lanes   = nc_frame_hdr_to_lanes(pa_hdr);
  assign pb_hdr_lanes   = nc_frame_hdr_to_lanes(pb_hdr);
  assign pa_stat_reason = pa_reason;
  assign pb_stat_reason = pb_reason;

  nc_drop_counters u_cnt_a (
    .clk         (clk),
    .rst         (rst),
    .clear       (1'b0),
    .stat_valid  (pa_stat_valid),
    .stat_reason (pa_reason),
    .cnt         (pa_cnt),
    .accepted    (pa_accepted)
  );

  nc_drop_counters u_cnt_b (
    .clk         (clk),
    .rst         (rst),
    .clear       (1'b0),
    .stat_valid  (pb_stat_valid),
    .stat_reason (pb_reason),
    .cnt         (pb_cnt),
    .accepted    (pb_accepted)
  );

  logic unused_ok;
  assign unused_ok = &{1'b0, pa_accepted, pb_accepted};

endmodule

`default_nettype wire
