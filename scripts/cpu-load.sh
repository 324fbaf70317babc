#!/usr/bin/env bash
# `npm run load:cpu -- [SECONDS] [WORKERS]`: keeps the cores busy for SECONDS (default 600, at most 3600)
# with WORKERS busy loops (default: one per core, `nproc`), then stops by itself; Ctrl-C or SIGTERM stop it
# early. For running the tests as a loaded machine would (issue 28: `npm test` must pass while another
# process keeps both cores busy):
#   npm run load:cpu -- 900 &  npm test
# Each worker is `node -e` spinning on the CPU (nothing else installed is needed); every worker has its own
# deadline as well, so none outlives the run even if this script is killed with SIGKILL.
set -euo pipefail
seconds=${1:-600}
workers=${2:-$(nproc 2>/dev/null || echo 2)}
if ! [[ $seconds =~ ^[0-9]+$ ]] || ((seconds < 1 || seconds > 3600)); then
  echo "cpu-load: SECONDS must be 1..3600 (got '$seconds')" >&2
  exit 2
fi
if ! [[ $workers =~ ^[0-9]+$ ]] || ((workers < 1 || workers > 64)); then
  echo "cpu-load: WORKERS must be 1..64 (got '$workers')" >&2
  exit 2
fi
pids=()
stop() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
}
trap stop EXIT INT TERM
for ((i = 0; i < workers; i++)); do
  node -e "const end = Date.now() + ${seconds} * 1000; let x = 0; while (Date.now() < end) x = (x * 31 + 7) % 1000003;" &
  pids+=("$!")
done
echo "cpu-load: ${workers} busy loop(s) for ${seconds} s (pids ${pids[*]})" >&2
wait "${pids[@]}" || true
pids=()
echo "cpu-load: done" >&2
