package io.meshpulse.model;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Removes what must not leave meshpulse from an access-log line before it is kept as an exemplar or printed in an
 * alert: query strings (they carry tokens, e-mail addresses, session ids), and credential-like values wherever they
 * appear (bearer tokens, {@code Authorization}/{@code api-key}/{@code password}/{@code token}/{@code secret}
 * assignments, JWTs). Idempotent: redacting a redacted line changes nothing.
 */
public final class Redaction {
    public static final String MASK = "REDACTED";

    /** A path's query string, up to the next space or quote: {@code /pay?card=..&cvv=..} → {@code /pay?REDACTED}. */
    private static final Pattern QUERY = Pattern.compile("(/[^\\s\"?]*)\\?(?!" + MASK + "(?:[\\s\"]|$))[^\\s\"]*");
    /** {@code Bearer xxx}, {@code Basic xxx}. */
    private static final Pattern AUTH_SCHEME = Pattern.compile("(?i)\\b(bearer|basic)\\s+(?!" + MASK + ")[A-Za-z0-9._~+/=-]+");
    /** key=value, key: value, "key":"value" for credential-like keys. */
    private static final Pattern SECRET_ASSIGNMENT = Pattern.compile(
            "(?i)(\"?\\b(?:authorization|proxy-authorization|x-api-key|api[_-]?key|apikey|access[_-]?token|"
                    + "refresh[_-]?token|id[_-]?token|token|password|passwd|pwd|secret|client[_-]?secret|"
                    + "session[_-]?id|sig|signature)\"?\\s*[:=]\\s*\"?)(?!" + MASK + ")[^\\s\"&,;]+");
    /** A JSON Web Token anywhere: three base64url parts, the first starting with eyJ. */
    private static final Pattern JWT = Pattern.compile("\\beyJ[A-Za-z0-9_-]{5,}\\.[A-Za-z0-9_-]{5,}\\.[A-Za-z0-9_-]{5,}");

    private Redaction() {}

    public static String redact(String line) {
        if (line == null || line.isEmpty()) return line;
        String s = JWT.matcher(line).replaceAll(MASK);
        s = QUERY.matcher(s).replaceAll(m -> Matcher.quoteReplacement(m.group(1) + "?" + MASK));
        s = AUTH_SCHEME.matcher(s).replaceAll(m -> Matcher.quoteReplacement(m.group(1) + " " + MASK));
        s = SECRET_ASSIGNMENT.matcher(s).replaceAll(m -> Matcher.quoteReplacement(m.group(1) + MASK));
        return s;
    }
}
