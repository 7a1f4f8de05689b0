#!/bin/bash
# Wall-clock alert delay of one fire drill, live, TRIALS times: bench/live-drill-sweep.py does the work (a fresh
# `meshpulse run` per trial following an empty folder, `simulate --live` playing SCENARIO into it, the API polled
# every 0.2 s; the delay from the incident's first affected request to the expected alert on the API).
# usage: bench/live-drill-trials.sh SCENARIO TRIALS [extra run options, e.g. --early-look off]
# Needs the built jar (app/target/meshpulse.jar, or MESHPULSE_JAR) and python3. A trial takes about five minutes.
set -eu
cd "$(dirname "$0")/.."
scenario=$1; n=$2; shift 2
exec python3 bench/live-drill-sweep.py --trials "$n" "$scenario" -- "$@"
