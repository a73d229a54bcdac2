// nc_rx_place: writes received payloads into host Rx buffers and asks for their completions.
//
// Placement jobs arrive in frame order (nc_rx_ctrl), as do the payloads (the header parser's payload
// stream) and the management frame headers. Two stages:
//   D  for a job that needs a buffer, read its Rx descriptor: the channel's ring (context RAM) at the
//      consumer index nc_rx_ctrl assigned, or the next management Rx buffer (none posted: the frame is
//      dropped and counted); jobs then wait in order, so descriptor reads overlap earlier payloads;
//   P  take the next job and its validated descriptor, then
//        PLACE    write the payload (one burst at the buffer address, 64-byte aligned so the parser's
//                 lane-0 beats go out unchanged) and request the Rx completion; a bad descriptor or a
//                 buffer shorter than the payload consumes the buffer with an error completion
//        MGMT     write the 86 header bytes at offset 0 and the payload at offset 128, then the
//                 management completion
//        DISCARD  drop the payload
// A completion is requested only after the last payload beat was handed to the DMA write port, so it
// is always written (and visible) after the payload.
`default_nettype none

module nc_rx_place
  import nc_pkg::*;
  import nc_nic_pkg::*;
#(
  parameter int CHANNELS = 1024,
  parameter int DEPTH    = 32,                 // jobs waiting for their payload (power of two)
  parameter int CW       = $clog2(CHANNELS)    // derived, do not override
) (
  input  wire            clk,
  input  wire            rst,

  input  wire            ctx_wr_en,
  input  wire [CW-1:0]   ctx_wr_chan,
  input  wire [57:0]     ctx_wr_base,
  input  wire [3:0]      ctx_wr_log,

  input  wire place_job_t s_job,
  input  wire            s_job_valid,
  output logic           s_job_ready,
  input  wire nc_frame_hdr_t s_mgmt_hdr,
  input  wire            s_mgmt_hdr_valid,
  output logic           s_mgmt_hdr_ready,

  // payloads from the header parser (lane 0 aligned)
  input  wire [511:0]    s_pay_tdata,
  input  wire [63:0]     s_pay_tkeep,
  input  wire            s_pay_tvalid,
  output logic           s_pay_tready,
  input  wire            s_pay_tlast,

  // management Rx buffers
  input  wire            mgmt_buf_valid,     // a management Rx buffer is posted
  input  wire [15:0]     mgmt_buf_idx,
  input  wire [57:0]     mgmt_rx_base,
  input  wire [3:0]      mgmt_rx_log,
  output logic           mgmt_buf_take,

  // Rx descriptor reads and their responses
  output logic           rd_req_valid,
  input  wire            rd_req_ready,
  output logic [63:0]    rd_req_addr,
  output logic [15:0]    rd_req_len,
  input  wire [511:0]    rd_rsp_data,
  input  wire            rd_rsp_valid,
  output logic           rd_rsp_ready,
  input  wire            rd_rsp_err,

  // DMA write bursts
  output logic           wr_valid,
  input  wire            wr_ready,
  output logic [63:0]    wr_addr,
  output logic [511:0]   wr_data,
  output logic [63:0]    wr_keep,
  output logic           wr_last,

  output cpl_req_t       m_cpl,
  output logic           m_cpl_valid,
  input  wire            m_cpl_ready,

  output logic           cnt_no_buf,
  output logic           cnt_bad_desc,
  output logic           cnt_mgmt_rx
);

  localparam int AW = $clog2(DEPTH);

  initial begin
    if (CW != $clog2(CHANNELS)) $fatal(1, "nc_rx_place: CW must not be overridden");
    if (DEPTH < 2 || (DEPTH & (DEPTH - 1)) != 0) $fatal(1, "nc_rx_place: DEPTH must be a power of two >= 2");
  end

  typedef struct packed {
    place_job_t job;
    logic       has_desc;     // an Rx descriptor read belongs to this job
    logic       nobuf;        // management frame without a buffer: drop
    logic [1:0] slot;         // descriptor lane slot (index mod 4)
  } pjob_t;

  // ---------------------------------------------------------------- stage D
  logic        d1_valid_reg, d1_ready;
  place_job_t  d1_reg;
  logic        d1_mgmt_ok_reg;
  logic [15:0] d1_mgmt_idx_reg;
  logic [57:0] ctx_base;
  logic [3:0]  ctx_log;
  logic        d_take, q_ready;

  assign d_take      = s_job_valid && (!d1_valid_reg || d1_ready);
  assign s_job_ready = !d1_valid_reg || d1_ready;
  // a management job claims its buffer as it enters D1
  assign mgmt_buf_take = d_take && s_job.kind == PL_MGMT && mgmt_buf_valid;

  nc_ram_1w1r #(.DEPTH(CHANNELS), .W(62)) u_ctx (
    .clk(clk), .wr_en(ctx_wr_en), .wr_addr(ctx_wr_chan), .wr_data({ctx_wr_base, ctx_wr_log}),
    .rd_en(d_take), .rd_addr(s_job.chan[CW-1:0]), .rd_data({ctx_base, ctx_log}));

  always_ff @(posedge clk) begin
    if (!d1_valid_reg || d1_ready) d1_valid_reg <= s_job_valid;
    if (rst) d1_valid_reg <= 1'b0;
  end
  always_ff @(posedge clk) begin
    if (d_take) begin
      d1_reg          <= s_job;
      d1_mgmt_ok_reg  <= mgmt_buf_valid;
      d1_mgmt_idx_reg <= mgmt_buf_idx;
    end
  end

  pjob_t      d1_out;
  logic       d1_read;
  logic [15:0] d1_idx;
  logic [57:0] d1_base;
  logic [3:0]  d1_log;

  always_comb begin
    d1_out = '0;
    d1_out.job = d1_reg;
    d1_idx  = d1_reg.idx;
    d1_base = ctx_base;
    d1_log  = ctx_log;
    d1_read = 1'b0;
    unique case (d1_reg.kind)
      PL_PLACE: d1_read = 1'b1;
      PL_MGMT: begin
        d1_idx  = d1_mgmt_idx_reg;
        d1_base = mgmt_rx_base;
        d1_log  = mgmt_rx_log;
        d1_read = d1_mgmt_ok_reg;
        d1_out.nobuf   = !d1_mgmt_ok_reg;
        d1_out.job.idx = d1_mgmt_idx_reg;
      end
      default: d1_read = 1'b0;
    endcase
    d1_out.has_desc = d1_read;
    d1_out.slot     = 2'(d1_idx & ring_mask(d1_log));
  end

  assign rd_req_valid = d1_valid_reg && d1_read && q_ready;
  assign rd_req_addr  = {d1_base, 6'd0} + {44'd0, (d1_idx & ring_mask(d1_log)), 4'd0};
  assign rd_req_len   = 16'd16;
  assign d1_ready     = q_ready && (!d1_read || rd_req_ready);

  pjob_t  q_head;
  logic   q_valid, q_pop;
  /* verilator lint_off UNUSEDSIGNAL */
  logic [AW:0] q_free_unused;
  /* verilator lint_on UNUSEDSIGNAL */

  nc_fifo #(.WIDTH($bits(pjob_t)), .DEPTH(DEPTH)) u_jobs (
    .clk(clk), .rst(rst), .s_data(d1_out), .s_valid(d1_valid_reg && d1_ready), .s_ready(q_ready),
    .m_data(q_head), .m_valid(q_valid), .m_ready(q_pop), .free(q_free_unused));

  // descriptor responses: at most DEPTH + 1 reads are outstanding, one FIFO slot each
  typedef struct packed {
    logic [127:0] beat;  // the 16-byte descriptor (lane slot applied below)
    logic         err;
  } dresp_t;
  dresp_t dr_in, dr_head;
  logic   dr_valid, dr_pop, dr_ready;
  logic [1:0] rsp_slot;
  /* verilator lint_off UNUSEDSIGNAL */
  logic [AW+1:0] dr_free_unused;
  /* verilator lint_on UNUSEDSIGNAL */

  // the slot of a response is the slot of the oldest job with a read not yet answered; track it in a
  // small FIFO of slots pushed at issue
  logic [1:0] slot_head;
  logic       slot_valid, slot_ready_unused;
  /* verilator lint_off UNUSEDSIGNAL */
  logic [AW+1:0] slot_free_unused;
  /* verilator lint_on UNUSEDSIGNAL */
  nc_fifo #(.WIDTH(2), .DEPTH(2 * DEPTH)) u_slots (
    .clk(clk), .rst(rst), .s_data(d1_out.slot), .s_valid(rd_req_valid && rd_req_ready),
    .s_ready(slot_ready_unused), .m_data(slot_head), .m_valid(slot_valid), .m_ready(rd_rsp_valid && rd_rsp_ready),
    .free(slot_free_unused));

  assign rsp_slot     = slot_head;
  assign dr_in.beat   = rd_rsp_data[128*rsp_slot +: 128];
  assign dr_in.err    = rd_rsp_err;
  assign rd_rsp_ready = dr_ready && slot_valid;

  nc_fifo #(.WIDTH($bits(dresp_t)), .DEPTH(2 * DEPTH)) u_dresp (
    .clk(clk), .rst(rst), .s_data(dr_in), .s_valid(rd_rsp_valid && rd_rsp_ready), .s_ready(dr_ready),
    .m_data(dr_head), .m_valid(dr_valid), .m_ready(dr_pop), .free(dr_free_unused));

  // validate (registered stage)
  logic           v_valid, v_ready, v_is_rx_unused;
  nc_rx_desc_t    v_desc;
  nc_tx_desc_t    v_tx_unused;
  logic [0:0]     v_err;
  nc_cpl_status_e v_status;

  nc_desc_validate #(.USER_W(1)) u_validate (
    .clk(clk), .rst(rst),
    .s_valid(dr_valid), .s_ready(dr_pop), .s_is_rx(1'b1), .s_tx_desc('0), .s_rx_desc(nc_rx_desc_t'(dr_head.beat)),
    .s_user(dr_head.err),
    .m_valid(v_valid), .m_ready(v_ready), .m_is_rx(v_is_rx_unused), .m_tx_desc(v_tx_unused),
    .m_rx_desc(v_desc), .m_user(v_err), .m_status(v_status));

  // ---------------------------------------------------------------- stage P
  typedef enum logic [2:0] {
    P_IDLE, P_HDR0, P_HDR1, P_PAY, P_DISC, P_CPL
  } pstate_e;

  pstate_e     ps_reg;
  /* verilator lint_off UNUSEDSIGNAL */
  pjob_t       cur_reg;         // the descriptor slot and length check are done by the time it is held
  nc_rx_desc_t cur_desc_reg;
  /* verilator lint_on UNUSEDSIGNAL */
  logic [7:0]  cur_status_reg;
  logic [687:0] cur_hdr_reg;
  /* verilator lint_off UNUSEDSIGNAL */
  nc_frame_hdr_t cur_hdr_s;     // the completion takes the CTH and NetChannel fields only
  /* verilator lint_on UNUSEDSIGNAL */
  logic          is_mgmt_start;
  logic [63:0] pay_addr_reg;
  logic        do_cpl_reg;


  // status for the job at the head, given its validated descriptor
  logic [7:0]  st_new;
  logic [31:0] need_bytes;
  always_comb begin
    need_bytes = (q_head.job.kind == PL_MGMT) ? 32'(q_head.job.len) + 32'd128 : 32'(q_head.job.len);
    st_new = v_err[0] ? 8'(NC_CPL_STATUS_DMA_FAULT) : 8'(v_status);
    if (st_new == 8'(NC_CPL_STATUS_OK) && v_desc.len < need_bytes) st_new = 8'(NC_CPL_STATUS_TOO_SMALL);
  end

  logic start, start_ok;
  assign start    = (ps_reg == P_IDLE) && q_valid && (!q_head.has_desc || v_valid) &&
                    (q_head.job.kind != PL_MGMT || s_mgmt_hdr_valid);
  assign start_ok = q_head.has_desc && st_new == 8'(NC_CPL_STATUS_OK);
  assign q_pop    = start;
  assign v_ready  = start && q_head.has_desc;
  assign s_mgmt_hdr_ready = start && q_head.job.kind == PL_MGMT;

  always_comb begin
    wr_valid = 1'b0;
    wr_addr  = cur_desc_reg.addr;
    wr_data  = s_pay_tdata;
    wr_keep  = s_pay_tkeep;
    wr_last  = s_pay_tlast;
    s_pay_tready = 1'b0;
    unique case (ps_reg)
      P_HDR0: begin
        wr_valid = 1'b1;
        wr_data  = cur_hdr_reg[511:0];
        wr_keep  = '1;
        wr_last  = 1'b0;
      end
      P_HDR1: begin
        wr_valid = 1'b1;
        wr_data  = {336'd0, cur_hdr_reg[687:512]};
        wr_keep  = {42'd0, 22'h3FFFFF};
        wr_last  = 1'b1;
      end
      P_PAY: begin
        wr_addr      = pay_addr_reg;
        wr_valid     = s_pay_tvalid;
        s_pay_tready = wr_ready;
      end
      P_DISC: s_pay_tready = 1'b1;
      default: ;
    endcase
  end

  // management frames only: the header is kept as a struct (completion fields) and in lane order (the
  // DMA write); converted only then, as the lane swap is not free in simulation
  assign is_mgmt_start = start && q_head.job.kind == PL_MGMT;
  always_ff @(posedge clk) begin
    if (is_mgmt_start) begin
      cur_hdr_s   <= s_mgmt_hdr;
      cur_hdr_reg <= nc_frame_hdr_to_lanes(s_mgmt_hdr);
    end
  end

  always_ff @(posedge clk) begin
    unique case (ps_reg)
      P_IDLE: if (start) begin
        cur_reg        <= q_head;
        cur_desc_reg   <= v_desc;
        cur_status_reg <= q_head.has_desc ? st_new : 8'(NC_CPL_STATUS_OK);
        pay_addr_reg   <= (q_head.job.kind == PL_MGMT) ? v_desc.addr + 64'd128 : v_desc.addr;
        do_cpl_reg     <= q_head.has_desc;
        if (q_head.job.kind == PL_MGMT && start_ok) ps_reg <= P_HDR0;
        else if (q_head.job.len == 16'd0) ps_reg <= q_head.has_desc ? P_CPL : P_IDLE;
        else if (start_ok) ps_reg <= P_PAY;
        else ps_reg <= P_DISC;
      end
      P_HDR0: if (wr_ready) ps_reg <= P_HDR1;
      P_HDR1: if (wr_ready) ps_reg <= (cur_reg.job.len == 16'd0) ? P_CPL : P_PAY;
      P_PAY:  if (s_pay_tvalid && wr_ready && s_pay_tlast) ps_reg <= P_CPL;
      P_DISC: if (s_pay_tvalid && s_pay_tlast) ps_reg <= do_cpl_reg ? P_CPL : P_IDLE;
      P_CPL:  if (m_cpl_ready) ps_reg <= P_IDLE;
      default: ps_reg <= P_IDLE;
    endcase
    if (rst) ps_reg <= P_IDLE;
  end

  // completion request
  always_comb begin
    m_cpl = '0;
    m_cpl.mgmt     = cur_reg.job.kind == PL_MGMT;
    m_cpl.chan     = m_cpl.mgmt ? cur_hdr_s.cth.dst_chan : cur_reg.job.chan;
    m_cpl.kind     = m_cpl.mgmt ? 8'(NC_CPL_KIND_MGMT_RX) : 8'(NC_CPL_KIND_RX);
    m_cpl.status   = cur_status_reg;
    m_cpl.idx      = cur_reg.job.idx;
    m_cpl.tag      = cur_desc_reg.tag;
    m_cpl.len      = cur_reg.job.len;
    m_cpl.psn      = m_cpl.mgmt ? cur_hdr_s.cth.psn : cur_reg.job.psn;
    m_cpl.src_port = m_cpl.mgmt ? cur_hdr_s.nc.src_port : cur_reg.job.src_port;
    m_cpl.dst_port = m_cpl.mgmt ? cur_hdr_s.nc.dst_port : cur_reg.job.dst_port;
    m_cpl.seq      = m_cpl.mgmt ? cur_hdr_s.nc.seq : cur_reg.job.seq;
    m_cpl.grant    = m_cpl.mgmt ? cur_hdr_s.nc.grant : cur_reg.job.grant;
    m_cpl.msg_type = m_cpl.mgmt ? 8'(cur_hdr_s.nc.msg_type) : cur_reg.job.msg_type;
    m_cpl.n_a      = 17'd1;
  end
  assign m_cpl_valid = ps_reg == P_CPL;

  always_ff @(posedge clk) begin
    cnt_no_buf   <= start && q_head.nobuf;
    cnt_mgmt_rx  <= start && q_head.job.kind == PL_MGMT && start_ok;
    cnt_bad_desc <= start && q_head.has_desc && !v_err[0] && v_status != NC_CPL_STATUS_OK;
    if (rst) begin
      cnt_no_buf   <= 1'b0;
      cnt_bad_desc <= 1'b0;
      cnt_mgmt_rx  <= 1'b0;
    end
  end

  /* verilator lint_off UNUSEDSIGNAL */
  logic unused_ok;
  assign unused_ok = v_is_rx_unused ^ (^v_tx_unused) ^ slot_ready_unused;
  /* verilator lint_on UNUSEDSIGNAL */

endmodule

`default_nettype wire
