// nc_rx_window_logic: the receive window of one channel, as a function (no state).
//
// The window state is ack_psn (first PSN not yet received) and sack (bit i = PSN ack_psn + 1 + i
// received), exactly as the channel transport header carries them. For an arriving PSN:
//   duplicate      psn before ack_psn, or already marked in sack
//   out of window  psn after ack_psn + 64
//   new            otherwise: psn == ack_psn advances ack_psn past every consecutive received PSN;
//                  a later psn sets its sack bit
// new_ack_psn/new_sack are the state after accepting the packet (unchanged for duplicate and out of
// window). nc_rx_ctrl keeps the state per channel and decides whether to accept (buffer available).
`default_nettype none

module nc_rx_window_logic (
  input  wire [31:0]  ack_psn,
  input  wire [63:0]  sack,
  input  wire [31:0]  psn,
  output logic        dup,
  output logic        oow,
  output logic [31:0] new_ack_psn,
  output logic [63:0] new_sack
);

  logic [31:0] delta;
  logic [64:0] run;        // {sack, 1}: bit j = PSN ack_psn + j received (ack_psn itself arriving now)
  logic [6:0]  ones;       // trailing ones of run (1..65)

  assign delta = psn - ack_psn;
  assign run   = {sack, 1'b1};

  always_comb begin
    ones = 7'd65;
    for (int j = 64; j >= 0; j--) if (!run[j]) ones = 7'(j);
  end

  always_comb begin
    dup = 1'b0;
    oow = 1'b0;
    new_ack_psn = ack_psn;
    new_sack    = sack;
    if (delta[31]) begin
      dup = 1'b1;
    end else if (delta == 32'd0) begin
      new_ack_psn = ack_psn + 32'(ones);
      new_sack    = 64'(run >> (ones + 7'd1));
    end else if (delta > 32'd64) begin
      oow = 1'b1;
    end else if (sack[delta[5:0] - 6'd1]) begin
      dup = 1'b1;
    end else begin
      new_sack[delta[5:0] - 6'd1] = 1'b1;
    end
  end

endmodule

`default_nettype wire
