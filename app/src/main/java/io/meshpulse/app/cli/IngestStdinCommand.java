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
    KafkaClientOptions kafka = new KafkaClientOptions();

    @Override
    public Integer call() throws Exception {
        java.util.Map<String, Object> clientOverrides = kafka.overrides();
        String bootstrap = bootstrapServers != null ? bootstrapServers : IngestCommand.defaultBootstrap();
        Topics topics = Topics.withPrefix(topicPrefix);
        try (TopicAdmin admin = new TopicAdmin(bootstrap, clientOverrides)) {
            admin.ensure(topics, partitions, Optional.empty());
        }
        StreamIngester ingester = new StreamIngester(namespace, pod, container, node, "stdin",
                LineFramer.DEFAULT_MAX_LINE_CHARS, IngestCommand.registry);
        StreamIngester.Result r;
        try (RawLineProducer producer = new RawLineProducer(bootstrap, topics.rawAccessLog(), clientOverrides)) {
            r = ingester.run(System.in, new StreamIngester.Output() {
                @Override
                public void line(RawLogLine line, long timestampMillis) {
                    producer.send(line, timestampMillis);
                }

                @Override
                public void deadLetter(String key, DeadLetter deadLetter, long timestampMillis) {
                    producer.deadLetter(topics.deadLetters(), key, deadLetter, timestampMillis);
                }
            });
            producer.flush();
        }
        System.err.printf("%,d lines read, %,d sent to %s, %,d dead-lettered%n", r.linesRead(), r.produced(),
                topics.rawAccessLog(), r.deadLettered());
        return 0;
    }
}
