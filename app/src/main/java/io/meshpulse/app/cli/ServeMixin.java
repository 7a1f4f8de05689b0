package io.meshpulse.app.cli;

import io.meshpulse.app.serve.ServeOptions;
import java.io.IOException;
import java.nio.file.Path;
import picocli.CommandLine.Option;

/** The HTTP server's options, shared by the commands that serve (demo, replay --serve, and later run). */
final class ServeMixin {
    @Option(names = "--http-host", defaultValue = "${env:MESHPULSE_HTTP_HOST:-127.0.0.1}",
            description = "Address the HTTP server binds (default ${DEFAULT-VALUE}; 0.0.0.0 for every interface).")
    String host;

    @Option(names = "--http-port", defaultValue = "${env:MESHPULSE_HTTP_PORT:-8080}", description = "HTTP port (default ${DEFAULT-VALUE}; 0 picks a free one).")
    int port;

    @Option(names = "--advertised-host", paramLabel = "HOST",
            description = "Host name the other instances reach this one by (application.server); default: the bind address.")
    String advertisedHost;

    @Option(names = "--http-token-file", paramLabel = "FILE",
            description = "File holding a bearer token that /metrics and /api/ require (default: env "
                    + ServeOptions.TOKEN_ENV + ", else none).")
    Path tokenFile;

    @Option(names = "--metrics-max-pairs", defaultValue = "200",
            description = "Pairs with metric series of their own; the rest add up in an 'other' series (default ${DEFAULT-VALUE}).")
    int maxPairs;

    @Option(names = "--metrics-new-series-hold", defaultValue = "2m", converter = DurationConverter.class,
            paramLabel = "DURATION",
            description = "A new counter series shows 0 until every scraper of /metrics has seen it so, and its counts "
                    + "after this long at the latest (default ${DEFAULT-VALUE}; at least two scrape intervals).")
    java.time.Duration newSeriesHold;

    /**
     * The options, checked: a token file that is missing, unreadable or empty, a port out of range or fewer than one
     * pair is a {@link SettingsError} naming the flag (one line, exit code 2), said before anything starts.
     */
    ServeOptions options() {
        if (port < 0 || port > 65535) throw new SettingsError("--http-port " + port + ": not a port (0 to 65535)");
        if (maxPairs < 1) throw new SettingsError("--metrics-max-pairs " + maxPairs + ": must be at least 1");
        if (newSeriesHold.isNegative()) {
            throw new SettingsError("--metrics-new-series-hold must not be negative");
        }
        return new ServeOptions(host, port, advertisedHost, token(tokenFile, "--http-token-file"), maxPairs,
                null, false, newSeriesHold);
    }

    /**
     * The bearer token from {@code file} (named by {@code flag} in errors), else from the environment. A file that
     * cannot be read, or holds nothing, is a {@link SettingsError}: an empty file would otherwise mean "no token"
     * and leave /api/ and /metrics open although a token was asked for.
     */
    static String token(Path file, String flag) {
        String t;
        try {
            t = ServeOptions.loadToken(file, System.getenv());
        } catch (java.nio.file.NoSuchFileException e) {
            throw new SettingsError(flag + " " + file + ": no such file");
        } catch (java.nio.file.AccessDeniedException e) {
            throw new SettingsError(flag + " " + file + ": not readable");
        } catch (IOException e) {
            throw new SettingsError(flag + " " + file + ": cannot be read ("
                    + (e.getMessage() != null ? e.getMessage() : e.getClass().getSimpleName()) + ")");
        }
        if (file != null && (t == null || t.isBlank())) {
            throw new SettingsError(flag + " " + file + ": the file is empty (it must hold the token)");
        }
        return t;
    }
}
