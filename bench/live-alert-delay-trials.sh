#!/bin/bash
# Runs bench/live-alert-delay.py TRIALS times, each against a fresh `meshpulse run` (own state folder and broker).
# usage: bench/live-alert-delay-trials.sh TRIALS [extra run options, e.g. --early-look off]
# Needs the built jar (app/target/meshpulse.jar) and a drill in /tmp/runsim (bin/meshpulse simulate --out /tmp/runsim).
# To compare two builds, MESHPULSE_JAR names the other build's jar, e.g. from a worktree of the other commit built with
# `./mvnw -o -q package -DskipTests` (a copy of the jar alone will not do: it loads the project's own modules, as its
# other libraries, from the lib folder beside it).
set -u
cd "$(dirname "$0")/.."
n=$1; shift
for i in $(seq 1 "$n"); do
  rm -rf /tmp/runstate /tmp/livelogs; mkdir -p /tmp/livelogs/var/log/pods
  java -jar "${MESHPULSE_JAR:-app/target/meshpulse.jar}" run --state-dir /tmp/runstate --broker-port 19092 --http-port 18080 \
    --tail-path '/tmp/livelogs/var/log/pods/*/*/*.log' "$@" > "/tmp/live-run-$i.log" 2>&1 &
  pid=$!
  for s in $(seq 1 120); do curl -sf http://127.0.0.1:18080/readyz >/dev/null && break; sleep 1; done
  echo "trial $i: ready after $s s; load $(cut -d' ' -f1 /proc/loadavg)"
  timeout 600 python3 bench/live-alert-delay.py /tmp/runsim /tmp/livelogs 120 http://127.0.0.1:18080
  kill "$pid"; wait "$pid" 2>/dev/null
done
