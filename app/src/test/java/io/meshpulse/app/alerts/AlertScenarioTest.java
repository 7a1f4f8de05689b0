package io.meshpulse.app.alerts;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.meshpulse.alerts.AlertSettings;
import io.meshpulse.alerts.diagnose.Pairs;
import io.meshpulse.model.Alert;
import io.meshpulse.model.Rfc3339;
import io.meshpulse.sim.Scenario;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * One simulated fire drill per catalog entry, through the alerts sub-topology (TopologyTestDriver) fed with the
 * closed pair windows and exemplar lines of the simulator's log files ({@link StatsFromLogs}; the whole-topology
 * path is {@link AlertPipelineTest}): the expected alert fires on the right
 * pair with the right class, start and catalog entry, carries the cross-signal evidence, prints commands for the
 * AKS add-on, and nothing else pages.
 */
class AlertScenarioTest {
    static final long SEED = 20261120;
    static final Map<String, Long> DELAYS = new TreeMap<>();

    static Stream<String> scenarios() {
        String only = System.getProperty("meshpulse.scenarios", "");
        return Scenario.ALL.keySet().stream().filter(n -> !n.equals("baseline"))
                .filter(n -> only.isEmpty() || java.util.Arrays.asList(only.split(",")).contains(n));
    }

    static long millis(String t) {
        return Rfc3339.parseMillis(t, 0, t.length());
    }

    static String name(Alert a) {
        return a.failureClass() + " " + a.reporter() + " " + Pairs.sourceName(a.source()) + " -> "
                + Pairs.destinationName(a.destination()) + " " + a.status() + " " + a.severity();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("scenarios")
    void raisesTheCatalogEntrysAlert(String scenarioName, @org.junit.jupiter.api.io.TempDir Path dir) throws Exception {
        Scenario sc = Scenario.named(scenarioName);
        sc.generate(dir.resolve("logs"), SEED);
        List<Alert> alerts;
        long t0 = System.nanoTime();
        List<StatsFromLogs.Window> windows = StatsFromLogs.compute(dir.resolve("logs"), 10_000, 3);
        try (AlertStageDriver d = new AlertStageDriver(AlertSettings.defaults())) {
            alerts = d.run(windows, true);
        }
        String timing = String.format("%s: %d pair windows in %d ms%n", scenarioName, windows.size(),
                (System.nanoTime() - t0) / 1_000_000);
        System.out.print(timing);
        Files.createDirectories(Path.of("target"));
        Files.writeString(Path.of("target", "alert-scenario-timings.txt"), timing,
                java.nio.file.StandardOpenOption.CREATE, java.nio.file.StandardOpenOption.APPEND);
        Files.writeString(dir.resolve("alerts.txt"), alerts.toString());
        String shown = String.join("\n", alerts.stream().map(AlertScenarioTest::name).toList());

        Alert a = alerts.stream().filter(x -> x.status().equals(Alert.FIRING) && x.failureClass().equals(sc.failureClass())
                && x.reporter().equals(sc.reporter()) && matchesSource(sc, x)
                && sc.destination().equals(destination(x))).findFirst().orElse(null);
        assertNotNull(a, "expected " + sc.failureClass() + " " + sc.source() + " -> " + sc.destination() + " among:\n" + shown);

        // Class, pair and start.
        Instant incident = sc.incidentStart();
        long windowOfIncident = incident.toEpochMilli() - Math.floorMod(incident.toEpochMilli(), 10_000L);
        if (!sc.incidents().isEmpty() && !sc.failureClass().equals("SLO_BURN")) {
            long offset = incident.toEpochMilli() - windowOfIncident;
            if (sc.failureClass().equals("SILENCE")) {
                assertEquals(windowOfIncident + 10_000, millis(a.startsAt()), "silence begins with the first empty window");
            } else if (offset <= 5_000 && !sc.name().equals("nr-filter-chain-uninjected-client")) {
                assertEquals(windowOfIncident, millis(a.startsAt()), "startsAt is the window in which the incident began");
            } else {
                // Begun in the last seconds of a window, or a caller at 0.25 req/s (legacy-reconciler): the first
                // window may hold no failed call at all.
                long s0 = millis(a.startsAt());
                assertTrue(s0 >= windowOfIncident && s0 <= windowOfIncident + 20_000,
                        "startsAt within two windows of the incident's: " + a.startsAt());
            }
        }
        long delay = millis(a.detectedAt()) - incident.toEpochMilli();
        if (!sc.incidents().isEmpty()) {
            DELAYS.put(scenarioName, delay);
            assertTrue(delay > 0, "detected after it began");
        }
        assertEquals(Alert.FIRING, a.status());
        assertNotNull(a.diagnosis());
        assertFalse(a.diagnosis().evidence().isEmpty());
        assertFalse(a.diagnosis().commands().isEmpty());
        assertFalse(a.diagnosis().fix().isEmpty());
        for (String c : a.diagnosis().commands()) {
            if (c.contains("istioctl")) assertTrue(c.contains("istioctl --istioNamespace aks-istio-system"), c);
            assertFalse(c.contains("istio-injection=enabled"), c);
        }
        ScenarioExpectations.check(sc, a);

        // One alert per (pair, class) while it fires: updates may follow, never a second "firing" from scratch.
        long firings = alerts.stream().filter(x -> x.fingerprint().equals(a.fingerprint()) && x.status().equals(Alert.FIRING)
                && x.startsAt().equals(a.startsAt())).count();
        assertTrue(firings >= 1);
        long distinctStarts = alerts.stream().filter(x -> x.fingerprint().equals(a.fingerprint()))
                .map(Alert::startsAt).distinct().count();
        assertEquals(1, distinctStarts, "one incident, one alert:\n" + shown);

        // Nothing unrelated pages: every warning/critical alert is about the incident's destination or caller.
        for (Alert x : alerts) {
            if (x.severity().equals("info") || x.status().equals(Alert.RESOLVED)) continue;
            boolean related = sc.destination().equals(destination(x)) || (sc.source() != null && x.source() != null
                    && sc.source().equals(Pairs.sourceName(x.source())) && !sc.failureClass().equals("SILENCE"));
            assertTrue(related, "unrelated alert " + name(x) + " in scenario " + scenarioName + ":\n" + shown);
        }

        // The incident ends 60 s after it began: the alert resolves (hysteresis), except silence at the very end.
        // (A burn-rate alert lasts until its 5-minute window has cleared, after the end of the drill.)
        if (!sc.incidents().isEmpty() && !sc.failureClass().equals("SILENCE") && !sc.failureClass().equals("SLO_BURN")) {
            Alert resolved = alerts.stream().filter(x -> x.fingerprint().equals(a.fingerprint())
                    && x.status().equals(Alert.RESOLVED)).findFirst().orElse(null);
            assertNotNull(resolved, "resolves after the incident:\n" + shown);
            assertNotNull(resolved.endsAt());
            long end = incident.plus(Scenario.INCIDENT_LENGTH).toEpochMilli();
            assertTrue(Math.abs(millis(resolved.endsAt()) - end) <= 20_000, "endsAt near the incident's end: " + resolved.endsAt());
        }
    }

    static boolean matchesSource(Scenario sc, Alert a) {
        if (sc.failureClass().equals("SLO_BURN")) return a.source() == null;
        if (sc.source() == null) return a.source() != null && a.source().namespace() == null;
        return a.source() != null && sc.source().equals(Pairs.sourceName(a.source()));
    }

    static String destination(Alert a) {
        if (a.destination().namespace() == null) return a.destination().service();
        return Pairs.destinationName(a.destination());
    }

    @AfterAll
    static void report() throws Exception {
        if (DELAYS.isEmpty()) return;
        List<Long> v = DELAYS.values().stream().sorted().toList();
        StringBuilder sb = new StringBuilder("detection delay (detectedAt - incident start), event time, 10 s windows\n");
        DELAYS.forEach((k, d) -> sb.append(String.format("  %-36s %6.1f s%n", k, d / 1000.0)));
        sb.append(String.format("n=%d min=%.1f s median=%.1f s p90=%.1f s max=%.1f s%n", v.size(), v.get(0) / 1000.0,
                v.get(v.size() / 2) / 1000.0, v.get((int) Math.ceil(v.size() * 0.9) - 1) / 1000.0,
                v.get(v.size() - 1) / 1000.0));
        System.out.print(sb);
        Path out = Path.of("target", "alert-detection-delays.txt");
        Files.createDirectories(out.getParent());
        Files.writeString(out, sb.toString());
    }
}
