// nc_crc32_pkg: CRC-32 (IEEE 802.3 / zlib: reflected polynomial 0xEDB88320) over a 64-byte AXI-Stream
// beat per clock, as the XOR matrices a synthesizer turns into LUT trees. Everything here is computed by
// constant functions at elaboration; nothing is hand-written.
//
// The "register" below is the standard CRC-32 shift register before its final inversion. The beat step
// is raw (no initial value): the modules that use it start every frame at 0 and invert the first four
// covered bytes instead, which is the same as starting at 0xFFFFFFFF (and leading zero bytes processed
// from 0 leave 0, so lanes before the covered region are simply zeroed). Byte lane 0 is processed first.
//
//   crc32_beat(c, d)      register after the 64 bytes of d (lane i = d[8*i +: 8]) from register c
//   crc32_unzero(c, k)    register before k trailing zero bytes (k = 0..63): a last beat's unused lanes are
//                         processed as zeros and removed again with this
//   CRC32_RESIDUE_Z[k]    the register after a message, its CRC (little-endian) and k zero bytes: a frame whose
//                         trailer is right leaves exactly this (CRC32_RESIDUE = 0xDEBB20E3 for k = 0)
// Waiver (this file only, one message): a module uses some of the constants, never all (-Wall would
// report the others as UNUSEDPARAM).
`default_nettype none

// verilator lint_off UNUSEDPARAM
package nc_crc32_pkg;

  localparam logic [31:0] CRC32_POLY    = 32'hEDB8_8320;
  localparam logic [31:0] CRC32_RESIDUE = 32'hDEBB_20E3;
  localparam int          BEAT_BYTES    = 64;
  localparam int          BEAT_BITS     = 8 * BEAT_BYTES;

  // one zero bit into the register, and its inverse (POLY[31] is set, so the bit that left is bit 31 after)
  function automatic logic [31:0] zero_bit(input logic [31:0] c);
    return c[0] ? ((c >> 1) ^ CRC32_POLY) : (c >> 1);
  endfunction
  function automatic logic [31:0] unzero_bit(input logic [31:0] c);
    logic b;
    b = c[31];
    return ((b ? (c ^ CRC32_POLY) : c) << 1) | {31'd0, b};
  endfunction

  // column j of a matrix = the image of register bit j (or data bit j); row i = output bit i
  typedef logic [31:0][BEAT_BITS-1:0] data_matrix_t;
  typedef logic [31:0][31:0]          state_matrix_t;

  function automatic logic [31:0] zero_byte(input logic [31:0] c);
    logic [31:0] r;
    r = c;
    for (int s = 0; s < 8; s++) r = zero_bit(r);
    return r;
  endfunction

  // data part of a beat: output bit i = ^(d & DATA_M[i]). Lane l's bit b enters the register as bit b
  // and then goes through the byte step of its own lane and one zero byte for every later lane: built
  // from the last lane backwards, one byte step per column.
  function automatic data_matrix_t data_matrix();
    data_matrix_t m;
    logic [31:0] col [BEAT_BITS];
    logic [7:0][31:0] c;
    logic [BEAT_BITS-1:0] row;
    for (int b = 0; b < 8; b++) c[b] = zero_byte(32'd1 << b);
    for (int l = BEAT_BYTES - 1; l >= 0; l--) begin
      for (int b = 0; b < 8; b++) begin
        col[8 * l + b] = c[b];
        c[b] = zero_byte(c[b]);
      end
    end
    // rows are assembled in a narrow variable first: bit writes into the 16k-bit matrix would copy it
    // every time in the elaborator
    for (int i = 0; i < 32; i++) begin
      for (int k = 0; k < BEAT_BITS; k++) row[k] = col[k][i];
      m[i] = row;
    end
    return m;
  endfunction

  // register part of a beat: register bit j is the same as data bit j (the register is XORed into the
  // first four bytes), so its columns are the data matrix's first 32
  function automatic state_matrix_t state_matrix(input data_matrix_t d);
    state_matrix_t m;
    for (int i = 0; i < 32; i++) m[i] = d[i][31:0];
    return m;
  endfunction

  // removing 2^p zero bytes (p = 0..5)
  function automatic state_matrix_t unzero_matrix(input int p);
    state_matrix_t m;
    logic [31:0] c;
    for (int j = 0; j < 32; j++) begin
      c = 32'd1 << j;
      for (int s = 0; s < 8 * (1 << p); s++) c = unzero_bit(c);
      for (int i = 0; i < 32; i++) m[i][j] = c[i];
    end
    return m;
  endfunction

  function automatic logic [63:0][31:0] residue_table();
    logic [63:0][31:0] t;
    logic [31:0] c;
    c = CRC32_RESIDUE;
    for (int k = 0; k < 64; k++) begin
      t[k] = c;
      for (int s = 0; s < 8; s++) c = zero_bit(c);
    end
    return t;
  endfunction

  localparam data_matrix_t  CRC32_DATA_M  = data_matrix();
  localparam state_matrix_t CRC32_STATE_M = state_matrix(CRC32_DATA_M);
  localparam state_matrix_t CRC32_UNZ_M0  = unzero_matrix(0);
  localparam state_matrix_t CRC32_UNZ_M1  = unzero_matrix(1);
  localparam state_matrix_t CRC32_UNZ_M2  = unzero_matrix(2);
  localparam state_matrix_t CRC32_UNZ_M3  = unzero_matrix(3);
  localparam state_matrix_t CRC32_UNZ_M4  = unzero_matrix(4);
  localparam state_matrix_t CRC32_UNZ_M5  = unzero_matrix(5);
  localparam logic [63:0][31:0] CRC32_RESIDUE_Z = residue_table();

  function automatic logic [31:0] mat_mul(input state_matrix_t m, input logic [31:0] c);
    logic [31:0] r;
    for (int i = 0; i < 32; i++) r[i] = ^(m[i] & c);
    return r;
  endfunction

  function automatic logic [31:0] crc32_beat(input logic [31:0] c, input logic [BEAT_BITS-1:0] d);
    logic [31:0] r;
    for (int i = 0; i < 32; i++) r[i] = ^(CRC32_DATA_M[i] & d);
    return r ^ mat_mul(CRC32_STATE_M, c);
  endfunction

  // the first three and the last three halving steps of crc32_unzero, so a pipeline can register between them
  function automatic logic [31:0] crc32_unzero_lo(input logic [31:0] c, input logic [2:0] k);
    logic [31:0] r;
    r = c;
    if (k[0]) r = mat_mul(CRC32_UNZ_M0, r);
    if (k[1]) r = mat_mul(CRC32_UNZ_M1, r);
    if (k[2]) r = mat_mul(CRC32_UNZ_M2, r);
    return r;
  endfunction
  function automatic logic [31:0] crc32_unzero_hi(input logic [31:0] c, input logic [2:0] k);
    logic [31:0] r;
    r = c;
    if (k[0]) r = mat_mul(CRC32_UNZ_M3, r);
    if (k[1]) r = mat_mul(CRC32_UNZ_M4, r);
    if (k[2]) r = mat_mul(CRC32_UNZ_M5, r);
    return r;
  endfunction
  function automatic logic [31:0] crc32_unzero(input logic [31:0] c, input logic [5:0] k);
    return crc32_unzero_hi(crc32_unzero_lo(c, k[2:0]), k[5:3]);
  endfunction

endpackage
// verilator lint_on UNUSEDPARAM

`default_nettype wire
