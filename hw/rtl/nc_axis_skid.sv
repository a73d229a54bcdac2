// nc_axis_skid: AXI-Stream skid buffer (register slice with a registered tready).
// Full throughput: one beat per cycle in and out; every output and s_axis_tready come from flops,
// so no combinational path crosses the buffer.
`default_nettype none

module nc_axis_skid #(
  parameter int DATA_W = 512,        // tdata width in bits (multiple of 8)
  parameter int KEEP_W = DATA_W / 8, // tkeep width: one bit per byte lane
  parameter int USER_W = 1           // tuser width
) (
  input  wire                clk,
  input  wire                rst,

  input  wire [DATA_W-1:0]   s_axis_tdata,
  input  wire [KEEP_W-1:0]   s_axis_tkeep,
  input  wire                s_axis_tvalid,
  output logic               s_axis_tready,
  input  wire                s_axis_tlast,
  input  wire [USER_W-1:0]   s_axis_tuser,

  output logic [DATA_W-1:0]  m_axis_tdata,
  output logic [KEEP_W-1:0]  m_axis_tkeep,
  output logic               m_axis_tvalid,
  input  wire                m_axis_tready,
  output logic               m_axis_tlast,
  output logic [USER_W-1:0]  m_axis_tuser
);

  initial begin
    if (DATA_W < 8 || DATA_W % 8 != 0) $fatal(1, "nc_axis_skid: DATA_W must be a multiple of 8");
    if (KEEP_W != DATA_W / 8) $fatal(1, "nc_axis_skid: KEEP_W must be DATA_W/8");
    if (USER_W < 1) $fatal(1, "nc_axis_skid: USER_W must be at least 1");
  end

  // The beat's fields are kept in separate registers (no concatenated beat vector): the simulator
  // then moves 512-bit data only when a beat is loaded, instead of packing and unpacking a 578-bit
  // vector in every cycle.
  logic [DATA_W-1:0] m_data_reg, skid_data_reg;
  logic [KEEP_W-1:0] m_keep_reg, skid_keep_reg;
  logic              m_last_reg, skid_last_reg;
  logic [USER_W-1:0] m_user_reg, skid_user_reg;
  logic              m_valid_reg, skid_valid_reg;
  logic              m_load;

  assign s_axis_tready = !skid_valid_reg;
  assign m_load        = m_axis_tready || !m_valid_reg;

  always_ff @(posedge clk) begin
    if (m_load) begin
      m_valid_reg    <= skid_valid_reg || s_axis_tvalid;
      skid_valid_reg <= 1'b0;
    end else if (s_axis_tvalid && s_axis_tready) begin
      skid_valid_reg <= 1'b1;
    end
    if (rst) begin
      m_valid_reg    <= 1'b0;
      skid_valid_reg <= 1'b0;
    end
  end

  always_ff @(posedge clk) begin
    if (m_load && (skid_valid_reg || s_axis_tvalid)) begin
      if (skid_valid_reg) begin
        m_data_reg <= skid_data_reg;
        m_keep_reg <= skid_keep_reg;
        m_last_reg <= skid_last_reg;
        m_user_reg <= skid_user_reg;
      end else begin
        m_data_reg <= s_axis_tdata;
        m_keep_reg <= s_axis_tkeep;
        m_last_reg <= s_axis_tlast;
        m_user_reg <= s_axis_tuser;
      end
    end else if (s_axis_tvalid && s_axis_tready) begin
      skid_data_reg <= s_axis_tdata;
      skid_keep_reg <= s_axis_tkeep;
      skid_last_reg <= s_axis_tlast;
      skid_user_reg <= s_axis_tuser;
    end
  end

  assign m_axis_tvalid = m_valid_reg;
  assign m_axis_tdata  = m_data_reg;
  assign m_axis_tkeep  = m_keep_reg;
  assign m_axis_tlast  = m_last_reg;
  assign m_axis_tuser  = m_user_reg;

endmodule

`default_nettype wire
