package io.meshpulse.app.alerts;

import java.io.IOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.UUID;

/**
 * A small, self-contained writer of kubelet CRI log files for the alert audit, written apart from
 * {@code io.meshpulse.sim} so that the audit does not share the simulator's assumptions. Each call writes what the
 * two sidecars of a real mesh would: the caller's outbound line and, when the request reached it, the server's
 * inbound line, in Istio's 1.23+ default TEXT format, under {@code var/log/pods/<ns>_<pod>_<uid>/istio-proxy/0.log},
 * each line stamped with its write time (start + duration), files in write order.
 */
final class CriMesh {
    /** One pod with a sidecar (or a gateway pod). */
    record Pod(String namespace, String name, String uid, String ip) {}

    /** What happened to one request, as the sidecars log it. */
    enum Outcome { OK, UC, UF, URX, APP_503 }

    private record Entry(long writeNanos, String line) {}

    private final Map<Pod, List<Entry>> files = new LinkedHashMap<>();
    private final Random rnd;
    private int ports = 30_000;

    CriMesh(long seed) {
        rnd = new Random(seed);
    }

    Pod pod(String namespace, String workload, String ip) {
        String hash = hex(10).replaceAll("[0-9a]", "b").substring(0, 10);
        Pod p = new Pod(namespace, workload + "-" + hash + "-" + hex(5).replace('a', 'x'), UUID.nameUUIDFromBytes(
                (namespace + workload + ip).getBytes(StandardCharsets.UTF_8)).toString(), ip);
        files.put(p, new ArrayList<>());
        return p;
    }

    /** A meshed call {@code client → host:port} served by {@code server}. */
    void call(Instant start, Pod client, Pod server, String host, String clusterIp, int port, String path,
              Outcome outcome) {
        String rid = UUID.randomUUID().toString();
        String auth = host + ":" + port;
        String cluster = "outbound|" + port + "||" + host;
        String ua = "\"Go-http-client/1.1\"";
        int cport = nextPort();
        String clientHead = "\"GET " + path + " HTTP/1.1\" ";
        long ms = start.toEpochMilli();
        switch (outcome) {
            case OK, APP_503 -> {
                int dur = 3 + rnd.nextInt(15);
                int code = outcome == Outcome.OK ? 200 : 503;
                int tx = outcome == Outcome.OK ? 200 + rnd.nextInt(800) : 19;
                add(client, ms, dur, clientHead + code + " - via_upstream - \"-\" 0 " + tx + " " + dur + " "
                        + (dur - 1) + " \"-\" " + ua + " \"" + rid + "\" \"" + auth + "\" \"" + server.ip() + ":" + port
                        + "\" " + cluster + " " + client.ip() + ":" + nextPort() + " " + clusterIp + ":" + port + " "
                        + client.ip() + ":" + cport + " - default");
                add(server, ms + 1, dur - 1, inbound(clientHead, code, "-", tx, dur - 1, ua, rid, auth, server, client,
                        port, host));
            }
            case UC -> {
                int dur = 1 + rnd.nextInt(20);
                add(client, ms, dur, clientHead + "503 UC upstream_reset_before_response_started{connection_termination}"
                        + " - \"-\" 0 95 " + dur + " - \"-\" " + ua + " \"" + rid + "\" \"" + auth + "\" \""
                        + server.ip() + ":" + port + "\" " + cluster + " " + client.ip() + ":" + nextPort() + " "
                        + clusterIp + ":" + port + " " + client.ip() + ":" + cport + " - default");
                // The connection between the sidecars was cut (the server pod going away, an idle-timeout race):
                // the server's sidecar has no request to log.
            }
            case UF -> {
                int dur = 1 + rnd.nextInt(3);
                add(client, ms, dur, clientHead + "503 UF,URX upstream_reset_before_response_started{connection_failure}"
                        + " - \"-\" 0 91 " + dur + " - \"-\" " + ua + " \"" + rid + "\" \"" + auth + "\" \""
                        + server.ip() + ":" + port + "\" " + cluster + " - " + clusterIp + ":" + port + " "
                        + client.ip() + ":" + cport + " - default");
            }
            case URX -> {
                // Three tries, each answered 503 by the server's app; the client gives up after the last.
                int dur = 20 + rnd.nextInt(30);
                add(client, ms, dur, clientHead + "503 URX via_upstream - \"-\" 0 19 " + dur + " " + (dur - 2)
                        + " \"-\" " + ua + " \"" + rid + "\" \"" + auth + "\" \"" + server.ip() + ":" + port + "\" "
                        + cluster + " " + client.ip() + ":" + nextPort() + " " + clusterIp + ":" + port + " "
                        + client.ip() + ":" + cport + " - default");
                for (int t = 0; t < 3; t++) {
                    add(server, ms + 1 + t * 7L, 3, inbound(clientHead, 503, "-", 19, 3, ua, rid, auth, server, client,
                            port, host));
                }
            }
        }
    }

    /**
     * A meshed call whose tries the server's app may cut ({@code perTryUc}): the server's sidecar logs each try,
     * 503 UC on its inbound side when the app dropped the connection; the client's sidecar retries a 503 twice
     * (Istio's default) and logs one line: 200 if a try succeeded, 503 URX otherwise.
     */
    void callWithRetries(Instant start, Pod client, Pod server, String host, String clusterIp, int port, String path,
                         double perTryUc) {
        retried(start, client, server, host, clusterIp, port, path, perTryUc, false);
    }

    /**
     * A meshed call whose tries the server's app answers 503 with probability {@code perTry503} each (an overloaded
     * or half-broken app): the server's sidecar logs each try, {@code 503 - via_upstream} for a failed one; the
     * client's sidecar retries a 503 twice (Istio's default) and logs one line: 200 if a try succeeded, 503 URX
     * otherwise. Tries fail independently, so most failed tries are hidden from the caller by a later success.
     */
    void callWithRetried503(Instant start, Pod client, Pod server, String host, String clusterIp, int port,
                            String path, double perTry503) {
        retried(start, client, server, host, clusterIp, port, path, perTry503, true);
    }

    private void retried(Instant start, Pod client, Pod server, String host, String clusterIp, int port, String path,
                         double perTryFailure, boolean app503) {
        double perTryUc = perTryFailure;
        String rid = UUID.randomUUID().toString();
        String auth = host + ":" + port;
        String ua = "\"Go-http-client/1.1\"";
        String head = "\"GET " + path + " HTTP/1.1\" ";
        long ms = start.toEpochMilli();
        boolean ok = false;
        int t = 0;
        long at = ms + 1;
        for (; t < 3 && !ok; t++) {
            int dur = 2 + rnd.nextInt(6);
            ok = rnd.nextDouble() >= perTryUc;
            add(server, at, dur, ok
                    ? inbound(head, 200, "-", 300, dur, ua, rid, auth, server, client, port, host)
                    : app503 ? inbound(head, 503, "-", 19, dur, ua, rid, auth, server, client, port, host)
                    : inbound(head, 503, "UC", 95, dur, ua, rid, auth, server, client, port, host)
                            .replace(" 503 UC via_upstream ", " 503 UC upstream_reset_before_response_started{connection_termination} "));
            at += dur + 1 + rnd.nextInt(25); // Envoy's retry back-off: 25 ms base
        }
        int total = (int) (at - ms);
        add(client, ms, total, head + (ok ? "200 - via_upstream" : "503 URX via_upstream") + " - \"-\" 0 "
                + (ok ? 300 : app503 ? 19 : 95) + " " + total + " " + (total - 1) + " \"-\" " + ua + " \"" + rid + "\" \"" + auth
                + "\" \"" + server.ip() + ":" + port + "\" outbound|" + port + "||" + host + " " + client.ip() + ":"
                + nextPort() + " " + clusterIp + ":" + port + " " + client.ip() + ":" + nextPort() + " - default");
    }

    /** A request from outside the mesh to a gateway pod that no route matches: 404 NR route_not_found. */
    void unroutedAtGateway(Instant start, Pod gateway, String callerIp, String host, String path, String ua) {
        add(gateway, start.toEpochMilli(), 0, "\"GET " + path + " HTTP/1.1\" 404 NR route_not_found - \"-\" 0 0 0 - \""
                + callerIp + "\" \"" + ua + "\" \"" + UUID.randomUUID() + "\" \"" + host + "\" \"-\" - - "
                + gateway.ip() + ":8080 " + callerIp + ":" + nextPort() + " - -");
    }

    /** A routed request from outside the mesh through a gateway pod to {@code server}. */
    void throughGateway(Instant start, Pod gateway, Pod server, String host, String clusterIp, int port,
                        String callerIp, String publicHost) {
        String rid = UUID.randomUUID().toString();
        int dur = 5 + rnd.nextInt(20);
        long ms = start.toEpochMilli();
        String head = "\"GET /products HTTP/2\" ";
        String ua = "\"Mozilla/5.0 (X11; Linux x86_64)\"";
        add(gateway, ms, dur, head + "200 - via_upstream - \"-\" 0 2048 " + dur + " " + (dur - 1) + " \"" + callerIp
                + "\" " + ua + " \"" + rid + "\" \"" + publicHost + "\" \"" + server.ip() + ":" + port + "\" outbound|"
                + port + "||" + host + " " + gateway.ip() + ":" + nextPort() + " " + gateway.ip() + ":8080 " + callerIp
                + ":" + nextPort() + " - -");
        add(server, ms + 1, dur - 1, inbound(head, 200, "-", 2048, dur - 1, ua, rid, publicHost, server, gateway, port,
                host));
    }

    private String inbound(String head, int code, String flags, int tx, int dur, String ua, String rid, String auth,
                           Pod server, Pod client, int port, String host) {
        return head + code + " " + flags + " via_upstream - \"-\" 0 " + tx + " " + dur + " "
                + Math.max(0, dur - 1) + " \"-\" " + ua + " \"" + rid + "\" \""
                + auth + "\" \"" + server.ip() + ":" + port + "\" inbound|" + port + "|| 127.0.0.6:" + nextPort() + " "
                + server.ip() + ":" + port + " " + client.ip() + ":" + nextPort() + " outbound_." + port + "_._." + host
                + " default";
    }

    private void add(Pod pod, long startMs, int durMs, String rest) {
        String ts = Instant.ofEpochMilli(startMs).toString();
        if (ts.length() == 20) ts = ts.substring(0, 19) + ".000Z"; // Envoy always prints milliseconds
        long write = (startMs + durMs) * 1_000_000L + rnd.nextInt(1_000_000);
        files.get(pod).add(new Entry(write, "[" + ts + "] " + rest));
    }

    /** Writes every pod's file under {@code root/var/log/pods}; returns that folder. */
    Path write(Path root) throws IOException {
        Path pods = root.resolve("var/log/pods");
        for (Map.Entry<Pod, List<Entry>> e : files.entrySet()) {
            Pod p = e.getKey();
            Path dir = pods.resolve(p.namespace() + "_" + p.name() + "_" + p.uid()).resolve("istio-proxy");
            Files.createDirectories(dir);
            List<Entry> lines = new ArrayList<>(e.getValue());
            lines.sort(Comparator.comparingLong(Entry::writeNanos));
            try (Writer w = Files.newBufferedWriter(dir.resolve("0.log"), StandardCharsets.UTF_8)) {
                for (Entry l : lines) {
                    w.write(cri(l.writeNanos()));
                    w.write(" stdout F ");
                    w.write(l.line());
                    w.write('\n');
                }
            }
        }
        return pods;
    }

    /** RFC 3339 with nanoseconds, trailing zeros trimmed as Go's RFC3339Nano does. */
    private static String cri(long nanos) {
        Instant i = Instant.ofEpochSecond(Math.floorDiv(nanos, 1_000_000_000L), Math.floorMod(nanos, 1_000_000_000L));
        return i.toString();
    }

    private int nextPort() {
        ports = ports >= 60_000 ? 30_000 : ports + 1 + rnd.nextInt(7);
        return ports;
    }

    private String hex(int n) {
        StringBuilder b = new StringBuilder();
        String d = "bcdfghjklmnpqrstvwxz2456789";
        for (int i = 0; i < n; i++) b.append(d.charAt(rnd.nextInt(d.length())));
        return b.toString();
    }

    /**
     * {@code perSecond} request start times in each second of {@code [from, to)}, spread at random within the
     * second (exact counts, so a rate is what the test says it is).
     */
    List<Instant> arrivals(Instant from, Instant to, double perSecond) {
        List<Instant> out = new ArrayList<>();
        double carry = 0;
        for (long s = from.getEpochSecond(); s < to.getEpochSecond(); s++) {
            carry += perSecond;
            int n = (int) carry;
            carry -= n;
            for (int i = 0; i < n; i++) out.add(Instant.ofEpochMilli(s * 1000 + rnd.nextInt(1000)));
        }
        out.sort(null);
        return out;
    }

    Random random() {
        return rnd;
    }
}
