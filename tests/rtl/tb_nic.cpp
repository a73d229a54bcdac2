// System testbench and cycle-exact benchmark of the NIC core: two Verilated nc_nic instances, each with
// a model of its host (memory served over the DMA ports with a configurable latency, an IOMMU-like
// check, registers driven over MMIO), joined by a seeded lossy link. The host side is a small driver
// written against docs/nic.md only (rings, doorbells, phase bits), so these tests check the NIC's
// programming model, not its internals. Single-threaded and deterministic: the same seed gives the
// same run, cycle for cycle.
//
//   build/rtl/nic/Vnc_nic test [--only NAME] [--seed N]      every case, "N passed, N failed" at the end
//   build/rtl/nic/Vnc_nic bench [--quick] [--json FILE]      the figures of docs/performance.md
#include "Vnc_nic.h"
#include "verilated.h"
#ifdef NC_TRACE
#include "verilated_fst_c.h"
#endif

#include "nc_spec.h"
#include "nc_bench_suite.h"
#include "nc_host_model.h"

#include <algorithm>
#include <chrono>
#include <cinttypes>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <random>
#include <set>
#include <string>
#include <vector>

namespace {

using namespace nchost;

// ------------------------------------------------------------------------------------------------
// Small helpers
// ------------------------------------------------------------------------------------------------
int g_pass = 0, g_fail = 0;
void report(bool ok, const std::string& name, const std::string& detail) {
    std::printf("%s %s: %s\n", ok ? "PASS" : "FAIL", name.c_str(), detail.c_str());
    std::fflush(stdout);
    (ok ? g_pass : g_fail)++;
}

// ------------------------------------------------------------------------------------------------
// Host memory: one arena; bus address = virtual address; DMA outside it is refused (IOMMU)
// ------------------------------------------------------------------------------------------------
class Arena {
public:
    explicit Arena(size_t bytes) : size_(bytes) {
        base_ = static_cast<uint8_t*>(std::aligned_alloc(4096, bytes));
        std::memset(base_, 0, bytes);
    }
    ~Arena() { std::free(base_); }
    Arena(const Arena&) = delete;
    Arena& operator=(const Arena&) = delete;
    uint8_t* alloc(size_t n, size_t align = 64) {
        used_ = (used_ + align - 1) & ~(align - 1);
        if (used_ + n > size_) { std::fprintf(stderr, "arena exhausted\n"); std::abort(); }
        uint8_t* p = base_ + used_;
        used_ += n;
        return p;
    }
    bool covers(uint64_t a, uint64_t n) const {
        uint64_t b = uint64_t(uintptr_t(base_));
        return n > 0 && a >= b && a + n >= a && a + n <= b + size_;
    }
    uint64_t bus(const uint8_t* p) const { return uint64_t(uintptr_t(p)); }

private:
    uint8_t* base_;
    size_t size_, used_ = 0;
};

// ------------------------------------------------------------------------------------------------
// The host side of one NIC's DMA ports: reads answered in order after `latency` cycles, one beat per
// cycle; writes applied as their beats arrive; write-done after `latency`.
// ------------------------------------------------------------------------------------------------
struct DmaHost {
    Arena* mem = nullptr;
    uint32_t latency = 0;
    struct Rd { uint64_t addr; uint32_t len; uint8_t tag; uint64_t ready; uint32_t beat; bool err; };
    std::deque<Rd> rd;
    struct Done { uint64_t ready; uint8_t tag; bool err; };
    std::deque<Done> done;
    bool in_burst = false, burst_err = false;
    uint64_t burst_addr = 0;
    uint32_t burst_beat = 0;
    uint64_t rd_bytes = 0, wr_bytes = 0, rd_faults = 0, wr_faults = 0;
    std::string error;
    // writes outside this window of host memory are "outside every buffer" violations (bad-descriptor test)
    std::function<void(uint64_t addr, size_t n)> on_write;
};

// ------------------------------------------------------------------------------------------------
// The link: one direction. Frames are collected from the transmitting MAC; at their last beat the
// seeded faults are drawn (loss, duplication, reorder = held back behind the next frame, corruption =
// the receiving MAC sees a bad FCS: tuser at tlast); frames are serialised at 64 bytes/cycle including
// preamble, FCS and inter-frame gap, delayed by `latency`, and streamed into the receiving NIC.
// ------------------------------------------------------------------------------------------------
struct LinkDir {
    double loss = 0, reorder = 0, dup = 0, corrupt = 0;
    uint32_t latency = 0;
    Rng rng{1};
    struct Frame { std::vector<uint8_t> b; bool bad; uint64_t ready; };
    std::vector<uint8_t> cur;
    bool cur_bad = false;
    uint64_t cur_start = 0;      // cycle of the current frame's first beat: serialisation starts then
    std::deque<Frame> q;
    std::vector<Frame> held;
    uint64_t link_free = 0, held_at = 0;
    size_t off = 0;
    uint64_t sent = 0, dropped = 0, duplicated = 0, reordered = 0, corrupted = 0, delivered = 0;
    std::vector<std::vector<uint8_t>>* capture = nullptr;

    bool tx_ready(uint64_t cycle) const { return link_free <= cycle + 64; }
    void tx_beat(uint64_t cycle, const uint8_t* d, uint64_t keep, bool last, bool user) {
        if (cur.empty()) cur_start = cycle;
        for (int l = 0; l < 64; l++) if ((keep >> l) & 1) cur.push_back(d[l]);
        cur_bad |= user;
        if (!last) return;
        sent++;
        if (capture) capture->push_back(cur);
        uint64_t wire = std::max<uint64_t>(cur.size(), 60) + 24;
        // the MAC serialises as the beats arrive (cut-through), never faster than the link rate
        uint64_t depart = std::max(cur_start, link_free);
        link_free = std::max(depart + (wire + 63) / 64, cycle + 1);
        uint64_t arrive = link_free + latency;
        bool lose = rng.chance(loss), dupl = rng.chance(dup), hold = rng.chance(reorder);
        bool c1 = rng.chance(corrupt), c2 = rng.chance(corrupt);
        if (lose) { dropped++; cur.clear(); cur_bad = false; return; }
        std::vector<Frame> copies{{cur, cur_bad || c1, arrive}};
        if (c1) corrupted++;
        if (dupl) { copies.push_back({cur, cur_bad || c2, arrive}); duplicated++; if (c2) corrupted++; }
        cur.clear(); cur_bad = false;
        if (hold && held.empty()) { held = std::move(copies); held_at = arrive; return; }
        for (auto& c : copies) q.push_back(std::move(c));
        if (!held.empty()) { reordered++; for (auto& h : held) { h.ready = std::max(h.ready, arrive); q.push_back(std::move(h)); } held.clear(); }
    }
    void tick(uint64_t cycle) {
        if (!held.empty() && cycle > held_at + 2000) {
            for (auto& h : held) { h.ready = cycle; q.push_back(std::move(h)); }
            held.clear();
        }
    }
    bool rx_beat(uint64_t cycle, uint8_t* d, uint64_t& keep, bool& last, bool& user) {
        if (q.empty() || q.front().ready > cycle) return false;
        const Frame& f = q.front();
        size_t take = std::min<size_t>(64, f.b.size() - off);
        std::memset(d, 0, 64);
        std::memcpy(d, f.b.data() + off, take);
        keep = take == 64 ? ~0ull : ((1ull << take) - 1);
        last = off + take == f.b.size();
        user = last && f.bad;
        return true;
    }
    void rx_accepted() {
        size_t take = std::min<size_t>(64, q.front().b.size() - off);
        off += take;
        if (off >= q.front().b.size()) { q.pop_front(); off = 0; delivered++; }
    }
    bool idle() const { return q.empty() && held.empty(); }
};

// ------------------------------------------------------------------------------------------------
// Wide-signal access (Verilator VlWide words)
// ------------------------------------------------------------------------------------------------
template <class W> void wide_to_bytes(const W& w, uint8_t* out, int nbytes) {
    for (int i = 0; i < nbytes; i++) out[i] = uint8_t(w[i / 4] >> (8 * (i % 4)));
}
template <class W> void bytes_to_wide(W& w, const uint8_t* in, int nbytes) {
    for (int i = 0; i < nbytes / 4; i++) w[i] = get32(in + 4 * i);
}

// ------------------------------------------------------------------------------------------------
// The system: two NICs, their hosts, the link
// ------------------------------------------------------------------------------------------------
struct Nic {
    std::unique_ptr<Vnc_nic> m;
    DmaHost dma;
    struct Mmio { bool write; uint16_t addr; uint32_t data; int id; };
    std::deque<Mmio> mq;
    std::deque<int> rd_pending;
    std::map<int, uint32_t> rd_done;
    int next_id = 1;
    std::vector<int> irqs;           // vectors, in order
    uint64_t irq_count = 0;
};

struct SysConfig {
    uint32_t dma_latency = 0;
    uint32_t link_latency = 0;
    double loss = 0, reorder = 0, dup = 0, corrupt = 0;
    uint64_t seed = 1;
};

class Sys : public HostBus {
public:
    explicit Sys(const SysConfig& c) : cfg(c), arena(256u << 20) {
        ctx = std::make_unique<VerilatedContext>();
        for (int i = 0; i < 2; i++) {
            nic[i].m = std::make_unique<Vnc_nic>(ctx.get(), i ? "nic1" : "nic0");
            nic[i].dma.mem = &arena;
            nic[i].dma.latency = c.dma_latency;
            link[i].loss = c.loss; link[i].reorder = c.reorder; link[i].dup = c.dup; link[i].corrupt = c.corrupt;
            link[i].latency = c.link_latency;
            link[i].rng = Rng(c.seed * 2 + uint64_t(i) + 17);
        }
        for (int i = 0; i < 2; i++) {
            nic[i].m->rst = 1;
            nic[i].m->clk = 0;
        }
        // reset long enough for the RAM clears (CHANNELS cycles)
        for (int k = 0; k < 1100; k++) step_clock_only();
        for (int i = 0; i < 2; i++) nic[i].m->rst = 0;
        cycle = 0;
    }

    SysConfig cfg;
    Arena arena;
    std::unique_ptr<VerilatedContext> ctx;
    Nic nic[2];
    LinkDir link[2];     // link[0]: NIC 0 -> NIC 1
    uint64_t cycle = 0;
    bool tx_in_frame[2] = {false, false}, rx_in_frame[2] = {false, false};

#ifdef NC_TRACE
    std::unique_ptr<VerilatedFstC> tfp[2];
    void trace(const std::string& path) {
        ctx->traceEverOn(true);
        for (int i = 0; i < 2; i++) {
            tfp[i] = std::make_unique<VerilatedFstC>();
            nic[i].m->trace(tfp[i].get(), 99);
            tfp[i]->open((path + std::to_string(i) + ".fst").c_str());
        }
    }
    void dump() { for (int i = 0; i < 2; i++) if (tfp[i]) tfp[i]->dump(cycle * 2 + 1); }
    ~Sys() { for (int i = 0; i < 2; i++) if (tfp[i]) tfp[i]->close(); }
#else
    void trace(const std::string&) {}
    void dump() {}
#endif

    void step_clock_only() {
        for (auto& n : nic) { n.m->clk = 0; n.m->eval(); }
        for (auto& n : nic) { n.m->clk = 1; n.m->eval(); }
    }

    // one clock cycle
    void step() {
        struct Obs {
            bool rd_req, rd_rsp, wr, tx, rx, mmio;
            uint64_t rd_addr; uint32_t rd_len; uint8_t rd_tag;
        } o[2];
        for (int i = 0; i < 2; i++) {
            Nic& n = nic[i];
            Vnc_nic& m = *n.m;
            m.clk = 0;
            // MMIO
            m.mmio_valid = !n.mq.empty();
            if (!n.mq.empty()) {
                m.mmio_write = n.mq.front().write;
                m.mmio_addr = n.mq.front().addr;
                m.mmio_wdata = n.mq.front().data;
            }
            // DMA read port
            m.dma_rd_req_ready = n.dma.rd.size() < 256;
            present_rd(n);
            m.dma_wr_ready = 1;
            m.dma_wr_done_valid = 0;
            if (!n.dma.done.empty() && n.dma.done.front().ready <= cycle) {
                m.dma_wr_done_valid = 1;
                m.dma_wr_done_tag = n.dma.done.front().tag;
                m.dma_wr_done_err = n.dma.done.front().err;
                n.dma.done.pop_front();
            }
            // MAC
            m.m_axis_tx_tready = link[i].tx_ready(cycle);
            uint8_t d[64]; uint64_t keep; bool last, user;
            link[1 - i].tick(cycle);
            bool rv = link[1 - i].rx_beat(cycle, d, keep, last, user);
            m.s_axis_rx_tvalid = rv;
            if (rv) {
                bytes_to_wide(m.s_axis_rx_tdata, d, 64);
                m.s_axis_rx_tkeep = keep;
                m.s_axis_rx_tlast = last;
                m.s_axis_rx_tuser = user;
            }
            m.eval();
            o[i].mmio = m.mmio_valid && m.mmio_ready;
            o[i].rd_req = m.dma_rd_req_valid && m.dma_rd_req_ready;
            o[i].rd_addr = m.dma_rd_req_addr; o[i].rd_len = m.dma_rd_req_len; o[i].rd_tag = m.dma_rd_req_tag;
            o[i].rd_rsp = m.dma_rd_rsp_valid && m.dma_rd_rsp_ready;
            o[i].wr = m.dma_wr_valid && m.dma_wr_ready;
            o[i].tx = m.m_axis_tx_tvalid && m.m_axis_tx_tready;
            o[i].rx = m.s_axis_rx_tvalid && m.s_axis_rx_tready;
            // act on the handshakes that happen at this edge
            if (o[i].mmio) {
                Nic::Mmio r = n.mq.front();
                n.mq.pop_front();
                if (!r.write) n.rd_pending.push_back(r.id);
                else st[i].mmio_write = cycle;
            }
            if (o[i].rd_rsp) accept_rd(n);
            if (o[i].rd_req) n.dma.rd.push_back({o[i].rd_addr, o[i].rd_len, o[i].rd_tag, cycle + 1 + n.dma.latency, 0,
                                                 !arena.covers(o[i].rd_addr, o[i].rd_len)});
            if (o[i].wr) accept_wr(n);
            if (o[i].tx) {
                if (!tx_in_frame[i]) { st[i].tx_sof = cycle; tx_in_frame[i] = true; }
                st[i].tx_beats++;
                if (m.m_axis_tx_tlast) { st[i].tx_frames++; tx_in_frame[i] = false; }
                uint8_t td[64];
                wide_to_bytes(m.m_axis_tx_tdata, td, 64);
                link[i].tx_beat(cycle, td, m.m_axis_tx_tkeep, m.m_axis_tx_tlast, m.m_axis_tx_tuser);
            }
            if (o[i].rx) {
                if (!rx_in_frame[i]) { st[i].rx_sof = cycle; rx_in_frame[i] = true; }
                st[i].rx_beats++;
                if (m.s_axis_rx_tlast) { st[i].rx_frames++; rx_in_frame[i] = false; }
                link[1 - i].rx_accepted();
            }
        }
        for (auto& n : nic) { n.m->clk = 1; n.m->eval(); }
        dump();
        for (int i = 0; i < 2; i++) {
            Nic& n = nic[i];
            if (n.m->mmio_rd_valid) {
                n.rd_done[n.rd_pending.front()] = n.m->mmio_rd_data;
                n.rd_pending.pop_front();
            }
            if (n.m->irq_valid) { n.irqs.push_back(n.m->irq_vector); n.irq_count++; }
        }
        cycle++;
    }

    void present_rd(Nic& n) {
        Vnc_nic& m = *n.m;
        m.dma_rd_rsp_valid = 0;
        if (n.dma.rd.empty() || n.dma.rd.front().ready > cycle) return;
        const DmaHost::Rd& r = n.dma.rd.front();
        m.dma_rd_rsp_valid = 1;
        m.dma_rd_rsp_tag = r.tag;
        uint8_t d[64] = {0};
        if (r.err) {
            m.dma_rd_rsp_err = 1; m.dma_rd_rsp_last = 1; m.dma_rd_rsp_keep = 0;
            bytes_to_wide(m.dma_rd_rsp_data, d, 64);
            return;
        }
        m.dma_rd_rsp_err = 0;
        uint64_t base = (r.addr & ~63ull) + 64ull * r.beat;
        uint64_t lo = std::max(base, r.addr), hi = std::min(base + 64, r.addr + r.len);
        uint64_t keep = 0;
        for (uint64_t a = lo; a < hi; a++) {
            d[a - base] = *reinterpret_cast<const uint8_t*>(uintptr_t(a));
            keep |= 1ull << (a - base);
        }
        bytes_to_wide(m.dma_rd_rsp_data, d, 64);
        m.dma_rd_rsp_keep = keep;
        m.dma_rd_rsp_last = hi == r.addr + r.len;
    }
    void accept_rd(Nic& n) {
        DmaHost::Rd& r = n.dma.rd.front();
        uint64_t base = (r.addr & ~63ull) + 64ull * r.beat;
        if (r.err) { n.dma.rd_faults++; n.dma.rd.pop_front(); return; }
        if (base + 64 >= r.addr + r.len) { n.dma.rd_bytes += r.len; n.dma.rd.pop_front(); }
        else r.beat++;
    }
    void accept_wr(Nic& n) {
        Vnc_nic& m = *n.m;
        uint64_t addr = m.dma_wr_addr;
        if (!n.dma.in_burst) { n.dma.in_burst = true; n.dma.burst_addr = addr; n.dma.burst_beat = 0; n.dma.burst_err = false; }
        else if (addr != n.dma.burst_addr && n.dma.error.empty()) n.dma.error = "write address changed inside a burst";
        uint8_t d[64];
        wide_to_bytes(m.dma_wr_data, d, 64);
        uint64_t keep = m.dma_wr_keep;
        uint64_t base = (n.dma.burst_addr & ~63ull) + 64ull * n.dma.burst_beat;
        for (int l = 0; l < 64; l++) {
            if (!((keep >> l) & 1)) continue;
            uint64_t a = base + uint64_t(l);
            if (!arena.covers(a, 1)) { n.dma.burst_err = true; continue; }
            *reinterpret_cast<uint8_t*>(uintptr_t(a)) = d[l];
            n.dma.wr_bytes++;
        }
        if (n.dma.on_write && keep) {
            int lo = __builtin_ctzll(keep), hi = 63 - __builtin_clzll(keep);
            n.dma.on_write(base + uint64_t(lo), size_t(hi - lo + 1));
        }
        n.dma.burst_beat++;
        if (m.dma_wr_last) {
            n.dma.in_burst = false;
            if (n.dma.burst_err) n.dma.wr_faults++;
            n.dma.done.push_back({cycle + n.dma.latency, uint8_t(m.dma_wr_tag), n.dma.burst_err});
        }
    }

    void run(uint64_t n) override { for (uint64_t k = 0; k < n; k++) step(); }
    uint64_t now() const override { return cycle; }
    uint8_t* alloc(size_t n, size_t align = 64) override { return arena.alloc(n, align); }
    uint64_t bus(const uint8_t* p) const override { return arena.bus(p); }
    MacStamps stamps(int i) override { return st[i]; }
    LinkCounts link_counts(int d) override {
        LinkCounts l;
        l.sent = link[d].sent; l.dropped = link[d].dropped; l.reordered = link[d].reordered;
        l.duplicated = link[d].duplicated; l.delivered = link[d].delivered;
        return l;
    }
    MacStamps st[2];

    // ---- MMIO helpers (each runs the clock until the NIC takes the request / answers) ----
    void wr(int i, uint32_t addr, uint32_t v) override {
        nic[i].mq.push_back({true, uint16_t(addr), v, 0});
    }
    uint32_t rd(int i, uint32_t addr) override {
        int id = nic[i].next_id++;
        nic[i].mq.push_back({false, uint16_t(addr), 0, id});
        for (int k = 0; k < 100000; k++) {
            auto it = nic[i].rd_done.find(id);
            if (it != nic[i].rd_done.end()) { uint32_t v = it->second; nic[i].rd_done.erase(it); return v; }
            step();
        }
        std::fprintf(stderr, "MMIO read timed out\n");
        std::abort();
    }
};


void t_basic(uint64_t seed) {
    Sys sy({});
    if (const char* t = std::getenv("NC_TRACE_FILE")) sy.trace(t);
    init_nic(sy, 0); init_nic(sy, 1);
    std::vector<std::unique_ptr<Pair>> pairs;
    std::string e;
    if (!open_pairs(sy, pairs, 1, e)) { report(false, "basic_one_channel", e); return; }
    Traffic t(sy, seed);
    t.add_flow(&pairs[0]->a, &pairs[0]->b, 300, uniform_size(1, 9000));
    t.add_flow(&pairs[0]->b, &pairs[0]->a, 300, uniform_size(1, 9000));
    TrafficResult r = t.run(2000000);
    uint64_t txf = sy.cnt(0, NC_REG_CNT_TX_FRAMES_LO), rxf = sy.cnt(1, NC_REG_CNT_RX_FRAMES_LO);
    uint64_t retx = sy.cnt(0, NC_REG_CNT_RETX_LO) + sy.cnt(1, NC_REG_CNT_RETX_LO);
    bool ok = r.ok && retx == 0 && txf >= 300 && rxf >= 300;
    report(ok, "basic_one_channel", r.ok ? (s(r.msgs) + " messages, " + s(r.bytes) + " bytes both ways in " + s(r.cycles) +
                                            " cycles, NIC0 tx frames " + s(txf) + ", NIC1 rx frames " + s(rxf) + ", retx " + s(retx))
                                         : r.error);
}

void t_many(uint64_t seed, const std::string& name, const SysConfig& cfg, int channels, uint32_t per_flow, bool expect_retx) {
    Sys sy(cfg);
    init_nic(sy, 0, 4096); init_nic(sy, 1, 4096);
    std::vector<std::unique_ptr<Pair>> pairs;
    std::string e;
    if (!open_pairs(sy, pairs, channels, e)) { report(false, name, e); return; }
    Traffic t(sy, seed);
    for (auto& p : pairs) {
        t.add_flow(&p->a, &p->b, per_flow, uniform_size(1, 9000));
        t.add_flow(&p->b, &p->a, per_flow / 4, uniform_size(1, 9000));
    }
    TrafficResult r = t.run(200000000);
    uint64_t retx = sy.cnt(0, NC_REG_CNT_RETX_LO) + sy.cnt(1, NC_REG_CNT_RETX_LO);
    uint64_t dup = sy.cnt(0, NC_REG_CNT_DUP_LO) + sy.cnt(1, NC_REG_CNT_DUP_LO);
    uint64_t fcs = sy.rd(0, NC_REG_CNT_DROP_BASE + 4 * NC_DROP_REASON_BAD_FCS) + sy.rd(1, NC_REG_CNT_DROP_BASE + 4 * NC_DROP_REASON_BAD_FCS);
    uint64_t nobuf = sy.cnt(0, NC_REG_CNT_RX_NO_BUF_LO) + sy.cnt(1, NC_REG_CNT_RX_NO_BUF_LO);
    uint64_t to = sy.cnt(0, NC_REG_CNT_TIMEOUTS_LO) + sy.cnt(1, NC_REG_CNT_TIMEOUTS_LO);
    bool ok = r.ok && (!expect_retx || retx > 0) && (expect_retx || retx == 0) && nobuf == 0;
    std::string d = r.ok ? (s(r.msgs) + " messages (" + s(r.bytes) + " bytes) on " + s(uint64_t(channels)) +
                            " channels, each exactly once and intact, " + s(r.cycles) + " cycles; retx " + s(retx) +
                            ", timeouts " + s(to) + ", dups dropped " + s(dup) + ", bad FCS dropped " + s(fcs) +
                            ", no-buffer drops " + s(nobuf) + "; link: lost " + s(sy.link[0].dropped + sy.link[1].dropped) +
                            ", reordered " + s(sy.link[0].reordered + sy.link[1].reordered) + ", duplicated " +
                            s(sy.link[0].duplicated + sy.link[1].duplicated) + ", corrupted " +
                            s(sy.link[0].corrupted + sy.link[1].corrupted))
                         : r.error;
    if (r.ok && !ok) d = "retx " + s(retx) + ", no-buffer drops " + s(nobuf) + " (unexpected); " + d;
    report(ok, name, d);
}


// ------------------------------------------------------------------------------------------------
// Events and the management queue pair
// ------------------------------------------------------------------------------------------------
struct Eq { Ring r; uint16_t cons = 0; };

void setup_eq(Sys& sy, int nic, int q, Eq& eq, uint32_t log = 6) {
    eq.r = {sy.arena.alloc(16u << log), log, 16};
    uint64_t b = sy.arena.bus(eq.r.base);
    sy.wr(nic, NC_REG_EQ_BASE_LO, uint32_t(b)); sy.wr(nic, NC_REG_EQ_BASE_HI, uint32_t(b >> 32));
    sy.wr(nic, NC_REG_EQ_CMD, nc_reg_eq_cmd(q, log, 1));
}
struct Ev { uint8_t type; uint16_t source; uint32_t data; };
bool poll_ev(Eq& eq, Ev& e) {
    const uint8_t* p = eq.r.at(eq.cons);
    bool phase = ((eq.cons >> eq.r.log) & 1) == 0;
    if (bool(p[15] & 0x80) != phase) return false;
    e.type = p[NC_EVENT_EV_TYPE_OFF]; e.source = get16(p + NC_EVENT_SOURCE_OFF); e.data = get32(p + NC_EVENT_DATA_OFF);
    eq.cons++;
    return true;
}

struct Mgmt { Ring tx, rx, cpl; uint16_t tx_prod = 0, rx_prod = 0, cpl_cons = 0; std::vector<uint8_t*> txbuf, rxbuf; };

void setup_mgmt(Sys& sy, int nic, Mgmt& m, uint32_t log = 4, uint32_t rxbuf = 9216) {
    m.tx = {sy.arena.alloc(32u << log), log, 32};
    m.rx = {sy.arena.alloc(16u << log), log, 16};
    m.cpl = {sy.arena.alloc(32u << (log + 1)), log + 1, 32};
    for (uint32_t k = 0; k < (1u << log); k++) { m.txbuf.push_back(sy.arena.alloc(9216)); m.rxbuf.push_back(sy.arena.alloc(rxbuf)); }
    uint64_t t = sy.arena.bus(m.tx.base), r = sy.arena.bus(m.rx.base), c = sy.arena.bus(m.cpl.base);
    sy.wr(nic, NC_REG_MGMT_TX_RING_LO, uint32_t(t)); sy.wr(nic, NC_REG_MGMT_TX_RING_HI, uint32_t(t >> 32));
    sy.wr(nic, NC_REG_MGMT_RX_RING_LO, uint32_t(r)); sy.wr(nic, NC_REG_MGMT_RX_RING_HI, uint32_t(r >> 32));
    sy.wr(nic, NC_REG_MGMT_CPL_RING_LO, uint32_t(c)); sy.wr(nic, NC_REG_MGMT_CPL_RING_HI, uint32_t(c >> 32));
    sy.wr(nic, NC_REG_MGMT_RING_LOG, nc_reg_mgmt_ring_log(log, log, log + 1));
    sy.wr(nic, NC_REG_MGMT_CTRL, 1u);
    for (uint32_t k = 0; k < (1u << log); k++) {
        write_rx_desc(m.rx.at(m.rx_prod), sy.arena.bus(m.rxbuf[k]), rxbuf, uint16_t(100 + k));
        m.rx_prod++;
    }
    sy.wr(nic, NC_REG_MGMT_DB_RX, m.rx_prod);
}

void be16(uint8_t* p, uint16_t v) { p[0] = uint8_t(v >> 8); p[1] = uint8_t(v); }
void be32(uint8_t* p, uint32_t v) { for (int i = 0; i < 4; i++) p[i] = uint8_t(v >> (24 - 8 * i)); }
void be48(uint8_t* p, uint64_t v) { for (int i = 0; i < 6; i++) p[i] = uint8_t(v >> (40 - 8 * i)); }
uint16_t rbe16(const uint8_t* p) { return uint16_t((p[0] << 8) | p[1]); }
uint32_t rbe32(const uint8_t* p) { return (uint32_t(p[0]) << 24) | (uint32_t(p[1]) << 16) | (uint32_t(p[2]) << 8) | p[3]; }

// the 86 header bytes of a management frame from NIC `from` (lengths and checksum are the NIC's job)
void mgmt_header(uint8_t* h, int from, uint16_t sp, uint32_t seq, uint16_t len) {
    std::memset(h, 0, 86);
    be48(h + NC_OFF_ETH + NC_ETH_DST_OFF, kMac[1 - from]);
    be48(h + NC_OFF_ETH + NC_ETH_SRC_OFF, 0x0badbadbadbaull);   // the NIC writes its own
    be16(h + 12, 0x0800);
    h[NC_OFF_IPV4] = 0x45;
    h[NC_OFF_IPV4 + 8] = 64;
    h[NC_OFF_IPV4 + 9] = 17;
    be32(h + NC_OFF_IPV4 + 16, kIp[1 - from]);
    be16(h + NC_OFF_UDP + NC_UDP_SRC_PORT_OFF, 777);
    be16(h + NC_OFF_UDP + NC_UDP_DST_PORT_OFF, NC_UDP_PORT);
    h[NC_OFF_CTH + NC_CTH_VERSION_OFF] = NC_CTH_VERSION;
    h[NC_OFF_CTH + NC_CTH_OPCODE_OFF] = NC_CTH_OPCODE_DATA;   // the NIC forces MGMT
    be16(h + NC_OFF_CTH + NC_CTH_DST_CHAN_OFF, 0xFFFF);
    be32(h + NC_OFF_CTH + NC_CTH_PSN_OFF, seq * 3);
    be16(h + NC_OFF_NC + NC_NC_SRC_PORT_OFF, sp);
    be16(h + NC_OFF_NC + NC_NC_DST_PORT_OFF, uint16_t(sp + 1));
    be32(h + NC_OFF_NC + NC_NC_SEQ_OFF, seq);
    h[NC_OFF_NC + NC_NC_DOFF_VER_OFF] = NC_NC_DOFF_VER;
    h[NC_OFF_NC + NC_NC_MSG_TYPE_OFF] = NC_NC_TYPE_NONE;
    be16(h + NC_OFF_NC + NC_NC_LEN_OFF, len);
}

// Runs until pred() is true (checked every `every` cycles) or `limit` cycles pass.
bool run_until(Sys& sy, const std::function<bool()>& pred, uint64_t limit, uint32_t every = 8) {
    uint64_t end = sy.cycle + limit;
    while (sy.cycle < end) {
        if (pred()) return true;
        sy.run(every);
    }
    return pred();
}

// ------------------------------------------------------------------------------------------------
// Scenarios: error handling, credits, management, events, commands
// ------------------------------------------------------------------------------------------------
void t_bad_desc(uint64_t seed) {
    Sys sy({});
    init_nic(sy, 0); init_nic(sy, 1);
    std::vector<std::unique_ptr<Pair>> pairs;
    std::string e;
    if (!open_pairs(sy, pairs, 1, e, 4, 4)) { report(false, "bad_tx_descriptors_rejected", e); return; }
    HostChan& a = pairs[0]->a;
    HostChan& b = pairs[0]->b;
    // every DMA write either NIC makes must land in a ring or an Rx buffer of the receiver
    std::vector<std::pair<uint64_t, uint64_t>> ok_ranges;
    auto allow = [&](const uint8_t* p, size_t n) { ok_ranges.push_back({sy.arena.bus(p), sy.arena.bus(p) + n}); };
    for (HostChan* c : {&a, &b}) {
        allow(c->cpl.base, size_t(32) << c->cpl.log);
        for (auto* rb : c->rxbuf) allow(rb, c->buf_size);
    }
    std::string stray;
    for (int i = 0; i < 2; i++)
        sy.nic[i].dma.on_write = [&](uint64_t addr, size_t n) {
            for (auto& r : ok_ranges) if (addr >= r.first && addr + n <= r.second) return;
            if (stray.empty()) stray = "DMA write to " + std::to_string(addr) + " outside every ring and buffer";
        };
    // Rx buffers, each surrounded by canaries the NIC must not touch
    Rng rng(seed);
    struct D { uint64_t addr; uint32_t len; uint8_t type; uint16_t rsvd1; uint8_t expect; };
    uint8_t* txb = sy.arena.alloc(9216);
    for (int i = 0; i < 9216; i++) txb[i] = uint8_t(rng.u64());
    std::vector<D> ds = {
        {sy.arena.bus(txb), 100, NC_NC_TYPE_DATA, 0, NC_CPL_STATUS_OK},
        {0, 100, NC_NC_TYPE_DATA, 0, NC_CPL_STATUS_BAD_ADDR},
        {sy.arena.bus(txb), 9000, NC_NC_TYPE_DATA, 0, NC_CPL_STATUS_OK},
        {sy.arena.bus(txb), 9001, NC_NC_TYPE_DATA, 0, NC_CPL_STATUS_BAD_LEN},
        {sy.arena.bus(txb), 64, NC_NC_TYPE_DATA, 1, NC_CPL_STATUS_BAD_DESC},
        {0, 0, NC_NC_TYPE_SYN, 0, NC_CPL_STATUS_OK},
        {sy.arena.bus(txb), 10, 9, 0, NC_CPL_STATUS_BAD_DESC},
        {sy.arena.bus(txb), 0, NC_NC_TYPE_DATA, 0, NC_CPL_STATUS_BAD_LEN},
        {~0ull - 50, 100, NC_NC_TYPE_DATA, 0, NC_CPL_STATUS_BAD_ADDR},
        {sy.arena.bus(txb) + 7, 333, NC_NC_TYPE_FIN, 0, NC_CPL_STATUS_OK},
    };
    // post the receiver's buffers, then the descriptors
    for (uint32_t k = 0; k < b.rx.size(); k++) {
        write_rx_desc(b.rx.at(b.rx_prod), sy.arena.bus(b.rxbuf[k]), b.buf_size, uint16_t(k));
        b.rx_prod++;
    }
    sy.wr(1, NC_REG_DB_RX, nc_reg_db_rx(b.id, b.rx_prod));
    for (size_t k = 0; k < ds.size(); k++) {
        uint8_t* d = a.tx.at(a.tx_prod);
        write_tx_desc(d, ds[k].addr, ds[k].len, uint16_t(500 + k), 1, 2, uint32_t(k), 0, ds[k].type);
        put16(d + NC_TX_DESC_RSVD1_OFF, ds[k].rsvd1);
        a.tx_prod++;
    }
    sy.wr(0, NC_REG_DB_TX, nc_reg_db_tx(a.id, a.tx_prod));
    std::vector<Cpl> txc, rxc;
    run_until(sy, [&] {
        Cpl k;
        while (poll_cpl(a.cpl, a.cpl_cons, k)) txc.push_back(k);
        while (poll_cpl(b.cpl, b.cpl_cons, k)) rxc.push_back(k);
        return txc.size() == ds.size() && rxc.size() == 4;
    }, 200000);
    std::string err;
    if (txc.size() != ds.size()) err = "Tx completions: " + s(txc.size()) + " of " + s(ds.size());
    for (size_t k = 0; err.empty() && k < ds.size(); k++) {
        if (txc[k].index != k || txc[k].tag != 500 + k || txc[k].kind != NC_CPL_KIND_TX)
            err = "Tx completion " + s(k) + ": index " + s(txc[k].index) + " tag " + s(txc[k].tag);
        else if (txc[k].status != ds[k].expect)
            err = "descriptor " + s(k) + ": status " + s(txc[k].status) + ", expected " + s(ds[k].expect);
    }
    size_t good[4] = {0, 2, 5, 9};
    if (err.empty() && rxc.size() != 4) err = "received " + s(rxc.size()) + " messages, expected the 4 good ones";
    for (size_t j = 0; err.empty() && j < 4; j++) {
        const D& d = ds[good[j]];
        const Cpl& c = rxc[j];
        if (c.seq != good[j] || c.len != d.len || c.msg_type != d.type || c.status != NC_CPL_STATUS_OK)
            err = "received message " + s(j) + ": seq " + s(c.seq) + " len " + s(c.len);
        else if (std::memcmp(b.rxbuf[c.index & (b.rx.size() - 1)], reinterpret_cast<uint8_t*>(uintptr_t(d.addr)), d.len) != 0)
            err = "received message " + s(j) + ": payload differs";
    }
    uint64_t bad = sy.cnt(0, NC_REG_CNT_BAD_DESC_LO);
    uint64_t voids_credit = 0;
    if (err.empty() && bad != 6) err = "CNT_BAD_DESC " + s(bad) + ", expected 6";
    if (err.empty() && !stray.empty()) err = stray;
    (void)voids_credit;
    report(err.empty(), "bad_tx_descriptors_rejected",
           err.empty() ? "10 descriptors: 6 rejected with BAD_ADDR/BAD_LEN/BAD_DESC completions in ring order, "
                         "CNT_BAD_DESC 6, the 4 good ones delivered intact, no DMA write outside a ring or Rx buffer"
                       : err);
}

void t_dma_fault(uint64_t) {
    Sys sy({});
    init_nic(sy, 0, 2000, 0, 3); init_nic(sy, 1);
    Eq eq; setup_eq(sy, 0, 0, eq);
    std::vector<std::unique_ptr<Pair>> pairs;
    std::string e;
    if (!open_pairs(sy, pairs, 1, e, 4, 4)) { report(false, "tx_dma_fault_fails_channel", e); return; }
    HostChan& a = pairs[0]->a;
    Traffic pre(sy, 1);
    pre.add_flow(&a, &pairs[0]->b, 3, fixed_size(1000));
    TrafficResult r0 = pre.run(100000);
    // a descriptor whose buffer the host never mapped for the device (valid by every rule)
    write_tx_desc(a.tx.at(a.tx_prod), 0x7000000000ull, 1000, 77, 1, 2, 99, 0, NC_NC_TYPE_DATA);
    a.tx_prod++;
    sy.wr(0, NC_REG_DB_TX, nc_reg_db_tx(a.id, a.tx_prod));
    Cpl k; bool got = false; Ev ev; bool got_ev = false;
    run_until(sy, [&] {
        if (!got) got = poll_cpl(a.cpl, a.cpl_cons, k);
        if (!got_ev) got_ev = poll_ev(eq, ev);
        return got && got_ev;
    }, 100000);
    sy.wr(0, NC_REG_CH_CMD, nc_reg_ch_cmd(a.id, NC_CH_CMD_READ));
    wait_cmd(sy, 0);
    uint32_t state = sy.rd(0, NC_REG_CH_RB_STATE);
    uint64_t faults = sy.cnt(0, NC_REG_CNT_DMA_FAULT_LO), failed = sy.cnt(0, NC_REG_CNT_CH_FAILED_LO);
    std::string err;
    if (!r0.ok) err = r0.error;
    else if (!got) err = "no completion for the faulting descriptor";
    else if (k.status != NC_CPL_STATUS_DMA_FAULT || k.tag != 77) err = "completion status " + s(k.status) + " tag " + s(k.tag);
    else if (!got_ev || ev.type != NC_EVENT_TYPE_CHANNEL || ev.source != a.id || (ev.data & 0xFF) != 2 ||
             ((ev.data >> 8) & 0xFF) != NC_CPL_STATUS_DMA_FAULT)
        err = "no CHANNEL event (failed, DMA_FAULT) on the event queue";
    else if (NC_REG_CH_RB_STATE_STATE_OF(state) != NC_CH_STATE_FAILED || NC_REG_CH_RB_STATE_WHY_OF(state) != NC_CPL_STATUS_DMA_FAULT) err = "read-back state " + s(state);
    else if (faults < 1 || failed != 1) err = "CNT_DMA_FAULT " + s(faults) + ", CNT_CH_FAILED " + s(failed);
    report(err.empty(), "tx_dma_fault_fails_channel",
           err.empty() ? "refused payload read: completion DMA_FAULT, channel failed (read-back state 2), CHANNEL event, "
                         "CNT_DMA_FAULT " + s(faults) : err);
}

void t_closed_channel(uint64_t) {
    Sys sy({});
    init_nic(sy, 0, 3000, 0, 3); init_nic(sy, 1);
    Eq eq; setup_eq(sy, 0, 0, eq);
    std::vector<std::unique_ptr<Pair>> pairs;
    std::string e;
    if (!open_pairs(sy, pairs, 1, e, 4, 4)) { report(false, "closed_channel_dropped_and_sender_fails", e); return; }
    HostChan& a = pairs[0]->a;
    HostChan& b = pairs[0]->b;
    int rc = ch_cmd(sy, 1, b.id, 2);   // the receiver closes its end
    uint8_t* buf = sy.arena.alloc(256);
    for (int k = 0; k < 5; k++) {
        write_tx_desc(a.tx.at(a.tx_prod), sy.arena.bus(buf), 200, uint16_t(k), 1, 2, uint32_t(k), 0, NC_NC_TYPE_DATA);
        a.tx_prod++;
    }
    sy.wr(0, NC_REG_DB_TX, nc_reg_db_tx(a.id, a.tx_prod));
    std::vector<Cpl> cs; Ev ev; bool got_ev = false;
    run_until(sy, [&] {
        Cpl k;
        while (poll_cpl(a.cpl, a.cpl_cons, k)) cs.push_back(k);
        if (!got_ev) got_ev = poll_ev(eq, ev);
        return cs.size() == 5 && got_ev;
    }, 2000000, 64);
    uint64_t nochan = sy.cnt(1, NC_REG_CNT_NO_CHANNEL_LO), to = sy.cnt(0, NC_REG_CNT_TIMEOUTS_LO);
    uint64_t failed = sy.cnt(0, NC_REG_CNT_CH_FAILED_LO);
    std::string err;
    if (rc != 0) err = "close returned " + s(uint32_t(rc));
    else if (nochan < 5) err = "CNT_NO_CHANNEL at the receiver " + s(nochan) + ", expected >= 5";
    else if (cs.size() != 5) err = "sender completions " + s(cs.size()) + " of 5";
    else if (!got_ev || ev.type != NC_EVENT_TYPE_CHANNEL || ((ev.data >> 8) & 0xFF) != NC_CPL_STATUS_TIMEOUT)
        err = "no CHANNEL event with reason TIMEOUT";
    else if (failed != 1 || to < 4) err = "CNT_CH_FAILED " + s(failed) + ", CNT_TIMEOUTS " + s(to);
    for (size_t k = 0; err.empty() && k < cs.size(); k++)
        if (cs[k].status != NC_CPL_STATUS_TIMEOUT || cs[k].index != k) err = "completion " + s(k) + " status " + s(cs[k].status);
    report(err.empty(), "closed_channel_dropped_and_sender_fails",
           err.empty() ? "frames for the closed channel dropped and counted (CNT_NO_CHANNEL " + s(nochan) +
                         "), sender gave up after " + s(to) + " timeouts: 5 TIMEOUT completions, CHANNEL event"
                       : err);
}

void t_credit(uint64_t seed, bool lossy) {
    SysConfig c;
    if (lossy) { c.loss = 0.05; c.seed = seed; }
    Sys sy(c);
    init_nic(sy, 0, 3000, 0, 12); init_nic(sy, 1, 3000, 0, 12);
    std::vector<std::unique_ptr<Pair>> pairs;
    std::string e;
    const char* name = lossy ? "credit_probe_recovers_lost_credit_updates" : "credit_flow_control_no_drops";
    // two Rx buffers per side: the sender is held back by credit almost all the time
    if (!open_pairs(sy, pairs, 1, e, 6, 1)) { report(false, name, e); return; }
    Traffic t(sy, seed);
    t.add_flow(&pairs[0]->a, &pairs[0]->b, 400, uniform_size(1, 4000));
    TrafficResult r = t.run(20000000, 16);
    uint64_t stall = sy.cnt(0, NC_REG_CNT_CREDIT_STALL_LO), nobuf = sy.cnt(1, NC_REG_CNT_RX_NO_BUF_LO);
    uint64_t acks = sy.cnt(1, NC_REG_CNT_ACK_TX_LO);
    bool ok = r.ok && stall > 0 && nobuf == 0;
    report(ok, name, r.ok ? "400 messages through 2 Rx buffers" + std::string(lossy ? " over a 5%-loss link" : "") +
                                ": credit stalls " + s(stall) + ", no-buffer drops " + s(nobuf) + ", ACK frames " + s(acks) +
                                ", " + s(r.cycles) + " cycles"
                          : r.error);
}

// A receiver that withholds credit for much longer than RETRY_LIMIT probe periods (a slow consumer)
// must not fail the channel: answered probes are not timeouts.
void t_slow_consumer(uint64_t seed) {
    Sys sy({});
    init_nic(sy, 0, 500, 0, 2); init_nic(sy, 1, 500, 0, 2);
    // the receiver grants no credit at open (it has posted nothing)
    HostChan a, b;
    int ra = open_chan(sy, a, 0, 3, 11, 100, 200, 0, 4, 4);
    int rb = open_chan(sy, b, 1, 11, 3, 200, 100, 0, 4, 4);
    if (ra != 0 || rb != 0) { report(false, "slow_consumer_does_not_fail_channel", "open failed"); return; }
    uint8_t* buf = sy.arena.alloc(1024);
    for (int k = 0; k < 8; k++) {
        write_tx_desc(a.tx.at(a.tx_prod), sy.arena.bus(buf), 500, uint16_t(k), 1, 2, uint32_t(k), 500, NC_NC_TYPE_DATA);
        a.tx_prod++;
    }
    sy.wr(0, NC_REG_DB_TX, nc_reg_db_tx(a.id, a.tx_prod));
    // the receiver posts nothing for 200 000 cycles: ~25 persist periods of up to 16 x 500 cycles
    sy.run(200000);
    uint64_t failed = sy.cnt(0, NC_REG_CNT_CH_FAILED_LO);
    uint64_t probes_acked = sy.cnt(1, NC_REG_CNT_ACK_TX_LO);
    Traffic t(sy, seed);   // now it reads: post buffers, receive the 8 messages
    Flow f;
    (void)f;
    for (uint32_t k = 0; k < b.rx.size(); k++) {
        write_rx_desc(b.rx.at(b.rx_prod), sy.arena.bus(b.rxbuf[k]), b.buf_size, uint16_t(k));
        b.rx_prod++;
    }
    sy.wr(1, NC_REG_DB_RX, nc_reg_db_rx(b.id, b.rx_prod));
    size_t got = 0, done = 0;
    run_until(sy, [&] {
        Cpl k;
        while (poll_cpl(b.cpl, b.cpl_cons, k)) got += k.status == NC_CPL_STATUS_OK;
        while (poll_cpl(a.cpl, a.cpl_cons, k)) done += k.status == NC_CPL_STATUS_OK;
        return got == 8 && done == 8;
    }, 100000);
    bool ok = failed == 0 && got == 8 && done == 8 && probes_acked > 2;
    report(ok, "slow_consumer_does_not_fail_channel",
           ok ? "no credit for 200k cycles (RTO 500, retry limit 2): " + s(probes_acked) +
                    " answered probes, channel stays open, all 8 messages delivered once credit comes"
              : "failed channels " + s(failed) + ", received " + s(got) + ", completed " + s(done) + ", ACKs " + s(probes_acked));
}

void t_mgmt(uint64_t) {
    Sys sy({});
    init_nic(sy, 0); init_nic(sy, 1);
    Mgmt m0, m1;
    setup_mgmt(sy, 0, m0);
    setup_mgmt(sy, 1, m1);
    const int N = 5;
    std::vector<uint16_t> lens = {0, 1, 100, 4000, 9000};
    for (int k = 0; k < N; k++) {
        uint8_t* b = m0.txbuf[k];
        mgmt_header(b, 0, uint16_t(10 + k), uint32_t(k), 0);
        for (int i = 0; i < lens[k]; i++) b[128 + i] = pattern(999, uint32_t(k), uint32_t(i));
        write_tx_desc(m0.tx.at(m0.tx_prod), sy.arena.bus(b), lens[k], uint16_t(40 + k), 0, 0, 0, 0, 0);
        m0.tx_prod++;
    }
    sy.wr(0, NC_REG_MGMT_DB_TX, m0.tx_prod);
    std::vector<Cpl> txc, rxc;
    run_until(sy, [&] {
        Cpl k;
        while (poll_cpl(m0.cpl, m0.cpl_cons, k)) txc.push_back(k);
        while (poll_cpl(m1.cpl, m1.cpl_cons, k)) rxc.push_back(k);
        return txc.size() == size_t(N) && rxc.size() == size_t(N);
    }, 200000);
    std::string err;
    if (txc.size() != size_t(N) || rxc.size() != size_t(N)) err = "completions: tx " + s(txc.size()) + ", rx " + s(rxc.size());
    for (int k = 0; err.empty() && k < N; k++) {
        if (txc[k].kind != NC_CPL_KIND_MGMT_TX || txc[k].status != NC_CPL_STATUS_OK || txc[k].tag != 40 + k)
            err = "MGMT_TX completion " + s(k) + ": kind " + s(txc[k].kind) + " status " + s(txc[k].status);
        const Cpl& c = rxc[k];
        const uint8_t* b = m1.rxbuf[c.index & (m1.rx.size() - 1)];
        if (err.empty() && (c.kind != NC_CPL_KIND_MGMT_RX || c.status != NC_CPL_STATUS_OK || c.len != lens[k] ||
                            c.src_port != 10 + k || c.seq != uint32_t(k) || c.tag != 100 + c.index))
            err = "MGMT_RX completion " + s(k) + ": kind " + s(c.kind) + " len " + s(c.len) + " src " + s(c.src_port);
        // the header as it travelled: the NIC's own source MAC, opcode MGMT, valid lengths
        uint64_t smac = 0;
        for (int i = 0; i < 6; i++) smac = (smac << 8) | b[6 + i];
        if (err.empty() && (smac != kMac[0] || b[NC_OFF_CTH + NC_CTH_OPCODE_OFF] != NC_CTH_OPCODE_MGMT ||
                            rbe16(b + NC_OFF_NC + NC_NC_LEN_OFF) != lens[k] || rbe16(b + NC_OFF_IPV4 + 2) != 72 + NC_ICRC_BYTES + lens[k]))
            err = "management frame " + s(k) + ": header not as sent";
        for (int i = 0; err.empty() && i < lens[k]; i++)
            if (b[128 + i] != pattern(999, uint32_t(k), uint32_t(i))) err = "management frame " + s(k) + ": payload differs";
    }
    uint64_t mtx = sy.cnt(0, NC_REG_CNT_MGMT_TX_LO), mrx = sy.cnt(1, NC_REG_CNT_MGMT_RX_LO);
    if (err.empty() && (mtx != uint64_t(N) || mrx != uint64_t(N))) err = "CNT_MGMT_TX " + s(mtx) + ", CNT_MGMT_RX " + s(mrx);
    report(err.empty(), "management_queue_pair",
           err.empty() ? "5 management frames (0 to 9000 bytes): MGMT_TX completions, received whole (header at 0, payload at "
                         "128), source MAC and opcode set by the NIC" : err);
}

void t_events(uint64_t) {
    Sys sy({});
    init_nic(sy, 0); init_nic(sy, 1);
    Eq eq; setup_eq(sy, 1, 0, eq);
    std::vector<std::unique_ptr<Pair>> pairs;
    std::string e;
    if (!open_pairs(sy, pairs, 1, e, 4, 4)) { report(false, "events_armed_no_lost_wakeup", e); return; }
    HostChan& a = pairs[0]->a;
    HostChan& b = pairs[0]->b;
    uint8_t* buf = sy.arena.alloc(128);
    for (uint32_t k = 0; k < b.rx.size(); k++) {
        write_rx_desc(b.rx.at(b.rx_prod), sy.arena.bus(b.rxbuf[k]), b.buf_size, uint16_t(k));
        b.rx_prod++;
    }
    sy.wr(1, NC_REG_DB_RX, nc_reg_db_rx(b.id, b.rx_prod));
    auto send = [&](uint32_t id) {
        write_tx_desc(a.tx.at(a.tx_prod), sy.arena.bus(buf), 64, uint16_t(id), 1, 2, id, 0, NC_NC_TYPE_DATA);
        a.tx_prod++;
        sy.wr(0, NC_REG_DB_TX, nc_reg_db_tx(a.id, a.tx_prod));
    };
    auto arm_cq = [&] { sy.wr(1, NC_REG_DB_CPL, nc_reg_db_cpl(b.id, 1, b.cpl_cons)); };
    auto arm_eq = [&] { sy.wr(1, NC_REG_EQ_ARM, nc_reg_eq_arm(0, eq.cons)); };
    std::string err;
    // 1: both armed, one message -> exactly one interrupt and one COMPLETION event
    arm_cq(); arm_eq(); sy.run(50);
    size_t irq0 = sy.nic[1].irqs.size();
    send(0);
    Cpl k; Ev ev;
    bool ok1 = run_until(sy, [&] { return sy.nic[1].irqs.size() > irq0; }, 20000);
    sy.run(2000);
    bool have_ev = poll_ev(eq, ev);
    if (!ok1 || sy.nic[1].irqs.size() != irq0 + 1 || sy.nic[1].irqs.back() != 0) err = "armed: interrupts " + s(sy.nic[1].irqs.size() - irq0);
    else if (!have_ev || ev.type != NC_EVENT_TYPE_COMPLETION || ev.source != b.id) err = "armed: no COMPLETION event";
    else if (!poll_cpl(b.cpl, b.cpl_cons, k)) err = "armed: the completion was not in memory when the event was";
    // 2: disarmed ring (it fired once) -> a second message raises no event
    size_t irq1 = sy.nic[1].irqs.size();
    if (err.empty()) {
        send(1);
        sy.run(3000);
        if (poll_ev(eq, ev) || sy.nic[1].irqs.size() != irq1) err = "an event without arming";
    }
    // 3: arm the ring while that completion is unconsumed -> event at once (no lost wake-up); the event
    //    queue is not armed -> no interrupt until EQ_ARM, which fires at once because an event is pending
    if (err.empty()) {
        arm_cq(); sy.run(200);
        if (!poll_ev(eq, ev) || ev.type != NC_EVENT_TYPE_COMPLETION) err = "re-arm with a pending completion: no event";
        else if (sy.nic[1].irqs.size() != irq1) err = "interrupt while the event queue was not armed";
        else {
            eq.cons--;   // leave the event unconsumed, arm with the old consumer index
            arm_eq(); sy.run(200);
            eq.cons++;
            if (sy.nic[1].irqs.size() != irq1 + 1) err = "EQ_ARM with a pending event: no interrupt at once";
        }
    }
    report(err.empty(), "events_armed_no_lost_wakeup",
           err.empty() ? "armed ring + queue: one event, one interrupt, completion already in memory; unarmed: none; "
                         "re-arming with pending work fires at once" : err);
}

void t_commands(uint64_t) {
    Sys sy({});
    init_nic(sy, 0); init_nic(sy, 1);
    std::string err;
    HostChan c, x;
    int r1 = open_chan(sy, c, 0, 9, 4, 1000, 2000, 8, 4, 4);
    HostChan d = c;
    int r2 = open_chan(sy, d, 0, 9, 4, 1000, 2000, 8, 4, 4, 0, 9024, false);   // open twice
    int r3 = ch_cmd(sy, 0, 5000, 1);                                            // channel beyond CHANNELS
    int r4 = ch_cmd(sy, 0, 9, 9);                                               // unknown command
    // a context with a misaligned ring is refused
    x.tx = {sy.arena.alloc(32u << 4) + 32, 4, 32}; x.rx = {sy.arena.alloc(16u << 4), 4, 16}; x.cpl = {sy.arena.alloc(32u << 5), 5, 32};
    int r5 = open_chan(sy, x, 0, 10, 4, 0, 0, 0, 4, 4, 0, 9024, false);
    int r6 = ch_cmd(sy, 0, 9, 3);                                               // read back
    uint32_t st = sy.rd(0, NC_REG_CH_RB_STATE), nxt = sy.rd(0, NC_REG_CH_RB_TX_NXT), cr = sy.rd(0, NC_REG_CH_RB_TX_CREDIT);
    uint32_t pc = sy.rd(0, NC_REG_CH_PEER_CHAN), rl = sy.rd(0, NC_REG_CH_RING_LOG), ip = sy.rd(0, NC_REG_CH_PEER_IP);
    int r7 = ch_cmd(sy, 0, 9, 2);                                               // close
    int r8 = ch_cmd(sy, 0, 9, 2);                                               // close again
    int r9 = ch_cmd(sy, 0, 9, 3);
    uint32_t st2 = sy.rd(0, NC_REG_CH_RB_STATE);
    if (r1 != 0 || r2 != 2 || r3 != 1 || r4 != 4 || r5 != 3 || r6 != 0 || r7 != 0 || r8 != 2 || r9 != 0)
        err = "results " + s(uint32_t(r1)) + " " + s(uint32_t(r2)) + " " + s(uint32_t(r3)) + " " + s(uint32_t(r4)) + " " +
              s(uint32_t(r5)) + " " + s(uint32_t(r6)) + " " + s(uint32_t(r7)) + " " + s(uint32_t(r8)) + " " + s(uint32_t(r9));
    else if (NC_REG_CH_RB_STATE_STATE_OF(st) != NC_CH_STATE_OPEN || nxt != 1000 || cr != 1008 || pc != 4 || rl != nc_reg_ch_ring_log(4, 4, 5) || ip != kIp[1])
        err = "read back: state " + s(st) + " nxt " + s(nxt) + " credit " + s(cr) + " peer " + s(pc) + " logs " + s(rl);
    else if (NC_REG_CH_RB_STATE_STATE_OF(st2) != NC_CH_STATE_CLOSED) err = "state after close " + s(st2);
    report(err.empty(), "channel_commands_and_read_back",
           err.empty() ? "open ok / twice: bad state / channel 5000: bad channel / command 9: bad command / misaligned ring: "
                         "bad context; read back returns the context and live state; close, close again: bad state" : err);
}

void t_close_flush(uint64_t) {
    Sys sy({});
    init_nic(sy, 0); init_nic(sy, 1);
    std::vector<std::unique_ptr<Pair>> pairs;
    std::string e;
    if (!open_pairs(sy, pairs, 1, e, 5, 5)) { report(false, "close_completes_everything_outstanding", e); return; }
    HostChan& a = pairs[0]->a;
    HostChan& b = pairs[0]->b;
    // B closes first so nothing is acknowledged; A then holds 20 posted Tx descriptors and 32 Rx buffers
    ch_cmd(sy, 1, b.id, 2);
    uint8_t* buf = sy.arena.alloc(4096);
    for (int k = 0; k < 20; k++) {
        write_tx_desc(a.tx.at(a.tx_prod), sy.arena.bus(buf), 3000, uint16_t(k), 1, 2, uint32_t(k), 0, NC_NC_TYPE_DATA);
        a.tx_prod++;
    }
    sy.wr(0, NC_REG_DB_TX, nc_reg_db_tx(a.id, a.tx_prod));
    for (uint32_t k = 0; k < a.rx.size(); k++) {
        write_rx_desc(a.rx.at(a.rx_prod), sy.arena.bus(a.rxbuf[k]), a.buf_size, uint16_t(k));
        a.rx_prod++;
    }
    sy.wr(0, NC_REG_DB_RX, nc_reg_db_rx(a.id, a.rx_prod));
    sy.run(3000);
    int rc = ch_cmd(sy, 0, a.id, 2);
    // not busy: every completion is issued, so read back says how many and they are all in memory
    ch_cmd(sy, 0, a.id, 3);
    uint32_t idx = sy.rd(0, NC_REG_CH_RB_CPL_IDX);
    std::vector<Cpl> cs;
    Cpl k;
    while (poll_cpl(a.cpl, a.cpl_cons, k)) cs.push_back(k);
    size_t tx = 0, rx = 0;
    std::string err;
    for (auto& c : cs) {
        if (c.status != NC_CPL_STATUS_CHANNEL_DOWN) { err = "status " + s(c.status); break; }
        (c.kind == NC_CPL_KIND_TX ? tx : rx)++;
    }
    if (err.empty() && (rc != 0 || (idx & 0xFFFF) != cs.size() || tx != 20 || rx != 32))
        err = "close " + s(uint32_t(rc)) + ": producer index " + s(idx & 0xFFFF) + ", in memory " + s(cs.size()) +
              " (tx " + s(tx) + ", rx " + s(rx) + ")";
    report(err.empty(), "close_completes_everything_outstanding",
           err.empty() ? "close with 20 unacknowledged Tx descriptors and 32 unused Rx buffers: 52 CHANNEL_DOWN completions, "
                         "all in memory when CH_CMD_STATUS is no longer busy (read-back producer index 52)" : err);
}

void t_bad_doorbells(uint64_t) {
    Sys sy({});
    init_nic(sy, 0); init_nic(sy, 1);
    std::vector<std::unique_ptr<Pair>> pairs;
    std::string e;
    if (!open_pairs(sy, pairs, 1, e, 4, 4)) { report(false, "bad_doorbells_ignored_and_counted", e); return; }
    HostChan& a = pairs[0]->a;
    uint64_t before = sy.cnt(0, NC_REG_CNT_BAD_DOORBELL_LO);
    sy.wr(0, NC_REG_DB_TX, nc_reg_db_tx(a.id, 17));      // more than the 16-entry ring ahead
    sy.wr(0, NC_REG_DB_TX, nc_reg_db_tx(4000, 1));                // channel beyond CHANNELS
    sy.wr(0, NC_REG_DB_TX, nc_reg_db_tx(77, 1));                  // closed channel
    sy.wr(0, NC_REG_DB_RX, nc_reg_db_rx(a.id, 40));      // Rx ring overrun
    sy.wr(0, NC_REG_DB_CPL, nc_reg_db_cpl(a.id, 0, 5));      // consumer beyond the producer
    sy.wr(0, NC_REG_EQ_ARM, nc_reg_eq_arm(3, 9));                  // event queue consumer beyond its producer
    sy.run(200);
    uint64_t after = sy.cnt(0, NC_REG_CNT_BAD_DOORBELL_LO);
    sy.wr(0, NC_REG_CH_CMD, nc_reg_ch_cmd(a.id, NC_CH_CMD_READ));
    wait_cmd(sy, 0);
    uint32_t txi = sy.rd(0, NC_REG_CH_RB_TX_IDX), rxi = sy.rd(0, NC_REG_CH_RB_RX_IDX);
    bool ok = after - before == 6 && (txi & 0xFFFF) == 0 && (rxi & 0xFFFF) == 0;
    report(ok, "bad_doorbells_ignored_and_counted",
           ok ? "6 bad doorbells (ring overrun, channel range, closed channel, Rx overrun, consumer beyond producer, event "
                "queue) ignored, CNT_BAD_DOORBELL +6, ring state unchanged"
              : "CNT_BAD_DOORBELL +" + s(after - before) + ", tx idx " + s(txi) + ", rx idx " + s(rxi));
}


}  // namespace

int main(int argc, char** argv) {
    std::string mode = argc > 1 ? argv[1] : "test";
    std::string only;
    uint64_t seed = 1;
    for (int i = 2; i < argc; i++) {
        std::string a = argv[i];
        if (a == "--only" && i + 1 < argc) only = argv[++i];
        else if (a == "--seed" && i + 1 < argc) seed = std::strtoull(argv[++i], nullptr, 0);
    }
    if (const char* e = std::getenv("NC_SEED")) seed = std::strtoull(e, nullptr, 0);
    auto want = [&](const std::string& n) { return only.empty() || only == n; };
    auto t0 = std::chrono::steady_clock::now();
    if (mode == "test") {
        if (want("basic")) t_basic(seed);
        if (want("many")) t_many(seed, "many_channels_random_sizes", {}, 4, 2000, false);
        if (want("bad_desc")) t_bad_desc(seed);
        if (want("dma_fault")) t_dma_fault(seed);
        if (want("closed")) t_closed_channel(seed);
        if (want("credit")) t_credit(seed, false);
        if (want("credit_lossy")) t_credit(seed, true);
        if (want("mgmt")) t_mgmt(seed);
        if (want("slow_consumer")) t_slow_consumer(seed);
        if (want("events")) t_events(seed);
        if (want("commands")) t_commands(seed);
        if (want("close")) t_close_flush(seed);
        if (want("doorbells")) t_bad_doorbells(seed);
        if (want("lossy")) {
            SysConfig c; c.loss = 0.05; c.reorder = 0.05; c.dup = 0.01; c.corrupt = 0.01; c.seed = seed;
            t_many(seed, "lossy_link_exactly_once", c, 4, 2000, true);
        }
    }
    if (mode == "bench") {
        bool quick = false;
        std::string json;
        for (int i = 2; i < argc; i++) {
            std::string a = argv[i];
            if (a == "--quick") quick = true;
            else if (a == "--json" && i + 1 < argc) json = argv[++i];
        }
        BusFactory make = [](const BenchSysConfig& b) -> std::unique_ptr<HostBus> {
            SysConfig c; c.dma_latency = b.dma_latency; c.loss = b.loss; c.reorder = b.reorder; c.seed = b.seed;
            return std::make_unique<Sys>(c);
        };
        Json js("\"harness\": \"tb_nic\"");
        int rc = run_bench_suite(make, quick, js, "tb_nic: two directly Verilated nc_nic");
        if (!js.write(json)) { std::fprintf(stderr, "cannot write %s\n", json.c_str()); return 1; }
        return rc;
    }
    if (mode == "speed") {
        Sys sy({});
        init_nic(sy, 0); init_nic(sy, 1);
        uint64_t n = argc > 2 ? std::strtoull(argv[2], nullptr, 0) : 200000;
        auto a = std::chrono::steady_clock::now();
        sy.run(n);
        double idle = std::chrono::duration<double>(std::chrono::steady_clock::now() - a).count();
        std::printf("idle: %.0f cycles/s\n", double(n) / idle);
        return 0;
    }
    double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    std::printf("nic tests took %.1f s\n", secs);
    std::printf("%d passed, %d failed\n", g_pass, g_fail);
    return g_fail ? 1 : 0;
}
