// nc_ch_cmd: carries out channel commands (CH_CMD) and channel failures, one at a time.
//
//   OPEN   check the channel number and the staged context (ring bases non-zero and 64-byte aligned,
//          ring sizes within limits, completion ring >= Tx + Rx rings, class, event queue), check the
//          channel is closed (a read of nc_tx_ctrl), write the context into every block's copy, then
//          reset the completion ring, open the receive side and last the transmit side (so doorbells
//          only take effect once everything is in place)
//   CLOSE  close the transmit side (its outstanding descriptors complete CHANNEL_DOWN) and the receive
//          side (unused Rx buffers complete CHANNEL_DOWN), then wait until the completion writer has
//          issued both flushes (cpl_done), so once not busy every completion of the channel is out
//   READ   copy the context into the staged registers and the live state into CH_RB_*
//   a failure notice from nc_tx_ctrl (retransmission limit, DMA fault): close the receive side, wait
//          for its flush, and write a CHANNEL event (data = failed state | reason << 8) to the channel's
//          event queue
// busy is set from the command until its result is in CH_CMD_STATUS.
`default_nettype none

module nc_ch_cmd
  import nc_pkg::*;
  import nc_nic_pkg::*;
#(
  parameter int CHANNELS     = 1024,
  parameter int EVENT_QUEUES = 8,
  parameter int CW           = $clog2(CHANNELS)   // derived, do not override
) (
  input  wire            clk,
  input  wire            rst,

  input  wire            cmd_valid,        // a CH_CMD write is pending (held until taken)
  output logic           cmd_ready,
  input  wire [15:0]     cmd_chan,
  input  wire [3:0]      cmd_code,
  input  wire staged_t   staged,
  output logic           busy,
  output logic [3:0]     result,
  output logic           rb_valid,         // pulse: load the staged registers from rb_staged, CH_RB_* from rb
  output staged_t        rb_staged,
  output readback_t      rb,

  input  wire fail_t     s_fail,
  input  wire            s_fail_valid,
  output logic           s_fail_ready,

  // context writes (all copies at once)
  output logic           ctx_wr_en,
  output logic [CW-1:0]  ctx_wr_chan,
  output ch_ctx_t        ctx_wr,

  // nc_tx_ctrl
  output txop_t          tx_op,
  output logic           tx_valid,
  input  wire            tx_ready,
  input  wire            tx_rsp_valid,
  input  wire [1:0]      tx_rsp_state,
  input  wire [7:0]      tx_rsp_why,
  input  wire [15:0]     tx_rsp_prod,
  input  wire [15:0]     tx_rsp_idx_nxt,
  input  wire [31:0]     tx_rsp_una,
  input  wire [31:0]     tx_rsp_nxt,
  input  wire [31:0]     tx_rsp_credit,
  input  wire [31:0]     tx_rsp_tx_pkts,
  input  wire [31:0]     tx_rsp_retx,
  input  wire [31:0]     tx_rsp_timeouts,
  // nc_rx_ctrl
  output rxop_t          rx_op,
  output logic           rx_valid,
  input  wire            rx_ready,
  input  wire            rx_rsp_valid,
  input  wire [15:0]     rx_rsp_prod,
  input  wire [15:0]     rx_rsp_cons,
  input  wire [31:0]     rx_rsp_ack_psn,
  input  wire [31:0]     rx_rsp_rx_pkts,
  input  wire [31:0]     rx_rsp_dup,
  // nc_cpl_writer
  output logic           cpl_valid,
  input  wire            cpl_ready,
  output logic           cpl_open,
  output logic [15:0]    cpl_chan,
  input  wire            cpl_rsp_valid,
  input  wire [15:0]     cpl_rsp_prod,
  input  wire [15:0]     cpl_rsp_cons,
  input  wire            cpl_done_valid,   // the completion writer issued a close's flush
  input  wire [15:0]     cpl_done_chan,

  output ev_req_t        m_ev,
  output logic           m_ev_valid,
  input  wire            m_ev_ready
);

  initial begin
    if (CW != $clog2(CHANNELS)) $fatal(1, "nc_ch_cmd: CW must not be overridden");
  end

  typedef enum logic [3:0] {
    S_IDLE, S_CHECK, S_TX_READ, S_CTX, S_CPL, S_RX, S_TX, S_WAIT,
    S_FAIL_RX, S_FAIL_EV, S_RB_TX, S_RB_RX, S_RB_CPL, S_DONE, S_FLUSHED
  } state_e;

  state_e      s_reg, after_reg;
  logic [15:0] chan_reg;
  logic [3:0]  code_reg;
  staged_t     stg_reg;
  logic [3:0]  res_reg;
  fail_t       fail_reg;
  logic        failing_reg;
  logic [1:0]  flushed_reg;   // flush notifications seen for the channel being closed

  // ---------------------------------------------------------------- shadow context (read back, event queue)
  ch_ctx_t     shadow_rd;
  nc_ram_1w1r #(.DEPTH(CHANNELS), .W($bits(ch_ctx_t))) u_shadow (
    .clk(clk), .wr_en(ctx_wr_en), .wr_addr(ctx_wr_chan), .wr_data(ctx_wr),
    .rd_en(s_reg == S_CHECK || s_reg == S_FAIL_RX), .rd_addr(failing_reg ? fail_reg.chan[CW-1:0] : chan_reg[CW-1:0]),
    .rd_data(shadow_rd));

  // ---------------------------------------------------------------- context check
  logic ctx_ok, chan_ok;
  logic [7:0] max_log;
  assign max_log = (stg_reg.tx_log > stg_reg.rx_log) ? stg_reg.tx_log : stg_reg.rx_log;
  assign chan_ok = {16'd0, chan_reg} < 32'(CHANNELS);
  assign ctx_ok  = stg_reg.tx_ring != 64'd0 && stg_reg.tx_ring[5:0] == 6'd0 &&
                   stg_reg.rx_ring != 64'd0 && stg_reg.rx_ring[5:0] == 6'd0 &&
                   stg_reg.cpl_ring != 64'd0 && stg_reg.cpl_ring[5:0] == 6'd0 &&
                   stg_reg.tx_log >= 8'(RING_LOG_MIN) && stg_reg.tx_log <= 8'(RING_LOG_MAX) &&
                   stg_reg.rx_log >= 8'(RING_LOG_MIN) && stg_reg.rx_log <= 8'(RING_LOG_MAX) &&
                   stg_reg.cpl_log <= 8'(RING_LOG_MAX) && stg_reg.cpl_log > max_log &&
                   stg_reg.cls <= 8'd1 && {24'd0, stg_reg.eq} < 32'(EVENT_QUEUES);

  // the context to write, formed once per command (wide struct work is not free in simulation)
  always_ff @(posedge clk) begin
    if (s_reg == S_CHECK) begin
    ctx_wr <= '0;
    ctx_wr.peer_mac  <= stg_reg.peer_mac;
    ctx_wr.peer_ip   <= stg_reg.peer_ip;
    ctx_wr.udp_src   <= stg_reg.udp_src;
    ctx_wr.peer_chan <= stg_reg.peer_chan;
    ctx_wr.latency   <= stg_reg.cls[0];
    ctx_wr.eq        <= stg_reg.eq;
    ctx_wr.tx_base   <= stg_reg.tx_ring[63:6];
    ctx_wr.rx_base   <= stg_reg.rx_ring[63:6];
    ctx_wr.cpl_base  <= stg_reg.cpl_ring[63:6];
    ctx_wr.tx_log    <= stg_reg.tx_log[3:0];
    ctx_wr.rx_log    <= stg_reg.rx_log[3:0];
    ctx_wr.cpl_log   <= stg_reg.cpl_log[3:0];
    ctx_wr.init_psn  <= stg_reg.init_psn;
    ctx_wr.peer_psn  <= stg_reg.peer_psn;
    ctx_wr.tx_credit <= stg_reg.tx_credit;
    end
  end
  assign ctx_wr_en   = s_reg == S_CTX;
  assign ctx_wr_chan = chan_reg[CW-1:0];

  // ---------------------------------------------------------------- operations issued
  always_comb begin
    tx_op = '0;
    tx_op.chan     = chan_reg;
    tx_op.a        = stg_reg.init_psn;
    tx_op.b        = stg_reg.tx_credit;
    tx_op.ring_log = stg_reg.tx_log[3:0];
    tx_op.code     = (s_reg == S_TX) ? ((code_reg == NC_CH_CMD_OPEN) ? TXOP_OPEN : TXOP_CLOSE) : TXOP_READ;
    rx_op = '0;
    rx_op.chan     = failing_reg ? fail_reg.chan : chan_reg;
    rx_op.a        = stg_reg.peer_psn;
    rx_op.ring_log = stg_reg.rx_log[3:0];
    rx_op.code     = (s_reg == S_RB_RX) ? RXOP_READ : ((code_reg == NC_CH_CMD_OPEN && !failing_reg) ? RXOP_OPEN : RXOP_CLOSE);
  end
  assign tx_valid  = s_reg == S_TX_READ || s_reg == S_TX || s_reg == S_RB_TX;
  assign rx_valid  = s_reg == S_RX || s_reg == S_FAIL_RX || s_reg == S_RB_RX;
  assign cpl_valid = s_reg == S_CPL || s_reg == S_RB_CPL;
  assign cpl_open  = s_reg == S_CPL;
  assign cpl_chan  = chan_reg;

  assign m_ev = '{eq: shadow_rd.eq, ev_type: 8'(NC_EVENT_TYPE_CHANNEL), source: fail_reg.chan,
                  data: 32'(nc_reg_ch_rb_state_t'{why: nc_cpl_status_e'(fail_reg.reason), state: NC_CH_STATE_FAILED, default: '0})};
  assign m_ev_valid   = s_reg == S_FAIL_EV;
  assign s_fail_ready = s_reg == S_IDLE && !cmd_valid;

  // ---------------------------------------------------------------- sequencing
  logic rsp_seen;   // the response of the operation issued from S_WAIT's predecessor
  assign rsp_seen = tx_rsp_valid || rx_rsp_valid || cpl_rsp_valid;

  always_ff @(posedge clk) begin
    rb_valid <= 1'b0;
    unique case (s_reg)
      S_IDLE: begin
        if (cmd_valid) begin
          chan_reg    <= cmd_chan;
          code_reg    <= cmd_code;
          stg_reg     <= staged;
          failing_reg <= 1'b0;
          s_reg       <= S_CHECK;
        end else if (s_fail_valid) begin
          fail_reg    <= s_fail;
          failing_reg <= 1'b1;
          s_reg       <= S_FAIL_RX;
        end
      end
      S_CHECK: begin
        if (!chan_ok) begin
          res_reg <= NC_CH_CMD_RESULT_BAD_CHANNEL;
          s_reg   <= S_DONE;
        end else unique case (code_reg)
          NC_CH_CMD_OPEN: if (!ctx_ok) begin
                      res_reg <= NC_CH_CMD_RESULT_BAD_CONTEXT;
                      s_reg   <= S_DONE;
                    end else begin
                      s_reg <= S_TX_READ;
                    end
          NC_CH_CMD_CLOSE: s_reg <= S_TX;
          NC_CH_CMD_READ:  s_reg <= S_RB_TX;
          default: begin
            res_reg <= NC_CH_CMD_RESULT_BAD_COMMAND;
            s_reg   <= S_DONE;
          end
        endcase
      end
      S_TX_READ: if (tx_ready) begin s_reg <= S_WAIT; after_reg <= S_CTX; end
      S_CTX:     s_reg <= S_CPL;
      S_CPL:     if (cpl_ready) begin s_reg <= S_WAIT; after_reg <= S_RX; end
      S_RX:      if (rx_ready) begin s_reg <= S_WAIT; after_reg <= (code_reg == NC_CH_CMD_OPEN) ? S_TX : S_FLUSHED; end
      S_FLUSHED: if (flushed_reg == (failing_reg ? 2'd1 : 2'd2)) s_reg <= failing_reg ? S_FAIL_EV : S_DONE;
      S_TX:      if (tx_ready) begin s_reg <= S_WAIT; after_reg <= (code_reg == NC_CH_CMD_OPEN) ? S_DONE : S_RX; end
      S_RB_TX:   if (tx_ready) begin s_reg <= S_WAIT; after_reg <= S_RB_RX; end
      S_RB_RX:   if (rx_ready) begin s_reg <= S_WAIT; after_reg <= S_RB_CPL; end
      S_RB_CPL:  if (cpl_ready) begin s_reg <= S_WAIT; after_reg <= S_DONE; end
      S_FAIL_RX: if (rx_ready) begin s_reg <= S_WAIT; after_reg <= S_FLUSHED; end
      S_FAIL_EV: if (m_ev_ready) begin s_reg <= S_IDLE; failing_reg <= 1'b0; end
      S_WAIT: if (rsp_seen) begin
        s_reg <= after_reg;
        if (tx_rsp_valid) begin
          rb.state     <= '{why: nc_cpl_status_e'(tx_rsp_why), state: nc_ch_state_e'(tx_rsp_state), default: '0};
          rb.tx_idx    <= '{next: tx_rsp_idx_nxt, prod: tx_rsp_prod};
          rb.tx_una    <= tx_rsp_una;
          rb.tx_nxt    <= tx_rsp_nxt;
          rb.tx_credit <= tx_rsp_credit;
          rb.tx_pkts   <= tx_rsp_tx_pkts;
          rb.retx      <= tx_rsp_retx;
          rb.timeouts  <= tx_rsp_timeouts;
          // open: the channel must be closed; close: it must not be
          if (code_reg == NC_CH_CMD_OPEN && tx_rsp_state != NC_CH_STATE_CLOSED) begin
            res_reg <= NC_CH_CMD_RESULT_BAD_STATE;
            s_reg   <= S_DONE;
          end else if (code_reg == NC_CH_CMD_CLOSE && tx_rsp_state == NC_CH_STATE_CLOSED) begin
            res_reg <= NC_CH_CMD_RESULT_BAD_STATE;
          end else if (after_reg == S_CTX || code_reg == NC_CH_CMD_READ || code_reg == NC_CH_CMD_CLOSE) begin
            res_reg <= NC_CH_CMD_RESULT_OK;
          end
        end
        if (rx_rsp_valid) begin
          rb.rx_idx  <= '{used: rx_rsp_cons, prod: rx_rsp_prod};
          rb.rx_ack  <= rx_rsp_ack_psn;
          rb.rx_pkts <= rx_rsp_rx_pkts;
          rb.dup     <= rx_rsp_dup;
        end
        if (cpl_rsp_valid) rb.cpl_idx <= '{cons: cpl_rsp_cons, prod: cpl_rsp_prod};
      end
      S_DONE: begin
        rb_valid <= code_reg == NC_CH_CMD_READ && res_reg == NC_CH_CMD_RESULT_OK;
        s_reg    <= S_IDLE;
      end
      default: s_reg <= S_IDLE;
    endcase
    // close flushes (tx and rx) report when issued; count those of the channel at hand
    if (s_reg == S_IDLE) flushed_reg <= '0;
    else if (cpl_done_valid && cpl_done_chan == (failing_reg ? fail_reg.chan : chan_reg) && flushed_reg != 2'd3)
      flushed_reg <= flushed_reg + 2'd1;
    if (rst) begin
      s_reg       <= S_IDLE;
      res_reg     <= NC_CH_CMD_RESULT_OK;
      failing_reg <= 1'b0;
      rb_valid    <= 1'b0;
    end
  end

  always_ff @(posedge clk) begin
    if (s_reg == S_DONE) begin
    rb_staged <= '0;
    rb_staged.peer_mac  <= shadow_rd.peer_mac;
    rb_staged.peer_ip   <= shadow_rd.peer_ip;
    rb_staged.udp_src   <= shadow_rd.udp_src;
    rb_staged.peer_chan <= shadow_rd.peer_chan;
    rb_staged.cls       <= {7'd0, shadow_rd.latency};
    rb_staged.eq        <= shadow_rd.eq;
    rb_staged.tx_ring   <= {shadow_rd.tx_base, 6'd0};
    rb_staged.rx_ring   <= {shadow_rd.rx_base, 6'd0};
    rb_staged.cpl_ring  <= {shadow_rd.cpl_base, 6'd0};
    rb_staged.tx_log    <= {4'd0, shadow_rd.tx_log};
    rb_staged.rx_log    <= {4'd0, shadow_rd.rx_log};
    rb_staged.cpl_log   <= {4'd0, shadow_rd.cpl_log};
    rb_staged.init_psn  <= shadow_rd.init_psn;
    rb_staged.peer_psn  <= shadow_rd.peer_psn;
    rb_staged.tx_credit <= shadow_rd.tx_credit;
    end
  end

  assign busy      = s_reg != S_IDLE || cmd_valid;
  assign cmd_ready = s_reg == S_IDLE;
  assign result = res_reg;

endmodule

`default_nettype wire
