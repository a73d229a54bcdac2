// The link model (sim/src/link_model.h) and the DMA model (sim/src/dma_model.h) alone, without
// Verilator: timing, fault rates for a seed, FCS, determinism, IOMMU, byte lanes, ordering, faults and
// protocol checks. Every case prints PASS/FAIL; the last line is "N passed, N failed".
#include <unistd.h>

#include <cmath>
#include <map>
#include <set>

#include "dma_model.h"
#include "link_model.h"
#include "test_common.h"

using namespace t;
using namespace ncm;

namespace {

// Within k standard deviations of a binomial expectation.
bool near_binomial(uint64_t got, uint64_t n, double p, double k = 5) {
    const double mean = double(n) * p, sd = std::sqrt(double(n) * p * (1 - p));
    return std::fabs(double(got) - mean) <= k * sd + 1;
}

std::string frac(uint64_t a, uint64_t n) {
    char b[32];
    std::snprintf(b, sizeof b, "%.4f", n ? double(a) / double(n) : 0.0);
    return b;
}

// ---- link ------------------------------------------------------------------------------------------
void test_crc() {
    Check c;
    const char* v = "123456789";
    c(crc32(reinterpret_cast<const uint8_t*>(v), 9) == 0xCBF43926u, "check value of CRC-32/IEEE");
    std::mt19937_64 r(1);
    Bytes b(20000);
    for (auto& x : b) x = uint8_t(r());
    for (size_t n = 0; n < 300 && c.ok(); n++)
        c(crc32(b.data() + (n % 7), n) == crc32_bitwise(b.data() + (n % 7), n), "length " + str(n));
    c(crc32(b.data(), 9090) == crc32_bitwise(b.data(), 9090), "length 9090");
    report(c.ok(), "crc32", c.ok() ? "check value 0xCBF43926; slicing-by-8 = bit-serial for lengths 0..299 and 9090" : c.err);
}

struct Delivered { uint64_t cycle; Bytes bytes; bool user; };

// Runs the link cycle by cycle from `from` to `to`, accepting every beat; appends whole frames.
void drain(LinkDir& l, uint64_t from, uint64_t to, std::vector<Delivered>& out, bool ready = true) {
    Bytes cur;
    uint64_t start = 0;
    for (uint64_t cyc = from; cyc < to; cyc++) {
        l.tick(cyc);
        Beat b;
        if (!ready || !l.rx_beat(b)) continue;
        unsigned lo, hi;
        keep_run(b.keep, lo, hi);
        if (cur.empty()) start = cyc;
        cur.insert(cur.end(), b.data + lo, b.data + hi);
        l.rx_accepted();
        if (b.last) {
            out.push_back({start, cur, b.user});
            cur.clear();
        }
    }
}

void test_link_timing() {
    Check c;
    {
        LinkConfig cfg;
        cfg.rate = 50; cfg.latency = 100;
        LinkDir l(cfg);
        Bytes f(1000, 0xAB);
        for (int k = 0; k < 5; k++) l.send_frame(0, f.data(), f.size());
        std::vector<Delivered> d;
        drain(l, 0, 400, d);
        // 1000 + 24 bytes at 50 bytes/cycle = 20.48 cycles each, back to back from cycle 0, + 100 latency.
        const uint64_t want[5] = {121, 141, 162, 182, 203};
        c(d.size() == 5, "delivered " + str(d.size()));
        for (size_t k = 0; k < d.size() && k < 5; k++)
            c(d[k].cycle == want[k] && d[k].bytes == f && !d[k].user, "frame " + str(k) + " first beat at " + str(d[k].cycle) + ", expected " + str(want[k]));
    }
    {   // fractional rate: 1000 frames of 1500 bytes at 12.5 bytes/cycle (25 Gbit/s)
        LinkConfig cfg;
        cfg.rate = 12.5; cfg.latency = 0;
        LinkDir l(cfg);
        Bytes f(1500, 1);
        for (int k = 0; k < 1000; k++) l.send_frame(0, f.data(), f.size());
        std::vector<Delivered> d;
        drain(l, 0, 130000, d);
        c(d.size() == 1000 && d.back().cycle == 121920, "last of 1000 x 1524 wire bytes at 12.5 B/cycle arrived at " +
                                                         (d.empty() ? std::string("-") : str(d.back().cycle)) + ", expected 121920");
    }
    {   // padding: a 20-byte frame becomes 60 bytes (zeros), 84 bytes on the wire: 2 cycles at 42 B/cycle
        LinkConfig cfg;
        cfg.rate = 42; cfg.latency = 3;
        LinkDir l(cfg);
        Bytes f(20, 0x11);
        l.send_frame(10, f.data(), f.size());
        std::vector<Delivered> d;
        drain(l, 0, 100, d);
        Bytes want(60, 0);
        std::memset(want.data(), 0x11, 20);
        c(d.size() == 1 && d[0].cycle == 15 && d[0].bytes == want, "short frame: padded to 60 bytes, first beat at cycle 15");
    }
    {   // transmit back-pressure: a serialisation backlog of more than 256 cycles drops tready
        LinkConfig cfg;
        cfg.rate = 1;
        LinkDir l(cfg);
        Bytes f(1500, 0);
        c(l.tx_ready(0), "tready low when idle");
        l.send_frame(0, f.data(), f.size());
        c(!l.tx_ready(0) && !l.tx_ready(1524 - 257) && l.tx_ready(1524 - 256), "tready around a 1524-cycle backlog");
    }
    report(c.ok(), "link_timing", c.ok() ? "rate 50: frames at 121/141/162/182/203 (20.48 cycles each + 100); 12.5 B/cycle exact over 1000 frames; 60-byte padding; tready after 256 cycles of backlog" : c.err);
}

// A stream of frames (id in the first 8 bytes) through a faulty link: returns what arrived.
struct FaultRun {
    std::vector<Delivered> d;
    LinkDirStats st;
    uint64_t n = 0;
};

FaultRun fault_run(double loss, double dup, double reorder, double corrupt, uint64_t seed, uint64_t n, size_t len = 60) {
    LinkConfig cfg;
    cfg.rate = 64; cfg.latency = 10;
    cfg.loss = loss; cfg.dup = dup; cfg.reorder = reorder; cfg.corrupt = corrupt; cfg.seed = seed;
    LinkDir l(cfg);
    FaultRun r;
    r.n = n;
    const uint64_t beats = (std::max<size_t>(len, 60) + 63) / 64;
    const uint64_t gap = 3 * beats;  // room for a duplicate and the serialisation
    Bytes f(len);
    std::mt19937_64 g(seed ^ 0x1234);
    for (uint64_t i = 0; i < n; i++) {
        for (auto& x : f) x = uint8_t(g());
        std::memcpy(f.data(), &i, 8);
        l.send_frame(i * gap, f.data(), f.size());
        drain(l, i * gap, (i + 1) * gap, r.d);
    }
    drain(l, n * gap, n * gap + 5000, r.d);
    r.st = l.stats();
    return r;
}

void test_link_faults() {
    Check c;
    const uint64_t N = 200000;
    FaultRun r = fault_run(0.05, 0.05, 0, 0.05, 42, N);
    const LinkDirStats& st = r.st;
    c(near_binomial(st.dropped, N, 0.05), "loss " + frac(st.dropped, N) + " for 0.05");
    c(near_binomial(st.duplicated, N - st.dropped, 0.05), "dup " + frac(st.duplicated, N - st.dropped) + " for 0.05");
    const uint64_t copies = N - st.dropped + st.duplicated;
    c(near_binomial(st.corrupted, copies, 0.05), "corrupt " + frac(st.corrupted, copies) + " for 0.05");
    c(r.d.size() == copies && st.frames_delivered == copies, "delivered " + str(r.d.size()) + " of " + str(copies) + " copies");
    // Every corrupted copy, and only those, is flagged; every unflagged copy is byte-identical to its frame.
    uint64_t flagged = 0, intact = 0;
    std::map<uint64_t, int> seen;
    std::mt19937_64 g(42 ^ 0x1234);
    std::vector<Bytes> orig(N, Bytes(60));
    for (uint64_t i = 0; i < N; i++) {
        for (auto& x : orig[i]) x = uint8_t(g());
        std::memcpy(orig[i].data(), &i, 8);
    }
    for (auto& x : r.d) {
        if (x.user) { flagged++; continue; }
        uint64_t id;
        std::memcpy(&id, x.bytes.data(), 8);
        if (id < N && x.bytes == orig[id]) intact++;
        seen[id]++;
    }
    c(flagged == st.corrupted && st.fcs_errors == st.corrupted, "flagged " + str(flagged) + ", corrupted " + str(st.corrupted));
    c(intact == r.d.size() - flagged, str(r.d.size() - flagged - intact) + " unflagged copies differ from their frame");
    bool twice_max = true;
    for (auto& kv : seen) twice_max &= kv.second <= 2;
    c(twice_max, "a frame delivered more than twice");
    char d[240];
    std::snprintf(d, sizeof d, "%llu frames: loss %s, dup %s, corrupt %s (each 0.05, within 5 sd); all %llu corrupted copies flagged by the FCS, unflagged copies intact",
                  (unsigned long long)N, frac(st.dropped, N).c_str(), frac(st.duplicated, N - st.dropped).c_str(),
                  frac(st.corrupted, copies).c_str(), (unsigned long long)st.corrupted);
    report(c.ok(), "link_fault_rates", c.ok() ? d : c.err);
}

void test_link_reorder() {
    Check c;
    const uint64_t N = 100000;
    const double p = 0.1;
    FaultRun r = fault_run(0, 0, p, 0, 7, N);
    // A frame is held with probability p unless one is already held; the next frame overtakes it, so the
    // fraction of frames delivered late is p / (1 + p).
    c(near_binomial(r.st.reordered, N, p / (1 + p)), "reordered " + frac(r.st.reordered, N) + ", expected " + frac(uint64_t(1e6 * p / (1 + p)), 1000000));
    uint64_t inversions = 0, prev = 0;
    bool first = true, all = r.d.size() == N;
    std::set<uint64_t> ids;
    for (auto& x : r.d) {
        uint64_t id;
        std::memcpy(&id, x.bytes.data(), 8);
        if (!first && id < prev) inversions++;
        prev = id;
        first = false;
        ids.insert(id);
    }
    c(all && ids.size() == N, "frames lost or duplicated by reordering");
    c(inversions == r.st.reordered, "order inversions " + str(inversions) + " != reordered " + str(r.st.reordered));
    report(c.ok(), "link_reorder", c.ok() ? "reorder 0.1: " + frac(r.st.reordered, N) + " of frames overtaken (p/(1+p) = 0.0909), each by exactly one frame, none lost" : c.err);
}

void test_link_fcs_every_size() {
    Check c;
    uint64_t total = 0;
    for (size_t len : {60, 61, 64, 65, 127, 500, 1500, 4096, 9000, 9086}) {
        FaultRun r = fault_run(0, 0, 0, 1.0, len, 2000, len);
        total += r.d.size();
        uint64_t unflagged = 0;
        for (auto& x : r.d) unflagged += !x.user;
        c(unflagged == 0 && r.st.corrupted == r.d.size() && r.st.fcs_errors == r.d.size(),
          "len " + str(len) + ": " + str(unflagged) + " corrupted copies passed the FCS check");
    }
    report(c.ok(), "link_fcs_catches_all", c.ok() ? str(total) + " copies with 1..3 flipped bits (frame or FCS), 60..9086 bytes: every one flagged" : c.err);
}

void test_link_determinism() {
    Check c;
    auto digest = [](const FaultRun& r) {
        uint64_t h = 1469598103934665603ull;
        for (auto& x : r.d) {
            h = (h ^ x.cycle) * 1099511628211ull;
            h = (h ^ crc32(x.bytes.data(), x.bytes.size())) * 1099511628211ull;
            h = (h ^ uint64_t(x.user)) * 1099511628211ull;
        }
        return h;
    };
    FaultRun a = fault_run(0.1, 0.1, 0.1, 0.1, 99, 20000), b = fault_run(0.1, 0.1, 0.1, 0.1, 99, 20000),
             d = fault_run(0.1, 0.1, 0.1, 0.1, 100, 20000);
    c(digest(a) == digest(b) && a.d.size() == b.d.size(), "same seed, different deliveries");
    c(digest(a) != digest(d), "different seeds, same deliveries");
    // The two directions draw from different streams of one seed.
    LinkConfig c0, c1;
    c0.seed = c1.seed = 5; c0.loss = c1.loss = 0.5; c1.direction = 1;
    LinkDir l0(c0), l1(c1);
    Bytes f(60, 0);
    for (int i = 0; i < 64; i++) { l0.send_frame(uint64_t(i) * 10, f.data(), 60); l1.send_frame(uint64_t(i) * 10, f.data(), 60); }
    std::vector<Delivered> d0, d1;
    drain(l0, 0, 2000, d0);
    drain(l1, 0, 2000, d1);
    bool same = d0.size() == d1.size();
    for (size_t i = 0; same && i < d0.size(); i++) same = d0[i].cycle == d1[i].cycle;
    c(!same, "both directions lost the same frames");
    report(c.ok(), "link_determinism", c.ok() ? "same seed => identical deliveries (cycle, bytes, flags) over 20000 frames; other seed and other direction differ" : c.err);
}

void test_link_misc() {
    Check c;
    {   // the receiving MAC's FIFO overflows when the NIC never takes frames
        LinkConfig cfg;
        cfg.rx_fifo_bytes = 16384;
        LinkDir l(cfg);
        Bytes f(1000, 0);
        for (int i = 0; i < 100; i++) l.send_frame(uint64_t(i) * 20, f.data(), f.size());
        std::vector<Delivered> d;
        drain(l, 0, 5000, d, false);
        c(l.stats().rx_overflow == 84 && l.in_flight() == 16, "rx FIFO: overflow " + str(l.stats().rx_overflow) + ", queued " + str(l.in_flight()));
        drain(l, 5000, 6000, d);
        c(d.size() == 16 && l.in_flight() == 0, "the 16 frames that fit are delivered afterwards");
    }
    {   // beats in, frame out; aborted and oversize frames are flagged
        LinkDir l;
        Bytes f(200);
        for (size_t i = 0; i < f.size(); i++) f[i] = uint8_t(i);
        uint8_t beat[64];
        for (size_t o = 0; o < f.size(); o += 64) {
            const size_t n = std::min<size_t>(64, f.size() - o);
            std::memset(beat, 0xCC, 64);
            std::memcpy(beat, f.data() + o, n);
            l.tx_beat(1, beat, lane_mask(0, unsigned(n)), o + n == f.size(), false);
        }
        std::memcpy(beat, f.data(), 64);
        l.tx_beat(2, beat, ~0ull, true, true);  // aborted by the NIC
        for (int i = 0; i < 300; i++) l.tx_beat(3, beat, ~0ull, i == 299, false);  // 19200 bytes: cut, flagged
        std::vector<Delivered> d;
        drain(l, 0, 2000, d);
        c(d.size() == 3 && d[0].bytes == f && !d[0].user, "frame assembled from beats");
        c(d.size() == 3 && d[1].user && d[1].bytes.size() == 64, "aborted frame not flagged");
        c(d.size() == 3 && d[2].user && d[2].bytes.size() == kMaxLinkFrame, "oversize frame not cut to 16384 and flagged");
        c(l.stats().tx_aborted == 2 && l.stats().bytes_sent == 200 + 64 + kMaxLinkFrame,
          "tx_aborted " + str(l.stats().tx_aborted) + ", bytes_sent " + str(l.stats().bytes_sent));
    }
    {   // both directions into one pcap, in timestamp order
        const std::string path = "/tmp/ncsim_models_" + std::to_string(getpid()) + ".pcap";
        PcapWriter w;
        std::string e;
        c(w.open(path, e), e);
        PcapMerger m(w);
        LinkConfig a, b;
        a.rate = 10; b.rate = 20; b.direction = 1;
        LinkDir l0(a), l1(b);
        l0.set_sent_hook([&](uint64_t ts, const uint8_t* p, size_t n) { m.add(0, ts, p, n); });
        l1.set_sent_hook([&](uint64_t ts, const uint8_t* p, size_t n) { m.add(1, ts, p, n); });
        Bytes f0 = udp_frame(500, 1, 0), f1 = udp_frame(100, 2, 1);
        for (uint64_t cyc = 0; cyc < 3000; cyc++) {
            if (cyc % 7 == 0) l0.send_frame(cyc, f0.data(), f0.size());
            if (cyc % 5 == 0) l1.send_frame(cyc, f1.data(), f1.size());
            m.flush_before(cyc + 1);
        }
        m.flush_before(UINT64_MAX);
        w.close();
        std::vector<PcapRec> recs;
        c(read_pcap(path, recs), "pcap unreadable");
        bool mono = true;
        for (size_t i = 1; i < recs.size(); i++) mono &= recs[i].ns >= recs[i - 1].ns;
        c(recs.size() == 429 + 600 && mono, "merged pcap: " + str(recs.size()) + " records, in order: " + (mono ? "yes" : "no"));
        c(!recs.empty() && recs[0].ns == 0, "first frame stamped at cycle 0");
        const TsharkResult tr = tshark_check(path);
        c(tr.ran && tr.frames == int(recs.size()) && tr.bad == 0, "tshark: " + std::to_string(tr.bad) + " bad of " + std::to_string(tr.frames) + " " + tr.first_problem);
        std::remove(path.c_str());
    }
    report(c.ok(), "link_misc", c.ok() ? "rx FIFO overflow drops and keeps what fits; beats assembled; aborted and >16384-byte frames flagged; two directions merged into one ordered pcap that tshark decodes cleanly" : c.err);
}

// ---- DMA -------------------------------------------------------------------------------------------
struct Buf {
    uint8_t* p;
    size_t n;
    explicit Buf(size_t len) : n(len) {
        p = static_cast<uint8_t*>(std::aligned_alloc(4096, (len + 4095) & ~size_t(4095)));
        std::memset(p, 0, len);
    }
    ~Buf() { std::free(p); }
    uint64_t a(size_t off = 0) const { return uint64_t(uintptr_t(p)) + off; }
};

void test_iommu() {
    Check c;
    IoMmu m;
    c(!m.covered(0x1000, 1), "empty table covers");
    c(m.map(0x1000, 0x1000) && m.map(0x2000, 0x800) && m.map(0x4000, 0x100), "map");
    c(m.covered(0x1000, 0x1800), "touching ranges are one region");
    c(m.covered(0x17FF, 2) && m.covered(0x27FF, 1) && !m.covered(0x27FF, 2), "boundaries");
    c(!m.covered(0xFFF, 2) && !m.covered(0x2800, 1) && !m.covered(0x3FFF, 2) && m.covered(0x4000, 0x100), "outside");
    c(!m.covered(0x1000, 0) && !m.covered(~0ull - 4, 10), "zero length / wrap");
    c(!m.map(0, 0) && !m.map(~0ull - 4, 10), "bad map accepted");
    c(m.map(0x1800, 0x1000), "overlapping map");
    c(m.unmap(0x1000, 0x1000) && m.covered(0x1800, 0x1000) && !m.covered(0x17FF, 1), "unmap keeps the overlapping range");
    c(!m.unmap(0x2000, 0x100) && m.unmap(0x2000, 0x800) && m.covered(0x2000, 0x800), "exact unmap only; overlap still covers");
    c(m.unmap(0x1800, 0x1000) && !m.covered(0x2000, 1), "unmap all");
    report(c.ok(), "iommu", c.ok() ? "union of ranges, exact boundaries, zero length/wrap refused, unmap by exact (addr, len)" : c.err);
}

struct RspBeat { uint64_t cycle; uint8_t data[64]; uint64_t keep; bool last; uint8_t tag; bool err; };

// Collects read responses from `from` to `to` (always ready).
void rd_collect(DmaEngine& e, uint64_t from, uint64_t to, std::vector<RspBeat>& out) {
    for (uint64_t cyc = from; cyc < to; cyc++) {
        RspBeat b;
        b.cycle = cyc;
        if (!e.rd_rsp_due(cyc) || !e.rd_rsp_beat(cyc, b.data, b.keep, b.last, b.tag, b.err)) continue;
        e.rd_rsp_accepted();
        out.push_back(b);
    }
}

void test_dma_read() {
    Check c;
    Buf mem(40000);
    std::mt19937_64 r(3);
    for (size_t i = 0; i < mem.n; i++) mem.p[i] = uint8_t(r());
    IoMmu m;
    m.map(mem.a(), mem.n);
    const uint32_t L = 37;
    DmaEngine e(m, L);
    int n = 0;
    // One request at a time: lanes, keep, last, data, latency.
    for (int k = 0; k < 400 && c.ok(); k++) {
        const uint32_t len = k < 20 ? uint32_t(k + 1) : (k % 5 == 0 ? 16384 : uint32_t(1 + r() % 3000));
        const size_t off = r() % (mem.n - len);
        const uint64_t t0 = uint64_t(k) * 1000;
        e.rd_request(t0, mem.a(off), len, uint8_t(k));
        std::vector<RspBeat> bs;
        rd_collect(e, t0, t0 + 1000, bs);
        const uint64_t a = mem.a(off);
        const size_t nb = size_t(((a + len - 1) >> 6) - (a >> 6) + 1);
        if (!c(bs.size() == nb, "len " + str(len) + " at +" + str(a % 64) + ": " + str(bs.size()) + " beats, expected " + str(nb))) break;
        c(bs[0].cycle == t0 + L, "first beat " + str(bs[0].cycle - t0) + " cycles after the request");
        size_t pos = 0;
        for (size_t i = 0; i < nb; i++) {
            const RspBeat& b = bs[i];
            const unsigned lo = i == 0 ? unsigned(a % 64) : 0;
            const unsigned hi = i + 1 == nb ? unsigned((a + len - 1) % 64) + 1 : 64;
            c(b.keep == lane_mask(lo, hi) && b.last == (i + 1 == nb) && b.tag == uint8_t(k) && !b.err && b.cycle == bs[0].cycle + i,
              "beat " + str(i) + " of len " + str(len) + " at +" + str(a % 64) + ": keep/last/tag/cycle");
            c(std::memcmp(b.data + lo, mem.p + off + pos, hi - lo) == 0, "data of beat " + str(i));
            pos += hi - lo;
        }
        n++;
    }
    // Many requests outstanding: answered in request order, back to back.
    std::vector<std::pair<uint64_t, uint32_t>> reqs;
    for (int k = 0; k < 50; k++) {
        const uint32_t len = uint32_t(1 + r() % 700);
        const uint64_t a = mem.a(r() % (mem.n - len));
        e.rd_request(1000000 + uint64_t(k), a, len, uint8_t(200 + k));
        reqs.push_back({a, len});
    }
    std::vector<RspBeat> bs;
    rd_collect(e, 1000000, 1010000, bs);
    size_t bi = 0;
    bool order = true;
    for (int k = 0; k < 50 && order; k++) {
        const uint64_t a = reqs[size_t(k)].first;
        const size_t nb = size_t(((a + reqs[size_t(k)].second - 1) >> 6) - (a >> 6) + 1);
        for (size_t i = 0; i < nb; i++, bi++) order &= bi < bs.size() && bs[bi].tag == uint8_t(200 + k) && bs[bi].last == (i + 1 == nb);
    }
    c(order && bi == bs.size(), "responses not in request order");
    c(bs.size() > 0 && bs.back().cycle - bs[0].cycle + 1 == bs.size(), "responses not back to back");
    c(e.stats().violations == 0 && e.error().empty(), "violations: " + e.error());
    report(c.ok(), "dma_read_lanes_order", c.ok() ? str(uint64_t(n)) + " reads of 1..16384 bytes at every lane: keep/last/data exact, first beat at +L; 50 outstanding answered in order, back to back" : c.err);
}

void test_dma_read_faults() {
    Check c;
    Buf mem(8192);
    IoMmu m;
    m.map(mem.a(), 4096);
    DmaEngine e(m, 5);
    std::vector<std::string> errs;
    e.set_error_hook([&](const std::string& s) { errs.push_back(s); });
    e.rd_request(0, mem.a(4000), 200, 1);     // crosses the end of the mapping
    e.rd_request(1, mem.a(5000), 10, 2);      // unmapped
    e.rd_request(2, mem.a(0), 0, 3);          // invalid: 0 bytes
    e.rd_request(3, mem.a(0), 16385, 4);      // invalid: too long
    e.rd_request(4, mem.a(100), 50, 5);       // fine
    std::vector<RspBeat> bs;
    rd_collect(e, 0, 100, bs);
    c(bs.size() == 6, "beats " + str(bs.size()) + ", expected 4 refusals + 2");
    for (size_t i = 0; i < 4 && i < bs.size(); i++)
        c(bs[i].err && bs[i].last && bs[i].keep == 0 && bs[i].tag == i + 1, "refused request " + str(i) + ": one beat with err, last, keep 0");
    c(bs.size() == 6 && !bs[4].err && bs[4].tag == 5 && bs[5].tag == 5 && bs[5].last, "request after refusals");
    c(e.stats().rd_faults == 4 && e.stats().violations == 2, "faults " + str(e.stats().rd_faults) + ", violations " + str(e.stats().violations));
    c(errs.size() == 2 && errs[0].find("0 bytes") != std::string::npos && errs[1].find("16385 bytes") != std::string::npos, "messages");
    // More than 256 outstanding: one violation when it happens.
    DmaEngine f(m, 1000);
    for (int i = 0; i < 300; i++) f.rd_request(uint64_t(i), mem.a(0), 64, uint8_t(i));
    c(f.stats().violations == 1 && f.error().find("more than 256") != std::string::npos && f.stats().rd_max_outstanding == 300, "outstanding: " + f.error());
    report(c.ok(), "dma_read_faults", c.ok() ? "unmapped/partly mapped/0-byte/16385-byte reads answered with one err beat, in order; invalid ones and >256 outstanding reported" : c.err);
}

// Writes [off, off+len) of mem as one burst with beats per the lane rules; last beat at cycle t.
void write_burst(DmaEngine& e, uint64_t t, uint64_t a, const uint8_t* src, size_t len, uint8_t tag) {
    const size_t nb = size_t(((a + len - 1) >> 6) - (a >> 6) + 1);
    size_t pos = 0;
    for (size_t i = 0; i < nb; i++) {
        uint8_t beat[64];
        std::memset(beat, 0xCD, 64);
        const unsigned lo = i == 0 ? unsigned(a % 64) : 0;
        const unsigned hi = i + 1 == nb ? unsigned((a + len - 1) % 64) + 1 : 64;
        std::memcpy(beat + lo, src + pos, hi - lo);
        pos += hi - lo;
        e.wr_beat(t - (nb - 1 - i), a, beat, lane_mask(lo, hi), i + 1 == nb, tag);
    }
}

void test_dma_write() {
    Check c;
    Buf mem(40000);
    IoMmu m;
    m.map(mem.a(), mem.n);
    const uint32_t L = 23;
    DmaEngine e(m, L);
    std::mt19937_64 r(9);
    Bytes src(16384);
    int n = 0;
    for (int k = 0; k < 300 && c.ok(); k++) {
        const size_t len = k < 10 ? size_t(k + 1) : (k % 7 == 0 ? 16384 : 1 + r() % 2500);
        const size_t off = 64 + r() % (mem.n - len - 128);
        for (auto& x : src) x = uint8_t(r());
        std::memset(mem.p, 0x99, mem.n);
        const uint64_t t = uint64_t(k) * 1000 + 600;
        write_burst(e, t, mem.a(off), src.data(), len, uint8_t(k));
        uint8_t tag;
        bool err;
        c(!e.wr_done_due(t + L - 1), "done before +L");
        c(mem.p[off] == 0x99, "memory written before the done");
        c(e.wr_done_due(t + L) && e.wr_done(t + L, tag, err) && tag == uint8_t(k) && !err, "done at +L with the tag");
        c(std::memcmp(mem.p + off, src.data(), len) == 0, "len " + str(len) + " at +" + str(mem.a(off) % 64) + ": data");
        c(mem.p[off - 1] == 0x99 && mem.p[off + len] == 0x99, "bytes around the burst changed");
        n++;
    }
    // Several bursts: acknowledged in order.
    for (int k = 0; k < 20; k++) write_burst(e, 500000 + uint64_t(k) * 3, mem.a(100 + size_t(k) * 200), src.data(), 150, uint8_t(k));
    bool order = true;
    int got = 0;
    for (uint64_t cyc = 500000; cyc < 501000; cyc++) {
        uint8_t tag;
        bool err;
        if (e.wr_done_due(cyc) && e.wr_done(cyc, tag, err)) order &= tag == uint8_t(got++) && !err;
    }
    c(order && got == 20, "dones out of order");
    c(e.stats().violations == 0, "violations: " + e.error());
    report(c.ok(), "dma_write_lanes_order", c.ok() ? str(uint64_t(n)) + " bursts of 1..16384 bytes at every lane: written exactly at +L, neighbours untouched; dones in order with their tags" : c.err);
}

void test_dma_write_faults() {
    Check c;
    Buf mem(8192);
    std::memset(mem.p, 0x55, mem.n);
    IoMmu m;
    m.map(mem.a(), 4096);
    DmaEngine e(m, 2);
    Bytes src(512, 0xAA);
    uint8_t tag;
    bool err;
    uint64_t t = 10;
    auto done = [&](uint64_t at) { return e.wr_done_due(at) && e.wr_done(at, tag, err); };
    write_burst(e, t, mem.a(4000), src.data(), 200, 1);  // crosses the end of the mapping
    c(done(t + 2) && err && tag == 1, "partly unmapped burst not refused");
    c(mem.p[4000] == 0x55 && mem.p[4095] == 0x55, "refused burst wrote the mapped part");
    c(e.stats().violations == 0, "an IOMMU fault is not a violation");
    // Rule breaking: each refused, reported, nothing written.
    struct V { const char* expect; void (*f)(DmaEngine&, uint64_t, uint64_t, const uint8_t*); };
    const V vs[] = {
        {"address changed", [](DmaEngine& x, uint64_t t0, uint64_t a, const uint8_t* d) {
             x.wr_beat(t0, a, d, ~0ull, false, 2); x.wr_beat(t0 + 1, a + 64, d, ~0ull, true, 2); }},
        {"non-contiguous keep", [](DmaEngine& x, uint64_t t0, uint64_t a, const uint8_t* d) {
             x.wr_beat(t0 + 1, a, d, 0xF0F0ull, true, 2); }},
        {"starts at lane 3, expected 0", [](DmaEngine& x, uint64_t t0, uint64_t a, const uint8_t* d) {
             x.wr_beat(t0 + 1, a, d, lane_mask(3, 64), true, 2); }},
        {"not full but not the last", [](DmaEngine& x, uint64_t t0, uint64_t a, const uint8_t* d) {
             x.wr_beat(t0, a, d, ~0ull, false, 2); x.wr_beat(t0, a, d, lane_mask(0, 10), false, 2);
             x.wr_beat(t0 + 1, a, d, lane_mask(0, 10), true, 2); }},
        {"keep = 0", [](DmaEngine& x, uint64_t t0, uint64_t a, const uint8_t* d) {
             x.wr_beat(t0 + 1, a, d, 0, true, 2); }},
    };
    int k = 0;
    for (auto& v : vs) {
        t += 100;
        const uint64_t before = e.stats().violations;
        std::string msg;
        e.set_error_hook([&](const std::string& s) { msg = s; });
        v.f(e, t, mem.a(1024), src.data());
        c(done(t + 3) && err, std::string(v.expect) + ": burst not refused");
        c(e.stats().violations == before + 1 && msg.find(v.expect) != std::string::npos, std::string(v.expect) + ": message '" + msg + "'");
        k++;
    }
    bool untouched = true;
    for (size_t i = 0; i < mem.n; i++) untouched &= mem.p[i] == 0x55;
    c(untouched, "a refused burst wrote memory");
    c(e.stats().wr_faults == 6, "wr_faults " + str(e.stats().wr_faults));
    report(c.ok(), "dma_write_faults", c.ok() ? "partly unmapped burst refused whole; address change, holes in keep, wrong first lane, short middle beat, empty beat: refused and reported, memory untouched" : c.err);
}

void test_dma_visibility() {
    Check c;
    Buf mem(4096);
    IoMmu m;
    m.map(mem.a(), mem.n);
    const uint32_t L = 10;
    DmaEngine e(m, L);
    Bytes one(64, 0x77);
    // A write whose last beat is at cycle 100 commits at 110. A read requested at 100 fetches at 110 (after
    // the commit, as the simulator drives write dones first); one requested at 99 fetches at 109 (before).
    write_burst(e, 100, mem.a(0), one.data(), 64, 1);
    e.rd_request(99, mem.a(0), 64, 1);
    e.rd_request(100, mem.a(0), 64, 2);
    uint8_t tag;
    bool err;
    std::vector<RspBeat> bs;
    for (uint64_t cyc = 100; cyc < 130; cyc++) {
        if (e.wr_done_due(cyc)) e.wr_done(cyc, tag, err);
        rd_collect(e, cyc, cyc + 1, bs);
    }
    c(bs.size() == 2 && bs[0].data[0] == 0 && bs[1].data[0] == 0x77, "read-after-write visibility");
    // Unmapping before the commit refuses the write.
    write_burst(e, 200, mem.a(128), one.data(), 64, 3);
    m.unmap(mem.a(), mem.n);
    c(e.wr_done(210, tag, err) && err && mem.p[128] == 0, "a write committed after unmap was not refused");
    report(c.ok(), "dma_visibility", c.ok() ? "a read fetched in the commit cycle sees the write, one fetched a cycle earlier does not; unmap before commit refuses the write" : c.err);
}

}  // namespace

int main() {
    test_crc();
    test_link_timing();
    test_link_faults();
    test_link_reorder();
    test_link_fcs_every_size();
    test_link_determinism();
    test_link_misc();
    test_iommu();
    test_dma_read();
    test_dma_read_faults();
    test_dma_write();
    test_dma_write_faults();
    test_dma_visibility();
    return summary();
}
