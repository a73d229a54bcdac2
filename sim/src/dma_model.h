// The host side of one NIC's DMA interface (docs/device-interface.md, "DMA rules"): an IOMMU-like
// table of mapped ranges and the engines that serve the NIC's read requests and write bursts from this
// process's memory (bus address = virtual address). Independent of Verilator (tests/sim/test_models.cpp
// tests it alone). Runs on the simulation thread only; the mapping table is changed only between cycles
// (ncsim_dma_map/unmap are executed there), so no lock is needed and a range is never touched after
// ncsim_dma_unmap returned.
//
// Timing (latency L cycles):
//  - a read request accepted at cycle t is answered from cycle t + L on, one beat per cycle while the
//    device is ready; host memory is read (and the IOMMU checked) when its first beat is presented;
//  - a write burst whose last beat is accepted at cycle t is written to host memory at cycle t + L (if the
//    whole burst is mapped; else nothing is written) and acknowledged by dma_wr_done in that cycle.
// Responses and acknowledgements come in request order. Writes become visible in order, each burst's
// highest-addressed byte last, after a release fence (a completion's phase byte is in its last byte).
// A write committed at cycle c is visible to a read that fetches at cycle c or later.
#pragma once

#include <atomic>
#include <cstdint>
#include <cstring>
#include <map>
#include <string>
#include <vector>

#include "link_model.h"  // Ring, keep_run, lane_mask

namespace ncm {

class IoMmu {
public:
    // Maps [addr, addr + len); ranges may overlap or touch (an access may span touching ranges).
    bool map(uint64_t addr, uint64_t len) {
        if (len == 0 || addr + len < addr) return false;
        maps_.emplace(addr, len);
        rebuild();
        return true;
    }
    // Removes one mapping made with exactly (addr, len).
    bool unmap(uint64_t addr, uint64_t len) {
        auto r = maps_.equal_range(addr);
        for (auto it = r.first; it != r.second; ++it)
            if (it->second == len) { maps_.erase(it); rebuild(); return true; }
        return false;
    }
    // True when every byte of [addr, addr + len) is mapped (len > 0, no wrap).
    bool covered(uint64_t addr, uint64_t len) const {
        if (len == 0 || addr + len < addr) return false;
        auto it = merged_.upper_bound(addr);
        if (it == merged_.begin()) return false;
        --it;
        return addr >= it->first && addr + len <= it->second;
    }
    size_t size() const { return maps_.size(); }

private:
    void rebuild() {
        merged_.clear();
        uint64_t s = 0, e = 0;
        bool have = false;
        for (auto& m : maps_) {  // ordered by start
            const uint64_t ms = m.first, me = m.first + m.second;
            if (have && ms <= e) { if (me > e) e = me; continue; }
            if (have) merged_.emplace(s, e);
            s = ms; e = me; have = true;
        }
        if (have) merged_.emplace(s, e);
    }
    std::multimap<uint64_t, uint64_t> maps_;  // start -> length, as mapped
    std::map<uint64_t, uint64_t> merged_;     // start -> end of the union, disjoint
};

struct DmaStats {
    uint64_t rd_requests = 0, rd_bytes = 0, rd_faults = 0;
    uint64_t wr_bursts = 0, wr_bytes = 0, wr_faults = 0;
    uint64_t violations = 0;     // device protocol violations (first one in error())
    uint64_t rd_max_outstanding = 0;
};

class DmaEngine {
public:
    static constexpr uint32_t kMaxRead = 16384;        // bytes per read request (device-interface.md)
    static constexpr size_t kMaxOutstanding = 256;     // reads the device may have outstanding
    static constexpr size_t kQueueLimit = 1024;        // requests/bursts queued before ready drops
    static constexpr uint32_t kMaxWrite = 65536;       // simulator limit on one write burst

    // on_error(message): called for every protocol violation (the system keeps the first).
    using ErrorHook = std::function<void(const std::string&)>;

    DmaEngine(IoMmu& mmu, uint32_t latency) : mmu_(mmu), latency_(latency) {}
    void set_error_hook(ErrorHook h) { error_hook_ = std::move(h); }
    const DmaStats& stats() const { return st_; }
    const std::string& error() const { return error_; }  // first protocol violation by the device
    bool idle() const { return rd_q_.empty() && wr_q_.empty() && !in_burst_; }

    // ---- reads ----
    bool rd_req_ready() const { return rd_q_.size() < kQueueLimit; }
    void rd_request(uint64_t cycle, uint64_t addr, uint32_t len, uint8_t tag) {
        Rd& r = rd_q_.push_back();
        r.addr = addr; r.len = len; r.tag = tag; r.ready = cycle + latency_;
        r.err = false; r.fetched = false; r.beat = 0;
        st_.rd_requests++;
        if (len == 0 || len > kMaxRead) {
            fail("DMA read request of " + std::to_string(len) + " bytes at 0x" + hex(addr) +
                 " (allowed 1.." + std::to_string(kMaxRead) + "); answered with err");
            r.err = true;
        } else if (addr + len < addr) {
            fail("DMA read request wraps the address space at 0x" + hex(addr) + "; answered with err");
            r.err = true;
        }
        if (rd_q_.size() > kMaxOutstanding && !over_limit_) {
            over_limit_ = true;
            fail("more than " + std::to_string(kMaxOutstanding) + " DMA reads outstanding");
        }
        if (rd_q_.size() <= kMaxOutstanding) over_limit_ = false;
        if (rd_q_.size() > st_.rd_max_outstanding) st_.rd_max_outstanding = rd_q_.size();
    }
    // A response beat is due at `cycle` (inline fast path for idle cycles).
    bool rd_rsp_due(uint64_t cycle) const { return !rd_q_.empty() && rd_q_.front().ready <= cycle; }
    // The next response beat, if one is due at `cycle`: data (64 lanes), keep, last, tag, err.
    // Host memory is read when a request's first beat is produced.
    bool rd_rsp_beat(uint64_t cycle, uint8_t* data, uint64_t& keep, bool& last, uint8_t& tag, bool& err) {
        if (rd_q_.empty() || rd_q_.front().ready > cycle) return false;
        Rd& r = rd_q_.front();
        if (!r.fetched) fetch(r);
        tag = r.tag;
        if (r.err) {
            std::memset(data, 0, 64);
            keep = 0; last = true; err = true;
            return true;
        }
        err = false;
        const uint64_t line = (r.addr & ~63ull) + 64ull * r.beat;
        const uint64_t lo = line > r.addr ? line : r.addr;
        const uint64_t end = r.addr + r.len;
        const uint64_t hi = line + 64 < end ? line + 64 : end;
        const unsigned l0 = unsigned(lo - line), l1 = unsigned(hi - line);
        if (l0) std::memset(data, 0, l0);
        std::memcpy(data + l0, r.data.data() + (lo - r.addr), l1 - l0);
        if (l1 < 64) std::memset(data + l1, 0, 64 - l1);
        keep = lane_mask(l0, l1);
        last = hi == end;
        return true;
    }
    // The beat last produced was accepted.
    void rd_rsp_accepted() {
        if (rd_q_.empty()) return;
        Rd& r = rd_q_.front();
        const uint64_t line = (r.addr & ~63ull) + 64ull * r.beat;
        if (r.err || line + 64 >= r.addr + r.len) rd_q_.pop_front();
        else r.beat++;
    }
    size_t rd_outstanding() const { return rd_q_.size(); }

    // ---- writes ----
    bool wr_ready() const { return wr_q_.size() < kQueueLimit; }
    // A beat accepted at `cycle`.
    void wr_beat(uint64_t cycle, uint64_t addr, const uint8_t* data, uint64_t keep, bool last, uint8_t tag) {
        if (!in_burst_) {
            in_burst_ = true;
            Wr& w = wr_q_.push_back();
            w.addr = addr; w.tag = tag; w.bad = false; w.len = 0; w.beats = 0; w.ready = UINT64_MAX;
            if (w.buf.size() < 1024) w.buf.resize(1024);
        }
        Wr& w = wr_q_[wr_q_.size() - 1];
        if (!w.bad) {
            unsigned lo, hi;
            const bool run = keep_run(keep, lo, hi);
            const unsigned first = unsigned(w.addr & 63);
            if (addr != w.addr) {
                bad(w, "DMA write address changed inside a burst (0x" + hex(w.addr) + " -> 0x" + hex(addr) + ")");
            } else if (!run) {
                bad(w, keep ? "DMA write beat with non-contiguous keep 0x" + hex(keep) + " at 0x" + hex(w.addr)
                            : "DMA write beat with keep = 0 at 0x" + hex(w.addr));
            } else if (w.beats == 0 ? lo != first : lo != 0) {
                bad(w, "DMA write beat " + std::to_string(w.beats) + " of the burst at 0x" + hex(w.addr) +
                       " starts at lane " + std::to_string(lo) + ", expected " + std::to_string(w.beats == 0 ? first : 0));
            } else if (!last && hi != 64) {
                bad(w, "DMA write beat " + std::to_string(w.beats) + " of the burst at 0x" + hex(w.addr) +
                       " is not full but not the last");
            } else if (w.len + (hi - lo) > kMaxWrite) {
                bad(w, "DMA write burst at 0x" + hex(w.addr) + " longer than " + std::to_string(kMaxWrite) + " bytes");
            } else if (w.addr + w.len + (hi - lo) < w.addr) {
                bad(w, "DMA write burst wraps the address space at 0x" + hex(w.addr));
            } else {
                if (w.buf.size() < w.len + 64) w.buf.resize(std::max<size_t>(w.buf.size() * 2, w.len + 64));
                std::memcpy(w.buf.data() + w.len, data + lo, hi - lo);
                w.len += hi - lo;
            }
        }
        w.beats++;
        if (last) {
            in_burst_ = false;
            w.ready = cycle + latency_;
        }
    }
    // A write-done pulse may be due at `cycle` (inline fast path for idle cycles).
    bool wr_done_due(uint64_t cycle) const { return !wr_q_.empty() && wr_q_.front().ready <= cycle; }
    // The write-done pulse due at `cycle`, if any: commits the burst to host memory first.
    bool wr_done(uint64_t cycle, uint8_t& tag, bool& err) {
        if (wr_q_.empty()) return false;
        Wr& w = wr_q_.front();
        if ((in_burst_ && wr_q_.size() == 1) || w.ready > cycle) return false;
        tag = w.tag;
        err = !commit(w);
        wr_q_.pop_front();
        return true;
    }
    size_t wr_outstanding() const { return wr_q_.size(); }

    static std::string hex(uint64_t v) {
        char b[20];
        std::snprintf(b, sizeof b, "%llx", (unsigned long long)v);
        return b;
    }

private:
    struct Rd {
        uint64_t addr = 0; uint32_t len = 0; uint8_t tag = 0; uint64_t ready = 0;
        bool err = false, fetched = false; uint32_t beat = 0;
        std::vector<uint8_t> data;  // keeps its capacity when the slot is reused
    };
    struct Wr {
        uint64_t addr = 0; uint64_t ready = 0; uint32_t len = 0; uint32_t beats = 0;
        uint8_t tag = 0; bool bad = false;
        std::vector<uint8_t> buf;
    };

    void fetch(Rd& r) {
        r.fetched = true;
        if (r.err) { st_.rd_faults++; return; }
        if (!mmu_.covered(r.addr, r.len)) { r.err = true; st_.rd_faults++; return; }
        if (r.data.size() < r.len) r.data.resize(r.len);
        std::memcpy(r.data.data(), reinterpret_cast<const void*>(uintptr_t(r.addr)), r.len);
        st_.rd_bytes += r.len;
    }

    bool commit(Wr& w) {
        st_.wr_bursts++;
        if (w.bad) { st_.wr_faults++; return false; }
        if (!mmu_.covered(w.addr, w.len)) { st_.wr_faults++; return false; }
        uint8_t* dst = reinterpret_cast<uint8_t*>(uintptr_t(w.addr));
        std::memcpy(dst, w.buf.data(), w.len - 1);
        std::atomic_thread_fence(std::memory_order_release);
        reinterpret_cast<std::atomic<uint8_t>*>(dst + w.len - 1)->store(w.buf[w.len - 1], std::memory_order_relaxed);
        st_.wr_bytes += w.len;
        return true;
    }

    void bad(Wr& w, const std::string& m) {
        w.bad = true;
        fail(m + "; the burst is refused (done with err)");
    }
    void fail(const std::string& m) {
        st_.violations++;
        if (error_.empty()) error_ = m;
        if (error_hook_) error_hook_(m);
    }

    IoMmu& mmu_;
    uint32_t latency_;
    ErrorHook error_hook_;
    DmaStats st_;
    std::string error_;
    Ring<Rd> rd_q_;
    Ring<Wr> wr_q_;
    bool in_burst_ = false;
    bool over_limit_ = false;
};

}  // namespace ncm
