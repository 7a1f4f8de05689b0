package io.meshpulse.app.kafka;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import kafka.server.KafkaConfig;
import kafka.server.KafkaRaftServer;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.utils.Time;
import org.apache.kafka.metadata.storage.Formatter;
import org.apache.kafka.server.common.Feature;
import org.apache.kafka.server.common.MetadataVersion;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A real single-node Kafka broker (KRaft, broker and controller in one process), run inside this JVM from the
 * Maven Central artifacts: what meshpulse uses when no {@code --bootstrap-servers} is given, and what the
 * integration tests run against. Listens on 127.0.0.1 only. Its storage is formatted on first use and reused
 * after that, so a data directory survives restarts.
 */
public final class EmbeddedBroker implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(EmbeddedBroker.class);

    private final KafkaRaftServer server;
    private final String bootstrap;
    private final Path dataDir;

    private EmbeddedBroker(KafkaRaftServer server, String bootstrap, Path dataDir) {
        this.server = server;
        this.bootstrap = bootstrap;
        this.dataDir = dataDir;
    }

    /**
     * The cluster id a data folder was formatted with, or a new one for a folder never used. Formatting skips a
     * folder that is already formatted, but the broker then checks the folder's id against the one given here:
     * a new random id on every start made a second start on the same data folder (`broker --data`, `run` with its
     * state folder) fail with "Invalid cluster.id".
     */
    static String clusterIdOf(Path logDir) throws IOException {
        Path meta = logDir.resolve("meta.properties");
        if (Files.exists(meta)) {
            Properties p = new Properties();
            try (var in = Files.newInputStream(meta)) {
                p.load(in);
            }
            String id = p.getProperty("cluster.id");
            if (id != null && !id.isBlank()) return id;
        }
        return Uuid.randomUuid().toString();
    }

    /** A taken port is said in one line: the broker's own failure is a long trace that ends in a BindException. */
    private static void requireFree(int port) throws IOException {
        try (java.net.ServerSocket s = new java.net.ServerSocket()) {
            s.setReuseAddress(true);
            s.bind(new java.net.InetSocketAddress("127.0.0.1", port));
        } catch (java.net.BindException e) {
            throw new StartupError("port " + port + " on 127.0.0.1 is taken, so meshpulse cannot start its own "
                    + "broker there; if it is a broker already (`meshpulse broker`), use it with --bootstrap-servers "
                    + "127.0.0.1:" + port + ", else choose another port (`run --broker-port`, `broker --port`)");
        }
    }

    /** Starts a broker with its logs under {@code dataDir}; {@code port} 0 picks a free port. */
    public static EmbeddedBroker start(Path dataDir, int port) {
        return start(dataDir, port, Map.of());
    }

    /** Same, with broker settings of the caller's on top of meshpulse's (tests: e.g. a fast retention check). */
    public static EmbeddedBroker start(Path dataDir, int port, Map<String, String> overrides) {
        try {
            Path logDir = dataDir.resolve("kafka-logs").toAbsolutePath();
            Files.createDirectories(logDir);
            if (port != 0) requireFree(port);
            int brokerPort = port == 0 ? freePort(-1) : port;
            // Never the broker's port: two free-port picks in a row can return the same port once it is closed.
            int controllerPort = freePort(brokerPort);
            Properties p = new Properties();
            p.put("process.roles", "broker,controller");
            p.put("node.id", "1");
            p.put("controller.quorum.voters", "1@127.0.0.1:" + controllerPort);
            p.put("listeners", "PLAINTEXT://127.0.0.1:" + brokerPort + ",CONTROLLER://127.0.0.1:" + controllerPort);
            p.put("advertised.listeners", "PLAINTEXT://127.0.0.1:" + brokerPort);
            p.put("controller.listener.names", "CONTROLLER");
            p.put("inter.broker.listener.name", "PLAINTEXT");
            p.put("listener.security.protocol.map", "PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT");
            p.put("log.dirs", logDir.toString());
            p.put("num.partitions", "4");
            p.put("auto.create.topics.enable", "false");
            p.put("offsets.topic.replication.factor", "1");
            p.put("offsets.topic.num.partitions", "4");
            p.put("transaction.state.log.replication.factor", "1");
            p.put("transaction.state.log.min.isr", "1");
            p.put("transaction.state.log.num.partitions", "4");
            p.put("share.coordinator.state.topic.replication.factor", "1");
            p.put("share.coordinator.state.topic.min.isr", "1");
            p.put("group.initial.rebalance.delay.ms", "0");
            p.put("log.segment.bytes", String.valueOf(256 * 1024 * 1024));
            p.put("message.max.bytes", String.valueOf(8 * 1024 * 1024));
            // The log cleaner (compacted changelogs, the IP table) allocates its dedupe buffer on the heap and clears
            // it on every pass: 128 MB by default, a quarter of a 512 MB replay's heap and, in a replay profile, the
            // broker's busiest thread filling it. 16 MB holds ~700k keys per pass, plenty for one node's topics.
            p.put("log.cleaner.dedupe.buffer.size", String.valueOf(16 * 1024 * 1024));
            p.putAll(overrides);
            KafkaConfig config = KafkaConfig.fromProps(p, false);

            Formatter formatter = new Formatter()
                    .setNodeId(1)
                    .setClusterId(clusterIdOf(logDir))
                    .setDirectories(List.of(logDir.toString()))
                    .setMetadataLogDirectory(logDir.toString())
                    .setReleaseVersion(MetadataVersion.LATEST_PRODUCTION)
                    .setSupportedFeatures(Feature.PRODUCTION_FEATURES)
                    .setFeatureLevel("transaction.version", (short) 1)
                    .setControllerListenerName("CONTROLLER")
                    .setIgnoreFormatted(true)
                    .setPrintStream(new java.io.PrintStream(java.io.OutputStream.nullOutputStream()));
            formatter.run();

            KafkaRaftServer server = new KafkaRaftServer(config, Time.SYSTEM);
            server.startup();
            String bootstrap = "127.0.0.1:" + brokerPort;
            EmbeddedBroker broker = new EmbeddedBroker(server, bootstrap, dataDir);
            broker.awaitReady(Duration.ofSeconds(60));
            LOG.info("embedded Kafka broker ready on {} (data in {})", bootstrap, logDir);
            return broker;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start the embedded broker in " + dataDir, e);
        } catch (RuntimeException e) {
            throw e;
        } catch (Exception e) {
            throw new IllegalStateException("cannot start the embedded broker in " + dataDir + ": " + e.getMessage(), e);
        }
    }

    private void awaitReady(Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        Properties p = new Properties();
        p.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        try (Admin admin = Admin.create(p)) {
            while (true) {
                try {
                    if (!admin.describeCluster().nodes().get(2, TimeUnit.SECONDS).isEmpty()) return;
                } catch (Exception notYet) {
                    if (System.nanoTime() > deadline) {
                        throw new IllegalStateException("embedded broker not ready after " + timeout, notYet);
                    }
                }
            }
        }
    }

    public String bootstrapServers() {
        return bootstrap;
    }

    public Path dataDir() {
        return dataDir;
    }

    private static int freePort(int not) throws IOException {
        while (true) {
            try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
                s.setReuseAddress(true);
                if (s.getLocalPort() != not) return s.getLocalPort();
            }
        }
    }

    @Override
    public void close() {
        server.shutdown();
        server.awaitShutdown();
    }
}
