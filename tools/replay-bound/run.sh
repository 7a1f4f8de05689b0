#!/usr/bin/env bash
# How far replay could get on a mesh without the parts of it that can be switched off for a measurement (BENCHMARKS.md,
# session 23): the alerts stage, the 3 s close delay, the changelogs of the two open-window stores. None of them can go
# in a real replay (no alerts; callers resolved before the IP table holds them; counts lost when a task restarts), so
# this is an upper bound, not a proposal. It builds COMMIT in a throwaway worktree with switches.patch applied (system
# properties exp.noAlerts, exp.noDelay, exp.noLog; a variant names them joined by commas, "none" for none) and runs
# `bench --rounds 2 --no-floor` on INPUT with bin/meshpulse's JVM flags for each variant in turn, ROUNDS times,
# printing round 2's lines. About 80 s per variant and round on two cores with a 1M-line mesh.
# Usage: tools/replay-bound/run.sh COMMIT INPUT ROUNDS [VARIANT...]
#   e.g. tools/replay-bound/run.sh 389376a /tmp/m1k 3 none noAlerts,noDelay,noLog
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
commit="$1"; input="$2"; rounds="$3"; shift 3
variants=("${@:-none noAlerts noAlerts,noDelay noAlerts,noDelay,noLog}")
wt="$(mktemp -d /tmp/meshpulse-replay-bound-XXXXXX)"
trap 'git -C "$root" worktree remove --force "$wt" >/dev/null 2>&1 || true' EXIT
git -C "$root" worktree add -q --detach "$wt" "$commit"
git -C "$wt" apply "$root/tools/replay-bound/switches.patch"
(cd "$wt" && ./mvnw -q -o package -DskipTests 2>/dev/null || ./mvnw -q package -DskipTests)
jit="-XX:Tier4InvocationThreshold=100000 -XX:Tier4MinInvocationThreshold=12000 -XX:Tier4CompileThreshold=300000 -XX:Tier4BackEdgeThreshold=800000"
for i in $(seq 1 "$rounds"); do
  for v in ${variants[@]}; do
    props=""
    for f in ${v//,/ }; do [ "$f" != none ] && props="$props -Dexp.$f=true"; done
    echo "=== $v, run $i, $(date -u +%H:%M:%S) UTC"
    # shellcheck disable=SC2086
    java -Xms256m -Xmx2g -XX:+UseParallelGC $jit $props --add-modules=jdk.incubator.vector \
      -jar "$wt/app/target/meshpulse.jar" bench --input "$input" --rounds 2 --no-floor 2>&1 \
      | grep -E "^round 2|phases" | tail -3
  done
done
