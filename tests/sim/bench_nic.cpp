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
#include "ncsim_loader.h"

namespace {

NcsimApi api;

[[noreturn]] void die(const std::string& what, ncsim_t* s = nullptr) {
    std::fprintf(stderr, "bench_nic: %s%s%s\n", what.c_str(), s ? ": " : "", s ? api.last_error(s).c_str() : "");
    std::exit(1);
}

// Two NICs of one libncsim system, paused; host memory is one arena mapped for both NICs' DMA.
class NcsimBus : public nchost::HostBus {
public:
    explicit NcsimBus(const nchost::BenchSysConfig& b) {
        ncsim_config c;
        api.ncsim_config_init(&c);
        c.dma_latency_cycles = b.dma_latency;
        c.link_latency_cycles = 0;
        c.link_rate = 64;
        c.loss = b.loss;
        c.reorder = b.reorder;
        c.seed = b.seed;
        c.start_paused = 1;
        char e[512] = {0};
        s_ = api.ncsim_create(&c, e, sizeof e);
        if (!s_) die(std::string("ncsim_create: ") + e);
        base_ = static_cast<uint8_t*>(std::aligned_alloc(4096, kArena));
        if (!base_) die("out of memory");
        std::memset(base_, 0, kArena);
        for (int n = 0; n < 2; n++)
            if (api.ncsim_dma_map(s_, n, bus(base_), kArena) != NCSIM_OK) die("ncsim_dma_map", s_);
    }
    ~NcsimBus() override {
        ncsim_nic_stats st[2];
        for (int n = 0; n < 2; n++) st[n] = stats(n);
        const std::string err = api.last_error(s_);
        api.ncsim_destroy(s_);
        std::free(base_);
        if (st[0].violations || st[1].violations) {
            std::fprintf(stderr, "bench_nic: device protocol violations: %s\n", err.c_str());
            std::exit(1);
        }
    }
    NcsimBus(const NcsimBus&) = delete;
    NcsimBus& operator=(const NcsimBus&) = delete;

    void wr(int nic, uint32_t addr, uint32_t v) override {
        if (api.ncsim_mmio_write(s_, nic, addr, v) != NCSIM_OK) die("ncsim_mmio_write", s_);
    }
    uint32_t rd(int nic, uint32_t addr) override {
        uint32_t v = 0;
        if (api.ncsim_mmio_read(s_, nic, addr, &v) != NCSIM_OK) die("ncsim_mmio_read", s_);
        return v;
    }
    void run(uint64_t n) override {
        if (api.ncsim_step(s_, n) != NCSIM_OK) die("ncsim_step", s_);
    }
    uint64_t now() const override { return api.ncsim_cycles(s_); }
    uint8_t* alloc(size_t n, size_t align) override {
        used_ = (used_ + align - 1) & ~(align - 1);
        if (used_ + n > kArena) die("arena exhausted");
        uint8_t* p = base_ + used_;
        used_ += n;
        return p;
    }
    uint64_t bus(const uint8_t* p) const override { return uint64_t(uintptr_t(p)); }
    nchost::MacStamps stamps(int nic) override {
        const ncsim_nic_stats st = stats(nic);
        nchost::MacStamps m;
        m.tx_frames = st.mac_tx_frames; m.tx_beats = st.mac_tx_beats; m.tx_sof = st.mac_tx_sof_cycle;
        m.rx_frames = st.mac_rx_frames; m.rx_beats = st.mac_rx_beats; m.rx_sof = st.mac_rx_sof_cycle;
        m.mmio_write = st.mmio_write_cycle;
        return m;
    }

    nchost::LinkCounts link_counts(int dir) override {
        ncsim_link_stats st{};
        st.size = NCSIM_LINK_STATS_SIZE_V1;
        if (api.ncsim_get_link_stats(s_, &st) != NCSIM_OK) die("ncsim_get_link_stats", s_);
        const ncsim_link_dir_stats& d = st.dir[dir];
        nchost::LinkCounts l;
        l.sent = d.frames_sent; l.dropped = d.dropped; l.reordered = d.reordered; l.duplicated = d.duplicated;
        l.delivered = d.frames_delivered;
        return l;
    }

private:
    ncsim_nic_stats stats(int nic) {
        ncsim_nic_stats st{};
        st.size = NCSIM_NIC_STATS_SIZE_V2;
        if (api.ncsim_get_nic_stats(s_, nic, &st) != NCSIM_OK) die("ncsim_get_nic_stats", s_);
        return st;
    }
    static constexpr size_t kArena = size_t(256) << 20;
    ncsim_t* s_ = nullptr;
    uint8_t* base_ = nullptr;
    size_t used_ = 0;
};

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
    nchost::BusFactory make = [](const nchost::BenchSysConfig& b) -> std::unique_ptr<nchost::HostBus> {
        return std::make_unique<NcsimBus>(b);
    };
    nchost::Json js("\"harness\": \"libncsim\"");
    const auto t0 = std::chrono::steady_clock::now();
    const int rc = nchost::run_bench_suite(make, quick, js, "libncsim, step mode", only);
    std::printf("\nsection 1 took %.1f s\n", std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
    if (!js.write(json)) { std::fprintf(stderr, "bench_nic: cannot write %s\n", json.c_str()); return 1; }
    return rc;
}
