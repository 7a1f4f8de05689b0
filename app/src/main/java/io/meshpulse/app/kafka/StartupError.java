package io.meshpulse.app.kafka;

/**
 * Something outside meshpulse that stops a command as it starts (no broker answers at the address given, the
 * embedded broker's port is taken): the CLI prints the message as one line and exits 1, instead of a stack trace
 * in which the cause is buried.
 */
public final class StartupError extends RuntimeException {
    public StartupError(String message) {
        super(message);
    }
}
