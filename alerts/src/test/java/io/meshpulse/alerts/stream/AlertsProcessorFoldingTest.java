package io.meshpulse.alerts.stream;

import static io.meshpulse.alerts.stream.StageDriver.CHECKOUT;
import static io.meshpulse.alerts.stream.StageDriver.FRONTEND;
import static io.meshpulse.alerts.stream.StageDriver.obs;
import static io.meshpulse.alerts.stream.StageDriver.show;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.meshpulse.model.Alert;
import org.junit.jupiter.api.Test;

/** One failure seen by both sidecars of a call is one alert, the client side's, with the server's view as evidence. */
class AlertsProcessorFoldingTest {
    private final StageDriver stage = new StageDriver();

    /** A calling app that hangs up makes both sidecars log DC: one page, and it counts the server's lines. */
    @Test
    void aHangUpSeenByBothSidecarsPagesOnce() {
        for (int i = 0; i < 12; i++) {
            stage.send(obs(i, "source", FRONTEND, CHECKOUT, 20, "DC", 0));
            stage.send(obs(i, "destination", FRONTEND, CHECKOUT, 20, "DC", 0));
            stage.settle();
        }
        stage.send(obs(12, "source", FRONTEND, CHECKOUT, 20, "DC", 10));
        stage.send(obs(12, "destination", FRONTEND, CHECKOUT, 20, "DC", 9));
        stage.settle();
        assertEquals(1, stage.pages("DC"), "DC paged once per reporter:\n" + show(stage.of("DC")));
        Alert a = stage.of("DC").get(0);
        assertEquals("source", a.reporter());
        String evidence = String.join("\n", a.diagnosis().evidence());
        assertTrue(evidence.contains("logged 9 request(s) from web/frontend ending DC as well"), evidence);
    }
}
