package io.meshpulse.topology.stream.metrics;

import io.meshpulse.model.DeadLetter;
import io.meshpulse.model.JsonCodec;
import io.meshpulse.model.MalformedRecordException;
import io.meshpulse.model.MetricSample;
import io.meshpulse.model.Rfc3339;
import io.meshpulse.topology.Names;
import java.nio.charset.StandardCharsets;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;

/**
 * Reads {@code meshpulse.metrics.samples}: a {@link MetricSample} JSON value becomes a {@link MetricsInput.Sample}
 * keyed by its reporter; a control record ({@code samples-up-to}, or {@code end-of-input}) becomes a tick; anything
 * else is dead-lettered with the reason.
 */
public final class MetricsDecoder implements Processor<String, byte[], String, MetricsInput> {
    private static final JsonCodec<MetricSample> CODEC = new JsonCodec<>(MetricSample.class);
    private static final int MAX_STEP_MILLIS = 24 * 3600 * 1000;

    private ProcessorContext<String, MetricsInput> context;

    @Override
    public void init(ProcessorContext<String, MetricsInput> context) {
        this.context = context;
    }

    @Override
    public void process(Record<String, byte[]> record) {
        Header control = record.headers().lastHeader(Names.CONTROL_HEADER);
        if (control != null) {
            String kind = new String(control.value(), StandardCharsets.UTF_8);
            if (Names.END_OF_INPUT.equals(kind)) {
                forward(record, "tick", new MetricsInput.Tick(Long.MAX_VALUE));
            } else if (Names.SAMPLES_UP_TO.equals(kind)) {
                long upTo = millis(record.value() == null ? null : new String(record.value(), StandardCharsets.UTF_8));
                if (upTo == Rfc3339.INVALID) {
                    reject(record, "samples-up-to control record without an RFC 3339 time as its value", null);
                } else {
                    forward(record, "tick", new MetricsInput.Tick(upTo));
                }
            }
            return;
        }
        if (record.value() == null || record.value().length == 0) {
            reject(record, "empty metric sample", null);
            return;
        }
        MetricSample s;
        try {
            s = CODEC.decode(record.value());
        } catch (MalformedRecordException e) {
            reject(record, e.getMessage(), null);
            return;
        }
        long start = millis(s.start());
        long end = millis(s.ts());
        if (start == Rfc3339.INVALID || end == Rfc3339.INVALID || end <= start || end - start > MAX_STEP_MILLIS) {
            reject(record, "sample step [" + s.start() + ", " + s.ts() + ") is not a valid time range", s.ts());
            return;
        }
        forward(record, ReporterKey.of(s.reporter(), s.source(), s.destination()),
                new MetricsInput.Sample(s, start, end));
    }

    private void forward(Record<String, byte[]> record, String key, MetricsInput value) {
        context.forward(new Record<>(key, value, record.timestamp()));
    }

    private void reject(Record<String, byte[]> record, String reason, String ts) {
        String value = record.value() == null ? null : new String(record.value(), StandardCharsets.UTF_8);
        DeadLetter letter = new DeadLetter("malformed", reason, ts, null, null, null, "metrics-samples", value);
        context.forward(new Record<>(record.key(), new MetricsInput.Rejected(letter), record.timestamp()));
    }

    private static long millis(String rfc3339) {
        if (rfc3339 == null) return Rfc3339.INVALID;
        return Rfc3339.parseMillis(rfc3339, 0, rfc3339.length());
    }
}
