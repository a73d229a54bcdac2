// Shared C++ harness around the Verilated tb_top: reference model, drivers/monitors, pcap I/O.
#pragma once
#include "Vtb_top.h"
#include "verilated.h"

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <memory>
#include <random>
#include <string>
#include <vector>

namespace nc {

using Bytes = std::vector<uint8_t>;

constexpr int HDR = 86;
constexpr int ICRC = 4;           // invariant CRC trailer after the payload
constexpr int ICRC_START = 42;    // first byte it covers (the channel transport header)
constexpr int MAX_PAYLOAD = 9000;
constexpr int MAX_FRAME = 9090;   // headers + payload + ICRC
constexpr uint16_t UDP_PORT = 0x4E43;
constexpr int NREASONS = 19;      // drop reasons 0 (accepted) .. 18 (BAD_ICRC)

// ---- field access (wire order, big endian) ---------------------------------------------------
inline uint32_t get_be(const uint8_t* p, int n) {
    uint32_t v = 0;
    for (int i = 0; i < n; i++) v = (v << 8) | p[i];
    return v;
}
inline void put_be(uint8_t* p, int n, uint64_t v) {
    for (int i = n - 1; i >= 0; i--) { p[i] = uint8_t(v); v >>= 8; }
}

// Offsets (independent of the generated package on purpose).
enum : int {
    O_ETH_DST = 0, O_ETH_SRC = 6, O_ETHERTYPE = 12,
    O_IP = 14, O_IP_VIHL = 14, O_IP_TOS = 15, O_IP_TOTLEN = 16, O_IP_ID = 18, O_IP_FLAGS = 20,
    O_IP_TTL = 22, O_IP_PROTO = 23, O_IP_CSUM = 24, O_IP_SRC = 26, O_IP_DST = 30,
    O_UDP_SRC = 34, O_UDP_DST = 36, O_UDP_LEN = 38, O_UDP_CSUM = 40,
    O_CTH_VER = 42, O_CTH_OP = 43, O_CTH_FLAGS = 44, O_CTH_RSVD = 45,
    O_NC = 70, O_NC_DOFF = 82, O_NC_TYPE = 83, O_NC_LEN = 84,
};

// CRC-32 (IEEE 802.3 / zlib), bit by bit: the ICRC reference (independent of the RTL's matrices).
inline uint32_t crc32_ref(const uint8_t* p, size_t n) {
    uint32_t c = 0xFFFFFFFFu;
    for (size_t i = 0; i < n; i++) {
        c ^= p[i];
        for (int k = 0; k < 8; k++) c = (c & 1) ? 0xEDB88320u ^ (c >> 1) : c >> 1;
    }
    return c ^ 0xFFFFFFFFu;
}

// The ICRC of a frame whose last ICRC bytes are its trailer (frame length >= ICRC_START + ICRC).
inline uint32_t icrc_of(const uint8_t* f, size_t len) { return crc32_ref(f + ICRC_START, len - ICRC - ICRC_START); }
inline uint32_t icrc_trailer(const uint8_t* f, size_t len) {
    const uint8_t* t = f + len - ICRC;
    return uint32_t(t[0]) | uint32_t(t[1]) << 8 | uint32_t(t[2]) << 16 | uint32_t(t[3]) << 24;
}
// Appends (or, with replace, rewrites) the trailer of a frame.
inline void icrc_seal(std::vector<uint8_t>& f, bool replace = false) {
    if (!replace) f.resize(f.size() + ICRC);
    uint32_t c = icrc_of(f.data(), f.size());
    for (int i = 0; i < ICRC; i++) f[f.size() - ICRC + i] = uint8_t(c >> (8 * i));
}

inline uint16_t ip_sum(const uint8_t* ip) {  // ones' complement sum of the 10 header words
    uint32_t s = 0;
    for (int i = 0; i < 20; i += 2) s += uint32_t(ip[i] << 8 | ip[i + 1]);
    while (s >> 16) s = (s & 0xFFFF) + (s >> 16);
    return uint16_t(s);
}

// Reference builder: fill const/computed fields of an 86-byte header (nc.len taken from the header).
inline void ref_fill(uint8_t* h) {
    uint32_t len = get_be(h + O_NC_LEN, 2);
    put_be(h + O_ETHERTYPE, 2, 0x0800);
    h[O_IP_VIHL] = 0x45;
    put_be(h + O_IP_TOTLEN, 2, (20 + 8 + 28 + 16 + len + ICRC) & 0xFFFF);
    put_be(h + O_IP_FLAGS, 2, 0x4000);  // DF, fragment offset 0
    h[O_IP_PROTO] = 17;
    put_be(h + O_IP_CSUM, 2, 0);
    put_be(h + O_UDP_DST, 2, UDP_PORT);
    put_be(h + O_UDP_LEN, 2, (8 + 28 + 16 + len + ICRC) & 0xFFFF);
    put_be(h + O_UDP_CSUM, 2, 0);
    h[O_CTH_VER] = 1;
    h[O_CTH_RSVD] = 0;
    h[O_NC_DOFF] = 0x41;
    put_be(h + O_IP_CSUM, 2, uint16_t(~ip_sum(h + O_IP)));
}

inline Bytes ref_frame(const uint8_t* hdr_in, const Bytes& payload) {
    Bytes f(hdr_in, hdr_in + HDR);
    ref_fill(f.data());
    f.insert(f.end(), payload.begin(), payload.end());
    icrc_seal(f);
    return f;
}

struct Cfg {
    bool filter = false;
    uint64_t mac = 0;   // 48 bits, wire order value
    uint32_t ip = 0;
};

// Reference parser check: lowest failing code.
inline int ref_parse(const Bytes& f, bool bad_fcs, const Cfg& cfg) {
    size_t L = f.size();
    if (bad_fcs) return 1;
    if (L < HDR + ICRC) return 2;
    if (L > MAX_FRAME) return 3;
    const uint8_t* h = f.data();
    uint64_t dst = 0;
    for (int i = 0; i < 6; i++) dst = dst << 8 | h[i];
    if (cfg.filter && dst != cfg.mac && dst != 0xFFFFFFFFFFFFull) return 4;
    if (get_be(h + O_ETHERTYPE, 2) != 0x0800) return 5;
    if (h[O_IP_VIHL] != 0x45) return 6;
    uint32_t tot = get_be(h + O_IP_TOTLEN, 2);
    if (tot != L - 14) return 7;
    if (ip_sum(h + O_IP) != 0xFFFF) return 8;
    uint32_t ff = get_be(h + O_IP_FLAGS, 2);
    if ((ff & 0x2000) || (ff & 0x1FFF)) return 9;
    if (h[O_IP_PROTO] != 17) return 10;
    if (cfg.filter && get_be(h + O_IP_DST, 4) != cfg.ip) return 11;
    if (get_be(h + O_UDP_DST, 2) != UDP_PORT) return 12;
    if (get_be(h + O_UDP_LEN, 2) != ((tot - 20) & 0xFFFF)) return 13;
    uint32_t nl = get_be(h + O_NC_LEN, 2);
    // ACK frames and VOID DATA frames (flag 0x10) carry no NetChannel content
    bool no_content = h[O_CTH_OP] == 2 || (h[O_CTH_OP] == 1 && (h[O_CTH_FLAGS] & 0x10));
    if (h[O_CTH_VER] != 1 || h[O_CTH_RSVD] != 0 || h[O_CTH_OP] < 1 || h[O_CTH_OP] > 3 ||
        (no_content && (nl != 0 || h[O_NC_TYPE] != 0))) return 14;
    if (h[O_NC_DOFF] != 0x41) return 15;
    if (h[O_NC_TYPE] > 6) return 16;
    if (nl != L - HDR - ICRC || nl > MAX_PAYLOAD) return 17;
    if (icrc_of(h, L) != icrc_trailer(h, L)) return 18;
    return 0;
}

// ---- AXI-Stream beats --------------------------------------------------------------------------
struct Beat {
    uint8_t data[64];
    uint64_t keep;
    bool last, user;
};

// Split bytes into beats; the first beat starts at lane `off`.
inline std::vector<Beat> to_beats(const Bytes& b, int off, bool user_at_last) {
    std::vector<Beat> v;
    size_t i = 0;
    int lane = off;
    if (b.empty()) {  // an empty packet: one beat, no lanes
        Beat bt{};
        bt.keep = 0; bt.last = true; bt.user = user_at_last;
        v.push_back(bt);
        return v;
    }
    while (i < b.size()) {
        Beat bt{};
        bt.keep = 0;
        for (; lane < 64 && i < b.size(); lane++, i++) { bt.data[lane] = b[i]; bt.keep |= 1ull << lane; }
        bt.last = (i == b.size());
        bt.user = bt.last && user_at_last;
        v.push_back(bt);
        lane = 0;
    }
    return v;
}

template <class W> inline void set_bytes(W& w, const uint8_t* p, int n) {
    for (int i = 0; i < n; i += 4) {
        uint32_t x = 0;
        for (int k = 0; k < 4 && i + k < n; k++) x |= uint32_t(p[i + k]) << (8 * k);
        w[i / 4] = x;
    }
}
template <class W> inline void get_bytes(const W& w, uint8_t* p, int n) {
    for (int i = 0; i < n; i++) p[i] = uint8_t(w[i / 4] >> (8 * (i % 4)));
}

// ---- harness -----------------------------------------------------------------------------------
struct OutFrame {
    Bytes bytes;
    bool user = false;
    uint64_t first_cycle = 0, last_cycle = 0;
    bool keep_ok = true;  // every beat: tkeep contiguous from lane 0, full unless last, non-empty
};

struct StreamMon {
    OutFrame cur;
    bool in_frame = false;
    std::deque<OutFrame> frames;
    uint64_t beats = 0, first_beat = 0, last_beat = 0;
    void beat(const uint8_t* d, uint64_t keep, bool last, bool user, uint64_t cyc) {
        if (!in_frame) { cur = OutFrame(); cur.first_cycle = cyc; in_frame = true; }
        if (beats == 0) first_beat = cyc;
        beats++;
        last_beat = cyc;
        int n = 0;
        while (n < 64 && (keep >> n & 1)) n++;
        bool contiguous = (n == 64) ? true : ((keep >> n) == 0);
        if (!contiguous || n == 0 || (!last && n != 64)) cur.keep_ok = false;
        for (int i = 0; i < 64; i++) if (keep >> i & 1) cur.bytes.push_back(d[i]);
        if (last) { cur.user = user; cur.last_cycle = cyc; frames.push_back(cur); in_frame = false; }
    }
};

struct Driver {  // a queue of beats with random idle (valid held once asserted)
    std::deque<Beat> q;
    double idle = 0.0;
    bool showing = false;
    uint64_t beats = 0, first = 0, last = 0;
};

struct Harness {
    std::unique_ptr<VerilatedContext> ctx;
    std::unique_ptr<Vtb_top> top;
    std::mt19937_64 rng;
    uint64_t cycle = 0;
    uint64_t last_progress = 0;

    // builder inputs
    std::deque<Bytes> hdr_q;      // 86 wire-order bytes each
    double hdr_idle = 0.0;
    bool hdr_showing = false;
    Driver bld_pay;
    double gate_p = 1.0;          // probability the builder->parser A link is open
    // parser B input
    Driver pb_in;
    // output readiness
    double pa_hdr_rdy = 1.0, pa_pay_rdy = 1.0, pb_hdr_rdy = 1.0, pb_pay_rdy = 1.0;

    // monitors
    StreamMon bld_out, pa_pay, pb_pay;
    std::deque<Bytes> pa_hdrs, pb_hdrs;
    std::deque<int> pa_stats, pb_stats;
    uint64_t bld_err_pulses = 0;
    uint64_t hdrs_in = 0;

    explicit Harness(uint64_t seed) : rng(seed) {
        ctx.reset(new VerilatedContext);
        top.reset(new Vtb_top(ctx.get()));
        top->clk = 0;
        top->rst = 1;
        top->link_gate = 1;
        for (int i = 0; i < 4; i++) tick();
        top->rst = 0;
        tick();
    }
    ~Harness() { top->final(); }

    double urand() { return std::uniform_real_distribution<double>(0.0, 1.0)(rng); }
    bool chance(double p) { return p >= 1.0 ? true : (p <= 0.0 ? false : urand() < p); }

    void set_cfg(const Cfg& c) {
        top->cfg_filter_en = c.filter;
        top->cfg_local_mac = c.mac;
        top->cfg_local_ip = c.ip;
    }

    void drive_stream(Driver& d, bool& valid, bool& last, bool& user, uint64_t& keep, VlWide<16>& data) {
        if (!d.showing && !d.q.empty() && !chance(d.idle)) d.showing = true;
        valid = d.showing;
        if (d.showing) {
            const Beat& b = d.q.front();
            set_bytes(data, b.data, 64);
            keep = b.keep;
            last = b.last;
            user = b.user;
        } else {
            keep = 0; last = false; user = false;
        }
    }

    void tick() {
        top->clk = 0;
        top->eval();
        top->clk = 1;
        top->eval();
        cycle++;
    }

    void step() {
        // drive
        if (!hdr_showing && !hdr_q.empty() && !chance(hdr_idle)) hdr_showing = true;
        top->bld_hdr_valid = hdr_showing;
        if (hdr_showing) set_bytes(top->bld_hdr_lanes, hdr_q.front().data(), HDR);
        bool v, l, u; uint64_t k;
        drive_stream(bld_pay, v, l, u, k, top->bld_s_tdata);
        top->bld_s_tvalid = v; top->bld_s_tlast = l; top->bld_s_tuser = u; top->bld_s_tkeep = k;
        drive_stream(pb_in, v, l, u, k, top->pb_s_tdata);
        top->pb_s_tvalid = v; top->pb_s_tlast = l; top->pb_s_tuser = u; top->pb_s_tkeep = k;
        top->link_gate = chance(gate_p);
        top->pa_hdr_ready = chance(pa_hdr_rdy);
        top->pa_m_tready = chance(pa_pay_rdy);
        top->pb_hdr_ready = chance(pb_hdr_rdy);
        top->pb_m_tready = chance(pb_pay_rdy);

        top->clk = 0;
        top->eval();

        // sample handshakes
        bool progress = false;
        bool hdr_x = top->bld_hdr_valid && top->bld_hdr_ready;
        bool bp_x = top->bld_s_tvalid && top->bld_s_tready;
        bool pb_x = top->pb_s_tvalid && top->pb_s_tready;
        uint8_t buf[64];
        if (top->bld_m_tvalid && top->bld_m_tready) {
            get_bytes(top->bld_m_tdata, buf, 64);
            bld_out.beat(buf, top->bld_m_tkeep, top->bld_m_tlast, top->bld_m_tuser, cycle);
            progress = true;
        }
        if (top->pa_m_tvalid && top->pa_m_tready) {
            get_bytes(top->pa_m_tdata, buf, 64);
            pa_pay.beat(buf, top->pa_m_tkeep, top->pa_m_tlast, top->pa_m_tuser, cycle);
            progress = true;
        }
        if (top->pb_m_tvalid && top->pb_m_tready) {
            get_bytes(top->pb_m_tdata, buf, 64);
            pb_pay.beat(buf, top->pb_m_tkeep, top->pb_m_tlast, top->pb_m_tuser, cycle);
            progress = true;
        }
        if (top->pa_hdr_valid && top->pa_hdr_ready) {
            Bytes h(HDR);
            get_bytes(top->pa_hdr_lanes, h.data(), HDR);
            pa_hdrs.push_back(h);
            progress = true;
        }
        if (top->pb_hdr_valid && top->pb_hdr_ready) {
            Bytes h(HDR);
            get_bytes(top->pb_hdr_lanes, h.data(), HDR);
            pb_hdrs.push_back(h);
            progress = true;
        }
        if (top->pa_stat_valid) { pa_stats.push_back(top->pa_stat_reason); progress = true; }
        if (top->pb_stat_valid) { pb_stats.push_back(top->pb_stat_reason); progress = true; }
        if (top->bld_err_len) bld_err_pulses++;

        top->clk = 1;
        top->eval();

        if (hdr_x) { hdr_q.pop_front(); hdr_showing = false; hdrs_in++; progress = true; }
        for (Driver* d : {&bld_pay, &pb_in}) {
            bool x = (d == &bld_pay) ? bp_x : pb_x;
            if (x) {
                if (d->beats == 0) d->first = cycle;
                d->beats++;
                d->last = cycle;
                d->q.pop_front();
                d->showing = false;
                progress = true;
            }
        }
        if (progress) last_progress = cycle;
        cycle++;
    }

    bool inputs_pending() const { return !hdr_q.empty() || !bld_pay.q.empty() || !pb_in.q.empty(); }

    // Run until every input is consumed and the pipeline has been quiet for `quiet` cycles.
    // Returns false if nothing moved for `stall_limit` cycles while inputs were pending.
    bool drain(uint64_t quiet = 64, uint64_t stall_limit = 100000) {
        last_progress = cycle;
        for (;;) {
            step();
            if (!inputs_pending() && cycle - last_progress > quiet) return true;
            if (cycle - last_progress > stall_limit) return false;
        }
    }

    void counters(int which, uint32_t* out) {
        auto& w = which ? top->pb_cnt : top->pa_cnt;
        for (int i = 0; i < NREASONS; i++) out[i] = w[i];
    }
};

// ---- pcap --------------------------------------------------------------------------------------
struct PcapFrame {
    Bytes bytes;
    uint64_t ts_ns = 0;
};

inline bool pcap_write(const std::string& path, const std::vector<PcapFrame>& frames, std::string& err) {
    FILE* f = fopen(path.c_str(), "wb");
    if (!f) { err = "cannot open " + path + " for writing"; return false; }
    auto w32 = [&](uint32_t v) { fwrite(&v, 4, 1, f); };  // host little-endian, as libpcap does
    auto w16 = [&](uint16_t v) { fwrite(&v, 2, 1, f); };
    w32(0xa1b23c4d); w16(2); w16(4); w32(0); w32(0); w32(65535); w32(1);
    for (auto& fr : frames) {
        w32(uint32_t(fr.ts_ns / 1000000000ull));
        w32(uint32_t(fr.ts_ns % 1000000000ull));
        uint32_t n = uint32_t(fr.bytes.size());
        uint32_t incl = n > 65535 ? 65535 : n;
        w32(incl); w32(n);
        fwrite(fr.bytes.data(), 1, incl, f);
    }
    bool ok = fclose(f) == 0;
    if (!ok) err = "write error on " + path;
    return ok;
}

inline bool pcap_read(const std::string& path, std::vector<PcapFrame>& frames, std::string& err) {
    FILE* f = fopen(path.c_str(), "rb");
    if (!f) { err = "cannot open " + path; return false; }
    std::vector<uint8_t> d;
    uint8_t buf[65536];
    size_t n;
    while ((n = fread(buf, 1, sizeof buf, f)) > 0) d.insert(d.end(), buf, buf + n);
    fclose(f);
    if (d.size() < 24) { err = path + ": not a pcap file (too short)"; return false; }
    auto le32 = [&](size_t o) { return uint32_t(d[o]) | uint32_t(d[o + 1]) << 8 | uint32_t(d[o + 2]) << 16 | uint32_t(d[o + 3]) << 24; };
    auto be32 = [&](size_t o) { return uint32_t(d[o]) << 24 | uint32_t(d[o + 1]) << 16 | uint32_t(d[o + 2]) << 8 | uint32_t(d[o + 3]); };
    uint32_t m = le32(0);
    bool swap;
    bool nano;
    if (m == 0xa1b2c3d4) { swap = false; nano = false; }
    else if (m == 0xa1b23c4d) { swap = false; nano = true; }
    else if (be32(0) == 0xa1b2c3d4) { swap = true; nano = false; }
    else if (be32(0) == 0xa1b23c4d) { swap = true; nano = true; }
    else { err = path + ": bad pcap magic"; return false; }
    auto rd32 = [&](size_t o) { return swap ? be32(o) : le32(o); };
    uint32_t link = rd32(20) & 0x0FFFFFFF;
    if (link != 1) { err = path + ": linktype " + std::to_string(link) + " is not Ethernet (1)"; return false; }
    size_t o = 24;
    while (o < d.size()) {
        if (o + 16 > d.size()) { err = path + ": truncated record header"; return false; }
        uint64_t sec = rd32(o), frac = rd32(o + 4);
        uint32_t incl = rd32(o + 8);
        o += 16;
        if (o + incl > d.size()) { err = path + ": truncated record"; return false; }
        PcapFrame fr;
        fr.bytes.assign(d.begin() + o, d.begin() + o + incl);
        fr.ts_ns = sec * 1000000000ull + (nano ? frac : frac * 1000ull);
        frames.push_back(fr);
        o += incl;
    }
    return true;
}

inline std::string hex(const Bytes& b) {
    static const char* H = "0123456789abcdef";
    std::string s;
    s.reserve(b.size() * 2);
    for (uint8_t x : b) { s.push_back(H[x >> 4]); s.push_back(H[x & 15]); }
    return s;
}

inline bool unhex(const std::string& s, Bytes& out) {
    if (s.size() % 2) return false;
    out.clear();
    auto nib = [](char c) -> int {
        if (c >= '0' && c <= '9') return c - '0';
        if (c >= 'a' && c <= 'f') return c - 'a' + 10;
        if (c >= 'A' && c <= 'F') return c - 'A' + 10;
        return -1;
    };
    for (size_t i = 0; i < s.size(); i += 2) {
        int a = nib(s[i]), b = nib(s[i + 1]);
        if (a < 0 || b < 0) return false;
        out.push_back(uint8_t(a << 4 | b));
    }
    return true;
}

}  // namespace nc
