package io.meshpulse.alerts.stream;

import static io.meshpulse.alerts.stream.StageDriver.CHECKOUT;
import static io.meshpulse.alerts.stream.StageDriver.FRONTEND;
import static io.meshpulse.alerts.stream.StageDriver.SIZE;
import static io.meshpulse.alerts.stream.StageDriver.T0;
import static io.meshpulse.alerts.stream.StageDriver.obs;
import static io.meshpulse.alerts.stream.StageDriver.show;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.meshpulse.model.Alert;
import io.meshpulse.model.Times;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * A failure class a pair has never shown (a new AuthorizationPolicy denying every call, say) is tested with the
 * pair's last clean windows in its pool, as a class the pair has shown before is: on a thin pair the first failing
 * window alone holds fewer than min-requests calls, and must not have to wait for the next window to fire.
 */
class AlertsProcessorNewClassTest {
    private final StageDriver stage = new StageDriver();

    private void clean(StageDriver s, int from, int to, long requests, boolean early) {
        for (int i = from; i < to; i++) {
            Observation o = obs(i, "destination", FRONTEND, CHECKOUT, requests, "RBAC", 0);
            s.send(early ? new Observation(o.pairKey(), o.stats(), o.exemplars(), true) : o);
            s.settle();
        }
    }

    /** 15 calls a window for two minutes, then a window whose 9 calls are all denied: paged on that window. */
    @Test
    void aNewClassOnAThinPairFiresInItsFirstFailingWindow() {
        clean(stage, 0, 12, 15, false);
        stage.send(obs(12, "destination", FRONTEND, CHECKOUT, 9, "RBAC", 9));
        List<Alert> fired = stage.settle().stream().filter(a -> a.failureClass().equals("RBAC")).toList();
        assertEquals(1, fired.size(), show(stage.of("RBAC")));
        assertEquals(Times.rfc3339(T0 + 12 * SIZE), fired.get(0).startsAt());
        assertEquals(Times.rfc3339(T0 + 13 * SIZE), fired.get(0).observed().windowEnd());
    }

    /**
     * Live, the windows before the failing one are still in their grace when it is looked at (here, the first two
     * minutes of a fresh start: no window has closed yet): the ones its looks saw stand in the pool, so it fires.
     */
    @Test
    void anEarlyLookAtANewClassPoolsTheLookedAtCleanWindows() {
        clean(stage, 0, 12, 15, true); // only looked at
        Observation w = obs(12, "destination", FRONTEND, CHECKOUT, 9, "RBAC", 9);
        stage.send(new Observation(w.pairKey(), w.stats(), w.exemplars(), true));
        List<Alert> fired = stage.settle().stream().filter(a -> a.failureClass().equals("RBAC")).toList();
        assertEquals(1, fired.size(), show(stage.of("RBAC")));
        assertEquals(Times.rfc3339(T0 + 12 * SIZE), fired.get(0).startsAt());
    }

    /** The pair's last windows are part of its stored state (as a commit writes it), so a restart keeps them. */
    @Test
    void thePairsLastWindowsAreStoredWithIt() {
        clean(stage, 0, 12, 15, false);
        Observation o = obs(0, "destination", FRONTEND, CHECKOUT, 15, "RBAC", 0);
        java.util.List<long[]> stored = stage.pair(AlertsProcessor.stateKey(o.stats())).recentWindows;
        assertEquals(6, stored.size());
        for (int i = 0; i < 6; i++) {
            assertEquals(T0 + (6 + i) * SIZE, stored.get(i)[0]);
            assertEquals(15, stored.get(i)[1]);
        }
    }

    /** The same pool does not page a few failed calls: two of nine, then one of ten. */
    @Test
    void aFewFailuresOfANewClassDoNotPage() {
        clean(stage, 0, 12, 15, false);
        stage.send(obs(12, "destination", FRONTEND, CHECKOUT, 9, "RBAC", 2));
        stage.settle();
        stage.send(obs(13, "destination", FRONTEND, CHECKOUT, 10, "RBAC", 1));
        stage.settle();
        clean(stage, 14, 20, 15, false);
        assertEquals(0, stage.pages("RBAC"), show(stage.of("RBAC")));
    }

    /**
     * A thin pair (two calls a window) with a short history: its first failures of a new class, three in three
     * windows, are what such a pair may always do, and do not page, the pool of its clean windows notwithstanding.
     */
    @Test
    void aThinPairsFirstFailuresOfANewClassDoNotPage() {
        clean(stage, 0, 10, 2, false);
        long[] failed = {2, 0, 1, 0, 0, 0};
        for (int i = 0; i < failed.length; i++) {
            stage.send(obs(10 + i, "destination", FRONTEND, CHECKOUT, 2, "RBAC", failed[i]));
            stage.settle();
        }
        assertEquals(0, stage.pages("RBAC"), show(stage.of("RBAC")));
    }
}
