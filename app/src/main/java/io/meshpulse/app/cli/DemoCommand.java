package io.meshpulse.app.cli;

import io.meshpulse.app.replay.Replay;
import io.meshpulse.app.serve.ServeHooks;
import io.meshpulse.model.PairWindowStats;
import io.meshpulse.sim.Incident;
import io.meshpulse.sim.MeshSimulator;
import io.meshpulse.sim.MeshSpec;
import io.meshpulse.sim.SimConfig;
import io.meshpulse.sim.SimResult;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "demo", mixinStandardHelpOptions = true,
        header = "A first run: a generated AKS shop mesh with a UC incident, replayed, with its alert.",
        description = {"A first run: generate the log files of an AKS-like shop mesh (Istio add-on, asm-1-24) in which",
                "checkout-api's calls to payments-api start failing with UC, replay them through an embedded Kafka",
                "broker, the topology and the alerts stage, print the pair table as windows close, then the alert",
                "with its diagnosis and the commands that confirm it."})
final class DemoCommand implements Callable<Integer> {
    @Option(names = "--out", paramLabel = "DIR", description = "Where to put the generated logs and the results (default: a temporary folder).")
    Path out;

    @Option(names = "--minutes", defaultValue = "4", description = "Minutes of mesh traffic to generate (default ${DEFAULT-VALUE}).")
    int minutes;

    @Option(names = "--seed", defaultValue = "20261120", description = "Generator seed; the same seed gives the same files.")
    long seed;

    @Option(names = "--all", description = "Print every pair of every window, not only pairs with failures.")
    boolean all;

    @Option(names = "--serve", negatable = true, defaultValue = "true", fallbackValue = "true",
            description = "Serve the triage page, API and /metrics while the demo runs (default on; --no-serve to skip).")
    boolean serve;

    @Option(names = "--stay", negatable = true,
            description = "Keep serving after the replay completes, until Ctrl-C (default: on when run from a terminal).")
    Boolean stay;

    @picocli.CommandLine.Mixin
    ServeMixin http = new ServeMixin();

    @Override
    public Integer call() throws Exception {
        // A newcomer's first run shows the pair table and the alert, not log lines: the in-process Kafka's start-up
        // warnings and meshpulse's progress lines would break the table up (Kafka's errors and our warnings show).
        LogLevels.embeddedKafkaErrorsOnly();
        LogLevels.meshpulseWarningsOnly();
        io.meshpulse.app.serve.ServeOptions serveOptions = serve ? http.options() : null; // bad ones said first
        Path dir = out != null ? out : Files.createTempDirectory("meshpulse-demo-");
        Instant start = Instant.parse("2026-11-20T10:00:00Z");
        Instant incidentStart = start.plus(Duration.ofMinutes(minutes).dividedBy(2));
        Incident incident = Incident.of(Incident.Kind.MTLS_PLAINTEXT_TO_STRICT, "checkout/checkout-api", "checkout/payments-api",
                incidentStart, Duration.ofSeconds(70), 0.6);
        SimConfig d = SimConfig.defaults(seed, start, Duration.ofMinutes(minutes));
        SimConfig config = new SimConfig(d.seed(), d.start(), d.duration(), d.rateMultiplier(), List.of(incident),
                d.rotationBytes(), d.gzipRotated(), d.slowFraction(), d.maxLateness(), d.noise(),
                d.noisePerPodPerMinute(), d.containerRestart());
        PrintStream o = System.out;
        if (MeshSimulator.holdsLogs(dir.resolve("logs"))) {
            // An earlier demo's folder (its answer key beside the logs) is the demo's own to replace: generating into
            // it again would append every line a second time.
            if (!Files.exists(dir.resolve("truth.json"))) {
                throw new SettingsError("--out " + dir + ": " + dir.resolve("logs") + " holds log files that no demo "
                        + "wrote; choose another folder");
            }
            o.println("Replacing the earlier demo's logs and results in " + dir);
            Replay.deleteRecursively(dir.resolve("logs"));
            Replay.deleteRecursively(dir.resolve("results"));
        }
        SimResult sim = MeshSimulator.generate(MeshSpec.aksShop(), config, dir.resolve("logs"));
        // The generator's answer key goes beside the logs, not among them: the replay, and the one the user is told
        // to try next, would each warn that it is not a container log.
        Files.move(sim.truthFile(), dir.resolve("truth.json"), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        o.printf("Generated %,d istio-proxy lines from %d pods of an AKS shop mesh into %s%n",
                sim.truth().lines(), sim.truth().pods().size(), dir.resolve("logs"));
        o.printf("Incident injected at %s: checkout-api -> payments-api, client pinned to tls.mode DISABLE against a%n"
                + "STRICT server (client sees 503 UC, server sees NR filter_chain_not_found).%n%n", incidentStart);

        boolean stayUp = serve && (stay != null ? stay : System.console() != null);
        WindowPrinter printer = new WindowPrinter(o, all);
        Replay.Options options = new Replay.Options(List.of(dir.resolve("logs")), dir.resolve("results"),
                Duration.ofSeconds(10), Duration.ofSeconds(30), null, null, 1, Set.of("istio-proxy"), false,
                Duration.ofMinutes(5), null, printer::accept);
        Replay.Summary s;
        // The results are printed as soon as the replay is complete: when the demo stays up to serve (from a
        // terminal), before it waits for Ctrl-C, since nothing printed after Ctrl-C is sure to be seen.
        if (serve) {
            try (ServeHooks hooks = new ServeHooks(serveOptions, stayUp, o, true)
                    .beforeStaying(summary -> report(o, printer, summary, dir))) {
                s = Replay.run(options, hooks);
            }
        } else {
            s = Replay.run(options);
        }
        if (!stayUp) report(o, printer, s, dir);
        return s.complete() ? 0 : 3;
    }

    /** What the dead letters were, by kind: the sample's are the proxy's own log lines, which are not access logs. */
    static String deadLetters(Replay.Summary s) {
        if (!(s.fields().get("rejectedByKind") instanceof Map<?, ?> byKind) || byKind.isEmpty()) return "none";
        List<String> said = new ArrayList<>();
        for (Map.Entry<?, ?> e : byKind.entrySet()) {
            String kind = String.valueOf(e.getKey());
            said.add(String.format("%,d %s", ((Number) e.getValue()).longValue(), switch (kind) {
                case "rejected" -> "not access logs: the proxy's own log lines and the like";
                case "late" -> "late: their windows had closed";
                case "malformed" -> "malformed records";
                default -> kind;
            }));
        }
        return String.join("; ", said);
    }

    /** The last windows, the counts, every alert with its diagnosis, where the results are and what to try next. */
    private static void report(PrintStream o, WindowPrinter printer, Replay.Summary s, Path dir) {
        printer.flushAll();
        o.printf("%n%,d lines counted in %,d windows of %,d pairs; %,d dead-lettered (%s).%n",
                s.get("parsed"), s.get("windows"), s.get("pairs"), s.get("rejected"), deadLetters(s));
        try {
            printAlerts(o, dir.resolve("results").resolve("alerts.jsonl"));
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        o.println("Results: " + dir.resolve("results") + " (pair-stats.jsonl, alerts.jsonl, dlq.jsonl, summary.json)");
        o.println("Next: bin/meshpulse replay --input " + dir.resolve("logs") + " --out /tmp/my-run");
        o.flush();
    }

    /** Prints each alert's first firing record (with its diagnosis and commands) and how it ended. */
    static void printAlerts(PrintStream o, Path alertsFile) throws java.io.IOException {
        List<String> lines = Files.readAllLines(alertsFile);
        io.meshpulse.model.JsonCodec<io.meshpulse.model.Alert> codec = new io.meshpulse.model.JsonCodec<>(io.meshpulse.model.Alert.class);
        Set<String> shown = new java.util.HashSet<>();
        o.printf("%n%d alert record(s) in %s%n%n", lines.size(), alertsFile);
        for (String l : lines) {
            io.meshpulse.model.Alert a = codec.decode(l.getBytes(java.nio.charset.StandardCharsets.UTF_8));
            boolean first = a.status().equals(io.meshpulse.model.Alert.FIRING) && shown.add(a.fingerprint());
            if (first || a.status().equals(io.meshpulse.model.Alert.RESOLVED)) {
                o.print(io.meshpulse.alerts.sink.ConsoleSink.format(a));
            }
        }
    }

    /**
     * Prints each window, worst pairs first, once windows two minutes newer have shown up: the pair-keyed
     * partitions emit independently, so a window's rows arrive spread over a few later windows.
     */
    static final class WindowPrinter {
        private final PrintStream out;
        private final boolean all;
        private final TreeMap<String, List<PairWindowStats>> pending = new TreeMap<>();
        private boolean headed;

        WindowPrinter(PrintStream out, boolean all) {
            this.out = out;
            this.all = all;
        }

        /**
         * The column titles, printed with the first window rather than at the start: the lines said while the replay
         * starts (where the triage page is served) would otherwise fall between the titles and the rows.
         */
        private void head() {
            if (headed) return;
            headed = true;
            out.printf("%-8s  %-11s  %-46s %6s %6s %7s  %-22s %8s%n", "window", "reporter", "source -> destination",
                    "req", "fail", "success", "failures by class", "p99 ms");
        }

        synchronized void accept(PairWindowStats s) {
            pending.computeIfAbsent(s.windowStart(), k -> new ArrayList<>()).add(s);
            while (pending.size() > 12) print(pending.pollFirstEntry());
        }

        synchronized void flushAll() {
            while (!pending.isEmpty()) print(pending.pollFirstEntry());
        }

        private void print(Map.Entry<String, List<PairWindowStats>> w) {
            head();
            List<PairWindowStats> rows = new ArrayList<>(w.getValue());
            rows.sort(Comparator.comparingLong(PairWindowStats::failures).reversed()
                    .thenComparing(r -> r.reporter() + pairName(r)));
            long healthy = rows.stream().filter(r -> r.failures() == 0).count();
            String time = w.getKey().substring(11, 19);
            for (PairWindowStats r : rows) {
                if (!all && r.failures() == 0) continue;
                out.printf("%-8s  %-11s  %-46s %6d %6d %6.1f%%  %-22s %8s%n", time, r.reporter(), fitted(r, 46),
                        r.requests(), r.failures(), 100 * r.successRatio(), cut(r.byClass().toString(), 22),
                        r.latencyMs().p99() == null ? "-" : String.format("%.0f", r.latencyMs().p99()));
                time = "";
            }
            if (!all && healthy == rows.size()) out.printf("%-8s  all %d pairs healthy%n", time, healthy);
            else if (!all && healthy > 0) out.printf("%-8s  %d more pair%s healthy%n", time, healthy, healthy == 1 ? "" : "s");
        }

        private static String pairName(PairWindowStats r) {
            return source(r) + " -> " + destination(r);
        }

        /**
         * The pair in {@code width} characters: when it does not fit, the source gives way first (a gateway's
         * workload name is long), so the destination, which says where the calls failed, stays readable.
         */
        static String fitted(PairWindowStats r, int width) {
            String src = source(r);
            String dst = destination(r);
            int room = width - 4; // " -> "
            if (src.length() + dst.length() <= room) return src + " -> " + dst;
            int dstRoom = Math.min(dst.length(), Math.max(16, room - 16));
            return cut(src, room - dstRoom) + " -> " + cut(dst, dstRoom);
        }

        private static String source(PairWindowStats r) {
            return r.source() == null ? "?" : r.source().workload();
        }

        private static String destination(PairWindowStats r) {
            return r.destination().workload() != null ? r.destination().workload()
                    : r.destination().service() == null ? "?" : r.destination().service().replace(".svc.cluster.local", "");
        }

        private static String cut(String s, int n) {
            return s.length() <= n ? s : s.substring(0, n - 1) + "~";
        }
    }
}
