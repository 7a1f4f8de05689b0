package io.meshpulse.alerts.stream;

import static io.meshpulse.alerts.stream.StageDriver.CHECKOUT;
import static io.meshpulse.alerts.stream.StageDriver.FRONTEND;
import static io.meshpulse.alerts.stream.StageDriver.PAYMENTS;
import static io.meshpulse.alerts.stream.StageDriver.obs;
import static io.meshpulse.alerts.stream.StageDriver.show;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.meshpulse.alerts.AlertSettings;
import io.meshpulse.alerts.AlertsTopology;
import io.meshpulse.alerts.detect.BurnState;
import io.meshpulse.model.Alert;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The burn rate of a destination with little traffic: one call every 10 s is 180 calls in the slow burn's half
 * hour, enough for burn-min-requests, so a single failed call there is a 0.56% rate, a burn of 5.6, and two are
 * 11. A burn rate needs min-failures failures in its short window, as a pair alert does: one or two failed calls
 * are no evidence that a 0.1% budget is burning.
 */
class AlertsProcessorBurnTest {
    private final StageDriver stage = new StageDriver();

    private void thinDestination(int windows, java.util.Set<Integer> failing) {
        for (int i = 0; i < windows; i++) {
            stage.send(obs(i, "source", FRONTEND, CHECKOUT, 1, "UC", failing.contains(i) ? 1 : 0));
            stage.settle();
        }
    }

    /** Two lone failures 12 minutes apart: no ticket (failed before: a warning from 1 failure in 100 calls on). */
    @Test
    void loneFailuresOnAThinDestinationRaiseNoBurnAlert() {
        thinDestination(240, java.util.Set.of(60, 132));
        assertEquals(0, stage.pages("SLO_BURN"), show(stage.of("SLO_BURN")));
    }

    /** Three failures within the half hour of a thin destination are a burn of 17: a ticket, not a page. */
    @Test
    void threeFailuresInTheShortWindowStillBurn() {
        thinDestination(240, java.util.Set.of(60, 90, 120));
        assertEquals(1, stage.pages("SLO_BURN"), show(stage.of("SLO_BURN")));
        assertEquals("warning", stage.of("SLO_BURN").get(0).severity());
    }

    // ------------------------------------------------------------------------------------------------------
    // Hysteresis (keep firing): a burn rate that hovers around its factor must not page at every crossing.
    // The destination below takes 20 calls per window; the fast burn needs 9 failed calls in its 5 minutes.

    /** Five minutes of event time: the default burn-keep-firing. */
    static final Duration KEEP = Duration.ofMinutes(5);
    /** 4 hours of clean traffic first keep the 6 h rate, hence the slow burn, below its factor: only the fast burn acts. */
    static final int CLEAN_WINDOWS = 4 * 360;

    /** Window {@code i} of frontend → checkout: 20 calls, {@code failed} of them UC. */
    private static void window(StageDriver s, int i, int failed) {
        s.send(obs(i, "source", FRONTEND, CHECKOUT, 20, "UC", failed));
        s.settle();
    }

    /** Windows {@code [from, from + count)}, one failed call every {@code every} windows (0: none). */
    private static int segment(StageDriver s, int from, int count, int every) {
        for (int j = 0; j < count; j++) window(s, from + j, every > 0 && j % every == 0 ? 1 : 0);
        return from + count;
    }

    private static StageDriver keepingFor(Duration keep) {
        return new StageDriver(AlertSettings.from(Map.of("meshpulse.alerts.burn-keep-firing", keep.toString())));
    }

    private static long ms(String rfc3339) {
        return AlertsProcessor.millis(rfc3339);
    }

    /**
     * 80 minutes alternating 4 minutes at 2.5% and 4 at 0.8% (1.7% on average, a fast burn of about 8 to 25 over
     * 5 minutes): once the hour holds enough of it, the fast burn crosses 14.4 back and forth every few minutes,
     * never below it for 5 minutes. Then the failures stop. One page, one resolution; it failed before with 9
     * firing records and 9 resolutions, some a single window apart (the rate is counted per minute).
     */
    @Test
    void aFastBurnHoveringAroundItsFactorPagesOnceAndResolvesOnce() {
        StageDriver s = new StageDriver();
        int i = segment(s, 0, CLEAN_WINDOWS, 0);
        for (int c = 0; c < 10; c++) {
            i = segment(s, i, 24, 2);
            i = segment(s, i, 24, 6);
        }
        long lastFailure = StageDriver.T0 + (i - 6) * StageDriver.SIZE; // the last 0.8% segment fails at 0, 6, 12, 18
        segment(s, i, 90, 0);

        List<Alert> burn = s.of("SLO_BURN");
        List<Alert> firing = burn.stream().filter(a -> a.status().equals(Alert.FIRING)).toList();
        List<Alert> resolved = burn.stream().filter(a -> a.status().equals(Alert.RESOLVED)).toList();
        assertEquals(1, firing.size(), show(burn));
        assertEquals("critical", firing.get(0).severity());
        assertEquals(1, resolved.size(), show(burn));
        Alert end = resolved.get(0);
        assertEquals(firing.get(0).startsAt(), end.startsAt());
        assertEquals(firing.get(0).detectedAt(), end.detectedAt());
        // endsAt is when the burn stopped (its short window cleared), not when the keep time ran out.
        assertTrue(ms(end.endsAt()) > lastFailure, show(burn));
        assertTrue(ms(end.observed().windowEnd()) - ms(end.endsAt()) >= KEEP.toMillis(), show(burn));
        assertTrue(ms(end.observed().windowEnd()) - ms(end.endsAt()) <= KEEP.toMillis() + StageDriver.SIZE, show(burn));
    }

    /** 4 hours clean, 10 minutes at 10% (a fast burn of 100), then clean: the page ends once, keep time late. */
    private static List<Alert> realEnd(StageDriver s) {
        int i = segment(s, 0, CLEAN_WINDOWS, 0);
        for (int j = 0; j < 60; j++) window(s, i++, 2);
        segment(s, i, 120, 0);
        return s.of("SLO_BURN");
    }

    /**
     * Failures stop for good: the alert resolves the keep time after its condition turned false, not before, and
     * says the burn ended then. When the condition turned false is what a run with no keep time (PT0S, the stage's
     * behaviour before the setting) says. Failed before: resolved at once, 5 minutes early.
     */
    @Test
    void aRealEndResolvesAfterTheKeepTimeAndNotBefore() {
        List<Alert> now = realEnd(keepingFor(Duration.ZERO));
        List<Alert> kept = realEnd(new StageDriver());
        assertEquals(List.of(Alert.FIRING, Alert.RESOLVED), now.stream().map(Alert::status).toList(), show(now));
        assertEquals(List.of(Alert.FIRING, Alert.RESOLVED), kept.stream().map(Alert::status).toList(), show(kept));
        // The page itself does not change, but for its fix naming the keep time.
        Alert p0 = now.get(0);
        Alert p5 = kept.get(0);
        assertEquals(List.of(p0.fingerprint(), p0.startsAt(), p0.detectedAt(), p0.severity(), p0.diagnosis().summary()),
                List.of(p5.fingerprint(), p5.startsAt(), p5.detectedAt(), p5.severity(), p5.diagnosis().summary()));
        assertEquals(p0.observed(), p5.observed());
        assertTrue(String.join(" ", p5.diagnosis().fix()).contains("held for 5 min"), p5.diagnosis().fix().toString());
        Alert cleared = now.get(1);
        Alert end = kept.get(1);
        assertEquals(cleared.endsAt(), end.endsAt(), "endsAt: when the condition turned false");
        assertEquals(ms(cleared.observed().windowEnd()) + KEEP.toMillis(), ms(end.observed().windowEnd()),
                show(kept));
        assertEquals("critical", end.severity());
    }

    /**
     * The destination is failing hard when its callers stop calling it (scaled to zero, or the callers moved to
     * another service), while the rest of the mesh goes on. Nothing will ever clear its burn: after stale-windows
     * windows without a call it resolves, as a pair alert does, and says it ended when the calls did. Failed before:
     * it fired forever.
     */
    @Test
    void aBurnWhoseDestinationStopsGettingCallsResolvesOnceStale() {
        StageDriver s = new StageDriver();
        int i = segment(s, 0, CLEAN_WINDOWS, 0);
        for (int j = 0; j < 60; j++) window(s, i++, 2);
        int lastCall = i - 1;
        for (int j = 0; j < 60; j++, i++) { // only frontend → payments from here on
            s.send(obs(i, "source", FRONTEND, PAYMENTS, 20, "UC", 0));
            s.settle();
        }
        List<Alert> burn = s.of("SLO_BURN").stream()
                .filter(a -> a.destination().service().equals(CHECKOUT.service())).toList();
        assertEquals(List.of(Alert.FIRING, Alert.RESOLVED), burn.stream().map(Alert::status).toList(), show(burn));
        Alert end = burn.get(1);
        AlertSettings d = AlertSettings.defaults();
        assertEquals(StageDriver.T0 + (lastCall + 1) * StageDriver.SIZE, ms(end.endsAt()), "ended with the calls");
        assertEquals(StageDriver.T0 + (lastCall + 1 + d.staleWindows()) * StageDriver.SIZE,
                ms(end.observed().windowEnd()), "resolved stale-windows later: " + show(burn));
        assertEquals("critical", end.severity());
    }

    /** The chronic hovering of the first test from the start, then 10 minutes at 0.8%, 5 at 2.5% and 10 at 0.8%. */
    private static List<Alert> severities(StageDriver s) {
        int i = 0;
        for (int c = 0; c < 8; c++) {
            i = segment(s, i, 24, 2);
            i = segment(s, i, 24, 6);
        }
        i = segment(s, i, 60, 6); // the slow burn (30 min and 6 h at 6) goes on, the fast one stops
        i = segment(s, i, 30, 2); // the fast one again
        segment(s, i, 60, 6);
        return s.of("SLO_BURN").stream().filter(a -> a.status().equals(Alert.FIRING)).toList();
    }

    /**
     * Without hours of clean history the slow burn goes on under the fast one, so the fast burn's crossings were
     * critical ↔ warning flips (failed before: 34 firing records). Now a downgrade to warning waits until the fast
     * burn has been off for the keep time; an upgrade to critical is immediate.
     */
    @Test
    void aDowngradeWaitsForTheKeepTimeAndAnUpgradeDoesNot() {
        List<Alert> now = severities(keepingFor(Duration.ZERO));
        List<Alert> kept = severities(new StageDriver());
        assertEquals(List.of("critical", "warning", "critical", "warning"),
                kept.stream().map(Alert::severity).toList(), show(kept));
        // In the run without keep time, the fast burn's last crossing before the 0.8% segment ends the
        // critical, and the 5% segment starts it again.
        Alert upgrade = kept.get(2);
        List<Alert> same = now.stream().filter(a -> a.observed().windowEnd().equals(upgrade.observed().windowEnd()))
                .toList();
        assertEquals(1, same.size(), "upgraded in the same window as without keep time: " + show(now));
        assertEquals("critical", same.get(0).severity());
        Alert lastDown = now.stream().filter(a -> a.severity().equals("warning")
                && ms(a.observed().windowEnd()) < ms(upgrade.observed().windowEnd())).reduce((a, b) -> b).orElseThrow();
        assertEquals(ms(lastDown.observed().windowEnd()) + KEEP.toMillis(), ms(kept.get(1).observed().windowEnd()),
                show(kept));
    }

    /** A burn state stored before the keep time existed (no clearSince fields) reads, with no count under way. */
    @Test
    void aBurnStateStoredBeforeTheKeepTimeStillReads() {
        String old = "{\"destination\":\"checkout-api.checkout.svc.cluster.local\",\"namespace\":\"checkout\","
                + "\"workload\":\"checkout-api\",\"minutes\":{\"1790000000000\":[120,3]},\"firing\":\"critical\","
                + "\"startsAt\":1790000000000,\"detectedAt\":1790000060000}";
        BurnState b = AlertsTopology.BURN_SERDE.deserializer().deserialize("t", old.getBytes(StandardCharsets.UTF_8));
        assertEquals("critical", b.firing);
        assertEquals(-1, b.clearSince);
        assertEquals(-1, b.fastClearSince);
        assertEquals(3, b.minutes.get(1_790_000_000_000L)[1]);
    }
}
