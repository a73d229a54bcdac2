#!/usr/bin/env bash
# Runs every RTL testbench binary and prints ONE combined "N passed, N failed" line at the end.
#
#   run_all.sh 'CMD1 ARGS' 'CMD2 ARGS' ...
#
# Each command's output is shown with its own "N passed, N failed" summary rewritten as
# "[name] N passed, N failed". The run fails (exit 1) when any case fails, a command exits non-zero,
# or a command's PASS/FAIL lines are missing or disagree with its own summary.
set -u
total_pass=0
total_fail=0
status=0
for cmd in "$@"; do
  name=$(basename "${cmd%% *}")
  out=$(eval "$cmd" 2>&1)
  rc=$?
  printf '%s\n' "$out" | sed -E "s/^([0-9]+ passed, [0-9]+ failed)\$/[$name] \\1/"
  p=$(printf '%s\n' "$out" | grep -c '^PASS ')
  f=$(printf '%s\n' "$out" | grep -c '^FAIL ')
  summary=$(printf '%s\n' "$out" | grep -E '^[0-9]+ passed, [0-9]+ failed$' | tail -n 1)
  if [ -z "$summary" ]; then
    echo "FAIL $name: no summary line (exit code $rc)"
    f=$((f + 1)); status=1
  elif [ "$summary" != "$p passed, $f failed" ]; then
    echo "FAIL $name: summary '$summary' disagrees with $p PASS / $f FAIL lines"
    f=$((f + 1)); status=1
  elif [ "$p" -eq 0 ]; then
    echo "FAIL $name: no test cases ran"
    f=$((f + 1)); status=1
  fi
  if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
    echo "FAIL $name: exit code $rc"
    f=$((f + 1))
  fi
  [ "$rc" -ne 0 ] && status=1
  [ "$f" -ne 0 ] && status=1
  total_pass=$((total_pass + p))
  total_fail=$((total_fail + f))
done
echo "$total_pass passed, $total_fail failed"
exit $status
