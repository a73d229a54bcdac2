#!/usr/bin/env python3
"""Sum the RTL testbenches' "N passed, N failed" line and xunit's per-project summaries into one line.

usage: summary.py RTL_LOG DOTNET_LOG   (exit 1 if any test failed or a summary is missing)
"""
import re
import sys


def main(rtl_log: str, dotnet_log: str) -> int:
    rtl = open(rtl_log, encoding="utf-8", errors="replace").read()
    dot = open(dotnet_log, encoding="utf-8", errors="replace").read()
    m = re.findall(r"^(\d+) passed, (\d+) failed\s*$", rtl, re.M)
    x = re.findall(r"(?:Passed|Failed)!\s+-\s+Failed:\s+(\d+),\s+Passed:\s+(\d+),\s+Skipped:\s+(\d+)", dot)
    if not m or not x:
        print(f"summary: missing runner summary (rtl: {bool(m)}, xunit: {bool(x)})", file=sys.stderr)
        print("0 passed, 1 failed")
        return 1
    rp, rf = map(int, m[-1])
    xf = sum(int(a) for a, _, _ in x)
    xp = sum(int(b) for _, b, _ in x)
    xs = sum(int(c) for _, _, c in x)
    print(f"rtl: {rp} passed, {rf} failed; xunit: {xp} passed, {xf} failed, {xs} skipped")
    print(f"{rp + xp} passed, {rf + xf} failed" + (f", {xs} skipped" if xs else ""))
    return 1 if rf or xf else 0


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:3]))
