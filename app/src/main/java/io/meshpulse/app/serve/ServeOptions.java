package io.meshpulse.app.serve;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;

/**
 * How the HTTP server runs.
 *
 * @param host           address to bind (127.0.0.1 unless configured)
 * @param port           port to bind, 0 for a free one
 * @param advertisedHost host name other instances use to reach this one ({@code application.server}); the bind
 *                       host when null
 * @param token          bearer token required on /metrics, /api and the page's data; null for none. Never logged.
 * @param maxPairs       at most this many pairs get their own metric series; the rest add up in an {@code other} series
 * @param staleAfter     a pair's series are dropped after no window for this long (stream time)
 * @param feedFromStart  count the pair-stats topic from its beginning (a replay) rather than from now (live)
 * @param newSeriesHold  the longest a new counter series shows 0 before its counts, when not every scraper of
 *                       /metrics has seen it at 0 by then (default {@link #DEFAULT_NEW_SERIES_HOLD}); a scraper
 *                       silent for this long is no longer waited for
 */
public record ServeOptions(String host, int port, String advertisedHost, String token, int maxPairs,
                           Duration staleAfter, boolean feedFromStart, Duration newSeriesHold) {

    public static final String TOKEN_ENV = "MESHPULSE_HTTP_TOKEN";
    public static final int DEFAULT_MAX_PAIRS = 200;
    /** Two scrape intervals of a Prometheus that scrapes every minute. */
    public static final Duration DEFAULT_NEW_SERIES_HOLD = Duration.ofMinutes(2);

    public ServeOptions {
        if (host == null || host.isBlank()) host = "127.0.0.1";
        if (port < 0 || port > 65535) throw new IllegalArgumentException("port out of range: " + port);
        if (maxPairs < 1) throw new IllegalArgumentException("maxPairs must be at least 1");
        if (token != null && token.isBlank()) token = null;
        if (staleAfter == null) staleAfter = Duration.ofMinutes(5);
        if (newSeriesHold == null) newSeriesHold = DEFAULT_NEW_SERIES_HOLD;
        if (newSeriesHold.isNegative()) throw new IllegalArgumentException("newSeriesHold must not be negative");
    }

    public static ServeOptions local(int port) {
        return new ServeOptions("127.0.0.1", port, null, null, DEFAULT_MAX_PAIRS, Duration.ofMinutes(5), false,
                DEFAULT_NEW_SERIES_HOLD);
    }

    public ServeOptions withToken(String t) {
        return new ServeOptions(host, port, advertisedHost, t, maxPairs, staleAfter, feedFromStart, newSeriesHold);
    }

    public ServeOptions withFeedFromStart(boolean b) {
        return new ServeOptions(host, port, advertisedHost, token, maxPairs, staleAfter, b, newSeriesHold);
    }

    public ServeOptions withPort(int p) {
        return new ServeOptions(host, p, advertisedHost, token, maxPairs, staleAfter, feedFromStart, newSeriesHold);
    }

    public ServeOptions withNewSeriesHold(Duration d) {
        return new ServeOptions(host, port, advertisedHost, token, maxPairs, staleAfter, feedFromStart, d);
    }

    public ServeOptions withMaxPairs(int n) {
        return new ServeOptions(host, port, advertisedHost, token, n, staleAfter, feedFromStart, newSeriesHold);
    }

    /** The host others reach this instance by: the advertised one, else the bind address (0.0.0.0 is not reachable). */
    public String reachableHost() {
        if (advertisedHost != null && !advertisedHost.isBlank()) return advertisedHost;
        return host.equals("0.0.0.0") || host.equals("::") ? "127.0.0.1" : host;
    }

    /** The token from a file (first line, trimmed) if given, else from {@value #TOKEN_ENV}; null when neither. */
    public static String loadToken(Path file, Map<String, String> env) throws IOException {
        if (file != null) {
            String s = Files.readString(file, StandardCharsets.UTF_8).strip();
            int nl = s.indexOf('\n');
            return (nl < 0 ? s : s.substring(0, nl)).strip();
        }
        String v = env.get(TOKEN_ENV);
        return v == null || v.isBlank() ? null : v.strip();
    }

    @Override
    public String toString() {
        // The token must never reach a log line.
        return "ServeOptions[host=" + host + ", port=" + port + ", advertisedHost=" + advertisedHost + ", token="
                + (token == null ? "none" : "set") + ", maxPairs=" + maxPairs + ", staleAfter=" + staleAfter
                + ", feedFromStart=" + feedFromStart + ", newSeriesHold=" + newSeriesHold + "]";
    }
}
