// nc_regs: the NIC's register block (BAR0), per the register map of docs/protocol.md.
//
// One MMIO request per handshake; a read is answered on the next cycle (every register is a flop or a
// counter). Writes to configuration and staged registers take effect at once; command and doorbell
// writes become requests for the blocks that act on them: CH_CMD is held pending until the command
// block takes it (CH_CMD_STATUS shows busy), doorbells (DB_TX, DB_RX, DB_CPL, MGMT_DB_CPL, EQ_ARM) go
// through FIFOs — the MMIO port stalls (mmio_ready low) rather than lose one when a FIFO is full.
// Global counters are 64 bits: a read of _LO returns the low half and latches the high half, which a
// read of _HI then returns (a consistent snapshot).
`default_nettype none

module nc_regs
  import nc_pkg::*;
  import nc_nic_pkg::*;
#(
  parameter int          CHANNELS     = 1024,
  parameter int          EVENT_QUEUES = 8,
  parameter logic [31:0] BUILD_ID     = '0,
  parameter int          NCNT         = 23      // global 64-bit counters (CNT_TX_FRAMES .. CNT_BAD_CREDIT)
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
  logic [31:0] ctrl_reg, mac_lo_reg, mac_hi_reg, ip_reg, rto_reg, coal_reg, retry_reg;
  logic [31:0] peer_mac_lo_reg, peer_mac_hi_reg, peer_ip_reg, udp_src_reg, peer_chan_reg;
  logic [31:0] tx_ring_lo_reg, tx_ring_hi_reg, rx_ring_lo_reg, rx_ring_hi_reg, cpl_ring_lo_reg, cpl_ring_hi_reg;
  logic [31:0] ring_log_reg, init_psn_reg, peer_psn_reg, tx_credit_reg;
  logic [31:0] eq_base_lo_reg, eq_base_hi_reg;
  logic [31:0] m_tx_lo_reg, m_tx_hi_reg, m_rx_lo_reg, m_rx_hi_reg, m_cpl_lo_reg, m_cpl_hi_reg, m_log_reg, m_ctrl_reg;
  readback_t   rb_reg;
  // An unpacked array, not a packed vector: Verilator commits an array element's non-blocking write
  // only when it was written, whereas a partly written packed vector is copied whole (2 x 1344 bits) to
  // and from a shadow in every cycle of the simulation.
  logic [63:0] cnt_reg [NCNT];
  logic [31:0] cnt_hi_latch_reg;

  assign cfg_enable      = ctrl_reg[0];
  assign cfg_filter      = ctrl_reg[1];
  assign cfg_promisc     = ctrl_reg[2];
  assign cfg_mac         = {mac_hi_reg[15:0], mac_lo_reg};
  assign cfg_ip          = ip_reg;
  assign cfg_rto         = rto_reg;
  assign cfg_coal_pkts   = coal_reg[15:0];
  assign cfg_coal_cycles = coal_reg[31:16];
  assign cfg_retry_limit = retry_reg[7:0];

  assign staged = '{peer_mac: {peer_mac_hi_reg[15:0], peer_mac_lo_reg}, peer_ip: peer_ip_reg,
                    udp_src: udp_src_reg[15:0], peer_chan: peer_chan_reg[15:0], cls: peer_chan_reg[23:16],
                    eq: peer_chan_reg[31:24], tx_ring: {tx_ring_hi_reg, tx_ring_lo_reg},
                    rx_ring: {rx_ring_hi_reg, rx_ring_lo_reg}, cpl_ring: {cpl_ring_hi_reg, cpl_ring_lo_reg},
                    tx_log: ring_log_reg[7:0], rx_log: ring_log_reg[15:8], cpl_log: ring_log_reg[23:16],
                    init_psn: init_psn_reg, peer_psn: peer_psn_reg, tx_credit: tx_credit_reg};

  assign mgmt_tx_base  = {m_tx_hi_reg, m_tx_lo_reg[31:6]};
  assign mgmt_rx_base  = {m_rx_hi_reg, m_rx_lo_reg[31:6]};
  assign mgmt_cpl_base = {m_cpl_hi_reg, m_cpl_lo_reg[31:6]};
  assign mgmt_tx_log   = m_log_reg[3:0];
  assign mgmt_rx_log   = m_log_reg[11:8];
  assign mgmt_cpl_log  = m_log_reg[19:16];
  assign mgmt_enable   = m_ctrl_reg[0];
  assign mgmt_eq       = m_ctrl_reg[15:8];

  // the management queue pair's configuration as MGMT_CTRL enable checks it
  logic mgmt_cfg_ok;
  logic [7:0] m_tx_log8, m_rx_log8, m_cpl_log8;
  assign m_tx_log8  = m_log_reg[7:0];
  assign m_rx_log8  = m_log_reg[15:8];
  assign m_cpl_log8 = m_log_reg[23:16];
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
    tx_in.chan = mmio_wdata[15:0];
    tx_in.a    = {16'd0, mmio_wdata[31:16]};
    rx_in = '0;
    rx_in.code = RXOP_DB;
    rx_in.chan = mmio_wdata[15:0];
    rx_in.a    = {16'd0, mmio_wdata[31:16]};
  end

  /* verilator lint_off UNUSEDSIGNAL */
  logic [4:0] f1_unused, f2_unused, f3_unused, f4_unused;
  /* verilator lint_on UNUSEDSIGNAL */
  // doorbells for a channel number beyond CHANNELS are dropped here and counted (CNT_BAD_DOORBELL)
  logic db_tx_bad, db_rx_bad, db_cpl_bad;
  assign db_tx_bad  = mmio_wdata[15:0] >= 16'(CHANNELS);
  assign db_rx_bad  = db_tx_bad;
  assign db_cpl_bad = is_db_cpl && (mmio_wdata[14:0] >= 15'(CHANNELS));

  nc_fifo #(.WIDTH($bits(txop_t)), .DEPTH(16)) u_db_tx (
    .clk(clk), .rst(rst), .s_data(tx_in), .s_valid(wr && is_db_tx && !db_tx_bad), .s_ready(q_tx_ready),
    .m_data(db_tx), .m_valid(db_tx_valid), .m_ready(db_tx_ready), .free(f1_unused));
  nc_fifo #(.WIDTH($bits(rxop_t)), .DEPTH(16)) u_db_rx (
    .clk(clk), .rst(rst), .s_data(rx_in), .s_valid(wr && is_db_rx && !db_rx_bad), .s_ready(q_rx_ready),
    .m_data(db_rx), .m_valid(db_rx_valid), .m_ready(db_rx_ready), .free(f2_unused));
  nc_fifo #(.WIDTH(1 + 16 + 16 + 1), .DEPTH(16)) u_db_cpl (
    .clk(clk), .rst(rst),
    .s_data(is_mgmt_db_cpl ? {1'b1, 16'hFFFF, mmio_wdata[15:0], mmio_wdata[16]}
                           : {1'b0, 1'b0, mmio_wdata[14:0], mmio_wdata[31:16], mmio_wdata[15]}),
    .s_valid(wr && (is_mgmt_db_cpl || (is_db_cpl && !db_cpl_bad))), .s_ready(q_cpl_ready),
    .m_data({db_cpl_mgmt, db_cpl_chan, db_cpl_cons, db_cpl_arm}), .m_valid(db_cpl_valid), .m_ready(db_cpl_ready),
    .free(f3_unused));
  nc_fifo #(.WIDTH(8 + 16), .DEPTH(16)) u_eq_arm (
    .clk(clk), .rst(rst), .s_data({mmio_wdata[7:0], mmio_wdata[31:16]}), .s_valid(wr && is_eq_arm),
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
        NC_REG_CTRL:            ctrl_reg        <= mmio_wdata;
        NC_REG_MAC_LO:          mac_lo_reg      <= mmio_wdata;
        NC_REG_MAC_HI:          mac_hi_reg      <= {16'd0, mmio_wdata[15:0]};
        NC_REG_IP_ADDR:         ip_reg          <= mmio_wdata;
        NC_REG_RTO_CYCLES:      rto_reg         <= mmio_wdata;
        NC_REG_ACK_COALESCE:    coal_reg        <= mmio_wdata;
        NC_REG_RETRY_LIMIT:     retry_reg       <= {24'd0, mmio_wdata[7:0]};
        NC_REG_CH_PEER_MAC_LO:  peer_mac_lo_reg <= mmio_wdata;
        NC_REG_CH_PEER_MAC_HI:  peer_mac_hi_reg <= {16'd0, mmio_wdata[15:0]};
        NC_REG_CH_PEER_IP:      peer_ip_reg     <= mmio_wdata;
        NC_REG_CH_UDP_SRC:      udp_src_reg     <= {16'd0, mmio_wdata[15:0]};
        NC_REG_CH_PEER_CHAN:    peer_chan_reg   <= mmio_wdata;
        NC_REG_CH_TX_RING_LO:   tx_ring_lo_reg  <= mmio_wdata;
        NC_REG_CH_TX_RING_HI:   tx_ring_hi_reg  <= mmio_wdata;
        NC_REG_CH_RX_RING_LO:   rx_ring_lo_reg  <= mmio_wdata;
        NC_REG_CH_RX_RING_HI:   rx_ring_hi_reg  <= mmio_wdata;
        NC_REG_CH_CPL_RING_LO:  cpl_ring_lo_reg <= mmio_wdata;
        NC_REG_CH_CPL_RING_HI:  cpl_ring_hi_reg <= mmio_wdata;
        NC_REG_CH_RING_LOG:     ring_log_reg    <= {8'd0, mmio_wdata[23:0]};
        NC_REG_CH_INIT_PSN:     init_psn_reg    <= mmio_wdata;
        NC_REG_CH_PEER_PSN:     peer_psn_reg    <= mmio_wdata;
        NC_REG_CH_TX_CREDIT:    tx_credit_reg   <= mmio_wdata;
        NC_REG_CH_CMD: begin
          cmd_valid <= 1'b1;
          cmd_chan  <= mmio_wdata[15:0];
          cmd_code  <= mmio_wdata[19:16];
        end
        NC_REG_EQ_BASE_LO:      eq_base_lo_reg  <= mmio_wdata;
        NC_REG_EQ_BASE_HI:      eq_base_hi_reg  <= mmio_wdata;
        NC_REG_EQ_CMD: begin
          eq_cmd_valid  <= 1'b1;
          eq_cmd_eq     <= mmio_wdata[7:0];
          eq_cmd_log    <= mmio_wdata[11:8];
          eq_cmd_enable <= mmio_wdata[16] && mmio_wdata[15:8] >= 8'(RING_LOG_MIN) && mmio_wdata[15:8] <= 8'(RING_LOG_MAX) &&
                           eq_base_lo_reg[5:0] == 6'd0 && {eq_base_hi_reg, eq_base_lo_reg} != 64'd0;
          eq_cmd_base   <= {eq_base_hi_reg, eq_base_lo_reg[31:6]};
        end
        NC_REG_MGMT_TX_RING_LO:  m_tx_lo_reg  <= mmio_wdata;
        NC_REG_MGMT_TX_RING_HI:  m_tx_hi_reg  <= mmio_wdata;
        NC_REG_MGMT_RX_RING_LO:  m_rx_lo_reg  <= mmio_wdata;
        NC_REG_MGMT_RX_RING_HI:  m_rx_hi_reg  <= mmio_wdata;
        NC_REG_MGMT_CPL_RING_LO: m_cpl_lo_reg <= mmio_wdata;
        NC_REG_MGMT_CPL_RING_HI: m_cpl_hi_reg <= mmio_wdata;
        NC_REG_MGMT_RING_LOG:    m_log_reg    <= {8'd0, mmio_wdata[23:0]};
        NC_REG_MGMT_CTRL: begin
          // enabling requires a valid configuration (bases non-zero and 64-byte aligned, sizes within
          // CAP_RING_LOG, a completion ring holding both rings); otherwise the queue pair stays disabled
          m_ctrl_reg   <= {16'd0, mmio_wdata[15:8], 7'd0, mmio_wdata[0] && mgmt_cfg_ok};
          mgmt_restart <= mmio_wdata[0] && mgmt_cfg_ok;
        end
        NC_REG_MGMT_DB_TX: begin
          mgmt_db_tx_valid <= 1'b1;
          mgmt_db_tx_prod  <= mmio_wdata[15:0];
        end
        NC_REG_MGMT_DB_RX: begin
          mgmt_db_rx_valid <= 1'b1;
          mgmt_db_rx_prod  <= mmio_wdata[15:0];
        end
        default: ;
      endcase
    end
    if (rb_valid) begin
      rb_reg          <= rb;
      peer_mac_lo_reg <= rb_staged.peer_mac[31:0];
      peer_mac_hi_reg <= {16'd0, rb_staged.peer_mac[47:32]};
      peer_ip_reg     <= rb_staged.peer_ip;
      udp_src_reg     <= {16'd0, rb_staged.udp_src};
      peer_chan_reg   <= {rb_staged.eq, rb_staged.cls, rb_staged.peer_chan};
      tx_ring_lo_reg  <= rb_staged.tx_ring[31:0];
      tx_ring_hi_reg  <= rb_staged.tx_ring[63:32];
      rx_ring_lo_reg  <= rb_staged.rx_ring[31:0];
      rx_ring_hi_reg  <= rb_staged.rx_ring[63:32];
      cpl_ring_lo_reg <= rb_staged.cpl_ring[31:0];
      cpl_ring_hi_reg <= rb_staged.cpl_ring[63:32];
      ring_log_reg    <= {8'd0, rb_staged.cpl_log, rb_staged.rx_log, rb_staged.tx_log};
      init_psn_reg    <= rb_staged.init_psn;
      peer_psn_reg    <= rb_staged.peer_psn;
      tx_credit_reg   <= rb_staged.tx_credit;
    end
    if (rst) begin
      ctrl_reg   <= '0;
      mac_lo_reg <= '0;
      mac_hi_reg <= '0;
      ip_reg     <= '0;
      rto_reg    <= 32'd16384;
      coal_reg   <= {16'd64, 16'd16};
      retry_reg  <= 32'd8;
      m_ctrl_reg <= '0;
      cmd_valid  <= 1'b0;
      eq_cmd_valid <= 1'b0;
      mgmt_restart <= 1'b0;
      mgmt_db_tx_valid <= 1'b0;
      mgmt_db_rx_valid <= 1'b0;
      bad_db_pulse <= 1'b0;
    end
  end

  // ---------------------------------------------------------------- counters
  localparam int BAD_DB_IDX = 20;   // CNT_BAD_DOORBELL
  always_ff @(posedge clk) begin
    if (cnt_inc != '0 || bad_db_pulse) begin   // most cycles count nothing
      for (int i = 0; i < NCNT; i++)
        cnt_reg[i] <= cnt_reg[i] + 64'(cnt_inc[i]) + ((i == BAD_DB_IDX && bad_db_pulse) ? 64'd1 : 64'd0);
    end
    if (rst) begin
      for (int i = 0; i < NCNT; i++) cnt_reg[i] <= '0;
    end
  end

  // ---------------------------------------------------------------- reads
  logic [31:0] rdata;
  logic        cnt_lo_hit;
  logic [4:0]  cnt_idx;
  assign cnt_idx    = mmio_addr[7:3];
  assign cnt_lo_hit = (mmio_addr[15:8] == 8'h20) && !mmio_addr[2] && (int'(cnt_idx) < NCNT);

  // the read multiplexer is evaluated only for a read (it depends on the MMIO address, an input)
  always_comb begin
    rdata = '0;
    if (rd) begin
      unique case (mmio_addr)
        NC_REG_ID_MAGIC:         rdata = NC_NIC_MAGIC;
        NC_REG_ID_VERSION:       rdata = {16'd1, 16'(NC_SPEC_VERSION)};
        NC_REG_ID_BUILD:         rdata = BUILD_ID;
        NC_REG_CAP_CHANNELS:     rdata = 32'(CHANNELS);
        NC_REG_CAP_RING_LOG:     rdata = {16'd0, 8'(RING_LOG_MIN), 8'(RING_LOG_MAX)};
        NC_REG_CAP_DATAPATH:     rdata = {16'(NC_MAX_PAYLOAD_BYTES), 16'd512};
        NC_REG_CAP_EVENT_QUEUES: rdata = 32'(EVENT_QUEUES);
        NC_REG_CAP_TRANSPORT:    rdata = {16'd0, 8'(NC_SACK_WINDOW), 8'(WINDOW)};
        NC_REG_CTRL:             rdata = ctrl_reg;
        NC_REG_STATUS:           rdata = {30'd0, 1'b1, ctrl_reg[0]};
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
        NC_REG_CH_CMD_STATUS:    rdata = {24'd0, cmd_result, 3'd0, cmd_busy};
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
          if (mmio_addr[15:8] == 8'h20) begin
            if (int'(cnt_idx) < NCNT) rdata = mmio_addr[2] ? cnt_hi_latch_reg : cnt_reg[cnt_idx][31:0];
          end else if (mmio_addr[15:8] == 8'h21) begin
            if (int'(mmio_addr[6:2]) < NC_DROP_REASON_COUNT && mmio_addr[7] == 1'b0)
              rdata = drop_cnt[mmio_addr[6:2]];
          end
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
  assign unused_ok = ^{m_tx_lo_reg[5:0], m_rx_lo_reg[5:0], m_cpl_lo_reg[5:0], eq_base_lo_reg[5:0],
                       m_log_reg[31:20], m_log_reg[7:4], m_log_reg[15:12], ring_log_reg[31:24], tx_in, rx_in};
  /* verilator lint_on UNUSEDSIGNAL */

endmodule

`default_nettype wire
