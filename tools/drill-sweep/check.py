#!/usr/bin/env python3
"""Checks one drill's alerts against the generator's truth.

Passes when
  * every injected incident has a firing pair alert (a source, not the callee's SLO burn, except in the slo-burn
    drill) on its own pair (the caller by name, or by IP for a caller without a sidecar), of the class the
    scenario expects when SIMULATE_LOG says it (simulate prints "expected alert: CLASS (... reporter) ..."),
    starting within a window before to two windows after the incident's start;
  * no alert above info names a pair the incidents do not involve;
  * no pair and class is paged by both reporters (one incident, one page);
  * no firing pair alert's severity goes down before it resolves. A burn-rate alert (SLO_BURN) may go from critical
    to warning, on purpose: the fast burn stopped and the slow one holds (a page becomes a ticket); the Alertmanager
    sink sends the old label set resolved with that update, so Alertmanager does not hold both.
A baseline run (no incident) passes only when nothing above info fires.
Usage: check.py TRUTH_JSON ALERTS_JSONL SCENARIO SEED [SIMULATE_LOG]
"""
import collections, json, re, sys
from datetime import datetime, timedelta

truth_file, alerts_file, scenario, seed = sys.argv[1:5]
simulate_log = sys.argv[5] if len(sys.argv) > 5 else None
truth = json.load(open(truth_file))
alerts = [json.loads(l) for l in open(alerts_file) if l.strip()]
firing = [a for a in alerts if a["status"] == "firing"]
WINDOW = timedelta(seconds=10)

expected_class = None
if simulate_log:
    m = re.search(r"expected alert: (\S+) \(", open(simulate_log).read())
    expected_class = m.group(1) if m else None

def t(s):
    return datetime.fromisoformat(s.replace("Z", "+00:00"))

def short(n):
    return n.split(".")[0] if n and n.endswith(".svc.cluster.local") else n

def names(ref):
    ref = ref or {}
    return {short(v) for v in (ref.get("workload"), ref.get("service")) if v}

def is_ip(ref):
    return bool(ref) and ref.get("namespace") is None and re.fullmatch(r"[0-9.]+|\[?[0-9a-f:]+\]?", ref.get("workload") or "")

problems = []
involved = set()
for inc in truth.get("incidents", []):
    caller, callee = names(inc.get("caller")), names(inc.get("callee"))
    uninjected = (inc.get("caller") or {}).get("injected") is False or scenario.endswith("uninjected-client")
    involved |= caller | callee
    start = t(inc["start"])
    hits = []
    for a in firing:
        if not names(a["destination"]) & callee:
            continue
        if not start - WINDOW <= t(a["startsAt"]) <= start + 2 * WINDOW:
            continue
        if a["failureClass"] == "SLO_BURN":
            if scenario == "slo-burn":
                hits.append(a)
            continue
        if a["source"] is None or not (names(a["source"]) & caller or (uninjected and is_ip(a["source"]))):
            continue
        if expected_class and a["failureClass"] != expected_class and scenario != "slo-burn":
            continue
        hits.append(a)
    if not hits:
        problems.append("no %s alert for %s %s -> %s starting near %s" % (expected_class or "pair", inc["kind"],
                        sorted(caller), sorted(callee), inc["start"]))
for a in firing:
    if a["severity"] == "info":
        continue
    pair = names(a["source"]) | names(a["destination"])
    if not pair & involved and not (is_ip(a["source"]) and names(a["destination"]) & involved):
        problems.append("unexpected %s %s alert on %s -> %s" % (a["severity"], a["failureClass"],
                        sorted(names(a["source"])), sorted(names(a["destination"]))))

# one page per pair and class
reporters = collections.defaultdict(set)
for a in firing:
    if a["severity"] != "info" and a["failureClass"] != "SLO_BURN":
        key = (a["failureClass"], tuple(sorted(names(a["source"]))), tuple(sorted(names(a["destination"]))))
        reporters[key].add(a["reporter"])
for key, reps in reporters.items():
    if len(reps) > 1:
        problems.append("%s on %s -> %s paged by both reporters" % (key[0], list(key[1]), list(key[2])))

# a pair alert's severity never goes down while firing (a burn's may: critical to warning, see the docstring)
RANK = {"info": 0, "warning": 1, "critical": 2}
highest = {}
for a in alerts:
    fp = a["fingerprint"]
    if a["status"] == "firing":
        if RANK.get(a["severity"], 0) < highest.get(fp, -1) and a["failureClass"] != "SLO_BURN":
            problems.append("%s alert %s went down to %s while firing" % (a["failureClass"], fp, a["severity"]))
        highest[fp] = max(highest.get(fp, -1), RANK.get(a["severity"], 0))
    else:
        highest.pop(fp, None)

status = "PASS" if not problems else "FAIL"
print("%s %s seed=%s: %d firing record(s)%s" % (status, scenario, seed, len(firing),
      "".join("\n    " + p for p in problems)))
sys.exit(0 if not problems else 1)
