/*
 * libncsim — two simulated NetChannel NICs (Verilated nc_nic) joined by a simulated Ethernet link.
 *
 * Plain C ABI (no C++ types cross it, every struct is plain data with natural alignment), so any language
 * can load it (the C# device layer does, through [LibraryImport("ncsim")]). docs/simulator.md documents
 * the behaviour; this header is the reference for signatures and return codes.
 *
 * Threading: ncsim_create starts ONE simulation thread that constructs the Verilated model, applies
 * reset and then clocks it freely (or not at all while paused). Every other function may be called from
 * any host thread; requests are queued to the simulation thread and applied between two clock cycles,
 * in the order the calls were made (one queue per system, so across both NICs). Calls that return a
 * result (mmio_read, dma_map/unmap, pause/resume/step, stats, set_irq_callback) block until the
 * simulation thread has applied them. Blocking calls must not be made from the interrupt callback (which
 * runs on the simulation thread): they return NCSIM_EDEADLK there; ncsim_mmio_write and
 * ncsim_set_irq_callback may be called from it.
 *
 * Versioning: structs passed in start with their size; the library accepts any size from the _V1 size
 * upwards and treats fields past the caller's size as defaults (ncsim_config) or does not write them
 * (stats).
 */
#ifndef NCSIM_H
#define NCSIM_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#if defined(_WIN32)
#define NCSIM_API __declspec(dllexport)
#else
#define NCSIM_API __attribute__((visibility("default")))
#endif

#define NCSIM_ABI_VERSION 1

/* Return codes: 0 success, negative on failure. */
#define NCSIM_OK          0
#define NCSIM_EINVAL     -1  /* bad argument (NULL handle, nic not 0/1, misaligned or out-of-range address, bad length) */
#define NCSIM_ETIMEDOUT  -2  /* the device did not answer in time (mmio_read) / no interrupt (wait_irq) / cycle not reached */
#define NCSIM_ESTOPPED   -3  /* the system was shut down or the simulation failed (see ncsim_last_error) */
#define NCSIM_ENOENT     -4  /* unmap of a range that is not mapped with exactly this address and length */
#define NCSIM_EDEADLK    -5  /* a blocking call from the simulation thread (the interrupt callback) */
#define NCSIM_ESTATE     -6  /* not allowed in this state (ncsim_step while the clock runs freely) */

/* Simulated time: one cycle of the 250 MHz NIC clock = 4 ns. */
#define NCSIM_NS_PER_CYCLE 4

typedef struct ncsim ncsim_t;  /* opaque */

typedef struct ncsim_config {
    uint32_t size;                  /* sizeof(ncsim_config) as the caller knows it (ncsim_config_init sets it) */
    uint32_t dma_latency_cycles;    /* read request -> first response beat; last write beat -> write done (and visibility). Default 200 */
    uint32_t link_latency_cycles;   /* propagation delay after serialisation, per direction. Default 100 */
    uint32_t reset_cycles;          /* cycles rst is held at start (>= 1). Default 16 */
    uint32_t mmio_timeout_ms;       /* how long ncsim_mmio_read waits for the answer (wall clock, >= 1). Default 10000 */
    uint32_t start_paused;          /* 1: the clock does not run after reset until ncsim_resume / ncsim_step. Default 0 */
    double   link_rate;             /* bytes per cycle on the wire, frame + FCS + preamble/SFD + IFG, (0, 64]. Default 50 (100 Gbit/s) */
    double   loss;                  /* per-frame probability that the link drops the frame, [0, 1] */
    double   reorder;               /* per-frame probability that the frame is held back behind the next one, [0, 1] */
    double   dup;                   /* per-frame probability that the frame is delivered twice, [0, 1] */
    double   corrupt;               /* per-delivered-copy probability of 1..3 flipped bits (FCS check flags it: tuser = 1), [0, 1] */
    uint64_t seed;                  /* seeds the link's fault generators (one stream per direction) */
    uint64_t rx_fifo_bytes;         /* receiving MAC's FIFO; a copy arriving when it would overflow is dropped. Default 1 MiB */
    const char* pcap_path;          /* NULL or "" = no capture; else a nanosecond pcap of both directions (as sent) */
    const char* trace_path;         /* NULL or "" = no waveform; else an FST file (needs ncsim_has_tracing()) */
    uint64_t trace_start_cycle;     /* first cycle traced */
    uint64_t trace_cycles;          /* cycles traced (0 = until the system is shut down) */
    /* --- V2 --- */
    double   corrupt_inner;         /* per-frame probability of 1..3 flipped bits with the FCS recomputed over them, as a
                                       switch that corrupts a frame internally forwards it: the MAC sees a good FCS and only
                                       the NIC's ICRC can tell, [0, 1]. Default 0 */
} ncsim_config;

#define NCSIM_CONFIG_SIZE_V1 ((uint32_t)offsetof(ncsim_config, corrupt_inner))
#define NCSIM_CONFIG_SIZE_V2 ((uint32_t)sizeof(ncsim_config))

typedef struct ncsim_link_dir_stats {
    uint64_t frames_sent;        /* frames the transmitting NIC put on the link (tlast accepted) */
    uint64_t bytes_sent;         /* their bytes (without FCS and padding) */
    uint64_t frames_delivered;   /* copies completely streamed into the receiving NIC */
    uint64_t dropped;            /* frames the link lost (loss probability) */
    uint64_t reordered;          /* frames delivered behind a later frame */
    uint64_t duplicated;         /* extra copies the link made */
    uint64_t corrupted;          /* copies with flipped bits */
    uint64_t fcs_errors;         /* copies whose FCS did not check (delivered with tuser = 1) */
    uint64_t tx_aborted;         /* frames the NIC ended with tuser = 1 (passed on flagged) or longer than 16384 bytes */
    uint64_t rx_overflow;        /* copies dropped because the receiving MAC's FIFO was full */
    uint64_t in_flight;          /* copies inside the link now (serialising, propagating, held or queued) */
} ncsim_link_dir_stats;

typedef struct ncsim_link_stats {
    uint32_t size;                 /* sizeof(ncsim_link_stats) as the caller knows it */
    uint32_t reserved0;
    uint64_t cycle;                /* the cycle the snapshot was taken at */
    ncsim_link_dir_stats dir[2];   /* dir[0]: NIC 0 -> NIC 1, dir[1]: NIC 1 -> NIC 0 */
    /* --- V2, per direction as dir[] --- */
    uint64_t corrupted_inner[2];   /* copies corrupted behind a good FCS (corrupt_inner) */
    uint64_t injected[2];          /* frames put into the receiving NIC's MAC by ncsim_inject_frame */
} ncsim_link_stats;

#define NCSIM_LINK_STATS_SIZE_V1 ((uint32_t)offsetof(ncsim_link_stats, corrupted_inner))
#define NCSIM_LINK_STATS_SIZE_V2 ((uint32_t)sizeof(ncsim_link_stats))

typedef struct ncsim_nic_stats {
    uint32_t size;                 /* sizeof(ncsim_nic_stats) as the caller knows it */
    uint32_t reserved0;
    uint64_t cycle;                /* the cycle the snapshot was taken at */
    uint64_t mmio_writes;          /* register writes accepted by the device */
    uint64_t mmio_reads;           /* register reads answered */
    uint64_t irqs;                 /* interrupt pulses */
    uint64_t irqs_dropped;         /* interrupts dropped from the ncsim_wait_irq queue (4096 per NIC) because nobody waited */
    uint64_t dma_rd_requests;      /* read requests */
    uint64_t dma_rd_bytes;         /* bytes read from host memory */
    uint64_t dma_rd_faults;        /* reads refused (unmapped, or an invalid request) */
    uint64_t dma_wr_bursts;        /* write bursts acknowledged */
    uint64_t dma_wr_bytes;         /* bytes written to host memory */
    uint64_t dma_wr_faults;        /* write bursts refused (unmapped, or breaking the lane rules) */
    uint64_t dma_rd_max_outstanding; /* most read requests outstanding at once */
    uint64_t violations;           /* device protocol violations (DMA and MMIO rules), first in ncsim_last_error */
    /* --- V2: MAC and register timestamps, for exact latencies measured from outside the device.
     * A "cycle" here is the cycle in which the handshake happened (the value ncsim_cycles had before it ran). */
    uint64_t mac_tx_frames;          /* frames taken from the NIC's m_axis_tx (tlast accepted) */
    uint64_t mac_tx_beats;           /* beats taken from m_axis_tx */
    uint64_t mac_tx_sof_cycle;       /* cycle the first beat of the latest frame was taken from m_axis_tx (UINT64_MAX: none yet) */
    uint64_t mac_rx_frames;          /* frames (copies) streamed completely into the NIC's s_axis_rx */
    uint64_t mac_rx_beats;           /* beats the NIC accepted on s_axis_rx */
    uint64_t mac_rx_sof_cycle;       /* cycle the NIC accepted the first beat of the latest frame on s_axis_rx (UINT64_MAX: none yet) */
    uint64_t mmio_write_cycle;       /* cycle the device accepted the latest register write (UINT64_MAX: none yet) */
} ncsim_nic_stats;

#define NCSIM_NIC_STATS_SIZE_V1 ((uint32_t)offsetof(ncsim_nic_stats, mac_tx_frames))
#define NCSIM_NIC_STATS_SIZE_V2 ((uint32_t)sizeof(ncsim_nic_stats))

/* Called on the simulation thread for every interrupt pulse (after it is queued for ncsim_wait_irq).
 * It must return quickly and must not block; it may call ncsim_mmio_write and ncsim_set_irq_callback. */
typedef void (*ncsim_irq_callback)(void* user, int nic, int vector);

/* ABI version of the loaded library (NCSIM_ABI_VERSION). */
NCSIM_API int ncsim_abi_version(void);

/* The NIC module this library simulates ("nc_nic", or "nc_testdev" for the test fixture). */
NCSIM_API const char* ncsim_device_name(void);

/* 1 when this library can write waveforms (trace_path), else 0. */
NCSIM_API int ncsim_has_tracing(void);

/* Fills *cfg with the defaults (and cfg->size). */
NCSIM_API void ncsim_config_init(ncsim_config* cfg);

/* Creates a system (two NICs + link), builds and resets the model on a new thread. Returns once reset is
 * done (cycle 0), or NULL with a message in err (if err != NULL) for an invalid configuration or a file
 * that cannot be created. */
NCSIM_API ncsim_t* ncsim_create(const ncsim_config* cfg, char* err, size_t errlen);

/* Stops the simulation thread and waits for it (not from the callback: there it only asks), wakes every
 * blocked caller (they get NCSIM_ESTOPPED), flushes and closes the pcap and the waveform. Every later call
 * returns NCSIM_ESTOPPED. The handle stays valid until ncsim_destroy. Idempotent. */
NCSIM_API void ncsim_shutdown(ncsim_t* sys);

/* ncsim_shutdown, then frees the system. NULL is ignored. Must not be called from the callback, nor
 * concurrently with another call on the same handle. */
NCSIM_API void ncsim_destroy(ncsim_t* sys);

/* Reads a 32-bit register (addr = byte address, 4-aligned, < 0x10000); blocks until the device answers
 * (at most mmio_timeout_ms). While the system is paused, the clock runs just until the answer arrives
 * (the cycles count as stepped), so reads work in step mode and stay deterministic. */
NCSIM_API int ncsim_mmio_read(ncsim_t* sys, int nic, uint32_t addr, uint32_t* value);

/* Posts a 32-bit register write; returns at once. Register accesses reach the device in call order, and
 * host memory written before the call is visible to the device's DMA when it acts on the write. */
NCSIM_API int ncsim_mmio_write(ncsim_t* sys, int nic, uint32_t addr, uint32_t value);

/* Makes [addr, addr+len) of this process's memory accessible to the NIC's DMA (bus address = virtual
 * address). DMA touching any byte outside the mapped ranges of that NIC is refused, as by an IOMMU. */
NCSIM_API int ncsim_dma_map(ncsim_t* sys, int nic, uint64_t addr, uint64_t len);

/* Removes a mapping made with exactly (addr, len). When it returns, DMA no longer touches the range (the
 * memory may be freed); a write burst not yet committed to it is refused. */
NCSIM_API int ncsim_dma_unmap(ncsim_t* sys, int nic, uint64_t addr, uint64_t len);

/* Waits for the next interrupt of a NIC: returns its vector (>= 0), or NCSIM_ETIMEDOUT, NCSIM_ESTOPPED.
 * Interrupts are queued (oldest first, at most 4096 per NIC: the oldest is dropped and counted beyond)
 * from the moment the system is created. timeout_ms < 0 waits forever, 0 only polls. */
NCSIM_API int ncsim_wait_irq(ncsim_t* sys, int nic, int timeout_ms);

/* Installs (or with cb = NULL removes) the interrupt callback. When it returns, the previous callback is
 * not running and will not be called again (unless called from the callback itself). */
NCSIM_API int ncsim_set_irq_callback(ncsim_t* sys, ncsim_irq_callback cb, void* user);

/* Clock cycles simulated since the end of reset (readable at any time, without blocking). */
NCSIM_API uint64_t ncsim_cycles(ncsim_t* sys);

/* Snapshots of the link and per-NIC counters, taken between two cycles. stats->size must be set. */
NCSIM_API int ncsim_get_link_stats(ncsim_t* sys, ncsim_link_stats* stats);
NCSIM_API int ncsim_get_nic_stats(ncsim_t* sys, int nic, ncsim_nic_stats* stats);

/* Stops / restarts the free-running clock; both return once applied (ncsim_pause: the clock is stopped
 * and ncsim_cycles is stable). Writes made while paused are applied when cycles run. */
NCSIM_API int ncsim_pause(ncsim_t* sys);
NCSIM_API int ncsim_resume(ncsim_t* sys);

/* While paused: runs exactly n cycles (the host requests queued before the call are applied first), then
 * returns NCSIM_OK with the clock stopped again. NCSIM_ESTATE when the clock runs freely. */
NCSIM_API int ncsim_step(ncsim_t* sys, uint64_t n);

/* Waits until the clock has reached at least `cycle`: 0, NCSIM_ETIMEDOUT (timeout_ms, < 0 = forever),
 * NCSIM_ESTOPPED. */
NCSIM_API int ncsim_wait_cycle(ncsim_t* sys, uint64_t cycle, int timeout_ms);

/* Puts a frame (no FCS; as the link would deliver it) into the receiving MAC of `nic`, behind the copies already
 * travelling towards it, as if it had arrived on the wire: the fuzzer's way in. flags bit 0: the MAC flags it
 * bad (tuser at tlast, as a bad FCS). The bytes are copied; frames of 1..16384 bytes (shorter than 60 are padded
 * with zeros, as on the wire). Posted like a register write: returns at once, applied in call order. */
#define NCSIM_INJECT_BAD_FCS 1
NCSIM_API int ncsim_inject_frame(ncsim_t* sys, int nic, const uint8_t* frame, size_t len, int flags);

/* Copies the first error recorded since the last ncsim_clear_error (device protocol violations, failures
 * of the simulation thread), NUL-terminated and truncated to buflen, into buf; returns its full length
 * (0 = none). */
NCSIM_API size_t ncsim_last_error(ncsim_t* sys, char* buf, size_t buflen);
NCSIM_API void ncsim_clear_error(ncsim_t* sys);

#ifdef __cplusplus
}
#endif

#endif /* NCSIM_H */
