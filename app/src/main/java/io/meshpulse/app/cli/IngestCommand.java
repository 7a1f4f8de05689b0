package io.meshpulse.app.cli;

import picocli.CommandLine.Command;

@Command(name = "ingest", mixinStandardHelpOptions = true,
        description = "Read what the mesh emits, where it lands, into meshpulse's Kafka topics.",
        subcommands = {IngestLogAnalyticsCommand.class, IngestPrometheusCommand.class})
final class IngestCommand {
}
