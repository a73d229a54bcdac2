// The two NICs of one libncsim system as an nchost::HostBus (tests/common/nc_host_model.h), in step mode: the
// host model acts only between ncsim_step calls, reads registers with ncsim_mmio_read (which runs the clock just
// until the answer, counted), and host memory is one arena mapped for both NICs' DMA. Shared by the hardware
// benchmarks (bench_nic.cpp) and the receive-path fuzzer (fuzz_nic.cpp).
//
// With guards on, every allocation is followed by a 64-byte guard band of a known pattern, and check_guards()
// says whether the NICs wrote into any guard or into the unallocated rest of the arena: a DMA write anywhere
// but into what the host gave the NIC.
#pragma once

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

#include "nc_host_model.h"
#include "ncsim_loader.h"

namespace ncbus {

inline NcsimApi api;

[[noreturn]] inline void die(const std::string& tool, const std::string& what, ncsim_t* s = nullptr) {
    std::fprintf(stderr, "%s: %s%s%s\n", tool.c_str(), what.c_str(), s ? ": " : "", s ? api.last_error(s).c_str() : "");
    std::exit(1);
}

class NcsimBus : public nchost::HostBus {
public:
    // `c` is a filled ncsim_config (the clock starts paused regardless).
    NcsimBus(std::string tool, ncsim_config c, bool guards = false, size_t arena = size_t(256) << 20)
        : tool_(std::move(tool)), guards_(guards), arena_(arena) {
        c.start_paused = 1;
        char e[512] = {0};
        s_ = api.ncsim_create(&c, e, sizeof e);
        if (!s_) die(tool_, std::string("ncsim_create: ") + e);
        base_ = static_cast<uint8_t*>(std::aligned_alloc(4096, arena_));
        if (!base_) die(tool_, "out of memory");
        std::memset(base_, guards_ ? kGuard : 0, arena_);
        for (int n = 0; n < 2; n++)
            if (api.ncsim_dma_map(s_, n, bus(base_), arena_) != NCSIM_OK) die(tool_, "ncsim_dma_map", s_);
    }
    ~NcsimBus() override {
        ncsim_nic_stats st[2];
        for (int n = 0; n < 2; n++) st[n] = nic_stats(n);
        const std::string err = api.last_error(s_);
        api.ncsim_destroy(s_);
        std::free(base_);
        if (st[0].violations || st[1].violations) {
            std::fprintf(stderr, "%s: device protocol violations: %s\n", tool_.c_str(), err.c_str());
            std::exit(1);
        }
    }
    NcsimBus(const NcsimBus&) = delete;
    NcsimBus& operator=(const NcsimBus&) = delete;

    void wr(int nic, uint32_t addr, uint32_t v) override {
        if (api.ncsim_mmio_write(s_, nic, addr, v) != NCSIM_OK) die(tool_, "ncsim_mmio_write", s_);
    }
    uint32_t rd(int nic, uint32_t addr) override {
        uint32_t v = 0;
        if (api.ncsim_mmio_read(s_, nic, addr, &v) != NCSIM_OK) die(tool_, "ncsim_mmio_read", s_);
        return v;
    }
    void run(uint64_t n) override {
        if (api.ncsim_step(s_, n) != NCSIM_OK) die(tool_, "ncsim_step", s_);
    }
    uint64_t now() const override { return api.ncsim_cycles(s_); }
    uint8_t* alloc(size_t n, size_t align) override {
        used_ = (used_ + align - 1) & ~(align - 1);
        if (used_ + n + (guards_ ? kGuardBytes : 0) > arena_) die(tool_, "arena exhausted");
        uint8_t* p = base_ + used_;
        std::memset(p, 0, n);   // what the host hands the NIC starts zeroed (rings must)
        used_ += n;
        if (guards_) {
            guards_at_.push_back(used_);
            used_ += kGuardBytes;   // already the pattern: the arena was filled with it
        }
        return p;
    }
    uint64_t bus(const uint8_t* p) const override { return uint64_t(uintptr_t(p)); }
    nchost::MacStamps stamps(int nic) override {
        const ncsim_nic_stats st = nic_stats(nic);
        nchost::MacStamps m;
        m.tx_frames = st.mac_tx_frames; m.tx_beats = st.mac_tx_beats; m.tx_sof = st.mac_tx_sof_cycle;
        m.rx_frames = st.mac_rx_frames; m.rx_beats = st.mac_rx_beats; m.rx_sof = st.mac_rx_sof_cycle;
        m.mmio_write = st.mmio_write_cycle;
        return m;
    }
    nchost::LinkCounts link_counts(int dir) override {
        const ncsim_link_stats st = link_stats();
        const ncsim_link_dir_stats& d = st.dir[dir];
        nchost::LinkCounts l;
        l.sent = d.frames_sent; l.dropped = d.dropped; l.reordered = d.reordered; l.duplicated = d.duplicated;
        l.delivered = d.frames_delivered;
        return l;
    }

    ncsim_nic_stats nic_stats(int nic) {
        ncsim_nic_stats st{};
        st.size = NCSIM_NIC_STATS_SIZE_V2;
        if (api.ncsim_get_nic_stats(s_, nic, &st) != NCSIM_OK) die(tool_, "ncsim_get_nic_stats", s_);
        return st;
    }
    ncsim_link_stats link_stats() {
        ncsim_link_stats st{};
        st.size = NCSIM_LINK_STATS_SIZE_V2;
        if (api.ncsim_get_link_stats(s_, &st) != NCSIM_OK) die(tool_, "ncsim_get_link_stats", s_);
        return st;
    }
    void inject(int nic, const std::vector<uint8_t>& f, bool bad_fcs = false) {
        if (api.ncsim_inject_frame(s_, nic, f.data(), f.size(), bad_fcs ? NCSIM_INJECT_BAD_FCS : 0) != NCSIM_OK)
            die(tool_, "ncsim_inject_frame", s_);
    }
    std::string last_error() const { return api.last_error(s_); }

    // "" when every guard band and the unallocated rest of the arena still hold the pattern
    std::string check_guards() const {
        if (!guards_) return "";
        for (size_t g : guards_at_)
            for (size_t i = 0; i < kGuardBytes; i++)
                if (base_[g + i] != kGuard) return "a DMA write into the guard band after the allocation ending at arena offset " + std::to_string(g);
        for (size_t i = used_; i < arena_; i += 64)
            if (base_[i] != kGuard) return "a DMA write into unallocated memory at arena offset " + std::to_string(i);
        return "";
    }
    size_t guard_bands() const { return guards_at_.size(); }

private:
    static constexpr uint8_t kGuard = 0xA5;
    static constexpr size_t kGuardBytes = 64;
    std::string tool_;
    bool guards_;
    size_t arena_;
    ncsim_t* s_ = nullptr;
    uint8_t* base_ = nullptr;
    size_t used_ = 0;
    std::vector<size_t> guards_at_;
};

}  // namespace ncbus
