package io.meshpulse.app.alerts;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.meshpulse.alerts.AlertSettings;
import io.meshpulse.alerts.diagnose.Pairs;
import io.meshpulse.model.Alert;
import io.meshpulse.sim.Incident;
import io.meshpulse.sim.MeshSimulator;
import io.meshpulse.sim.MeshSpec;
import io.meshpulse.sim.Scenario;
import io.meshpulse.sim.SimConfig;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Quiet meshes stay quiet: an hour of the shop with its background noise (Envoy/agent lines, slow requests, a
 * sprinkle of 404/500/UC, and checkout-api → cart failing 1% of the time with UC) raises no warning or critical
 * alert; the same chronic pair jumping to ~8% does.
 */
class BaselineAlertsTest {
    static final Instant START = Instant.parse("2026-11-20T09:00:00Z");

    @Test
    void anHourOfBaselineWithNoiseRaisesNothingButTheEgressAudit(@TempDir Path dir) throws Exception {
        SimConfig cfg = SimConfig.defaults(7, START, Duration.ofHours(1)).withRateMultiplier(Scenario.RATE);
        MeshSimulator.generate(MeshSpec.aksShop(), cfg, dir);
        List<StatsFromLogs.Window> windows = StatsFromLogs.compute(dir, 10_000, 3);
        List<Alert> alerts;
        try (AlertStageDriver d = new AlertStageDriver(AlertSettings.defaults())) {
            alerts = d.run(windows, true);
        }
        List<Alert> paging = alerts.stream().filter(a -> !a.severity().equals("info")).toList();
        assertEquals(List.of(), paging.stream().map(BaselineAlertsTest::name).toList(), "no page on an hour of baseline");
        // The only findings are the info-level audit of the two external hosts reached through PassthroughCluster.
        Set<String> audit = alerts.stream().filter(a -> a.status().equals(Alert.FIRING))
                .map(a -> a.failureClass() + " " + a.destination().service()).collect(Collectors.toSet());
        assertEquals(Set.of("EGRESS_AUDIT api.stripe.com", "EGRESS_AUDIT tax-rates.contoso-partner.com"), audit);
        for (Alert a : alerts) {
            String said = String.join(" ", a.diagnosis().evidence());
            assertTrue(said.contains("a host outside the mesh registry") && !said.contains("ended EGRESS_AUDIT"),
                    "the audit says what was seen, not a failure count: " + said);
        }
        assertTrue(windows.size() > 5_000, "an hour of pair windows: " + windows.size());
    }

    @Test
    void aChronicOnePercentDoesNotPageButAJumpToEightPercentDoes(@TempDir Path dir) throws Exception {
        Instant jump = START.plus(Duration.ofMinutes(12)).plusSeconds(3);
        Incident inc = Incident.of(Incident.Kind.UC_UPSTREAM_RESET, "checkout/checkout-api", "store/cart", jump,
                Duration.ofMinutes(8), 0.07);
        SimConfig cfg = SimConfig.defaults(11, START, Duration.ofMinutes(20)).withIncidents(List.of(inc));
        MeshSimulator.generate(MeshSpec.aksShop(), cfg, dir);
        List<Alert> alerts;
        try (AlertStageDriver d = new AlertStageDriver(AlertSettings.defaults())) {
            alerts = d.run(StatsFromLogs.compute(dir, 10_000, 3), true);
        }
        List<Alert> uc = alerts.stream().filter(a -> a.failureClass().equals("UC") && a.status().equals(Alert.FIRING))
                .toList();
        assertTrue(!uc.isEmpty(), "the jump pages: " + alerts.stream().map(BaselineAlertsTest::name).toList());
        Alert a = uc.get(0);
        assertEquals("checkout/checkout-api", Pairs.sourceName(a.source()));
        assertEquals("store/cart", Pairs.destinationName(a.destination()));
        long started = Instant.parse(a.startsAt()).toEpochMilli();
        assertTrue(started >= jump.toEpochMilli() - 10_000, "not before the jump: " + a.startsAt());
        assertTrue(a.observed().baselineRatio() > 0.004 && a.observed().baselineRatio() < 0.03,
                "the alert states the chronic baseline it beat: " + a.observed().baselineRatio());
        assertTrue(String.join(" ", a.diagnosis().evidence()).contains("already fails with UC"),
                "evidence names the chronic habit: " + a.diagnosis().evidence());
        // Before the jump: nothing on that pair.
        assertTrue(alerts.stream().filter(x -> x.failureClass().equals("UC"))
                .allMatch(x -> Instant.parse(x.startsAt()).toEpochMilli() >= jump.toEpochMilli() - 10_000));
        assertNotNull(a.diagnosis());
    }

    static String name(Alert a) {
        return a.failureClass() + " " + a.reporter() + " " + Pairs.sourceName(a.source()) + " -> "
                + Pairs.destinationName(a.destination()) + " " + a.status() + " " + a.severity() + " " + a.startsAt();
    }
}
