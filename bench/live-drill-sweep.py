#!/usr/bin/env python3
"""Every fire drill played live, one after another, each into its own fresh `meshpulse run`.

Per scenario: a `run` (own state folder and broker) follows an empty folder; `meshpulse simulate --live` plays the
drill into it as its time comes (times moved to today by whole windows, so the incident begins at its designed
second of its window); the triage API is polled every 0.2 s. Reported per drill:
  * the delay from the incident's first affected request (its start time, as simulate prints it) to the expected
    alert (class, reporter, destination as simulate names them) first seen firing on /api/v1/alerts;
  * the alert's detectedAt and the window and counts it was judged on;
  * when that is not the first page on the incident's destination (a burn-rate alert follows the pair alerts), the
    first one: how long after the first affected request, and which;
  * every other alert above info firing 20 s after that (or at the deadline), which check.py's rule would call a
    false page when it names a pair the incident does not involve.
The baseline drill has no expected alert and is not played (session 29 played it: no page).

usage: bench/live-drill-sweep.py [--trials N] [SCENARIO...] [-- RUN OPTION...]
  all scenarios but baseline when none are named; each played N times (1 by default); the options after -- go to
  every `run` (e.g. -- --early-look off). About five minutes a trial.
Needs the built jar (app/target/meshpulse.jar, or MESHPULSE_JAR). Uses ports 19094 and 18082 and /tmp/livesweep.
"""
import json, os, re, shutil, subprocess, sys, time, urllib.request
from datetime import datetime, timezone

root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
jar = os.environ.get("MESHPULSE_JAR", os.path.join(root, "app/target/meshpulse.jar"))
work = "/tmp/livesweep"
api = "http://127.0.0.1:18082"


def scenarios():
    out = subprocess.run(["java", "-jar", jar, "simulate", "--list"], capture_output=True, text=True).stdout
    return [l.split()[0] for l in out.splitlines() if l.strip() and l.split()[0] != "baseline"]


def get(path):
    try:
        return json.loads(urllib.request.urlopen(api + path, timeout=3).read())
    except Exception:
        return None


def name(ref):
    ref = ref or {}
    return "%s/%s" % (ref.get("namespace"), ref.get("workload") or ref.get("service"))


def matches(a, want):
    cls, reporter, _src, dst = want
    d = a.get("destination") or {}
    return a.get("failureClass") == cls and a.get("reporter") == reporter and (name(d) == dst or d.get("service") == dst)


def on_callee(a, dst):
    """An alert above info on the incident's destination, whatever its class, reporter or caller."""
    d = a.get("destination") or {}
    ns, _, nm = dst.partition("/")
    service = d.get("service") or ""
    return a.get("severity") != "info" and (service == dst or (
        d.get("namespace") == ns and (d.get("workload") == nm or service.split(".")[0] == nm)))


def drill(sc, run_options=()):
    d = os.path.join(work, sc)
    shutil.rmtree(d, ignore_errors=True)
    os.makedirs(d + "/logs")
    run = subprocess.Popen(["java", "-jar", jar, "run", "--state-dir", d + "/state", "--broker-port", "19094",
                            "--http-port", "18082", "--tail-path", d + "/logs/var/log/pods/*/*/*.log",
                            *run_options],
                           stdout=open(d + "/run.log", "w"), stderr=subprocess.STDOUT)
    sim = None
    try:
        deadline = time.time() + 120
        while get("/readyz") is None and time.time() < deadline:
            time.sleep(0.5)
        sim_log = d + "/simulate.log"
        sim = subprocess.Popen(["java", "-jar", jar, "simulate", "--scenario", sc, "--out", d + "/logs", "--live"],
                               stdout=open(sim_log, "w"), stderr=subprocess.STDOUT)
        want = first = None
        deadline = time.time() + 240  # the first affected request is printed when the incident begins
        while (want is None or first is None) and time.time() < deadline:
            text = open(sim_log).read()
            m = re.search(r"expected alert: (\S+) \((\w+) reporter\) (.+?) -> (\S+),", text)
            want = m.groups() if m else None
            m = re.search(r"its first affected request started at (\S+?)Z", text)
            first = m.group(1) if m else None
            time.sleep(0.2)
        if want is not None and not re.search(r"^incident ", open(sim_log).read(), re.M):
            return "%-36s no incident to time (the drill expects only %s)" % (sc, want[0])
        if want is None or first is None:
            return "%-36s simulate printed no expected alert or first affected request (see %s)" % (sc, sim_log)
        t0 = datetime.fromisoformat(first).replace(tzinfo=timezone.utc).timestamp()
        seen = page = None
        deadline = t0 + 90
        while seen is None and time.time() < deadline:
            body = get("/api/v1/alerts?status=firing") or {}
            for a in body.get("alerts", []):
                if page is None and on_callee(a, want[3]):
                    page = (time.time(), a)
                if matches(a, want):
                    seen = (time.time(), a)
                    break
            time.sleep(0.2)
        first_page = "" if page is None or seen is not None and page[1] is seen[1] else \
            "; first page on %s: %.1f s, %s %s -> %s" % (want[3], page[0] - t0, page[1].get("failureClass"),
                                                       name(page[1].get("source")), name(page[1].get("destination")))
        time.sleep(20 if seen else 0)
        others = [a for a in (get("/api/v1/alerts?status=firing") or {}).get("alerts", [])
                  if a.get("severity") != "info" and not matches(a, want)]
        extra = "; others above info: " + ", ".join(
            "%s %s %s -> %s" % (a.get("severity"), a.get("failureClass"), name(a.get("source")),
                                name(a.get("destination"))) for a in others) if others else ""
        if seen is None:
            return "%-36s NO %s alert on %s within 90 s of the first affected request%s%s" % (sc, want[0], want[3],
                                                                                             first_page, extra)
        a = seen[1]
        o = a.get("observed") or {}
        return "%-36s %5.1f s  %s on %s -> %s (detectedAt %s, %s of %s failed in %s)%s%s" % (
            sc, seen[0] - t0, want[0], want[2], want[3], a.get("detectedAt"), o.get("failures"), o.get("requests"),
            o.get("windowStart"), first_page, extra)
    finally:
        for p in (sim, run):
            if p is not None:
                p.terminate()
        for p in (sim, run):
            if p is not None:
                try:
                    p.wait(60)
                except subprocess.TimeoutExpired:
                    p.kill()


if __name__ == "__main__":
    args = sys.argv[1:]
    run_options = args[args.index("--") + 1:] if "--" in args else []
    args = args[:args.index("--")] if "--" in args else args
    trials = 1
    if args[:1] == ["--trials"]:
        trials, args = int(args[1]), args[2:]
    for sc in args or scenarios():
        for i in range(trials):
            print(("trial %d: " % (i + 1) if trials > 1 else "") + drill(sc, run_options), flush=True)
