# NetChannel offload — the entry points.
#
#   make run     build what is needed and run the main job (the two-host demo over two simulated NICs)
#   make test    every test: generated-file check, RTL testbenches, xunit
#   make lint    verilator --lint-only -Wall over all RTL (prints nothing when clean)
#   make bench   every benchmark (issue 5): hardware in simulated cycles, the host runtime on the loopback
#                device against kernel TCP, micro-benchmarks; writes build/bench/results.json and regenerates
#                docs/performance.md and its plots (QUICK=1: the short version)
#   make sim     build/sim/libncsim.so: the two-NIC simulator the C# backend loads (needs nc_nic)
#   make sim-testdev / sim-test / sim-bench   the simulator around its test device, its tests, its speed
#   make fuzz    the receive-path fuzzer alone: FRAMES=N injected frames (default 1000000), SEED=S
#   make deps    install what is missing (apt-get: Verilator, Yosys, tshark, ...; NuGet restore)
#   make gen     regenerate the SystemVerilog package, C# types and docs tables from hw/spec/
#
# Everything is built under build/ (RTL) and the usual bin/obj folders (C#).

SHELL  := /bin/bash
ROOT   := $(abspath $(dir $(lastword $(MAKEFILE_LIST))))
BUILD  := $(ROOT)/build
SLN    := $(ROOT)/NetChannel.sln
CONFIG ?= Release
ARGS   ?=

export DOTNET_CLI_TELEMETRY_OPTOUT := 1
export DOTNET_NOLOGO := 1
export DOTNET_SKIP_FIRST_TIME_EXPERIENCE := 1

# Debian packages the build and the tests need, as "command:package" pairs.
SYS_DEPS := verilator:verilator yosys:yosys iverilog:iverilog tshark:tshark python3:python3 \
            g++:g++ make:make gnuplot:gnuplot-nox

.PHONY: all deps deps-sys deps-dotnet gen check-gen lint test run header-demo bench host-bench rtl-test rtl-tool \
        dotnet-build dotnet-test clean help

all: test

help:
	@sed -n '3,14p' $(ROOT)/Makefile | sed 's/^# \{0,1\}//'

include $(ROOT)/tests/rtl/rtl.mk
include $(ROOT)/sim/sim.mk

# ---- dependencies -------------------------------------------------------------------------------
deps: deps-sys deps-dotnet

# Idempotent and silent when everything is present: installs only the missing packages.
deps-sys:
	@missing=""; for p in $(SYS_DEPS); do \
	  command -v "$${p%%:*}" >/dev/null 2>&1 || missing="$$missing $${p#*:}"; \
	done; \
	if [ -n "$$missing" ]; then \
	  echo "deps: installing$$missing"; \
	  if [ "$$(id -u)" != 0 ]; then echo "deps: need root for apt-get (missing:$$missing)" >&2; exit 1; fi; \
	  export DEBIAN_FRONTEND=noninteractive; \
	  apt-get update -qq && apt-get install -y -qq --no-install-recommends $$missing >/dev/null || exit 1; \
	fi; \
	command -v dotnet >/dev/null 2>&1 || { echo "deps: the .NET 10 SDK (dotnet) is required and is not in Debian's archive; install it from Microsoft's packages" >&2; exit 1; }

# NuGet restore, redone only when a project file changes.
DOTNET_PROJECTS := $(shell find $(ROOT)/host $(ROOT)/tests -name '*.csproj' 2>/dev/null) \
                   $(ROOT)/Directory.Build.props $(SLN)
$(BUILD)/.restore.stamp: $(DOTNET_PROJECTS)
	@mkdir -p $(BUILD)
	@dotnet restore $(SLN) --verbosity quiet
	@touch $@
deps-dotnet: deps-sys $(BUILD)/.restore.stamp

# ---- generated sources --------------------------------------------------------------------------
gen:
	@python3 $(ROOT)/hw/spec/gen.py

check-gen:
	@python3 $(ROOT)/hw/spec/gen.py --check

# ---- lint ---------------------------------------------------------------------------------------
lint: deps-sys
	@for f in $(RTL_LINT_TOPS); do \
	  verilator --lint-only -Wall -Ihw/rtl --top-module $$f $(RTL_SRCS) || exit 1; \
	done

# ---- C# -----------------------------------------------------------------------------------------
dotnet-build: deps
	@dotnet msbuild $(SLN) -p:Configuration=$(CONFIG) -restore:false -nologo -v:q

dotnet-test: deps rtl-tool $(SIM_DOTNET_DEPS)
	@mkdir -p $(BUILD)
	@set -o pipefail; dotnet test $(SLN) -c $(CONFIG) --no-restore --nologo 2>&1 | tee $(BUILD)/dotnet-test.log

# ---- the entry points ---------------------------------------------------------------------------
# The last line is the sum over both runners, in the plain "N passed, N failed" form.
test: deps check-gen lint
	@mkdir -p $(BUILD)
	@set -o pipefail; $(MAKE) --no-print-directory rtl-test 2>&1 | tee $(BUILD)/rtl-test.log
	@$(MAKE) --no-print-directory dotnet-test
	@python3 $(ROOT)/tests/summary.py $(BUILD)/rtl-test.log $(BUILD)/dotnet-test.log

# The main job: two simulated hosts (VNS + NetScheduler + copy workers + NetDriver) on two simulated NICs
# (libncsim) joined by the simulated link, every byte verified. Options: make run ARGS="--loss 0.01 --json".
run: deps dotnet-build
	@$(MAKE) -s --no-print-directory -f $(ROOT)/Makefile $(SIM_LIB)
	@dotnet $(ROOT)/host/NetChannel.Cli/bin/$(CONFIG)/net10.0/netchannel.dll demo $(ARGS)

# Issue 2's demonstration: C#-built frames through the RTL header path (nc_hdr_tool) and tshark.
header-demo: deps rtl-tool dotnet-build
	@dotnet $(ROOT)/host/NetChannel.Cli/bin/$(CONFIG)/net10.0/netchannel.dll header-demo $(ARGS)

# Issue 5: every benchmark, one command. Section 1 (hardware, exact cycles): the header path's line rate
# (tb_top) and the NIC core through libncsim in step mode (build/sim/bench_nic); section 2 (host runtime on
# the loopback device, wall clock) and section 3 (BenchmarkDotNet) from host/NetChannel.Benchmarks. Writes
# build/bench/results.json, regenerates docs/performance.md and the plots docs/perf-*.svg
# (tests/bench/report.py). QUICK=1: fewer messages, shorter intervals, one round per comparison.
BENCH_DIR   := $(BUILD)/bench
BENCH_QUICK := $(if $(filter 1 yes true,$(QUICK)),--quick)
BENCH_DLL   := $(ROOT)/host/NetChannel.Benchmarks/bin/$(CONFIG)/net10.0/NetChannel.Benchmarks.dll
BENCH_PY    := python3 $(ROOT)/tests/bench/report.py
CLI_DLL     := $(ROOT)/host/NetChannel.Cli/bin/$(CONFIG)/net10.0/netchannel.dll

bench: deps dotnet-build
	@$(MAKE) -s --no-print-directory -f $(ROOT)/Makefile $(RTL_EXE) $(SIM_LIB) $(SIM_BUILD)/bench_nic
	@$(BENCH_PY) begin $(BENCH_DIR) "make bench$(if $(BENCH_QUICK), QUICK=1)"
	@echo "== section 1: header-path line rate (tb_top)"
	@set -o pipefail; $(RTL_EXE) test --only linerate --pcap $(RTL_BUILD)/builder_random.pcap | tee $(BENCH_DIR)/linerate.txt
	@$(BENCH_PY) mark $(BENCH_DIR) "line rate"
	@echo "== section 1: the NIC core through libncsim (step mode)"
	@$(SIM_BUILD)/bench_nic $(SIM_LIB) $(BENCH_QUICK) --json $(BENCH_DIR)/hw.json
	@$(BENCH_PY) mark $(BENCH_DIR) "NIC through libncsim"
	@echo "== section 2: the host runtime on the loopback device"
	@dotnet $(BENCH_DLL) host $(BENCH_QUICK) --json $(BENCH_DIR)/host.json
	@$(BENCH_PY) mark $(BENCH_DIR) "host runtime"
	@echo "== section 3: micro-benchmarks (BenchmarkDotNet)"
	@dotnet $(BENCH_DLL) micro $(BENCH_QUICK) --json $(BENCH_DIR)/micro.json > $(BENCH_DIR)/micro.log \
	  || { tail -50 $(BENCH_DIR)/micro.log; exit 1; }
	@grep -E '^\s+micro_(mean_ns|allocated_bytes)' $(BENCH_DIR)/micro.log || true
	@$(BENCH_PY) mark $(BENCH_DIR) "micro-benchmarks"
	@echo "== section 4: fault matrix (the demo workload on two simulated NICs, one run per link fault)"
	@$(BENCH_PY) faults $(BENCH_DIR) dotnet $(CLI_DLL) demo $(if $(BENCH_QUICK),--bytes 262144 --rpc-calls 200)
	@$(BENCH_PY) mark $(BENCH_DIR) "fault matrix"
	@$(BENCH_PY) finish $(BENCH_DIR) $(ROOT)/docs/performance.md $(ROOT)/docs

# The NetDriver alone on the loopback test device (wall-clock figures: machine-dependent).
host-bench: dotnet-build
	@dotnet $(ROOT)/host/NetChannel.Cli/bin/$(CONFIG)/net10.0/netchannel.dll loopback-bench $(ARGS)

clean:
	rm -rf $(BUILD)
	find $(ROOT)/host $(ROOT)/tests -type d \( -name bin -o -name obj \) -prune -exec rm -rf {} +
