package io.meshpulse.topology.parse;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Turns character ranges of a line into Strings without allocating for values that repeat.
 *
 * <p>Two levels: a static table of well-known values (methods, protocols, flags, common details, route and
 * cluster names) that is never evicted, so those fields always share one instance; and a per-instance
 * direct-mapped cache for everything else that repeats (clusters, authorities, user agents, pod addresses).
 * A miss costs one hash pass and one substring, which the parser would pay anyway.
 *
 * <p>Not thread-safe: each parser owns one.
 */
final class TokenCache {

    /** Values longer than this are not cached: they are rarely repeated and comparing them costs more. */
    private static final int MAX_CACHED_LENGTH = 96;
    private static final int SLOTS = 4096;
    private static final int FLAG_LISTS_MAX = 512;

    private static final String[] KNOWN = new String[512];
    private static final Map<String, String> LONG_FLAG_NAMES = new HashMap<>();

    static {
        String[] known = {
            "GET", "POST", "PUT", "DELETE", "PATCH", "HEAD", "OPTIONS", "CONNECT", "TRACE",
            "HTTP/1.0", "HTTP/1.1", "HTTP/2", "HTTP/3",
            "via_upstream", "route_not_found", "filter_chain_not_found", "no_healthy_upstream",
            "response_timeout", "cluster_not_found", "ext_authz_denied", "ext_authz_error", "direct_response",
            "local_rate_limited", "request_rate_limited", "downstream_remote_disconnect",
            "rbac_access_denied_matched_policy[none]", "upstream_per_try_timeout", "http2.remote_reset",
            "http1.codec_error", "stream_idle_timeout", "fault_filter_abort", "request_overall_timeout",
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
            "default", "allow_any", "block_all", "allow_any_dynamic_dns",
            "PassthroughCluster", "BlackHoleCluster", "InboundPassthroughCluster",
            "InboundPassthroughClusterIpv4", "InboundPassthroughClusterIpv6", "AllowAnyDynamicDNSCluster",
            "envoy://connect_originate/", "envoy://internal_client_address/",
        };
        for (String k : known) putKnown(k);
        for (String f : FailureClass.FLAG_PRIORITY) putKnown(f);
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

    private final String[] slots = new String[SLOTS];
    private final Map<String, List<String>> flagLists = new HashMap<>();

    private static void putKnown(String s) {
        int i = mix(s.hashCode()) & (KNOWN.length - 1);
        while (KNOWN[i] != null) {
            if (KNOWN[i].equals(s)) return;
            i = (i + 1) & (KNOWN.length - 1);
        }
        KNOWN[i] = s;
    }

    /** The shared instance of a well-known value, or {@code s} itself. */
    static String known(String s) {
        int i = mix(s.hashCode()) & (KNOWN.length - 1);
        String k;
        while ((k = KNOWN[i]) != null) {
            if (k.equals(s)) return k;
            i = (i + 1) & (KNOWN.length - 1);
        }
        return s;
    }

    private static int mix(int h) {
        return h ^ (h >>> 16) ^ (h >>> 7);
    }

    /**
     * The String for {@code src[start, end)}, whose characters are also in {@code buf} at the same offsets.
     * Returns null for a lone {@code -}, Envoy's "unset".
     */
    String value(String src, char[] buf, int start, int end) {
        int len = end - start;
        if (len == 1 && buf[start] == '-') return null;
        return intern(src, buf, start, end);
    }

    /** Like {@link #value} but keeps {@code -}. */
    String intern(String src, char[] buf, int start, int end) {
        int len = end - start;
        if (len == 0) return "";
        if (len > MAX_CACHED_LENGTH) return src.substring(start, end);
        int h = 0;
        for (int i = start; i < end; i++) h = 31 * h + buf[i];
        int m = mix(h);
        int i = m & (KNOWN.length - 1);
        String k;
        while ((k = KNOWN[i]) != null) {
            if (k.length() == len && src.regionMatches(start, k, 0, len)) return k;
            i = (i + 1) & (KNOWN.length - 1);
        }
        int slot = m & (SLOTS - 1);
        String c = slots[slot];
        if (c != null && c.length() == len && src.regionMatches(start, c, 0, len)) return c;
        c = src.substring(start, end);
        slots[slot] = c;
        return c;
    }

    /**
     * The flag list for a RESPONSE_FLAGS value ({@code -} gives the empty list). Items are split on {@code ,};
     * Envoy long names ({@code NoRouteFound}) map to their short code. Returns null when an item is neither an
     * upper-case code nor a known long name.
     */
    List<String> flags(String src, char[] buf, int start, int end) {
        int len = end - start;
        if (len == 0 || (len == 1 && buf[start] == '-')) return List.of();
        String text = intern(src, buf, start, end);
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
