// nc_tx_fetch: turns fetch and retransmission requests into validated frame jobs.
//
//   requests -> [select] -> [Tx ring context read] -> DMA read of 1..MAX_BATCH descriptors
//   DMA response beats -> split into descriptors -> descriptor buffer -> nc_desc_validate -> job
//
// Retransmission requests (a base PSN and a 64-bit mask) have priority; each set bit becomes a fetch of
// one descriptor. A request is only taken when its descriptors have room in their buffer (a reservation
// count), so a request never waits inside the pipeline for room and descriptor responses never block the
// shared DMA read response channel. Retransmissions have a buffer of their own (RETX_DEPTH) and are
// validated before new descriptors: a retransmission does not queue behind the descriptors of new data
// already fetched (up to a whole window of them), which would hold the repair of a loss — and with it the
// window — for as long as that window takes to send. Each validated descriptor writes the Tx info table
// entry of its PSN (tag, length, status: what its completion will say) and becomes a job: a valid one with
// its NetChannel fields and payload address, a rejected one a VOID job (no payload). A DMA fault on the
// descriptor read makes every descriptor of that read a VOID job with status DMA_FAULT.
`default_nettype none

module nc_tx_fetch
  import nc_pkg::*;
  import nc_nic_pkg::*;
#(
  parameter int CHANNELS   = 1024,               // a power of two
  parameter int DESC_DEPTH = 64,                 // descriptor buffer entries for new data (power of two)
  parameter int RETX_DEPTH = 8,                  // descriptor buffer entries for retransmissions (power of two)
  parameter int CW         = $clog2(CHANNELS)    // derived, do not override
) (
  input  wire             clk,
  input  wire             rst,

  // Tx ring context, written on channel open
  input  wire             ctx_wr_en,
  input  wire [CW-1:0]    ctx_wr_chan,
  input  wire [57:0]      ctx_wr_base,
  input  wire [3:0]       ctx_wr_log,

  input  wire fetch_req_t s_fetch,
  input  wire             s_fetch_valid,
  output logic            s_fetch_ready,
  input  wire retx_req_t  s_retx,
  input  wire             s_retx_valid,
  output logic            s_retx_ready,

  // DMA read requests (descriptors) and their responses (routed to this block, in order)
  output logic            rd_req_valid,
  input  wire             rd_req_ready,
  output logic [63:0]     rd_req_addr,
  output logic [15:0]     rd_req_len,
  input  wire [511:0]     rd_rsp_data,
  /* verilator lint_off UNUSEDSIGNAL */
  input  wire [63:0]      rd_rsp_keep,     // lanes 0 and 32 say which descriptor halves a beat holds
  input  wire             rd_rsp_last,     // the descriptor count says where a read ends
  /* verilator lint_on UNUSEDSIGNAL */
  input  wire             rd_rsp_valid,
  output logic            rd_rsp_ready,
  input  wire             rd_rsp_err,

  // Tx info table write (per channel and PSN mod WINDOW)
  output logic            info_wr_en,
  output logic [CW+5:0]   info_wr_addr,
  output tx_info_t        info_wr_data,

  output tx_job_t         m_job,
  output logic            m_job_valid,
  input  wire             m_job_ready,

  output logic            cnt_bad_desc,
  output logic            cnt_retx
);

  localparam int DAW = $clog2(DESC_DEPTH);
  localparam int RAW = $clog2(RETX_DEPTH);
  localparam int MDEPTH = DESC_DEPTH + RETX_DEPTH;   // reads in flight at most (one per reserved descriptor)

  initial begin
    if (CW != $clog2(CHANNELS)) $fatal(1, "nc_tx_fetch: CW must not be overridden");
    if (DESC_DEPTH < 2 * MAX_BATCH || (DESC_DEPTH & (DESC_DEPTH - 1)) != 0)
      $fatal(1, "nc_tx_fetch: DESC_DEPTH must be a power of two >= 2 * MAX_BATCH");
    if (RETX_DEPTH < 2 || (RETX_DEPTH & (RETX_DEPTH - 1)) != 0)
      $fatal(1, "nc_tx_fetch: RETX_DEPTH must be a power of two >= 2");
  end

  // ---------------------------------------------------------------- select
  logic          rx_busy_reg;          // a retransmission mask is being expanded
  retx_req_t     rx_cur_reg;
  logic [5:0]    rx_bit;
  logic          rx_last;
  fetch_req_t    sel;
  logic          sel_valid, sel_take;

  // The lowest set bit of the mask (0 for an empty mask): the ones below the lowest set bit, counted
  // (mask & -mask isolates that bit; minus one sets every bit below it; an empty mask gives 64 ones,
  // which truncates to 0). A popcount instead of a 64-step priority loop, which the simulator would
  // evaluate in every cycle.
  assign rx_bit = 6'($countones((rx_cur_reg.mask & (~rx_cur_reg.mask + 64'd1)) - 64'd1));
  assign rx_last = (rx_cur_reg.mask & (rx_cur_reg.mask - 64'd1)) == 64'd0;

  always_comb begin
    sel = s_fetch;
    sel_valid = s_fetch_valid;
    if (rx_busy_reg) begin
      sel.chan   = rx_cur_reg.chan;
      sel.psn    = rx_cur_reg.psn + 32'(rx_bit);
      sel.idx    = rx_cur_reg.idx + 16'(rx_bit);
      sel.n      = 3'd1;
      sel.retx   = 1'b1;
      sel.ackreq = rx_last;
      sel_valid  = 1'b1;
    end
  end

  // stage 1: context read
  logic          s1_valid_reg, s1_ready;
  fetch_req_t    s1_reg;
  logic [57:0]   ctx_base;
  logic [3:0]    ctx_log;

  // room for the request's descriptors, reserved when the request is taken
  logic [DAW:0] resv_reg;              // new-data descriptors reserved (taken, not yet validated)
  logic [RAW:0] rresv_reg;             // retransmission descriptors reserved
  logic         room_new, room_retx;
  assign room_new  = ({1'b0, resv_reg} + (DAW+2)'(s_fetch.n)) <= (DAW+2)'(DESC_DEPTH);
  assign room_retx = rresv_reg < (RAW+1)'(RETX_DEPTH);

  assign sel_take      = sel_valid && (!s1_valid_reg || s1_ready) && (rx_busy_reg ? room_retx : room_new);
  assign s_fetch_ready = !rx_busy_reg && !s_retx_valid && (!s1_valid_reg || s1_ready) && room_new;
  assign s_retx_ready  = !rx_busy_reg;

  always_ff @(posedge clk) begin
    if (!rx_busy_reg && s_retx_valid) begin
      rx_busy_reg <= s_retx.mask != 64'd0;
      rx_cur_reg  <= s_retx;
    end else if (rx_busy_reg && sel_take) begin
      rx_cur_reg.mask[rx_bit] <= 1'b0;
      if (rx_last) rx_busy_reg <= 1'b0;
    end
    if (rst) rx_busy_reg <= 1'b0;
  end

  logic take_fetch;
  assign take_fetch = !rx_busy_reg && !s_retx_valid && s_fetch_valid && (!s1_valid_reg || s1_ready) && room_new;

  always_ff @(posedge clk) begin
    if (!s1_valid_reg || s1_ready) s1_valid_reg <= (rx_busy_reg && sel_take) || take_fetch;
    if (rst) s1_valid_reg <= 1'b0;
  end
  always_ff @(posedge clk) begin
    if ((rx_busy_reg && sel_take) || take_fetch) s1_reg <= sel;
  end

  nc_ram_1w1r #(.DEPTH(CHANNELS), .W(62)) u_ctx (
    .clk(clk), .wr_en(ctx_wr_en), .wr_addr(ctx_wr_chan), .wr_data({ctx_wr_base, ctx_wr_log}),
    .rd_en((rx_busy_reg && sel_take) || take_fetch), .rd_addr(sel.chan[CW-1:0]), .rd_data({ctx_base, ctx_log}));

  // in-flight reads, in order
  typedef struct packed {
    logic [15:0] chan;
    logic [31:0] psn;
    logic [2:0]  n;
    logic        retx;
    logic        ackreq;
  } meta_t;

  meta_t   meta_in, meta_head;
  logic    meta_ready, meta_valid, meta_pop;
  /* verilator lint_off UNUSEDSIGNAL */
  logic [$clog2(MDEPTH):0] meta_free_unused;
  /* verilator lint_on UNUSEDSIGNAL */

  // ---------------------------------------------------------------- issue the descriptor read
  logic          issue;
  logic          desc_pop, d_valid, r_valid;
  logic [63:0]   ring_addr;

  assign ring_addr    = {ctx_base, 6'd0} + {43'd0, (s1_reg.idx & ring_mask(ctx_log)), 5'd0};
  assign issue        = s1_valid_reg && rd_req_ready && meta_ready;
  assign s1_ready     = issue;
  assign rd_req_valid = s1_valid_reg && meta_ready;
  assign rd_req_addr  = ring_addr;
  assign rd_req_len   = 16'(s1_reg.n) << 5;

  assign meta_in = '{chan: s1_reg.chan, psn: s1_reg.psn, n: s1_reg.n, retx: s1_reg.retx, ackreq: s1_reg.ackreq};

  nc_fifo #(.WIDTH($bits(meta_t)), .DEPTH(1 << $clog2(MDEPTH))) u_meta (   // MDEPTH rounded up to a power of two
    .clk(clk), .rst(rst), .s_data(meta_in), .s_valid(issue), .s_ready(meta_ready),
    .m_data(meta_head), .m_valid(meta_valid), .m_ready(meta_pop), .free(meta_free_unused));

  logic d_pop, r_pop;   // a descriptor of the new-data / retransmission buffer goes to validation
  always_ff @(posedge clk) begin
    resv_reg  <= resv_reg + ((take_fetch) ? (DAW+1)'(s_fetch.n) : '0) - (d_pop ? (DAW+1)'(1) : '0);
    rresv_reg <= rresv_reg + ((rx_busy_reg && sel_take) ? (RAW+1)'(1) : '0) - (r_pop ? (RAW+1)'(1) : '0);
    if (rst) begin
      resv_reg  <= '0;
      rresv_reg <= '0;
    end
  end

  // ---------------------------------------------------------------- split responses into descriptors
  // A beat holds up to two 32-byte descriptors (lanes 0-31 and 32-63). One descriptor enters the
  // buffer per cycle; an error response stands for every remaining descriptor of the read.
  logic          hold_valid_reg;
  logic [511:0]  hold_data_reg;
  logic          hold_lo_reg, hold_hi_reg, hold_err_reg;
  logic [2:0]    k_reg;                // descriptors of the current read already emitted

  typedef struct packed {
    nc_tx_desc_t desc;
    logic [15:0] chan;
    logic [31:0] psn;
    logic        retx;
    logic        ackreq;
    logic        fault;
  } dent_t;

  dent_t       d_in;
  logic        d_push, d_ready;
  logic        emit, emit_lo, last_of_read;

  logic hold_done;   // the hold register empties this cycle, so the next beat may enter
  assign hold_done    = emit && (hold_err_reg ? last_of_read : (!emit_lo || !hold_hi_reg));
  assign rd_rsp_ready = !hold_valid_reg || hold_done;
  assign emit_lo      = hold_lo_reg;
  assign emit         = hold_valid_reg && meta_valid && (hold_err_reg || hold_lo_reg || hold_hi_reg);
  assign last_of_read = (k_reg + 3'd1 == meta_head.n);

  // d_in matters only when it is pushed (emit): only then is it formed (in simulation)
  always_comb begin
    d_in = '0;
    if (emit) begin
      d_in.desc   = nc_tx_desc_t'(emit_lo ? hold_data_reg[255:0] : hold_data_reg[511:256]);
      d_in.chan   = meta_head.chan;
      d_in.psn    = meta_head.psn + 32'(k_reg);
      d_in.retx   = meta_head.retx;
      d_in.ackreq = meta_head.ackreq && last_of_read;
      d_in.fault  = hold_err_reg;
    end
  end
  assign d_push   = emit;     // the reservation guarantees room (in the buffer of its kind)
  assign meta_pop = emit && last_of_read;

  always_ff @(posedge clk) begin
    if (rd_rsp_valid && rd_rsp_ready) begin
      hold_valid_reg <= 1'b1;
      hold_data_reg  <= rd_rsp_data;
      hold_lo_reg    <= rd_rsp_keep[0] && !rd_rsp_err;
      hold_hi_reg    <= rd_rsp_keep[32] && !rd_rsp_err;
      hold_err_reg   <= rd_rsp_err;
    end else if (emit) begin
      if (hold_err_reg) begin
        if (last_of_read) hold_valid_reg <= 1'b0;
      end else if (emit_lo) begin
        hold_lo_reg <= 1'b0;
        if (!hold_hi_reg) hold_valid_reg <= 1'b0;
      end else begin
        hold_hi_reg    <= 1'b0;
        hold_valid_reg <= 1'b0;
      end
    end else if (hold_valid_reg && !hold_err_reg && !hold_lo_reg && !hold_hi_reg) begin
      hold_valid_reg <= 1'b0;   // a beat without descriptor lanes (does not happen for aligned rings)
    end
    if (emit) k_reg <= last_of_read ? 3'd0 : k_reg + 3'd1;
    if (rst) begin
      hold_valid_reg <= 1'b0;
      k_reg          <= '0;
    end
  end

  dent_t d_head, r_head, v_in;
  logic  r_ready;
  /* verilator lint_off UNUSEDSIGNAL */
  logic [DAW:0] d_free_unused;
  logic [RAW:0] r_free_unused;
  /* verilator lint_on UNUSEDSIGNAL */

  nc_fifo #(.WIDTH($bits(dent_t)), .DEPTH(DESC_DEPTH)) u_desc (
    .clk(clk), .rst(rst), .s_data(d_in), .s_valid(d_push && !d_in.retx), .s_ready(d_ready),
    .m_data(d_head), .m_valid(d_valid), .m_ready(d_pop), .free(d_free_unused));
  nc_fifo #(.WIDTH($bits(dent_t)), .DEPTH(RETX_DEPTH)) u_rdesc (
    .clk(clk), .rst(rst), .s_data(d_in), .s_valid(d_push && d_in.retx), .s_ready(r_ready),
    .m_data(r_head), .m_valid(r_valid), .m_ready(r_pop), .free(r_free_unused));

  // retransmissions are validated first
  assign v_in  = r_valid ? r_head : d_head;
  assign r_pop = r_valid && desc_pop;
  assign d_pop = !r_valid && d_valid && desc_pop;

  // ---------------------------------------------------------------- validate and emit jobs
  localparam int UW = 16 + 32 + 1 + 1 + 1;
  logic          v_valid, v_ready, v_is_rx_unused;
  /* verilator lint_off UNUSEDSIGNAL */
  nc_tx_desc_t   v_desc;     // reserved fields and flags were checked by nc_desc_validate
  /* verilator lint_on UNUSEDSIGNAL */
  nc_rx_desc_t   v_rx_unused;
  logic [UW-1:0] v_user;
  nc_cpl_status_e v_status;
  logic [15:0]   v_chan;
  logic [31:0]   v_psn;
  logic          v_retx, v_ackreq, v_fault;

  nc_desc_validate #(.USER_W(UW)) u_validate (
    .clk(clk), .rst(rst),
    .s_valid(r_valid || d_valid), .s_ready(desc_pop), .s_is_rx(1'b0), .s_tx_desc(v_in.desc), .s_rx_desc('0),
    .s_user({v_in.chan, v_in.psn, v_in.retx, v_in.ackreq, v_in.fault}),
    .m_valid(v_valid), .m_ready(v_ready), .m_is_rx(v_is_rx_unused), .m_tx_desc(v_desc),
    .m_rx_desc(v_rx_unused), .m_user(v_user), .m_status(v_status));

  assign {v_chan, v_psn, v_retx, v_ackreq, v_fault} = v_user;

  logic [7:0]  status;
  logic        void_job;
  assign status   = v_fault ? 8'(NC_CPL_STATUS_DMA_FAULT) : 8'(v_status);
  assign void_job = status != 8'(NC_CPL_STATUS_OK);

  // job matters only with v_valid (it is registered with v_valid && v_ready): only then is it formed
  tx_job_t job;
  always_comb begin
    job = '0;
    if (v_valid) begin
      job.kind  = JOB_DATA;
      job.chan  = v_chan;
      job.psn   = v_psn;
      job.flags = (v_retx ? NC_CTH_FLAG_RETX : 8'd0) | (v_ackreq ? NC_CTH_FLAG_ACK_REQ : 8'd0) |
                  (void_job ? NC_CTH_FLAG_VOID : 8'd0);
      if (!void_job) begin
        job.src_port = v_desc.src_port;
        job.dst_port = v_desc.dst_port;
        job.seq      = v_desc.seq;
        job.grant    = v_desc.grant;
        job.msg_type = 8'(v_desc.msg_type);
        job.len      = v_desc.len[15:0];
        job.addr     = v_desc.addr;
      end
    end
  end

  // output register
  logic out_valid_reg;
  assign v_ready = !out_valid_reg || m_job_ready;

  always_ff @(posedge clk) begin
    if (v_ready) out_valid_reg <= v_valid;
    if (rst) out_valid_reg <= 1'b0;
  end
  always_ff @(posedge clk) begin
    if (v_valid && v_ready) m_job <= job;
  end
  assign m_job_valid = out_valid_reg;

  always_ff @(posedge clk) begin
    info_wr_en   <= v_valid && v_ready;
    cnt_bad_desc <= v_valid && v_ready && void_job && !v_fault && !v_retx;
    cnt_retx     <= v_valid && v_ready && v_retx;
    if (rst) begin
      info_wr_en   <= 1'b0;
      cnt_bad_desc <= 1'b0;
      cnt_retx     <= 1'b0;
    end
  end
  always_ff @(posedge clk) begin
    if (v_valid && v_ready) begin
      info_wr_addr <= {v_chan[CW-1:0], v_psn[5:0]};
      info_wr_data <= '{tag: v_desc.tag, len: void_job ? 16'd0 : v_desc.len[15:0], status: status};
    end
  end

  /* verilator lint_off UNUSEDSIGNAL */
  logic unused_ok;
  assign unused_ok = d_ready ^ r_ready ^ v_is_rx_unused ^ (^v_rx_unused);
  /* verilator lint_on UNUSEDSIGNAL */

endmodule

`default_nettype wire
