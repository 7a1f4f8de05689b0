package io.meshpulse.app.replay;

import static io.meshpulse.app.replay.RunChild.deadline;
import static io.meshpulse.app.replay.RunChild.difference;
import static io.meshpulse.app.replay.RunChild.kill;
import static io.meshpulse.app.replay.RunChild.ms;
import static io.meshpulse.app.replay.RunChild.waitFor;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.meshpulse.app.kafka.EmbeddedBroker;
import io.meshpulse.ingest.kafka.RawLineProducer;
import io.meshpulse.model.RawLogLine;
import io.meshpulse.model.Topics;
import io.meshpulse.sim.MeshSimulator;
import io.meshpulse.sim.MeshSpec;
import io.meshpulse.sim.SimConfig;
import io.meshpulse.sim.SimResult;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.CleanupMode;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code meshpulse run}, as a child JVM of the built command on an embedded broker, killed with SIGKILL three times
 * while it counts and restarted each time on the same state folder; a fourth run sees the rest of the lines and the
 * end of input. The pair stats and dead letters, read committed, must account for every line once, and every
 * pair's requests and classes summed over windows must equal the generator's truth, as in
 * {@link TopologyRestartIT}, which restarts cleanly.
 *
 * <p>Each kill lands while a transaction of the child is open (a partition of one of its output, changelog or
 * repartition topics has records a read_committed reader cannot see yet), so the killed run leaves uncommitted
 * output, changelog records and, locally, RocksDB stores that were written and not closed. The first kill comes
 * before the child ever committed; the second after it committed every line sent so far, while it works on more; the third
 * while closed windows are on their way to the pair stats topic. Kafka Streams must detect each of these as an
 * unclean stop (a store left open with data) and restore the stores rather than trust them: a task that kept
 * the killed run's uncommitted state would count some lines twice, one that lost committed state would miss them.
 */
class RunKillNineIT {
    private static final String PREFIX = "kill.";
    private static final String APP = "meshpulse-kill-it";

    @Test
    void countingStaysExactAcrossKillNineOnTheSameStateFolder(@TempDir(cleanup = CleanupMode.ON_SUCCESS) Path dir)
            throws Exception {
        long began = System.nanoTime();
        Instant start = Instant.parse("2026-11-20T10:00:00Z");
        SimResult sim = MeshSimulator.generate(MeshSpec.aksShop(),
                SimConfig.defaults(17, start, Duration.ofMinutes(2)), dir.resolve("logs"));
        List<RawLogLine> lines = SimCounts.lines(dir.resolve("logs"));
        assertEquals(sim.truth().lines(), lines.size());
        int chunks = 4;
        List<List<RawLogLine>> chunk = new ArrayList<>();
        for (int c = 0; c < chunks; c++) {
            chunk.add(lines.subList(lines.size() * c / chunks, lines.size() * (c + 1) / chunks));
        }

        try (EmbeddedBroker broker = EmbeddedBroker.start(dir.resolve("kafka"), 0)) {
            String bootstrap = broker.bootstrapServers();
            Topics topics = Topics.withPrefix(PREFIX);
            RunChild.createTopics(bootstrap, topics, 4);
            // One group member that keeps its identity across runs (static membership): a restarted run takes the
            // killed one's place at once instead of waiting out its session. The same state folder keeps the same
            // process id, so the new run's producer fences the killed one's open transaction at start.
            RunChild child = new RunChild(dir, List.of("run", "--bootstrap-servers", bootstrap, "--topic-prefix", PREFIX,
                    "--application-id", APP, "--group-instance-id", "kill-it-0", "--state-dir",
                    dir.resolve("state").toString(), "--http-port", "0", "--quiet", "--partitions", "4",
                    "--window", "10s", "--grace", "30s",
                    // windows close by event time (and the end of input) only, never because the test paused
                    "--idle-after", "24h",
                    // the lines are two days old: the window stores' changelogs must not drop them by age
                    "--retention", "87600h", "--rocksdb-memory", String.valueOf(32L * 1024 * 1024)));
            List<String> log = new ArrayList<>();
            long lastTime = 0;
            try (GroupProbe probe = new GroupProbe(bootstrap, APP, PREFIX, topics.rawAccessLog());
                 OutputCollector out = new OutputCollector(bootstrap, topics.pairStats(), topics.deadLetters(), null);
                 RawLineProducer producer = new RawLineProducer(bootstrap, topics.rawAccessLog())) {
                out.start();
                long deadline;

                // Run 0: the first chunk waits in the topic; killed in its first transaction.
                lastTime = SimCounts.send(producer, chunk.get(0), lastTime);
                long t0 = System.nanoTime();
                Process p = child.start("run-0");
                deadline = deadline(60);
                waitFor(p, child, "run-0", deadline, "an open transaction", probe::openTransaction);
                boolean committedBefore = !probe.committed().isEmpty();
                kill(p);
                log.add(String.format("run-0 killed in its first open transaction %d ms after start (%s)",
                        ms(t0), committedBefore ? "it HAD committed before" : "before its first commit"));
                assertTrue(out.accountedLines() < lines.size());

                // Run 1: half the second chunk is sent as it starts, and it commits all it has; then the rest goes
                // in pieces, and it is killed in an open transaction while a piece is sent and not yet all committed.
                // How fast a child gets through a piece depends on the machine: one that committed a piece before
                // the probe saw its transaction open gets the next piece.
                t0 = System.nanoTime();
                p = child.start("run-1");
                List<RawLogLine> second = chunk.get(1);
                lastTime = SimCounts.send(producer, second.subList(0, second.size() / 2), lastTime);
                long firstHalf = probe.rawEnd();
                deadline = deadline(60);
                waitFor(p, child, "run-1", deadline, "every line sent so far committed",
                        () -> probe.committedRaw() >= firstHalf);
                int pieces = 8;
                List<RawLogLine> rest = second.subList(second.size() / 2, second.size());
                boolean caught = false;
                long sentUpTo = 0;
                long committedAtKill = 0;
                int piece = 0;
                while (!caught) {
                    assertTrue(piece < pieces, "run-1 committed every piece before a transaction of it was seen "
                            + "open: see " + child.log("run-1"));
                    lastTime = SimCounts.send(producer, rest.subList(rest.size() * piece / pieces,
                            rest.size() * (piece + 1) / pieces), lastTime);
                    piece++;
                    long upTo = probe.rawEnd();
                    long[] committed = new long[1];
                    boolean[] open = new boolean[1];
                    waitFor(p, child, "run-1", deadline, "piece " + piece + " in an open transaction or committed",
                            () -> {
                                committed[0] = probe.committedRaw();
                                open[0] = committed[0] < upTo && probe.openTransaction();
                                return open[0] || committed[0] >= upTo;
                            });
                    caught = open[0];
                    sentUpTo = upTo;
                    committedAtKill = committed[0];
                }
                kill(p);
                log.add(String.format("run-1 killed %d ms after start with %d of %d lines committed (piece %d of "
                        + "%d sent), in a transaction", ms(t0), committedAtKill, sentUpTo, piece, pieces));
                lastTime = SimCounts.send(producer, rest.subList(rest.size() * piece / pieces, rest.size()),
                        lastTime);

                // Run 2: the third chunk; killed while closed windows are going to the pair stats topic.
                t0 = System.nanoTime();
                p = child.start("run-2");
                lastTime = SimCounts.send(producer, chunk.get(2), lastTime);
                deadline = deadline(60);
                waitFor(p, child, "run-2", deadline, "pair stats in an open transaction",
                        () -> probe.openTransactionOn(topics.pairStats()));
                long windowsAtKill = out.windows();
                kill(p);
                log.add(String.format("run-2 killed %d ms after start while sending pair stats (%d windows "
                        + "committed by then)", ms(t0), windowsAtKill));

                // Run 3: the rest and the end of input; every line must be accounted for.
                t0 = System.nanoTime();
                p = child.start("run-3");
                try {
                    lastTime = SimCounts.send(producer, chunk.get(3), lastTime);
                    producer.endOfInput(lastTime);
                    long endWithMarkers = probe.rawEnd();
                    deadline = deadline(90);
                    waitFor(p, child, "run-3", deadline, "every line accounted for",
                            () -> out.accountedLines() >= lines.size());
                    // and nothing more to come: every input of the group committed, no transaction open, and the
                    // collector at the committed end of both output topics
                    waitFor(p, child, "run-3", deadline, "the group to be idle", () -> probe.committedRaw()
                            >= endWithMarkers && !probe.openTransaction() && probe.internalInputsDone());
                    waitFor(p, child, "run-3", deadline, "the collector at the output's end",
                            () -> out.readTo(probe.committedEnds(topics.pairStats(), topics.deadLetters())));
                    log.add(String.format("run-3 accounted for every line %d ms after start", ms(t0)));
                } finally {
                    kill(p);
                }
                // Not asserted (Kafka Streams' wording may change; the counts are what matters), but shown: how many
                // tasks each restart found corrupted, i.e. that the kills were seen as unclean.
                List<String> corrupted = new ArrayList<>();
                for (String run : List.of("run-1", "run-2", "run-3")) {
                    corrupted.add(run + " " + child.corruptedTasks(run));
                }
                String report = String.join("; ", log) + String.format("; tasks found corrupted after the kill: %s; "
                        + "%d lines, %d windows, %.1f s in all", String.join(", ", corrupted), lines.size(),
                        out.windows(), (System.nanoTime() - began) / 1e9);
                System.out.println("RunKillNineIT: " + report);
                String where = "\n" + report + "\nchild logs in " + dir;
                assertEquals(lines.size(), out.accountedLines(), "every line counted or dead-lettered, once" + where);
                assertEquals(sim.truth().otherLines(), out.deadLetters(), "dead letters" + where);
                Map<String, Long> want = SimCounts.expected(sim);
                Map<String, Long> got = SimCounts.actual(out.sortedStats());
                assertTrue(want.equals(got), "pair counts: " + difference(want, got) + where);
            }
        }
    }
}
