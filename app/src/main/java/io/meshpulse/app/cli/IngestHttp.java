package io.meshpulse.app.cli;

import io.meshpulse.app.serve.Server;
import io.meshpulse.app.serve.ServeOptions;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.time.Duration;
import picocli.CommandLine.Option;

/**
 * The ingesters' own HTTP endpoint: {@code /healthz} and {@code /metrics} (their counters and gauges), so that a
 * DaemonSet or a poller Deployment can be probed and scraped. Off unless a port is given (flag or
 * {@code MESHPULSE_HTTP_PORT}), so that a tailer next to {@code meshpulse run} on a laptop does not take its port.
 */
final class IngestHttp {
    @Option(names = "--http-port", defaultValue = "${env:MESHPULSE_HTTP_PORT:--1}",
            description = "Serve /healthz and /metrics on this port (default $MESHPULSE_HTTP_PORT, else off).")
    int port;

    @Option(names = "--http-host", defaultValue = "${env:MESHPULSE_HTTP_HOST:-127.0.0.1}",
            description = "Address the HTTP endpoint binds (default ${DEFAULT-VALUE}).")
    String host;

    /** Starts the endpoint when configured, making its registry the ingesters' registry; null when off. */
    Server start() throws IOException {
        if (port < 0) return null;
        PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        IngestCommand.registry = registry;
        ServeOptions o = new ServeOptions(host, port, null, ServeOptions.loadToken(null, System.getenv()), 200,
                Duration.ofMinutes(5), false, null);
        Server server = Server.bind(o, registry);
        System.err.println("ingest: /healthz and /metrics on " + server.url());
        return server;
    }
}
