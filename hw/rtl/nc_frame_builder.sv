// nc_frame_builder: prepends the 86-byte NetChannel header stack to a payload stream.
//
// s_hdr carries the header fields; the builder writes every const and computed field itself
// (EtherType, IPv4 version/IHL/lengths/flags/fragment offset/protocol/checksum, UDP destination
// port/length/checksum, CTH version/reserved, NetChannel doff_ver) and copies the others. The IPv4 and
// UDP lengths count the ICRC trailer (NC_ICRC_BYTES) that nc_icrc_append adds after the payload.
// Payload convention: nc.len == 0 consumes no payload transfer; otherwise payload beats are consumed
// up to s_axis_tlast. The first payload beat may start at any byte lane (tkeep contiguous from lane
// off), later beats start at lane 0. The output frame is header + payload, packed, last tkeep exact.
// If the payload byte count differs from nc.len the frame still ends at the payload's tlast but
// m_axis_tuser is set at tlast and err_len_mismatch pulses; payload s_axis_tuser at tlast also marks
// the frame bad.
//
// Pipeline: s_hdr -> [fill fields, sum IPv4 words] -> [fold checksum] -> output FSM. The next header
// is always ready before the current frame ends, so back-to-back frames leave no idle cycle.
// Output beat 0 is header bytes 0..63; beat 1 is header bytes 64..85 plus the first payload bytes;
// the payload is shifted by a per-frame byte amount with a one-beat carry register.
`default_nettype none

module nc_frame_builder
  import nc_pkg::*;
(
  input  wire           clk,
  input  wire           rst,

  input  wire nc_frame_hdr_t s_hdr,
  input  wire           s_hdr_valid,
  output logic          s_hdr_ready,

  input  wire [511:0]   s_axis_tdata,
  input  wire [63:0]    s_axis_tkeep,
  input  wire           s_axis_tvalid,
  output logic          s_axis_tready,
  input  wire           s_axis_tlast,
  input  wire           s_axis_tuser,

  output logic [511:0]  m_axis_tdata,
  output logic [63:0]   m_axis_tkeep,
  output logic          m_axis_tvalid,
  input  wire           m_axis_tready,
  output logic          m_axis_tlast,
  output logic          m_axis_tuser,

  output logic          err_len_mismatch   // one-cycle pulse with the tlast beat of a length-mismatch frame
);

  localparam int HDR_HI_BYTES = NC_FRAME_HDR_BYTES - 64;  // header bytes in output beat 1 (22)
  localparam logic [63:0] HDR_HI_KEEP = {{(64-HDR_HI_BYTES){1'b0}}, {HDR_HI_BYTES{1'b1}}};

  initial begin
    if (NC_AXIS_DATA_BYTES != 64) $fatal(1, "nc_frame_builder: only a 64-byte datapath is supported");
    if (NC_FRAME_HDR_BYTES <= 64 || NC_FRAME_HDR_BYTES > 128) $fatal(1, "nc_frame_builder: header must span 2 beats");
  end


  // ---------------------------------------------------------------- header stage 1: fill + sum
  nc_frame_hdr_t hdr_fill;
  logic [19:0]   hdr_fill_sum;

  always_comb begin
    hdr_fill                  = s_hdr;
    hdr_fill.eth.ethertype    = NC_ETHERTYPE_IPV4;
    hdr_fill.ipv4.version     = NC_IPV4_VERSION;
    hdr_fill.ipv4.ihl         = NC_IPV4_IHL;
    hdr_fill.ipv4.total_len   = 16'(NC_IPV4_BYTES + NC_UDP_BYTES + NC_CTH_BYTES + NC_NC_BYTES + NC_ICRC_BYTES) + s_hdr.nc.len;
    hdr_fill.ipv4.flags       = NC_IPV4_FLAG_DF;
    hdr_fill.ipv4.frag_off    = '0;
    hdr_fill.ipv4.protocol    = NC_IPV4_PROTO_UDP;
    hdr_fill.ipv4.checksum    = '0;
    hdr_fill.udp.dst_port     = NC_UDP_PORT;
    hdr_fill.udp.length       = 16'(NC_UDP_BYTES + NC_CTH_BYTES + NC_NC_BYTES + NC_ICRC_BYTES) + s_hdr.nc.len;
    hdr_fill.udp.checksum     = '0;
    hdr_fill.cth.version      = NC_CTH_VERSION;
    hdr_fill.cth.rsvd         = '0;
    hdr_fill.nc.doff_ver      = NC_NC_DOFF_VER;
    hdr_fill_sum = '0;
    for (int i = 0; i < NC_IPV4_BYTES / 2; i++) begin
      hdr_fill_sum = hdr_fill_sum + 20'(hdr_fill.ipv4[16*i +: 16]);
    end
  end

  nc_frame_hdr_t h1_reg;
  logic [19:0]   h1_sum_reg;
  logic          h1_valid_reg, h1_ready;

  logic [687:0]  h2_lanes_reg;
  logic [15:0]   h2_len_reg;
  logic          h2_valid_reg, h2_ready;

  logic [16:0]   h1_fold1;
  logic [15:0]   h1_fold2;
  nc_frame_hdr_t h1_final;

  // ---------------------------------------------------------------- header stage 2: fold checksum
  always_comb begin
    h1_fold1 = 17'(h1_sum_reg[15:0]) + 17'(h1_sum_reg[19:16]);
    h1_fold2 = h1_fold1[15:0] + 16'(h1_fold1[16]);
    h1_final = h1_reg;
    h1_final.ipv4.checksum = ~h1_fold2;
  end

  assign h1_ready    = !h2_valid_reg || h2_ready;
  assign s_hdr_ready = !h1_valid_reg || h1_ready;

  always_ff @(posedge clk) begin
    if (s_hdr_ready) h1_valid_reg <= s_hdr_valid;
    if (h1_ready) h2_valid_reg <= h1_valid_reg;
    if (rst) begin
      h1_valid_reg <= 1'b0;
      h2_valid_reg <= 1'b0;
    end
  end

  always_ff @(posedge clk) begin
    if (s_hdr_ready && s_hdr_valid) begin
      h1_reg     <= hdr_fill;
      h1_sum_reg <= hdr_fill_sum;
    end
    if (h1_ready && h1_valid_reg) begin
      h2_lanes_reg <= nc_frame_hdr_to_lanes(h1_final);
      h2_len_reg   <= h1_reg.nc.len;
    end
  end

  // ---------------------------------------------------------------- payload input register slice
  logic [511:0] p_data;
  logic [63:0]  p_keep;
  logic         p_valid, p_ready, p_last, p_user;

  nc_axis_skid #(
    .DATA_W(512),
    .KEEP_W(64),
    .USER_W(1)
  ) u_pay_skid (
    .clk           (clk),
    .rst           (rst),
    .s_axis_tdata  (s_axis_tdata),
    .s_axis_tkeep  (s_axis_tkeep),
    .s_axis_tvalid (s_axis_tvalid),
    .s_axis_tready (s_axis_tready),
    .s_axis_tlast  (s_axis_tlast),
    .s_axis_tuser  (s_axis_tuser),
    .m_axis_tdata  (p_data),
    .m_axis_tkeep  (p_keep),
    .m_axis_tvalid (p_valid),
    .m_axis_tready (p_ready),
    .m_axis_tlast  (p_last),
    .m_axis_tuser  (p_user)
  );

  // first set lane of the payload beat (its offset); 0 when tkeep is empty: the count of the clear lanes
  // below the lowest set one
  logic [6:0] p_off;
  always_comb p_off = (p_keep == 64'd0) ? 7'd0 : 7'($countones((p_keep & (~p_keep + 64'd1)) - 64'd1));

  // ---------------------------------------------------------------- output FSM
  typedef enum logic [1:0] {
    ST_HDR0,   // emit header bytes 0..63 (waits for a header and, if nc.len != 0, the first payload beat)
    ST_HDR1,   // emit header bytes 64..85 + first payload bytes
    ST_BODY,   // emit shifted payload
    ST_FLUSH   // emit the carried remainder of the last payload beat
  } state_e;

  state_e        state_reg;
  logic [175:0]  hdr_hi_reg;        // header bytes 64..85 in lane order
  logic [15:0]   len_reg;           // nc.len of the current frame
  logic [31:0]   cnt_reg;           // payload bytes consumed so far
  logic          nopay_reg;         // nc.len == 0: no payload transfer
  logic          flush_hdr1_reg;    // the only payload beat was consumed in ST_HDR0: ST_HDR1 flushes
  logic          bad_reg;           // pending flush beat ends a bad frame
  logic          mismatch_reg;      // pending flush beat ends a length-mismatch frame
  logic [6:0]    shift_reg;         // {payload, carry} >> shift_reg bytes gives the output beat (1..64)
  logic [511:0]  carry_data_reg;
  logic [63:0]   carry_keep_reg;

  logic          out_load;
  logic [127:0]  sh_keep_full;
  logic [63:0]   fl_keep;
  logic [31:0]   cnt_next;
  logic [15:0]   len_cur;
  logic          len_bad_next;
  logic          rem_next;          // the current payload beat leaves bytes for a flush beat

  assign out_load     = !m_axis_tvalid || m_axis_tready;
  // the shifted keeps are only used after the header's first beat (computed only then); the shifted
  // data (a 1024-bit variable shift, not free in simulation) is formed in the output register's load
  // below, so it is evaluated only for a beat that is loaded (o_sel says which data that is)
  always_comb begin
    if (state_reg != ST_HDR0) begin
      sh_keep_full = {p_keep, carry_keep_reg} >> shift_reg;
      fl_keep      = 64'({64'd0, carry_keep_reg} >> shift_reg);
    end else begin
      sh_keep_full = '0;
      fl_keep      = '0;
    end
  end
  // in ST_HDR0 the consumed beat is the first one of the new frame
  logic [6:0] p_bytes;
  always_comb p_bytes = 7'($countones(p_keep));
  assign cnt_next     = ((state_reg == ST_HDR0) ? 32'd0 : cnt_reg) + {25'd0, p_bytes};
  assign len_cur      = (state_reg == ST_HDR0) ? h2_len_reg : len_reg;
  assign len_bad_next = cnt_next != 32'(len_cur);
  assign rem_next     = |sh_keep_full[127:64];

  state_e        state_next;
  logic          h2_pop;
  logic          p_pop;
  logic          o_load;
  typedef enum logic [1:0] {
    OSEL_HDR,   // header bytes 0..63
    OSEL_SH,    // {payload, carry} >> shift
    OSEL_FL     // carry >> shift (flush)
  } osel_e;
  osel_e         o_sel;             // the output beat's data
  logic          o_hdr_hi;          // with header bytes 64..85 in lanes 0..21
  logic [63:0]   o_keep;
  logic          o_last, o_user, o_err;

  always_comb begin
    state_next = state_reg;
    h2_pop     = 1'b0;
    p_pop      = 1'b0;
    o_load     = 1'b0;
    o_sel      = OSEL_SH;
    o_hdr_hi   = 1'b0;
    o_keep     = sh_keep_full[63:0];
    o_last     = 1'b0;
    o_user     = 1'b0;
    o_err      = 1'b0;

    unique case (state_reg)
      ST_HDR0: begin
        o_sel  = OSEL_HDR;
        o_keep = '1;
        if (out_load && h2_valid_reg && (h2_len_reg == '0 || p_valid)) begin
          o_load     = 1'b1;
          h2_pop     = 1'b1;
          // offset >= 23: the first payload beat contributes to beat 1 only through the carry
          p_pop      = (h2_len_reg != '0) && (p_off >= 7'(HDR_HI_BYTES + 1));
          state_next = ST_HDR1;
        end
      end
      ST_HDR1, ST_BODY: begin
        if (state_reg == ST_HDR1 && (nopay_reg || flush_hdr1_reg)) begin
          o_sel  = OSEL_FL;
          o_keep = fl_keep;
          o_last = 1'b1;
          o_user = bad_reg && !nopay_reg;
          o_err  = mismatch_reg && !nopay_reg;
          if (out_load) begin
            o_load     = 1'b1;
            state_next = ST_HDR0;
          end
        end else begin
          o_last = p_last && !rem_next;
          o_user = p_last && !rem_next && (len_bad_next || p_user);
          o_err  = p_last && !rem_next && len_bad_next;
          if (out_load && p_valid) begin
            o_load     = 1'b1;
            p_pop      = 1'b1;
            state_next = !p_last ? ST_BODY : (rem_next ? ST_FLUSH : ST_HDR0);
          end
        end
        if (state_reg == ST_HDR1) begin
          o_hdr_hi = 1'b1;
          o_keep = o_keep | HDR_HI_KEEP;
          if (nopay_reg) o_keep = HDR_HI_KEEP;
        end
      end
      ST_FLUSH: begin
        o_sel  = OSEL_FL;
        o_keep = fl_keep;
        o_last = 1'b1;
        o_user = bad_reg;
        o_err  = mismatch_reg;
        if (out_load) begin
          o_load     = 1'b1;
          state_next = ST_HDR0;
        end
      end
      default: begin
        state_next = ST_HDR0;
      end
    endcase
  end

  assign h2_ready = h2_pop;
  assign p_ready  = p_pop;

  // control state
  always_ff @(posedge clk) begin
    state_reg <= state_next;
    if (out_load) m_axis_tvalid <= o_load;
    err_len_mismatch <= o_load && o_last && o_err;
    if (rst) begin
      state_reg        <= ST_HDR0;
      m_axis_tvalid    <= 1'b0;
      err_len_mismatch <= 1'b0;
    end
  end

  // datapath
  always_ff @(posedge clk) begin
    if (o_load) begin
      logic [511:0] o_data;
      unique case (o_sel)
        OSEL_HDR: o_data = h2_lanes_reg[511:0];
        OSEL_SH:  o_data = 512'({p_data, carry_data_reg} >> {shift_reg, 3'b000});
        default:  o_data = 512'({512'd0, carry_data_reg} >> {shift_reg, 3'b000});
      endcase
      if (o_hdr_hi) o_data[8*HDR_HI_BYTES-1:0] = hdr_hi_reg;
      m_axis_tdata <= o_data;
      m_axis_tkeep <= o_keep;
      m_axis_tlast <= o_last;
      m_axis_tuser <= o_user;
    end
    if (p_pop) begin
      carry_data_reg <= p_data;
      carry_keep_reg <= p_keep;
      cnt_reg        <= cnt_next;
      bad_reg        <= len_bad_next || p_user;
      mismatch_reg   <= len_bad_next;
    end
    if (state_reg == ST_HDR0 && o_load) begin
      hdr_hi_reg     <= h2_lanes_reg[687:512];
      len_reg        <= h2_len_reg;
      nopay_reg      <= (h2_len_reg == '0);
      flush_hdr1_reg <= p_pop && p_last;
      if (!p_pop) begin
        cnt_reg        <= '0;
        carry_keep_reg <= '0;
      end
      // beat 1 lane m takes payload byte m - 86 + off
      shift_reg <= (p_off >= 7'(HDR_HI_BYTES + 1)) ? (p_off - 7'(HDR_HI_BYTES)) : (p_off + 7'(64 - HDR_HI_BYTES));
    end
  end

endmodule

`default_nettype wire
