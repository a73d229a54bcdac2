// tb_dma: Verilator top of the DMA engine block tests (testbench only, not synthesised). Every port is a
// top-level port, so tests/rtl/tb_dma.cpp drives them directly:
//   rd_*  nc_dma_rd_mux with nc_nic's parameters (5 ports, port 1 = payload reads limited to 64 outstanding)
//   wr_*  nc_dma_wr_mux
`default_nettype none

module tb_dma (
  input  wire           clk,
  input  wire           rst,

  // ---- nc_dma_rd_mux
  input  wire [4:0]     rd_req_valid,
  output logic [4:0]    rd_req_ready,
  input  wire [319:0]   rd_req_addr,      // port p: [64p +: 64]
  input  wire [79:0]    rd_req_len,       // port p: [16p +: 16]
  output logic          rd_dma_req_valid,
  input  wire           rd_dma_req_ready,
  output logic [63:0]   rd_dma_req_addr,
  output logic [15:0]   rd_dma_req_len,
  output logic [7:0]    rd_dma_req_tag,
  input  wire           rd_dma_rsp_valid,
  output logic          rd_dma_rsp_ready,
  input  wire [511:0]   rd_dma_rsp_data,
  input  wire [63:0]    rd_dma_rsp_keep,
  input  wire           rd_dma_rsp_last,
  input  wire [7:0]     rd_dma_rsp_tag,
  input  wire           rd_dma_rsp_err,
  output logic [4:0]    rd_rsp_valid,
  input  wire [4:0]     rd_rsp_ready,
  output logic [511:0]  rd_rsp_data,
  output logic [63:0]   rd_rsp_keep,
  output logic          rd_rsp_last,
  output logic          rd_rsp_err,
  output logic [5:0]    rd_rsp_lane,
  output logic          rd_cnt_fault,
  output logic          rd_cnt_tag_error,

  // ---- nc_dma_wr_mux
  input  wire           wr_b_valid,
  output logic          wr_b_ready,
  input  wire [63:0]    wr_b_addr,
  input  wire [511:0]   wr_b_data,
  input  wire [63:0]    wr_b_keep,
  input  wire           wr_b_last,
  input  wire           wr_a_valid,
  output logic          wr_a_ready,
  input  wire [63:0]    wr_a_addr,
  input  wire [511:0]   wr_a_data,
  input  wire [63:0]    wr_a_keep,
  input  wire           wr_c_valid,
  output logic          wr_c_ready,
  input  wire           wr_c_irq,
  input  wire [7:0]     wr_c_vector,
  input  wire [63:0]    wr_c_addr,
  input  wire [511:0]   wr_c_data,
  input  wire [63:0]    wr_c_keep,
  output logic          wr_dma_valid,
  input  wire           wr_dma_ready,
  output logic [63:0]   wr_dma_addr,
  output logic [511:0]  wr_dma_data,
  output logic [63:0]   wr_dma_keep,
  output logic          wr_dma_last,
  output logic [7:0]    wr_dma_tag,
  input  wire           wr_dma_done_valid,
  input  wire [7:0]     wr_dma_done_tag,
  input  wire           wr_dma_done_err,
  output logic          wr_irq_valid,
  output logic [7:0]    wr_irq_vector,
  output logic          wr_cnt_fault
);

  nc_dma_rd_mux #(.PORTS(5), .LIMIT_PORT(1), .LIMIT_N(64)) u_rd (
    .clk(clk), .rst(rst),
    .req_valid(rd_req_valid), .req_ready(rd_req_ready), .req_addr(rd_req_addr), .req_len(rd_req_len),
    .dma_rd_req_valid(rd_dma_req_valid), .dma_rd_req_ready(rd_dma_req_ready), .dma_rd_req_addr(rd_dma_req_addr),
    .dma_rd_req_len(rd_dma_req_len), .dma_rd_req_tag(rd_dma_req_tag),
    .dma_rd_rsp_valid(rd_dma_rsp_valid), .dma_rd_rsp_ready(rd_dma_rsp_ready), .dma_rd_rsp_data(rd_dma_rsp_data),
    .dma_rd_rsp_keep(rd_dma_rsp_keep), .dma_rd_rsp_last(rd_dma_rsp_last), .dma_rd_rsp_tag(rd_dma_rsp_tag),
    .dma_rd_rsp_err(rd_dma_rsp_err),
    .rsp_valid(rd_rsp_valid), .rsp_ready(rd_rsp_ready), .rsp_data(rd_rsp_data), .rsp_keep(rd_rsp_keep),
    .rsp_last(rd_rsp_last), .rsp_err(rd_rsp_err), .rsp_lane(rd_rsp_lane),
    .cnt_fault(rd_cnt_fault), .cnt_tag_error(rd_cnt_tag_error));

  nc_dma_wr_mux u_wr (
    .clk(clk), .rst(rst),
    .b_valid(wr_b_valid), .b_ready(wr_b_ready), .b_addr(wr_b_addr), .b_data(wr_b_data), .b_keep(wr_b_keep),
    .b_last(wr_b_last),
    .a_valid(wr_a_valid), .a_ready(wr_a_ready), .a_addr(wr_a_addr), .a_data(wr_a_data), .a_keep(wr_a_keep),
    .c_valid(wr_c_valid), .c_ready(wr_c_ready), .c_irq(wr_c_irq), .c_vector(wr_c_vector), .c_addr(wr_c_addr),
    .c_data(wr_c_data), .c_keep(wr_c_keep),
    .dma_wr_valid(wr_dma_valid), .dma_wr_ready(wr_dma_ready), .dma_wr_addr(wr_dma_addr), .dma_wr_data(wr_dma_data),
    .dma_wr_keep(wr_dma_keep), .dma_wr_last(wr_dma_last), .dma_wr_tag(wr_dma_tag),
    .dma_wr_done_valid(wr_dma_done_valid), .dma_wr_done_tag(wr_dma_done_tag), .dma_wr_done_err(wr_dma_done_err),
    .irq_valid(wr_irq_valid), .irq_vector(wr_irq_vector), .cnt_fault(wr_cnt_fault));

endmodule

`default_nettype wire
