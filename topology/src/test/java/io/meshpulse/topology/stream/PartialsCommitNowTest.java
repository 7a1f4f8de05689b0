package io.meshpulse.topology.stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

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
    private static final Instant T0 = PartialsTaskFixture.T0; // the fixture's lines are timed from it

    private final MockProcessorContext<String, Emitted> context = new MockProcessorContext<>();

    @Test
    void aCommitNowRecordAsksForACommitAndIsNotALine() {
        PartialsTaskFixture.register(context);
        context.setCurrentSystemTimeMs(T0.toEpochMilli());
        PartialsProcessor p = new PartialsProcessor(Settings.defaults(1));
        p.init(context);
        for (int s = 1; s <= 3; s++) p.process(PartialsTaskFixture.checkoutLine(s));
        assertFalse(context.committed(), "lines alone wait for the commit interval");
        int forwarded = context.forwarded().size();

        p.process(commitNow());

        assertTrue(context.committed());
        assertEquals(forwarded, context.forwarded().size(), "nothing sent: no dead letter, no partials, no watermark");
    }


    private static Record<byte[], byte[]> commitNow() {
        RecordHeaders h = new RecordHeaders();
        h.add(Names.CONTROL_HEADER, Names.COMMIT_NOW.getBytes(StandardCharsets.UTF_8));
        return new Record<>("control".getBytes(StandardCharsets.UTF_8), new byte[0], T0.toEpochMilli(), h);
    }
}
