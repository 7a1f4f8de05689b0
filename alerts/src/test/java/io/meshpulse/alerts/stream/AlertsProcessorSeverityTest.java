package io.meshpulse.alerts.stream;

import static io.meshpulse.alerts.stream.StageDriver.CHECKOUT;
import static io.meshpulse.alerts.stream.StageDriver.FRONTEND;
import static io.meshpulse.alerts.stream.StageDriver.obs;
import static io.meshpulse.alerts.stream.StageDriver.show;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.meshpulse.model.Alert;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Severity is an Alertmanager label, so a firing alert whose severity changes becomes a second alert there. While an
 * alert fires its severity only goes up, windows that are not suspicious themselves send nothing, and the resolution
 * carries the alert's severity.
 */
class AlertsProcessorSeverityTest {
    private final StageDriver stage = new StageDriver();

    private void cleanHistory() {
        for (int i = 0; i < 12; i++) {
            stage.send(obs(i, "source", FRONTEND, CHECKOUT, 40, "UC", 0));
            stage.settle();
        }
    }

    /** An incident at 50 % that tails off at 10 % (still suspicious, still firing) stays critical to the end. */
    @Test
    void severityDoesNotDropWhileTheAlertFires() {
        cleanHistory();
        stage.send(obs(12, "source", FRONTEND, CHECKOUT, 40, "UC", 20)); // 50 %: critical
        stage.settle();
        stage.send(obs(13, "source", FRONTEND, CHECKOUT, 40, "UC", 4)); // 10 %: the tail of the same incident
        stage.settle();
        for (int i = 14; i < 17; i++) {
            stage.send(obs(i, "source", FRONTEND, CHECKOUT, 40, "UC", 0));
            stage.settle();
        }
        List<Alert> uc = stage.of("UC");
        assertEquals(Alert.RESOLVED, uc.get(uc.size() - 1).status(), show(uc));
        for (Alert a : uc) assertEquals("critical", a.severity(), "severity demoted while firing:\n" + show(uc));
    }

    /**
     * An outage (every call failing) followed by a window with one failure in 40: that window is below the
     * thresholds, one of the clean windows that lead to the resolution, and sends nothing although its evidence
     * differs (no "outage" any more).
     */
    @Test
    void aWindowBelowTheThresholdsSendsNoUpdate() {
        cleanHistory();
        stage.send(obs(12, "source", FRONTEND, CHECKOUT, 40, "UC", 40));
        stage.settle();
        stage.send(obs(13, "source", FRONTEND, CHECKOUT, 40, "UC", 1)); // 2.5 %: below min-ratio
        stage.settle();
        stage.send(obs(14, "source", FRONTEND, CHECKOUT, 40, "UC", 0));
        stage.settle();
        stage.send(obs(15, "source", FRONTEND, CHECKOUT, 40, "UC", 0));
        stage.settle();
        List<Alert> uc = stage.of("UC");
        assertEquals(2, uc.size(), "fired, then resolved, nothing in between:\n" + show(uc));
        assertEquals(Alert.FIRING, uc.get(0).status());
        Alert resolved = uc.get(1);
        assertEquals(Alert.RESOLVED, resolved.status());
        assertEquals("critical", resolved.severity());
        assertEquals(StageDriver.T0 + 13 * StageDriver.SIZE, AlertsProcessor.millis(resolved.endsAt()));
    }
}
