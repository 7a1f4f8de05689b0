package io.meshpulse.topology.parse.legacy;

import io.meshpulse.topology.parse.AccessLogRecord;
import io.meshpulse.topology.parse.Direction;
import io.meshpulse.topology.parse.FailureClass;
import io.meshpulse.topology.parse.LogFormat;
import io.meshpulse.topology.parse.ParseResult;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Turns ranges of a line into Strings, handing back one shared instance for well-known values.
 *
 * <p>Fields whose values come from a small set (methods, protocols, flags, common response-code details, route
 * names, the special clusters) are compared against a short, frequency-ordered candidate list, so the usual
 * value costs a length check and one short comparison and allocates nothing. Open-ended values (paths, hosts,
 * cluster names, addresses) are plain substrings: a per-parser cache for them was tried and measured slower,
 * because hashing and comparing a range is scalar work while {@code substring} is a vectorised copy into a
 * short-lived object.
 *
 * <p>Not thread-safe (the multi-flag list cache); each parser owns one.
 */
final class LegacyTokenCache {

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

    private static final int FLAG_LISTS_MAX = 512;
    private static final Map<String, String> KNOWN = new HashMap<>();
    private static final Map<String, String> LONG_FLAG_NAMES = new HashMap<>();
    private static final Map<String, List<String>> SINGLE_FLAGS = new HashMap<>();

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

    private final Map<String, List<String>> flagLists = new HashMap<>();

    /** The shared instance of a well-known value, or {@code s} itself. */
    static String known(String s) {
        String k = KNOWN.get(s);
        return k != null ? k : s;
    }

    /** {@code src[start, end)} as a new String, or null for a lone {@code -} (Envoy's "unset"). */
    static String value(String src, int start, int end) {
        if (end - start == 1 && src.charAt(start) == '-') return null;
        return src.substring(start, end);
    }

    /** Like {@link #value}, but returns the matching candidate instance when there is one. */
    static String pick(String src, int start, int end, String[] candidates) {
        int len = end - start;
        if (len == 1 && src.charAt(start) == '-') return null;
        String k = match(src, start, end, candidates);
        return k != null ? k : src.substring(start, end);
    }

    /** The candidate equal to {@code src[start, end)}, or null. */
    static String match(String src, int start, int end, String[] candidates) {
        int len = end - start;
        for (String c : candidates) {
            if (c.length() == len && src.startsWith(c, start)) return c;
        }
        return null;
    }

    /**
     * The flag list for a RESPONSE_FLAGS value ({@code -} gives the empty list). Items are split on {@code ,};
     * Envoy long names ({@code NoRouteFound}) map to their short code. Returns null when an item is neither an
     * upper-case code nor a known long name.
     */
    List<String> flags(String src, int start, int end) {
        int len = end - start;
        if (len == 0 || (len == 1 && src.charAt(start) == '-')) return List.of();
        String single = match(src, start, end, FLAGS);
        if (single != null) return SINGLE_FLAGS.get(single);
        String text = src.substring(start, end);
        List<String> cached = flagLists.get(text);
        if (cached != null) return cached;
        List<String> parsed = splitFlags(text);
        if (parsed == null) return null;
        if (flagLists.size() >= FLAG_LISTS_MAX) flagLists.clear();
        flagLists.put(text, parsed);
        return parsed;
    }

    private static List<String> splitFlags(String text) {
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
}
