// nc_tx_window_logic: the send window of one channel, as a function (no state).
//
// State: una (oldest unacknowledged PSN), nxt (next PSN to assign; nxt - una <= 64 packets in flight),
// sacked (bit j = PSN una + j selectively acknowledged) and done (bit j = PSN una + j already
// retransmitted for its hole). Bits at or beyond nxt - una are zero.
//
//   ACK (ack_psn, sack)  valid when una <= ack_psn <= nxt: [una, ack_psn) are newly acknowledged
//                        (acked = their count), the window slides to una = ack_psn, the peer's sack
//                        bits below nxt are merged, and rtx marks every unsacked hole not yet
//                        retransmitted with at least DUPTHRESH selectively acknowledged PSNs above it
//                        (fast retransmit, once per hole); done gains those bits
//   TIMEOUT              rtx_timeout marks every unsacked PSN in [una, nxt) (all get retransmitted)
// rtx / rtx_timeout are relative to the new una (ack) / una (timeout).
`default_nettype none

module nc_tx_window_logic #(
  parameter int DUPTHRESH = 3   // selectively acknowledged PSNs above a hole that trigger its retransmit
) (
  input  wire [31:0]  una,
  input  wire [31:0]  nxt,
  input  wire [63:0]  sacked,
  input  wire [63:0]  done,
  input  wire [31:0]  ack_psn,
  /* verilator lint_off UNUSEDSIGNAL */
  input  wire [63:0]  sack,          // the peer's: bit i = PSN ack_psn + 1 + i received (bit 63 is
                                     // PSN ack_psn + 64, beyond the 64 a sender keeps in flight)
  /* verilator lint_on UNUSEDSIGNAL */
  output logic        ack_ok,
  output logic [6:0]  acked,
  output logic [6:0]  new_inflight,
  output logic [63:0] new_sacked,
  output logic [63:0] new_done,
  output logic [63:0] rtx,
  output logic [63:0] rtx_timeout
);

  initial begin
    if (DUPTHRESH < 1 || DUPTHRESH > 63) $fatal(1, "nc_tx_window_logic: DUPTHRESH must be 1..63");
  end

  logic [31:0] inflight32, d_una;
  logic [6:0]  inflight;
  logic [63:0] rng, rng_all, sack_in, a_sacked, a_done, above, x1, x2;
  logic [63:0] sacked_lo;

  // mask of the n lowest bits (n = 0..64)
  function automatic logic [63:0] low_mask(input logic [6:0] n);
    return (n >= 7'd64) ? '1 : ((64'd1 << n[5:0]) - 64'd1);
  endfunction
  // the highest set bit of x, alone (0 when x is 0): smear it downwards, keep the top
  function automatic logic [63:0] top_bit(input logic [63:0] x);
    logic [63:0] y;
    y = x | (x >> 1);
    y = y | (y >> 2);
    y = y | (y >> 4);
    y = y | (y >> 8);
    y = y | (y >> 16);
    y = y | (y >> 32);
    return y ^ (y >> 1);
  endfunction

  assign inflight32   = nxt - una;
  assign inflight     = inflight32[6:0];
  assign d_una        = ack_psn - una;
  assign ack_ok       = (d_una <= inflight32);
  assign acked        = d_una[6:0];
  assign new_inflight = inflight - acked;
  assign sack_in      = {sack[62:0], 1'b0};   // PSN ack_psn + 1 + i is bit i + 1 above the new una
  assign rng          = low_mask(new_inflight);
  assign rng_all      = low_mask(inflight);
  assign a_sacked     = ((sacked >> acked) | sack_in) & rng;
  assign a_done       = (done >> acked) & rng;

  // above[j]: at least DUPTHRESH selectively acknowledged PSNs above j. Strip the highest
  // DUPTHRESH - 1 set bits; every position below the next highest one qualifies.
  always_comb begin
    x1 = a_sacked;
    for (int k = 1; k < DUPTHRESH; k++) x1 = x1 & ~top_bit(x1);
    x2 = top_bit(x1);
    above = (x2 == 64'd0) ? 64'd0 : (x2 - 64'd1);
  end

  assign rtx         = rng & ~a_sacked & ~a_done & above;
  assign new_sacked  = a_sacked;
  assign new_done    = a_done | rtx;
  assign sacked_lo   = sacked;
  assign rtx_timeout = rng_all & ~sacked_lo;

endmodule

`default_nettype wire
