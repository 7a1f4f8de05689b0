package io.meshpulse.ingest.poll;

import java.time.Duration;

/** A poll that failed in a way the loop retries: the kind is the counter's label, retryAfter the server's hint. */
public final class PollException extends RuntimeException {
    /** Failure kinds, used as the {@code kind} tag of the errors counter. */
    public enum Kind {
        /** HTTP 429: the service throttles us. */
        THROTTLED,
        /** HTTP 5xx: the service failed. */
        SERVER,
        /** HTTP 4xx other than 429: our request or credentials are wrong; retried, since config may be fixed. */
        CLIENT,
        /** Token acquisition failed. */
        AUTH,
        /** Connection refused, timeout, reset. */
        IO,
        /** The response could not be read. */
        RESPONSE,
        /** Producing to Kafka failed. */
        KAFKA;

        public String tag() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }

    private final Kind kind;
    private final Duration retryAfter;

    public PollException(Kind kind, String message, Duration retryAfter, Throwable cause) {
        super(message, cause);
        this.kind = kind;
        this.retryAfter = retryAfter;
    }

    public Kind kind() {
        return kind;
    }

    /** The server's Retry-After, or null. */
    public Duration retryAfter() {
        return retryAfter;
    }

    /** Kind for an HTTP status. */
    public static Kind kindOf(int status) {
        if (status == 429) return Kind.THROTTLED;
        if (status >= 500) return Kind.SERVER;
        return Kind.CLIENT;
    }
}
