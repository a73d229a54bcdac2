// nc_eq: the event queues, one per interrupt vector.
//
// Each queue is a ring of 16-byte events in host memory (base, log2 size, enable: EQ_CMD) with a
// producer index (the device's) and a consumer index (the host's, from EQ_ARM). An event request
// (from the completion writer or the command block) is written at the producer index with the phase
// bit of that pass; if the queue is armed, an interrupt marker follows it and the queue disarms.
// EQ_ARM sets the consumer index and arms; if unconsumed events exist the marker is emitted at once
// (no lost wake-up); a consumer index beyond the producer is ignored and counted. A full or disabled queue drops the event and counts it.
// Writes and interrupt markers leave on one ordered stream (m_*): the DMA write side turns a marker
// into an interrupt pulse once every earlier write has gone to the host.
`default_nettype none

module nc_eq
  import nc_pkg::*;
  import nc_nic_pkg::*;
#(
  parameter int QUEUES = 8    // 1..256
) (
  input  wire            clk,
  input  wire            rst,

  // EQ_CMD: configure (resets the indices); EQ_ARM
  input  wire            cmd_valid,
  input  wire [7:0]      cmd_eq,
  input  wire [57:0]     cmd_base,
  input  wire [3:0]      cmd_log,
  input  wire            cmd_enable,
  input  wire            arm_valid,
  output logic           arm_ready,
  input  wire [7:0]      arm_eq,
  input  wire [15:0]     arm_cons,

  input  wire ev_req_t   s_ev,
  input  wire            s_ev_valid,
  output logic           s_ev_ready,

  output logic           m_valid,
  input  wire            m_ready,
  output logic           m_irq,          // 1: interrupt marker for vector m_vector; 0: a write
  output logic [7:0]     m_vector,
  output logic [63:0]    m_addr,
  output logic [511:0]   m_data,
  output logic [63:0]    m_keep,

  output logic           cnt_overflow,
  output logic           cnt_bad_doorbell   // EQ_ARM with a consumer index beyond the producer (ignored)
);

  localparam int QW = (QUEUES > 1) ? $clog2(QUEUES) : 1;

  initial begin
    if (QUEUES < 1 || QUEUES > 256) $fatal(1, "nc_eq: QUEUES must be 1..256");
  end

  logic [57:0] base_reg  [QUEUES];
  logic [3:0]  log_reg   [QUEUES];
  logic        en_reg    [QUEUES];
  logic [15:0] prod_reg  [QUEUES];
  logic [15:0] cons_reg  [QUEUES];
  logic        armed_reg [QUEUES];

  // pending interrupt marker (after an event write, or from EQ_ARM)
  logic        irq_pend_reg;
  logic [7:0]  irq_vec_reg;

  logic          out_free;
  logic [QW-1:0] eq_i, arm_i;
  logic          eq_ok, arm_ok, full, do_ev, do_arm, drop;
  logic [15:0]   prod, used;

  assign out_free  = !m_valid || m_ready;
  assign eq_i      = QW'(s_ev.eq);
  assign arm_i     = QW'(arm_eq);
  assign eq_ok     = ({24'd0, s_ev.eq} < 32'(QUEUES));
  assign arm_ok    = ({24'd0, arm_eq} < 32'(QUEUES));
  assign prod      = prod_reg[eq_i];
  assign used      = prod - cons_reg[eq_i];
  assign full      = {1'b0, used} >= ring_size(log_reg[eq_i]);

  // one action per cycle: a pending marker first, then EQ_ARM, then an event
  assign do_arm     = !irq_pend_reg && out_free && arm_valid;
  assign do_ev      = !irq_pend_reg && out_free && !arm_valid && s_ev_valid;
  assign drop       = !eq_ok || !en_reg[eq_i] || full;
  assign arm_ready  = do_arm;
  assign s_ev_ready = do_ev;

  nc_event_t ev;
  always_comb begin
    ev = '0;
    ev.ev_type = nc_event_type_e'(s_ev.ev_type);
    ev.source  = s_ev.source;
    ev.data    = s_ev.data;
    ev.phase   = ((prod >> log_reg[eq_i]) & 16'd1) == 16'd0 ? NC_PHASE_BIT : 8'd0;
  end

  logic [1:0] slot;
  assign slot = 2'(prod & ring_mask(log_reg[eq_i]));

  always_ff @(posedge clk) begin
    if (out_free) m_valid <= 1'b0;
    cnt_overflow     <= 1'b0;
    cnt_bad_doorbell <= 1'b0;
    if (irq_pend_reg && out_free) begin
      m_valid      <= 1'b1;
      m_irq        <= 1'b1;
      m_vector     <= irq_vec_reg;
      irq_pend_reg <= 1'b0;
    end else if (do_arm) begin
      if (!arm_ok || (arm_cons - cons_reg[arm_i]) > (prod_reg[arm_i] - cons_reg[arm_i])) begin
        cnt_bad_doorbell <= 1'b1;
      end else begin
        cons_reg[arm_i] <= arm_cons;
        if (prod_reg[arm_i] != arm_cons) begin
          m_valid          <= 1'b1;
          m_irq            <= 1'b1;
          m_vector         <= arm_eq;
          armed_reg[arm_i] <= 1'b0;
        end else begin
          armed_reg[arm_i] <= 1'b1;
        end
      end
    end else if (do_ev) begin
      if (drop) begin
        cnt_overflow <= 1'b1;
      end else begin
        m_valid  <= 1'b1;
        m_irq    <= 1'b0;
        m_addr   <= {base_reg[eq_i], 6'd0} + {44'd0, (prod & ring_mask(log_reg[eq_i])), 4'd0};
        m_data   <= 512'(ev) << (128 * slot);
        m_keep   <= 64'hFFFF << (16 * slot);
        prod_reg[eq_i] <= prod + 16'd1;
        if (armed_reg[eq_i]) begin
          armed_reg[eq_i] <= 1'b0;
          irq_pend_reg    <= 1'b1;
          irq_vec_reg     <= s_ev.eq;
        end
      end
    end
    if (cmd_valid && ({24'd0, cmd_eq} < 32'(QUEUES))) begin
      base_reg[QW'(cmd_eq)]  <= cmd_base;
      log_reg[QW'(cmd_eq)]   <= cmd_log;
      en_reg[QW'(cmd_eq)]    <= cmd_enable;
      prod_reg[QW'(cmd_eq)]  <= '0;
      cons_reg[QW'(cmd_eq)]  <= '0;
      armed_reg[QW'(cmd_eq)] <= 1'b0;
    end
    if (rst) begin
      m_valid      <= 1'b0;
      irq_pend_reg <= 1'b0;
      cnt_overflow <= 1'b0;
      cnt_bad_doorbell <= 1'b0;
      for (int i = 0; i < QUEUES; i++) begin
        en_reg[i]    <= 1'b0;
        armed_reg[i] <= 1'b0;
        prod_reg[i]  <= '0;
        cons_reg[i]  <= '0;
      end
    end
  end

endmodule

`default_nettype wire
