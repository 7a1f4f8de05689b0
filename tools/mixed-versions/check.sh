#!/usr/bin/env bash
# A rolling upgrade, by hand: two `meshpulse run` instances of one application id on 4 partitions, one of them an
# older build (OLD_JAR) that follows the drill's log files, the other this build; a UC drill is written live; then the
# older instance is restarted as this build on its own state. Passes when the UC alert fires while both versions run,
# both instances stay up through the drill and the upgrade, and no log has an error. It prints who held which
# partitions, so you can see that each version held parsing tasks and alerts partitions the other sends to.
# Usage: tools/mixed-versions/check.sh OLD_JAR [WORK_DIR]
#   OLD_JAR: the older build's own jar, e.g. from `git worktree add /tmp/old <commit>` and `./mvnw -q package
#   -DskipTests` there (a copy of the jar alone will not do: it loads the project's modules from the lib folder beside
#   it). Needs python3 and curl; takes about five minutes. Not in the test suite.
# Against e0fabe7 (the build before look marks) it passes. Against that build altered to throw on a record without a
# value (as a build that could not read look marks would), it reports three failures: no alert, none after the
# upgrade, and the older instance's stream threads failing in its log.
set -uo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
old="${1:?usage: check.sh OLD_JAR [WORK_DIR]}"; work="${2:-/tmp/meshpulse-mixed-versions}"
new="$root/app/target/meshpulse.jar"
port="${MIXED_BROKER_PORT:-19093}"; bootstrap="127.0.0.1:$port"
rm -rf "$work"; mkdir -p "$work/logs/var/log/pods"
java -jar "$new" simulate --out "$work/drill" > "$work/simulate.log" 2>&1 || { echo "simulate failed"; exit 1; }
pids=()
cleanup() { kill "${pids[@]}" 2>/dev/null; wait 2>/dev/null; }
trap cleanup EXIT
java -jar "$new" broker --port "$port" --data "$work/broker" > "$work/broker.log" 2>&1 & pids+=($!)
ready() { for _ in $(seq 1 120); do curl -sf "http://127.0.0.1:$1/readyz" > /dev/null && return 0; sleep 1; done; return 1; }
started=
run() { # JAR LABEL NAME PORT [run options]; sets $started to its pid
  local jar=$1 label=$2 name=$3 http=$4; shift 4
  java -jar "$jar" run --bootstrap-servers "$bootstrap" --partitions 4 --application-id mixed --group-instance-id "$name" \
    --state-dir "$work/state-$name" --http-port "$http" "$@" > "$work/$name-$label.log" 2>&1 &
  started=$!; pids+=("$started")
}
tail_opts=(--tail-path "$work/logs/var/log/pods/*/*/*.log")
for _ in $(seq 1 60); do (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && break; sleep 1; done
run "$old" old a 18091 "${tail_opts[@]}"; a=$started
ready 18091 || { echo "the older instance did not get ready"; exit 1; }
run "$new" new b 18092; b=$started
ready 18092 || { echo "this build's instance did not get ready"; exit 1; }
fails=0
assignment() { java -Dorg.slf4j.simpleLogger.defaultLogLevel=warn -cp "$root/app/target/lib/*" "$root/tools/mixed-versions/Assignment.java" "$bootstrap" mixed; }
echo "== both versions running; the drill, written live at 120 lines/s"
timeout 600 python3 "$root/bench/live-alert-delay.py" "$work/drill" "$work/logs" 120 http://127.0.0.1:18092 | tee "$work/drill.log"
grep -q "UC alert firing" "$work/drill.log" || { echo "FAIL: no UC alert while both versions ran"; fails=$((fails + 1)); }
assignment
for p in $a $b; do kill -0 "$p" 2>/dev/null || { echo "FAIL: an instance (pid $p) died during the drill"; fails=$((fails + 1)); }; done
echo "== the older instance restarted as this build, on its own state"
kill "$a"; wait "$a" 2>/dev/null
run "$new" new a 18091 "${tail_opts[@]}"; a=$started
ready 18091 || { echo "FAIL: the upgraded instance did not get ready"; fails=$((fails + 1)); }
sleep 20
assignment
curl -sf "http://127.0.0.1:18091/api/v1/alerts?status=firing" | grep -q '"UC"' \
  || { echo "FAIL: the UC alert is not firing on the upgraded instance's API"; fails=$((fails + 1)); }
for p in $a $b; do kill -0 "$p" 2>/dev/null || { echo "FAIL: an instance (pid $p) died after the upgrade"; fails=$((fails + 1)); }; done
if grep -E "\[ERROR\]|Exception" "$work"/a-*.log "$work"/b-*.log; then echo "FAIL: errors in the logs above"; fails=$((fails + 1)); fi
echo "$fails failed (logs in $work)"
[ "$fails" -eq 0 ]
