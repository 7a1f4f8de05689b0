package io.meshpulse.topology.stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.meshpulse.model.JsonCodec;
import io.meshpulse.model.RawLogLine;
import io.meshpulse.topology.IstioLine;
import io.meshpulse.topology.Names;
import io.meshpulse.topology.Settings;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.streams.processor.api.MockProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.junit.jupiter.api.Test;

/**
 * A "commit now" control record (a replay sends one after its last line) makes the parsing task ask Kafka Streams for
 * a commit at once, and is nothing else: not a line, not a dead letter, no window closed.
 */
class PartialsCommitNowTest {
    private static final Instant T0 = Instant.parse("2026-11-20T10:00:00Z");
    private static final JsonCodec<RawLogLine> RAW = new JsonCodec<>(RawLogLine.class);

    private final MockProcessorContext<String, Emitted> context = new MockProcessorContext<>();

    @Test
    void aCommitNowRecordAsksForACommitAndIsNotALine() {
        PartialsTaskStores.register(context);
        context.setCurrentSystemTimeMs(T0.toEpochMilli());
        PartialsProcessor p = new PartialsProcessor(Settings.defaults(1));
        p.init(context);
        for (int s = 1; s <= 3; s++) p.process(line(s));
        assertFalse(context.committed(), "lines alone wait for the commit interval");
        int forwarded = context.forwarded().size();

        p.process(commitNow());

        assertTrue(context.committed());
        assertEquals(forwarded, context.forwarded().size(), "nothing sent: no dead letter, no partials, no watermark");
    }

    private static Record<byte[], byte[]> line(int second) {
        String text = IstioLine.outbound("10.244.1.17", "payments-api.payments.svc.cluster.local", "10.244.3.31")
                .at(T0.plusSeconds(second)).text();
        RawLogLine r = new RawLogLine(null, "shop", "checkout-api-7d4f8b9c6-x2k4q", "istio-proxy", "aks-node-1", text,
                "test");
        return new Record<>(r.key().getBytes(StandardCharsets.UTF_8), RAW.encode(r), T0.toEpochMilli());
    }

    private static Record<byte[], byte[]> commitNow() {
        RecordHeaders h = new RecordHeaders();
        h.add(Names.CONTROL_HEADER, Names.COMMIT_NOW.getBytes(StandardCharsets.UTF_8));
        return new Record<>("control".getBytes(StandardCharsets.UTF_8), new byte[0], T0.toEpochMilli(), h);
    }
}
