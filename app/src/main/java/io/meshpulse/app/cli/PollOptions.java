package io.meshpulse.app.cli;

import io.meshpulse.ingest.poll.CheckpointedSink;
import io.meshpulse.ingest.poll.IngestMetrics;
import io.meshpulse.ingest.poll.KafkaCheckpointedSink;
import io.meshpulse.ingest.poll.PollLoop;
import io.meshpulse.ingest.poll.Poller;
import io.meshpulse.model.Topics;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Clock;
import java.time.Duration;
import java.util.function.Function;
import picocli.CommandLine.Option;

/** Options and the run loop shared by the polling ingesters. */
final class PollOptions {
    @Option(names = "--bootstrap-servers", paramLabel = "HOST:PORT", defaultValue = "${env:MESHPULSE_BOOTSTRAP_SERVERS}",
            description = "Kafka to produce to (default $MESHPULSE_BOOTSTRAP_SERVERS; a poller is a long-running "
                    + "service: run `meshpulse broker` for a local one).")
    String bootstrap;

    @picocli.CommandLine.Mixin
    IngestHttp http = new IngestHttp();

    @picocli.CommandLine.Mixin
    KafkaClientOptions kafka = new KafkaClientOptions();

    @Option(names = "--topic-prefix", defaultValue = Topics.DEFAULT_PREFIX,
            description = "Prefix of meshpulse's topics (default ${DEFAULT-VALUE}).")
    String prefix;

    @Option(names = "--checkpoint-topic", paramLabel = "TOPIC",
            description = "Compacted topic holding the pollers' positions (default <prefix>ingest.checkpoints; created if missing).")
    String checkpointTopic;

    @Option(names = "--interval", defaultValue = "30s", converter = DurationConverter.class,
            description = "Time between polls (default ${DEFAULT-VALUE}).")
    Duration interval;

    @Option(names = "--once", description = "Poll once, commit, and exit (for cron jobs and checks).")
    boolean once;

    Topics topics() {
        return Topics.withPrefix(prefix);
    }

    String checkpointTopic() {
        return checkpointTopic != null ? checkpointTopic : prefix + "ingest.checkpoints";
    }

    /** Creates the compacted checkpoint topic when it does not exist yet. */
    void ensureCheckpointTopic() throws Exception {
        try (var admin = new io.meshpulse.app.kafka.TopicAdmin(bootstrap, kafka.overrides())) {
            admin.ensureCompacted(checkpointTopic());
        }
    }

    /** Runs the poller until interrupted (or once); the registry carries the ingest meters. */
    int run(Function<CheckpointedSink, Poller> pollerOnSink, String checkpointKey, MeterRegistry registry)
            throws Exception {
        if (bootstrap == null || bootstrap.isBlank()) {
            System.err.println("--bootstrap-servers (or MESHPULSE_BOOTSTRAP_SERVERS) is required");
            return 2;
        }
        kafka.overrides(); // a bad client config stops the poller before it serves or polls
        var server = http.start();
        if (server != null) registry = server.registry();
        try {
            return poll(pollerOnSink, checkpointKey, registry);
        } finally {
            if (server != null) server.close();
        }
    }

    private int poll(Function<CheckpointedSink, Poller> pollerOnSink, String checkpointKey, MeterRegistry registry)
            throws Exception {
        ensureCheckpointTopic();
        Clock clock = Clock.systemUTC();
        try (CheckpointedSink sink = new KafkaCheckpointedSink(bootstrap, checkpointTopic(), checkpointKey,
                kafka.overrides())) {
            Poller poller = pollerOnSink.apply(sink);
            IngestMetrics metrics = new IngestMetrics(registry, poller.source(), clock);
            PollLoop loop = new PollLoop(poller, sink, interval, metrics, clock);
            if (once) {
                loop.once().step();
                boolean ok = !loop.failing(); // a poll that left more to fetch (paging) succeeded too
                System.err.println(poller.source() + ": " + (ok ? "polled; produced " + (long) metrics.produced()
                        + " record(s)" : "poll failed (see the log)"));
                return ok ? 0 : 1;
            }
            // SIGTERM (a pod stopping) or Ctrl-C: the loop is stopped and waited for, so that a commit under way
            // completes instead of dying with the JVM and leaving its transaction open (which holds read-committed
            // consumers of its partitions, the topology among them, until the broker times it out).
            Runtime.getRuntime().addShutdownHook(new Thread(() -> {
                try {
                    // a commit under way gets the tailer's grace, for the same reasons (see TailRunner.STOP_GRACE)
                    boolean ended = loop.stopAndAwait(io.meshpulse.ingest.tail.TailRunner.STOP_GRACE);
                    System.err.println(poller.source() + ": stopped by a signal: " + loop.stopReport()
                            + (ended ? "" : "; the loop did not end in time"));
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }, poller.source() + "-shutdown"));
            System.err.println(poller.source() + ": polling every " + (interval.toMillis() % 1000 == 0
                    ? interval.toSeconds() + " s" : interval.toMillis() + " ms") + "; Ctrl-C stops");
            loop.run();
            return 0;
        }
    }

    static MeterRegistry registry() {
        return IngestCommand.registry;
    }
}
