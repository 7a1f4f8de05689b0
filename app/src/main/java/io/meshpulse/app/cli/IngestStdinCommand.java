package io.meshpulse.app.cli;

import io.meshpulse.app.kafka.TopicAdmin;
import io.meshpulse.ingest.framing.LineFramer;
import io.meshpulse.ingest.kafka.RawLineProducer;
import io.meshpulse.ingest.stdin.StreamIngester;
import io.meshpulse.model.DeadLetter;
import io.meshpulse.model.RawLogLine;
import io.meshpulse.model.Topics;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "stdin", mixinStandardHelpOptions = true,
        header = "Send one container's log from standard input (kubectl logs -f) to Kafka.",
        description = {"Send one container's log from standard input to Kafka, e.g.",
                "  kubectl logs -f POD -n NS -c istio-proxy | meshpulse ingest stdin --namespace NS --pod POD",
                "Lines with or without --timestamps, CRI or docker envelopes; exits 0 at the end of input."})
final class IngestStdinCommand implements Callable<Integer> {
    @Option(names = "--namespace", required = true, description = "The pod's namespace.")
    String namespace;

    @Option(names = "--pod", required = true, description = "The pod's name.")
    String pod;

    @Option(names = "--container", defaultValue = "istio-proxy", description = "Container name (default ${DEFAULT-VALUE}).")
    String container;

    @Option(names = "--node", description = "Node name, when known.")
    String node;

    @Option(names = "--bootstrap-servers", paramLabel = "HOST:PORT",
            description = "Kafka (default $MESHPULSE_BOOTSTRAP_SERVERS, else 127.0.0.1:9092, where `meshpulse broker` listens).")
    String bootstrapServers;

    @Option(names = "--topic-prefix", defaultValue = Topics.DEFAULT_PREFIX,
            description = "Prefix of meshpulse's topics (default ${DEFAULT-VALUE}).")
    String topicPrefix;

    @Option(names = "--partitions", defaultValue = "4",
            description = "Partitions of meshpulse's topics if this command has to create them (default ${DEFAULT-VALUE}).")
    int partitions;

    @picocli.CommandLine.Mixin
    IngestHttp http = new IngestHttp();

    @picocli.CommandLine.Mixin
    KafkaClientOptions kafka = new KafkaClientOptions();

    /** How long a signal leaves the producer to deliver what it holds. */
    static final java.time.Duration STOP_GRACE = java.time.Duration.ofSeconds(5);

    @Override
    public Integer call() throws Exception {
        java.util.Map<String, Object> clientOverrides = kafka.overrides();
        try (var server = http.start()) {
            return send(clientOverrides);
        }
    }

    private int send(java.util.Map<String, Object> clientOverrides) throws Exception {
        String bootstrap = bootstrapServers != null ? bootstrapServers : IngestCommand.defaultBootstrap();
        Topics topics = Topics.withPrefix(topicPrefix);
        try (TopicAdmin admin = new TopicAdmin(bootstrap, clientOverrides)) {
            admin.ensure(topics, partitions, Optional.empty());
        }
        StreamIngester ingester = new StreamIngester(namespace, pod, container, node, "stdin",
                LineFramer.DEFAULT_MAX_LINE_CHARS, IngestCommand.registry);
        StreamIngester.Result r;
        try (RawLineProducer producer = new RawLineProducer(bootstrap, topics.rawAccessLog(), clientOverrides)) {
            Object lock = new Object();
            boolean[] stopping = {false};
            // Ctrl-C, SIGTERM: the lines handed to the producer are delivered before the JVM goes (its sender thread
            // would go with it, and the lines it still buffered), for up to STOP_GRACE; the result is printed.
            Thread hook = new Thread(() -> {
                synchronized (lock) {
                    stopping[0] = true;
                }
                String failed = producer.closeWithin(STOP_GRACE);
                System.err.printf("stopped by a signal: %,d lines sent to %s, %s%n", producer.sent(),
                        topics.rawAccessLog(), failed == null ? "all delivered"
                                : "NOT all delivered within " + STOP_GRACE.toSeconds() + " s: " + failed);
            }, "meshpulse-stdin-shutdown");
            Runtime.getRuntime().addShutdownHook(hook);
            r = ingester.run(System.in, new StreamIngester.Output() {
                @Override
                public void line(RawLogLine line, long timestampMillis) {
                    synchronized (lock) {
                        if (!stopping[0]) producer.send(line, timestampMillis); // read after the signal: not sent
                    }
                }

                @Override
                public void deadLetter(String key, DeadLetter deadLetter, long timestampMillis) {
                    synchronized (lock) {
                        if (!stopping[0]) producer.deadLetter(topics.deadLetters(), key, deadLetter, timestampMillis);
                    }
                }
            });
            producer.flush();
            try {
                Runtime.getRuntime().removeShutdownHook(hook);
            } catch (IllegalStateException shuttingDown) {
                // a signal came as the input ended: the hook reports
            }
        }
        System.err.printf("%,d lines read, %,d sent to %s, %,d dead-lettered%n", r.linesRead(), r.produced(),
                topics.rawAccessLog(), r.deadLettered());
        return 0;
    }
}
