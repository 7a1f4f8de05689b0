package io.meshpulse.app.serve;

import java.net.URLDecoder;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;

/** Query parameters of a request, with the conversions the API needs. A bad value is a 400, never a 500. */
final class Params {
    private final Map<String, String> values;

    Params(Map<String, String> values) {
        this.values = values;
    }

    static Params parse(String rawQuery) {
        Map<String, String> m = new LinkedHashMap<>();
        if (rawQuery != null && !rawQuery.isEmpty()) {
            for (String part : rawQuery.split("&")) {
                if (part.isEmpty()) continue;
                int eq = part.indexOf('=');
                String k = URLDecoder.decode(eq < 0 ? part : part.substring(0, eq), StandardCharsets.UTF_8);
                String v = eq < 0 ? "" : URLDecoder.decode(part.substring(eq + 1), StandardCharsets.UTF_8);
                m.putIfAbsent(k, v);
            }
        }
        return new Params(m);
    }

    String get(String k) {
        String v = values.get(k);
        return v == null || v.isEmpty() ? null : v;
    }

    String get(String k, String dflt) {
        String v = get(k);
        return v == null ? dflt : v;
    }

    boolean local() {
        return "local".equals(get("scope"));
    }

    int intValue(String k, int dflt, int min, int max) {
        String v = get(k);
        if (v == null) return dflt;
        try {
            int n = Integer.parseInt(v);
            if (n < min || n > max) throw new BadRequest(k + " must be between " + min + " and " + max);
            return n;
        } catch (NumberFormatException e) {
            throw new BadRequest(k + " is not a number: " + v);
        }
    }

    boolean bool(String k) {
        String v = get(k);
        return v != null && (v.equals("true") || v.equals("1") || v.equals("yes"));
    }

    /** A point in time: Unix milliseconds or RFC 3339. */
    Long time(String k) {
        String v = get(k);
        if (v == null) return null;
        try {
            if (v.chars().allMatch(Character::isDigit)) return Long.parseLong(v);
            return Instant.parse(v).toEpochMilli();
        } catch (RuntimeException e) {
            throw new BadRequest(k + " is not a time (RFC 3339 or Unix milliseconds): " + v);
        }
    }

    Duration duration(String k, Duration dflt) {
        String v = get(k);
        if (v == null) return dflt;
        try {
            if (v.startsWith("P") || v.startsWith("p")) return Duration.parse(v.toUpperCase());
            if (v.endsWith("ms")) return Duration.ofMillis(Long.parseLong(v.substring(0, v.length() - 2)));
            long n = Long.parseLong(v.substring(0, v.length() - 1));
            Duration d = switch (v.charAt(v.length() - 1)) {
                case 's' -> Duration.ofSeconds(n);
                case 'm' -> Duration.ofMinutes(n);
                case 'h' -> Duration.ofHours(n);
                case 'd' -> Duration.ofDays(n);
                default -> null;
            };
            if (d == null) throw new BadRequest(k + " is not a duration (e.g. 30s, 15m, 2h): " + v);
            if (d.isNegative() || d.isZero()) throw new BadRequest(k + " must be a positive duration: " + v);
            return d;
        } catch (NumberFormatException | java.time.format.DateTimeParseException | StringIndexOutOfBoundsException e) {
            throw new BadRequest(k + " is not a duration (e.g. 30s, 15m, 2h): " + v);
        }
    }

    /** This request's parameters with some replaced (null removes), as a query string. */
    String with(Map<String, String> changes) {
        Map<String, String> m = new LinkedHashMap<>(values);
        changes.forEach((k, v) -> {
            if (v == null) m.remove(k);
            else m.put(k, v);
        });
        StringBuilder sb = new StringBuilder();
        m.forEach((k, v) -> {
            if (sb.length() > 0) sb.append('&');
            sb.append(URLEncoder.encode(k, StandardCharsets.UTF_8)).append('=').append(URLEncoder.encode(v, StandardCharsets.UTF_8));
        });
        return sb.toString();
    }

    /** A client error: the message is shown to the caller. */
    static final class BadRequest extends RuntimeException {
        BadRequest(String message) {
            super(message);
        }
    }
}
