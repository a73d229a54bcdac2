// nc_mgmt: the management queue pair — whole frames between the host and the wire, outside any channel.
//
// Transmit, one descriptor at a time (management traffic is the channel-open exchange, not a data
// path): read the descriptor at the consumer index, validate it (64-byte aligned non-zero address,
// length <= MAX_PAYLOAD_BYTES, reserved fields zero), read the 86 header bytes the host wrote at the
// buffer's start, hand them to the header assembler and queue a frame job whose payload is read from
// offset 128; when the frame has left (the Tx monitor says so) the descriptor completes (MGMT_TX) on
// the management completion ring. A rejected descriptor or a refused read completes with its error.
// Receive: management Rx buffers are handed out to nc_rx_place in ring order (mgmt_buf_*).
// MGMT_CTRL enable (re)starts the queues with every index at 0.
`default_nettype none

module nc_mgmt
  import nc_pkg::*;
  import nc_nic_pkg::*;
(
  input  wire            clk,
  input  wire            rst,

  input  wire            cfg_enable,       // CTRL enable
  input  wire            q_enable,         // MGMT_CTRL enable
  input  wire            q_restart,        // pulse: MGMT_CTRL written with enable (indices back to 0)
  input  wire [57:0]     tx_base,
  input  wire [3:0]      tx_log,
  input  wire [3:0]      rx_log,
  input  wire            db_tx_valid,
  input  wire [15:0]     db_tx_prod,
  input  wire            db_rx_valid,
  input  wire [15:0]     db_rx_prod,

  // descriptor and header reads
  output logic           rd_desc_valid,
  input  wire            rd_desc_ready,
  output logic [63:0]    rd_desc_addr,
  output logic           rd_hdr_valid,
  input  wire            rd_hdr_ready,
  output logic [63:0]    rd_hdr_addr,
  input  wire [511:0]    rsp_data,
  input  wire            rsp_last,
  input  wire            rsp_err,
  input  wire            rsp_desc_valid,
  output logic           rsp_desc_ready,
  input  wire            rsp_hdr_valid,
  output logic           rsp_hdr_ready,

  output logic [687:0]   m_hdr_lanes,      // the host's 86 header bytes, wire byte 0 in bits [7:0]
  output logic           m_hdr_valid,
  input  wire            m_hdr_ready,
  output tx_job_t        m_job,
  output logic           m_job_valid,
  input  wire            m_job_ready,
  input  wire            sent_valid,       // the Tx monitor: a management frame left
  input  wire            sent_err,
  output logic           sent_ready,

  output cpl_req_t       m_cpl,
  output logic           m_cpl_valid,
  input  wire            m_cpl_ready,

  // management Rx buffers for nc_rx_place
  output logic           buf_valid,
  output logic [15:0]    buf_idx,
  input  wire            buf_take,

  output logic           cnt_bad_desc,
  output logic           cnt_bad_doorbell   // a producer index behind the last one or beyond the ring
);

  typedef enum logic [2:0] {
    T_IDLE, T_DESC, T_WAIT_DESC, T_HDR, T_WAIT_HDR, T_JOB, T_WAIT_SENT, T_CPL
  } tstate_e;

  tstate_e     ts_reg;
  logic        m_hdr_ready_q;
  logic [15:0] tx_prod_reg, tx_cons_reg, rx_prod_reg, rx_alloc_reg;
  /* verilator lint_off UNUSEDSIGNAL */
  nc_tx_desc_t desc_reg;      // the NetChannel fields of a management descriptor are ignored
  /* verilator lint_on UNUSEDSIGNAL */
  logic [7:0]  status_reg;
  logic [511:0] hdr_lo_reg;
  logic        hdr_beat_reg, hdr_err_reg;

  // doorbells: at most a ring ahead of the consumer, never behind the previous producer index
  logic db_tx_ok, db_rx_ok;
  assign db_tx_ok = ({1'b0, db_tx_prod - tx_cons_reg} <= ring_size(tx_log)) &&
                    ({1'b0, db_tx_prod - tx_prod_reg} <= ring_size(tx_log));
  assign db_rx_ok = ({1'b0, db_rx_prod - rx_alloc_reg} <= ring_size(rx_log)) &&
                    ({1'b0, db_rx_prod - rx_prod_reg} <= ring_size(rx_log));

  // ---------------------------------------------------------------- descriptor validation
  logic [64:0] fin;
  logic [7:0]  dstat;
  nc_tx_desc_t d_in;
  assign d_in = nc_tx_desc_t'(tx_cons_reg[0] && tx_log != 4'd0 ? rsp_data[511:256] : rsp_data[255:0]);
  assign fin  = {1'b0, d_in.addr} + 65'd128 + {33'd0, d_in.len};
  always_comb begin
    dstat = 8'(NC_CPL_STATUS_OK);
    if (d_in.flags != '0 || d_in.rsvd0 != '0 || d_in.rsvd1 != '0) dstat = 8'(NC_CPL_STATUS_BAD_DESC);
    else if (d_in.len > 32'(NC_MAX_PAYLOAD_BYTES)) dstat = 8'(NC_CPL_STATUS_BAD_LEN);
    else if (d_in.addr == 64'd0 || d_in.addr[5:0] != 6'd0 || (fin[64] && fin[63:0] != 64'd0))
      dstat = 8'(NC_CPL_STATUS_BAD_ADDR);
    if (rsp_err) dstat = 8'(NC_CPL_STATUS_DMA_FAULT);
  end

  assign rd_desc_valid  = ts_reg == T_DESC;
  assign rd_desc_addr   = {tx_base, 6'd0} + {43'd0, (tx_cons_reg & ring_mask(tx_log)), 5'd0};
  assign rd_hdr_valid   = ts_reg == T_HDR;
  assign rd_hdr_addr    = desc_reg.addr;
  assign rsp_desc_ready = ts_reg == T_WAIT_DESC;
  assign rsp_hdr_ready  = (ts_reg == T_WAIT_HDR) && m_hdr_ready_q;

  assign sent_ready     = ts_reg == T_WAIT_SENT;

  logic [687:0] hdr_in;
  assign hdr_in = {rsp_data[175:0], hdr_lo_reg};
  /* verilator lint_off UNUSEDSIGNAL */
  logic [1:0] hq_free_unused;
  /* verilator lint_on UNUSEDSIGNAL */
  nc_fifo #(.WIDTH(688), .DEPTH(2)) u_hdr_q (
    .clk(clk), .rst(rst), .s_data(hdr_in),
    .s_valid(rsp_hdr_valid && rsp_hdr_ready && rsp_last && hdr_beat_reg && !hdr_err_reg && !rsp_err),
    .s_ready(m_hdr_ready_q), .m_data(m_hdr_lanes), .m_valid(m_hdr_valid), .m_ready(m_hdr_ready), .free(hq_free_unused));

  always_comb begin
    m_job = '0;
    m_job.kind = JOB_MGMT;
    m_job.chan = 16'hFFFF;
    m_job.len  = desc_reg.len[15:0];
    m_job.addr = desc_reg.addr + 64'd128;
  end
  assign m_job_valid = ts_reg == T_JOB;

  always_comb begin
    m_cpl = '0;
    m_cpl.mgmt   = 1'b1;
    m_cpl.chan   = 16'hFFFF;
    m_cpl.kind   = 8'(NC_CPL_KIND_MGMT_TX);
    m_cpl.status = status_reg;
    m_cpl.idx    = tx_cons_reg;
    m_cpl.tag    = desc_reg.tag;
    m_cpl.len    = (status_reg == 8'(NC_CPL_STATUS_OK)) ? desc_reg.len[15:0] : 16'd0;
    m_cpl.n_a    = 17'd1;
  end
  assign m_cpl_valid = ts_reg == T_CPL;

  always_ff @(posedge clk) begin
    cnt_bad_desc <= 1'b0;
    unique case (ts_reg)
      T_IDLE: if (cfg_enable && q_enable && tx_prod_reg != tx_cons_reg) ts_reg <= T_DESC;
      T_DESC: if (rd_desc_ready) ts_reg <= T_WAIT_DESC;
      T_WAIT_DESC: if (rsp_desc_valid) begin
        desc_reg   <= d_in;
        status_reg <= dstat;
        if (dstat != 8'(NC_CPL_STATUS_OK)) begin
          ts_reg       <= T_CPL;
          cnt_bad_desc <= !rsp_err;
        end else begin
          ts_reg <= T_HDR;
        end
      end
      T_HDR: if (rd_hdr_ready) begin
        ts_reg       <= T_WAIT_HDR;
        hdr_beat_reg <= 1'b0;
        hdr_err_reg  <= 1'b0;
      end
      T_WAIT_HDR: if (rsp_hdr_valid && rsp_hdr_ready) begin
        hdr_lo_reg   <= rsp_data;
        hdr_beat_reg <= 1'b1;
        hdr_err_reg  <= hdr_err_reg || rsp_err;
        if (rsp_last) begin
          if (hdr_err_reg || rsp_err || !hdr_beat_reg) begin
            status_reg <= 8'(NC_CPL_STATUS_DMA_FAULT);
            ts_reg     <= T_CPL;
          end else begin
            ts_reg <= T_JOB;
          end
        end
      end
      T_JOB: if (m_job_ready) ts_reg <= T_WAIT_SENT;
      T_WAIT_SENT: if (sent_valid) begin
        if (sent_err) status_reg <= 8'(NC_CPL_STATUS_DMA_FAULT);
        ts_reg <= T_CPL;
      end
      T_CPL: if (m_cpl_ready) begin
        tx_cons_reg <= tx_cons_reg + 16'd1;
        ts_reg      <= T_IDLE;
      end
      default: ts_reg <= T_IDLE;
    endcase
    cnt_bad_doorbell <= 1'b0;
    if (db_tx_valid) begin
      if (db_tx_ok) tx_prod_reg <= db_tx_prod;
      else cnt_bad_doorbell <= 1'b1;
    end
    if (db_rx_valid) begin
      if (db_rx_ok) rx_prod_reg <= db_rx_prod;
      else cnt_bad_doorbell <= 1'b1;
    end
    if (buf_take) rx_alloc_reg <= rx_alloc_reg + 16'd1;
    if (q_restart) begin
      tx_prod_reg  <= '0;
      tx_cons_reg  <= '0;
      rx_prod_reg  <= '0;
      rx_alloc_reg <= '0;
    end
    if (rst) begin
      ts_reg       <= T_IDLE;
      tx_prod_reg  <= '0;
      tx_cons_reg  <= '0;
      rx_prod_reg  <= '0;
      rx_alloc_reg <= '0;
      cnt_bad_desc <= 1'b0;
      cnt_bad_doorbell <= 1'b0;
    end
  end

  assign buf_valid = q_enable && (rx_prod_reg != rx_alloc_reg) && ({1'b0, rx_prod_reg - rx_alloc_reg} <= ring_size(rx_log));
  assign buf_idx   = rx_alloc_reg;

endmodule

`default_nettype wire
