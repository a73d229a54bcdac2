// libncsim's Verilated top: two nc_nic instances on one clock, so one eval per clock edge advances
// both. Every port of instance N is brought out as nN_<port>; the C++ wrapper (sim/src/ncsim.cpp)
// drives the MMIO, DMA and MAC sides, and the link model joins n0's m_axis_tx to n1's s_axis_rx and back.
// Simulation only (not part of the synthesizable RTL).
//
// The NIC module is nc_nic unless NCSIM_NIC_MODULE names another with the same parameters and ports
// (build/sim/libncsim_testdev.so is built with +define+NCSIM_NIC_MODULE=nc_testdev, tests/sim/nc_testdev.sv).

`ifndef NCSIM_NIC_MODULE
`define NCSIM_NIC_MODULE nc_nic
`endif

`define NCSIM_NIC_PORTS(p) \
  input  wire          p``_mmio_valid,        output logic         p``_mmio_ready, \
  input  wire          p``_mmio_write,        input  wire [15:0]   p``_mmio_addr, \
  input  wire [31:0]   p``_mmio_wdata, \
  output logic         p``_mmio_rd_valid,     output logic [31:0]  p``_mmio_rd_data, \
  output logic         p``_dma_rd_req_valid,  input  wire          p``_dma_rd_req_ready, \
  output logic [63:0]  p``_dma_rd_req_addr,   output logic [15:0]  p``_dma_rd_req_len, \
  output logic [7:0]   p``_dma_rd_req_tag, \
  input  wire          p``_dma_rd_rsp_valid,  output logic         p``_dma_rd_rsp_ready, \
  input  wire [511:0]  p``_dma_rd_rsp_data,   input  wire [63:0]   p``_dma_rd_rsp_keep, \
  input  wire          p``_dma_rd_rsp_last,   input  wire [7:0]    p``_dma_rd_rsp_tag, \
  input  wire          p``_dma_rd_rsp_err, \
  output logic         p``_dma_wr_valid,      input  wire          p``_dma_wr_ready, \
  output logic [63:0]  p``_dma_wr_addr, \
  output logic [511:0] p``_dma_wr_data,       output logic [63:0]  p``_dma_wr_keep, \
  output logic         p``_dma_wr_last,       output logic [7:0]   p``_dma_wr_tag, \
  input  wire          p``_dma_wr_done_valid, input  wire [7:0]    p``_dma_wr_done_tag, \
  input  wire          p``_dma_wr_done_err, \
  output logic [511:0] p``_m_axis_tx_tdata,   output logic [63:0]  p``_m_axis_tx_tkeep, \
  output logic         p``_m_axis_tx_tvalid,  input  wire          p``_m_axis_tx_tready, \
  output logic         p``_m_axis_tx_tlast,   output logic         p``_m_axis_tx_tuser, \
  input  wire [511:0]  p``_s_axis_rx_tdata,   input  wire [63:0]   p``_s_axis_rx_tkeep, \
  input  wire          p``_s_axis_rx_tvalid,  output logic         p``_s_axis_rx_tready, \
  input  wire          p``_s_axis_rx_tlast,   input  wire          p``_s_axis_rx_tuser, \
  output logic         p``_irq_valid,         output logic [7:0]   p``_irq_vector

`define NCSIM_NIC_CONN(p) \
  .mmio_valid(p``_mmio_valid), .mmio_ready(p``_mmio_ready), .mmio_write(p``_mmio_write), \
  .mmio_addr(p``_mmio_addr), .mmio_wdata(p``_mmio_wdata), \
  .mmio_rd_valid(p``_mmio_rd_valid), .mmio_rd_data(p``_mmio_rd_data), \
  .dma_rd_req_valid(p``_dma_rd_req_valid), .dma_rd_req_ready(p``_dma_rd_req_ready), \
  .dma_rd_req_addr(p``_dma_rd_req_addr), .dma_rd_req_len(p``_dma_rd_req_len), .dma_rd_req_tag(p``_dma_rd_req_tag), \
  .dma_rd_rsp_valid(p``_dma_rd_rsp_valid), .dma_rd_rsp_ready(p``_dma_rd_rsp_ready), \
  .dma_rd_rsp_data(p``_dma_rd_rsp_data), .dma_rd_rsp_keep(p``_dma_rd_rsp_keep), \
  .dma_rd_rsp_last(p``_dma_rd_rsp_last), .dma_rd_rsp_tag(p``_dma_rd_rsp_tag), .dma_rd_rsp_err(p``_dma_rd_rsp_err), \
  .dma_wr_valid(p``_dma_wr_valid), .dma_wr_ready(p``_dma_wr_ready), .dma_wr_addr(p``_dma_wr_addr), \
  .dma_wr_data(p``_dma_wr_data), .dma_wr_keep(p``_dma_wr_keep), .dma_wr_last(p``_dma_wr_last), \
  .dma_wr_tag(p``_dma_wr_tag), .dma_wr_done_valid(p``_dma_wr_done_valid), \
  .dma_wr_done_tag(p``_dma_wr_done_tag), .dma_wr_done_err(p``_dma_wr_done_err), \
  .m_axis_tx_tdata(p``_m_axis_tx_tdata), .m_axis_tx_tkeep(p``_m_axis_tx_tkeep), \
  .m_axis_tx_tvalid(p``_m_axis_tx_tvalid), .m_axis_tx_tready(p``_m_axis_tx_tready), \
  .m_axis_tx_tlast(p``_m_axis_tx_tlast), .m_axis_tx_tuser(p``_m_axis_tx_tuser), \
  .s_axis_rx_tdata(p``_s_axis_rx_tdata), .s_axis_rx_tkeep(p``_s_axis_rx_tkeep), \
  .s_axis_rx_tvalid(p``_s_axis_rx_tvalid), .s_axis_rx_tready(p``_s_axis_rx_tready), \
  .s_axis_rx_tlast(p``_s_axis_rx_tlast), .s_axis_rx_tuser(p``_s_axis_rx_tuser), \
  .irq_valid(p``_irq_valid), .irq_vector(p``_irq_vector)

module ncsim_top #(
  parameter int          CHANNELS     = 1024,
  parameter int          EVENT_QUEUES = 8,
  parameter logic [31:0] BUILD_ID     = 32'h0
) (
  input wire clk,
  input wire rst,
  `NCSIM_NIC_PORTS(n0),
  `NCSIM_NIC_PORTS(n1)
);
  `NCSIM_NIC_MODULE #(.CHANNELS(CHANNELS), .EVENT_QUEUES(EVENT_QUEUES), .BUILD_ID(BUILD_ID)) u_nic0 (
    .clk(clk), .rst(rst), `NCSIM_NIC_CONN(n0)
  );
  `NCSIM_NIC_MODULE #(.CHANNELS(CHANNELS), .EVENT_QUEUES(EVENT_QUEUES), .BUILD_ID(BUILD_ID)) u_nic1 (
    .clk(clk), .rst(rst), `NCSIM_NIC_CONN(n1)
  );
endmodule

`undef NCSIM_NIC_PORTS
`undef NCSIM_NIC_CONN
`undef NCSIM_NIC_MODULE
