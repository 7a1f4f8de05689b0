package io.meshpulse.alerts.stream;

import static io.meshpulse.alerts.stream.StageDriver.CHECKOUT;
import static io.meshpulse.alerts.stream.StageDriver.FRONTEND;
import static io.meshpulse.alerts.stream.StageDriver.GATEWAY;
import static io.meshpulse.alerts.stream.StageDriver.PAYMENTS;
import static io.meshpulse.alerts.stream.StageDriver.SIZE;
import static io.meshpulse.alerts.stream.StageDriver.T0;
import static io.meshpulse.alerts.stream.StageDriver.obs;
import static io.meshpulse.alerts.stream.StageDriver.show;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.meshpulse.model.Alert;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Silence of a steady pair: it fires once, and lasts as long as the pair stays silent. */
class AlertsProcessorSilenceTest {
    private final StageDriver stage = new StageDriver();

    /**
     * A steady pair stops; another pair of the task moves the stream on. The silence fires after 3 empty windows and
     * stays firing past the 30 windows after which a pair without traffic is forgotten; it resolves when the pair's
     * traffic returns, at the start of that window.
     */
    @Test
    void aSilenceLastsUntilThePairsTrafficReturns() {
        for (int i = 0; i < 15; i++) {
            stage.send(obs(i, "source", FRONTEND, CHECKOUT, 40, "UC", 0));
            stage.send(obs(i, "source", GATEWAY, PAYMENTS, 40, "UC", 0));
            stage.settle();
        }
        for (int i = 15; i < 50; i++) {
            stage.send(obs(i, "source", GATEWAY, PAYMENTS, 40, "UC", 0));
            stage.settle();
        }
        List<Alert> silence = stage.of("SILENCE");
        assertEquals(1, silence.size(), show(silence));
        assertEquals(Alert.FIRING, silence.get(0).status());
        assertEquals(T0 + 15 * SIZE, AlertsProcessor.millis(silence.get(0).startsAt()));

        stage.send(obs(50, "source", FRONTEND, CHECKOUT, 40, "UC", 0));
        stage.send(obs(50, "source", GATEWAY, PAYMENTS, 40, "UC", 0));
        stage.settle();
        silence = stage.of("SILENCE");
        assertEquals(2, silence.size(), show(silence));
        Alert resolved = silence.get(1);
        assertEquals(Alert.RESOLVED, resolved.status());
        assertEquals(silence.get(0).fingerprint(), resolved.fingerprint());
        assertEquals(T0 + 50 * SIZE, AlertsProcessor.millis(resolved.endsAt()));
        assertTrue(stage.of("UC").isEmpty(), show(stage.of("UC")));
    }

    /** Both sidecars of a stopped pair go quiet together: one silence (the client side's), not one per reporter. */
    @Test
    void aStoppedPairIsOneSilence() {
        for (int i = 0; i < 15; i++) {
            stage.send(obs(i, "source", FRONTEND, CHECKOUT, 40, "UC", 0));
            stage.send(obs(i, "destination", FRONTEND, CHECKOUT, 40, "UC", 0));
            stage.send(obs(i, "source", GATEWAY, PAYMENTS, 40, "UC", 0));
            stage.settle();
        }
        for (int i = 15; i < 20; i++) {
            stage.send(obs(i, "source", GATEWAY, PAYMENTS, 40, "UC", 0));
            stage.settle();
        }
        List<Alert> silence = stage.of("SILENCE");
        assertEquals(1, stage.pages("SILENCE"), "one silence per reporter:\n" + show(silence));
        assertEquals("source", silence.get(0).reporter());
    }

    /** A server whose caller has no client-side view (no sidecar: known by IP only) still pages its silence. */
    @Test
    void aServerSideSilenceWithoutAClientSideViewPages() {
        io.meshpulse.model.WorkloadRef byIp = new io.meshpulse.model.WorkloadRef(null, "10.244.3.9");
        for (int i = 0; i < 15; i++) {
            stage.send(obs(i, "destination", byIp, CHECKOUT, 40, "UC", 0));
            stage.send(obs(i, "source", GATEWAY, PAYMENTS, 40, "UC", 0));
            stage.settle();
        }
        for (int i = 15; i < 20; i++) {
            stage.send(obs(i, "source", GATEWAY, PAYMENTS, 40, "UC", 0));
            stage.settle();
        }
        List<Alert> silence = stage.of("SILENCE");
        assertEquals(1, stage.pages("SILENCE"), show(silence));
        assertEquals("destination", silence.get(0).reporter());
    }
}
