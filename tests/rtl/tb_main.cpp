// RTL testbenches (subcommand "test") and the nc_hdr_tool cross-check CLI ("build", "parse"),
// one binary around one Verilated tb_top (builder -> parser A, standalone parser B).
#include "tb_common.h"

#include <algorithm>
#include <chrono>
#include <fstream>
#include <map>
#include <sstream>

using namespace nc;

namespace {

int g_pass = 0, g_fail = 0;

void report(bool ok, const std::string& name, const std::string& detail) {
    printf("%s %s: %s\n", ok ? "PASS" : "FAIL", name.c_str(), detail.c_str());
    fflush(stdout);
    (ok ? g_pass : g_fail)++;
}

const Cfg kCfg{true, 0x02aabbccdd01ull, 0x0a000001u};  // 02:aa:bb:cc:dd:01, 10.0.0.1

std::string s(uint64_t v) { return std::to_string(v); }

// A random header with every var field random and the frame acceptable under kCfg.
Bytes rand_hdr(std::mt19937_64& r, uint32_t len, bool scramble_consts = true) {
    Bytes h(HDR);
    for (auto& b : h) b = uint8_t(r());
    if (!scramble_consts) ref_fill(h.data());
    if (r() & 1) put_be(h.data() + O_ETH_DST, 6, kCfg.mac);
    else put_be(h.data() + O_ETH_DST, 6, 0xFFFFFFFFFFFFull);
    put_be(h.data() + O_IP_DST, 4, kCfg.ip);
    h[O_CTH_OP] = uint8_t(1 + r() % 3);
    h[O_NC_TYPE] = uint8_t(r() % 7);
    put_be(h.data() + O_NC_LEN, 2, len);
    // ACK and VOID DATA frames carry no NetChannel content (payload length 0, type NONE)
    if (h[O_CTH_OP] == 2 && (len != 0 || h[O_NC_TYPE] != 0)) h[O_CTH_OP] = (r() & 1) ? 1 : 3;
    if (h[O_CTH_OP] == 1 && (h[O_CTH_FLAGS] & 0x10) && (len != 0 || h[O_NC_TYPE] != 0)) h[O_CTH_FLAGS] &= uint8_t(~0x10);
    return h;
}

Bytes rand_bytes(std::mt19937_64& r, size_t n) {
    Bytes b(n);
    for (auto& x : b) x = uint8_t(r());
    return b;
}

// 38..42 and 102..106 put the trailer at the end of a beat or across two (frame length 124..128, 188..192)
const int kEdges[] = {0, 1, 21, 22, 23, 38, 39, 40, 41, 42, 43, 63, 64, 65, 102, 103, 104, 105, 106, 107, 127, 128, 129,
                      1500, 4096, 8999, 9000};

uint32_t rand_len(std::mt19937_64& r) {
    if (r() % 2) return kEdges[r() % (sizeof kEdges / sizeof kEdges[0])];
    return uint32_t(r() % 9001);
}

int rand_off(std::mt19937_64& r) {
    static const int e[] = {0, 1, 21, 22, 23, 24, 41, 42, 43, 62, 63};
    if (r() % 3 == 0) return e[r() % 11];
    return int(r() % 64);
}

std::string first_diff(const Bytes& a, const Bytes& b) {
    if (a.size() != b.size()) return "size " + s(a.size()) + " != " + s(b.size());
    for (size_t i = 0; i < a.size(); i++)
        if (a[i] != b[i]) { char t[96]; snprintf(t, sizeof t, "byte %zu: %02x != %02x", i, a[i], b[i]); return t; }
    return "";
}

// Queue one builder frame (header + payload beats with the given first-beat offset).
void queue_build(Harness& h, const Bytes& hdr, const Bytes& payload, int off, bool pay_user = false) {
    h.hdr_q.push_back(hdr);
    if (!payload.empty())
        for (auto& b : to_beats(payload, off, pay_user)) h.bld_pay.q.push_back(b);
}

// Match parser outputs (stats in frame order; headers and payloads of accepted frames in order).
struct ParsedFrame { int reason; Bytes hdr; Bytes payload; bool have_hdr = false; };

std::vector<ParsedFrame> collect(std::deque<int>& stats, std::deque<Bytes>& hdrs, StreamMon& pay, std::string& err) {
    std::vector<ParsedFrame> v;
    for (int r : stats) {
        ParsedFrame p;
        p.reason = r;
        if (r == 0) {
            if (hdrs.empty()) { err = "accepted frame without a header output"; break; }
            p.hdr = hdrs.front(); hdrs.pop_front(); p.have_hdr = true;
            if (get_be(p.hdr.data() + O_NC_LEN, 2) != 0) {
                if (pay.frames.empty()) { err = "accepted frame without its payload output"; break; }
                OutFrame& f = pay.frames.front();
                if (!f.keep_ok) err = "payload tkeep not contiguous from lane 0";
                if (f.user) err = "payload tuser set";
                p.payload = f.bytes;
                pay.frames.pop_front();
            }
        }
        v.push_back(p);
    }
    stats.clear();
    if (err.empty() && !hdrs.empty()) err = s(hdrs.size()) + " extra header outputs";
    if (err.empty() && !pay.frames.empty()) err = s(pay.frames.size()) + " extra payload outputs";
    return v;
}

// ------------------------------------------------------------------------------------------------
void test_random_chain(uint64_t seed, const std::string& pcap_path) {
    std::mt19937_64 r(seed);
    Harness h(seed ^ 0x5eed);
    h.set_cfg(kCfg);
    const int N = 3000;
    std::vector<Bytes> expect_frames, hdrs, pays;
    int frames_done = 0;
    size_t bytes_total = 0;
    std::string err_b, err_p;
    uint64_t bld_checked = 0, pa_checked = 0;
    std::vector<PcapFrame> pcap;
    // five phases of different idle/back-pressure mixes
    const double mixes[5][4] = {{0, 1, 1, 1}, {0.1, 0.9, 0.9, 0.9}, {0.5, 0.5, 0.5, 0.5}, {0.02, 0.7, 0.3, 0.95}, {0.3, 1, 0.8, 0.2}};
    for (int phase = 0; phase < 5; phase++) {
        h.hdr_idle = mixes[phase][0];
        h.bld_pay.idle = mixes[phase][0];
        h.gate_p = mixes[phase][1];
        h.pa_hdr_rdy = mixes[phase][2];
        h.pa_pay_rdy = mixes[phase][3];
        for (int i = 0; i < N / 5; i++) {
            uint32_t len = rand_len(r);
            Bytes hdr = rand_hdr(r, len);
            Bytes pay = rand_bytes(r, len);
            queue_build(h, hdr, pay, rand_off(r));
            expect_frames.push_back(ref_frame(hdr.data(), pay));
            pays.push_back(pay);
            bytes_total += len;
        }
        if (!h.drain(200)) { err_b = "pipeline stalled"; break; }
        // check builder frames
        while (!h.bld_out.frames.empty()) {
            OutFrame f = h.bld_out.frames.front(); h.bld_out.frames.pop_front();
            if (frames_done >= (int)expect_frames.size()) { if (err_b.empty()) err_b = "extra builder frame"; break; }
            const Bytes& e = expect_frames[frames_done];
            std::string d = first_diff(f.bytes, e);
            if (err_b.empty() && !d.empty()) err_b = "frame " + s(frames_done) + " (payload " + s(pays[frames_done].size()) + "): " + d;
            if (err_b.empty() && (f.user || !f.keep_ok)) err_b = "frame " + s(frames_done) + ": tuser or tkeep wrong";
            if (pcap.size() < 200) pcap.push_back({f.bytes, f.first_cycle * 4});
            frames_done++;
            bld_checked++;
        }
        std::string e;
        auto got = collect(h.pa_stats, h.pa_hdrs, h.pa_pay, e);
        if (err_p.empty() && !e.empty()) err_p = e;
        for (auto& p : got) {
            size_t idx = pa_checked++;
            if (idx >= expect_frames.size()) { if (err_p.empty()) err_p = "extra parser frame"; break; }
            const Bytes& ef = expect_frames[idx];
            if (err_p.empty() && p.reason != 0) err_p = "frame " + s(idx) + ": reason " + s(p.reason);
            if (err_p.empty() && p.have_hdr) {
                std::string d = first_diff(p.hdr, Bytes(ef.begin(), ef.begin() + HDR));
                if (!d.empty()) err_p = "frame " + s(idx) + " header: " + d;
                d = first_diff(p.payload, pays[idx]);
                if (err_p.empty() && !d.empty()) err_p = "frame " + s(idx) + " payload: " + d;
            }
        }
    }
    if (err_b.empty() && bld_checked != (uint64_t)N) err_b = "only " + s(bld_checked) + " builder frames";
    if (err_b.empty() && h.bld_err_pulses) err_b = s(h.bld_err_pulses) + " unexpected err_len_mismatch pulses";
    if (err_p.empty() && pa_checked != (uint64_t)N) err_p = "only " + s(pa_checked) + " parser frames";
    uint32_t cnt[NREASONS];
    h.counters(0, cnt);
    if (err_p.empty() && cnt[0] != (uint32_t)N) err_p = "accepted counter " + s(cnt[0]);
    for (int i = 1; i < NREASONS; i++) if (err_p.empty() && cnt[i]) err_p = "drop counter " + s(i) + " = " + s(cnt[i]);
    std::string perr;
    bool pok = pcap_write(pcap_path, pcap, perr);
    report(err_b.empty(), "builder_random_vs_reference",
           err_b.empty() ? s(bld_checked) + " frames, " + s(bytes_total) + " payload bytes, every byte equal to the C++ reference (seed " + s(seed) + ", " + s(h.cycle) + " cycles)" : err_b);
    report(err_p.empty(), "chain_random_parser_fields_payload",
           err_p.empty() ? s(pa_checked) + " frames accepted, every header field and payload byte checked, counters ok" : err_p);
    report(pok, "builder_random_pcap", pok ? s(pcap.size()) + " frames written to " + pcap_path : perr);
}

// ------------------------------------------------------------------------------------------------
struct Case { Bytes frame; bool fcs; int expect; };

Bytes good_frame(std::mt19937_64& r, uint32_t len) {
    Bytes hdr = rand_hdr(r, len);
    return ref_frame(hdr.data(), rand_bytes(r, len));
}

void fix_csum(Bytes& f) {
    put_be(f.data() + O_IP_CSUM, 2, 0);
    put_be(f.data() + O_IP_CSUM, 2, uint16_t(~ip_sum(f.data() + O_IP)));
}

// Apply single fault `code` (4..17) to a good frame (checksum recomputed unless the fault is 8).
void apply_fault(std::mt19937_64& r, Bytes& f, int code) {
    uint8_t* h = f.data();
    auto nz = [&](uint32_t mod) { return uint32_t(1 + r() % (mod - 1)); };
    switch (code) {
        case 4: { uint64_t m; do { m = r() & 0xFFFFFFFFFFFFull; } while (m == kCfg.mac || m == 0xFFFFFFFFFFFFull); put_be(h, 6, m); break; }
        case 5: put_be(h + O_ETHERTYPE, 2, (r() % 2) ? 0x86DD : (0x0800 ^ nz(0x10000))); break;
        case 6: { int k = r() % 3; uint8_t v = h[O_IP_VIHL];
                  if (k == 0) v = uint8_t((v & 0x0F) | ((4 ^ nz(16)) << 4));
                  else if (k == 1) v = uint8_t((v & 0xF0) | (5 ^ nz(16)));
                  else v = 0x60; h[O_IP_VIHL] = v; break; }
        case 7: put_be(h + O_IP_TOTLEN, 2, (get_be(h + O_IP_TOTLEN, 2) + nz(0x10000)) & 0xFFFF); break;
        case 8: break;
        case 9: { int k = r() % 3; uint32_t v = get_be(h + O_IP_FLAGS, 2);
                  if (k == 0) v |= 0x2000; else if (k == 1) v = (v & 0xE000) | nz(0x2000); else v = 0x3FFF;
                  put_be(h + O_IP_FLAGS, 2, v); break; }
        case 10: h[O_IP_PROTO] = uint8_t(17 ^ nz(256)); break;
        case 11: put_be(h + O_IP_DST, 4, kCfg.ip ^ nz(0x7FFFFFFF)); break;
        case 12: put_be(h + O_UDP_DST, 2, UDP_PORT ^ nz(0x10000)); break;
        case 13: put_be(h + O_UDP_LEN, 2, (get_be(h + O_UDP_LEN, 2) + nz(0x10000)) & 0xFFFF); break;
        case 14: { int k = r() % 6;
                   uint32_t nl = get_be(h + O_NC_LEN, 2);
                   if (k == 0) h[O_CTH_VER] = uint8_t(1 ^ nz(256));
                   else if (k == 1) h[O_CTH_RSVD] = uint8_t(nz(256));
                   else if (k == 2) h[O_CTH_OP] = 0;
                   else if (k == 3) h[O_CTH_OP] = uint8_t(4 + r() % 252);
                   else {   // an ACK or a VOID DATA frame with NetChannel content
                       if (k == 4) h[O_CTH_OP] = 2;
                       else { h[O_CTH_OP] = 1; h[O_CTH_FLAGS] |= 0x10; }
                       if (nl == 0) h[O_NC_TYPE] = uint8_t(1 + r() % 6);
                   }
                   break; }
        case 15: h[O_NC_DOFF] = uint8_t(0x41 ^ nz(256)); break;
        case 16: h[O_NC_TYPE] = uint8_t(7 + r() % 249); break;
        case 17: { uint32_t nl = get_be(h + O_NC_LEN, 2); put_be(h + O_NC_LEN, 2, (nl + nz(0x10000)) & 0xFFFF); break; }
        default: break;
    }
}

struct BatchResult { std::string err; size_t frames = 0, good = 0; };

// Feed cases (with good frames interleaved) to parser B; check reasons, outputs and counters.
BatchResult run_batch(Harness& h, std::mt19937_64& r, std::vector<Case> cases, const Cfg& cfg, bool interleave) {
    BatchResult res;
    h.set_cfg(cfg);
    std::vector<Case> all;
    for (auto& c : cases) {
        all.push_back(c);
        if (interleave && (r() % 2)) {
            Bytes g = good_frame(r, rand_len(r) % 300 + (r() % 4 == 0 ? 1500 : 0));
            all.push_back({g, false, 0});
        }
    }
    uint32_t before[NREASONS], after[NREASONS];
    h.counters(1, before);
    std::map<int, uint32_t> hist;
    for (auto& c : all) {
        int ref = ref_parse(c.frame, c.fcs, cfg);
        if (ref != c.expect && res.err.empty())
            res.err = "generator: reference model says " + s(ref) + " where " + s(c.expect) + " was injected (len " + s(c.frame.size()) + ")";
        hist[c.expect]++;
        for (auto& b : to_beats(c.frame, 0, c.fcs)) h.pb_in.q.push_back(b);
    }
    if (!h.drain(200)) { res.err = "parser stalled"; return res; }
    std::string e;
    auto got = collect(h.pb_stats, h.pb_hdrs, h.pb_pay, e);
    if (res.err.empty() && !e.empty()) res.err = e;
    if (res.err.empty() && got.size() != all.size()) res.err = s(got.size()) + " status pulses for " + s(all.size()) + " frames";
    for (size_t i = 0; res.err.empty() && i < got.size(); i++) {
        if (got[i].reason != all[i].expect) {
            res.err = "frame " + s(i) + " (len " + s(all[i].frame.size()) + "): reason " + s(got[i].reason) + ", expected " + s(all[i].expect);
        } else if (got[i].reason == 0) {
            const Bytes& f = all[i].frame;
            std::string d = first_diff(got[i].hdr, Bytes(f.begin(), f.begin() + HDR));
            if (d.empty()) d = first_diff(got[i].payload, Bytes(f.begin() + HDR, f.end() - ICRC));
            if (!d.empty()) res.err = "frame " + s(i) + ": " + d;
            res.good++;
        }
    }
    h.counters(1, after);
    for (int i = 0; res.err.empty() && i < NREASONS; i++)
        if (after[i] - before[i] != hist[i]) res.err = "counter " + s(i) + " +" + s(after[i] - before[i]) + ", expected +" + s(hist[i]);
    res.frames = all.size();
    return res;
}

const char* kReasonNames[NREASONS] = {"NONE", "BAD_FCS", "TOO_SHORT", "TOO_LONG", "BAD_DST_MAC", "BAD_ETHERTYPE",
                                "BAD_IP_VERSION", "BAD_IP_LENGTH", "BAD_IP_CHECKSUM", "IP_FRAGMENT",
                                "BAD_IP_PROTOCOL", "BAD_DST_IP", "BAD_UDP_PORT", "BAD_UDP_LENGTH", "BAD_CTH",
                                "BAD_NC_VERSION", "BAD_NC_TYPE", "BAD_PAYLOAD_LENGTH", "BAD_ICRC"};

void test_malformed(uint64_t seed) {
    std::mt19937_64 r(seed * 7 + 3);
    Harness h(seed ^ 0xbad);
    h.pb_in.idle = 0.2;
    h.pb_hdr_rdy = 0.7;
    h.pb_pay_rdy = 0.7;
    auto done = [&](const std::string& name, const BatchResult& b, int reason) {
        std::string what = reason >= 0 ? "reason " + s(reason) : "every reason as the C++ reference";
        report(b.err.empty(), name,
               b.err.empty() ? s(b.frames) + " frames (" + s(b.good) + " accepted), " + what + ", counters ok, no output for dropped frames" : b.err);
    };
    // BAD_FCS: good frames of many sizes flagged by the MAC
    {
        std::vector<Case> c;
        for (int i = 0; i < 40; i++) c.push_back({good_frame(r, rand_len(r)), true, 1});
        done("parser_drop_BAD_FCS", run_batch(h, r, c, kCfg, true), 1);
    }
    // TOO_SHORT: every truncation 1..89 of a good frame (headers and trailer are 90 bytes); also a zero-byte packet
    {
        std::vector<Case> c;
        for (int n = 1; n <= HDR + ICRC - 1; n++) { Bytes f = good_frame(r, 100); f.resize(n); c.push_back({f, false, 2}); }
        c.push_back({Bytes(), false, 2});
        for (int n = 1; n <= HDR + ICRC - 1; n += 7) { Bytes f = good_frame(r, 0); f.resize(n); c.push_back({f, true, 1}); }
        done("parser_drop_TOO_SHORT_1_to_89", run_batch(h, r, c, kCfg, true), 2);
    }
    // TOO_LONG: just over the limit, far over, with consistent-looking headers
    {
        std::vector<Case> c;
        for (uint32_t pl : {9001u, 9002u, 9003u, 9010u, 9064u, 9065u, 9100u, 12000u, 30000u}) {
            Bytes hdr = rand_hdr(r, pl & 0xFFFF);
            c.push_back({ref_frame(hdr.data(), rand_bytes(r, pl)), false, 3});
        }
        // payload exactly 9000 is fine
        c.push_back({good_frame(r, 9000), false, 0});
        Bytes hdr = rand_hdr(r, 20000);
        c.push_back({ref_frame(hdr.data(), rand_bytes(r, 20000)), true, 1});
        done("parser_drop_TOO_LONG", run_batch(h, r, c, kCfg, true), 3);
    }
    // every header fault class 4..17
    for (int code = 4; code <= 17; code++) {
        std::vector<Case> c;
        for (int i = 0; i < 24; i++) {
            Bytes f = good_frame(r, rand_len(r) % 2000);
            apply_fault(r, f, code);
            if (code == 8) put_be(f.data() + O_IP_CSUM, 2, get_be(f.data() + O_IP_CSUM, 2) ^ (1 + r() % 0xFFFF));
            else if (code > 8) fix_csum(f);
            c.push_back({f, false, code});
        }
        done(std::string("parser_drop_") + kReasonNames[code], run_batch(h, r, c, kCfg, true), code);
    }
    // BAD_ICRC: 1..3 bit flips where no header check looks (transport and NetChannel fields, payload,
    // trailer), on frames whose trailer ends a beat or straddles two; the IPv4 and UDP checksums stay good
    {
        std::vector<Case> c;
        const int vars[] = {46, 47, 48, 49, 50, 53, 54, 57, 58, 65, 66, 69, 70, 73, 74, 77, 78, 81};
        while (c.size() < 300) {
            uint32_t len = rand_len(r) % 2000;
            Bytes f = good_frame(r, len);
            int flips = 1 + r() % 3;
            for (int k = 0; k < flips; k++) {
                size_t at;
                switch (r() % 3) {
                    case 0: at = size_t(vars[r() % (sizeof vars / sizeof vars[0])]); break;
                    case 1: at = f.size() - 1 - r() % ICRC; break;           // the trailer
                    default: at = HDR + (len ? r() % len : 0); break;       // the payload (or byte 86: trailer)
                }
                f[at] ^= uint8_t(1u << (r() % 8));
            }
            if (ref_parse(f, false, kCfg) != 18) continue;   // the flips cancelled or hit a checked field
            c.push_back({f, false, 18});
        }
        done("parser_drop_BAD_ICRC", run_batch(h, r, c, kCfg, true), 18);
    }
    // the ICRC is invariant: what routers change (TTL, DSCP/ECN, the IPv4 checksum) and what it does not
    // cover (addresses, UDP source port, UDP checksum) can change and the frame stays good
    {
        std::vector<Case> c;
        for (int i = 0; i < 60; i++) {
            Bytes f = good_frame(r, rand_len(r) % 3000);
            f[O_IP_TTL] = uint8_t(r());
            f[O_IP_TOS] = uint8_t(r());
            put_be(f.data() + O_IP_SRC, 4, uint32_t(r()));
            put_be(f.data() + O_UDP_SRC, 2, uint32_t(r()));
            put_be(f.data() + O_UDP_CSUM, 2, uint32_t(r()));
            fix_csum(f);
            c.push_back({f, false, 0});
        }
        done("parser_icrc_invariant_fields", run_batch(h, r, c, kCfg, false), 0);
    }
    // multi-fault frames: the lowest code wins
    {
        std::vector<Case> c;
        for (int i = 0; i < 400; i++) {
            uint32_t len = rand_len(r) % 3000;
            Bytes f = good_frame(r, len);
            int nf = 2 + r() % 4, lowest = 99;
            bool csum_fault = false, fcs = false;
            std::vector<int> codes;
            for (int k = 0; k < nf; k++) codes.push_back(1 + r() % 17);
            std::sort(codes.begin(), codes.end());
            codes.erase(std::unique(codes.begin(), codes.end()), codes.end());
            bool trunc = false, toolong = false;
            for (int code : codes) {
                if (code == 1) fcs = true;
                else if (code == 2) trunc = true;
                else if (code == 3) toolong = true;
                else if (code == 8) csum_fault = true;
                else apply_fault(r, f, code);
                lowest = std::min(lowest, code);
            }
            // length faults that depend on the final frame length
            if (toolong) { Bytes extra = rand_bytes(r, MAX_FRAME + 1 - f.size() + r() % 100); f.insert(f.end(), extra.begin(), extra.end()); }
            if (!trunc) { fix_csum(f); if (csum_fault) put_be(f.data() + O_IP_CSUM, 2, get_be(f.data() + O_IP_CSUM, 2) ^ (1 + r() % 0xFFFF)); }
            if (trunc) f.resize(r() % (HDR + ICRC));
            // extending the frame may have made a length fault go away: the reference decides
            int ref = ref_parse(f, fcs, kCfg);
            if (ref != lowest && !toolong) { i--; continue; }
            c.push_back({f, fcs, ref});
        }
        done("parser_multi_fault_precedence", run_batch(h, r, c, kCfg, false), -1);
    }
    // random byte corruption fuzz against the reference model
    {
        std::vector<Case> c;
        for (int i = 0; i < 600; i++) {
            Bytes f = good_frame(r, rand_len(r) % 1600);
            int flips = 1 + r() % 3;
            for (int k = 0; k < flips; k++) f[r() % HDR] ^= uint8_t(1 + r() % 255);
            if (r() % 2) fix_csum(f);
            if (r() % 10 == 0) f.resize(r() % f.size() + 1);
            bool fcs = r() % 20 == 0;
            c.push_back({f, fcs, ref_parse(f, fcs, kCfg)});
        }
        done("parser_fuzz_vs_reference", run_batch(h, r, c, kCfg, false), -1);
    }
    // heavy output back-pressure with small frames: header FIFO and payload FIFO fill up
    {
        std::vector<Case> c;
        for (int i = 0; i < 500; i++) {
            Bytes f = good_frame(r, (i % 5 == 0) ? 9000 : r() % 60);
            if (r() % 4 == 0) { apply_fault(r, f, 4 + r() % 14); fix_csum(f); }
            c.push_back({f, false, ref_parse(f, false, kCfg)});
        }
        h.pb_in.idle = 0.0;
        h.pb_hdr_rdy = 0.05;
        h.pb_pay_rdy = 0.1;
        done("parser_fifo_full_backpressure", run_batch(h, r, c, kCfg, false), -1);
        h.pb_in.idle = 0.2;
        h.pb_hdr_rdy = 0.7;
        h.pb_pay_rdy = 0.7;
    }
    // filtering off: foreign MAC/IP accepted
    {
        Cfg off = kCfg;
        off.filter = false;
        std::vector<Case> c;
        for (int i = 0; i < 30; i++) {
            Bytes f = good_frame(r, rand_len(r) % 3000);
            put_be(f.data(), 6, r() & 0xFFFFFFFFFFFFull);
            put_be(f.data() + O_IP_DST, 4, uint32_t(r()));
            fix_csum(f);
            c.push_back({f, false, 0});
        }
        done("parser_filter_off_accepts_any_address", run_batch(h, r, c, off, false), 0);
    }
    h.set_cfg(kCfg);
}

// ------------------------------------------------------------------------------------------------
void test_len_mismatch(uint64_t seed) {
    std::mt19937_64 r(seed * 13 + 5);
    Harness h(seed ^ 0x1e4);
    h.set_cfg(kCfg);
    h.hdr_idle = 0.1; h.bld_pay.idle = 0.1; h.gate_p = 0.8;
    std::vector<Bytes> exp;
    std::vector<bool> bad;
    int nbad = 0;
    for (int i = 0; i < 300; i++) {
        uint32_t plen = 1 + rand_len(r) % 9000;
        if (plen == 0) plen = 1;
        uint32_t nlen = plen;
        bool mism = (r() % 3) != 0;
        bool pay_user = !mism && (r() % 10 == 0);
        if (mism) {
            do {
                int k = r() % 4;
                if (k == 0) nlen = plen + 1;
                else if (k == 1) nlen = plen - 1;
                else if (k == 2) nlen = 1 + r() % 9000;
                else nlen = plen + 64;
            } while (nlen == plen || nlen == 0 || nlen > 0xFFFF);
            nbad++;
        }
        Bytes hdr = rand_hdr(r, nlen);
        Bytes pay = rand_bytes(r, plen);
        queue_build(h, hdr, pay, rand_off(r), pay_user);
        exp.push_back(ref_frame(hdr.data(), pay));
        bad.push_back(mism || pay_user);
    }
    std::string err;
    if (!h.drain(200)) err = "stalled";
    size_t i = 0, user_frames = 0;
    for (auto& f : h.bld_out.frames) {
        if (i >= exp.size()) { err = "extra frames"; break; }
        std::string d = first_diff(f.bytes, exp[i]);
        if (err.empty() && !d.empty()) err = "frame " + s(i) + ": " + d;
        if (err.empty() && f.user != bad[i]) err = "frame " + s(i) + ": tuser " + s(f.user);
        user_frames += f.user;
        i++;
    }
    if (err.empty() && i != exp.size()) err = "only " + s(i) + " frames";
    if (err.empty() && h.bld_err_pulses != (uint64_t)nbad) err = s(h.bld_err_pulses) + " err pulses for " + s(nbad) + " mismatches";
    size_t k = 0;
    for (int st : h.pa_stats) {
        if (err.empty() && st != (bad[k] ? 1 : 0)) err = "parser A frame " + s(k) + ": reason " + s(st);
        k++;
    }
    if (err.empty() && k != exp.size()) err = "parser A saw " + s(k) + " frames";
    report(err.empty(), "builder_length_mismatch",
           err.empty() ? s(exp.size()) + " frames, " + s(nbad) + " length mismatches -> tuser at tlast + err pulse each, " + s(user_frames) + " bad frames dropped as BAD_FCS by parser" : err);
}

// ------------------------------------------------------------------------------------------------
void test_line_rate(uint64_t seed) {
    struct Cls { const char* name; int size; };
    const Cls classes[] = {{"0", 0}, {"1", 1}, {"21", 21}, {"22", 22}, {"42", 42}, {"43", 43}, {"63", 63}, {"64", 64},
                           {"65", 65}, {"128", 128}, {"1500", 1500}, {"4096", 4096}, {"9000", 9000}, {"mix", -1}};
    std::mt19937_64 r(seed * 31 + 7);
    std::vector<std::string> rows;
    std::string err;
    for (auto& c : classes) {
        Harness h(seed + c.size);
        h.set_cfg(kCfg);
        const int N = 200;
        std::vector<Bytes> frames;
        for (int i = 0; i < N; i++) {
            uint32_t len = c.size >= 0 ? uint32_t(c.size) : rand_len(r);
            Bytes hdr = rand_hdr(r, len);
            Bytes pay = rand_bytes(r, len);
            queue_build(h, hdr, pay, rand_off(r));
            Bytes f = ref_frame(hdr.data(), pay);
            for (auto& b : to_beats(f, 0, false)) h.pb_in.q.push_back(b);
        }
        // let the header pipeline and skid fill before measuring is not needed: measure first..last beat
        if (!h.drain(200)) { err = std::string("class ") + c.name + ": stalled"; break; }
        double b_rate = double(h.bld_out.beats) / double(h.bld_out.last_beat - h.bld_out.first_beat + 1);
        double p_rate = double(h.pb_in.beats) / double(h.pb_in.last - h.pb_in.first + 1);
        char row[160];
        snprintf(row, sizeof row, "%-6s %10.4f %10.4f   (%llu / %llu beats)", c.name, b_rate, p_rate,
                 (unsigned long long)h.bld_out.beats, (unsigned long long)h.pb_in.beats);
        rows.push_back(row);
        bool ok = h.bld_out.beats == h.bld_out.last_beat - h.bld_out.first_beat + 1 &&
                  h.pb_in.beats == h.pb_in.last - h.pb_in.first + 1 && h.bld_out.frames.size() == (size_t)N &&
                  h.pb_stats.size() == (size_t)N && h.pa_stats.size() == (size_t)N &&
                  std::all_of(h.pb_stats.begin(), h.pb_stats.end(), [](int x) { return x == 0; }) &&
                  std::all_of(h.pa_stats.begin(), h.pa_stats.end(), [](int x) { return x == 0; });
        report(ok, std::string("line_rate_") + c.name,
               std::string("builder ") + std::to_string(b_rate) + " parser " + std::to_string(p_rate) + " beats/cycle over " + s(N) + " frames");
    }
    if (!err.empty()) report(false, "line_rate", err);
    printf("size   builder_beats/cycle parser_beats/cycle\n");
    for (auto& row : rows) printf("%s\n", row.c_str());
}

int run_tests(int argc, char** argv) {
    uint64_t seed = 1;
    if (const char* e = getenv("NC_SEED")) seed = strtoull(e, nullptr, 0);
    std::string pcap = "build/rtl/builder_random.pcap";
    std::string only;
    for (int i = 2; i < argc; i++) {
        std::string a = argv[i];
        if (a == "--pcap" && i + 1 < argc) pcap = argv[++i];
        else if (a == "--only" && i + 1 < argc) only = argv[++i];
    }
    auto t0 = std::chrono::steady_clock::now();
    printf("rtl tests, seed %llu (override with NC_SEED)\n", (unsigned long long)seed);
    if (only.empty() || only == "random") test_random_chain(seed, pcap);
    if (only.empty() || only == "malformed") test_malformed(seed);
    if (only.empty() || only == "mismatch") test_len_mismatch(seed);
    if (only.empty() || only == "linerate") test_line_rate(seed);
    double dt = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    printf("rtl tests took %.1f s\n", dt);
    printf("%d passed, %d failed\n", g_pass, g_fail);
    return g_fail ? 1 : 0;
}

// ------------------------------------------------------------------------------------------------
// nc_hdr_tool
int die(const std::string& msg) {
    fprintf(stderr, "nc_hdr_tool: %s\n", msg.c_str());
    return 1;
}

int tool_build(int argc, char** argv) {
    if (argc < 4) return die("usage: nc_hdr_tool build IN.txt OUT.pcap [--seed N]");
    uint64_t seed = 1;
    for (int i = 4; i < argc; i++) {
        std::string a = argv[i];
        if (a == "--seed" && i + 1 < argc) seed = strtoull(argv[++i], nullptr, 0);
        else return die("unknown option " + a);
    }
    std::ifstream in(argv[2]);
    if (!in) return die(std::string("cannot open ") + argv[2]);
    Harness h(seed);
    std::mt19937_64 r(seed);
    h.hdr_idle = 0.1 + 0.3 * h.urand();
    h.bld_pay.idle = 0.1 + 0.3 * h.urand();
    h.gate_p = 0.6 + 0.4 * h.urand();
    std::string line;
    int lineno = 0;
    size_t nframes = 0;
    while (std::getline(in, line)) {
        lineno++;
        if (!line.empty() && line.back() == '\r') line.pop_back();
        std::istringstream ls(line);
        std::string hx, px, ox, extra;
        if (!(ls >> hx)) continue;  // blank line
        if (!(ls >> px >> ox) || (ls >> extra)) return die("line " + s(lineno) + ": expected <hdr_hex> <payload_hex|-> <offset>");
        Bytes hdr, pay;
        if (hx.size() != 2 * HDR || !unhex(hx, hdr)) return die("line " + s(lineno) + ": header must be 172 hex characters");
        if (px != "-" && !unhex(px, pay)) return die("line " + s(lineno) + ": bad payload hex");
        char* end = nullptr;
        long off = strtol(ox.c_str(), &end, 10);
        if (ox.empty() || *end || off < 0 || off > 63) return die("line " + s(lineno) + ": offset must be 0..63");
        uint32_t nlen = get_be(hdr.data() + O_NC_LEN, 2);
        if (nlen == 0 && !pay.empty()) return die("line " + s(lineno) + ": nc.len is 0 but the payload is not empty (the builder takes no payload for nc.len 0)");
        if (nlen != 0 && pay.empty()) return die("line " + s(lineno) + ": nc.len is " + s(nlen) + " but the payload is empty");
        queue_build(h, hdr, pay, int(off));
        nframes++;
    }
    if (!h.drain(200, 100000)) return die("no progress for 100000 cycles");
    if (h.bld_out.frames.size() != nframes)
        return die("builder produced " + s(h.bld_out.frames.size()) + " frames for " + s(nframes) + " inputs");
    std::vector<PcapFrame> out;
    for (auto& f : h.bld_out.frames) out.push_back({f.bytes, f.first_cycle * 4});
    std::string err;
    if (!pcap_write(argv[3], out, err)) return die(err);
    return 0;
}

bool parse_mac(const std::string& t, uint64_t& mac) {
    unsigned b[6];
    char tail;
    if (sscanf(t.c_str(), "%x:%x:%x:%x:%x:%x%c", &b[0], &b[1], &b[2], &b[3], &b[4], &b[5], &tail) != 6) return false;
    mac = 0;
    for (unsigned x : b) { if (x > 255) return false; mac = mac << 8 | x; }
    return true;
}

bool parse_ip(const std::string& t, uint32_t& ip) {
    unsigned b[4];
    char tail;
    if (sscanf(t.c_str(), "%u.%u.%u.%u%c", &b[0], &b[1], &b[2], &b[3], &tail) != 4) return false;
    ip = 0;
    for (unsigned x : b) { if (x > 255) return false; ip = ip << 8 | x; }
    return true;
}

int tool_parse(int argc, char** argv) {
    if (argc < 4) return die("usage: nc_hdr_tool parse IN.pcap OUT.txt [--local-mac aa:bb:cc:dd:ee:ff --local-ip a.b.c.d]");
    Cfg cfg;
    bool have_mac = false, have_ip = false;
    for (int i = 4; i < argc; i++) {
        std::string a = argv[i];
        if (a == "--local-mac" && i + 1 < argc) { if (!parse_mac(argv[++i], cfg.mac)) return die("bad --local-mac"); have_mac = true; }
        else if (a == "--local-ip" && i + 1 < argc) { if (!parse_ip(argv[++i], cfg.ip)) return die("bad --local-ip"); have_ip = true; }
        else return die("unknown option " + a);
    }
    if (have_mac != have_ip) return die("--local-mac and --local-ip go together");
    cfg.filter = have_mac;
    std::vector<PcapFrame> frames;
    std::string err;
    if (!pcap_read(argv[2], frames, err)) return die(err);
    Harness h(1);
    h.set_cfg(cfg);
    for (auto& f : frames)
        for (auto& b : to_beats(f.bytes, 0, false)) h.pb_in.q.push_back(b);
    if (!h.drain(200, 100000)) return die("no progress for 100000 cycles");
    auto got = collect(h.pb_stats, h.pb_hdrs, h.pb_pay, err);
    if (!err.empty()) return die("parser output inconsistent: " + err);
    if (got.size() != frames.size()) return die("parser reported " + s(got.size()) + " frames for " + s(frames.size()));
    FILE* o = fopen(argv[3], "w");
    if (!o) return die(std::string("cannot open ") + argv[3]);
    for (auto& p : got) {
        std::string hh = p.reason == 0 ? hex(p.hdr) : "-";
        std::string pp = (p.reason == 0 && !p.payload.empty()) ? hex(p.payload) : "-";
        fprintf(o, "%d %s %s\n", p.reason, hh.c_str(), pp.c_str());
    }
    if (fclose(o) != 0) return die(std::string("write error on ") + argv[3]);
    return 0;
}

}  // namespace

int main(int argc, char** argv) {
    std::string cmd = argc > 1 ? argv[1] : "";
    if (cmd == "test") return run_tests(argc, argv);
    if (cmd == "build") return tool_build(argc, argv);
    if (cmd == "parse") return tool_parse(argc, argv);
    fprintf(stderr, "usage: nc_hdr_tool build IN.txt OUT.pcap [--seed N]\n"
                    "       nc_hdr_tool parse IN.pcap OUT.txt [--local-mac aa:bb:cc:dd:ee:ff --local-ip a.b.c.d]\n");
    return 2;
}
