package io.meshpulse.alerts.stream;

import static io.meshpulse.alerts.stream.StageDriver.CHECKOUT;
import static io.meshpulse.alerts.stream.StageDriver.FRONTEND;
import static io.meshpulse.alerts.stream.StageDriver.obs;
import static io.meshpulse.alerts.stream.StageDriver.show;
import static org.junit.jupiter.api.Assertions.assertEquals;

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
}
