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

// ------------------------------------------------------------------------------------------------
// Small helpers
// ------------------------------------------------------------------------------------------------
int g_pass = 0, g_fail = 0;
void report(bool ok, const std::string& name, const std::string& detail) {
    std::printf("%s %s: %s\n", ok ? "PASS" : "FAIL", name.c_str(), detail.c_str());
    std::fflush(stdout);
    (ok ? g_pass : g_fail)++;
}
std::string s(uint64_t v) { return std::to_string(v); }
std::string f2(double v) { char b[64]; std::snprintf(b, sizeof b, "%.2f", v); return b; }
std::string f3(double v) { char b[64]; std::snprintf(b, sizeof b, "%.3f", v); return b; }

void put16(uint8_t* p, uint16_t v) { std::memcpy(p, &v, 2); }
void put32(uint8_t* p, uint32_t v) { std::memcpy(p, &v, 4); }
void put64(uint8_t* p, uint64_t v) { std::memcpy(p, &v, 8); }
uint16_t get16(const uint8_t* p) { uint16_t v; std::memcpy(&v, p, 2); return v; }
uint32_t get32(const uint8_t* p) { uint32_t v; std::memcpy(&v, p, 4); return v; }

struct Rng {
    std::mt19937_64 r;
    explicit Rng(uint64_t seed) : r(seed) {}
    uint64_t u64() { return r(); }
    uint32_t below(uint64_t n) { return n ? uint32_t(r() % n) : 0; }
    bool chance(double p) { return p > 0 && std::uniform_real_distribution<double>(0, 1)(r) < p; }
};

// payload byte i of message (chan, id): the receiver checks every byte without a table
uint8_t pattern(uint32_t chan, uint32_t id, uint32_t i) {
    uint32_t x = (chan * 0x9E3779B1u) ^ (id * 0x85EBCA77u) ^ (i * 0xC2B2AE3Du);
    x ^= x >> 15; x *= 0x2C1B3C6Du; x ^= x >> 12;
    return uint8_t(x);
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
    std::deque<Frame> q;
    std::vector<Frame> held;
    uint64_t link_free = 0, held_at = 0;
    size_t off = 0;
    uint64_t sent = 0, dropped = 0, duplicated = 0, reordered = 0, corrupted = 0, delivered = 0;
    std::vector<std::vector<uint8_t>>* capture = nullptr;

    bool tx_ready(uint64_t cycle) const { return link_free <= cycle + 64; }
    void tx_beat(uint64_t cycle, const uint8_t* d, uint64_t keep, bool last, bool user) {
        for (int l = 0; l < 64; l++) if ((keep >> l) & 1) cur.push_back(d[l]);
        cur_bad |= user;
        if (!last) return;
        sent++;
        if (capture) capture->push_back(cur);
        uint64_t wire = std::max<uint64_t>(cur.size(), 60) + 24;
        uint64_t depart = std::max(cycle, link_free);
        link_free = depart + (wire + 63) / 64;
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

class Sys {
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
            }
            if (o[i].rd_rsp) accept_rd(n);
            if (o[i].rd_req) n.dma.rd.push_back({o[i].rd_addr, o[i].rd_len, o[i].rd_tag, cycle + 1 + n.dma.latency, 0,
                                                 !arena.covers(o[i].rd_addr, o[i].rd_len)});
            if (o[i].wr) accept_wr(n);
            if (o[i].tx) {
                uint8_t td[64];
                wide_to_bytes(m.m_axis_tx_tdata, td, 64);
                link[i].tx_beat(cycle, td, m.m_axis_tx_tkeep, m.m_axis_tx_tlast, m.m_axis_tx_tuser);
            }
            if (o[i].rx) link[1 - i].rx_accepted();
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

    void run(uint64_t n) { for (uint64_t k = 0; k < n; k++) step(); }

    // ---- MMIO helpers (each runs the clock until the NIC takes the request / answers) ----
    void wr(int i, uint32_t addr, uint32_t v) {
        nic[i].mq.push_back({true, uint16_t(addr), v, 0});
    }
    uint32_t rd(int i, uint32_t addr) {
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
    uint64_t cnt(int i, uint32_t lo_addr) {
        uint64_t lo = rd(i, lo_addr);
        uint64_t hi = rd(i, lo_addr + 4);
        return lo | (hi << 32);
    }
};

// ------------------------------------------------------------------------------------------------
// Host driver model (docs/nic.md)
// ------------------------------------------------------------------------------------------------
struct Cpl {
    uint16_t src_port, dst_port; uint32_t seq, grant; uint16_t len; uint8_t msg_type, status;
    uint16_t index, channel, tag; uint8_t kind; uint32_t psn;
};

struct Ring {
    uint8_t* base = nullptr; uint32_t log = 0; uint32_t entry = 0;
    uint32_t size() const { return 1u << log; }
    uint8_t* at(uint32_t idx) const { return base + (idx & (size() - 1)) * entry; }
};

// reads the next completion (phase protocol) if the device has written it
bool poll_cpl(Ring& r, uint16_t& cons, Cpl& c) {
    const uint8_t* e = r.at(cons);
    bool phase = ((cons >> r.log) & 1) == 0;
    if (bool(e[31] & 0x80) != phase) return false;
    c.src_port = get16(e + NC_CPL_SRC_PORT_OFF); c.dst_port = get16(e + NC_CPL_DST_PORT_OFF);
    c.seq = get32(e + NC_CPL_SEQ_OFF); c.grant = get32(e + NC_CPL_GRANT_OFF); c.len = get16(e + NC_CPL_LEN_OFF);
    c.msg_type = e[NC_CPL_MSG_TYPE_OFF]; c.status = e[NC_CPL_STATUS_OFF]; c.index = get16(e + NC_CPL_INDEX_OFF);
    c.channel = get16(e + NC_CPL_CHANNEL_OFF); c.tag = get16(e + NC_CPL_TAG_OFF); c.kind = e[NC_CPL_KIND_OFF];
    c.psn = get32(e + NC_CPL_PSN_OFF);
    cons++;
    return true;
}

void write_tx_desc(uint8_t* d, uint64_t addr, uint32_t len, uint16_t tag, uint16_t sp, uint16_t dp,
                   uint32_t seq, uint32_t grant, uint8_t type) {
    std::memset(d, 0, 32);
    put64(d + NC_TX_DESC_ADDR_OFF, addr); put32(d + NC_TX_DESC_LEN_OFF, len); put16(d + NC_TX_DESC_TAG_OFF, tag);
    put16(d + NC_TX_DESC_SRC_PORT_OFF, sp); put16(d + NC_TX_DESC_DST_PORT_OFF, dp);
    put32(d + NC_TX_DESC_SEQ_OFF, seq); put32(d + NC_TX_DESC_GRANT_OFF, grant); d[NC_TX_DESC_MSG_TYPE_OFF] = type;
}
void write_rx_desc(uint8_t* d, uint64_t addr, uint32_t len, uint16_t tag) {
    std::memset(d, 0, 16);
    put64(d + NC_RX_DESC_ADDR_OFF, addr); put32(d + NC_RX_DESC_LEN_OFF, len); put16(d + NC_RX_DESC_TAG_OFF, tag);
}

const uint64_t kMac[2] = {0x020000000001ull, 0x020000000002ull};
const uint32_t kIp[2] = {0x0A000001u, 0x0A000002u};

void init_nic(Sys& sy, int i, uint32_t rto = 0, uint32_t coal = 0, uint32_t retry = 0) {
    uint32_t magic = sy.rd(i, NC_REG_ID_MAGIC);
    if (magic != NC_NIC_MAGIC) { std::fprintf(stderr, "bad magic %08x\n", magic); std::abort(); }
    sy.wr(i, NC_REG_MAC_LO, uint32_t(kMac[i])); sy.wr(i, NC_REG_MAC_HI, uint32_t(kMac[i] >> 32));
    sy.wr(i, NC_REG_IP_ADDR, kIp[i]);
    if (rto) sy.wr(i, NC_REG_RTO_CYCLES, rto);
    if (coal) sy.wr(i, NC_REG_ACK_COALESCE, coal);
    if (retry) sy.wr(i, NC_REG_RETRY_LIMIT, retry);
    sy.wr(i, NC_REG_CTRL, 3);  // enable, address filtering
}

int wait_cmd(Sys& sy, int nic) {
    for (int k = 0; k < 20000; k++) {   // the NIC clears its channel RAMs after reset (CHANNELS cycles)
        uint32_t st = sy.rd(nic, NC_REG_CH_CMD_STATUS);
        if (!(st & 1)) return int((st >> 4) & 0xF);
    }
    if (std::getenv("NC_DEBUG")) std::fprintf(stderr, "command still busy at cycle %llu\n", (unsigned long long)sy.cycle);
    return -1;
}

// One side of a channel: its rings, buffers and the host's indices.
struct HostChan {
    int nic = 0; uint16_t id = 0, peer = 0;
    Ring tx, rx, cpl;
    uint16_t tx_prod = 0, tx_done = 0, rx_prod = 0, rx_used = 0, cpl_cons = 0;
    std::vector<uint8_t*> txbuf, rxbuf;
    uint32_t buf_size = 9024;
};

int open_chan(Sys& sy, HostChan& c, int nic, uint16_t id, uint16_t peer, uint32_t init_psn, uint32_t peer_psn,
              uint32_t credit, uint32_t txlog = 8, uint32_t rxlog = 8, int cls = 0, uint32_t buf = 9024,
              bool alloc = true) {
    c.nic = nic; c.id = id; c.peer = peer; c.buf_size = buf;
    uint32_t cpllog = std::max(txlog, rxlog) + 1;
    if (alloc) {
        c.tx = {sy.arena.alloc(32u << txlog), txlog, 32};
        c.rx = {sy.arena.alloc(16u << rxlog), rxlog, 16};
        c.cpl = {sy.arena.alloc(32u << cpllog), cpllog, 32};
        for (uint32_t k = 0; k < (1u << txlog); k++) c.txbuf.push_back(sy.arena.alloc(buf, 64));
        for (uint32_t k = 0; k < (1u << rxlog); k++) c.rxbuf.push_back(sy.arena.alloc(buf, 64));
    }
    std::memset(c.cpl.base, 0, size_t(32) << cpllog);
    c.tx_prod = c.tx_done = c.rx_prod = c.rx_used = c.cpl_cons = 0;
    int o = 1 - nic;
    sy.wr(nic, NC_REG_CH_PEER_MAC_LO, uint32_t(kMac[o])); sy.wr(nic, NC_REG_CH_PEER_MAC_HI, uint32_t(kMac[o] >> 32));
    sy.wr(nic, NC_REG_CH_PEER_IP, kIp[o]);
    sy.wr(nic, NC_REG_CH_UDP_SRC, 49152u + id);
    sy.wr(nic, NC_REG_CH_PEER_CHAN, uint32_t(peer) | (uint32_t(cls) << 16) | (0u << 24));
    uint64_t t = sy.arena.bus(c.tx.base), r = sy.arena.bus(c.rx.base), q = sy.arena.bus(c.cpl.base);
    sy.wr(nic, NC_REG_CH_TX_RING_LO, uint32_t(t)); sy.wr(nic, NC_REG_CH_TX_RING_HI, uint32_t(t >> 32));
    sy.wr(nic, NC_REG_CH_RX_RING_LO, uint32_t(r)); sy.wr(nic, NC_REG_CH_RX_RING_HI, uint32_t(r >> 32));
    sy.wr(nic, NC_REG_CH_CPL_RING_LO, uint32_t(q)); sy.wr(nic, NC_REG_CH_CPL_RING_HI, uint32_t(q >> 32));
    sy.wr(nic, NC_REG_CH_RING_LOG, txlog | (rxlog << 8) | (cpllog << 16));
    sy.wr(nic, NC_REG_CH_INIT_PSN, init_psn);
    sy.wr(nic, NC_REG_CH_PEER_PSN, peer_psn);
    sy.wr(nic, NC_REG_CH_TX_CREDIT, credit);
    sy.wr(nic, NC_REG_CH_CMD, uint32_t(id) | (1u << 16));
    return wait_cmd(sy, nic);
}

int ch_cmd(Sys& sy, int nic, uint16_t id, uint32_t cmd) {
    sy.wr(nic, NC_REG_CH_CMD, uint32_t(id) | (cmd << 16));
    return wait_cmd(sy, nic);
}

// ------------------------------------------------------------------------------------------------
// Traffic: messages over channel pairs, every byte checked at the far end, exactly once
// ------------------------------------------------------------------------------------------------
struct Flow {              // one direction of one channel pair
    HostChan* tx = nullptr;
    HostChan* rx = nullptr;
    uint32_t total = 0, posted = 0, completed = 0, received = 0;
    std::vector<uint32_t> len_of;      // per message id
    std::vector<uint8_t> seen;
    uint64_t bytes = 0;
    uint64_t first_rx_cycle = 0, last_rx_cycle = 0;
};

struct TrafficResult {
    bool ok = true;
    std::string error;
    uint64_t cycles = 0, msgs = 0, bytes = 0;
};

class Traffic {
public:
    Traffic(Sys& sy, uint64_t seed) : sy_(sy), rng_(seed) {}

    void add_flow(HostChan* tx, HostChan* rx, uint32_t n, std::function<uint32_t(Rng&)> size) {
        Flow f; f.tx = tx; f.rx = rx; f.total = n;
        for (uint32_t k = 0; k < n; k++) f.len_of.push_back(size(rng_));
        f.seen.assign(n, 0);
        flows_.push_back(f);
    }

    // Runs until every message is received and completed (or the cycle budget runs out).
    TrafficResult run(uint64_t max_cycles, uint32_t poll_every = 4) {
        TrafficResult res;
        uint64_t start = sy_.cycle;
        for (auto& f : flows_) post_rx(*f.rx);
        while (sy_.cycle - start < max_cycles) {
            bool done = true;
            for (auto& f : flows_) {
                post_tx(f);
                drain(*f.tx);
                drain(*f.rx);
                post_rx(*f.rx);
                if (f.received < f.total || f.completed < f.total) done = false;
            }
            if (!error_.empty()) break;
            if (done) break;
            sy_.run(poll_every);
        }
        res.cycles = sy_.cycle - start;
        for (auto& f : flows_) {
            res.msgs += f.received; res.bytes += f.bytes;
            if (error_.empty() && (f.received != f.total || f.completed != f.total))
                error_ = "flow " + s(f.tx->id) + "->" + s(f.rx->id) + ": received " + s(f.received) + "/" + s(f.total) +
                         ", completed " + s(f.completed) + " after " + s(res.cycles) + " cycles";
        }
        res.ok = error_.empty();
        res.error = error_;
        return res;
    }

    std::vector<Flow> flows_;

private:
    Flow* flow_from(HostChan& tx) { for (auto& f : flows_) if (f.tx == &tx) return &f; return nullptr; }
    Flow* flow_to(HostChan& rx) { for (auto& f : flows_) if (f.rx == &rx) return &f; return nullptr; }
    void err(const std::string& m) { if (error_.empty()) error_ = m; }

    void post_tx(Flow& f) {
        HostChan& c = *f.tx;
        uint16_t n = 0;
        while (f.posted < f.total && uint16_t(c.tx_prod - c.tx_done) < c.tx.size()) {
            uint32_t id = f.posted++;
            uint32_t len = f.len_of[id];
            uint8_t* buf = c.txbuf[c.tx_prod & (c.tx.size() - 1)];
            for (uint32_t i = 0; i < len; i++) buf[i] = pattern(c.id, id, i);
            write_tx_desc(c.tx.at(c.tx_prod), sy_.arena.bus(buf), len, uint16_t(id), uint16_t(c.id), uint16_t(c.peer),
                          id, len, NC_NC_TYPE_DATA);
            c.tx_prod++; n++;
        }
        if (n) sy_.wr(c.nic, NC_REG_DB_TX, uint32_t(c.id) | (uint32_t(c.tx_prod) << 16));
    }

    void post_rx(HostChan& c) {
        uint16_t n = 0;
        while (uint16_t(c.rx_prod - c.rx_used) < c.rx.size()) {
            uint32_t slot = c.rx_prod & (c.rx.size() - 1);
            write_rx_desc(c.rx.at(c.rx_prod), sy_.arena.bus(c.rxbuf[slot]), c.buf_size, uint16_t(c.rx_prod));
            c.rx_prod++; n++;
        }
        if (n) sy_.wr(c.nic, NC_REG_DB_RX, uint32_t(c.id) | (uint32_t(c.rx_prod) << 16));
    }

    void drain(HostChan& c) {
        Cpl k;
        uint16_t n = 0;
        while (poll_cpl(c.cpl, c.cpl_cons, k)) {
            n++;
            if (k.channel != c.id) err("completion for channel " + s(k.channel) + " on the ring of " + s(c.id));
            if (k.kind == NC_CPL_KIND_TX) {
                Flow* f = flow_from(c);
                if (k.index != c.tx_done) err("Tx completion index " + s(k.index) + ", expected " + s(c.tx_done));
                if (k.status != NC_CPL_STATUS_OK) err("Tx completion status " + s(k.status) + " on channel " + s(c.id));
                if (f && k.tag < f->total && k.len != f->len_of[k.tag]) err("Tx completion length " + s(k.len));
                c.tx_done++;
                if (f) f->completed++;
            } else if (k.kind == NC_CPL_KIND_RX) {
                Flow* f = flow_to(c);
                if (k.index != c.rx_used) err("Rx completion index " + s(k.index) + ", expected " + s(c.rx_used));
                uint8_t* buf = c.rxbuf[k.index & (c.rx.size() - 1)];
                c.rx_used++;
                if (!f) { err("Rx completion on a channel without a flow"); continue; }
                if (k.status != NC_CPL_STATUS_OK) { err("Rx completion status " + s(k.status)); continue; }
                uint32_t id = k.seq;
                if (id >= f->total) { err("Rx message id " + s(id) + " out of range"); continue; }
                if (f->seen[id]) { err("message " + s(id) + " on channel " + s(c.id) + " delivered twice"); continue; }
                f->seen[id] = 1;
                if (k.len != f->len_of[id] || k.grant != f->len_of[id]) {
                    err("message " + s(id) + " length " + s(k.len) + ", expected " + s(f->len_of[id]));
                    continue;
                }
                for (uint32_t i = 0; i < k.len; i++) {
                    if (buf[i] != pattern(f->tx->id, id, i)) {
                        err("message " + s(id) + " on channel " + s(c.id) + ": byte " + s(i) + " differs");
                        break;
                    }
                }
                if (k.src_port != f->tx->id || k.dst_port != f->tx->peer || k.msg_type != NC_NC_TYPE_DATA)
                    err("message " + s(id) + ": NetChannel header fields differ");
                if (f->received == 0) f->first_rx_cycle = sy_.cycle;
                f->last_rx_cycle = sy_.cycle;
                f->received++;
                f->bytes += k.len;
            } else {
                err("unexpected completion kind " + s(k.kind));
            }
        }
        if (n) sy_.wr(c.nic, NC_REG_DB_CPL, uint32_t(c.id) | (uint32_t(c.cpl_cons) << 16));
    }

    Sys& sy_;
    Rng rng_;
    std::string error_;
};

// ------------------------------------------------------------------------------------------------
// Scenarios
// ------------------------------------------------------------------------------------------------
struct Pair { HostChan a, b; };   // a on NIC 0, b on NIC 1

// Opens `n` channel pairs (NIC 0 channel 3 + 7k <-> NIC 1 channel 11 + 5k), every Rx ring posted.
bool open_pairs(Sys& sy, std::vector<std::unique_ptr<Pair>>& pairs, int n, std::string& err, uint32_t txlog = 8,
                uint32_t rxlog = 8, uint32_t buf = 9024) {
    for (int k = 0; k < n; k++) {
        auto p = std::make_unique<Pair>();
        uint16_t ia = uint16_t(3 + 7 * k), ib = uint16_t(11 + 5 * k);
        uint32_t psn_a = 0xFFFFFF00u + uint32_t(k) * 1000u, psn_b = 0x12345678u * uint32_t(k + 1);
        // each side opens with the credit the other will have posted: its whole Rx ring
        int ra = open_chan(sy, p->a, 0, ia, ib, psn_a, psn_b, 1u << rxlog, txlog, rxlog, 0, buf);
        int rb = open_chan(sy, p->b, 1, ib, ia, psn_b, psn_a, 1u << rxlog, txlog, rxlog, 0, buf);
        if (ra != 0 || rb != 0) { err = "open failed: " + s(uint32_t(ra)) + "/" + s(uint32_t(rb)); return false; }
        pairs.push_back(std::move(p));
    }
    return true;
}

std::function<uint32_t(Rng&)> uniform_size(uint32_t lo, uint32_t hi) {
    return [lo, hi](Rng& r) { return lo + r.below(hi - lo + 1); };
}
std::function<uint32_t(Rng&)> fixed_size(uint32_t n) { return [n](Rng&) { return n; }; }

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
        if (want("lossy")) {
            SysConfig c; c.loss = 0.05; c.reorder = 0.05; c.dup = 0.01; c.corrupt = 0.01; c.seed = seed;
            t_many(seed, "lossy_link_exactly_once", c, 4, 2000, true);
        }
    }
    double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    std::printf("nic tests took %.1f s\n", secs);
    std::printf("%d passed, %d failed\n", g_pass, g_fail);
    return g_fail ? 1 : 0;
}
