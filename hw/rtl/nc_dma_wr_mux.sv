// nc_dma_wr_mux: shares the NIC's DMA write port.
//
// Two kinds of writer: payload bursts (nc_rx_place) and "control" writes — completions (nc_cpl_writer)
// and events (nc_eq) — which go through ONE ordered FIFO (completions have priority at its input), so
// an event is never written before the completion it announces. Between the payload port and the
// control FIFO the port is shared burst by burst, alternating when both wait. An interrupt marker at
// the head of the control FIFO is handled in two steps: first the output register drains (every earlier
// write handed to the host; a marker takes the control side's turn like a write), then the marker waits
// for the write-done of every burst handed over until then (writes complete in order) and only then
// becomes an interrupt pulse — the interrupt is a side-band wire, not a posted write behind the data, so
// this is what guarantees the host never takes an interrupt before the event it announces is in memory.
// Payload bursts keep flowing while a marker waits for its write-dones. Every burst gets a tag;
// write-done responses with err are counted.
`default_nettype none

module nc_dma_wr_mux (
  input  wire           clk,
  input  wire           rst,

  // payload bursts (address held for the whole burst)
  input  wire           b_valid,
  output logic          b_ready,
  input  wire [63:0]    b_addr,
  input  wire [511:0]   b_data,
  input  wire [63:0]    b_keep,
  input  wire           b_last,

  // control writes, port A (completions) and port B (events and interrupt markers); one beat each
  input  wire           a_valid,
  output logic          a_ready,
  input  wire [63:0]    a_addr,
  input  wire [511:0]   a_data,
  input  wire [63:0]    a_keep,
  input  wire           c_valid,
  output logic          c_ready,
  input  wire           c_irq,
  input  wire [7:0]     c_vector,
  input  wire [63:0]    c_addr,
  input  wire [511:0]   c_data,
  input  wire [63:0]    c_keep,

  output logic          dma_wr_valid,
  input  wire           dma_wr_ready,
  output logic [63:0]   dma_wr_addr,
  output logic [511:0]  dma_wr_data,
  output logic [63:0]   dma_wr_keep,
  output logic          dma_wr_last,
  output logic [7:0]    dma_wr_tag,
  input  wire           dma_wr_done_valid,
  input  wire [7:0]     dma_wr_done_tag,
  input  wire           dma_wr_done_err,

  output logic          irq_valid,
  output logic [7:0]    irq_vector,

  output logic          cnt_fault
);

  // ---------------------------------------------------------------- the ordered control FIFO
  typedef struct packed {
    logic         irq;
    logic [7:0]   vec;
    logic [63:0]  addr;
    logic [511:0] data;
    logic [63:0]  keep;
  } ctl_t;

  ctl_t ctl_in, ctl_head;
  logic ctl_push, ctl_ready, ctl_valid, ctl_pop;
  /* verilator lint_off UNUSEDSIGNAL */
  logic [4:0] ctl_free_unused;
  /* verilator lint_on UNUSEDSIGNAL */

  assign a_ready  = ctl_ready;
  assign c_ready  = ctl_ready && !a_valid;
  assign ctl_push = (a_valid || c_valid) && ctl_ready;
  assign ctl_in   = a_valid ? '{irq: 1'b0, vec: 8'd0, addr: a_addr, data: a_data, keep: a_keep}
                            : '{irq: c_irq, vec: c_vector, addr: c_addr, data: c_data, keep: c_keep};

  nc_fifo #(.WIDTH($bits(ctl_t)), .DEPTH(16)) u_ctl (
    .clk(clk), .rst(rst), .s_data(ctl_in), .s_valid(ctl_push), .s_ready(ctl_ready),
    .m_data(ctl_head), .m_valid(ctl_valid), .m_ready(ctl_pop), .free(ctl_free_unused));

  // ---------------------------------------------------------------- burst arbitration
  logic        lock_b_reg;        // a payload burst is under way
  logic        prefer_ctl_reg;    // alternate when both wait
  logic        o_ready, o_valid, o_last;
  logic [63:0] o_addr, o_keep;
  logic [511:0] o_data;
  logic        sel_b, sel_ctl, out_empty, irq_arm, irq_fire;
  logic [7:0]  tag_reg;
  logic [15:0] issued_reg, done_cnt_reg, target_reg;   // bursts handed to the host / acknowledged
  logic        wait_reg;                               // the head marker waits for its write-dones

  // Interrupt markers wait until every earlier write has left the output register. A marker at the head
  // takes the control side's turn like a write: when it is the control side's turn, payload waits while
  // the output drains and the marker fires (else back-to-back payload bursts would starve it, and with it
  // every control write queued behind it).
  assign irq_arm  = !wait_reg && !lock_b_reg && ctl_valid && ctl_head.irq && out_empty &&
                    !(b_valid && !prefer_ctl_reg);
  // every burst handed over before the marker is acknowledged (serial comparison of the counters)
  assign irq_fire = wait_reg && ((done_cnt_reg - target_reg) < 16'h8000);
  assign sel_b    = lock_b_reg || (b_valid && !(ctl_valid && prefer_ctl_reg && !wait_reg));
  assign sel_ctl  = !sel_b && ctl_valid && !ctl_head.irq;

  always_comb begin
    o_valid = 1'b0; o_addr = b_addr; o_data = b_data; o_keep = b_keep; o_last = b_last;
    if (sel_b) begin
      o_valid = b_valid;
    end else if (sel_ctl) begin
      o_valid = 1'b1;
      o_addr  = ctl_head.addr;
      o_data  = ctl_head.data;
      o_keep  = ctl_head.keep;
      o_last  = 1'b1;
    end
  end

  assign b_ready = sel_b && o_ready;
  assign ctl_pop = (sel_ctl && o_ready) || irq_fire;

  always_ff @(posedge clk) begin
    if (b_valid && b_ready) begin
      lock_b_reg     <= !b_last;
      if (b_last) prefer_ctl_reg <= 1'b1;
    end
    if ((sel_ctl && o_ready) || irq_arm) prefer_ctl_reg <= 1'b0;
    if (dma_wr_valid && dma_wr_ready && dma_wr_last) issued_reg <= issued_reg + 16'd1;
    if (dma_wr_done_valid) done_cnt_reg <= done_cnt_reg + 16'd1;
    if (irq_arm) begin
      wait_reg   <= 1'b1;
      target_reg <= issued_reg;
    end
    if (irq_fire) wait_reg <= 1'b0;
    if (o_valid && o_ready && o_last) tag_reg <= tag_reg + 8'd1;
    irq_valid  <= irq_fire;
    irq_vector <= ctl_head.vec;
    cnt_fault  <= dma_wr_done_valid && dma_wr_done_err;
    if (rst) begin
      lock_b_reg     <= 1'b0;
      prefer_ctl_reg <= 1'b0;
      tag_reg        <= '0;
      issued_reg     <= '0;
      done_cnt_reg   <= '0;
      wait_reg       <= 1'b0;
      irq_valid      <= 1'b0;
      cnt_fault      <= 1'b0;
    end
  end

  // ---------------------------------------------------------------- output register
  logic [71:0] o_user, m_user;
  /* verilator lint_off UNUSEDSIGNAL */
  logic [7:0] done_tag_unused;
  /* verilator lint_on UNUSEDSIGNAL */
  assign done_tag_unused = dma_wr_done_tag;
  assign o_user = {o_addr, tag_reg};

  nc_axis_skid #(.DATA_W(512), .KEEP_W(64), .USER_W(72)) u_out (
    .clk(clk), .rst(rst),
    .s_axis_tdata(o_data), .s_axis_tkeep(o_keep), .s_axis_tvalid(o_valid), .s_axis_tready(o_ready),
    .s_axis_tlast(o_last), .s_axis_tuser(o_user),
    .m_axis_tdata(dma_wr_data), .m_axis_tkeep(dma_wr_keep), .m_axis_tvalid(dma_wr_valid),
    .m_axis_tready(dma_wr_ready), .m_axis_tlast(dma_wr_last), .m_axis_tuser(m_user));
  assign {dma_wr_addr, dma_wr_tag} = m_user;

  // the skid holds at most two beats; it is empty when its output is not valid and it is ready
  assign out_empty = !dma_wr_valid && o_ready;

endmodule

`default_nettype wire
