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
    # A replay that fails is a failed drill, said with its log's end (check.py would only see a missing file).
    if ! "$root/bin/meshpulse" replay --input "$d/in/var/log/pods" --out "$d/out" > "$d/replay.log" 2>&1; then
      echo "FAIL $sc seed $seed: replay exited with an error; the end of $d/replay.log:"
      tail -n 5 "$d/replay.log" | sed 's/^/    /'
      fails=$((fails + 1))
      continue
    fi
    python3 "$root/tools/drill-sweep/check.py" "$d/in/truth.json" "$d/out/alerts.jsonl" "$sc" "$seed" "$d/simulate.log" || fails=$((fails + 1))
  done
done
echo "$fails failed"
[ "$fails" -eq 0 ]
