#!/usr/bin/env bash
# Runs the whole suite (`npm test`) several times in a row while other processes keep the CPU
# busy, stopping at the first failure: the check that the suite does not depend on a quiet machine.
#   UNDER_LOAD_RUNS   how many runs in a row (3)
#   UNDER_LOAD_BUSY   how many busy processes beside it (1: one of this machine's two cores)
set -uo pipefail
cd "$(dirname "$0")/.."
runs=${UNDER_LOAD_RUNS:-3}
busy=${UNDER_LOAD_BUSY:-1}
pids=()
stop_busy() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done; }
trap stop_busy EXIT
for _ in $(seq 1 "$busy"); do
  node -e 'for (;;) {}' &
  pids+=($!)
done
echo "[under-load] ${busy} busy process(es): ${pids[*]}; ${runs} runs of npm test"
for i in $(seq 1 "$runs"); do
  start=$(date +%s)
  npm test
  rc=$?
  took=$(( $(date +%s) - start ))
  load=$(cut -d' ' -f1-3 /proc/loadavg)
  echo "[under-load] run ${i}/${runs}: exit ${rc} in ${took}s (load average ${load})"
  if [ "$rc" -ne 0 ]; then exit "$rc"; fi
done
echo "[under-load] ${runs} runs in a row passed"
