// nc_tx_ctrl: the sender side of every channel's reliable transport.
//
// One state word per channel (nc_chan_rmw) holds the channel state, the Tx ring's producer index, the
// send window (una = oldest unacknowledged PSN, nxt = next PSN, a SACK bitmap and a "retransmitted"
// bitmap over PSN una + j, j < WINDOW), the loss-recovery state (recovery mark, probe outstanding), the
// round-trip time estimate, the peer's credit, the timeout count and per-channel counters.
// Every event that changes it is an operation through the one read-modify-write pipeline:
//
//   OPEN/CLOSE/READ  from the command block (one response each, on rsp_*)
//   FAIL             a Tx payload DMA fault (from the Tx monitor): the channel fails
//   ACK              an ACK frame, checked before anything changes: one that acknowledges PSNs never sent
//                    (cumulatively or selectively) or grants credit beyond what the peer can have (more
//                    than RING_LOG_MAX's ring past nxt) is dropped whole and counted (cnt_bad_ack,
//                    cnt_bad_credit). A good one frees acknowledged PSNs (a completion range to the
//                    completion writer), merges the SACK bitmap, retransmits what is lost (fast
//                    retransmit, lost retransmissions, the answer to a tail-loss probe:
//                    nc_tx_window_logic), takes an RTT sample, takes new credit, restarts the timer, and
//                    answers an ACK_REQ (m_probe with req = 0: the receive side sends an ACK at once)
//   SENT             a DATA frame of the channel left on the wire (the Tx monitor): the retransmission
//                    timer restarts, so it measures silence since the last transmission, not queueing
//                    inside the NIC behind other channels
//   TIMEOUT          the retransmission timer expired with packets in flight: a tail-loss probe — the
//                    newest PSN in flight is sent again with ACK_REQ, and the acknowledgement that answers
//                    it decides what else is resent; or the channel fails at the (RETRY_LIMIT + 1)-th
//                    timeout in a row. With nothing in flight and descriptors waiting for credit: a credit
//                    probe (m_probe with req = 1)
//   DB               a Tx doorbell: new producer index (checked against the ring)
//   SCHED            the channel's turn: up to MAX_BATCH descriptors within window and credit become one
//                    fetch request; the channel goes back to the end of the queue while it can send more
//
// Timer: with an RTT estimate (srtt, rttvar from one timed PSN at a time, Karn's rule: none across a
// retransmission) the retransmission timeout is min(RTO_CYCLES, 2 srtt + 4 rttvar + the peer's ACK delay);
// before the first sample it is RTO_CYCLES. It doubles per timeout in a row, up to 16x. The persist timer
// (credit probes) stays RTO_CYCLES-based: a slow consumer is not a loss.
//
// Channels that can send wait in a FIFO of channel ids (at most one entry per channel: the `queued` bit),
// so sending is round-robin between channels. Descriptor i of a channel always carries PSN
// init_psn + i, which is what lets retransmissions and completions find the descriptor by ring index.
`default_nettype none

module nc_tx_ctrl
  import nc_pkg::*;
  import nc_nic_pkg::*;
#(
  parameter int CHANNELS = 1024,               // a power of two, 2..32768
  parameter int CW       = $clog2(CHANNELS)    // derived, do not override
) (
  input  wire            clk,
  input  wire            rst,

  input  wire [31:0]     now,
  input  wire            cfg_enable,
  input  wire [31:0]     cfg_rto,
  input  wire [15:0]     cfg_coal_cycles,  // the ACK delay a receiver may add (ACK_COALESCE[31:16])
  input  wire [7:0]      cfg_retry_limit,

  // operations
  input  wire txop_t     cmd_op,
  input  wire            cmd_valid,
  output logic           cmd_ready,
  input  wire fail_t     fault_in,
  input  wire            fault_valid,
  output logic           fault_ready,
  input  wire txop_t     ack_op,
  input  wire            ack_valid,
  output logic           ack_ready,
  input  wire [15:0]     sent_chan,
  input  wire [31:0]     sent_psn,
  input  wire            sent_retx,
  input  wire            sent_valid,
  output logic           sent_ready,
  input  wire [15:0]     exp_chan,
  input  wire            exp_valid,
  output logic           exp_ready,
  input  wire txop_t     db_op,
  input  wire            db_valid,
  output logic           db_ready,

  // command responses (OPEN/CLOSE/READ), one per command, in order
  output logic           rsp_valid,
  output logic [1:0]     rsp_state,        // state before the command
  output logic [7:0]     rsp_why,
  output logic [15:0]    rsp_prod,
  output logic [15:0]    rsp_idx_nxt,
  output logic [31:0]    rsp_una,
  output logic [31:0]    rsp_nxt,
  output logic [31:0]    rsp_credit,
  output logic [31:0]    rsp_tx_pkts,
  output logic [31:0]    rsp_retx,
  output logic [31:0]    rsp_timeouts,

  // outputs
  output fetch_req_t     m_fetch,
  output logic           m_fetch_valid,
  input  wire            m_fetch_ready,
  output retx_req_t      m_retx,
  output logic           m_retx_valid,
  input  wire            m_retx_ready,
  output cpl_req_t       m_cpl,
  output logic           m_cpl_valid,
  input  wire            m_cpl_ready,
  output timer_op_t      m_tmr,
  output logic           m_tmr_valid,
  input  wire            m_tmr_ready,
  output fail_t          m_fail,
  output logic           m_fail_valid,
  input  wire            m_fail_ready,
  output logic [15:0]    m_probe_chan,     // the receive side sends an ACK at once on this channel:
  output logic           m_probe_req,      //   1 flagged ACK_REQ (our credit probe), 0 plain (answering the peer's ACK_REQ)
  output logic           m_probe_valid,
  input  wire            m_probe_ready,

  // counter pulses
  output logic           cnt_timeout,
  output logic           cnt_credit_stall,
  output logic           cnt_bad_doorbell,
  output logic           cnt_ch_failed,
  output logic           cnt_ack_rx,       // an ACK frame applied
  output logic           cnt_bad_ack,      // an ACK frame dropped: it acknowledges PSNs never sent
  output logic           cnt_bad_credit,   // an ACK frame dropped: credit beyond what the peer can have granted
  output logic           cnt_no_channel    // an ACK frame for a channel that is not open
);

  initial begin
    if (CHANNELS < 2 || CHANNELS > 32768 || (CHANNELS & (CHANNELS - 1)) != 0)
      $fatal(1, "nc_tx_ctrl: CHANNELS must be a power of two in 2..32768");
    if (CW != $clog2(CHANNELS)) $fatal(1, "nc_tx_ctrl: CW must not be overridden");
  end

  localparam int CNTW = $clog2(WINDOW + 1);       // a packet count 0..WINDOW
  localparam int TW   = 24;                        // RTT estimate width (cycles up to 16M)
  localparam logic [31:0] CREDIT_MAX = 32'd1 << RING_LOG_MAX;   // the most a peer's Rx ring can grant past nxt

  typedef struct packed {
    logic [1:0]  st;
    logic [7:0]  why;
    logic        queued;
    logic [3:0]  ring_log;
    logic [15:0] psn0;
    logic [15:0] prod;
    logic [31:0] una;
    logic [31:0] nxt;
    logic [31:0] credit;
    logic [WINDOW-1:0] sacked;
    logic [WINDOW-1:0] done;
    logic [31:0] snd_nxt;     // after the newest PSN sent on the wire for the first time
    logic [WINDOW-1:0] rsent; // bit j: the retransmission of PSN una + j is on the wire
    logic        rec_valid;   // the newest retransmission went on the wire when snd_nxt was rec_mark
    logic [31:0] rec_mark;
    logic        probing;     // a tail-loss probe is outstanding
    logic        rtt_on;      // PSN rtt_psn, sent at rtt_t0, is being timed
    logic [31:0] rtt_psn;
    logic [31:0] rtt_t0;
    logic        have_rtt;
    logic [TW-1:0] srtt;
    logic [TW-1:0] rttvar;
    logic [7:0]  retries;
    logic [31:0] tx_pkts;
    logic [31:0] retx;
    logic [31:0] timeouts;
  } txc_state_t;

  localparam int SW  = $bits(txc_state_t);
  localparam int OPW = $bits(txop_t);

  // ---------------------------------------------------------------- output FIFOs
  fetch_req_t f_in;  logic f_push, f_ready; logic [4:0] f_free;
  retx_req_t  r_in;  logic r_push, r_ready; logic [3:0] r_free;
  cpl_req_t   c_in;  logic c_push, c_ready; logic [3:0] c_free;
  timer_op_t  t_in;  logic t_push, t_ready; logic [3:0] t_free;
  fail_t      x_in;  logic x_push, x_ready; logic [2:0] x_free;
  logic       pr_push, pr_ready, pr_req; logic [2:0] pr_free;

  nc_fifo #(.WIDTH($bits(fetch_req_t)), .DEPTH(16)) u_fetch_q (
    .clk(clk), .rst(rst), .s_data(f_in), .s_valid(f_push), .s_ready(f_ready),
    .m_data(m_fetch), .m_valid(m_fetch_valid), .m_ready(m_fetch_ready), .free(f_free));
  nc_fifo #(.WIDTH($bits(retx_req_t)), .DEPTH(8)) u_retx_q (
    .clk(clk), .rst(rst), .s_data(r_in), .s_valid(r_push), .s_ready(r_ready),
    .m_data(m_retx), .m_valid(m_retx_valid), .m_ready(m_retx_ready), .free(r_free));
  nc_fifo #(.WIDTH($bits(cpl_req_t)), .DEPTH(8)) u_cpl_q (
    .clk(clk), .rst(rst), .s_data(c_in), .s_valid(c_push), .s_ready(c_ready),
    .m_data(m_cpl), .m_valid(m_cpl_valid), .m_ready(m_cpl_ready), .free(c_free));
  nc_fifo #(.WIDTH($bits(timer_op_t)), .DEPTH(8)) u_tmr_q (
    .clk(clk), .rst(rst), .s_data(t_in), .s_valid(t_push), .s_ready(t_ready),
    .m_data(m_tmr), .m_valid(m_tmr_valid), .m_ready(m_tmr_ready), .free(t_free));
  nc_fifo #(.WIDTH(17), .DEPTH(4)) u_probe_q (
    .clk(clk), .rst(rst), .s_data({pr_req, op.chan}), .s_valid(pr_push), .s_ready(pr_ready),
    .m_data({m_probe_req, m_probe_chan}), .m_valid(m_probe_valid), .m_ready(m_probe_ready), .free(pr_free));
  nc_fifo #(.WIDTH($bits(fail_t)), .DEPTH(4)) u_fail_q (
    .clk(clk), .rst(rst), .s_data(x_in), .s_valid(x_push), .s_ready(x_ready),
    .m_data(m_fail), .m_valid(m_fail_valid), .m_ready(m_fail_ready), .free(x_free));

  // the queue of channels that can send (one entry per channel at most, so it never overflows)
  logic [CW-1:0] q_in, q_head;
  logic          q_push, q_head_valid, q_pop;
  /* verilator lint_off UNUSEDSIGNAL */
  logic          q_ready_unused;
  logic [CW:0]   q_free_unused;
  /* verilator lint_on UNUSEDSIGNAL */

  nc_fifo #(.WIDTH(CW), .DEPTH(CHANNELS)) u_sched_q (
    .clk(clk), .rst(rst), .s_data(q_in), .s_valid(q_push), .s_ready(q_ready_unused),
    .m_data(q_head), .m_valid(q_head_valid), .m_ready(q_pop), .free(q_free_unused));

  // ---------------------------------------------------------------- operation arbiter
  // fixed priority: command > fault > ack > sent > timeout > doorbell > sched. SCHED is only picked when the
  // fetch FIFO has room for it (so a sched never stalls the pipeline behind a full fetch queue).
  logic          s_ready, s_valid;
  txop_t         s_op;
  logic          pick_cmd, pick_fault, pick_ack, pick_sent, pick_exp, pick_db, pick_sched;
  logic          sched_ok;

  assign sched_ok   = q_head_valid && cfg_enable && (f_free >= 5'd3);
  assign pick_cmd   = cmd_valid;
  assign pick_fault = !pick_cmd && fault_valid;
  assign pick_ack   = !pick_cmd && !fault_valid && ack_valid;
  assign pick_sent  = !pick_cmd && !fault_valid && !ack_valid && sent_valid;
  assign pick_exp   = !pick_cmd && !fault_valid && !ack_valid && !sent_valid && exp_valid;
  assign pick_db    = !pick_cmd && !fault_valid && !ack_valid && !sent_valid && !exp_valid && db_valid;
  assign pick_sched = !pick_cmd && !fault_valid && !ack_valid && !sent_valid && !exp_valid && !db_valid && sched_ok;

  always_comb begin
    s_op = '0;
    if (pick_cmd) s_op = cmd_op;
    else if (pick_fault) begin
      s_op.code = TXOP_FAIL;
      s_op.chan = fault_in.chan;
      s_op.a    = 32'(fault_in.reason);
    end else if (pick_ack) s_op = ack_op;
    else if (pick_sent) begin
      s_op.code  = TXOP_SENT;
      s_op.chan  = sent_chan;
      s_op.a     = sent_psn;
      s_op.flags = sent_retx ? NC_CTH_FLAG_RETX : 8'd0;
    end else if (pick_exp) begin
      s_op.code = TXOP_TIMEOUT;
      s_op.chan = exp_chan;
    end else if (pick_db) s_op = db_op;
    else if (pick_sched) begin
      s_op.code = TXOP_SCHED;
      s_op.chan = 16'(q_head);
    end
  end

  assign s_valid     = pick_cmd || pick_fault || pick_ack || pick_sent || pick_exp || pick_db || pick_sched;
  assign sent_ready  = s_ready && pick_sent;
  assign cmd_ready   = s_ready && pick_cmd;
  assign fault_ready = s_ready && pick_fault;
  assign ack_ready   = s_ready && pick_ack;
  assign exp_ready   = s_ready && pick_exp;
  assign db_ready    = s_ready && pick_db;
  assign q_pop       = s_ready && pick_sched;

  // ---------------------------------------------------------------- RMW pipeline
  logic          p_valid, p_fire, p_write, p_hold;
  logic [CW-1:0] p_addr;
  logic [OPW-1:0] p_op_bits;
  logic [SW-1:0] p_state_bits, p_next_bits;
  /* verilator lint_off UNUSEDSIGNAL */
  logic          clearing_unused;
  /* verilator lint_on UNUSEDSIGNAL */

  nc_chan_rmw #(.DEPTH(CHANNELS), .SW(SW), .OPW(OPW)) u_rmw (
    .clk(clk), .rst(rst),
    .s_valid(s_valid), .s_ready(s_ready), .s_addr(s_op.chan[CW-1:0]), .s_op(s_op),
    .p_valid(p_valid), .p_addr(p_addr), .p_op(p_op_bits), .p_state(p_state_bits),
    .p_next(p_next_bits), .p_write(p_write), .p_hold(p_hold), .p_fire(p_fire),
    .clearing(clearing_unused));

  txop_t      op;
  txc_state_t st, nx;
  assign op          = txop_t'(p_op_bits);
  assign st          = txc_state_t'(p_state_bits);
  assign p_next_bits = nx;

  // ---------------------------------------------------------------- modify stage
  localparam logic [CNTW-1:0] WIN = CNTW'(WINDOW);
  logic [CNTW-1:0] inflight;
  logic [15:0] idx_una, idx_nxt, avail, size_m1;
  logic [16:0] size;
  logic [31:0] cred32;
  logic [CNTW-1:0] cred_room, win_room, avail7, wrap7, n;
  logic [16:0] wrap_room;

  assign inflight   = CNTW'(st.nxt - st.una);   // 0..WINDOW
  assign idx_una    = st.una[15:0] - st.psn0;
  assign idx_nxt    = st.nxt[15:0] - st.psn0;
  assign avail      = st.prod - idx_nxt;
  assign size       = ring_size(st.ring_log);
  assign size_m1    = ring_mask(st.ring_log);
  assign cred32     = st.credit - st.nxt;
  assign cred_room  = cred32[31] ? '0 : ((cred32 > 32'(WINDOW)) ? WIN : CNTW'(cred32));
  assign win_room   = WIN - inflight;
  assign avail7     = (avail > 16'(WINDOW)) ? WIN : CNTW'(avail);
  assign wrap_room  = size - {1'b0, idx_nxt & size_m1};
  assign wrap7      = (wrap_room > 17'(WINDOW)) ? WIN : CNTW'(wrap_room);

  always_comb begin
    n = CNTW'(MAX_BATCH);
    if (avail7 < n) n = avail7;
    if (win_room < n) n = win_room;
    if (cred_room < n) n = cred_room;
    if (wrap7 < n) n = wrap7;
  end

  // window arithmetic and loss recovery (ACK, TIMEOUT)
  logic        ack_ok, ack_ahead, sack_bad, rec_over;
  logic [CNTW-1:0] cnt, new_inflight;
  logic [WINDOW-1:0] a_sacked, a_done, a_rsent, rtx_ack, tlp;

  nc_tx_window_logic #(.WINDOW(WINDOW), .DUPTHRESH(DUPTHRESH)) u_window (
    .una(st.una), .nxt(st.nxt), .sacked(st.sacked), .done(st.done), .rsent(st.rsent), .rec_valid(st.rec_valid),
    .rec_mark(st.rec_mark), .probing(st.probing), .snd_nxt(st.snd_nxt), .ack_psn(op.a), .sack(op.sack[WINDOW-1:0]),
    .ack_ok(ack_ok), .ack_ahead(ack_ahead), .sack_bad(sack_bad), .acked(cnt), .new_inflight(new_inflight),
    .new_sacked(a_sacked), .new_done(a_done), .new_rsent(a_rsent), .rtx(rtx_ack), .rec_over(rec_over), .tlp(tlp));

  // SENT: a first transmission before snd_nxt (a SENT notice overtaken, or one of an earlier life)
  logic        sent_old;
  logic [31:0] sent_rel;   // the sent PSN's bit in the window bitmaps
  assign sent_old = (op.a - st.snd_nxt) >= 32'h8000_0000;
  assign sent_rel = op.a - st.una;

  logic [31:0] dc;   // the ACK's credit relative to the current one
  assign dc = op.b - st.credit;

  // the ACK's checks (before anything changes)
  logic ack_v, credit_v, ack_req, bad_ack, bad_credit;
  logic [31:0] cr_ahead;
  assign ack_v      = (op.flags & NC_CTH_FLAG_ACK_VALID) != 8'd0;
  assign credit_v   = (op.flags & NC_CTH_FLAG_CREDIT_VALID) != 8'd0;
  assign ack_req    = (op.flags & NC_CTH_FLAG_ACK_REQ) != 8'd0;
  assign bad_ack    = ack_v && (ack_ahead || sack_bad);
  // a credit that would be taken (ahead of the current one, as the update below reads it) must lie within a
  // largest Rx ring of nxt: a peer cannot have posted more buffers than that
  assign cr_ahead   = op.b - st.nxt;
  assign bad_credit = credit_v && !dc[31] && (dc != 32'd0) && (cr_ahead > CREDIT_MAX);

  // RTT estimate: a sample when the timed PSN is acknowledged (srtt += err/8, rttvar += (|err| - rttvar)/4)
  logic          rtt_hit;
  logic [31:0]   sample32;
  logic [TW-1:0] sample, abs_err, srtt_new, rttvar_new;
  logic [TW:0]   err;
  // the timed PSN is acknowledged cumulatively or selectively (a hole before it must not inflate the sample)
  logic [31:0] rtt_rel;
  assign rtt_rel    = st.rtt_psn - op.a;   // relative to the new una
  assign rtt_hit    = st.rtt_on && ack_ok &&
                      (((st.rtt_psn - st.una) < 32'(cnt)) || (rtt_rel < 32'(WINDOW) && a_sacked[rtt_rel[$clog2(WINDOW)-1:0]]));
  assign sample32   = now - st.rtt_t0;
  assign sample     = (sample32 >= (32'd1 << TW)) ? '1 : TW'(sample32);
  assign err        = {1'b0, sample} - {1'b0, st.srtt};
  assign abs_err    = err[TW] ? (st.srtt - sample) : TW'(err);
  assign srtt_new   = !st.have_rtt ? sample :
                      (err[TW] ? (st.srtt - TW'((st.srtt - sample) >> 3)) : (st.srtt + TW'(err[TW-1:0] >> 3)));
  assign rttvar_new = !st.have_rtt ? (sample >> 1) :
                      ((abs_err >= st.rttvar) ? (st.rttvar + ((abs_err - st.rttvar) >> 2))
                                              : (st.rttvar - ((st.rttvar - abs_err) >> 2)));

  // can the channel send after the operation? (prod, nxt, una, credit of the new state)
  function automatic logic can_send(input logic [15:0] prod, input logic [15:0] psn0, input logic [31:0] nxt,
                                    input logic [31:0] una, input logic [31:0] credit);
    logic [31:0] c, f;
    logic [15:0] a;
    a = prod - (nxt[15:0] - psn0);
    c = credit - nxt;
    f = nxt - una;
    return (a != 16'd0) && !c[31] && (c != 32'd0) && (f < 32'(WINDOW));
  endfunction

  logic [3:0]  backoff, backoff_cur;
  logic [31:0] rto_base, pto, rto_backoff, rto_cur, persist_backoff, persist_cur;
  logic [7:0]  retries_next;
  assign retries_next = st.retries + 8'd1;
  assign backoff      = (retries_next > 8'd4) ? 4'd4 : retries_next[3:0];
  assign backoff_cur  = (st.retries > 8'd4) ? 4'd4 : st.retries[3:0];
  assign pto          = (32'(st.srtt) << 1) + (32'(st.rttvar) << 2) + 32'(cfg_coal_cycles);
  assign rto_base     = (st.have_rtt && pto < cfg_rto) ? pto : cfg_rto;
  assign rto_backoff  = rto_base << backoff;
  assign rto_cur      = rto_base << backoff_cur;
  assign persist_backoff = cfg_rto << backoff;
  assign persist_cur     = cfg_rto << backoff_cur;

  // DB checks: the new producer index may be at most a ring ahead of the oldest uncompleted descriptor
  // and must be neither behind the descriptors already taken nor behind the previous doorbell.
  logic [15:0] db_prod, db_from_una, db_from_nxt;
  logic        db_ok;
  assign db_prod     = op.a[15:0];
  assign db_from_una = db_prod - idx_una;
  assign db_from_nxt = db_prod - idx_nxt;
  assign db_ok       = ({1'b0, db_from_una} <= size) && ({1'b0, db_from_nxt} <= size) &&
                       ({1'b0, db_prod - st.prod} <= size);   // not behind the previous doorbell

  logic need_f, need_r, need_c, need_t, need_x, need_q, need_p, rsp_now;
  logic stalled;   // descriptors are waiting and the peer's credit is used up
  logic cnt_to, cnt_cs, cnt_bd, cnt_cf, cnt_ar, cnt_ba, cnt_bc, cnt_nc;
  always_comb begin
    nx      = st;
    p_write = 1'b1;
    need_f = 1'b0; need_r = 1'b0; need_c = 1'b0; need_t = 1'b0; need_x = 1'b0; need_q = 1'b0; need_p = 1'b0;
    stalled = (avail != 16'd0) && (cred_room == '0);
    rsp_now = 1'b0;
    pr_req  = 1'b1;
    cnt_to = 1'b0; cnt_cs = 1'b0; cnt_bd = 1'b0; cnt_cf = 1'b0;
    cnt_ar = 1'b0; cnt_ba = 1'b0; cnt_bc = 1'b0; cnt_nc = 1'b0;

    f_in = '0;
    f_in.chan = op.chan;
    f_in.psn  = st.nxt;
    f_in.idx  = idx_nxt;
    f_in.n    = 3'(n);
    f_in.ackreq = (avail7 == n) || (win_room == n) || (cred_room == n);

    r_in = '0;
    r_in.chan = op.chan;

    c_in = '0;
    c_in.chan   = op.chan;
    c_in.kind   = 8'(NC_CPL_KIND_TX);
    c_in.psn    = st.una;
    c_in.idx    = idx_una;
    c_in.from_table = 1'b1;

    t_in = '0;
    t_in.chan = op.chan;

    x_in = '0;
    x_in.chan = op.chan;

    if (p_valid) begin   // only an operation in the modify stage is worth evaluating
      unique case (op.code)
        TXOP_OPEN: begin
          rsp_now = 1'b1;
          if (st.st == NC_CH_STATE_CLOSED) begin
            nx.st       = NC_CH_STATE_OPEN;
            nx.why      = '0;
            nx.ring_log = op.ring_log;
            nx.psn0     = op.a[15:0];
            nx.prod     = '0;
            nx.una      = op.a;
            nx.nxt      = op.a;
            nx.credit   = op.a + op.b;
            nx.sacked   = '0;
            nx.done     = '0;
            nx.snd_nxt  = op.a;
            nx.rsent    = '0;
            nx.rec_valid = 1'b0;
            nx.probing  = 1'b0;
            nx.rtt_on   = 1'b0;
            nx.have_rtt = 1'b0;
            nx.srtt     = '0;
            nx.rttvar   = '0;
            nx.retries  = '0;
            nx.tx_pkts  = '0;
            nx.retx     = '0;
            nx.timeouts = '0;
            need_t      = 1'b1;   // disarm whatever a previous life left
          end else begin
            p_write = 1'b0;
          end
        end
        TXOP_CLOSE, TXOP_FAIL: begin
          rsp_now = (op.code == TXOP_CLOSE);
          if (st.st == NC_CH_STATE_OPEN) begin
            // every outstanding descriptor completes: in flight with the reason, not yet taken CHANNEL_DOWN
            nx.st  = (op.code == TXOP_CLOSE) ? NC_CH_STATE_CLOSED : NC_CH_STATE_FAILED;
            nx.why = (op.code == TXOP_CLOSE) ? 8'(NC_CPL_STATUS_CHANNEL_DOWN) : op.a[7:0];
            need_c = (inflight != '0) || (avail != 16'd0) || (op.code == TXOP_CLOSE);
            c_in.notify = (op.code == TXOP_CLOSE);
            c_in.status = (op.code == TXOP_CLOSE) ? 8'(NC_CPL_STATUS_CHANNEL_DOWN) : op.a[7:0];
            c_in.n_a    = 17'(inflight);
            c_in.n_b    = 17'(avail);
            nx.una      = st.nxt;
            nx.prod     = idx_nxt;
            need_t      = 1'b1;   // disarm
            need_x      = (op.code == TXOP_FAIL);
            x_in.reason = op.a[7:0];
            cnt_cf      = (op.code == TXOP_FAIL);
          end else if (op.code == TXOP_CLOSE) begin
            // closed or failed already: nothing outstanding, but the close still waits for the
            // completion writer to have issued everything before it
            nx.st       = NC_CH_STATE_CLOSED;
            p_write     = (st.st == NC_CH_STATE_FAILED);
            need_c      = 1'b1;
            c_in.notify = 1'b1;
            c_in.n_a    = '0;
            c_in.n_b    = '0;
          end else begin
            p_write = 1'b0;
          end
        end
        TXOP_READ: begin
          rsp_now = 1'b1;
          p_write = 1'b0;
        end
        TXOP_DB: begin
          if (st.st != NC_CH_STATE_OPEN || !db_ok) begin
            cnt_bd  = 1'b1;
            p_write = 1'b0;
          end else begin
            nx.prod = db_prod;
            if (!st.queued && can_send(db_prod, st.psn0, st.nxt, st.una, st.credit)) begin
              need_q    = 1'b1;
              nx.queued = 1'b1;
            end else if (cred_room == '0 && db_prod != idx_nxt) begin
              // descriptors wait for credit: count it; with nothing in flight the timer runs as a
              // persist timer, so a lost credit update is asked for again (credit probe)
              cnt_cs = 1'b1;
              if (inflight == '0) begin
                need_t        = 1'b1;
                t_in.arm      = 1'b1;
                t_in.deadline = now + persist_cur;
              end
            end
          end
        end
        TXOP_SCHED: begin
          nx.queued = 1'b0;
          if (st.st == NC_CH_STATE_OPEN && n != '0) begin
            need_f     = 1'b1;
            nx.nxt     = st.nxt + 32'(n);
            nx.tx_pkts = st.tx_pkts + 32'(n);
            if (inflight == '0) begin
              need_t = 1'b1;
              t_in.arm = 1'b1;
              t_in.deadline = now + rto_base;
            end
            if ((avail7 > n) && (win_room > n) && (cred_room > n)) begin
              need_q    = 1'b1;
              nx.queued = 1'b1;
            end
          end
          // held back by credit: descriptors remain and the credit, not the window, set the limit
          cnt_cs = (st.st == NC_CH_STATE_OPEN) && (avail7 > n) && (cred_room == n) && (win_room > n);
          // out of credit with nothing in flight: the timer now runs as a persist timer (credit probes)
          if (st.st == NC_CH_STATE_OPEN && stalled && inflight == '0) begin
            need_t        = 1'b1;
            t_in.arm      = 1'b1;
            t_in.deadline = now + persist_cur;
          end
        end
        TXOP_ACK: begin
          if (st.st != NC_CH_STATE_OPEN) begin
            p_write = 1'b0;
            cnt_nc  = 1'b1;
          end else if (bad_ack || bad_credit) begin
            // a frame the peer cannot have sent: dropped whole, nothing changes
            p_write = 1'b0;
            cnt_ba  = bad_ack;
            cnt_bc  = !bad_ack && bad_credit;
          end else begin
            cnt_ar = 1'b1;
            if (credit_v && !dc[31] && dc != 32'd0) begin
              nx.credit  = op.b;
              nx.retries = '0;      // the peer is alive
            end
            // with nothing in flight any ACK answers our probe: the peer is alive, it only withholds
            // credit (a slow consumer), which must never fail the channel
            if (inflight == '0) nx.retries = '0;
            if (ack_v && ack_ok) begin
              nx.una      = op.a;
              nx.sacked   = a_sacked;
              nx.done     = a_done;
              nx.rsent    = a_rsent;
              nx.probing  = 1'b0;   // this acknowledgement answers an outstanding tail-loss probe
              nx.retx     = st.retx + 32'($countones(rtx_ack));
              if (rtt_hit) begin
                nx.rtt_on   = 1'b0;
                nx.have_rtt = 1'b1;
                nx.srtt     = srtt_new;
                nx.rttvar   = rttvar_new;
              end
              if (rtx_ack != '0) begin
                nx.rtt_on    = 1'b0;   // Karn: no sample across a retransmission
              end else if (rec_over) begin
                nx.rec_valid = 1'b0;
              end
              if (cnt != '0) begin
                need_c      = 1'b1;
                c_in.n_a    = 17'(cnt);
                nx.retries  = '0;
                need_t      = 1'b1;
                t_in.arm    = (new_inflight != '0) ||
                              ((avail != 16'd0) && ((nx.credit - st.nxt) == 32'd0 || (nx.credit - st.nxt) > 32'h7FFF_FFFF));
                t_in.deadline = now + ((new_inflight != '0) ? rto_base : cfg_rto);
              end
              if (rtx_ack != '0) begin
                need_r     = 1'b1;
                r_in.psn   = op.a;
                r_in.idx   = op.a[15:0] - st.psn0;
                r_in.mask  = 64'(rtx_ack);
              end
            end
            // the peer asked for an acknowledgement at once (its credit probe, or its tail-loss probe's
            // answer is due): the receive side sends one
            if (ack_req) begin
              need_p = 1'b1;
              pr_req = 1'b0;
            end
            if (!st.queued && can_send(st.prod, st.psn0, st.nxt, nx.una, nx.credit)) begin
              need_q    = 1'b1;
              nx.queued = 1'b1;
            end
          end
        end
        TXOP_SENT: begin
          // a DATA frame is on the wire: the timer measures silence from now; a first transmission moves
          // snd_nxt and may start an RTT sample; a retransmission sets the loss-recovery mark (PSNs sent
          // from now on that arrive prove it lost if it does not)
          p_write = st.st == NC_CH_STATE_OPEN;
          if (st.st == NC_CH_STATE_OPEN) begin
            if ((op.flags & NC_CTH_FLAG_RETX) != 8'd0) begin
              nx.rec_valid = 1'b1;
              nx.rec_mark  = st.snd_nxt;
              if (sent_rel < 32'(WINDOW)) nx.rsent[sent_rel[$clog2(WINDOW)-1:0]] = 1'b1;
            end else if (!sent_old) begin
              nx.snd_nxt = op.a + 32'd1;
              if (!st.rtt_on) begin
                nx.rtt_on  = 1'b1;
                nx.rtt_psn = op.a;
                nx.rtt_t0  = now;
              end
            end
            if (inflight != '0) begin
              need_t        = 1'b1;
              t_in.arm      = 1'b1;
              t_in.deadline = now + rto_cur;
            end
          end
        end
        TXOP_TIMEOUT: begin
          if (st.st != NC_CH_STATE_OPEN || (inflight == '0 && !stalled)) begin
            p_write = 1'b0;
          end else if (inflight == '0 && retries_next <= cfg_retry_limit) begin
            // persist: ask the peer for its credit (the update may have been lost on the link)
            need_p        = 1'b1;
            nx.retries    = retries_next;
            need_t        = 1'b1;
            t_in.arm      = 1'b1;
            t_in.deadline = now + persist_backoff;
          end else if (inflight != '0 && tlp == '0) begin
            // nothing of it is on the wire yet (queued inside the NIC behind other channels): not the
            // peer's silence, so no retry is counted
            p_write       = 1'b0;
            need_t        = 1'b1;
            t_in.arm      = 1'b1;
            t_in.deadline = now + rto_cur;
          end else if (retries_next > cfg_retry_limit) begin
            // give up: the channel fails (as TXOP_FAIL with reason TIMEOUT)
            nx.st  = NC_CH_STATE_FAILED;
            nx.why = 8'(NC_CPL_STATUS_TIMEOUT);
            need_c = 1'b1;
            c_in.status = 8'(NC_CPL_STATUS_TIMEOUT);
            c_in.n_a    = 17'(inflight);
            c_in.n_b    = 17'(avail);
            nx.una      = st.nxt;
            nx.prod     = idx_nxt;
            need_x      = 1'b1;
            x_in.reason = 8'(NC_CPL_STATUS_TIMEOUT);
            cnt_cf      = 1'b1;
            cnt_to      = 1'b1;
            nx.timeouts = st.timeouts + 32'd1;
          end else begin
            // tail-loss probe: the newest PSN on the wire again, with ACK_REQ; its answer decides the rest
            nx.retries  = retries_next;
            nx.timeouts = st.timeouts + 32'd1;
            nx.done     = st.done | tlp;
            nx.probing  = 1'b1;
            nx.rsent    = st.rsent & ~tlp;
            nx.rtt_on   = 1'b0;
            nx.retx     = st.retx + 32'd1;
            need_r      = 1'b1;
            r_in.psn    = st.una;
            r_in.idx    = idx_una;
            r_in.mask   = 64'(tlp);
            need_t      = 1'b1;
            t_in.arm    = 1'b1;
            t_in.deadline = now + rto_backoff;
            cnt_to      = 1'b1;
          end
        end
        default: begin
          p_write = 1'b0;
        end
      endcase
    end
  end

  assign p_hold = (need_f && !f_ready) || (need_r && !r_ready) || (need_c && !c_ready) ||
                  (need_t && !t_ready) || (need_x && !x_ready) || (need_p && !pr_ready);
  assign pr_push = p_fire && need_p;
  assign f_push = p_fire && need_f;
  assign r_push = p_fire && need_r;
  assign c_push = p_fire && need_c;
  assign t_push = p_fire && need_t;
  assign x_push = p_fire && need_x;
  assign q_push = p_fire && need_q;
  assign q_in   = p_addr;

  // ---------------------------------------------------------------- responses and counters
  always_ff @(posedge clk) begin
    rsp_valid        <= p_fire && rsp_now;
    cnt_timeout      <= p_fire && cnt_to;
    cnt_credit_stall <= p_fire && cnt_cs;
    cnt_bad_doorbell <= p_fire && cnt_bd;
    cnt_ch_failed    <= p_fire && cnt_cf;
    cnt_ack_rx       <= p_fire && cnt_ar;
    cnt_bad_ack      <= p_fire && cnt_ba;
    cnt_bad_credit   <= p_fire && cnt_bc;
    cnt_no_channel   <= p_fire && cnt_nc;
    if (rst) begin
      rsp_valid        <= 1'b0;
      cnt_timeout      <= 1'b0;
      cnt_credit_stall <= 1'b0;
      cnt_bad_doorbell <= 1'b0;
      cnt_ch_failed    <= 1'b0;
      cnt_ack_rx       <= 1'b0;
      cnt_bad_ack      <= 1'b0;
      cnt_bad_credit   <= 1'b0;
      cnt_no_channel   <= 1'b0;
    end
  end

  always_ff @(posedge clk) begin
    if (p_fire && rsp_now) begin
      rsp_state    <= st.st;
      rsp_why      <= st.why;
      rsp_prod     <= st.prod;
      rsp_idx_nxt  <= idx_nxt;
      rsp_una      <= st.una;
      rsp_nxt      <= st.nxt;
      rsp_credit   <= st.credit;
      rsp_tx_pkts  <= st.tx_pkts;
      rsp_retx     <= st.retx;
      rsp_timeouts <= st.timeouts;
    end
  end

  /* verilator lint_off UNUSEDSIGNAL */
  logic [20:0] unused_free;   // only the fetch FIFO's fill level is used (SCHED gating)
  assign unused_free    = {f_free[1:0], r_free, c_free, t_free, x_free, pr_free, 1'b0};
  /* verilator lint_on UNUSEDSIGNAL */

endmodule

`default_nettype wire
