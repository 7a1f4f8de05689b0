package io.meshpulse.app.cli;

import io.meshpulse.alerts.AlertSettings;
import io.meshpulse.alerts.sink.AlertSink;
import io.meshpulse.alerts.sink.AlertmanagerSink;
import io.meshpulse.alerts.sink.AlertsRuntime;
import io.meshpulse.alerts.sink.ConsoleSink;
import io.meshpulse.alerts.sink.WebhookSink;
import io.meshpulse.app.kafka.EmbeddedBroker;
import io.meshpulse.app.kafka.StreamsRunner;
import io.meshpulse.app.kafka.TopicAdmin;
import io.meshpulse.app.serve.Server;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.meshpulse.ingest.tail.KafkaTailSink;
import io.meshpulse.ingest.tail.TailConfig;
import io.meshpulse.ingest.tail.TailRunner;
import io.meshpulse.model.Topics;
import io.meshpulse.topology.MeshpulseTopology;
import io.meshpulse.topology.Settings;
import io.meshpulse.topology.stream.CloseHolds;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.StreamsConfig;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code meshpulse run}: the live application — the topology (and the stages built on it) as a Kafka Streams
 * instance, optionally with a tailer in the same process for a single-machine setup. Every instance started with
 * the same {@code --application-id} against the same Kafka shares the work by partitions; that is the only way
 * meshpulse scales out. Settings also come from {@code MESHPULSE_*} environment variables (a flag wins).
 */
@Command(name = "run", mixinStandardHelpOptions = true,
        header = "Run meshpulse live: topology, alerts, HTTP server and sinks on Kafka Streams.",
        description = {"Run meshpulse live: the topology on Kafka Streams (exactly-once, RocksDB state),",
                "optionally following kubelet log files in the same process (--tail-path)."})
public final class RunCommand implements Callable<Integer> {
    private static final Logger LOG = LoggerFactory.getLogger(RunCommand.class);

    @Option(names = "--bootstrap-servers", paramLabel = "HOST:PORT", defaultValue = "${env:MESHPULSE_BOOTSTRAP_SERVERS}",
            description = "Kafka (default $MESHPULSE_BOOTSTRAP_SERVERS); without it meshpulse runs a broker of its own, "
                    + "with its data under the state folder.")
    String bootstrapServers;

    @Option(names = "--broker-port", defaultValue = "9092",
            description = "Port of the embedded broker when there is no --bootstrap-servers (default ${DEFAULT-VALUE}).")
    int brokerPort;

    @Option(names = "--state-dir", defaultValue = "${env:MESHPULSE_STATE_DIR:-./meshpulse-state}",
            description = "Kafka Streams state (and the embedded broker's data) (default ${DEFAULT-VALUE}).")
    Path stateDir;

    @Option(names = "--application-id", defaultValue = "${env:MESHPULSE_APPLICATION_ID:-meshpulse}",
            description = "Kafka Streams application id; instances with the same id share the work (default ${DEFAULT-VALUE}).")
    String applicationId;

    @Option(names = "--application-server", defaultValue = "${env:MESHPULSE_APPLICATION_SERVER}", paramLabel = "HOST:PORT",
            description = "This instance's HTTP address as other instances reach it (routing of triage queries); "
                    + "default: --advertised-host (or the bind address) and the HTTP port.")
    String applicationServer;

    @picocli.CommandLine.Mixin
    ServeMixin http = new ServeMixin();

    @Option(names = "--topic-prefix", defaultValue = Topics.DEFAULT_PREFIX,
            description = "Prefix of meshpulse's topics (default ${DEFAULT-VALUE}).")
    String topicPrefix;

    @Option(names = "--partitions", defaultValue = "${env:MESHPULSE_PARTITIONS:-4}",
            description = "Partitions of meshpulse's topics when this command creates them (default ${DEFAULT-VALUE}).")
    int partitions;

    @Option(names = "--window", defaultValue = "${env:MESHPULSE_WINDOW:-10s}", converter = DurationConverter.class,
            description = "Tumbling window size (default ${DEFAULT-VALUE}).")
    Duration window;

    @Option(names = "--grace", defaultValue = "${env:MESHPULSE_GRACE:-30s}", converter = DurationConverter.class,
            description = "How late a line may arrive and still count (default ${DEFAULT-VALUE}).")
    Duration grace;

    @Option(names = "--early-look", defaultValue = "${env:MESHPULSE_EARLY_LOOK:-2s}",
            description = "How far past a window's end (event time) each parsing task shows its counts to the alerts "
                    + "stage, so an alert need not wait for the grace; 'off' to alert on closed windows only. "
                    + "Pair stats are unaffected (default ${DEFAULT-VALUE}).")
    String earlyLook;

    @Option(names = "--early-look-every", defaultValue = "${env:MESHPULSE_EARLY_LOOK_EVERY:-half}",
            description = "How often (event time) early looks come: 'half' (default: at the middle of each window and "
                    + "at its end, so a spike that begins late in a window is judged half a window later, not a "
                    + "whole one), 'window' (at each window's end only), or a duration that divides --window.")
    String earlyLookEvery;

    @Option(names = "--idle-after", defaultValue = "5s", converter = DurationConverter.class,
            description = "With no input for this long, a task's clock follows the wall clock so windows still close "
                    + "(default ${DEFAULT-VALUE}).")
    Duration idleAfter;

    @Option(names = "--heartbeat-expiry", defaultValue = "90s", converter = DurationConverter.class,
            description = "How long a task keeps waiting for an ingest (a tailer) that sent heartbeats and went silent, "
                    + "counted only while the task hears other tailers or lines (during a total outage nobody "
                    + "expires; an hour of silence in all, or this if longer, drops it anyway); while it waits, "
                    + "windows close, and its idle clock goes, no further than what that ingest had read "
                    + "(default ${DEFAULT-VALUE}).")
    Duration heartbeatExpiry;

    @Option(names = "--retention", defaultValue = "24h", converter = DurationConverter.class,
            description = "How long closed windows stay queryable in the state stores (default ${DEFAULT-VALUE}).")
    Duration retention;

    @Option(names = "--threads", defaultValue = "${env:MESHPULSE_NUM_STREAM_THREADS:-1}",
            description = "Stream threads (default ${DEFAULT-VALUE}).")
    int threads;

    @Option(names = "--standby-replicas", defaultValue = "${env:MESHPULSE_NUM_STANDBY_REPLICAS:-0}",
            description = "Warm copies of each task's state on other instances (default ${DEFAULT-VALUE}).")
    int standbyReplicas;

    @Option(names = "--group-instance-id", defaultValue = "${env:MESHPULSE_GROUP_INSTANCE_ID}",
            description = "Static membership id (e.g. the pod name), so a restart does not rebalance.")
    String groupInstanceId;

    @Option(names = "--rocksdb-memory", defaultValue = "${env:MESHPULSE_ROCKSDB_MEMORY_BYTES:-268435456}",
            description = "Bytes shared by all RocksDB stores of this instance: block cache and memtables (default ${DEFAULT-VALUE}).")
    long rocksDbMemory;

    @picocli.CommandLine.Mixin
    KafkaClientOptions kafka = new KafkaClientOptions();

    static final String ALERTMANAGER_URL_ENV = "MESHPULSE_ALERTMANAGER_URL";

    @Option(names = "--alertmanager-url", paramLabel = "URL[,URL...]", split = ",",
            description = "Send alerts to this Alertmanager (API v2), re-sent while firing; repeat the flag or separate "
                    + "URLs with commas for the replicas of an Alertmanager cluster: each gets every alert "
                    + "(default $" + ALERTMANAGER_URL_ENV + ").")
    List<String> alertmanagerUrls;

    @Option(names = "--webhook-url", defaultValue = "${env:MESHPULSE_WEBHOOK_URL}", paramLabel = "URL",
            description = "POST every alert state change as JSON to this URL (retried with backoff).")
    String webhookUrl;

    @Option(names = "--quiet", description = "Do not print alerts on the console.")
    boolean quiet;

    @Option(names = "--tail-path", arity = "1..*", paramLabel = "GLOB",
            description = "Also follow these kubelet log files in this process (single-machine setups).")
    List<String> tailPaths;

    @Option(names = "--tail-from-beginning", description = "With --tail-path: read existing files from their start.")
    boolean tailFromBeginning;

    /** {@code --early-look-every}: null for once a window; "half" is half the window when that is whole milliseconds. */
    static Duration earlyLookEvery(String v, Duration window) {
        String t = v == null ? "half" : v.trim();
        if (t.isEmpty() || t.equalsIgnoreCase("window")) return null;
        if (t.equalsIgnoreCase("half")) return window.toMillis() % 2 == 0 ? window.dividedBy(2) : null;
        Duration d;
        try {
            d = new DurationConverter().convert(t);
        } catch (RuntimeException e) {
            throw new SettingsError("--early-look-every: 'half', 'window' or a duration, not " + t);
        }
        if (d.toNanos() % 1_000_000 != 0) { // the topology counts its steps in whole milliseconds
            throw new SettingsError("--early-look-every must be whole milliseconds: " + t);
        }
        if (d.isZero() || d.isNegative() || window.toMillis() % d.toMillis() != 0) {
            throw new SettingsError("--early-look-every must divide --window (" + window.toMillis() + " ms): " + t);
        }
        return d.equals(window) ? null : d;
    }

    /** A look must come before the next look point, or it would show more than it is labelled with. */
    static void checkEarlyLooks(Duration early, Duration every) {
        if (early != null && every != null && early.compareTo(every) >= 0) {
            throw new SettingsError("--early-look (" + human(early) + ") must be shorter than --early-look-every ("
                    + human(every) + "): each look comes that long after its point and must come before the next point");
        }
    }

    private static String human(Duration d) {
        return d.toMillis() % 1000 == 0 ? d.toSeconds() + "s" : d.toMillis() + "ms";
    }

    static Duration earlyLook(String v) {
        if (v == null || v.isBlank() || v.equalsIgnoreCase("off")) return null;
        return new DurationConverter().convert(v.trim());
    }

    /**
     * The alerts stage's settings from the environment: {@code MESHPULSE_ALERTS_*}, then the manifests' names
     * ({@code MESHPULSE_MESH_FLAVOR}, {@code MESHPULSE_ISTIO_NAMESPACE}, {@code MESHPULSE_ISTIO_REVISION},
     * {@code MESHPULSE_REDACT_QUERY_STRINGS}), then defaults. A bad value is a {@link SettingsError} naming it.
     */
    static AlertSettings alertSettings(Map<String, String> env) {
        return alertSettings(env, AlertSettings.DEFAULT_WINDOW);
    }

    /** {@link #alertSettings(Map)} for windows of {@code window} (see {@link AlertSettings#fromEnvironment}). */
    static AlertSettings alertSettings(Map<String, String> env, Duration window) {
        try {
            return AlertSettings.fromEnvironment(env, Map.of(), window);
        } catch (IllegalArgumentException e) {
            throw new SettingsError(e.getMessage());
        }
    }

    /**
     * The Alertmanager replicas: the {@code --alertmanager-url} values if any, else {@value #ALERTMANAGER_URL_ENV};
     * either may list several URLs separated by commas (blanks are ignored, so an empty variable means none). Each
     * must be an http(s) URL with a host, else a {@link SettingsError}; the same URL twice counts once.
     */
    static List<URI> alertmanagerUrls(List<String> flags, Map<String, String> env) {
        boolean fromFlag = flags != null && flags.stream().anyMatch(v -> v != null && !v.isBlank());
        String source = fromFlag ? "--alertmanager-url" : ALERTMANAGER_URL_ENV;
        List<String> values = fromFlag ? flags : List.of(env.getOrDefault(ALERTMANAGER_URL_ENV, "").split(","));
        java.util.LinkedHashSet<URI> out = new java.util.LinkedHashSet<>();
        for (String raw : values) {
            String v = raw == null ? "" : raw.trim();
            if (v.isEmpty()) continue;
            URI u;
            try {
                u = new URI(v);
            } catch (java.net.URISyntaxException e) {
                throw new SettingsError(source + " has a value that is not a URL (" + e.getReason() + ")");
            }
            String scheme = u.getScheme() == null ? "" : u.getScheme().toLowerCase(java.util.Locale.ROOT);
            if (!(scheme.equals("http") || scheme.equals("https")) || u.getHost() == null) {
                throw new SettingsError(source + " must list http:// or https:// URLs with a host"
                        + (v.contains("$(") ? " (a Kubernetes variable reference was not expanded)" : ""));
            }
            out.add(u);
        }
        return List.copyOf(out);
    }

    /** {@code meshpulse_alertmanager_posts_total{replica, outcome}} and the alerts waiting per replica. */
    static void bindAlertmanagerMetrics(AlertmanagerSink sink, io.micrometer.core.instrument.MeterRegistry registry) {
        for (int i = 0; i < sink.replicas().size(); i++) {
            int n = i;
            String replica = sink.replicas().get(i).name();
            Map<String, java.util.function.ToDoubleFunction<AlertmanagerSink>> outcomes = Map.of(
                    "sent", s -> s.replica(n).sent(),
                    "failed", s -> s.replica(n).failed(),
                    "refused", s -> s.replica(n).refused());
            outcomes.forEach((outcome, f) -> io.micrometer.core.instrument.FunctionCounter
                    .builder("meshpulse.alertmanager.posts", sink, f).tag("replica", replica).tag("outcome", outcome)
                    .description("POSTs to each Alertmanager replica: sent (accepted), failed (I/O, 5xx, 429: "
                            + "retried with backoff), refused (other 4xx: dropped)")
                    .register(registry));
            io.micrometer.core.instrument.Gauge.builder("meshpulse.alertmanager.pending.alerts", sink,
                            s -> s.replica(n).pending()).tag("replica", replica)
                    .description("Alerts waiting for an Alertmanager replica (it is down or slow)").register(registry);
        }
    }

    @Override
    public Integer call() throws Exception {
        boolean ownBroker = bootstrapServers == null || bootstrapServers.isBlank();
        if (ownBroker) LogLevels.embeddedKafkaErrorsOnly();
        // settings first: a bad one stops the command before it starts a broker, binds a port or joins a group
        AlertSettings alertSettings = alertSettings(System.getenv(), window);
        LOG.info("alert commands written for {} (root namespace {}, revision {})",
                alertSettings.flavour() == io.meshpulse.alerts.Flavour.AKS ? "the AKS Istio add-on" : "upstream Istio",
                alertSettings.rootNamespace(),
                alertSettings.revision() != null ? alertSettings.revision() : "looked up from istiod's label");
        Map<String, Object> extra = kafka.overrides();
        Duration early = earlyLook(earlyLook);
        Duration earlyEvery = earlyLookEvery(earlyLookEvery, window);
        checkEarlyLooks(early, earlyEvery);
        List<URI> alertmanagers = alertmanagerUrls(alertmanagerUrls, System.getenv());
        io.meshpulse.app.serve.ServeOptions serveOptions = http.options(); // the token file too, before the broker
        stateDir = stateDir.toAbsolutePath().normalize(); // the log names it: /here/meshpulse-state, not /here/./…
        Files.createDirectories(stateDir);
        EmbeddedBroker broker = null;
        String bootstrap = bootstrapServers;
        if (ownBroker) {
            broker = EmbeddedBroker.start(stateDir.resolve("broker"), brokerPort);
            bootstrap = broker.bootstrapServers();
        }
        Topics topics = Topics.withPrefix(topicPrefix);
        PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        IngestCommand.registry = registry; // the in-process tailer counts on /metrics too
        Server server = Server.bind(serveOptions, registry);
        int exit = 0;
        try (TopicAdmin admin = new TopicAdmin(bootstrap, extra)) {
            admin.ensure(topics, partitions, broker != null ? Optional.of((short) 1) : Optional.empty());
            int rawPartitions = admin.partitions(topics.rawAccessLog());
            Settings settings = new Settings(window, grace, rawPartitions, idleAfter, Duration.ofSeconds(1), retention,
                    early, Settings.DEFAULT_CLOSE_DELAY, heartbeatExpiry, earlyEvery);
            StreamsBuilder builder = new StreamsBuilder();
            AlertsRuntime.addTopology(builder, MeshpulseTopology.add(builder, topics, settings), topics, alertSettings);
            Properties config = StreamsRunner.config(applicationId, bootstrap, stateDir.resolve("streams"), threads,
                    broker != null ? (short) 1 : (short) -1, rocksDbMemory);
            config.put(StreamsConfig.NUM_STANDBY_REPLICAS_CONFIG, standbyReplicas);
            config.put(StreamsConfig.APPLICATION_SERVER_CONFIG,
                    applicationServer != null && !applicationServer.isBlank() ? applicationServer
                            : server.applicationServer());
            config.put(CloseHolds.CONFIG, server.closeHolds()); // the tasks report heartbeat holds to /metrics
            if (groupInstanceId != null && !groupInstanceId.isBlank()) {
                config.put(StreamsConfig.mainConsumerPrefix(ConsumerConfig.GROUP_INSTANCE_ID_CONFIG), groupInstanceId);
            }
            config.putAll(extra);

            // SIGTERM: tell the main thread to stop, then hold the JVM until Streams has committed and closed.
            CountDownLatch stop = new CountDownLatch(1);
            CountDownLatch done = new CountDownLatch(1);
            Runtime.getRuntime().addShutdownHook(new Thread(() -> {
                stop.countDown();
                try {
                    done.await(170, java.util.concurrent.TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }, "meshpulse-run-shutdown"));
            TailRunner tailer = null;
            Thread tailThread = null;
            AtomicInteger tailEnd = new AtomicInteger(-1); // the tailer's exit status once it ended on its own
            AlertsRuntime sinks = null;
            try (StreamsRunner streams = new StreamsRunner(builder.build(), config, true)) {
                // The tailer starts before Streams is running: after a kill -9, rejoining the group waits out the dead
                // member's session (about 45 s), and lines the tailer sends meanwhile wait in the raw topic instead of
                // piling up in the files as a backlog.
                if (tailPaths != null && !tailPaths.isEmpty()) {
                    String node = IngestCommand.nodeName(null);
                    TailConfig tc = TailConfig.defaults(tailPaths, node).withContainers(Set.of("istio-proxy"))
                            .withFromBeginning(tailFromBeginning);
                    String bs = bootstrap;
                    TailRunner runner = new TailRunner(tc, () -> new KafkaTailSink(bs, topics.rawAccessLog(),
                            topics.deadLetters(), KafkaTailSink.CHECKPOINT_TOPIC, node, extra),
                            IngestCommand.registry, Duration.ofSeconds(60));
                    tailer = runner;
                    tailThread = new Thread(() -> {
                        int code = 1; // an Error or an unexpected exception ended the tailer
                        try {
                            code = runner.run();
                        } catch (InterruptedException e) {
                            Thread.currentThread().interrupt();
                        } finally {
                            tailEnd.set(code);
                            stop.countDown(); // run stops when its tailer does (see tailerExit)
                        }
                    }, "meshpulse-tail");
                    tailThread.start();
                    LOG.info("following {} on node {}", tailPaths, node);
                }
                streams.start(Duration.ofMinutes(5));
                server.attach(streams.streams(), topics, bootstrap, extra);
                LOG.info("serving {} (triage page, /api/v1, /metrics, /readyz)", server.url());
                List<AlertSink> alertSinks = new ArrayList<>();
                if (!quiet) alertSinks.add(new ConsoleSink(System.out));
                if (!alertmanagers.isEmpty()) {
                    AlertmanagerSink am = new AlertmanagerSink(alertmanagers, Duration.ofMinutes(1), Duration.ofSeconds(1),
                            Duration.ofMinutes(1));
                    bindAlertmanagerMetrics(am, registry);
                    alertSinks.add(am);
                    LOG.info("sending alerts to {} Alertmanager replica(s): {}", alertmanagers.size(),
                            am.replicas().stream().map(AlertmanagerSink.ReplicaStatus::name).toList());
                }
                if (webhookUrl != null && !webhookUrl.isBlank()) {
                    alertSinks.add(new WebhookSink(URI.create(webhookUrl), 5, Duration.ofSeconds(1)));
                }
                sinks = AlertsRuntime.startSinks(bootstrap, extra, topics, applicationId + "-alert-sinks", alertSinks);
                LOG.info("meshpulse running: application {} on {} ({} raw partitions, {} windows, grace {}; parser {})",
                        applicationId, bootstrap, rawPartitions, window, grace,
                        io.meshpulse.topology.parse.AccessLogParser.usesVectorBitmaps() ? "with vector bitmaps"
                                : "with scalar searches (no --add-modules jdk.incubator.vector)");
                while (!stop.await(1, java.util.concurrent.TimeUnit.SECONDS)) {
                    streams.checkFailed();
                }
                exit = tailerExit(tailEnd.get());
                LOG.info("stopping");
            } finally {
                if (sinks != null) sinks.close();
                if (tailer != null) tailer.stopAndAwait(tailThread, TailRunner.STOP_GRACE);
                server.close();
                if (broker != null) broker.close();
                done.countDown();
            }
        }
        return exit;
    }

    /**
     * The exit status of {@code run} for a tailer that ended before the process was asked to stop ({@code -1} when it
     * did not): being fenced (another tailer took this node's transactional id) ends {@code run} with 2, as it ends
     * {@code ingest tail}, and any other end with 1. Counting would go on without the node's lines otherwise, with
     * nothing but a log line to say so; a stopped process is what an orchestrator and an operator notice.
     */
    static int tailerExit(int tailerStatus) {
        if (tailerStatus < 0) return 0;
        if (tailerStatus == TailRunner.FENCED) {
            LOG.error("stopping: the tailer was fenced by another tailer of this node (exit 2)");
            return 2;
        }
        LOG.error("stopping: the tailer ended unexpectedly (exit 1)");
        return 1;
    }
}
