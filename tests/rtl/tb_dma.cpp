// Testbenches of the DMA engine blocks around the Verilated tb_dma (tests/rtl/tb_dma.sv):
//   rdmux_*  nc_dma_rd_mux with nc_nic's parameters (5 requesters; port 1, the payload reads, limited to 64
//            outstanding; 256 outstanding in all)
//   wrmux_*  nc_dma_wr_mux (payload bursts on port B; completions (A) and events / interrupt markers (C)
//            through one ordered control FIFO)
// Every valid/ready interface gets random valid gaps and random back-pressure; C++ models predict or bound
// what the DUT may do. Each case prints one PASS/FAIL line; the program ends with "N passed, N failed".
//
//   build/rtl/dma/Vtb_dma [--only rdmux|wrmux] [--seed N]
#include "Vtb_dma.h"
#include "verilated.h"

#include <algorithm>
#include <array>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <deque>
#include <functional>
#include <memory>
#include <random>
#include <string>
#include <vector>

namespace {

std::unique_ptr<VerilatedContext> g_ctx;
std::unique_ptr<Vtb_dma> top;
uint64_t g_cycle = 0;
int g_pass = 0, g_fail = 0;

void report(bool ok, const std::string& name, const std::string& detail) {
    printf("%s %s: %s\n", ok ? "PASS" : "FAIL", name.c_str(), detail.c_str());
    fflush(stdout);
    (ok ? g_pass : g_fail)++;
}
std::string s(uint64_t v) { return std::to_string(v); }
std::string hx(uint64_t v) { char b[24]; snprintf(b, sizeof b, "0x%llx", (unsigned long long)v); return b; }

void settle() { top->eval(); }
// Rising edge: the inputs set for this cycle are sampled; afterwards the registered outputs are visible.
void edge() {
    top->clk = 1; top->eval();
    top->clk = 0; g_cycle++; settle();
}
void reset() {
    top->rst = 1; settle(); edge(); edge();
    top->rst = 0; settle();
}

struct Rng {
    std::mt19937_64 r;
    explicit Rng(uint64_t seed) : r(seed) {}
    uint64_t u64() { return r(); }
    uint32_t below(uint64_t n) { return n ? uint32_t(r() % n) : 0; }
    uint32_t range(uint32_t lo, uint32_t hi) { return lo + below(uint64_t(hi) - lo + 1); }
    bool chance(double p) { return p > 0 && std::uniform_real_distribution<double>(0, 1)(r) < p; }
};

using Beat = std::array<uint32_t, 16>;
uint32_t mix(uint32_t a, uint32_t b) {
    uint32_t x = a * 0x9E3779B1u ^ (b + 0x7F4A7C15u) * 0x85EBCA77u;
    x ^= x >> 15; x *= 0x2C1B3C6Du; x ^= x >> 12; x *= 0x297A2D39u; x ^= x >> 15;
    return x;
}
// word 0 names the beat (source, item id), word 1 its index in the burst, the rest is a pattern
Beat make_beat(uint32_t src, uint32_t id, uint32_t beat) {
    Beat b;
    b[0] = (src << 28) | (id & 0x0FFFFFFF);
    b[1] = beat;
    for (int i = 2; i < 16; i++) b[i] = mix(id * 977 + beat, uint32_t(i) + (src << 8));
    return b;
}
void set512(VlWide<16>& w, const Beat& b) { for (int i = 0; i < 16; i++) w[i] = b[i]; }
Beat get512(const VlWide<16>& w) { Beat b; for (int i = 0; i < 16; i++) b[i] = w[i]; return b; }
uint64_t lanes(uint32_t lo, uint32_t hi) {  // bits lo..hi set
    uint64_t up = hi >= 63 ? ~0ull : ((1ull << (hi + 1)) - 1);
    return up & ~((1ull << lo) - 1);
}

// ================================================================================================
// nc_dma_rd_mux
// ================================================================================================
constexpr int RP = 5, LIMIT_PORT = 1;
constexpr uint32_t LIMIT_N = 64, CAP = 256;

struct RdReq { uint32_t id; int port; uint64_t addr; uint32_t len; };
uint32_t rd_beats(const RdReq& q) { return uint32_t(((q.addr & 63) + q.len + 63) / 64); }
uint64_t rd_keep(const RdReq& q, uint32_t b) {
    uint32_t n = rd_beats(q);
    return lanes(b == 0 ? uint32_t(q.addr & 63) : 0, b == n - 1 ? uint32_t((q.addr + q.len - 1) & 63) : 63);
}

struct RdCfg {
    uint32_t nreq[RP];        // requests per port
    double gap[RP];           // a port with a request waiting keeps valid low this cycle
    double port_bp[RP];       // the port's response consumer is not ready
    double req_bp;            // the host does not take the request
    uint32_t lat_min, lat_max;  // cycles from the host taking a request to its first response beat
    double rsp_gap;           // no response beat offered this cycle
    double hold_p;            // the host starts withholding every response ...
    uint32_t hold_min, hold_max;  // ... for this many cycles
    double err_p;             // the host refuses the read (one beat, err + last)
    double tagerr_p;          // one beat of the response carries a wrong tag
    uint32_t len_max;         // lengths 1..len_max bytes ...
    double long_p;            // ... or, with this probability, up to 16384
};

struct RdStats {
    uint64_t cycles = 0, reqs = 0, beats = 0, errs = 0, tagerrs = 0, max_out = 0, max_lim = 0;
    uint64_t grants[RP] = {};
    uint64_t cap_blocked = 0;        // cycles a request waited only because 256 were outstanding
    uint64_t lim_blocked = 0;        // cycles port 1 waited at its limit ...
    uint64_t lim_others = 0;         // ... while another port was granted
    uint64_t rr_full = 0;            // grants made while every port was requesting
};

std::string run_rd(uint64_t seed, const RdCfg& c, RdStats& st) {
    Rng r(seed);
    top->rd_req_valid = 0; top->rd_dma_req_ready = 0; top->rd_dma_rsp_valid = 0; top->rd_rsp_ready = 0;
    reset();
    std::deque<RdReq> todo[RP];
    uint32_t next_id = 1, total = 0;
    for (int p = 0; p < RP; p++)
        for (uint32_t i = 0; i < c.nreq[p]; i++) {
            RdReq q{next_id++, p, r.u64(), 0};
            q.len = r.chance(c.long_p) ? r.range(1, 16384) : r.range(1, c.len_max);
            todo[p].push_back(q);
            total++;
        }
    bool pres[RP] = {};
    // model of the arbiter and the request register
    int last = RP - 1;
    uint32_t outstanding = 0, limited = 0;
    uint8_t tagctr = 0;
    struct Fired { RdReq q; uint8_t tag; };
    struct Out { bool valid = false; Fired f{}; } out;
    std::deque<Fired> ord;       // fired, response not complete (in order)
    struct HostReq { Fired f; uint64_t ready_at; uint32_t nbeats, beat; bool err; int bad_tag_beat; };
    std::deque<HostReq> host;    // taken by the host, response not complete
    bool rsp_on = false, exp_fault = false, exp_tagerr = false;
    uint64_t hold_until = 0, guard = 0;
    uint32_t done = 0;
    uint8_t drv_tag = 0;
    bool drv_last = false, drv_err = false;
    uint64_t drv_keep = 0;
    Beat drv_data{};
    std::string err;
    while ((done < total || exp_fault || exp_tagerr) && err.empty()) {
        if (++guard > 3000000) { err = "timeout: " + s(done) + " of " + s(total) + " reads complete"; break; }
        // ---- the counter pulses registered at the last edge
        if (bool(top->rd_cnt_fault) != exp_fault) { err = "cnt_fault " + s(top->rd_cnt_fault) + ", expected " + s(exp_fault); break; }
        if (bool(top->rd_cnt_tag_error) != exp_tagerr) {
            err = "cnt_tag_error " + s(top->rd_cnt_tag_error) + ", expected " + s(exp_tagerr);
            break;
        }
        exp_fault = exp_tagerr = false;
        // ---- inputs
        uint32_t vbits = 0;
        for (int p = 0; p < RP; p++) {
            if (!pres[p] && !todo[p].empty() && !r.chance(c.gap[p])) pres[p] = true;
            if (pres[p]) {
                vbits |= 1u << p;
                const RdReq& q = todo[p].front();
                top->rd_req_addr[2 * p] = uint32_t(q.addr);
                top->rd_req_addr[2 * p + 1] = uint32_t(q.addr >> 32);
                uint32_t& w = top->rd_req_len[p / 2];
                w = (p & 1) ? ((w & 0xFFFFu) | (q.len << 16)) : ((w & 0xFFFF0000u) | (q.len & 0xFFFF));
            }
        }
        top->rd_req_valid = vbits;
        bool hr = !r.chance(c.req_bp);
        top->rd_dma_req_ready = hr;
        if (c.hold_p > 0 && g_cycle >= hold_until && r.chance(c.hold_p)) hold_until = g_cycle + r.range(c.hold_min, c.hold_max);
        if (!rsp_on && !host.empty() && host.front().ready_at <= g_cycle && g_cycle >= hold_until && !r.chance(c.rsp_gap)) {
            rsp_on = true;
            const HostReq& h = host.front();
            if (h.err) {
                drv_data = make_beat(0xE, h.f.q.id, 0); drv_keep = 0; drv_last = true; drv_err = true;
            } else {
                drv_data = make_beat(0xD, h.f.q.id, h.beat); drv_keep = rd_keep(h.f.q, h.beat);
                drv_last = h.beat == h.nbeats - 1; drv_err = false;
            }
            drv_tag = uint8_t(h.f.tag ^ (int(h.beat) == h.bad_tag_beat ? 0x5A : 0));
        }
        top->rd_dma_rsp_valid = rsp_on;
        set512(top->rd_dma_rsp_data, drv_data);
        top->rd_dma_rsp_keep = drv_keep; top->rd_dma_rsp_last = drv_last; top->rd_dma_rsp_err = drv_err;
        top->rd_dma_rsp_tag = drv_tag;
        uint32_t rr_bits = 0;
        for (int p = 0; p < RP; p++) if (!r.chance(c.port_bp[p])) rr_bits |= 1u << p;
        top->rd_rsp_ready = rr_bits;
        settle();
        // ---- request side: round-robin over the eligible ports, after the last grant
        bool out_free = !out.valid || hr;
        uint32_t elig = vbits;
        if (limited >= LIMIT_N) elig &= ~(1u << LIMIT_PORT);
        int grant = -1;
        for (int k = 1; k <= RP && grant < 0; k++) if ((elig >> ((last + k) % RP)) & 1) grant = (last + k) % RP;
        bool fire = grant >= 0 && out_free && outstanding < CAP;
        uint32_t exp_ready = fire ? 1u << grant : 0;
        if (top->rd_req_ready != exp_ready) {
            err = "cycle " + s(g_cycle) + ": req_ready " + hx(top->rd_req_ready) + ", expected " + hx(exp_ready) + " (valid " +
                  hx(vbits) + ", last grant " + s(last) + ", outstanding " + s(outstanding) + ", port 1 outstanding " +
                  s(limited) + ", output " + (out_free ? "free" : "busy") + ")";
            break;
        }
        if (bool(top->rd_dma_req_valid) != out.valid ||
            (out.valid && (top->rd_dma_req_addr != out.f.q.addr || top->rd_dma_req_len != out.f.q.len ||
                           top->rd_dma_req_tag != out.f.tag))) {
            err = "request output: valid " + s(top->rd_dma_req_valid) + " addr " + hx(top->rd_dma_req_addr) + " len " +
                  s(top->rd_dma_req_len) + " tag " + s(top->rd_dma_req_tag) + ", expected valid " + s(out.valid) + " addr " +
                  hx(out.f.q.addr) + " len " + s(out.f.q.len) + " tag " + s(out.f.tag);
            break;
        }
        if (vbits && grant >= 0 && out_free && outstanding >= CAP) st.cap_blocked++;
        if (limited >= LIMIT_N && ((vbits >> LIMIT_PORT) & 1)) { st.lim_blocked++; if (fire) st.lim_others++; }
        if (fire && vbits == (1u << RP) - 1) st.rr_full++;
        // ---- response side: the beat goes to the port of the oldest outstanding read
        if (rsp_on) {
            const Fired& hd = ord.front();
            uint32_t port = uint32_t(hd.q.port);
            if (top->rd_rsp_valid != (1u << port)) {
                err = "response beat of read " + s(hd.q.id) + " (port " + s(port) + ") routed as rsp_valid " + hx(top->rd_rsp_valid);
                break;
            }
            if (bool(top->rd_dma_rsp_ready) != bool((rr_bits >> port) & 1)) { err = "dma_rd_rsp_ready is not port " + s(port) + "'s ready"; break; }
            if (top->rd_rsp_lane != (hd.q.addr & 63)) { err = "rsp_lane " + s(top->rd_rsp_lane) + ", expected " + s(hd.q.addr & 63); break; }
            if (get512(top->rd_rsp_data) != drv_data || top->rd_rsp_keep != drv_keep || bool(top->rd_rsp_last) != drv_last ||
                bool(top->rd_rsp_err) != drv_err) {
                err = "response data/keep/last/err not passed through";
                break;
            }
        } else if (top->rd_rsp_valid != 0) {
            err = "rsp_valid " + hx(top->rd_rsp_valid) + " with no response beat";
            break;
        }
        // ---- handshakes
        if (out.valid && hr) {  // the host takes the request in the output register
            HostReq h{out.f, g_cycle + r.range(c.lat_min, c.lat_max), rd_beats(out.f.q), 0, r.chance(c.err_p), -1};
            if (h.err) h.nbeats = 1;
            if (r.chance(c.tagerr_p)) h.bad_tag_beat = int(r.below(h.nbeats));
            host.push_back(h);
        }
        if (out_free) out.valid = false;
        if (fire) {
            RdReq q = todo[grant].front();
            todo[grant].pop_front();
            pres[grant] = false;
            Fired f{q, tagctr++};
            ord.push_back(f);
            out.valid = true;
            out.f = f;
            outstanding++;
            if (grant == LIMIT_PORT) limited++;
            last = grant;
            st.reqs++;
            st.grants[grant]++;
            st.max_out = std::max<uint64_t>(st.max_out, outstanding);
            st.max_lim = std::max<uint64_t>(st.max_lim, limited);
        }
        if (rsp_on && top->rd_dma_rsp_ready) {
            HostReq& h = host.front();
            if (h.bad_tag_beat == int(h.beat)) { exp_tagerr = true; st.tagerrs++; }
            st.beats++;
            if (drv_last) {
                exp_fault = h.err;
                st.errs += h.err;
                outstanding--;
                if (h.f.q.port == LIMIT_PORT) limited--;
                ord.pop_front();
                host.pop_front();
                done++;
            } else {
                h.beat++;
            }
            rsp_on = false;
        }
        edge();
        st.cycles++;
    }
    top->rd_req_valid = 0; top->rd_dma_req_ready = 0; top->rd_dma_rsp_valid = 0; top->rd_rsp_ready = 0;
    settle();
    return err;
}

std::string rd_summary(const RdStats& st) {
    std::string g;
    for (int p = 0; p < RP; p++) g += (p ? "/" : "") + s(st.grants[p]);
    return s(st.reqs) + " reads (grants per port " + g + "), " + s(st.beats) + " response beats, " + s(st.errs) +
           " refused, " + s(st.tagerrs) + " bad tags, max outstanding " + s(st.max_out) + " (port 1: " + s(st.max_lim) +
           "), " + s(st.cycles) + " cycles";
}

void test_rd(uint64_t seed, const RdCfg& c, const std::string& name,
             const std::function<std::string(const RdStats&)>& cover) {
    RdStats st;
    std::string err = run_rd(seed, c, st);
    if (err.empty()) {
        err = cover(st);
        if (!err.empty()) err += " (" + rd_summary(st) + ")";
    }
    report(err.empty(), name, err.empty() ? rd_summary(st) : err);
}

// ================================================================================================
// nc_dma_wr_mux
// ================================================================================================
enum : uint32_t { SRC_B = 0xB, SRC_A = 0xA, SRC_C = 0xC };
constexpr uint64_t NONE = ~0ull;

struct WrCfg {
    uint32_t n_b, n_a, n_c;       // payload bursts, completion writes, event items
    uint32_t b_min, b_max;        // beats per payload burst
    double marker_p;              // an event item is an interrupt marker
    double gap_b, gap_b_mid, gap_a, gap_c;  // valid low (between items / inside a payload burst)
    double out_bp;                // the host does not take the output beat
    uint32_t done_max;            // write-done latency 1..done_max cycles after the last beat
    double err_p;                 // the host refuses a burst (write-done with err)
};

struct WrStats {
    uint64_t cycles = 0, b_beats = 0, b_bursts = 0, a = 0, c = 0, irqs = 0, faults = 0, max_b_wait = 0, max_ctl_b = 0;
};

// A control item: a completion (A) or event (C) write, or an interrupt marker (C).
struct CtlItem {
    uint32_t src, id;
    bool marker;
    uint8_t vec;
    uint64_t addr, keep;
    Beat data;
    uint64_t accept = NONE;   // cycle it entered the control FIFO
    uint64_t done = NONE;     // write: output handshake cycle; marker: cycle the interrupt fired
    uint64_t seq = NONE;      // write: its burst's place in the output order (write-dones come in that order)
    uint32_t ahead = 0;       // control items accepted and not yet done when it was accepted
};
struct Burst {
    uint32_t id, nbeats;
    uint64_t addr;
    std::vector<uint64_t> keep;
    uint64_t presented = NONE, start = NONE, first_out = NONE;  // first beat: valid, taken, on the output
};

std::string run_wr(uint64_t seed, const WrCfg& c, WrStats& st) {
    Rng r(seed);
    top->wr_b_valid = 0; top->wr_a_valid = 0; top->wr_c_valid = 0; top->wr_dma_ready = 0; top->wr_dma_done_valid = 0;
    reset();
    std::vector<Burst> bursts(c.n_b);
    for (uint32_t i = 0; i < c.n_b; i++) {
        Burst& b = bursts[i];
        b.id = i;
        b.nbeats = r.range(c.b_min, c.b_max);
        b.addr = r.u64() & ~63ull;
        uint32_t lo = r.below(64), hi = r.below(64);
        for (uint32_t k = 0; k < b.nbeats; k++) {
            uint32_t l = k == 0 ? lo : 0, h = k == b.nbeats - 1 ? hi : 63;
            if (b.nbeats == 1 && h < l) std::swap(l, h);
            b.keep.push_back(lanes(l, h));
        }
    }
    auto mk_ctl = [&](uint32_t src, uint32_t id, bool marker) {
        CtlItem it{src, id, marker, uint8_t(r.u64()), r.u64() & ~15ull, lanes(0, r.range(15, 63)), make_beat(src, id, 0)};
        return it;
    };
    std::vector<CtlItem> a_items, c_items;
    for (uint32_t i = 0; i < c.n_a; i++) a_items.push_back(mk_ctl(SRC_A, i, false));
    for (uint32_t i = 0; i < c.n_c; i++) c_items.push_back(mk_ctl(SRC_C, i, r.chance(c.marker_p)));
    size_t n_markers = 0;
    for (auto& it : c_items) n_markers += it.marker;
    std::vector<CtlItem*> ctl;           // the control FIFO's order
    struct BeatRec { uint64_t accept, out; };
    std::vector<BeatRec> b_beats;        // every payload beat taken, in order
    size_t bi = 0, bb = 0, ai = 0, ci = 0;        // sources: next burst / beat, next A, next C item
    bool b_on = false, a_on = false, c_on = false;
    size_t ob = 0, obeat = 0, ob_beat_idx = 0;     // output: next payload burst / beat, next payload beat record
    bool in_burst = false;
    size_t cw = 0, cm = 0;                          // next control write / marker (index into ctl)
    uint8_t etag = 0, cur_tag = 0;
    uint32_t pending = 0;
    struct Done { uint64_t at; uint8_t tag; bool err; };
    std::deque<Done> dones;
    uint64_t last_done_at = 0;
    uint64_t out_seq = 0;                 // bursts handed to the host so far
    std::vector<uint64_t> done_at;        // cycle each burst's write-done was presented, in output order
    bool exp_fault = false;
    // output stability while not taken
    bool stalled = false;
    uint64_t s_addr = 0, s_keep = 0;
    uint32_t s_tag = 0, s_last = 0;
    Beat s_data{};
    std::string err;
    uint64_t guard = 0;

    // A control item is done: bound the payload bursts that overtook it after it could have gone. Bursts
    // that started while an interrupt marker ahead of it waited for write-dones do not count: payload may
    // pass a waiting marker, and the control items behind the marker wait with it.
    auto ctl_fair = [&](const CtlItem& it) -> std::string {
        uint64_t from = it.accept + 2;
        for (const CtlItem* p : ctl) {
            if (p == &it) break;
            if (p->marker && p->done != NONE) from = std::max(from, p->done);
        }
        uint64_t n = 0;
        for (size_t j = bi + (bb ? 1 : 0); j-- > 0;) {
            const Burst& b = bursts[j];
            if (b.start == NONE) continue;
            if (b.start < from) break;
            bool before = it.marker ? b.start < it.done : b.first_out < it.done;
            n += before;
        }
        st.max_ctl_b = std::max(st.max_ctl_b, n);
        if (n > uint64_t(it.ahead) + 1)
            return std::string(it.marker ? "interrupt marker" : "control write") + " " + s(it.src) + ":" + s(it.id) +
                   " accepted at cycle " + s(it.accept) + " with " + s(it.ahead) + " control items ahead waited for " + s(n) +
                   " payload bursts started after it (alternation allows " + s(it.ahead + 1) + ")";
        return "";
    };

    size_t n_writes = a_items.size() + c_items.size() - n_markers, writes_out = 0;
    while ((ob < bursts.size() || writes_out < n_writes || st.irqs < n_markers || !dones.empty() || exp_fault) && err.empty()) {
        if (++guard > 2000000) {
            err = "timeout: bursts out " + s(ob) + "/" + s(bursts.size()) + ", A " + s(ai) + "/" + s(a_items.size()) + ", C " +
                  s(ci) + "/" + s(c_items.size()) + ", control writes out " + s(cw) + ", markers " + s(st.irqs) + "/" + s(n_markers);
            break;
        }
        // ---- registered outputs of the last edge
        if (bool(top->wr_cnt_fault) != exp_fault) { err = "cnt_fault " + s(top->wr_cnt_fault) + ", expected " + s(exp_fault); break; }
        exp_fault = false;
        if (top->wr_irq_valid) {
            uint64_t f = g_cycle - 1;  // the cycle the marker left the control FIFO
            while (cm < ctl.size() && !ctl[cm]->marker) cm++;
            if (cm >= ctl.size()) { err = "interrupt " + s(top->wr_irq_vector) + " without a marker"; break; }
            CtlItem& m = *ctl[cm];
            if (top->wr_irq_vector != m.vec) { err = "interrupt vector " + s(top->wr_irq_vector) + ", expected " + s(m.vec); break; }
            // every control write before the marker has been written AND acknowledged (its write-done seen)
            // before it fired: the interrupt is a side-band wire, so only the write-done proves the event is
            // in host memory. (Payload bursts are not ordered with markers: they may overtake a waiting one.)
            for (size_t j = cm; j-- > 0;)
                if (!ctl[j]->marker) {
                    const CtlItem& w = *ctl[j];
                    if (w.seq == NONE || w.seq >= done_at.size() || done_at[w.seq] >= f)
                        err = "interrupt " + s(m.vec) + " fired at cycle " + s(f) + " before the write-done of the earlier control write " +
                              s(w.src) + ":" + s(w.id) + (w.seq == NONE ? std::string(" (not even written)") :
                                                              w.seq >= done_at.size() ? std::string(" (not acknowledged yet)")
                                                                                      : " (acknowledged at cycle " + s(done_at[w.seq]) + ")");
                    break;
                }
            if (!err.empty()) break;
            m.done = f;
            pending--;
            st.irqs++;
            cm++;
        }
        // ---- inputs
        if (!b_on && bi < bursts.size() && !r.chance(bb ? c.gap_b_mid : c.gap_b)) {
            b_on = true;
            if (bb == 0) bursts[bi].presented = g_cycle;
        }
        if (b_on) {
            const Burst& b = bursts[bi];
            top->wr_b_addr = b.addr;
            set512(top->wr_b_data, make_beat(SRC_B, b.id, uint32_t(bb)));
            top->wr_b_keep = b.keep[bb];
            top->wr_b_last = bb == b.nbeats - 1;
        }
        top->wr_b_valid = b_on;
        if (!a_on && ai < a_items.size() && !r.chance(c.gap_a)) a_on = true;
        if (a_on) {
            const CtlItem& it = a_items[ai];
            top->wr_a_addr = it.addr; set512(top->wr_a_data, it.data); top->wr_a_keep = it.keep;
        }
        top->wr_a_valid = a_on;
        if (!c_on && ci < c_items.size() && !r.chance(c.gap_c)) c_on = true;
        if (c_on) {
            const CtlItem& it = c_items[ci];
            top->wr_c_irq = it.marker; top->wr_c_vector = it.vec;
            top->wr_c_addr = it.addr; set512(top->wr_c_data, it.data); top->wr_c_keep = it.keep;
        }
        top->wr_c_valid = c_on;
        bool dr = !r.chance(c.out_bp);
        top->wr_dma_ready = dr;
        bool done_now = !dones.empty() && dones.front().at <= g_cycle;
        top->wr_dma_done_valid = done_now;
        if (done_now) { top->wr_dma_done_tag = dones.front().tag; top->wr_dma_done_err = dones.front().err; }
        settle();
        // ---- checks of this cycle
        if (a_on && top->wr_c_ready) { err = "c_ready while a completion write waits (port A has priority)"; break; }
        if (!a_on && top->wr_c_ready != top->wr_a_ready) { err = "a_ready and c_ready differ with port A idle"; break; }
        if (stalled) {
            if (!top->wr_dma_valid || top->wr_dma_addr != s_addr || top->wr_dma_keep != s_keep || top->wr_dma_tag != s_tag ||
                top->wr_dma_last != s_last || get512(top->wr_dma_data) != s_data) {
                err = "output beat changed while not taken";
                break;
            }
        }
        // ---- handshakes
        if (done_now) { exp_fault = dones.front().err; st.faults += exp_fault; dones.pop_front(); done_at.push_back(g_cycle); }
        if (a_on && top->wr_a_ready) {
            CtlItem& it = a_items[ai++];
            it.accept = g_cycle; it.ahead = pending; pending++;
            ctl.push_back(&it);
            a_on = false;
            st.a++;
        } else if (c_on && top->wr_c_ready) {
            CtlItem& it = c_items[ci++];
            it.accept = g_cycle; it.ahead = pending; pending++;
            ctl.push_back(&it);
            c_on = false;
            st.c++;
        }
        if (b_on && top->wr_b_ready) {
            Burst& b = bursts[bi];
            if (bb == 0) {
                b.start = g_cycle;
                st.max_b_wait = std::max(st.max_b_wait, g_cycle - b.presented);
            }
            b_beats.push_back({g_cycle, NONE});
            b_on = false;
            if (++bb == b.nbeats) { bb = 0; bi++; }
        }
        if (top->wr_dma_valid && dr) {
            Beat got = get512(top->wr_dma_data);
            uint32_t src = got[0] >> 28;
            bool first = !in_burst;
            if (first) { cur_tag = etag++; }
            if (top->wr_dma_tag != cur_tag) { err = "tag " + s(top->wr_dma_tag) + ", expected " + s(cur_tag); break; }
            if (in_burst || src == SRC_B) {
                if (ob >= bursts.size()) { err = "payload beat with no payload burst left"; break; }
                Burst& b = bursts[ob];
                if (ob_beat_idx >= b_beats.size() || b_beats[ob_beat_idx].accept == NONE) { err = "output beat never taken"; break; }
                if (got != make_beat(SRC_B, b.id, uint32_t(obeat)) || top->wr_dma_addr != b.addr || top->wr_dma_keep != b.keep[obeat] ||
                    bool(top->wr_dma_last) != (obeat == b.nbeats - 1)) {
                    err = std::string(in_burst ? "inside payload burst " : "payload burst ") + s(b.id) + " beat " + s(obeat) +
                          ": got " + (src == SRC_B ? "payload " : src == SRC_A ? "completion " : "event ") + s(got[0] & 0x0FFFFFFF) +
                          " beat " + s(got[1]) + " addr " + hx(top->wr_dma_addr) + " last " + s(top->wr_dma_last) +
                          " (payload bursts and control writes must each stay in order, bursts whole)";
                    break;
                }
                b_beats[ob_beat_idx++].out = g_cycle;
                st.b_beats++;
                if (first) {
                    b.first_out = g_cycle;
                    // the burst waited behind at most one control item that arrived while it was waiting
                    uint64_t n = 0;
                    for (size_t j = ctl.size(); j-- > 0;) {
                        const CtlItem& it = *ctl[j];
                        if (it.accept + 1 < b.presented) break;
                        n += it.marker ? (it.done != NONE && it.done < b.start) : (it.done != NONE && it.done < g_cycle);
                    }
                    if (n > 1) {
                        err = "payload burst " + s(b.id) + " offered at cycle " + s(b.presented) + " waited for " + s(n) +
                              " control items that arrived after it (alternation allows 1)";
                        break;
                    }
                    // without output back-pressure the output register is a plain one-cycle stage, so a control
                    // write left the arbiter exactly one cycle before it is on the output: count exactly
                    if (c.out_bp == 0) {
                        n = 0;
                        for (size_t j = ctl.size(); j-- > 0;) {
                            const CtlItem& it = *ctl[j];
                            if (it.done == NONE) continue;
                            uint64_t issued = it.marker ? it.done : it.done - 1;
                            if (issued < b.presented) break;
                            n += issued < b.start;
                        }
                        if (n > 1) {
                            err = "payload burst " + s(b.id) + " offered at cycle " + s(b.presented) + " waited while " + s(n) +
                                  " control items went first (alternation allows 1)";
                            break;
                        }
                    }
                }
                if (++obeat == b.nbeats) {
                    obeat = 0; ob++; in_burst = false; st.b_bursts++;
                } else {
                    in_burst = true;
                }
            } else {
                while (cw < ctl.size() && ctl[cw]->marker) cw++;
                if (cw >= ctl.size()) { err = "control write with none accepted"; break; }
                CtlItem& it = *ctl[cw];
                if (got != it.data || top->wr_dma_addr != it.addr || top->wr_dma_keep != it.keep || !top->wr_dma_last) {
                    err = "control write: got " + std::string(src == SRC_A ? "completion " : src == SRC_C ? "event " : "payload ") +
                          s(got[0] & 0x0FFFFFFF) + ", expected " + (it.src == SRC_A ? "completion " : "event ") + s(it.id) +
                          " (the control FIFO keeps acceptance order; each control write is one beat with last)";
                    break;
                }
                for (size_t j = 0; j < cw; j++)
                    if (ctl[j]->marker && ctl[j]->done == NONE) { err = "control write overtook interrupt marker " + s(ctl[j]->id); break; }
                if (!err.empty()) break;
                it.done = g_cycle;
                it.seq = out_seq;
                pending--;
                cw++;
                writes_out++;
                err = ctl_fair(it);
                if (!err.empty()) break;
            }
            if (top->wr_dma_last) {
                out_seq++;
                last_done_at = std::max(last_done_at + 1, g_cycle + r.range(1, c.done_max));
                dones.push_back({last_done_at, cur_tag, r.chance(c.err_p)});
            }
        }
        stalled = top->wr_dma_valid && !dr;
        if (stalled) {
            s_addr = top->wr_dma_addr; s_keep = top->wr_dma_keep; s_tag = top->wr_dma_tag; s_last = top->wr_dma_last;
            s_data = get512(top->wr_dma_data);
        }
        edge();
        st.cycles++;
    }
    if (err.empty() && st.irqs != n_markers) err = s(st.irqs) + " interrupts for " + s(n_markers) + " markers";
    top->wr_b_valid = 0; top->wr_a_valid = 0; top->wr_c_valid = 0; top->wr_dma_ready = 0; top->wr_dma_done_valid = 0;
    settle();
    return err;
}

void test_wr(uint64_t seed, const WrCfg& c, const std::string& name) {
    WrStats st;
    std::string err = run_wr(seed, c, st);
    report(err.empty(), name,
           err.empty() ? s(st.b_bursts) + " payload bursts (" + s(st.b_beats) + " beats), " + s(st.a) + " completion and " +
                             s(st.c) + " event items, " + s(st.irqs) + " interrupts, " + s(st.faults) +
                             " refused writes counted, longest payload wait " + s(st.max_b_wait) +
                             " cycles, most payload bursts ahead of a control item " + s(st.max_ctl_b) + ", " + s(st.cycles) +
                             " cycles"
                       : err);
}

}  // namespace

int main(int argc, char** argv) {
    uint64_t seed = 1;
    if (const char* e = getenv("NC_SEED")) seed = strtoull(e, nullptr, 0);
    std::string only;
    for (int i = 1; i < argc; i++) {
        std::string a = argv[i];
        if (a == "--only" && i + 1 < argc) only = argv[++i];
        else if (a == "--seed" && i + 1 < argc) seed = strtoull(argv[++i], nullptr, 0);
    }
    g_ctx = std::make_unique<VerilatedContext>();
    g_ctx->commandArgs(argc, argv);
    top = std::make_unique<Vtb_dma>(g_ctx.get());
    top->clk = 0;
    settle();
    auto want = [&](const char* n) { return only.empty() || only == n; };

    if (want("rdmux")) {
        auto none = [](const RdStats&) { return std::string(); };
        // everything random: gaps, back-pressure on every interface, latencies, holds, refusals, bad tags
        RdCfg rnd{{4000, 4000, 4000, 4000, 4000}, {0.3, 0.3, 0.5, 0.7, 0.3}, {0.3, 0.3, 0.5, 0.1, 0.2}, 0.3, 1, 40, 0.3,
                  0.002, 50, 600, 0.03, 0.01, 300, 0.01};
        test_rd(seed * 41 + 1, rnd, "rdmux_random", none);
        // every port always requesting, host and consumers always ready: strict rotation
        RdCfg sat{{2000, 2000, 2000, 2000, 2000}, {0, 0, 0, 0, 0}, {0, 0, 0, 0, 0}, 0.0, 1, 3, 0.0, 0.0, 0, 0, 0.0, 0.0, 64, 0.0};
        test_rd(seed * 41 + 2, sat, "rdmux_round_robin", [](const RdStats& st) {
            for (int p = 0; p < RP; p++)
                if (st.grants[p] != 2000) return "port " + s(p) + " got " + s(st.grants[p]) + " grants";
            if (st.rr_full < 9000) return "only " + s(st.rr_full) + " grants with every port requesting";
            return std::string();
        });
        // port 1 floods while the host withholds responses: it stops at 64 outstanding, the others go on
        RdCfg lim{{1000, 3000, 1000, 1000, 1000}, {0.9, 0, 0.9, 0.9, 0.9}, {0.1, 0.1, 0.1, 0.1, 0.1}, 0.1, 1, 20, 0.1,
                  0.02, 200, 1500, 0.02, 0.0, 200, 0.0};
        test_rd(seed * 41 + 3, lim, "rdmux_port_limit", [](const RdStats& st) {
            if (st.max_lim != LIMIT_N) return "port 1 peaked at " + s(st.max_lim) + " outstanding, expected exactly " + s(LIMIT_N);
            if (st.lim_others == 0) return std::string("no other port was granted while port 1 was at its limit");
            return std::string();
        });
        // the other ports flood while the host withholds responses: 256 outstanding, then nothing more
        RdCfg cap{{1500, 100, 1500, 1500, 1500}, {0, 0.5, 0, 0, 0}, {0.2, 0.2, 0.2, 0.2, 0.2}, 0.05, 1, 10, 0.05,
                  0.02, 600, 2000, 0.0, 0.0, 128, 0.0};
        test_rd(seed * 41 + 4, cap, "rdmux_256_outstanding", [](const RdStats& st) {
            if (st.max_out != CAP) return "peaked at " + s(st.max_out) + " outstanding, expected exactly " + s(CAP);
            if (st.cap_blocked == 0) return std::string("no request was ever held back by the 256 cap");
            return std::string();
        });
        // many refused reads and corrupted tags, long multi-beat bursts: routing and both error counters
        RdCfg errs{{1000, 1000, 1000, 1000, 1000}, {0.2, 0.2, 0.2, 0.2, 0.2}, {0.3, 0.3, 0.3, 0.3, 0.3}, 0.2, 1, 30, 0.2,
                   0.0, 0, 0, 0.2, 0.1, 4096, 0.05};
        test_rd(seed * 41 + 5, errs, "rdmux_errors_tags", [](const RdStats& st) {
            if (st.errs < 100 || st.tagerrs < 50) return "too few errors injected (" + s(st.errs) + ", " + s(st.tagerrs) + ")";
            return std::string();
        });
    }
    if (want("wrmux")) {
        // everything random
        test_wr(seed * 43 + 1, WrCfg{5000, 10000, 10000, 1, 8, 0.3, 0.3, 0.2, 0.4, 0.4, 0.3, 20, 0.05}, "wrmux_random");
        // payload bursts back to back, events always offered, completions often: the port must still
        // alternate burst by burst and interrupts must not starve behind payload
        test_wr(seed * 43 + 2, WrCfg{4000, 5000, 10000, 4, 16, 0.5, 0.0, 0.0, 0.5, 0.0, 0.0, 8, 0.02}, "wrmux_saturated");
        // heavy output back-pressure with many interrupt markers: each fires only after every earlier write left
        test_wr(seed * 43 + 3, WrCfg{3000, 5000, 10000, 1, 6, 0.6, 0.2, 0.3, 0.3, 0.1, 0.7, 20, 0.1}, "wrmux_irq_backpressure");
        // single-beat payload writes interleaved with control writes, all sources mostly valid
        test_wr(seed * 43 + 4, WrCfg{10000, 6000, 6000, 1, 1, 0.2, 0.05, 0.0, 0.1, 0.1, 0.2, 4, 0.05}, "wrmux_single_beats");
    }

    top->final();
    printf("%d passed, %d failed\n", g_pass, g_fail);
    return g_fail ? 1 : 0;
}
