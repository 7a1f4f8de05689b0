package io.meshpulse.topology;

import java.time.Instant;

/**
 * Builds an access-log line in Istio's default TEXT layout (1.23+), for tests. Defaults describe a successful
 * HTTP call; each setter changes one field as the proxy would print it.
 */
public final class IstioLine {
    private Instant start = Instant.parse("2026-11-20T10:00:00.000Z");
    private String request = "GET /api/v1/items HTTP/1.1";
    private int code = 200;
    private String flags = "-";
    private String details = "via_upstream";
    private String termination = "-";
    private long duration = 12;
    private String authority = "-";
    private String upstreamHost = "-";
    private String cluster = "-";
    private String upstreamLocal = "-";
    private String downstreamLocal = "-";
    private String downstreamRemote = "-";
    private String sni = "-";
    private String route = "default";

    /** A client sidecar's line for a call from the pod at {@code clientIp} to {@code service} (FQDN) served by {@code serverIp}. */
    public static IstioLine outbound(String clientIp, String service, String serverIp) {
        IstioLine l = new IstioLine();
        l.cluster = "outbound|8080||" + service;
        l.authority = service + ":8080";
        l.upstreamHost = serverIp + ":8080";
        l.upstreamLocal = clientIp + ":41234";
        l.downstreamLocal = "10.0.12.7:8080";
        l.downstreamRemote = clientIp + ":38012";
        return l;
    }

    /** A server sidecar's line for a call from {@code callerIp} to the pod at {@code serverIp}, over Istio mTLS. */
    public static IstioLine inbound(String callerIp, String serverIp, String service) {
        IstioLine l = new IstioLine();
        l.cluster = "inbound|8080||";
        l.authority = service + ":8080";
        l.upstreamHost = serverIp + ":8080";
        l.upstreamLocal = "127.0.0.6:51234";
        l.downstreamLocal = serverIp + ":8080";
        l.downstreamRemote = callerIp + ":38012";
        l.sni = "outbound_.8080_._." + service;
        return l;
    }

    /**
     * A server sidecar's line for a plaintext connection refused by a port that only accepts mTLS (a caller without
     * a sidecar): {@code 0 NR filter_chain_not_found}, no cluster, no SNI, no authority; only the addresses say
     * which pod and port were reached.
     */
    public static IstioLine refusedPlaintext(String callerIp, String serverIp) {
        IstioLine l = new IstioLine();
        l.request = "- - -";
        l.code = 0;
        l.flags = "NR";
        l.details = "filter_chain_not_found";
        l.duration = 0;
        l.downstreamLocal = serverIp + ":8080";
        l.downstreamRemote = callerIp + ":40000";
        l.route = "-";
        return l;
    }

    /** The port the caller reached on the server's (or the proxy's) local address. */
    public IstioLine localPort(int port) {
        downstreamLocal = downstreamLocal.substring(0, downstreamLocal.lastIndexOf(':') + 1) + port;
        if (cluster.startsWith("inbound|")) cluster = "inbound|" + port + "||";
        return this;
    }

    /** The SNI of an Istio mTLS connection to {@code service} (FQDN) on its port {@code servicePort}. */
    public IstioLine sni(String service, int servicePort) {
        sni = "outbound_." + servicePort + "_._." + service;
        authority = service + ":" + servicePort;
        return this;
    }

    /** No upstream host: the proxy found no endpoint to send the call to (a client's {@code 503 UH}, say). */
    public IstioLine noUpstreamHost() {
        upstreamHost = "-";
        return this;
    }

    /** No SNI: the connection was not Istio mTLS. */
    public IstioLine sniNone() {
        sni = "-";
        return this;
    }

    public IstioLine at(Instant t) {
        start = t;
        return this;
    }

    public IstioLine at(String rfc3339) {
        return at(Instant.parse(rfc3339));
    }

    public IstioLine code(int c) {
        code = c;
        return this;
    }

    public IstioLine flags(String f) {
        flags = f;
        return this;
    }

    public IstioLine details(String d) {
        details = d;
        return this;
    }

    public IstioLine duration(long ms) {
        duration = ms;
        return this;
    }

    public IstioLine request(String methodPathProtocol) {
        this.request = methodPathProtocol;
        return this;
    }

    /** 503 UC as a client pinned to plaintext sees it against a STRICT server. */
    public IstioLine uc() {
        return code(503).flags("UC").details("upstream_reset_before_response_started{connection_termination}");
    }

    public String text() {
        return "[" + start + "] \"" + request + "\" " + code + " " + flags + " " + details + " " + termination
                + " \"-\" 0 295 " + duration + " " + Math.max(0, duration - 1) + " \"-\" \"curl/8.5.0\" "
                + "\"6f1c2e4a-9d7b-4c1e-8a3f-2b5d7e9c1a04\" \"" + authority + "\" \"" + upstreamHost + "\" " + cluster
                + " " + upstreamLocal + " " + downstreamLocal + " " + downstreamRemote + " " + sni + " " + route;
    }
}
