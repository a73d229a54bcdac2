// nc_drop_counters: one 32-bit wrapping counter per parser status code, fed by the parser's
// per-frame stat_valid/stat_reason pulse. cnt[NC_DROP_REASON_NONE] counts accepted frames,
// cnt[r] for r > 0 counts frames dropped for reason r (register CNT_DROP_BASE + 4*r).
`default_nettype none

module nc_drop_counters
  import nc_pkg::*;
#(
  parameter int CNT_W = 32  // counter width in bits
) (
  input  wire                                       clk,
  input  wire                                       rst,
  input  wire                                       clear,        // zero every counter
  input  wire                                       stat_valid,
  input  wire nc_drop_reason_e                      stat_reason,
  output logic [NC_DROP_REASON_COUNT-1:0][CNT_W-1:0] cnt,
  output logic [CNT_W-1:0]                          accepted     // = cnt[NC_DROP_REASON_NONE]
);

  initial begin
    if (CNT_W < 1 || CNT_W > 64) $fatal(1, "nc_drop_counters: CNT_W must be 1..64");
  end

  logic [NC_DROP_REASON_COUNT-1:0][CNT_W-1:0] cnt_reg;

  always_ff @(posedge clk) begin
    if (stat_valid && int'(stat_reason) < NC_DROP_REASON_COUNT)
      cnt_reg[stat_reason] <= cnt_reg[stat_reason] + 1'b1;
    if (rst || clear) begin
      for (int i = 0; i < NC_DROP_REASON_COUNT; i++) cnt_reg[i] <= '0;
    end
  end

  assign cnt      = cnt_reg;
  assign accepted = cnt_reg[NC_DROP_REASON_NONE];

endmodule

`default_nettype wire
