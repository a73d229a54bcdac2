# RTL make fragment, included by the top Makefile (ROOT = repository root).
#
#   rtl-test   build the Verilated testbenches and run every RTL test case (tests/rtl/run_all.sh over
#              all binaries), plus the simulator's tests (SIM_TEST_CMDS of sim/sim.mk); last line
#              "N passed, N failed", summed over all of them
#   rtl-tool   build build/rtl/nc_hdr_tool (the C# cross-check CLI around the Verilated builder/parser)
#   rtl-bench  the line-rate measurement only
#
# One Verilated top (tests/rtl/tb_top.sv: builder -> parser A, plus a standalone parser B) and one
# C++ program (tests/rtl/tb_main.cpp) serve both the tests ("test") and the tool ("build", "parse").
# tests/rtl/tb_xport.sv + tb_xport.cpp test the transport building blocks, tests/rtl/tb_dma.sv +
# tb_dma.cpp the DMA engine blocks, tests/rtl/tb_nic.cpp the whole NIC (see tests/rtl/README.md).

RTL_DIR      := $(ROOT)/hw/rtl
RTL_TB_DIR   := $(ROOT)/tests/rtl
RTL_BUILD    := $(ROOT)/build/rtl

# Synthesizable sources, package first.
RTL_SRCS := $(RTL_DIR)/generated/nc_pkg.sv \
            $(RTL_DIR)/nc_nic_pkg.sv \
            $(RTL_DIR)/nc_crc32_pkg.sv \
            $(RTL_DIR)/nc_axis_skid.sv \
            $(RTL_DIR)/nc_fifo.sv \
            $(RTL_DIR)/nc_axis_frame_fifo.sv \
            $(RTL_DIR)/nc_drop_counters.sv \
            $(RTL_DIR)/nc_frame_builder.sv \
            $(RTL_DIR)/nc_frame_parser.sv \
            $(RTL_DIR)/nc_icrc_append.sv \
            $(RTL_DIR)/nc_icrc_check.sv \
            $(RTL_DIR)/nc_rx_window_logic.sv \
            $(RTL_DIR)/nc_tx_window_logic.sv \
            $(RTL_DIR)/nc_timer_scan.sv \
            $(RTL_DIR)/nc_desc_validate.sv \
            $(RTL_DIR)/nc_chan_rmw.sv \
            $(RTL_DIR)/nc_ram_1w1r.sv \
            $(RTL_DIR)/nc_tx_ctrl.sv \
            $(RTL_DIR)/nc_tx_fetch.sv \
            $(RTL_DIR)/nc_dma_rd_mux.sv \
            $(RTL_DIR)/nc_tx_job_arb.sv \
            $(RTL_DIR)/nc_tx_hdr.sv \
            $(RTL_DIR)/nc_tx_monitor.sv \
            $(RTL_DIR)/nc_rx_dispatch.sv \
            $(RTL_DIR)/nc_rx_ctrl.sv \
            $(RTL_DIR)/nc_rx_place.sv \
            $(RTL_DIR)/nc_cpl_writer.sv \
            $(RTL_DIR)/nc_eq.sv \
            $(RTL_DIR)/nc_dma_wr_mux.sv \
            $(RTL_DIR)/nc_mgmt.sv \
            $(RTL_DIR)/nc_ch_cmd.sv \
            $(RTL_DIR)/nc_regs.sv \
            $(RTL_DIR)/nc_nic.sv

# Top modules `make lint` checks (each with --top-module over all of RTL_SRCS).
RTL_LINT_TOPS  := nc_frame_builder nc_frame_parser nc_icrc_append nc_icrc_check nc_drop_counters nc_axis_skid nc_fifo nc_axis_frame_fifo \
                  nc_chan_rmw nc_rx_window_logic nc_tx_window_logic nc_timer_scan nc_desc_validate \
                  nc_dma_rd_mux nc_dma_wr_mux nc_nic
RTL_LINT_FILES := $(RTL_SRCS)

RTL_TB_SRCS := $(RTL_TB_DIR)/tb_top.sv
RTL_TB_CPP  := $(RTL_TB_DIR)/tb_main.cpp
RTL_TB_HDRS := $(RTL_TB_DIR)/tb_common.h
RTL_EXE     := $(RTL_BUILD)/obj/Vtb_top
RTL_TOOL    := $(RTL_BUILD)/nc_hdr_tool

# Same warnings as lint (-Wall, any warning fails the build); C++ at -O2 to keep the build short.
RTL_VERILATOR_FLAGS := --cc --exe --build -j 2 -O2 -Wall --top-module tb_top \
                       --Mdir $(RTL_BUILD)/obj -o Vtb_top \
                       -CFLAGS -std=c++17 \
                       -MAKEFLAGS "OPT_FAST=-O2 OPT_SLOW=-O1 OPT_GLOBAL=-O2"

$(RTL_EXE): $(RTL_SRCS) $(RTL_TB_SRCS) $(RTL_TB_CPP) $(RTL_TB_HDRS) $(RTL_TB_DIR)/rtl.mk
	@mkdir -p $(RTL_BUILD)
	@verilator $(RTL_VERILATOR_FLAGS) $(RTL_SRCS) $(RTL_TB_SRCS) $(RTL_TB_CPP) > $(RTL_BUILD)/verilator-build.log 2>&1 \
	  || { cat $(RTL_BUILD)/verilator-build.log; exit 1; }

# Transport building blocks (tests/rtl/tb_xport.sv, tests/rtl/tb_xport.cpp): the receive and send windows
# as nc_rx_ctrl / nc_tx_ctrl build them (testbench-only harnesses tb_rx_window.sv / tb_tx_window.sv:
# nc_chan_rmw + nc_rx_window_logic / nc_tx_window_logic), nc_chan_rmw alone, nc_timer_scan, nc_desc_validate.
RTL_XPORT_SRCS := $(RTL_TB_DIR)/tb_rx_window.sv $(RTL_TB_DIR)/tb_tx_window.sv $(RTL_TB_DIR)/tb_xport.sv
RTL_XPORT_CPP  := $(RTL_TB_DIR)/tb_xport.cpp
RTL_XPORT_EXE  := $(RTL_BUILD)/xport/Vtb_xport
RTL_XPORT_VERILATOR_FLAGS := --cc --exe --build -j 2 -O2 -Wall --top-module tb_xport \
                       --Mdir $(RTL_BUILD)/xport -o Vtb_xport \
                       -CFLAGS -std=c++17 \
                       -MAKEFLAGS "OPT_FAST=-O2 OPT_SLOW=-O1 OPT_GLOBAL=-O2"

$(RTL_XPORT_EXE): $(RTL_SRCS) $(RTL_XPORT_SRCS) $(RTL_XPORT_CPP) $(RTL_TB_DIR)/rtl.mk
	@mkdir -p $(RTL_BUILD)
	@verilator $(RTL_XPORT_VERILATOR_FLAGS) $(RTL_SRCS) $(RTL_XPORT_SRCS) $(RTL_XPORT_CPP) > $(RTL_BUILD)/verilator-xport.log 2>&1 \
	  || { cat $(RTL_BUILD)/verilator-xport.log; exit 1; }

# DMA engine blocks: nc_dma_rd_mux, nc_dma_wr_mux (tests/rtl/tb_dma.sv, tests/rtl/tb_dma.cpp).
RTL_DMA_SRCS := $(RTL_TB_DIR)/tb_dma.sv
RTL_DMA_CPP  := $(RTL_TB_DIR)/tb_dma.cpp
RTL_DMA_EXE  := $(RTL_BUILD)/dma/Vtb_dma
RTL_DMA_VERILATOR_FLAGS := --cc --exe --build -j 2 -O2 -Wall --top-module tb_dma \
                       --Mdir $(RTL_BUILD)/dma -o Vtb_dma \
                       -CFLAGS -std=c++17 \
                       -MAKEFLAGS "OPT_FAST=-O2 OPT_SLOW=-O1 OPT_GLOBAL=-O2"

$(RTL_DMA_EXE): $(RTL_SRCS) $(RTL_DMA_SRCS) $(RTL_DMA_CPP) $(RTL_TB_DIR)/rtl.mk
	@mkdir -p $(RTL_BUILD)
	@verilator $(RTL_DMA_VERILATOR_FLAGS) $(RTL_SRCS) $(RTL_DMA_SRCS) $(RTL_DMA_CPP) > $(RTL_BUILD)/verilator-dma.log 2>&1 \
	  || { cat $(RTL_BUILD)/verilator-dma.log; exit 1; }

$(RTL_TOOL): $(RTL_EXE)
	@cp $(RTL_EXE) $(RTL_TOOL)

.PHONY: rtl-test rtl-tool rtl-bench
rtl-test:
	@$(MAKE) -s --no-print-directory -f $(ROOT)/Makefile $(RTL_EXE) $(RTL_XPORT_EXE) $(RTL_DMA_EXE) $(RTL_NIC_EXE) $(SIM_TEST_DEPS) || { echo "0 passed, 1 failed"; exit 1; }
	@bash $(RTL_TB_DIR)/run_all.sh "$(RTL_EXE) test --pcap $(RTL_BUILD)/builder_random.pcap" "$(RTL_XPORT_EXE)" "$(RTL_DMA_EXE)" "$(RTL_NIC_EXE) test" $(SIM_TEST_CMDS)

rtl-tool: $(RTL_TOOL)

rtl-bench: $(RTL_EXE)
	@$(RTL_EXE) test --only linerate --pcap $(RTL_BUILD)/builder_random.pcap

# The NIC core: two Verilated nc_nic instances with host and link models (tests/rtl/tb_nic.cpp): the
# system tests ("test") and the cycle-exact hardware benchmarks ("bench").
RTL_NIC_CPP := $(RTL_TB_DIR)/tb_nic.cpp
RTL_NIC_EXE := $(RTL_BUILD)/nic/Vnc_nic
RTL_NIC_VERILATOR_FLAGS := --cc --exe --build -j 2 -O3 -Wall --top-module nc_nic \
                       --Mdir $(RTL_BUILD)/nic -o Vnc_nic \
                       -CFLAGS "-std=c++17 -I$(ROOT)/sim/include -I$(ROOT)/tests/common" \
                       -MAKEFLAGS "OPT_FAST=-O2 OPT_SLOW=-O1 OPT_GLOBAL=-O2"

$(RTL_NIC_EXE): $(RTL_SRCS) $(RTL_NIC_CPP) $(ROOT)/sim/include/nc_spec.h $(ROOT)/tests/common/nc_host_model.h \
                $(ROOT)/tests/common/nc_bench_suite.h $(RTL_TB_DIR)/rtl.mk
	@mkdir -p $(RTL_BUILD)/nic
	@verilator $(RTL_NIC_VERILATOR_FLAGS) $(RTL_SRCS) $(RTL_NIC_CPP) > $(RTL_BUILD)/verilator-nic.log 2>&1 \
	  || { cat $(RTL_BUILD)/verilator-nic.log; exit 1; }
