// libncsim: the C ABI of sim/include/ncsim.h around the Verilated ncsim_top (two NICs on one clock),
// the DMA model (dma_model.h) and the link model (link_model.h). docs/simulator.md describes it.
//
// One simulation thread per system owns everything Verilated and every model; host threads only post
// requests (a mutex-protected vector plus an atomic flag the simulation thread tests once per cycle) and
// wait for their completion (a condition variable). The per-cycle path takes no lock and allocates
// nothing when idle.
#include "ncsim.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstring>
#include <deque>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "Vncsim_top.h"
#include "verilated.h"
#if NCSIM_TRACE
#include "verilated_fst_c.h"
#endif

#include "dma_model.h"
#include "link_model.h"

// Which module ncsim_top instantiates (the Makefile defines NCSIM_TESTDEV=1 for the test fixture).
#if NCSIM_TESTDEV
#define NCSIM_DEVICE_NAME "nc_testdev"
#else
#define NCSIM_DEVICE_NAME "nc_nic"
#endif
#ifndef NCSIM_TRACE
#define NCSIM_TRACE 0
#endif

namespace {

using namespace ncm;

// Thrown by vl_fatal / vl_stop / vl_finish (overridden below) out of the model's eval.
struct SimFatal {
    std::string msg;
};

constexpr size_t kIrqQueue = 4096;

// ---- the ports of one NIC instance (pointers into the Verilated top) ------------------------------
struct Ports {
    CData *mmio_valid, *mmio_ready, *mmio_write, *mmio_rd_valid;
    SData* mmio_addr;
    IData *mmio_wdata, *mmio_rd_data;
    CData *rd_req_valid, *rd_req_ready, *rd_req_tag;
    QData* rd_req_addr;
    SData* rd_req_len;
    CData *rd_rsp_valid, *rd_rsp_ready, *rd_rsp_last, *rd_rsp_tag, *rd_rsp_err;
    uint8_t* rd_rsp_data;
    QData* rd_rsp_keep;
    CData *wr_valid, *wr_ready, *wr_last, *wr_tag, *wr_done_valid, *wr_done_tag, *wr_done_err;
    QData *wr_addr, *wr_keep;
    uint8_t* wr_data;
    uint8_t* tx_tdata;
    QData* tx_tkeep;
    CData *tx_tvalid, *tx_tready, *tx_tlast, *tx_tuser;
    uint8_t* rx_tdata;
    QData* rx_tkeep;
    CData *rx_tvalid, *rx_tready, *rx_tlast, *rx_tuser;
    CData *irq_valid, *irq_vector;
};

// Byte lane i of a 512-bit port is byte i of its word array (little-endian host).
template <class W>
uint8_t* lanes(W& w) { return reinterpret_cast<uint8_t*>(w.data()); }

#define NCSIM_BIND(P, T, N)                                                                            \
    P.mmio_valid = &T->N##_mmio_valid; P.mmio_ready = &T->N##_mmio_ready;                              \
    P.mmio_write = &T->N##_mmio_write; P.mmio_rd_valid = &T->N##_mmio_rd_valid;                        \
    P.mmio_addr = &T->N##_mmio_addr; P.mmio_wdata = &T->N##_mmio_wdata;                                \
    P.mmio_rd_data = &T->N##_mmio_rd_data;                                                              \
    P.rd_req_valid = &T->N##_dma_rd_req_valid; P.rd_req_ready = &T->N##_dma_rd_req_ready;              \
    P.rd_req_tag = &T->N##_dma_rd_req_tag; P.rd_req_addr = &T->N##_dma_rd_req_addr;                    \
    P.rd_req_len = &T->N##_dma_rd_req_len;                                                              \
    P.rd_rsp_valid = &T->N##_dma_rd_rsp_valid; P.rd_rsp_ready = &T->N##_dma_rd_rsp_ready;              \
    P.rd_rsp_last = &T->N##_dma_rd_rsp_last; P.rd_rsp_tag = &T->N##_dma_rd_rsp_tag;                    \
    P.rd_rsp_err = &T->N##_dma_rd_rsp_err; P.rd_rsp_data = lanes(T->N##_dma_rd_rsp_data);              \
    P.rd_rsp_keep = &T->N##_dma_rd_rsp_keep;                                                            \
    P.wr_valid = &T->N##_dma_wr_valid; P.wr_ready = &T->N##_dma_wr_ready;                              \
    P.wr_last = &T->N##_dma_wr_last; P.wr_tag = &T->N##_dma_wr_tag;                                    \
    P.wr_done_valid = &T->N##_dma_wr_done_valid; P.wr_done_tag = &T->N##_dma_wr_done_tag;              \
    P.wr_done_err = &T->N##_dma_wr_done_err; P.wr_addr = &T->N##_dma_wr_addr;                          \
    P.wr_keep = &T->N##_dma_wr_keep; P.wr_data = lanes(T->N##_dma_wr_data);                            \
    P.tx_tdata = lanes(T->N##_m_axis_tx_tdata); P.tx_tkeep = &T->N##_m_axis_tx_tkeep;                  \
    P.tx_tvalid = &T->N##_m_axis_tx_tvalid; P.tx_tready = &T->N##_m_axis_tx_tready;                    \
    P.tx_tlast = &T->N##_m_axis_tx_tlast; P.tx_tuser = &T->N##_m_axis_tx_tuser;                        \
    P.rx_tdata = lanes(T->N##_s_axis_rx_tdata); P.rx_tkeep = &T->N##_s_axis_rx_tkeep;                  \
    P.rx_tvalid = &T->N##_s_axis_rx_tvalid; P.rx_tready = &T->N##_s_axis_rx_tready;                    \
    P.rx_tlast = &T->N##_s_axis_rx_tlast; P.rx_tuser = &T->N##_s_axis_rx_tuser;                        \
    P.irq_valid = &T->N##_irq_valid; P.irq_vector = &T->N##_irq_vector;

// ---- completion of a blocking request ---------------------------------------------------------------
struct Done {
    bool done = false;
    int rc = 0;
    uint32_t value = 0;
    std::atomic<bool> abandoned{false};  // the caller gave up waiting (mmio read timeout)
};
using DoneP = std::shared_ptr<Done>;

enum class Op { MmioWrite, MmioRead, Map, Unmap, Pause, Resume, Step, LinkStats, NicStats, SetIrqCb, WaitCycle, Inject, Stop };

struct Req {
    explicit Req(Op o) : op(o) {}
    Op op;
    int nic = 0;
    uint64_t a = 0, b = 0;
    uint32_t v = 0;
    void* p = nullptr;
    void* p2 = nullptr;
    std::vector<uint8_t> bytes;   // Inject: the frame
    DoneP done;
};

struct MmioOp {
    bool write = false;
    uint16_t addr = 0;
    uint32_t data = 0;
    DoneP done;  // reads only
};

struct Nic {
    Ports p{};
    IoMmu mmu;
    std::unique_ptr<DmaEngine> dma;
    Ring<MmioOp> mmio_q;        // posted, not yet accepted by the device
    bool mmio_presented = false;
    Ring<DoneP> rd_wait;        // reads accepted, answer pending
    bool rsp_presented = false; // a DMA read response beat is on the inputs
    bool rx_presented = false;  // a link beat is on s_axis_rx
    LinkDir* tx_link = nullptr; // this NIC's m_axis_tx feeds it
    LinkDir* rx_link = nullptr; // it feeds this NIC's s_axis_rx
    uint64_t mmio_writes = 0, mmio_reads = 0, irqs = 0, mmio_violations = 0;
    // MAC and register timestamps (ncsim_nic_stats V2)
    uint64_t tx_frames = 0, tx_beats = 0, tx_sof = UINT64_MAX, rx_frames = 0, rx_beats = 0, rx_sof = UINT64_MAX;
    uint64_t mmio_write_cycle = UINT64_MAX;
    bool tx_in_frame = false, rx_in_frame = false;
};

struct Waiter {
    uint64_t cycle;
    DoneP done;
};

struct StepReq {
    uint64_t left;
    DoneP done;
};

}  // namespace

struct ncsim {
    // ---- configuration (immutable after create) ----
    ncsim_config cfg{};
    std::string pcap_path, trace_path;

    // ---- host side: queue, completions, state ----
    std::mutex mu;
    std::condition_variable cv_req;   // the simulation thread waits here while paused / idle
    std::condition_variable cv_done;  // blocked callers wait here
    std::vector<Req> queue;
    std::atomic<bool> pending{false};
    bool started = false, exited = false;  // guarded by mu
    std::atomic<bool> exited_a{false};     // = exited, readable without mu
    std::string start_error;
    std::atomic<bool> shutting_down{false};
    std::thread thread;
    std::thread::id sim_tid;
    std::atomic<uint64_t> cycle_pub{0};

    std::mutex irq_mu;
    std::condition_variable cv_irq;
    std::deque<int> irq_q[2];
    uint64_t irq_dropped[2] = {0, 0};

    std::mutex err_mu;
    std::string first_error;
    std::string fatal_error;  // why the simulation thread stopped, if it failed

    // ---- simulation thread only ----
    std::unique_ptr<VerilatedContext> ctx;
    std::unique_ptr<Vncsim_top> top;
#if NCSIM_TRACE
    std::unique_ptr<VerilatedFstC> tfp;
#endif
    bool tracing = false, trace_done = false;
    uint64_t trace_end = 0;
    Nic nic[2];
    LinkDir link[2];
    PcapWriter pcap;
    std::unique_ptr<PcapMerger> merger;
    std::vector<Req> work;
    uint64_t cycle = 0;
    bool paused = false, stop = false;
    Ring<StepReq> steps;
    std::vector<Waiter> waiters;  // wait_cycle, unordered (few)
    uint64_t next_wake = UINT64_MAX;
    uint64_t reads_inflight = 0;
    ncsim_irq_callback cb = nullptr;
    void* cb_user = nullptr;
    // Read answers and interrupts seen during a cycle, handed to the host after the cycle counter has
    // advanced (so a caller woken by them reads a stable ncsim_cycles while paused).
    struct ReadDone { DoneP done; uint32_t value; };
    std::vector<ReadDone> cycle_reads;
    struct IrqEvent { int nic, vector; };
    std::vector<IrqEvent> cycle_irqs;

    // ---------------------------------------------------------------------------------------------
    void record_error(const std::string& m) {
        std::lock_guard<std::mutex> lk(err_mu);
        if (first_error.empty()) first_error = m;
    }

    bool on_sim_thread() const { return std::this_thread::get_id() == sim_tid; }

    int post(Req&& r) {
        {
            std::lock_guard<std::mutex> lk(mu);
            if (exited || shutting_down.load()) return NCSIM_ESTOPPED;
            queue.push_back(std::move(r));
            pending.store(true, std::memory_order_release);
        }
        cv_req.notify_one();
        return NCSIM_OK;
    }

    // Posts a request and waits for its completion (timeout_ms < 0: forever).
    int call(Req&& r, int timeout_ms = -1, uint32_t* value = nullptr) {
        if (on_sim_thread()) return NCSIM_EDEADLK;
        DoneP d = std::make_shared<Done>();
        r.done = d;
        const int rc = post(std::move(r));
        if (rc) return rc;
        std::unique_lock<std::mutex> lk(mu);
        auto ready = [&] { return d->done || exited; };
        if (timeout_ms < 0) {
            cv_done.wait(lk, ready);
        } else if (!cv_done.wait_for(lk, std::chrono::milliseconds(timeout_ms), ready)) {
            d->abandoned.store(true);
            return NCSIM_ETIMEDOUT;
        }
        if (!d->done) return NCSIM_ESTOPPED;
        if (value) *value = d->value;
        return d->rc;
    }

    // Simulation thread: completes a request.
    void complete(const DoneP& d, int rc, uint32_t value = 0) {
        if (!d) return;
        {
            std::lock_guard<std::mutex> lk(mu);
            d->rc = rc;
            d->value = value;
            d->done = true;
        }
        cv_done.notify_all();
    }

    // ---- simulation thread ------------------------------------------------------------------------
    void thread_main() {
        sim_tid = std::this_thread::get_id();
        std::string err;
        try {
            init();
        } catch (SimFatal& f) {
            err = "model failed during reset: " + f.msg;
        } catch (std::exception& e) {
            err = std::string("model construction failed: ") + e.what();
        }
        {
            std::lock_guard<std::mutex> lk(mu);
            started = true;
            start_error = err;
            if (!err.empty()) { exited = true; exited_a.store(true); }
        }
        cv_done.notify_all();
        if (!err.empty()) { teardown(); return; }
        try {
            loop();
        } catch (SimFatal& f) {
            fail("simulation stopped at cycle " + std::to_string(cycle) + ": " + f.msg);
        } catch (std::exception& e) {
            fail("simulation stopped at cycle " + std::to_string(cycle) + ": " + e.what());
        }
        finish();
    }

    void fail(const std::string& m) {
        {
            std::lock_guard<std::mutex> lk(err_mu);
            fatal_error = m;
            if (first_error.empty()) first_error = m;
        }
    }

    void init() {
        ctx = std::make_unique<VerilatedContext>();
        ctx->randReset(0);  // every register starts at 0: runs are reproducible
        ctx->fatalOnError(true);
        ctx->fatalOnVpiError(true);
#if NCSIM_TRACE
        if (!trace_path.empty()) ctx->traceEverOn(true);
#endif
        top = std::make_unique<Vncsim_top>(ctx.get(), "ncsim");
        NCSIM_BIND(nic[0].p, top, n0)
        NCSIM_BIND(nic[1].p, top, n1)
        for (int d = 0; d < 2; d++) {
            LinkConfig lc;
            lc.rate = cfg.link_rate;
            lc.latency = cfg.link_latency_cycles;
            lc.loss = cfg.loss; lc.reorder = cfg.reorder; lc.dup = cfg.dup; lc.corrupt = cfg.corrupt;
            lc.corrupt_inner = cfg.corrupt_inner;
            lc.seed = cfg.seed;
            lc.direction = d;
            lc.rx_fifo_bytes = cfg.rx_fifo_bytes;
            link[d].configure(lc);
        }
        for (int i = 0; i < 2; i++) {
            nic[i].dma = std::make_unique<DmaEngine>(nic[i].mmu, cfg.dma_latency_cycles);
            nic[i].dma->set_error_hook([this, i](const std::string& m) {
                record_error("NIC " + std::to_string(i) + ", cycle " + std::to_string(cycle) + ": " + m);
            });
            nic[i].tx_link = &link[i];
            nic[i].rx_link = &link[1 - i];
        }
        if (!pcap_path.empty()) {
            std::string e;
            if (!pcap.open(pcap_path, e)) throw std::runtime_error(e);
            merger = std::make_unique<PcapMerger>(pcap);
            for (int d = 0; d < 2; d++)
                link[d].set_sent_hook([this, d](uint64_t ts, const uint8_t* p, size_t n) { merger->add(d, ts, p, n); });
        }
#if NCSIM_TRACE
        if (!trace_path.empty()) {
            tfp = std::make_unique<VerilatedFstC>();
            top->trace(tfp.get(), 99);
            tfp->open(trace_path.c_str());
            if (!tfp->isOpen()) throw std::runtime_error("cannot create waveform file '" + trace_path + "'");
            trace_end = cfg.trace_cycles ? cfg.trace_start_cycle + cfg.trace_cycles : UINT64_MAX;
        }
#endif
        // Reset: inputs idle, rst high for reset_cycles cycles, outputs ignored.
        top->rst = 1;
        for (uint32_t i = 0; i < cfg.reset_cycles; i++) {
            top->clk = 0; top->eval();
            top->clk = 1; top->eval();
        }
        top->rst = 0;
        top->clk = 0;
        top->eval();
        paused = cfg.start_paused != 0;
    }

    void loop() {
        for (;;) {
            if (pending.load(std::memory_order_acquire)) {
                process_requests();
                if (stop) return;
            }
            if (paused && steps.empty() && !live_reads()) {
                std::unique_lock<std::mutex> lk(mu);
                cv_req.wait(lk, [&] { return pending.load(std::memory_order_relaxed); });
                continue;
            }
            run_cycle();
        }
    }

    // While paused, blocking reads the callers still wait for make the clock run.
    bool live_reads() {
        if (reads_inflight == 0) return false;
        for (auto& n : nic) {
            for (size_t i = 0; i < n.mmio_q.size(); i++)
                if (!n.mmio_q[i].write && !n.mmio_q[i].done->abandoned.load(std::memory_order_relaxed)) return true;
            for (size_t i = 0; i < n.rd_wait.size(); i++)
                if (!n.rd_wait[i]->abandoned.load(std::memory_order_relaxed)) return true;
        }
        return false;
    }

    void process_requests() {
        {
            std::lock_guard<std::mutex> lk(mu);
            work.swap(queue);
            pending.store(false, std::memory_order_relaxed);
        }
        for (auto& r : work) apply(r);
        work.clear();
    }

    void apply(Req& r) {
        switch (r.op) {
        case Op::MmioWrite:
        case Op::MmioRead: {
            MmioOp& m = nic[r.nic].mmio_q.push_back();
            m.write = r.op == Op::MmioWrite;
            m.addr = uint16_t(r.a);
            m.data = r.v;
            m.done = std::move(r.done);
            if (!m.write) reads_inflight++;
            break;
        }
        case Op::Map:
            complete(r.done, nic[r.nic].mmu.map(r.a, r.b) ? NCSIM_OK : NCSIM_EINVAL);
            break;
        case Op::Unmap:
            complete(r.done, nic[r.nic].mmu.unmap(r.a, r.b) ? NCSIM_OK : NCSIM_ENOENT);
            break;
        case Op::Pause:
            paused = true;
            complete(r.done, NCSIM_OK);
            break;
        case Op::Resume:
            paused = false;
            complete(r.done, NCSIM_OK);
            break;
        case Op::Step:
            if (!paused) complete(r.done, NCSIM_ESTATE);
            else if (r.a == 0) complete(r.done, NCSIM_OK);
            else {
                StepReq& s = steps.push_back();
                s.left = r.a;
                s.done = std::move(r.done);
            }
            break;
        case Op::LinkStats:
            fill_link_stats(static_cast<ncsim_link_stats*>(r.p));
            complete(r.done, NCSIM_OK);
            break;
        case Op::NicStats:
            fill_nic_stats(r.nic, static_cast<ncsim_nic_stats*>(r.p));
            complete(r.done, NCSIM_OK);
            break;
        case Op::SetIrqCb:
            cb = reinterpret_cast<ncsim_irq_callback>(r.p);
            cb_user = r.p2;
            complete(r.done, NCSIM_OK);
            break;
        case Op::WaitCycle:
            if (cycle >= r.a) complete(r.done, NCSIM_OK);
            else {
                waiters.push_back({r.a, std::move(r.done)});
                next_wake = std::min(next_wake, r.a);
            }
            break;
        case Op::Inject:
            nic[r.nic].rx_link->inject(cycle, r.bytes.data(), r.bytes.size(), (r.v & NCSIM_INJECT_BAD_FCS) != 0);
            break;
        case Op::Stop:
            stop = true;
            break;
        }
    }

    // ---- one clock cycle ----
    void run_cycle() {
        const uint64_t c = cycle;
        for (int d = 0; d < 2; d++)
            if (!link[d].idle()) link[d].tick(c);
        drive(nic[0], c);
        drive(nic[1], c);
        top->clk = 0;
        top->eval();
#if NCSIM_TRACE
        if (tfp && !trace_done) trace_dump(c, 0);
#endif
        sample(nic[0], 0, c);
        sample(nic[1], 1, c);
        top->clk = 1;
        top->eval();
#if NCSIM_TRACE
        if (tfp && !trace_done) trace_dump(c, 2);
#endif
        cycle = c + 1;
        cycle_pub.store(cycle, std::memory_order_relaxed);
        if (!cycle_reads.empty()) {
            for (auto& r : cycle_reads) complete(r.done, NCSIM_OK, r.value);
            cycle_reads.clear();
        }
        if (!cycle_irqs.empty()) {
            for (auto& q : cycle_irqs) deliver_irq(q.nic, q.vector);
            cycle_irqs.clear();
        }
        if (merger && merger->pending()) merger->flush_before(cycle);
        if (!steps.empty() && --steps.front().left == 0) {
            // in step mode the capture is on disk up to the cycle the step ended (a reader may follow it)
            if (merger) pcap.flush();
            complete(steps.front().done, NCSIM_OK);
            steps.front().done.reset();
            steps.pop_front();
        }
        if (cycle >= next_wake) wake_waiters();
    }

#if NCSIM_TRACE
    void trace_dump(uint64_t c, uint64_t half) {
        if (c < cfg.trace_start_cycle) return;
        if (c >= trace_end) {
            tfp->close();
            trace_done = true;
            return;
        }
        tfp->dump(c * NCSIM_NS_PER_CYCLE + half);
    }
#endif

    void wake_waiters() {
        next_wake = UINT64_MAX;
        for (size_t i = 0; i < waiters.size();) {
            if (waiters[i].cycle <= cycle) {
                complete(waiters[i].done, NCSIM_OK);
                waiters[i] = std::move(waiters.back());
                waiters.pop_back();
            } else {
                next_wake = std::min(next_wake, waiters[i].cycle);
                i++;
            }
        }
    }

    // Inputs of one NIC for cycle c. Inputs are only written here, before the first eval of a cycle; an
    // idle cycle costs a few compares and stores.
    void drive(Nic& n, uint64_t c) {
        Ports& p = n.p;
        if (!n.mmio_presented) {
            if (!n.mmio_q.empty()) {
                const MmioOp& m = n.mmio_q.front();
                *p.mmio_write = m.write;
                *p.mmio_addr = m.addr;
                *p.mmio_wdata = m.data;
                *p.mmio_valid = 1;
                n.mmio_presented = true;
            } else {
                *p.mmio_valid = 0;
            }
        }
        DmaEngine& dma = *n.dma;
        *p.rd_req_ready = dma.rd_req_ready();
        *p.wr_ready = dma.wr_ready();
        uint8_t tag;
        bool err, last, user;
        uint64_t keep;
        // Write acknowledgements first: a burst committed in cycle c is visible to a read fetched in c.
        if (dma.wr_done_due(c) && dma.wr_done(c, tag, err)) {
            *p.wr_done_valid = 1; *p.wr_done_tag = tag; *p.wr_done_err = err;
        } else {
            *p.wr_done_valid = 0;
        }
        if (!n.rsp_presented) {
            if (dma.rd_rsp_due(c) && dma.rd_rsp_beat(c, p.rd_rsp_data, keep, last, tag, err)) {
                *p.rd_rsp_keep = keep; *p.rd_rsp_last = last; *p.rd_rsp_tag = tag; *p.rd_rsp_err = err;
                *p.rd_rsp_valid = 1;
                n.rsp_presented = true;
            } else {
                *p.rd_rsp_valid = 0;
            }
        }
        *p.tx_tready = n.tx_link->tx_ready(c);
        if (!n.rx_presented) {
            if (n.rx_link->rx_available() && n.rx_link->rx_beat(p.rx_tdata, keep, last, user)) {
                *p.rx_tkeep = keep; *p.rx_tlast = last; *p.rx_tuser = user;
                *p.rx_tvalid = 1;
                n.rx_presented = true;
            } else {
                *p.rx_tvalid = 0;
            }
        }
    }

    // Handshakes of one NIC in cycle c (outputs settled, before the rising edge).
    void sample(Nic& n, int i, uint64_t c) {
        Ports& p = n.p;
        if (n.mmio_presented && *p.mmio_ready) {
            MmioOp& m = n.mmio_q.front();
            if (m.write) { n.mmio_writes++; n.mmio_write_cycle = c; }
            else n.rd_wait.push_back() = std::move(m.done);
            m.done.reset();
            n.mmio_q.pop_front();
            n.mmio_presented = false;
        }
        if (*p.mmio_rd_valid) {
            if (n.rd_wait.empty()) {
                n.mmio_violations++;
                record_error("NIC " + std::to_string(i) + ", cycle " + std::to_string(c) +
                             ": mmio_rd_valid without an outstanding register read");
            } else {
                cycle_reads.push_back({std::move(n.rd_wait.front()), *p.mmio_rd_data});
                n.rd_wait.pop_front();
                n.mmio_reads++;
                reads_inflight--;
            }
        }
        if (*p.rd_req_valid && *p.rd_req_ready) n.dma->rd_request(c, *p.rd_req_addr, *p.rd_req_len, *p.rd_req_tag);
        if (n.rsp_presented && *p.rd_rsp_ready) {
            n.dma->rd_rsp_accepted();
            n.rsp_presented = false;
        }
        if (*p.wr_valid && *p.wr_ready)
            n.dma->wr_beat(c, *p.wr_addr, p.wr_data, *p.wr_keep, *p.wr_last, *p.wr_tag);
        if (*p.tx_tvalid && *p.tx_tready) {
            n.tx_link->tx_beat(c, p.tx_tdata, *p.tx_tkeep, *p.tx_tlast, *p.tx_tuser);
            n.tx_beats++;
            if (!n.tx_in_frame) { n.tx_sof = c; n.tx_in_frame = true; }
            if (*p.tx_tlast) { n.tx_frames++; n.tx_in_frame = false; }
        }
        if (n.rx_presented && *p.rx_tready) {
            n.rx_beats++;
            if (!n.rx_in_frame) { n.rx_sof = c; n.rx_in_frame = true; }
            if (*p.rx_tlast) { n.rx_frames++; n.rx_in_frame = false; }
            n.rx_link->rx_accepted();
            n.rx_presented = false;
        }
        if (*p.irq_valid) {
            n.irqs++;
            cycle_irqs.push_back({i, int(*p.irq_vector)});
        }
    }

    void deliver_irq(int i, int vector) {
        {
            std::lock_guard<std::mutex> lk(irq_mu);
            auto& q = irq_q[i];
            if (q.size() >= kIrqQueue) { q.pop_front(); irq_dropped[i]++; }
            q.push_back(vector);
        }
        cv_irq.notify_all();
        if (cb) cb(cb_user, i, vector);
    }

    void fill_link_stats(ncsim_link_stats* s) {
        ncsim_link_stats t{};
        t.size = s->size;
        t.cycle = cycle;
        for (int d = 0; d < 2; d++) {
            const LinkDirStats& x = link[d].stats();
            ncsim_link_dir_stats& o = t.dir[d];
            o.frames_sent = x.frames_sent; o.bytes_sent = x.bytes_sent; o.frames_delivered = x.frames_delivered;
            o.dropped = x.dropped; o.reordered = x.reordered; o.duplicated = x.duplicated;
            o.corrupted = x.corrupted; o.fcs_errors = x.fcs_errors; o.tx_aborted = x.tx_aborted;
            o.rx_overflow = x.rx_overflow; o.in_flight = link[d].in_flight();
            t.corrupted_inner[d] = x.corrupted_inner;
            t.injected[d] = x.injected;
        }
        std::memcpy(s, &t, std::min<size_t>(s->size, sizeof t));
    }

    void fill_nic_stats(int i, ncsim_nic_stats* s) {
        ncsim_nic_stats t{};
        t.size = s->size;
        t.cycle = cycle;
        const Nic& n = nic[i];
        const DmaStats& d = n.dma->stats();
        t.mmio_writes = n.mmio_writes; t.mmio_reads = n.mmio_reads; t.irqs = n.irqs;
        {
            std::lock_guard<std::mutex> lk(irq_mu);
            t.irqs_dropped = irq_dropped[i];
        }
        t.dma_rd_requests = d.rd_requests; t.dma_rd_bytes = d.rd_bytes; t.dma_rd_faults = d.rd_faults;
        t.dma_wr_bursts = d.wr_bursts; t.dma_wr_bytes = d.wr_bytes; t.dma_wr_faults = d.wr_faults;
        t.dma_rd_max_outstanding = d.rd_max_outstanding;
        t.violations = d.violations + n.mmio_violations;
        t.mac_tx_frames = n.tx_frames; t.mac_tx_beats = n.tx_beats; t.mac_tx_sof_cycle = n.tx_sof;
        t.mac_rx_frames = n.rx_frames; t.mac_rx_beats = n.rx_beats; t.mac_rx_sof_cycle = n.rx_sof;
        t.mmio_write_cycle = n.mmio_write_cycle;
        std::memcpy(s, &t, std::min<size_t>(s->size, sizeof t));
    }

    // Flushes the outputs and fails every request still queued. Runs once, on the simulation thread.
    void finish() {
        if (merger) merger->flush_before(UINT64_MAX);
        teardown();
        std::vector<Req> rest;
        {
            std::lock_guard<std::mutex> lk(mu);
            rest.swap(queue);
            exited = true;
            exited_a.store(true);
        }
        {
            std::lock_guard<std::mutex> lk(irq_mu);  // a waiter between its check and its wait sees it
        }
        rest.clear();
        cv_done.notify_all();
        cv_irq.notify_all();
    }

    void teardown() {
        pcap.close();
#if NCSIM_TRACE
        if (tfp) {
            if (!trace_done) tfp->close();
            tfp.reset();
        }
#endif
        try {
            if (top) top->final();
        } catch (SimFatal& f) {
            record_error("at the end of the simulation: " + f.msg);
        }
        top.reset();
        ctx.reset();
    }
};

// ---- Verilator's console and fatal/stop/finish hooks ----------------------------------------------
// Console output (VL_PRINTF/VL_VPRINTF, sim/src/ncsim_printf.h) is printed as usual; the last line is
// kept per thread, so that a $fatal (which Verilator prints, then turns into $stop) is reported with its
// message.
namespace {
thread_local std::string tl_last_line;

void keep_last_line(const char* text) {
    std::string t(text);
    while (!t.empty() && (t.back() == '\n' || t.back() == '\r')) t.pop_back();
    const size_t nl = t.rfind('\n');
    if (nl != std::string::npos) t.erase(0, nl + 1);
    if (!t.empty()) tl_last_line = t.substr(0, 1000);
}

std::string with_last_line(std::string what) {
    if (!tl_last_line.empty()) what += " (after the model printed: " + tl_last_line + ")";
    return what;
}
}  // namespace

int ncsim_vl_vprintf(const char* fmt, va_list ap) {
    va_list ap2;
    va_copy(ap2, ap);
    char buf[2048];
    const int n = std::vsnprintf(buf, sizeof buf, fmt, ap2);
    va_end(ap2);
    keep_last_line(buf);
    std::fputs(buf, stdout);
    return n;
}

int ncsim_vl_printf(const char* fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    const int n = ncsim_vl_vprintf(fmt, ap);
    va_end(ap);
    return n;
}

// The model must never end the host process: each becomes an exception that stops this system only.
void vl_fatal(const char* filename, int linenum, const char* hier, const char* msg) {
    (void)hier;
    throw SimFatal{std::string(filename ? filename : "") + ":" + std::to_string(linenum) + ": " + (msg ? msg : "fatal")};
}
void vl_stop(const char* filename, int linenum, const char* hier) {
    (void)hier;
    throw SimFatal{with_last_line(std::string("$stop at ") + (filename ? filename : "") + ":" + std::to_string(linenum))};
}
void vl_finish(const char* filename, int linenum, const char* hier) {
    (void)hier;
    throw SimFatal{with_last_line(std::string("$finish at ") + (filename ? filename : "") + ":" + std::to_string(linenum))};
}

// ---- the C ABI ------------------------------------------------------------------------------------
namespace {

void set_err(char* err, size_t errlen, const std::string& m) {
    if (!err || errlen == 0) return;
    std::snprintf(err, errlen, "%s", m.c_str());
}

bool bad_prob(double p) { return !(p >= 0.0 && p <= 1.0); }

std::string validate(const ncsim_config& c) {
    if (c.reset_cycles < 1) return "reset_cycles must be at least 1";
    if (c.mmio_timeout_ms < 1) return "mmio_timeout_ms must be at least 1";
    if (!(c.link_rate > 0.0 && c.link_rate <= 64.0)) return "link_rate must be in (0, 64] bytes per cycle";
    if (bad_prob(c.loss)) return "loss must be a probability in [0, 1]";
    if (bad_prob(c.reorder)) return "reorder must be a probability in [0, 1]";
    if (bad_prob(c.dup)) return "dup must be a probability in [0, 1]";
    if (bad_prob(c.corrupt)) return "corrupt must be a probability in [0, 1]";
    if (bad_prob(c.corrupt_inner)) return "corrupt_inner must be a probability in [0, 1]";
    if (c.rx_fifo_bytes < kMaxLinkFrame) return "rx_fifo_bytes must be at least 16384 (one longest frame)";
    if (c.dma_latency_cycles > 1000000) return "dma_latency_cycles must be at most 1000000";
    if (c.link_latency_cycles > 100000000) return "link_latency_cycles must be at most 100000000";
    return "";
}

bool nic_ok(int nic) { return nic == 0 || nic == 1; }

}  // namespace

extern "C" {

NCSIM_API int ncsim_abi_version(void) { return NCSIM_ABI_VERSION; }

NCSIM_API const char* ncsim_device_name(void) { return NCSIM_DEVICE_NAME; }

NCSIM_API int ncsim_has_tracing(void) { return NCSIM_TRACE ? 1 : 0; }

NCSIM_API void ncsim_config_init(ncsim_config* cfg) {
    if (!cfg) return;
    std::memset(cfg, 0, sizeof *cfg);
    cfg->size = NCSIM_CONFIG_SIZE_V2;
    cfg->dma_latency_cycles = 200;
    cfg->link_latency_cycles = 100;
    cfg->reset_cycles = 16;
    cfg->mmio_timeout_ms = 10000;
    cfg->link_rate = 50.0;
    cfg->rx_fifo_bytes = 1 << 20;
}

NCSIM_API ncsim_t* ncsim_create(const ncsim_config* user, char* err, size_t errlen) {
    if (!user) { set_err(err, errlen, "ncsim_create: cfg is NULL"); return nullptr; }
    if (user->size < NCSIM_CONFIG_SIZE_V1) {
        set_err(err, errlen, "ncsim_create: cfg->size " + std::to_string(user->size) + " is smaller than this ABI's ncsim_config (" +
                                 std::to_string(NCSIM_CONFIG_SIZE_V1) + "); use ncsim_config_init");
        return nullptr;
    }
    ncsim_config c;
    ncsim_config_init(&c);   // fields past the caller's size keep their defaults
    std::memcpy(&c, user, std::min<size_t>(user->size, sizeof c));
    c.size = sizeof c;
    const std::string v = validate(c);
    if (!v.empty()) { set_err(err, errlen, "ncsim_create: " + v); return nullptr; }
    const bool want_trace = c.trace_path && c.trace_path[0];
    if (want_trace && !NCSIM_TRACE) {
        set_err(err, errlen, std::string("ncsim_create: this library (") + NCSIM_DEVICE_NAME +
                                 ") was built without waveform support (SIM_TRACE=0); rebuild it with tracing "
                                 "(`make sim`, SIM_TRACE=1 is the default) to write trace_path");
        return nullptr;
    }
    auto* s = new ncsim();
    s->cfg = c;
    if (c.pcap_path) s->pcap_path = c.pcap_path;
    if (want_trace) s->trace_path = c.trace_path;
    s->cfg.pcap_path = nullptr;
    s->cfg.trace_path = nullptr;
    s->thread = std::thread([s] { s->thread_main(); });
    std::string e;
    {
        std::unique_lock<std::mutex> lk(s->mu);
        s->cv_done.wait(lk, [s] { return s->started; });
        e = s->start_error;
    }
    if (!e.empty()) {
        s->thread.join();
        delete s;
        set_err(err, errlen, "ncsim_create: " + e);
        return nullptr;
    }
    return s;
}

NCSIM_API void ncsim_shutdown(ncsim_t* s) {
    if (!s) return;
    if (!s->shutting_down.exchange(true)) {
        {
            std::lock_guard<std::mutex> lk(s->mu);
            if (!s->exited) {
                s->queue.push_back(Req{Op::Stop});
                s->pending.store(true, std::memory_order_release);
            }
        }
        s->cv_req.notify_one();
    }
    if (s->on_sim_thread()) return;
    if (s->thread.joinable()) {
        static std::mutex join_mu;  // two threads shutting down the same system: one joins, the other waits
        std::lock_guard<std::mutex> lk(join_mu);
        if (s->thread.joinable()) s->thread.join();
    }
}

NCSIM_API void ncsim_destroy(ncsim_t* s) {
    if (!s) return;
    if (s->on_sim_thread()) {
        s->record_error("ncsim_destroy called from the interrupt callback; ignored (use ncsim_shutdown there)");
        ncsim_shutdown(s);
        return;
    }
    ncsim_shutdown(s);
    delete s;
}

NCSIM_API int ncsim_mmio_read(ncsim_t* s, int nic, uint32_t addr, uint32_t* value) {
    if (!s || !nic_ok(nic) || !value || (addr & 3) || addr > 0xFFFC) return NCSIM_EINVAL;
    Req r{Op::MmioRead};
    r.nic = nic;
    r.a = addr;
    return s->call(std::move(r), int(s->cfg.mmio_timeout_ms), value);
}

NCSIM_API int ncsim_mmio_write(ncsim_t* s, int nic, uint32_t addr, uint32_t value) {
    if (!s || !nic_ok(nic) || (addr & 3) || addr > 0xFFFC) return NCSIM_EINVAL;
    Req r{Op::MmioWrite};
    r.nic = nic;
    r.a = addr;
    r.v = value;
    return s->post(std::move(r));
}

NCSIM_API int ncsim_dma_map(ncsim_t* s, int nic, uint64_t addr, uint64_t len) {
    if (!s || !nic_ok(nic) || len == 0 || addr == 0 || addr + len < addr) return NCSIM_EINVAL;
    Req r{Op::Map};
    r.nic = nic; r.a = addr; r.b = len;
    return s->call(std::move(r));
}

NCSIM_API int ncsim_dma_unmap(ncsim_t* s, int nic, uint64_t addr, uint64_t len) {
    if (!s || !nic_ok(nic)) return NCSIM_EINVAL;
    Req r{Op::Unmap};
    r.nic = nic; r.a = addr; r.b = len;
    return s->call(std::move(r));
}

NCSIM_API int ncsim_wait_irq(ncsim_t* s, int nic, int timeout_ms) {
    if (!s || !nic_ok(nic)) return NCSIM_EINVAL;
    std::unique_lock<std::mutex> lk(s->irq_mu);
    auto& q = s->irq_q[nic];
    if (q.empty()) {
        if (timeout_ms == 0) return NCSIM_ETIMEDOUT;
        if (s->on_sim_thread()) return NCSIM_EDEADLK;
        auto ready = [&] { return !q.empty() || s->exited_a.load(); };
        if (timeout_ms < 0) s->cv_irq.wait(lk, ready);
        else if (!s->cv_irq.wait_for(lk, std::chrono::milliseconds(timeout_ms), ready)) return NCSIM_ETIMEDOUT;
        if (q.empty()) return NCSIM_ESTOPPED;
    }
    const int v = q.front();
    q.pop_front();
    return v;
}

NCSIM_API int ncsim_set_irq_callback(ncsim_t* s, ncsim_irq_callback cb, void* user) {
    if (!s) return NCSIM_EINVAL;
    if (s->on_sim_thread()) {
        s->cb = cb;
        s->cb_user = user;
        return NCSIM_OK;
    }
    Req r{Op::SetIrqCb};
    r.p = reinterpret_cast<void*>(cb);
    r.p2 = user;
    const int rc = s->call(std::move(r));
    return rc == NCSIM_ESTOPPED ? NCSIM_OK : rc;  // stopped: it will never be called again either
}

NCSIM_API uint64_t ncsim_cycles(ncsim_t* s) { return s ? s->cycle_pub.load(std::memory_order_relaxed) : 0; }

NCSIM_API int ncsim_get_link_stats(ncsim_t* s, ncsim_link_stats* st) {
    if (!s || !st || st->size < NCSIM_LINK_STATS_SIZE_V1) return NCSIM_EINVAL;
    Req r{Op::LinkStats};
    r.p = st;
    return s->call(std::move(r));
}

NCSIM_API int ncsim_get_nic_stats(ncsim_t* s, int nic, ncsim_nic_stats* st) {
    if (!s || !nic_ok(nic) || !st || st->size < NCSIM_NIC_STATS_SIZE_V1) return NCSIM_EINVAL;
    Req r{Op::NicStats};
    r.nic = nic;
    r.p = st;
    return s->call(std::move(r));
}

NCSIM_API int ncsim_pause(ncsim_t* s) {
    if (!s) return NCSIM_EINVAL;
    return s->call(Req{Op::Pause});
}

NCSIM_API int ncsim_resume(ncsim_t* s) {
    if (!s) return NCSIM_EINVAL;
    return s->call(Req{Op::Resume});
}

NCSIM_API int ncsim_step(ncsim_t* s, uint64_t n) {
    if (!s) return NCSIM_EINVAL;
    Req r{Op::Step};
    r.a = n;
    return s->call(std::move(r));
}

NCSIM_API int ncsim_wait_cycle(ncsim_t* s, uint64_t cycle, int timeout_ms) {
    if (!s) return NCSIM_EINVAL;
    Req r{Op::WaitCycle};
    r.a = cycle;
    return s->call(std::move(r), timeout_ms);
}

NCSIM_API int ncsim_inject_frame(ncsim_t* s, int nic, const uint8_t* frame, size_t len, int flags) {
    if (!s || !nic_ok(nic) || !frame || len == 0 || len > ncm::kMaxLinkFrame || (flags & ~NCSIM_INJECT_BAD_FCS)) return NCSIM_EINVAL;
    Req r{Op::Inject};
    r.nic = nic;
    r.v = uint32_t(flags);
    r.bytes.assign(frame, frame + len);
    return s->post(std::move(r));
}

NCSIM_API size_t ncsim_last_error(ncsim_t* s, char* buf, size_t buflen) {
    if (!s) return 0;
    std::lock_guard<std::mutex> lk(s->err_mu);
    if (buf && buflen) std::snprintf(buf, buflen, "%s", s->first_error.c_str());
    return s->first_error.size();
}

NCSIM_API void ncsim_clear_error(ncsim_t* s) {
    if (!s) return;
    std::lock_guard<std::mutex> lk(s->err_mu);
    s->first_error.clear();
}

}  // extern "C"
