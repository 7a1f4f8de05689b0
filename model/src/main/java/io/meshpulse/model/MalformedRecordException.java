package io.meshpulse.model;

/** A record on a topic that cannot be decoded; the reason is meant for a dead-letter entry. */
public class MalformedRecordException extends RuntimeException {
    public MalformedRecordException(String message, Throwable cause) {
        super(message, cause);
    }
}
