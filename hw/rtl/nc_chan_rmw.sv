// nc_chan_rmw: per-channel state in RAM with a read-modify-write pipeline, one operation per cycle.
//
// An operation (s_addr, s_op) is accepted, the state word of its entry is read (registered, with a
// write-to-read bypass), and in the next stage ("p") the caller's combinational logic turns p_state and
// p_op into p_next and its own outputs. The stage completes (p_fire) unless the caller holds it
// (p_hold, e.g. an output FIFO is full); on completion p_next is written back when p_write is set.
// Back-to-back operations on the same entry see each other's updates (the p stage is the only writer
// and its write is bypassed into the read of the operation accepted in the same cycle), so one
// operation per cycle is sustained whatever the addresses.
//
// After reset every entry is cleared to zero, one per cycle (DEPTH cycles, s_ready low meanwhile):
// state zero must mean "closed / idle" to the caller.
`default_nettype none

module nc_chan_rmw #(
  parameter int DEPTH = 1024,              // entries, >= 2
  parameter int SW    = 64,                // state word bits
  parameter int OPW   = 8,                 // operation bits carried alongside
  parameter int AW    = $clog2(DEPTH)      // address width (derived, do not override)
) (
  input  wire             clk,
  input  wire             rst,

  input  wire             s_valid,
  output logic            s_ready,
  input  wire [AW-1:0]    s_addr,
  input  wire [OPW-1:0]   s_op,

  output logic            p_valid,
  output logic [AW-1:0]   p_addr,
  output logic [OPW-1:0]  p_op,
  output logic [SW-1:0]   p_state,
  input  wire  [SW-1:0]   p_next,
  input  wire             p_write,
  input  wire             p_hold,
  output logic            p_fire,

  output logic            clearing       // the post-reset clear is running
);

  initial begin
    if (DEPTH < 2) $fatal(1, "nc_chan_rmw: DEPTH must be >= 2");
    if (AW != $clog2(DEPTH)) $fatal(1, "nc_chan_rmw: AW must not be overridden");
  end

  logic [SW-1:0] mem [DEPTH];

  logic          clear_reg;
  logic [AW-1:0] clear_ptr_reg;
  logic          p_valid_reg;
  logic [AW-1:0] p_addr_reg;
  logic [OPW-1:0] p_op_reg;
  logic [SW-1:0] p_state_reg;

  logic          adv, accept, wr_en;
  logic [AW-1:0] wr_addr;
  logic [SW-1:0] wr_data;

  assign p_fire   = p_valid_reg && !p_hold;
  assign adv      = !p_valid_reg || p_fire;
  assign s_ready  = adv && !clear_reg;
  assign accept   = s_valid && s_ready;
  assign clearing = clear_reg;

  assign wr_en   = clear_reg || (p_fire && p_write);
  assign wr_addr = clear_reg ? clear_ptr_reg : p_addr_reg;
  assign wr_data = clear_reg ? '0 : p_next;

  always_ff @(posedge clk) begin
    if (wr_en) mem[wr_addr] <= wr_data;
  end

  always_ff @(posedge clk) begin
    if (adv) p_valid_reg <= accept;
    if (clear_reg) begin
      clear_ptr_reg <= clear_ptr_reg + 1'b1;
      if (clear_ptr_reg == AW'(DEPTH - 1)) clear_reg <= 1'b0;
    end
    if (rst) begin
      p_valid_reg   <= 1'b0;
      clear_reg     <= 1'b1;
      clear_ptr_reg <= '0;
    end
  end

  always_ff @(posedge clk) begin
    if (accept) begin
      p_addr_reg  <= s_addr;
      p_op_reg    <= s_op;
      p_state_reg <= (wr_en && wr_addr == s_addr) ? wr_data : mem[s_addr];
    end
  end

  assign p_valid = p_valid_reg;
  assign p_addr  = p_addr_reg;
  assign p_op    = p_op_reg;
  assign p_state = p_state_reg;

endmodule

`default_nettype wire
