// nc_axis_frame_fifo: store-and-forward AXI-Stream FIFO with drop-on-bad frames.
// The writer pushes beats with wr_en; at the end of a frame it pulses commit (the frame becomes
// visible to the reader) or drop (every beat written since the last commit is discarded). A commit
// or drop also covers a beat written in the same cycle. The read side only ever sees committed frames.
`default_nettype none

module nc_axis_frame_fifo #(
  parameter int DATA_W = 512,        // tdata width in bits (multiple of 8)
  parameter int KEEP_W = DATA_W / 8, // tkeep width: one bit per byte lane
  parameter int DEPTH  = 256         // memory entries (beats), a power of two >= 2
) (
  input  wire                    clk,
  input  wire                    rst,

  input  wire                    wr_en,
  input  wire [DATA_W-1:0]       wr_data,
  input  wire [KEEP_W-1:0]       wr_keep,
  input  wire                    wr_last,
  input  wire                    commit,
  input  wire                    drop,
  output logic [$clog2(DEPTH):0] free,   // entries not holding committed or pending beats

  output logic [DATA_W-1:0]      m_axis_tdata,
  output logic [KEEP_W-1:0]      m_axis_tkeep,
  output logic                   m_axis_tvalid,
  input  wire                    m_axis_tready,
  output logic                   m_axis_tlast
);

  initial begin
    if (DEPTH < 2 || (DEPTH & (DEPTH - 1)) != 0) $fatal(1, "nc_axis_frame_fifo: DEPTH must be a power of two >= 2");
    if (DATA_W < 8 || DATA_W % 8 != 0) $fatal(1, "nc_axis_frame_fifo: DATA_W must be a multiple of 8");
    if (KEEP_W != DATA_W / 8) $fatal(1, "nc_axis_frame_fifo: KEEP_W must be DATA_W/8");
  end

  localparam int AW     = $clog2(DEPTH);
  localparam int BEAT_W = DATA_W + KEEP_W + 1;

  logic [BEAT_W-1:0] mem [DEPTH];
  logic [AW:0]       wr_ptr_reg, commit_ptr_reg, rd_ptr_reg;
  logic [AW:0]       wr_ptr_inc;
  // The output beat's fields are separate registers (a concatenated beat register would be unpacked,
  // 577 bits, in every simulated cycle).
  logic [DATA_W-1:0] m_data_reg;
  logic [KEEP_W-1:0] m_keep_reg;
  logic              m_last_reg;
  logic              m_valid_reg;
  logic              empty, pop, full;

  assign full       = (wr_ptr_reg - rd_ptr_reg) == (AW+1)'(DEPTH);
  assign wr_ptr_inc = wr_ptr_reg + (AW+1)'(wr_en && !full);
  assign empty      = (rd_ptr_reg == commit_ptr_reg);
  assign pop        = !empty && (m_axis_tready || !m_valid_reg);
  assign free       = (AW+1)'(DEPTH) - (wr_ptr_reg - rd_ptr_reg);

  always_ff @(posedge clk) begin
    if (drop) begin
      wr_ptr_reg <= commit_ptr_reg;
    end else begin
      wr_ptr_reg <= wr_ptr_inc;
      if (commit) commit_ptr_reg <= wr_ptr_inc;
    end
    if (pop) begin
      rd_ptr_reg  <= rd_ptr_reg + 1'b1;
      m_valid_reg <= 1'b1;
    end else if (m_axis_tready) begin
      m_valid_reg <= 1'b0;
    end
    if (rst) begin
      wr_ptr_reg     <= '0;
      commit_ptr_reg <= '0;
      rd_ptr_reg     <= '0;
      m_valid_reg    <= 1'b0;
    end
  end

  always_ff @(posedge clk) begin
    if (wr_en && !full) mem[wr_ptr_reg[AW-1:0]] <= {wr_last, wr_keep, wr_data};
    if (pop) {m_last_reg, m_keep_reg, m_data_reg} <= mem[rd_ptr_reg[AW-1:0]];
  end

  assign m_axis_tvalid = m_valid_reg;
  assign m_axis_tdata  = m_data_reg;
  assign m_axis_tkeep  = m_keep_reg;
  assign m_axis_tlast  = m_last_reg;

endmodule

`default_nettype wire
