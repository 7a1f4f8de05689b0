#!/usr/bin/env bash
# Every fire-drill scenario with seeds the test suite does not use, simulated, replayed and checked (check.py):
# the incident's alert fires on the incident's pair near its start, and nothing else pages.
# Usage: tools/drill-sweep/sweep.sh [WORK_DIR] [SEED...]   (about 17 s per scenario and seed on two cores)
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
work="${1:-/tmp/meshpulse-drill-sweep}"; shift || true
seeds=("${@:-101 202 303}")
mkdir -p "$work"
fails=0
for seed in ${seeds[@]}; do
  for sc in $("$root/bin/meshpulse" simulate --list 2>/dev/null | awk '{print $1}'); do
    d="$work/$sc-$seed"; rm -rf "$d"; mkdir -p "$d"
    "$root/bin/meshpulse" simulate --scenario "$sc" --seed "$seed" --out "$d/in" > "$d/simulate.log" 2>&1
    "$root/bin/meshpulse" replay --input "$d/in/var/log/pods" --out "$d/out" > "$d/replay.log" 2>&1 || true
    python3 "$root/tools/drill-sweep/check.py" "$d/in/truth.json" "$d/out/alerts.jsonl" "$sc" "$seed" "$d/simulate.log" || fails=$((fails + 1))
  done
done
echo "$fails failed"
[ "$fails" -eq 0 ]
