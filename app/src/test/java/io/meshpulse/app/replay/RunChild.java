package io.meshpulse.app.replay;

import static org.junit.jupiter.api.Assertions.assertTrue;

import io.meshpulse.app.cli.MeshpulseProcess;
import io.meshpulse.app.kafka.TopicAdmin;
import io.meshpulse.model.Topics;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * {@code meshpulse run}, started as a JVM of its own from the test's class path with {@code args}, each start ("run")
 * logging to {@code dir/child-<run>.log}; and what the kill -9 tests do with such children: wait on a condition while
 * they live, kill them, compare counts.
 */
record RunChild(Path dir, List<String> jvm, List<String> args) {
    private static final Pattern CORRUPTED = Pattern.compile("Tasks \\[([^]]+)] are corrupted");
    private static final Pattern RESTORED = Pattern.compile(
            "Finished restoring changelog \\S+ to store (\\S+) with a total number of (\\d+) records");

    /** A child in a small JVM. */
    RunChild(Path dir, List<String> args) {
        this(dir, MeshpulseProcess.SMALL_JVM, args);
    }

    /**
     * A small JVM that also logs what Kafka Streams restored from the changelogs (Kafka's own logging is at warnings
     * only otherwise), for {@link #restoredRecords}.
     */
    static RunChild loggingRestores(Path dir, List<String> args) {
        List<String> jvm = new java.util.ArrayList<>(MeshpulseProcess.SMALL_JVM);
        jvm.add("-Dorg.slf4j.simpleLogger.log.org.apache.kafka.streams.processor.internals.StoreChangelogReader=info");
        return new RunChild(dir, List.copyOf(jvm), args);
    }

    Process start(String run) throws IOException {
        return MeshpulseProcess.start(jvm, Map.of(), args, log(run));
    }

    Path log(String run) {
        return dir.resolve("child-" + run + ".log");
    }

    /** The tasks Kafka Streams called corrupted in this run's log (it wipes and restores their stores). */
    int corruptedTasks(String run) throws IOException {
        Set<String> tasks = new TreeSet<>();
        try (var lines = Files.lines(log(run))) {
            lines.forEach(l -> {
                Matcher m = CORRUPTED.matcher(l);
                while (m.find()) tasks.addAll(List.of(m.group(1).split(", ")));
            });
        }
        return tasks.size();
    }

    /**
     * The records this run restored from changelogs, by store, as its log says (a child of {@link #loggingRestores};
     * stores that restored nothing left out).
     */
    Map<String, Long> restoredRecords(String run) throws IOException {
        Map<String, Long> byStore = new TreeMap<>();
        try (var lines = Files.lines(log(run))) {
            lines.forEach(l -> {
                Matcher m = RESTORED.matcher(l);
                if (m.find() && Long.parseLong(m.group(2)) > 0) {
                    byStore.merge(m.group(1), Long.parseLong(m.group(2)), Long::sum);
                }
            });
        }
        return byStore;
    }

    /** A started run: its process, and where its log is. */
    record Started(RunChild child, String run, Process process) {
        Path log() {
            return child.log(run);
        }
    }

    Started started(String run) throws IOException {
        return new Started(this, run, start(run));
    }

    /**
     * Creates meshpulse's topics with {@code partitions} partitions (replication 1, old records kept) and waits for
     * their leaders: the tests send their first lines at once, a partition whose leader is not up yet refuses them,
     * and the idempotent producer's retry of that first batch then stayed out of sequence until its delivery timeout
     * (RunKillNineIT failed so once in the full suite).
     */
    static void createTopics(String bootstrap, Topics topics, int partitions) throws Exception {
        try (TopicAdmin admin = new TopicAdmin(bootstrap)) {
            admin.ensure(topics, partitions, Optional.of((short) 1), TopicAdmin.KEEP_OLD_RECORDS);
            admin.awaitLeaders(topics.all());
        }
    }

    static long deadline(int seconds) {
        return System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
    }

    static long ms(long since) {
        return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - since);
    }

    /** {@link #waitFor(long, String, BooleanSupplier, List)} for one child. */
    static void waitFor(Process p, RunChild child, String run, long deadline, String what, BooleanSupplier condition)
            throws InterruptedException {
        waitFor(deadline, what, condition, List.of(new Started(child, run, p)));
    }

    /**
     * Polls {@code condition} until it holds; fails if one of the {@code alive} children exits on its own or the
     * deadline passes. Between tries it waits 10 ms on the first child (returning at once if it exits): the probes
     * are Admin calls to the broker in this JVM, and a loop without a pause would take CPU from the children it
     * watches. A transaction of a child stays open for about its commit interval (1 s), far longer than that.
     */
    static void waitFor(long deadline, String what, BooleanSupplier condition, List<Started> alive)
            throws InterruptedException {
        String logs = alive.stream().map(s -> s.log().toString()).collect(Collectors.joining(", "));
        while (!condition.getAsBoolean()) {
            for (Started s : alive) {
                assertTrue(s.process().isAlive(), s.run() + " died on its own while waiting for " + what + ": see "
                        + s.log());
            }
            assertTrue(System.nanoTime() < deadline, "no " + what + " in time: see " + logs);
            alive.get(0).process().waitFor(10, TimeUnit.MILLISECONDS);
        }
    }

    /** SIGKILL: no shutdown hook, no commit, no store closed. */
    static void kill(Process p) throws InterruptedException {
        p.toHandle().destroyForcibly();
        p.waitFor();
    }

    /** The keys whose counts differ, each with what was wanted and got (the first 20). */
    static String difference(Map<String, Long> want, Map<String, Long> got) {
        Map<String, String> diff = new TreeMap<>();
        Set<String> keys = new TreeSet<>(want.keySet());
        keys.addAll(got.keySet());
        for (String k : keys) {
            long w = want.getOrDefault(k, 0L);
            long g = got.getOrDefault(k, 0L);
            if (w != g) diff.put(k, "want " + w + " got " + g + " (" + (g > w ? "+" : "") + (g - w) + ")");
        }
        return diff.size() + " keys differ: " + diff.entrySet().stream().limit(20)
                .map(e -> e.getKey() + ": " + e.getValue()).collect(Collectors.joining("; "))
                + (diff.size() > 20 ? "; …" : "");
    }
}
