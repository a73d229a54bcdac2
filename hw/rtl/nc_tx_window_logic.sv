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
  logic [63:0] rng, sack_in, a_sacked, a_done, above;
  logic [6:0]  run;

  assign inflight32   = nxt - una;
  assign inflight     = inflight32[6:0];
  assign d_una        = ack_psn - una;
  assign ack_ok       = (d_una <= inflight32);
  assign acked        = d_una[6:0];
  assign new_inflight = inflight - acked;
  assign sack_in      = {sack[62:0], 1'b0};   // PSN ack_psn + 1 + i is bit i + 1 above the new una

  always_comb begin
    for (int j = 0; j < 64; j++) rng[j] = (7'(j) < new_inflight);
    a_sacked = ((sacked >> acked) | sack_in) & rng;
    a_done   = (done >> acked) & rng;
    run = '0;
    for (int j = 63; j >= 0; j--) begin
      above[j] = (run >= 7'(DUPTHRESH));
      if (a_sacked[j] && run < 7'(DUPTHRESH)) run = run + 7'd1;
    end
    rtx        = rng & ~a_sacked & ~a_done & above;
    new_sacked = a_sacked;
    new_done   = a_done | rtx;
    for (int j = 0; j < 64; j++) rtx_timeout[j] = (7'(j) < inflight) && !sacked[j];
  end

endmodule

`default_nettype wire
