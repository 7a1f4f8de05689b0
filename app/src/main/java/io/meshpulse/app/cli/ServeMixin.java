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

    ServeOptions options() throws IOException {
        return new ServeOptions(host, port, advertisedHost, ServeOptions.loadToken(tokenFile, System.getenv()), maxPairs,
                null, false, newSeriesHold);
    }
}
