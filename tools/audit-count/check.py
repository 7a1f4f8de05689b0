#!/usr/bin/env python3
"""Expected pair-stats and dead letters from truth.jsonl (written by gen.py), compared with a replay's output.

usage: check.py GENDIR RESULTDIR [--window 10] [--grace 30]

Rules come from the issue text / README / FORMATS.md, not from meshpulse's code:
 - event time = start time; tumbling windows [k*W, (k+1)*W)
 - late: the line's window end + grace is at or before the task's stream time. We only assert what holds for
   any partitioning: certainly late when the emitting pod's own earlier lines already passed it (by a margin),
   certainly on time when every line written before it (write time bounds its start) is short of it.
 - failureClass rules as in the issue; failures exclude NONE, APP_4XX, DI; byClass excludes NONE.
 - attribution as in the issue (outbound: source reporter; inbound: destination reporter).
"""
import argparse, collections, json, re, sys

FLAG_ORDER = "UF UC UH UT UO NR NC LR UR UPE UMSDR DT DF DO UDO OM LH UAEX RL RLSE FI DC DR DPE SI IH NFCF RFCF URX DI".split()
NONFAIL = {"NONE", "APP_4XX", "DI"}
MARGIN_MS = 1500


def parse_ms(s):
    from datetime import datetime
    return int(datetime.strptime(s.replace("Z", "+0000"), "%Y-%m-%dT%H:%M:%S.%f%z").timestamp() * 1000 + 0.5)


def klass(t):
    if t["cluster"] == "BlackHoleCluster" or (t["code"] == 502 and t.get("details") == "direct_response"
                                               and t.get("route") == "block_all"):
        return "EGRESS_BLOCKED"
    d = t.get("details") or ""
    ctd = t.get("ctd") or ""
    if d.startswith("rbac_access_denied") or ctd.startswith("rbac_access_denied"):
        # FORMATS c: a TCP RBAC denial carries it in CONNECTION_TERMINATION_DETAILS (the issue says "details")
        return "RBAC"
    for f in FLAG_ORDER:
        if f in t["flags"]:
            return f
    if t["flags"]:
        return t["flags"][0]
    if 500 <= t["code"] <= 599:
        return "APP_5XX"
    if 400 <= t["code"] <= 499:
        return "APP_4XX"
    return "NONE"


def code_class(c):
    return "0" if c == 0 else "%dxx" % (c // 100)


def ip_of(a):
    if not a or a == "-":
        return None
    if a.startswith("["):
        return a[1:a.index("]")]
    return a.rsplit(":", 1)[0]


def host_of_auth(a):
    if not a or a == "-":
        return None
    if a.startswith("["):
        return a[1:a.index("]")]
    return a.rsplit(":", 1)[0].lower() if ":" in a else a.lower()


def canonical(host, ns):
    # Kubernetes DNS from a pod of namespace ns: bare name = Service of ns; name.ns / name.ns.svc = that Service
    if host is None:
        return None
    if re.fullmatch(r"\d+\.\d+\.\d+\.\d+", host) or ":" in host:
        return host
    parts = host.split(".")
    if len(parts) == 1:
        return "%s.%s.svc.cluster.local" % (host, ns)
    if host.endswith(".svc"):
        return host + ".cluster.local"
    return host


def ns_of_fqdn(f):
    if f and f.endswith(".svc.cluster.local"):
        p = f[: -len(".svc.cluster.local")].split(".")
        return p[-1] if len(p) >= 2 else None
    return None


def loopback(ip):
    return ip is None or ip.startswith("127.") or ip in ("0.0.0.0", "::1", "::")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("gen")
    ap.add_argument("res")
    ap.add_argument("--window", type=int, default=10)
    ap.add_argument("--grace", type=int, default=30)
    ap.add_argument("--verbose", action="store_true")
    a = ap.parse_args()
    W, G = a.window * 1000, a.grace * 1000
    truth = [json.loads(l) for l in open(a.gen + "/truth.jsonl")]
    truth.sort(key=lambda t: t["write_us"])
    acc = [t for t in truth if t["kind"] == "access"]
    noise = [t for t in truth if t["kind"] == "noise"]

    def direction(t):
        c = t["cluster"] or ""
        # issue: lines from gateway pods are reported by the source, whatever they carry
        if t["podkind"] == "gateway" or c.startswith("outbound|") or c in ("PassthroughCluster", "BlackHoleCluster"):
            return "out"
        # FORMATS e: InboundPassthroughCluster* is inbound traffic; FORMATS d: filter_chain_not_found is a
        # server's inbound listener refusing the connection
        if c.startswith("inbound|") or c.startswith("InboundPassthroughCluster") or t.get("details") == "filter_chain_not_found":
            return "in"
        return "unknown"

    # IP table: every pod's own lines reveal its IP; remember when (event time) it was first announced
    ipt = {}
    owners = {}  # ip -> {(ns, workload): (first start, last start)}: an IP handed from pod to pod
    for t in acc:
        d = direction(t)
        ip = ip_of(t["dla"]) if d == "in" else ip_of(t["ula"]) if d == "out" else None
        if loopback(ip):
            continue
        if ip not in ipt or t["start"] < ipt[ip][2]:
            ipt[ip] = (t["ns"], t["workload"], t["start"])
        own = owners.setdefault(ip, {})
        k = (t["ns"], t["workload"])
        f, l = own.get(k, (t["start"], t["start"]))
        own[k] = (min(f, t["start"]), max(l, t["start"]))

    # lateness
    own_max = collections.defaultdict(lambda: -1)
    verdict = {}
    amb_late = []
    for t in acc:
        wstart = t["start"] // W * W
        wend = wstart + W
        write_ms = t["write_us"] / 1000.0
        if own_max[t["pod"]] >= wend + G + MARGIN_MS:
            verdict[(t["pod"], t["rid"])] = "late"
        elif write_ms + MARGIN_MS < wend + G:
            verdict[(t["pod"], t["rid"])] = "ok"
        else:
            verdict[(t["pod"], t["rid"])] = "amb"
            amb_late.append(t)
        own_max[t["pod"]] = max(own_max[t["pod"]], t["start"])

    def port_of(a):
        if not a or a == "-":
            return None
        if a.startswith("["):
            i = a.find("]:")
            return a[i + 2:] if i >= 0 and a[i + 2:].isdigit() else None
        p = a.rsplit(":", 1)
        return p[1] if len(p) == 2 and p[1].isdigit() else None

    def served_port(t):
        # the container port: the downstream local address's, else the inbound cluster's (not the SNI's Service port)
        p = port_of(t.get("dla"))
        c = t["cluster"] or ""
        if p is None and c.startswith("inbound|"):
            p = c.split("|")[1] or None
        return p

    def inbound_service(t):
        sni = t.get("sni")
        if sni and sni.startswith("outbound_."):
            return sni.split("_.", 3)[3]
        return canonical(host_of_auth(t.get("auth")), t["ns"])

    # README "Pairs": a server-side line without a service takes the one service its own pod's inbound lines named on
    # the same port (a Service of the pod's namespace, not from NR lines) before the end of the line's window
    served = {}  # (ns, pod) -> port -> service -> earliest start naming it
    for t in acc:
        if verdict[(t["pod"], t["rid"])] == "late" or direction(t) != "in" or t["podkind"] == "gateway":
            continue
        svc = inbound_service(t)
        if svc is None or ns_of_fqdn(svc) != t["ns"] or "NR" in (t["flags"] or []):
            continue
        by = served.setdefault((t["ns"], t["pod"]), {}).setdefault(served_port(t), {})
        by[svc] = min(by.get(svc, t["start"]), t["start"])

    def served_at(t, window_end):
        port = served_port(t)
        cands = set()
        for p, svcs in served.get((t["ns"], t["pod"]), {}).items():
            if port is not None and p is not None and p != port:
                continue
            cands |= {s for s, first in svcs.items() if first < window_end}
        return cands.pop() if len(cands) == 1 else None

    exp = collections.defaultdict(lambda: dict(requests=0, failures=0, byClass=collections.Counter(),
                                               byCodeClass=collections.Counter(), bytesSent=0, bytesReceived=0))
    ambig_keys = {}  # (window, reporter, dst) -> set of source alternatives
    unknown_dir = 0
    for t in acc:
        if verdict[(t["pod"], t["rid"])] != "ok":
            continue
        w = t["start"] // W * W
        d = direction(t)
        alt = None
        if d == "in":
            rep = "destination"
            cip = ip_of(t["dra"])
            svc = inbound_service(t)
            if svc is None:
                svc = served_at(t, w + W)
            dst = (t["ns"], svc, t["workload"])
            if cip in owners and len(owners[cip]) > 1:
                # the owner at the time of the call: the newest one first seen at or before it
                cands = sorted(owners[cip].items(), key=lambda kv: kv[1][0])
                src = cands[0][0]
                for k2, (f, l) in cands:
                    if f <= t["start"] + MARGIN_MS:
                        src = k2
            elif cip in ipt:
                src = (ipt[cip][0], ipt[cip][1])
                if ipt[cip][2] >= w + W + G - MARGIN_MS:
                    alt = (None, cip)   # announced after the window closed (event time): either is defensible
            else:
                src = (None, cip)
        else:
            if d == "unknown":
                unknown_dir += 1
            rep = "source"
            src = (t["ns"], t["workload"])
            c = t["cluster"] or ""
            if c.startswith("outbound|"):
                fq = c.split("|", 3)[3].rstrip(";")  # FORMATS a: %UPSTREAM_CLUSTER% on >=1.23 ends in ';' 
                uip = ip_of(t["uhost"])
                dwl = ipt[uip][1] if uip in ipt else None
                dst = (ns_of_fqdn(fq), fq, dwl)
            else:
                host = host_of_auth(t.get("auth")) or t.get("sni") or ip_of(t.get("uhost")) or ip_of(t.get("dla"))
                host = canonical(host, t["ns"])
                dst = (ns_of_fqdn(host), host, None)
        key = (w, rep, src, dst)
        if alt is not None:
            ambig_keys.setdefault((w, rep, dst), set()).update([src, alt])
        e = exp[key]
        k = klass(t)
        e["requests"] += 1
        if k not in NONFAIL:
            e["failures"] += 1
        if k != "NONE":
            e["byClass"][k] += 1
        e["byCodeClass"][code_class(t["code"])] += 1
        e["bytesSent"] += t["tx"]
        e["bytesReceived"] += t["rx"]

    # actual
    act = collections.defaultdict(lambda: dict(requests=0, failures=0, byClass=collections.Counter(),
                                               byCodeClass=collections.Counter(), bytesSent=0, bytesReceived=0))
    nrec = 0
    dup = 0
    seen = set()
    for l in open(a.res + "/pair-stats.jsonl"):
        r = json.loads(l)
        nrec += 1
        w = parse_ms(r["windowStart"])
        assert parse_ms(r["windowEnd"]) - w == W, r
        s, d = r["source"] or {}, r["destination"] or {}
        key = (w, r["reporter"], (s.get("namespace"), s.get("workload")),
               (d.get("namespace"), d.get("service"), d.get("workload")))
        if key in seen:
            dup += 1
        seen.add(key)
        e = act[key]
        e["requests"] += r["requests"]
        e["failures"] += r["failures"]
        e["byClass"].update({k: v for k, v in (r.get("byClass") or {}).items() if v})
        e["byCodeClass"].update({k: v for k, v in (r.get("byCodeClass") or {}).items() if v})
        e["bytesSent"] += r["bytesSent"]
        e["bytesReceived"] += r["bytesReceived"]

    def fold(m):
        out = collections.defaultdict(lambda: dict(requests=0, failures=0, byClass=collections.Counter(),
                                                   byCodeClass=collections.Counter(), bytesSent=0, bytesReceived=0))
        for (w, rep, src, dst), e in m.items():
            alts = ambig_keys.get((w, rep, dst))
            if alts and src in alts:
                src = ("EITHER",) + tuple(sorted(str(x) for x in alts))
            o = out[(w, rep, src, dst)]
            for f in ("requests", "failures", "bytesSent", "bytesReceived"):
                o[f] += e[f]
            o["byClass"].update(e["byClass"])
            o["byCodeClass"].update(e["byCodeClass"])
        return out

    fe, fa = fold(exp), fold(act)
    diffs = []
    for k in sorted(set(fe) | set(fa), key=str):
        e, g = fe.get(k), fa.get(k)
        if e is None or g is None or any(e[f] != g[f] for f in e):
            diffs.append((k, e, g))
    # dead letters
    dl = [json.loads(l) for l in open(a.res + "/dlq.jsonl")]
    kinds = collections.Counter(d["kind"] for d in dl)
    late_rids = set()
    rej_lines = collections.Counter()
    other = []
    for d in dl:
        m = re.search(r'[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-a[0-9a-f]{3}-[0-9a-f]{12}', d.get("line") or "")
        if d["kind"] == "late" and m:
            late_rids.add((d.get("pod"), m.group(0)))
        elif d["kind"] == "rejected" and not m:
            rej_lines[(d.get("pod"), d.get("line"))] += 1
        else:
            other.append(d)
    exp_late = {rid for rid, v in verdict.items() if v == "late"}
    amb_rids = {(t["pod"], t["rid"]) for t in amb_late}
    exp_rej = collections.Counter()
    for t in noise:
        exp_rej[t["pod"]] += 1
    got_rej = collections.Counter()
    for (pod, line), n in rej_lines.items():
        got_rej[pod] += n
    summ = json.load(open(a.res + "/summary.json"))

    print("== scenario %s vs %s" % (a.gen, a.res))
    print("access lines %d, noise lines %d; expected counted %d, late %d, ambiguous-late %d (not asserted)"
          % (len(acc), len(noise), sum(1 for v in verdict.values() if v == "ok"), len(exp_late), len(amb_rids)))
    print("expected pair-windows %d (pairs %d, windows %d); got records %d (dup keys %d)"
          % (len(exp), len({(k[1], k[2], k[3]) for k in exp}), len({k[0] for k in exp}), nrec, dup))
    print("requests expected %d got %d" % (sum(e["requests"] for e in exp.values()), sum(e["requests"] for e in act.values())))
    print("ambiguous IP-settling keys: %d; unknown-direction lines counted as source: %d" % (len(ambig_keys), unknown_dir))
    print("dlq kinds:", dict(kinds))
    print("late: expected %d, got %d, missing %d, unexpected %d (of which ambiguous %d)"
          % (len(exp_late), len(late_rids), len(exp_late - late_rids), len(late_rids - exp_late),
             len((late_rids - exp_late) & amb_rids)))
    print("rejected (non-access) per pod: expected %d got %d; mismatching pods: %s"
          % (sum(exp_rej.values()), sum(got_rej.values()),
             {p: (exp_rej[p], got_rej[p]) for p in set(exp_rej) | set(got_rej) if exp_rej[p] != got_rej[p]}))
    print("other dead letters: %d" % len(other))
    for d in other[:8]:
        print("   ", d["kind"], d.get("reason"), d.get("pod"), (d.get("line") or "")[:200])
    print("summary:", json.dumps({k: v for k, v in summ.items() if k != "phasesMs"})[:600])
    print("PAIR-WINDOW DIFFS: %d" % len(diffs))
    for k, e, g in diffs[: (200 if a.verbose else 25)]:
        def short(x):
            return None if x is None else {f: (dict(v) if isinstance(v, collections.Counter) else v) for f, v in x.items()}
        print("  ", k)
        print("      exp", short(e))
        print("      got", short(g))
    # which late lines missing / unexpected
    for rid in list(exp_late - late_rids)[:5]:
        t = next(t for t in acc if (t["pod"], t["rid"]) == rid)
        print("  missing late:", t["pod"], t["start"], t["write_us"], rid)
    for rid in list(late_rids - exp_late)[:5]:
        t = next((t for t in acc if (t["pod"], t["rid"]) == rid), None)
        print("  unexpected late:", t and (t["pod"], t["start"], t["write_us"], verdict.get(rid)), rid)
    return 0 if not diffs else 1


if __name__ == "__main__":
    sys.exit(main())
