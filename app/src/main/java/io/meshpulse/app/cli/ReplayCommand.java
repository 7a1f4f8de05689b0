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

    @Option(names = "--partitions", defaultValue = "4", description = "Partitions of the run's topics (default ${DEFAULT-VALUE}).")
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
            description = "Istio the alert commands are written for (default: AKS add-on, or MESHPULSE_ALERTS_FLAVOUR).")
    io.meshpulse.alerts.Flavour flavour;

    @Option(names = "--revision", paramLabel = "asm-X-Y",
            description = "Control-plane revision used in commands (default: looked up from istiod's label by the first command).")
    String revision;

    @Option(names = "--alerts-config", paramLabel = "FILE",
            description = "Properties file with meshpulse.alerts.* thresholds (see README, Alerts); env MESHPULSE_ALERTS_* overrides.")
    java.nio.file.Path alertsConfig;

    static io.meshpulse.alerts.AlertSettings alertSettings(java.nio.file.Path file, io.meshpulse.alerts.Flavour flavour,
                                                          String revision) throws java.io.IOException {
        java.util.Map<String, String> props = new java.util.HashMap<>();
        if (file != null) {
            java.util.Properties p = new java.util.Properties();
            try (var in = java.nio.file.Files.newBufferedReader(file)) {
                p.load(in);
            }
            p.stringPropertyNames().forEach(k -> props.put(k, p.getProperty(k)));
        }
        if (flavour != null) props.put(io.meshpulse.alerts.AlertSettings.PREFIX + "flavour", flavour.name());
        if (revision != null) props.put(io.meshpulse.alerts.AlertSettings.PREFIX + "revision", revision);
        java.util.Map<String, String> env = new java.util.HashMap<>(System.getenv());
        if (flavour != null) env.remove(io.meshpulse.alerts.AlertSettings.envName("flavour"));
        if (revision != null) env.remove(io.meshpulse.alerts.AlertSettings.envName("revision"));
        return io.meshpulse.alerts.AlertSettings.fromEnvironment(env, props);
    }

    @Option(names = "--serve",
            description = "Serve the triage page, API and /metrics during the replay and after it, until Ctrl-C.")
    boolean serve;

    @picocli.CommandLine.Mixin
    ServeMixin http = new ServeMixin();

    @Override
    public Integer call() throws Exception {
        var only = containers.contains("all") ? java.util.Set.<String>of() : new LinkedHashSet<>(containers);
        Replay.Options options = new Replay.Options(inputs, out, window, grace, bootstrapServers, data, partitions,
                only, keepTopics, timeout, System.console() != null ? System.err : null, null,
                alertSettings(alertsConfig, flavour, revision));
        Replay.Summary s;
        if (serve) {
            try (ServeHooks hooks = new ServeHooks(http.options(), true, System.err)) {
                s = Replay.run(options, hooks);
            }
        } else {
            s = Replay.run(options);
        }
        System.err.printf("%,d lines read, %,d counted in %,d windows of %,d pairs, %,d dead-lettered, %,d alert records, in %.1f s%n",
                s.get("linesProduced"), s.get("parsed"), s.get("windows"), s.get("pairs"), s.get("rejected"),
                s.get("alerts"), s.get("wallTimeMs") / 1000.0);
        System.err.println("results in " + out.toAbsolutePath());
        return s.complete() ? 0 : 3;
    }
}
