// The simulated Ethernet link between the two NICs — one LinkDir per direction — and its helpers
// (CRC-32/FCS, seeded PRNG, pcap writer, fixed-capacity rings, a frame buffer pool). Independent of
// Verilator, so tests/sim/test_models.cpp tests it alone. Everything here runs on the simulation thread
// and depends only on the cycle numbers it is given, never on host timing.
//
// A frame leaves the transmitting NIC beat by beat (m_axis_tx, 64 byte lanes). At tlast the link
//   1. pads it to 60 bytes as a MAC does and computes its FCS (only when corruption is enabled: nothing
//      else can change a frame, so the check could never fail otherwise),
//   2. serialises it at `rate` bytes per cycle (frame + FCS + preamble/SFD + inter-frame gap, so at least
//      84 bytes on the wire), one frame after the other, then delays it by `latency` cycles,
//   3. draws its faults from the direction's own PRNG, always the same draws per frame in the same order
//      (loss, duplication, reorder, corruption of copy 1, corruption of copy 2, the bit positions), so the
//      fault pattern depends only on the seed and the frame sequence,
//   4. hands the frame (as transmitted, stamped with the cycle its first bit goes on the wire) to the pcap.
// A copy arriving at the receiver enters the receiving MAC's FIFO (or is dropped when the FIFO is full:
// a MAC cannot push back on the wire) and is streamed into s_axis_rx one beat per cycle while the NIC is
// ready. Its FCS is re-checked over the possibly corrupted bytes; a mismatch is delivered with tuser = 1
// at tlast (the MAC's "bad FCS"), as is a frame the transmitting NIC aborted (tuser = 1 at its tlast).
#pragma once

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <functional>
#include <string>
#include <utility>
#include <vector>

namespace ncm {

// ---- CRC-32 (IEEE 802.3: reflected polynomial 0xEDB88320, init and final xor 0xFFFFFFFF), slicing-by-8
struct Crc32Tables {
    uint32_t t[8][256];
    Crc32Tables() {
        for (uint32_t i = 0; i < 256; i++) {
            uint32_t c = i;
            for (int k = 0; k < 8; k++) c = (c & 1) ? 0xEDB88320u ^ (c >> 1) : c >> 1;
            t[0][i] = c;
        }
        for (uint32_t i = 0; i < 256; i++)
            for (int s = 1; s < 8; s++) t[s][i] = (t[s - 1][i] >> 8) ^ t[0][t[s - 1][i] & 0xFF];
    }
};

inline uint32_t crc32(const uint8_t* p, size_t n) {
    static const Crc32Tables T;
    uint32_t c = 0xFFFFFFFFu;
    while (n >= 8) {
        uint32_t lo, hi;
        std::memcpy(&lo, p, 4);
        std::memcpy(&hi, p + 4, 4);
        lo ^= c;  // little-endian host (x86-64, aarch64)
        c = T.t[7][lo & 0xFF] ^ T.t[6][(lo >> 8) & 0xFF] ^ T.t[5][(lo >> 16) & 0xFF] ^ T.t[4][lo >> 24] ^
            T.t[3][hi & 0xFF] ^ T.t[2][(hi >> 8) & 0xFF] ^ T.t[1][(hi >> 16) & 0xFF] ^ T.t[0][hi >> 24];
        p += 8;
        n -= 8;
    }
    while (n--) c = T.t[0][(c ^ *p++) & 0xFF] ^ (c >> 8);
    return c ^ 0xFFFFFFFFu;
}

// Bit-serial reference (tests compare the fast one against it).
inline uint32_t crc32_bitwise(const uint8_t* p, size_t n) {
    uint32_t c = 0xFFFFFFFFu;
    for (size_t i = 0; i < n; i++) {
        c ^= p[i];
        for (int k = 0; k < 8; k++) c = (c & 1) ? 0xEDB88320u ^ (c >> 1) : c >> 1;
    }
    return c ^ 0xFFFFFFFFu;
}

// ---- PRNG: xoshiro256** seeded through splitmix64 ------------------------------------------------
class Rng {
public:
    explicit Rng(uint64_t seed = 0) { reseed(seed); }
    void reseed(uint64_t seed) {
        uint64_t x = seed;
        for (auto& w : s_) w = splitmix(x);
    }
    uint64_t next() {
        const uint64_t r = rotl(s_[1] * 5, 7) * 9;
        const uint64_t t = s_[1] << 17;
        s_[2] ^= s_[0]; s_[3] ^= s_[1]; s_[1] ^= s_[2]; s_[0] ^= s_[3];
        s_[2] ^= t; s_[3] = rotl(s_[3], 45);
        return r;
    }
    double uniform() { return double(next() >> 11) * (1.0 / 9007199254740992.0); }  // [0, 1)
    uint64_t below(uint64_t n) { return n ? next() % n : 0; }

private:
    static uint64_t splitmix(uint64_t& x) {
        uint64_t z = (x += 0x9E3779B97F4A7C15ull);
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
        return z ^ (z >> 31);
    }
    static uint64_t rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }
    uint64_t s_[4];
};

// ---- a FIFO ring that grows by doubling and never shrinks (no allocation in steady state) -----------
template <class T>
class Ring {
public:
    bool empty() const { return n_ == 0; }
    size_t size() const { return n_; }
    T& front() { return v_[h_]; }
    const T& front() const { return v_[h_]; }
    T& operator[](size_t i) { return v_[(h_ + i) & (v_.size() - 1)]; }
    const T& operator[](size_t i) const { return v_[(h_ + i) & (v_.size() - 1)]; }
    T& push_back() {  // a reused slot (its old content is kept: buffers keep their capacity)
        if (n_ == v_.size()) grow();
        T& x = v_[(h_ + n_) & (v_.size() - 1)];
        n_++;
        return x;
    }
    void pop_front() { h_ = (h_ + 1) & (v_.size() - 1); n_--; }

private:
    void grow() {
        std::vector<T> w(v_.empty() ? 16 : v_.size() * 2);
        for (size_t i = 0; i < n_; i++) w[i] = std::move((*this)[i]);
        v_.swap(w);
        h_ = 0;
    }
    std::vector<T> v_;
    size_t h_ = 0, n_ = 0;
};

// ---- pcap (classic, nanosecond magic, little-endian, LINKTYPE_ETHERNET) ---------------------------
constexpr uint64_t kNsPerCycle = 4;  // NOMINAL_CLOCK_MHZ = 250

class PcapWriter {
public:
    PcapWriter() = default;
    PcapWriter(const PcapWriter&) = delete;
    PcapWriter& operator=(const PcapWriter&) = delete;
    ~PcapWriter() { close(); }

    bool open(const std::string& path, std::string& err) {
        f_ = std::fopen(path.c_str(), "wb");
        if (!f_) { err = "cannot create pcap file '" + path + "'"; return false; }
        std::setvbuf(f_, nullptr, _IOFBF, 1 << 20);
        uint8_t h[24];
        put32(h, 0xA1B23C4Du);  // nanosecond resolution
        put16(h + 4, 2); put16(h + 6, 4);
        put32(h + 8, 0); put32(h + 12, 0);
        put32(h + 16, 65535); put32(h + 20, 1);
        std::fwrite(h, 1, sizeof h, f_);
        return true;
    }
    bool is_open() const { return f_ != nullptr; }
    void write(uint64_t cycle, const uint8_t* p, size_t n) {
        if (!f_) return;
        const uint64_t ns = cycle * kNsPerCycle;
        const size_t incl = n < 65535 ? n : 65535;
        uint8_t h[16];
        put32(h, uint32_t(ns / 1000000000ull)); put32(h + 4, uint32_t(ns % 1000000000ull));
        put32(h + 8, uint32_t(incl)); put32(h + 12, uint32_t(n));
        std::fwrite(h, 1, sizeof h, f_);
        std::fwrite(p, 1, incl, f_);
        frames_++;
    }
    void flush() { if (f_) std::fflush(f_); }
    void close() { if (f_) { std::fclose(f_); f_ = nullptr; } }
    uint64_t frames() const { return frames_; }

private:
    static void put16(uint8_t* p, uint16_t v) { p[0] = uint8_t(v); p[1] = uint8_t(v >> 8); }
    static void put32(uint8_t* p, uint32_t v) { for (int i = 0; i < 4; i++) p[i] = uint8_t(v >> (8 * i)); }
    std::FILE* f_ = nullptr;
    uint64_t frames_ = 0;
};

// Both directions into one pcap in timestamp order. Each direction's frames arrive here in their own
// timestamp order (the cycle the frame starts on the wire, which is never before the cycle it is handed
// over), so a frame stamped before the current cycle can no longer be overtaken and is written.
class PcapMerger {
public:
    explicit PcapMerger(PcapWriter& w) : w_(w) {}
    void add(int dir, uint64_t ts, const uint8_t* p, size_t n) {
        Rec& r = q_[dir].push_back();
        r.ts = ts;
        r.bytes.assign(p, p + n);
        pending_++;
    }
    bool pending() const { return pending_ != 0; }
    // Writes every record stamped before `cycle` (all of them with cycle = UINT64_MAX).
    void flush_before(uint64_t cycle) {
        for (;;) {
            const bool a = !q_[0].empty() && q_[0].front().ts < cycle;
            const bool b = !q_[1].empty() && q_[1].front().ts < cycle;
            if (!a && !b) return;
            const int d = (a && b) ? (q_[1].front().ts < q_[0].front().ts ? 1 : 0) : (a ? 0 : 1);
            Rec& r = q_[d].front();
            w_.write(r.ts, r.bytes.data(), r.bytes.size());
            q_[d].pop_front();
            pending_--;
        }
    }

private:
    struct Rec { uint64_t ts = 0; std::vector<uint8_t> bytes; };
    PcapWriter& w_;
    Ring<Rec> q_[2];
    size_t pending_ = 0;
};

// ---- one 512-bit AXI-Stream beat (lane i = data[i]) -----------------------------------------------
struct Beat {
    uint8_t data[64];
    uint64_t keep = 0;
    bool last = false;
    bool user = false;
};

// keep mask of lanes [lo, hi) (0 <= lo < hi <= 64)
inline uint64_t lane_mask(unsigned lo, unsigned hi) {
    const uint64_t upto = hi >= 64 ? ~0ull : ((1ull << hi) - 1);
    return upto & ~((1ull << lo) - 1);
}

// True when keep is one run of set bits; lo/hi = [first, last + 1).
inline bool keep_run(uint64_t keep, unsigned& lo, unsigned& hi) {
    if (!keep) { lo = hi = 0; return false; }
    lo = unsigned(__builtin_ctzll(keep));
    hi = 64 - unsigned(__builtin_clzll(keep));
    return keep == lane_mask(lo, hi);
}

struct LinkConfig {
    double rate = 50;          // bytes per cycle on the wire (50 at 250 MHz = 100 Gbit/s)
    uint32_t latency = 0;      // cycles after serialisation (propagation)
    double loss = 0, reorder = 0, dup = 0, corrupt = 0;
    double corrupt_inner = 0;  // 1..3 bits flipped with the FCS recomputed over them (a switch's internal corruption)
    uint64_t seed = 0;
    int direction = 0;         // 0: NIC 0 -> NIC 1, 1: NIC 1 -> NIC 0 (selects the PRNG stream)
    uint64_t rx_fifo_bytes = 1 << 20;  // receiving MAC's FIFO; copies arriving when it is full are dropped
    uint32_t tx_backlog_cycles = 256;  // transmit MAC's FIFO, in cycles of serialisation (tready low above)
};

struct LinkDirStats {
    uint64_t frames_sent = 0, bytes_sent = 0, frames_delivered = 0, dropped = 0, reordered = 0,
             duplicated = 0, corrupted = 0, fcs_errors = 0, tx_aborted = 0, rx_overflow = 0;
    uint64_t corrupted_inner = 0, injected = 0;
};

constexpr size_t kMaxLinkFrame = 16384;         // longest frame the link carries (longer ones are cut and flagged)
constexpr uint32_t kWireOverhead = 4 + 8 + 12;  // FCS, preamble + SFD, inter-frame gap
constexpr uint32_t kMinFrame = 60;              // without FCS; shorter frames are padded with zeros
constexpr uint64_t kFpOne = 1ull << 16;         // link time is kept in 1/65536 cycle units

class LinkDir {
public:
    // (start cycle on the wire, frame as transmitted, length)
    using SentHook = std::function<void(uint64_t, const uint8_t*, size_t)>;

    explicit LinkDir(const LinkConfig& cfg = {}) { configure(cfg); }

    void configure(const LinkConfig& cfg) {
        cfg_ = cfg;
        if (!(cfg_.rate > 0)) cfg_.rate = 50;
        if (cfg_.rate > 64) cfg_.rate = 64;
        // One stream per direction, derived from the one seed.
        rng_.reseed(cfg.seed ^ (0xD1B54A32D192ED03ull * uint64_t(cfg.direction + 1)));
        hold_timeout_ = 1000 + 4ull * cfg_.latency;
        check_fcs_ = cfg_.corrupt > 0;
    }
    const LinkConfig& config() const { return cfg_; }
    void set_sent_hook(SentHook h) { sent_hook_ = std::move(h); }
    const LinkDirStats& stats() const { return st_; }
    uint64_t in_flight() const { return deliver_.size() - deliver_pos_dropped_ + held_.size(); }

    // ---- transmit side (m_axis_tx of the sending NIC) ----
    // tready for `cycle`: the serialiser backlog is short (the transmit MAC's FIFO has room).
    bool tx_ready(uint64_t cycle) const { return link_free_fp_ <= (cycle + cfg_.tx_backlog_cycles) * kFpOne; }

    // A beat accepted at `cycle` (valid && ready at the clock edge). Lanes follow keep; a frame's beats
    // are concatenated in order of their set lanes.
    void tx_beat(uint64_t cycle, const uint8_t* data, uint64_t keep, bool last, bool user) {
        unsigned lo, hi;
        if (keep_run(keep, lo, hi)) {
            append(data + lo, hi - lo);
        } else {
            for (unsigned l = 0; l < 64; l++)
                if ((keep >> l) & 1) append(data + l, 1);
        }
        if (last) {
            send_frame(cycle, cur_, cur_len_, user || cur_overflow_);
            cur_len_ = 0;
            cur_overflow_ = false;
        }
    }

    // A whole frame handed to the link at `cycle` (what tx_beat does at tlast; tests call it directly).
    void send_frame(uint64_t cycle, const uint8_t* p, size_t n, bool aborted = false) {
        st_.frames_sent++;
        st_.bytes_sent += n;
        if (aborted) st_.tx_aborted++;
        n = std::min(n, kMaxLinkFrame);
        const size_t wire_n = std::max<size_t>(n, kMinFrame);

        const uint64_t wire = wire_n + kWireOverhead;
        const uint64_t ser_fp = uint64_t(double(wire) * double(kFpOne) / cfg_.rate + 0.5);
        const uint64_t depart_fp = std::max(cycle * kFpOne, link_free_fp_);
        link_free_fp_ = depart_fp + ser_fp;
        const uint64_t depart = (depart_fp + kFpOne - 1) / kFpOne;
        const uint64_t arrive = (link_free_fp_ + kFpOne - 1) / kFpOne + cfg_.latency;

        // Fixed draws per frame, in a fixed order (see the file comment).
        const bool lose = rng_.uniform() < cfg_.loss;
        const bool dupl = rng_.uniform() < cfg_.dup;
        const bool hold = rng_.uniform() < cfg_.reorder;
        const bool corrupt[2] = {rng_.uniform() < cfg_.corrupt, rng_.uniform() < cfg_.corrupt};
        const uint64_t flips_seed = rng_.next();
        // drawn only when the mode is on, so the draws of every other configuration stay as they were
        const bool inner = cfg_.corrupt_inner > 0 && rng_.uniform() < cfg_.corrupt_inner;
        const uint64_t inner_seed = cfg_.corrupt_inner > 0 ? rng_.next() : 0;

        fill(scratch_[0], p, n, wire_n, arrive, aborted, check_fcs_);
        if (sent_hook_) sent_hook_(depart, scratch_[0].bytes.data(), wire_n);  // as it goes on the wire
        if (inner) {   // inside a switch: the bits change, the FCS it sends on is computed over them
            Rng r(inner_seed);
            flip_frame_bits(scratch_[0], n, r);
            if (check_fcs_) scratch_[0].fcs = crc32(scratch_[0].bytes.data(), wire_n);
            st_.corrupted_inner++;
        }
        if (lose) {
            st_.dropped++;
            return;
        }
        const size_t ncopies = dupl ? 2 : 1;
        if (dupl) {
            st_.duplicated++;
            Copy& d = scratch_[1];
            d.bytes.assign(scratch_[0].bytes.begin(), scratch_[0].bytes.end());
            d.fcs = scratch_[0].fcs; d.ready = arrive; d.aborted = aborted;
            d.bad = false; d.checked = !check_fcs_; d.dropped = false;
        }
        Rng flips(flips_seed);
        for (size_t i = 0; i < ncopies; i++)
            if (corrupt[i]) { flip_bits(scratch_[i], flips); st_.corrupted++; }
        if (hold && held_.empty()) {  // keep the copies back until a later frame has gone by
            for (size_t i = 0; i < ncopies; i++) std::swap(held_.push_back(), scratch_[i]);
            held_since_ = arrive;
            return;
        }
        for (size_t i = 0; i < ncopies; i++) std::swap(deliver_.push_back(), scratch_[i]);
        if (!held_.empty()) {  // this frame overtook the held one: the held one follows it
            st_.reordered++;
            release_held(arrive);
        }
    }

    // Once per cycle, before rx_beat: releases a held frame nobody overtook in time and admits arrived
    // copies into the receiving MAC's FIFO (dropping those that do not fit).
    void tick(uint64_t cycle) {
        if (!held_.empty() && cycle >= held_since_ + hold_timeout_) release_held(cycle);
        while (admitted_ < deliver_.size() && deliver_[admitted_].ready <= cycle) {
            Copy& c = deliver_[admitted_++];
            if (fifo_bytes_ + c.bytes.size() > cfg_.rx_fifo_bytes) {
                c.dropped = true;
                st_.rx_overflow++;
                deliver_pos_dropped_++;
            } else {
                fifo_bytes_ += c.bytes.size();
            }
        }
    }
    // A frame put into the receiving MAC as if it had arrived on the wire at `cycle` (behind every copy already on
    // its way), flagged bad (tuser) when `bad`: the fuzzer's input. No fault is drawn for it.
    void inject(uint64_t cycle, const uint8_t* p, size_t n, bool bad) {
        n = std::min(n, kMaxLinkFrame);
        const size_t wire_n = std::max<size_t>(n, kMinFrame);
        Copy& c = deliver_.push_back();
        c.bytes.resize(wire_n);
        std::memcpy(c.bytes.data(), p, n);
        if (wire_n > n) std::memset(c.bytes.data() + n, 0, wire_n - n);
        c.fcs = 0;
        c.ready = deliver_.size() > 1 ? std::max(cycle, deliver_[deliver_.size() - 2].ready) : cycle;
        c.aborted = bad;
        c.bad = false;
        c.checked = true;
        c.dropped = false;
        st_.injected++;
    }

    // Copies have arrived at the receiving MAC (inline fast path for idle cycles).
    bool rx_available() const { return admitted_ != 0; }
    // Nothing in the link (nothing to tick or deliver).
    bool idle() const { return deliver_.empty() && held_.empty(); }

    // ---- receive side (s_axis_rx of the receiving NIC) ----
    // The next beat to present (tvalid = return value); call after tick(cycle). data = 64 lanes.
    bool rx_beat(uint8_t* data, uint64_t& keep, bool& last, bool& user) {
        while (admitted_ > 0 && deliver_.front().dropped) pop_delivered(false);
        if (admitted_ == 0) return false;
        Copy& c = deliver_.front();
        if (rx_off_ == 0 && !c.checked) {  // the receiving MAC checks the FCS as the frame arrives
            c.bad = crc32(c.bytes.data(), c.bytes.size()) != c.fcs;
            if (c.bad) st_.fcs_errors++;
            c.checked = true;
        }
        const size_t n = c.bytes.size();
        const size_t take = std::min<size_t>(64, n - rx_off_);
        std::memcpy(data, c.bytes.data() + rx_off_, take);
        if (take < 64) std::memset(data + take, 0, 64 - take);
        keep = lane_mask(0, unsigned(take));
        last = rx_off_ + take == n;
        user = last && (c.bad || c.aborted);
        return true;
    }
    bool rx_beat(Beat& b) { return rx_beat(b.data, b.keep, b.last, b.user); }
    // The beat last returned by rx_beat was accepted (tvalid && tready at the edge).
    void rx_accepted() {
        if (admitted_ == 0) return;
        Copy& c = deliver_.front();
        rx_off_ += std::min<size_t>(64, c.bytes.size() - rx_off_);
        if (rx_off_ >= c.bytes.size()) {
            rx_off_ = 0;
            fifo_bytes_ -= c.bytes.size();
            pop_delivered(true);
        }
    }

private:
    struct Copy {
        std::vector<uint8_t> bytes;
        uint32_t fcs = 0;
        uint64_t ready = 0;
        bool aborted = false, checked = false, bad = false, dropped = false;
    };

    void append(const uint8_t* p, size_t n) {
        const size_t room = kMaxLinkFrame - cur_len_;
        if (n > room) { cur_overflow_ = true; n = room; }
        std::memcpy(cur_ + cur_len_, p, n);
        cur_len_ += n;
    }

    void fill(Copy& c, const uint8_t* p, size_t n, size_t wire_n, uint64_t arrive, bool aborted, bool fcs) {
        c.bytes.resize(wire_n);
        std::memcpy(c.bytes.data(), p, n);
        if (wire_n > n) std::memset(c.bytes.data() + n, 0, wire_n - n);
        c.fcs = fcs ? crc32(c.bytes.data(), wire_n) : 0;
        c.ready = arrive;
        c.aborted = aborted;
        c.bad = false;
        c.checked = !check_fcs_;
        c.dropped = false;
    }

    void pop_delivered(bool delivered) {
        if (delivered) st_.frames_delivered++;
        else deliver_pos_dropped_--;
        deliver_.pop_front();
        admitted_--;
    }

    // 1..3 distinct bit flips anywhere in frame + FCS. CRC-32 detects every error of up to 3 bits in
    // frames up to 11454 bytes (Hamming distance 4), which covers every frame the NIC sends.
    void flip_bits(Copy& c, Rng& r) {
        if (!check_fcs_) return;
        const uint64_t nbits = (c.bytes.size() + 4) * 8;
        const int k = 1 + int(r.below(3));
        uint64_t done[3];
        for (int i = 0; i < k; i++) {
            uint64_t bit;
            bool again;
            do {
                bit = r.below(nbits);
                again = false;
                for (int j = 0; j < i; j++) again |= done[j] == bit;
            } while (again);
            done[i] = bit;
            const uint64_t byte = bit / 8;
            if (byte < c.bytes.size()) c.bytes[byte] ^= uint8_t(1u << (bit % 8));
            else c.fcs ^= 1u << (8 * (byte - c.bytes.size()) + bit % 8);
        }
    }

    // 1..3 distinct bit flips within the frame's own bytes [0, n) (not the padding, not the FCS)
    static void flip_frame_bits(Copy& c, size_t n, Rng& r) {
        const uint64_t nbits = uint64_t(n) * 8;
        const int k = 1 + int(r.below(3));
        uint64_t done[3];
        for (int i = 0; i < k; i++) {
            uint64_t bit;
            bool again;
            do {
                bit = r.below(nbits);
                again = false;
                for (int j = 0; j < i; j++) again |= done[j] == bit;
            } while (again);
            done[i] = bit;
            c.bytes[bit / 8] ^= uint8_t(1u << (bit % 8));
        }
    }

    void release_held(uint64_t not_before) {
        while (!held_.empty()) {
            Copy& d = deliver_.push_back();
            std::swap(d, held_.front());
            d.ready = std::max(d.ready, not_before);
            held_.pop_front();
        }
    }

    LinkConfig cfg_;
    Rng rng_;
    SentHook sent_hook_;
    LinkDirStats st_;
    bool check_fcs_ = false;
    uint8_t cur_[kMaxLinkFrame];
    size_t cur_len_ = 0;
    bool cur_overflow_ = false;
    uint64_t link_free_fp_ = 0;
    uint64_t hold_timeout_ = 1000;
    Ring<Copy> deliver_;           // copies in arrival order; [0, admitted_) have arrived
    size_t admitted_ = 0;
    size_t deliver_pos_dropped_ = 0;  // admitted copies marked dropped, not yet popped
    uint64_t fifo_bytes_ = 0;
    Ring<Copy> held_;
    uint64_t held_since_ = 0;
    size_t rx_off_ = 0;
    Copy scratch_[2];                 // frames are built here, then swapped into a ring slot
};

}  // namespace ncm
