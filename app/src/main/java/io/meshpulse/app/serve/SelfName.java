package io.meshpulse.app.serve;

/**
 * How the user started meshpulse, for the commands it prints for them to paste: {@code bin/meshpulse} passes its own
 * path as typed (or its bare name when it was found on the PATH) in {@value #ENV}.
 */
public final class SelfName {
    public static final String ENV = "MESHPULSE_INVOKED_AS";

    private SelfName() {}

    /** The name {@code bin/meshpulse} passed; null when meshpulse was started some other way. */
    public static String fromEnvironment() {
        return System.getenv(ENV);
    }

    /** {@code invokedAs} as one shell word, or {@code fallback} when it is null or blank. */
    public static String word(String invokedAs, String fallback) {
        String s = invokedAs == null ? "" : invokedAs.strip();
        return s.isEmpty() ? fallback : shellWord(s);
    }

    /** {@code s} as one shell word: as it is when it holds only safe characters, else in single quotes. */
    static String shellWord(String s) {
        if (s.matches("[A-Za-z0-9_./~+:@%=-]+")) return s;
        return "'" + s.replace("'", "'\\''") + "'";
    }
}
