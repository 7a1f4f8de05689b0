package io.meshpulse.app.cli;

/**
 * A setting (flag, environment variable or file) that cannot be used: reported on stderr as one line, exit code 2,
 * before anything starts — not a stack trace, and never a silent default.
 */
final class SettingsError extends RuntimeException {
    SettingsError(String message) {
        super(message);
    }
}
