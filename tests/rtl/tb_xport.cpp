// Testbenches of the transport building blocks around the Verilated tb_xport (tests/rtl/tb_xport.sv):
//   rxw_*    the receive window as nc_rx_ctrl builds it: nc_chan_rmw + nc_rx_window_logic (tb_rx_window.sv)
//   txw_*    the send window as nc_tx_ctrl builds it: nc_chan_rmw + nc_tx_window_logic (tb_tx_window.sv)
//   e2e_*    both windows joined by a lossy, reordering, duplicating network
//   rmw_*    nc_chan_rmw alone: hazards, back-pressure (p_hold), the post-reset clear
//   timer_*  nc_timer_scan;  desc_*  nc_desc_validate
// each at CHANNELS = 4 (every operation a hazard) and 1024 (the product's size). Every case has a C++
// reference model, random valid gaps and random back-pressure; each prints one PASS/FAIL line, and the
// program ends with "N passed, N failed".
//
//   build/rtl/xport/Vtb_xport [--only rxw|txw|e2e|rmw|timer|desc] [--seed N] [--ops N]
#include "Vtb_xport.h"
#include "verilated.h"

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <deque>
#include <memory>
#include <random>
#include <string>
#include <vector>

namespace {

using u128 = unsigned __int128;

std::unique_ptr<VerilatedContext> g_ctx;
std::unique_ptr<Vtb_xport> top;
uint64_t g_cycle = 0;
const uint32_t kNow0 = 0xFFFF0000u;  // `now` wraps during the timer tests
int g_pass = 0, g_fail = 0;

void report(bool ok, const std::string& name, const std::string& detail) {
    printf("%s %s: %s\n", ok ? "PASS" : "FAIL", name.c_str(), detail.c_str());
    fflush(stdout);
    (ok ? g_pass : g_fail)++;
}
std::string s(uint64_t v) { return std::to_string(v); }
std::string hx(uint64_t v) { char b[24]; snprintf(b, sizeof b, "0x%llx", (unsigned long long)v); return b; }

uint32_t now_val() { return kNow0 + uint32_t(g_cycle); }
void settle() { top->now = now_val(); top->eval(); }
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
    uint32_t below(uint64_t n) { return uint32_t(r() % n); }
    bool chance(double p) { return std::uniform_real_distribution<double>(0, 1)(r) < p; }
};

std::string hx128(u128 v) { return hx(uint64_t(v >> 64)) + ":" + hx(uint64_t(v)); }
// Verilated ports of up to 128 bits as one number
u128 rdw(uint64_t v) { return v; }
u128 rdw(const VlWide<3>& w) { return (u128(w[2]) << 64) | (u128(w[1]) << 32) | w[0]; }
void wrw(CData& d, u128 v) { d = CData(v); }
void wrw(SData& d, u128 v) { d = SData(v); }
void wrw(QData& d, u128 v) { d = QData(v); }
void wrw(VlWide<3>& w, u128 v) { w[0] = uint32_t(v); w[1] = uint32_t(v >> 32); w[2] = uint32_t(v >> 64); }

// Waits for the RAM clear after a reset (`clearing` high, nothing accepted) and checks it takes exactly
// `depth` cycles; returns "" or what went wrong.
template <class Clearing, class Ready>
std::string wait_clear(uint32_t depth, Clearing clearing, Ready ready) {
    uint32_t n = 0;
    while (clearing()) {
        if (ready()) return "ready while the post-reset clear runs (cycle " + s(n) + ")";
        edge();
        if (++n > depth + 4) return "clear never ends";
    }
    if (n != depth) return "post-reset clear took " + s(n) + " cycles, expected " + s(depth);
    return "";
}

// ================================================================================================
// Port bindings: one struct per instance, so the tests are templates over the instance.
// ================================================================================================
#define RXW_PORTS(P, NCH)                                                                              \
    struct Rxw_##P {                                                                               \
        static constexpr int CH = NCH;                                                             \
        static constexpr const char* name = #P;                                                    \
        static void init(bool v, uint32_t c, uint32_t psn) { top->P##_init_valid = v; top->P##_init_chan = c; top->P##_init_psn = psn; } \
        static bool init_ready() { return top->P##_init_ready; }                                   \
        static void req(bool v, uint32_t c, uint32_t psn) { top->P##_s_req_valid = v; top->P##_s_req_chan = c; top->P##_s_req_psn = psn; } \
        static bool req_ready() { return top->P##_s_req_ready; }                                   \
        static void rsp_ready(bool r) { top->P##_m_rsp_ready = r; }                                \
        static bool rsp_valid() { return top->P##_m_rsp_valid; }                                   \
        static uint32_t rsp_chan() { return top->P##_m_rsp_chan; }                                 \
        static uint32_t rsp_psn() { return top->P##_m_rsp_psn; }                                   \
        static uint32_t rsp_verdict() { return top->P##_m_rsp_verdict; }                           \
        static uint32_t rsp_ack() { return top->P##_m_rsp_ack_psn; }                               \
        static uint64_t rsp_sack() { return top->P##_m_rsp_sack; }                                 \
        static bool clearing() { return top->P##_clearing; }                                       \
    };
RXW_PORTS(rxs, 4)
RXW_PORTS(rxl, 1024)

#define TXW_PORTS(P, NCH)                                                                              \
    struct Txw_##P {                                                                               \
        static constexpr int CH = NCH;                                                             \
        static constexpr const char* name = #P;                                                    \
        static void op(bool v, uint32_t code, uint32_t c, uint32_t psn, uint64_t sack) {           \
            top->P##_s_op_valid = v; top->P##_s_op_code = code; top->P##_s_op_chan = c;            \
            top->P##_s_op_psn = psn; top->P##_s_op_sack = sack; }                                  \
        static bool op_ready() { return top->P##_s_op_ready; }                                     \
        static void rsp_ready(bool r) { top->P##_m_rsp_ready = r; }                                \
        static bool rsp_valid() { return top->P##_m_rsp_valid; }                                   \
        static uint32_t code() { return top->P##_m_rsp_code; }                                     \
        static uint32_t chan() { return top->P##_m_rsp_chan; }                                     \
        static uint32_t status() { return top->P##_m_rsp_status; }                                 \
        static uint32_t psn() { return top->P##_m_rsp_psn; }                                       \
        static uint32_t acked_from() { return top->P##_m_rsp_acked_from; }                         \
        static uint32_t acked_count() { return top->P##_m_rsp_acked_count; }                       \
        static uint32_t rtx_base() { return top->P##_m_rsp_rtx_base; }                             \
        static uint64_t rtx_mask() { return top->P##_m_rsp_rtx_mask; }                             \
        static uint32_t inflight() { return top->P##_m_rsp_inflight; }                             \
        static bool clearing() { return top->P##_clearing; }                                       \
    };
TXW_PORTS(txs, 4)
TXW_PORTS(txl, 1024)

#define TMR_PORTS(P, NCH)                                                                              \
    struct Tmr_##P {                                                                               \
        static constexpr int CH = NCH;                                                             \
        static constexpr const char* name = #P;                                                    \
        static void arm(bool v, uint32_t c, uint32_t d) { top->P##_arm_valid = v; top->P##_arm_chan = c; top->P##_arm_deadline = d; } \
        static bool arm_ready() { return top->P##_arm_ready; }                                     \
        static void disarm(bool v, uint32_t c) { top->P##_disarm_valid = v; top->P##_disarm_chan = c; } \
        static bool disarm_ready() { return top->P##_disarm_ready; }                               \
        static void exp_ready(bool r) { top->P##_m_expire_ready = r; }                             \
        static bool exp_valid() { return top->P##_m_expire_valid; }                                \
        static uint32_t exp_chan() { return top->P##_m_expire_chan; }                              \
    };
TMR_PORTS(tms, 4)
TMR_PORTS(tml, 1024)

#define RMW_PORTS(P, NDEPTH, NSW, NOPW)                                                                \
    struct Rmw_##P {                                                                               \
        static constexpr int DEPTH = NDEPTH, SW = NSW, OPW = NOPW;                                 \
        static void s(bool v, uint32_t a, uint32_t op) { top->P##_s_valid = v; top->P##_s_addr = a; top->P##_s_op = op; } \
        static bool s_ready() { return top->P##_s_ready; }                                         \
        static bool p_valid() { return top->P##_p_valid; }                                         \
        static uint32_t p_addr() { return top->P##_p_addr; }                                       \
        static uint32_t p_op() { return top->P##_p_op; }                                           \
        static u128 p_state() { return rdw(top->P##_p_state); }                                    \
        static void p_next(u128 v, bool w) { wrw(top->P##_p_next, v); top->P##_p_write = w; }      \
        static void p_hold(bool h) { top->P##_p_hold = h; }                                        \
        static bool p_fire() { return top->P##_p_fire; }                                           \
        static bool clearing() { return top->P##_clearing; }                                       \
    };
RMW_PORTS(rms, 4, 40, 8)
RMW_PORTS(rml, 1024, 72, 16)

// ================================================================================================
// Reference models
// ================================================================================================
enum { V_NEW = 0, V_DUP = 1, V_OOW = 2 };
struct RxState { uint32_t ack = 0; uint64_t sack = 0; };

// a PSN more than DUP_HORIZON behind ack_psn is no plausible duplicate: out of window (nc_nic_pkg::DUP_HORIZON)
constexpr uint32_t DUP_HORIZON = 65536;
int rx_model(RxState& st, uint32_t psn) {
    uint32_t d = psn - st.ack;
    if (int32_t(d) < 0) return (st.ack - psn) <= DUP_HORIZON ? V_DUP : V_OOW;
    if (d > 64) return V_OOW;
    if (d == 0) {
        for (;;) {  // PSN ack received: advance while the next one was received too
            bool next = st.sack & 1;
            st.sack >>= 1;
            st.ack++;
            if (!next) break;
        }
        return V_NEW;
    }
    uint64_t bit = 1ull << (d - 1);
    if (st.sack & bit) return V_DUP;
    st.sack |= bit;
    return V_NEW;
}

enum { OP_INIT = 0, OP_SEND = 1, OP_ACK = 2, OP_TIMEOUT = 3 };
enum { ST_OK = 0, ST_NO_WINDOW = 1, ST_BAD_ACK = 2, ST_STALE = 3 };
// The product's send window (nc_nic_pkg::WINDOW, docs/nic.md: 64 packets unacknowledged at most) and
// loss threshold (nc_nic_pkg::DUPTHRESH).
constexpr uint32_t WINDOW = 64;
constexpr int DUPTHRESH = 3;

// Bitmaps: bit j = PSN una + j, j < 64. rec: a retransmission round went out when nxt was rec_mark;
// probing: a tail-loss probe is outstanding.
struct TxState { uint32_t una = 0, nxt = 0; uint64_t sacked = 0, done = 0; bool rec = false; uint32_t rec_mark = 0; bool probing = false; };
struct TxRsp {
    uint32_t code = 0, chan = 0, status = 0, psn = 0, acked_from = 0, acked_count = 0, rtx_base = 0, inflight = 0;
    uint64_t rtx = 0;
};
uint64_t bit(uint32_t j) { return uint64_t(1) << j; }
uint64_t below(uint32_t n) { return n >= 64 ? ~0ull : bit(n) - 1; }

TxRsp tx_model(TxState& st, uint32_t code, uint32_t chan, uint32_t psn, uint64_t sack) {
    TxRsp r;
    r.code = code; r.chan = chan;
    switch (code) {
    case OP_INIT:
        st = TxState{psn, psn, 0, 0, false, 0, false};
        break;
    case OP_SEND:
        if (st.nxt - st.una < WINDOW) r.psn = st.nxt++;
        else r.status = ST_NO_WINDOW;
        break;
    case OP_ACK: {
        const uint32_t infl0 = st.nxt - st.una;
        const bool ok = psn - st.una <= infl0;
        const bool ahead = !ok && int32_t(psn - st.nxt) > 0;
        const uint32_t dn = st.nxt - psn;   // the peer's SACK bit i is PSN psn + 1 + i: sent only for i < dn - 1
        const uint64_t valid = dn == 0 ? 0 : below(dn - 1 >= 64 ? 64 : dn - 1);
        if (ahead || (ok && (sack & ~valid))) { r.status = ST_BAD_ACK; break; }
        if (!ok) { r.status = ST_STALE; break; }
        uint32_t cnt = psn - st.una;
        r.acked_from = st.una;
        r.acked_count = cnt;
        st.una = psn;
        st.sacked = cnt >= 64 ? 0 : st.sacked >> cnt;
        st.done = cnt >= 64 ? 0 : st.done >> cnt;
        uint32_t infl = st.nxt - st.una;
        for (uint32_t i = 0; i < 64; i++)
            if ((sack >> i) & 1) st.sacked |= bit(i + 1);
        auto above = [&](uint32_t j) { int a = 0; for (uint32_t k = j + 1; k < infl; k++) a += int((st.sacked >> k) & 1); return a; };
        // fast retransmit: a hole not yet retransmitted with DUPTHRESH SACKed PSNs above it
        for (uint32_t j = 0; j < infl; j++)
            if (!((st.sacked >> j) & 1) && !((st.done >> j) & 1) && above(j) >= DUPTHRESH) r.rtx |= bit(j);
        // lost retransmissions: DUPTHRESH PSNs from the mark on (sent after the newest retransmission) are
        // SACKed while retransmitted holes still miss (here a retransmission is on the wire once asked for)
        const uint32_t m = st.rec_mark - st.una;
        const bool over = !st.rec || m == 0 || int32_t(m) < 0;
        if (!over) {
            const uint32_t mm = m >= 64 ? 64 : m;
            int hits = 0;
            for (uint32_t k = mm; k < infl; k++) hits += int((st.sacked >> k) & 1);
            if (hits >= DUPTHRESH)
                for (uint32_t j = 0; j < infl; j++)
                    if (((st.done >> j) & 1) && !((st.sacked >> j) & 1)) r.rtx |= bit(j);
        }
        // the answer to a tail-loss probe: every hole below the highest SACKed PSN
        if (st.probing) {
            int top = -1;
            for (uint32_t j = 0; j < infl; j++) if ((st.sacked >> j) & 1) top = int(j);
            for (int j = 0; j < top; j++) if (!((st.sacked >> j) & 1)) r.rtx |= bit(uint32_t(j));
        }
        st.done |= r.rtx;
        st.probing = false;
        if (r.rtx) { st.rec = true; st.rec_mark = st.nxt; }
        else if (over) st.rec = false;
        r.rtx_base = st.una;
        break;
    }
    case OP_TIMEOUT: {
        uint32_t infl = st.nxt - st.una;
        if (infl) {
            r.rtx = bit(infl - 1);
            st.done |= r.rtx;
            st.probing = true;
            st.rec = true;
            st.rec_mark = st.nxt;
        }
        r.rtx_base = st.una;
        break;
    }
    }
    r.inflight = st.nxt - st.una;
    return r;
}

// Compares a DUT response with the model's; returns "" or a description of the first difference.
std::string tx_diff(const TxRsp& e, const TxRsp& g) {
    auto f = [](const char* n, uint64_t a, uint64_t b) {
        return std::string(n) + " exp " + hx(a) + " got " + hx(b);
    };
    if (e.code != g.code) return f("code", e.code, g.code);
    if (e.chan != g.chan) return f("chan", e.chan, g.chan);
    if (e.status != g.status) return f("status", e.status, g.status);
    if (e.code == OP_SEND && e.status == ST_OK && e.psn != g.psn) return f("psn", e.psn, g.psn);
    if (e.code == OP_ACK && e.status == ST_OK && e.acked_from != g.acked_from) return f("acked_from", e.acked_from, g.acked_from);
    if (e.acked_count != g.acked_count) return f("acked_count", e.acked_count, g.acked_count);
    if ((e.code == OP_TIMEOUT || (e.code == OP_ACK && e.status == ST_OK)) && e.rtx_base != g.rtx_base)
        return f("rtx_base", e.rtx_base, g.rtx_base);
    if (e.rtx != g.rtx) return "rtx_mask exp " + hx(e.rtx) + " got " + hx(g.rtx);
    if (e.inflight != g.inflight) return f("inflight", e.inflight, g.inflight);
    return "";
}

template <class T> TxRsp tx_read() {
    TxRsp g;
    g.code = T::code(); g.chan = T::chan(); g.status = T::status(); g.psn = T::psn();
    g.acked_from = T::acked_from(); g.acked_count = T::acked_count(); g.rtx_base = T::rtx_base();
    g.rtx = T::rtx_mask(); g.inflight = T::inflight();
    return g;
}

// Random traffic knobs.
struct Knobs {
    double gap;      // probability an input stays idle in a cycle
    double bp;       // probability an output is not ready in a cycle
    double same;     // probability the next operation reuses the previous channel
};

uint32_t pick_chan(Rng& r, int ch, uint32_t prev, const Knobs& k) {
    if (r.chance(k.same)) return prev;
    if (ch > 16 && r.chance(0.5)) return r.below(16);  // keep a hot set so channels see real traffic
    return r.below(ch);
}

uint32_t rand_psn0(Rng& r) {
    switch (r.below(3)) {
    case 0: return 0xFFFFFFFFu - r.below(200);  // wraps soon
    case 1: return uint32_t(r.u64());
    default: return r.below(1000);
    }
}

// ================================================================================================
// Receive window (tb_rx_window: nc_chan_rmw + nc_rx_window_logic): random operations vs. the model;
// responses in order; ready as the RMW pipeline defines it; channels never opened keep the post-reset
// state (ack_psn 0, sack 0).
// ================================================================================================
template <class T>
void test_rxw(uint64_t seed, int nops, const Knobs& k, const std::string& tname) {
    Rng r(seed);
    T::init(0, 0, 0); T::req(0, 0, 0); T::rsp_ready(0);
    reset();
    std::string err = wait_clear(T::CH, T::clearing, [] { return T::init_ready() || T::req_ready(); });
    std::vector<RxState> acc(T::CH);  // the model after every accepted operation (all zero after reset)
    struct Exp { uint32_t chan, psn, verdict, ack; uint64_t sack; };
    std::deque<Exp> exp;
    struct Slot { bool valid = false, init = false; } p;  // the RMW p stage
    int issued = 0, checked = 0, inits = 0, holds = 0;
    int verdicts[3] = {0, 0, 0};
    bool req_on = false, init_on = false;
    uint32_t req_chan = 0, req_psn = 0, init_chan = 0, init_psn = 0, prev = 0;
    // half the channels are opened at a random PSN first, the others stay in the post-reset state
    uint32_t opened = 0, to_open = uint32_t(T::CH) / 2;
    uint64_t guard = 0;
    while ((issued < nops || !exp.empty() || p.valid || init_on) && err.empty()) {
        if (++guard > uint64_t(nops) * 40 + 100000) { err = "timeout"; break; }
        // ---- choose this cycle's inputs (a valid request is held until it is taken)
        if (!init_on) {
            if (opened < to_open) { init_on = true; init_chan = opened++ * 2 + 1; init_psn = rand_psn0(r); }
            else if (issued < nops && r.chance(0.004)) { init_on = true; init_chan = pick_chan(r, T::CH, prev, k); init_psn = rand_psn0(r); }
        }
        if (!req_on && issued < nops && !r.chance(k.gap)) {
            req_on = true;
            req_chan = pick_chan(r, T::CH, prev, k);
            prev = req_chan;
            uint32_t a = acc[req_chan].ack;
            switch (r.below(10)) {
            case 0: req_psn = uint32_t(r.u64()); break;
            case 1: req_psn = a - 1 - r.below(70); break;
            case 2: req_psn = a + 64 + r.below(4); break;
            case 3: case 4: req_psn = a; break;
            default: req_psn = a + r.below(66); break;
            }
        }
        bool rr = !r.chance(k.bp);
        T::init(init_on, init_chan, init_psn);
        T::req(req_on, req_chan, req_psn);
        T::rsp_ready(rr);
        settle();
        // ---- handshakes of this cycle (before the edge)
        bool m_valid = T::rsp_valid();
        bool out_free = !m_valid || rr;
        bool fire = p.valid && (p.init || out_free);      // the p stage completes (an init is never held)
        bool adv = !p.valid || fire;
        if (T::init_ready() != adv || T::req_ready() != (adv && !init_on)) {
            err = "ready (init " + s(T::init_ready()) + ", req " + s(T::req_ready()) + ") differs from the RMW pipeline (" +
                  s(adv) + ", init has priority)";
            break;
        }
        if (p.valid && !fire) holds++;
        bool init_fire = init_on && adv;
        bool req_fire = req_on && adv && !init_on;
        if (m_valid && rr) {
            if (exp.empty()) { err = "unexpected response"; break; }
            Exp e = exp.front(); exp.pop_front();
            if (T::rsp_chan() != e.chan || T::rsp_psn() != e.psn || T::rsp_verdict() != e.verdict ||
                T::rsp_ack() != e.ack || T::rsp_sack() != e.sack) {
                err = "response " + s(checked) + " chan " + s(e.chan) + " psn " + hx(e.psn) + ": exp verdict " +
                      s(e.verdict) + " ack " + hx(e.ack) + " sack " + hx(e.sack) + ", got chan " + s(T::rsp_chan()) +
                      " psn " + hx(T::rsp_psn()) + " verdict " + s(T::rsp_verdict()) + " ack " + hx(T::rsp_ack()) +
                      " sack " + hx(T::rsp_sack());
                break;
            }
            checked++;
        }
        if (init_fire) { acc[init_chan] = RxState{init_psn, 0}; init_on = false; inits++; }
        if (req_fire) {
            Exp e{req_chan, req_psn, 0, 0, 0};
            e.verdict = uint32_t(rx_model(acc[req_chan], req_psn));
            e.ack = acc[req_chan].ack; e.sack = acc[req_chan].sack;
            verdicts[e.verdict]++;
            exp.push_back(e);
            req_on = false;
            issued++;
        }
        if (adv) p = Slot{init_fire || req_fire, init_fire};
        edge();
    }
    T::init(0, 0, 0); T::req(0, 0, 0); T::rsp_ready(0); settle();
    report(err.empty(), tname,
           err.empty() ? s(checked) + " responses checked (" + s(verdicts[V_NEW]) + " new, " + s(verdicts[V_DUP]) +
                             " duplicate, " + s(verdicts[V_OOW]) + " beyond the window), " + s(inits) + " inits, " +
                             s(holds) + " held cycles (CHANNELS=" + s(T::CH) + ")"
                       : err);
}

// ================================================================================================
// Send window (tb_tx_window: nc_chan_rmw + nc_tx_window_logic): random operations vs. the model;
// responses in order; ready as the RMW pipeline defines it.
// ================================================================================================
template <class T>
void test_txw(uint64_t seed, int nops, const Knobs& k, const std::string& tname) {
    Rng r(seed);
    T::op(0, 0, 0, 0, 0); T::rsp_ready(0);
    reset();
    std::string err = wait_clear(T::CH, T::clearing, [] { return T::op_ready(); });
    std::vector<TxState> acc(T::CH);  // all zero after reset
    std::deque<TxRsp> exp;
    int issued = 0, checked = 0, rtx_ops = 0, bad_acks = 0, no_win = 0, holds = 0;
    bool on = false, p_valid = false;
    uint32_t code = 0, chan = 0, psn = 0, prev = 0;
    uint64_t sack = 0;
    // half the channels are opened at a random PSN first, the others start from the post-reset state
    uint32_t opened = 0, to_open = uint32_t(T::CH) / 2;
    uint64_t guard = 0;
    while ((issued < nops || !exp.empty()) && err.empty()) {
        if (++guard > uint64_t(nops) * 40 + 100000) { err = "timeout"; break; }
        if (!on && issued < nops && (opened < to_open || !r.chance(k.gap))) {
            on = true;
            if (opened < to_open) { code = OP_INIT; chan = opened++ * 2 + 1; psn = rand_psn0(r); sack = 0; }
            else {
                chan = pick_chan(r, T::CH, prev, k);
                const TxState& st = acc[chan];
                uint32_t infl = st.nxt - st.una;
                uint32_t x = r.below(100);
                code = x < 1 ? OP_INIT : x < 45 ? OP_SEND : x < 97 ? OP_ACK : OP_TIMEOUT;
                psn = 0; sack = r.u64();
                if (code == OP_INIT) psn = rand_psn0(r);
                if (code == OP_ACK) {
                    uint32_t y = r.below(20);
                    if (y == 0) psn = uint32_t(r.u64());
                    else if (y == 1) psn = st.una - 1 - r.below(5);
                    else if (y == 2) psn = st.nxt + 1 + r.below(5);
                    else psn = st.una + (r.chance(0.6) ? 0 : r.below(std::min<uint32_t>(infl, 4) + 1));
                    switch (r.below(4)) {  // sack density
                    case 0: sack &= r.u64() & r.u64(); break;
                    case 1: sack |= r.u64(); break;
                    case 2: sack = 0; break;
                    default: break;
                    }
                    // mostly SACK bits for PSNs that were sent (bit i = PSN psn + 1 + i < nxt); sometimes not
                    const uint32_t dn = st.nxt - psn;
                    if (!r.chance(0.1)) sack &= dn == 0 ? 0 : below(dn - 1 >= 64 ? 64 : dn - 1);
                }
            }
            prev = chan;
        }
        bool rr = !r.chance(k.bp);
        T::op(on, code, chan, psn, sack);
        T::rsp_ready(rr);
        settle();
        bool m_valid = T::rsp_valid();
        bool adv = !p_valid || !m_valid || rr;  // the p stage is empty or completes into the response register
        if (T::op_ready() != adv) { err = "ready " + s(T::op_ready()) + " differs from the RMW pipeline (" + s(adv) + ")"; break; }
        if (!adv) holds++;
        if (m_valid && rr) {
            if (exp.empty()) { err = "unexpected response"; break; }
            TxRsp e = exp.front(); exp.pop_front();
            std::string d = tx_diff(e, tx_read<T>());
            if (!d.empty()) { err = "response " + s(checked) + " (op " + s(e.code) + " chan " + s(e.chan) + "): " + d; break; }
            checked++;
        }
        if (adv) p_valid = on;
        if (on && T::op_ready()) {
            exp.push_back(tx_model(acc[chan], code, chan, psn, sack));
            const TxRsp& e = exp.back();
            rtx_ops += e.rtx != 0;
            bad_acks += e.status == ST_BAD_ACK || e.status == ST_STALE;
            no_win += e.status == ST_NO_WINDOW;
            on = false;
            issued++;
        }
        edge();
    }
    T::op(0, 0, 0, 0, 0); T::rsp_ready(0); settle();
    report(err.empty(), tname,
           err.empty() ? s(checked) + " responses checked (" + s(rtx_ops) + " with retransmits, " + s(bad_acks) +
                             " stale or bad acks, " + s(no_win) + " window full, " + s(holds) + " held cycles; CHANNELS=" +
                             s(T::CH) + ")"
                       : err);
}

// ================================================================================================
// End to end: the send window (tb_tx_window) and the receive window (tb_rx_window) joined by a lossy,
// reordering, duplicating network: every packet is delivered exactly once.
// ================================================================================================
template <class TX> TxRsp tx_op(Rng& r, uint32_t code, uint32_t chan, uint32_t psn, uint64_t sack) {
    while (r.chance(0.2)) edge();
    TX::op(1, code, chan, psn, sack); TX::rsp_ready(0); settle();
    while (!TX::op_ready()) edge();
    edge();
    TX::op(0, 0, 0, 0, 0); settle();
    for (;;) {
        bool rr = !r.chance(0.3);
        TX::rsp_ready(rr); settle();
        if (TX::rsp_valid() && rr) { TxRsp g = tx_read<TX>(); edge(); TX::rsp_ready(0); settle(); return g; }
        edge();
    }
}
struct RxRsp { uint32_t verdict, ack; uint64_t sack; };
template <class RX> RxRsp rx_op(Rng& r, uint32_t chan, uint32_t psn) {
    while (r.chance(0.2)) edge();
    RX::req(1, chan, psn); RX::rsp_ready(0); settle();
    while (!RX::req_ready()) edge();
    edge();
    RX::req(0, 0, 0); settle();
    for (;;) {
        bool rr = !r.chance(0.3);
        RX::rsp_ready(rr); settle();
        if (RX::rsp_valid() && rr) {
            RxRsp g{RX::rsp_verdict(), RX::rsp_ack(), RX::rsp_sack()};
            edge(); RX::rsp_ready(0); settle();
            return g;
        }
        edge();
    }
}
template <class RX> void rx_init(uint32_t chan, uint32_t psn) {
    RX::init(1, chan, psn); settle();
    while (!RX::init_ready()) edge();
    edge();
    RX::init(0, 0, 0); settle();
}

template <class TX, class RX>
void test_e2e(uint64_t seed, int nchan, int npkts, double loss, const std::string& tname) {
    Rng r(seed);
    reset();
    struct Ch {
        uint32_t id, psn0, sent = 0, una = 0;
        std::vector<int> delivered;
        RxState rx;
    };
    std::vector<Ch> ch;
    std::vector<uint32_t> ids;
    for (int i = 0; i < nchan; i++) {
        uint32_t id;
        do { id = r.below(TX::CH); } while (std::find(ids.begin(), ids.end(), id) != ids.end());
        ids.push_back(id);
        Ch c; c.id = id; c.psn0 = rand_psn0(r); c.una = c.psn0; c.delivered.assign(npkts, 0); c.rx.ack = c.psn0;
        ch.push_back(c);
    }
    std::string err;
    for (auto& c : ch) {
        TxRsp g = tx_op<TX>(r, OP_INIT, c.id, c.psn0, 0);
        if (g.inflight != 0) err = "init";
        rx_init<RX>(c.id, c.psn0);
    }
    struct Pkt { int ci; uint32_t psn; uint64_t sack; };
    std::vector<Pkt> data, acks;  // in flight; delivered in random order
    auto put = [&](std::vector<Pkt>& net, const Pkt& p) {
        if (r.chance(loss)) return;
        net.push_back(p);
        if (r.chance(0.05)) net.push_back(p);  // duplicated by the network
    };
    auto take = [&](std::vector<Pkt>& net) {
        size_t i = r.chance(0.7) ? 0 : r.below(net.size());  // mostly in order, sometimes reordered
        Pkt p = net[i];
        net.erase(net.begin() + long(i));
        return p;
    };
    uint64_t steps = 0, news = 0, dups = 0, retx = 0, timeouts = 0, bad = 0;
    auto all_done = [&]() {
        for (auto& c : ch) if (c.una != c.psn0 + uint32_t(npkts)) return false;
        return true;
    };
    auto retransmit = [&](int ci, const TxRsp& g) {
        for (uint32_t j = 0; j < WINDOW; j++)
            if ((g.rtx >> j) & 1) { put(data, Pkt{ci, g.rtx_base + j, 0}); retx++; }
    };
    while (err.empty() && !all_done()) {
        if (++steps > 400000) { err = "no full delivery after " + s(steps) + " steps"; break; }
        uint32_t x = r.below(10);
        if (x < 3) {  // the application sends
            int ci = int(r.below(ch.size()));
            Ch& c = ch[ci];
            if (c.sent < uint32_t(npkts)) {
                TxRsp g = tx_op<TX>(r, OP_SEND, c.id, 0, 0);
                if (g.status == ST_OK) {
                    if (g.psn != c.psn0 + c.sent) { err = "SEND psn " + hx(g.psn) + " exp " + hx(c.psn0 + c.sent); break; }
                    c.sent++;
                    put(data, Pkt{ci, g.psn, 0});
                } else if (g.inflight != WINDOW) { err = "NO_WINDOW with inflight " + s(g.inflight); break; }
            }
        } else if (x < 6 && !data.empty()) {  // a data packet arrives
            Pkt p = take(data);
            Ch& c = ch[p.ci];
            RxRsp g = rx_op<RX>(r, c.id, p.psn);
            uint32_t ev = uint32_t(rx_model(c.rx, p.psn));
            if (g.verdict != ev || g.ack != c.rx.ack || g.sack != c.rx.sack) { err = "rx verdict/state differs from the model"; break; }
            if (g.verdict == V_NEW) {
                uint32_t off = p.psn - c.psn0;
                if (off >= uint32_t(npkts) || c.delivered[off]) { err = "PSN " + hx(p.psn) + " delivered twice or never sent"; break; }
                c.delivered[off] = 1;
                news++;
            } else if (g.verdict == V_DUP) dups++;
            else { err = "OUT_OF_WINDOW from a correct sender"; break; }
            put(acks, Pkt{p.ci, g.ack, g.sack});
        } else if (x < 9 && !acks.empty()) {  // an ack arrives
            Pkt p = take(acks);
            Ch& c = ch[p.ci];
            TxRsp g = tx_op<TX>(r, OP_ACK, c.id, p.psn, p.sack);
            if (g.status == ST_OK) {
                if (g.acked_from != c.una || g.acked_from + g.acked_count != p.psn) { err = "acked range"; break; }
                c.una = p.psn;
                retransmit(p.ci, g);
            } else if (g.status == ST_STALE) {
                if (int32_t(p.psn - c.una) >= 0) { err = "good ack taken for stale"; break; }
                bad++;
            } else { err = "a correct receiver's ack refused (status " + s(g.status) + ")"; break; }
        } else if (data.empty() && acks.empty()) {  // nothing moves: the timer fires for a channel
            int ci = int(r.below(ch.size()));
            TxRsp g = tx_op<TX>(r, OP_TIMEOUT, ch[ci].id, 0, 0);
            timeouts++;
            retransmit(ci, g);
        }
    }
    if (err.empty())
        for (auto& c : ch)
            for (int i = 0; i < npkts; i++)
                if (!c.delivered[i]) { err = "PSN " + hx(c.psn0 + uint32_t(i)) + " never delivered"; break; }
    report(err.empty(), tname,
           err.empty() ? s(nchan) + " channels x " + s(npkts) + " packets delivered exactly once (" + s(news) + " new, " +
                             s(dups) + " duplicates, " + s(retx) + " retransmits, " + s(timeouts) + " timeouts, " + s(bad) +
                             " stale acks; loss " + s(uint64_t(loss * 100)) + "%, CHANNELS=" + s(TX::CH) + ")"
                       : err);
}

// ================================================================================================
// nc_chan_rmw alone: random operations on random entries with random p_hold, against a model memory.
// Whenever the p stage holds an operation, p_addr/p_op must be that operation and p_state the entry's
// value after every earlier operation (so back-to-back operations on one entry, where the write of one
// and the read of the next share a cycle, must go through the bypass); s_ready and p_fire must follow
// the pipeline rule. Writes are random values with random p_write.
// ================================================================================================
template <class T> struct RmwRun {
    Rng& r;
    std::vector<u128> ref;              // the model memory
    struct Slot { bool valid = false; uint32_t addr = 0, op = 0; } p;
    bool on = false;
    uint32_t addr = 0, op = 0, prev = 0;
    uint64_t ops = 0, checked = 0, holds = 0, hazards = 0, writes = 0;
    std::string err;

    explicit RmwRun(Rng& rr) : r(rr), ref(T::DEPTH, 0) {}
    static u128 mask(int bits) { return bits >= 128 ? ~u128(0) : (u128(1) << bits) - 1; }

    // Runs until `n` more operations completed. sweep: the first DEPTH operations read entries 0, 1, ...
    // in order (after a reset: every entry must read zero).
    void run(uint64_t n, const Knobs& k, double hold_p, double write_p, bool sweep) {
        uint64_t target = ops + n, issued = ops + uint64_t(p.valid), guard = 0, swept = 0;
        while ((ops < target || p.valid) && err.empty()) {
            if (++guard > n * 50 + 1000) { err = "timeout"; return; }
            if (!on && issued < target && !r.chance(k.gap)) {
                on = true;
                if (sweep && swept < uint64_t(T::DEPTH)) addr = uint32_t(swept++);
                else addr = pick_chan(r, T::DEPTH, prev, k);
                prev = addr;
                op = uint32_t(r.u64() & uint64_t(mask(T::OPW)));
            }
            bool hold = r.chance(hold_p);
            T::s(on, addr, op);
            T::p_hold(hold);
            T::p_next(0, false);
            settle();
            bool pv = T::p_valid();
            if (pv != p.valid) { err = "p_valid " + s(pv) + " but the model's p stage is " + (p.valid ? "full" : "empty"); return; }
            if (pv) {
                if (T::p_addr() != p.addr || T::p_op() != p.op) {
                    err = "p stage holds addr " + s(T::p_addr()) + " op " + hx(T::p_op()) + ", expected addr " + s(p.addr) +
                          " op " + hx(p.op);
                    return;
                }
                if (T::p_state() != ref[p.addr]) {
                    err = "op " + s(ops) + ": entry " + s(p.addr) + " reads " + hx128(T::p_state()) + ", expected " +
                          hx128(ref[p.addr]);
                    return;
                }
                checked++;
            }
            // the caller's combinational modify: a random new value, written or not
            u128 nv = (u128(r.u64()) << 64 | r.u64()) & mask(T::SW);
            bool wr = r.chance(write_p);
            T::p_next(nv, wr);
            settle();
            bool fire = pv && !hold;
            if (T::p_fire() != fire) { err = "p_fire " + s(T::p_fire()) + " with p_valid " + s(pv) + " p_hold " + s(hold); return; }
            bool ready = !pv || fire;
            if (T::s_ready() != ready || T::clearing()) {
                err = "s_ready " + s(T::s_ready()) + " (clearing " + s(T::clearing()) + "), expected " + s(ready);
                return;
            }
            if (pv && hold) holds++;
            bool accept = on && ready;
            if (fire) {
                if (wr) { ref[p.addr] = nv; writes++; }
                if (accept && addr == p.addr) hazards++;
                p.valid = false;
                ops++;
            }
            if (accept) { p = Slot{true, addr, op}; on = false; issued++; }
            edge();
        }
    }
};

template <class T>
void test_rmw(uint64_t seed, int nops, const Knobs& k, double hold_p, const std::string& tname) {
    Rng r(seed);
    T::s(0, 0, 0); T::p_hold(0); T::p_next(0, false);
    reset();
    RmwRun<T> m(r);
    m.err = wait_clear(T::DEPTH, T::clearing, [] { return T::s_ready(); });
    if (m.err.empty()) m.run(uint64_t(nops), k, hold_p, 0.8, true);
    T::s(0, 0, 0); T::p_hold(0); T::p_next(0, false); settle();
    report(m.err.empty(), tname,
           m.err.empty() ? s(m.ops) + " operations, " + s(m.checked) + " p-stage states checked, " + s(m.hazards) +
                               " back-to-back same-entry hazards, " + s(m.holds) + " held cycles, " + s(m.writes) +
                               " writes (DEPTH=" + s(T::DEPTH) + ")"
                         : m.err);
}

// The post-reset clear: it lasts exactly DEPTH cycles with s_ready low (an operation offered all along is
// not taken), a reset while an operation is held in the p stage drops it, a reset during the clear
// restarts it, and afterwards every entry written before reads zero.
template <class T>
void test_rmw_reset(uint64_t seed, const std::string& tname) {
    Rng r(seed);
    const Knobs k{0.1, 0.0, 0.5};
    T::s(0, 0, 0); T::p_hold(0); T::p_next(0, false);
    reset();
    RmwRun<T> m(r);
    int clears = 0;
    auto clear_again = [&](const char* what) {
        T::s(1, r.below(T::DEPTH), 1);  // offered during the whole clear
        std::string e = wait_clear(T::DEPTH, T::clearing, [] { return T::s_ready(); });
        if (e.empty() && T::p_valid()) e = "p_valid after the clear";
        if (!e.empty()) m.err = std::string(what) + ": " + e;
        T::s(0, 0, 0);
        settle();
        std::fill(m.ref.begin(), m.ref.end(), u128(0));
        m.p = {};
        m.on = false;
        clears++;
    };
    clear_again("first reset");
    // dirty every entry, then reset with an operation held in the p stage
    for (int round = 0; round < 2 && m.err.empty(); round++) {
        m.run(uint64_t(T::DEPTH), k, 0.3, 1.0, true);   // every entry: reads zero, gets a random value
        m.run(uint64_t(T::DEPTH) * 2, k, 0.3, 0.8, false);
        if (!m.err.empty()) break;
        T::s(1, 0, 0x5A); T::p_hold(1); settle(); edge();  // taken, then held
        T::s(0, 0, 0); settle();
        if (!T::p_valid() || T::p_fire()) { m.err = "could not hold an operation in the p stage"; break; }
        if (round == 0) {
            reset();
            clear_again("reset with a held operation");
        } else {
            reset();
            for (int i = 0; i < T::DEPTH / 2; i++) edge();  // half the clear
            reset();
            clear_again("reset during the clear");
        }
        T::p_hold(0);
        if (m.err.empty()) m.run(uint64_t(T::DEPTH) + 64, k, 0.3, 0.8, true);  // the sweep reads every entry
    }
    T::s(0, 0, 0); T::p_hold(0); T::p_next(0, false); settle();
    report(m.err.empty(), tname,
           m.err.empty() ? s(clears) + " clears of " + s(T::DEPTH) + " cycles, every entry read back zero after a "
                               "dirty reset, a reset with a held operation and a reset during the clear (DEPTH=" +
                               s(T::DEPTH) + ")"
                         : m.err);
}

// ================================================================================================
// nc_timer_scan: expiries must be due and armed (model), emitted once, and never later than a sweep
// (plus back-pressure stalls) after becoming due.
// ================================================================================================
template <class T>
void test_timer(uint64_t seed, uint64_t ncycles, const Knobs& k, uint32_t horizon, const std::string& tname) {
    Rng r(seed);
    reset();
    T::arm(0, 0, 0); T::disarm(0, 0); T::exp_ready(0);
    struct St { bool armed = false; uint32_t dl = 0; bool due = false; uint64_t due_at = 0, stalls_at = 0; };
    std::vector<St> m(T::CH);
    std::string err;
    uint64_t stalls = 0, expiries = 0, arms = 0, disarms = 0, max_lat = 0;
    bool arm_on = false, dis_on = false;
    uint32_t arm_chan = 0, arm_dl = 0, dis_chan = 0, prev = 0;
    std::vector<uint32_t> recent;  // recently expired: the consumer re-arms them
    // wait for the post-reset clear
    uint64_t w = 0;
    while (!T::arm_ready()) { edge(); if (++w > uint64_t(T::CH) + 10) { err = "never ready after reset"; break; } }
    if (err.empty() && w + 3 < uint64_t(T::CH)) err = "ready before the RAM was cleared";
    auto is_due = [](uint32_t dl, uint32_t now) { return int32_t(dl - now) <= 0; };
    for (uint64_t cyc = 0; cyc < ncycles && err.empty(); cyc++) {
        uint32_t now = now_val();
        if (!arm_on && !r.chance(k.gap)) {
            arm_on = true;
            if (!recent.empty() && r.chance(0.5)) { arm_chan = recent.front(); recent.erase(recent.begin()); }
            else arm_chan = pick_chan(r, T::CH, prev, k);
            prev = arm_chan;
            arm_dl = r.chance(0.1) ? now - r.below(50) : now + r.below(horizon);
        }
        if (!dis_on && r.chance(0.15)) { dis_on = true; dis_chan = r.chance(0.5) ? prev : r.below(T::CH); }
        bool er = !r.chance(k.bp);
        T::arm(arm_on, arm_chan, arm_dl);
        T::disarm(dis_on, dis_chan);
        T::exp_ready(er);
        settle();
        bool pre_valid = T::exp_valid();
        bool arm_fire = arm_on && T::arm_ready();
        bool dis_fire = dis_on && T::disarm_ready();
        if (dis_fire && arm_fire) { err = "arm and disarm accepted in the same cycle"; break; }
        if (pre_valid && !er) stalls++;
        edge();
        bool loaded = T::exp_valid() && (!pre_valid || er);
        // the write port is refused only to the scan's disarm of an expiring channel
        if ((arm_on || dis_on) && !arm_fire && !dis_fire && !loaded) { err = "arm/disarm refused with the write port free"; break; }
        if (loaded) {
            uint32_t c = T::exp_chan();
            if (arm_fire || dis_fire) { err = "port write in an expiry cycle"; break; }
            if (!m[c].armed || !is_due(m[c].dl, now)) {
                err = "chan " + s(c) + " expired at now " + hx(now) + " but " +
                      (m[c].armed ? "deadline " + hx(m[c].dl) : std::string("not armed"));
                break;
            }
            uint64_t lat = g_cycle - m[c].due_at - (stalls - m[c].stalls_at);
            if (m[c].due && lat > max_lat) max_lat = lat;
            m[c] = St{};
            expiries++;
            if (recent.size() < 8) recent.push_back(c);
        }
        if (arm_fire) { m[arm_chan] = St{true, arm_dl}; arm_on = false; arms++; }
        if (dis_fire) { m[dis_chan] = St{}; dis_on = false; disarms++; }
        // liveness: every armed, due channel is emitted within a sweep plus the stall cycles
        uint32_t nnow = now_val();
        for (int c = 0; c < T::CH; c++) {
            St& x = m[c];
            if (!x.armed) continue;
            if (!x.due && is_due(x.dl, nnow)) { x.due = true; x.due_at = g_cycle; x.stalls_at = stalls; }
            if (x.due && g_cycle - x.due_at - (stalls - x.stalls_at) > uint64_t(T::CH) + 3) {
                err = "chan " + s(c) + " due since cycle " + s(x.due_at) + " not expired by " + s(g_cycle);
                break;
            }
        }
    }
    T::arm(0, 0, 0); T::disarm(0, 0); T::exp_ready(0); settle();
    report(err.empty(), tname,
           err.empty() ? s(ncycles) + " cycles: " + s(arms) + " arms, " + s(disarms) + " disarms, " + s(expiries) +
                             " expiries checked, worst latency " + s(max_lat) + " (+stalls) cycles (CHANNELS=" + s(T::CH) + ")"
                       : err);
}

// ================================================================================================
// nc_desc_validate
// ================================================================================================
enum : uint32_t { C_OK = 0, C_BAD_ADDR = 1, C_BAD_LEN = 2, C_BAD_DESC = 7 };

struct TxD { uint64_t addr = 0x1000; uint32_t len = 100; uint16_t tag = 0, flags = 0, sp = 0, dp = 0; uint32_t seq = 0, grant = 0;
             uint8_t type = 1, rsvd0 = 0; uint16_t rsvd1 = 0; };
struct RxD { uint64_t addr = 0x1000; uint32_t len = 100; uint16_t tag = 0, rsvd = 0; };

uint32_t model_tx(const TxD& d) {
    if (d.type > 6 || d.flags || d.rsvd0 || d.rsvd1) return C_BAD_DESC;
    if (d.len > 9000 || (d.len == 0 && d.type == 1)) return C_BAD_LEN;
    if (d.len > 0 && (d.addr == 0 || u128(d.addr) + d.len > (u128(1) << 64))) return C_BAD_ADDR;
    return C_OK;
}
uint32_t model_rx(const RxD& d) {
    if (d.rsvd) return C_BAD_DESC;
    if (d.len == 0) return C_BAD_LEN;
    if (d.addr == 0 || (d.addr & 63) != 0 || u128(d.addr) + d.len > (u128(1) << 64)) return C_BAD_ADDR;
    return C_OK;
}

void pack_tx(const TxD& d, uint32_t w[8]) {
    w[0] = uint32_t(d.addr); w[1] = uint32_t(d.addr >> 32); w[2] = d.len;
    w[3] = d.tag | (uint32_t(d.flags) << 16); w[4] = d.sp | (uint32_t(d.dp) << 16);
    w[5] = d.seq; w[6] = d.grant; w[7] = d.type | (uint32_t(d.rsvd0) << 8) | (uint32_t(d.rsvd1) << 16);
}
void pack_rx(const RxD& d, uint32_t w[4]) {
    w[0] = uint32_t(d.addr); w[1] = uint32_t(d.addr >> 32); w[2] = d.len; w[3] = d.tag | (uint32_t(d.rsvd) << 16);
}

struct DescVec { bool is_rx; TxD tx; RxD rx; uint32_t expect; std::string what; };

// Streams the vectors through nc_desc_validate with gaps and back-pressure; checks the status against
// both the vector's expectation and the model, and the pass-through fields.
void run_desc(Rng& r, const std::vector<DescVec>& v, const std::string& tname) {
    reset();
    top->dv_s_valid = 0; top->dv_m_ready = 0;
    std::string err;
    size_t in = 0, out = 0;
    bool on = false;
    uint64_t guard = 0;
    while (out < v.size() && err.empty()) {
        if (++guard > v.size() * 20 + 100) { err = "timeout"; break; }
        if (!on && in < v.size() && !r.chance(0.3)) on = true;
        bool mr = !r.chance(0.3);
        top->dv_s_valid = on;
        if (on) {
            const DescVec& d = v[in];
            uint32_t tw[8], rw[4];
            TxD junk_tx; RxD junk_rx;  // the unused descriptor carries random junk
            junk_tx.addr = r.u64(); junk_tx.len = uint32_t(r.u64()); junk_tx.type = uint8_t(r.u64()); junk_tx.rsvd1 = uint16_t(r.u64());
            junk_rx.addr = r.u64(); junk_rx.len = 0; junk_rx.rsvd = uint16_t(r.u64());
            pack_tx(d.is_rx ? junk_tx : d.tx, tw);
            pack_rx(d.is_rx ? d.rx : junk_rx, rw);
            for (int i = 0; i < 8; i++) top->dv_s_tx_desc[i] = tw[i];
            for (int i = 0; i < 4; i++) top->dv_s_rx_desc[i] = rw[i];
            top->dv_s_is_rx = d.is_rx;
            top->dv_s_user = uint8_t(in);
        }
        top->dv_m_ready = mr;
        settle();
        if (top->dv_m_valid && mr) {
            const DescVec& d = v[out];
            uint32_t model = d.is_rx ? model_rx(d.rx) : model_tx(d.tx);
            uint32_t got = top->dv_m_status;
            uint32_t tw[8], rw[4];
            pack_tx(d.tx, tw); pack_rx(d.rx, rw);
            bool pass_ok = top->dv_m_user == uint8_t(out) && top->dv_m_is_rx == d.is_rx;
            if (d.is_rx) for (int i = 0; i < 4; i++) pass_ok = pass_ok && top->dv_m_rx_desc[i] == rw[i];
            else for (int i = 0; i < 8; i++) pass_ok = pass_ok && top->dv_m_tx_desc[i] == tw[i];
            if (got != d.expect || model != d.expect)
                err = "'" + d.what + "': expected " + s(d.expect) + ", model " + s(model) + ", DUT " + s(got);
            else if (!pass_ok) err = "'" + d.what + "': pass-through fields differ";
            out++;
        }
        if (on && top->dv_s_ready) { on = false; in++; }
        edge();
    }
    top->dv_s_valid = 0; top->dv_m_ready = 0; settle();
    report(err.empty(), tname, err.empty() ? s(v.size()) + " descriptors checked" : err);
}

void test_desc(uint64_t seed, int nrand) {
    Rng r(seed);
    const uint64_t TOP = 0;  // 2^64 wraps to 0
    std::vector<DescVec> tx, rx, prec, edge_v, rnd;
    auto T = [](TxD d, uint32_t e, const std::string& w) { return DescVec{false, d, RxD{}, e, w}; };
    auto R = [](RxD d, uint32_t e, const std::string& w) { return DescVec{true, TxD{}, d, e, w}; };
    // Tx rules one by one
    for (int t = 0; t <= 6; t++) { TxD d; d.type = uint8_t(t); tx.push_back(T(d, C_OK, "type " + s(t) + " ok")); }
    for (int t : {7, 8, 0x80, 0xFF}) { TxD d; d.type = uint8_t(t); tx.push_back(T(d, C_BAD_DESC, "type " + s(t))); }
    { TxD d; d.flags = 1; tx.push_back(T(d, C_BAD_DESC, "flags")); }
    { TxD d; d.flags = 0x8000; tx.push_back(T(d, C_BAD_DESC, "flags msb")); }
    { TxD d; d.rsvd0 = 0x80; tx.push_back(T(d, C_BAD_DESC, "rsvd0")); }
    { TxD d; d.rsvd1 = 1; tx.push_back(T(d, C_BAD_DESC, "rsvd1")); }
    { TxD d; d.len = 9000; tx.push_back(T(d, C_OK, "len 9000")); }
    { TxD d; d.len = 9001; tx.push_back(T(d, C_BAD_LEN, "len 9001")); }
    { TxD d; d.len = 0xFFFFFFFF; tx.push_back(T(d, C_BAD_LEN, "len max")); }
    { TxD d; d.len = 0x80000000; tx.push_back(T(d, C_BAD_LEN, "len 2^31")); }
    { TxD d; d.len = 0; d.type = 1; tx.push_back(T(d, C_BAD_LEN, "len 0 DATA")); }
    for (int t : {0, 2, 3, 4, 5, 6}) { TxD d; d.len = 0; d.type = uint8_t(t); d.addr = 0; tx.push_back(T(d, C_OK, "len 0 control, addr 0, type " + s(t))); }
    { TxD d; d.len = 0; d.type = 2; d.addr = ~0ull; tx.push_back(T(d, C_OK, "len 0 control, addr max")); }
    { TxD d; d.addr = 0; tx.push_back(T(d, C_BAD_ADDR, "addr 0")); }
    { TxD d; d.addr = 1; d.len = 1; tx.push_back(T(d, C_OK, "addr 1")); }
    // Rx rules
    { RxD d; rx.push_back(R(d, C_OK, "rx ok")); }
    { RxD d; d.len = 0xFFFFFFFF; d.addr = 0x1000; rx.push_back(R(d, C_OK, "rx len max")); }
    { RxD d; d.rsvd = 1; rx.push_back(R(d, C_BAD_DESC, "rx rsvd")); }
    { RxD d; d.rsvd = 0x8000; rx.push_back(R(d, C_BAD_DESC, "rx rsvd msb")); }
    { RxD d; d.len = 0; rx.push_back(R(d, C_BAD_LEN, "rx len 0")); }
    { RxD d; d.addr = 0; rx.push_back(R(d, C_BAD_ADDR, "rx addr 0")); }
    for (uint64_t a : {0x1001ull, 0x1020ull, 0x103Full, 0x40ull}) {
        RxD d; d.addr = a; rx.push_back(R(d, (a & 63) ? C_BAD_ADDR : C_OK, "rx addr " + hx(a) + ((a & 63) ? " misaligned" : " aligned")));
    }
    // precedence
    { TxD d; d.rsvd0 = 1; d.len = 9001; d.addr = 0; prec.push_back(T(d, C_BAD_DESC, "tx desc > len > addr")); }
    { TxD d; d.type = 9; d.len = 0; prec.push_back(T(d, C_BAD_DESC, "tx desc > len 0")); }
    { TxD d; d.flags = 2; d.addr = ~0ull; prec.push_back(T(d, C_BAD_DESC, "tx desc > overflow")); }
    { TxD d; d.len = 9001; d.addr = 0; prec.push_back(T(d, C_BAD_LEN, "tx len > addr 0")); }
    { TxD d; d.len = 9500; d.addr = ~0ull; prec.push_back(T(d, C_BAD_LEN, "tx len > overflow")); }
    { TxD d; d.len = 0; d.type = 1; d.addr = 0; prec.push_back(T(d, C_BAD_LEN, "tx len 0 DATA > addr 0")); }
    { RxD d; d.rsvd = 3; d.len = 0; d.addr = 0; prec.push_back(R(d, C_BAD_DESC, "rx desc > len > addr")); }
    { RxD d; d.len = 0; d.addr = 0; prec.push_back(R(d, C_BAD_LEN, "rx len > addr")); }
    // the 2^64 edge: [addr, addr + len) may end exactly at 2^64
    for (uint32_t len : {1u, 2u, 100u, 9000u}) {
        TxD d; d.len = len; d.addr = TOP - len;
        edge_v.push_back(T(d, C_OK, "tx addr = 2^64 - " + s(len)));
        d.addr = TOP - len + 1;
        edge_v.push_back(T(d, C_BAD_ADDR, "tx addr = 2^64 - " + s(len) + " + 1"));
    }
    // Rx buffers are 64-byte aligned: the edge is a buffer ending exactly at 2^64, and one byte longer
    for (uint32_t len : {64u, 128u, 9024u, 0x10000u, 0xFFFFFFC0u}) {
        RxD e; e.len = len; e.addr = TOP - len;
        edge_v.push_back(R(e, C_OK, "rx addr = 2^64 - " + hx(len)));
        e.len = len + 1;
        edge_v.push_back(R(e, C_BAD_ADDR, "rx addr = 2^64 - " + hx(len) + ", len + 1"));
    }
    { TxD d; d.addr = ~0ull; d.len = 1; edge_v.push_back(T(d, C_OK, "tx last byte")); }
    { TxD d; d.addr = ~0ull; d.len = 2; edge_v.push_back(T(d, C_BAD_ADDR, "tx last byte + 1")); }
    // random (biased so that every outcome occurs)
    for (int i = 0; i < nrand; i++) {
        if (r.chance(0.5)) {
            TxD d;
            d.addr = r.chance(0.1) ? 0 : r.chance(0.3) ? TOP - r.below(10000) : r.u64();
            d.len = r.chance(0.1) ? 0 : r.chance(0.1) ? uint32_t(r.u64()) : r.below(9100);
            d.type = uint8_t(r.chance(0.9) ? r.below(7) : r.u64());
            d.flags = r.chance(0.05) ? uint16_t(r.u64()) : 0;
            d.rsvd0 = r.chance(0.05) ? uint8_t(r.u64()) : 0;
            d.rsvd1 = r.chance(0.05) ? uint16_t(r.u64()) : 0;
            d.tag = uint16_t(r.u64()); d.sp = uint16_t(r.u64()); d.dp = uint16_t(r.u64());
            d.seq = uint32_t(r.u64()); d.grant = uint32_t(r.u64());
            rnd.push_back(T(d, model_tx(d), "random tx " + s(i)));
        } else {
            RxD d;
            d.addr = r.chance(0.1) ? 0 : r.chance(0.3) ? TOP - r.below(100000) : r.u64();
            if (r.chance(0.8)) d.addr &= ~63ull;  // mostly aligned, so the other rules are reached
            d.len = r.chance(0.1) ? 0 : r.chance(0.5) ? r.below(100000) : uint32_t(r.u64());
            d.rsvd = r.chance(0.1) ? uint16_t(r.u64()) : 0;
            d.tag = uint16_t(r.u64());
            rnd.push_back(R(d, model_rx(d), "random rx " + s(i)));
        }
    }
    run_desc(r, tx, "desc_tx_rules");
    run_desc(r, rx, "desc_rx_rules");
    run_desc(r, prec, "desc_precedence");
    run_desc(r, edge_v, "desc_addr_overflow_edge");
    run_desc(r, rnd, "desc_random");
}

}  // namespace

int main(int argc, char** argv) {
    uint64_t seed = 1;
    if (const char* e = getenv("NC_SEED")) seed = strtoull(e, nullptr, 0);
    int ops = 120000;
    std::string only;
    for (int i = 1; i < argc; i++) {
        std::string a = argv[i];
        if (a == "--only" && i + 1 < argc) only = argv[++i];
        else if (a == "--seed" && i + 1 < argc) seed = strtoull(argv[++i], nullptr, 0);
        else if (a == "--ops" && i + 1 < argc) ops = atoi(argv[++i]);
    }
    g_ctx = std::make_unique<VerilatedContext>();
    g_ctx->commandArgs(argc, argv);
    top = std::make_unique<Vtb_xport>(g_ctx.get());
    top->clk = 0;
    settle();

    const Knobs busy{0.0, 0.0, 0.7};     // back to back, no back-pressure, mostly the same channel
    const Knobs rnd{0.3, 0.3, 0.5};      // random gaps and back-pressure
    const Knobs bp{0.05, 0.6, 0.8};      // heavy back-pressure
    auto want = [&](const char* n) { return only.empty() || only == n; };
    if (want("rxw")) {
        test_rxw<Rxw_rxs>(seed * 11 + 1, ops, busy, "rxw_small_b2b");
        test_rxw<Rxw_rxs>(seed * 11 + 2, ops, rnd, "rxw_small_random");
        test_rxw<Rxw_rxs>(seed * 11 + 3, ops / 4, bp, "rxw_small_backpressure");
        test_rxw<Rxw_rxl>(seed * 11 + 4, ops, busy, "rxw_1024_b2b");
        test_rxw<Rxw_rxl>(seed * 11 + 5, ops, rnd, "rxw_1024_random");
    }
    if (want("txw")) {
        test_txw<Txw_txs>(seed * 13 + 1, ops, busy, "txw_small_b2b");
        test_txw<Txw_txs>(seed * 13 + 2, ops, rnd, "txw_small_random");
        test_txw<Txw_txs>(seed * 13 + 3, ops / 4, bp, "txw_small_backpressure");
        test_txw<Txw_txl>(seed * 13 + 4, ops, busy, "txw_1024_b2b");
        test_txw<Txw_txl>(seed * 13 + 5, ops, rnd, "txw_1024_random");
    }
    if (want("e2e")) {
        test_e2e<Txw_txs, Rxw_rxs>(seed * 17 + 1, 4, 400, 0.1, "e2e_small_loss10");
        test_e2e<Txw_txs, Rxw_rxs>(seed * 17 + 2, 2, 300, 0.3, "e2e_small_loss30");
        test_e2e<Txw_txl, Rxw_rxl>(seed * 17 + 3, 12, 150, 0.1, "e2e_1024_loss10");
    }
    if (want("timer")) {
        test_timer<Tmr_tms>(seed * 19 + 1, uint64_t(ops), Knobs{0.2, 0.2, 0.5}, 40, "timer_small_random");
        test_timer<Tmr_tms>(seed * 19 + 2, uint64_t(ops) / 2, Knobs{0.0, 0.7, 0.8}, 12, "timer_small_backpressure");
        test_timer<Tmr_tml>(seed * 19 + 3, uint64_t(ops), Knobs{0.6, 0.2, 0.3}, 4000, "timer_1024_random");
    }
    if (want("rmw")) {
        test_rmw<Rmw_rms>(seed * 31 + 1, ops, Knobs{0.0, 0.0, 0.9}, 0.0, "rmw_small_b2b");
        test_rmw<Rmw_rms>(seed * 31 + 2, ops, Knobs{0.2, 0.0, 0.7}, 0.3, "rmw_small_hold");
        test_rmw<Rmw_rml>(seed * 31 + 3, ops, Knobs{0.1, 0.0, 0.6}, 0.3, "rmw_1024_random");
        test_rmw_reset<Rmw_rms>(seed * 31 + 4, "rmw_small_reset_clear");
        test_rmw_reset<Rmw_rml>(seed * 31 + 5, "rmw_1024_reset_clear");
    }
    if (want("desc")) test_desc(seed * 23 + 1, 20000);

    top->final();
    printf("%d passed, %d failed\n", g_pass, g_fail);
    return g_fail ? 1 : 0;
}
