package io.meshpulse.bench;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Random;

/**
 * Builds a reproducible corpus of istio-proxy access-log lines (Istio 1.23+ TEXT layout and the typed JSON
 * encoding) from a fixed seed: mostly successes, plus the failure shapes the parser must classify (UC, UF+URX, NR,
 * RBAC, TCP, ingress-gateway lines).
 */
final class AccessLogCorpus {

    private static final String[] SERVICES = {
        "reviews.bookinfo", "ratings.bookinfo", "details.bookinfo", "productpage.bookinfo", "cart.shop",
        "checkout.shop", "payments.shop", "catalog.shop", "search.shop", "users.auth",
    };
    private static final String[] PATHS = {
        "/", "/api/v1/reviews/0", "/ratings/7", "/details/1", "/productpage", "/cart/items?id=42",
        "/checkout/confirm", "/healthz", "/api/v2/search?q=red+shoes&page=3", "/users/me/profile",
    };
    private static final String[] AGENTS = {
        "curl/8.5.0", "Go-http-client/1.1", "okhttp/4.12.0", "python-requests/2.31.0",
        "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0 Safari/537.36",
        "grpc-java-netty/1.63.0", "kube-probe/1.29",
    };
    private static final String[] METHODS = {"GET", "GET", "GET", "POST", "PUT", "DELETE"};

    final String[] text;
    final String[] json;

    private AccessLogCorpus(String[] text, String[] json) {
        this.text = text;
        this.json = json;
    }

    static AccessLogCorpus generate(int lines, long seed) {
        Random r = new Random(seed);
        String[] text = new String[lines];
        String[] json = new String[lines];
        long t = Instant.parse("2025-03-14T08:00:00Z").toEpochMilli();
        for (int i = 0; i < lines; i++) {
            t += r.nextInt(40);
            Line l = line(r, t);
            text[i] = l.text();
            json[i] = l.json();
        }
        return new AccessLogCorpus(text, json);
    }

    /** All lines joined with '\n' (and a final '\n'), UTF-8. */
    static byte[] joined(String[] lines) {
        StringBuilder sb = new StringBuilder(lines.length * 400);
        for (String s : lines) sb.append(s).append('\n');
        return sb.toString().getBytes(StandardCharsets.UTF_8);
    }

    private static String ip(Random r, String prefix) {
        return prefix + r.nextInt(250) + "." + (1 + r.nextInt(250));
    }

    private static Line line(Random r, long millis) {
        Line l = new Line();
        l.start = Instant.ofEpochMilli(millis).toString();
        if (l.start.length() == 20) l.start = l.start.replace("Z", ".000Z");
        String svc = SERVICES[r.nextInt(SERVICES.length)];
        int port = 8080 + r.nextInt(3);
        l.method = METHODS[r.nextInt(METHODS.length)];
        l.path = PATHS[r.nextInt(PATHS.length)];
        l.protocol = r.nextInt(4) == 0 ? "HTTP/2" : "HTTP/1.1";
        l.code = 200;
        l.flags = "-";
        l.details = "via_upstream";
        l.rx = r.nextInt(4) == 0 ? r.nextInt(4000) : 0;
        l.tx = 50 + r.nextInt(20000);
        l.duration = 1 + r.nextInt(300);
        l.ust = Long.toString(Math.max(0, l.duration - r.nextInt(3)));
        l.ua = AGENTS[r.nextInt(AGENTS.length)];
        l.rid = new java.util.UUID(r.nextLong(), r.nextLong()).toString();
        l.authority = svc.substring(0, svc.indexOf('.')) + ":" + port;
        l.upstreamHost = ip(r, "10.244.") + ":" + port;
        l.cluster = "outbound|" + port + "||" + svc + ".svc.cluster.local";
        l.ula = ip(r, "10.244.") + ":" + (30000 + r.nextInt(30000));
        l.dla = ip(r, "10.96.") + ":" + port;
        l.dra = ip(r, "10.244.") + ":" + (30000 + r.nextInt(30000));
        l.route = "default";
        int kind = r.nextInt(100);
        if (kind < 8) { // inbound side of a call
            l.cluster = "inbound|" + port + "||";
            l.ula = "127.0.0.6:" + (30000 + r.nextInt(30000));
            l.dla = l.upstreamHost;
            l.sni = "outbound_." + port + "_._." + svc + ".svc.cluster.local";
        } else if (kind < 13) {
            l.code = 503; l.flags = "UC"; l.ust = null; l.tx = 95;
            l.details = "upstream_reset_before_response_started{connection_termination}";
        } else if (kind < 18) {
            l.code = 503; l.flags = r.nextBoolean() ? "UF,URX" : "URX,UF"; l.ust = null; l.tx = 91; l.ula = null;
            l.details = "upstream_reset_before_response_started{connection_failure,delayed_connect_error:_111}";
        } else if (kind < 21) {
            l.code = 404; l.flags = "NR"; l.details = "route_not_found"; l.ust = null; l.tx = 0;
            l.cluster = null; l.route = null; l.upstreamHost = null; l.ula = null;
        } else if (kind < 24) {
            l.code = 403; l.details = "rbac_access_denied_matched_policy[ns[shop]-policy[deny-anon]-rule[0]]";
            l.cluster = "inbound|" + port + "||"; l.ust = null; l.tx = 19; l.ula = null;
        } else if (kind < 30) { // TCP
            l.method = null; l.path = null; l.protocol = null; l.code = 0; l.details = null; l.ust = null;
            l.ua = null; l.rid = null; l.authority = null; l.route = null; l.duration = 1000 + r.nextInt(60000);
            l.cluster = "outbound|5432||postgres.db.svc.cluster.local"; l.upstreamHost = ip(r, "10.244.") + ":5432";
            l.dla = ip(r, "10.96.") + ":5432";
        } else if (kind < 40) { // ingress gateway
            l.xff = ip(r, "203.0.") + (r.nextBoolean() ? ", " + ip(r, "10.0.") : "");
            l.dla = ip(r, "10.244.") + ":8080";
            l.authority = "shop.example.com";
            l.sni = "shop.example.com";
            l.route = "shop-vs.shop.0";
        }
        return l;
    }

    /** One request, rendered in both encodings. */
    private static final class Line {
        String start;
        String method;
        String path;
        String protocol;
        int code;
        String flags;
        String details;
        String termination;
        String utfr;
        long rx;
        long tx;
        long duration;
        String ust;
        String xff;
        String ua;
        String rid;
        String authority;
        String upstreamHost;
        String cluster;
        String ula;
        String dla;
        String dra;
        String sni;
        String route;

        private static String d(String v) {
            return v == null ? "-" : v;
        }

        String text() {
            return "[" + start + "] \"" + d(method) + " " + d(path) + " " + d(protocol) + "\" " + code + " " + flags
                    + " " + d(details) + " " + d(termination) + " \"" + d(utfr) + "\" " + rx + " " + tx + " "
                    + duration + " " + d(ust) + " \"" + d(xff) + "\" \"" + d(ua) + "\" \"" + d(rid) + "\" \""
                    + d(authority) + "\" \"" + d(upstreamHost) + "\" " + d(cluster) + " " + d(ula) + " " + d(dla)
                    + " " + d(dra) + " " + d(sni) + " " + d(route);
        }

        private static String q(String v) {
            return v == null ? "null" : "\"" + v.replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
        }

        /** Typed-era JSON in Istio's key order. */
        String json() {
            return "{\"start_time\":" + q(start) + ",\"route_name\":" + q(route) + ",\"method\":" + q(method)
                    + ",\"path\":" + q(path) + ",\"protocol\":" + q(protocol) + ",\"response_code\":" + code
                    + ",\"response_flags\":" + q(flags) + ",\"response_code_details\":" + q(details)
                    + ",\"connection_termination_details\":" + q(termination) + ",\"bytes_received\":" + rx
                    + ",\"bytes_sent\":" + tx + ",\"duration\":" + duration + ",\"upstream_service_time\":" + q(ust)
                    + ",\"x_forwarded_for\":" + q(xff) + ",\"user_agent\":" + q(ua) + ",\"request_id\":" + q(rid)
                    + ",\"authority\":" + q(authority) + ",\"upstream_host\":" + q(upstreamHost)
                    + ",\"upstream_cluster\":" + q(cluster) + ",\"upstream_local_address\":" + q(ula)
                    + ",\"downstream_local_address\":" + q(dla) + ",\"downstream_remote_address\":" + q(dra)
                    + ",\"requested_server_name\":" + q(sni) + ",\"upstream_transport_failure_reason\":" + q(utfr)
                    + "}";
        }
    }
}
