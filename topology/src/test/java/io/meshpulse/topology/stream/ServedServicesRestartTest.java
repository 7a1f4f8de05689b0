package io.meshpulse.topology.stream;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.meshpulse.model.JsonCodec;
import io.meshpulse.model.RawLogLine;
import io.meshpulse.topology.IstioLine;
import io.meshpulse.topology.Names;
import io.meshpulse.topology.Settings;
import io.meshpulse.topology.stats.PairKey;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.streams.processor.api.MockProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.junit.jupiter.api.Test;

/**
 * What a pod was called through is kept in the parsing task's store, not only in the processor's memory: a restart
 * (a new processor on the restored stores, as Kafka Streams makes it; the topology test driver deletes its state on
 * close) still puts a refused plaintext connection on the pod's service. Fails if the table lives in memory only.
 */
class ServedServicesRestartTest {
    private static final JsonCodec<RawLogLine> RAW = new JsonCodec<>(RawLogLine.class);
    private static final Instant T0 = Instant.parse("2026-11-20T10:00:00Z");
    private static final String POD = "payments-api-5c8d7f6b9-q9wz7";
    private static final String IP = "10.244.2.31";
    private static final String PAYMENTS = "payments-api.payments.svc.cluster.local";

    @Test
    void aPodsServicesSurviveARestartOfItsTask() {
        MockProcessorContext<String, Emitted> context = new MockProcessorContext<>();
        context.setCurrentSystemTimeMs(T0.toEpochMilli());
        DeferredWritesStore partials = PartialsTaskFixture.register(context);
        Settings settings = Settings.defaults(1);

        PartialsProcessor before = new PartialsProcessor(settings);
        before.init(context);
        before.process(line(IstioLine.inbound("10.244.1.17", IP, PAYMENTS).at(T0.plusSeconds(1))));
        partials.flushCache(); // the task commits

        PartialsProcessor after = new PartialsProcessor(settings); // the restart
        after.init(context);
        after.process(line(IstioLine.refusedPlaintext("10.244.3.99", IP).at(T0.plusSeconds(2))));
        after.process(endOfInput());

        List<PairKey> plain = context.forwarded().stream()
                .map(f -> f.record().value())
                .filter(v -> v instanceof Emitted.ToPartials tp && tp.msg() instanceof PartialMsg.Partial)
                .map(v -> ((PartialMsg.Partial) ((Emitted.ToPartials) v).msg()).pair())
                .filter(p -> "10.244.3.99".equals(p.sourceWorkload()))
                .toList();
        assertEquals(List.of(new PairKey("destination", null, "10.244.3.99", "payments", PAYMENTS, "payments-api")),
                plain);
    }

    private static Record<byte[], byte[]> line(IstioLine l) {
        RawLogLine r = new RawLogLine(null, "payments", POD, "istio-proxy", "aks-node-1", l.text(), "test");
        return new Record<>(r.key().getBytes(StandardCharsets.UTF_8), RAW.encode(r), 0L);
    }

    private static Record<byte[], byte[]> endOfInput() {
        RecordHeaders h = new RecordHeaders();
        h.add(Names.CONTROL_HEADER, Names.END_OF_INPUT.getBytes(StandardCharsets.UTF_8));
        h.add(Names.IP_TABLE_SETTLED_HEADER, new byte[] {1});
        return new Record<>("control".getBytes(StandardCharsets.UTF_8), new byte[0], 0L, h);
    }
}
