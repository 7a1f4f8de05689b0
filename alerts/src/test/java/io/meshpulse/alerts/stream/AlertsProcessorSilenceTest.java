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

    /** One reporter's view of one pair, 40 clean requests a window. */
    private record Pair(String reporter, io.meshpulse.model.WorkloadRef source, io.meshpulse.model.ServiceRef dest) {}

    private static final Pair PAYMENTS_FROM_GATEWAY = new Pair("source", GATEWAY, PAYMENTS);

    /** Windows {@code from} to {@code to - 1} with traffic on the given pairs, each settled. */
    private void windows(int from, int to, Pair... pairs) {
        for (int i = from; i < to; i++) {
            for (Pair p : pairs) stage.send(obs(i, p.reporter(), p.source(), p.dest(), 40, "UC", 0));
            stage.settle();
        }
    }

    /**
     * A steady pair stops; another pair of the task moves the stream on. The silence fires after 3 empty windows and
     * stays firing past the 30 windows after which a pair without traffic is forgotten; it resolves when the pair's
     * traffic returns, at the start of that window.
     */
    @Test
    void aSilenceLastsUntilThePairsTrafficReturns() {
        Pair checkout = new Pair("source", FRONTEND, CHECKOUT);
        windows(0, 15, checkout, PAYMENTS_FROM_GATEWAY);
        windows(15, 50, PAYMENTS_FROM_GATEWAY);
        List<Alert> silence = stage.of("SILENCE");
        assertEquals(1, silence.size(), show(silence));
        assertEquals(Alert.FIRING, silence.get(0).status());
        assertEquals(T0 + 15 * SIZE, AlertsProcessor.millis(silence.get(0).startsAt()));

        windows(50, 51, checkout, PAYMENTS_FROM_GATEWAY);
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
        windows(0, 15, new Pair("source", FRONTEND, CHECKOUT), new Pair("destination", FRONTEND, CHECKOUT),
                PAYMENTS_FROM_GATEWAY);
        windows(15, 20, PAYMENTS_FROM_GATEWAY);
        List<Alert> silence = stage.of("SILENCE");
        assertEquals(1, stage.pages("SILENCE"), "one silence per reporter:\n" + show(silence));
        assertEquals("source", silence.get(0).reporter());
    }

    /** A server whose caller has no client-side view (no sidecar: known by IP only) still pages its silence. */
    @Test
    void aServerSideSilenceWithoutAClientSideViewPages() {
        io.meshpulse.model.WorkloadRef byIp = new io.meshpulse.model.WorkloadRef(null, "10.244.3.9");
        windows(0, 15, new Pair("destination", byIp, CHECKOUT), PAYMENTS_FROM_GATEWAY);
        windows(15, 20, PAYMENTS_FROM_GATEWAY);
        List<Alert> silence = stage.of("SILENCE");
        assertEquals(1, stage.pages("SILENCE"), show(silence));
        assertEquals("destination", silence.get(0).reporter());
    }
}
