#!/bin/bash
# Wall-clock alert delay, live, with the product's own drill writer: per trial a fresh `meshpulse run` (own state
# folder and broker) follows an empty folder, `meshpulse simulate --live` plays SCENARIO into it at the drill's own
# pace with today's times, and the API is polled every 0.2 s until the expected alert fires. Prints the incident's
# first affected request (its start time, as simulate says) and when the alert was first seen on the API.
# usage: bench/live-drill-trials.sh SCENARIO TRIALS [extra run options, e.g. --early-look off]
# Needs the built jar (app/target/meshpulse.jar) and python3 (to read the API's JSON). A trial takes about 4 minutes.
set -u
cd "$(dirname "$0")/.."
scenario=$1; n=$2; shift 2
jar="${MESHPULSE_JAR:-app/target/meshpulse.jar}"
for i in $(seq 1 "$n"); do
  rm -rf /tmp/drillstate /tmp/drilllogs; mkdir -p /tmp/drilllogs
  java -jar "$jar" run --state-dir /tmp/drillstate --broker-port 19094 --http-port 18082 \
    --tail-path '/tmp/drilllogs/var/log/pods/*/*/*.log' "$@" > "/tmp/drill-run-$i.log" 2>&1 &
  pid=$!
  for s in $(seq 1 120); do curl -sf http://127.0.0.1:18082/readyz >/dev/null && break; sleep 1; done
  java -jar "$jar" simulate --scenario "$scenario" --out /tmp/drilllogs --live > "/tmp/drill-sim-$i.log" 2>&1 &
  sim=$!
  python3 - "$i" <<'EOF'
import json, re, sys, time, urllib.request
i = sys.argv[1]
sim = '/tmp/drill-sim-%s.log' % i
want = None
while want is None:
    for l in open(sim):
        m = re.match(r'expected alert: (\S+) \((\w+) reporter\) (.+?) -> (\S+),', l)
        if m: want = m.groups()
    time.sleep(0.2)
cls, reporter, src, dst = want
deadline = time.time() + 600
seen = None
while time.time() < deadline and seen is None:
    try:
        body = json.loads(urllib.request.urlopen('http://127.0.0.1:18082/api/v1/alerts?status=firing', timeout=3).read())
        for a in body.get('alerts', []):
            d = a.get('destination') or {}
            name = '%s/%s' % (d.get('namespace'), d.get('workload') or d.get('service'))
            if a.get('failureClass') == cls and a.get('reporter') == reporter and (name == dst or d.get('service') == dst):
                seen = (time.time(), a)
                break
    except Exception:
        pass
    time.sleep(0.2)
first = None
for l in open(sim):
    m = re.search(r'its first affected request started at (\S+)Z', l)
    if m: first = m.group(1)
if seen is None:
    print('trial %s: no %s alert on %s within 10 minutes' % (i, cls, dst)); sys.exit(0)
from datetime import datetime, timezone
t0 = datetime.fromisoformat(first).replace(tzinfo=timezone.utc).timestamp()
a = seen[1]; o = a.get('observed') or {}
print('trial %s: %s on %s -> %s first affected request %sZ, alert on the API %.1f s later (detectedAt %s, %s of %s calls failed in %s-%s)'
      % (i, cls, src, dst, first, seen[0] - t0, a.get('detectedAt'), o.get('failures'), o.get('requests'),
         o.get('windowStart'), o.get('windowEnd')), flush=True)
EOF
  kill "$sim" "$pid" 2>/dev/null; wait "$sim" "$pid" 2>/dev/null
done
