package io.meshpulse.app.cli;

import io.meshpulse.app.replay.Replay;
import io.meshpulse.app.serve.ServeHooks;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "replay", mixinStandardHelpOptions = true,
        header = "Replay kubelet log files through Kafka and the topology; write stats, dead letters, alerts.",
        description = {"Replay kubelet log files of istio-proxy containers through Kafka and the topology,",
                "and write DIR/pair-stats.jsonl, DIR/dlq.jsonl, DIR/alerts.jsonl and DIR/summary.json."})
final class ReplayCommand implements Callable<Integer> {
    @Option(names = "--input", required = true, arity = "1..*", paramLabel = "PATH",
            description = "Files, or folders such as /var/log/pods and /var/log/containers (rotated and .gz files included).")
    List<Path> inputs;

    @Option(names = "--out", required = true, paramLabel = "DIR", description = "Where to write the results.")
    Path out;

    @Option(names = "--window", defaultValue = "10s", converter = DurationConverter.class,
            description = "Tumbling window size (default ${DEFAULT-VALUE}).")
    Duration window;

    @Option(names = "--grace", defaultValue = "30s", converter = DurationConverter.class,
            description = "How late a line may arrive and still count (default ${DEFAULT-VALUE}).")
    Duration grace;

    @Option(names = "--bootstrap-servers", paramLabel = "HOST:PORT",
            description = "Kafka to use; without it meshpulse starts a broker of its own.")
    String bootstrapServers;

    @Option(names = "--data", paramLabel = "DIR",
            description = "Data folder of the embedded broker (default: a temporary folder, removed afterwards).")
    Path data;

    @Option(names = "--partitions", defaultValue = "1",
            description = "Partitions of the run's topics (default ${DEFAULT-VALUE}: a replay runs one stream thread, and "
                    + "each further partition only adds tasks to commit and punctuate).")
    int partitions;

    @Option(names = "--container", defaultValue = "istio-proxy", split = ",",
            description = "Container names to read (default ${DEFAULT-VALUE}); 'all' reads every container.")
    List<String> containers;

    @Option(names = "--keep-topics", description = "Keep the run's topics after it ends.")
    boolean keepTopics;

    @Option(names = "--timeout", defaultValue = "10m", converter = DurationConverter.class,
            description = "How long to wait for the output once all input is sent (default ${DEFAULT-VALUE}).")
    Duration timeout;

    @Option(names = "--flavour", paramLabel = "AKS|UPSTREAM",
            description = "Istio the alert commands are written for: AKS (aks-addon) or UPSTREAM (default: "
                    + "$MESHPULSE_ALERTS_FLAVOUR, else $MESHPULSE_MESH_FLAVOR, else AKS).")
    String flavour;

    @Option(names = "--revision", paramLabel = "asm-X-Y",
            description = "Control-plane revision used in commands (default: $MESHPULSE_ALERTS_REVISION, else "
                    + "$MESHPULSE_ISTIO_REVISION, else looked up from istiod's label by the first command).")
    String revision;

    @Option(names = "--alerts-config", paramLabel = "FILE",
            description = "Properties file with meshpulse.alerts.* thresholds (see README, Alerts); the environment "
                    + "(MESHPULSE_ALERTS_*, then the deploy manifests' names) overrides it.")
    java.nio.file.Path alertsConfig;

    /**
     * The alerts stage's settings. Per key, the first that is set wins: the flag ({@code --flavour},
     * {@code --revision}), {@code MESHPULSE_ALERTS_<KEY>}, the deploy manifests' name
     * ({@code MESHPULSE_MESH_FLAVOR}, {@code MESHPULSE_ISTIO_NAMESPACE}, {@code MESHPULSE_ISTIO_REVISION},
     * {@code MESHPULSE_REDACT_QUERY_STRINGS}), the {@code --alerts-config} file, the default. Every value given is
     * checked, also an overridden one; a bad one is a {@link SettingsError} naming where it came from.
     */
    static io.meshpulse.alerts.AlertSettings alertSettings(java.nio.file.Path file, String flavour, String revision,
                                                          java.util.Map<String, String> env) {
        return alertSettings(file, flavour, revision, env, io.meshpulse.alerts.AlertSettings.DEFAULT_WINDOW);
    }

    /** {@link #alertSettings(java.nio.file.Path, String, String, java.util.Map)} for windows of {@code window}. */
    static io.meshpulse.alerts.AlertSettings alertSettings(java.nio.file.Path file, String flavour, String revision,
                                                          java.util.Map<String, String> env, Duration window) {
        java.util.Map<String, String> props = new java.util.HashMap<>();
        if (file != null) {
            java.util.Properties p = new java.util.Properties();
            try (var in = java.nio.file.Files.newBufferedReader(file)) {
                p.load(in);
            } catch (java.io.IOException e) {
                throw new SettingsError("cannot read --alerts-config " + file + ": " + e.getClass().getSimpleName());
            }
            p.stringPropertyNames().forEach(k -> props.put(k, p.getProperty(k)));
        }
        try {
            io.meshpulse.alerts.AlertSettings s = io.meshpulse.alerts.AlertSettings.fromEnvironment(env, props, window);
            if (flavour != null) s = s.withFlavour(io.meshpulse.alerts.Flavour.parse(flavour));
            if (revision != null) s = s.withRevision(revision.isBlank() ? null : revision.trim());
            return s;
        } catch (IllegalArgumentException e) {
            throw new SettingsError(flavour != null && e.getMessage().startsWith("unknown mesh flavour")
                    ? "--flavour: " + e.getMessage() : e.getMessage());
        }
    }

    @Option(names = "--serve",
            description = "Serve the triage page, API and /metrics during the replay and after it, until Ctrl-C.")
    boolean serve;

    @picocli.CommandLine.Mixin
    ServeMixin http = new ServeMixin();

    @picocli.CommandLine.Mixin
    KafkaClientOptions kafka = new KafkaClientOptions();

    @Override
    public Integer call() throws Exception {
        if (bootstrapServers == null) LogLevels.embeddedKafkaErrorsOnly();
        io.meshpulse.app.serve.ServeOptions serveOptions = serve ? http.options() : null; // bad ones said first
        var only = containers.contains("all") ? java.util.Set.<String>of() : new LinkedHashSet<>(containers);
        // Nothing to replay is a mistake to say at once, not a broker started for a run that counts nothing.
        for (Path p : inputs) {
            if (!java.nio.file.Files.exists(p)) throw new SettingsError("--input " + p + ": no such file or folder");
        }
        java.util.List<String> skipped = new java.util.ArrayList<>();
        if (io.meshpulse.ingest.files.LogFileSet.discover(inputs, only, skipped).isEmpty()) {
            throw new SettingsError("no container log files of " + (only.isEmpty() ? "any container" : String.join(", ", only))
                    + " under " + inputs + " (kubelet layout: /var/log/pods/<namespace>_<pod>_<uid>/<container>/0.log"
                    + " or /var/log/containers/<pod>_<namespace>_<container>-<id>.log; --container all for every"
                    + " container)" + (skipped.isEmpty() ? "" : "; skipped: " + String.join("; ",
                    skipped.subList(0, Math.min(3, skipped.size()))) + (skipped.size() > 3 ? "; …" : "")));
        }
        java.util.Map<String, Object> clientSettings = java.util.Map.of();
        if (bootstrapServers != null) {
            clientSettings = kafka.overrides();
        } else if (kafka.file() != null) {
            // the embedded broker speaks plain text on 127.0.0.1: a cluster's security settings would only break it
            System.err.println("note: " + kafka.file() + " (Kafka client settings) is not used with the embedded "
                    + "broker; give --bootstrap-servers to replay into that cluster");
        }
        Replay.Options options = new Replay.Options(inputs, out, window, grace, bootstrapServers, data, partitions,
                only, keepTopics, timeout, System.console() != null ? System.err : null, null,
                alertSettings(alertsConfig, flavour, revision, System.getenv(), window), clientSettings);
        Replay.Summary s;
        if (serve) { // said before the wait for Ctrl-C: nothing printed after it is sure to be seen
            try (ServeHooks hooks = new ServeHooks(serveOptions, true, System.err).beforeStaying(this::closing)) {
                s = Replay.run(options, hooks);
            }
        } else {
            s = Replay.run(options);
            closing(s);
        }
        return s.complete() ? 0 : 3;
    }

    /** The run in one line, and where its results are. */
    private void closing(Replay.Summary s) {
        long read = ((Number) s.get("linesRead")).longValue();
        // lines once partial chunks are joined: those sent to the topology and those dead-lettered as read
        long lines = ((Number) s.get("linesProduced")).longValue() + s.get("deadLetteredOnRead");
        System.err.printf("%,d lines read%s, %,d counted in %,d windows of %,d pairs, %,d dead-lettered, %,d alert records, in %.1f s%n",
                read, read == lines ? "" : String.format(" (%,d once CRI partial chunks are joined)", lines),
                s.get("parsed"), s.get("windows"), s.get("pairs"), s.get("rejected"),
                s.get("alerts"), s.get("wallTimeMs") / 1000.0);
        java.util.List<?> fileErrors = (java.util.List<?>) s.fields().get("fileErrors");
        if (fileErrors != null && !fileErrors.isEmpty()) {
            System.err.printf("%,d file(s) could not be read to their end, their unread lines are not in these counts"
                    + " (summary.json \"fileErrors\"): %s%n", fileErrors.size(), fileErrors.get(0));
        }
        System.err.println("results in " + out.toAbsolutePath());
    }
}
