// The host side of two NetChannel NICs, written against docs/nic.md only: rings, descriptors, doorbells,
// completions with phase bits, channel commands, and traffic over channel pairs with every message
// accounted for exactly once. Shared by the NIC system testbench (tests/rtl/tb_nic.cpp: two directly
// Verilated nc_nic) and the hardware benchmark through libncsim (tests/sim/bench_nic.cpp), which reach
// the NICs through the HostBus interface below; the benchmark scenarios themselves are here too
// (nc_bench_suite.h), so both harnesses measure exactly the same things.
//
// Everything runs on one thread and the caller owns the clock: HostBus::run(n) advances n cycles, and
// nothing happens between calls, so every figure is an exact cycle count.
#pragma once

#include "nc_spec.h"

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <memory>
#include <random>
#include <string>
#include <vector>

namespace nchost {

// What one NIC's MAC and register port did, as seen from outside the device (cycle = the cycle of the
// handshake; UINT64_MAX = never).
struct MacStamps {
    uint64_t tx_frames = 0, tx_beats = 0, tx_sof = UINT64_MAX;   // m_axis_tx
    uint64_t rx_frames = 0, rx_beats = 0, rx_sof = UINT64_MAX;   // s_axis_rx
    uint64_t mmio_write = UINT64_MAX;                            // latest register write accepted
};

// One direction of the link between the NICs (dir 0: NIC 0 -> NIC 1), as counted by the link model.
struct LinkCounts {
    uint64_t sent = 0, dropped = 0, reordered = 0, duplicated = 0, delivered = 0;
};

// Two NICs (0 and 1) behind registers, host memory both can reach by DMA, and a clock.
class HostBus {
public:
    virtual ~HostBus() = default;
    virtual void wr(int nic, uint32_t addr, uint32_t v) = 0;     // posted register write
    virtual uint32_t rd(int nic, uint32_t addr) = 0;             // register read (runs the clock until answered)
    virtual void run(uint64_t n) = 0;                            // advance n cycles
    virtual uint64_t now() const = 0;                            // cycles since reset
    virtual uint8_t* alloc(size_t n, size_t align = 64) = 0;     // zeroed host memory both NICs may DMA to/from
    virtual uint64_t bus(const uint8_t* p) const = 0;            // its bus address
    virtual MacStamps stamps(int nic) = 0;
    virtual LinkCounts link_counts(int dir) = 0;
    uint64_t cnt(int i, uint32_t lo_addr) {                      // 64-bit counter (snapshot on _LO)
        uint64_t lo = rd(i, lo_addr);
        uint64_t hi = rd(i, lo_addr + 4);
        return lo | (hi << 32);
    }
};

inline std::string s(uint64_t v) { return std::to_string(v); }
inline std::string f2(double v) { char b[64]; std::snprintf(b, sizeof b, "%.2f", v); return b; }
inline std::string f3(double v) { char b[64]; std::snprintf(b, sizeof b, "%.3f", v); return b; }

inline void put16(uint8_t* p, uint16_t v) { std::memcpy(p, &v, 2); }
inline void put32(uint8_t* p, uint32_t v) { std::memcpy(p, &v, 4); }
inline void put64(uint8_t* p, uint64_t v) { std::memcpy(p, &v, 8); }
inline uint16_t get16(const uint8_t* p) { uint16_t v; std::memcpy(&v, p, 2); return v; }
inline uint32_t get32(const uint8_t* p) { uint32_t v; std::memcpy(&v, p, 4); return v; }

struct Rng {
    std::mt19937_64 r;
    explicit Rng(uint64_t seed) : r(seed) {}
    uint64_t u64() { return r(); }
    uint32_t below(uint64_t n) { return n ? uint32_t(r() % n) : 0; }
    bool chance(double p) { return p > 0 && std::uniform_real_distribution<double>(0, 1)(r) < p; }
};

// payload byte i of message (chan, id): the receiver checks every byte without a table
inline uint8_t pattern(uint32_t chan, uint32_t id, uint32_t i) {
    uint32_t x = (chan * 0x9E3779B1u) ^ (id * 0x85EBCA77u) ^ (i * 0xC2B2AE3Du);
    x ^= x >> 15; x *= 0x2C1B3C6Du; x ^= x >> 12;
    return uint8_t(x);
}

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
inline bool poll_cpl(Ring& r, uint16_t& cons, Cpl& c) {
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

inline void write_tx_desc(uint8_t* d, uint64_t addr, uint32_t len, uint16_t tag, uint16_t sp, uint16_t dp,
                   uint32_t seq, uint32_t grant, uint8_t type) {
    std::memset(d, 0, 32);
    put64(d + NC_TX_DESC_ADDR_OFF, addr); put32(d + NC_TX_DESC_LEN_OFF, len); put16(d + NC_TX_DESC_TAG_OFF, tag);
    put16(d + NC_TX_DESC_SRC_PORT_OFF, sp); put16(d + NC_TX_DESC_DST_PORT_OFF, dp);
    put32(d + NC_TX_DESC_SEQ_OFF, seq); put32(d + NC_TX_DESC_GRANT_OFF, grant); d[NC_TX_DESC_MSG_TYPE_OFF] = type;
}
inline void write_rx_desc(uint8_t* d, uint64_t addr, uint32_t len, uint16_t tag) {
    std::memset(d, 0, 16);
    put64(d + NC_RX_DESC_ADDR_OFF, addr); put32(d + NC_RX_DESC_LEN_OFF, len); put16(d + NC_RX_DESC_TAG_OFF, tag);
}

const uint64_t kMac[2] = {0x020000000001ull, 0x020000000002ull};
const uint32_t kIp[2] = {0x0A000001u, 0x0A000002u};

inline void init_nic(HostBus& sy, int i, uint32_t rto = 0, uint32_t coal = 0, uint32_t retry = 0) {
    uint32_t magic = sy.rd(i, NC_REG_ID_MAGIC);
    if (magic != NC_NIC_MAGIC) { std::fprintf(stderr, "bad magic %08x\n", magic); std::abort(); }
    sy.wr(i, NC_REG_MAC_LO, uint32_t(kMac[i])); sy.wr(i, NC_REG_MAC_HI, uint32_t(kMac[i] >> 32));
    sy.wr(i, NC_REG_IP_ADDR, kIp[i]);
    if (rto) sy.wr(i, NC_REG_RTO_CYCLES, rto);
    if (coal) sy.wr(i, NC_REG_ACK_COALESCE, coal);
    if (retry) sy.wr(i, NC_REG_RETRY_LIMIT, retry);
    sy.wr(i, NC_REG_CTRL, 3);  // enable, address filtering
}

inline int wait_cmd(HostBus& sy, int nic) {
    for (int k = 0; k < 20000; k++) {   // the NIC clears its channel RAMs after reset (CHANNELS cycles)
        uint32_t st = sy.rd(nic, NC_REG_CH_CMD_STATUS);
        if (!NC_REG_CH_CMD_STATUS_BUSY_OF(st)) return int(NC_REG_CH_CMD_STATUS_RESULT_OF(st));
    }
    if (std::getenv("NC_DEBUG")) std::fprintf(stderr, "command still busy at cycle %llu\n", (unsigned long long)sy.now());
    return -1;
}

// One side of a channel: its rings, buffers and the host's indices.
struct HostChan {
    int nic = 0; uint16_t id = 0, peer = 0;
    Ring tx, rx, cpl;
    uint16_t tx_prod = 0, tx_done = 0, rx_prod = 0, rx_used = 0, cpl_cons = 0;
    uint32_t psn0 = 0;                       // the initial transmit PSN
    uint32_t tx_posted = 0, tx_completed = 0;  // descriptors posted / completed since open (do not wrap at 2^16)
    std::vector<uint8_t*> txbuf, rxbuf;
    uint32_t buf_size = 9024;
};

inline int open_chan(HostBus& sy, HostChan& c, int nic, uint16_t id, uint16_t peer, uint32_t init_psn, uint32_t peer_psn,
              uint32_t credit, uint32_t txlog = 8, uint32_t rxlog = 8, int cls = 0, uint32_t buf = 9024,
              bool alloc = true) {
    c.nic = nic; c.id = id; c.peer = peer; c.buf_size = buf;
    uint32_t cpllog = std::max(txlog, rxlog) + 1;
    if (alloc) {
        c.tx = {sy.alloc(32u << txlog), txlog, 32};
        c.rx = {sy.alloc(16u << rxlog), rxlog, 16};
        c.cpl = {sy.alloc(32u << cpllog), cpllog, 32};
        for (uint32_t k = 0; k < (1u << txlog); k++) c.txbuf.push_back(sy.alloc(buf, 64));
        for (uint32_t k = 0; k < (1u << rxlog); k++) c.rxbuf.push_back(sy.alloc(buf, 64));
    }
    std::memset(c.cpl.base, 0, size_t(32) << cpllog);
    c.tx_prod = c.tx_done = c.rx_prod = c.rx_used = c.cpl_cons = 0;
    c.psn0 = init_psn;
    c.tx_posted = c.tx_completed = 0;
    int o = 1 - nic;
    sy.wr(nic, NC_REG_CH_PEER_MAC_LO, uint32_t(kMac[o])); sy.wr(nic, NC_REG_CH_PEER_MAC_HI, uint32_t(kMac[o] >> 32));
    sy.wr(nic, NC_REG_CH_PEER_IP, kIp[o]);
    sy.wr(nic, NC_REG_CH_UDP_SRC, 49152u + id);
    sy.wr(nic, NC_REG_CH_PEER_CHAN, nc_reg_ch_peer_chan(peer, cls, 0));
    uint64_t t = sy.bus(c.tx.base), r = sy.bus(c.rx.base), q = sy.bus(c.cpl.base);
    sy.wr(nic, NC_REG_CH_TX_RING_LO, uint32_t(t)); sy.wr(nic, NC_REG_CH_TX_RING_HI, uint32_t(t >> 32));
    sy.wr(nic, NC_REG_CH_RX_RING_LO, uint32_t(r)); sy.wr(nic, NC_REG_CH_RX_RING_HI, uint32_t(r >> 32));
    sy.wr(nic, NC_REG_CH_CPL_RING_LO, uint32_t(q)); sy.wr(nic, NC_REG_CH_CPL_RING_HI, uint32_t(q >> 32));
    sy.wr(nic, NC_REG_CH_RING_LOG, nc_reg_ch_ring_log(txlog, rxlog, cpllog));
    sy.wr(nic, NC_REG_CH_INIT_PSN, init_psn);
    sy.wr(nic, NC_REG_CH_PEER_PSN, peer_psn);
    sy.wr(nic, NC_REG_CH_TX_CREDIT, credit);
    sy.wr(nic, NC_REG_CH_CMD, nc_reg_ch_cmd(id, NC_CH_CMD_OPEN));
    return wait_cmd(sy, nic);
}

inline int ch_cmd(HostBus& sy, int nic, uint16_t id, uint32_t cmd) {
    sy.wr(nic, NC_REG_CH_CMD, nc_reg_ch_cmd(id, cmd));
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
    Traffic(HostBus& sy, uint64_t seed) : sy_(sy), rng_(seed) {}
    bool verify = true;   // fill and check every payload byte (off: simulator speed measurements)
    bool stamp = false;   // snapshot both NICs' MAC counters at the first and at the last Rx completion
    MacStamps first_st[2], last_st[2];

    void add_flow(HostChan* tx, HostChan* rx, uint32_t n, std::function<uint32_t(Rng&)> size) {
        Flow f; f.tx = tx; f.rx = rx; f.total = n;
        for (uint32_t k = 0; k < n; k++) f.len_of.push_back(size(rng_));
        f.seen.assign(n, 0);
        flows_.push_back(f);
    }

    // Runs until every message is received and completed (or the cycle budget runs out).
    TrafficResult run(uint64_t max_cycles, uint32_t poll_every = 4) {
        TrafficResult res;
        uint64_t start = sy_.now();
        for (auto& f : flows_) post_rx(*f.rx);
        while (sy_.now() - start < max_cycles) {
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
        res.cycles = sy_.now() - start;
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
    uint64_t expected_total() const { uint64_t n = 0; for (auto& f : flows_) n += f.total; return n; }
    uint64_t rx_total_ = 0;

    void post_tx(Flow& f) {
        HostChan& c = *f.tx;
        uint16_t n = 0;
        while (f.posted < f.total && uint16_t(c.tx_prod - c.tx_done) < c.tx.size()) {
            uint32_t id = f.posted++;
            uint32_t len = f.len_of[id];
            uint8_t* buf = c.txbuf[c.tx_prod & (c.tx.size() - 1)];
            if (verify) for (uint32_t i = 0; i < len; i++) buf[i] = pattern(c.id, id, i);
            write_tx_desc(c.tx.at(c.tx_prod), sy_.bus(buf), len, uint16_t(id), uint16_t(c.id), uint16_t(c.peer),
                          id, len, NC_NC_TYPE_DATA);
            c.tx_prod++; c.tx_posted++; n++;
        }
        if (n) sy_.wr(c.nic, NC_REG_DB_TX, nc_reg_db_tx(c.id, c.tx_prod));
    }

    void post_rx(HostChan& c) {
        uint16_t n = 0;
        while (uint16_t(c.rx_prod - c.rx_used) < c.rx.size()) {
            uint32_t slot = c.rx_prod & (c.rx.size() - 1);
            write_rx_desc(c.rx.at(c.rx_prod), sy_.bus(c.rxbuf[slot]), c.buf_size, uint16_t(c.rx_prod));
            c.rx_prod++; n++;
        }
        if (n) sy_.wr(c.nic, NC_REG_DB_RX, nc_reg_db_rx(c.id, c.rx_prod));
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
                c.tx_completed++;
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
                for (uint32_t i = 0; verify && i < k.len; i++) {
                    if (buf[i] != pattern(f->tx->id, id, i)) {
                        err("message " + s(id) + " on channel " + s(c.id) + ": byte " + s(i) + " differs");
                        break;
                    }
                }
                if (k.src_port != f->tx->id || k.dst_port != f->tx->peer || k.msg_type != NC_NC_TYPE_DATA)
                    err("message " + s(id) + ": NetChannel header fields differ");
                if (f->received == 0) f->first_rx_cycle = sy_.now();
                f->last_rx_cycle = sy_.now();
                f->received++;
                f->bytes += k.len;
                rx_total_++;
                if (stamp && rx_total_ == 1) for (int i = 0; i < 2; i++) first_st[i] = sy_.stamps(i);
                if (stamp && rx_total_ == expected_total()) for (int i = 0; i < 2; i++) last_st[i] = sy_.stamps(i);
            } else {
                err("unexpected completion kind " + s(k.kind));
            }
        }
        if (n) sy_.wr(c.nic, NC_REG_DB_CPL, nc_reg_db_cpl(c.id, 0, c.cpl_cons));
    }

    HostBus& sy_;
    Rng rng_;
    std::string error_;
};

// ------------------------------------------------------------------------------------------------
// Scenarios
// ------------------------------------------------------------------------------------------------
struct Pair { HostChan a, b; };   // a on NIC 0, b on NIC 1

// Opens `n` channel pairs (NIC 0 channel 3 + 7k <-> NIC 1 channel 11 + 5k), every Rx ring posted.
inline bool open_pairs(HostBus& sy, std::vector<std::unique_ptr<Pair>>& pairs, int n, std::string& err, uint32_t txlog = 8,
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

}  // namespace nchost
