// nc_tx_window: per-channel sender state of the reliable transport (one instance serves every channel).
//
// State per channel, in RAM (bit j of a bitmap = PSN una + j, j = 0..64):
//   una        oldest unacknowledged PSN          nxt        next new PSN (nxt - una <= WINDOW = 65)
//   sacked     PSNs selectively acknowledged      retx_done  holes already fast-retransmitted
// Bits at or beyond nxt - una are always zero.
//
// One operation per cycle on a single s_op channel; every operation gets one m_rsp, in order:
//   OP_INIT    (chan, psn)          una = nxt = psn, bitmaps cleared.
//   OP_SEND    (chan)               psn = nxt, nxt++ ; STATUS_NO_WINDOW (no change) when nxt - una == 65.
//   OP_ACK     (chan, psn, sack)    psn = the peer's ack_psn. Stale (before una) or beyond nxt:
//                                   STATUS_BAD_ACK, no change. Otherwise [acked_from, +acked_count) =
//                                   [old una, new una) are newly acknowledged, una = ack_psn, the sack
//                                   bits (PSN ack_psn+1+i) below nxt are merged into sacked (bits at or
//                                   beyond nxt are ignored), and rtx_mask (relative to rtx_base = new una)
//                                   marks every unsacked hole not yet retransmitted with at least
//                                   DUPTHRESH sacked PSNs after it; those are set in retx_done.
//   OP_TIMEOUT (chan)               rtx_mask = every unsacked PSN in [una, nxt); retx_done = rtx_mask.
// Every response carries inflight = nxt - una after the operation (the caller arms/disarms the timer).
// rtx_mask is 65 bits wide (WINDOW): with 65 PSNs in flight and none sacked a timeout retransmits 65.
//
// Pipeline and throughput as nc_rx_window: accept (RAM read with write-to-read bypass) -> stage 1
// (update written back, response registered); back-to-back operations on the same channel at one per
// cycle. s_op_ready depends combinationally on m_rsp_ready.
`default_nettype none

module nc_tx_window #(
  parameter int CHANNELS  = 1024,             // number of channels, a power of two >= 2
  parameter int DUPTHRESH = 3,                // sacked PSNs after a hole that trigger its fast retransmit
  parameter int CW        = $clog2(CHANNELS)  // channel index width (derived, do not override)
) (
  input  wire           clk,
  input  wire           rst,

  input  wire           s_op_valid,
  output logic          s_op_ready,
  input  wire [1:0]     s_op_code,     // OP_* below
  input  wire [CW-1:0]  s_op_chan,
  input  wire [31:0]    s_op_psn,      // INIT: initial PSN; ACK: ack_psn
  input  wire [63:0]    s_op_sack,     // ACK: sack bitmap (bit i = PSN ack_psn + 1 + i)

  output logic          m_rsp_valid,
  input  wire           m_rsp_ready,
  output logic [1:0]    m_rsp_code,
  output logic [CW-1:0] m_rsp_chan,
  output logic [1:0]    m_rsp_status,      // STATUS_* below
  output logic [31:0]   m_rsp_psn,         // SEND: the PSN assigned
  output logic [31:0]   m_rsp_acked_from,  // ACK: old una
  output logic [6:0]    m_rsp_acked_count, // ACK: PSNs newly cumulatively acknowledged (0..65)
  output logic [31:0]   m_rsp_rtx_base,    // ACK/TIMEOUT: PSN of rtx_mask bit 0 (= una after the op)
  output logic [64:0]   m_rsp_rtx_mask,    // ACK/TIMEOUT: PSNs to retransmit
  output logic [6:0]    m_rsp_inflight     // nxt - una after the op (0..65)
);

  localparam logic [1:0] OP_INIT    = 2'd0;
  localparam logic [1:0] OP_SEND    = 2'd1;
  localparam logic [1:0] OP_ACK     = 2'd2;
  localparam logic [1:0] OP_TIMEOUT = 2'd3;
  localparam logic [1:0] STATUS_OK        = 2'd0;
  localparam logic [1:0] STATUS_NO_WINDOW = 2'd1;
  localparam logic [1:0] STATUS_BAD_ACK   = 2'd2;
  localparam int WINDOW = 65;     // PSNs in flight at most: the receiver accepts [ack_psn, ack_psn + 64]

  initial begin
    if (CHANNELS < 2 || (CHANNELS & (CHANNELS - 1)) != 0) $fatal(1, "nc_tx_window: CHANNELS must be a power of two >= 2");
    if (DUPTHRESH < 1 || DUPTHRESH > 63) $fatal(1, "nc_tx_window: DUPTHRESH must be in 1..63");
    if (CW != $clog2(CHANNELS)) $fatal(1, "nc_tx_window: CW must not be overridden");
  end

  localparam int SW = 32 + 32 + WINDOW + WINDOW;  // {una, nxt, sacked, retx_done}

  logic [SW-1:0] mem [CHANNELS];

  // ---- accept ---------------------------------------------------------------------------------
  logic          s1_valid_reg;
  logic [1:0]    s1_code_reg;
  logic [CW-1:0] s1_chan_reg;
  logic [31:0]   s1_psn_reg;
  logic [63:0]   s1_sack_reg;
  logic [SW-1:0] s1_state_reg;
  logic          adv, out_free;

  logic          wr_en;
  logic [CW-1:0] wr_chan;
  logic [SW-1:0] wr_data;

  assign out_free   = !m_rsp_valid || m_rsp_ready;
  assign adv        = !s1_valid_reg || out_free;
  assign s_op_ready = adv;

  always_ff @(posedge clk) begin
    if (adv) s1_valid_reg <= s_op_valid;
    if (rst) s1_valid_reg <= 1'b0;
  end

  always_ff @(posedge clk) begin
    if (adv) begin
      s1_code_reg  <= s_op_code;
      s1_chan_reg  <= s_op_chan;
      s1_psn_reg   <= s_op_psn;
      s1_sack_reg  <= s_op_sack;
      s1_state_reg <= (wr_en && wr_chan == s_op_chan) ? wr_data : mem[s_op_chan];
    end
  end

  // ---- stage 1: update ------------------------------------------------------------------------
  logic [31:0]       una, nxt, d_nxt, new_una, new_nxt;
  // d_una: only the sign and, for a valid ack (d_una <= inflight <= 65), the low 7 bits matter
  /* verilator lint_off UNUSEDSIGNAL */
  logic [31:0]       d_una;
  /* verilator lint_on UNUSEDSIGNAL */
  logic [WINDOW-1:0] sacked, done, new_sacked, new_done, rtx, acked_sacked, acked_done, rng;
  logic [WINDOW-1:0] sack_in, above;
  logic [6:0]        inflight, new_inflight, cnt, acked_count;
  logic [1:0]        status;
  logic [31:0]       rsp_psn;
  logic              ack_ok;
  logic [6:0]        run;

  assign una      = s1_state_reg[SW-1 -: 32];
  assign nxt      = s1_state_reg[SW-33 -: 32];
  assign sacked   = s1_state_reg[2*WINDOW-1 -: WINDOW];
  assign done     = s1_state_reg[WINDOW-1:0];
  assign inflight = 7'(nxt - una);
  assign d_una    = s1_psn_reg - una;
  assign d_nxt    = s1_psn_reg - nxt;
  assign ack_ok   = !d_una[31] && (d_nxt[31] || d_nxt == 32'd0);  // una <= ack_psn <= nxt
  assign cnt      = 7'(d_una);
  assign sack_in  = {s1_sack_reg, 1'b0};

  // ACK path: shift to the new una, merge, find fast-retransmit holes.
  always_comb begin
    new_inflight = 7'(nxt - s1_psn_reg);
    for (int j = 0; j < WINDOW; j++) rng[j] = (7'(j) < new_inflight);
    acked_sacked = ((sacked >> cnt) | sack_in) & rng;
    acked_done   = (done >> cnt) & rng;
    run = '0;
    for (int j = WINDOW - 1; j >= 0; j--) begin
      above[j] = (run >= 7'(DUPTHRESH));
      if (acked_sacked[j] && run < 7'(DUPTHRESH)) run = run + 7'd1;
    end
  end

  always_comb begin
    new_una     = una;
    new_nxt     = nxt;
    new_sacked  = sacked;
    new_done    = done;
    rtx         = '0;
    status      = STATUS_OK;
    rsp_psn     = s1_psn_reg;
    acked_count = '0;
    unique case (s1_code_reg)
      OP_INIT: begin
        new_una    = s1_psn_reg;
        new_nxt    = s1_psn_reg;
        new_sacked = '0;
        new_done   = '0;
      end
      OP_SEND: begin
        rsp_psn = nxt;
        if (inflight < 7'(WINDOW)) new_nxt = nxt + 32'd1;
        else status = STATUS_NO_WINDOW;
      end
      OP_ACK: begin
        if (ack_ok) begin
          new_una     = s1_psn_reg;
          acked_count = cnt;
          rtx         = rng & ~acked_sacked & ~acked_done & above;
          new_sacked  = acked_sacked;
          new_done    = acked_done | rtx;
        end else begin
          status = STATUS_BAD_ACK;
        end
      end
      OP_TIMEOUT: begin
        for (int j = 0; j < WINDOW; j++) rtx[j] = (7'(j) < inflight) && !sacked[j];
        new_done = rtx;
      end
      default: ;
    endcase
  end

  logic s1_commit;
  assign s1_commit = s1_valid_reg && out_free;
  assign wr_en     = s1_commit;
  assign wr_chan   = s1_chan_reg;
  assign wr_data   = {new_una, new_nxt, new_sacked, new_done};

  always_ff @(posedge clk) begin
    if (wr_en) mem[wr_chan] <= wr_data;
  end

  // ---- response register ----------------------------------------------------------------------
  logic m_valid_reg;

  always_ff @(posedge clk) begin
    if (out_free) m_valid_reg <= s1_valid_reg;
    if (rst) m_valid_reg <= 1'b0;
  end

  always_ff @(posedge clk) begin
    if (s1_commit) begin
      m_rsp_code        <= s1_code_reg;
      m_rsp_chan        <= s1_chan_reg;
      m_rsp_status      <= status;
      m_rsp_psn         <= rsp_psn;
      m_rsp_acked_from  <= una;
      m_rsp_acked_count <= acked_count;
      m_rsp_rtx_base    <= new_una;
      m_rsp_rtx_mask    <= rtx;
      m_rsp_inflight    <= 7'(new_nxt - new_una);
    end
  end

  assign m_rsp_valid = m_valid_reg;

endmodule

`default_nettype wire
