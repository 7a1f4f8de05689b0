package io.meshpulse.app.alerts;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.meshpulse.alerts.AlertSettings;
import io.meshpulse.model.Alert;
import io.meshpulse.model.PairWindowStats;
import io.meshpulse.model.Rfc3339;
import io.meshpulse.sim.Scenario;
import io.meshpulse.topology.Settings;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The whole application topology (spine + alerts) under TopologyTestDriver, fed the simulator's raw kubelet lines
 * of the flagship drill: the alert comes out of real lines, and the closed windows the spine emits are the ones
 * {@link StatsFromLogs} computes for the faster per-entry tests.
 */
class AlertPipelineTest {
    @Test
    void rawLinesOfAnMtlsMismatchBecomeOneDiagnosedAlert(@TempDir Path dir) throws Exception {
        Scenario sc = Scenario.named("uc-client-tls-disable");
        sc.generate(dir.resolve("logs"), AlertScenarioTest.SEED);
        List<Alert> alerts;
        List<org.apache.kafka.streams.test.TestRecord<String, PairWindowStats>> spine;
        try (AlertPipeline p = new AlertPipeline(AlertSettings.defaults())) {
            alerts = p.replay(dir.resolve("logs"));
            spine = p.stats();
        }
        Alert a = alerts.stream().filter(x -> x.failureClass().equals("UC") && x.status().equals(Alert.FIRING))
                .findFirst().orElse(null);
        assertNotNull(a, alerts.toString());
        assertEquals("checkout", a.source().namespace());
        assertEquals("checkout-api", a.source().workload());
        assertEquals("payments-api.checkout.svc.cluster.local", a.destination().service());
        assertEquals("2026-11-20T10:02:00.000Z", a.startsAt());
        long delay = Rfc3339.parseMillis(a.detectedAt(), 0, a.detectedAt().length()) - sc.incidentStart().toEpochMilli();
        assertTrue(delay > 0 && delay <= 15_000, "detected within 15 s of event time: " + delay);
        assertTrue(a.diagnosis().title().contains("Client sends plaintext to an mTLS-only server"), a.diagnosis().title());
        assertTrue(String.join("\n", a.diagnosis().evidence()).contains("with NR filter_chain_not_found"),
                a.diagnosis().evidence().toString());
        // Example lines come from the spine's pair-exemplars store: the client's UC and the server's rejection.
        assertTrue(a.exemplars().stream().anyMatch(x -> x.contains(" UC ")), a.exemplars().toString());
        assertTrue(a.exemplars().stream().anyMatch(x -> x.contains("filter_chain_not_found")), a.exemplars().toString());
        assertTrue(a.exemplars().stream().noneMatch(x -> x.matches(".*\\?(?!REDACTED).*HTTP/.*")), "query strings redacted");
        // The server side's NR is folded into the client's alert, not raised on its own.
        assertTrue(alerts.stream().noneMatch(x -> x.failureClass().equals("NR")), alerts.toString());

        // The spine's windows equal the ones the fast tests compute from the same files.
        Map<String, String> fromSpine = new TreeMap<>();
        for (var r : spine) {
            PairWindowStats s = r.value();
            fromSpine.put(s.windowStart() + " " + r.key(), s.requests() + " " + s.failures() + " " + s.byClass());
        }
        Map<String, String> computed = new TreeMap<>();
        for (StatsFromLogs.Window w : StatsFromLogs.compute(dir.resolve("logs"), 10_000, 3)) {
            PairWindowStats s = w.stats();
            computed.put(s.windowStart() + " " + w.pairKey(), s.requests() + " " + s.failures() + " " + s.byClass());
        }
        assertEquals(fromSpine, computed);
    }

    /**
     * Live, a window closes only when the grace has passed (30 s by default). With early looks, each parsing task
     * shows the alerts stage its counts once event time is 2 s past the window's end, so the same alert (class,
     * pair, start, detection time) is out while its window is still open; the closed window then adds no second
     * firing record, and the pair stats are the same as without early looks.
     */
    @Test
    void earlyLooksRaiseTheSameAlertBeforeTheWindowCloses(@TempDir Path dir) throws Exception {
        Scenario sc = Scenario.named("uc-client-tls-disable");
        sc.generate(dir.resolve("logs"), AlertScenarioTest.SEED);
        List<Alert> plain;
        List<org.apache.kafka.streams.test.TestRecord<String, PairWindowStats>> plainStats;
        try (AlertPipeline p = new AlertPipeline(AlertSettings.defaults())) {
            plain = p.replay(dir.resolve("logs"));
            plainStats = p.stats();
        }
        Alert expected = firstFiring(plain, "UC");
        assertNotNull(expected, plain.toString());
        long detected = Rfc3339.parseMillis(expected.detectedAt(), 0, expected.detectedAt().length());

        Settings early = Settings.defaults(1).withEarly(Duration.ofSeconds(2));
        List<Alert> atPause = new ArrayList<>();
        List<PairWindowStats> closedAtPause = new ArrayList<>();
        List<Alert> withEarly;
        List<org.apache.kafka.streams.test.TestRecord<String, PairWindowStats>> earlyStats;
        try (AlertPipeline p = new AlertPipeline(AlertSettings.defaults(), early)) {
            // Pause 3 s of event time past the end of the window the alert is about.
            withEarly = p.replay(dir.resolve("logs"), Instant.ofEpochMilli(detected + 3_000), (alerts, stats) -> {
                atPause.addAll(alerts);
                closedAtPause.addAll(stats);
            });
            earlyStats = new ArrayList<>(p.stats());
        }
        Alert a = firstFiring(atPause, "UC");
        assertNotNull(a, "fired from the early look: " + atPause);
        assertTrue(closedAtPause.stream().noneMatch(s -> s.windowStart().equals(expected.startsAt())
                        || Rfc3339.parseMillis(s.windowEnd(), 0, s.windowEnd().length()) >= detected),
                "the window is still open (grace 30 s): " + closedAtPause.stream().map(PairWindowStats::windowEnd).toList());
        assertEquals(expected.fingerprint(), a.fingerprint());
        assertEquals(expected.startsAt(), a.startsAt());
        assertEquals(expected.detectedAt(), a.detectedAt());
        assertEquals(expected.diagnosis().title(), a.diagnosis().title());
        assertEquals(1, withEarly.stream().filter(x -> x.fingerprint().equals(a.fingerprint())
                && x.status().equals(Alert.FIRING) && x.observed().windowStart().equals(a.observed().windowStart())).count(),
                "the closed window does not fire it again: " + withEarly);
        assertTrue(withEarly.stream().anyMatch(x -> x.fingerprint().equals(a.fingerprint())
                && x.status().equals(Alert.RESOLVED)), "and it resolves as without early looks");

        List<String> all = new ArrayList<>();
        for (PairWindowStats s : closedAtPause) all.add(s.toString());
        for (var r : earlyStats) all.add(r.value().toString());
        List<String> plainAll = plainStats.stream().map(r -> r.value().toString()).toList();
        assertTrue(!plainAll.isEmpty());
        assertEquals(new java.util.TreeSet<>(plainAll), new java.util.TreeSet<>(all), "pair stats unchanged");
        assertEquals(plainAll.size(), all.size(), "one record per closed window per pair, as without early looks");
    }

    static Alert firstFiring(List<Alert> alerts, String failureClass) {
        return alerts.stream().filter(x -> x.failureClass().equals(failureClass) && x.status().equals(Alert.FIRING))
                .findFirst().orElse(null);
    }
}
