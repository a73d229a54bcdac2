// nc_regs: the NIC's register block (BAR0), per the register map of docs/protocol.md.
//
// One MMIO request per handshake; a read is answered on the next cycle (every register is a flop or a
// counter). Writes to configuration and staged registers take effect at once; command and doorbell
// writes become requests for the blocks that act on them: CH_CMD is held pending until the command
// block takes it (CH_CMD_STATUS shows busy), doorbells (DB_TX, DB_RX, DB_CPL, MGMT_DB_CPL, EQ_ARM) go
// through FIFOs — the MMIO port stalls (mmio_ready low) rather than lose one when a FIFO is full.
// Global counters are 64 bits: a read of _LO returns the low half and latches the high half, which a
// read of _HI then returns (a consistent snapshot). Every register is a generated field struct
// (nc_reg_*_t in nc_pkg, from hw/spec/netchannel.toml) with its reset value and field mask: a write keeps
// only the bits of the register's fields, so every other bit reads 0, as the spec says.
`default_nettype none

module nc_regs
  import nc_pkg::*;
  import nc_nic_pkg::*;
#(
  parameter int          CHANNELS     = 1024,
  parameter int          EVENT_QUEUES = 8,
  parameter logic [31:0] BUILD_ID     = '0,
  parameter int          NCNT         = NC_CNT_COUNT   // global 64-bit counters (nc_counter_e)
) (
  input  wire            clk,
  input  wire            rst,

  input  wire            mmio_valid,
  output logic           mmio_ready,
  input  wire            mmio_write,
  input  wire [15:0]     mmio_addr,
  input  wire [31:0]     mmio_wdata,
  output logic           mmio_rd_valid,
  output logic [31:0]    mmio_rd_data,

  // configuration
  output logic           cfg_enable,
  output logic           cfg_filter,
  output logic           cfg_promisc,
  output logic [47:0]    cfg_mac,
  output logic [31:0]    cfg_ip,
  output logic [31:0]    cfg_rto,
  output logic [15:0]    cfg_coal_pkts,
  output logic [15:0]    cfg_coal_cycles,
  output logic [7:0]     cfg_retry_limit,

  // channel commands
  output logic           cmd_valid,
  input  wire            cmd_ready,
  output logic [15:0]    cmd_chan,
  output logic [3:0]     cmd_code,
  output staged_t        staged,
  input  wire            cmd_busy,
  input  wire [3:0]      cmd_result,
  input  wire            rb_valid,
  input  wire staged_t   rb_staged,
  input  wire readback_t rb,

  // doorbells
  output txop_t          db_tx,
  output logic           db_tx_valid,
  input  wire            db_tx_ready,
  output rxop_t          db_rx,
  output logic           db_rx_valid,
  input  wire            db_rx_ready,
  output logic           db_cpl_valid,
  input  wire            db_cpl_ready,
  output logic           db_cpl_mgmt,
  output logic [15:0]    db_cpl_chan,
  output logic [15:0]    db_cpl_cons,
  output logic           db_cpl_arm,
  output logic           eq_arm_valid,
  input  wire            eq_arm_ready,
  output logic [7:0]     eq_arm_eq,
  output logic [15:0]    eq_arm_cons,
  output logic           eq_cmd_valid,
  output logic [7:0]     eq_cmd_eq,
  output logic [57:0]    eq_cmd_base,
  output logic [3:0]     eq_cmd_log,
  output logic           eq_cmd_enable,

  // management queue pair
  output logic [57:0]    mgmt_tx_base,
  output logic [57:0]    mgmt_rx_base,
  output logic [57:0]    mgmt_cpl_base,
  output logic [3:0]     mgmt_tx_log,
  output logic [3:0]     mgmt_rx_log,
  output logic [3:0]     mgmt_cpl_log,
  output logic           mgmt_enable,
  output logic [7:0]     mgmt_eq,
  output logic           mgmt_restart,
  output logic           mgmt_db_tx_valid,
  output logic [15:0]    mgmt_db_tx_prod,
  output logic           mgmt_db_rx_valid,
  output logic [15:0]    mgmt_db_rx_prod,

  // counters
  input  wire [NCNT-1:0][15:0] cnt_inc,
  input  wire [NC_DROP_REASON_COUNT-1:0][31:0] drop_cnt
);

  // ---------------------------------------------------------------- registers
  nc_reg_ctrl_t            ctrl_reg;
  nc_reg_mac_hi_t          mac_hi_reg;
  nc_reg_ack_coalesce_t    coal_reg;
  nc_reg_retry_limit_t     retry_reg;
  nc_reg_ch_peer_mac_hi_t  peer_mac_hi_reg;
  nc_reg_ch_udp_src_t      udp_src_reg;
  nc_reg_ch_peer_chan_t    peer_chan_reg;
  nc_reg_ch_ring_log_t     ring_log_reg;
  nc_reg_mgmt_ring_log_t   m_log_reg;
  nc_reg_mgmt_ctrl_t       m_ctrl_reg;
  logic [31:0] mac_lo_reg, ip_reg, rto_reg;   // one 32-bit field each
  logic [31:0] peer_mac_lo_reg, peer_ip_reg;
  logic [31:0] tx_ring_lo_reg, tx_ring_hi_reg, rx_ring_lo_reg, rx_ring_hi_reg, cpl_ring_lo_reg, cpl_ring_hi_reg;
  logic [31:0] init_psn_reg, peer_psn_reg, tx_credit_reg;
  logic [31:0] eq_base_lo_reg, eq_base_hi_reg;
  logic [31:0] m_tx_lo_reg, m_tx_hi_reg, m_rx_lo_reg, m_rx_hi_reg, m_cpl_lo_reg, m_cpl_hi_reg;
  readback_t   rb_reg;

  // the write data as each register with fields sees it (bits outside its fields cleared)
  nc_reg_ch_cmd_t      w_ch_cmd;
  nc_reg_eq_cmd_t      w_eq_cmd;
  nc_reg_db_tx_t       w_db_tx;
  nc_reg_db_rx_t       w_db_rx;
  nc_reg_db_cpl_t      w_db_cpl;
  nc_reg_eq_arm_t      w_eq_arm;
  nc_reg_mgmt_db_tx_t  w_mgmt_db_tx;
  nc_reg_mgmt_db_rx_t  w_mgmt_db_rx;
  nc_reg_mgmt_db_cpl_t w_mgmt_db_cpl;
  nc_reg_mgmt_ctrl_t   w_mgmt_ctrl;
  assign w_ch_cmd      = nc_reg_ch_cmd_t'(mmio_wdata & NC_REG_CH_CMD_MASK);
  assign w_eq_cmd      = nc_reg_eq_cmd_t'(mmio_wdata & NC_REG_EQ_CMD_MASK);
  assign w_db_tx       = nc_reg_db_tx_t'(mmio_wdata & NC_REG_DB_TX_MASK);
  assign w_db_rx       = nc_reg_db_rx_t'(mmio_wdata & NC_REG_DB_RX_MASK);
  assign w_db_cpl      = nc_reg_db_cpl_t'(mmio_wdata & NC_REG_DB_CPL_MASK);
  assign w_eq_arm      = nc_reg_eq_arm_t'(mmio_wdata & NC_REG_EQ_ARM_MASK);
  assign w_mgmt_db_tx  = nc_reg_mgmt_db_tx_t'(mmio_wdata & NC_REG_MGMT_DB_TX_MASK);
  assign w_mgmt_db_rx  = nc_reg_mgmt_db_rx_t'(mmio_wdata & NC_REG_MGMT_DB_RX_MASK);
  assign w_mgmt_db_cpl = nc_reg_mgmt_db_cpl_t'(mmio_wdata & NC_REG_MGMT_DB_CPL_MASK);
  assign w_mgmt_ctrl   = nc_reg_mgmt_ctrl_t'(mmio_wdata & NC_REG_MGMT_CTRL_MASK);
  // An unpacked array, not a packed vector: Verilator commits an array element's non-blocking write
  // only when it was written, whereas a partly written packed vector is copied whole (2 x 1344 bits) to
  // and from a shadow in every cycle of the simulation.
  logic [63:0] cnt_reg [NCNT];
  logic [31:0] cnt_hi_latch_reg;

  assign cfg_enable      = ctrl_reg.enable;
  assign cfg_filter      = ctrl_reg.filter;
  assign cfg_promisc     = ctrl_reg.promisc_mgmt;
  assign cfg_mac         = {mac_hi_reg.mac_hi, mac_lo_reg};
  assign cfg_ip          = ip_reg;
  assign cfg_rto         = rto_reg;
  assign cfg_coal_pkts   = coal_reg.packets;
  assign cfg_coal_cycles = coal_reg.cycles;
  assign cfg_retry_limit = retry_reg.limit;

  assign staged = '{peer_mac: {peer_mac_hi_reg.mac_hi, peer_mac_lo_reg}, peer_ip: peer_ip_reg,
                    udp_src: udp_src_reg.port, peer_chan: peer_chan_reg.peer_chan, cls: peer_chan_reg.cls,
                    eq: peer_chan_reg.eq, tx_ring: {tx_ring_hi_reg, tx_ring_lo_reg},
                    rx_ring: {rx_ring_hi_reg, rx_ring_lo_reg}, cpl_ring: {cpl_ring_hi_reg, cpl_ring_lo_reg},
                    tx_log: ring_log_reg.tx, rx_log: ring_log_reg.rx, cpl_log: ring_log_reg.cpl,
                    init_psn: init_psn_reg, peer_psn: peer_psn_reg, tx_credit: tx_credit_reg};

  // ring bases are 64-byte aligned (the low 6 bits are checked, not used)
  assign mgmt_tx_base  = {m_tx_hi_reg, m_tx_lo_reg[31:6]};
  assign mgmt_rx_base  = {m_rx_hi_reg, m_rx_lo_reg[31:6]};
  assign mgmt_cpl_base = {m_cpl_hi_reg, m_cpl_lo_reg[31:6]};
  assign mgmt_tx_log   = m_log_reg.tx[3:0];   // checked <= RING_LOG_MAX (4 bits) before it is used
  assign mgmt_rx_log   = m_log_reg.rx[3:0];
  assign mgmt_cpl_log  = m_log_reg.cpl[3:0];
  assign mgmt_enable   = m_ctrl_reg.enable;
  assign mgmt_eq       = m_ctrl_reg.eq;

  // the management queue pair's configuration as MGMT_CTRL enable checks it
  logic mgmt_cfg_ok;
  logic [7:0] m_tx_log8, m_rx_log8, m_cpl_log8;
  assign m_tx_log8  = m_log_reg.tx;
  assign m_rx_log8  = m_log_reg.rx;
  assign m_cpl_log8 = m_log_reg.cpl;
  assign mgmt_cfg_ok = {m_tx_hi_reg, m_tx_lo_reg} != 64'd0 && m_tx_lo_reg[5:0] == 6'd0 &&
                       {m_rx_hi_reg, m_rx_lo_reg} != 64'd0 && m_rx_lo_reg[5:0] == 6'd0 &&
                       {m_cpl_hi_reg, m_cpl_lo_reg} != 64'd0 && m_cpl_lo_reg[5:0] == 6'd0 &&
                       m_tx_log8 >= 8'(RING_LOG_MIN) && m_tx_log8 <= 8'(RING_LOG_MAX) &&
                       m_rx_log8 >= 8'(RING_LOG_MIN) && m_rx_log8 <= 8'(RING_LOG_MAX) &&
                       m_cpl_log8 <= 8'(RING_LOG_MAX) && m_cpl_log8 > m_tx_log8 && m_cpl_log8 > m_rx_log8;

  // ---------------------------------------------------------------- request decode
  logic wr, rd;
  logic is_db_tx, is_db_rx, is_db_cpl, is_eq_arm, is_mgmt_db_cpl, is_ch_cmd;
  assign is_db_tx       = mmio_addr == NC_REG_DB_TX;
  assign is_db_rx       = mmio_addr == NC_REG_DB_RX;
  assign is_db_cpl      = mmio_addr == NC_REG_DB_CPL;
  assign is_eq_arm      = mmio_addr == NC_REG_EQ_ARM;
  assign is_mgmt_db_cpl = mmio_addr == NC_REG_MGMT_DB_CPL;
  assign is_ch_cmd      = mmio_addr == NC_REG_CH_CMD;

  // doorbell FIFOs
  logic q_tx_ready, q_rx_ready, q_cpl_ready, q_arm_ready;
  logic stall;
  assign stall = mmio_write && ((is_db_tx && !q_tx_ready) || (is_db_rx && !q_rx_ready) ||
                                ((is_db_cpl || is_mgmt_db_cpl) && !q_cpl_ready) || (is_eq_arm && !q_arm_ready) ||
                                (is_ch_cmd && cmd_valid));
  assign mmio_ready = !stall;
  assign wr = mmio_valid && mmio_ready && mmio_write;
  assign rd = mmio_valid && mmio_ready && !mmio_write;

  txop_t tx_in;
  rxop_t rx_in;
  always_comb begin
    tx_in = '0;
    tx_in.code = TXOP_DB;
    tx_in.chan = w_db_tx.channel;
    tx_in.a    = 32'(w_db_tx.prod);
    rx_in = '0;
    rx_in.code = RXOP_DB;
    rx_in.chan = w_db_rx.channel;
    rx_in.a    = 32'(w_db_rx.prod);
  end

  /* verilator lint_off UNUSEDSIGNAL */
  logic [4:0] f1_unused, f2_unused, f3_unused, f4_unused;
  /* verilator lint_on UNUSEDSIGNAL */
  // doorbells for a channel number beyond CHANNELS are dropped here and counted (CNT_BAD_DOORBELL)
  logic db_tx_bad, db_rx_bad, db_cpl_bad;
  assign db_tx_bad  = w_db_tx.channel >= 16'(CHANNELS);
  assign db_rx_bad  = w_db_rx.channel >= 16'(CHANNELS);
  assign db_cpl_bad = is_db_cpl && (w_db_cpl.channel >= $bits(w_db_cpl.channel)'(CHANNELS));

  nc_fifo #(.WIDTH($bits(txop_t)), .DEPTH(16)) u_db_tx (
    .clk(clk), .rst(rst), .s_data(tx_in), .s_valid(wr && is_db_tx && !db_tx_bad), .s_ready(q_tx_ready),
    .m_data(db_tx), .m_valid(db_tx_valid), .m_ready(db_tx_ready), .free(f1_unused));
  nc_fifo #(.WIDTH($bits(rxop_t)), .DEPTH(16)) u_db_rx (
    .clk(clk), .rst(rst), .s_data(rx_in), .s_valid(wr && is_db_rx && !db_rx_bad), .s_ready(q_rx_ready),
    .m_data(db_rx), .m_valid(db_rx_valid), .m_ready(db_rx_ready), .free(f2_unused));
  nc_fifo #(.WIDTH(1 + 16 + 16 + 1), .DEPTH(16)) u_db_cpl (
    .clk(clk), .rst(rst),
    .s_data(is_mgmt_db_cpl ? {1'b1, 16'hFFFF, w_mgmt_db_cpl.cons, w_mgmt_db_cpl.arm}
                           : {1'b0, 16'(w_db_cpl.channel), w_db_cpl.cons, w_db_cpl.arm}),
    .s_valid(wr && (is_mgmt_db_cpl || (is_db_cpl && !db_cpl_bad))), .s_ready(q_cpl_ready),
    .m_data({db_cpl_mgmt, db_cpl_chan, db_cpl_cons, db_cpl_arm}), .m_valid(db_cpl_valid), .m_ready(db_cpl_ready),
    .free(f3_unused));
  nc_fifo #(.WIDTH(8 + 16), .DEPTH(16)) u_eq_arm (
    .clk(clk), .rst(rst), .s_data({w_eq_arm.eq, w_eq_arm.cons}), .s_valid(wr && is_eq_arm),
    .s_ready(q_arm_ready), .m_data({eq_arm_eq, eq_arm_cons}), .m_valid(eq_arm_valid), .m_ready(eq_arm_ready),
    .free(f4_unused));

  logic bad_db_pulse;

  // ---------------------------------------------------------------- writes
  always_ff @(posedge clk) begin
    eq_cmd_valid     <= 1'b0;
    mgmt_restart     <= 1'b0;
    mgmt_db_tx_valid <= 1'b0;
    mgmt_db_rx_valid <= 1'b0;
    bad_db_pulse     <= wr && (((is_db_tx || is_db_rx) && db_tx_bad) || db_cpl_bad);
    if (cmd_valid && cmd_ready) cmd_valid <= 1'b0;
    if (wr) begin
      unique case (mmio_addr)
        NC_REG_CTRL:            ctrl_reg        <= nc_reg_ctrl_t'(mmio_wdata & NC_REG_CTRL_MASK);
        NC_REG_MAC_LO:          mac_lo_reg      <= mmio_wdata;
        NC_REG_MAC_HI:          mac_hi_reg      <= nc_reg_mac_hi_t'(mmio_wdata & NC_REG_MAC_HI_MASK);
        NC_REG_IP_ADDR:         ip_reg          <= mmio_wdata;
        NC_REG_RTO_CYCLES:      rto_reg         <= mmio_wdata;
        NC_REG_ACK_COALESCE:    coal_reg        <= nc_reg_ack_coalesce_t'(mmio_wdata & NC_REG_ACK_COALESCE_MASK);
        NC_REG_RETRY_LIMIT:     retry_reg       <= nc_reg_retry_limit_t'(mmio_wdata & NC_REG_RETRY_LIMIT_MASK);
        NC_REG_CH_PEER_MAC_LO:  peer_mac_lo_reg <= mmio_wdata;
        NC_REG_CH_PEER_MAC_HI:  peer_mac_hi_reg <= nc_reg_ch_peer_mac_hi_t'(mmio_wdata & NC_REG_CH_PEER_MAC_HI_MASK);
        NC_REG_CH_PEER_IP:      peer_ip_reg     <= mmio_wdata;
        NC_REG_CH_UDP_SRC:      udp_src_reg     <= nc_reg_ch_udp_src_t'(mmio_wdata & NC_REG_CH_UDP_SRC_MASK);
        NC_REG_CH_PEER_CHAN:    peer_chan_reg   <= nc_reg_ch_peer_chan_t'(mmio_wdata & NC_REG_CH_PEER_CHAN_MASK);
        NC_REG_CH_TX_RING_LO:   tx_ring_lo_reg  <= mmio_wdata;
        NC_REG_CH_TX_RING_HI:   tx_ring_hi_reg  <= mmio_wdata;
        NC_REG_CH_RX_RING_LO:   rx_ring_lo_reg  <= mmio_wdata;
        NC_REG_CH_RX_RING_HI:   rx_ring_hi_reg  <= mmio_wdata;
        NC_REG_CH_CPL_RING_LO:  cpl_ring_lo_reg <= mmio_wdata;
        NC_REG_CH_CPL_RING_HI:  cpl_ring_hi_reg <= mmio_wdata;
        NC_REG_CH_RING_LOG:     ring_log_reg    <= nc_reg_ch_ring_log_t'(mmio_wdata & NC_REG_CH_RING_LOG_MASK);
        NC_REG_CH_INIT_PSN:     init_psn_reg    <= mmio_wdata;
        NC_REG_CH_PEER_PSN:     peer_psn_reg    <= mmio_wdata;
        NC_REG_CH_TX_CREDIT:    tx_credit_reg   <= mmio_wdata;
        NC_REG_CH_CMD: begin
          cmd_valid <= 1'b1;
          cmd_chan  <= w_ch_cmd.channel;
          cmd_code  <= w_ch_cmd.cmd;
        end
        NC_REG_EQ_BASE_LO:      eq_base_lo_reg  <= mmio_wdata;
        NC_REG_EQ_BASE_HI:      eq_base_hi_reg  <= mmio_wdata;
        NC_REG_EQ_CMD: begin
          eq_cmd_valid  <= 1'b1;
          eq_cmd_eq     <= w_eq_cmd.eq;
          eq_cmd_log    <= w_eq_cmd.log[3:0];   // used only when within RING_LOG_MIN..RING_LOG_MAX (below)
          eq_cmd_enable <= w_eq_cmd.enable && w_eq_cmd.log >= 8'(RING_LOG_MIN) && w_eq_cmd.log <= 8'(RING_LOG_MAX) &&
                           eq_base_lo_reg[5:0] == 6'd0 && {eq_base_hi_reg, eq_base_lo_reg} != 64'd0;
          eq_cmd_base   <= {eq_base_hi_reg, eq_base_lo_reg[31:6]};
        end
        NC_REG_MGMT_TX_RING_LO:  m_tx_lo_reg  <= mmio_wdata;
        NC_REG_MGMT_TX_RING_HI:  m_tx_hi_reg  <= mmio_wdata;
        NC_REG_MGMT_RX_RING_LO:  m_rx_lo_reg  <= mmio_wdata;
        NC_REG_MGMT_RX_RING_HI:  m_rx_hi_reg  <= mmio_wdata;
        NC_REG_MGMT_CPL_RING_LO: m_cpl_lo_reg <= mmio_wdata;
        NC_REG_MGMT_CPL_RING_HI: m_cpl_hi_reg <= mmio_wdata;
        NC_REG_MGMT_RING_LOG:    m_log_reg    <= nc_reg_mgmt_ring_log_t'(mmio_wdata & NC_REG_MGMT_RING_LOG_MASK);
        NC_REG_MGMT_CTRL: begin
          // enabling requires a valid configuration (bases non-zero and 64-byte aligned, sizes within
          // CAP_RING_LOG, a completion ring holding both rings); otherwise the queue pair stays disabled
          m_ctrl_reg        <= w_mgmt_ctrl;
          m_ctrl_reg.enable <= w_mgmt_ctrl.enable && mgmt_cfg_ok;
          mgmt_restart      <= w_mgmt_ctrl.enable && mgmt_cfg_ok;
        end
        NC_REG_MGMT_DB_TX: begin
          mgmt_db_tx_valid <= 1'b1;
          mgmt_db_tx_prod  <= w_mgmt_db_tx.prod;
        end
        NC_REG_MGMT_DB_RX: begin
          mgmt_db_rx_valid <= 1'b1;
          mgmt_db_rx_prod  <= w_mgmt_db_rx.prod;
        end
        default: ;
      endcase
    end
    if (rb_valid) begin
      rb_reg          <= rb;
      peer_mac_lo_reg <= rb_staged.peer_mac[31:0];
      peer_mac_hi_reg <= '{mac_hi: rb_staged.peer_mac[47:32], default: '0};
      peer_ip_reg     <= rb_staged.peer_ip;
      udp_src_reg     <= '{port: rb_staged.udp_src, default: '0};
      peer_chan_reg   <= '{eq: rb_staged.eq, cls: rb_staged.cls, peer_chan: rb_staged.peer_chan};
      tx_ring_lo_reg  <= rb_staged.tx_ring[31:0];
      tx_ring_hi_reg  <= rb_staged.tx_ring[63:32];
      rx_ring_lo_reg  <= rb_staged.rx_ring[31:0];
      rx_ring_hi_reg  <= rb_staged.rx_ring[63:32];
      cpl_ring_lo_reg <= rb_staged.cpl_ring[31:0];
      cpl_ring_hi_reg <= rb_staged.cpl_ring[63:32];
      ring_log_reg    <= '{cpl: rb_staged.cpl_log, rx: rb_staged.rx_log, tx: rb_staged.tx_log, default: '0};
      init_psn_reg    <= rb_staged.init_psn;
      peer_psn_reg    <= rb_staged.peer_psn;
      tx_credit_reg   <= rb_staged.tx_credit;
    end
    if (rst) begin
      ctrl_reg   <= nc_reg_ctrl_t'(NC_REG_CTRL_RESET);
      mac_lo_reg <= NC_REG_MAC_LO_RESET;
      mac_hi_reg <= nc_reg_mac_hi_t'(NC_REG_MAC_HI_RESET);
      ip_reg     <= NC_REG_IP_ADDR_RESET;
      rto_reg    <= NC_REG_RTO_CYCLES_RESET;
      coal_reg   <= nc_reg_ack_coalesce_t'(NC_REG_ACK_COALESCE_RESET);
      retry_reg  <= nc_reg_retry_limit_t'(NC_REG_RETRY_LIMIT_RESET);
      m_ctrl_reg <= nc_reg_mgmt_ctrl_t'(NC_REG_MGMT_CTRL_RESET);
      cmd_valid  <= 1'b0;
      eq_cmd_valid <= 1'b0;
      mgmt_restart <= 1'b0;
      mgmt_db_tx_valid <= 1'b0;
      mgmt_db_rx_valid <= 1'b0;
      bad_db_pulse <= 1'b0;
    end
  end

  // ---------------------------------------------------------------- counters
  always_ff @(posedge clk) begin
    if (cnt_inc != '0 || bad_db_pulse) begin   // most cycles count nothing
      for (int i = 0; i < NCNT; i++)
        cnt_reg[i] <= cnt_reg[i] + 64'(cnt_inc[i]) + ((i == int'(NC_CNT_BAD_DOORBELL) && bad_db_pulse) ? 64'd1 : 64'd0);
    end
    if (rst) begin
      for (int i = 0; i < NCNT; i++) cnt_reg[i] <= '0;
    end
  end

  // ---------------------------------------------------------------- reads
  // Counter i is at NC_CNT_BASE + 8 i (its _LO, then _HI); the parser's drop counters at
  // NC_REG_CNT_DROP_BASE + 4 reason.
  localparam int CNT_IDX_BITS  = $clog2(NCNT);
  localparam int CNT_SPAN      = 8 << CNT_IDX_BITS;
  localparam int DROP_IDX_BITS = $clog2(NC_REG_CNT_DROP_BASE_COUNT);
  initial begin
    assert (int'(NC_CNT_BASE) % CNT_SPAN == 0 && int'(NC_CNT_BASE) + CNT_SPAN <= int'(NC_REG_CNT_DROP_BASE))
      else $fatal(1, "nc_regs: the counter block must be aligned to its size and end before CNT_DROP_BASE");
    assert (int'(NC_REG_CNT_DROP_BASE) % (4 * NC_REG_CNT_DROP_BASE_COUNT) == 0 && NC_DROP_REASON_COUNT <= NC_REG_CNT_DROP_BASE_COUNT)
      else $fatal(1, "nc_regs: the drop counter block must be aligned and hold every drop reason");
  end
  logic [31:0] rdata;
  logic        cnt_hit, cnt_lo_hit, drop_hit;
  logic [CNT_IDX_BITS-1:0]  cnt_idx;
  logic [DROP_IDX_BITS-1:0] drop_idx;
  assign cnt_idx    = mmio_addr[3 +: CNT_IDX_BITS];
  assign cnt_hit    = (mmio_addr & ~16'(CNT_SPAN - 1)) == NC_CNT_BASE && int'(cnt_idx) < NCNT;
  assign cnt_lo_hit = cnt_hit && !mmio_addr[2];
  assign drop_idx   = mmio_addr[2 +: DROP_IDX_BITS];
  assign drop_hit   = (mmio_addr & ~16'(4 * NC_REG_CNT_DROP_BASE_COUNT - 1)) == NC_REG_CNT_DROP_BASE &&
                      int'(drop_idx) < NC_DROP_REASON_COUNT;

  // the read multiplexer is evaluated only for a read (it depends on the MMIO address, an input)
  always_comb begin
    rdata = '0;
    if (rd) begin
      unique case (mmio_addr)
        NC_REG_ID_MAGIC:         rdata = NC_NIC_MAGIC;
        NC_REG_ID_VERSION:       rdata = nc_reg_id_version_t'{rtl: RTL_REVISION, spec: 16'(NC_SPEC_VERSION)};
        NC_REG_ID_BUILD:         rdata = BUILD_ID;
        NC_REG_CAP_CHANNELS:     rdata = 32'(CHANNELS);
        NC_REG_CAP_RING_LOG:     rdata = nc_reg_cap_ring_log_t'{min: 8'(RING_LOG_MIN), max: 8'(RING_LOG_MAX), default: '0};
        NC_REG_CAP_DATAPATH:     rdata = nc_reg_cap_datapath_t'{max_payload: 16'(NC_MAX_PAYLOAD_BYTES), width_bits: 16'(DATAPATH_BITS)};
        NC_REG_CAP_EVENT_QUEUES: rdata = 32'(EVENT_QUEUES);
        NC_REG_CAP_TRANSPORT:    rdata = nc_reg_cap_transport_t'{sack_bits: 8'(NC_SACK_WINDOW), window: 8'(WINDOW), default: '0};
        NC_REG_CTRL:             rdata = ctrl_reg;
        NC_REG_STATUS:           rdata = nc_reg_status_t'{link_up: 1'b1, running: ctrl_reg.enable, default: '0};
        NC_REG_MAC_LO:           rdata = mac_lo_reg;
        NC_REG_MAC_HI:           rdata = mac_hi_reg;
        NC_REG_IP_ADDR:          rdata = ip_reg;
        NC_REG_RTO_CYCLES:       rdata = rto_reg;
        NC_REG_ACK_COALESCE:     rdata = coal_reg;
        NC_REG_RETRY_LIMIT:      rdata = retry_reg;
        NC_REG_CH_PEER_MAC_LO:   rdata = peer_mac_lo_reg;
        NC_REG_CH_PEER_MAC_HI:   rdata = peer_mac_hi_reg;
        NC_REG_CH_PEER_IP:       rdata = peer_ip_reg;
        NC_REG_CH_UDP_SRC:       rdata = udp_src_reg;
        NC_REG_CH_PEER_CHAN:     rdata = peer_chan_reg;
        NC_REG_CH_TX_RING_LO:    rdata = tx_ring_lo_reg;
        NC_REG_CH_TX_RING_HI:    rdata = tx_ring_hi_reg;
        NC_REG_CH_RX_RING_LO:    rdata = rx_ring_lo_reg;
        NC_REG_CH_RX_RING_HI:    rdata = rx_ring_hi_reg;
        NC_REG_CH_CPL_RING_LO:   rdata = cpl_ring_lo_reg;
        NC_REG_CH_CPL_RING_HI:   rdata = cpl_ring_hi_reg;
        NC_REG_CH_RING_LOG:      rdata = ring_log_reg;
        NC_REG_CH_INIT_PSN:      rdata = init_psn_reg;
        NC_REG_CH_PEER_PSN:      rdata = peer_psn_reg;
        NC_REG_CH_TX_CREDIT:     rdata = tx_credit_reg;
        NC_REG_CH_CMD_STATUS:    rdata = nc_reg_ch_cmd_status_t'{result: nc_ch_cmd_result_e'(cmd_result), busy: cmd_busy, default: '0};
        NC_REG_CH_RB_STATE:      rdata = rb_reg.state;
        NC_REG_CH_RB_TX_IDX:     rdata = rb_reg.tx_idx;
        NC_REG_CH_RB_TX_UNA:     rdata = rb_reg.tx_una;
        NC_REG_CH_RB_TX_NXT:     rdata = rb_reg.tx_nxt;
        NC_REG_CH_RB_TX_CREDIT:  rdata = rb_reg.tx_credit;
        NC_REG_CH_RB_RX_IDX:     rdata = rb_reg.rx_idx;
        NC_REG_CH_RB_RX_ACK:     rdata = rb_reg.rx_ack;
        NC_REG_CH_RB_CPL_IDX:    rdata = rb_reg.cpl_idx;
        NC_REG_CH_RB_TX_PKTS:    rdata = rb_reg.tx_pkts;
        NC_REG_CH_RB_RETX:       rdata = rb_reg.retx;
        NC_REG_CH_RB_RX_PKTS:    rdata = rb_reg.rx_pkts;
        NC_REG_CH_RB_DUP:        rdata = rb_reg.dup;
        NC_REG_CH_RB_TIMEOUTS:   rdata = rb_reg.timeouts;
        NC_REG_EQ_BASE_LO:       rdata = eq_base_lo_reg;
        NC_REG_EQ_BASE_HI:       rdata = eq_base_hi_reg;
        NC_REG_MGMT_TX_RING_LO:  rdata = m_tx_lo_reg;
        NC_REG_MGMT_TX_RING_HI:  rdata = m_tx_hi_reg;
        NC_REG_MGMT_RX_RING_LO:  rdata = m_rx_lo_reg;
        NC_REG_MGMT_RX_RING_HI:  rdata = m_rx_hi_reg;
        NC_REG_MGMT_CPL_RING_LO: rdata = m_cpl_lo_reg;
        NC_REG_MGMT_CPL_RING_HI: rdata = m_cpl_hi_reg;
        NC_REG_MGMT_RING_LOG:    rdata = m_log_reg;
        NC_REG_MGMT_CTRL:        rdata = m_ctrl_reg;
        default: begin
          if (cnt_hit) rdata = mmio_addr[2] ? cnt_hi_latch_reg : cnt_reg[cnt_idx][31:0];
          else if (drop_hit) rdata = drop_cnt[drop_idx];
        end
      endcase
    end
  end

  always_ff @(posedge clk) begin
    mmio_rd_valid <= rd;
    if (rd) mmio_rd_data <= rdata;
    if (rd && cnt_lo_hit) cnt_hi_latch_reg <= cnt_reg[cnt_idx][63:32];
    if (rst) mmio_rd_valid <= 1'b0;
  end

  /* verilator lint_off UNUSEDSIGNAL */
  logic unused_ok;
  assign unused_ok = ^{m_tx_lo_reg[5:0], m_rx_lo_reg[5:0], m_cpl_lo_reg[5:0], eq_base_lo_reg[5:0], tx_in, rx_in,
                       ring_log_reg.rsvd0, w_ch_cmd.rsvd0, w_eq_cmd.rsvd0, w_eq_cmd.log[7:4], w_mgmt_db_tx.rsvd0,
                       w_mgmt_db_rx.rsvd0, w_mgmt_db_cpl.rsvd0, w_mgmt_ctrl.rsvd0, w_mgmt_ctrl.rsvd1, w_db_cpl, w_eq_arm.rsvd0};
  /* verilator lint_on UNUSEDSIGNAL */

endmodule

`default_nettype wire
