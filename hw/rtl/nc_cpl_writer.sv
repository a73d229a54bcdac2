// nc_cpl_writer: writes every completion the NIC produces into the host's completion rings.
//
// Requests are single completions (Rx placements, management frames) or ranges (a Tx acknowledgement
// covering n PSNs, a flush of a closed or failed channel's outstanding descriptors). The expander turns
// them into one entry per cycle; entries of Tx ranges take their tag, length and status from the Tx
// info table (what nc_tx_fetch recorded when it validated the descriptor), unless the range carries an
// overriding status. Then, through a per-ring read-modify-write pipeline (channels 0..CHANNELS-1, the
// management ring at index CHANNELS), each entry is written at the ring's producer index with the
// phase bit of that pass; a full ring drops the entry, counts it and raises an ERROR event. An armed
// ring raises a COMPLETION event with its first completion (or at once when armed while completions
// are pending: no lost wake-up) and disarms. DB_CPL returns consumed slots and arms.
//
// Completion writes leave on m_wr (one beat each) in order; events are requested on m_ev only when the
// completion's write has been queued, so an event is never written before its completion.
`default_nettype none

module nc_cpl_writer
  import nc_pkg::*;
  import nc_nic_pkg::*;
#(
  parameter int CHANNELS = 1024,
  parameter int CW       = $clog2(CHANNELS)   // derived, do not override
) (
  input  wire            clk,
  input  wire            rst,

  // completion ring context, written on channel open
  input  wire            ctx_wr_en,
  input  wire [CW-1:0]   ctx_wr_chan,
  input  wire [57:0]     ctx_wr_base,
  input  wire [3:0]      ctx_wr_log,
  input  wire [7:0]      ctx_wr_eq,
  // the management completion ring
  input  wire [57:0]     mgmt_base,
  input  wire [3:0]      mgmt_log,
  input  wire [7:0]      mgmt_eq,
  input  wire            mgmt_reset,       // pulse: MGMT_CTRL enabled: the management ring restarts at 0

  // requests, by priority: Rx placements, management, Tx ranges, Rx flushes
  input  wire cpl_req_t  s_rx,
  input  wire            s_rx_valid,
  output logic           s_rx_ready,
  input  wire cpl_req_t  s_mgmt,
  input  wire            s_mgmt_valid,
  output logic           s_mgmt_ready,
  input  wire cpl_req_t  s_tx,
  input  wire            s_tx_valid,
  output logic           s_tx_ready,
  input  wire cpl_req_t  s_flush,
  input  wire            s_flush_valid,
  output logic           s_flush_ready,

  // ring operations: DB_CPL (and MGMT_DB_CPL with mgmt = 1), open (reset), read back
  input  wire            db_valid,
  output logic           db_ready,
  input  wire            db_mgmt,
  input  wire [15:0]     db_chan,
  input  wire [15:0]     db_cons,
  input  wire            db_arm,
  input  wire            cmd_valid,
  output logic           cmd_ready,
  input  wire            cmd_open,         // 1 open (reset the ring), 0 read back
  /* verilator lint_off UNUSEDSIGNAL */
  input  wire [15:0]     cmd_chan,         // channel ids are 16 bits on every interface; CW bits address
  /* verilator lint_on UNUSEDSIGNAL */
  output logic           rsp_valid,
  output logic [15:0]    rsp_prod,
  output logic [15:0]    rsp_cons,

  // Tx info table read
  output logic           info_rd_en,
  output logic [CW+5:0]  info_rd_addr,
  input  wire tx_info_t  info_rd_data,

  // completion writes (one beat each) and event requests
  output logic           m_wr_valid,
  input  wire            m_wr_ready,
  output logic [63:0]    m_wr_addr,
  output logic [511:0]   m_wr_data,
  output logic [63:0]    m_wr_keep,
  output ev_req_t        m_ev,
  output logic           m_ev_valid,
  input  wire            m_ev_ready,

  output logic           cpl_done_valid,   // pulse: the notify range of a channel close has been issued
  output logic [15:0]    cpl_done_chan,
  output logic           cnt_overflow,
  output logic           cnt_bad_doorbell
);

  localparam int RW = CW + 1;               // ring index: channels, then the management ring
  localparam int RINGS = CHANNELS + 1;

  initial begin
    if (CW != $clog2(CHANNELS)) $fatal(1, "nc_cpl_writer: CW must not be overridden");
  end

  // ---------------------------------------------------------------- expander
  cpl_req_t   cur_reg;
  logic       cur_valid_reg;
  logic [16:0] k_reg;          // entry within the current request
  logic [16:0] total;
  logic       e_ready, e_emit, e_last;
  logic [1:0] pick;
  logic       any_req;

  assign any_req = s_rx_valid || s_mgmt_valid || s_tx_valid || s_flush_valid;
  always_comb begin
    pick = 2'd3;
    if (s_rx_valid) pick = 2'd0;
    else if (s_mgmt_valid) pick = 2'd1;
    else if (s_tx_valid) pick = 2'd2;
  end

  logic load;
  assign load = !cur_valid_reg && any_req;
  assign s_rx_ready    = load && pick == 2'd0;
  assign s_mgmt_ready  = load && pick == 2'd1;
  assign s_tx_ready    = load && pick == 2'd2;
  assign s_flush_ready = load && pick == 2'd3;

  // a range of no entries still emits one (empty) entry when it must notify, so the notification
  // travels behind every entry issued before it
  assign total  = cur_reg.n_a + cur_reg.n_b;
  assign e_emit = cur_valid_reg && e_ready && (total != 17'd0 || cur_reg.notify);
  assign e_last = (k_reg + 17'd1 >= total);

  always_ff @(posedge clk) begin
    if (load) begin
      unique case (pick)
        2'd0: cur_reg <= s_rx;
        2'd1: cur_reg <= s_mgmt;
        2'd2: cur_reg <= s_tx;
        default: cur_reg <= s_flush;
      endcase
      cur_valid_reg <= 1'b1;
      k_reg         <= '0;
    end else if (cur_valid_reg && ((total == 17'd0 && !cur_reg.notify) || (e_emit && e_last))) begin
      cur_valid_reg <= 1'b0;
    end else if (e_emit) begin
      k_reg <= k_reg + 17'd1;
    end
    if (rst) cur_valid_reg <= 1'b0;
  end

  // entry k of the current request
  cpl_req_t   ent;
  logic       ent_table;
  always_comb begin
    ent = cur_reg;
    ent.idx = cur_reg.idx + k_reg[15:0];
    ent.psn = cur_reg.psn + 32'(k_reg);
    ent.n_a = (total == 17'd0) ? 17'd0 : 17'd1;   // 0: only a notification
    ent.n_b = 17'd0;
    ent.notify = cur_reg.notify && e_last;
    ent_table = 1'b0;
    if (k_reg >= cur_reg.n_a) begin
      ent.status = 8'(NC_CPL_STATUS_CHANNEL_DOWN);
      ent.tag    = '0;
      ent.len    = '0;
    end else if (cur_reg.from_table) begin
      ent_table = 1'b1;
    end
  end

  assign info_rd_en   = e_emit;
  assign info_rd_addr = {cur_reg.chan[CW-1:0], ent.psn[5:0]};

  // stage T: the table's data arrives; form the COMPLETE operation
  logic       t_valid_reg, t_table_reg, t_ready;
  cpl_req_t   t_reg;
  cpl_req_t   t_ent;
  assign e_ready = !t_valid_reg || t_ready;

  always_ff @(posedge clk) begin
    if (e_ready) t_valid_reg <= e_emit;
    if (rst) t_valid_reg <= 1'b0;
  end
  always_ff @(posedge clk) begin
    if (e_emit) begin
      t_reg       <= ent;
      t_table_reg <= ent_table;
    end
  end

  always_comb begin
    t_ent = t_reg;
    if (t_table_reg) begin
      t_ent.tag = info_rd_data.tag;
      t_ent.len = info_rd_data.len;
      if (t_reg.status == 8'(NC_CPL_STATUS_OK)) t_ent.status = info_rd_data.status;
    end
  end

  // ---------------------------------------------------------------- RMW over the rings
  typedef struct packed {
    logic [1:0]  code;      // 0 complete, 1 doorbell, 2 open, 3 read
    cpl_req_t    cpl;
    logic [15:0] cons;
    logic        arm;
  } op_t;

  typedef struct packed {
    logic [15:0] prod;
    logic [15:0] cons;
    logic        armed;
  } ring_t;

  localparam int OPW = $bits(op_t);
  localparam int SW  = $bits(ring_t);

  op_t           s_op;
  logic          s_valid, s_ready;
  logic [RW-1:0] s_addr;
  logic          pick_cmd, pick_mrst, pick_db, pick_t;
  logic          mrst_pend_reg;   // a management ring reset waits for the pipeline

  assign pick_cmd  = cmd_valid;
  assign pick_mrst = !cmd_valid && mrst_pend_reg;
  assign pick_db   = !cmd_valid && !mrst_pend_reg && db_valid;
  assign pick_t    = !cmd_valid && !mrst_pend_reg && !db_valid && t_valid_reg;

  always_ff @(posedge clk) begin
    if (mgmt_reset) mrst_pend_reg <= 1'b1;
    else if (pick_mrst && s_ready) mrst_pend_reg <= 1'b0;
    if (rst) mrst_pend_reg <= 1'b0;
  end

  always_comb begin
    s_op = '0;
    s_addr = '0;
    if (pick_cmd) begin
      s_op.code = cmd_open ? 2'd2 : 2'd3;
      s_addr    = {1'b0, cmd_chan[CW-1:0]};
    end else if (pick_mrst) begin
      s_op.code = 2'd2;              // reset, no response
      s_op.cpl.mgmt = 1'b1;
      s_addr    = RW'(CHANNELS);
    end else if (pick_db) begin
      s_op.code = 2'd1;
      s_op.cons = db_cons;
      s_op.arm  = db_arm;
      s_op.cpl.mgmt = db_mgmt;
      s_op.cpl.chan = db_chan;
      s_addr    = db_mgmt ? RW'(CHANNELS) : {1'b0, db_chan[CW-1:0]};
    end else begin
      s_op.code = 2'd0;
      s_op.cpl  = t_ent;
      s_addr    = t_ent.mgmt ? RW'(CHANNELS) : {1'b0, t_ent.chan[CW-1:0]};
    end
  end

  assign s_valid   = pick_cmd || pick_mrst || pick_db || pick_t;
  assign cmd_ready = s_ready && pick_cmd;
  assign db_ready  = s_ready && pick_db;
  assign t_ready   = s_ready && pick_t;

  logic          p_valid, p_fire, p_write, p_hold;
  logic [RW-1:0] p_addr;
  logic [OPW-1:0] p_op_bits;
  logic [SW-1:0] p_state_bits, p_next_bits;
  /* verilator lint_off UNUSEDSIGNAL */
  logic          clearing_unused;
  /* verilator lint_on UNUSEDSIGNAL */

  nc_chan_rmw #(.DEPTH(RINGS), .SW(SW), .OPW(OPW)) u_rmw (
    .clk(clk), .rst(rst),
    .s_valid(s_valid), .s_ready(s_ready), .s_addr(s_addr), .s_op(s_op),
    .p_valid(p_valid), .p_addr(p_addr), .p_op(p_op_bits), .p_state(p_state_bits),
    .p_next(p_next_bits), .p_write(p_write), .p_hold(p_hold), .p_fire(p_fire),
    .clearing(clearing_unused));

  // ring context, read alongside the state
  logic [57:0] rc_base;
  logic [3:0]  rc_log;
  logic [7:0]  rc_eq;
  nc_ram_1w1r #(.DEPTH(CHANNELS), .W(70)) u_ctx (
    .clk(clk), .wr_en(ctx_wr_en), .wr_addr(ctx_wr_chan), .wr_data({ctx_wr_base, ctx_wr_log, ctx_wr_eq}),
    .rd_en(s_valid && s_ready), .rd_addr(s_addr[CW-1:0]), .rd_data({rc_base, rc_log, rc_eq}));

  op_t   op;
  ring_t st, nx;
  logic  is_mgmt;
  logic [57:0] base;
  logic [3:0]  lg;
  logic [7:0]  eq;
  assign op          = op_t'(p_op_bits);
  assign st          = ring_t'(p_state_bits);
  assign p_next_bits = nx;
  assign is_mgmt     = p_addr[CW];
  assign base        = is_mgmt ? mgmt_base : rc_base;
  assign lg          = is_mgmt ? mgmt_log : rc_log;
  assign eq          = is_mgmt ? mgmt_eq : rc_eq;

  logic [15:0] used, db_adv;
  logic [16:0] size;
  logic        full;
  assign used   = st.prod - st.cons;
  assign size   = ring_size(lg);
  assign full   = {1'b0, used} >= size;
  assign db_adv = op.cons - st.cons;

  // the ring entry matters only for an operation in the modify stage (it is pushed with p_fire)
  nc_cpl_t  entry;
  always_comb begin
    entry = '0;
    if (p_valid) begin
      entry.src_port = op.cpl.src_port;
      entry.dst_port = op.cpl.dst_port;
      entry.seq      = op.cpl.seq;
      entry.grant    = op.cpl.grant;
      entry.len      = op.cpl.len;
      entry.msg_type = nc_nc_type_e'(op.cpl.msg_type);
      entry.status   = nc_cpl_status_e'(op.cpl.status);
      entry.index    = op.cpl.idx;
      entry.channel  = op.cpl.chan;
      entry.tag      = op.cpl.tag;
      entry.kind     = nc_cpl_kind_e'(op.cpl.kind);
      entry.psn      = op.cpl.psn;
      entry.phase    = ((st.prod >> lg) & 16'd1) == 16'd0 ? NC_PHASE_BIT : 8'd0;
    end
  end

  logic need_wr, need_ev, rsp_now, c_ovf, c_bad;
  ev_req_t ev;

  always_comb begin
    nx = st;
    p_write = 1'b1;
    need_wr = 1'b0; need_ev = 1'b0; rsp_now = 1'b0; c_ovf = 1'b0; c_bad = 1'b0;
    ev = '{eq: eq, ev_type: 8'(NC_EVENT_TYPE_COMPLETION), source: is_mgmt ? 16'hFFFF : 16'(p_addr[CW-1:0]),
           data: 32'(st.prod)};
    if (p_valid) begin   // only an operation in the modify stage is worth evaluating
      unique case (op.code)
        2'd0: begin
          if (op.cpl.n_a == 17'd0) begin
            p_write = 1'b0;        // a notification only
          end else if (full) begin
            c_ovf      = 1'b1;
            need_ev    = 1'b1;
            ev.ev_type = 8'(NC_EVENT_TYPE_ERROR);
            ev.data    = {16'd0, op.cpl.kind, 8'd1};   // [7:0] 1: completion ring overflow, [15:8] its kind
            p_write    = 1'b0;
          end else begin
            need_wr  = 1'b1;
            nx.prod  = st.prod + 16'd1;
            if (st.armed) begin
              need_ev  = 1'b1;
              nx.armed = 1'b0;
              ev.data  = 32'(nx.prod);
            end
          end
        end
        2'd1: begin
          if (db_adv > used) begin
            c_bad   = 1'b1;
            p_write = 1'b0;
          end else begin
            nx.cons = op.cons;
            if (op.arm) begin
              if (st.prod != op.cons) begin
                need_ev  = 1'b1;
                nx.armed = 1'b0;
              end else begin
                nx.armed = 1'b1;
              end
            end
          end
        end
        2'd2: begin
          rsp_now  = 1'b1;
          nx.prod  = '0;
          nx.cons  = '0;
          nx.armed = 1'b0;
        end
        default: begin
          rsp_now = 1'b1;
          p_write = 1'b0;
        end
      endcase
    end
  end

  // output queues
  typedef struct packed {
    logic [63:0]  addr;
    logic [255:0] data;
    logic         hi;
  } wr_t;
  wr_t   w_in, w_head;
  logic  w_push, w_ready, w_valid_q;
  logic  e_push, e_ready_q;
  /* verilator lint_off UNUSEDSIGNAL */
  logic [3:0] w_free_unused, e_free_unused;
  /* verilator lint_on UNUSEDSIGNAL */

  always_comb begin   // pushed only with p_fire
    w_in = '0;
    if (p_valid) begin
      w_in.addr = {base, 6'd0} + {43'd0, (st.prod & ring_mask(lg)), 5'd0};
      w_in.data = entry;
      w_in.hi   = st.prod[0] && (lg != 4'd0);
    end
  end

  assign p_hold = (need_wr && !w_ready) || (need_ev && !e_ready_q);
  assign w_push = p_fire && need_wr;
  assign e_push = p_fire && need_ev;

  nc_fifo #(.WIDTH($bits(wr_t)), .DEPTH(8)) u_wr_q (
    .clk(clk), .rst(rst), .s_data(w_in), .s_valid(w_push), .s_ready(w_ready),
    .m_data(w_head), .m_valid(w_valid_q), .m_ready(m_wr_ready), .free(w_free_unused));
  nc_fifo #(.WIDTH($bits(ev_req_t)), .DEPTH(8)) u_ev_q (
    .clk(clk), .rst(rst), .s_data(ev), .s_valid(e_push), .s_ready(e_ready_q),
    .m_data(m_ev), .m_valid(m_ev_valid), .m_ready(m_ev_ready), .free(e_free_unused));

  assign m_wr_valid = w_valid_q;
  assign m_wr_addr  = w_head.addr;
  assign m_wr_data  = w_head.hi ? {w_head.data, 256'd0} : {256'd0, w_head.data};
  assign m_wr_keep  = w_head.hi ? {32'hFFFFFFFF, 32'd0} : {32'd0, 32'hFFFFFFFF};

  always_ff @(posedge clk) begin
    rsp_valid        <= p_fire && rsp_now;
    cpl_done_valid   <= p_fire && op.code == 2'd0 && op.cpl.notify;
    cpl_done_chan    <= op.cpl.chan;
    cnt_overflow     <= p_fire && c_ovf;
    cnt_bad_doorbell <= p_fire && c_bad;
    if (rst) begin
      rsp_valid        <= 1'b0;
      cpl_done_valid   <= 1'b0;
      cnt_overflow     <= 1'b0;
      cnt_bad_doorbell <= 1'b0;
    end
  end
  always_ff @(posedge clk) begin
    if (p_fire && rsp_now) begin
      rsp_prod <= st.prod;
      rsp_cons <= st.cons;
    end
  end

endmodule

`default_nettype wire
