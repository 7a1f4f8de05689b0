#!/usr/bin/env python3
"""Checks one drill's alerts against the generator's truth.

Passes when every injected incident has a firing alert (any severity) on its own pair, reported by either side or
as the callee's SLO burn, starting within a window of the incident's start, and no alert above info names a pair
the incidents do not involve. A baseline run (no incident) passes only when nothing above info fires.
Usage: check.py TRUTH_JSON ALERTS_JSONL SCENARIO SEED
"""
import json, sys
from datetime import datetime, timedelta

truth_file, alerts_file, scenario, seed = sys.argv[1:5]
truth = json.load(open(truth_file))
alerts = [json.loads(l) for l in open(alerts_file) if l.strip()]
firing = [a for a in alerts if a["status"] == "firing"]

def t(s):
    return datetime.fromisoformat(s.replace("Z", "+00:00"))

def names(ref):
    ref = ref or {}
    return {v for v in (ref.get("workload"), ref.get("service")) if v}

def short(n):
    return n.split(".")[0] if n and n.endswith(".svc.cluster.local") else n

problems = []
involved = set()
for inc in truth.get("incidents", []):
    caller, callee = names(inc.get("caller")), names(inc.get("callee"))
    involved |= {short(x) for x in caller | callee}
    start = t(inc["start"])
    hits = [a for a in firing
            if ({short(x) for x in names(a["destination"])} & {short(x) for x in callee})
            and (a["source"] is None or names(a["source"]) & caller or a["source"].get("workload", "").count(".") == 3)
            and start - timedelta(seconds=10) <= t(a["startsAt"]) <= start + timedelta(seconds=20)]
    if not hits:
        problems.append("no alert for %s %s -> %s starting near %s" % (inc["kind"], sorted(caller), sorted(callee), inc["start"]))
for a in firing:
    if a["severity"] == "info":
        continue
    pair = {short(x) for x in names(a["source"]) | names(a["destination"])}
    if not pair & involved:
        problems.append("unexpected %s %s alert on %s -> %s" % (a["severity"], a["failureClass"],
                        sorted(names(a["source"])), sorted(names(a["destination"]))))
status = "PASS" if not problems else "FAIL"
print("%s %s seed=%s: %d firing record(s)%s" % (status, scenario, seed, len(firing),
      "".join("\n    " + p for p in problems)))
sys.exit(0 if not problems else 1)
