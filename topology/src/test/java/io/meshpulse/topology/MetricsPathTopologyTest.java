package io.meshpulse.topology;

import static io.meshpulse.topology.TopologyTestSupport.T0;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.meshpulse.model.DeadLetter;
import io.meshpulse.model.JsonCodec;
import io.meshpulse.model.MetricSample;
import io.meshpulse.model.PairWindowStats;
import io.meshpulse.model.ServiceRef;
import io.meshpulse.model.Times;
import io.meshpulse.model.WorkloadRef;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.state.WindowStore;
import org.apache.kafka.streams.state.WindowStoreIterator;
import org.apache.kafka.streams.test.TestRecord;
import org.junit.jupiter.api.Test;

/** Metric samples become pair windows with origin {@code metrics}, except where the reporter's access logs counted. */
class MetricsPathTopologyTest extends SpineWiring {
    static final String SHOP = "shop";
    static final String CHECKOUT_POD = "checkout-api-7d4f8b9c6-x2k4q";
    static final String CHECKOUT_IP = "10.244.1.17";
    static final String PAYMENTS_IP = "10.244.2.31";
    static final String PAYMENTS = "payments-api.payments.svc.cluster.local";
    static final String CART = "cart.shop.svc.cluster.local";
    static final WorkloadRef CHECKOUT = new WorkloadRef(SHOP, "checkout-api");
    static final WorkloadRef FRONTEND = new WorkloadRef(SHOP, "frontend");
    static final ServiceRef PAYMENTS_REF = new ServiceRef("payments", PAYMENTS, "payments-api");
    static final ServiceRef CART_REF = new ServiceRef(SHOP, CART, "cart");
    private static final JsonCodec<MetricSample> SAMPLE = new JsonCodec<>(MetricSample.class);

    /** A topology under test with a samples input topic beside the raw one. */
    static final class Driver implements AutoCloseable {
        final TopologyTestSupport t;
        final TestInputTopic<String, byte[]> samples;

        Driver(TopologyTestSupport t) {
            this.t = t;
            samples = t.driver.createInputTopic(t.topics.metricsSamples(), Serdes.String().serializer(),
                    Serdes.ByteArray().serializer());
        }

        void sample(MetricSample s) {
            samples.pipeInput(s.pairKey(), SAMPLE.encode(s));
        }

        void raw(String key, String value) {
            samples.pipeInput(key, value.getBytes(StandardCharsets.UTF_8));
        }

        void samplesUpTo(Instant t) {
            RecordHeaders h = new RecordHeaders();
            h.add(Names.CONTROL_HEADER, Names.SAMPLES_UP_TO.getBytes(StandardCharsets.UTF_8));
            samples.pipeInput(new TestRecord<>("", Times.rfc3339(t.toEpochMilli()).getBytes(StandardCharsets.UTF_8), h, t));
        }

        @Override
        public void close() {
            t.close();
        }
    }

    static Instant at(long seconds) {
        return T0.plusSeconds(seconds);
    }

    static MetricSample requests(long endSecond, long stepSeconds, String reporter, WorkloadRef src, ServiceRef dst,
                                 int code, String flags, double value) {
        return new MetricSample(Times.rfc3339(at(endSecond).toEpochMilli()),
                Times.rfc3339(at(endSecond - stepSeconds).toEpochMilli()), MetricSample.REQUESTS, reporter, src, dst,
                code, flags, null, value, "prometheus:test");
    }

    static MetricSample bucket(long endSecond, String reporter, WorkloadRef src, ServiceRef dst, String le,
                               double value) {
        return new MetricSample(Times.rfc3339(at(endSecond).toEpochMilli()),
                Times.rfc3339(at(endSecond - 10).toEpochMilli()), MetricSample.DURATION_BUCKET, reporter, src, dst,
                null, null, le, value, "prometheus:test");
    }

    @Test
    void aPairSeenOnlyByMetricsGetsWindowsWithSuccessRatioClassesAndLatency() {
        try (Driver d = new Driver(support(TopologyTestSupport.settings()))) {
            d.sample(requests(10, 10, "source", FRONTEND, CART_REF, 200, "-", 8.4));
            d.sample(requests(10, 10, "source", FRONTEND, CART_REF, 503, "UF,URX", 1.1));
            d.sample(requests(10, 10, "source", FRONTEND, CART_REF, 503, "UF", 0.6));
            d.sample(requests(10, 10, "source", FRONTEND, CART_REF, 403, "-", 1.0));
            d.sample(bucket(10, "source", FRONTEND, CART_REF, "10", 2));
            d.sample(bucket(10, "source", FRONTEND, CART_REF, "25", 9));
            d.sample(bucket(10, "source", FRONTEND, CART_REF, "+Inf", 11));
            d.samplesUpTo(at(39));
            assertTrue(d.t.stats().isEmpty(), "the window is held until the samples' clock passes its end + hold");

            d.samplesUpTo(at(40));

            List<PairWindowStats> out = d.t.stats();
            assertEquals(1, out.size(), out.toString());
            PairWindowStats s = out.get(0);
            assertEquals(PairWindowStats.ORIGIN_METRICS, s.origin());
            assertEquals("2026-11-20T10:00:00.000Z", s.windowStart());
            assertEquals("2026-11-20T10:00:10.000Z", s.windowEnd());
            assertEquals("source", s.reporter());
            assertEquals(FRONTEND, s.source());
            assertEquals(CART_REF, s.destination());
            // 8.4 → 8, 1.1 → 1, 0.6 → 1, 1.0 → 1: each (code, class) cell is rounded once, at emission.
            assertEquals(11, s.requests());
            assertEquals(2, s.failures(), "UF counts as a failure; a 403 without flag is APP_4XX, not a failure");
            assertEquals(Map.of("UF", 2L, "APP_4XX", 1L), s.byClass());
            assertEquals(Map.of("2xx", 8L, "4xx", 1L, "5xx", 2L), s.byCodeClass());
            assertEquals(9.0 / 11, s.successRatio(), 1e-6);
            // 2 requests in (0,10] ms sit at 5 ms, 7 in (10,25] at 17.5 ms, 2 above 25 ms at 25 ms.
            assertEquals(17.5, s.latencyMs().p50(), 17.5 * 0.01 + 0.05);
            assertEquals(25, s.latencyMs().p99(), 25 * 0.01 + 0.05);

            WindowStore<String, PairWindowStats> store = d.t.driver.getWindowStore(Names.PAIR_STATS_STORE);
            try (WindowStoreIterator<PairWindowStats> it = store.fetch("source|shop/frontend|shop/" + CART + "/cart",
                    T0.minusSeconds(60), T0.plusSeconds(60))) {
                assertTrue(it.hasNext(), "the metrics window is queryable in the pair-stats store");
                assertEquals(s, it.next().value);
            }
        }
    }

    @Test
    void aReporterWhoseAccessLogsCoveredTheWindowIsNotCountedTwice() {
        try (Driver d = new Driver(support(TopologyTestSupport.settings()))) {
            // checkout-api's sidecar logs its outbound calls; payments-api's sidecar has access logging off.
            for (int i = 0; i < 5; i++) {
                d.t.line(SHOP, CHECKOUT_POD, IstioLine.outbound(CHECKOUT_IP, PAYMENTS, PAYMENTS_IP).at(at(i)));
            }
            d.t.line(SHOP, CHECKOUT_POD, IstioLine.outbound(CHECKOUT_IP, PAYMENTS, PAYMENTS_IP).at(at(5)).uc());
            // The same six requests in Istio's metrics, from both sides (with the peer workload the log lacks).
            d.sample(requests(10, 10, "source", CHECKOUT, PAYMENTS_REF, 200, "-", 5));
            d.sample(requests(10, 10, "source", CHECKOUT, PAYMENTS_REF, 503, "UC", 1));
            d.sample(requests(10, 10, "destination", CHECKOUT, PAYMENTS_REF, 200, "-", 5));
            d.sample(requests(10, 10, "destination", CHECKOUT, PAYMENTS_REF, 503, "-", 1));
            d.t.endOfInput(); // closes the access-log windows
            d.samplesUpTo(at(60));

            Map<String, List<PairWindowStats>> byOrigin = d.t.stats().stream()
                    .collect(Collectors.groupingBy(PairWindowStats::origin));
            List<PairWindowStats> logs = byOrigin.get(PairWindowStats.ORIGIN_ACCESS_LOG);
            List<PairWindowStats> metrics = byOrigin.get(PairWindowStats.ORIGIN_METRICS);
            assertNotNull(logs);
            assertEquals(1, logs.size(), logs.toString());
            assertEquals("source", logs.get(0).reporter());
            assertEquals(6, logs.get(0).requests());
            assertNotNull(metrics, "the server side, which has no access logs, is reported from metrics");
            assertEquals(1, metrics.size(), "the client side was counted by its access logs only: " + metrics);
            PairWindowStats server = metrics.get(0);
            assertEquals("destination", server.reporter());
            assertEquals(CHECKOUT, server.source());
            assertEquals(PAYMENTS_REF, server.destination());
            assertEquals(6, server.requests());
            assertEquals(1, server.failures());
            assertEquals(Map.of("APP_5XX", 1L), server.byClass());
        }
    }

    @Test
    void samplesThatArriveBeforeTheAccessLogWindowClosesAreStillSuppressed() {
        try (Driver d = new Driver(support(TopologyTestSupport.settings()))) {
            d.sample(requests(10, 10, "source", CHECKOUT, PAYMENTS_REF, 200, "-", 3));
            d.samplesUpTo(at(20)); // not yet past the hold
            for (int i = 0; i < 3; i++) {
                d.t.line(SHOP, CHECKOUT_POD, IstioLine.outbound(CHECKOUT_IP, PAYMENTS, PAYMENTS_IP).at(at(i)));
            }
            d.t.endOfInput();
            d.samplesUpTo(at(41));
            List<PairWindowStats> out = d.t.stats();
            assertEquals(1, out.size(), out.toString());
            assertEquals(PairWindowStats.ORIGIN_ACCESS_LOG, out.get(0).origin());
        }
    }

    @Test
    void aLongerStepGivesAWiderWindowAndWindowsCloseInOrder() {
        try (Driver d = new Driver(support(TopologyTestSupport.settings()))) {
            d.sample(requests(60, 60, "destination", FRONTEND, CART_REF, 200, "-", 60));
            d.sample(requests(120, 60, "destination", FRONTEND, CART_REF, 200, "-", 30));
            d.sample(requests(120, 60, "destination", FRONTEND, CART_REF, 0, "DC", 2));
            d.samplesUpTo(at(150));
            List<PairWindowStats> out = d.t.stats();
            assertEquals(2, out.size(), out.toString());
            assertEquals("2026-11-20T10:00:00.000Z", out.get(0).windowStart());
            assertEquals("2026-11-20T10:01:00.000Z", out.get(0).windowEnd());
            assertEquals(60, out.get(0).requests());
            assertEquals("2026-11-20T10:01:00.000Z", out.get(1).windowStart());
            assertEquals(32, out.get(1).requests());
            assertEquals(Map.of("DC", 2L), out.get(1).byClass());
            assertEquals(Map.of("0", 2L, "2xx", 30L), out.get(1).byCodeClass());
        }
    }

    @Test
    void lateAndMalformedSamplesAreDeadLetteredWithAReason() {
        try (Driver d = new Driver(support(TopologyTestSupport.settings()))) {
            d.samplesUpTo(at(100));
            d.sample(requests(10, 10, "source", FRONTEND, CART_REF, 200, "-", 4));
            d.raw("k", "{\"ts\":\"2026-11-20T10:00:10Z\"}");
            d.raw("k", "not json");
            d.sample(new MetricSample("2026-11-20T10:00:10Z", "2026-11-20T10:00:20Z", MetricSample.REQUESTS, "source",
                    FRONTEND, CART_REF, 200, "-", null, 1, "prometheus:test"));

            List<DeadLetter> dead = d.t.deadLetters();
            assertEquals(4, dead.size(), dead.toString());
            assertEquals("late", dead.get(0).kind());
            assertTrue(dead.get(0).reason().contains("after the window was decided"), dead.get(0).reason());
            assertEquals("malformed", dead.get(1).kind());
            assertTrue(dead.get(1).reason().contains("MetricSample"), dead.get(1).reason());
            assertEquals("malformed", dead.get(2).kind());
            assertTrue(dead.get(3).reason().contains("not a valid time range"), dead.get(3).reason());
            assertTrue(d.t.stats().isEmpty());
        }
    }

    @Test
    void endOfInputOnTheSamplesTopicClosesEveryWindow() {
        try (Driver d = new Driver(support(TopologyTestSupport.settings().withGrace(Duration.ofSeconds(30))))) {
            d.sample(requests(10, 10, "source", FRONTEND, CART_REF, 200, "-", 4));
            RecordHeaders h = new RecordHeaders();
            h.add(Names.CONTROL_HEADER, Names.END_OF_INPUT.getBytes(StandardCharsets.UTF_8));
            d.samples.pipeInput(new TestRecord<>("", new byte[0], h, T0));
            assertEquals(1, d.t.stats().size());
        }
    }
}
