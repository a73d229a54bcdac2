// nc_testdev: libncsim's own test fixture. It has exactly nc_nic's parameters and ports
// (docs/device-interface.md), so build/sim/libncsim_testdev.so is libncsim with this module in place of
// nc_nic, and the simulator (MMIO, DMA, link, interrupts, pcap, waveforms) can be tested without the NIC.
// Simulation only; not part of the synthesizable RTL. Register map: tests/sim/README.md.
//
//  - MMIO: 32-bit registers; a read is answered 1 + RD_DELAY cycles after it is accepted, and mmio_ready
//    is low while a read is pending (so the host side sees back-pressure).
//  - Transmit: TX_CMD reads TX_LEN bytes at TX_ADDR by DMA, in requests of TX_CHUNK bytes (several
//    outstanding, at most 256), merges the responses by address into a line buffer, and sends the bytes as
//    one frame on m_axis_tx (lane 0 aligned). A refused read (err) cancels the frame.
//  - Receive: every good frame (tuser = 0 at tlast) is DMA-written to slot i of a receive area at
//    RX_BASE + i * RX_STRIDE + RX_OFFSET (any byte alignment: data is rotated onto the address lanes), then
//    an 8-byte record {len[15:0], seq[15:0], 0, 0, 0, 0x80} to RX_CPL + 8 i; when both writes are done, the
//    RX interrupt fires. Frames with tuser = 1 (bad FCS) are dropped and counted.
//  - VIOL: commands that break the DMA/MMIO rules on purpose, to test libncsim's protocol checks.
`default_nettype none

module nc_testdev #(
  parameter int          CHANNELS     = 1024,  // unused; nc_nic's parameter list
  parameter int          EVENT_QUEUES = 8,     // unused; nc_nic's parameter list
  parameter logic [31:0] BUILD_ID     = '0     // reported in ID_BUILD
) (
  input  wire          clk, rst,
  input  wire          mmio_valid,   output logic         mmio_ready,
  input  wire          mmio_write,   input  wire [15:0]   mmio_addr,   input wire [31:0] mmio_wdata,
  output logic         mmio_rd_valid, output logic [31:0] mmio_rd_data,
  output logic         dma_rd_req_valid, input wire dma_rd_req_ready,
  output logic [63:0]  dma_rd_req_addr,  output logic [15:0] dma_rd_req_len,
  output logic [7:0]   dma_rd_req_tag,
  input  wire          dma_rd_rsp_valid, output logic dma_rd_rsp_ready,
  input  wire [511:0]  dma_rd_rsp_data,  input wire [63:0] dma_rd_rsp_keep,
  input  wire          dma_rd_rsp_last,  input wire [7:0]  dma_rd_rsp_tag,
  input  wire          dma_rd_rsp_err,
  output logic         dma_wr_valid,     input wire dma_wr_ready,
  output logic [63:0]  dma_wr_addr,
  output logic [511:0] dma_wr_data,      output logic [63:0] dma_wr_keep,
  output logic         dma_wr_last,      output logic [7:0]  dma_wr_tag,
  input  wire          dma_wr_done_valid, input wire [7:0] dma_wr_done_tag, input wire dma_wr_done_err,
  output logic [511:0] m_axis_tx_tdata, output logic [63:0] m_axis_tx_tkeep,
  output logic m_axis_tx_tvalid, input wire m_axis_tx_tready, output logic m_axis_tx_tlast, output logic m_axis_tx_tuser,
  input  wire  [511:0] s_axis_rx_tdata, input wire [63:0] s_axis_rx_tkeep,
  input  wire  s_axis_rx_tvalid, output logic s_axis_rx_tready, input wire s_axis_rx_tlast, input wire s_axis_rx_tuser,
  output logic         irq_valid, output logic [7:0] irq_vector
);

  // ---- register map (byte addresses) ----------------------------------------------------------
  localparam logic [15:0] R_ID_MAGIC   = 16'h0000;  // ro 'NCTD'
  localparam logic [15:0] R_ID_VERSION = 16'h0004;  // ro 1
  localparam logic [15:0] R_ID_BUILD   = 16'h0008;  // ro BUILD_ID
  localparam logic [15:0] R_SCRATCH0   = 16'h0010;  // rw, 4 registers 0x10..0x1C
  localparam logic [15:0] R_CYCLE_LO   = 16'h0020;  // ro cycles since reset; reading LO snapshots HI
  localparam logic [15:0] R_CYCLE_HI   = 16'h0024;
  localparam logic [15:0] R_RD_DELAY   = 16'h0028;  // rw [7:0] extra cycles before a read is answered
  localparam logic [15:0] R_IRQ_FIRE   = 16'h0030;  // wo [7:0] vector: one interrupt now
  localparam logic [15:0] R_TX_ADDR_LO = 16'h0040;  // rw
  localparam logic [15:0] R_TX_ADDR_HI = 16'h0044;  // rw
  localparam logic [15:0] R_TX_LEN     = 16'h0048;  // rw [15:0] bytes, 1..16384
  localparam logic [15:0] R_TX_CHUNK   = 16'h004C;  // rw [15:0] bytes per read request (0 = 16384)
  localparam logic [15:0] R_TX_CMD     = 16'h0050;  // wo [0] send, [8] end the frame with tuser = 1
  localparam logic [15:0] R_TX_STATUS  = 16'h0054;  // ro [0] busy, [1] read refused, [2] bad length, [3] tag mismatch (sticky)
  localparam logic [15:0] R_TX_FRAMES  = 16'h0058;  // ro frames sent
  localparam logic [15:0] R_TX_IRQ     = 16'h005C;  // rw [7:0] vector, [8] enable: interrupt when a TX_CMD finished
  localparam logic [15:0] R_RX_BASE_LO = 16'h0060;  // rw
  localparam logic [15:0] R_RX_BASE_HI = 16'h0064;  // rw
  localparam logic [15:0] R_RX_STRIDE  = 16'h0068;  // rw bytes between slots
  localparam logic [15:0] R_RX_SLOTS   = 16'h006C;  // rw [15:0] slots (0: receive nothing)
  localparam logic [15:0] R_RX_OFFSET  = 16'h0070;  // rw [15:0] offset of the frame in a slot
  localparam logic [15:0] R_RX_CPL_LO  = 16'h0074;  // rw record array base (8-byte aligned)
  localparam logic [15:0] R_RX_CPL_HI  = 16'h0078;  // rw
  localparam logic [15:0] R_RX_CTRL    = 16'h007C;  // rw [0] enable, [15:8] interrupt vector, [16] interrupt enable
  localparam logic [15:0] R_RX_FRAMES  = 16'h0080;  // ro frames written and recorded
  localparam logic [15:0] R_RX_BAD_FCS = 16'h0084;  // ro frames dropped for tuser = 1
  localparam logic [15:0] R_RX_DMA_ERR = 16'h0088;  // ro write bursts acknowledged with err
  localparam logic [15:0] R_RX_NO_BUF  = 16'h008C;  // ro good frames dropped (receive disabled or longer than 16384)
  localparam logic [15:0] R_RX_IDX     = 16'h0090;  // ro next slot
  localparam logic [15:0] R_VIOL       = 16'h00A0;  // wo 1: one read of TX_LEN bytes at TX_ADDR, unchecked
                                                    //    2: a 2-beat write burst whose address changes
                                                    //    3: 300 reads of 64 bytes at TX_ADDR back to back
                                                    //    4: an unsolicited mmio_rd_valid
                                                    //    7: $fatal (the simulator must survive it)
  localparam logic [15:0] R_VIOL_RSP   = 16'h00A4;  // ro [15:0] read responses (last beats) the VIOL reads got, [31:16] of them with err
  localparam logic [15:0] R_VIOL_DONE  = 16'h00A8;  // ro [15:0] write dones the VIOL writes got, [31:16] of them with err
  localparam logic [15:0] R_BUSY       = 16'h00AC;  // ro [0] TX busy, [1] RX writing, [2] VIOL busy, [3] RX frame partly received

  localparam logic [31:0] MAGIC = 32'h4E435444;  // 'NCTD'
  localparam int LINES = 512;                    // line buffer: 16384 bytes + misalignment fit in 257 lines

  // ---- helpers --------------------------------------------------------------------------------
  function automatic logic [6:0] keep_bytes(input logic [63:0] k);  // highest set lane + 1 (contiguous keep)
    logic [6:0] n;
    n = 7'd0;
    for (int i = 0; i < 64; i++) if (k[i]) n = 7'(i + 1);
    return n;
  endfunction

  // Lane-wise byte mask of a keep vector.
  function automatic logic [511:0] keep_mask(input logic [63:0] k);
    logic [511:0] m;
    for (int i = 0; i < 64; i++) m[i*8 +: 8] = {8{k[i]}};
    return m;
  endfunction

  // Bytes [s, s + 64) of the 128-byte pair {hi, lo} (lo first).
  function automatic logic [511:0] pair_down(input logic [511:0] hi, input logic [511:0] lo, input logic [5:0] sh);
    return (lo >> {sh, 3'b000}) | (hi << (10'd512 - {1'b0, sh, 3'b000}));  // a shift by 512 gives 0
  endfunction

  // Bytes [64 - s, 128 - s) of the pair {hi, lo}: hi moved up by s lanes, the top s lanes of lo below.
  function automatic logic [511:0] pair_up(input logic [511:0] hi, input logic [511:0] lo, input logic [5:0] sh);
    return (hi << {sh, 3'b000}) | (lo >> (10'd512 - {1'b0, sh, 3'b000}));
  endfunction

  function automatic logic [63:0] lanes_from(input logic [5:0] lo);  // lanes lo..63
    return ~64'd0 << lo;
  endfunction

  function automatic logic [63:0] lanes_upto(input logic [5:0] hi);  // lanes 0..hi
    return ~64'd0 >> (6'd63 - hi);
  endfunction

  // ---- state ------------------------------------------------------------------------------------
  logic [31:0] scratch [4];
  logic [63:0] cycle_cnt;
  logic [31:0] cycle_hi_snap;
  logic [7:0]  rd_delay;

  logic        rd_busy;
  logic [7:0]  rd_cnt;
  logic [31:0] rd_data;
  logic        rd_valid_q;
  logic        unsolicited;

  logic [7:0]  fire_vec;
  logic        fire_pend, tx_irq_pend, rx_irq_pend;

  // transmit
  typedef enum logic [1:0] {T_IDLE, T_READ, T_SEND, T_DONE} tx_state_t;
  tx_state_t   tx_state;
  logic [63:0] tx_addr;
  logic [15:0] tx_len, tx_chunk;
  logic        tx_abort, tx_err, tx_badlen, tx_tagerr;
  logic [31:0] tx_frames;
  logic [8:0]  tx_irq_cfg;
  logic [63:0] req_addr;         // next request
  logic [16:0] req_left;         // bytes not yet requested
  logic [7:0]  req_tag;
  logic [8:0]  rd_outstanding;   // requests issued, last beat not yet received (TX and VIOL)
  logic [63:0] rsp_addr;         // next byte the responses carry
  logic [63:0] rsp_chunk_end;    // end of the request being answered
  logic [63:0] tx_end;           // tx_addr + tx_len
  logic [7:0]  rsp_tag;
  logic [511:0] tx_ram [LINES];
  logic [8:0]  tx_j, tx_nbeats;
  logic [511:0] tx_data_q;
  logic [63:0] tx_keep_q;
  logic        tx_valid_q, tx_last_q, tx_user_q;

  // receive
  typedef enum logic [1:0] {R_RECV, R_WDATA, R_WCPL, R_WAIT} rx_state_t;
  rx_state_t   rx_state;
  logic [63:0] rx_base, rx_cpl;
  logic [31:0] rx_stride;
  logic [15:0] rx_slots, rx_offset, rx_idx, rx_seq;
  logic [16:0] rx_ctrl;
  logic [31:0] rx_frames, rx_bad_fcs, rx_dma_err, rx_no_buf;
  logic [511:0] rx_ram [LINES];
  logic [8:0]  rx_j;             // lines received of the current frame
  logic        rx_overflow;
  logic [14:0] rx_len;
  logic [63:0] rx_dst;
  logic [8:0]  wr_k, wr_nbeats;
  logic [511:0] wr_data_q;
  logic [63:0] wr_keep_q, wr_addr_q;
  logic        wr_valid_q, wr_last_q;
  logic [7:0]  wr_tag;
  logic [8:0]  wr_outstanding;   // write bursts sent, done not yet received
  logic        rx_frame_err;

  // rule breaking
  logic        viol_busy;
  logic [2:0]  viol_kind;
  logic [8:0]  viol_reqs_left;
  logic [1:0]  viol_beats_left;
  logic [15:0] viol_rsp, viol_rsp_err, viol_done, viol_done_err;

  // ---- MMIO -------------------------------------------------------------------------------------
  wire mmio_acc = mmio_valid && mmio_ready;
  wire [15:0] a = mmio_addr;
  assign mmio_ready    = !rd_busy;
  assign mmio_rd_valid = rd_valid_q;
  assign mmio_rd_data  = rd_data;

  function automatic logic [31:0] reg_read(input logic [15:0] ad);
    logic [31:0] v;
    v = 32'h0;
    case (ad)
      R_ID_MAGIC:   v = MAGIC;
      R_ID_VERSION: v = 32'd1;
      R_ID_BUILD:   v = BUILD_ID;
      R_SCRATCH0, R_SCRATCH0 + 16'd4, R_SCRATCH0 + 16'd8, R_SCRATCH0 + 16'd12: v = scratch[ad[3:2]];
      R_CYCLE_LO:   v = cycle_cnt[31:0];
      R_CYCLE_HI:   v = cycle_hi_snap;
      R_RD_DELAY:   v = {24'd0, rd_delay};
      R_TX_ADDR_LO: v = tx_addr[31:0];
      R_TX_ADDR_HI: v = tx_addr[63:32];
      R_TX_LEN:     v = {16'd0, tx_len};
      R_TX_CHUNK:   v = {16'd0, tx_chunk};
      R_TX_STATUS:  v = {28'd0, tx_tagerr, tx_badlen, tx_err, tx_state != T_IDLE};
      R_TX_FRAMES:  v = tx_frames;
      R_TX_IRQ:     v = {23'd0, tx_irq_cfg};
      R_RX_BASE_LO: v = rx_base[31:0];
      R_RX_BASE_HI: v = rx_base[63:32];
      R_RX_STRIDE:  v = rx_stride;
      R_RX_SLOTS:   v = {16'd0, rx_slots};
      R_RX_OFFSET:  v = {16'd0, rx_offset};
      R_RX_CPL_LO:  v = rx_cpl[31:0];
      R_RX_CPL_HI:  v = rx_cpl[63:32];
      R_RX_CTRL:    v = {15'd0, rx_ctrl};
      R_RX_FRAMES:  v = rx_frames;
      R_RX_BAD_FCS: v = rx_bad_fcs;
      R_RX_DMA_ERR: v = rx_dma_err;
      R_RX_NO_BUF:  v = rx_no_buf;
      R_RX_IDX:     v = {16'd0, rx_idx};
      R_VIOL_RSP:   v = {viol_rsp_err, viol_rsp};
      R_VIOL_DONE:  v = {viol_done_err, viol_done};
      R_BUSY:       v = {28'd0, rx_j != 9'd0, viol_busy, rx_state != R_RECV, tx_state != T_IDLE};
      default:      v = 32'h0;
    endcase
    return v;
  endfunction

  // ---- DMA read port: TX requests or VIOL requests ------------------------------------------------
  wire viol_rd = viol_busy && (viol_kind == 3'd1 || viol_kind == 3'd3);
  wire [16:0] chunk_eff = (tx_chunk == 16'd0 || tx_chunk > 16'd16384) ? 17'd16384 : {1'b0, tx_chunk};
  wire [16:0] req_len17 = (req_left < chunk_eff) ? req_left : chunk_eff;
  wire tx_req = tx_state == T_READ && req_left != 17'd0 && rd_outstanding < 9'd256;
  wire vio_req = viol_rd && viol_reqs_left != 9'd0;

  assign dma_rd_req_valid = tx_req || vio_req;
  assign dma_rd_req_addr  = viol_rd ? tx_addr : req_addr;
  assign dma_rd_req_len   = viol_rd ? ((viol_kind == 3'd3) ? 16'd64 : tx_len) : req_len17[15:0];
  assign dma_rd_req_tag   = req_tag;
  assign dma_rd_rsp_ready = 1'b1;
  wire rd_req_acc = dma_rd_req_valid && dma_rd_req_ready;
  wire rd_rsp_acc = dma_rd_rsp_valid;
  wire rd_rsp_end = rd_rsp_acc && dma_rd_rsp_last;

  // ---- DMA write port: RX engine or VIOL writes ---------------------------------------------------
  wire viol_wr = viol_busy && viol_kind == 3'd2 && viol_beats_left != 2'd0;
  assign dma_wr_valid = viol_wr ? 1'b1 : wr_valid_q;
  assign dma_wr_addr  = viol_wr ? (viol_beats_left == 2'd2 ? tx_addr : tx_addr + 64'd64) : wr_addr_q;
  assign dma_wr_data  = viol_wr ? '0 : wr_data_q;
  assign dma_wr_keep  = viol_wr ? (viol_beats_left == 2'd2 ? lanes_from(tx_addr[5:0]) : ~64'd0) : wr_keep_q;
  assign dma_wr_last  = viol_wr ? viol_beats_left == 2'd1 : wr_last_q;
  assign dma_wr_tag   = wr_tag;
  wire wr_acc = dma_wr_valid && dma_wr_ready;

  // ---- MAC ----------------------------------------------------------------------------------------
  assign m_axis_tx_tdata  = tx_data_q;
  assign m_axis_tx_tkeep  = tx_keep_q;
  assign m_axis_tx_tvalid = tx_valid_q;
  assign m_axis_tx_tlast  = tx_last_q;
  assign m_axis_tx_tuser  = tx_user_q;
  assign s_axis_rx_tready = rx_state == R_RECV && !viol_busy;
  wire rx_acc = s_axis_rx_tvalid && s_axis_rx_tready;

  // Transmit beat j: frame bytes [64j, 64j + 64) = line-space bytes [s + 64j, ...), s = tx_addr % 64.
  // Write beat k: destination line k holds frame bytes [64k - s, 64k - s + 64), s = rx_dst % 64.
  // (The wide shifts are only evaluated in the branches that load a beat: Verilator evaluates continuous
  // assignments every cycle, so keeping them out of wires keeps the fixture fast.)
  wire [6:0]    tx_lastb = (tx_len[5:0] == 6'd0) ? 7'd64 : {1'b0, tx_len[5:0]};
  wire          tx_load  = tx_state == T_SEND && tx_j != tx_nbeats && (!tx_valid_q || m_axis_tx_tready);
  wire [5:0]    rx_end   = 6'(rx_dst[5:0] + rx_len[5:0] - 6'd1);  // lane of the last byte
  wire [8:0]    rsp_line = 9'(rsp_addr[14:6] - tx_addr[14:6]);
  function automatic logic [14:0] rx_len_new(input logic [7:0] lines, input logic [63:0] keep);
    return 15'({lines, 6'd0} + {8'd0, keep_bytes(keep)});
  endfunction
  function automatic logic [63:0] rx_dst_new(input logic [63:0] base, input logic [15:0] off,
                                             input logic [15:0] idx, input logic [31:0] stride);
    return base + {48'd0, off} + 64'(idx) * 64'(stride);
  endfunction
  wire [63:0]   cpl_addr = {rx_cpl[63:3], 3'b000} + {45'd0, rx_idx, 3'b000};
  wire [63:0]   cpl_rec  = {8'h80, 24'd0, rx_seq, 1'b0, rx_len};

  wire [63:0] next_line = {rsp_addr[63:6] + 58'd1, 6'd0};

  always_ff @(posedge clk) begin
    // ---- MMIO ----
    rd_valid_q <= 1'b0;
    cycle_cnt  <= cycle_cnt + 64'd1;
    if (rd_busy) begin
      if (rd_cnt == 8'd0) begin
        rd_valid_q <= 1'b1;
        rd_busy    <= 1'b0;
      end else begin
        rd_cnt <= rd_cnt - 8'd1;
      end
    end else if (unsolicited) begin
      rd_valid_q  <= 1'b1;
      rd_data     <= 32'h0BAD0BAD;
      unsolicited <= 1'b0;
    end

    // interrupts: one per cycle, fixed priority
    irq_valid <= 1'b0;
    if (fire_pend) begin
      irq_valid <= 1'b1; irq_vector <= fire_vec; fire_pend <= 1'b0;
    end else if (tx_irq_pend) begin
      irq_valid <= 1'b1; irq_vector <= tx_irq_cfg[7:0]; tx_irq_pend <= 1'b0;
    end else if (rx_irq_pend) begin
      irq_valid <= 1'b1; irq_vector <= rx_ctrl[15:8]; rx_irq_pend <= 1'b0;
    end

    // ---- outstanding counters ----
    rd_outstanding <= rd_outstanding + 9'(rd_req_acc) - 9'(rd_rsp_end);
    wr_outstanding <= wr_outstanding + 9'(wr_acc && dma_wr_last && !viol_wr)
                                     - 9'(dma_wr_done_valid && !(viol_busy && viol_kind == 3'd2));
    if (rd_req_acc) begin
      req_tag <= req_tag + 8'd1;
      if (!viol_rd) begin
        req_addr <= req_addr + {47'd0, req_len17};
        req_left <= req_left - req_len17;
      end
    end

    // ---- transmit ----
    if (rd_rsp_acc && !viol_rd) begin
      if (dma_rd_rsp_tag != rsp_tag) tx_tagerr <= 1'b1;
      if (dma_rd_rsp_err) begin
        tx_err <= 1'b1;
      end else begin
        tx_ram[rsp_line] <= (tx_ram[rsp_line] & ~keep_mask(dma_rd_rsp_keep)) | (dma_rd_rsp_data & keep_mask(dma_rd_rsp_keep));
      end
      if (dma_rd_rsp_last) begin
        rsp_tag       <= rsp_tag + 8'd1;
        rsp_addr      <= rsp_chunk_end;
        rsp_chunk_end <= (tx_end - rsp_chunk_end < {47'd0, chunk_eff}) ? tx_end : rsp_chunk_end + {47'd0, chunk_eff};
      end else begin
        rsp_addr <= (next_line < rsp_chunk_end) ? next_line : rsp_chunk_end;
      end
    end
    case (tx_state)
      T_READ: if (req_left == 17'd0 && rd_outstanding == 9'd0 && !rd_rsp_acc) begin
        tx_state <= tx_err ? T_DONE : T_SEND;
        tx_j     <= 9'd0;
      end
      T_SEND: if (tx_j == tx_nbeats && (!tx_valid_q || (m_axis_tx_tready && tx_last_q))) begin
        tx_state  <= T_DONE;
        tx_frames <= tx_frames + 32'd1;
      end
      T_DONE: begin
        tx_state <= T_IDLE;
        if (tx_irq_cfg[8]) tx_irq_pend <= 1'b1;
      end
      default: ;
    endcase
    if (tx_load) begin
      tx_data_q  <= pair_down(tx_ram[tx_j + 9'd1], tx_ram[tx_j], tx_addr[5:0]);
      tx_keep_q  <= (tx_j == tx_nbeats - 9'd1) ? lanes_upto(6'(tx_lastb - 7'd1)) : ~64'd0;
      tx_last_q  <= tx_j == tx_nbeats - 9'd1;
      tx_user_q  <= tx_abort && tx_j == tx_nbeats - 9'd1;
      tx_valid_q <= 1'b1;
      tx_j       <= tx_j + 9'd1;
    end else if (m_axis_tx_tready) begin
      tx_valid_q <= 1'b0;
    end

    // ---- receive ----
    if (rx_acc) begin
      if (rx_j < 9'd256) rx_ram[rx_j] <= s_axis_rx_tdata;
      else rx_overflow <= 1'b1;
      if (!s_axis_rx_tlast) begin
        if (rx_j != 9'd256) rx_j <= rx_j + 9'd1;
      end else begin
        rx_j        <= 9'd0;
        rx_overflow <= 1'b0;
        rx_len      <= rx_len_new(rx_j[7:0], s_axis_rx_tkeep);
        rx_dst      <= rx_dst_new(rx_base, rx_offset, rx_idx, rx_stride);
        wr_nbeats   <= 9'((17'(rx_dst_new(rx_base, rx_offset, rx_idx, rx_stride) & 64'h3F)
                           + 17'(rx_len_new(rx_j[7:0], s_axis_rx_tkeep)) + 17'd63) >> 6);
        if (s_axis_rx_tuser) rx_bad_fcs <= rx_bad_fcs + 32'd1;
        else if (!rx_ctrl[0] || rx_slots == 16'd0 || rx_overflow || rx_j >= 9'd256 || rx_len_new(rx_j[7:0], s_axis_rx_tkeep) == 15'd0) rx_no_buf <= rx_no_buf + 32'd1;
        else begin
          rx_state     <= R_WDATA;
          wr_k         <= 9'd0;
          rx_frame_err <= 1'b0;
        end
      end
    end
    case (rx_state)
      R_WDATA: begin
        if (wr_k != wr_nbeats && (!wr_valid_q || dma_wr_ready)) begin
          wr_data_q  <= pair_up(rx_ram[wr_k], (wr_k == 9'd0) ? '0 : rx_ram[wr_k - 9'd1], rx_dst[5:0]);
          wr_addr_q  <= rx_dst;
          wr_keep_q  <= ((wr_k == 9'd0) ? lanes_from(rx_dst[5:0]) : ~64'd0)
                      & ((wr_k == wr_nbeats - 9'd1) ? lanes_upto(rx_end) : ~64'd0);
          wr_last_q  <= wr_k == wr_nbeats - 9'd1;
          wr_valid_q <= 1'b1;
          wr_k       <= wr_k + 9'd1;
        end else if (wr_valid_q && dma_wr_ready) begin  // the burst's last beat is accepted
          wr_valid_q <= 1'b0;
          rx_state   <= R_WCPL;
        end
      end
      R_WCPL: begin
        wr_valid_q <= 1'b1;
        wr_last_q  <= 1'b1;
        wr_addr_q  <= cpl_addr;
        wr_keep_q  <= 64'hFF << cpl_addr[5:0];
        wr_data_q  <= {448'd0, cpl_rec} << {cpl_addr[5:0], 3'b000};
        rx_state   <= R_WAIT;
      end
      R_WAIT: begin
        if (wr_valid_q) begin
          if (dma_wr_ready) wr_valid_q <= 1'b0;
        end else if (wr_outstanding == 9'd0) begin
          rx_state <= R_RECV;
          if (!rx_frame_err) begin
            rx_frames <= rx_frames + 32'd1;
            rx_seq    <= rx_seq + 16'd1;
            if (rx_ctrl[16]) rx_irq_pend <= 1'b1;
          end
          rx_idx <= (rx_idx + 16'd1 >= rx_slots) ? 16'd0 : rx_idx + 16'd1;
        end
      end
      default: ;
    endcase
    if (wr_acc && !viol_wr && dma_wr_last) wr_tag <= wr_tag + 8'd1;
    if (dma_wr_done_valid && !(viol_busy && viol_kind == 3'd2) && dma_wr_done_err) begin
      rx_dma_err   <= rx_dma_err + 32'd1;
      rx_frame_err <= 1'b1;
    end

    // ---- rule breaking ----
    if (viol_busy) begin
      case (viol_kind)
        3'd1, 3'd3: begin
          if (rd_req_acc) viol_reqs_left <= viol_reqs_left - 9'd1;
          if (rd_rsp_end) begin
            viol_rsp <= viol_rsp + 16'd1;
            if (dma_rd_rsp_err) viol_rsp_err <= viol_rsp_err + 16'd1;
          end
          if (viol_reqs_left == 9'd0 && rd_outstanding == 9'd0 && !rd_rsp_end) viol_busy <= 1'b0;
        end
        3'd2: begin
          if (wr_acc) viol_beats_left <= viol_beats_left - 2'd1;
          if (dma_wr_done_valid) begin
            viol_done <= viol_done + 16'd1;
            if (dma_wr_done_err) viol_done_err <= viol_done_err + 16'd1;
            viol_busy <= 1'b0;
          end
        end
        default: viol_busy <= 1'b0;
      endcase
    end

    // ---- register writes and reads ----
    if (mmio_acc && mmio_write) begin
      case (a)
        R_SCRATCH0, R_SCRATCH0 + 16'd4, R_SCRATCH0 + 16'd8, R_SCRATCH0 + 16'd12: scratch[a[3:2]] <= mmio_wdata;
        R_RD_DELAY:   rd_delay <= mmio_wdata[7:0];
        R_IRQ_FIRE:   begin fire_pend <= 1'b1; fire_vec <= mmio_wdata[7:0]; end
        R_TX_ADDR_LO: tx_addr[31:0]  <= mmio_wdata;
        R_TX_ADDR_HI: tx_addr[63:32] <= mmio_wdata;
        R_TX_LEN:     tx_len   <= mmio_wdata[15:0];
        R_TX_CHUNK:   tx_chunk <= mmio_wdata[15:0];
        R_TX_CMD: if (mmio_wdata[0] && tx_state == T_IDLE && !viol_busy) begin
          tx_abort  <= mmio_wdata[8];
          tx_err    <= 1'b0;
          tx_badlen <= 1'b0;
          if (tx_len == 16'd0 || tx_len > 16'd16384) begin
            tx_badlen <= 1'b1;
            tx_state  <= T_DONE;
          end else begin
            tx_state      <= T_READ;
            req_addr      <= tx_addr;
            req_left      <= {1'b0, tx_len};
            rsp_addr      <= tx_addr;
            tx_end        <= tx_addr + {48'd0, tx_len};
            rsp_chunk_end <= tx_addr + {47'd0, ({1'b0, tx_len} < chunk_eff) ? {1'b0, tx_len} : chunk_eff};
            tx_nbeats     <= 9'((17'(tx_len) + 17'd63) >> 6);
          end
        end
        R_TX_IRQ:     tx_irq_cfg <= mmio_wdata[8:0];
        R_RX_BASE_LO: rx_base[31:0]  <= mmio_wdata;
        R_RX_BASE_HI: rx_base[63:32] <= mmio_wdata;
        R_RX_STRIDE:  rx_stride <= mmio_wdata;
        R_RX_SLOTS:   begin rx_slots <= mmio_wdata[15:0]; rx_idx <= 16'd0; end
        R_RX_OFFSET:  rx_offset <= mmio_wdata[15:0];
        R_RX_CPL_LO:  rx_cpl[31:0]  <= mmio_wdata;
        R_RX_CPL_HI:  rx_cpl[63:32] <= mmio_wdata;
        R_RX_CTRL:    rx_ctrl <= mmio_wdata[16:0];
        R_VIOL: if (tx_state == T_IDLE && rx_state == R_RECV && rx_j == 9'd0 && !viol_busy) begin
          case (mmio_wdata[2:0])
            3'd1: begin viol_busy <= 1'b1; viol_kind <= 3'd1; viol_reqs_left <= 9'd1; end
            3'd2: begin viol_busy <= 1'b1; viol_kind <= 3'd2; viol_beats_left <= 2'd2; end
            3'd3: begin viol_busy <= 1'b1; viol_kind <= 3'd3; viol_reqs_left <= 9'd300; end
            3'd4: unsolicited <= 1'b1;
            3'd7: $fatal(1, "nc_testdev: VIOL 7 asks for a fatal error");
            default: ;
          endcase
        end
        default: ;
      endcase
    end
    if (mmio_acc && !mmio_write) begin
      rd_data <= reg_read(a);
      rd_busy <= 1'b1;
      rd_cnt  <= rd_delay;
      if (a == R_CYCLE_LO) cycle_hi_snap <= cycle_cnt[63:32];
    end

    if (rst) begin
      for (int i = 0; i < 4; i++) scratch[i] <= 32'h0;
      cycle_cnt <= 64'd0; cycle_hi_snap <= 32'h0; rd_delay <= 8'd0;
      rd_busy <= 1'b0; rd_cnt <= 8'd0; rd_data <= 32'h0; rd_valid_q <= 1'b0; unsolicited <= 1'b0;
      irq_valid <= 1'b0; irq_vector <= 8'd0; fire_pend <= 1'b0; fire_vec <= 8'd0;
      tx_irq_pend <= 1'b0; rx_irq_pend <= 1'b0;
      tx_state <= T_IDLE; tx_addr <= 64'd0; tx_len <= 16'd0; tx_chunk <= 16'd0; tx_abort <= 1'b0;
      tx_err <= 1'b0; tx_badlen <= 1'b0; tx_tagerr <= 1'b0; tx_frames <= 32'd0; tx_irq_cfg <= 9'd0;
      req_addr <= 64'd0; req_left <= 17'd0; req_tag <= 8'd0; rd_outstanding <= 9'd0;
      rsp_addr <= 64'd0; rsp_chunk_end <= 64'd0; tx_end <= 64'd0; rsp_tag <= 8'd0;
      tx_j <= 9'd0; tx_nbeats <= 9'd0; tx_valid_q <= 1'b0; tx_last_q <= 1'b0; tx_user_q <= 1'b0;
      tx_keep_q <= 64'd0; tx_data_q <= '0;
      rx_state <= R_RECV; rx_base <= 64'd0; rx_cpl <= 64'd0; rx_stride <= 32'd0; rx_slots <= 16'd0;
      rx_offset <= 16'd0; rx_idx <= 16'd0; rx_seq <= 16'd0; rx_ctrl <= 17'd0;
      rx_frames <= 32'd0; rx_bad_fcs <= 32'd0; rx_dma_err <= 32'd0; rx_no_buf <= 32'd0;
      rx_j <= 9'd0; rx_overflow <= 1'b0; rx_len <= 15'd0; rx_dst <= 64'd0;
      wr_k <= 9'd0; wr_nbeats <= 9'd0; wr_valid_q <= 1'b0; wr_last_q <= 1'b0; wr_tag <= 8'd0;
      wr_outstanding <= 9'd0; rx_frame_err <= 1'b0; wr_keep_q <= 64'd0; wr_addr_q <= 64'd0; wr_data_q <= '0;
      viol_busy <= 1'b0; viol_kind <= 3'd0; viol_reqs_left <= 9'd0; viol_beats_left <= 2'd0;
      viol_rsp <= 16'd0; viol_rsp_err <= 16'd0; viol_done <= 16'd0; viol_done_err <= 16'd0;
    end
  end

  // Inputs the fixture has no use for.
  wire _unused = &{1'b0, dma_wr_done_tag, rsp_addr[5:0]};
  if (CHANNELS < 0 || EVENT_QUEUES < 0) begin : g_unused_params
  end

endmodule

`default_nettype wire
