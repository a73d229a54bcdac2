// nc_tx_job_arb: orders the frames to send. Channel frame jobs (from nc_tx_fetch) and management frame
// jobs (from nc_mgmt) are merged into one job FIFO in exactly the order their payload DMA reads are
// issued, so the frame builder always finds the next payload on the read response stream. A job with
// a payload enters the FIFO in the cycle its read is accepted; a job without one enters directly.
// Management jobs have priority (they are rare and the channel-open exchange waits on them).
// At most LIMIT_BYTES of payload are between the read and the wire (the Tx monitor returns each
// frame's length as it leaves): enough to cover the DMA read latency at line rate, little enough that
// a frame queued now — a latency-class channel's — waits behind a bounded backlog.
`default_nettype none

module nc_tx_job_arb
  import nc_nic_pkg::*;
#(
  parameter int DEPTH       = 64,      // job FIFO entries (power of two)
  parameter int LIMIT_BYTES = 32768    // payload bytes between the read and the wire, at most
) (
  input  wire          clk,
  input  wire          rst,

  input  wire tx_job_t s_data_job,
  input  wire          s_data_valid,
  output logic         s_data_ready,
  input  wire tx_job_t s_mgmt_job,
  input  wire          s_mgmt_valid,
  output logic         s_mgmt_ready,

  // payload DMA read
  output logic         rd_req_valid,
  input  wire          rd_req_ready,
  output logic [63:0]  rd_req_addr,
  output logic [15:0]  rd_req_len,

  input  wire          done_valid,      // a frame's payload left the NIC
  input  wire [15:0]    done_len,

  output tx_job_t      m_job,
  output logic         m_job_valid,
  input  wire          m_job_ready
);

  tx_job_t sel;
  logic    sel_valid, sel_mgmt, q_ready, take;
  /* verilator lint_off UNUSEDSIGNAL */
  logic [$clog2(DEPTH):0] q_free_unused;
  /* verilator lint_on UNUSEDSIGNAL */

  assign sel_mgmt  = s_mgmt_valid;
  assign sel       = sel_mgmt ? s_mgmt_job : s_data_job;
  assign sel_valid = s_mgmt_valid || s_data_valid;

  logic [31:0] inflight_reg;
  logic        room;
  assign room = (inflight_reg == 32'd0) || (inflight_reg + 32'(sel.len) <= 32'(LIMIT_BYTES));

  assign rd_req_valid = sel_valid && q_ready && (sel.len != 16'd0) && room;
  assign rd_req_addr  = sel.addr;
  assign rd_req_len   = sel.len;
  assign take         = sel_valid && q_ready && ((sel.len == 16'd0) || (rd_req_ready && room));

  always_ff @(posedge clk) begin
    inflight_reg <= inflight_reg + ((take && sel.len != 16'd0) ? 32'(sel.len) : 32'd0)
                                 - (done_valid ? 32'(done_len) : 32'd0);
    if (rst) inflight_reg <= '0;
  end

  assign s_mgmt_ready = take && sel_mgmt;
  assign s_data_ready = take && !sel_mgmt;

  nc_fifo #(.WIDTH($bits(tx_job_t)), .DEPTH(DEPTH)) u_jobs (
    .clk(clk), .rst(rst), .s_data(sel), .s_valid(take), .s_ready(q_ready),
    .m_data(m_job), .m_valid(m_job_valid), .m_ready(m_job_ready), .free(q_free_unused));

endmodule

`default_nettype wire
