// nc_ring_index_check: validates a doorbell's new producer index against the ring's consumer index.
//
// Indices are free-running 16-bit counters; a ring of 2^ring_log entries may hold at most 2^ring_log
// outstanding entries, so the doorbell is BAD_INDEX when (prod - cons) mod 2^16 > 2^ring_log, else OK.
// ring_log above 16 is treated as 16 (never BAD_INDEX). One check per cycle, registered output
// (s_ready depends combinationally on m_ready, pipeline-register style); the inputs and s_user pass
// through with the status.
`default_nettype none

module nc_ring_index_check
  import nc_pkg::*;
#(
  parameter int USER_W = 1  // caller's side-band (channel, ring id, ...) carried alongside
) (
  input  wire                 clk,
  input  wire                 rst,

  input  wire                 s_valid,
  output logic                s_ready,
  input  wire [4:0]           s_ring_log,   // log2 of the ring size
  input  wire [15:0]          s_cons,       // consumer index (device side)
  input  wire [15:0]          s_prod,       // new producer index from the doorbell
  input  wire [USER_W-1:0]    s_user,

  output logic                m_valid,
  input  wire                 m_ready,
  output logic [15:0]         m_cons,
  output logic [15:0]         m_prod,
  output logic [15:0]         m_count,      // (prod - cons) mod 2^16
  output logic [USER_W-1:0]   m_user,
  output nc_cpl_status_e      m_status      // OK or BAD_INDEX
);

  initial begin
    if (USER_W < 1) $fatal(1, "nc_ring_index_check: USER_W must be at least 1");
  end

  logic [15:0] count;
  logic [16:0] size;
  logic        m_valid_reg;

  assign count   = s_prod - s_cons;
  assign size    = (s_ring_log >= 5'd16) ? 17'h10000 : (17'd1 << s_ring_log);
  assign s_ready = !m_valid_reg || m_ready;

  always_ff @(posedge clk) begin
    if (s_ready) m_valid_reg <= s_valid;
    if (rst) m_valid_reg <= 1'b0;
  end

  always_ff @(posedge clk) begin
    if (s_valid && s_ready) begin
      m_cons   <= s_cons;
      m_prod   <= s_prod;
      m_count  <= count;
      m_user   <= s_user;
      m_status <= ({1'b0, count} > size) ? NC_CPL_STATUS_BAD_INDEX : NC_CPL_STATUS_OK;
    end
  end

  assign m_valid = m_valid_reg;

endmodule

`default_nettype wire
