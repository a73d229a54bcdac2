// nc_ram_1w1r: simple dual-port RAM, one write port and one read port with a registered read
// (rd_data is valid the cycle after rd_en; a read of the address written in the same cycle returns
// the new data). Used for channel context copies and the Tx info table.
`default_nettype none

module nc_ram_1w1r #(
  parameter int DEPTH = 1024,           // entries, >= 2
  parameter int W     = 32,             // data bits
  parameter int AW    = $clog2(DEPTH)   // address width (derived, do not override)
) (
  input  wire           clk,
  input  wire           wr_en,
  input  wire [AW-1:0]  wr_addr,
  input  wire [W-1:0]   wr_data,
  input  wire           rd_en,
  input  wire [AW-1:0]  rd_addr,
  output logic [W-1:0]  rd_data
);

  initial begin
    if (DEPTH < 2) $fatal(1, "nc_ram_1w1r: DEPTH must be >= 2");
    if (AW != $clog2(DEPTH)) $fatal(1, "nc_ram_1w1r: AW must not be overridden");
  end

  logic [W-1:0] mem [DEPTH];

  always_ff @(posedge clk) begin
    if (wr_en) mem[wr_addr] <= wr_data;
  end

  always_ff @(posedge clk) begin
    if (rd_en) rd_data <= (wr_en && wr_addr == rd_addr) ? wr_data : mem[rd_addr];
  end

endmodule

`default_nettype wire
