// nc_rx_window: per-channel receive window of the reliable transport (one instance serves every channel).
//
// State per channel, in RAM: ack_psn (first PSN not yet received) and sack (bit i = PSN ack_psn+1+i
// received), exactly as the channel transport header carries them.
//
//   init   (init_valid/ready, chan, psn)          channel open: ack_psn = psn, sack = 0; no response.
//                                                 Has priority over s_req (s_req_ready is low while
//                                                 init_valid is high), so an init is never lost.
//   s_req  (chan, psn) -> m_rsp (chan, psn, verdict, ack_psn, sack)
//            NEW            psn in [ack_psn, ack_psn+64] and not yet received: accept and place.
//                           psn == ack_psn advances ack_psn past every consecutive received PSN.
//            DUPLICATE      psn before ack_psn, or its sack bit already set.
//            OUT_OF_WINDOW  psn after ack_psn+64.
//          ack_psn/sack in the response are the channel's state after this packet.
//   rd     (rd_valid, rd_chan) -> rd_rsp (registered, next cycle): the channel's state including every
//          update committed up to and including the cycle of the read (for the ACK generator).
//
// Pipeline: accept (RAM read) -> stage 1 (update computed and written back; response registered).
// One operation per cycle sustained, also back to back on the same channel: the read register takes
// the data being written in the same cycle when the addresses match (write-to-read bypass), and
// stage 1 is the only writer. Latency: the response is valid the second cycle after acceptance.
// s_req_ready/init_ready depend combinationally on m_rsp_ready (pipeline-register style).
`default_nettype none

module nc_rx_window #(
  parameter int CHANNELS = 1024,            // number of channels, a power of two >= 2
  parameter int CW       = $clog2(CHANNELS) // channel index width (derived, do not override)
) (
  input  wire           clk,
  input  wire           rst,

  input  wire           init_valid,
  output logic          init_ready,
  input  wire [CW-1:0]  init_chan,
  input  wire [31:0]    init_psn,

  input  wire           s_req_valid,
  output logic          s_req_ready,
  input  wire [CW-1:0]  s_req_chan,
  input  wire [31:0]    s_req_psn,

  output logic          m_rsp_valid,
  input  wire           m_rsp_ready,
  output logic [CW-1:0] m_rsp_chan,
  output logic [31:0]   m_rsp_psn,
  output logic [1:0]    m_rsp_verdict,  // VERDICT_* below
  output logic [31:0]   m_rsp_ack_psn,
  output logic [63:0]   m_rsp_sack,

  input  wire           rd_valid,
  input  wire [CW-1:0]  rd_chan,
  output logic          rd_rsp_valid,
  output logic [31:0]   rd_rsp_ack_psn,
  output logic [63:0]   rd_rsp_sack
);

  localparam logic [1:0] VERDICT_NEW           = 2'd0;
  localparam logic [1:0] VERDICT_DUPLICATE     = 2'd1;
  localparam logic [1:0] VERDICT_OUT_OF_WINDOW = 2'd2;

  initial begin
    if (CHANNELS < 2 || (CHANNELS & (CHANNELS - 1)) != 0) $fatal(1, "nc_rx_window: CHANNELS must be a power of two >= 2");
    if (CW != $clog2(CHANNELS)) $fatal(1, "nc_rx_window: CW must not be overridden");
  end

  localparam int SW = 32 + 64;  // state word: {ack_psn, sack}

  logic [SW-1:0] mem [CHANNELS];

  // ---- accept ---------------------------------------------------------------------------------
  logic          s1_valid_reg, s1_init_reg;
  logic [CW-1:0] s1_chan_reg;
  logic [31:0]   s1_psn_reg;
  logic [SW-1:0] s1_state_reg;   // registered RAM read (with bypass)
  logic          adv, s0_fire, s0_init;
  logic [CW-1:0] s0_chan;
  logic          out_free;

  // write port (stage 1)
  logic          wr_en;
  logic [CW-1:0] wr_chan;
  logic [SW-1:0] wr_data;

  assign out_free    = !m_rsp_valid || m_rsp_ready;
  assign adv         = !s1_valid_reg || out_free;     // stage 1 moves on (or is empty)
  assign init_ready  = adv;
  assign s_req_ready = adv && !init_valid;
  assign s0_init     = init_valid;
  assign s0_fire     = adv && (init_valid || s_req_valid);
  assign s0_chan     = init_valid ? init_chan : s_req_chan;

  always_ff @(posedge clk) begin
    if (adv) s1_valid_reg <= s0_fire;
    if (rst) s1_valid_reg <= 1'b0;
  end

  always_ff @(posedge clk) begin
    if (adv) begin
      s1_init_reg  <= s0_init;
      s1_chan_reg  <= s0_chan;
      s1_psn_reg   <= init_valid ? init_psn : s_req_psn;
      s1_state_reg <= (wr_en && wr_chan == s0_chan) ? wr_data : mem[s0_chan];
    end
  end

  // ---- stage 1: update ------------------------------------------------------------------------
  logic [31:0] cur_ack, delta, new_ack;
  logic [63:0] cur_sack, new_sack;
  logic [64:0] run;        // {sack, 1}: bit j = PSN ack_psn + j received (ack_psn itself arriving now)
  logic [6:0]  ones;       // trailing ones of run (1..65)
  logic [1:0]  verdict;
  logic        s1_commit;

  assign cur_ack  = s1_state_reg[SW-1:64];
  assign cur_sack = s1_state_reg[63:0];
  assign delta     = s1_psn_reg - cur_ack;
  assign run      = {cur_sack, 1'b1};

  always_comb begin
    ones = 7'd65;
    for (int j = 64; j >= 0; j--) if (!run[j]) ones = 7'(j);
  end

  always_comb begin
    new_ack  = cur_ack;
    new_sack = cur_sack;
    verdict  = VERDICT_NEW;
    if (s1_init_reg) begin
      new_ack  = s1_psn_reg;
      new_sack = '0;
    end else if (delta[31]) begin
      verdict = VERDICT_DUPLICATE;
    end else if (delta == 32'd0) begin
      new_ack  = cur_ack + 32'(ones);
      new_sack = 64'(run >> (ones + 7'd1));  // bit i = PSN new_ack + 1 + i
    end else if (delta > 32'd64) begin
      verdict = VERDICT_OUT_OF_WINDOW;
    end else if (cur_sack[delta[5:0] - 6'd1]) begin
      verdict = VERDICT_DUPLICATE;
    end else begin
      new_sack[delta[5:0] - 6'd1] = 1'b1;
    end
  end

  assign s1_commit = s1_valid_reg && out_free;
  assign wr_en     = s1_commit;
  assign wr_chan   = s1_chan_reg;
  assign wr_data   = {new_ack, new_sack};

  always_ff @(posedge clk) begin
    if (wr_en) mem[wr_chan] <= wr_data;
  end

  // ---- response register ----------------------------------------------------------------------
  logic m_valid_reg;

  always_ff @(posedge clk) begin
    if (out_free) m_valid_reg <= s1_valid_reg && !s1_init_reg;
    if (rst) m_valid_reg <= 1'b0;
  end

  always_ff @(posedge clk) begin
    if (s1_commit && !s1_init_reg) begin
      m_rsp_chan    <= s1_chan_reg;
      m_rsp_psn     <= s1_psn_reg;
      m_rsp_verdict <= verdict;
      m_rsp_ack_psn <= new_ack;
      m_rsp_sack    <= new_sack;
    end
  end

  assign m_rsp_valid = m_valid_reg;

  // ---- read port (ACK generator) --------------------------------------------------------------
  logic [SW-1:0] rd_state_reg;
  logic          rd_valid_reg;

  always_ff @(posedge clk) begin
    rd_valid_reg <= rd_valid;
    if (rst) rd_valid_reg <= 1'b0;
  end

  always_ff @(posedge clk) begin
    if (rd_valid) rd_state_reg <= (wr_en && wr_chan == rd_chan) ? wr_data : mem[rd_chan];
  end

  assign rd_rsp_valid   = rd_valid_reg;
  assign rd_rsp_ack_psn = rd_state_reg[SW-1:64];
  assign rd_rsp_sack    = rd_state_reg[63:0];

endmodule

`default_nettype wire
