// nc_icrc_check: checks and removes the invariant CRC (ICRC) trailer of every received frame.
//
// The ICRC (nc_icrc_append) is CRC-32 over frame bytes [START, end - 4) followed by its 4-byte
// little-endian trailer. The CRC register runs over everything from START to the end of the frame,
// trailer included, one beat per clock; a frame is intact exactly when the register ends at the CRC-32
// residue (0xDEBB20E3; the last beat's unused lanes are folded in as zeros and accounted for by
// CRC32_RESIDUE_Z). Nothing about the frame's length fields is trusted: the end is tlast.
//
// Output: the frame without its last 4 bytes, m_axis_icrc_bad at tlast (1: the trailer does not match,
// or the frame is shorter than the trailer), tuser passed through (the MAC's bad-FCS flag, at tlast).
// Beats wait in two registers (A, B): a beat leaves once the next beat of its frame has arrived or it is
// the last, because the trailer may straddle two beats (a last beat of 1..4 bytes is removed and the beat
// before it becomes the last). A frame of 4 bytes or fewer leaves as one beat with tkeep 0 (the parser
// counts it too short). One beat per clock in and out; s_axis_tready only waits for m_axis_tready.
`default_nettype none

module nc_icrc_check
  import nc_crc32_pkg::*;
#(
  parameter int START = 42     // first byte the ICRC covers (Ethernet 14 + IPv4 20 + UDP 8)
) (
  input  wire          clk,
  input  wire          rst,

  input  wire [511:0]  s_axis_tdata,
  input  wire [63:0]   s_axis_tkeep,   // contiguous from lane 0
  input  wire          s_axis_tvalid,
  output logic         s_axis_tready,
  input  wire          s_axis_tlast,
  input  wire          s_axis_tuser,

  output logic [511:0] m_axis_tdata,
  output logic [63:0]  m_axis_tkeep,
  output logic         m_axis_tvalid,
  input  wire          m_axis_tready,
  output logic         m_axis_tlast,
  output logic         m_axis_tuser,
  output logic         m_axis_icrc_bad
);

  localparam int TRAILER = 4;

  initial begin
    if (START < 0 || START + TRAILER > 64) $fatal(1, "nc_icrc_check: START must leave 4 covered bytes in beat 0");
  end

  function automatic logic [511:0] lanes(input logic [63:0] keep);
    logic [511:0] m;
    for (int i = 0; i < 64; i++) m[8*i +: 8] = {8{keep[i]}};
    return m;
  endfunction

  // ---------------------------------------------------------------- input: fold the beat into the register
  logic         take, in_frame_reg;
  logic [31:0]  crc_reg;
  logic [511:0] masked;

  always_comb begin
    masked = '0;
    if (take) begin
      masked = s_axis_tdata;
      if (!in_frame_reg) begin
        masked[8*START-1:0] = '0;
        masked[8*START +: 8*TRAILER] = ~masked[8*START +: 8*TRAILER];
      end
      masked = masked & lanes(s_axis_tkeep);
    end
  end

  // ---------------------------------------------------------------- A (newest beat) and B (the one before)
  logic         a_valid, a_last, a_user, b_valid, b_last, b_user, b_bad;
  logic [511:0] a_data, b_data;
  logic [63:0]  a_keep, b_keep;
  logic [6:0]   a_n;
  logic         a_bad, trim, out_valid, fire, a_move, a_free;

  assign a_n   = 7'($countones(a_keep));
  // with A the last beat the register holds the whole frame (A entered last and nothing since)
  assign a_bad = (a_n == 7'd0) || (crc_reg != CRC32_RESIDUE_Z[6'(7'd64 - a_n)]);

  // B is a full beat and A the frame's last with at most 4 bytes: B ends the frame, A is only trailer
  assign trim      = b_valid && !b_last && a_valid && a_last && (a_n <= 7'(TRAILER));
  assign out_valid = b_valid && (b_last || a_valid);
  assign fire      = out_valid && m_axis_tready;
  assign a_move    = a_valid && !trim && (!b_valid || fire);
  assign a_free    = !a_valid || a_move || (trim && fire);
  assign take      = s_axis_tvalid && a_free;
  assign s_axis_tready = a_free;

  always_ff @(posedge clk) begin
    if (a_free) a_valid <= s_axis_tvalid;
    if (a_move) b_valid <= 1'b1;
    else if (fire) b_valid <= 1'b0;
    if (take) begin
      in_frame_reg <= !s_axis_tlast;
      crc_reg      <= crc32_beat(in_frame_reg ? crc_reg : 32'd0, masked);
    end
    if (rst) begin
      a_valid      <= 1'b0;
      b_valid      <= 1'b0;
      in_frame_reg <= 1'b0;
      crc_reg      <= '0;
    end
  end

  always_ff @(posedge clk) begin
    if (take) begin
      a_data <= s_axis_tdata;
      a_keep <= s_axis_tkeep;
      a_last <= s_axis_tlast;
      a_user <= s_axis_tuser;
    end
    if (a_move) begin
      b_data <= a_data;
      b_keep <= a_last ? (a_keep >> TRAILER) : a_keep;   // a last beat with more than 4 bytes loses 4
      b_last <= a_last;
      b_user <= a_user;
      b_bad  <= a_bad;
    end
  end

  assign m_axis_tvalid   = out_valid;
  assign m_axis_tdata    = b_data;
  assign m_axis_tkeep    = trim ? (b_keep >> (7'(TRAILER) - a_n)) : b_keep;
  assign m_axis_tlast    = b_last || trim;
  assign m_axis_tuser    = trim ? (b_user || a_user) : b_user;
  assign m_axis_icrc_bad = trim ? a_bad : b_bad;

endmodule

`default_nettype wire
