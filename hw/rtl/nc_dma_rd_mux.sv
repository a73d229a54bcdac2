// nc_dma_rd_mux: shares the NIC's DMA read port between its requesters and routes the responses back.
//
// Requests are arbitrated round-robin and issued through a register stage, each with a fresh tag.
// Responses come back in request order (docs/device-interface.md), so a FIFO of (port, tag, first byte
// lane) says where each response burst goes; the routed stream has the response's own
// data/keep/last/err and a per-port valid/ready. A response whose tag is not the expected one is
// counted as a protocol error (it cannot happen with an in-order host). At most 256 reads are
// outstanding, and at most LIMIT_N of them for port LIMIT_PORT (the payload reads, which bounds how
// much payload is in flight ahead of the frame builder).
`default_nettype none

module nc_dma_rd_mux #(
  parameter int PORTS      = 5,    // requesters
  parameter int LIMIT_PORT = 1,    // the port whose outstanding reads are limited
  parameter int LIMIT_N    = 64    // its limit
) (
  input  wire                       clk,
  input  wire                       rst,

  input  wire [PORTS-1:0]           req_valid,
  output logic [PORTS-1:0]          req_ready,
  input  wire [PORTS-1:0][63:0]     req_addr,
  input  wire [PORTS-1:0][15:0]     req_len,

  output logic                      dma_rd_req_valid,
  input  wire                       dma_rd_req_ready,
  output logic [63:0]               dma_rd_req_addr,
  output logic [15:0]               dma_rd_req_len,
  output logic [7:0]                dma_rd_req_tag,
  input  wire                       dma_rd_rsp_valid,
  output logic                      dma_rd_rsp_ready,
  input  wire [511:0]               dma_rd_rsp_data,
  input  wire [63:0]                dma_rd_rsp_keep,
  input  wire                       dma_rd_rsp_last,
  input  wire [7:0]                 dma_rd_rsp_tag,
  input  wire                       dma_rd_rsp_err,

  // routed responses
  output logic [PORTS-1:0]          rsp_valid,
  input  wire [PORTS-1:0]           rsp_ready,
  output logic [511:0]              rsp_data,
  output logic [63:0]               rsp_keep,
  output logic                      rsp_last,
  output logic                      rsp_err,
  output logic [5:0]                rsp_lane,     // first byte lane of the read (addr % 64)

  output logic                      cnt_fault,    // pulse: a response with err (the host refused the read)
  output logic                      cnt_tag_error // pulse: a response with an unexpected tag
);

  localparam int PW = (PORTS > 1) ? $clog2(PORTS) : 1;

  initial begin
    if (PORTS < 1 || PORTS > 8) $fatal(1, "nc_dma_rd_mux: PORTS must be 1..8");
    if (LIMIT_N < 1 || LIMIT_N > 255) $fatal(1, "nc_dma_rd_mux: LIMIT_N must be 1..255");
  end

  // ---------------------------------------------------------------- arbitration
  logic [PW-1:0]  last_reg, grant;
  logic           any, out_free, fire;
  logic [PORTS-1:0] eligible;
  logic [8:0]     outstanding_reg;   // all reads (0..256)
  logic [7:0]     limited_reg;       // reads of LIMIT_PORT
  logic           order_ready;

  always_comb begin
    eligible = req_valid;
    if (limited_reg >= 8'(LIMIT_N)) eligible[LIMIT_PORT] = 1'b0;
  end

  always_comb begin
    grant = last_reg;
    any   = 1'b0;
    for (int k = 1; k <= PORTS; k++) begin
      if (!any && eligible[(int'(last_reg) + k) % PORTS]) begin
        grant = PW'((int'(last_reg) + k) % PORTS);
        any   = 1'b1;
      end
    end
  end

  assign out_free = !dma_rd_req_valid || dma_rd_req_ready;
  assign fire     = any && out_free && order_ready && (outstanding_reg < 9'd256);

  always_comb begin
    req_ready = '0;
    if (fire) req_ready[grant] = 1'b1;
  end

  logic [7:0] tag_reg;

  always_ff @(posedge clk) begin
    if (out_free) dma_rd_req_valid <= fire;
    if (fire) begin
      last_reg <= grant;
      tag_reg  <= tag_reg + 8'd1;
    end
    if (rst) begin
      dma_rd_req_valid <= 1'b0;
      last_reg         <= PW'(PORTS - 1);
      tag_reg          <= '0;
    end
  end

  always_ff @(posedge clk) begin
    if (fire) begin
      dma_rd_req_addr <= req_addr[grant];
      dma_rd_req_len  <= req_len[grant];
      dma_rd_req_tag  <= tag_reg;
    end
  end

  // ---------------------------------------------------------------- response routing
  typedef struct packed {
    logic [PW-1:0] port;
    logic [7:0]    tag;
    logic [5:0]    lane;
  } ord_t;

  ord_t   ord_in, ord_head;
  logic   ord_valid, rsp_fire, rsp_end;
  /* verilator lint_off UNUSEDSIGNAL */
  logic [8:0] ord_free_unused;
  /* verilator lint_on UNUSEDSIGNAL */

  assign ord_in = '{port: grant, tag: tag_reg, lane: req_addr[grant][5:0]};

  nc_fifo #(.WIDTH($bits(ord_t)), .DEPTH(256)) u_order (
    .clk(clk), .rst(rst), .s_data(ord_in), .s_valid(fire), .s_ready(order_ready),
    .m_data(ord_head), .m_valid(ord_valid), .m_ready(rsp_end), .free(ord_free_unused));

  always_comb begin
    rsp_valid = '0;
    if (ord_valid && dma_rd_rsp_valid) rsp_valid[ord_head.port] = 1'b1;
  end
  assign dma_rd_rsp_ready = ord_valid && rsp_ready[ord_head.port];
  assign rsp_fire         = dma_rd_rsp_valid && dma_rd_rsp_ready;
  assign rsp_end          = rsp_fire && dma_rd_rsp_last;
  assign rsp_data         = dma_rd_rsp_data;
  assign rsp_keep         = dma_rd_rsp_keep;
  assign rsp_last         = dma_rd_rsp_last;
  assign rsp_err          = dma_rd_rsp_err;
  assign rsp_lane         = ord_head.lane;

  always_ff @(posedge clk) begin
    outstanding_reg <= outstanding_reg + (fire ? 9'd1 : 9'd0) - (rsp_end ? 9'd1 : 9'd0);
    limited_reg     <= limited_reg + ((fire && grant == PW'(LIMIT_PORT)) ? 8'd1 : 8'd0)
                                   - ((rsp_end && ord_head.port == PW'(LIMIT_PORT)) ? 8'd1 : 8'd0);
    cnt_fault       <= rsp_end && dma_rd_rsp_err;
    cnt_tag_error   <= rsp_fire && dma_rd_rsp_tag != ord_head.tag;
    if (rst) begin
      outstanding_reg <= '0;
      limited_reg     <= '0;
      cnt_fault       <= 1'b0;
      cnt_tag_error   <= 1'b0;
    end
  end

endmodule

`default_nettype wire
