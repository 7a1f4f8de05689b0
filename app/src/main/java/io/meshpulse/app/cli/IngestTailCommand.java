package io.meshpulse.app.cli;

import io.meshpulse.app.kafka.TopicAdmin;
import io.meshpulse.ingest.tail.KafkaTailSink;
import io.meshpulse.ingest.tail.TailConfig;
import io.meshpulse.ingest.tail.TailRunner;
import io.meshpulse.model.Topics;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.Callable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "tail", mixinStandardHelpOptions = true,
        description = {"Follow kubelet log files of istio-proxy containers into Kafka, exactly once across restarts.",
                "Lines and file positions are committed in one Kafka transaction; positions live in a compacted topic."})
final class IngestTailCommand implements Callable<Integer> {
    private static final Logger LOG = LoggerFactory.getLogger(IngestTailCommand.class);

    @Option(names = "--path", arity = "1..*", paramLabel = "GLOB", defaultValue = "/var/log/pods/*/*/*.log",
            description = "Globs or folders of kubelet log files (default ${DEFAULT-VALUE}); quote globs.")
    List<String> paths;

    @Option(names = "--bootstrap-servers", paramLabel = "HOST:PORT",
            description = "Kafka (default $MESHPULSE_BOOTSTRAP_SERVERS, else 127.0.0.1:9092, where `meshpulse broker` listens).")
    String bootstrapServers;

    @Option(names = "--from-beginning",
            description = "On this node's first start, read existing files from their start (default: from their end).")
    boolean fromBeginning;

    @Option(names = "--state", paramLabel = "DIR",
            description = "A local folder locked by this tailer, so that a second one on the host refuses to start. "
                    + "Positions live in Kafka, not here.")
    Path state;

    @Option(names = "--container", defaultValue = "istio-proxy", split = ",",
            description = "Container names to follow (default ${DEFAULT-VALUE}; gateways' container is istio-proxy too); 'all' follows every container.")
    List<String> containers;

    @Option(names = "--node", description = "Node name (default $NODE_NAME, else the host name).")
    String node;

    @Option(names = "--topic-prefix", defaultValue = Topics.DEFAULT_PREFIX,
            description = "Prefix of meshpulse's topics (default ${DEFAULT-VALUE}).")
    String topicPrefix;

    @Option(names = "--checkpoint-topic", defaultValue = KafkaTailSink.CHECKPOINT_TOPIC,
            description = "Compacted topic of file positions (default ${DEFAULT-VALUE}).")
    String checkpointTopic;

    @Option(names = "--partitions", defaultValue = "4",
            description = "Partitions of meshpulse's topics if this command has to create them (default ${DEFAULT-VALUE}).")
    int partitions;

    @Option(names = "--poll-interval", defaultValue = "250ms", converter = DurationConverter.class,
            description = "Wait when no file grew (default ${DEFAULT-VALUE}).")
    Duration pollInterval;

    @Option(names = "--discover-interval", defaultValue = "1s", converter = DurationConverter.class,
            description = "How often to look for new files and rotations (default ${DEFAULT-VALUE}).")
    Duration discoverInterval;

    @Option(names = "--rotate-quiet", defaultValue = "2s", converter = DurationConverter.class,
            description = "How long a rotated file must stay unchanged at its end before it is closed (default ${DEFAULT-VALUE}).")
    Duration rotateQuiet;

    @Option(names = "--heartbeat-interval", defaultValue = "1s", converter = DurationConverter.class,
            description = "How often to tell every raw-topic partition how far this tailer has read, so that windows "
                    + "wait for lines it could not send yet; 0s sends none (default ${DEFAULT-VALUE}).")
    Duration heartbeatInterval;

    @Option(names = "--stats-interval", defaultValue = "60s", converter = DurationConverter.class,
            description = "How often to log a progress line (default ${DEFAULT-VALUE}).")
    Duration statsInterval;

    @picocli.CommandLine.Mixin
    IngestHttp http = new IngestHttp();

    @picocli.CommandLine.Mixin
    KafkaClientOptions kafka = new KafkaClientOptions();

    @Override
    public Integer call() throws Exception {
        Map<String, Object> clientOverrides = kafka.overrides();
        var server = http.start();
        String bootstrap = bootstrapServers != null ? bootstrapServers : IngestCommand.defaultBootstrap();
        String nodeName = IngestCommand.nodeName(node);
        Set<String> only = containers.contains("all") ? Set.of() : new LinkedHashSet<>(containers);
        TailConfig config = TailConfig.defaults(paths, nodeName).withContainers(only).withFromBeginning(fromBeginning)
                .withTimings(pollInterval, discoverInterval, rotateQuiet).withHeartbeatInterval(heartbeatInterval);
        Topics topics = Topics.withPrefix(topicPrefix);
        FileLock lock = state == null ? null : lock(state);
        if (state != null && lock == null) {
            System.err.println("another tailer holds " + state.resolve("tail.lock") + ": refusing to start a second one");
            return 1;
        }
        try (TopicAdmin admin = new TopicAdmin(bootstrap, clientOverrides)) {
            admin.ensure(topics, partitions, Optional.empty());
        }
        TailRunner runner = new TailRunner(config,
                () -> new KafkaTailSink(bootstrap, topics.rawAccessLog(), topics.deadLetters(), checkpointTopic, nodeName,
                        clientOverrides),
                IngestCommand.registry, statsInterval);
        Thread main = Thread.currentThread();
        Thread hook = new Thread(() -> {
            try {
                runner.stopAndAwait(main, TailRunner.STOP_GRACE);
            } catch (InterruptedException ignored) {
                Thread.currentThread().interrupt();
            }
        }, "meshpulse-tail-shutdown");
        Runtime.getRuntime().addShutdownHook(hook);
        LOG.info("tailing {} on node {} into {} (checkpoints in {})", paths, nodeName, topics.rawAccessLog(),
                checkpointTopic);
        int rc = runner.run();
        if (lock != null) lock.release();
        if (server != null) server.close();
        return rc;
    }

    private static FileLock lock(Path dir) throws IOException {
        Files.createDirectories(dir);
        FileChannel ch = FileChannel.open(dir.resolve("tail.lock"), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
        FileLock l = ch.tryLock();
        if (l == null) ch.close();
        return l;
    }
}
