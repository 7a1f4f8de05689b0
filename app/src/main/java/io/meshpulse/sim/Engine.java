package io.meshpulse.sim;

import static java.nio.charset.StandardCharsets.UTF_8;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.meshpulse.sim.MeshSpec.Protocol;
import io.meshpulse.sim.MeshSpec.Workload;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.PriorityQueue;
import java.util.Set;
import java.util.SplittableRandom;

/** One simulation run. Single-threaded; all randomness comes from one seeded {@link SplittableRandom}. */
final class Engine {

    private static final String POD_ALPHABET = "bcdfghjklmnpqrstvwxz2456789";
    private static final char[] HEX = "0123456789abcdef".toCharArray();
    private static final String UC_BODY =
            "upstream connect error or disconnect/reset before headers. reset reason: connection termination";
    private static final String UF_BODY = "upstream connect error or disconnect/reset before headers. retried and"
            + " the latest reset reason: remote connection failure, transport failure reason: delayed connect error: 111";
    private static final String UC_DETAILS = "upstream_reset_before_response_started{connection_termination}";
    private static final String UF_DETAILS =
            "upstream_reset_before_response_started{remote_connection_failure,delayed_connect_error:_111}";

    private enum Outcome { OK, APP_404, APP_500, UC, MTLS, UH, UF, RBAC, NR, UT, CLIENT_LOCAL, SERVER_LOCAL, DC_BOTH,
        BYPASS, STOP }

    /** What a sidecar answers itself for the incident kinds that are one local reply on one side. */
    private record LocalReply(int code, String flags, String details) {}

    private static LocalReply localReply(Incident.Kind k) {
        return switch (k) {
            case UC_UPSTREAM_RESET -> new LocalReply(503, "UC", UC_DETAILS);
            case URX_RETRIES -> new LocalReply(503, "URX", "via_upstream");
            case UO_OVERFLOW -> new LocalReply(503, "UO", "upstream_reset_before_response_started{overflow}");
            case NC_NO_CLUSTER -> new LocalReply(503, "NC", "cluster_not_found");
            case FI_ABORT -> new LocalReply(503, "FI", "fault_filter_abort");
            case UPE_PROTOCOL_ERROR -> new LocalReply(502, "UPE", "upstream_reset_before_response_started{protocol_error}");
            case RBAC_ALLOW_NONE -> new LocalReply(403, null, "rbac_access_denied_matched_policy[none]");
            case UAEX_DENY -> new LocalReply(403, "UAEX", "ext_authz_denied");
            case RL_LOCAL -> new LocalReply(429, "RL", "local_rate_limited");
            default -> null;
        };
    }

    /** A line waiting for its write time. */
    private record Pending(long writeNanos, long seq, SimPod pod, AccessLine line, String text, boolean stderr) {}

    private static final class IncidentRt {
        final Incident inc;
        final long startMs;
        final long endMs;
        long affected;
        long firstMs = -1;
        long lastMs = -1;
        boolean matched;

        IncidentRt(Incident inc) {
            this.inc = inc;
            this.startMs = inc.start().toEpochMilli();
            this.endMs = inc.end().toEpochMilli();
        }

        void hit(long s) {
            affected++;
            if (firstMs < 0 || s < firstMs) firstMs = s;
            if (s > lastMs) lastMs = s;
        }
    }

    private static final class EdgeRt {
        MeshSpec.Call call;
        Workload caller;
        Workload callee;
        List<SimPod> callerPods;
        List<SimPod> calleePods;
        boolean gateway;
        boolean tcp;
        boolean grpc;
        double rate;
        String authority;
        String cluster;
        String sni;
        String clusterIpPort;
        String ua;
        double medianMs;
        List<Traffic.Endpoint> endpoints;
        double[] cumulative;
        String staticHash;
        final List<IncidentRt> incidents = new ArrayList<>();
    }

    private static final class ExternalRt {
        MeshSpec.ExternalCall call;
        Workload caller;
        List<SimPod> callerPods;
        double rate;
        String[] ips;
        String ua;
        final List<IncidentRt> incidents = new ArrayList<>();
    }

    private final MeshSpec spec;
    private final SimConfig cfg;
    private final Path outDir;
    private final Path podsRoot;
    private final SplittableRandom rnd;
    private final LineFormat fmt = new LineFormat();
    private final StringBuilder sb = new StringBuilder(2048);
    private final List<SimPod> pods = new ArrayList<>();
    private final Map<String, SimPod> podByIp = new HashMap<>();
    private final Map<String, List<SimPod>> podsByWorkload = new HashMap<>();
    private final Map<String, String> clusterIps = new HashMap<>();
    private final List<String> nodes = new ArrayList<>();
    private final List<EdgeRt> edges = new ArrayList<>();
    private final List<ExternalRt> externals = new ArrayList<>();
    private final List<IncidentRt> incidents = new ArrayList<>();
    private final List<SimPod> proxyPods = new ArrayList<>();
    private final String[] clientIps;
    private final PriorityQueue<Pending> queue = new PriorityQueue<>((x, y) -> {
        int c = Long.compare(x.writeNanos, y.writeNanos);
        return c != 0 ? c : Long.compare(x.seq, y.seq);
    });
    private final ContainerLog.Channels channels = new ContainerLog.Channels(1024);
    private final TruthRecorder truth;
    private final long maxLateMs;
    private final long startMs;
    private final long endMs;
    private final String istiod;
    private long seq;
    private long accessLines;
    private long otherLines;
    private long appLines;
    private SimPod restartPod;
    private long restartAtMs = Long.MIN_VALUE;
    private final List<SimResult.Restart> restarts = new ArrayList<>();

    Engine(MeshSpec spec, SimConfig cfg, Path outDir) {
        this.spec = spec;
        this.cfg = cfg;
        this.outDir = outDir;
        this.podsRoot = outDir.resolve("var/log/pods");
        this.rnd = new SplittableRandom(cfg.seed());
        this.maxLateMs = cfg.maxLateness().toMillis();
        this.startMs = cfg.start().toEpochMilli();
        this.endMs = cfg.end().toEpochMilli();
        this.istiod = "istiod-" + spec.istioRevision() + ".aks-istio-system.svc:15012";
        materialisePods();
        this.clientIps = new String[400];
        for (int i = 0; i < clientIps.length; i++) clientIps[i] = publicIp();
        for (Incident i : cfg.incidents()) incidents.add(new IncidentRt(i));
        buildEdges();
        for (IncidentRt i : incidents) {
            if (!i.matched) throw new IllegalArgumentException("incident matches no call of the spec: " + i.inc);
        }
        this.truth = new TruthRecorder(pods, podByIp);
    }

    // ------------------------------------------------------------------------------------------------------
    // Cluster

    private void materialisePods() {
        int total = 0;
        for (Workload w : spec.workloads()) total += w.replicas();
        int nodeCount = Math.min(256, Math.max(3, (total + 29) / 30));
        String vmss = digits(8);
        for (int i = 0; i < nodeCount; i++) {
            nodes.add("aks-nodepool1-" + vmss + "-vmss" + String.format("%06d", i));
        }
        int[] nextHost = new int[nodeCount];
        for (int i = 0; i < nodeCount; i++) nextHost[i] = 2 + rnd.nextInt(12);
        Set<String> names = new HashSet<>();
        Set<String> svcIps = new HashSet<>(List.of("10.0.0.1", "10.0.0.10"));
        int rr = rnd.nextInt(nodeCount);
        for (Workload w : spec.workloads()) {
            if (w.service() != null) {
                String ip;
                do {
                    ip = "10.0." + rnd.nextInt(256) + "." + (1 + rnd.nextInt(254));
                } while (!svcIps.add(ip));
                clusterIps.put(w.namespace() + "/" + w.service(), ip);
            }
            String hash = randomString(9 + rnd.nextInt(2));
            List<SimPod> list = new ArrayList<>();
            for (int r = 0; r < w.replicas(); r++) {
                String name;
                do {
                    name = switch (w.kind()) {
                        case DEPLOYMENT -> w.name() + "-" + hash + "-" + randomString(5);
                        case STATEFUL_SET -> w.name() + "-" + r;
                        case DAEMON_SET -> w.name() + "-" + randomString(5);
                    };
                } while (!names.add(w.namespace() + "/" + name));
                int node = w.kind() == MeshSpec.Kind.DAEMON_SET ? r % nodeCount : (rr++ % nodeCount);
                int tries = 0;
                while (nextHost[node] > 254) {
                    node = (node + 1) % nodeCount;
                    if (++tries > nodeCount) throw new IllegalStateException("out of pod IPs");
                }
                String ip = "10.244." + node + "." + nextHost[node];
                nextHost[node] += 1 + (rnd.nextInt(4) == 0 ? 1 : 0);
                int[] order = null;
                if (w.injected() && w.jsonLogs()) {
                    order = new int[LineFormat.JSON_KEYS.length];
                    for (int i = 0; i < order.length; i++) order[i] = i;
                    for (int i = order.length - 1; i > 0; i--) {
                        int j = rnd.nextInt(i + 1);
                        int t = order[i];
                        order[i] = order[j];
                        order[j] = t;
                    }
                }
                String app = w.isGateway() ? null : w.name();
                SimPod p = new SimPod(pods.size(), w, name, uuid(), ip, nodes.get(node), app, order);
                if (w.injected()) {
                    p.proxyLog = new ContainerLog(podsRoot.resolve(p.dirName()).resolve("istio-proxy"), channels,
                            cfg.rotationBytes(), cfg.gzipRotated());
                    proxyPods.add(p);
                }
                pods.add(p);
                podByIp.put(ip, p);
                list.add(p);
            }
            podsByWorkload.put(w.id(), list);
        }
    }

    private void buildEdges() {
        for (MeshSpec.Call c : spec.calls()) {
            EdgeRt e = new EdgeRt();
            e.call = c;
            e.caller = spec.workload(c.callerNamespace(), c.caller());
            e.callee = spec.serviceOwner(c.calleeNamespace(), c.calleeService());
            e.callerPods = podsByWorkload.get(e.caller.id());
            e.calleePods = podsByWorkload.get(e.callee.id());
            e.gateway = e.caller.isGateway();
            e.tcp = e.callee.protocol() == Protocol.TCP;
            e.grpc = e.callee.protocol() == Protocol.GRPC;
            e.rate = c.rps() * cfg.rateMultiplier();
            String fqdn = e.callee.serviceFqdn();
            int port = e.callee.port();
            e.authority = e.gateway ? spec.ingressHost()
                    : e.caller.namespace().equals(e.callee.namespace()) ? c.calleeService() + ":" + port
                    : fqdn + ":" + port;
            e.cluster = "outbound|" + port + "||" + fqdn;
            e.sni = "outbound_." + port + "_._." + fqdn;
            e.clusterIpPort = clusterIps.get(e.callee.namespace() + "/" + e.callee.service()) + ":" + port;
            e.ua = Traffic.userAgent(e.caller, e.callee.protocol());
            e.medianMs = Traffic.medianMillis(e.callee, rnd);
            e.endpoints = Traffic.endpoints(e.caller, e.callee);
            e.cumulative = new double[e.endpoints.size()];
            double sum = 0;
            for (int i = 0; i < e.endpoints.size(); i++) {
                sum += e.endpoints.get(i).weight();
                e.cumulative[i] = sum;
            }
            for (int i = 0; i < e.cumulative.length; i++) e.cumulative[i] /= sum;
            e.staticHash = hex(8);
            for (IncidentRt i : incidents) {
                Incident inc = i.inc;
                if (inc.kind() == Incident.Kind.EGRESS_BLOCKED) continue;
                if (inc.callerNamespace().equals(c.callerNamespace()) && inc.callerWorkload().equals(c.caller())
                        && inc.calleeNamespace().equals(c.calleeNamespace())
                        && inc.calleeService().equals(c.calleeService())) {
                    checkSupported(inc, e);
                    e.incidents.add(i);
                    i.matched = true;
                }
            }
            edges.add(e);
        }
        for (MeshSpec.ExternalCall c : spec.externalCalls()) {
            ExternalRt x = new ExternalRt();
            x.call = c;
            x.caller = spec.workload(c.callerNamespace(), c.caller());
            x.callerPods = podsByWorkload.get(x.caller.id());
            x.rate = c.rps() * cfg.rateMultiplier();
            x.ips = new String[2 + rnd.nextInt(3)];
            for (int i = 0; i < x.ips.length; i++) x.ips[i] = publicIp();
            x.ua = Traffic.userAgent(x.caller, Protocol.HTTP);
            for (IncidentRt i : incidents) {
                Incident inc = i.inc;
                if (inc.kind() == Incident.Kind.EGRESS_BLOCKED && inc.callerNamespace().equals(c.callerNamespace())
                        && inc.callerWorkload().equals(c.caller()) && inc.calleeService().equals(c.host())) {
                    if (!x.caller.injected()) throw new IllegalArgumentException("caller has no sidecar: " + inc);
                    x.incidents.add(i);
                    i.matched = true;
                }
            }
            externals.add(x);
        }
    }

    private static void checkSupported(Incident inc, EdgeRt e) {
        Incident.Kind k = inc.kind();
        boolean clientSide = k == Incident.Kind.UH_NO_ENDPOINTS || k == Incident.Kind.UF_CONN_REFUSED
                || k == Incident.Kind.NR_ROUTE || k == Incident.Kind.UT_TIMEOUT;
        if (clientSide && !e.caller.injected()) {
            throw new IllegalArgumentException(k + " needs a caller with a sidecar: " + inc);
        }
        if ((k == Incident.Kind.RBAC_DENY || k == Incident.Kind.MTLS_PLAINTEXT_TO_STRICT) && !e.callee.injected()) {
            throw new IllegalArgumentException(k + " needs a callee with a sidecar: " + inc);
        }
        boolean clientLocal = localReply(k) != null && outcomeForStatic(k) == Outcome.CLIENT_LOCAL;
        if ((clientLocal || k == Incident.Kind.DC_CALLER_HANGUP || k == Incident.Kind.PLAINTEXT_BYPASS)
                && !e.caller.injected()) {
            throw new IllegalArgumentException(k + " needs a caller with a sidecar: " + inc);
        }
        if ((k == Incident.Kind.RBAC_ALLOW_NONE || k == Incident.Kind.UAEX_DENY || k == Incident.Kind.RL_LOCAL
                || k == Incident.Kind.PLAINTEXT_BYPASS) && !e.callee.injected()) {
            throw new IllegalArgumentException(k + " needs a callee with a sidecar: " + inc);
        }
        if (e.tcp && !(k == Incident.Kind.UH_NO_ENDPOINTS || k == Incident.Kind.UF_CONN_REFUSED
                || k == Incident.Kind.RBAC_DENY)) {
            throw new IllegalArgumentException(k + " is not supported on a TCP service: " + inc);
        }
    }

    // ------------------------------------------------------------------------------------------------------
    // Run

    SimResult run() throws IOException {
        long t0 = System.nanoTime();
        Files.createDirectories(podsRoot);
        if (cfg.containerRestart()) chooseRestart();
        try {
            writeAppLogs();
            long tLoop = System.nanoTime();
            long flushNanos = 0;
            double noisePerSecond = cfg.noise() ? cfg.noisePerPodPerMinute() / 60.0 : 0;
            for (long tick = startMs; tick < endMs; tick += 1000) {
                long tickEnd = Math.min(tick + 1000, endMs);
                long span = tickEnd - tick;
                double frac = span / 1000.0;
                if (restartPod != null && restartAtMs >= tick && restartAtMs < tickEnd && cfg.noise()) {
                    startupLines(restartPod, restartAtMs * 1_000_000L);
                }
                for (EdgeRt e : edges) {
                    int n = poisson(e.rate * frac);
                    for (int i = 0; i < n; i++) {
                        long s = tick + rnd.nextLong(span);
                        if (e.tcp) tcpConnection(e, s);
                        else httpRequest(e, s);
                    }
                }
                for (ExternalRt x : externals) {
                    int n = poisson(x.rate * frac);
                    for (int i = 0; i < n; i++) external(x, tick + rnd.nextLong(span));
                }
                if (noisePerSecond > 0) {
                    for (SimPod p : proxyPods) {
                        int n = poisson(noisePerSecond * frac);
                        for (int i = 0; i < n; i++) noise(p, tick * 1_000_000L + rnd.nextLong(span * 1_000_000L));
                    }
                }
                long f0 = System.nanoTime();
                flush(tickEnd * 1_000_000L);
                flushNanos += System.nanoTime() - f0;
            }
            flush(Long.MAX_VALUE);
            if (Boolean.getBoolean("meshpulse.sim.timing")) {
                System.err.printf("setup %d ms, loop %d ms (flush %d ms)%n", (tLoop - t0) / 1_000_000,
                        (System.nanoTime() - tLoop) / 1_000_000, flushNanos / 1_000_000);
            }
            for (SimPod p : proxyPods) {
                if (p.restartAtNanos != Long.MAX_VALUE && p.proxyLog.restartCount() == 0) p.proxyLog.restart();
                p.proxyLog.close();
            }
        } finally {
            channels.close();
        }
        SimResult.Truth t = buildTruth();
        Path truthFile = outDir.resolve("truth.json");
        new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValue(truthFile.toFile(), t);
        return new SimResult(outDir, truthFile, t, (System.nanoTime() - t0) / 1_000_000);
    }

    private void chooseRestart() {
        List<SimPod> candidates = new ArrayList<>();
        for (SimPod p : proxyPods) {
            if (!p.workload.isGateway()) candidates.add(p);
        }
        if (candidates.isEmpty()) return;
        restartPod = candidates.get(rnd.nextInt(candidates.size()));
        restartAtMs = startMs + cfg.duration().toMillis() / 2 + rnd.nextInt(1000);
        restartPod.restartAtNanos = restartAtMs * 1_000_000L;
        restarts.add(new SimResult.Restart(restartPod.namespace(), restartPod.name, "istio-proxy", 1,
                Instant.ofEpochMilli(restartAtMs).toString()));
    }

    private void flush(long boundNanos) {
        while (!queue.isEmpty() && queue.peek().writeNanos < boundNanos) {
            Pending p = queue.poll();
            SimPod pod = p.pod;
            if (p.writeNanos >= pod.restartAtNanos && pod.proxyLog.restartCount() == 0) pod.proxyLog.restart();
            sb.setLength(0);
            fmt.appendCriTime(sb, p.writeNanos);
            sb.append(p.stderr ? " stderr F " : " stdout F ");
            if (p.line != null) {
                if (pod.jsonKeyOrder != null) fmt.appendJson(sb, p.line, pod.jsonKeyOrder);
                else fmt.appendText(sb, p.line);
                pod.accessLines++;
                accessLines++;
                truth.record(pod, p.line);
            } else {
                fmt.appendMicrosTime(sb, p.writeNanos - 3_000 - (p.seq % 40) * 1_000);
                sb.append('\t').append(p.text);
                otherLines++;
            }
            sb.append('\n');
            pod.proxyLog.append(p.writeNanos, sb);
        }
    }

    private void enqueue(SimPod pod, long writeNanos, AccessLine line) {
        if (!pod.hasProxy()) return;
        queue.add(new Pending(writeNanos, seq++, pod, line, null, false));
    }

    private void enqueueText(SimPod pod, long writeNanos, String text, boolean stderr) {
        queue.add(new Pending(writeNanos, seq++, pod, null, text, stderr));
    }

    // ------------------------------------------------------------------------------------------------------
    // Requests

    private static Outcome outcomeForStatic(Incident.Kind k) {
        return switch (k) {
            case UC_UPSTREAM_RESET, URX_RETRIES, UO_OVERFLOW, NC_NO_CLUSTER, FI_ABORT, UPE_PROTOCOL_ERROR ->
                    Outcome.CLIENT_LOCAL;
            default -> Outcome.OK;
        };
    }

    private Outcome outcomeFor(Incident.Kind k) {
        return switch (k) {
            case MTLS_PLAINTEXT_TO_STRICT -> Outcome.MTLS;
            case UH_NO_ENDPOINTS -> Outcome.UH;
            case UF_CONN_REFUSED -> Outcome.UF;
            case RBAC_DENY -> Outcome.RBAC;
            case NR_ROUTE -> Outcome.NR;
            case UT_TIMEOUT -> Outcome.UT;
            case APP_5XX -> Outcome.APP_500;
            case UC_UPSTREAM_RESET, URX_RETRIES, UO_OVERFLOW, NC_NO_CLUSTER, FI_ABORT, UPE_PROTOCOL_ERROR ->
                    Outcome.CLIENT_LOCAL;
            case RBAC_ALLOW_NONE, UAEX_DENY, RL_LOCAL -> Outcome.SERVER_LOCAL;
            case DC_CALLER_HANGUP -> Outcome.DC_BOTH;
            case PLAINTEXT_BYPASS -> Outcome.BYPASS;
            case TRAFFIC_STOP -> Outcome.STOP;
            case EGRESS_BLOCKED -> throw new IllegalStateException();
        };
    }

    private IncidentRt activeIncident(List<IncidentRt> list, long s) {
        for (IncidentRt i : list) {
            if (s >= i.startMs && s < i.endMs && rnd.nextDouble() < i.inc.fraction()) {
                i.hit(s);
                return i;
            }
        }
        return null;
    }

    private void httpRequest(EdgeRt e, long s) {
        SimPod a = e.callerPods.get(rnd.nextInt(e.callerPods.size()));
        SimPod b = e.calleePods.get(rnd.nextInt(e.calleePods.size()));
        double pick = rnd.nextDouble();
        Traffic.Endpoint ep = e.endpoints.get(e.endpoints.size() - 1);
        for (int i = 0; i < e.cumulative.length; i++) {
            if (pick < e.cumulative[i]) {
                ep = e.endpoints.get(i);
                break;
            }
        }
        IncidentRt inc = e.incidents.isEmpty() ? null : activeIncident(e.incidents, s);
        Outcome o;
        if (inc != null) {
            o = outcomeFor(inc.inc.kind());
        } else if (e.call.chronicUcFraction() > 0 && rnd.nextDouble() < e.call.chronicUcFraction()) {
            o = Outcome.UC;
        } else {
            double r = rnd.nextDouble();
            if (!e.grpc && r < 0.004) o = Outcome.APP_404;
            else if (!e.grpc && r < 0.0043) o = Outcome.APP_500;
            else if (r < 0.0044) o = Outcome.UC;
            else o = Outcome.OK;
        }
        if (!a.hasProxy() && (o == Outcome.UC)) o = Outcome.OK; // keep-alive races are a sidecar affair here
        if (o == Outcome.STOP) return;

        String path = expand(ep.path(), e);
        String rid = uuid();
        String ua = e.gateway ? Traffic.BROWSERS.get(rnd.nextInt(Traffic.BROWSERS.size())) : e.ua;
        String clientIp = e.gateway ? clientIps[rnd.nextInt(clientIps.length)] : null;
        int ephUp = eph();
        int ephApp = eph();
        int ephIn = eph();
        int tp = e.callee.targetPort();
        String bAddr = b.ip + ":" + tp;
        String clientProto = e.grpc || e.gateway ? "HTTP/2" : "HTTP/1.1";
        String serverProto = e.grpc ? "HTTP/2" : "HTTP/1.1";

        long serverDur;
        if (cfg.slowFraction() > 0 && rnd.nextDouble() < cfg.slowFraction()) {
            serverDur = 2000 + rnd.nextLong(Math.max(1, maxLateMs - 2100));
        } else {
            serverDur = Math.min(4000, Math.round(e.medianMs * Math.exp(0.6 * rnd.nextGaussian())));
        }
        long overhead = 1 + rnd.nextInt(3);
        long clientDur = serverDur + overhead;
        int serverOff = rnd.nextInt(2);
        long rx = ep.reqBytes() > 0 ? ep.reqBytes() + rnd.nextInt(ep.reqBytes() / 4 + 1) : 0;
        long tx = ep.respBytes() > 0 ? Math.round(ep.respBytes() * (0.8 + 0.4 * rnd.nextDouble())) : 0;
        int code = ep.code();
        if (o == Outcome.APP_404) {
            code = 404;
            tx = e.gateway ? 1_245 : 153;
        } else if (o == Outcome.APP_500) {
            code = 500;
            tx = 61 + rnd.nextInt(40);
            serverDur = Math.max(1, serverDur / 2);
            clientDur = serverDur + overhead;
        }

        AccessLine out = null;
        AccessLine in = null;
        long outDur;
        long inDur = clientDur - overhead;
        switch (o) {
            case OK, APP_404, APP_500 -> {
                out = outbound(e, a, s, ep.method(), path, clientProto, code, rid, ua, clientIp, bAddr, ephUp, ephApp);
                out.bytesReceived = rx;
                out.bytesSent = tx;
                out.durationMillis = clientDur;
                out.upstreamServiceTime = Math.min(clientDur, serverDur + rnd.nextInt(2));
                in = inbound(e, a, b, s + serverOff, ep.method(), path, serverProto, code, rid, ua, clientIp, bAddr,
                        ephUp, ephApp, ephIn);
                in.bytesReceived = rx;
                in.bytesSent = tx;
                in.durationMillis = inDur;
                in.upstreamServiceTime = Math.max(0, inDur - rnd.nextInt(2));
                outDur = clientDur;
            }
            case UC, MTLS -> {
                outDur = rnd.nextInt(3);
                out = outbound(e, a, s, ep.method(), path, clientProto, 503, rid, ua, clientIp, bAddr, ephUp, ephApp);
                out.flags = "UC";
                out.details = UC_DETAILS;
                out.bytesReceived = rx;
                out.bytesSent = UC_BODY.length();
                out.durationMillis = outDur;
                if (o == Outcome.MTLS) {
                    in = AccessLine.tcp();
                    in.startMillis = s;
                    in.flags = "NR";
                    in.details = "filter_chain_not_found";
                    in.downstreamLocal = bAddr;
                    in.downstreamRemote = a.ip + ":" + (a.hasProxy() ? ephUp : ephApp);
                    inDur = 0;
                }
            }
            case UH -> {
                outDur = 0;
                out = outbound(e, a, s, ep.method(), path, clientProto, 503, rid, ua, clientIp, null, ephUp, ephApp);
                out.flags = "UH";
                out.details = "no_healthy_upstream";
                out.upstreamLocal = null;
                out.bytesReceived = rx;
                out.bytesSent = 19;
            }
            case UF -> {
                outDur = 1 + rnd.nextInt(60);
                out = outbound(e, a, s, ep.method(), path, clientProto, 503, rid, ua, clientIp, bAddr, ephUp, ephApp);
                out.flags = "UF,URX";
                out.details = UF_DETAILS;
                out.transportFailure = "delayed_connect_error:_111";
                out.upstreamLocal = null;
                out.bytesReceived = rx;
                out.bytesSent = UF_BODY.length();
                out.durationMillis = outDur;
            }
            case RBAC -> {
                outDur = 1 + rnd.nextInt(2);
                out = outbound(e, a, s, ep.method(), path, clientProto, 403, rid, ua, clientIp, bAddr, ephUp, ephApp);
                out.bytesReceived = rx;
                out.bytesSent = 19;
                out.durationMillis = outDur;
                out.upstreamServiceTime = 0;
                in = inbound(e, a, b, s, ep.method(), path, serverProto, 403, rid, ua, clientIp, null, ephUp, ephApp,
                        ephIn);
                in.details = "rbac_access_denied_matched_policy[ns[" + b.namespace() + "]-policy["
                        + inc.inc.policy() + "]-rule[0]]";
                in.upstreamLocal = null;
                in.bytesReceived = rx;
                in.bytesSent = 19;
                inDur = 0;
            }
            case NR -> {
                outDur = 0;
                out = outbound(e, a, s, ep.method(), path, clientProto, 404, rid, ua, clientIp, null, ephUp, ephApp);
                out.flags = "NR";
                out.details = "route_not_found";
                out.cluster = null;
                out.upstreamLocal = null;
                out.route = null;
                out.bytesReceived = rx;
            }
            case UT -> {
                long timeout = inc.inc.timeout().toMillis();
                outDur = timeout;
                out = outbound(e, a, s, ep.method(), path, clientProto, 504, rid, ua, clientIp, bAddr, ephUp, ephApp);
                out.flags = "UT";
                out.details = "response_timeout";
                out.bytesReceived = rx;
                out.bytesSent = 24;
                out.durationMillis = timeout;
                in = inbound(e, a, b, s + serverOff, ep.method(), path, serverProto, 0, rid, ua, clientIp, bAddr,
                        ephUp, ephApp, ephIn);
                in.flags = "DC";
                in.details = "downstream_remote_disconnect";
                in.bytesReceived = rx;
                inDur = timeout - serverOff;
                in.durationMillis = inDur;
            }
            case CLIENT_LOCAL -> {
                LocalReply lr = localReply(inc.inc.kind());
                outDur = lr.flags().equals("URX") ? 5 + rnd.nextInt(40) : rnd.nextInt(3);
                boolean upstream = !lr.flags().equals("NC") && !lr.flags().equals("FI");
                out = outbound(e, a, s, ep.method(), path, clientProto, lr.code(), rid, ua, clientIp,
                        upstream ? bAddr : null, ephUp, ephApp);
                out.flags = lr.flags();
                out.details = lr.details();
                if (!upstream) {
                    out.upstreamLocal = null;
                    if (lr.flags().equals("NC")) out.cluster = null;
                }
                out.bytesReceived = rx;
                out.bytesSent = 19 + rnd.nextInt(80);
                out.durationMillis = outDur;
            }
            case SERVER_LOCAL -> {
                LocalReply lr = localReply(inc.inc.kind());
                outDur = 1 + rnd.nextInt(3);
                out = outbound(e, a, s, ep.method(), path, clientProto, lr.code(), rid, ua, clientIp, bAddr, ephUp, ephApp);
                out.bytesReceived = rx;
                out.bytesSent = 19;
                out.durationMillis = outDur;
                out.upstreamServiceTime = 0;
                in = inbound(e, a, b, s, ep.method(), path, serverProto, lr.code(), rid, ua, clientIp, null, ephUp,
                        ephApp, ephIn);
                if (lr.flags() != null) in.flags = lr.flags();
                in.details = lr.details();
                in.upstreamLocal = null;
                in.bytesReceived = rx;
                in.bytesSent = 19;
                inDur = 0;
            }
            case DC_BOTH -> {
                outDur = 1000 + rnd.nextInt(2000);
                out = outbound(e, a, s, ep.method(), path, clientProto, 0, rid, ua, clientIp, bAddr, ephUp, ephApp);
                out.flags = "DC";
                out.details = "downstream_remote_disconnect";
                out.bytesReceived = rx;
                out.durationMillis = outDur;
                in = inbound(e, a, b, s + serverOff, ep.method(), path, serverProto, 0, rid, ua, clientIp, bAddr,
                        ephUp, ephApp, ephIn);
                in.flags = "DC";
                in.details = "downstream_remote_disconnect";
                in.bytesReceived = rx;
                inDur = outDur - serverOff;
            }
            case BYPASS -> {
                outDur = 0;
                in = AccessLine.tcp();
                in.startMillis = s;
                in.flags = "NR";
                in.details = "filter_chain_not_found";
                in.downstreamLocal = bAddr;
                in.downstreamRemote = a.ip + ":" + ephApp;
                inDur = 0;
            }
            default -> throw new IllegalStateException();
        }
        if (out != null && e.grpc && out.code != 0 && o != Outcome.OK && o != Outcome.APP_404 && o != Outcome.APP_500
                && o != Outcome.RBAC) {
            out.code = 200; // Envoy's local reply to a gRPC request is a trailers-only 200 (grpc-status in trailers)
        }
        long inWrite = Long.MIN_VALUE;
        if (in != null) {
            in.durationMillis = inDur;
            inWrite = writeNanos(in.startMillis, inDur);
            enqueue(b, inWrite, in);
        }
        if (out != null && a.hasProxy()) {
            long w = Math.max(writeNanos(s, outDur), inWrite + 10_000 + rnd.nextInt(400_000));
            enqueue(a, Math.min(w, (s + maxLateMs) * 1_000_000L), out);
        }
    }

    private long writeNanos(long startMillis, long durationMillis) {
        long w = (startMillis + durationMillis) * 1_000_000L + 80_000 + rnd.nextInt(2_500_000);
        return Math.min(w, (startMillis + maxLateMs) * 1_000_000L);
    }

    private AccessLine outbound(EdgeRt e, SimPod a, long s, String method, String path, String proto, int code,
                                String rid, String ua, String clientIp, String upstream, int ephUp, int ephApp) {
        AccessLine l = new AccessLine();
        l.startMillis = s;
        l.method = method;
        l.path = path;
        l.protocol = proto;
        l.code = code;
        l.details = "via_upstream";
        l.userAgent = ua;
        l.requestId = rid;
        l.authority = e.authority;
        l.upstreamHost = upstream;
        l.cluster = e.cluster;
        l.upstreamLocal = a.ip + ":" + ephUp;
        if (e.gateway) {
            l.xff = clientIp;
            l.downstreamLocal = a.ip + ":8443";
            l.downstreamRemote = clientIp + ":" + ephApp;
            l.sni = spec.ingressHost();
            l.route = null;
        } else {
            l.downstreamLocal = e.clusterIpPort;
            l.downstreamRemote = a.ip + ":" + ephApp;
            l.route = "default";
        }
        return l;
    }

    private AccessLine inbound(EdgeRt e, SimPod a, SimPod b, long s, String method, String path, String proto,
                               int code, String rid, String ua, String clientIp, String upstream, int ephUp,
                               int ephApp, int ephIn) {
        AccessLine l = new AccessLine();
        l.startMillis = s;
        l.method = method;
        l.path = path;
        l.protocol = proto;
        l.code = code;
        l.details = "via_upstream";
        l.xff = clientIp;
        l.userAgent = ua;
        l.requestId = rid;
        l.authority = e.authority;
        l.upstreamHost = upstream;
        l.cluster = "inbound|" + e.callee.targetPort() + "||";
        l.upstreamLocal = "127.0.0.6:" + ephIn;
        l.downstreamLocal = b.ip + ":" + e.callee.targetPort();
        l.downstreamRemote = a.ip + ":" + (a.hasProxy() ? ephUp : ephApp);
        l.sni = a.hasProxy() ? e.sni : null;
        l.route = "default";
        return l;
    }

    private void tcpConnection(EdgeRt e, long s) {
        SimPod a = e.callerPods.get(rnd.nextInt(e.callerPods.size()));
        SimPod b = e.calleePods.get(rnd.nextInt(e.calleePods.size()));
        IncidentRt inc = e.incidents.isEmpty() ? null : activeIncident(e.incidents, s);
        int ephUp = eph();
        int ephApp = eph();
        int ephIn = eph();
        String bAddr = b.ip + ":" + e.callee.targetPort();
        long dur = Math.max(5, Math.min(maxLateMs - 200, Math.round(1500 * Math.exp(rnd.nextGaussian()))));
        long rx = 200 + rnd.nextInt(20_000);
        long tx = 500 + rnd.nextInt(200_000);
        AccessLine out = AccessLine.tcp();
        out.startMillis = s;
        out.upstreamHost = bAddr;
        out.cluster = e.cluster;
        out.upstreamLocal = a.ip + ":" + ephUp;
        out.downstreamLocal = e.clusterIpPort;
        out.downstreamRemote = a.ip + ":" + ephApp;
        AccessLine in = AccessLine.tcp();
        in.startMillis = s + rnd.nextInt(2);
        in.upstreamHost = bAddr;
        in.cluster = "inbound|" + e.callee.targetPort() + "||";
        in.upstreamLocal = "127.0.0.6:" + ephIn;
        in.downstreamLocal = bAddr;
        in.downstreamRemote = a.ip + ":" + (a.hasProxy() ? ephUp : ephApp);
        in.sni = a.hasProxy() ? e.sni : null;
        Incident.Kind k = inc == null ? null : inc.inc.kind();
        if (k == Incident.Kind.UH_NO_ENDPOINTS) {
            out.flags = "UH";
            out.upstreamHost = null;
            out.upstreamLocal = null;
            out.durationMillis = 0;
            in = null;
        } else if (k == Incident.Kind.UF_CONN_REFUSED) {
            out.flags = "UF,URX";
            out.transportFailure = "delayed_connect_error:_111";
            out.upstreamLocal = null;
            out.durationMillis = 1 + rnd.nextInt(40);
            in = null;
        } else if (k == Incident.Kind.RBAC_DENY) {
            out.bytesReceived = 0;
            out.durationMillis = 1 + rnd.nextInt(2);
            in.termination = "rbac_access_denied_matched_policy[ns[" + b.namespace() + "]-policy["
                    + inc.inc.policy() + "]-rule[0]]";
            in.upstreamHost = null;
            in.upstreamLocal = null;
            in.startMillis = s;
            in.durationMillis = 0;
        } else {
            out.bytesReceived = rx;
            out.bytesSent = tx;
            out.durationMillis = dur;
            in.bytesReceived = rx;
            in.bytesSent = tx;
            in.durationMillis = Math.max(0, dur - (in.startMillis - s) - rnd.nextInt(2));
        }
        long inWrite = Long.MIN_VALUE;
        if (in != null) {
            inWrite = writeNanos(in.startMillis, in.durationMillis);
            enqueue(b, inWrite, in);
        }
        if (a.hasProxy()) {
            long w = Math.max(writeNanos(s, out.durationMillis), inWrite + 10_000 + rnd.nextInt(400_000));
            enqueue(a, Math.min(w, (s + maxLateMs) * 1_000_000L), out);
        }
    }

    private void external(ExternalRt x, long s) {
        SimPod a = x.callerPods.get(rnd.nextInt(x.callerPods.size()));
        IncidentRt inc = x.incidents.isEmpty() ? null : activeIncident(x.incidents, s);
        boolean blocked = x.call.blocked() || inc != null;
        String remote = x.ips[rnd.nextInt(x.ips.length)] + ":" + x.call.port();
        int ephUp = eph();
        int ephApp = eph();
        AccessLine l;
        if (x.call.tls()) {
            l = AccessLine.tcp();
            l.sni = x.call.host();
            if (blocked) {
                l.flags = "UH";
                l.cluster = "BlackHoleCluster";
            } else {
                l.upstreamHost = remote;
                l.cluster = "PassthroughCluster";
                l.upstreamLocal = a.ip + ":" + ephUp;
                l.bytesReceived = 1_200 + rnd.nextInt(3_000);
                l.bytesSent = 4_800 + rnd.nextInt(4_000);
                l.durationMillis = Math.min(maxLateMs - 200, Math.round(320 * Math.exp(0.4 * rnd.nextGaussian())));
            }
        } else {
            l = new AccessLine();
            l.method = "GET";
            l.path = Traffic.TAX_PATHS[rnd.nextInt(Traffic.TAX_PATHS.length)];
            l.protocol = "HTTP/1.1";
            l.userAgent = x.ua;
            l.requestId = uuid();
            l.authority = x.call.host();
            if (blocked) {
                l.code = 502;
                l.details = "direct_response";
                l.route = "block_all";
            } else {
                l.code = 200;
                l.details = "via_upstream";
                l.upstreamHost = remote;
                l.cluster = "PassthroughCluster";
                l.upstreamLocal = a.ip + ":" + ephUp;
                l.bytesSent = 380 + rnd.nextInt(120);
                l.durationMillis = Math.min(maxLateMs - 200, Math.round(85 * Math.exp(0.5 * rnd.nextGaussian())));
                l.upstreamServiceTime = Math.max(0, l.durationMillis - 1);
                l.route = "allow_any";
            }
        }
        l.startMillis = s;
        l.downstreamLocal = remote;
        l.downstreamRemote = a.ip + ":" + ephApp;
        enqueue(a, writeNanos(s, l.durationMillis), l);
    }

    // ------------------------------------------------------------------------------------------------------
    // Other lines

    private void noise(SimPod p, long nanos) {
        int k = rnd.nextInt(10);
        String text;
        boolean stderr = false;
        switch (k) {
            case 0, 1 -> text = "info\txdsproxy\tconnected to delta upstream XDS server: " + istiod + "\tid="
                    + (2 + rnd.nextInt(30));
            case 2 -> text = "info\tcache\tgenerated new workload certificate\tresourceName=default latency="
                    + (40 + rnd.nextInt(200)) + "." + digits(6) + "ms ttl=23h59m59." + digits(9) + "s";
            case 3 -> text = "info\tcache\treturned workload certificate from cache\tttl=" + (1 + rnd.nextInt(22))
                    + "h" + rnd.nextInt(60) + "m" + rnd.nextInt(60) + "." + digits(9) + "s";
            case 4, 5 -> text = "info\tsds\tSDS: PUSH request for node:" + p.name + "." + p.namespace()
                    + " resources:1 size:4.0kB resource:default";
            case 6 -> text = "info\tcache\treturned workload trust anchor from cache\tttl=" + (1 + rnd.nextInt(22))
                    + "h" + rnd.nextInt(60) + "m" + rnd.nextInt(60) + "." + digits(9) + "s";
            case 7, 8 -> {
                stderr = true;
                text = "warning\tenvoy config external/envoy/source/extensions/config_subscription/grpc/"
                        + "grpc_stream.h:193\tDeltaAggregatedResources gRPC config stream to xds-grpc closed since "
                        + (1700 + rnd.nextInt(120)) + "s ago: 0, \tthread=" + (14 + rnd.nextInt(20));
            }
            default -> {
                stderr = true;
                text = "warning\tenvoy main external/envoy/source/server/server.cc:925\tthere is no configured "
                        + "limit to the number of allowed active downstream connections. Configure a limit in "
                        + "`envoy.resource_monitors.global_downstream_max_connections` resource monitor.\tthread="
                        + (14 + rnd.nextInt(20));
            }
        }
        enqueueText(p, nanos, text, stderr);
    }

    private void startupLines(SimPod p, long nanos) {
        String ns = p.namespace();
        String[] lines = {
            "info\tFLAG: --concurrency=\"2\"",
            "info\tFLAG: --domain=\"" + ns + ".svc.cluster.local\"",
            "info\tVersion 1.24.3-3a2ab3bda9b2b1b6b2e0b7b2c4ad0bb6bcb3d0f1-Clean",
            "info\tProxy role\tips=[" + p.ip + "] type=sidecar id=" + p.name + "." + ns + " domain=" + ns
                    + ".svc.cluster.local",
            "info\txdsproxy\tInitializing with upstream address \"" + istiod + "\" and cluster \"Kubernetes\"",
            "info\tcache\tgenerated new workload certificate\tresourceName=default latency=104." + digits(6)
                    + "ms ttl=23h59m59." + digits(9) + "s",
            "info\txdsproxy\tconnected to delta upstream XDS server: " + istiod + "\tid=1",
            "info\tReadiness succeeded in 1." + digits(9) + "s",
            "info\tEnvoy proxy is ready"
        };
        long t = nanos + 2_000_000;
        for (String l : lines) {
            t += 1_000_000 + rnd.nextInt(80_000_000);
            enqueueText(p, t, l, false);
        }
    }

    private void writeAppLogs() throws IOException {
        for (SimPod p : pods) {
            if (p.appContainer == null) continue;
            Path dir = podsRoot.resolve(p.dirName()).resolve(p.appContainer);
            Files.createDirectories(dir);
            StringBuilder b = new StringBuilder();
            long t = (startMs - 600_000 - rnd.nextInt(3_000_000)) * 1_000_000L;
            List<String> lines = new ArrayList<>();
            List<Long> times = new ArrayList<>();
            Workload w = p.workload;
            if (w.protocol() == Protocol.TCP) {
                lines.add("1:C " + redisDate(t) + " # oO0OoO0OoO0Oo Redis is starting oO0OoO0OoO0Oo");
                lines.add("1:M " + redisDate(t + 3_000_000) + " * Running mode=standalone, port=" + w.targetPort()
                        + ".");
                lines.add("1:M " + redisDate(t + 9_000_000) + " * Ready to accept connections tcp");
            } else {
                lines.add("level=info msg=\"starting " + w.name() + "\" version=1." + rnd.nextInt(9) + "."
                        + rnd.nextInt(20));
                lines.add("level=info msg=\"listening\" addr=\":" + (w.targetPort() > 0 ? w.targetPort() : 8080)
                        + "\"");
                lines.add("level=info msg=\"ready\"");
            }
            for (int i = 0; i < lines.size(); i++) times.add(t + i * 40_000_000L + rnd.nextInt(1_000_000));
            for (long m = startMs; m < endMs; m += 60_000) {
                long tt = m * 1_000_000L + rnd.nextLong(60_000_000_000L);
                if (tt >= endMs * 1_000_000L) break;
                times.add(tt);
                lines.add(w.protocol() == Protocol.TCP
                        ? "1:M " + redisDate(tt) + " * 100 changes in 300 seconds. Saving..."
                        : "level=info msg=\"stats\" requests=" + rnd.nextInt(5000) + " errors=" + rnd.nextInt(5));
            }
            for (int i = 0; i < lines.size(); i++) {
                fmt.appendCriTime(b, times.get(i));
                b.append(" stdout F ").append(lines.get(i)).append('\n');
            }
            appLines += lines.size();
            Files.writeString(dir.resolve("0.log"), b, UTF_8);
        }
    }

    private static String redisDate(long nanos) {
        java.time.LocalDateTime t = java.time.LocalDateTime.ofEpochSecond(Math.floorDiv(nanos, 1_000_000_000L),
                (int) Math.floorMod(nanos, 1_000_000_000L), java.time.ZoneOffset.UTC);
        return java.time.format.DateTimeFormatter.ofPattern("dd MMM yyyy HH:mm:ss.SSS", java.util.Locale.ROOT)
                .format(t);
    }

    // ------------------------------------------------------------------------------------------------------
    // Truth

    private SimResult.Truth buildTruth() {
        List<SimResult.IncidentTruth> its = new ArrayList<>();
        for (IncidentRt i : incidents) {
            Incident inc = i.inc;
            SimResult.Destination callee;
            if (inc.kind() == Incident.Kind.EGRESS_BLOCKED) {
                callee = new SimResult.Destination(null, inc.calleeService(), null);
            } else {
                Workload w = spec.serviceOwner(inc.calleeNamespace(), inc.calleeService());
                callee = new SimResult.Destination(inc.calleeNamespace(), w.serviceFqdn(), w.name());
            }
            its.add(new SimResult.IncidentTruth(inc.kind().name(),
                    new SimResult.Source(inc.callerNamespace(), inc.callerWorkload()), callee,
                    inc.start().toString(), inc.end().toString(), inc.fraction(), i.affected,
                    i.firstMs < 0 ? null : Instant.ofEpochMilli(i.firstMs).toString(),
                    i.lastMs < 0 ? null : Instant.ofEpochMilli(i.lastMs).toString()));
        }
        List<SimResult.Pod> ps = new ArrayList<>();
        for (SimPod p : pods) {
            List<String> containers = new ArrayList<>();
            if (p.appContainer != null) containers.add(p.appContainer);
            if (p.hasProxy()) containers.add("istio-proxy");
            ps.add(new SimResult.Pod(p.namespace(), p.name, p.uid, p.ip, p.node, p.workload.name(),
                    p.workload.kind().name(), p.hasProxy(), p.jsonKeyOrder != null, containers));
        }
        return new SimResult.Truth(spec.name(), cfg.seed(), cfg.start().toString(), cfg.end().toString(),
                accessLines + otherLines, accessLines, otherLines, appLines, truth.pairs(), its, ps, restarts);
    }

    // ------------------------------------------------------------------------------------------------------
    // Randomness helpers

    private int poisson(double lambda) {
        if (lambda <= 0) return 0;
        if (lambda < 30) {
            double limit = Math.exp(-lambda);
            double p = 1;
            int k = 0;
            do {
                k++;
                p *= rnd.nextDouble();
            } while (p > limit);
            return k - 1;
        }
        return (int) Math.max(0, Math.round(lambda + Math.sqrt(lambda) * rnd.nextGaussian()));
    }

    private int eph() {
        return 32768 + rnd.nextInt(61000 - 32768);
    }

    private String randomString(int n) {
        char[] c = new char[n];
        for (int i = 0; i < n; i++) c[i] = POD_ALPHABET.charAt(rnd.nextInt(POD_ALPHABET.length()));
        return new String(c);
    }

    private String digits(int n) {
        char[] c = new char[n];
        for (int i = 0; i < n; i++) c[i] = (char) ('0' + rnd.nextInt(10));
        return new String(c);
    }

    private String hex(int n) {
        char[] c = new char[n];
        for (int i = 0; i < n; i++) c[i] = HEX[rnd.nextInt(16)];
        return new String(c);
    }

    /** A random (version 4) UUID from the seeded generator. */
    private String uuid() {
        long hi = rnd.nextLong();
        long lo = rnd.nextLong();
        hi = (hi & ~0xF000L) | 0x4000L;
        lo = (lo & 0x3FFFFFFFFFFFFFFFL) | 0x8000000000000000L;
        char[] c = new char[36];
        int p = 0;
        for (int i = 15; i >= 0; i--) {
            c[p++] = HEX[(int) (hi >>> (i * 4)) & 15];
            if (p == 8 || p == 13) c[p++] = '-';
        }
        c[p++] = '-';
        for (int i = 15; i >= 0; i--) {
            c[p++] = HEX[(int) (lo >>> (i * 4)) & 15];
            if (p == 23) c[p++] = '-';
        }
        return new String(c);
    }

    private static final int[] PUBLIC_FIRST_OCTETS = {20, 23, 34, 40, 51, 52, 66, 73, 81, 86, 92, 98, 104, 109,
        151, 176, 185, 188, 213};

    private String publicIp() {
        return PUBLIC_FIRST_OCTETS[rnd.nextInt(PUBLIC_FIRST_OCTETS.length)] + "." + rnd.nextInt(256) + "."
                + rnd.nextInt(256) + "." + (1 + rnd.nextInt(254));
    }

    private String expand(String template, EdgeRt e) {
        if (template.indexOf('{') < 0) return template;
        StringBuilder b = new StringBuilder(template.length() + 40);
        int i = 0;
        while (i < template.length()) {
            char ch = template.charAt(i);
            if (ch != '{') {
                b.append(ch);
                i++;
                continue;
            }
            int close = template.indexOf('}', i);
            String name = template.substring(i + 1, close);
            switch (name) {
                case "id" -> b.append(1 + rnd.nextInt(999_999));
                case "sku" -> b.append("SKU-").append(10000 + rnd.nextInt(90000));
                case "uuid" -> b.append(uuid());
                case "hash" -> b.append(e.staticHash);
                case "page" -> b.append(1 + rnd.nextInt(40));
                case "token" -> b.append(hex(32));
                case "date" -> b.append(Instant.ofEpochMilli(startMs - 86_400_000L).toString(), 0, 10);
                default -> throw new IllegalArgumentException("unknown placeholder " + name);
            }
            i = close + 1;
        }
        return b.toString();
    }
}
