package io.meshpulse.topology;

import static io.meshpulse.topology.TopologyTestSupport.T0;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import io.meshpulse.model.PairWindowStats;
import io.meshpulse.model.ServiceRef;
import io.meshpulse.model.WorkloadRef;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * A server-side line that names no service (a caller without a sidecar refused by a STRICT port: NR
 * filter_chain_not_found, no SNI, no authority, no cluster) takes the service its pod's other inbound lines named on
 * the same port, so that it lines up with the server's other pairs instead of showing under an unknown service.
 */
class ServedServiceTopologyTest extends SpineWiring {
    static final String NS = "payments";
    static final String POD = "payments-api-5c8d7f6b9-q9wz7";
    static final String IP = "10.244.2.31";
    static final String PAYMENTS = "payments-api.payments.svc.cluster.local";
    static final String LEGACY = "payments-legacy.payments.svc.cluster.local";
    static final String ADMIN = "payments-admin.payments.svc.cluster.local";
    /** A meshed caller (its own lines announce its IP) and a caller without a sidecar (known by IP only). */
    static final String CHECKOUT_POD = "checkout-api-7d4f8b9c6-x2k4q";
    static final String CHECKOUT_IP = "10.244.1.17";
    static final String PLAIN_IP = "10.244.3.99";

    static Instant at(long seconds) {
        return T0.plusSeconds(seconds);
    }

    /** The server side's view of the uninjected caller, per window start. */
    static Map<String, ServiceRef> plainCallerByWindow(List<PairWindowStats> out) {
        return out.stream()
                .filter(s -> s.reporter().equals("destination") && PLAIN_IP.equals(s.source().workload()))
                .collect(Collectors.toMap(s -> s.windowStart().substring(11, 19), PairWindowStats::destination));
    }

    @Test
    void aRefusedPlaintextCallIsPutOnTheServiceThePodIsCalledThrough() {
        try (TopologyTestSupport t = support(TopologyTestSupport.settings())) {
            t.line("shop", CHECKOUT_POD, IstioLine.outbound(CHECKOUT_IP, PAYMENTS, IP).at(at(1)));
            t.line(NS, POD, IstioLine.inbound(CHECKOUT_IP, IP, PAYMENTS).at(at(1)));
            t.line(NS, POD, IstioLine.inbound(CHECKOUT_IP, IP, PAYMENTS).at(at(2)));
            t.line(NS, POD, IstioLine.refusedPlaintext(PLAIN_IP, IP).at(at(3)));
            t.line(NS, POD, IstioLine.refusedPlaintext(PLAIN_IP, IP).at(at(4)));
            t.endOfInput(true);

            List<PairWindowStats> out = t.stats();
            PairWindowStats plain = out.stream().filter(s -> PLAIN_IP.equals(s.source().workload())).findFirst()
                    .orElseThrow(() -> new AssertionError(out.toString()));
            assertEquals("destination", plain.reporter());
            assertEquals(new ServiceRef(NS, PAYMENTS, "payments-api"), plain.destination(),
                    "the same destination as the server's pair with its meshed caller");
            assertEquals(2, plain.requests());
            assertEquals(Map.of("NR", 2L), plain.byClass());
            PairWindowStats meshed = out.stream().filter(s -> s.reporter().equals("destination")
                    && new WorkloadRef("shop", "checkout-api").equals(s.source())).findFirst().orElseThrow();
            assertEquals(meshed.destination(), plain.destination());
        }
    }

    @Test
    void theServiceIsFoundWhenTheWindowClosesWhateverTheOrderOfItsLines() {
        try (TopologyTestSupport t = support(TopologyTestSupport.settings())) {
            // the refused connections come first; the line that names the service comes later in the same window
            t.line(NS, POD, IstioLine.refusedPlaintext(PLAIN_IP, IP).at(at(2)));
            t.line(NS, POD, IstioLine.refusedPlaintext(PLAIN_IP, IP).at(at(3)));
            t.line(NS, POD, IstioLine.inbound(CHECKOUT_IP, IP, PAYMENTS).at(at(7)));
            t.endOfInput(true);

            assertEquals(Map.of("10:00:00", new ServiceRef(NS, PAYMENTS, "payments-api")),
                    plainCallerByWindow(t.stats()), "both lines counted on one pair, with the service");
        }
    }

    @Test
    void onlyWhatThePodWasCalledThroughBeforeTheWindowsEndCounts() {
        try (TopologyTestSupport t = support(TopologyTestSupport.settings())) {
            t.line(NS, POD, IstioLine.refusedPlaintext(PLAIN_IP, IP).at(at(12)));
            t.line(NS, POD, IstioLine.inbound(CHECKOUT_IP, IP, PAYMENTS).at(at(25)));
            t.line(NS, POD, IstioLine.refusedPlaintext(PLAIN_IP, IP).at(at(26)));
            t.endOfInput(true);

            Map<String, ServiceRef> byWindow = plainCallerByWindow(t.stats());
            // The window [10 s, 20 s) may close as soon as event time passes 50 s, and its answer must not depend on
            // whether a line from after its end had been read by then: it stays unknown.
            assertEquals(new ServiceRef(NS, null, "payments-api"), byWindow.get("10:00:10"));
            assertEquals(new ServiceRef(NS, PAYMENTS, "payments-api"), byWindow.get("10:00:20"));
        }
    }

    @Test
    void aLineReadDuringTheCloseDelayDoesNotChangeAClosingWindow() {
        Settings settings = TopologyTestSupport.settings().withCloseDelay(Duration.ofSeconds(3));
        try (TopologyTestSupport t = support(settings)) {
            t.line(NS, POD, IstioLine.refusedPlaintext(PLAIN_IP, IP).at(at(3)));
            t.line(NS, POD, IstioLine.refusedPlaintext(PLAIN_IP, IP).at(at(41))); // [0 s, 10 s) may close
            t.line(NS, POD, IstioLine.inbound(CHECKOUT_IP, IP, PAYMENTS).at(at(42))); // read while it waits
            t.advanceWallClock(Duration.ofSeconds(4));
            t.line(NS, POD, IstioLine.inbound(CHECKOUT_IP, IP, PAYMENTS).at(at(43)));

            assertEquals(Map.of("10:00:00", new ServiceRef(NS, null, "payments-api")), plainCallerByWindow(t.stats()),
                    "closed as it would have without the delay");
        }
    }

    @Test
    void severalServicesOnAPortLeaveItUnknownWhileAnotherPortTellsItsService() {
        try (TopologyTestSupport t = support(TopologyTestSupport.settings())) {
            // two Services select the pod on the same port 8080; a third one targets its port 9090
            t.line(NS, POD, IstioLine.inbound(CHECKOUT_IP, IP, PAYMENTS).at(at(1)));
            t.line(NS, POD, IstioLine.inbound(CHECKOUT_IP, IP, PAYMENTS).sni(LEGACY, 80).at(at(2)));
            t.line(NS, POD, IstioLine.inbound(CHECKOUT_IP, IP, PAYMENTS).sni(ADMIN, 9000).localPort(9090).at(at(3)));
            t.line(NS, POD, IstioLine.refusedPlaintext(PLAIN_IP, IP).at(at(4)));
            t.line(NS, POD, IstioLine.refusedPlaintext(PLAIN_IP, IP).localPort(9090).at(at(5)));
            t.endOfInput(true);

            List<PairWindowStats> plain = t.stats().stream().filter(s -> PLAIN_IP.equals(s.source().workload())).toList();
            Map<String, Long> requestsByService = plain.stream().collect(Collectors.toMap(
                    s -> String.valueOf(s.destination().service()), PairWindowStats::requests));
            assertEquals(Map.of("null", 1L, ADMIN, 1L), requestsByService,
                    "port 8080 is ambiguous (payments-api or payments-legacy); port 9090 is payments-admin");
        }
    }

    @Test
    void aServiceOfAnotherNamespaceInTheAuthorityTeachesNothing() {
        try (TopologyTestSupport t = support(TopologyTestSupport.settings())) {
            // a plaintext caller that set its own Host header (no SNI): the authority names no Service of the pod's
            IstioLine hosted = IstioLine.inbound(CHECKOUT_IP, IP, "api.example.com");
            t.line(NS, POD, hosted.at(at(1)).sniNone());
            t.line(NS, POD, IstioLine.refusedPlaintext(PLAIN_IP, IP).at(at(2)));
            t.endOfInput(true);

            assertNull(plainCallerByWindow(t.stats()).get("10:00:00").service());
        }
    }
}
