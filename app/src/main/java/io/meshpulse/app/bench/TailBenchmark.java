package io.meshpulse.app.bench;

import io.meshpulse.app.kafka.EmbeddedBroker;
import io.meshpulse.app.kafka.TopicAdmin;
import io.meshpulse.ingest.kafka.RawLineProducer;
import io.meshpulse.ingest.tail.FileTailer;
import io.meshpulse.ingest.tail.KafkaTailSink;
import io.meshpulse.ingest.tail.TailConfig;
import io.meshpulse.model.RawLogLine;
import io.meshpulse.model.Times;
import io.meshpulse.model.Topics;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.BufferedWriter;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * {@code ingest tail} throughput beside a plain producer, in one process on one embedded broker, and the tailer's
 * peak RSS while following 500 files (a child process, VmHWM from /proc).
 *
 * <pre>java -cp app/target/meshpulse.jar io.meshpulse.app.bench.TailBenchmark [lines] [rounds] [rssFiles] [rssSeconds]</pre>
 *
 * Throughput: the same lines (Istio TEXT access logs of ~330 bytes in a CRI envelope, 8 containers) are sent by a
 * {@link RawLineProducer} (idempotent, not transactional, RawLogLine JSON built per line: the baseline) and read from
 * kubelet-layout files by {@link FileTailer} with {@link KafkaTailSink} (from the beginning, transactions with
 * checkpoints). Rounds alternate plain/tail; the first round is a JIT warm-up and is not reported.
 */
public final class TailBenchmark {
    private static final String LINE = "[%s] \"GET /api/v1/items/%d?page=2 HTTP/1.1\" 200 - via_upstream - \"-\" 0 %d 12 11 "
            + "\"-\" \"Go-http-client/1.1\" \"%08x-4f1c-9a3e-5d2b7c1e0f%02d\" \"payments-api.payments.svc.cluster.local:8080\" "
            + "\"10.244.1.17:8080\" outbound|8080||payments-api.payments.svc.cluster.local 10.244.2.9:43522 "
            + "10.0.112.40:8080 10.244.2.9:52114 - default";
    private static final int PODS = 8;

    public static void main(String[] args) throws Exception {
        int lines = args.length > 0 ? Integer.parseInt(args[0]) : 400_000;
        int rounds = args.length > 1 ? Integer.parseInt(args[1]) : 3;
        int rssFiles = args.length > 2 ? Integer.parseInt(args[2]) : 500;
        int rssSeconds = args.length > 3 ? Integer.parseInt(args[3]) : 30;
        Path tmp = Files.createTempDirectory("meshpulse-bench-tail-");
        try (EmbeddedBroker broker = EmbeddedBroker.start(tmp.resolve("kafka"), 0)) {
            String bootstrap = broker.bootstrapServers();
            List<double[]> results = new ArrayList<>();
            for (int round = 0; round < rounds; round++) {
                Path logs = tmp.resolve("logs-" + round);
                List<RawLogLine> content = write(logs, lines);
                Topics plainTopics = Topics.withPrefix("bench-plain-" + round + ".");
                Topics tailTopics = Topics.withPrefix("bench-tail-" + round + ".");
                try (TopicAdmin admin = new TopicAdmin(bootstrap)) {
                    admin.ensure(plainTopics, 4, Optional.of((short) 1));
                    admin.ensure(tailTopics, 4, Optional.of((short) 1));
                    admin.awaitLeaders(List.of(plainTopics.rawAccessLog(), tailTopics.rawAccessLog()));
                }
                long cpu0 = cpuNanos();
                double plain = plain(bootstrap, plainTopics, content);
                long cpu1 = cpuNanos();
                double tail = tail(bootstrap, tailTopics, logs, lines, round);
                long cpu2 = cpuNanos();
                // Lines per CPU-second of this process (broker included): less at the mercy of other load than wall time.
                double plainCpu = lines / ((cpu1 - cpu0) / 1e9);
                double tailCpu = lines / ((cpu2 - cpu1) / 1e9);
                System.out.printf("round %d%s: plain producer %,.0f lines/s, ingest tail %,.0f lines/s, ratio %.2f; "
                                + "per CPU-second %,.0f vs %,.0f, ratio %.2f%n", round, round == 0 ? " (warm-up)" : "",
                        plain, tail, tail / plain, plainCpu, tailCpu, tailCpu / plainCpu);
                if (round > 0) results.add(new double[] {plain, tail, plainCpu, tailCpu});
                io.meshpulse.app.replay.Replay.deleteRecursively(logs);
            }
            if (!results.isEmpty()) {
                double p = results.stream().mapToDouble(r -> r[0]).average().orElse(0);
                double t = results.stream().mapToDouble(r -> r[1]).average().orElse(0);
                double pc = results.stream().mapToDouble(r -> r[2]).average().orElse(0);
                double tc = results.stream().mapToDouble(r -> r[3]).average().orElse(0);
                System.out.printf("mean of %d measured rounds, %,d lines each: plain %,.0f lines/s, tail %,.0f lines/s, "
                        + "ratio %.2f; per CPU-second plain %,.0f, tail %,.0f, ratio %.2f; load average %s%n",
                        results.size(), lines, p, t, t / p, pc, tc, tc / pc, loadAverage());
            }
            if (rssFiles > 0) rss(bootstrap, tmp.resolve("rss"), rssFiles, rssSeconds);
        } finally {
            io.meshpulse.app.replay.Replay.deleteRecursively(tmp);
        }
    }

    /** Kubelet-layout CRI files, lines dealt round-robin to the containers; returns the lines as the tailer sends them. */
    private static List<RawLogLine> write(Path logs, int lines) throws IOException {
        List<RawLogLine> out = new ArrayList<>(lines);
        List<BufferedWriter> writers = new ArrayList<>();
        for (int p = 0; p < PODS; p++) {
            Path dir = logs.resolve("shop_cart-" + p + "_uid" + p).resolve("istio-proxy");
            Files.createDirectories(dir);
            writers.add(Files.newBufferedWriter(dir.resolve("0.log"), StandardCharsets.UTF_8));
        }
        long t0 = Instant.parse("2026-11-20T10:00:00Z").toEpochMilli();
        for (int i = 0; i < lines; i++) {
            int p = i % PODS;
            long ms = t0 + i / 10;
            String ts = Times.rfc3339(ms);
            String line = String.format(LINE, ts, i, 100 + i % 900, i, p);
            writers.get(p).write(ts + " stdout F " + line + "\n");
            out.add(new RawLogLine(ts, "shop", "cart-" + p, "istio-proxy", "bench-node", line,
                    "file:" + logs.resolve("shop_cart-" + p + "_uid" + p + "/istio-proxy/0.log")));
        }
        for (BufferedWriter w : writers) w.close();
        return out;
    }

    private static double plain(String bootstrap, Topics topics, List<RawLogLine> content) {
        long start = System.nanoTime();
        try (RawLineProducer producer = new RawLineProducer(bootstrap, topics.rawAccessLog())) {
            for (RawLogLine l : content) producer.send(l, Instant.parse(l.ts()).toEpochMilli());
            producer.flush();
        }
        return content.size() / ((System.nanoTime() - start) / 1e9);
    }

    private static double tail(String bootstrap, Topics topics, Path logs, int lines, int round) {
        TailConfig config = TailConfig.defaults(List.of(logs + "/*/*/*.log"), "bench-node-" + round)
                .withFromBeginning(true).withTimings(Duration.ofMillis(10), Duration.ofSeconds(1), Duration.ofSeconds(2));
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        long start = System.nanoTime();
        try (KafkaTailSink sink = new KafkaTailSink(bootstrap, topics.rawAccessLog(), topics.deadLetters(),
                "bench.checkpoints", config.node(), Map.of());
             FileTailer tailer = new FileTailer(config, sink, registry)) {
            tailer.start();
            while (registry.get("meshpulse.ingest.lines.produced").counter().count() < lines) tailer.pollOnce();
        }
        return lines / ((System.nanoTime() - start) / 1e9);
    }

    /** The tailer as a child process following {@code files} files that a writer keeps appending to. */
    private static void rss(String bootstrap, Path root, int files, int seconds) throws Exception {
        List<Path> live = new ArrayList<>();
        for (int i = 0; i < files; i++) {
            Path dir = root.resolve("ns" + (i % 20) + "_pod-" + i + "_uid" + i).resolve("istio-proxy");
            Files.createDirectories(dir);
            live.add(dir.resolve("0.log"));
        }
        String cp = System.getProperty("java.class.path");
        String java = ProcessHandle.current().info().command().orElse("java");
        String opts = System.getProperty("bench.tailer.opts", "-Xmx128m -XX:+UseSerialGC");
        List<String> cmd = new ArrayList<>(List.of(java));
        for (String o : opts.trim().split("\\s+")) if (!o.isEmpty()) cmd.add(o);
        cmd.addAll(List.of("-cp", cp, "io.meshpulse.app.cli.Meshpulse", "ingest", "tail", "--path",
                root + "/*/*/*.log", "--bootstrap-servers", bootstrap, "--node", "rss-node", "--topic-prefix", "bench-rss."));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(root.resolve("tailer.log").toFile())
                .start();
        long written = 0;
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        long t0 = Instant.parse("2026-11-20T10:00:00Z").toEpochMilli();
        while (System.nanoTime() < end && p.isAlive()) {
            for (int i = 0; i < files; i++) {
                String ts = Times.rfc3339(t0 + written / 10);
                String line = ts + " stdout F " + String.format(LINE, ts, written, 200, written, i % 100) + "\n";
                Files.write(live.get(i), line.getBytes(StandardCharsets.UTF_8), StandardOpenOption.CREATE,
                        StandardOpenOption.APPEND);
                written++;
            }
            Thread.sleep(20); // pacing the writer (~25 rounds/s), not a test wait
        }
        String status = Files.readString(Path.of("/proc/" + p.pid() + "/status"));
        String hwm = status.lines().filter(l -> l.startsWith("VmHWM")).findFirst().orElse("VmHWM ?");
        String rssNow = status.lines().filter(l -> l.startsWith("VmRSS")).findFirst().orElse("VmRSS ?");
        p.destroy();
        p.waitFor(20, TimeUnit.SECONDS);
        long followed = Files.readAllLines(root.resolve("tailer.log")).stream().filter(l -> l.contains("following /")).count();
        System.out.printf("tailer following %d files (%d opened) for %d s (JVM options '%s'), %,d lines appended: %s, %s%n",
                files, followed, seconds, opts, written, hwm.replaceAll("\\s+", " "), rssNow.replaceAll("\\s+", " "));
    }

    private static long cpuNanos() {
        return ((com.sun.management.OperatingSystemMXBean) java.lang.management.ManagementFactory
                .getOperatingSystemMXBean()).getProcessCpuTime();
    }

    private static String loadAverage() {
        try {
            return Files.readString(Path.of("/proc/loadavg")).trim();
        } catch (IOException e) {
            return "?";
        }
    }
}
