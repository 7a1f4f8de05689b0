#!/usr/bin/env python3
"""Independent generator of kubelet log folders for a small Istio mesh.

Writes OUT/logs/... (the folders to replay) and OUT/truth.jsonl: one record per physical
access-log line or non-access line written, with the semantic fields the expected-count
calculator (calc.py) needs. Written without looking at meshpulse's own simulators.

usage: gen.py OUT --scenario NAME [--seed N]
"""
import argparse, gzip, json, os, random, sys
from datetime import datetime, timezone

SAFE = "bcdfghjklmnpqrstvwxz2456789"
EXACT16K = True
BASE = datetime(2026, 11, 20, 10, 0, 0, tzinfo=timezone.utc)
BASE_MS = int(BASE.timestamp() * 1000)


def rs(rng, n):
    return "".join(rng.choice(SAFE) for _ in range(n))


def iso_ms(ms):
    """Envoy %START_TIME% default: millisecond precision, Z."""
    d = datetime.fromtimestamp(ms / 1000, tz=timezone.utc)
    return d.strftime("%Y-%m-%dT%H:%M:%S.") + "%03dZ" % (ms % 1000)


def cri_ts(us, style):
    """CRI timestamp with varying precision (Go RFC3339Nano trims trailing zeros; some runtimes +00:00)."""
    sec, frac_us = divmod(us, 1_000_000)
    d = datetime.fromtimestamp(sec, tz=timezone.utc).strftime("%Y-%m-%dT%H:%M:%S")
    ns = frac_us * 1000 + (style % 7) * 0  # keep ns exact multiples of us
    if style == 0:     # 9 digits, trimmed
        f = ("%09d" % ns).rstrip("0")
        frac = "." + f if f else ""
        return d + frac + "Z"
    if style == 1:     # 6 digits
        return d + ".%06d" % frac_us + "Z"
    if style == 2:     # 3 digits (drops sub-ms) -- still >= start since start is ms
        return d + ".%03d" % (frac_us // 1000) + "Z"
    if style == 5:     # a node in a local time zone (+08:00), as containerd/CRI-O write it
        d8 = datetime.fromtimestamp(sec + 8 * 3600, tz=timezone.utc).strftime("%Y-%m-%dT%H:%M:%S")
        f = ("%09d" % ns).rstrip("0")
        return d8 + ("." + f if f else "") + "+08:00"
    if style == 3:     # +00:00 offset, 9 digits untrimmed
        return d + ".%09d" % ns + "+00:00"
    return d + ".%09d" % ns + "Z"


# ---------------------------------------------------------------- mesh
class Pod:
    def __init__(self, ns, name, workload, ip, layout, kind="sidecar", layout_dir="pods",
                 envelope="cri", rotate=None, cri_style=0, first_ms=None, restarts=False,
                 no_trailing_nl=False):
        self.ns, self.name, self.workload, self.ip = ns, name, workload, ip
        self.layout, self.kind, self.layout_dir, self.envelope = layout, kind, layout_dir, envelope
        self.rotate = rotate  # None | "plain" | "gz" | "both"
        self.cri_style = cri_style
        self.first_ms = first_ms  # pod emits its own lines only from this time on
        self.restarts = restarts
        self.no_trailing_nl = no_trailing_nl
        self.semicolon = False
        self.shuffle = 0
        self.split_rot = False
        self.last_ms = None
        self.go_escape = False
        self.uid = None
        self.lines = []  # (write_us, stream, text, truth)

    def addr(self, port):
        return "[%s]:%d" % (self.ip, port) if ":" in self.ip else "%s:%d" % (self.ip, port)


def v6(ip):
    return ":" in ip


def addr(ip, port):
    return "[%s]:%d" % (ip, port) if v6(ip) else "%s:%d" % (ip, port)


# ---------------------------------------------------------------- rendering
def q(v):
    return '"%s"' % ("-" if v is None else v)


def u(v):
    return "-" if v is None else str(v)


def render_text(r, layout):
    ts = "[%s]" % iso_ms(r["start"])
    if r["tcp"] and layout == "T103":
        # Istio 1.0.x had a separate TCP format: no request, code or quoted header tokens
        flags = ",".join(r["flags"]) if r["flags"] else "-"
        return " ".join([ts, flags, str(r["rx"]), str(r["tx"]), str(r["dur"]), q(r["uhost"]), u(r["cluster"]),
                         u(r["ula"]), u(r["dla"]), u(r["dra"])])
    if r["tcp"]:
        req = '"- - -"'
    elif layout == "T103":
        req = '"%s %s%s"' % (r["method"], r["path"], r["proto"])
    else:
        req = '"%s %s %s"' % (r["method"], r["path"], r["proto"])
    flags = ",".join(r["flags"]) if r["flags"] else "-"
    head = [ts, req, str(r["code"]), flags]
    if layout in ("T11", "T12", "T13"):
        head.append('"-"')  # mixer status
    if layout in ("T19", "T123"):
        head += [u(r["details"]), u(r["ctd"])]
    if layout in ("T12", "T13", "T18", "T19", "T123"):
        head.append(q(r["utfr"]))
    mid = [str(r["rx"]), str(r["tx"]), str(r["dur"]), u(r["ust"]), q(r["xff"]), q(r["ua"]), q(r["rid"]),
           q(r["auth"]), q(r["uhost"]), u(r["cluster"]), u(r["ula"]), u(r["dla"]), u(r["dra"])]
    tail = []
    if layout != "T103":
        tail.append(u(r["sni"]))
    if layout in ("T13", "T18", "T19", "T123"):
        tail.append(u(r["route"]))
    return " ".join(head + mid + tail)


JSON_KEYS = ["authority", "bytes_received", "bytes_sent", "downstream_local_address", "downstream_remote_address",
             "duration", "method", "path", "protocol", "request_id", "requested_server_name", "response_code",
             "response_flags", "route_name", "start_time", "upstream_cluster", "upstream_host",
             "upstream_local_address", "upstream_service_time", "upstream_transport_failure_reason", "user_agent",
             "x_forwarded_for"]


def render_json(r, layout):
    vals = {"authority": r["auth"], "bytes_received": r["rx"], "bytes_sent": r["tx"],
            "downstream_local_address": r["dla"], "downstream_remote_address": r["dra"], "duration": r["dur"],
            "method": None if r["tcp"] else r["method"], "path": None if r["tcp"] else r["path"],
            "protocol": None if r["tcp"] else r["proto"], "request_id": r["rid"],
            "requested_server_name": r["sni"], "response_code": r["code"],
            "response_flags": ",".join(r["flags"]) if r["flags"] else "-", "route_name": r["route"],
            "start_time": iso_ms(r["start"]), "upstream_cluster": r["cluster"], "upstream_host": r["uhost"],
            "upstream_local_address": r["ula"],
            "upstream_service_time": None if r["ust"] is None else str(r["ust"]),
            "upstream_transport_failure_reason": r["utfr"], "user_agent": r["ua"], "x_forwarded_for": r["xff"]}
    if layout == "J19":
        vals["response_code_details"] = r["details"]
        vals["connection_termination_details"] = r["ctd"]
        return json.dumps(order(vals, r), separators=(",", ":"))
    # <=1.7: every value a string, "-" for empty, plus the mixer status
    out = {k: ("-" if v is None else str(v)) for k, v in vals.items()}
    out["istio_policy_status"] = "-"
    return json.dumps(order(out, r), separators=(",", ":"))


def order(d, r):
    keys = sorted(d)
    if r.get("shuffle"):
        random.Random(r["shuffle"]).shuffle(keys)
    return {k: d[k] for k in keys}


def render(r, layout):
    return render_json(r, layout) if layout.startswith("J") else render_text(r, layout)


def has_details(layout):
    return layout in ("T19", "T123", "J19")


def has_route(layout):
    return layout in ("T13", "T18", "T19", "T123", "J17", "J19")


def has_sni(layout):
    return layout != "T103"


# ---------------------------------------------------------------- traffic
class Gen:
    def __init__(self, sc, seed):
        self.sc, self.rng = sc, random.Random(seed)
        self.pods = {}
        self.externals = []

    def pod(self, p):
        p.uid = "%08x-%04x-%04x-%04x-%012x" % tuple(self.rng.getrandbits(b) for b in (32, 16, 16, 16, 48))
        self.pods[p.name] = p
        return p

    def rid(self):
        return "%08x-%04x-4%03x-a%03x-%012x" % (self.rng.getrandbits(32), self.rng.getrandbits(16),
                                                self.rng.getrandbits(12), self.rng.getrandbits(12),
                                                self.rng.getrandbits(48))

    def base_rec(self, start, dur, tcp=False):
        rng = self.rng
        return dict(start=start, dur=dur, tcp=tcp, method=rng.choice(["GET", "GET", "POST", "PUT"]),
                    path=rng.choice(["/", "/api/v1/items", "/api/v1/items/42?x=1&y=<2>", "/healthz", "/cart"]),
                    proto=rng.choice(["HTTP/1.1", "HTTP/2"]), code=200, flags=[], details="via_upstream",
                    ctd=None, utfr=None, rx=rng.randint(0, 900), tx=rng.randint(0, 20000),
                    ust=max(0, dur - rng.randint(0, 2)), xff=None,
                    ua=rng.choice(["curl/8.5.0", "Go-http-client/1.1", "Mozilla/5.0 (X11; Linux x86_64)", None]),
                    rid=self.rid(), auth=None, uhost=None, cluster=None, ula=None, dla=None, dra=None, sni=None,
                    route="default")

    def outcome(self, r, layout, inbound):
        """Pick a response; fields consistent with what the layout can print."""
        rng = self.rng
        x = rng.random()
        det = has_details(layout)
        if r["tcp"]:
            r["method"] = r["path"] = r["proto"] = None
            r["code"], r["details"], r["ust"], r["route"] = 0, None, None, None
            if x < 0.08:
                r["flags"] = ["UF", "URX"] if rng.random() < 0.5 else ["URX", "UF"]
            elif x < 0.12 and inbound:
                r["flags"] = ["DC"]
            elif x < 0.15 and det and inbound:
                r["ctd"] = "rbac_access_denied_matched_policy[none]"
            return
        if x < 0.70:
            r["code"] = rng.choice([200, 200, 200, 201, 204])
        elif x < 0.73:
            r["code"] = rng.choice([301, 302, 304])
        elif x < 0.74:
            r["code"], r["flags"] = 101, []
        elif x < 0.78:
            r["code"] = rng.choice([400, 404, 409])
        elif x < 0.80:
            r["code"] = 500
        elif x < 0.83:
            r["code"], r["flags"], r["details"] = 503, ["UC"], "upstream_reset_before_response_started{connection_termination}"
        elif x < 0.85:
            r["code"], r["flags"] = 503, rng.choice([["UF", "URX"], ["URX", "UF"]])
            r["details"] = "upstream_reset_before_response_started{connection_failure,delayed_connect_error:_111}"
        elif x < 0.86:
            r["code"], r["flags"], r["details"] = 503, ["UH"], "no_healthy_upstream"
        elif x < 0.875:
            r["code"], r["flags"], r["details"] = 504, ["UT"], "response_timeout"
        elif x < 0.885:
            r["code"], r["flags"], r["details"] = 503, ["UO"], "upstream_reset_before_response_started{overflow}"
        elif x < 0.895:
            r["code"], r["flags"], r["details"] = 429, ["RL"], "local_rate_limited"
        elif x < 0.905:
            r["code"], r["flags"], r["details"] = 503, ["FI"], "fault_filter_abort"
        elif x < 0.915:
            r["code"], r["flags"] = 200, ["DI"]
        elif x < 0.925:
            r["code"], r["flags"], r["details"] = 403, ["UAEX"], "ext_authz_denied"
        elif x < 0.935:
            r["code"], r["flags"], r["details"] = 0, ["DC"], "downstream_remote_disconnect"
        elif x < 0.945 and inbound and det:
            r["code"], r["details"] = 403, "rbac_access_denied_matched_policy[ns[shop]-policy[deny-x]-rule[0]]"
        elif x < 0.95:
            r["code"], r["flags"], r["details"] = 200, ["UR"], "upstream_reset_after_response_started{remote_reset}"
        elif x < 0.955:
            r["code"], r["flags"], r["details"] = 503, ["UF", "UC"], "upstream_reset_before_response_started{connection_failure}"
        elif x < 0.958:
            r["code"], r["flags"] = 503, ["DO"]
        else:
            r["code"] = 200
        if r["code"] == 0:
            r["ust"] = None
        if not det:
            r["details"] = None

    def emit(self, pod, r, write_us=None):
        layout = pod.layout
        if not has_route(layout):
            r["route"] = None
        if not has_sni(layout):
            r["sni"] = None
        if not has_details(layout):
            r["details"], r["ctd"] = None, None
        if has_details(layout) and r["details"] is None and r["code"] != 0 and not r["flags"]:
            r["details"] = "via_upstream"
        if r["tcp"]:
            r["ua"] = None
        text = render(r, layout)
        if write_us is None:
            write_us = (r["start"] + r["dur"]) * 1000 + self.rng.randint(50, 4000)
        if pod.shuffle:
            r["shuffle"] = pod.shuffle
        truth = dict(r)
        truth.update(kind="access", ns=pod.ns, pod=pod.name, workload=pod.workload, podkind=pod.kind,
                     layout=layout, write_us=write_us)
        pod.lines.append([write_us, "stdout", text, truth])

    def emit_noise(self, pod, at_ms):
        rng = self.rng
        ts = iso_ms(at_ms)[:-1] + "%03dZ" % rng.randint(0, 999)
        text = rng.choice([
            ts + "\tinfo\txdsproxy\tconnected to delta upstream XDS server: istiod.istio-system.svc:15012\tid=3",
            ts + "\twarning\tenvoy config external/envoy/source/extensions/config_subscription/grpc/grpc_stream.h:152\tStreamAggregatedResources gRPC config stream to xds-grpc closed: 13, \tthread=15",
            ts + "\tinfo\tads\tADS: new connection for node:sidecar~10.0.0.1~x.ns~ns.svc.cluster.local-1",
            ts + "\terror\tcache\tresource:default failed to generate secret for proxy from secret manager",
        ])
        write_us = at_ms * 1000 + rng.randint(0, 999)
        pod.lines.append([write_us, "stderr", text, dict(kind="noise", ns=pod.ns, pod=pod.name, write_us=write_us)])

    # a call from client pod (or raw IP) to server pod via service
    def call(self, t_ms, client, server, svc_fqdn, port, tcp=False, dur=None, client_ip=None, late_dur=None,
             layout_for=None):
        rng = self.rng
        if dur is None:
            dur = rng.choice([1, 2, 3, 5, 8, 13, 40, 120, 300])
        if late_dur is not None:
            dur = late_dur
        start = t_ms
        base = self.base_rec(start, dur, tcp)
        # outcome decided by client's layout (server's view may differ in real life; fine for counts)
        lay = (client.layout if client else server.layout)
        self.outcome(base, lay, inbound=client is None)
        eph = rng.randint(32768, 60999)
        cip = client.ip if client else client_ip
        sni = "outbound_.%d_._.%s" % (port, svc_fqdn)
        short = svc_fqdn.split(".svc.cluster.local")[0]
        if client is not None:
            r = dict(base)
            r.update(auth=None if tcp else "%s:%d" % (short, port), uhost=server.addr(port),
                     cluster="outbound|%d||%s" % (port, svc_fqdn) + (";" if client.semicolon else ""),
                     ula=addr(cip, eph), dla="10.96.%d.%d:%d" % (rng.randint(0, 3), rng.randint(1, 250), port),
                     dra=addr(cip, rng.randint(32768, 60999)), sni=None,
                     route="%s:%d" % (short, port) if not tcp else None)
            if client.kind == "gateway":
                r.update(dla=addr(cip, 8080), dra="203.0.113.%d:%d" % (rng.randint(1, 250), rng.randint(1024, 65000)),
                         xff="203.0.113.%d" % rng.randint(1, 250))
            if r["code"] == 0 and not tcp and r["flags"] == ["DC"]:
                pass
            self.emit(client, r)
        if server is not None and not (client is not None and base["flags"] and base["flags"][0] in ("UF", "UH", "UO", "URX") and not tcp):
            r = dict(base)
            r["flags"] = list(base["flags"])
            if r["flags"] and r["flags"][0] in ("UC", "UF"):
                r["flags"], r["code"], r["details"] = [], 200, "via_upstream" if has_details(server.layout) else None
            sdur = max(0, dur - rng.randint(0, 1))
            auth = None if tcp else "%s:%d" % (short, port)
            if client is None and not tcp:
                auth = rng.choice(["%s:%d" % (svc_fqdn, port), "%s:%d" % (svc_fqdn.split(".")[0], port)])
            r.update(dur=sdur, start=start + (dur - sdur) // 2, auth=auth,
                     uhost=(server.addr(port) if rng.random() < 0.5 else "127.0.0.1:%d" % port),
                     cluster="inbound|%d||" % port if server.layout not in ("T11", "T12", "T13", "J17", "T103")
                     else "inbound|%d|http|%s" % (port, svc_fqdn),
                     ula="127.0.0.6:%d" % rng.randint(32768, 60999), dla=server.addr(port),
                     dra=addr(cip, eph), sni=sni if client is not None else None, route="default")
            if client is None:
                r["sni"] = None
            self.emit(server, r)

    def external(self, t_ms, client, kind):
        rng = self.rng
        dur = rng.choice([20, 50, 80, 150])
        r = self.base_rec(t_ms, dur, tcp=kind in ("pt_tls", "pt_tcp", "bh_tcp"))
        self.outcome(r, client.layout, inbound=False)
        eph = rng.randint(32768, 60999)
        r.update(ula=client.addr(eph), dra=client.addr(rng.randint(32768, 60999)), xff=None)
        if kind == "pt_http":
            r.update(auth="api.partner-example.com", uhost="198.51.100.20:80", cluster="PassthroughCluster",
                     dla="198.51.100.20:80", route="allow_any")
        elif kind == "pt_tls":
            r.update(auth=None, uhost="198.51.100.30:443", cluster="PassthroughCluster", dla="198.51.100.30:443",
                     sni="api.stripe.com", route=None, flags=[], code=0)
        elif kind == "pt_tcp":
            r.update(auth=None, uhost="198.51.100.40:5432", cluster="PassthroughCluster", dla="198.51.100.40:5432",
                     sni=None, route=None, flags=[], code=0)
        elif kind == "bh_tcp":
            r.update(auth=None, uhost=None, cluster="BlackHoleCluster", ula=None, dla="198.51.100.50:443",
                     sni="blocked.example.org", route=None, flags=["UH"], code=0, details=None, ust=None,
                     rx=0, tx=0)
        elif kind == "block_all":
            r.update(auth="blocked.example.net", uhost=None, cluster=None, ula=None, dla="198.51.100.60:80",
                     sni=None, route="block_all", flags=[], code=502, details="direct_response", ust=None)
        elif kind == "gw_fcnf":
            # a client reaches the ingress gateway with an SNI no Gateway server matches
            r.update(auth=None, uhost=None, cluster=None, ula=None, dla=client.addr(8443),
                     dra="203.0.113.%d:%d" % (rng.randint(1, 250), rng.randint(1024, 65000)),
                     sni="unknown-host.example.com", route=None, flags=["NR"], code=0,
                     details="filter_chain_not_found", ust=None, rx=0, tx=0)
        if not has_sni(client.layout):
            r["sni"] = None
        self.emit(client, r)

    def inbound_special(self, t_ms, server, kind, caller_ip):
        """Lines only a server sidecar logs: plaintext to STRICT mTLS, a port without a Service."""
        rng = self.rng
        r = self.base_rec(t_ms, rng.choice([1, 2, 5]), tcp=(kind == "fcnf"))
        self.outcome(r, server.layout, inbound=True)
        if kind == "fcnf":
            r.update(auth=None, uhost=None, cluster=None, ula=None, dla=server.addr(8080),
                     dra=addr(caller_ip, rng.randint(32768, 60999)), sni=None, route=None, flags=["NR"], code=0,
                     details="filter_chain_not_found", ust=None, rx=0, tx=0)
        else:  # inbound to a port no Service names
            r.update(auth="%s:9000" % server.ip if ":" not in server.ip else "[%s]:9000" % server.ip,
                     uhost=server.addr(9000), cluster="InboundPassthroughClusterIpv4",
                     ula="127.0.0.6:%d" % rng.randint(32768, 60999), dla=server.addr(9000),
                     dra=addr(caller_ip, rng.randint(32768, 60999)), sni=None, route="default")
        self.emit(server, r)


# ---------------------------------------------------------------- scenarios
def build(sc, seed, big):
    g = Gen(sc, seed)
    rng = g.rng
    L = lambda d: d  # noqa
    A = {}
    # layouts per scenario: (gateway, frontend, catalog, payments, redis, agent, job, bare, legacy)
    if sc in ("s1", "s3", "s4"):
        lay = dict(gw="T123", fe="T19", cat="T18", pay="J19", red="T13", agent="T12", job="T11", bare="T103", leg="J17")
    else:
        lay = dict(gw="T19", fe="T123", cat="J19", pay="T19", red="J19", agent="T18", job="T13", bare="T19", leg="J17")
    v6pay = sc in ("s1", "s3", "s4")
    A["gw"] = g.pod(Pod("istio-ingress", "istio-ingressgateway-%s-%s" % (rs(rng, 9), rs(rng, 5)),
                        "istio-ingressgateway", "10.244.0.10", lay["gw"], kind="gateway", rotate="both" if sc != "s2" else None,
                        cri_style=1))
    A["gw"].semicolon = sc == "s3"
    A["fe1"] = g.pod(Pod("shop", "frontend-%s-%s" % (rs(rng, 10), rs(rng, 5)), "frontend", "10.244.1.11", lay["fe"],
                         rotate="plain", cri_style=0, layout_dir="both"))
    A["fe2"] = g.pod(Pod("shop", "frontend-%s-%s" % (rs(rng, 10), rs(rng, 5)), "frontend", "10.244.2.12", lay["fe"],
                         layout_dir="containers", cri_style=3, no_trailing_nl=True))
    A["cat"] = g.pod(Pod("shop", "catalog-%s-%s" % (rs(rng, 8), rs(rng, 5)), "catalog", "10.244.1.13", lay["cat"],
                         envelope="docker" if sc != "s3" else "cri", restarts=(sc == "s1")))
    A["pay"] = g.pod(Pod("payments", "payments-api-%s-%s" % (rs(rng, 9), rs(rng, 5)), "payments-api",
                         "fd00:10:244:2::1a" if v6pay else "10.244.2.14", lay["pay"], rotate="gz", cri_style=2))
    A["red0"] = g.pod(Pod("data", "redis-0", "redis", "10.244.3.20", lay["red"], cri_style=4))
    A["red1"] = g.pod(Pod("data", "redis-1", "redis", "10.244.3.21", lay["red"], cri_style=0))
    A["agent"] = g.pod(Pod("monitoring", "node-agent-%s" % rs(rng, 5), "node-agent", "10.244.1.30", lay["agent"]))
    A["job"] = g.pod(Pod("batch", "nightly-report-%s" % rs(rng, 5), "nightly-report", "10.244.2.31", lay["job"],
                         layout_dir="containers"))
    A["cron"] = g.pod(Pod("batch", "cleanup-29395340-%s" % rs(rng, 5), "cleanup", "10.244.3.32", lay["job"]))
    A["bare"] = g.pod(Pod("default", "debug-shell", "debug-shell", "10.244.3.33", lay["bare"]))
    A["leg"] = g.pod(Pod("legacy", "inventory-%s-%s" % (rs(rng, 9), rs(rng, 5)), "inventory", "10.244.1.34", lay["leg"]))
    # announces its IP only later (its logging starts at +first_ms)
    A["lateann"] = g.pod(Pod("shop", "recommender-%s-%s" % (rs(rng, 9), rs(rng, 5)), "recommender", "10.244.2.40",
                             lay["fe"], first_ms=BASE_MS + 95_000))
    A["soonann"] = g.pod(Pod("shop", "search-%s-%s" % (rs(rng, 9), rs(rng, 5)), "search", "10.244.2.41",
                             lay["fe"], first_ms=BASE_MS + 41_000 if sc != "s2" else BASE_MS + 20_500))
    if sc == "s4":
        A["pay"].cri_style = 5              # CRI timestamps in +08:00
        A["pay"].semicolon = True           # 1.23.0-1.23.3 JSON: cluster with a trailing ';'
        A["pay"].shuffle = 5
        A["cat"].shuffle = 9
        A["cat"].go_escape = True
        A["gw"].split_rot = True
        A["fe1"].split_rot = True
        A["pay"].split_rot = True
        # one IP, two pods in turn (the first deleted at 70 s, the IP handed to a new pod at 110 s)
        A["old"] = g.pod(Pod("shop", "cart-worker-%s-%s" % (rs(rng, 9), rs(rng, 5)), "cart-worker", "10.244.3.77",
                             "T19"))
        A["old"].last_ms = BASE_MS + 70_000
        A["new"] = g.pod(Pod("batch", "exporter-%s-%s" % (rs(rng, 9), rs(rng, 5)), "exporter", "10.244.3.77",
                             "T19", first_ms=BASE_MS + 110_000))
        # a Deployment whose name is long: Kubernetes cuts generateName to 58 characters, then adds 5
        dep = "payment-reconciliation-worker-for-the-ledger-sync"
        A["long"] = g.pod(Pod("payments", (dep + "-" + rs(rng, 10) + "-")[:58] + rs(rng, 5), dep, "10.244.3.78", "T19"))
    svc = {"frontend": "frontend.shop.svc.cluster.local", "catalog": "catalog.shop.svc.cluster.local",
           "pay": "payments-api.payments.svc.cluster.local", "redis": "redis.data.svc.cluster.local",
           "inv": "inventory.legacy.svc.cluster.local"}
    span_s = 180 if sc != "s2" else 120
    rate = 1.0 if not big else 4.0
    t = BASE_MS
    end = BASE_MS + span_s * 1000
    step = 0
    win = 10_000 if sc != "s2" else 5_000
    while t < end:
        step += 1
        c = rng.random()
        fe = A["fe1"] if rng.random() < 0.6 else A["fe2"]
        red = A["red0"] if rng.random() < 0.5 else A["red1"]
        if c < 0.20:
            g.call(t, A["gw"], fe, svc["frontend"], 8080)
        elif c < 0.38:
            g.call(t, fe, A["cat"], svc["catalog"], 8080)
        elif c < 0.50:
            g.call(t, fe, A["pay"], svc["pay"], 9090)
        elif c < 0.58:
            g.call(t, A["pay"], red, svc["redis"], 6379, tcp=True)
        elif c < 0.62:
            g.call(t, A["agent"], A["pay"], svc["pay"], 9090)
        elif c < 0.65:
            g.call(t, A["job"], A["pay"], svc["pay"], 9090)
        elif c < 0.67:
            g.call(t, A["cron"], A["cat"], svc["catalog"], 8080)
        elif c < 0.69:
            g.call(t, A["bare"], A["cat"], svc["catalog"], 8080)
        elif c < 0.72:
            g.call(t, A["leg"], red, svc["redis"], 6379, tcp=True)
        elif c < 0.74:
            g.call(t, None, fe, svc["frontend"], 8080, client_ip="10.250.9.99")   # uninjected, never seen
        elif c < 0.75 and v6pay:
            g.call(t, None, A["pay"], svc["pay"], 9090, client_ip="fd00:10:244:9::99")  # unknown v6 caller
        elif c < 0.77:
            # recommender -> catalog: its own lines exist only after first_ms
            cl = A["lateann"] if t >= A["lateann"].first_ms else None
            g.call(t, cl, A["cat"], svc["catalog"], 8080, client_ip=A["lateann"].ip)
        elif c < 0.79:
            cl = A["soonann"] if t >= A["soonann"].first_ms else None
            g.call(t, cl, A["pay"], svc["pay"], 9090, client_ip=A["soonann"].ip)
        elif c < 0.80:
            g.external(t, fe, "pt_http")
        elif c < 0.81:
            g.external(t, A["pay"], "pt_tls")
        elif c < 0.815:
            g.external(t, A["pay"], "pt_tcp")
        elif c < 0.82:
            g.external(t, fe, "bh_tcp")
        elif c < 0.83 and has_details(fe.layout):
            g.external(t, fe, "block_all")
        elif c < 0.86:
            g.call(t, fe, A["leg"], svc["inv"], 8080)
        elif c < 0.88 and sc == "s4":
            if t < BASE_MS + 70_000:
                g.call(t, A["old"], A["cat"], svc["catalog"], 8080)
            elif t >= BASE_MS + 110_000:
                g.call(t, A["new"], A["cat"], svc["catalog"], 8080)
        elif c < 0.885 and sc == "s6":
            g.external(t, A["gw"], "gw_fcnf")
        elif c < 0.89 and sc == "s6":
            g.inbound_special(t, A["cat"], "fcnf", "10.250.9.98")
        elif c < 0.895 and sc == "s6":
            g.inbound_special(t, A["cat"], "ipt", A["fe1"].ip)
        elif c < 0.89 and sc == "s4":
            g.call(t, A["long"], A["pay"], svc["pay"], 9090)
        elif c < 0.90 and sc == "s4":
            g.call(t, A["bare"], red, svc["redis"], 6379, tcp=True)
        else:
            g.call(t, A["gw"], fe, svc["frontend"], 8080)
        # noise
        if rng.random() < 0.05:
            p = rng.choice(list(g.pods.values()))
            g.emit_noise(p, t)
        t += max(1, int(rng.expovariate(rate / 20.0)))  # ~rate*50 calls/s

    # window boundary lines: starts exactly at .000 and .999
    for k in range(3, span_s * 1000 // win - 6, 2):
        w0 = BASE_MS + k * win
        g.call(w0, A["fe1"], A["cat"], svc["catalog"], 8080, dur=0)
        g.call(w0 + win - 1, A["fe1"], A["cat"], svc["catalog"], 8080, dur=0)
        g.call(w0 + win - 1, A["gw"], A["fe2"], svc["frontend"], 8080, dur=1)
    # out of order within the grace: long requests (logged when they finish)
    grace = 30_000 if sc != "s2" else 10_000
    for k in range(40):
        t0 = BASE_MS + rng.randint(20_000, span_s * 1000 - 30_000)
        d = rng.randint(win // 2, grace // 2)
        g.call(t0, A["fe1"], A["pay"], svc["pay"], 9090, late_dur=d)
    # later than the grace: request lasted longer than window + grace (+ margin)
    for k in range(25):
        t0 = BASE_MS + rng.randint(10_000, span_s * 1000 - 80_000)
        d = win + grace + rng.randint(6_000, 30_000)
        g.call(t0, A["gw"], A["fe1"], svc["frontend"], 8080, late_dur=d)
    return g, A


def drop_before_first(g):
    for p in g.pods.values():
        if p.first_ms is not None:
            cut = p.first_ms * 1000
            p.lines = [l for l in p.lines if l[0] >= cut]
        if p.last_ms is not None:
            p.lines = [l for l in p.lines if l[0] < p.last_ms * 1000]


def long_paths(g, rng):
    """Give a few lines a path > 16 KiB (containerd / docker split them)."""
    for p in g.pods.values():
        acc = [l for l in p.lines if l[3]["kind"] == "access" and not l[3]["tcp"]]
        for i, l in enumerate(rng.sample(acc, min(3, len(acc)))):
            tr = l[3]
            tr["path"] = "/auth/cb?token=" + "eyJ" + "A" * rng.randint(17_000, 20_000)
            l[2] = render(tr, tr["layout"])
            if i == 2 and EXACT16K:
                # exactly 16 KiB: containerd writes a full P chunk, then an F chunk with nothing in it
                tr["path"] = tr["path"][: len(tr["path"]) - (len(l[2]) - 16384)]
                l[2] = render(tr, tr["layout"])
                assert len(l[2].encode()) == 16384, len(l[2])


def write_pod(g, p, out, rng, container="istio-proxy"):
    lines = sorted(p.lines, key=lambda l: l[0])
    # serialise to envelope records
    recs = []
    for (w, stream, text, tr) in lines:
        if p.envelope == "docker":
            if len(text) > 16384:
                chunks = [text[i:i + 16384] for i in range(0, len(text), 16384)]
            else:
                chunks = [text]
            for i, ch in enumerate(chunks):
                last = i == len(chunks) - 1
                js = json.dumps({"log": ch + ("\n" if last else ""), "stream": stream,
                                 "time": cri_ts(w, 0)}, separators=(",", ":"))
                if p.go_escape:  # Go's encoding/json escapes <, > and & by default (docker's json-file does)
                    js = js.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
                recs.append((w, js))
            continue
        # CRI
        if len(text) >= 16384:
            cuts = list(range(16384, len(text) + (1 if len(text) % 16384 == 0 else 0), 16384))
        elif stream == "stderr" and p.split_rot and rng.random() < 0.3:
            cuts = [rng.randint(1, len(text) - 1)]  # envoy's own line split too: each stream rejoins its own chunks
        elif stream == "stdout" and tr.get("kind") == "access" and rng.random() < (0.2 if p.split_rot else 0.03):
            cuts = [rng.randint(1, len(text) - 1)]  # split in the middle of the line
        else:
            cuts = []
        if cuts:
            prev = 0
            for c in cuts:
                recs.append((w, "%s %s P %s" % (cri_ts(w, p.cri_style), stream, text[prev:c]), "P"))
                prev = c
                if rng.random() < 0.5 and stream == "stdout":  # an envoy stderr line lands between the chunks
                    nt = iso_ms(w // 1000) + "\twarning\tenvoy main\tcaught SIGTERM? no, just noise"
                    if p.split_rot and rng.random() < 0.5:  # itself split, its P before and its F after ours
                        k = rng.randint(1, len(nt) - 1)
                        recs.insert(len(recs) - 1, (w, "%s stderr P %s" % (cri_ts(w, p.cri_style), nt[:k])))
                        recs.append((w, "%s stderr F %s" % (cri_ts(w, p.cri_style), nt[k:])))
                    else:
                        recs.append((w, "%s stderr F %s" % (cri_ts(w, p.cri_style), nt)))
                    tr.setdefault("interleaved", []).append(nt)
            recs.append((w, "%s %s F %s" % (cri_ts(w, p.cri_style), stream, text[prev:])))
        else:
            recs.append((w, "%s %s F %s" % (cri_ts(w, p.cri_style), stream, text)))
    # files: rotations
    n = len(recs)

    def cut(a):
        # with split_rot, move the cut just after a P chunk: its F lands in the next file
        if not p.split_rot:
            return a
        for i in range(a, n - 1):
            if len(recs[i]) > 2:
                return i + 1
        return a
    files = []  # (relative name, records, gz)
    if p.rotate == "both":
        a, b = cut(n // 3), cut(2 * n // 3)
        files = [("0.log.20261120-100100.gz", recs[:a], True), ("0.log.20261120-100200", recs[a:b], False),
                 ("0.log", recs[b:], False)]
    elif p.rotate == "plain":
        a = cut(n // 2)
        files = [("0.log.20261120-100130", recs[:a], False), ("0.log", recs[a:], False)]
    elif p.rotate == "gz":
        a, b = cut(n // 3), cut(2 * n // 3)
        files = [("0.log.20261120-100040.gz", recs[:a], True), ("0.log.20261120-100110.gz", recs[a:b], True),
                 ("0.log", recs[b:], False)]
    elif p.restarts:
        a = n // 2
        files = [("0.log", recs[:a], False), ("1.log", recs[a:], False)]
    else:
        files = [("0.log", recs, False)]
    cid = "%064x" % rng.getrandbits(256)
    poddir = os.path.join(out, "logs", "pods", "%s_%s_%s" % (p.ns, p.name, p.uid), container)
    written = []
    for (name, rr, gz) in files:
        body = "".join(r[1] + "\n" for r in rr)
        if name.endswith(".log") and name == files[-1][0] and p.no_trailing_nl and body.endswith("\n"):
            body = body[:-1]
        if p.layout_dir == "containers" and container == "istio-proxy":
            # only the /var/log/containers file (a plain file, as a copy from a node would give)
            path = os.path.join(out, "logs", "containers", "%s_%s_%s-%s.log" % (p.name, p.ns, container, cid))
            if name != "0.log" and not name.startswith("0.log"):
                pass
            if name != files[-1][0]:
                continue  # containers layout has only the live file: keep all lines in it
            body = "".join(r[1] + "\n" for r in recs)
            if p.no_trailing_nl:
                body = body[:-1]
        else:
            path = os.path.join(poddir, name)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        data = body.encode()
        if gz:
            data = gzip.compress(data)
        with open(path, "wb") as f:
            f.write(data)
        written.append(path)
    if p.layout_dir == "both":
        live = os.path.join(poddir, "0.log")
        link = os.path.join(out, "logs", "containers", "%s_%s_%s-%s.log" % (p.name, p.ns, container, cid))
        os.makedirs(os.path.dirname(link), exist_ok=True)
        os.symlink(live, link)
    return written


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("out")
    ap.add_argument("--scenario", default="s1")
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--big", action="store_true")
    a = ap.parse_args()
    out = a.out
    os.makedirs(out, exist_ok=True)
    g, A = build(a.scenario, a.seed, a.big)
    drop_before_first(g)
    rng = random.Random(a.seed + 1)
    long_paths(g, rng)
    for p in g.pods.values():
        write_pod(g, p, out, rng)
    # an app container of a pod: not istio-proxy, must be ignored
    fe = A["fe1"]
    appdir = os.path.join(out, "logs", "pods", "%s_%s_%s" % (fe.ns, fe.name, fe.uid), "frontend")
    os.makedirs(appdir, exist_ok=True)
    with open(os.path.join(appdir, "0.log"), "w") as f:
        f.write("2026-11-20T10:00:05.000000001Z stdout F GET /cart 200 3ms\n")
    # empty files: an empty live file and an empty rotation of a pod with traffic, and a pod with nothing
    cat = A["cat"]
    d = os.path.join(out, "logs", "pods", "%s_%s_%s" % ("shop", "idle-%s-%s" % (rs(rng, 9), rs(rng, 5)), "0000-idle"),
                     "istio-proxy")
    os.makedirs(d, exist_ok=True)
    open(os.path.join(d, "0.log"), "w").close()
    red = A["red0"]
    rd = os.path.join(out, "logs", "pods", "%s_%s_%s" % (red.ns, red.name, red.uid), "istio-proxy")
    open(os.path.join(rd, "0.log.20261120-095900"), "w").close()
    with open(os.path.join(out, "truth.jsonl"), "w") as f:
        for p in g.pods.values():
            for (w, stream, text, tr) in p.lines:
                tr = dict(tr)
                tr["ip"] = p.ip
                f.write(json.dumps(tr) + "\n")
                for nt in tr.get("interleaved", []):
                    f.write(json.dumps(dict(kind="noise", ns=p.ns, pod=p.name, write_us=w, text=nt)) + "\n")
    with open(os.path.join(out, "pods.json"), "w") as f:
        json.dump({p.name: dict(ns=p.ns, workload=p.workload, ip=p.ip, layout=p.layout, kind=p.kind,
                                first_ms=p.first_ms) for p in g.pods.values()}, f, indent=1)
    n = sum(len(p.lines) for p in g.pods.values())
    print("pods", len(g.pods), "lines", n)


if __name__ == "__main__":
    main()
