package io.meshpulse.alerts.diagnose;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.meshpulse.alerts.AlertSettings;
import io.meshpulse.alerts.stream.Observation;
import io.meshpulse.model.PairWindowStats;
import io.meshpulse.model.ServiceRef;
import io.meshpulse.model.WorkloadRef;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class CorrelatorTest {
    private static final WorkloadRef PAYMENTS = new WorkloadRef("checkout", "payments-api");
    private static final ServiceRef CART = new ServiceRef("store", "cart.store.svc.cluster.local", "cart");
    private static final ServiceRef STRIPE = new ServiceRef(null, "api.stripe.com", null);

    private final Correlator correlator = new Correlator(AlertSettings.defaults());

    /** A client-side window of {@code requests} calls, {@code failed} of them ending with {@code cls}. */
    private static Observation client(ServiceRef dst, long requests, String cls, long failed) {
        Map<String, Long> byClass = failed > 0 ? Map.of(cls, failed) : Map.of();
        PairWindowStats s = new PairWindowStats("2026-09-21T10:00:00Z", "2026-09-21T10:00:10Z", "source", PAYMENTS,
                dst, requests, failed, requests == 0 ? 1.0 : 1.0 - (double) failed / requests, byClass, Map.of(),
                null, 0, 0);
        return new Observation("source|" + PAYMENTS + "|" + dst, s, Map.of());
    }

    private boolean peerSilent(Observation o, String cls) {
        return correlator.correlate(o, cls, List.of(o), 0).signals().contains("peer-silent");
    }

    /** A meshed destination that logged nothing for failed calls: they never reached its sidecar. */
    @Test
    void failedCallsTheServerNeverLoggedNeverReachedIt() {
        assertTrue(peerSilent(client(CART, 40, "UC", 20), "UC"));
    }

    /** A silence has no calls, so there is nothing the server side could have logged. */
    @Test
    void aSilenceDoesNotSayTheServerLoggedNothingForItsCalls() {
        assertFalse(peerSilent(client(CART, 0, "SILENCE", 0), "SILENCE"));
    }

    /** A host outside the mesh has no sidecar: that it logged nothing says nothing. */
    @Test
    void aDestinationOutsideTheMeshHasNoServerSideToBeSilent() {
        assertFalse(peerSilent(client(STRIPE, 10, "EGRESS_BLOCKED", 10), "EGRESS_BLOCKED"));
        assertFalse(peerSilent(client(STRIPE, 10, "UF", 4), "UF"));
    }
}
