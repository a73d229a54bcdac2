// nc_fifo: synchronous FIFO with valid/ready on both sides and a registered output.
// Capacity DEPTH entries in the memory plus one in the output register; one push and one pop per cycle.
`default_nettype none

module nc_fifo #(
  parameter int WIDTH = 8,  // entry width in bits
  parameter int DEPTH = 16  // memory entries, a power of two >= 2
) (
  input  wire                    clk,
  input  wire                    rst,

  input  wire [WIDTH-1:0]        s_data,
  input  wire                    s_valid,
  output logic                   s_ready,

  output logic [WIDTH-1:0]       m_data,
  output logic                   m_valid,
  input  wire                    m_ready,

  output logic [$clog2(DEPTH):0] free   // free memory entries
);

  initial begin
    if (DEPTH < 2 || (DEPTH & (DEPTH - 1)) != 0) $fatal(1, "nc_fifo: DEPTH must be a power of two >= 2");
    if (WIDTH < 1) $fatal(1, "nc_fifo: WIDTH must be at least 1");
  end

  localparam int AW = $clog2(DEPTH);

  logic [WIDTH-1:0] mem [DEPTH];
  logic [AW:0]      wr_ptr_reg, rd_ptr_reg;
  logic             m_valid_reg;
  logic [WIDTH-1:0] m_data_reg;
  logic             full, empty, push, pop;

  assign full    = (wr_ptr_reg[AW] != rd_ptr_reg[AW]) && (wr_ptr_reg[AW-1:0] == rd_ptr_reg[AW-1:0]);
  assign empty   = (wr_ptr_reg == rd_ptr_reg);
  assign s_ready = !full;
  assign push    = s_valid && !full;
  assign pop     = !empty && (m_ready || !m_valid_reg);
  assign free    = (AW+1)'(DEPTH) - (wr_ptr_reg - rd_ptr_reg);

  always_ff @(posedge clk) begin
    if (push) wr_ptr_reg <= wr_ptr_reg + 1'b1;
    if (pop) begin
      rd_ptr_reg  <= rd_ptr_reg + 1'b1;
      m_valid_reg <= 1'b1;
    end else if (m_ready) begin
      m_valid_reg <= 1'b0;
    end
    if (rst) begin
      wr_ptr_reg  <= '0;
      rd_ptr_reg  <= '0;
      m_valid_reg <= 1'b0;
    end
  end

  always_ff @(posedge clk) begin
    if (push) mem[wr_ptr_reg[AW-1:0]] <= s_data;
    if (pop) m_data_reg <= mem[rd_ptr_reg[AW-1:0]];
  end

  assign m_data  = m_data_reg;
  assign m_valid = m_valid_reg;

endmodule

`default_nettype wire
