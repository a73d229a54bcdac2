// nc_icrc_append: appends the invariant CRC (ICRC) trailer to every frame of a stream.
//
// The ICRC is CRC-32 (IEEE 802.3 / zlib) over frame bytes [START, end of frame) — from the channel
// transport header to the end of the payload — written as ICRC_BYTES (4) bytes after the last byte,
// least significant byte first (as Ethernet's FCS and RoCEv2's ICRC). The frame's length fields already
// count the trailer (the builder adds it), so the frame stays valid UDP.
//
// The CRC runs one beat per clock as the frame streams (nc_crc32_pkg): every beat is folded into the
// register as it enters, with its unused lanes as zeros; the last beat's zero lanes are removed again
// (crc32_unzero, two pipeline stages). Beats pass through three registers (A, B, C) so the trailer is
// known when the last beat reaches C. A last beat with more than 60 bytes spills the trailer into one
// extra beat; the input then waits one cycle. Otherwise one beat per clock, back to back, every size.
// tuser passes through (at the frame's new last beat).
`default_nettype none

module nc_icrc_append
  import nc_crc32_pkg::*;
#(
  parameter int START = 42     // first byte the ICRC covers (Ethernet 14 + IPv4 20 + UDP 8)
) (
  input  wire          clk,
  input  wire          rst,

  input  wire [511:0]  s_axis_tdata,
  input  wire [63:0]   s_axis_tkeep,   // contiguous from lane 0 (from the first lane on every beat)
  input  wire          s_axis_tvalid,
  output logic         s_axis_tready,
  input  wire          s_axis_tlast,
  input  wire          s_axis_tuser,

  output logic [511:0] m_axis_tdata,
  output logic [63:0]  m_axis_tkeep,
  output logic         m_axis_tvalid,
  input  wire          m_axis_tready,
  output logic         m_axis_tlast,
  output logic         m_axis_tuser
);

  localparam int TRAILER = 4;

  initial begin
    if (START < 0 || START + TRAILER > 64) $fatal(1, "nc_icrc_append: START must leave 4 covered bytes in beat 0");
  end

  // ---------------------------------------------------------------- input: fold the beat into the register
  logic         adv, in_frame_reg;
  logic [31:0]  crc_reg;
  logic [511:0] masked;

  function automatic logic [511:0] lanes(input logic [63:0] keep);
    logic [511:0] m;
    for (int i = 0; i < 64; i++) m[8*i +: 8] = {8{keep[i]}};
    return m;
  endfunction

  // the covered bytes of the beat, unused lanes zero; in the first beat the lanes before START are zero
  // and the first four covered bytes inverted (the register's initial value 0xFFFFFFFF)
  always_comb begin
    masked = '0;
    if (s_axis_tvalid && s_axis_tready) begin
      masked = s_axis_tdata;
      if (!in_frame_reg) begin
        masked[8*START-1:0] = '0;
        masked[8*START +: 8*TRAILER] = ~masked[8*START +: 8*TRAILER];
      end
      masked = masked & lanes(s_axis_tkeep);
    end
  end

  assign s_axis_tready = adv;

  // ---------------------------------------------------------------- pipeline A -> B -> C
  logic         a_valid, a_last, a_user, b_valid, b_last, b_user, c_valid, c_last, c_user;
  logic [511:0] a_data, b_data, c_data;
  logic [63:0]  a_keep, b_keep, c_keep;
  logic [2:0]   b_khi;
  logic [31:0]  b_lo, c_crc;
  logic [6:0]   a_n, c_n;
  logic [5:0]   a_k;

  assign a_n = 7'($countones(a_keep));
  assign a_k = 6'(7'd64 - a_n);            // zero lanes of the last beat (64 - 64 = 0)

  always_ff @(posedge clk) begin
    if (adv) begin
      a_valid <= s_axis_tvalid;
      b_valid <= a_valid;
      c_valid <= b_valid;
      if (s_axis_tvalid) begin
        in_frame_reg <= !s_axis_tlast;
        crc_reg      <= crc32_beat(in_frame_reg ? crc_reg : 32'd0, masked);
      end
    end
    if (rst) begin
      a_valid      <= 1'b0;
      b_valid      <= 1'b0;
      c_valid      <= 1'b0;
      in_frame_reg <= 1'b0;
      crc_reg      <= '0;
    end
  end

  always_ff @(posedge clk) begin
    if (adv) begin
      if (s_axis_tvalid) begin
        a_data <= s_axis_tdata;
        a_keep <= s_axis_tkeep;
        a_last <= s_axis_tlast;
        a_user <= s_axis_tuser;
      end
      if (a_valid) begin
        b_data <= a_data;
        b_keep <= a_keep;
        b_last <= a_last;
        b_user <= a_user;
        if (a_last) begin
          b_lo  <= crc32_unzero_lo(crc_reg, a_k[2:0]);
          b_khi <= a_k[5:3];
        end
      end
      if (b_valid) begin
        c_data <= b_data;
        c_keep <= b_keep;
        c_last <= b_last;
        c_user <= b_user;
        if (b_last) c_crc <= ~crc32_unzero_hi(b_lo, b_khi);
      end
    end
  end

  // ---------------------------------------------------------------- output: patch the trailer in
  logic         spill_reg, c_spills, fire, c_done;
  logic [511:0] patched, spill_data;
  logic [63:0]  patched_keep, spill_keep;
  logic [6:0]   lane_j;

  assign c_n      = 7'($countones(c_keep));
  assign c_spills = c_valid && c_last && (c_n > 7'(64 - TRAILER));

  // lane L of the last beat takes trailer byte L - n; lane L of the spill beat takes byte 64 - n + L
  always_comb begin
    patched      = c_data;
    patched_keep = c_keep;
    spill_data   = '0;
    spill_keep   = '0;
    lane_j       = '0;
    if (c_valid && c_last) begin
      for (int l = 0; l < 64; l++) begin
        lane_j = 7'(l) - c_n;
        if (7'(l) >= c_n && lane_j < 7'(TRAILER)) begin
          patched[8*l +: 8] = c_crc[8*lane_j[1:0] +: 8];
          patched_keep[l]   = 1'b1;
        end
      end
      for (int l = 0; l < TRAILER; l++) begin
        lane_j = 7'(64 + l) - c_n;
        if (lane_j < 7'(TRAILER)) begin
          spill_data[8*l +: 8] = c_crc[8*lane_j[1:0] +: 8];
          spill_keep[l]        = 1'b1;
        end
      end
    end
  end

  assign m_axis_tvalid = c_valid;
  assign m_axis_tdata  = spill_reg ? spill_data : patched;
  assign m_axis_tkeep  = spill_reg ? spill_keep : patched_keep;
  assign m_axis_tlast  = c_last && (spill_reg || !c_spills);
  assign m_axis_tuser  = c_user && (spill_reg || !c_spills);

  assign fire   = c_valid && m_axis_tready;
  assign c_done = fire && (!c_spills || spill_reg);
  assign adv    = !c_valid || c_done;

  always_ff @(posedge clk) begin
    if (fire && c_spills && !spill_reg) spill_reg <= 1'b1;
    else if (c_done) spill_reg <= 1'b0;
    if (rst) spill_reg <= 1'b0;
  end

`ifndef SYNTHESIS
  // an output beat that was offered is held until taken
  logic         hold_valid_reg;
  logic [511:0] hold_data_reg;
  logic [63:0]  hold_keep_reg;
  logic         hold_last_reg;
  always_ff @(posedge clk) begin
    hold_valid_reg <= !rst && m_axis_tvalid && !m_axis_tready;
    hold_data_reg  <= m_axis_tdata;
    hold_keep_reg  <= m_axis_tkeep;
    hold_last_reg  <= m_axis_tlast;
    if (hold_valid_reg && !rst && !(m_axis_tvalid && m_axis_tdata == hold_data_reg &&
        m_axis_tkeep == hold_keep_reg && m_axis_tlast == hold_last_reg))
      $error("nc_icrc_append: output beat changed while not taken");
  end
`endif

endmodule

`default_nettype wire
