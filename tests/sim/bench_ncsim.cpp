// Simulator speed: simulated cycles per wall-clock second of a libncsim build (two NICs, one
// simulation thread). Not a test: it prints figures, it asserts nothing about speed.
//
//   bench_ncsim LIB.so [--cycles N] [--seconds S] [--mode step|free|traffic]
//
//   step, idle         ncsim_step(N) on a paused system after reset: the clock loop alone
//   free-running, idle the clock running freely for S seconds, nothing to do
//   free-running, traffic   (nc_testdev only) both NICs sending 1500-byte frames back to back through
//                      DMA reads, the link and DMA writes; each TX interrupt re-arms the next frame
#include <time.h>

#include <chrono>
#include <cstdlib>
#include <thread>

#include "ncsim_loader.h"
#include "test_common.h"

namespace {

NcsimApi api;

double now() { return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count(); }

// CPU time of the whole process: in step mode the caller sleeps in ncsim_step, so this is the simulation
// thread's time, which a shared machine's other load does not stretch the way it stretches wall time.
double cpu() {
    timespec t;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
    return double(t.tv_sec) + 1e-9 * double(t.tv_nsec);
}

void line(const char* mode, uint64_t cycles, double secs, double cpu_secs, const std::string& extra = "") {
    std::printf("ncsim speed %-24s %8.3f M cycles/s wall, %8.3f M cycles per CPU second  (%llu cycles in %.2f s)%s\n", mode,
                cycles / secs / 1e6, cycles / cpu_secs / 1e6, (unsigned long long)cycles, secs, extra.c_str());
    std::fflush(stdout);
}

ncsim_t* create(bool paused, const ncsim_config* base = nullptr) {
    ncsim_config c;
    if (base) c = *base; else api.ncsim_config_init(&c);
    c.start_paused = paused;
    char e[512];
    ncsim_t* s = api.ncsim_create(&c, e, sizeof e);
    if (!s) { std::fprintf(stderr, "ncsim_create: %s\n", e); std::exit(1); }
    return s;
}

struct Traffic { ncsim_t* s; };
void rearm(void* user, int nic, int vector) {
    if (vector == 2) api.ncsim_mmio_write(static_cast<Traffic*>(user)->s, nic, 0x050, 1);  // TX_CMD
}

}  // namespace

int main(int argc, char** argv) {
    std::string lib;
    uint64_t cycles = 5000000;
    double seconds = 3;
    std::string mode;
    for (int i = 1; i < argc; i++) {
        std::string a = argv[i];
        if (a == "--cycles" && i + 1 < argc) cycles = std::strtoull(argv[++i], nullptr, 10);
        else if (a == "--seconds" && i + 1 < argc) seconds = std::atof(argv[++i]);
        else if (a == "--mode" && i + 1 < argc) mode = argv[++i];
        else lib = a;
    }
    if (lib.empty() || !api.load(lib)) {
        std::fprintf(stderr, "usage: bench_ncsim LIB.so [--cycles N] [--seconds S]  (%s)\n", api.error.c_str());
        return 2;
    }
    std::printf("library %s (device %s, tracing %s)\n", lib.c_str(), api.ncsim_device_name(), api.ncsim_has_tracing() ? "compiled in" : "not compiled in");

    if (mode.empty() || mode == "step") {
        ncsim_t* s = create(true);
        const double t0 = now(), u0 = cpu();
        api.ncsim_step(s, cycles);
        const double t1 = now(), u1 = cpu();
        line("step, idle", api.ncsim_cycles(s), t1 - t0, u1 - u0);
        api.ncsim_destroy(s);
    }
    if (mode.empty() || mode == "free") {
        ncsim_t* s = create(false);
        const uint64_t c0 = api.ncsim_cycles(s);
        const double t0 = now(), u0 = cpu();
        std::this_thread::sleep_for(std::chrono::duration<double>(seconds));
        const uint64_t c1 = api.ncsim_cycles(s);
        const double t1 = now(), u1 = cpu();
        line("free-running, idle", c1 - c0, t1 - t0, u1 - u0);
        api.ncsim_destroy(s);
    }
    if ((mode.empty() || mode == "traffic") && std::string(api.ncsim_device_name()) == "nc_testdev") {
        ncsim_config cfg;
        api.ncsim_config_init(&cfg);
        ncsim_t* s = create(true, &cfg);
        Traffic tr{s};
        std::vector<uint8_t*> bufs;
        for (int n = 0; n < 2; n++) {
            auto* tx = static_cast<uint8_t*>(std::aligned_alloc(4096, 4096));
            auto* rx = static_cast<uint8_t*>(std::aligned_alloc(4096, 16 * 2048));
            auto* cpl = static_cast<uint8_t*>(std::aligned_alloc(4096, 4096));
            t::Bytes f = t::udp_frame(1500 - 42, 1, n);
            std::memcpy(tx, f.data(), f.size());
            for (auto* p : {tx, rx, cpl}) bufs.push_back(p);
            api.ncsim_dma_map(s, n, uint64_t(uintptr_t(tx)), 4096);
            api.ncsim_dma_map(s, n, uint64_t(uintptr_t(rx)), 16 * 2048);
            api.ncsim_dma_map(s, n, uint64_t(uintptr_t(cpl)), 4096);
            auto W = [&](uint32_t r, uint64_t v) { api.ncsim_mmio_write(s, n, r, uint32_t(v)); };
            W(0x060, uintptr_t(rx)); W(0x064, uint64_t(uintptr_t(rx)) >> 32); W(0x068, 2048); W(0x06C, 16);
            W(0x074, uintptr_t(cpl)); W(0x078, uint64_t(uintptr_t(cpl)) >> 32); W(0x07C, 1);
            W(0x040, uintptr_t(tx)); W(0x044, uint64_t(uintptr_t(tx)) >> 32); W(0x048, f.size()); W(0x04C, 0);
            W(0x05C, 0x102);  // TX interrupt, vector 2
        }
        api.ncsim_set_irq_callback(s, rearm, &tr);
        api.ncsim_mmio_write(s, 0, 0x050, 1);
        api.ncsim_mmio_write(s, 1, 0x050, 1);
        const double t0 = now(), u0 = cpu();
        api.ncsim_step(s, cycles);
        const double t1 = now(), u1 = cpu();
        ncsim_link_stats ls{};
        ls.size = sizeof ls;
        api.ncsim_get_link_stats(s, &ls);
        const uint64_t c = api.ncsim_cycles(s);
        char extra[200];
        const double sim_s = double(c) * NCSIM_NS_PER_CYCLE * 1e-9;
        std::snprintf(extra, sizeof extra, "; %llu + %llu frames, %.1f Gbit/s simulated per direction",
                      (unsigned long long)ls.dir[0].frames_delivered, (unsigned long long)ls.dir[1].frames_delivered,
                      ls.dir[0].bytes_sent * 8 / sim_s / 1e9);
        line("step, traffic both ways", c, t1 - t0, u1 - u0, extra);
        api.ncsim_set_irq_callback(s, nullptr, nullptr);
        api.ncsim_destroy(s);
        for (auto* p : bufs) std::free(p);
    }
    return 0;
}
