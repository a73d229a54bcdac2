# libncsim make fragment, included by the top Makefile after tests/rtl/rtl.mk (ROOT = repository root).
#
#   sim          build/sim/libncsim.so: two nc_nic (RTL_SRCS of tests/rtl/rtl.mk) + link + DMA model
#   sim-testdev  build/sim/libncsim_testdev.so: the same library around tests/sim/nc_testdev.sv, the
#                simulator's own test fixture with nc_nic's ports
#   sim-test     the simulator's C++ tests (models alone; libncsim with the test device; with nc_nic when
#                it exists); last line "N passed, N failed"
#   sim-bench    simulated cycles per wall second (docs/simulator.md)
#
# `make test` runs the sim-test commands through tests/rtl/run_all.sh with the RTL testbenches.

SIM_DIR      := $(ROOT)/sim
SIM_TEST_DIR := $(ROOT)/tests/sim
SIM_BUILD    := $(ROOT)/build/sim

SIM_TOP  := $(SIM_DIR)/ncsim_top.sv
SIM_CPP  := $(SIM_DIR)/src/ncsim.cpp
SIM_HDRS := $(SIM_DIR)/include/ncsim.h $(SIM_DIR)/src/link_model.h $(SIM_DIR)/src/dma_model.h \
            $(SIM_DIR)/src/ncsim_printf.h
SIM_MAP  := $(SIM_DIR)/src/ncsim.map

# The NIC: every RTL source, as listed (package first) in tests/rtl/rtl.mk. nc_nic.sv must be among them.
SIM_NIC_SRCS   := $(RTL_SRCS)
SIM_HAVE_NIC   := $(if $(filter %/nc_nic.sv,$(RTL_SRCS)),$(wildcard $(RTL_DIR)/nc_nic.sv))
SIM_TESTDEV_SV := $(SIM_TEST_DIR)/nc_testdev.sv

SIM_LIB         := $(SIM_BUILD)/libncsim.so
SIM_TESTDEV_LIB := $(SIM_BUILD)/libncsim_testdev.so

# Verilator: -O3, every warning fatal as in `make lint`; C++ -O2 for the fast paths, position independent,
# hidden visibility (the version script exports only ncsim_*, so several variants can live in one
# process), and the model's $fatal/$stop/$finish turned into errors of the system instead of exit()
# (with the model's last console line, which VL_PRINTF routes through libncsim, in the message).
SIM_CXXFLAGS := -fPIC -std=c++17 -fvisibility=hidden -fno-semantic-interposition \
                -DVL_USER_FATAL -DVL_USER_STOP -DVL_USER_FINISH \
                -DVL_PRINTF=ncsim_vl_printf -DVL_VPRINTF=ncsim_vl_vprintf -include $(SIM_DIR)/src/ncsim_printf.h \
                -I$(SIM_DIR)/include -I$(SIM_DIR)/src
SIM_VFLAGS := --cc --exe --build -j 2 -O3 -Wall --top-module ncsim_top --timescale-override 1ns/1ns \
              --x-assign fast --x-initial fast \
              -MAKEFLAGS "OPT_FAST=-O2 OPT_SLOW=-O1 OPT_GLOBAL=-O2"

# $(1) build directory name, $(2) library file, $(3) SV sources before ncsim_top.sv, $(4) extra verilator
# flags, $(5) extra C++ flags
define SIM_BUILD_LIB
	@mkdir -p $(SIM_BUILD)/$(1)
	@verilator $(SIM_VFLAGS) $(4) --Mdir $(SIM_BUILD)/$(1) -o $(notdir $(2)) \
	  -CFLAGS "$(SIM_CXXFLAGS) $(5)" \
	  -LDFLAGS "-shared -Wl,--version-script=$(SIM_MAP) -Wl,-soname,$(notdir $(2))" \
	  $(3) $(SIM_TOP) $(SIM_CPP) > $(SIM_BUILD)/$(1).log 2>&1 \
	  || { cat $(SIM_BUILD)/$(1).log; exit 1; }
	@cp $(SIM_BUILD)/$(1)/$(notdir $(2)) $(2)
endef

# Waveform support (FST) is compiled in: when no waveform is written it costs +0.3 % instructions per
# cycle with the test device and nothing measurable with nc_nic (docs/simulator.md), so there is no
# separate untraced build.
# Building with SIM_TRACE=0 leaves it out (ncsim_has_tracing() then returns 0).
SIM_TRACE ?= 1
SIM_TRACE_VFLAGS := $(if $(filter 1,$(SIM_TRACE)),--trace-fst --trace-structs)

$(SIM_LIB): $(SIM_NIC_SRCS) $(SIM_TOP) $(SIM_CPP) $(SIM_HDRS) $(SIM_MAP) $(SIM_DIR)/sim.mk
	$(call SIM_BUILD_LIB,nic,$@,$(SIM_NIC_SRCS),-I$(RTL_DIR) $(SIM_TRACE_VFLAGS),-DNCSIM_TRACE=$(SIM_TRACE))

$(SIM_TESTDEV_LIB): $(SIM_TESTDEV_SV) $(SIM_TOP) $(SIM_CPP) $(SIM_HDRS) $(SIM_MAP) $(SIM_DIR)/sim.mk
	$(call SIM_BUILD_LIB,testdev,$@,$(SIM_TESTDEV_SV),+define+NCSIM_NIC_MODULE=nc_testdev $(SIM_TRACE_VFLAGS),-DNCSIM_TRACE=$(SIM_TRACE) -DNCSIM_TESTDEV=1)

# ---- tests and benchmark (plain C++; the libraries are loaded with dlopen) ----------------------------
SIM_TEST_HDRS := $(SIM_TEST_DIR)/test_common.h $(SIM_TEST_DIR)/ncsim_loader.h $(SIM_TEST_DIR)/ncsim_bus.h $(SIM_DIR)/include/ncsim.h \
                 $(SIM_DIR)/include/nc_spec.h
SIM_TEST_CXX  := g++ -std=c++17 -O2 -g -Wall -Wextra -Werror -I$(SIM_DIR)/include -I$(SIM_DIR)/src

$(SIM_BUILD)/test_models: $(SIM_TEST_DIR)/test_models.cpp $(SIM_TEST_HDRS) $(SIM_HDRS)
	@mkdir -p $(SIM_BUILD)
	@$(SIM_TEST_CXX) -o $@ $< -pthread

$(SIM_BUILD)/test_ncsim: $(SIM_TEST_DIR)/test_ncsim.cpp $(SIM_TEST_HDRS)
	@mkdir -p $(SIM_BUILD)
	@$(SIM_TEST_CXX) -o $@ $< -ldl -pthread

$(SIM_BUILD)/bench_ncsim: $(SIM_TEST_DIR)/bench_ncsim.cpp $(SIM_TEST_HDRS)
	@mkdir -p $(SIM_BUILD)
	@$(SIM_TEST_CXX) -o $@ $< -ldl -pthread

# The NIC hardware benchmarks through libncsim (issue 5, section 1; `make bench`): the scenarios shared with
# tb_nic's bench mode (tests/common/nc_bench_suite.h) on the host model of tests/common/nc_host_model.h.
SIM_COMMON_HDRS := $(ROOT)/tests/common/nc_host_model.h $(ROOT)/tests/common/nc_bench_suite.h

$(SIM_BUILD)/bench_nic: $(SIM_TEST_DIR)/bench_nic.cpp $(SIM_TEST_HDRS) $(SIM_COMMON_HDRS)
	@mkdir -p $(SIM_BUILD)
	@$(SIM_TEST_CXX) -I$(ROOT)/tests/common -o $@ $< -ldl -pthread

$(SIM_BUILD)/fuzz_nic: $(SIM_TEST_DIR)/fuzz_nic.cpp $(SIM_TEST_HDRS) $(SIM_COMMON_HDRS) $(ROOT)/tests/common/nc_frame.h
	@mkdir -p $(SIM_BUILD)
	@$(SIM_TEST_CXX) -I$(ROOT)/tests/common -o $@ $< -ldl -pthread

# What `make test` builds and runs (tests/rtl/run_all.sh arguments, one quoted command each). The receive-path
# fuzzer runs FUZZ_TEST_FRAMES injected frames with a fixed seed (its targeted cases first).
FUZZ_TEST_FRAMES ?= 200000
SIM_TEST_DEPS := $(SIM_BUILD)/test_models $(SIM_BUILD)/test_ncsim $(SIM_TESTDEV_LIB) \
                 $(if $(SIM_HAVE_NIC),$(SIM_LIB) $(SIM_BUILD)/fuzz_nic)
SIM_TEST_CMDS := "$(SIM_BUILD)/test_models" \
                 "$(SIM_BUILD)/test_ncsim $(SIM_TESTDEV_LIB) --tmp $(SIM_BUILD)" \
                 $(if $(SIM_HAVE_NIC),"$(SIM_BUILD)/test_ncsim $(SIM_LIB) --nic --tmp $(SIM_BUILD)") \
                 $(if $(SIM_HAVE_NIC),"$(SIM_BUILD)/fuzz_nic $(SIM_LIB) --frames $(FUZZ_TEST_FRAMES) --seed 1")

# What the xunit tests load (the real library only once nc_nic exists).
SIM_DOTNET_DEPS := $(SIM_TESTDEV_LIB) $(if $(SIM_HAVE_NIC),$(SIM_LIB))

.PHONY: sim sim-testdev sim-test sim-bench fuzz
sim: deps-sys
ifeq ($(SIM_HAVE_NIC),)
	@echo "sim: hw/rtl/nc_nic.sv is not there yet (or not in RTL_SRCS of tests/rtl/rtl.mk); 'make sim-testdev' builds libncsim around the test device" >&2
	@exit 1
else
	@$(MAKE) -s --no-print-directory -f $(ROOT)/Makefile $(SIM_LIB)
endif

sim-testdev: deps-sys $(SIM_TESTDEV_LIB)

sim-test: deps-sys
	@$(MAKE) -s --no-print-directory -f $(ROOT)/Makefile $(SIM_TEST_DEPS) || { echo "0 passed, 1 failed"; exit 1; }
	@bash $(ROOT)/tests/rtl/run_all.sh $(SIM_TEST_CMDS)

# The receive-path fuzzer on its own: make fuzz FRAMES=N SEED=S (JSON summary in build/sim/fuzz.json).
FRAMES ?= 1000000
SEED   ?= 1
fuzz: deps-sys
	@$(MAKE) -s --no-print-directory -f $(ROOT)/Makefile $(SIM_LIB) $(SIM_BUILD)/fuzz_nic
	@$(SIM_BUILD)/fuzz_nic $(SIM_LIB) --frames $(FRAMES) --seed $(SEED) --json $(SIM_BUILD)/fuzz.json

sim-bench: deps-sys $(SIM_BUILD)/bench_ncsim $(SIM_TESTDEV_LIB) $(if $(SIM_HAVE_NIC),$(SIM_LIB))
	@for lib in $(if $(SIM_HAVE_NIC),$(SIM_LIB)) $(SIM_TESTDEV_LIB); do \
	  $(SIM_BUILD)/bench_ncsim $$lib $(ARGS) || exit 1; done
