// The receive path under fuzzing: frames injected into NIC 1's MAC receive side (ncsim_inject_frame) while
// normal traffic flows both ways on four channel pairs over a lossy, reordering link, two simulated nc_nic
// behind libncsim in step mode (the host model of tests/common/nc_host_model.h).
//
// Injected: random bytes; valid frames with random bit flips; truncated and oversized frames; frames whose
// checksums and ICRC are right but whose fields are hostile (ACKs for PSNs never sent or SACK bits beyond
// them, credit no receiver can have granted, PSNs far outside the window, duplicates, VOID and ACK frames with
// content, frames for closed or unknown channels, from the wrong peer or channel, bad headers, management
// frames); frames the MAC flags bad; and replays of frames NIC 0 really sent (read back from the capture).
// Not injected: a DATA frame from the right peer with a new PSN inside the window, or an acknowledgement of
// PSNs in flight — a forged frame that is indistinguishable from the peer's own; no NIC can tell those without
// authentication, and they would be "legitimately accepted".
//
// Afterwards: every message of the normal traffic arrived exactly once, byte for byte; NIC 1 accounted for
// every frame its MAC took — each one is in a drop reason or was taken (the identity below); the NICs wrote
// nothing outside the memory the host gave them (guard bands after every ring and buffer, the unallocated rest
// of the arena, DMA faults 0); no assertion fired (an $error stops the simulation); a new transfer on every
// channel succeeds.
//
// Before the campaign, targeted cases: the forged-credit frame of issue 9 (one ACK with credit + 0x7FFFFFFF
// wedged a channel for good), forged acknowledgements, and switch-internal corruption behind a good FCS.
//
//   fuzz_nic LIB.so [--frames N] [--seed S] [--only cases|fuzz] [--json FILE]
//
// Prints one PASS/FAIL line per case and "N passed, N failed" last.

#include <algorithm>
#include <chrono>
#include <cinttypes>
#include <cstdio>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <unistd.h>

#include "nc_frame.h"
#include "ncsim_bus.h"

using namespace nchost;
using ncbus::api;
using ncframe::Bytes;

namespace {

int g_pass = 0, g_fail = 0;
void report(bool ok, const std::string& name, const std::string& detail) {
    std::printf("%s %s: %s\n", ok ? "PASS" : "FAIL", name.c_str(), detail.c_str());
    std::fflush(stdout);
    (ok ? g_pass : g_fail)++;
}

// ---- a libncsim system whose run() lets a hook inject frames between steps --------------------------------
class FuzzBus : public ncbus::NcsimBus {
public:
    using NcsimBus::NcsimBus;
    std::function<void()> hook;
    void run(uint64_t n) override {
        if (hook) hook();
        NcsimBus::run(n);
    }
};

ncsim_config base_config(uint64_t seed, const std::string& pcap) {
    ncsim_config c;
    api.ncsim_config_init(&c);
    c.dma_latency_cycles = 64;
    c.link_latency_cycles = 100;
    c.link_rate = 50;
    c.loss = 0.01;
    c.reorder = 0.02;
    c.seed = seed;
    c.pcap_path = pcap.empty() ? nullptr : pcap.c_str();
    return c;
}

// ---- the management queue pair of NIC 1: frames for it are taken and the buffers given back ---------------
struct Mgmt {
    Ring tx, rx, cpl;
    std::vector<uint8_t*> buf;
    uint16_t rx_prod = 0, rx_used = 0, cpl_cons = 0;
    uint64_t delivered = 0;
    int nic = 1;

    void init(HostBus& sy, int n) {
        nic = n;
        const uint32_t log = 6;
        tx = {sy.alloc(32u << log), log, 32};
        rx = {sy.alloc(16u << log), log, 16};
        cpl = {sy.alloc(32u << (log + 1)), log + 1, 32};
        for (uint32_t k = 0; k < (1u << log); k++) buf.push_back(sy.alloc(128 + 9216, 64));
        const uint64_t t = sy.bus(tx.base), r = sy.bus(rx.base), q = sy.bus(cpl.base);
        sy.wr(nic, NC_REG_MGMT_TX_RING_LO, uint32_t(t)); sy.wr(nic, NC_REG_MGMT_TX_RING_HI, uint32_t(t >> 32));
        sy.wr(nic, NC_REG_MGMT_RX_RING_LO, uint32_t(r)); sy.wr(nic, NC_REG_MGMT_RX_RING_HI, uint32_t(r >> 32));
        sy.wr(nic, NC_REG_MGMT_CPL_RING_LO, uint32_t(q)); sy.wr(nic, NC_REG_MGMT_CPL_RING_HI, uint32_t(q >> 32));
        sy.wr(nic, NC_REG_MGMT_RING_LOG, nc_reg_mgmt_ring_log(log, log, log + 1));
        sy.wr(nic, NC_REG_MGMT_CTRL, 1u);
        post(sy);
    }
    void post(HostBus& sy) {
        uint16_t n = 0;
        while (uint16_t(rx_prod - rx_used) < uint16_t(rx.size())) {
            write_rx_desc(rx.at(rx_prod), sy.bus(buf[rx_prod & (rx.size() - 1)]), 128 + 9216, rx_prod);
            rx_prod++; n++;
        }
        if (n) sy.wr(nic, NC_REG_MGMT_DB_RX, rx_prod);
    }
    // takes every management completion (and gives the buffers back); false on one that is not a received frame
    bool poll(HostBus& sy, std::string& err) {
        Cpl k;
        uint16_t n = 0;
        while (poll_cpl(cpl, cpl_cons, k)) {
            n++;
            if (k.kind != NC_CPL_KIND_MGMT_RX || k.status != NC_CPL_STATUS_OK) {
                err = "management completion kind " + s(k.kind) + " status " + s(k.status);
                return false;
            }
            delivered++;
            rx_used++;
        }
        if (n) {
            sy.wr(nic, NC_REG_MGMT_DB_CPL, cpl_cons);
            post(sy);
        }
        return true;
    }
};

// ---- the pcap NIC 0 -> NIC 1 frames come back from (replays of what NIC 0 really sent) --------------------
struct CaptureReader {
    std::FILE* f = nullptr;
    long off = 24;
    std::vector<std::pair<uint64_t, Bytes>> frames;   // (cycle, bytes) sent by NIC 0
    uint64_t src_mac = kMac[0];
    ~CaptureReader() { if (f) std::fclose(f); }
    void open(const std::string& path) { f = std::fopen(path.c_str(), "rb"); }
    void poll() {
        if (!f) return;
        for (;;) {
            uint8_t h[16];
            std::fseek(f, off, SEEK_SET);
            if (std::fread(h, 1, 16, f) != 16) break;
            const uint32_t sec = get32(h), nsec = get32(h + 4), incl = get32(h + 8);
            Bytes b(incl);
            if (incl && std::fread(b.data(), 1, incl, f) != incl) break;
            off += 16 + long(incl);
            if (b.size() >= 14 && ncframe::get_be(b.data() + 6, 6) == src_mac && frames.size() < 4096)
                frames.push_back({(uint64_t(sec) * 1000000000ull + nsec) / 4, std::move(b)});
        }
    }
};

// ---- the hostile frame generator ------------------------------------------------------------------------
struct Gen {
    Rng r;
    std::vector<std::unique_ptr<Pair>>* pairs = nullptr;
    CaptureReader* cap = nullptr;
    std::map<std::string, uint64_t> count;
    uint32_t channels = 1024;

    explicit Gen(uint64_t seed) : r(seed) {}

    ncframe::Fields from_peer(const Pair& p) {   // a frame from NIC 0's channel a to NIC 1's channel b
        ncframe::Fields h;
        h.dst_mac = kMac[1]; h.src_mac = kMac[0]; h.src_ip = kIp[0]; h.dst_ip = kIp[1];
        h.udp_src = uint16_t(49152 + p.a.id);
        h.dst_chan = p.b.id; h.src_chan = p.a.id;
        h.ip_id = uint16_t(r.u64());
        return h;
    }
    Bytes rand_payload(size_t n) {
        Bytes b(n);
        for (auto& x : b) x = uint8_t(r.u64());
        return b;
    }
    size_t small_len() {   // mostly short, sometimes up to a jumbo payload
        const uint32_t k = r.below(10);
        return k < 6 ? r.below(64) : k < 9 ? r.below(1500) : r.below(9001);
    }
    Bytes data_frame(const Pair& p, uint32_t psn, size_t len) {
        ncframe::Fields h = from_peer(p);
        h.opcode = NC_CTH_OPCODE_DATA; h.psn = psn;
        h.msg_type = NC_NC_TYPE_DATA; h.nc_src = p.a.id; h.nc_dst = p.b.id; h.seq = r.u64(); h.grant = uint32_t(len);
        Bytes pay = rand_payload(len);
        return ncframe::build(h, pay.data(), pay.size());
    }
    Bytes ack_frame(const Pair& p, uint8_t flags, uint32_t ack, uint64_t sack, uint32_t credit) {
        ncframe::Fields h = from_peer(p);
        h.opcode = NC_CTH_OPCODE_ACK; h.flags = flags; h.ack_psn = ack; h.sack = sack; h.credit = credit;
        return ncframe::build(h, nullptr, 0);
    }
    // what a frame's class is called in the report
    Bytes tally(const char* cls, Bytes f) { count[cls]++; return f; }

    // One frame, and whether the MAC flags it bad.
    Bytes next(bool& bad_fcs) {
        bad_fcs = false;
        Pair& p = *(*pairs)[r.below(pairs->size())];
        const uint32_t a0 = p.a.psn0, b0 = p.b.psn0;   // initial PSNs: NIC 0's channel a sends to b, b to a
        const uint32_t x = r.below(1000);
        if (x < 120) {   // random bytes
            const size_t n = r.chance(0.1) ? 1 + r.below(9200) : 1 + r.below(300);
            return tally("random_bytes", rand_payload(n));
        }
        if (x < 300) {   // a valid frame, then 1..8 random bits flipped (the IP checksum or the ICRC catches it)
            Bytes f = r.chance(0.5) ? data_frame(p, a0 + p.a.tx_posted + 100 + r.below(1000), small_len())
                                    : ack_frame(p, NC_CTH_FLAG_ACK_VALID, b0 - 1000 - r.below(1000), 0, b0);
            const int k = 1 + int(r.below(8));
            for (int i = 0; i < k; i++) { const size_t bit = r.below(f.size() * 8); f[bit / 8] ^= uint8_t(1u << (bit % 8)); }
            return tally("bit_flips", f);
        }
        if (x < 380) {   // truncated or oversized
            Bytes f = data_frame(p, a0 - 70000 - r.below(1000), small_len() + 100);
            if (r.chance(0.5)) f.resize(1 + r.below(f.size() - 1));
            else { Bytes extra = rand_payload(1 + r.below(800)); f.insert(f.end() - NC_ICRC_BYTES, extra.begin(), extra.end());
                   if (r.chance(0.5)) ncframe::fix_lengths(f); }
            return tally("truncated_or_oversized", f);
        }
        if (x < 430) {   // flagged bad by the MAC
            bad_fcs = true;
            return tally("mac_flagged", data_frame(p, a0 + r.below(100000), small_len()));
        }
        if (x < 500) {   // replay of a frame NIC 0 really sent, at least 20000 cycles old
            if (cap && !cap->frames.empty()) {
                const auto& fr = cap->frames[r.below(cap->frames.size())];
                return tally("replay", fr.second);
            }
            return tally("random_bytes", rand_payload(1 + r.below(200)));
        }
        // correct checksums and ICRC, hostile fields
        const uint32_t y = r.below(15);
        switch (y) {
        case 0:   // DATA far ahead of anything sent
            return tally("data_ahead_of_window", data_frame(p, a0 + p.a.tx_posted + 65 + r.below(1u << 30), small_len()));
        case 1:   // DATA further back than any duplicate can be
            return tally("data_far_behind", data_frame(p, a0 + p.a.tx_completed - 65537 - r.below(1u << 30), small_len()));
        case 2: { // DATA the receiver has for sure (acknowledged to the sender): a duplicate
            if (p.a.tx_completed == 0) return tally("data_ahead_of_window", data_frame(p, a0 + p.a.tx_posted + 65, 10));
            return tally("duplicate", data_frame(p, a0 + p.a.tx_completed - 1 - r.below(std::min<uint32_t>(p.a.tx_completed, 60)), small_len()));
        }
        case 3: { // a VOID or an ACK with NetChannel content (the parser: BAD_CTH)
            ncframe::Fields h = from_peer(p);
            h.opcode = r.chance(0.5) ? NC_CTH_OPCODE_ACK : NC_CTH_OPCODE_DATA;
            h.flags = h.opcode == NC_CTH_OPCODE_DATA ? NC_CTH_FLAG_VOID : NC_CTH_FLAG_ACK_VALID;
            h.psn = a0 + p.a.tx_posted + 65; h.msg_type = uint8_t(r.below(7));
            Bytes pay = rand_payload(h.msg_type == 0 ? 1 + r.below(100) : r.below(100));
            return tally("content_in_ack_or_void", ncframe::build(h, pay.data(), pay.size()));
        }
        case 4:   // an acknowledgement of PSNs never sent
            return tally("ack_beyond_nxt", ack_frame(p, NC_CTH_FLAG_ACK_VALID | (r.chance(0.3) ? NC_CTH_FLAG_ACK_REQ : 0),
                                                     b0 + p.b.tx_posted + 1 + r.below(1u << 30), r.u64(), 0));
        case 5:   // credit no receiver can have granted (issue 9's forged frame is one of these)
            return tally("credit_beyond_ring", ack_frame(p, NC_CTH_FLAG_CREDIT_VALID, 0, 0,
                                                         b0 + p.b.tx_posted + 32769 + r.below(0x7FFF0000u)));
        case 6:   // a stale acknowledgement (before anything unacknowledged) with any SACK bits and an old credit
            return tally("stale_ack", ack_frame(p, NC_CTH_FLAG_ACK_VALID | NC_CTH_FLAG_CREDIT_VALID | (r.chance(0.3) ? NC_CTH_FLAG_ACK_REQ : 0),
                                                b0 + p.b.tx_completed - 1 - r.below(1000), r.u64(), b0));
        case 7: { // for a channel that is not open (or not there)
            ncframe::Fields h = from_peer(p);
            do h.dst_chan = uint16_t(r.below(r.chance(0.8) ? channels : 65536)); while (is_open_b(h.dst_chan));
            h.opcode = uint8_t(1 + r.below(2)); h.psn = r.u64(); h.flags = h.opcode == 2 ? NC_CTH_FLAG_ACK_VALID : 0;
            h.msg_type = h.opcode == 1 ? NC_NC_TYPE_DATA : 0;
            Bytes pay = rand_payload(h.opcode == 1 ? small_len() : 0);
            return tally("unknown_channel", ncframe::build(h, pay.data(), pay.size()));
        }
        case 8: { // from the wrong peer: another IPv4 source, or another source channel
            ncframe::Fields h = from_peer(p);
            if (r.chance(0.5)) h.src_ip = kIp[0] ^ (1 + r.below(0xFFFF)); else h.src_chan = uint16_t(p.a.id + 1 + r.below(100));
            h.opcode = uint8_t(1 + r.below(2)); h.psn = a0 + p.a.tx_completed; h.flags = h.opcode == 2 ? NC_CTH_FLAG_ACK_VALID | NC_CTH_FLAG_CREDIT_VALID : 0;
            h.ack_psn = b0 + p.b.tx_posted; h.credit = b0 + p.b.tx_posted + 100;
            h.msg_type = h.opcode == 1 ? NC_NC_TYPE_DATA : 0;
            Bytes pay = rand_payload(h.opcode == 1 ? small_len() : 0);
            return tally("wrong_peer", ncframe::build(h, pay.data(), pay.size()));
        }
        case 9: { // a bad header with every checksum right: version, opcode, reserved byte, type, addresses, ports
            Bytes f = data_frame(p, a0 + p.a.tx_posted + 100, small_len());
            const int which = int(r.below(8));
            uint8_t* e = f.data();
            if (which == 0) e[NC_OFF_CTH + NC_CTH_VERSION_OFF] ^= uint8_t(1 + r.below(255));
            else if (which == 1) e[NC_OFF_CTH + NC_CTH_OPCODE_OFF] = uint8_t(r.chance(0.5) ? 0 : 4 + r.below(252));
            else if (which == 2) e[NC_OFF_CTH + NC_CTH_RSVD_OFF] = uint8_t(1 + r.below(255));
            else if (which == 3) e[NC_OFF_NC + NC_NC_MSG_TYPE_OFF] = uint8_t(7 + r.below(249));
            else if (which == 4) e[NC_OFF_NC + NC_NC_DOFF_VER_OFF] ^= uint8_t(1 + r.below(255));
            else if (which == 5) ncframe::put_be(e + NC_OFF_IPV4 + NC_IPV4_DST_OFF, 4, kIp[1] ^ (1 + r.below(1000)));
            else if (which == 6) ncframe::put_be(e + NC_OFF_UDP + NC_UDP_DST_PORT_OFF, 2, NC_UDP_PORT ^ (1 + r.below(1000)));
            else ncframe::put_be(e + NC_OFF_ETH + NC_ETH_DST_OFF, 6, kMac[1] ^ (1 + r.below(1000)));
            ncframe::fix_ip_checksum(f);
            ncframe::seal_icrc(f);
            return tally("bad_header_checksums_right", f);
        }
        case 10: { // a management frame (the host's management queue takes it)
            ncframe::Fields h = from_peer(p);
            h.opcode = NC_CTH_OPCODE_MGMT; h.dst_chan = uint16_t(r.u64()); h.src_chan = uint16_t(r.u64());
            Bytes pay = rand_payload(r.below(200));
            return tally("management", ncframe::build(h, pay.data(), pay.size()));
        }
        case 11:  // ACK_VALID with the cumulative ack exactly at the ring start long ago, SACK bits past nxt
            return tally("sack_beyond_nxt", ack_frame(p, NC_CTH_FLAG_ACK_VALID, b0 + p.b.tx_posted, ~0ull, 0));
        case 12:  // a DATA frame's ICRC alone wrong (the corruption an Ethernet FCS does not see)
        {
            Bytes f = data_frame(p, a0 + p.a.tx_completed - 1, small_len());
            f[NC_OFF_CTH + NC_CTH_PSN_OFF + 3] ^= 1;   // one PSN bit, FCS and IPv4 checksum good
            return tally("icrc_only", f);
        }
        case 13: { // a duplicate VOID (already received PSN)
            ncframe::Fields h = from_peer(p);
            h.flags = NC_CTH_FLAG_VOID; h.psn = a0 + p.a.tx_completed - 1;
            if (p.a.tx_completed == 0) h.psn = a0 + p.a.tx_posted + 70;
            return tally("void_outside_window", ncframe::build(h, nullptr, 0));
        }
        default: { // ACK with ACK_REQ and nothing else: the NIC answers (a probe from someone who is not the peer's NIC)
            ncframe::Fields h = from_peer(p);
            h.opcode = NC_CTH_OPCODE_ACK; h.flags = NC_CTH_FLAG_ACK_REQ;
            return tally("bare_ack_req", ncframe::build(h, nullptr, 0));
        }
        }
    }
    bool is_open_b(uint16_t id) const {
        for (auto& p : *pairs) if (p->b.id == id) return true;
        return false;
    }
};

constexpr int kReasons = NC_DROP_REASON_BAD_ICRC + 1;   // drop reasons 0..18
const char* kReason[kReasons] = {"NONE", "BAD_FCS", "TOO_SHORT", "TOO_LONG", "BAD_DST_MAC", "BAD_ETHERTYPE", "BAD_IP_VERSION",
                         "BAD_IP_LENGTH", "BAD_IP_CHECKSUM", "IP_FRAGMENT", "BAD_IP_PROTOCOL", "BAD_DST_IP", "BAD_UDP_PORT",
                         "BAD_UDP_LENGTH", "BAD_CTH", "BAD_NC_VERSION", "BAD_NC_TYPE", "BAD_PAYLOAD_LENGTH", "BAD_ICRC"};

// ---- NIC 1's accounting: every frame its MAC took is in exactly one place ---------------------------------
struct Accounts {
    uint64_t mac_in = 0, link_delivered = 0, injected = 0, rx_frames = 0, drops_total = 0;
    uint64_t drops[kReasons] = {0};
    uint64_t no_channel = 0, ack_rx = 0, bad_ack = 0, bad_credit = 0, dup = 0, oow = 0, no_buf = 0, placed = 0, mgmt_rx = 0;
    uint64_t dma_wr_faults = 0, dma_rd_faults = 0;
    uint64_t taken() const { return no_channel + ack_rx + bad_ack + bad_credit + dup + oow + no_buf + placed + mgmt_rx; }
};

Accounts account(FuzzBus& sy, std::vector<std::unique_ptr<Pair>>& pairs) {
    Accounts a;
    const ncsim_link_stats ls = sy.link_stats();
    a.link_delivered = ls.dir[0].frames_delivered;
    a.injected = ls.injected[0];
    const ncsim_nic_stats ns = sy.nic_stats(1);
    a.mac_in = ns.mac_rx_frames;
    a.dma_wr_faults = ns.dma_wr_faults;
    a.dma_rd_faults = ns.dma_rd_faults;
    for (int i = 1; i < kReasons; i++) {
        a.drops[i] = sy.rd(1, NC_REG_CNT_DROP_BASE + 4u * uint32_t(i));
        a.drops_total += a.drops[i];
    }
    a.rx_frames = sy.cnt(1, NC_REG_CNT_RX_FRAMES_LO);
    a.no_channel = sy.cnt(1, NC_REG_CNT_NO_CHANNEL_LO);
    a.ack_rx = sy.cnt(1, NC_REG_CNT_ACK_RX_LO);
    a.bad_ack = sy.cnt(1, NC_REG_CNT_BAD_ACK_LO);
    a.bad_credit = sy.cnt(1, NC_REG_CNT_BAD_CREDIT_LO);
    a.dup = sy.cnt(1, NC_REG_CNT_DUP_LO);
    a.oow = sy.cnt(1, NC_REG_CNT_OUT_OF_WINDOW_LO);
    a.no_buf = sy.cnt(1, NC_REG_CNT_RX_NO_BUF_LO);
    a.mgmt_rx = sy.cnt(1, NC_REG_CNT_MGMT_RX_LO);
    for (auto& p : pairs) {
        ch_cmd(sy, 1, p->b.id, 3);
        a.placed += sy.rd(1, NC_REG_CH_RB_RX_PKTS);
    }
    return a;
}



// Traffic both ways on every pair: n messages per flow a -> b, n / 2 per flow b -> a, 1..9000 bytes.
TrafficResult traffic_round(HostBus& sy, std::vector<std::unique_ptr<Pair>>& pairs, uint32_t n, uint64_t seed) {
    Traffic t(sy, seed);
    for (auto& p : pairs) {
        t.add_flow(&p->a, &p->b, n, uniform_size(1, 9000));
        t.add_flow(&p->b, &p->a, std::max<uint32_t>(1, n / 2), uniform_size(1, 9000));
    }
    return t.run(400000000, 16);
}

// ---- the campaign ---------------------------------------------------------------------------------------
struct Summary { uint64_t frames = 0, cycles = 0, messages = 0; double seconds = 0; Accounts acc; std::map<std::string, uint64_t> classes; };

bool fuzz(uint64_t frames, uint64_t seed, Summary& sum) {
    const auto t0 = std::chrono::steady_clock::now();
    char tmpl[] = "/tmp/fuzz_nic_XXXXXX";
    const int fd = mkstemp(tmpl);
    if (fd >= 0) close(fd);
    const std::string pcap = std::string(tmpl) + ".pcap";
    std::string err;
    {
        FuzzBus sy("fuzz_nic", base_config(seed, pcap), true);
        init_nic(sy, 0, 8000); init_nic(sy, 1, 8000);
        Mgmt mg;
        mg.init(sy, 1);
        std::vector<std::unique_ptr<Pair>> pairs;
        if (!open_pairs(sy, pairs, 4, err)) { report(false, "fuzz_rx_path", err); return false; }
        Gen g(seed * 7919 + 1);
        g.pairs = &pairs;
        g.channels = sy.rd(1, NC_REG_CAP_CHANNELS);
        CaptureReader cap;
        cap.open(pcap);
        g.cap = &cap;

        uint64_t injected = 0, last_check = 0, next_at = 0;
        bool paused = false;
        sy.hook = [&] {
            const uint64_t now = sy.now();
            if (!mg.poll(sy, err)) return;
            if (now - last_check >= 512) {   // keep the MAC's FIFO short: no copy may overflow it (it is not the NIC's drop)
                last_check = now;
                const ncsim_link_stats ls = sy.link_stats();
                paused = ls.dir[0].in_flight > 48;
                if (ls.dir[0].rx_overflow) err = "the receiving MAC's FIFO overflowed";
                if ((now >> 14) != ((now - 512) >> 14)) cap.poll();
            }
            if (paused || injected >= frames || now < next_at) return;
            bool bad = false;
            Bytes f = g.next(bad);
            sy.inject(1, f, bad);
            injected++;
            next_at = now + 2 + (f.size() + 63) / 64;
        };
        uint64_t msgs = 0;
        int round = 0;
        while (injected < frames && err.empty()) {
            TrafficResult r = traffic_round(sy, pairs, 400, seed + uint64_t(round++));
            msgs += r.msgs;
            if (!r.ok) { err = "normal traffic (round " + s(uint64_t(round)) + "): " + r.error; break; }
        }
        sy.hook = nullptr;
        if (err.empty()) {   // a new transfer on every channel, nothing injected
            TrafficResult r = traffic_round(sy, pairs, 200, seed + 999);
            msgs += r.msgs;
            if (!r.ok) err = "the transfer after the fuzzing: " + r.error;
        }
        if (err.empty() && !mg.poll(sy, err)) {}
        sy.run(20000);   // let every frame settle
        sum.acc = account(sy, pairs);
        sum.frames = injected;
        sum.cycles = sy.now();
        sum.messages = msgs;
        sum.classes = g.count;
        const Accounts& a = sum.acc;
        if (err.empty() && a.injected != injected) err = "libncsim counted " + s(a.injected) + " injected frames, the harness " + s(injected);
        if (err.empty() && a.mac_in != a.link_delivered) err = "NIC 1's MAC took " + s(a.mac_in) + " frames, the link delivered " + s(a.link_delivered);
        if (err.empty() && a.drops_total + a.rx_frames != a.mac_in)
            err = "parser: " + s(a.drops_total) + " dropped + " + s(a.rx_frames) + " accepted != " + s(a.mac_in) + " frames in";
        if (err.empty() && a.taken() != a.rx_frames)
            err = "after the parser: " + s(a.taken()) + " frames accounted for (no channel " + s(a.no_channel) + ", ACK " + s(a.ack_rx) +
                  ", bad ACK " + s(a.bad_ack) + ", bad credit " + s(a.bad_credit) + ", duplicate " + s(a.dup) + ", out of window " +
                  s(a.oow) + ", no buffer " + s(a.no_buf) + ", placed " + s(a.placed) + ", management " + s(a.mgmt_rx) + ") != " +
                  s(a.rx_frames) + " accepted";
        if (err.empty() && (a.dma_wr_faults || a.dma_rd_faults)) err = "DMA faults: " + s(a.dma_wr_faults) + " writes, " + s(a.dma_rd_faults) + " reads";
        if (err.empty()) err = sy.check_guards();
        if (err.empty() && !sy.last_error().empty()) err = "the simulation recorded an error: " + sy.last_error();
        if (err.empty() && mg.delivered != a.mgmt_rx) err = "management frames: host took " + s(mg.delivered) + ", NIC counted " + s(a.mgmt_rx);
    }
    std::remove(pcap.c_str());
    std::remove(tmpl);
    sum.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    std::string d;
    if (err.empty()) {
        const Accounts& a = sum.acc;
        d = s(sum.frames) + " frames injected into NIC 1 (seed " + s(seed) + ") beside " + s(sum.messages) +
            " messages, every one exactly once and intact; " + s(a.mac_in) + " frames into NIC 1's MAC, each accounted for: " +
            s(a.drops_total) + " dropped by the parser, " + s(a.rx_frames) + " past it = " + s(a.taken()) +
            " (no channel, ACK, bad ACK, bad credit, duplicate, out of window, no buffer, placed, management); guards intact (" +
            "no DMA write outside what the host gave), no assertion; " + s(sum.cycles) + " cycles, " + f2(sum.seconds) + " s";
    }
    report(err.empty(), "fuzz_rx_path", err.empty() ? d : err);
    if (err.empty()) {
        std::printf("  injected by class:");
        for (auto& kv : sum.classes) std::printf(" %s %" PRIu64 ";", kv.first.c_str(), kv.second);
        std::printf("\n  NIC 1 drops by reason:");
        for (int i = 1; i < kReasons; i++)
            if (sum.acc.drops[i]) std::printf(" %s %" PRIu64 ";", kReason[i], sum.acc.drops[i]);
        const Accounts& a = sum.acc;
        std::printf("\n  past the parser: no channel %" PRIu64 ", ACK applied %" PRIu64 ", bad ACK %" PRIu64 ", bad credit %" PRIu64
                    ", duplicate %" PRIu64 ", out of window %" PRIu64 ", no buffer %" PRIu64 ", placed %" PRIu64 ", management %" PRIu64 "\n",
                    a.no_channel, a.ack_rx, a.bad_ack, a.bad_credit, a.dup, a.oow, a.no_buf, a.placed, a.mgmt_rx);
    }
    return err.empty();
}

// ---- targeted cases ---------------------------------------------------------------------------------------
// One system, one channel pair, lossless: the frame of issue 9 that wedged a channel, then 200 messages.
void case_forged_credit(uint64_t seed) {
    ncsim_config c = base_config(seed, "");
    c.loss = 0; c.reorder = 0;
    FuzzBus sy("fuzz_nic", c);
    init_nic(sy, 0); init_nic(sy, 1);
    std::vector<std::unique_ptr<Pair>> pairs;
    std::string err;
    if (!open_pairs(sy, pairs, 1, err)) { report(false, "forged_credit_does_not_wedge", err); return; }
    Pair& p = *pairs[0];
    // the credit NIC 1's channel b holds now, then an ACK "from NIC 0" with that + 0x7FFFFFFF
    ch_cmd(sy, 1, p.b.id, 3);
    const uint32_t credit = sy.rd(1, NC_REG_CH_RB_TX_CREDIT);
    Gen g(seed);
    g.pairs = &pairs;
    sy.inject(1, g.ack_frame(p, NC_CTH_FLAG_CREDIT_VALID, 0, 0, credit + 0x7FFFFFFFu));
    sy.run(2000);
    const uint64_t bad = sy.cnt(1, NC_REG_CNT_BAD_CREDIT_LO);
    ch_cmd(sy, 1, p.b.id, 3);
    const uint32_t after = sy.rd(1, NC_REG_CH_RB_TX_CREDIT);
    Traffic t(sy, seed);
    t.add_flow(&p.b, &p.a, 200, uniform_size(1, 4000));
    TrafficResult r = t.run(5000000, 16);
    bool ok = bad == 1 && after == credit && r.ok;
    report(ok, "forged_credit_does_not_wedge",
           ok ? "an ACK with credit + 0x7FFFFFFF from the right peer and channel: dropped (CNT_BAD_CREDIT 1), credit unchanged; then 200 messages sent and completed in " + s(r.cycles) + " cycles"
              : "CNT_BAD_CREDIT " + s(bad) + ", credit " + s(credit) + " -> " + s(after) + ", traffic: " + (r.ok ? "ok" : r.error));
}

// Forged acknowledgements of PSNs never sent, and SACK bits for them, while the channel has data in flight.
void case_forged_acks(uint64_t seed) {
    ncsim_config c = base_config(seed, "");
    c.loss = 0; c.reorder = 0;
    FuzzBus sy("fuzz_nic", c);
    init_nic(sy, 0); init_nic(sy, 1);
    std::vector<std::unique_ptr<Pair>> pairs;
    std::string err;
    if (!open_pairs(sy, pairs, 1, err)) { report(false, "forged_acks_dropped", err); return; }
    Pair& p = *pairs[0];
    Gen g(seed);
    g.pairs = &pairs;
    Traffic t(sy, seed);
    t.add_flow(&p.b, &p.a, 600, uniform_size(1, 9000));
    uint64_t sent = 0, next_at = 0;
    sy.hook = [&] {
        if (sent >= 300 || sy.now() < next_at) return;
        next_at = sy.now() + 97;
        const uint32_t b0 = p.b.psn0;
        if (sent % 2 == 0) sy.inject(1, g.ack_frame(p, NC_CTH_FLAG_ACK_VALID, b0 + p.b.tx_posted + 1 + uint32_t(sent), 0, 0));
        else sy.inject(1, g.ack_frame(p, NC_CTH_FLAG_ACK_VALID, b0 + p.b.tx_posted, ~0ull, 0));
        sent++;
    };
    TrafficResult r = t.run(20000000, 16);
    sy.hook = nullptr;
    sy.run(5000);
    const uint64_t bad = sy.cnt(1, NC_REG_CNT_BAD_ACK_LO), stale = sy.cnt(1, NC_REG_CNT_ACK_RX_LO);
    bool ok = r.ok && sent == 300 && bad >= 150 && bad <= 300;
    report(ok, "forged_acks_dropped",
           ok ? s(sent) + " forged ACKs (cumulative ack beyond nxt; SACK bits past nxt) while 600 messages flowed: " + s(bad) +
                " dropped as CNT_BAD_ACK, " + s(sent - bad) + " found their ack already stale (nothing of it used; " + s(stale) +
                " ACKs applied in all); every message intact, " + s(r.cycles) + " cycles"
              : "sent " + s(sent) + ", CNT_BAD_ACK " + s(bad) + ", traffic: " + (r.ok ? "ok" : r.error));
}

// Switch-internal corruption: bits flipped, FCS good. The ICRC drops every such frame; nothing wrong arrives.
void case_inner_corruption(uint64_t seed) {
    ncsim_config c = base_config(seed, "");
    c.loss = 0; c.reorder = 0;
    c.corrupt_inner = 0.05;
    FuzzBus sy("fuzz_nic", c);
    init_nic(sy, 0, 8000); init_nic(sy, 1, 8000);
    std::vector<std::unique_ptr<Pair>> pairs;
    std::string err;
    if (!open_pairs(sy, pairs, 2, err)) { report(false, "inner_corruption_caught_by_icrc", err); return; }
    TrafficResult r = traffic_round(sy, pairs, 800, seed);
    const ncsim_link_stats ls = sy.link_stats();
    const uint64_t corrupted = ls.corrupted_inner[0] + ls.corrupted_inner[1];
    uint64_t icrc = 0, fcs = 0, other = 0;
    for (int n = 0; n < 2; n++) {
        icrc += sy.rd(n, NC_REG_CNT_DROP_BASE + 4u * NC_DROP_REASON_BAD_ICRC);
        fcs += sy.rd(n, NC_REG_CNT_DROP_BASE + 4u * NC_DROP_REASON_BAD_FCS);
        for (int i = 2; i < kReasons; i++)
            if (i != NC_DROP_REASON_BAD_ICRC) other += sy.rd(n, NC_REG_CNT_DROP_BASE + 4u * uint32_t(i));
    }
    // a flip in the bytes before the transport header can only hit fields other checks cover (or nothing a NIC reads:
    // the source MAC, the UDP source port and checksum), so every corrupted copy is dropped or harmless
    bool ok = r.ok && corrupted > 0 && icrc > 0 && fcs == 0 && icrc + other <= corrupted;
    report(ok, "inner_corruption_caught_by_icrc",
           ok ? s(corrupted) + " frames corrupted behind a good FCS (5%): " + s(icrc) + " dropped as BAD_ICRC, " + s(other) +
                " by other header checks, none as BAD_FCS; " + s(r.msgs) + " messages both ways intact and exactly once"
              : "corrupted " + s(corrupted) + ", BAD_ICRC " + s(icrc) + ", BAD_FCS " + s(fcs) + ", other " + s(other) + ", traffic: " + (r.ok ? "ok" : r.error));
}

}  // namespace

int main(int argc, char** argv) {
    std::string lib, only, json;
    uint64_t frames = 200000, seed = 1;
    for (int i = 1; i < argc; i++) {
        std::string a = argv[i];
        if (a == "--frames" && i + 1 < argc) frames = std::strtoull(argv[++i], nullptr, 0);
        else if (a == "--seed" && i + 1 < argc) seed = std::strtoull(argv[++i], nullptr, 0);
        else if (a == "--only" && i + 1 < argc) only = argv[++i];
        else if (a == "--json" && i + 1 < argc) json = argv[++i];
        else if (a[0] == '-') { std::fprintf(stderr, "fuzz_nic: unknown option %s\n", a.c_str()); return 2; }
        else lib = a;
    }
    if (lib.empty() || !api.load(lib)) {
        std::fprintf(stderr, "usage: fuzz_nic LIB.so [--frames N] [--seed S] [--only cases|fuzz] [--json FILE]  (%s)\n", api.error.c_str());
        return 2;
    }
    if (std::string(api.ncsim_device_name()) != "nc_nic") {
        std::fprintf(stderr, "fuzz_nic: %s simulates %s, not nc_nic\n", lib.c_str(), api.ncsim_device_name());
        return 2;
    }
    const auto t0 = std::chrono::steady_clock::now();
    if (only.empty() || only == "cases") {
        case_forged_credit(seed);
        case_forged_acks(seed);
        case_inner_corruption(seed);
    }
    Summary sum;
    if (only.empty() || only == "fuzz") {
        fuzz(frames, seed, sum);
        if (!json.empty()) {
            if (std::FILE* f = std::fopen(json.c_str(), "w")) {
                std::fprintf(f, "{\"frames\": %" PRIu64 ", \"seed\": %" PRIu64 ", \"cycles\": %" PRIu64 ", \"seconds\": %.1f, \"messages\": %" PRIu64
                                ", \"mac_in\": %" PRIu64 ", \"parser_drops\": {", sum.frames, seed, sum.cycles, sum.seconds, sum.messages, sum.acc.mac_in);
                bool first = true;
                for (int i = 1; i < kReasons; i++)
                    if (sum.acc.drops[i]) { std::fprintf(f, "%s\"%s\": %" PRIu64, first ? "" : ", ", kReason[i], sum.acc.drops[i]); first = false; }
                const Accounts& a = sum.acc;
                std::fprintf(f, "}, \"after_parser\": {\"no_channel\": %" PRIu64 ", \"ack_applied\": %" PRIu64 ", \"bad_ack\": %" PRIu64
                                ", \"bad_credit\": %" PRIu64 ", \"duplicate\": %" PRIu64 ", \"out_of_window\": %" PRIu64 ", \"no_buffer\": %" PRIu64
                                ", \"placed\": %" PRIu64 ", \"management\": %" PRIu64 "}, \"injected\": {",
                             a.no_channel, a.ack_rx, a.bad_ack, a.bad_credit, a.dup, a.oow, a.no_buf, a.placed, a.mgmt_rx);
                first = true;
                for (auto& kv : sum.classes) { std::fprintf(f, "%s\"%s\": %" PRIu64, first ? "" : ", ", kv.first.c_str(), kv.second); first = false; }
                std::fprintf(f, "}}\n");
                std::fclose(f);
            }
        }
    }
    std::printf("fuzz_nic took %.1f s\n", std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
    std::printf("%d passed, %d failed\n", g_pass, g_fail);
    return g_fail ? 1 : 0;
}
