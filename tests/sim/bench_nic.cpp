// The NIC hardware benchmarks through libncsim (issue 5, section 1): the scenarios of
// tests/common/nc_bench_suite.h run on two simulated nc_nic behind libncsim's C ABI, in step mode, so
// every figure is an exact cycle count: the host model acts only between ncsim_step calls, reads
// registers with ncsim_mmio_read (which runs the clock just until the answer, counted), and takes the
// MAC and register timestamps it needs for latencies from ncsim_get_nic_stats (V2 fields). Wall-clock
// figures are only the simulator's own speed. Not a test: it prints figures and writes JSON.
//
//   bench_nic LIB.so [--quick] [--json FILE] [--only SECTION]
//
// The link is 64 B/cycle with no propagation delay (the raw 512-bit MAC at one beat per cycle; preamble,
// FCS and inter-frame gap counted), the DMA latency is set per scenario.

#include <cinttypes>
#include <cstdio>
#include <memory>
#include <string>

#include "nc_bench_suite.h"
#include "ncsim_bus.h"

namespace {

using ncbus::api;

// Two NICs of one libncsim system, paused (tests/sim/ncsim_bus.h), configured for one benchmark scenario.
std::unique_ptr<nchost::HostBus> make_bus(const nchost::BenchSysConfig& b) {
    ncsim_config c;
    api.ncsim_config_init(&c);
    c.dma_latency_cycles = b.dma_latency;
    c.link_latency_cycles = 0;
    c.link_rate = 64;
    c.loss = b.loss;
    c.reorder = b.reorder;
    c.seed = b.seed;
    return std::make_unique<ncbus::NcsimBus>("bench_nic", c);
}

}  // namespace

int main(int argc, char** argv) {
    std::string lib, json, only;
    bool quick = false;
    for (int i = 1; i < argc; i++) {
        std::string a = argv[i];
        if (a == "--quick") quick = true;
        else if (a == "--json" && i + 1 < argc) json = argv[++i];
        else if (a == "--only" && i + 1 < argc) only = argv[++i];
        else if (a[0] == '-') { std::fprintf(stderr, "bench_nic: unknown option %s\n", a.c_str()); return 2; }
        else lib = a;
    }
    if (lib.empty() || !api.load(lib)) {
        std::fprintf(stderr, "usage: bench_nic LIB.so [--quick] [--json FILE] [--only goodput|channels|latency|loss|speed]  (%s)\n", api.error.c_str());
        return 2;
    }
    if (std::string(api.ncsim_device_name()) != "nc_nic") {
        std::fprintf(stderr, "bench_nic: %s simulates %s, not nc_nic\n", lib.c_str(), api.ncsim_device_name());
        return 2;
    }
    nchost::BusFactory make = make_bus;
    nchost::Json js("\"harness\": \"libncsim\"");
    const auto t0 = std::chrono::steady_clock::now();
    const int rc = nchost::run_bench_suite(make, quick, js, "libncsim, step mode", only);
    std::printf("\nsection 1 took %.1f s\n", std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
    if (!js.write(json)) { std::fprintf(stderr, "bench_nic: cannot write %s\n", json.c_str()); return 1; }
    return rc;
}
