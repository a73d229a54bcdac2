// nc_tx_window_logic: the send window of one channel and its loss recovery, as a function (no state).
//
// State: una (oldest unacknowledged PSN), nxt (next PSN to assign; nxt - una <= WINDOW packets in flight),
// sacked (bit j = PSN una + j selectively acknowledged), done (bit j = PSN una + j asked to be retransmitted
// since it was last found missing), rsent (bit j = that retransmission is on the wire), the recovery mark
// (rec_valid, rec_mark: the first PSN sent after the newest retransmission) and probing (a tail-loss probe
// went out on a timeout; the next acknowledgement answers it). Bits at or beyond nxt - una are zero.
//
//   ACK (ack_psn, sack)  checked first: ack_ahead = it acknowledges PSNs never sent (ack_psn after nxt);
//                        sack_bad = a SACK bit names a PSN at or after nxt. A valid ACK has una <= ack_psn
//                        <= nxt (ack_ok; an earlier ack_psn is stale: nothing of it is used). Then
//                        [una, ack_psn) are newly acknowledged (acked = their count), the window slides to
//                        una = ack_psn, the peer's sack bits are merged, and rtx marks what is lost:
//                          fast      a hole not yet retransmitted with DUPTHRESH selectively acknowledged
//                                    PSNs above it (once per hole)
//                          lost rtx  holes whose retransmission is on the wire (rsent), still missing, while
//                                    DUPTHRESH PSNs from rec_mark on — sent after it — are selectively
//                                    acknowledged: the retransmission was lost too (found without a timeout)
//                          probe     answering a tail-loss probe: every hole below the highest
//                                    selectively acknowledged PSN (all were sent at least a timeout before
//                                    the probe, so a later one arriving proves them lost); nothing else
//                        rec_over: the mark is acknowledged cumulatively (recovery complete).
//   TIMEOUT              tlp marks one PSN, the newest on the wire (before snd_nxt; PSNs assigned but still
//                        queued inside the NIC are not lost): the tail-loss probe. Its acknowledgement
//                        (the receiver answers at once: it carries ACK_REQ) brings a fresh SACK bitmap,
//                        and only what that shows missing is retransmitted — not every unsacked PSN.
// rtx is relative to the new una (ack); tlp to una.
`default_nettype none

module nc_tx_window_logic #(
  parameter int WINDOW    = 64,  // packets in flight at most = SACK bitmap bits
  parameter int DUPTHRESH = 3,   // selectively acknowledged PSNs that prove a hole (or a retransmission) lost
  parameter int CNTW      = $clog2(WINDOW + 1)   // derived: width of a count 0..WINDOW
) (
  input  wire [31:0]        una,
  input  wire [31:0]        nxt,
  input  wire [WINDOW-1:0]  sacked,
  input  wire [WINDOW-1:0]  done,
  input  wire [WINDOW-1:0]  rsent,
  input  wire               rec_valid,
  input  wire [31:0]        rec_mark,
  input  wire               probing,
  input  wire [31:0]        snd_nxt,       // after the newest PSN sent for the first time (una..nxt)
  input  wire [31:0]        ack_psn,
  input  wire [WINDOW-1:0]  sack,          // the peer's: bit i = PSN ack_psn + 1 + i received
  output logic              ack_ok,
  output logic              ack_ahead,
  output logic              sack_bad,
  output logic [CNTW-1:0]   acked,
  output logic [CNTW-1:0]   new_inflight,
  output logic [WINDOW-1:0] new_sacked,
  output logic [WINDOW-1:0] new_done,
  output logic [WINDOW-1:0] new_rsent,
  output logic [WINDOW-1:0] rtx,
  output logic              rec_over,
  output logic [WINDOW-1:0] tlp
);

  initial begin
    if (WINDOW < 4 || WINDOW > 1024 || (WINDOW & (WINDOW - 1)) != 0) $fatal(1, "nc_tx_window_logic: WINDOW must be a power of two in 4..1024");
    if (DUPTHRESH < 1 || DUPTHRESH >= WINDOW) $fatal(1, "nc_tx_window_logic: DUPTHRESH must be 1..WINDOW-1");
    if (CNTW != $clog2(WINDOW + 1)) $fatal(1, "nc_tx_window_logic: CNTW must not be overridden");
  end

  localparam logic [31:0] WIN32 = 32'(WINDOW);

  logic [31:0]       inflight32, d_una, d_nxt, m32;
  logic [CNTW-1:0]   inflight, mark_rel;
  logic [WINDOW-1:0] rng, sack_in, a_sacked, a_done, a_rsent, valid_sack, below_mark;
  logic [WINDOW-1:0] rtx_fast, rtx_lost, rtx_probe;
  logic              mark_hit;

  // mask of the n lowest bits (n = 0..WINDOW)
  function automatic logic [WINDOW-1:0] low_mask(input logic [CNTW-1:0] n);
    return (n >= CNTW'(WINDOW)) ? '1 : ((WINDOW'(1) << n) - WINDOW'(1));
  endfunction
  // the highest set bit of x, alone (0 when x is 0): smear it downwards, keep the top
  function automatic logic [WINDOW-1:0] top_bit(input logic [WINDOW-1:0] x);
    logic [WINDOW-1:0] y;
    y = x;
    for (int s = 1; s < WINDOW; s = s * 2) y = y | (y >> s);
    return y ^ (y >> 1);
  endfunction
  // positions with at least k set bits of x above them
  function automatic logic [WINDOW-1:0] below_kth(input logic [WINDOW-1:0] x, input int k);
    logic [WINDOW-1:0] y, t;
    y = x;
    for (int i = 1; i < k; i++) y = y & ~top_bit(y);   // strip the highest k - 1 set bits
    t = top_bit(y);
    return (t == '0) ? '0 : (t - WINDOW'(1));
  endfunction

  assign inflight32   = nxt - una;
  assign inflight     = CNTW'(inflight32);
  assign d_una        = ack_psn - una;
  assign d_nxt        = nxt - ack_psn;
  assign ack_ok       = (d_una <= inflight32);
  // after nxt (and not merely stale: a stale ack lies at most 2^31 behind)
  assign ack_ahead    = !ack_ok && (ack_psn - nxt) != 32'd0 && !((ack_psn - nxt) >= 32'h8000_0000);
  // SACK bit i = PSN ack_psn + 1 + i: sent only for i < nxt - ack_psn - 1
  assign valid_sack   = (d_nxt == 32'd0) ? '0 :
                        ((d_nxt - 32'd1) >= WIN32) ? '1 : low_mask(CNTW'(d_nxt - 32'd1));
  assign sack_bad     = ack_ok && ((sack & ~valid_sack) != '0);

  assign acked        = CNTW'(d_una);
  assign new_inflight = inflight - acked;
  assign sack_in      = {sack[WINDOW-2:0], 1'b0};   // PSN ack_psn + 1 + i is bit i + 1 above the new una
  assign rng          = low_mask(new_inflight);
  assign a_sacked     = ((sacked >> acked) | sack_in) & rng;
  assign a_done       = (done >> acked) & rng;
  assign a_rsent      = (rsent >> acked) & rng;

  // fast retransmit: holes with DUPTHRESH selectively acknowledged PSNs above, once per hole
  assign rtx_fast = rng & ~a_sacked & ~a_done & below_kth(a_sacked, DUPTHRESH);

  // lost retransmissions: DUPTHRESH PSNs sent after the mark are selectively acknowledged, and holes
  // whose retransmission went out before it are still missing
  assign m32        = rec_mark - ack_psn;                 // mark relative to the new una
  assign rec_over   = !rec_valid || m32 == 32'd0 || m32 >= 32'h8000_0000;
  assign mark_rel   = (m32 >= WIN32) ? CNTW'(WINDOW) : CNTW'(m32);
  assign below_mark = low_mask(mark_rel);
  assign mark_hit   = !rec_over && ($countones(a_sacked & ~below_mark) >= DUPTHRESH);
  assign rtx_lost   = mark_hit ? (a_rsent & ~a_sacked) : '0;

  // the answer to a tail-loss probe: every hole below the highest selectively acknowledged PSN
  assign rtx_probe  = probing ? (rng & ~a_sacked & (top_bit(a_sacked) - WINDOW'(top_bit(a_sacked) != '0))) : '0;

  assign rtx        = rtx_fast | rtx_lost | rtx_probe;
  assign new_sacked = a_sacked;
  assign new_done   = a_done | rtx;
  assign new_rsent  = a_rsent & ~rtx;   // asked for again: not on the wire until it is sent again

  // the tail-loss probe: the newest PSN on the wire
  logic [31:0]     sent32;
  logic [CNTW-1:0] sent;
  assign sent32 = snd_nxt - una;
  assign sent   = (sent32 > inflight32) ? inflight : CNTW'(sent32);
  assign tlp    = (sent == '0) ? '0 : (WINDOW'(1) << (sent - CNTW'(1)));

endmodule

`default_nettype wire
