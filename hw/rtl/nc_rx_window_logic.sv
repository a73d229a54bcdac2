// nc_rx_window_logic: the receive window of one channel, as a function (no state).
//
// The window state is ack_psn (first PSN not yet received) and sack (bit i = PSN ack_psn + 1 + i
// received), exactly as the channel transport header carries them. For an arriving PSN:
//   duplicate      psn at most HORIZON before ack_psn, or already marked in sack
//   out of window  psn after ack_psn + 64, or more than HORIZON before ack_psn (no sender's retransmission
//                  can lie that far back: a sender keeps at most 64 packets unacknowledged)
//   new            otherwise: psn == ack_psn advances ack_psn past every consecutive received PSN;
//                  a later psn sets its sack bit
// new_ack_psn/new_sack are the state after accepting the packet (unchanged for duplicate and out of
// window). nc_rx_ctrl keeps the state per channel and decides whether to accept (buffer available).
// Written without loops and in 64-bit arithmetic (bit tricks), which keeps it cheap in simulation.
`default_nettype none

module nc_rx_window_logic #(
  parameter int HORIZON = 65536   // PSNs behind ack_psn still taken for duplicates (1..2^30)
) (
  input  wire [31:0]  ack_psn,
  input  wire [63:0]  sack,
  input  wire [31:0]  psn,
  output logic        dup,
  output logic        oow,
  output logic [31:0] new_ack_psn,
  output logic [63:0] new_sack
);

  initial begin
    if (HORIZON < 1 || HORIZON > (1 << 30)) $fatal(1, "nc_rx_window_logic: HORIZON must be 1..2^30");
  end

  logic [31:0] delta;
  logic [6:0]  ones;       // PSNs ack_psn.. now received in a row: 1 + trailing ones of sack (1..65)
  logic [63:0] bit_d;      // the sack bit of psn (delta 1..64)

  // trailing ones of sack = the index of its lowest clear bit = popcount of the bits below it
  assign delta = psn - ack_psn;
  assign ones  = 7'd1 + 7'($countones((~sack & (sack + 64'd1)) - 64'd1));
  assign bit_d = 64'd1 << (delta[5:0] - 6'd1);

  always_comb begin
    dup = 1'b0;
    oow = 1'b0;
    new_ack_psn = ack_psn;
    new_sack    = sack;
    if (delta[31]) begin
      if ((ack_psn - psn) <= 32'(HORIZON)) dup = 1'b1;
      else oow = 1'b1;
    end else if (delta == 32'd0) begin
      new_ack_psn = ack_psn + 32'(ones);
      new_sack    = (ones >= 7'd64) ? 64'd0 : (sack >> ones);
    end else if (delta > 32'd64) begin
      oow = 1'b1;
    end else if ((sack & bit_d) != 64'd0) begin
      dup = 1'b1;
    end else begin
      new_sack = sack | bit_d;
    end
  end

endmodule

`default_nettype wire
