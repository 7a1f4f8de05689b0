package io.meshpulse.topology.parse;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Turns byte ranges of a line into the values a record keeps.
 *
 * <p>Upstream clusters, response-code and termination details and response flags go through per-parser
 * {@link ByteCache}s keyed by their bytes, because what the classifier needs from them (direction, black hole,
 * cause keyword, RBAC policy, the deciding flag) is worked out once per distinct value and kept beside it.
 *
 * <p>Free-text values (paths, authorities, hosts, addresses, user agents) are decoded straight from the bytes: the
 * same kind of cache for them was measured (thread CPU time, cached and uncached parsers interleaved in one JVM)
 * about 12 % slower per line than allocating, since a hit still hashes and compares every byte while a fresh
 * short-lived String is a vectorised copy that young-generation GC reclaims almost for free.
 *
 * <p>Well-known values (methods, protocols, flags, common details, routes, the special clusters) are always the
 * same shared String instance. Not thread-safe; each parser owns one.
 */
final class TokenCache {

    static final String[] METHODS = {"GET", "POST", "PUT", "DELETE", "PATCH", "HEAD", "OPTIONS", "CONNECT", "TRACE"};
    static final String[] PROTOCOLS = {"HTTP/1.1", "HTTP/2", "HTTP/1.0", "HTTP/3"};
    static final String[] ROUTES = {"default", "allow_any", "block_all", "allow_any_dynamic_dns"};
    static final String[] CLUSTERS = {
        "PassthroughCluster", "BlackHoleCluster", "InboundPassthroughCluster", "InboundPassthroughClusterIpv4",
        "InboundPassthroughClusterIpv6", "AllowAnyDynamicDNSCluster",
    };
    static final String[] DETAILS = {
        "via_upstream", "route_not_found", "filter_chain_not_found", "no_healthy_upstream", "response_timeout",
        "cluster_not_found", "direct_response", "downstream_remote_disconnect",
        "rbac_access_denied_matched_policy[none]", "ext_authz_denied", "ext_authz_error", "local_rate_limited",
        "request_rate_limited", "upstream_per_try_timeout", "http2.remote_reset", "http1.codec_error",
        "stream_idle_timeout", "fault_filter_abort", "request_overall_timeout",
        "upstream_reset_before_response_started{connection_failure}",
        "upstream_reset_before_response_started{connection_termination}",
        "upstream_reset_after_response_started{connection_termination}",
        "upstream_reset_after_response_started{remote_reset}",
        "upstream_reset_before_response_started{remote_reset}",
        "upstream_reset_before_response_started{overflow}",
        "upstream_reset_before_response_started{local_reset}",
        "upstream_reset_after_response_started{protocol_error}",
        "upstream_reset_before_response_started{protocol_error}",
        "upstream_reset_before_response_started{connection_timeout}",
    };
    static final String[] FLAGS = FailureClass.FLAG_PRIORITY.toArray(new String[0]);

    private static final byte[][] PROTOCOL_BYTES = ascii(PROTOCOLS);
    private static final byte[][] ROUTE_BYTES = ascii(ROUTES);

    private static final Map<String, String> KNOWN = new HashMap<>();
    private static final Map<String, String> LONG_FLAG_NAMES = new HashMap<>();
    private static final Map<String, List<String>> SINGLE_FLAGS = new HashMap<>();
    /** Marks a cached RESPONSE_FLAGS value that is not a valid flag list. */
    private static final Object BAD_FLAGS = new Object();

    static {
        for (String[] set : new String[][] {METHODS, PROTOCOLS, ROUTES, CLUSTERS, DETAILS, FLAGS}) {
            for (String k : set) KNOWN.put(k, k);
        }
        for (String f : FLAGS) SINGLE_FLAGS.put(f, List.of(f));
        String[][] longNames = {
            {"FailedLocalHealthCheck", "LH"}, {"NoHealthyUpstream", "UH"}, {"UpstreamRequestTimeout", "UT"},
            {"LocalReset", "LR"}, {"UpstreamRemoteReset", "UR"}, {"UpstreamConnectionFailure", "UF"},
            {"UpstreamConnectionTermination", "UC"}, {"UpstreamOverflow", "UO"}, {"NoRouteFound", "NR"},
            {"DelayInjected", "DI"}, {"FaultInjected", "FI"}, {"RateLimited", "RL"},
            {"UnauthorizedExternalService", "UAEX"}, {"RateLimitServiceError", "RLSE"},
            {"DownstreamConnectionTermination", "DC"}, {"UpstreamRetryLimitExceeded", "URX"},
            {"StreamIdleTimeout", "SI"}, {"InvalidEnvoyRequestHeaders", "IH"}, {"DownstreamProtocolError", "DPE"},
            {"UpstreamMaxStreamDurationReached", "UMSDR"}, {"ResponseFromCacheFilter", "RFCF"},
            {"NoFilterConfigFound", "NFCF"}, {"DurationTimeout", "DT"}, {"UpstreamProtocolError", "UPE"},
            {"NoClusterFound", "NC"}, {"OverloadManagerTerminated", "OM"}, {"DnsResolutionFailed", "DF"},
            {"DropOverload", "DO"}, {"DownstreamRemoteReset", "DR"}, {"UnconditionalDropOverload", "UDO"},
        };
        for (String[] pair : longNames) LONG_FLAG_NAMES.put(pair[0], known(pair[1]));
    }

    private final ByteCache clusters = new ByteCache(2048);
    private final ByteCache details = new ByteCache(512);
    private final ByteCache flagSets = new ByteCache(512);

    private static byte[][] ascii(String[] values) {
        byte[][] out = new byte[values.length][];
        for (int i = 0; i < values.length; i++) out[i] = values[i].getBytes(java.nio.charset.StandardCharsets.US_ASCII);
        return out;
    }

    /** The shared instance of a well-known value, or {@code s} itself. */
    static String known(String s) {
        String k = KNOWN.get(s);
        return k != null ? k : s;
    }

    /** The candidate whose bytes equal {@code b[s, e)}, or null. */
    private static String match(byte[] b, int s, int e, String[] candidates, byte[][] bytes) {
        int len = e - s;
        outer:
        for (int c = 0; c < bytes.length; c++) {
            byte[] k = bytes[c];
            if (k.length != len) continue;
            for (int i = 0; i < len; i++) {
                if (k[i] != b[s + i]) continue outer;
            }
            return candidates[c];
        }
        return null;
    }

    /** {@link #METHODS} as little-endian words, to compare with the first bytes of a request line at once. */
    private static final long[] METHOD_WORDS = new long[METHODS.length];

    static {
        for (int i = 0; i < METHODS.length; i++) {
            long w = 0;
            for (int j = METHODS[i].length() - 1; j >= 0; j--) w = w << 8 | METHODS[i].charAt(j);
            METHOD_WORDS[i] = w;
        }
    }

    /**
     * The index in {@link #METHODS} of the method spelled by the first {@code len} bytes of {@code word} (a
     * little-endian read of a request line), or -1: the length and the first letter leave one candidate.
     */
    static int knownMethod(long word, int len) {
        int first = (int) (word & 0xff);
        int k;
        switch (len) {
            case 3:
                k = first == 'G' ? 0 : 2; // GET PUT
                break;
            case 4:
                k = first == 'P' ? 1 : 5; // POST HEAD
                break;
            case 5:
                k = first == 'P' ? 4 : 8; // PATCH TRACE
                break;
            case 6:
                k = 3; // DELETE
                break;
            case 7:
                k = first == 'O' ? 6 : 7; // OPTIONS CONNECT
                break;
            default:
                return -1;
        }
        return ((word ^ METHOD_WORDS[k]) & ((1L << (len << 3)) - 1)) == 0 ? k : -1;
    }

    /** An HTTP method, {@code -} excluded by the caller: the shared constant for the standard ones. */
    static String method(byte[] b, int s, int e) {
        // the length and the first letter leave one candidate to compare
        String m;
        switch (e - s) {
            case 3:
                m = b[s] == 'G' ? "GET" : "PUT";
                break;
            case 4:
                m = b[s] == 'P' ? "POST" : "HEAD";
                break;
            case 5:
                m = b[s] == 'P' ? "PATCH" : "TRACE";
                break;
            case 6:
                m = "DELETE";
                break;
            case 7:
                m = b[s] == 'O' ? "OPTIONS" : "CONNECT";
                break;
            default:
                m = null;
        }
        return m != null && ByteText.startsWithAscii(b, s, e, m) ? m : ByteText.string(b, s, e);
    }

    /** A protocol, {@code -} excluded by the caller: the shared constant for the HTTP versions. */
    static String protocol(byte[] b, int s, int e) {
        String p = match(b, s, e, PROTOCOLS, PROTOCOL_BYTES);
        return p != null ? p : ByteText.string(b, s, e);
    }

    /** The shared constant when {@code b[s, e)} is one of Istio's own route names, else null. */
    static String knownRoute(byte[] b, int s, int e) {
        return match(b, s, e, ROUTES, ROUTE_BYTES);
    }

    /** A route name: the shared constant for Istio's own routes; null for {@code -}. */
    static String route(byte[] b, int s, int e) {
        if (e - s == 1 && b[s] == '-') return null;
        String r = match(b, s, e, ROUTES, ROUTE_BYTES);
        return r != null ? r : ByteText.string(b, s, e);
    }

    /** Response-code or termination details with their classification facts; {@link Details#NONE} for {@code -}. */
    Details details(byte[] b, int s, int e) {
        if (e - s == 1 && b[s] == '-') return Details.NONE;
        Object v = details.lookup(b, s, e);
        if (v != null) return (Details) v;
        Details d = Details.of(known(ByteText.string(b, s, e)));
        details.put(b, s, e, d);
        return d;
    }

    /**
     * The upstream cluster with its classification facts; {@link ClusterInfo#NONE} for {@code -}. The caller has
     * already dropped one trailing {@code ;}.
     */
    ClusterInfo cluster(byte[] b, int s, int e) {
        if (e - s == 1 && b[s] == '-') return ClusterInfo.NONE;
        Object v = clusters.lookup(b, s, e);
        if (v != null) return (ClusterInfo) v;
        ClusterInfo c = ClusterInfo.of(known(ByteText.string(b, s, e)));
        clusters.put(b, s, e, c);
        return c;
    }

    /**
     * The flag set for a RESPONSE_FLAGS value ({@code -} or empty gives the empty set). Items are split on
     * {@code ,}; Envoy long names ({@code NoRouteFound}) map to their short code. Returns null when an item is
     * neither an upper-case code nor a known long name.
     */
    FlagSet flags(byte[] b, int s, int e) {
        int len = e - s;
        if (len == 0 || (len == 1 && b[s] == '-')) return FlagSet.EMPTY;
        Object v = flagSets.lookup(b, s, e);
        if (v == null) {
            List<String> parsed = splitFlags(ByteText.string(b, s, e));
            v = parsed == null ? BAD_FLAGS : FlagSet.of(parsed);
            flagSets.put(b, s, e, v);
        }
        return v == BAD_FLAGS ? null : (FlagSet) v;
    }

    private static List<String> splitFlags(String text) {
        List<String> single = SINGLE_FLAGS.get(text);
        if (single != null) return single;
        List<String> out = new ArrayList<>(2);
        int s = 0;
        int n = text.length();
        while (s <= n) {
            int e = text.indexOf(',', s);
            if (e < 0) e = n;
            if (e == s) return null;
            String item = text.substring(s, e);
            boolean upper = true;
            for (int i = 0; i < item.length(); i++) {
                char c = item.charAt(i);
                if (c < 'A' || c > 'Z') {
                    upper = false;
                    break;
                }
            }
            if (upper) {
                out.add(known(item));
            } else {
                String shortName = LONG_FLAG_NAMES.get(item);
                if (shortName == null) return null;
                out.add(shortName);
            }
            s = e + 1;
        }
        return List.copyOf(out);
    }

    /** A RESPONSE_FLAGS value as a list, with the flag that decides the failure class worked out once. */
    static final class FlagSet {
        static final FlagSet EMPTY = new FlagSet(List.of());

        final List<String> list;
        /** {@link Classifier#priorityFlag}: the flag that decides the class, or null. */
        final String priority;
        final boolean hasNoRoute;

        private FlagSet(List<String> list) {
            this.list = list;
            this.priority = Classifier.priorityFlag(list);
            this.hasNoRoute = list.contains("NR");
        }

        static FlagSet of(List<String> list) {
            return list.isEmpty() ? EMPTY : new FlagSet(list);
        }
    }

    /** A details value (response code or connection termination) with what the classifier reads from it. */
    static final class Details {
        static final Details NONE = new Details(null);

        final String value;
        /** Starts with {@code rbac_access_denied}. */
        final boolean rbac;
        /** {@link Classifier#cause(String)}. */
        final String cause;
        /** {@link Classifier#rbacPolicy(String)}. */
        final String rbacPolicy;

        private Details(String value) {
            this.value = value;
            this.rbac = value != null && value.startsWith(Classifier.RBAC_DETAILS_PREFIX);
            this.cause = Classifier.cause(value);
            this.rbacPolicy = Classifier.rbacPolicy(value);
        }

        static Details of(String value) {
            return value == null ? NONE : new Details(value);
        }
    }

    /** An upstream cluster with what the classifier reads from it. */
    static final class ClusterInfo {
        static final ClusterInfo NONE = new ClusterInfo(null);

        /** The cluster with one more trailing {@code ;} dropped (Istio 1.23+ alt_stat_name), or null. */
        final String name;
        final boolean blackHole;
        /** The direction the cluster alone decides, or null when it does not. */
        final Direction direction;

        private ClusterInfo(String raw) {
            String c = raw;
            if (c != null && c.endsWith(";")) c = c.length() == 1 ? null : known(c.substring(0, c.length() - 1));
            this.name = c;
            this.blackHole = Classifier.BLACK_HOLE.equals(c);
            this.direction = Classifier.clusterDirection(c);
        }

        static ClusterInfo of(String raw) {
            return raw == null ? NONE : new ClusterInfo(raw);
        }
    }
}
