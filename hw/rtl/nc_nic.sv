// nc_nic: the NetChannel NIC core — NetDriver's channel processing in hardware.
//
// Host side: registers (MMIO), a DMA master (read and write) and interrupts, per
// docs/device-interface.md; the programming model is docs/nic.md. MAC side: 512-bit AXI-Stream.
//
//   Tx:  doorbell -> nc_tx_ctrl (window, credit, round-robin) -> nc_tx_fetch (descriptor DMA,
//        validation) -> nc_tx_job_arb (payload DMA) -> nc_tx_hdr (+ ACKs, management frames)
//        -> nc_frame_builder -> nc_icrc_append -> MAC;  nc_tx_monitor settles each frame that left
//   Rx:  MAC -> nc_icrc_check -> nc_frame_parser -> nc_rx_dispatch -> nc_rx_ctrl (window, buffers, ACK coalescing)
//        -> nc_rx_place (Rx descriptor DMA, payload DMA) -> nc_cpl_writer -> nc_eq -> interrupts
//   ACK frames received go to nc_tx_ctrl; retransmission timers are nc_timer_scan; channel commands
//   and failures are nc_ch_cmd; nc_mgmt is the management queue pair.
`default_nettype none

module nc_nic
  import nc_pkg::*;
  import nc_nic_pkg::*;
#(
  parameter int          CHANNELS     = 1024,  // channels (state in RAM), a power of two 2..32768
  parameter int          EVENT_QUEUES = 8,     // event queues = interrupt vectors
  parameter logic [31:0] BUILD_ID     = '0     // reported in ID_BUILD
) (
  input  wire          clk,
  input  wire          rst,

  input  wire          mmio_valid,
  output logic         mmio_ready,
  input  wire          mmio_write,
  input  wire [15:0]   mmio_addr,
  input  wire [31:0]   mmio_wdata,
  output logic         mmio_rd_valid,
  output logic [31:0]  mmio_rd_data,

  output logic         dma_rd_req_valid,
  input  wire          dma_rd_req_ready,
  output logic [63:0]  dma_rd_req_addr,
  output logic [15:0]  dma_rd_req_len,
  output logic [7:0]   dma_rd_req_tag,
  input  wire          dma_rd_rsp_valid,
  output logic         dma_rd_rsp_ready,
  input  wire [511:0]  dma_rd_rsp_data,
  input  wire [63:0]   dma_rd_rsp_keep,
  input  wire          dma_rd_rsp_last,
  input  wire [7:0]    dma_rd_rsp_tag,
  input  wire          dma_rd_rsp_err,

  output logic         dma_wr_valid,
  input  wire          dma_wr_ready,
  output logic [63:0]  dma_wr_addr,
  output logic [511:0] dma_wr_data,
  output logic [63:0]  dma_wr_keep,
  output logic         dma_wr_last,
  output logic [7:0]   dma_wr_tag,
  input  wire          dma_wr_done_valid,
  input  wire [7:0]    dma_wr_done_tag,
  input  wire          dma_wr_done_err,

  output logic [511:0] m_axis_tx_tdata,
  output logic [63:0]  m_axis_tx_tkeep,
  output logic         m_axis_tx_tvalid,
  input  wire          m_axis_tx_tready,
  output logic         m_axis_tx_tlast,
  output logic         m_axis_tx_tuser,
  input  wire [511:0]  s_axis_rx_tdata,
  input  wire [63:0]   s_axis_rx_tkeep,
  input  wire          s_axis_rx_tvalid,
  output logic         s_axis_rx_tready,
  input  wire          s_axis_rx_tlast,
  input  wire          s_axis_rx_tuser,

  output logic         irq_valid,
  output logic [7:0]   irq_vector
);

  localparam int CW   = $clog2(CHANNELS);
  localparam int NCNT = NC_CNT_COUNT;   // global 64-bit counters, indexed by nc_counter_e (the spec's)

  initial begin
    if (CHANNELS < 2 || CHANNELS > 32768 || (CHANNELS & (CHANNELS - 1)) != 0)
      $fatal(1, "nc_nic: CHANNELS must be a power of two in 2..32768");
    if (EVENT_QUEUES < 1 || EVENT_QUEUES > 256) $fatal(1, "nc_nic: EVENT_QUEUES must be 1..256");
  end

  // ---------------------------------------------------------------- boundary registers
  // Every input stream enters through a skid buffer, so no output (ready) depends combinationally on
  // an input and the logic behind the inputs sees registered values: timing closure on a card, and in
  // simulation that logic is evaluated once per cycle instead of on each input change.
  logic        mi_valid, mi_ready, mi_write;
  logic [15:0] mi_addr;
  logic [31:0] mi_wdata;
  /* verilator lint_off UNUSEDSIGNAL */
  logic [6:0]  mi_keep_unused;
  logic        mi_last_unused, mi_user_unused;
  logic [6:0]  mi_pad_unused;
  /* verilator lint_on UNUSEDSIGNAL */
  nc_axis_skid #(.DATA_W(56), .KEEP_W(7), .USER_W(1)) u_mmio_in (
    .clk(clk), .rst(rst),
    .s_axis_tdata({7'd0, mmio_write, mmio_addr, mmio_wdata}), .s_axis_tkeep('0), .s_axis_tvalid(mmio_valid),
    .s_axis_tready(mmio_ready), .s_axis_tlast(1'b1), .s_axis_tuser(1'b0),
    .m_axis_tdata({mi_pad_unused, mi_write, mi_addr, mi_wdata}), .m_axis_tkeep(mi_keep_unused),
    .m_axis_tvalid(mi_valid), .m_axis_tready(mi_ready), .m_axis_tlast(mi_last_unused), .m_axis_tuser(mi_user_unused));

  logic [511:0] rxi_tdata;
  logic [63:0]  rxi_tkeep;
  logic         rxi_tvalid, rxi_tready, rxi_tlast, rxi_tuser;
  nc_axis_skid #(.DATA_W(512), .KEEP_W(64), .USER_W(1)) u_rx_in (
    .clk(clk), .rst(rst),
    .s_axis_tdata(s_axis_rx_tdata), .s_axis_tkeep(s_axis_rx_tkeep), .s_axis_tvalid(s_axis_rx_tvalid),
    .s_axis_tready(s_axis_rx_tready), .s_axis_tlast(s_axis_rx_tlast), .s_axis_tuser(s_axis_rx_tuser),
    .m_axis_tdata(rxi_tdata), .m_axis_tkeep(rxi_tkeep), .m_axis_tvalid(rxi_tvalid), .m_axis_tready(rxi_tready),
    .m_axis_tlast(rxi_tlast), .m_axis_tuser(rxi_tuser));

  logic [511:0] rri_data;
  logic [63:0]  rri_keep;
  logic         rri_valid, rri_ready, rri_last, rri_err;
  logic [7:0]   rri_tag;
  nc_axis_skid #(.DATA_W(512), .KEEP_W(64), .USER_W(9)) u_rdrsp_in (
    .clk(clk), .rst(rst),
    .s_axis_tdata(dma_rd_rsp_data), .s_axis_tkeep(dma_rd_rsp_keep), .s_axis_tvalid(dma_rd_rsp_valid),
    .s_axis_tready(dma_rd_rsp_ready), .s_axis_tlast(dma_rd_rsp_last), .s_axis_tuser({dma_rd_rsp_tag, dma_rd_rsp_err}),
    .m_axis_tdata(rri_data), .m_axis_tkeep(rri_keep), .m_axis_tvalid(rri_valid), .m_axis_tready(rri_ready),
    .m_axis_tlast(rri_last), .m_axis_tuser({rri_tag, rri_err}));

  // ---------------------------------------------------------------- time
  logic [31:0] now_reg;
  always_ff @(posedge clk) begin
    now_reg <= now_reg + 32'd1;
    if (rst) now_reg <= '0;
  end

  // ---------------------------------------------------------------- registers
  logic        cfg_enable, cfg_filter, cfg_promisc;
  logic [47:0] cfg_mac;
  logic [31:0] cfg_ip, cfg_rto;
  logic [15:0] cfg_coal_pkts, cfg_coal_cycles;
  logic [7:0]  cfg_retry_limit;

  logic        cmd_valid, cmd_ready, cmd_busy, rb_valid;
  logic [15:0] cmd_chan;
  logic [3:0]  cmd_code, cmd_result;
  staged_t     staged, rb_staged;
  readback_t   rb;

  txop_t       db_tx;
  rxop_t       db_rx;
  logic        db_tx_valid, db_tx_ready, db_rx_valid, db_rx_ready;
  logic        db_cpl_valid, db_cpl_ready, db_cpl_mgmt, db_cpl_arm;
  logic [15:0] db_cpl_chan, db_cpl_cons;
  logic        eq_arm_valid, eq_arm_ready, eq_cmd_valid, eq_cmd_enable;
  logic [7:0]  eq_arm_eq, eq_cmd_eq;
  logic [15:0] eq_arm_cons;
  logic [57:0] eq_cmd_base;
  logic [3:0]  eq_cmd_log;

  logic [57:0] mgmt_tx_base, mgmt_rx_base, mgmt_cpl_base;
  logic [3:0]  mgmt_tx_log, mgmt_rx_log, mgmt_cpl_log;
  logic        mgmt_enable, mgmt_restart, mgmt_db_tx_valid, mgmt_db_rx_valid;
  logic [7:0]  mgmt_eq;
  logic [15:0] mgmt_db_tx_prod, mgmt_db_rx_prod;

  logic [NCNT-1:0][15:0] cnt_inc;
  logic [NC_DROP_REASON_COUNT-1:0][31:0] drop_cnt;

  nc_regs #(.CHANNELS(CHANNELS), .EVENT_QUEUES(EVENT_QUEUES), .BUILD_ID(BUILD_ID), .NCNT(NCNT)) u_regs (
    .clk(clk), .rst(rst),
    .mmio_valid(mi_valid), .mmio_ready(mi_ready), .mmio_write(mi_write), .mmio_addr(mi_addr),
    .mmio_wdata(mi_wdata), .mmio_rd_valid(mmio_rd_valid), .mmio_rd_data(mmio_rd_data),
    .cfg_enable(cfg_enable), .cfg_filter(cfg_filter), .cfg_promisc(cfg_promisc), .cfg_mac(cfg_mac),
    .cfg_ip(cfg_ip), .cfg_rto(cfg_rto), .cfg_coal_pkts(cfg_coal_pkts), .cfg_coal_cycles(cfg_coal_cycles),
    .cfg_retry_limit(cfg_retry_limit),
    .cmd_valid(cmd_valid), .cmd_ready(cmd_ready), .cmd_chan(cmd_chan), .cmd_code(cmd_code), .staged(staged),
    .cmd_busy(cmd_busy), .cmd_result(cmd_result), .rb_valid(rb_valid), .rb_staged(rb_staged), .rb(rb),
    .db_tx(db_tx), .db_tx_valid(db_tx_valid), .db_tx_ready(db_tx_ready),
    .db_rx(db_rx), .db_rx_valid(db_rx_valid), .db_rx_ready(db_rx_ready),
    .db_cpl_valid(db_cpl_valid), .db_cpl_ready(db_cpl_ready), .db_cpl_mgmt(db_cpl_mgmt),
    .db_cpl_chan(db_cpl_chan), .db_cpl_cons(db_cpl_cons), .db_cpl_arm(db_cpl_arm),
    .eq_arm_valid(eq_arm_valid), .eq_arm_ready(eq_arm_ready), .eq_arm_eq(eq_arm_eq), .eq_arm_cons(eq_arm_cons),
    .eq_cmd_valid(eq_cmd_valid), .eq_cmd_eq(eq_cmd_eq), .eq_cmd_base(eq_cmd_base), .eq_cmd_log(eq_cmd_log),
    .eq_cmd_enable(eq_cmd_enable),
    .mgmt_tx_base(mgmt_tx_base), .mgmt_rx_base(mgmt_rx_base), .mgmt_cpl_base(mgmt_cpl_base),
    .mgmt_tx_log(mgmt_tx_log), .mgmt_rx_log(mgmt_rx_log), .mgmt_cpl_log(mgmt_cpl_log),
    .mgmt_enable(mgmt_enable), .mgmt_eq(mgmt_eq), .mgmt_restart(mgmt_restart),
    .mgmt_db_tx_valid(mgmt_db_tx_valid), .mgmt_db_tx_prod(mgmt_db_tx_prod),
    .mgmt_db_rx_valid(mgmt_db_rx_valid), .mgmt_db_rx_prod(mgmt_db_rx_prod),
    .cnt_inc(cnt_inc), .drop_cnt(drop_cnt));

  // ---------------------------------------------------------------- channel commands
  logic        ctx_wr_en;
  logic [CW-1:0] ctx_wr_chan;
  ch_ctx_t     ctx_wr;
  fail_t       fail;
  logic        fail_valid, fail_ready;
  txop_t       cmd_tx_op;
  logic        cmd_tx_valid, cmd_tx_ready;
  rxop_t       cmd_rx_op;
  logic        cmd_rx_valid, cmd_rx_ready;
  logic        cmd_cpl_valid, cmd_cpl_ready, cmd_cpl_open;
  logic [15:0] cmd_cpl_chan;
  ev_req_t     cmd_ev;
  logic        cmd_ev_valid, cmd_ev_ready;

  logic        txc_rsp_valid;
  logic [1:0]  txc_rsp_state;
  logic [7:0]  txc_rsp_why;
  logic [15:0] txc_rsp_prod, txc_rsp_idx_nxt;
  logic [31:0] txc_rsp_una, txc_rsp_nxt, txc_rsp_credit, txc_rsp_tx_pkts, txc_rsp_retx, txc_rsp_timeouts;
  logic        rxc_rsp_valid, rxc_rsp_open;
  logic [15:0] rxc_rsp_prod, rxc_rsp_cons;
  logic [31:0] rxc_rsp_ack_psn, rxc_rsp_rx_pkts, rxc_rsp_dup;
  logic        cplw_rsp_valid, cpl_done_valid;
  logic [15:0] cpl_done_chan;
  logic [15:0] cplw_rsp_prod, cplw_rsp_cons;

  nc_ch_cmd #(.CHANNELS(CHANNELS), .EVENT_QUEUES(EVENT_QUEUES)) u_cmd (
    .clk(clk), .rst(rst),
    .cmd_valid(cmd_valid), .cmd_ready(cmd_ready), .cmd_chan(cmd_chan), .cmd_code(cmd_code), .staged(staged),
    .busy(cmd_busy), .result(cmd_result), .rb_valid(rb_valid), .rb_staged(rb_staged), .rb(rb),
    .s_fail(fail), .s_fail_valid(fail_valid), .s_fail_ready(fail_ready),
    .ctx_wr_en(ctx_wr_en), .ctx_wr_chan(ctx_wr_chan), .ctx_wr(ctx_wr),
    .tx_op(cmd_tx_op), .tx_valid(cmd_tx_valid), .tx_ready(cmd_tx_ready),
    .tx_rsp_valid(txc_rsp_valid), .tx_rsp_state(txc_rsp_state), .tx_rsp_why(txc_rsp_why),
    .tx_rsp_prod(txc_rsp_prod), .tx_rsp_idx_nxt(txc_rsp_idx_nxt), .tx_rsp_una(txc_rsp_una),
    .tx_rsp_nxt(txc_rsp_nxt), .tx_rsp_credit(txc_rsp_credit), .tx_rsp_tx_pkts(txc_rsp_tx_pkts),
    .tx_rsp_retx(txc_rsp_retx), .tx_rsp_timeouts(txc_rsp_timeouts),
    .rx_op(cmd_rx_op), .rx_valid(cmd_rx_valid), .rx_ready(cmd_rx_ready),
    .rx_rsp_valid(rxc_rsp_valid), .rx_rsp_prod(rxc_rsp_prod), .rx_rsp_cons(rxc_rsp_cons),
    .rx_rsp_ack_psn(rxc_rsp_ack_psn), .rx_rsp_rx_pkts(rxc_rsp_rx_pkts), .rx_rsp_dup(rxc_rsp_dup),
    .cpl_valid(cmd_cpl_valid), .cpl_ready(cmd_cpl_ready), .cpl_open(cmd_cpl_open), .cpl_chan(cmd_cpl_chan),
    .cpl_rsp_valid(cplw_rsp_valid), .cpl_rsp_prod(cplw_rsp_prod), .cpl_rsp_cons(cplw_rsp_cons),
    .cpl_done_valid(cpl_done_valid), .cpl_done_chan(cpl_done_chan),
    .m_ev(cmd_ev), .m_ev_valid(cmd_ev_valid), .m_ev_ready(cmd_ev_ready));

  // ---------------------------------------------------------------- Tx control and timers
  fail_t       fault;
  logic        fault_valid, fault_ready;
  txop_t       ack_op;
  logic        ack_valid, ack_ready;
  logic [CW-1:0] exp_chan;
  logic        exp_valid, exp_ready;
  fetch_req_t  fetch_req;
  logic        fetch_valid, fetch_ready;
  retx_req_t   retx_req;
  logic        retx_valid, retx_ready;
  cpl_req_t    txc_cpl;
  logic        txc_cpl_valid, txc_cpl_ready;
  timer_op_t   tmr_op;
  logic        tmr_valid, tmr_ready;
  logic        c_timeout, c_credit_stall, c_txc_bad_db, c_ch_failed, c_ack_rx, c_bad_ack, c_bad_credit, c_no_chan_t;
  logic [15:0] sent_chan, done_len, probe_chan;
  logic        probe_valid, probe_ready, probe_req;
  logic        sent_valid, sent_ready, done_valid, sent_retx;
  logic [31:0] sent_psn;

  nc_tx_ctrl #(.CHANNELS(CHANNELS)) u_txc (
    .clk(clk), .rst(rst), .now(now_reg), .cfg_enable(cfg_enable), .cfg_rto(cfg_rto),
    .cfg_coal_cycles(cfg_coal_cycles), .cfg_retry_limit(cfg_retry_limit),
    .cmd_op(cmd_tx_op), .cmd_valid(cmd_tx_valid), .cmd_ready(cmd_tx_ready),
    .fault_in(fault), .fault_valid(fault_valid), .fault_ready(fault_ready),
    .ack_op(ack_op), .ack_valid(ack_valid), .ack_ready(ack_ready),
    .sent_chan(sent_chan), .sent_psn(sent_psn), .sent_retx(sent_retx), .sent_valid(sent_valid), .sent_ready(sent_ready),
    .exp_chan(16'(exp_chan)), .exp_valid(exp_valid), .exp_ready(exp_ready),
    .db_op(db_tx), .db_valid(db_tx_valid), .db_ready(db_tx_ready),
    .rsp_valid(txc_rsp_valid), .rsp_state(txc_rsp_state), .rsp_why(txc_rsp_why), .rsp_prod(txc_rsp_prod),
    .rsp_idx_nxt(txc_rsp_idx_nxt), .rsp_una(txc_rsp_una), .rsp_nxt(txc_rsp_nxt), .rsp_credit(txc_rsp_credit),
    .rsp_tx_pkts(txc_rsp_tx_pkts), .rsp_retx(txc_rsp_retx), .rsp_timeouts(txc_rsp_timeouts),
    .m_fetch(fetch_req), .m_fetch_valid(fetch_valid), .m_fetch_ready(fetch_ready),
    .m_retx(retx_req), .m_retx_valid(retx_valid), .m_retx_ready(retx_ready),
    .m_cpl(txc_cpl), .m_cpl_valid(txc_cpl_valid), .m_cpl_ready(txc_cpl_ready),
    .m_tmr(tmr_op), .m_tmr_valid(tmr_valid), .m_tmr_ready(tmr_ready),
    .m_fail(fail), .m_fail_valid(fail_valid), .m_fail_ready(fail_ready),
    .m_probe_chan(probe_chan), .m_probe_req(probe_req), .m_probe_valid(probe_valid), .m_probe_ready(probe_ready),
    .cnt_timeout(c_timeout), .cnt_credit_stall(c_credit_stall), .cnt_bad_doorbell(c_txc_bad_db),
    .cnt_ch_failed(c_ch_failed), .cnt_ack_rx(c_ack_rx), .cnt_bad_ack(c_bad_ack), .cnt_bad_credit(c_bad_credit),
    .cnt_no_channel(c_no_chan_t));

  logic arm_ready, disarm_ready;
  nc_timer_scan #(.CHANNELS(CHANNELS)) u_timer (
    .clk(clk), .rst(rst), .now(now_reg),
    .arm_valid(tmr_valid && tmr_op.arm), .arm_ready(arm_ready), .arm_chan(tmr_op.chan[CW-1:0]),
    .arm_deadline(tmr_op.deadline),
    .disarm_valid(tmr_valid && !tmr_op.arm), .disarm_ready(disarm_ready), .disarm_chan(tmr_op.chan[CW-1:0]),
    .m_expire_valid(exp_valid), .m_expire_ready(exp_ready), .m_expire_chan(exp_chan));
  assign tmr_ready = tmr_op.arm ? arm_ready : disarm_ready;

  // ---------------------------------------------------------------- DMA reads
  localparam int P_TXDESC = 0, P_PAY = 1, P_RXDESC = 2, P_MDESC = 3, P_MHDR = 4;
  logic [4:0]        rd_req_valid, rd_req_ready, rd_rsp_valid, rd_rsp_ready;
  logic [4:0][63:0]  rd_req_addr;
  logic [4:0][15:0]  rd_req_len;
  logic [511:0]      rd_rsp_data;
  logic [63:0]       rd_rsp_keep;
  logic              rd_rsp_last, rd_rsp_err;
  logic [5:0]        rd_rsp_lane;
  logic              c_rd_fault, c_rd_tag_err;

  logic        rq_valid, rq_ready;
  logic [63:0] rq_addr;
  logic [15:0] rq_len;
  logic [7:0]  rq_tag;
  /* verilator lint_off UNUSEDSIGNAL */
  logic [10:0] rq_keep_unused;
  logic        rq_last_unused, rq_user_unused;
  /* verilator lint_on UNUSEDSIGNAL */
  // output register towards the host (dma_rd_req_ready reaches no logic combinationally)
  nc_axis_skid #(.DATA_W(88), .KEEP_W(11), .USER_W(1)) u_rdreq_out (
    .clk(clk), .rst(rst),
    .s_axis_tdata({rq_addr, rq_len, rq_tag}), .s_axis_tkeep('0), .s_axis_tvalid(rq_valid), .s_axis_tready(rq_ready),
    .s_axis_tlast(1'b1), .s_axis_tuser(1'b0),
    .m_axis_tdata({dma_rd_req_addr, dma_rd_req_len, dma_rd_req_tag}), .m_axis_tkeep(rq_keep_unused),
    .m_axis_tvalid(dma_rd_req_valid), .m_axis_tready(dma_rd_req_ready), .m_axis_tlast(rq_last_unused),
    .m_axis_tuser(rq_user_unused));

  nc_dma_rd_mux #(.PORTS(5), .LIMIT_PORT(P_PAY), .LIMIT_N(128)) u_rdmux (
    .clk(clk), .rst(rst),
    .req_valid(rd_req_valid), .req_ready(rd_req_ready), .req_addr(rd_req_addr), .req_len(rd_req_len),
    .dma_rd_req_valid(rq_valid), .dma_rd_req_ready(rq_ready), .dma_rd_req_addr(rq_addr),
    .dma_rd_req_len(rq_len), .dma_rd_req_tag(rq_tag),
    .dma_rd_rsp_valid(rri_valid), .dma_rd_rsp_ready(rri_ready), .dma_rd_rsp_data(rri_data),
    .dma_rd_rsp_keep(rri_keep), .dma_rd_rsp_last(rri_last), .dma_rd_rsp_tag(rri_tag),
    .dma_rd_rsp_err(rri_err),
    .rsp_valid(rd_rsp_valid), .rsp_ready(rd_rsp_ready), .rsp_data(rd_rsp_data), .rsp_keep(rd_rsp_keep),
    .rsp_last(rd_rsp_last), .rsp_err(rd_rsp_err), .rsp_lane(rd_rsp_lane),
    .cnt_fault(c_rd_fault), .cnt_tag_error(c_rd_tag_err));

  // ---------------------------------------------------------------- descriptor fetch
  logic          info_wr_en, info_rd_en;
  logic [CW+5:0] info_wr_addr, info_rd_addr;
  tx_info_t      info_wr_data, info_rd_data;
  tx_job_t       data_job;
  logic          data_job_valid, data_job_ready;
  logic          c_tx_bad_desc, c_retx;

  nc_tx_fetch #(.CHANNELS(CHANNELS), .DESC_DEPTH(128)) u_fetch (
    .clk(clk), .rst(rst),
    .ctx_wr_en(ctx_wr_en), .ctx_wr_chan(ctx_wr_chan), .ctx_wr_base(ctx_wr.tx_base), .ctx_wr_log(ctx_wr.tx_log),
    .s_fetch(fetch_req), .s_fetch_valid(fetch_valid), .s_fetch_ready(fetch_ready),
    .s_retx(retx_req), .s_retx_valid(retx_valid), .s_retx_ready(retx_ready),
    .rd_req_valid(rd_req_valid[P_TXDESC]), .rd_req_ready(rd_req_ready[P_TXDESC]),
    .rd_req_addr(rd_req_addr[P_TXDESC]), .rd_req_len(rd_req_len[P_TXDESC]),
    .rd_rsp_data(rd_rsp_data), .rd_rsp_keep(rd_rsp_keep), .rd_rsp_valid(rd_rsp_valid[P_TXDESC]),
    .rd_rsp_ready(rd_rsp_ready[P_TXDESC]), .rd_rsp_last(rd_rsp_last), .rd_rsp_err(rd_rsp_err),
    .info_wr_en(info_wr_en), .info_wr_addr(info_wr_addr), .info_wr_data(info_wr_data),
    .m_job(data_job), .m_job_valid(data_job_valid), .m_job_ready(data_job_ready),
    .cnt_bad_desc(c_tx_bad_desc), .cnt_retx(c_retx));

  nc_ram_1w1r #(.DEPTH(CHANNELS * WINDOW), .W($bits(tx_info_t))) u_info (
    .clk(clk), .wr_en(info_wr_en), .wr_addr(info_wr_addr), .wr_data(info_wr_data),
    .rd_en(info_rd_en), .rd_addr(info_rd_addr), .rd_data(info_rd_data));

  // ---------------------------------------------------------------- frames out
  tx_job_t       mgmt_job, job;
  logic          mgmt_job_valid, mgmt_job_ready, job_valid, job_ready;

  nc_tx_job_arb #(.DEPTH(128)) u_jarb (
    .clk(clk), .rst(rst),
    .s_data_job(data_job), .s_data_valid(data_job_valid), .s_data_ready(data_job_ready),
    .s_mgmt_job(mgmt_job), .s_mgmt_valid(mgmt_job_valid), .s_mgmt_ready(mgmt_job_ready),
    .rd_req_valid(rd_req_valid[P_PAY]), .rd_req_ready(rd_req_ready[P_PAY]),
    .rd_req_addr(rd_req_addr[P_PAY]), .rd_req_len(rd_req_len[P_PAY]),
    .done_valid(done_valid), .done_len(done_len),
    .m_job(job), .m_job_valid(job_valid), .m_job_ready(job_ready));

  // payload responses feed the builder; a refused read becomes a one-byte beat flagged bad, which
  // poisons the frame (tuser at tlast), and its status is queued for the Tx monitor
  logic [511:0] pay_tdata;
  logic [63:0]  pay_tkeep;
  logic         pay_tvalid, pay_tready, pay_tlast, pay_tuser;
  logic         pst_err, pst_valid, pst_ready, pst_q_ready;
  /* verilator lint_off UNUSEDSIGNAL */
  logic [7:0]   pst_free_unused;
  /* verilator lint_on UNUSEDSIGNAL */

  assign pay_tdata  = rd_rsp_data;
  assign pay_tkeep  = rd_rsp_err ? (64'd1 << rd_rsp_lane) : rd_rsp_keep;
  assign pay_tlast  = rd_rsp_last;
  assign pay_tuser  = rd_rsp_err;
  assign pay_tvalid = rd_rsp_valid[P_PAY] && pst_q_ready;
  assign rd_rsp_ready[P_PAY] = pay_tready && pst_q_ready;

  nc_fifo #(.WIDTH(1), .DEPTH(128)) u_pst (
    .clk(clk), .rst(rst), .s_data(rd_rsp_err), .s_valid(pay_tvalid && pay_tready && pay_tlast),
    .s_ready(pst_q_ready), .m_data(pst_err), .m_valid(pst_valid), .m_ready(pst_ready), .free(pst_free_unused));

  nc_frame_hdr_t tx_hdr;
  logic [687:0]  mgmt_hdr;
  logic          tx_hdr_valid, tx_hdr_ready, mgmt_hdr_valid, mgmt_hdr_ready;
  ack_job_t      ack_job;
  logic          ack_job_valid, ack_job_ready;
  tx_meta_t      tx_meta;
  logic          tx_meta_valid, tx_meta_ready;

  nc_tx_hdr #(.CHANNELS(CHANNELS)) u_hdr (
    .clk(clk), .rst(rst), .cfg_mac(cfg_mac), .cfg_ip(cfg_ip),
    .ctx_wr_en(ctx_wr_en), .ctx_wr_chan(ctx_wr_chan), .ctx_wr_peer_mac(ctx_wr.peer_mac),
    .ctx_wr_peer_ip(ctx_wr.peer_ip), .ctx_wr_udp_src(ctx_wr.udp_src), .ctx_wr_peer_chan(ctx_wr.peer_chan),
    .ctx_wr_latency(ctx_wr.latency),
    .s_job(job), .s_job_valid(job_valid), .s_job_ready(job_ready),
    .s_ack(ack_job), .s_ack_valid(ack_job_valid), .s_ack_ready(ack_job_ready),
    .s_mgmt_hdr(mgmt_hdr), .s_mgmt_hdr_valid(mgmt_hdr_valid), .s_mgmt_hdr_ready(mgmt_hdr_ready),
    .m_hdr(tx_hdr), .m_hdr_valid(tx_hdr_valid), .m_hdr_ready(tx_hdr_ready),
    .m_meta(tx_meta), .m_meta_valid(tx_meta_valid), .m_meta_ready(tx_meta_ready));

  logic c_len_mismatch;   // counted: CNT_HDR_LEN_MISMATCH

  logic [511:0] bo_tdata;
  logic [63:0]  bo_tkeep;
  logic         bo_tvalid, bo_tready, bo_tlast, bo_tuser;

  nc_frame_builder u_builder (
    .clk(clk), .rst(rst),
    .s_hdr(tx_hdr), .s_hdr_valid(tx_hdr_valid), .s_hdr_ready(tx_hdr_ready),
    .s_axis_tdata(pay_tdata), .s_axis_tkeep(pay_tkeep), .s_axis_tvalid(pay_tvalid), .s_axis_tready(pay_tready),
    .s_axis_tlast(pay_tlast), .s_axis_tuser(pay_tuser),
    .m_axis_tdata(bo_tdata), .m_axis_tkeep(bo_tkeep), .m_axis_tvalid(bo_tvalid),
    .m_axis_tready(bo_tready), .m_axis_tlast(bo_tlast), .m_axis_tuser(bo_tuser),
    .err_len_mismatch(c_len_mismatch));

  // the ICRC trailer after the payload of every frame
  logic [511:0] io_tdata;
  logic [63:0]  io_tkeep;
  logic         io_tvalid, io_tready, io_tlast, io_tuser;

  nc_icrc_append #(.START(NC_ICRC_START)) u_icrc_tx (
    .clk(clk), .rst(rst),
    .s_axis_tdata(bo_tdata), .s_axis_tkeep(bo_tkeep), .s_axis_tvalid(bo_tvalid), .s_axis_tready(bo_tready),
    .s_axis_tlast(bo_tlast), .s_axis_tuser(bo_tuser),
    .m_axis_tdata(io_tdata), .m_axis_tkeep(io_tkeep), .m_axis_tvalid(io_tvalid), .m_axis_tready(io_tready),
    .m_axis_tlast(io_tlast), .m_axis_tuser(io_tuser));

  // output register towards the MAC (its tready reaches no logic combinationally)
  nc_axis_skid #(.DATA_W(512), .KEEP_W(64), .USER_W(1)) u_tx_out (
    .clk(clk), .rst(rst),
    .s_axis_tdata(io_tdata), .s_axis_tkeep(io_tkeep), .s_axis_tvalid(io_tvalid), .s_axis_tready(io_tready),
    .s_axis_tlast(io_tlast), .s_axis_tuser(io_tuser),
    .m_axis_tdata(m_axis_tx_tdata), .m_axis_tkeep(m_axis_tx_tkeep), .m_axis_tvalid(m_axis_tx_tvalid),
    .m_axis_tready(m_axis_tx_tready), .m_axis_tlast(m_axis_tx_tlast), .m_axis_tuser(m_axis_tx_tuser));

  logic        mgmt_sent_valid, mgmt_sent_err, mgmt_sent_ready;
  logic        c_tx_frame, c_ack_tx, c_mgmt_tx, c_desync;
  logic [15:0] c_tx_bytes;

  nc_tx_monitor u_mon (
    .clk(clk), .rst(rst),
    .mac_tvalid(bo_tvalid), .mac_tready(bo_tready), .mac_tlast(bo_tlast),
    .s_meta(tx_meta), .s_meta_valid(tx_meta_valid), .s_meta_ready(tx_meta_ready),
    .s_pst_err(pst_err), .s_pst_valid(pst_valid), .s_pst_ready(pst_ready),
    .m_mgmt_done_valid(mgmt_sent_valid), .m_mgmt_done_err(mgmt_sent_err), .m_mgmt_done_ready(mgmt_sent_ready),
    .m_sent_chan(sent_chan), .m_sent_psn(sent_psn), .m_sent_retx(sent_retx), .m_sent_valid(sent_valid),
    .m_sent_ready(sent_ready),
    .m_done_valid(done_valid), .m_done_len(done_len),
    .m_fault(fault), .m_fault_valid(fault_valid), .m_fault_ready(fault_ready),
    .cnt_frame(c_tx_frame), .cnt_bytes(c_tx_bytes), .cnt_ack(c_ack_tx), .cnt_mgmt(c_mgmt_tx),
    .cnt_desync(c_desync));

  // ---------------------------------------------------------------- management queue pair
  cpl_req_t    mgmt_cpl;
  logic        mgmt_cpl_valid, mgmt_cpl_ready;
  logic        mgmt_buf_valid, mgmt_buf_take;
  logic [15:0] mgmt_buf_idx;
  logic        c_mgmt_bad_desc, c_mgmt_bad_db;

  nc_mgmt u_mgmt (
    .clk(clk), .rst(rst),
    .cfg_enable(cfg_enable), .q_enable(mgmt_enable), .q_restart(mgmt_restart),
    .tx_base(mgmt_tx_base), .tx_log(mgmt_tx_log), .rx_log(mgmt_rx_log),
    .db_tx_valid(mgmt_db_tx_valid), .db_tx_prod(mgmt_db_tx_prod),
    .db_rx_valid(mgmt_db_rx_valid), .db_rx_prod(mgmt_db_rx_prod),
    .rd_desc_valid(rd_req_valid[P_MDESC]), .rd_desc_ready(rd_req_ready[P_MDESC]), .rd_desc_addr(rd_req_addr[P_MDESC]),
    .rd_hdr_valid(rd_req_valid[P_MHDR]), .rd_hdr_ready(rd_req_ready[P_MHDR]), .rd_hdr_addr(rd_req_addr[P_MHDR]),
    .rsp_data(rd_rsp_data), .rsp_last(rd_rsp_last), .rsp_err(rd_rsp_err),
    .rsp_desc_valid(rd_rsp_valid[P_MDESC]), .rsp_desc_ready(rd_rsp_ready[P_MDESC]),
    .rsp_hdr_valid(rd_rsp_valid[P_MHDR]), .rsp_hdr_ready(rd_rsp_ready[P_MHDR]),
    .m_hdr_lanes(mgmt_hdr), .m_hdr_valid(mgmt_hdr_valid), .m_hdr_ready(mgmt_hdr_ready),
    .m_job(mgmt_job), .m_job_valid(mgmt_job_valid), .m_job_ready(mgmt_job_ready),
    .sent_valid(mgmt_sent_valid), .sent_err(mgmt_sent_err), .sent_ready(mgmt_sent_ready),
    .m_cpl(mgmt_cpl), .m_cpl_valid(mgmt_cpl_valid), .m_cpl_ready(mgmt_cpl_ready),
    .buf_valid(mgmt_buf_valid), .buf_idx(mgmt_buf_idx), .buf_take(mgmt_buf_take),
    .cnt_bad_desc(c_mgmt_bad_desc), .cnt_bad_doorbell(c_mgmt_bad_db));
  assign rd_req_len[P_MDESC] = 16'd32;
  assign rd_req_len[P_MHDR]  = 16'(NC_FRAME_HDR_BYTES);

  // ---------------------------------------------------------------- receive
  // CTRL enable off: whole frames are accepted and dropped before the parser
  logic rx_in_frame_reg, rx_drop_reg, rx_drop, p_tready;
  assign rx_drop = rx_in_frame_reg ? rx_drop_reg : !cfg_enable;
  always_ff @(posedge clk) begin
    if (rxi_tvalid && rxi_tready) begin
      rx_in_frame_reg <= !rxi_tlast;
      rx_drop_reg     <= rx_drop;
    end
    if (rst) begin
      rx_in_frame_reg <= 1'b0;
      rx_drop_reg     <= 1'b0;
    end
  end
  assign rxi_tready = rx_drop || p_tready;

  nc_frame_hdr_t   rx_hdr;
  logic            rx_hdr_valid, rx_hdr_ready;
  logic [511:0]    rx_pay_tdata;
  logic [63:0]     rx_pay_tkeep;
  logic            rx_pay_tvalid, rx_pay_tready, rx_pay_tlast;
  logic            stat_valid;
  nc_drop_reason_e stat_reason;
  /* verilator lint_off UNUSEDSIGNAL */
  logic            rx_pay_tuser_unused;
  logic [31:0]     accepted_unused;
  /* verilator lint_on UNUSEDSIGNAL */

  // the ICRC trailer is checked and removed before the parser
  logic [511:0] ic_tdata;
  logic [63:0]  ic_tkeep;
  logic         ic_tvalid, ic_tready, ic_tlast, ic_tuser, ic_bad;

  nc_icrc_check #(.START(NC_ICRC_START)) u_icrc_rx (
    .clk(clk), .rst(rst),
    .s_axis_tdata(rxi_tdata), .s_axis_tkeep(rxi_tkeep), .s_axis_tvalid(rxi_tvalid && !rx_drop),
    .s_axis_tready(p_tready), .s_axis_tlast(rxi_tlast), .s_axis_tuser(rxi_tuser),
    .m_axis_tdata(ic_tdata), .m_axis_tkeep(ic_tkeep), .m_axis_tvalid(ic_tvalid), .m_axis_tready(ic_tready),
    .m_axis_tlast(ic_tlast), .m_axis_tuser(ic_tuser), .m_axis_icrc_bad(ic_bad));

  nc_frame_parser #(.PAY_FIFO_DEPTH(512), .HDR_FIFO_DEPTH(128)) u_parser (
    .clk(clk), .rst(rst),
    .cfg_filter_en(cfg_filter), .cfg_local_mac(cfg_mac), .cfg_local_ip(cfg_ip),
    .s_axis_tdata(ic_tdata), .s_axis_tkeep(ic_tkeep), .s_axis_tvalid(ic_tvalid),
    .s_axis_tready(ic_tready), .s_axis_tlast(ic_tlast), .s_axis_tuser(ic_tuser), .s_axis_icrc_bad(ic_bad),
    .m_hdr(rx_hdr), .m_hdr_valid(rx_hdr_valid), .m_hdr_ready(rx_hdr_ready),
    .m_axis_tdata(rx_pay_tdata), .m_axis_tkeep(rx_pay_tkeep), .m_axis_tvalid(rx_pay_tvalid),
    .m_axis_tready(rx_pay_tready), .m_axis_tlast(rx_pay_tlast), .m_axis_tuser(rx_pay_tuser_unused),
    .stat_valid(stat_valid), .stat_reason(stat_reason));

  nc_drop_counters u_drops (
    .clk(clk), .rst(rst), .clear(1'b0), .stat_valid(stat_valid), .stat_reason(stat_reason),
    .cnt(drop_cnt), .accepted(accepted_unused));

  rxop_t         frame_op;
  logic          frame_valid, frame_ready;
  nc_frame_hdr_t rx_mgmt_hdr;
  logic          rx_mgmt_hdr_valid, rx_mgmt_hdr_ready;
  logic          c_rx_frame, c_no_chan_d;
  logic [15:0]   c_rx_bytes;

  nc_rx_dispatch #(.CHANNELS(CHANNELS)) u_disp (
    .clk(clk), .rst(rst), .cfg_promisc(cfg_promisc),
    .ctx_wr_en(ctx_wr_en), .ctx_wr_chan(ctx_wr_chan), .ctx_wr_peer_chan(ctx_wr.peer_chan),
    .ctx_wr_peer_ip(ctx_wr.peer_ip),
    .s_hdr(rx_hdr), .s_hdr_valid(rx_hdr_valid), .s_hdr_ready(rx_hdr_ready),
    .m_ack(ack_op), .m_ack_valid(ack_valid), .m_ack_ready(ack_ready),
    .m_frame(frame_op), .m_frame_valid(frame_valid), .m_frame_ready(frame_ready),
    .m_mgmt_hdr(rx_mgmt_hdr), .m_mgmt_hdr_valid(rx_mgmt_hdr_valid), .m_mgmt_hdr_ready(rx_mgmt_hdr_ready),
    .cnt_rx_frame(c_rx_frame), .cnt_rx_bytes(c_rx_bytes), .cnt_no_channel(c_no_chan_d));

  place_job_t  place_job;
  logic        place_valid, place_ready;
  cpl_req_t    rxc_cpl;
  logic        rxc_cpl_valid, rxc_cpl_ready;
  logic        c_dup, c_oow, c_no_buf_r, c_no_chan_r, c_rxc_bad_db;

  nc_rx_ctrl #(.CHANNELS(CHANNELS)) u_rxc (
    .clk(clk), .rst(rst), .now(now_reg), .cfg_coal_pkts(cfg_coal_pkts), .cfg_coal_cycles(cfg_coal_cycles),
    .cmd_op(cmd_rx_op), .cmd_valid(cmd_rx_valid), .cmd_ready(cmd_rx_ready),
    .frame_op(frame_op), .frame_valid(frame_valid), .frame_ready(frame_ready),
    .db_op(db_rx), .db_valid(db_rx_valid), .db_ready(db_rx_ready),
    .probe_chan(probe_chan), .probe_req(probe_req), .probe_valid(probe_valid), .probe_ready(probe_ready),
    .rsp_valid(rxc_rsp_valid), .rsp_open(rxc_rsp_open), .rsp_prod(rxc_rsp_prod), .rsp_cons(rxc_rsp_cons),
    .rsp_ack_psn(rxc_rsp_ack_psn), .rsp_rx_pkts(rxc_rsp_rx_pkts), .rsp_dup(rxc_rsp_dup),
    .m_place(place_job), .m_place_valid(place_valid), .m_place_ready(place_ready),
    .m_ack(ack_job), .m_ack_valid(ack_job_valid), .m_ack_ready(ack_job_ready),
    .m_cpl(rxc_cpl), .m_cpl_valid(rxc_cpl_valid), .m_cpl_ready(rxc_cpl_ready),
    .cnt_dup(c_dup), .cnt_oow(c_oow), .cnt_no_buf(c_no_buf_r), .cnt_no_channel(c_no_chan_r),
    .cnt_bad_doorbell(c_rxc_bad_db));

  cpl_req_t    place_cpl;
  logic        place_cpl_valid, place_cpl_ready;
  logic        pw_valid, pw_ready, pw_last;
  logic [63:0] pw_addr, pw_keep;
  logic [511:0] pw_data;
  logic        c_no_buf_p, c_rx_bad_desc, c_mgmt_rx;
  /* verilator lint_off UNUSEDSIGNAL */
  logic [63:0] rxdesc_keep_unused;
  logic        rxdesc_last_unused;
  /* verilator lint_on UNUSEDSIGNAL */
  assign rxdesc_keep_unused = rd_rsp_keep;
  assign rxdesc_last_unused = rd_rsp_last;

  nc_rx_place #(.CHANNELS(CHANNELS), .DEPTH(128)) u_place (
    .clk(clk), .rst(rst),
    .ctx_wr_en(ctx_wr_en), .ctx_wr_chan(ctx_wr_chan), .ctx_wr_base(ctx_wr.rx_base), .ctx_wr_log(ctx_wr.rx_log),
    .s_job(place_job), .s_job_valid(place_valid), .s_job_ready(place_ready),
    .s_mgmt_hdr(rx_mgmt_hdr), .s_mgmt_hdr_valid(rx_mgmt_hdr_valid), .s_mgmt_hdr_ready(rx_mgmt_hdr_ready),
    .s_pay_tdata(rx_pay_tdata), .s_pay_tkeep(rx_pay_tkeep), .s_pay_tvalid(rx_pay_tvalid),
    .s_pay_tready(rx_pay_tready), .s_pay_tlast(rx_pay_tlast),
    .mgmt_buf_valid(mgmt_buf_valid), .mgmt_buf_idx(mgmt_buf_idx), .mgmt_rx_base(mgmt_rx_base),
    .mgmt_rx_log(mgmt_rx_log), .mgmt_buf_take(mgmt_buf_take),
    .rd_req_valid(rd_req_valid[P_RXDESC]), .rd_req_ready(rd_req_ready[P_RXDESC]),
    .rd_req_addr(rd_req_addr[P_RXDESC]), .rd_req_len(rd_req_len[P_RXDESC]),
    .rd_rsp_data(rd_rsp_data), .rd_rsp_valid(rd_rsp_valid[P_RXDESC]), .rd_rsp_ready(rd_rsp_ready[P_RXDESC]),
    .rd_rsp_err(rd_rsp_err),
    .wr_valid(pw_valid), .wr_ready(pw_ready), .wr_addr(pw_addr), .wr_data(pw_data), .wr_keep(pw_keep),
    .wr_last(pw_last),
    .m_cpl(place_cpl), .m_cpl_valid(place_cpl_valid), .m_cpl_ready(place_cpl_ready),
    .cnt_no_buf(c_no_buf_p), .cnt_bad_desc(c_rx_bad_desc), .cnt_mgmt_rx(c_mgmt_rx));

  // ---------------------------------------------------------------- completions, events, DMA writes
  logic        cw_valid, cw_ready;
  logic [63:0] cw_addr, cw_keep;
  logic [511:0] cw_data;
  ev_req_t     cpl_ev, ev;
  logic        cpl_ev_valid, cpl_ev_ready, ev_valid, ev_ready;
  logic        c_cpl_ovf, c_cpl_bad_db;

  nc_cpl_writer #(.CHANNELS(CHANNELS)) u_cplw (
    .clk(clk), .rst(rst),
    .ctx_wr_en(ctx_wr_en), .ctx_wr_chan(ctx_wr_chan), .ctx_wr_base(ctx_wr.cpl_base), .ctx_wr_log(ctx_wr.cpl_log),
    .ctx_wr_eq(ctx_wr.eq), .mgmt_base(mgmt_cpl_base), .mgmt_log(mgmt_cpl_log), .mgmt_eq(mgmt_eq),
    .mgmt_reset(mgmt_restart),
    .s_rx(place_cpl), .s_rx_valid(place_cpl_valid), .s_rx_ready(place_cpl_ready),
    .s_mgmt(mgmt_cpl), .s_mgmt_valid(mgmt_cpl_valid), .s_mgmt_ready(mgmt_cpl_ready),
    .s_tx(txc_cpl), .s_tx_valid(txc_cpl_valid), .s_tx_ready(txc_cpl_ready),
    .s_flush(rxc_cpl), .s_flush_valid(rxc_cpl_valid), .s_flush_ready(rxc_cpl_ready),
    .db_valid(db_cpl_valid), .db_ready(db_cpl_ready), .db_mgmt(db_cpl_mgmt), .db_chan(db_cpl_chan),
    .db_cons(db_cpl_cons), .db_arm(db_cpl_arm),
    .cmd_valid(cmd_cpl_valid), .cmd_ready(cmd_cpl_ready), .cmd_open(cmd_cpl_open), .cmd_chan(cmd_cpl_chan),
    .rsp_valid(cplw_rsp_valid), .rsp_prod(cplw_rsp_prod), .rsp_cons(cplw_rsp_cons),
    .info_rd_en(info_rd_en), .info_rd_addr(info_rd_addr), .info_rd_data(info_rd_data),
    .m_wr_valid(cw_valid), .m_wr_ready(cw_ready), .m_wr_addr(cw_addr), .m_wr_data(cw_data), .m_wr_keep(cw_keep),
    .m_ev(cpl_ev), .m_ev_valid(cpl_ev_valid), .m_ev_ready(cpl_ev_ready),
    .cpl_done_valid(cpl_done_valid), .cpl_done_chan(cpl_done_chan),
    .cnt_overflow(c_cpl_ovf), .cnt_bad_doorbell(c_cpl_bad_db));

  // events: channel failures first, then completion events
  assign ev           = cmd_ev_valid ? cmd_ev : cpl_ev;
  assign ev_valid     = cmd_ev_valid || cpl_ev_valid;
  assign cmd_ev_ready = ev_ready;
  assign cpl_ev_ready = ev_ready && !cmd_ev_valid;

  logic        eqw_valid, eqw_ready, eqw_irq;
  logic [7:0]  eqw_vector;
  logic [63:0] eqw_addr, eqw_keep;
  logic [511:0] eqw_data;
  logic        c_eq_ovf, c_eq_bad_db;

  nc_eq #(.QUEUES(EVENT_QUEUES)) u_eq (
    .clk(clk), .rst(rst),
    .cmd_valid(eq_cmd_valid), .cmd_eq(eq_cmd_eq), .cmd_base(eq_cmd_base), .cmd_log(eq_cmd_log),
    .cmd_enable(eq_cmd_enable),
    .arm_valid(eq_arm_valid), .arm_ready(eq_arm_ready), .arm_eq(eq_arm_eq), .arm_cons(eq_arm_cons),
    .s_ev(ev), .s_ev_valid(ev_valid), .s_ev_ready(ev_ready),
    .m_valid(eqw_valid), .m_ready(eqw_ready), .m_irq(eqw_irq), .m_vector(eqw_vector), .m_addr(eqw_addr),
    .m_data(eqw_data), .m_keep(eqw_keep), .cnt_overflow(c_eq_ovf), .cnt_bad_doorbell(c_eq_bad_db));

  logic c_wr_fault;

  nc_dma_wr_mux u_wrmux (
    .clk(clk), .rst(rst),
    .b_valid(pw_valid), .b_ready(pw_ready), .b_addr(pw_addr), .b_data(pw_data), .b_keep(pw_keep), .b_last(pw_last),
    .a_valid(cw_valid), .a_ready(cw_ready), .a_addr(cw_addr), .a_data(cw_data), .a_keep(cw_keep),
    .c_valid(eqw_valid), .c_ready(eqw_ready), .c_irq(eqw_irq), .c_vector(eqw_vector), .c_addr(eqw_addr),
    .c_data(eqw_data), .c_keep(eqw_keep),
    .dma_wr_valid(dma_wr_valid), .dma_wr_ready(dma_wr_ready), .dma_wr_addr(dma_wr_addr), .dma_wr_data(dma_wr_data),
    .dma_wr_keep(dma_wr_keep), .dma_wr_last(dma_wr_last), .dma_wr_tag(dma_wr_tag),
    .dma_wr_done_valid(dma_wr_done_valid), .dma_wr_done_tag(dma_wr_done_tag), .dma_wr_done_err(dma_wr_done_err),
    .irq_valid(irq_valid), .irq_vector(irq_vector), .cnt_fault(c_wr_fault));

  // ---------------------------------------------------------------- counters
  function automatic logic [15:0] b2(input logic a);
    return {15'd0, a};
  endfunction

  always_comb begin
    cnt_inc = '0;
    cnt_inc[NC_CNT_TX_FRAMES]      = b2(c_tx_frame);
    cnt_inc[NC_CNT_TX_BYTES]       = c_tx_frame ? c_tx_bytes : 16'd0;
    cnt_inc[NC_CNT_RX_FRAMES]      = b2(c_rx_frame);
    cnt_inc[NC_CNT_RX_BYTES]       = c_rx_frame ? c_rx_bytes : 16'd0;
    cnt_inc[NC_CNT_RETX]           = b2(c_retx);
    cnt_inc[NC_CNT_TIMEOUTS]       = b2(c_timeout);
    cnt_inc[NC_CNT_CREDIT_STALL]   = b2(c_credit_stall);
    cnt_inc[NC_CNT_BAD_DESC]       = b2(c_tx_bad_desc) + b2(c_rx_bad_desc) + b2(c_mgmt_bad_desc);
    cnt_inc[NC_CNT_DUP]            = b2(c_dup);
    cnt_inc[NC_CNT_NO_CHANNEL]     = b2(c_no_chan_d) + b2(c_no_chan_r) + b2(c_no_chan_t);
    cnt_inc[NC_CNT_DMA_FAULT]      = b2(c_rd_fault) + b2(c_wr_fault);
    cnt_inc[NC_CNT_MGMT_TX]        = b2(c_mgmt_tx);
    cnt_inc[NC_CNT_MGMT_RX]        = b2(c_mgmt_rx);
    cnt_inc[NC_CNT_RX_NO_BUF]      = b2(c_no_buf_r) + b2(c_no_buf_p);
    cnt_inc[NC_CNT_OUT_OF_WINDOW]  = b2(c_oow);
    cnt_inc[NC_CNT_ACK_TX]         = b2(c_ack_tx);
    cnt_inc[NC_CNT_ACK_RX]         = b2(c_ack_rx);
    cnt_inc[NC_CNT_CPL_OVERFLOW]   = b2(c_cpl_ovf);
    cnt_inc[NC_CNT_EQ_OVERFLOW]    = b2(c_eq_ovf);
    cnt_inc[NC_CNT_CH_FAILED]      = b2(c_ch_failed);
    cnt_inc[NC_CNT_BAD_DOORBELL]   = b2(c_txc_bad_db) + b2(c_rxc_bad_db) + b2(c_cpl_bad_db) + b2(c_eq_bad_db) + b2(c_mgmt_bad_db);
    cnt_inc[NC_CNT_BAD_ACK]        = b2(c_bad_ack);
    cnt_inc[NC_CNT_BAD_CREDIT]     = b2(c_bad_credit);
    cnt_inc[NC_CNT_HDR_LEN_MISMATCH] = b2(c_len_mismatch);
  end

  // internal consistency checks (simulation): neither can happen by design
  always_ff @(posedge clk) begin
    if (!rst && c_rd_tag_err) $error("nc_nic: DMA read response with an unexpected tag");
    if (!rst && c_desync) $error("nc_nic: a frame left without its Tx monitor record");
  end

  /* verilator lint_off UNUSEDSIGNAL */
  logic unused_ok;
  assign unused_ok = rxc_rsp_open ^ (^ctx_wr.init_psn) ^ (^ctx_wr.peer_psn) ^ (^ctx_wr.tx_credit);
  /* verilator lint_on UNUSEDSIGNAL */

endmodule

`default_nettype wire
