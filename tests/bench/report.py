#!/usr/bin/env python3
"""The benchmark report of `make bench` (issue 5).

    report.py begin  DIR COMMAND      start a run: machine facts, date, load average -> DIR/meta.json
    report.py mark   DIR STEP         a step finished: its wall time and the load average
    report.py faults DIR CMD...       the fault matrix (issue 9): run the demo CMD (`netchannel demo ...`) once
                                      per fault case with --json, check every byte was verified, and keep the
                                      figures in DIR/faults.json
    report.py finish DIR DOC PLOTDIR  merge DIR/*.json and DIR/linerate.txt into DIR/results.json, write the
                                      plots (gnuplot, SVG) into PLOTDIR and regenerate DOC (docs/performance.md)

Every figure of results.json is one measured value with its unit and the parameters it was measured
with; docs/performance.md is produced from it, never edited by hand (the prose lives in this file). A
figure that was not measured in the run is not written: its table cell says "not measured".
"""
import json
import os
import re
import subprocess
import sys
import time
from datetime import datetime, timezone

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.abspath(os.path.join(HERE, "..", ".."))


def loadavg():
    try:
        with open("/proc/loadavg") as f:
            return [float(x) for x in f.read().split()[:3]]
    except OSError:
        return None


def cpu_model():
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return "unknown"


def mem_gib():
    try:
        with open("/proc/meminfo") as f:
            for line in f:
                if line.startswith("MemTotal:"):
                    return round(int(line.split()[1]) / (1 << 20), 1)
    except OSError:
        pass
    return None


def git_rev():
    try:
        return subprocess.run(["git", "-C", ROOT, "rev-parse", "--short", "HEAD"], capture_output=True, text=True,
                              check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


def read_json(path, default):
    try:
        with open(path) as f:
            return json.load(f)
    except (OSError, ValueError):
        return default


def begin(d, command):
    os.makedirs(d, exist_ok=True)
    for name in ("hw.json", "host.json", "micro.json", "faults.json", "linerate.txt", "results.json"):
        try:
            os.remove(os.path.join(d, name))
        except OSError:
            pass
    meta = {
        "command": command,
        "date": datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        "start": time.time(),
        "cores": os.cpu_count(),
        "cpu": cpu_model(),
        "memory_gib": mem_gib(),
        "commit": git_rev(),
        "load_start": loadavg(),
        "steps": [],
    }
    with open(os.path.join(d, "meta.json"), "w") as f:
        json.dump(meta, f, indent=1)


def mark(d, step):
    p = os.path.join(d, "meta.json")
    meta = read_json(p, None)
    if meta is None:
        sys.exit("report.py mark: no meta.json (run 'begin' first)")
    now = time.time()
    last = meta["steps"][-1]["end"] if meta["steps"] else meta["start"]
    meta["steps"].append({"step": step, "seconds": round(now - last, 1), "end": now, "load": loadavg()})
    with open(p, "w") as f:
        json.dump(meta, f, indent=1)


# ---- the fault matrix -----------------------------------------------------------------------------------

# (name, demo options): the link faults of each case; every case runs the same workload with the same seed.
FAULT_CASES = [
    ("none", []),
    ("loss 0.1 %", ["--loss", "0.001"]),
    ("loss 1 %", ["--loss", "0.01"]),
    ("loss 5 %", ["--loss", "0.05"]),
    ("loss 10 %", ["--loss", "0.10"]),
    ("reorder 25 %", ["--reorder", "0.25"]),
    ("duplication 1 %", ["--dup", "0.01"]),
    ("corruption 1 % (FCS)", ["--corrupt", "0.01"]),
    ("corruption 1 % behind a good FCS", ["--corrupt-inner", "0.01"]),
    ("all combined", ["--loss", "0.05", "--reorder", "0.25", "--dup", "0.01", "--corrupt", "0.01", "--corrupt-inner", "0.01"]),
]


def faults(d, cmd):
    """Runs the demo once per fault case; returns the process exit code (1 if any case lost a byte)."""
    figs, failed = [], 0
    print(f"{'case':34} {'verified':>14} {'goodput':>9} {'of none':>8} {'retx':>6} {'spurious':>8} {'timeouts':>8} {'BAD_ICRC':>8} {'wall':>6}")
    base = None
    for name, extra in FAULT_CASES:
        t0 = time.time()
        r = subprocess.run(cmd + extra + ["--json"], capture_output=True, text=True)
        wall = time.time() - t0
        try:
            j = json.loads(r.stdout.strip().splitlines()[-1])
        except (ValueError, IndexError):
            print(f"{name:34} FAILED (exit {r.returncode}): {(r.stderr or r.stdout)[-400:]}")
            failed += 1
            continue
        ok = j["errors"] == 0 and j["bytes_verified"] == j["bytes_sent"] and j["rpc_calls_verified"] == j["rpc_calls"]
        if not ok:
            failed += 1
        gbps = j["bulk_goodput_gbps_sim"]
        if name == "none":
            base = gbps
        frac = gbps / base if base else None
        print(f"{name:34} {j['bytes_verified']:>14,} {gbps:>9.2f} {('%.1f %%' % (100 * frac)) if frac else '':>8} {j['retransmits']:>6} "
              f"{j['spurious_retransmits']:>8} {j['timeouts']:>8} {j['drops_bad_icrc']:>8} {wall:>5.1f}s"
              + ("" if ok else f"  FAILED: {'; '.join(j['error_messages'][:3])}"))
        prm = {"case": name, "options": " ".join(extra) or "(none)", "seed": j["options"]["seed"],
               "bytes_sent": j["bytes_sent"], "rpc_calls": j["rpc_calls"]}
        def add(n, v, unit):
            figs.append({"name": n, "value": v, "unit": unit, "params": prm})
        add("fault_bytes_verified", j["bytes_verified"], "bytes")
        add("fault_rpc_calls_verified", j["rpc_calls_verified"], "calls")
        add("fault_errors", j["errors"], "errors")
        add("fault_bulk_goodput_gbps", gbps, "Gbit/s of simulated time")
        if frac is not None:
            add("fault_goodput_fraction_of_none", frac, "fraction")
        add("fault_retransmissions", j["retransmits"], "frames")
        add("fault_spurious_retransmissions", j["spurious_retransmits"], "frames")
        add("fault_timeouts", j["timeouts"], "timeouts")
        add("fault_drops_bad_icrc", j["drops_bad_icrc"], "frames")
        add("fault_drops_bad_fcs", j["drops_bad_fcs"], "frames")
        link = j["link"]
        add("fault_link_lost", link["a_to_b"]["dropped"] + link["b_to_a"]["dropped"], "frames")
        add("fault_link_corrupted_inner", link["a_to_b"].get("corrupted_inner", 0) + link["b_to_a"].get("corrupted_inner", 0), "frames")
        add("fault_rpc_latency_p99_cycles", j["rpc_latency_p99_cycles"], "cycles")
        add("fault_wall_seconds", round(wall, 1), "s")
    with open(os.path.join(d, "faults.json"), "w") as f:
        json.dump(figs, f, indent=1)
    return 1 if failed else 0


# ---- figures -------------------------------------------------------------------------------------------

def parse_linerate(path):
    figs = []
    try:
        with open(path) as f:
            text = f.read()
    except OSError:
        return figs
    for m in re.finditer(r"^(\S+)\s+([\d.]+)\s+([\d.]+)\s+\((\d+) / (\d+) beats\)", text, re.M):
        size = m.group(1)
        prm = {"payload_bytes": size if size == "mix" else int(size), "frames": 200, "harness": "tb_top"}
        figs.append({"name": "hdr_builder_beats_per_cycle", "value": float(m.group(2)), "unit": "beats/cycle",
                     "params": dict(prm, beats=int(m.group(4)))})
        figs.append({"name": "hdr_parser_beats_per_cycle", "value": float(m.group(3)), "unit": "beats/cycle",
                     "params": dict(prm, beats=int(m.group(5)))})
    return figs


class Figs:
    def __init__(self, figs):
        self.figs = figs

    def all(self, name, **match):
        out = []
        for f in self.figs:
            if f["name"] != name:
                continue
            if all(f["params"].get(k) == v for k, v in match.items()):
                out.append(f)
        return out

    def get(self, name, **match):
        a = self.all(name, **match)
        return a[0]["value"] if a else None


def fmt(v, nd=2, unit=""):
    if v is None:
        return "not measured"
    if isinstance(v, float) and abs(v) >= 1e5:
        s = f"{v:,.0f}"
    else:
        s = f"{v:,.{nd}f}"
    return s + unit


def pct(v, nd=1):
    return "not measured" if v is None else f"{100 * v:.{nd}f} %"


# ---- plots ---------------------------------------------------------------------------------------------

def gnuplot(script, out):
    try:
        r = subprocess.run(["gnuplot"], input=script, capture_output=True, text=True, timeout=60)
    except (OSError, subprocess.TimeoutExpired) as e:
        print(f"report.py: gnuplot failed ({e}); {out} not written", file=sys.stderr)
        return False
    if r.returncode != 0:
        print(f"report.py: gnuplot failed for {out}: {r.stderr.strip()}", file=sys.stderr)
        return False
    return True


def plots(F, d, plotdir):
    os.makedirs(plotdir, exist_ok=True)
    made = []
    png = os.environ.get("NC_PLOT_FORMAT") == "png"   # SVG by default; PNG (pngcairo) on request
    ext = ".png" if png else ".svg"
    term = ("set terminal pngcairo size 720,440 enhanced font 'sans,10' background rgb 'white'\n" if png else
            "set terminal svg size 720,440 dynamic enhanced font 'sans,12' background rgb 'white'\n")
    # 1. throughput vs copy workers
    pts = sorted((f["params"]["copy_workers"], f["value"]) for f in F.all("op1_vns_goodput"))
    tcp = F.get("op1_tcp_goodput")
    lim = F.get("op1_memcpy_limit")
    if pts:
        dat = os.path.join(d, "plot_workers.dat")
        with open(dat, "w") as f:
            for w, v in pts:
                f.write(f"{w} {v}\n")
        out = os.path.join(plotdir, "perf-throughput-vs-workers" + ext)
        s = term + f"set output '{out}'\n"
        s += "set title 'Operating point 1: one sender thread, 64 KB sends, loopback device'\n"
        s += "set xlabel 'copy workers'\nset ylabel 'goodput (Gbit/s)'\nset xtics 1\nset xrange [-0.3:2.3]\nset yrange [0:*]\n"
        s += "set key outside bottom center horizontal\nset grid ytics\n"
        parts = [f"'{dat}' using 1:2 with linespoints lw 2 pt 7 title 'NetChannel (VNS)'"]
        if tcp is not None:
            parts.append(f"{tcp} with lines lw 2 dt 2 title 'kernel TCP, 1 connection'")
        if lim is not None:
            parts.append(f"{lim} with lines lw 1 dt 3 title 'memcpy limit'")
        s += "plot " + ", ".join(parts) + "\n"
        if gnuplot(s, out):
            made.append(out)
    # 2. message rate vs channels (hardware, and host runtime)
    hw = sorted((f["params"]["channels"], f["value"]) for f in F.all("nic_message_rate_aggregate"))
    rpc64 = sorted((f["params"]["channels"], f["value"]) for f in F.all("op2_vns_rpc_rate", message_bytes=64))
    rpc4k = sorted((f["params"]["channels"], f["value"]) for f in F.all("op2_vns_rpc_rate", message_bytes=4096))
    if hw or rpc64:
        out = os.path.join(plotdir, "perf-rate-vs-channels" + ext)
        s = term.replace("720,440", "1000,440") + f"set output '{out}'\nset multiplot layout 1,2\n"
        if hw:
            dat = os.path.join(d, "plot_hw_channels.dat")
            with open(dat, "w") as f:
                for c, v in hw:
                    f.write(f"{c} {v}\n")
            s += "set title 'NIC (libncsim): 64-byte messages, DMA latency 256'\nset xlabel 'channels'\n"
            s += "set ylabel 'messages per cycle'\nset logscale x 2\nset xtics (1,2,4,16)\nset xrange [0.8:20]\nset yrange [0:*]\nset grid ytics\n"
            s += "set key top left\n"
            s += f"plot '{dat}' using 1:2 with linespoints lw 2 pt 7 title 'all channels'\n"
            s += "unset logscale x\n"
        if rpc64:
            dat = os.path.join(d, "plot_rpc_channels.dat")
            with open(dat, "w") as f:
                for (c, v), (_, v4) in zip(rpc64, rpc4k or [(0, float("nan"))] * len(rpc64)):
                    f.write(f"{c} {v} {v4}\n")
            s += "set title 'Host runtime (loopback): RPC, 1 connection, 32 outstanding'\n"
            s += "set xlabel 'channels'\nset ylabel 'calls per second'\nset xtics (1,2,4)\nset xrange [0.7:4.3]\nset yrange [0:*]\n"
            s += "set key outside bottom center horizontal\n"
            parts = [f"'{dat}' using 1:2 with linespoints lw 2 pt 7 title 'NetChannel 64 B'",
                     f"'{dat}' using 1:3 with linespoints lw 2 pt 5 title 'NetChannel 4 KB'"]
            for size, dt in ((64, 2), (4096, 4)):
                for conns in (1, 4):
                    v = F.get("op2_tcp_rpc_rate", message_bytes=size, connections=conns)
                    if v is not None:
                        parts.append(f"{v} with lines dt {dt} lw {1 if conns == 1 else 2} title 'TCP {size} B, {conns} conn'")
            s += "plot " + ", ".join(parts) + "\n"
        s += "unset multiplot\n"
        if gnuplot(s, out):
            made.append(out)
    # 3. latency CDF with and without isolation
    cdfs = F.all("op3_rtt_cdf")
    if cdfs:
        out = os.path.join(plotdir, "perf-latency-cdf" + ext)
        s = term.replace("720,440", "900,520") + f"set output '{out}'\n"
        s += "set title 'Operating point 3: 64-byte ping-pong round trips, alone and beside 8 bulk senders'\n"
        s += "set xlabel 'round-trip time (µs)'\nset ylabel 'fraction of round trips'\nset logscale x\nset yrange [0:1]\n"
        s += "set key outside right\nset grid\n"
        parts = []
        for i, f in enumerate(cdfs):
            p = f["params"]
            dat = os.path.join(d, f"plot_cdf_{i}.dat")
            with open(dat, "w") as g:
                for q, v in p["points_quantile_us"]:
                    g.write(f"{v} {q}\n")
            if p["system"] == "tcp":
                label = "kernel TCP"
            else:
                label = "NetChannel, isolation " + p["isolation"]
            label += ", alone" if p["bulk_senders"] == 0 else f", + {p['bulk_senders']} bulk"
            dt = 1 if p["bulk_senders"] == 0 else 2
            parts.append(f"'{dat}' using 1:2 with lines lw 2 dt {dt} title '{label}'")
        s += "plot " + ", ".join(parts) + "\n"
        if gnuplot(s, out):
            made.append(out)
    return made


# ---- the document --------------------------------------------------------------------------------------

def goal_row(goal, measured, met, gap=""):
    status = "not measured" if met is None else ("**met**" if met else "**missed**")
    return f"| {goal} | {measured} | {status} | {gap} |"


def build_doc(F, meta, made, plotdir, docpath):
    L = []
    A = L.append
    quick = "QUICK=1" in meta.get("command", "")
    steps = {s["step"]: s for s in meta.get("steps", [])}
    loads = [s["load"][0] for s in meta.get("steps", []) if s.get("load")]
    ls = meta.get("load_start") or [None]
    le = meta.get("load_end") or [None]
    A("# Performance")
    A("")
    A("<!-- Generated by tests/bench/report.py from build/bench/results.json (`make bench`): do not edit by hand;")
    A("     the prose is in tests/bench/report.py. -->")
    A("")
    A("Every figure below was measured by **one run** of the command in this header and is in")
    A("`build/bench/results.json` with its unit and parameters; the plots are drawn from the same file.")
    A("Hardware figures are counted in simulated clock cycles, which are exact and independent of the machine.")
    A("The nominal NIC clock is 250 MHz (`NOMINAL_CLOCK_MHZ`), so one 512-bit beat per cycle is 128 Gbit/s.")
    A("Host-runtime figures are wall-clock figures of a **shared, loaded 2-core machine**: compare them only")
    A("with each other (every ratio is taken within the run; comparisons are measured in interleaved rounds).")
    A("")
    A("| run | |")
    A("|---|---|")
    A(f"| command | `{meta.get('command')}` |")
    A(f"| date | {meta.get('date')} (commit {meta.get('commit')}) |")
    A(f"| machine | {meta.get('cores')} cores ({meta.get('cpu')}), {meta.get('memory_gib')} GiB |")
    if loads:
        A(f"| load average (1 min) | {ls[0]} at the start, {le[0]} at the end; {min(loads):.2f}–{max(loads):.2f} between the steps |")
    total = sum(s["seconds"] for s in meta.get("steps", []))
    A(f"| wall time | {total:.0f} s: " + ", ".join(f"{k} {v['seconds']:.0f} s" for k, v in steps.items()) + " |")
    if quick:
        A("| mode | **QUICK**: fewer messages, shorter intervals and one round per comparison; the full run (`make bench`) is the reference |")
    A("")

    # ---- goals ----
    A("## Goals")
    A("")
    A("| goal | measured | status | gap / what limits it |")
    A("|---|---|---|---|")
    w2 = F.get("op1_vns_goodput", copy_workers=2)
    tcp = F.get("op1_tcp_goodput")
    frac2 = F.get("op1_vns_fraction_of_memcpy_limit", copy_workers=2)
    if w2 is not None and tcp is not None:
        r = w2 / tcp
        A(goal_row("Op. point 1: with 2 copy workers ≥ 2× the kernel-TCP baseline",
                   f"{w2:.2f} vs {tcp:.2f} Gbit/s = {r:.2f}×", r >= 2,
                   "" if r >= 2 else f"{2 / r:.1f}× short — see [finding 1](#findings)"))
    if frac2 is not None:
        A(goal_row("Op. point 1: with 2 copy workers ≥ 70 % of the memcpy limit",
                   pct(frac2), frac2 >= 0.7, "" if frac2 >= 0.7 else f"{0.7 / frac2:.1f}× short — see [finding 1](#findings)"))
    rpc = [f["value"] for f in F.all("op2_vns_rpc_rate", message_bytes=64)]
    base = [f["value"] for f in F.all("op2_tcp_rpc_rate", message_bytes=64)]
    if rpc and base:
        r = max(rpc) / max(base)
        A(goal_row("Op. point 2: 64-byte RPCs ≥ 3× the baseline's message rate",
                   f"{max(rpc):,.0f} vs {max(base):,.0f} calls/s (best of each) = {r:.2f}×", r >= 3,
                   "" if r >= 3 else f"{3 / r:.1f}× short — see [finding 2](#findings)"))
    alone = F.get("op3_rtt_p999", system="netchannel", isolation="on", bulk_senders=0)
    beside = F.get("op3_rtt_p999", system="netchannel", isolation="on", bulk_senders=8)
    if alone and beside:
        r = beside / alone
        A(goal_row("Op. point 3: isolation on, P99.9 beside 8 bulk senders ≤ 2× P99.9 alone",
                   f"{beside:,.0f} vs {alone:,.0f} µs = {r:.2f}×", r <= 2,
                   "" if r <= 2 else f"{r / 2:.1f}× over — see [finding 3](#findings)"))
    allocs = F.all("micro_allocated_bytes")
    if allocs:
        bad = [f for f in allocs if f["value"] != 0]
        A(goal_row("Micro-benchmarks: 0 bytes allocated per data-path operation",
                   f"{len(allocs) - len(bad)} of {len(allocs)} at 0 B/op", not bad,
                   ", ".join(f["params"]["benchmark"] for f in bad)))
    # hardware goals carried over from issue 3
    g4 = F.get("nic_goodput_fraction_of_link", payload_bytes=4096, dma_latency_cycles=256)
    g9 = F.get("nic_goodput_fraction_of_link", payload_bytes=9000, dma_latency_cycles=256)
    if g4 is not None and g9 is not None:
        A(goal_row("NIC (issue 3): ≥ 90 % of the link for ≥ 4 KB payloads at DMA latency 256", f"{pct(g4)}, {pct(g9)}",
                   min(g4, g9) >= 0.9))
    m64 = F.get("nic_message_rate_one_channel", payload_bytes=64, dma_latency_cycles=0)
    if m64:
        A(goal_row("NIC (issue 3): one 64-byte message every ≤ 4 cycles (one channel, DMA latency 0)",
                   f"one every {1 / m64:.2f} cycles", 1 / m64 <= 4))
    w2c = F.get("nic_wire_to_completion_median", dma_latency_cycles=0)
    if w2c is not None:
        A(goal_row("NIC (issue 3): wire to completion ≤ 40 cycles (DMA latency 0)", f"{w2c:.0f} cycles", w2c <= 40))
    l1 = [F.get("nic_goodput_under_loss_fraction", dma_latency_cycles=lat, loss="0.010") for lat in (0, 256)]
    if all(x is not None for x in l1):
        A(goal_row("NIC (issue 3): ≥ 80 % of lossless goodput at 1 % loss", f"{pct(l1[0])}, {pct(l1[1])} (DMA 0, 256)",
                   min(l1) >= 0.8))
    l5 = [F.get("nic_goodput_under_loss_fraction", dma_latency_cycles=lat, loss="0.050") for lat in (0, 256)]
    if all(x is not None for x in l5) and all(x is not None for x in l1):
        A(goal_row("NIC (issue 9): ≥ 90 % of lossless goodput at 5 % loss, ≥ 97 % at 1 % (DMA 0, 256)",
                   f"5 %: {pct(l5[0])}, {pct(l5[1])}; 1 %: {pct(l1[0])}, {pct(l1[1])}", min(l5) >= 0.9 and min(l1) >= 0.97))
    ro = [f for f in F.all("nic_spurious_retransmissions_fraction")]
    if ro:
        worst = max(f["value"] for f in ro)
        A(goal_row("NIC (issue 9): reordering only (25 %): < 1 % spurious retransmissions",
                   ", ".join(f"{pct(f['value'], 2)} (DMA {f['params']['dma_latency_cycles']})" for f in ro), worst < 0.01))
    fv = F.all("fault_errors")
    if fv:
        bad = [f["params"]["case"] for f in fv if f["value"] != 0]
        A(goal_row("Fault matrix (issue 9): every byte and every RPC verified in every case", f"{len(fv) - len(bad)} of {len(fv)} cases",
                   not bad, ", ".join(bad)))
    sp = F.get("sim_cycles_per_second_idle")
    if sp is not None:
        A(goal_row("Simulator: ≥ 1 M simulated cycles per second, two NICs", f"{sp / 1e6:.3f} M cycles/s (idle)", sp >= 1e6,
                   "" if sp >= 1e6 else "the Verilated nc_nic pair costs ~16 k instructions per cycle (callgrind) ([simulator.md](simulator.md#speed))"))
    A("")
    if made:
        A("Plots: " + ", ".join(f"[`{os.path.basename(p)}`]({os.path.relpath(p, os.path.dirname(docpath))})" for p in made) + ".")
        A("")
        for p in made:
            A(f"![{os.path.basename(p)}]({os.path.relpath(p, os.path.dirname(docpath))})")
            A("")

    # ---- section 1 ----
    A("## 1. Hardware, in simulated cycles")
    A("")
    A("### Header path line rate")
    A("")
    A("`build/rtl/obj/Vtb_top test --only linerate`: 200 back-to-back frames per size, inputs never idle, outputs")
    A("always ready, random first-beat payload offsets; beats/cycle counted from the first to the last beat. The")
    A("testbench asserts exactly 1.0 for every row, so `make test` fails if a change costs a cycle.")
    A("")
    A("| payload bytes | builder output beats/cycle | parser input beats/cycle | beats |")
    A("|---|---|---|---|")
    for f in F.all("hdr_builder_beats_per_cycle"):
        size = f["params"]["payload_bytes"]
        p = F.get("hdr_parser_beats_per_cycle", payload_bytes=size)
        A(f"| {'random mix 0–9000' if size == 'mix' else size} | {f['value']:.4f} | {fmt(p, 4)} | {f['params']['beats']} |")
    if not F.all("hdr_builder_beats_per_cycle"):
        A("| not measured | | | |")
    A("")
    A("### The NIC core through `libncsim`")
    A("")
    A("`build/sim/bench_nic build/sim/libncsim.so` (`tests/sim/bench_nic.cpp`): the two Verilated `nc_nic` of")
    A("`libncsim` driven through its C ABI **in step mode**, so the host model acts only between `ncsim_step` calls")
    A("and every figure is an exact cycle count. The host model (`tests/common/nc_host_model.h`, written against")
    A("`docs/nic.md`) and the scenarios (`tests/common/nc_bench_suite.h`) are shared with `tb_nic`'s `bench` mode, which")
    A("runs them on its own two directly Verilated NICs as a cross-check. The link runs at 64 B/cycle (the raw")
    A("512-bit MAC) with no propagation delay; headers, FCS, preamble and inter-frame gap cost 110 bytes per frame,")
    A("so 4096-byte payloads can reach at most 97.4 % of it and 9000-byte ones 98.8 %. Goodput is payload bytes")
    A("placed into host memory from the first to the last Rx completion, the first message left out (with n")
    A("messages a frame already on the wire when the window opens can make the figure read up to 1/n high); the")
    A("host reposts buffers and posts descriptors as fast as the rings allow (256 entries), polling every 2 cycles.")
    A("DMA latency L: a read is answered L cycles after its request, a write becomes visible L cycles after its")
    A("last beat.")
    A("")
    A("**One channel, one direction** — goodput, and the MAC beats per cycle of the sender's Tx pipeline and the")
    A("receiver's Rx pipeline over the same window (`ncsim_nic_stats` V2 counters):")
    A("")
    A("| payload | DMA latency | bytes/cycle | of the link | messages/cycle | Tx beats/cycle | Rx beats/cycle |")
    A("|---|---|---|---|---|---|---|")
    for f in F.all("nic_goodput_one_channel"):
        p = f["params"]
        size, lat = p["payload_bytes"], p["dma_latency_cycles"]
        m = F.get("nic_message_rate_one_channel", payload_bytes=size, dma_latency_cycles=lat)
        tx = F.get("nic_tx_mac_beats_per_cycle", payload_bytes=size, dma_latency_cycles=lat)
        rx = F.get("nic_rx_mac_beats_per_cycle", payload_bytes=size, dma_latency_cycles=lat)
        A(f"| {size} B | {lat} | {f['value']:.2f} | {pct(f['value'] / 64)} | {fmt(m, 4)} | {fmt(tx, 3)} | {fmt(rx, 3)} |")
    A("")
    A("At a 256-cycle DMA latency one channel carries fewer 64-byte messages: a channel keeps at most 64 packets")
    A("unacknowledged, and its round trip then includes two DMA reads (descriptor, payload) on the sender and the")
    A("placement on the receiver, so 64 packets per round trip is the limit. Small messages scale with channels")
    A("instead — the NetChannel premise:")
    A("")
    hwc = F.all("nic_message_rate_aggregate")
    if hwc:
        A("| channels (64-byte payloads, DMA latency 256) | " + " | ".join(str(f["params"]["channels"]) for f in hwc) + " |")
        A("|---" * (len(hwc) + 1) + "|")
        A("| messages/cycle, all channels | " + " | ".join(f"{f['value']:.3f}" for f in hwc) + " |")
        A("")
    A("**Channels sharing the link** (4096-byte payloads, DMA latency 0; Jain's fairness index over the channels'")
    A("goodputs, 1.0 = equal shares; round-robin between channels in `nc_tx_ctrl`):")
    A("")
    A("| channels | bytes/cycle, all channels | of the link | Jain fairness index |")
    A("|---|---|---|---|")
    for f in F.all("nic_goodput_aggregate"):
        c = f["params"]["channels"]
        A(f"| {c} | {f['value']:.2f} | {pct(f['value'] / 64)} | {fmt(F.get('nic_fairness_jain', channels=c), 4)} |")
    A("")
    A("**Latency** (64-byte payload, one message at a time, idle channel). Doorbell to wire: the cycle NIC 0 accepts")
    A("the `DB_TX` register write → the cycle its MAC hands the frame's first beat to the link. Wire to completion:")
    A("the cycle NIC 1 accepts the frame's first beat from the link → the cycle the Rx completion is visible in host")
    A("memory (the host polls after every cycle). Both come from `ncsim_nic_stats` V2 (`mmio_write_cycle`,")
    A("`mac_tx_sof_cycle`, `mac_rx_sof_cycle`), a facility added to `libncsim` for this (tested by")
    A("`test_ncsim`'s `mac_stamps` case). In `libncsim` a DMA write becomes visible L cycles after its last beat, so")
    A("wire to completion grows by about L (tb_nic, whose host memory takes writes at once, measures about L less).")
    A("")
    A("| DMA latency | doorbell → wire (min / median / max) | wire → completion (min / median / max) |")
    A("|---|---|---|")
    for lat in (0, 256):
        d = [F.get(f"nic_doorbell_to_wire_{k}", dma_latency_cycles=lat) for k in ("min", "median", "max")]
        w = [F.get(f"nic_wire_to_completion_{k}", dma_latency_cycles=lat) for k in ("min", "median", "max")]
        if d[1] is not None:
            A(f"| {lat} | {' / '.join(fmt(x, 0) for x in d)} cycles | {' / '.join(fmt(x, 0) for x in w)} cycles |")
    A("")
    A("**Goodput under random loss and reordering** (4096-byte payloads, one channel, faults on both directions")
    A("of the link, as a fraction of the lossless figure of the same configuration; measured to the last")
    A("completion, so the final recovery counts). Retransmissions per lost data frame, spurious retransmissions")
    A("(duplicates the receiver dropped; the link duplicates nothing here) and retransmission timeouts:")
    A("")
    A("| DMA latency | fault | goodput | retx / lost frame | spurious | timeouts |")
    A("|---|---|---|---|---|---|")
    for lat in (0, 256):
        for l in ("0.001", "0.010", "0.050", "0.100"):
            g = F.get("nic_goodput_under_loss_fraction", dma_latency_cycles=lat, loss=l)
            if g is None:
                continue
            A(f"| {lat} | loss {float(l) * 100:g} % | {pct(g)} | {fmt(F.get('nic_retransmissions_per_lost_frame', dma_latency_cycles=lat, loss=l), 2)} | "
              f"{fmt(F.get('nic_spurious_retransmissions', dma_latency_cycles=lat, loss=l), 0)} | {fmt(F.get('nic_recovery_timeouts', dma_latency_cycles=lat, loss=l), 0)} |")
        for f in F.all("nic_goodput_under_reorder_fraction", dma_latency_cycles=lat):
            sp_ = F.get("nic_spurious_retransmissions_fraction", dma_latency_cycles=lat)
            A(f"| {lat} | reorder {f['params']['reorder'] * 100:g} % | {pct(f['value'])} | — | "
              f"{fmt(F.get('nic_spurious_retransmissions', dma_latency_cycles=lat, loss='0.000'), 0)} ({pct(sp_, 2)} of data frames) | "
              f"{fmt(F.get('nic_recovery_timeouts', dma_latency_cycles=lat, loss='0.000'), 0)} |")
    A("")
    A("Loss recovery (docs/nic.md): selective acknowledgement with out-of-order placement; a lost retransmission is")
    A("found from SACKs of PSNs sent after it, without waiting for the timer; a timeout first sends a tail-loss probe")
    A("and resends only what its answer shows missing; the timer is the round-trip estimate's, bounded by `RTO_CYCLES`.")
    A("")
    fr = F.all("fault_bulk_goodput_gbps")
    if fr:
        A("### Fault matrix (issue 9)")
        A("")
        A("The demo workload (`make run`: two hosts, VNS + NetScheduler + copy workers + NetDriver on two simulated")
        A("NICs; bulk sockets carrying data both ways and RPC calls, every byte and response verified) under each fault")
        A("of the simulated link, same seed. Goodput is the bulk phase's, in simulated time, relative to the")
        A("fault-free run; spurious = duplicates the receivers dropped less the copies the link duplicated; BAD_ICRC =")
        A("frames the NICs dropped because their end-to-end CRC failed (corruption behind a good FCS).")
        A("")
        A("| fault | bytes verified | RPCs verified | goodput (Gbit/s) | of none | retx | spurious | timeouts | BAD_ICRC | wall |")
        A("|---|---|---|---|---|---|---|---|---|---|")
        for f in fr:
            c = f["params"]["case"]
            def g(n):
                return F.get(n, case=c)
            fn = g("fault_goodput_fraction_of_none")
            A(f"| {c} | {fmt(g('fault_bytes_verified'), 0)} of {f['params']['bytes_sent']:,} | {fmt(g('fault_rpc_calls_verified'), 0)} of {f['params']['rpc_calls']:,} | "
              f"{f['value']:.1f} | {pct(fn) if fn is not None else '—'} | {fmt(g('fault_retransmissions'), 0)} | {fmt(g('fault_spurious_retransmissions'), 0)} | "
              f"{fmt(g('fault_timeouts'), 0)} | {fmt(g('fault_drops_bad_icrc'), 0)} | {fmt(g('fault_wall_seconds'), 1)} s |")
        A("")
        A("Command: `python3 tests/bench/report.py faults build/bench dotnet host/NetChannel.Cli/bin/Release/net10.0/netchannel.dll demo`")
        A("(`make bench` runs it; each case is `netchannel demo <faults> --json`).")
        A("")
    idle = F.get("sim_cycles_per_second_idle")
    bulk = F.get("sim_cycles_per_second_bulk")
    A(f"**Simulator speed** (wall clock, two NICs, one simulation thread, this machine under the load above):")
    A(f"{fmt(idle, 0)} cycles/s idle (one `ncsim_step` of many cycles), {fmt(bulk, 0)} cycles/s during a 9000-byte bulk")
    A("transfer with the host model polling every 16 cycles (a step call per poll). The profile and the history of")
    A("instructions per cycle are in [`simulator.md`](simulator.md#speed).")
    A("")

    # ---- section 2 ----
    A("## 2. The host runtime on the loopback test device")
    A("")
    A("`dotnet host/NetChannel.Benchmarks/bin/Release/net10.0/NetChannel.Benchmarks.dll host` "
      "(`host/NetChannel.Benchmarks`): two `VnsHost`s, each with its NetDriver `NicHost` on one side of a")
    A("`LoopbackDevicePair`, used through the public VNS API (`VnsSocket`, `VnsRpcConnection`); the baseline is .NET")
    A("`Socket` on kernel TCP over 127.0.0.1 in the same process, one connection per application thread (blocking")
    A("calls on dedicated threads, Nagle off). The loopback device has no wire: it copies every message once more")
    A("(Tx buffer → peer's Rx buffer, on its engine thread, standing in for the NIC's DMA). CPU seconds per GB are")
    A("the process's CPU time (all threads, user + kernel, both hosts) per 10⁹ payload bytes delivered.")
    A("")
    A("**memcpy bandwidth** (`Buffer.MemoryCopy`, source one buffer of the copy size, destination walking through")
    A("16 MiB, as copies into DMA buffers do):")
    A("")
    A("| copy size | 1 thread | all cores at once |")
    A("|---|---|---|")
    cores = meta.get("cores")
    for size in (64, 4096, 65536):
        one = F.get("memcpy_bandwidth", copy_bytes=size, threads=1)
        alln = F.get("memcpy_bandwidth", copy_bytes=size, threads=cores)
        A(f"| {size} B | {fmt(one and one / 1e9, 2, ' GB/s')} | {fmt(alln and alln / 1e9, 2, ' GB/s')} |")
    A("")
    lim = F.get("op1_memcpy_limit")
    A(f"The **memcpy limit** of operating point 1 is {fmt(lim, 2, ' Gbit/s')}: the machine's 64 KB memcpy bandwidth (the")
    A("better of one thread and all cores, measured again in every round of operating point 1, median) / 2, since")
    A("every byte is copied once on send and once on receive. (On the loopback device a third copy — the device's —")
    A("shares the same cores, so this runtime can reach at most about two thirds of it here.)")
    A("")
    A("**Operating point 1 — one application thread saturates the link**: one sender loop (`SendAsync` of 64 KB),")
    A("one receiver loop (`ReceiveAsync`), one socket of the throughput class over 2 channels, copy workers 0 / 1 / 2")
    A("(0 = the application and poller threads copy inline):")
    A("")
    A("| system | copy workers | goodput | CPU s/GB | of memcpy limit | vs kernel TCP |")
    A("|---|---|---|---|---|---|")
    tc = F.get("op1_tcp_cpu_seconds_per_gb")
    if tcp is not None:
        f0 = F.all("op1_tcp_goodput")[0]["params"]
        A(f"| kernel TCP, 1 connection | — | {tcp:.2f} Gbit/s ({f0.get('min', 0):.2f}–{f0.get('max', 0):.2f}) | {fmt(tc)} | "
          f"{pct(tcp / lim if lim else None)} | 1.00× |")
    for f in F.all("op1_vns_goodput"):
        w = f["params"]["copy_workers"]
        A(f"| NetChannel | {w} | {f['value']:.2f} Gbit/s ({f['params'].get('min', 0):.2f}–{f['params'].get('max', 0):.2f}) | "
          f"{fmt(F.get('op1_vns_cpu_seconds_per_gb', copy_workers=w))} | {pct(F.get('op1_vns_fraction_of_memcpy_limit', copy_workers=w))} | "
          f"{fmt(F.get('op1_vns_ratio_to_tcp', copy_workers=w))}× |")
    A("")
    A("Goodput is the median of the rounds (range in brackets); ratios use the medians.")
    A("")
    A("**Operating point 2 — small messages scale with channels, not application threads**: RPC (request and")
    A("response of the same size) from one application over one connection with 32 calls outstanding. NetChannel:")
    A("one `VnsRpcConnection` on a latency-class socket whose class has 1, 2 or 4 channels (fixed), 32 call loops on")
    A("the thread pool, the server answering from 4 receive loops. Kernel TCP: ONE client thread keeping 32 requests")
    A("in flight over 1 or 4 connections (blocking sends and receives), one server thread per connection that")
    A("answers every request it has read in one send.")
    A("")
    A("| message | NetChannel, 1 channel | 2 channels | 4 channels | TCP, 1 connection | TCP, 4 connections | best NetChannel / best TCP |")
    A("|---|---|---|---|---|---|---|")
    for size in (64, 4096):
        v = [F.get("op2_vns_rpc_rate", message_bytes=size, channels=c) for c in (1, 2, 4)]
        t = [F.get("op2_tcp_rpc_rate", message_bytes=size, connections=c) for c in (1, 4)]
        if any(x is not None for x in v):
            best = max(x for x in v if x is not None) / max(x for x in t if x is not None) if any(t) else None
            A(f"| {size} B | " + " | ".join(fmt(x, 0) for x in v) + " | " + " | ".join(fmt(x, 0) for x in t) +
              f" | {fmt(best)}× |")
    A("")
    A("Calls per second (medians of the rounds).")
    A("")
    A("**Operating point 3 — isolation**: one application doing 64-byte ping-pong (send 64 B, wait for the echo)")
    A("alone, then beside 8 bulk senders (8 throughput-class sockets, each with a sender loop writing 64 KB and a")
    A("reader on the other host). *Isolation on*: the ping-pong socket is of the latency class — its own channels,")
    A("copy worker, poller thread and the loopback device serving latency channels first. *Isolation off*: the same")
    A("socket in the throughput class, sharing all of that with the bulk senders. Baseline: the same over kernel TCP")
    A("with 8 bulk TCP connections.")
    A("")
    A("| system | isolation | beside | P50 µs | P99 µs | P99.9 µs | round trips |")
    A("|---|---|---|---|---|---|---|")
    for f in F.all("op3_rtt_p50"):
        p = f["params"]
        k = dict(system=p["system"], isolation=p["isolation"], bulk_senders=p["bulk_senders"])
        A(f"| {'kernel TCP' if p['system'] == 'tcp' else 'NetChannel'} | {p['isolation']} | "
          f"{'nothing' if p['bulk_senders'] == 0 else str(p['bulk_senders']) + ' bulk senders'} | {f['value']:,.1f} | "
          f"{fmt(F.get('op3_rtt_p99', **k), 1)} | {fmt(F.get('op3_rtt_p999', **k), 1)} | {p['round_trips']} |")
    A("")
    rows = []
    for sysname, iso in (("netchannel", "on"), ("netchannel", "off"), ("tcp", "n/a")):
        a = F.get("op3_rtt_p999", system=sysname, isolation=iso, bulk_senders=0)
        b = F.get("op3_rtt_p999", system=sysname, isolation=iso, bulk_senders=8)
        if a and b:
            rows.append(f"{'NetChannel, isolation ' + iso if sysname == 'netchannel' else 'kernel TCP'} {b / a:.2f}×")
    if rows:
        A("P99.9 beside the bulk senders ÷ P99.9 alone: " + "; ".join(rows) + ".")
        A("")
    A("**Overheads — what the layering costs**: the same single pipeline — one sender, one receiver, 64 KB sends, one")
    A("channel, every copy inline (no copy workers) — through the full VNS / NetScheduler path (`VnsSocket`) and")
    A("through the thinnest path the runtime allows, the NetDriver alone (`Channel.TryReserve` / copy / `Commit`; the")
    A("sink copies each payload into an application buffer and releases it).")
    A("")
    A("| path | goodput | CPU s/GB |")
    A("|---|---|---|")
    A(f"| NetDriver alone | {fmt(F.get('overhead_driver_goodput'), 2, ' Gbit/s')} | {fmt(F.get('overhead_driver_cpu_seconds_per_gb'))} |")
    A(f"| VNS + NetScheduler | {fmt(F.get('overhead_vns_goodput'), 2, ' Gbit/s')} | {fmt(F.get('overhead_vns_cpu_seconds_per_gb'))} |")
    A("")
    fr = F.get("overhead_vns_goodput_fraction_of_driver")
    ex = F.get("overhead_vns_extra_cpu_seconds_per_gb")
    A(f"VNS goodput ÷ driver goodput: {fmt(fr)}; extra CPU seconds per GB through VNS: {fmt(ex)}.")
    A("")

    # ---- section 3 ----
    A("## 3. Micro-benchmarks")
    A("")
    A("`NetChannel.Benchmarks.dll micro` — BenchmarkDotNet 0.14 in-process (`InProcessEmitToolchain`), every class with")
    A("`[MemoryDiagnoser]` (managed bytes allocated per operation as BenchmarkDotNet counts them, rounded to whole")
    A("bytes). Operations that cross threads are measured over batches and divided by the batch size.")
    A("")
    A("| operation | benchmark | mean ns/op | ± stddev | allocated B/op |")
    A("|---|---|---|---|---|")
    for f in F.all("micro_mean_ns"):
        p = f["params"]
        b = p["benchmark"]
        A(f"| {p['category']} | `{b}` | {f['value']:,.1f} | {fmt(F.get('micro_stddev_ns', benchmark=b), 1)} | "
          f"{fmt(F.get('micro_allocated_bytes', benchmark=b), 0)} |")
    A("")
    A("- `RingBenchmarks.PostAndPoll`: one Tx descriptor written into its ring slot and one completion read after its")
    A("  phase bit, on native memory, as the driver does them (no device).")
    A("- `DriverBenchmarks.SendDeliver64B`: the whole driver data path per 64-byte message on the loopback device —")
    A("  reserve, commit and doorbell, the device's copy, completion processing on both hosts, delivery, release —")
    A("  in batches of 256; it includes the cross-thread wake-ups, so it is a throughput figure (messages/s = 10⁹ ÷ ns).")
    A("- `SchedulerBenchmarks`: chunk → channel among 4 live channels (reservation taken and returned) and copy →")
    A("  worker among 2.")
    A("- `CopyWorkerBenchmarks.HandOff`: a 64-byte copy request enqueued on a worker thread and executed (batches of 64).")
    A("- `ReorderBenchmarks.InsertOutOfOrder`: 512-byte chunks of one socket arriving in reverse order (batches of 8)")
    A("  placed into its receive ring (range reservation, segment tracking, inline copy), then read by the application.")
    A("")
    A("The steady-state allocation tests of the test suite measure the same property exactly on every thread of")
    A("the data path (`DriverAllocationTests`: sender, both pollers, the loopback engine; `VnsAllocationTests`: the")
    A("whole process), which a benchmark tool's per-operation figure does not prove for the other threads.")
    A("")

    # ---- findings ----
    A("## Findings")
    A("")
    with open(os.path.join(HERE, "findings.md")) as f:
        L.extend(f.read().rstrip("\n").split("\n"))
    A("")
    A("## How to reproduce")
    A("")
    A("`make bench` or `make bench QUICK=1` builds what is missing, runs the three sections and regenerates this")
    A("page, `build/bench/results.json` and the plots (this run's wall time is in the header; on 2026-11-23 the full")
    A("run took about 10 minutes and QUICK=1 about 2, builds done, under load average 10–26). Parts alone:")
    A("`make rtl-bench` (header path), `build/sim/bench_nic build/sim/libncsim.so [--quick] [--json F]` (NIC through")
    A("libncsim), `build/rtl/nic/Vnc_nic bench [--quick]` (the same scenarios on tb_nic's NICs), `make sim-bench`")
    A("(simulator speed alone), `dotnet host/NetChannel.Benchmarks/bin/Release/net10.0/NetChannel.Benchmarks.dll")
    A("host|micro [--quick] --json F`, `make host-bench` (the driver alone: `netchannel loopback-bench`).")
    A("")
    return "\n".join(L) + "\n"


def finish(d, doc, plotdir):
    meta = read_json(os.path.join(d, "meta.json"), {})
    # the load when the last step ended (so regenerating the report later does not change it)
    meta["load_end"] = meta["steps"][-1]["load"] if meta.get("steps") else loadavg()
    figs = []
    for name, section in (("linerate.txt", "1"), ("hw.json", "1"), ("host.json", "2"), ("micro.json", "3"), ("faults.json", "4")):
        part = parse_linerate(os.path.join(d, name)) if name.endswith(".txt") else read_json(os.path.join(d, name), [])
        for f in part:
            f["section"] = section
        figs.extend(part)
    # normalise the loss parameter to a string key ("0.010") for lookups
    for f in figs:
        if "loss" in f["params"] and not isinstance(f["params"]["loss"], str):
            f["params"]["loss"] = f"{f['params']['loss']:.3f}"
    F = Figs(figs)
    made = plots(F, d, plotdir)
    meta["plots"] = [os.path.relpath(p, ROOT) for p in made]
    with open(os.path.join(d, "results.json"), "w") as f:
        json.dump({"meta": meta, "figures": figs}, f, indent=1)
    text = build_doc(F, meta, made, plotdir, doc)
    with open(doc, "w") as f:
        f.write(text)
    print(f"report: {len(figs)} figures -> {os.path.relpath(os.path.join(d, 'results.json'), ROOT)}, "
          f"{os.path.relpath(doc, ROOT)}, plots: {', '.join(os.path.relpath(p, ROOT) for p in made) or 'none'}")


def main(argv):
    if len(argv) >= 3 and argv[1] == "begin":
        begin(argv[2], argv[3] if len(argv) > 3 else "make bench")
    elif len(argv) == 4 and argv[1] == "mark":
        mark(argv[2], argv[3])
    elif len(argv) >= 4 and argv[1] == "faults":
        return faults(argv[2], argv[3:])
    elif len(argv) == 5 and argv[1] == "finish":
        finish(argv[2], argv[3], argv[4])
    else:
        print(__doc__, file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
