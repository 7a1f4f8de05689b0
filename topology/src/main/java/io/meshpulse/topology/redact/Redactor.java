package io.meshpulse.topology.redact;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Removes what must not travel beyond the pipeline from an access-log line kept as an example: query strings
 * (tokens and signatures often ride in them), credential-like values in any field, and bearer or basic
 * credentials. The line keeps its shape, so it still reads as an access log; each removed value becomes
 * {@value #MASK}.
 */
public final class Redactor {
    public static final String MASK = "REDACTED";

    /** A query string: from '?' up to the end of the path token (space, quote, or end of line). */
    private static final Pattern QUERY = Pattern.compile("\\?[^\\s\"]*");
    /** name=value or "name":"value" where the name looks like a credential. */
    private static final Pattern SECRET_PAIR = Pattern.compile(
            "(?i)(\\b(?:access[_-]?token|id[_-]?token|refresh[_-]?token|token|api[_-]?key|apikey|secret|client[_-]?secret"
                    + "|password|passwd|pwd|sig|signature|x-amz-signature|sas|session(?:id)?|auth(?:orization)?|cookie)"
                    + "\"?\\s*[=:]\\s*\"?)([^\\s\"&;,]+)");
    /** Authorization scheme credentials. */
    private static final Pattern SCHEME = Pattern.compile("(?i)\\b(bearer|basic)\\s+[A-Za-z0-9._~+/=-]{8,}");
    /** A JWT anywhere (three base64url segments, the first starting like a JSON header). */
    private static final Pattern JWT = Pattern.compile("eyJ[A-Za-z0-9_-]{5,}\\.[A-Za-z0-9_-]{5,}\\.[A-Za-z0-9_-]*");

    private Redactor() {}

    public static String redact(String line) {
        if (line == null || line.isEmpty()) return line;
        String s = line;
        if (s.indexOf('?') >= 0) s = QUERY.matcher(s).replaceAll("?" + MASK);
        s = SCHEME.matcher(s).replaceAll(m -> Matcher.quoteReplacement(m.group(1) + " " + MASK));
        s = replaceGroup2(SECRET_PAIR.matcher(s));
        if (s.contains("eyJ")) s = JWT.matcher(s).replaceAll(MASK);
        return s;
    }

    private static String replaceGroup2(Matcher m) {
        return m.replaceAll(r -> Matcher.quoteReplacement(r.group(1) + MASK));
    }
}
