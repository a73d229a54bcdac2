// nc_timer_scan: per-channel retransmission timers, checked by a round-robin scan.
//
// State per channel, in RAM: {armed, deadline[31:0]} (deadline is a cycle timestamp compared with the
// free-running `now` in serial-number arithmetic).
//   arm    (arm_valid/ready, chan, deadline)   set or refresh: armed = 1, deadline = deadline.
//   disarm (disarm_valid/ready, chan)          armed = 0.
//   m_expire (chan)                            an armed channel whose deadline is not after now,
//                                              emitted once; the scan disarms it (the consumer
//                                              re-arms after acting).
// The scan reads one channel per cycle (a full sweep takes CHANNELS cycles) and evaluates it the next
// cycle. The RAM has one write port: the scan's disarm on an expiry takes it, so arm/disarm are not
// ready in that cycle; otherwise arm and disarm alternate when both are valid (neither starves). An arm or disarm written in the cycle the scan
// reads the same channel is bypassed into the read, so an arm racing the scan is never lost and a
// channel disarmed (or refreshed) before its evaluation is not emitted. When m_expire is full and not
// taken, the scan stalls on the expired channel and re-reads it every cycle (so arm/disarm still apply)
// time_left it can emit. After reset the RAM is cleared in CHANNELS cycles (arm/disarm not ready).
`default_nettype none

module nc_timer_scan #(
  parameter int CHANNELS = 1024,            // number of channels, a power of two >= 2
  parameter int CW       = $clog2(CHANNELS) // channel index width (derived, do not override)
) (
  input  wire           clk,
  input  wire           rst,

  input  wire [31:0]    now,

  input  wire           arm_valid,
  output logic          arm_ready,
  input  wire [CW-1:0]  arm_chan,
  input  wire [31:0]    arm_deadline,

  input  wire           disarm_valid,
  output logic          disarm_ready,
  input  wire [CW-1:0]  disarm_chan,

  output logic          m_expire_valid,
  input  wire           m_expire_ready,
  output logic [CW-1:0] m_expire_chan
);

  initial begin
    if (CHANNELS < 2 || (CHANNELS & (CHANNELS - 1)) != 0) $fatal(1, "nc_timer_scan: CHANNELS must be a power of two >= 2");
    if (CW != $clog2(CHANNELS)) $fatal(1, "nc_timer_scan: CW must not be overridden");
  end

  localparam int SW = 1 + 32;  // {armed, deadline}

  logic [SW-1:0] mem [CHANNELS];

  logic          clearing_reg;     // post-reset RAM clear
  logic [CW-1:0] ptr_reg;          // next channel to read
  logic          s1_valid_reg;     // a channel read last cycle is evaluated this cycle
  logic [CW-1:0] s1_chan_reg;
  logic [SW-1:0] s1_state_reg;
  logic          m_valid_reg;
  logic [CW-1:0] m_chan_reg;

  logic          out_free, due, expire, stall;
  logic [31:0]   time_left;
  logic [CW-1:0] rd_chan;

  logic          wr_en;
  logic [CW-1:0] wr_chan;
  logic [SW-1:0] wr_data;

  assign out_free = !m_valid_reg || m_expire_ready;
  assign time_left    = s1_state_reg[31:0] - now;
  assign due      = s1_valid_reg && s1_state_reg[32] && (time_left[31] || time_left == 32'd0);
  assign expire   = due && out_free;   // emit and disarm this cycle
  assign stall    = due && !out_free;  // hold the scan on s1_chan

  // One write port: clear sweep, then the scan's disarm, then arm or disarm (alternating when both wait).
  logic port_free, arm_first, arm_sel, disarm_sel;
  logic last_disarm_reg;  // the port write last granted under contention was a disarm

  assign port_free    = !clearing_reg && !expire;
  assign arm_first    = last_disarm_reg || !disarm_valid;
  assign arm_ready    = port_free && arm_first;
  assign disarm_ready = port_free && !(arm_valid && arm_first);
  assign arm_sel      = arm_valid && arm_ready;
  assign disarm_sel   = disarm_valid && disarm_ready;

  always_ff @(posedge clk) begin
    if (arm_sel && disarm_valid) last_disarm_reg <= 1'b0;
    if (disarm_sel && arm_valid) last_disarm_reg <= 1'b1;
    if (rst) last_disarm_reg <= 1'b1;
  end

  always_comb begin
    wr_en   = 1'b0;
    wr_chan = ptr_reg;
    wr_data = '0;
    if (clearing_reg) begin
      wr_en = 1'b1;
    end else if (expire) begin
      wr_en   = 1'b1;
      wr_chan = s1_chan_reg;
    end else if (arm_sel) begin
      wr_en   = 1'b1;
      wr_chan = arm_chan;
      wr_data = {1'b1, arm_deadline};
    end else if (disarm_sel) begin
      wr_en   = 1'b1;
      wr_chan = disarm_chan;
    end
  end

  always_ff @(posedge clk) begin
    if (wr_en) mem[wr_chan] <= wr_data;
  end

  assign rd_chan = stall ? s1_chan_reg : ptr_reg;

  always_ff @(posedge clk) begin
    s1_state_reg <= (wr_en && wr_chan == rd_chan) ? wr_data : mem[rd_chan];
    if (!stall) s1_chan_reg <= ptr_reg;
    if (expire) m_chan_reg <= s1_chan_reg;
  end

  always_ff @(posedge clk) begin
    if (!stall) ptr_reg <= ptr_reg + 1'b1;
    if (clearing_reg && ptr_reg == CW'(CHANNELS - 1)) clearing_reg <= 1'b0;
    s1_valid_reg <= !clearing_reg;
    if (out_free) m_valid_reg <= expire;
    if (rst) begin
      clearing_reg <= 1'b1;
      ptr_reg      <= '0;
      s1_valid_reg <= 1'b0;
      m_valid_reg  <= 1'b0;
    end
  end

  assign m_expire_valid = m_valid_reg;
  assign m_expire_chan  = m_chan_reg;

endmodule

`default_nettype wire
