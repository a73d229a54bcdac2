// libncsim through its C ABI, with the test device (tests/sim/nc_testdev.sv) in place of nc_nic:
// MMIO from several threads, DMA read/write with byte lanes and the IOMMU, interrupts (callback and
// wait), the link (faults, FCS), pcap decoded by tshark, step-mode determinism, waveforms, shutdown and
// the protocol checks. The library is loaded with dlopen, as a foreign-function interface would.
//
//   test_ncsim LIB.so [--tmp DIR] [--only NAME]     the test-device library (all cases)
//   test_ncsim LIB.so --nic [--tmp DIR]               the real nc_nic library (what works without a driver)
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <map>
#include <mutex>
#include <thread>

#include "nc_spec.h"
#include "ncsim_loader.h"
#include "test_common.h"

using namespace t;

namespace {

NcsimApi api;
std::string g_tmp = "/tmp";
std::string g_only;

// ---- nc_testdev registers ----
enum : uint32_t {
    ID_MAGIC = 0x000, ID_VERSION = 0x004, SCRATCH0 = 0x010, CYCLE_LO = 0x020, CYCLE_HI = 0x024, RD_DELAY = 0x028,
    IRQ_FIRE = 0x030, TX_ADDR_LO = 0x040, TX_ADDR_HI = 0x044, TX_LEN = 0x048, TX_CHUNK = 0x04C, TX_CMD = 0x050,
    TX_STATUS = 0x054, TX_FRAMES = 0x058, TX_IRQ = 0x05C, RX_BASE_LO = 0x060, RX_BASE_HI = 0x064,
    RX_STRIDE = 0x068, RX_SLOTS = 0x06C, RX_OFFSET = 0x070, RX_CPL_LO = 0x074, RX_CPL_HI = 0x078,
    RX_CTRL = 0x07C, RX_FRAMES = 0x080, RX_BAD_FCS = 0x084, RX_DMA_ERR = 0x088, RX_NO_BUF = 0x08C,
    RX_IDX = 0x090, VIOL = 0x0A0, VIOL_RSP = 0x0A4, VIOL_DONE = 0x0A8, BUSY = 0x0AC,
};
constexpr uint32_t kMagic = 0x4E435444;  // 'NCTD'
constexpr int kTxVec = 2, kRxVec = 3;

bool want(const char* name) { return g_only.empty() || g_only == name; }

// Page-aligned zeroed host memory, mapped for one NIC while alive.
struct Mem {
    uint8_t* p = nullptr;
    size_t n = 0;
    ncsim_t* s = nullptr;
    int nic = 0;
    bool mapped = false;
    Mem(ncsim_t* sys, int nic_, size_t len, bool map = true) : n(len), s(sys), nic(nic_) {
        p = static_cast<uint8_t*>(std::aligned_alloc(4096, (len + 4095) & ~size_t(4095)));
        std::memset(p, 0, len);
        if (map) mapped = api.ncsim_dma_map(s, nic, uint64_t(uintptr_t(p)), n) == NCSIM_OK;
    }
    ~Mem() {
        if (mapped) api.ncsim_dma_unmap(s, nic, uint64_t(uintptr_t(p)), n);
        std::free(p);
    }
    uint64_t bus(size_t off = 0) const { return uint64_t(uintptr_t(p)) + off; }
};

ncsim_config base_cfg() {
    ncsim_config c;
    api.ncsim_config_init(&c);
    c.dma_latency_cycles = 50;
    c.link_latency_cycles = 20;
    return c;
}

ncsim_t* make(const ncsim_config& c, std::string* err = nullptr, NcsimApi* a = &api) {
    char e[512] = {0};
    ncsim_t* s = a->ncsim_create(&c, e, sizeof e);
    if (err) *err = e;
    if (!s && !err) std::printf("# ncsim_create failed: %s\n", e);
    return s;
}

uint32_t rd(ncsim_t* s, int nic, uint32_t a, int* rc = nullptr) {
    uint32_t v = 0xDEADBEEF;
    const int r = api.ncsim_mmio_read(s, nic, a, &v);
    if (rc) *rc = r;
    return r == NCSIM_OK ? v : 0xDEADBEEF;
}
void wr(ncsim_t* s, int nic, uint32_t a, uint32_t v) { api.ncsim_mmio_write(s, nic, a, v); }
void wr64(ncsim_t* s, int nic, uint32_t lo, uint64_t v) { wr(s, nic, lo, uint32_t(v)); wr(s, nic, lo + 4, uint32_t(v >> 32)); }

struct RxArea {
    uint64_t base, cpl;
    uint32_t stride, slots, offset;
};

void setup_rx(ncsim_t* s, int nic, const RxArea& a, bool irq = true) {
    wr64(s, nic, RX_BASE_LO, a.base);
    wr(s, nic, RX_STRIDE, a.stride);
    wr(s, nic, RX_OFFSET, a.offset);
    wr64(s, nic, RX_CPL_LO, a.cpl);
    wr(s, nic, RX_SLOTS, a.slots);
    wr(s, nic, RX_CTRL, 1u | (uint32_t(kRxVec) << 8) | (irq ? 1u << 16 : 0));
}

void start_tx(ncsim_t* s, int nic, uint64_t addr, uint32_t len, uint32_t chunk, bool irq = true, bool abort = false) {
    wr64(s, nic, TX_ADDR_LO, addr);
    wr(s, nic, TX_LEN, len);
    wr(s, nic, TX_CHUNK, chunk);
    wr(s, nic, TX_IRQ, irq ? (0x100u | kTxVec) : 0);
    wr(s, nic, TX_CMD, 1u | (abort ? 0x100u : 0));
}

// Waits for TX_STATUS.busy to clear; returns TX_STATUS.
uint32_t wait_tx(ncsim_t* s, int nic) {
    for (int i = 0; i < 100000; i++) {
        const uint32_t st = rd(s, nic, TX_STATUS);
        if (st == 0xDEADBEEF || !(st & 1)) return st;
    }
    return 0xDEADBEEF;
}

ncsim_link_stats link_stats(ncsim_t* s) {
    ncsim_link_stats st{};
    st.size = sizeof st;
    api.ncsim_get_link_stats(s, &st);
    return st;
}
ncsim_nic_stats nic_stats(ncsim_t* s, int nic) {
    ncsim_nic_stats st{};
    st.size = sizeof st;
    api.ncsim_get_nic_stats(s, nic, &st);
    return st;
}

// ------------------------------------------------------------------------------------------------
void test_abi() {
    Check c;
    c(api.ncsim_abi_version() == NCSIM_ABI_VERSION, "abi version " + str(uint64_t(api.ncsim_abi_version())));
    c(std::string(api.ncsim_device_name()) == "nc_testdev", std::string("device ") + api.ncsim_device_name());
    ncsim_config cfg;
    std::memset(&cfg, 0xFF, sizeof cfg);
    api.ncsim_config_init(&cfg);
    c(cfg.size == sizeof cfg && cfg.dma_latency_cycles == 200 && cfg.link_latency_cycles == 100 && cfg.link_rate == 50.0 &&
          cfg.reset_cycles == 16 && cfg.mmio_timeout_ms == 10000 && cfg.loss == 0 && cfg.pcap_path == nullptr &&
          cfg.start_paused == 0 && cfg.rx_fifo_bytes == (1u << 20),
      "config_init defaults");
    report(c.ok(), "abi", c.ok() ? "version 1, device nc_testdev, defaults as documented" : c.err);
}

void test_create_invalid() {
    Check c;
    struct Case { const char* what; void (*f)(ncsim_config&); const char* expect; };
    const Case cases[] = {
        {"loss 1.5", [](ncsim_config& x) { x.loss = 1.5; }, "loss"},
        {"corrupt -0.1", [](ncsim_config& x) { x.corrupt = -0.1; }, "corrupt"},
        {"dup NaN", [](ncsim_config& x) { x.dup = 0.0 / 0.0; }, "dup"},
        {"link_rate 0", [](ncsim_config& x) { x.link_rate = 0; }, "link_rate"},
        {"link_rate 65", [](ncsim_config& x) { x.link_rate = 65; }, "link_rate"},
        {"reset_cycles 0", [](ncsim_config& x) { x.reset_cycles = 0; }, "reset_cycles"},
        {"size 8", [](ncsim_config& x) { x.size = 8; }, "size"},
        {"rx_fifo_bytes 100", [](ncsim_config& x) { x.rx_fifo_bytes = 100; }, "rx_fifo_bytes"},
        {"pcap in a missing directory", [](ncsim_config& x) { x.pcap_path = "/nonexistent-dir/x.pcap"; }, "pcap"},
    };
    int n = 0;
    for (auto& k : cases) {
        ncsim_config cfg = base_cfg();
        k.f(cfg);
        std::string e;
        ncsim_t* s = make(cfg, &e);
        if (s) { api.ncsim_destroy(s); c(false, std::string(k.what) + " accepted"); continue; }
        c(e.find(k.expect) != std::string::npos, std::string(k.what) + ": message '" + e + "' does not name " + k.expect);
        n++;
    }
    c(api.ncsim_create(nullptr, nullptr, 0) == nullptr, "NULL config accepted");
    report(c.ok(), "create_invalid", c.ok() ? str(uint64_t(n)) + " bad configurations refused with a message naming the field" : c.err);
}

void test_mmio_basic() {
    Check c;
    ncsim_t* s = make(base_cfg());
    if (!s) { report(false, "mmio_basic", "create failed"); return; }
    for (int n = 0; n < 2; n++) {
        c(rd(s, n, ID_MAGIC) == kMagic, "NIC " + str(uint64_t(n)) + " magic");
        c(rd(s, n, ID_VERSION) == 1, "version");
    }
    wr(s, 0, SCRATCH0, 0x11111111);
    wr(s, 1, SCRATCH0, 0x22222222);
    c(rd(s, 0, SCRATCH0) == 0x11111111 && rd(s, 1, SCRATCH0) == 0x22222222, "scratch registers are per NIC");
    // Reads answered late still come back right and in order.
    wr(s, 0, RD_DELAY, 200);
    const auto t0 = api.ncsim_cycles(s);
    c(rd(s, 0, SCRATCH0) == 0x11111111, "scratch with RD_DELAY 200");
    c(api.ncsim_cycles(s) - t0 >= 200, "a read with RD_DELAY 200 took fewer than 200 cycles");
    wr(s, 0, RD_DELAY, 0);
    // Argument checks.
    uint32_t v;
    c(api.ncsim_mmio_read(s, 0, 2, &v) == NCSIM_EINVAL, "misaligned read accepted");
    c(api.ncsim_mmio_write(s, 0, 0x10000, 1) == NCSIM_EINVAL, "address 0x10000 accepted");
    c(api.ncsim_mmio_read(s, 2, 0, &v) == NCSIM_EINVAL, "nic 2 accepted");
    c(api.ncsim_mmio_read(nullptr, 0, 0, &v) == NCSIM_EINVAL, "NULL system accepted");
    // The device's own cycle counter advances exactly with the simulator's (checked while paused).
    api.ncsim_pause(s);
    int64_t diff = 0;
    for (int k = 0; k < 3; k++) {
        api.ncsim_step(s, uint64_t(1 + 1000 * k));
        const uint32_t d = rd(s, 0, CYCLE_LO);
        const int64_t df = int64_t(api.ncsim_cycles(s) & 0xFFFFFFFF) - int64_t(d);
        if (k == 0) diff = df;
        c(df == diff && df >= 0 && df < 8, "device cycle counter drifts from ncsim_cycles: " + std::to_string(df));
    }
    api.ncsim_resume(s);
    const ncsim_nic_stats st = nic_stats(s, 0);
    c(st.mmio_reads == 7 && st.mmio_writes == 3, "NIC 0 counted " + str(st.mmio_reads) + " reads, " + str(st.mmio_writes) + " writes (expected 7, 3)");
    api.ncsim_destroy(s);
    report(c.ok(), "mmio_basic", c.ok() ? "magic, per-NIC scratch, delayed answers, argument checks" : c.err);
}

void test_mmio_threads() {
    Check c;
    ncsim_t* s = make(base_cfg());
    if (!s) { report(false, "mmio_threads", "create failed"); return; }
    wr(s, 0, RD_DELAY, 3);
    wr(s, 1, RD_DELAY, 7);
    constexpr int kThreads = 4, kIters = 400;
    std::atomic<int> bad{0};
    std::vector<std::thread> th;
    const auto t0 = std::chrono::steady_clock::now();
    for (int i = 0; i < kThreads; i++) {
        th.emplace_back([&, i] {
            const int nic = i & 1;
            const uint32_t reg = SCRATCH0 + 4u * uint32_t(i >> 1) + (nic ? 8u : 0u);
            std::mt19937 r{uint32_t(i)};
            for (int k = 0; k < kIters; k++) {
                const uint32_t val = uint32_t(r());
                if (api.ncsim_mmio_write(s, nic, reg, val) != NCSIM_OK) { bad++; continue; }
                uint32_t got = 0;
                if (api.ncsim_mmio_read(s, nic, reg, &got) != NCSIM_OK || got != val) bad++;
            }
        });
    }
    for (auto& x : th) x.join();
    const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    c(bad == 0, str(uint64_t(bad.load())) + " read-backs differ from the value the same thread wrote just before");
    const ncsim_nic_stats a = nic_stats(s, 0), b = nic_stats(s, 1);
    c(a.mmio_reads + b.mmio_reads == uint64_t(kThreads * kIters) && a.mmio_writes + b.mmio_writes == uint64_t(kThreads * kIters) + 2,
      "device counted " + str(a.mmio_reads + b.mmio_reads) + " reads, " + str(a.mmio_writes + b.mmio_writes) + " writes");
    api.ncsim_destroy(s);
    char d[128];
    std::snprintf(d, sizeof d, "%d threads x %d write+read pairs in call order (%.0f reads/s)", kThreads, kIters,
                  kThreads * kIters / secs);
    report(c.ok(), "mmio_threads", c.ok() ? d : c.err);
}

// One frame NIC src -> NIC dst through DMA read, link, DMA write; checks every byte and the guards.
bool one_frame(ncsim_t* s, int src, Mem& txm, Mem& rxm, Mem& cplm, const RxArea& ra, size_t len, size_t src_off,
               uint32_t chunk, uint64_t seed, std::string& why) {
    const int dst = 1 - src;
    Bytes f(len);
    std::mt19937_64 r(seed);
    for (auto& x : f) x = uint8_t(r());
    std::memset(txm.p, 0x5A, txm.n);
    std::memcpy(txm.p + src_off, f.data(), len);
    const uint32_t slot = rd(s, dst, RX_IDX);
    uint8_t* area = rxm.p + size_t(slot) * ra.stride;
    std::memset(area, 0xEE, ra.stride);
    std::memset(cplm.p + 8 * slot, 0, 8);
    start_tx(s, src, txm.bus(src_off), uint32_t(len), chunk);
    const int v = api.ncsim_wait_irq(s, dst, 5000);
    if (v != kRxVec) { why = "no RX interrupt (" + std::to_string(v) + "), RX_NO_BUF " + str(rd(s, dst, RX_NO_BUF)); return false; }
    const int tv = api.ncsim_wait_irq(s, src, 5000);
    if (tv != kTxVec) { why = "no TX interrupt"; return false; }
    const size_t rlen = std::max<size_t>(len, 60);  // the MAC pads short frames
    const uint8_t* rec = cplm.p + 8 * slot;
    const uint32_t got_len = uint32_t(rec[0] | rec[1] << 8);
    if (rec[7] != 0x80 || got_len != rlen) { why = "record len " + str(got_len) + " flag " + str(rec[7]) + ", expected " + str(rlen); return false; }
    for (size_t i = 0; i < ra.offset; i++)
        if (area[i] != 0xEE) { why = "byte before the frame overwritten at " + str(i); return false; }
    for (size_t i = 0; i < rlen; i++) {
        const uint8_t want = i < len ? f[i] : 0;
        if (area[ra.offset + i] != want) { why = "byte " + str(i) + " differs"; return false; }
    }
    for (size_t i = ra.offset + rlen; i < ra.stride; i++)
        if (area[i] != 0xEE) { why = "byte after the frame overwritten at offset " + str(i - ra.offset); return false; }
    const uint32_t st = rd(s, src, TX_STATUS);
    if (st & 0xE) { why = "TX_STATUS " + str(st); return false; }
    return true;
}

void test_dma_frames() {
    Check c;
    ncsim_config cfg = base_cfg();
    ncsim_t* s = make(cfg);
    if (!s) { report(false, "dma_frames", "create failed"); return; }
    Mem tx0(s, 0, 20000), tx1(s, 1, 20000);
    Mem rx0(s, 0, 4 * 16512), rx1(s, 1, 4 * 16512), cpl0(s, 0, 64), cpl1(s, 1, 64);
    const uint32_t offs[2] = {0, 37};
    RxArea ra0{rx0.bus(), cpl0.bus(), 16512, 4, 0}, ra1{rx1.bus(), cpl1.bus(), 16512, 4, 0};
    const size_t lens[] = {1, 59, 60, 61, 63, 64, 65, 127, 128, 129, 1000, 1500, 4096, 9000, 9086, 16384};
    const uint32_t chunks[] = {0, 64, 100, 1, 4096, 333};
    std::mt19937 r(5);
    int n = 0;
    for (size_t li = 0; li < sizeof lens / sizeof lens[0] && c.ok(); li++) {
        for (int rep = 0; rep < 3 && c.ok(); rep++) {
            const int src = (n & 1);
            RxArea ra = src ? ra0 : ra1;
            ra.offset = offs[rep & 1] + uint32_t(r() % 27) * (rep == 2);
            setup_rx(s, 1 - src, ra);
            const size_t soff = r() % 64;
            uint32_t chunk = chunks[r() % 6];
            if (chunk == 1 && lens[li] > 512) chunk = 64;  // 1-byte requests: keep the run short
            std::string why;
            if (!one_frame(s, src, src ? tx1 : tx0, src ? rx0 : rx1, src ? cpl0 : cpl1, ra, lens[li], soff, chunk,
                           uint64_t(n) * 77, why))
                c(false, "len " + str(lens[li]) + " src+" + str(soff) + " chunk " + str(chunk) + " dst+" + str(ra.offset) + ": " + why);
            n++;
        }
    }
    const ncsim_nic_stats a = nic_stats(s, 0), b = nic_stats(s, 1);
    c(a.violations == 0 && b.violations == 0, "protocol violations: " + api.last_error(s));
    c(a.dma_rd_faults == 0 && b.dma_wr_faults == 0, "unexpected DMA faults");
    api.ncsim_destroy(s);
    report(c.ok(), "dma_frames", c.ok() ? str(uint64_t(n)) + " frames of 1..16384 bytes, any source/destination lane, 1..16384-byte read chunks, byte-exact, guards intact" : c.err);
}

void test_dma_iommu() {
    Check c;
    ncsim_t* s = make(base_cfg());
    if (!s) { report(false, "dma_iommu", "create failed"); return; }
    Mem tx(s, 0, 8192), rx(s, 1, 16384), cpl(s, 1, 64);
    setup_rx(s, 1, RxArea{rx.bus(), cpl.bus(), 8192, 2, 0});
    // Read from memory that is not mapped at all / partly mapped.
    Mem unm(s, 0, 8192, false);
    const auto l0 = link_stats(s);
    start_tx(s, 0, unm.bus(100), 500, 0, false);
    uint32_t st = wait_tx(s, 0);
    c((st & 2) != 0, "read of unmapped memory not refused (TX_STATUS " + str(st) + ")");
    start_tx(s, 0, tx.bus(8192 - 100), 200, 0, false);  // crosses the end of the mapping
    st = wait_tx(s, 0);
    c((st & 2) != 0, "read crossing the end of a mapping not refused");
    start_tx(s, 0, tx.bus(8192 - 200), 200, 0, false);  // ends exactly at the end
    st = wait_tx(s, 0);
    c((st & 2) == 0, "read ending at the end of a mapping refused");
    api.ncsim_wait_irq(s, 1, 5000);
    const auto l1 = link_stats(s);
    c(l1.dir[0].frames_sent - l0.dir[0].frames_sent == 1, "refused reads still sent frames");
    c(nic_stats(s, 0).dma_rd_faults == 2, "rd_faults " + str(nic_stats(s, 0).dma_rd_faults));

    // Write into an Rx area that is not mapped: refused, memory untouched, no record, no interrupt.
    Mem rxu(s, 1, 16384, false);
    std::memset(rxu.p, 0x77, rxu.n);
    setup_rx(s, 1, RxArea{rxu.bus(), cpl.bus(), 8192, 2, 0});
    std::memset(cpl.p, 0, 64);
    std::memset(tx.p, 0x42, 1000);
    const uint32_t err0 = rd(s, 1, RX_DMA_ERR);
    start_tx(s, 0, tx.bus(), 1000, 0, false);
    wait_tx(s, 0);
    for (int i = 0; i < 200 && rd(s, 1, RX_DMA_ERR) == err0; i++) {}
    c(rd(s, 1, RX_DMA_ERR) == err0 + 1, "unmapped Rx write not acknowledged with err");
    bool untouched = true;
    for (size_t i = 0; i < rxu.n; i++) untouched &= rxu.p[i] == 0x77;
    c(untouched, "refused write changed memory");
    c(nic_stats(s, 1).dma_wr_faults == 1, "wr_faults " + str(nic_stats(s, 1).dma_wr_faults));
    c(api.ncsim_wait_irq(s, 1, 0) == NCSIM_ETIMEDOUT, "interrupt after a refused write");
    c(api.last_error(s).empty(), "an IOMMU fault is not a protocol violation: " + api.last_error(s));

    // Unmap: exact (addr, len) only; afterwards the range is refused.
    c(api.ncsim_dma_unmap(s, 0, tx.bus(), 4096) == NCSIM_ENOENT, "unmap with the wrong length accepted");
    c(api.ncsim_dma_unmap(s, 0, tx.bus(), tx.n) == NCSIM_OK, "unmap failed");
    tx.mapped = false;
    start_tx(s, 0, tx.bus(), 100, 0, false);
    st = wait_tx(s, 0);
    c((st & 2) != 0, "read after unmap not refused");
    c(api.ncsim_dma_map(s, 0, 0, 100) == NCSIM_EINVAL && api.ncsim_dma_map(s, 0, tx.bus(), 0) == NCSIM_EINVAL, "bad map accepted");
    api.ncsim_destroy(s);
    report(c.ok(), "dma_iommu", c.ok() ? "unmapped/partly mapped reads refused with err, writes refused and memory untouched, unmap exact" : c.err);
}

struct CbLog {
    std::mutex mu;
    std::vector<std::pair<int, int>> calls;
    std::thread::id tid;
    ncsim_t* s = nullptr;
    int deadlk = 0;
};

void irq_cb(void* user, int nic, int vec) {
    auto* l = static_cast<CbLog*>(user);
    uint32_t v;
    if (vec == 9 && api.ncsim_mmio_read(l->s, nic, SCRATCH0, &v) == NCSIM_EDEADLK) l->deadlk++;
    if (vec == 9) api.ncsim_mmio_write(l->s, nic, SCRATCH0 + 12, 0xC0FFEE);  // allowed from the callback
    std::lock_guard<std::mutex> lk(l->mu);
    l->calls.push_back({nic, vec});
    l->tid = std::this_thread::get_id();
}

void test_irq() {
    Check c;
    ncsim_t* s = make(base_cfg());
    if (!s) { report(false, "irq", "create failed"); return; }
    c(api.ncsim_wait_irq(s, 0, 0) == NCSIM_ETIMEDOUT, "poll of an empty queue");
    const auto t0 = std::chrono::steady_clock::now();
    c(api.ncsim_wait_irq(s, 0, 50) == NCSIM_ETIMEDOUT, "timed wait of an empty queue");
    c(std::chrono::steady_clock::now() - t0 >= std::chrono::milliseconds(45), "wait_irq returned early");
    // Queued in order, per NIC.
    for (int v : {1, 2, 3}) wr(s, 0, IRQ_FIRE, uint32_t(v));
    wr(s, 1, IRQ_FIRE, 200);
    c(api.ncsim_wait_irq(s, 0, 2000) == 1 && api.ncsim_wait_irq(s, 0, 2000) == 2 && api.ncsim_wait_irq(s, 0, 2000) == 3,
      "vectors out of order");
    c(api.ncsim_wait_irq(s, 1, 2000) == 200, "NIC 1 vector 200");
    // A waiter blocked before the interrupt wakes up.
    std::atomic<int> got{-100};
    std::thread w([&] { got = api.ncsim_wait_irq(s, 1, 60000); });
    // Gives the waiter time to block first; should it not have, it takes the queued vector: the check holds either way.
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    wr(s, 1, IRQ_FIRE, 77);
    w.join();
    c(got == 77, "blocked waiter got " + std::to_string(got.load()));
    // Callback: on the simulation thread, every interrupt, and removable.
    CbLog log;
    log.s = s;
    c(api.ncsim_set_irq_callback(s, irq_cb, &log) == NCSIM_OK, "set callback");
    wr(s, 0, IRQ_FIRE, 5);
    wr(s, 1, IRQ_FIRE, 6);
    wr(s, 1, IRQ_FIRE, 9);
    c(api.ncsim_wait_irq(s, 0, 2000) == 5 && api.ncsim_wait_irq(s, 1, 2000) == 6 && api.ncsim_wait_irq(s, 1, 2000) == 9,
      "queue with a callback installed");
    // (the queue is filled before the callback runs: wait for the callback before reading what it wrote)
    for (const auto guard = std::chrono::steady_clock::now() + std::chrono::minutes(1);
         std::chrono::steady_clock::now() < guard;) {   // polled; the guard only turns a hang into a failure
        {
            std::lock_guard<std::mutex> lk(log.mu);
            if (log.calls.size() >= 3) break;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    c(rd(s, 1, SCRATCH0 + 12) == 0xC0FFEE, "mmio_write from the callback not applied");
    c(api.ncsim_set_irq_callback(s, nullptr, nullptr) == NCSIM_OK, "remove callback");
    wr(s, 0, IRQ_FIRE, 8);
    c(api.ncsim_wait_irq(s, 0, 2000) == 8, "queue after removing the callback");
    {
        std::lock_guard<std::mutex> lk(log.mu);
        c(log.calls.size() == 3 && log.calls[0] == std::make_pair(0, 5) && log.calls[1] == std::make_pair(1, 6) &&
              log.calls[2] == std::make_pair(1, 9),
          "callback calls: " + str(log.calls.size()));
        c(log.tid != std::this_thread::get_id(), "callback ran on the caller's thread");
        c(log.deadlk == 1, "blocking read from the callback did not return EDEADLK");
    }
    const ncsim_nic_stats st = nic_stats(s, 0);
    c(st.irqs == 5 && st.irqs_dropped == 0, "NIC 0 irqs " + str(st.irqs) + " (expected 5)");
    api.ncsim_destroy(s);
    report(c.ok(), "irq", c.ok() ? "wait_irq in order per NIC with timeouts, blocked waiter woken, callback on the sim thread, removable, EDEADLK inside" : c.err);
}

void test_violations() {
    Check c;
    ncsim_config cfg = base_cfg();
    cfg.dma_latency_cycles = 400;  // so that 300 back-to-back reads are outstanding at once
    ncsim_t* s = make(cfg);
    if (!s) { report(false, "violations", "create failed"); return; }
    Mem m(s, 0, 8192);
    wr64(s, 0, TX_ADDR_LO, m.bus(64));
    struct V { uint32_t len, kind; const char* expect; };
    const V vs[] = {
        {0, 1, "read request of 0 bytes"},
        {20000, 1, "read request of 20000 bytes"},
        {0, 2, "address changed inside a burst"},
        {0, 3, "more than 256 DMA reads outstanding"},
        {0, 4, "mmio_rd_valid without an outstanding"},
    };
    uint64_t n = 0;
    for (auto& v : vs) {
        api.ncsim_clear_error(s);
        wr(s, 0, TX_LEN, v.len);
        wr(s, 0, VIOL, v.kind);
        for (int i = 0; i < 1000 && (rd(s, 0, BUSY) & 4); i++) {}
        api.ncsim_wait_cycle(s, api.ncsim_cycles(s) + 100, 5000);  // the violation may come after the read's answer
        const std::string e = api.last_error(s);
        c(e.find(v.expect) != std::string::npos && e.find("NIC 0") != std::string::npos,
          "VIOL " + str(v.kind) + ": error '" + e + "' does not say '" + v.expect + "'");
        n++;
    }
    c((rd(s, 0, VIOL_RSP) & 0xFFFF) == 302 && (rd(s, 0, VIOL_RSP) >> 16) == 2, "VIOL reads: responses " + str(rd(s, 0, VIOL_RSP)));
    c((rd(s, 0, VIOL_DONE) >> 16) == 1, "the broken burst was not refused");
    const ncsim_nic_stats st = nic_stats(s, 0);
    c(st.violations == 5 && st.dma_rd_max_outstanding >= 257, "violations " + str(st.violations) + ", max outstanding " + str(st.dma_rd_max_outstanding));
    api.ncsim_clear_error(s);
    c(api.last_error(s).empty(), "clear_error");
    c(rd(s, 0, ID_MAGIC) == kMagic, "device unusable after violations");
    api.ncsim_destroy(s);
    report(c.ok(), "violations", c.ok() ? "zero-length and oversized reads, address change in a burst, >256 outstanding, unsolicited read data: reported per NIC" : c.err);
}

// Sends `frames` frames each way with link faults; checks the device's counters against the link's.
void test_link_faults() {
    Check c;
    ncsim_config cfg = base_cfg();
    cfg.loss = 0.1; cfg.dup = 0.1; cfg.reorder = 0.1; cfg.corrupt = 0.2;
    cfg.seed = 1234;
    ncsim_t* s = make(cfg);
    if (!s) { report(false, "link_faults", "create failed"); return; }
    Mem tx0(s, 0, 4096), tx1(s, 1, 4096), rx0(s, 0, 64 * 2048), rx1(s, 1, 64 * 2048), cpl0(s, 0, 512), cpl1(s, 1, 512);
    setup_rx(s, 0, RxArea{rx0.bus(), cpl0.bus(), 2048, 64, 0}, false);
    setup_rx(s, 1, RxArea{rx1.bus(), cpl1.bus(), 2048, 64, 0}, false);
    constexpr int kFrames = 300;
    for (int i = 0; i < kFrames; i++) {
        for (int n = 0; n < 2; n++) {
            Bytes f = udp_frame(size_t(100 + (i * 37) % 1400), uint64_t(i), n);
            std::memcpy((n ? tx1 : tx0).p, f.data(), f.size());
            start_tx(s, n, (n ? tx1 : tx0).bus(), uint32_t(f.size()), 0, false);
        }
        wait_tx(s, 0);
        wait_tx(s, 1);
    }
    // Let the link drain (a held frame is released after 1000 + 4 x latency cycles).
    api.ncsim_wait_cycle(s, api.ncsim_cycles(s) + 5000, 10000);
    const ncsim_link_stats l = link_stats(s);
    for (int d = 0; d < 2 && c.ok(); d++) {
        const auto& x = l.dir[d];
        const int dst = 1 - d;
        const uint32_t frames = rd(s, dst, RX_FRAMES), bad = rd(s, dst, RX_BAD_FCS), nobuf = rd(s, dst, RX_NO_BUF);
        c(x.frames_sent == kFrames, "dir " + str(d) + " sent " + str(x.frames_sent));
        c(x.in_flight == 0, "dir " + str(d) + " still in flight " + str(x.in_flight));
        c(x.frames_delivered == x.frames_sent - x.dropped + x.duplicated - x.rx_overflow,
          "dir " + str(d) + ": delivered " + str(x.frames_delivered) + " != sent - dropped + duplicated");
        c(x.fcs_errors == x.corrupted, "dir " + str(d) + ": fcs_errors " + str(x.fcs_errors) + " != corrupted " + str(x.corrupted));
        c(bad == x.fcs_errors, "dir " + str(d) + ": device saw " + str(bad) + " bad-FCS frames, link flagged " + str(x.fcs_errors));
        c(frames + bad + nobuf == x.frames_delivered, "dir " + str(d) + ": device counted " + str(frames + bad + nobuf) + " frames, link delivered " + str(x.frames_delivered));
        c(x.dropped > 10 && x.duplicated > 10 && x.reordered > 10 && x.corrupted > 30, "dir " + str(d) + ": too few faults for the probabilities");
    }
    api.ncsim_destroy(s);
    char d[200];
    std::snprintf(d, sizeof d, "dir0: %llu lost, %llu dup, %llu reordered, %llu corrupted = %llu bad FCS at the device",
                  (unsigned long long)l.dir[0].dropped, (unsigned long long)l.dir[0].duplicated,
                  (unsigned long long)l.dir[0].reordered, (unsigned long long)l.dir[0].corrupted, (unsigned long long)l.dir[0].fcs_errors);
    report(c.ok(), "link_faults", c.ok() ? d : c.err);
}

// The deterministic scenario: step mode, traffic both ways, faults on, register reads between steps.
struct Run {
    Bytes pcap;
    uint64_t cycles = 0;
    ncsim_link_stats link{};
    uint32_t rx_frames[2] = {0, 0};
    std::string error;
};

Run scenario(uint64_t seed, const std::string& pcap, const std::string& trace = "", NcsimApi* a = &api) {
    Run out;
    ncsim_config cfg = base_cfg();
    cfg.loss = 0.05; cfg.dup = 0.05; cfg.reorder = 0.1; cfg.corrupt = 0.05;
    cfg.seed = seed;
    cfg.start_paused = 1;
    cfg.pcap_path = pcap.c_str();
    if (!trace.empty()) {
        cfg.trace_path = trace.c_str();
        cfg.trace_start_cycle = 500;
        cfg.trace_cycles = 2000;
    }
    std::string err;
    ncsim_t* s = make(cfg, &err, a);
    if (!s) { out.error = "create: " + err; return out; }
    if (a->ncsim_cycles(s) != 0) out.error = "cycles after reset " + str(a->ncsim_cycles(s));
    NcsimApi& A = *a;
    auto W = [&](int n, uint32_t r, uint32_t v) { A.ncsim_mmio_write(s, n, r, v); };
    auto R = [&](int n, uint32_t r) { uint32_t v = 0; A.ncsim_mmio_read(s, n, r, &v); return v; };
    std::vector<uint8_t*> bufs;
    auto alloc = [&](int nic, size_t n) {
        auto* p = static_cast<uint8_t*>(std::aligned_alloc(4096, n));
        std::memset(p, 0, n);
        A.ncsim_dma_map(s, nic, uint64_t(uintptr_t(p)), n);
        bufs.push_back(p);
        return p;
    };
    uint8_t* tx[2] = {alloc(0, 16384), alloc(1, 16384)};
    for (int n = 0; n < 2; n++) {
        uint8_t* rx = alloc(n, 16 * 2048);
        uint8_t* cpl = alloc(n, 4096);
        W(n, RX_BASE_LO, uint32_t(uintptr_t(rx))); W(n, RX_BASE_HI, uint32_t(uint64_t(uintptr_t(rx)) >> 32));
        W(n, RX_STRIDE, 2048); W(n, RX_OFFSET, 2);
        W(n, RX_CPL_LO, uint32_t(uintptr_t(cpl))); W(n, RX_CPL_HI, uint32_t(uint64_t(uintptr_t(cpl)) >> 32));
        W(n, RX_SLOTS, 16); W(n, RX_CTRL, 1);
    }
    std::mt19937_64 r(99);  // the host's actions do not depend on the link seed
    for (int i = 0; i < 80; i++) {
        const int n = int(r() % 2);
        if (R(n, TX_STATUS) & 1) { A.ncsim_step(s, 50); continue; }
        Bytes f = udp_frame(size_t(r() % 1800), uint64_t(i), n);
        std::memcpy(tx[n] + 5, f.data(), f.size());
        W(n, TX_ADDR_LO, uint32_t(uintptr_t(tx[n] + 5))); W(n, TX_ADDR_HI, uint32_t(uint64_t(uintptr_t(tx[n])) >> 32));
        W(n, TX_LEN, uint32_t(f.size())); W(n, TX_CHUNK, uint32_t(r() % 3) * 256); W(n, TX_CMD, 1);
        A.ncsim_step(s, 1 + r() % 120);
    }
    A.ncsim_step(s, 4000);
    out.rx_frames[0] = R(0, RX_FRAMES);
    out.rx_frames[1] = R(1, RX_FRAMES);
    out.cycles = A.ncsim_cycles(s);
    out.link.size = sizeof out.link;
    A.ncsim_get_link_stats(s, &out.link);
    const std::string e = A.last_error(s);
    if (!e.empty()) out.error = e;
    A.ncsim_destroy(s);  // closes the pcap
    for (auto* p : bufs) std::free(p);
    out.pcap = read_file(pcap);
    return out;
}

void test_pcap_tshark() {
    Check c;
    const std::string p = g_tmp + "/ncsim_test_" + std::to_string(getpid()) + "_a.pcap";
    Run run = scenario(7, p);
    c(run.error.empty(), run.error);
    std::vector<PcapRec> recs;
    c(read_pcap(p, recs), "pcap unreadable");
    const uint64_t sent = run.link.dir[0].frames_sent + run.link.dir[1].frames_sent;
    c(recs.size() == sent && sent > 40, "pcap holds " + str(recs.size()) + " frames, link sent " + str(sent));
    bool mono = true, aligned = true;
    for (size_t i = 0; i < recs.size(); i++) {
        if (i && recs[i].ns < recs[i - 1].ns) mono = false;
        if (recs[i].ns % NCSIM_NS_PER_CYCLE) aligned = false;
    }
    c(mono, "timestamps go backwards");
    c(aligned, "timestamps not on 4 ns cycle boundaries");
    c(!recs.empty() && recs.back().ns <= run.cycles * NCSIM_NS_PER_CYCLE, "timestamp beyond the last cycle");
    const TsharkResult tr = tshark_check(p);
    c(tr.ran, "tshark did not run");
    c(tr.frames == int(recs.size()), "tshark decoded " + std::to_string(tr.frames) + " frames of " + str(recs.size()));
    c(tr.bad == 0, std::to_string(tr.bad) + " frames not clean: " + tr.first_problem);
    std::remove(p.c_str());
    report(c.ok(), "pcap_tshark", c.ok() ? str(recs.size()) + " frames both ways (faults on), tshark: all Ethernet/IPv4/UDP, checksums good, none malformed; ns timestamps = 4 x cycle, in order" : c.err);
}

void test_step_determinism() {
    Check c;
    const std::string pa = g_tmp + "/ncsim_test_" + std::to_string(getpid()) + "_b.pcap";
    const std::string pb = g_tmp + "/ncsim_test_" + std::to_string(getpid()) + "_c.pcap";
    const std::string pc = g_tmp + "/ncsim_test_" + std::to_string(getpid()) + "_d.pcap";
    Run a = scenario(4242, pa), b = scenario(4242, pb), d = scenario(4243, pc);
    c(a.error.empty() && b.error.empty() && d.error.empty(), a.error + b.error + d.error);
    c(a.pcap.size() > 1000 && a.pcap == b.pcap, "same seed: pcaps differ (" + str(a.pcap.size()) + " vs " + str(b.pcap.size()) + " bytes)");
    c(a.cycles == b.cycles, "same seed: cycle counts differ " + str(a.cycles) + " vs " + str(b.cycles));
    c(std::memcmp(&a.link, &b.link, sizeof a.link) == 0, "same seed: link statistics differ");
    c(a.rx_frames[0] == b.rx_frames[0] && a.rx_frames[1] == b.rx_frames[1], "same seed: device counters differ");
    c(a.pcap != d.pcap || std::memcmp(&a.link.dir[0].dropped, &d.link.dir[0].dropped, 8 * 5) != 0, "another seed gave the same faults");
    // Step semantics: exactly n cycles; ESTATE when running.
    ncsim_config cfg = base_cfg();
    cfg.start_paused = 1;
    ncsim_t* s = make(cfg);
    if (s) {
        c(api.ncsim_cycles(s) == 0, "paused system ran");
        api.ncsim_step(s, 1);
        api.ncsim_step(s, 999);
        c(api.ncsim_cycles(s) == 1000, "step 1 + step 999 = " + str(api.ncsim_cycles(s)));
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
        c(api.ncsim_cycles(s) == 1000, "clock ran while paused");
        uint32_t v;
        api.ncsim_mmio_read(s, 0, CYCLE_LO, &v);  // runs just the cycles the read needs
        const uint64_t after = api.ncsim_cycles(s);
        c(after > 1000 && after < 1010, "a read while paused ran " + str(after - 1000) + " cycles");
        c(api.ncsim_resume(s) == NCSIM_OK && api.ncsim_step(s, 10) == NCSIM_ESTATE, "step while running not refused");
        c(api.ncsim_wait_cycle(s, after + 100000, 10000) == NCSIM_OK, "wait_cycle while running");
        c(api.ncsim_pause(s) == NCSIM_OK, "pause");
        const uint64_t p0 = api.ncsim_cycles(s);
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
        c(api.ncsim_cycles(s) == p0, "clock ran after pause returned");
        c(api.ncsim_wait_cycle(s, p0 + 10, 50) == NCSIM_ETIMEDOUT, "wait_cycle while paused did not time out");
        api.ncsim_destroy(s);
    }
    for (auto& p : {pa, pb, pc}) std::remove(p.c_str());
    report(c.ok(), "step_determinism", c.ok() ? "same seed => byte-identical pcap (" + str(a.pcap.size()) + " bytes), cycles, counters; other seed differs; step exact, pause/resume/wait_cycle" : c.err);
}

void test_waveform() {
    Check c;
    const std::string w = g_tmp + "/ncsim_test_" + std::to_string(getpid()) + ".fst";
    const std::string p = g_tmp + "/ncsim_test_" + std::to_string(getpid()) + "_w.pcap";
    std::string detail;
    if (!api.ncsim_has_tracing()) {
        // This library has no tracing: asking for a waveform fails with a message that says what to load.
        ncsim_config cfg = base_cfg();
        cfg.trace_path = w.c_str();
        std::string e;
        ncsim_t* s = make(cfg, &e);
        if (s) api.ncsim_destroy(s);
        c(!s && e.find("SIM_TRACE") != std::string::npos && e.find("trace_path") != std::string::npos, "untraced library accepted a waveform: '" + e + "'");
        detail = "untraced build refuses trace_path and says how to rebuild";
    }
    if (api.ncsim_has_tracing()) {
        Run r = scenario(4242, p, w);
        c(r.error.empty(), r.error);
        Bytes f = read_file(w);
        c(f.size() > 1000, "waveform file " + str(f.size()) + " bytes");
        // FST header block: type 0, length, start time, end time (big-endian, in ns here).
        auto be64 = [&](size_t o) { uint64_t v = 0; for (size_t i = 0; i < 8 && o + i < f.size(); i++) v = v << 8 | f[o + i]; return v; };
        c(!f.empty() && f[0] == 0, "not an FST file");
        const uint64_t t0 = be64(9), t1 = be64(17);
        c(t0 == 500 * NCSIM_NS_PER_CYCLE && t1 == 2499 * NCSIM_NS_PER_CYCLE + 2,
          "FST covers " + str(t0) + ".." + str(t1) + " ns, expected cycles 500..2499 = 2000..9998 ns");
        // Tracing does not change what is simulated: same pcap without a waveform.
        Run u = scenario(4242, p + ".u");
        c(!u.pcap.empty() && u.pcap == r.pcap, "the run with a waveform differs from the run without");
        std::remove((p + ".u").c_str());
        detail = "FST of exactly cycles 500..2499 (" + str(f.size()) + " bytes, times 2000..9998 ns); same pcap as without waveform";
    }
    std::remove(w.c_str());
    std::remove(p.c_str());
    report(c.ok(), "waveform", c.ok() ? detail : c.err);
}

void test_dma_latency() {
    // Cycle-exact: in step mode, the frame leaves (pcap/link stats) exactly (L2 - L1) cycles later with a
    // larger DMA latency (one read request), and the link latency shifts the receive interrupt exactly.
    Check c;
    auto measure = [&](uint32_t dma_lat, uint32_t link_lat, uint64_t& sent_at, uint64_t& rx_at) {
        ncsim_config cfg = base_cfg();
        cfg.dma_latency_cycles = dma_lat;
        cfg.link_latency_cycles = link_lat;
        cfg.start_paused = 1;
        ncsim_t* s = make(cfg);
        if (!s) return false;
        Mem tx(s, 0, 4096), rx(s, 1, 4096), cpl(s, 1, 64);
        setup_rx(s, 1, RxArea{rx.bus(), cpl.bus(), 2048, 2, 0});
        Bytes f = udp_frame(500, 1);
        std::memcpy(tx.p, f.data(), f.size());
        start_tx(s, 0, tx.bus(), uint32_t(f.size()), 0, false);
        api.ncsim_step(s, 1);
        sent_at = rx_at = 0;
        for (int i = 0; i < 5000 && !rx_at; i++) {
            api.ncsim_step(s, 1);
            if (!sent_at && link_stats(s).dir[0].frames_sent == 1) sent_at = api.ncsim_cycles(s);
            if (api.ncsim_wait_irq(s, 1, 0) == kRxVec) rx_at = api.ncsim_cycles(s);
        }
        api.ncsim_destroy(s);
        return sent_at && rx_at;
    };
    uint64_t s1, r1, s2, r2, s3, r3;
    c(measure(50, 20, s1, r1) && measure(250, 20, s2, r2) && measure(50, 520, s3, r3), "a frame did not arrive");
    c(s2 - s1 == 200, "DMA latency +200 moved the frame by " + str(s2 - s1) + " cycles");
    c(r3 - r1 == 500 && s3 == s1, "link latency +500 moved the interrupt by " + str(r3 - r1) + " cycles");
    report(c.ok(), "dma_link_latency", c.ok() ? "DMA latency +200 => frame leaves exactly 200 cycles later; link latency +500 => received exactly 500 later" : c.err);
}

void test_mac_stamps() {
    // ncsim_nic_stats V2: MAC frame/beat counters and the cycles of the latest frame start on each MAC and
    // of the latest register write, exact in step mode; a V1-sized caller gets the V1 fields only.
    Check c;
    ncsim_config cfg = base_cfg();
    cfg.start_paused = 1;
    ncsim_t* s = make(cfg);
    if (!s) { report(false, "mac_stamps", "create failed"); return; }
    ncsim_nic_stats v1;
    std::memset(&v1, 0xA5, sizeof v1);
    v1.size = NCSIM_NIC_STATS_SIZE_V1;
    c(api.ncsim_get_nic_stats(s, 0, &v1) == NCSIM_OK && v1.size == NCSIM_NIC_STATS_SIZE_V1, "V1-sized stats refused");
    c(v1.mac_tx_frames == 0xA5A5A5A5A5A5A5A5ull && v1.mmio_write_cycle == 0xA5A5A5A5A5A5A5A5ull, "fields past a V1 caller's size written");
    ncsim_nic_stats z = nic_stats(s, 0);
    c(z.mac_tx_frames == 0 && z.mac_tx_beats == 0 && z.mac_tx_sof_cycle == UINT64_MAX && z.mac_rx_sof_cycle == UINT64_MAX &&
      z.mmio_write_cycle == UINT64_MAX, "fresh system: counters not zero / timestamps not UINT64_MAX");
    Mem tx(s, 0, 4096), rx(s, 1, 4096), cpl(s, 1, 64);
    setup_rx(s, 1, RxArea{rx.bus(), cpl.bus(), 2048, 2, 0});
    Bytes f = udp_frame(500, 1);
    std::memcpy(tx.p, f.data(), f.size());
    const uint64_t beats = (f.size() + 63) / 64;
    start_tx(s, 0, tx.bus(), uint32_t(f.size()), 0, false);
    // The 6 writes are applied from the next cycle on, one per cycle (the test device is always ready): the
    // last one (TX_CMD) is accepted in the 6th cycle from now.
    const uint64_t c0 = api.ncsim_cycles(s);
    uint64_t sent_at = 0, rx_at = 0;
    for (int i = 0; i < 5000 && !rx_at; i++) {
        api.ncsim_step(s, 1);
        if (!sent_at && link_stats(s).dir[0].frames_sent == 1) sent_at = api.ncsim_cycles(s);
        if (api.ncsim_wait_irq(s, 1, 0) == kRxVec) rx_at = api.ncsim_cycles(s);
    }
    const ncsim_nic_stats a = nic_stats(s, 0), b = nic_stats(s, 1);
    c(sent_at && rx_at, "the frame did not arrive");
    const uint64_t w1 = nic_stats(s, 1).mmio_writes;
    c(a.mmio_writes == 6 && a.mmio_write_cycle == c0 + 5, "NIC 0: " + str(a.mmio_writes) + " writes, latest at cycle " +
      str(a.mmio_write_cycle) + ", expected 6 at " + str(c0 + 5));
    c(a.mac_tx_frames == 1 && a.mac_tx_beats == beats && b.mac_rx_frames == 1 && b.mac_rx_beats == beats &&
      a.mac_rx_frames == 0 && b.mac_tx_frames == 0,
      "frames/beats: NIC 0 tx " + str(a.mac_tx_frames) + "/" + str(a.mac_tx_beats) + ", NIC 1 rx " + str(b.mac_rx_frames) +
      "/" + str(b.mac_rx_beats) + ", expected 1/" + str(beats));
    // frames_sent counts at tlast: the last beat was taken in cycle sent_at - 1, the first `beats - 1` before
    c(a.mac_tx_sof_cycle == sent_at - beats, "tx start " + str(a.mac_tx_sof_cycle) + ", expected " + str(sent_at - beats));
    // store-and-forward: serialisation from the last beat, (len + 24) / rate cycles, rounded up, then the
    // link latency; the receiving NIC (always ready) takes the first beat in that cycle
    const uint64_t ser = (f.size() + 24 + uint64_t(cfg.link_rate) - 1) / uint64_t(cfg.link_rate);
    const uint64_t expect_rx = sent_at - 1 + ser + cfg.link_latency_cycles;
    c(b.mac_rx_sof_cycle == expect_rx, "rx start " + str(b.mac_rx_sof_cycle) + ", expected " + str(expect_rx));
    // a register write on NIC 1 while paused is accepted in the next cycle
    const uint64_t c1 = api.ncsim_cycles(s);
    wr(s, 1, RX_SLOTS, 2);
    api.ncsim_step(s, 1);
    const ncsim_nic_stats b2 = nic_stats(s, 1);
    c(b2.mmio_writes == w1 + 1 && b2.mmio_write_cycle == c1, "write while paused accepted at " + str(b2.mmio_write_cycle) +
      ", expected " + str(c1));
    api.ncsim_destroy(s);
    report(c.ok(), "mac_stamps", c.ok() ? "V2 stats: " + str(beats) + "-beat frame: tx start, rx start (serialisation + link latency "
                                          "later), frame/beat counts and register write cycles exact; V1 callers untouched"
                                        : c.err);
}

void test_fatal() {
    // The model's $fatal must stop this system with an error, not end the process.
    Check c;
    ncsim_t* s = make(base_cfg());
    if (!s) { report(false, "model_fatal", "create failed"); return; }
    ncsim_t* other = make(base_cfg());
    std::atomic<int> w{-100};
    std::thread waiter([&] { w = api.ncsim_wait_irq(s, 1, -1); });
    wr(s, 0, VIOL, 7);
    int rc = NCSIM_OK;
    for (int i = 0; i < 1000 && rc == NCSIM_OK; i++) rd(s, 0, ID_MAGIC, &rc);
    c(rc == NCSIM_ESTOPPED, "reads after $fatal returned " + std::to_string(rc));
    waiter.join();
    c(w == NCSIM_ESTOPPED, "a blocked waiter got " + std::to_string(w.load()));
    const std::string e = api.last_error(s);
    c(e.find("VIOL 7 asks for a fatal error") != std::string::npos && e.find("simulation stopped at cycle") != std::string::npos,
      "last_error '" + e + "'");
    c(api.ncsim_mmio_write(s, 0, SCRATCH0, 1) == NCSIM_ESTOPPED, "write after $fatal");
    api.ncsim_destroy(s);
    c(other && rd(other, 0, ID_MAGIC) == kMagic, "another system in the process stopped too");
    if (other) api.ncsim_destroy(other);
    report(c.ok(), "model_fatal", c.ok() ? "$fatal stops that system (callers get ESTOPPED, the message in last_error), the process and other systems go on" : c.err);
}

void test_shutdown() {
    Check c;
    ncsim_t* s = make(base_cfg());
    if (!s) { report(false, "shutdown", "create failed"); return; }
    std::atomic<int> w{-100}, rdrc{-100};
    std::thread a([&] { w = api.ncsim_wait_irq(s, 0, -1); });
    wr(s, 0, RD_DELAY, 255);
    std::thread b([&] {
        api.ncsim_pause(s);
        rdrc = api.ncsim_wait_cycle(s, 1ull << 60, -1);
    });
    // Gives both waiters time to block first; a call that starts after the shutdown returns ESTOPPED too.
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    api.ncsim_shutdown(s);
    a.join();
    b.join();
    c(w == NCSIM_ESTOPPED, "blocked wait_irq returned " + std::to_string(w.load()));
    c(rdrc == NCSIM_ESTOPPED, "blocked wait_cycle returned " + std::to_string(rdrc.load()));
    uint32_t v;
    c(api.ncsim_mmio_read(s, 0, 0, &v) == NCSIM_ESTOPPED && api.ncsim_mmio_write(s, 0, 0, 0) == NCSIM_ESTOPPED &&
          api.ncsim_step(s, 1) == NCSIM_ESTOPPED,
      "calls after shutdown");
    api.ncsim_shutdown(s);  // idempotent
    api.ncsim_destroy(s);
    report(c.ok(), "shutdown", c.ok() ? "blocked callers get ESTOPPED, later calls too, idempotent" : c.err);
}

// ---- the real NIC (nc_nic): what can be checked without a host driver --------------------------------
int nic_tests() {
    {
        Check c;
        c(std::string(api.ncsim_device_name()) == "nc_nic", std::string("device ") + api.ncsim_device_name());
        ncsim_t* s = make(base_cfg());
        if (s) {
            for (int n = 0; n < 2; n++) {
                c(rd(s, n, NC_REG_ID_MAGIC) == NC_NIC_MAGIC, "NIC " + str(uint64_t(n)) + ": ID_MAGIC " + str(rd(s, n, NC_REG_ID_MAGIC)));
                const uint32_t v = rd(s, n, NC_REG_ID_VERSION);
                c((v & 0xFFFF) == NC_SPEC_VERSION, "ID_VERSION " + str(v) + ", spec " + str(NC_SPEC_VERSION));
                c(rd(s, n, NC_REG_CAP_CHANNELS) == 1024 && rd(s, n, NC_REG_CAP_EVENT_QUEUES) == 8 &&
                      (rd(s, n, NC_REG_CAP_DATAPATH) & 0xFFFF) == 512,
                  "CAP_CHANNELS/EVENT_QUEUES/DATAPATH");
            }
            api.ncsim_destroy(s);
        } else {
            c(false, "create failed");
        }
        report(c.ok(), "nic_identity", c.ok() ? "both NICs: NIC_MAGIC, spec version, 1024 channels, 8 event queues, 512-bit datapath" : c.err);
    }
    {
        // Left alone after reset, the NICs do nothing: no frames, no DMA, no interrupts, no violations.
        Check c;
        ncsim_config cfg = base_cfg();
        cfg.start_paused = 1;
        ncsim_t* s = make(cfg);
        if (s) {
            api.ncsim_step(s, 200000);
            const ncsim_link_stats l = link_stats(s);
            c(l.dir[0].frames_sent == 0 && l.dir[1].frames_sent == 0, "frames sent while disabled");
            for (int n = 0; n < 2; n++) {
                const ncsim_nic_stats st = nic_stats(s, n);
                c(st.dma_rd_requests == 0 && st.dma_wr_bursts == 0 && st.irqs == 0 && st.violations == 0,
                  "NIC " + str(uint64_t(n)) + " active while idle: " + api.last_error(s));
            }
            c(api.ncsim_cycles(s) == 200000, "step");
            api.ncsim_destroy(s);
        } else {
            c(false, "create failed");
        }
        report(c.ok(), "nic_idle", c.ok() ? "200000 cycles after reset: no frames, DMA, interrupts or violations" : c.err);
    }
    {
        Check c;
        const std::string w = g_tmp + "/ncsim_nic_" + std::to_string(getpid()) + ".fst";
        ncsim_config cfg = base_cfg();
        cfg.start_paused = 1;
        cfg.trace_path = w.c_str();
        cfg.trace_start_cycle = 0;
        cfg.trace_cycles = 100;
        ncsim_t* s = make(cfg);
        if (s) {
            api.ncsim_step(s, 200);
            rd(s, 0, ID_MAGIC);
            api.ncsim_destroy(s);
        }
        const Bytes f = read_file(w);
        c(s && f.size() > 1000 && f[0] == 0, "FST of " + str(f.size()) + " bytes");
        std::remove(w.c_str());
        report(c.ok(), "nic_waveform", c.ok() ? "FST of cycles 0..99 (" + str(f.size()) + " bytes)" : c.err);
    }
    return summary();
}

}  // namespace

int main(int argc, char** argv) {
    std::string lib;
    bool nic = false;
    for (int i = 1; i < argc; i++) {
        std::string a = argv[i];
        if (a == "--nic") nic = true;
        else if (a == "--tmp" && i + 1 < argc) g_tmp = argv[++i];
        else if (a == "--only" && i + 1 < argc) g_only = argv[++i];
        else lib = a;
    }
    if (lib.empty() || !api.load(lib)) {
        report(false, "load", lib.empty() ? "usage: test_ncsim LIB.so [--nic] [--tmp DIR] [--only NAME]" : api.error);
        return summary();
    }
    if (nic) return nic_tests();
    if (want("abi")) test_abi();
    if (want("create_invalid")) test_create_invalid();
    if (want("mmio_basic")) test_mmio_basic();
    if (want("mmio_threads")) test_mmio_threads();
    if (want("dma_frames")) test_dma_frames();
    if (want("dma_iommu")) test_dma_iommu();
    if (want("irq")) test_irq();
    if (want("violations")) test_violations();
    if (want("link_faults")) test_link_faults();
    if (want("pcap_tshark")) test_pcap_tshark();
    if (want("step_determinism")) test_step_determinism();
    if (want("dma_link_latency")) test_dma_latency();
    if (want("mac_stamps")) test_mac_stamps();
    if (want("waveform")) test_waveform();
    if (want("model_fatal")) test_fatal();
    if (want("shutdown")) test_shutdown();
    return summary();
}
