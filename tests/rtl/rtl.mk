# RTL make fragment, included by the top Makefile (ROOT = repository root).
#
#   rtl-test   build the Verilated testbench and run every RTL test case, plus the simulator's tests
#              (SIM_TEST_CMDS of sim/sim.mk), through tests/rtl/run_all.sh; last line "N passed, N failed",
#              summed over all of them
#   rtl-tool   build build/rtl/nc_hdr_tool (the C# cross-check CLI around the Verilated builder/parser)
#   rtl-bench  the line-rate measurement only
#
# One Verilated top (tests/rtl/tb_top.sv: builder -> parser A, plus a standalone parser B) and one
# C++ program (tests/rtl/tb_main.cpp) serve both the tests ("test") and the tool ("build", "parse").

RTL_DIR      := $(ROOT)/hw/rtl
RTL_TB_DIR   := $(ROOT)/tests/rtl
RTL_BUILD    := $(ROOT)/build/rtl

# Synthesizable sources, package first.
RTL_SRCS := $(RTL_DIR)/generated/nc_pkg.sv \
            $(RTL_DIR)/nc_axis_skid.sv \
            $(RTL_DIR)/nc_fifo.sv \
            $(RTL_DIR)/nc_axis_frame_fifo.sv \
            $(RTL_DIR)/nc_drop_counters.sv \
            $(RTL_DIR)/nc_frame_builder.sv \
            $(RTL_DIR)/nc_frame_parser.sv

# Top modules `make lint` checks (each with --top-module over all of RTL_SRCS).
RTL_LINT_TOPS  := nc_frame_builder nc_frame_parser nc_drop_counters nc_axis_skid nc_fifo nc_axis_frame_fifo
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

$(RTL_TOOL): $(RTL_EXE)
	@cp $(RTL_EXE) $(RTL_TOOL)

.PHONY: rtl-test rtl-tool rtl-bench
rtl-test:
	@$(MAKE) -s --no-print-directory -f $(ROOT)/Makefile $(RTL_EXE) $(SIM_TEST_DEPS) || { echo "0 passed, 1 failed"; exit 1; }
	@bash $(RTL_TB_DIR)/run_all.sh "$(RTL_EXE) test --pcap $(RTL_BUILD)/builder_random.pcap" $(SIM_TEST_CMDS)

rtl-tool: $(RTL_TOOL)

rtl-bench: $(RTL_EXE)
	@$(RTL_EXE) test --only linerate --pcap $(RTL_BUILD)/builder_random.pcap
