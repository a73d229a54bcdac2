// nc_desc_validate: checks one Tx or Rx descriptor per cycle and returns a completion status.
//
//   Tx (s_is_rx = 0, s_tx_desc):
//     BAD_DESC  msg_type is not a known nc_type, or flags / rsvd0 / rsvd1 non-zero
//     BAD_LEN   len > MAX_PAYLOAD_BYTES, or len == 0 with msg_type DATA
//     BAD_ADDR  len > 0 and (addr == 0 or addr + len > 2^64, i.e. the buffer wraps)
//   Rx (s_is_rx = 1, s_rx_desc):
//     BAD_DESC  rsvd non-zero
//     BAD_LEN   len == 0
//     BAD_ADDR  addr == 0, addr not 64-byte aligned, or addr + len > 2^64
//   otherwise OK; when several rules fail the first in the order above is reported.
// The descriptor and s_user pass through with the status. One descriptor per cycle; the output is a
// register (s_ready depends combinationally on m_ready, pipeline-register style).
`default_nettype none

module nc_desc_validate
  import nc_pkg::*;
#(
  parameter int USER_W = 1  // caller's side-band (channel, ring index, ...) carried alongside
) (
  input  wire                 clk,
  input  wire                 rst,

  input  wire                 s_valid,
  output logic                s_ready,
  input  wire                 s_is_rx,
  input  wire nc_tx_desc_t    s_tx_desc,
  input  wire nc_rx_desc_t    s_rx_desc,
  input  wire [USER_W-1:0]    s_user,

  output logic                m_valid,
  input  wire                 m_ready,
  output logic                m_is_rx,
  output nc_tx_desc_t         m_tx_desc,
  output nc_rx_desc_t         m_rx_desc,
  output logic [USER_W-1:0]   m_user,
  output nc_cpl_status_e      m_status
);

  initial begin
    if (USER_W < 1) $fatal(1, "nc_desc_validate: USER_W must be at least 1");
  end

  // A buffer [addr, addr + len) is addressable when addr != 0 and it ends at or below 2^64.
  function automatic logic bad_buf(input logic [63:0] addr, input logic [31:0] len);
    logic [64:0] fin;
    fin = {1'b0, addr} + {33'd0, len};
    return (addr == 64'd0) || (fin[64] && fin[63:0] != 64'd0);
  endfunction

  nc_cpl_status_e tx_status, rx_status;

  always_comb begin
    tx_status = NC_CPL_STATUS_OK;
    if (s_tx_desc.msg_type > NC_NC_TYPE_RST || s_tx_desc.flags != '0 ||
        s_tx_desc.rsvd0 != '0 || s_tx_desc.rsvd1 != '0)
      tx_status = NC_CPL_STATUS_BAD_DESC;
    else if (s_tx_desc.len > 32'(NC_MAX_PAYLOAD_BYTES) ||
             (s_tx_desc.len == '0 && s_tx_desc.msg_type == NC_NC_TYPE_DATA))
      tx_status = NC_CPL_STATUS_BAD_LEN;
    else if (s_tx_desc.len != '0 && bad_buf(s_tx_desc.addr, s_tx_desc.len))
      tx_status = NC_CPL_STATUS_BAD_ADDR;
  end

  always_comb begin
    rx_status = NC_CPL_STATUS_OK;
    if (s_rx_desc.rsvd != '0)                         rx_status = NC_CPL_STATUS_BAD_DESC;
    else if (s_rx_desc.len == '0)                     rx_status = NC_CPL_STATUS_BAD_LEN;
    else if (bad_buf(s_rx_desc.addr, s_rx_desc.len) || s_rx_desc.addr[5:0] != 6'd0)
                                                      rx_status = NC_CPL_STATUS_BAD_ADDR;
  end

  logic m_valid_reg;

  assign s_ready = !m_valid_reg || m_ready;

  always_ff @(posedge clk) begin
    if (s_ready) m_valid_reg <= s_valid;
    if (rst) m_valid_reg <= 1'b0;
  end

  always_ff @(posedge clk) begin
    if (s_valid && s_ready) begin
      m_is_rx   <= s_is_rx;
      m_tx_desc <= s_tx_desc;
      m_rx_desc <= s_rx_desc;
      m_user    <= s_user;
      m_status  <= s_is_rx ? rx_status : tx_status;
    end
  end

  assign m_valid = m_valid_reg;

endmodule

`default_nettype wire
