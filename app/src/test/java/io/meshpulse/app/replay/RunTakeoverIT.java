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
import io.meshpulse.model.Alert;
import io.meshpulse.model.JsonCodec;
import io.meshpulse.model.RawLogLine;
import io.meshpulse.model.Topics;
import io.meshpulse.sim.Incident;
import io.meshpulse.sim.MeshSimulator;
import io.meshpulse.sim.MeshSpec;
import io.meshpulse.sim.SimConfig;
import io.meshpulse.sim.SimResult;
import io.meshpulse.topology.Names;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.CleanupMode;
import org.junit.jupiter.api.io.TempDir;

/**
 * Work moving between instances of {@code meshpulse run}: two child JVMs of one application id (static members, each
 * on its own state folder, as the StatefulSet runs them) share 4 partitions on an embedded broker while the lines of a
 * generated mesh come in; one of them is killed with SIGKILL while it holds an open transaction, and the other must
 * take over its tasks: restore their stores from the changelogs (the open windows' partial counts, the watermarks,
 * the alert state), go on with the IP table and drop what the killed one had not committed. Then a third instance
 * joins, so tasks move again, this time by a clean hand-over, and the last lines and the end of input come.
 *
 * <p>At the end, read committed: every line counted or dead-lettered once, every pair's requests and classes summed
 * over windows equal to the generator's truth, no (pair, window) emitted twice, and no alert fired twice for one
 * incident (a second firing of the same window, or a new incident opened while one fires).
 *
 * <p>The children's Kafka settings (a client properties file, as users give one): a session of 10 s instead of 45 s,
 * so that the group notices the killed member sooner and the test stays short (a killed member's tasks wait for its
 * session to expire whatever the membership); and any instance counts as caught up, so the joining instance gets
 * active tasks at its first rebalance instead of warm-up copies promoted at a probing rebalance minutes later.
 */
class RunTakeoverIT {
    private static final String PREFIX = "takeover.";
    private static final String APP = "meshpulse-takeover-it";
    private static final JsonCodec<Alert> ALERT = new JsonCodec<>(Alert.class);

    @Test
    void countingStaysExactWhenAKilledInstancesTasksMoveToAnotherAndThenToANewcomer(
            @TempDir(cleanup = CleanupMode.ON_SUCCESS) Path dir) throws Exception {
        long began = System.nanoTime();
        Instant start = Instant.parse("2026-11-20T10:00:00Z");
        Duration length = Duration.ofMinutes(3);
        // a UC incident that begins before the kill and ends after it, and a UF one that begins after it and lasts
        List<Incident> incidents = List.of(
                Incident.of(Incident.Kind.MTLS_PLAINTEXT_TO_STRICT, "checkout/checkout-api", "checkout/payments-api",
                        start.plusSeconds(40), Duration.ofSeconds(60), 0.6),
                Incident.of(Incident.Kind.UF_CONN_REFUSED, "web/frontend", "store/cart", start.plusSeconds(120),
                        Duration.ofSeconds(60), 0.5));
        SimResult sim = MeshSimulator.generate(MeshSpec.aksShop(),
                SimConfig.defaults(29, start, length).withIncidents(incidents), dir.resolve("logs"));
        List<RawLogLine> lines = SimCounts.lines(dir.resolve("logs"));
        assertEquals(sim.truth().lines(), lines.size());
        // 0-35 % while two instances run; 35-55 % around the kill; 55-80 % during the takeover; the rest after the join
        int[] cut = {0, lines.size() * 35 / 100, lines.size() * 55 / 100, lines.size() * 80 / 100, lines.size()};

        Path clientConfig = dir.resolve("client.properties");
        Files.writeString(clientConfig, "session.timeout.ms=10000\nacceptable.recovery.lag=" + Long.MAX_VALUE + "\n");
        try (EmbeddedBroker broker = EmbeddedBroker.start(dir.resolve("kafka"), 0)) {
            String bootstrap = broker.bootstrapServers();
            Topics topics = Topics.withPrefix(PREFIX);
            RunChild.createTopics(bootstrap, topics, 4);
            RunChild a = instance(dir, bootstrap, "a", clientConfig);
            RunChild b = instance(dir, bootstrap, "b", clientConfig);
            RunChild c = instance(dir, bootstrap, "c", clientConfig);
            List<String> log = new ArrayList<>();
            long lastTime = 0;
            List<RunChild.Started> running = new ArrayList<>();
            try (GroupProbe probe = new GroupProbe(bootstrap, APP, PREFIX, topics.rawAccessLog());
                 OutputCollector out = new OutputCollector(bootstrap, topics.pairStats(), topics.deadLetters(),
                         topics.alerts(), null);
                 RawLineProducer producer = new RawLineProducer(bootstrap, topics.rawAccessLog())) {
                out.start();

                // Two instances share the partitions; the first lines wait for them in the topic.
                long t0 = System.nanoTime();
                RunChild.Started runA = a.started("a");
                RunChild.Started runB = b.started("b");
                running.addAll(List.of(runA, runB));
                waitFor(deadline(90), "both instances holding raw partitions",
                        () -> bothHoldRaw(probe, "takeover-a", "takeover-b"), running);
                // The first minute of lines in one go. Should one instance read its share of it (and close its first
                // windows) before the other has announced the IPs of the pods it reads, those windows wait for the
                // other's progress (PartialsProcessor#callerSafeUpTo; CallerHoldTopologyTest drives that by hand).
                // Without the wait, calls stayed on bare IPs in about one run in three when these lines waited in the
                // topic for the two instances to start; sent once both hold partitions, four runs did not show it.
                long deadline = deadline(90);
                lastTime = SimCounts.send(producer, lines.subList(0, cut[1]), lastTime);
                long firstEnd = probe.rawEnd();
                waitFor(deadline, "every line sent committed", () -> probe.committedRaw() >= firstEnd, running);
                long sent = probe.rawEnd();
                String victim = probe.processIdOf("takeover-a");
                assertTrue(victim != null, "a's process id from its client id: " + probe.members());
                log.add(String.format("a and b shared the raw partitions (%d and %d) and committed %d lines %d ms "
                                + "after start", probe.rawPartitionsOf("takeover-a"), probe.rawPartitionsOf("takeover-b"),
                        sent, ms(t0)));

                // Lines in pieces until a is caught with a transaction open; then it is killed.
                List<RawLogLine> around = lines.subList(cut[1], cut[2]);
                int pieces = 10;
                int piece = 0;
                List<String> open = List.of();
                deadline = deadline(60);
                while (open.isEmpty()) {
                    assertTrue(piece < pieces, "a committed every piece before a transaction of it was seen open: "
                            + "see " + runA.log());
                    lastTime = SimCounts.send(producer, around.subList(around.size() * piece / pieces,
                            around.size() * (piece + 1) / pieces), lastTime);
                    piece++;
                    long upTo = probe.rawEnd();
                    AtomicReference<List<String>> seen = new AtomicReference<>(List.of());
                    waitFor(deadline, "piece " + piece + " in an open transaction of a, or committed", () -> {
                        seen.set(probe.ongoingTransactions(victim));
                        return !seen.get().isEmpty() || probe.committedRaw() >= upTo;
                    }, running);
                    open = seen.get();
                }
                long committedAtKill = probe.committedRaw();
                kill(runA.process());
                running.remove(runA);
                long killed = System.nanoTime();
                log.add(String.format("a killed with open transaction(s) %s, %d of %d lines committed (piece %d of %d)",
                        open, committedAtKill, probe.rawEnd(), piece, pieces));
                lastTime = SimCounts.send(producer, around.subList(around.size() * piece / pieces, around.size()),
                        lastTime);

                // b alone: lines keep coming while the group notices a's death and b takes its tasks over.
                lastTime = SimCounts.send(producer, lines.subList(cut[2], cut[3]), lastTime);
                long sentBeforeJoin = probe.rawEnd();
                deadline = deadline(90);
                waitFor(deadline, "a out of the group", () -> probe.rawPartitionsOf("takeover-a") < 0, running);
                long dropped = ms(killed);
                waitFor(deadline, "b holding every raw partition", () -> probe.rawPartitionsOf("takeover-b") == 4,
                        running);
                long assigned = ms(killed);
                waitFor(deadline, "b to commit every line sent", () -> probe.committedRaw() >= sentBeforeJoin, running);
                log.add(String.format("after the kill: a out of the group at %d ms, b assigned all 4 raw partitions at "
                        + "%d ms, every line sent committed at %d ms", dropped, assigned, ms(killed)));

                // c joins: tasks move again, from b to c, by a clean hand-over and a restore on c.
                long joined = System.nanoTime();
                RunChild.Started runC = c.started("c");
                running.add(runC);
                deadline = deadline(90);
                waitFor(deadline, "c holding raw partitions", () -> bothHoldRaw(probe, "takeover-c", "takeover-b"),
                        running);
                log.add(String.format("c took %d of the 4 raw partitions %d ms after its start",
                        probe.rawPartitionsOf("takeover-c"), ms(joined)));
                lastTime = SimCounts.send(producer, lines.subList(cut[3], cut[4]), lastTime);
                producer.endOfInput(lastTime);
                long endWithMarkers = probe.rawEnd();
                try {
                    waitFor(deadline, "every line accounted for", () -> out.accountedLines() >= lines.size(), running);
                } catch (AssertionError e) {
                    throw new AssertionError(e.getMessage() + "; " + String.join("; ", log) + "; accounted for "
                            + out.accountedLines() + " of " + lines.size() + " lines; pair counts: " + difference(
                            SimCounts.expected(sim), SimCounts.actual(out.sortedStats())), e);
                }
                waitFor(deadline, "the group to be idle", () -> probe.committedRaw() >= endWithMarkers
                        && !probe.openTransaction() && probe.internalInputsDone(), running);
                // the alerts stage decides a window a settle delay (3 s of wall-clock time) after it closed: the
                // incident that ended must have been resolved, the one still going on be firing
                waitFor(deadline, "both incidents' alerts", () -> alertsOfBothIncidents(out.alertLines()), running);
                waitFor(deadline, "the group to be idle again", () -> !probe.openTransaction()
                        && probe.internalInputsDone(), running);
                waitFor(deadline, "the collector at the output's end", () -> out.readTo(probe.committedEnds(
                        topics.pairStats(), topics.deadLetters(), topics.alerts())), running);
                log.add(String.format("every line accounted for %d ms after c's start", ms(joined)));
                for (RunChild.Started s : running) kill(s.process());
                running.clear();

                Map<String, Long> restoredB = b.restoredRecords("b");
                Map<String, Long> restoredC = c.restoredRecords("c");
                String report = String.join("; ", log) + String.format("; records restored from changelogs: b %s, "
                        + "c %s; tasks found corrupted: b %d, c %d; %d lines, %d windows, alert records %s; %.1f s in "
                        + "all", restoredB, restoredC, b.corruptedTasks("b"), c.corruptedTasks("c"), lines.size(),
                        out.windows(), alertSummary(out.alertLines()), (System.nanoTime() - began) / 1e9);
                System.out.println("RunTakeoverIT: " + report);
                String where = "\n" + report + "\nchild logs in " + dir;
                assertEquals(lines.size(), out.accountedLines(), "every line counted or dead-lettered, once" + where);
                assertEquals(sim.truth().otherLines(), out.deadLetters(), "dead letters" + where);
                assertEquals(Map.of(), SimCounts.repeatedWindows(out.sortedStats()), "windows emitted twice" + where);
                Map<String, Long> want = SimCounts.expected(sim);
                Map<String, Long> got = SimCounts.actual(out.sortedStats());
                assertTrue(want.equals(got), "pair counts: " + difference(want, got) + where);
                assertEquals(List.of(), repeatedFirings(out.alertLines()), "alerts fired twice" + where);
                // and the moves did carry state: b rebuilt a's open windows, c what it took from b (Kafka Streams'
                // own log says so, which these children log at info)
                assertTrue(restoredB.getOrDefault(Names.PARTIALS_STORE, 0L) > 0, "b restored a's open windows" + where);
                assertTrue(restoredC.getOrDefault(Names.PARTIALS_STORE, 0L) > 0, "c restored open windows" + where);
            } finally {
                for (RunChild.Started s : running) kill(s.process());
            }
        }
    }

    private static RunChild instance(Path dir, String bootstrap, String name, Path clientConfig) {
        return RunChild.loggingRestores(dir, List.of("run", "--bootstrap-servers", bootstrap, "--topic-prefix", PREFIX,
                "--application-id", APP, "--group-instance-id", "takeover-" + name,
                "--state-dir", dir.resolve("state-" + name).toString(), "--kafka-config", clientConfig.toString(),
                "--http-port", "0", "--quiet", "--partitions", "4", "--window", "10s", "--grace", "30s",
                // windows close by event time (and the end of input) only, never because the test paused
                "--idle-after", "24h",
                // the lines are days old: the window stores' changelogs must not drop them by age
                "--retention", "87600h", "--rocksdb-memory", String.valueOf(32L * 1024 * 1024)));
    }

    /** Each alert record as "class status startsAt window severity", in the topic's order. */
    private static List<String> alertSummary(List<String> records) {
        return records.stream().map(ALERT::decode).map(x -> x.failureClass() + " " + x.status() + " " + x.startsAt()
                + " " + (x.observed() == null ? "-" : x.observed().windowStart()) + " " + x.severity()).toList();
    }

    /** Whether the UC incident's alert has been resolved and the UF incident's is firing. */
    private static boolean alertsOfBothIncidents(List<String> records) {
        boolean ucResolved = false;
        boolean ufFiring = false;
        for (String r : records) {
            Alert x = ALERT.decode(r);
            if (x.failureClass().equals("UC") && x.status().equals(Alert.RESOLVED)) ucResolved = true;
            if (x.failureClass().startsWith("UF") && x.status().equals(Alert.FIRING)) ufFiring = true;
        }
        return ucResolved && ufFiring;
    }

    /**
     * Alert records that repeat a decision, in the topic's order (one fingerprint's records are on one partition): a
     * firing record equal to an earlier one (example lines aside, which depend on the order lines arrived in), a
     * firing record that opens a second incident while the first still fires, and a resolved record without a firing
     * one before it. An update is not a repeat: the closed window of an alert fired on an early look may update it
     * with the same counts when its evidence changed (the early look had not seen the destination's other callers).
     */
    static List<String> repeatedFirings(List<String> records) {
        Map<String, String> openSince = new HashMap<>(); // fingerprint -> startsAt of the incident firing now
        java.util.Set<String> decisions = new java.util.HashSet<>();
        List<String> repeated = new ArrayList<>();
        for (String r : records) {
            Alert x = ALERT.decode(r);
            String who = x.fingerprint() + " (" + x.failureClass() + " " + x.reporter() + " " + x.source() + " -> "
                    + x.destination() + ")";
            if (x.status().equals(Alert.RESOLVED)) {
                if (openSince.remove(x.fingerprint()) == null) repeated.add("resolved without firing: " + who);
                continue;
            }
            String since = openSince.putIfAbsent(x.fingerprint(), x.startsAt());
            if (since != null && !since.equals(x.startsAt())) {
                repeated.add("a second incident from " + x.startsAt() + " while the one from " + since
                        + " fires: " + who);
            }
            String decision = ALERT.encodeToString(new Alert(x.fingerprint(), x.status(), x.failureClass(),
                    x.reporter(), x.source(), x.destination(), x.startsAt(), x.detectedAt(), x.endsAt(), x.severity(),
                    x.observed(), x.diagnosis(), List.of()));
            if (!decisions.add(decision)) {
                repeated.add("fired twice: " + who + " from " + x.startsAt() + " on window "
                        + (x.observed() == null ? "-" : x.observed().windowStart()));
            }
        }
        return repeated;
    }

    /** Whether both members hold raw partitions, in one description of the group (one generation). */
    private static boolean bothHoldRaw(GroupProbe probe, String x, String y) {
        Map<String, Integer> held = probe.rawPartitionsByMember();
        return GroupProbe.rawPartitionsOf(held, x) > 0 && GroupProbe.rawPartitionsOf(held, y) > 0;
    }
}
