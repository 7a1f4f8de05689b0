package io.meshpulse.app.cli;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.net.InetAddress;
import picocli.CommandLine.Command;

/** {@code meshpulse ingest …}: the live sources, each producing to Kafka. */
@Command(name = "ingest", mixinStandardHelpOptions = true,
        description = "Read what the mesh emits, where it lands (log files, stdin, Log Analytics, Prometheus), into Kafka.",
        subcommands = {IngestTailCommand.class, IngestStdinCommand.class, IngestLogAnalyticsCommand.class,
                IngestPrometheusCommand.class})
final class IngestCommand {
    /** Where the ingesters count; the app's /metrics endpoint serves this registry once it exists. */
    static MeterRegistry registry = new SimpleMeterRegistry();

    static String defaultBootstrap() {
        String env = System.getenv("MESHPULSE_BOOTSTRAP_SERVERS");
        return env == null || env.isBlank() ? "127.0.0.1:9092" : env;
    }

    /** {@code --node}, else the NODE_NAME environment variable (set from the downward API), else the host name. */
    static String nodeName(String option) {
        if (option != null && !option.isBlank()) return option;
        String env = System.getenv("NODE_NAME");
        if (env != null && !env.isBlank()) return env;
        try {
            return InetAddress.getLocalHost().getHostName();
        } catch (java.io.IOException e) {
            return "unknown-node";
        }
    }
}
