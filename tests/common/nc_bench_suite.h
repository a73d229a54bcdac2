// The NIC hardware benchmarks (issue 5, section 1): cycle-exact figures of two NICs joined by a 64 B/cycle
// link, measured by the host model of nc_host_model.h. The harness supplies the systems (a factory of
// HostBus for a DMA latency / loss / seed): tests/sim/bench_nic.cpp runs them through libncsim in step
// mode, tests/rtl/tb_nic.cpp (`bench`) over its own two directly Verilated NICs. Figures go to stdout as
// tables and into a JSON array (one entry per figure: name, value, unit, parameters).
#pragma once

#include "nc_host_model.h"

#include <chrono>
#include <cinttypes>

namespace nchost {

struct BenchSysConfig {
    uint32_t dma_latency = 0;   // cycles
    double loss = 0;            // per-frame probability, both directions
    double reorder = 0;         // per-frame probability of being held back behind the next frame, both directions
    uint64_t seed = 1;
};
using BusFactory = std::function<std::unique_ptr<HostBus>(const BenchSysConfig&)>;

class Json {
public:
    explicit Json(std::string common = "") : common_(std::move(common)) {}
    void add(const std::string& name, double value, const std::string& unit, const std::string& params) {
        char b[1024];
        std::string prm = params;
        if (!common_.empty()) prm += (prm.empty() ? "" : ", ") + common_;
        std::snprintf(b, sizeof b, "%s\n  {\"name\": \"%s\", \"value\": %.6g, \"unit\": \"%s\", \"params\": {%s}}",
                      first_ ? "" : ",", name.c_str(), value, unit.c_str(), prm.c_str());
        s_ += b;
        first_ = false;
    }
    std::string str() const { return s_ + "\n]\n"; }
    bool write(const std::string& path) const {
        if (path.empty()) return true;
        FILE* f = std::fopen(path.c_str(), "w");
        if (!f) return false;
        std::fputs(str().c_str(), f);
        return std::fclose(f) == 0;
    }

private:
    std::string common_, s_ = "[";
    bool first_ = true;
};

struct Goodput {
    double bytes_per_cycle = 0, msgs_per_cycle = 0;
    double tx_beats_per_cycle = 0, rx_beats_per_cycle = 0;   // NIC 0's MAC Tx, NIC 1's MAC Rx, same window
    uint64_t cycles = 0, bytes = 0, msgs = 0;
    // loss recovery, over the whole run: data frames lost on the link (NIC 0 -> 1, which carries the data),
    // acknowledgements lost (NIC 1 -> 0), NIC 0's retransmissions and timeouts, NIC 1's duplicates dropped
    uint64_t lost_data = 0, lost_acks = 0, reordered = 0, retx = 0, timeouts = 0, dups = 0, data_frames = 0;
    bool ok = false;
    std::string err;
};

// One direction over `channels` channel pairs, `n` messages of `size` bytes per channel; goodput counted
// from the first to the last payload byte placed into host memory (steady state: the ramp-up of the
// first window is excluded by counting from the first completion). The host polls every 2 cycles and
// reposts buffers / posts descriptors as fast as the rings allow.
inline Goodput measure(const BusFactory& make, uint32_t dma_latency, double loss, int channels, uint32_t size, uint32_t n,
                       uint64_t seed, bool verify = false, std::vector<double>* per_channel = nullptr, double reorder = 0) {
    BenchSysConfig c; c.dma_latency = dma_latency; c.loss = loss; c.reorder = reorder; c.seed = seed;
    std::unique_ptr<HostBus> sy = make(c);
    const bool faults = loss > 0 || reorder > 0;
    init_nic(*sy, 0, faults ? 8000 : 0); init_nic(*sy, 1, faults ? 8000 : 0);
    std::vector<std::unique_ptr<Pair>> pairs;
    Goodput g;
    if (!open_pairs(*sy, pairs, channels, g.err, 8, 8, std::max<uint32_t>(size, 64))) return g;
    Traffic t(*sy, seed);
    t.verify = verify;
    t.stamp = true;
    for (auto& p : pairs) t.add_flow(&p->a, &p->b, n, fixed_size(size));
    TrafficResult r = t.run(400000000, 2);
    g.ok = r.ok; g.err = r.error;
    uint64_t first = ~0ull, last = 0;
    for (auto& f : t.flows_) { first = std::min(first, f.first_rx_cycle); last = std::max(last, f.last_rx_cycle); }
    // the first completion's own bytes arrived before the window starts: leave that message out
    g.msgs = r.msgs - uint64_t(channels);
    g.bytes = r.bytes - uint64_t(channels) * size;
    g.cycles = last - first;
    g.bytes_per_cycle = double(g.bytes) / double(g.cycles);
    g.msgs_per_cycle = double(g.msgs) / double(g.cycles);
    g.tx_beats_per_cycle = double(t.last_st[0].tx_beats - t.first_st[0].tx_beats) / double(g.cycles);
    g.rx_beats_per_cycle = double(t.last_st[1].rx_beats - t.first_st[1].rx_beats) / double(g.cycles);
    if (per_channel)
        for (auto& f : t.flows_) per_channel->push_back(double(f.bytes) / double(f.last_rx_cycle - f.first_rx_cycle));
    const LinkCounts d = sy->link_counts(0), a = sy->link_counts(1);
    g.lost_data = d.dropped; g.lost_acks = a.dropped; g.reordered = d.reordered + a.reordered;
    g.retx = sy->cnt(0, NC_REG_CNT_RETX_LO);
    g.timeouts = sy->cnt(0, NC_REG_CNT_TIMEOUTS_LO);
    g.dups = sy->cnt(1, NC_REG_CNT_DUP_LO);
    g.data_frames = sy->cnt(0, NC_REG_CNT_TX_FRAMES_LO) - sy->cnt(0, NC_REG_CNT_ACK_TX_LO);
    if (std::getenv("NC_DEBUG"))
        std::fprintf(stderr, "measure lat %u loss %.3f: cycles %llu credit stalls %llu acks tx1 %llu rx0 %llu bad_ack %llu oow %llu nobuf %llu\n",
                     dma_latency, loss, (unsigned long long)g.cycles, (unsigned long long)sy->cnt(0, NC_REG_CNT_CREDIT_STALL_LO),
                     (unsigned long long)sy->cnt(1, NC_REG_CNT_ACK_TX_LO), (unsigned long long)sy->cnt(0, NC_REG_CNT_ACK_RX_LO),
                     (unsigned long long)sy->cnt(0, NC_REG_CNT_BAD_ACK_LO), (unsigned long long)sy->cnt(1, NC_REG_CNT_OUT_OF_WINDOW_LO),
                     (unsigned long long)sy->cnt(1, NC_REG_CNT_RX_NO_BUF_LO));
    return g;
}

// One message at a time on an idle channel:
//  - doorbell-to-wire: the cycle NIC 0 accepted the DB_TX register write -> the cycle its MAC handed the
//    frame's first beat to the link;
//  - wire-to-completion: the cycle NIC 1 accepted the frame's first beat from the link -> the cycle the
//    Rx completion became visible in host memory (the host polls after every single cycle).
inline bool measure_latency(const BusFactory& make, uint32_t dma_latency, uint32_t size, int n, std::vector<uint64_t>& w2c,
                            std::vector<uint64_t>& d2w, std::string& err) {
    BenchSysConfig c; c.dma_latency = dma_latency;
    std::unique_ptr<HostBus> sy = make(c);
    init_nic(*sy, 0); init_nic(*sy, 1);
    std::vector<std::unique_ptr<Pair>> pairs;
    if (!open_pairs(*sy, pairs, 1, err, 6, 6)) return false;
    HostChan& a = pairs[0]->a;
    HostChan& b = pairs[0]->b;
    for (uint32_t k = 0; k < b.rx.size(); k++) {
        write_rx_desc(b.rx.at(b.rx_prod), sy->bus(b.rxbuf[k]), b.buf_size, uint16_t(k));
        b.rx_prod++;
    }
    sy->wr(1, NC_REG_DB_RX, nc_reg_db_rx(b.id, b.rx_prod));
    sy->run(500 + 2 * dma_latency);
    uint8_t* buf = sy->alloc(9216);
    for (int k = 0; k < n; k++) {
        write_tx_desc(a.tx.at(a.tx_prod), sy->bus(buf), size, uint16_t(k), 1, 2, uint32_t(k), 0, NC_NC_TYPE_DATA);
        a.tx_prod++;
        const uint64_t rx_frames = sy->stamps(1).rx_frames;
        sy->wr(0, NC_REG_DB_TX, nc_reg_db_tx(a.id, a.tx_prod));
        Cpl k2;
        uint64_t t_cpl = 0;
        const uint64_t t0 = sy->now();
        bool seen = false;
        while (!seen && sy->now() - t0 < 100000) {
            sy->run(1);
            uint16_t cons = b.cpl_cons;
            if (poll_cpl(b.cpl, cons, k2)) { seen = true; t_cpl = sy->now() - 1; }
        }
        if (!seen) { err = "no Rx completion within 100000 cycles"; return false; }
        MacStamps s0 = sy->stamps(0), s1 = sy->stamps(1);
        if (s1.rx_frames != rx_frames + 1 || s1.rx_sof == UINT64_MAX || s0.tx_sof == UINT64_MAX || s0.mmio_write == UINT64_MAX) {
            err = "unexpected frames on the link during a latency measurement";
            return false;
        }
        w2c.push_back(t_cpl - s1.rx_sof);
        d2w.push_back(s0.tx_sof - s0.mmio_write);
        sy->run(400 + 2 * dma_latency);   // let the ACK come back and the Tx completion land
        while (poll_cpl(a.cpl, a.cpl_cons, k2)) {}
        while (poll_cpl(b.cpl, b.cpl_cons, k2)) {}
        sy->wr(1, NC_REG_DB_CPL, nc_reg_db_cpl(b.id, 0, b.cpl_cons));
        sy->wr(0, NC_REG_DB_CPL, nc_reg_db_cpl(a.id, 0, a.cpl_cons));
        // repost the used buffer
        write_rx_desc(b.rx.at(b.rx_prod), sy->bus(b.rxbuf[b.rx_prod & (b.rx.size() - 1)]), b.buf_size, 0);
        b.rx_prod++;
        sy->wr(1, NC_REG_DB_RX, nc_reg_db_rx(b.id, b.rx_prod));
        sy->run(50);
    }
    return true;
}

inline uint64_t pct(std::vector<uint64_t> v, double p) {
    if (v.empty()) return 0;
    std::sort(v.begin(), v.end());
    return v[std::min(v.size() - 1, size_t(p * double(v.size())))];
}

// Every scenario of section 1; returns 0, or 1 when a run failed (a message lost, a bad completion...).
// `only` (empty: all) picks one section: goodput, channels, latency, loss, speed.
inline int run_bench_suite(const BusFactory& make, bool quick, Json& js, const std::string& title, const std::string& only = "") {
    const uint64_t seed = 1;
    auto want = [&](const char* name) { return only.empty() || only == name; };
    std::printf("NIC core benchmarks (%s; cycle counts exact; raw link 64 B/cycle)\n\n", title.c_str());
    if (want("goodput")) {
        // 1. one channel: goodput per payload size and DMA latency, and the Tx/Rx pipelines' beats per cycle
        std::printf("one channel, one direction: goodput into host memory; MAC beats/cycle of the sender's Tx and the receiver's Rx\n");
        std::printf("%-8s %-7s %12s %12s %12s %9s %9s %9s\n", "payload", "dma lat", "bytes/cycle", "of 64 B/cyc", "msgs/cycle",
                    "Tx beats", "Rx beats", "cycles");
        struct Sz { uint32_t size, n; };
        std::vector<Sz> sizes = {{64, quick ? 1500u : 20000u}, {1500, quick ? 300u : 4000u}, {4096, quick ? 150u : 2000u},
                                 {9000, quick ? 80u : 1000u}};
        for (uint32_t lat : {0u, 256u}) {
            for (auto& z : sizes) {
                Goodput g = measure(make, lat, 0, 1, z.size, z.n, seed);
                if (!g.ok) { std::printf("FAILED: %s\n", g.err.c_str()); return 1; }
                std::printf("%-8u %-7u %12.2f %11.1f%% %12.4f %9.3f %9.3f %9llu\n", z.size, lat, g.bytes_per_cycle,
                            100.0 * g.bytes_per_cycle / 64.0, g.msgs_per_cycle, g.tx_beats_per_cycle, g.rx_beats_per_cycle,
                            (unsigned long long)g.cycles);
                std::string prm = "\"payload_bytes\": " + s(z.size) + ", \"dma_latency_cycles\": " + s(lat) +
                                  ", \"channels\": 1, \"messages\": " + s(z.n);
                js.add("nic_goodput_one_channel", g.bytes_per_cycle, "bytes/cycle", prm);
                js.add("nic_goodput_fraction_of_link", g.bytes_per_cycle / 64.0, "fraction", prm);
                js.add("nic_message_rate_one_channel", g.msgs_per_cycle, "messages/cycle", prm);
                js.add("nic_tx_mac_beats_per_cycle", g.tx_beats_per_cycle, "beats/cycle", prm);
                js.add("nic_rx_mac_beats_per_cycle", g.rx_beats_per_cycle, "beats/cycle", prm);
            }
        }
    }
    if (want("channels")) {
        // 2. several channels sharing the link
        std::printf("\nchannels sharing the link (4096-byte payloads, DMA latency 0): aggregate goodput and fairness\n");
        std::printf("%-9s %14s %12s %22s\n", "channels", "bytes/cycle", "of 64 B/cyc", "Jain fairness index");
        for (int ch : {1, 2, 4, 16}) {
            std::vector<double> per;
            uint32_t n = (quick ? 320u : 3200u) / uint32_t(ch);
            Goodput g = measure(make, 0, 0, ch, 4096, std::max(n, quick ? 20u : 50u), seed, false, &per);
            if (!g.ok) { std::printf("FAILED: %s\n", g.err.c_str()); return 1; }
            double sum = 0, sq = 0;
            for (double x : per) { sum += x; sq += x * x; }
            double jain = sum * sum / (double(per.size()) * sq);
            std::printf("%-9d %14.2f %11.1f%% %22.4f\n", ch, g.bytes_per_cycle, 100.0 * g.bytes_per_cycle / 64.0, jain);
            std::string prm = "\"payload_bytes\": 4096, \"dma_latency_cycles\": 0, \"channels\": " + s(uint64_t(ch));
            js.add("nic_goodput_aggregate", g.bytes_per_cycle, "bytes/cycle", prm);
            js.add("nic_goodput_aggregate_fraction_of_link", g.bytes_per_cycle / 64.0, "fraction", prm);
            js.add("nic_fairness_jain", jain, "index", prm);
        }
        // small messages scale with channels, not with a single channel's window
        std::printf("\nchannels sharing the link (64-byte payloads, DMA latency 256): messages per cycle\n");
        std::printf("%-9s %14s\n", "channels", "msgs/cycle");
        for (int ch : {1, 2, 4, 16}) {
            uint32_t n = (quick ? 1600u : 16000u) / uint32_t(ch);
            Goodput g = measure(make, 256, 0, ch, 64, std::max(n, 100u), seed);
            if (!g.ok) { std::printf("FAILED: %s\n", g.err.c_str()); return 1; }
            std::printf("%-9d %14.4f\n", ch, g.msgs_per_cycle);
            js.add("nic_message_rate_aggregate", g.msgs_per_cycle, "messages/cycle",
                   "\"payload_bytes\": 64, \"dma_latency_cycles\": 256, \"channels\": " + s(uint64_t(ch)));
        }
    }
    if (want("latency")) {
        // 3. latency
        std::printf("\nlatency in cycles (64-byte payload, one message at a time)\n");
        std::printf("%-7s %-28s %8s %8s %8s\n", "dma lat", "path", "min", "median", "max");
        for (uint32_t lat : {0u, 256u}) {
            std::vector<uint64_t> w2c, d2w;
            std::string e;
            if (!measure_latency(make, lat, 64, quick ? 10 : 100, w2c, d2w, e)) { std::printf("FAILED: %s\n", e.c_str()); return 1; }
            std::printf("%-7u %-28s %8llu %8llu %8llu\n", lat, "wire to completion", (unsigned long long)pct(w2c, 0),
                        (unsigned long long)pct(w2c, 0.5), (unsigned long long)pct(w2c, 1));
            std::printf("%-7u %-28s %8llu %8llu %8llu\n", lat, "doorbell to wire", (unsigned long long)pct(d2w, 0),
                        (unsigned long long)pct(d2w, 0.5), (unsigned long long)pct(d2w, 1));
            std::string prm = "\"payload_bytes\": 64, \"dma_latency_cycles\": " + s(lat) + ", \"messages\": " + s(w2c.size());
            js.add("nic_wire_to_completion_min", double(pct(w2c, 0)), "cycles", prm);
            js.add("nic_wire_to_completion_median", double(pct(w2c, 0.5)), "cycles", prm);
            js.add("nic_wire_to_completion_max", double(pct(w2c, 1)), "cycles", prm);
            js.add("nic_doorbell_to_wire_min", double(pct(d2w, 0)), "cycles", prm);
            js.add("nic_doorbell_to_wire_median", double(pct(d2w, 0.5)), "cycles", prm);
            js.add("nic_doorbell_to_wire_max", double(pct(d2w, 1)), "cycles", prm);
        }
    }
    if (want("loss")) {
        // 4. loss and reordering: goodput, and what the recovery cost
        std::printf("\ngoodput under random loss and reordering (4096-byte payloads, one channel) as a fraction of lossless;\n"
                    "data lost = data frames the link dropped, acks lost = ACK frames it dropped, retx = retransmissions,\n"
                    "retx/lost = retransmissions per lost data frame, spurious = duplicates the receiver dropped (the\n"
                    "link duplicates nothing here: each is a retransmission the receiver already had), timeouts = RTO expiries\n");
        std::printf("%-7s %-8s %-7s %12s %11s %10s %9s %6s %9s %9s %9s\n", "dma lat", "loss", "reorder", "bytes/cycle",
                    "of lossless", "data lost", "acks lost", "retx", "retx/lost", "spurious", "timeouts");
        for (uint32_t lat : {0u, 256u}) {
            uint32_t n = quick ? 1000 : 3000;
            Goodput base = measure(make, lat, 0, 1, 4096, n, seed);
            if (!base.ok) { std::printf("FAILED: %s\n", base.err.c_str()); return 1; }
            struct Case { double loss, reorder; };
            for (Case k : {Case{0.001, 0}, Case{0.01, 0}, Case{0.05, 0}, Case{0.10, 0}, Case{0, 0.25}}) {
                Goodput g = measure(make, lat, k.loss, 1, 4096, n, seed + 7, false, nullptr, k.reorder);
                if (!g.ok) { std::printf("FAILED: %s\n", g.err.c_str()); return 1; }
                const double frac = g.bytes_per_cycle / base.bytes_per_cycle;
                const double per_lost = g.lost_data ? double(g.retx) / double(g.lost_data) : 0.0;
                std::printf("%-7u %-8.3f %-7.2f %12.2f %10.1f%% %10llu %9llu %6llu %9.2f %9llu %9llu\n", lat, k.loss, k.reorder,
                            g.bytes_per_cycle, 100.0 * frac, (unsigned long long)g.lost_data, (unsigned long long)g.lost_acks,
                            (unsigned long long)g.retx, per_lost, (unsigned long long)g.dups, (unsigned long long)g.timeouts);
                std::string prm = "\"payload_bytes\": 4096, \"dma_latency_cycles\": " + s(lat) + ", \"loss\": " + f3(k.loss) +
                                  ", \"reorder\": " + f3(k.reorder) + ", \"messages\": " + s(n);
                if (k.reorder == 0) {
                    js.add("nic_goodput_under_loss_fraction", frac, "fraction of lossless", prm);
                    js.add("nic_retransmissions_per_lost_frame", per_lost, "retransmissions", prm);
                } else {
                    js.add("nic_goodput_under_reorder_fraction", frac, "fraction of lossless", prm);
                    js.add("nic_spurious_retransmissions_fraction", double(g.dups) / double(g.data_frames), "fraction of data frames", prm);
                }
                js.add("nic_recovery_timeouts", double(g.timeouts), "timeouts", prm);
                js.add("nic_spurious_retransmissions", double(g.dups), "frames", prm);
            }
        }
    }
    if (want("speed")) {
        // 5. simulator speed (wall clock: the only figures here that depend on the machine)
        {
            std::unique_ptr<HostBus> sy = make({});
            init_nic(*sy, 0); init_nic(*sy, 1);
            uint64_t n = quick ? 50000 : 300000;
            auto a = std::chrono::steady_clock::now();
            sy->run(n);
            double idle = double(n) / std::chrono::duration<double>(std::chrono::steady_clock::now() - a).count();
            std::vector<std::unique_ptr<Pair>> pairs;
            std::string e;
            if (!open_pairs(*sy, pairs, 1, e, 8, 8)) { std::printf("FAILED: %s\n", e.c_str()); return 1; }
            Traffic t(*sy, seed);
            t.verify = false;
            t.add_flow(&pairs[0]->a, &pairs[0]->b, quick ? 150 : 1500, fixed_size(9000));
            auto b = std::chrono::steady_clock::now();
            TrafficResult r = t.run(100000000, 16);
            double busy = double(r.cycles) / std::chrono::duration<double>(std::chrono::steady_clock::now() - b).count();
            std::printf("\nsimulator speed (%s, two NICs): idle %.0f cycles/s, bulk 9000-byte transfer with the host model polling "
                        "every 16 cycles %.0f cycles/s\n", title.c_str(), idle, busy);
            js.add("sim_cycles_per_second_idle", idle, "cycles/s", "\"nics\": 2, \"cycles\": " + s(n));
            js.add("sim_cycles_per_second_bulk", busy, "cycles/s", "\"nics\": 2, \"payload_bytes\": 9000, \"poll_every_cycles\": 16");
        }
    }
    return 0;
}

}  // namespace nchost
