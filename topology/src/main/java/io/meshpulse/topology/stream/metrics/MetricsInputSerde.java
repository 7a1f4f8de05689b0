package io.meshpulse.topology.stream.metrics;

import io.meshpulse.model.JsonCodec;
import io.meshpulse.model.MetricSample;
import io.meshpulse.topology.stats.BinaryReader;
import io.meshpulse.topology.stats.BinaryWriter;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serializer;

/** Internal wire format of {@link MetricsInput} on the by-reporter repartition topics: a tag byte, then the body. */
public final class MetricsInputSerde implements Serde<MetricsInput> {
    private static final JsonCodec<MetricSample> SAMPLE = new JsonCodec<>(MetricSample.class);
    private static final int SAMPLE_TAG = 1;
    private static final int COVERED_TAG = 2;
    private static final int TICK_TAG = 3;

    @Override
    public Serializer<MetricsInput> serializer() {
        return (topic, v) -> {
            if (v == null) return null;
            BinaryWriter w = new BinaryWriter(256);
            if (v instanceof MetricsInput.Sample s) {
                byte[] json = SAMPLE.encode(s.sample());
                w.writeByte(SAMPLE_TAG).writeLongBE(s.startMillis()).writeLongBE(s.endMillis())
                        .writeBytes(json, 0, json.length);
            } else if (v instanceof MetricsInput.Covered c) {
                w.writeByte(COVERED_TAG).writeLongBE(c.startMillis()).writeLongBE(c.endMillis());
            } else if (v instanceof MetricsInput.Tick t) {
                w.writeByte(TICK_TAG).writeLongBE(t.upToMillis());
            } else {
                throw new IllegalArgumentException("not sent between tasks: " + v.getClass().getSimpleName());
            }
            return w.toByteArray();
        };
    }

    @Override
    public Deserializer<MetricsInput> deserializer() {
        return (topic, b) -> {
            if (b == null) return null;
            BinaryReader r = new BinaryReader(b);
            int tag = r.readByte();
            switch (tag) {
                case SAMPLE_TAG: {
                    long start = r.readLongBE();
                    long end = r.readLongBE();
                    byte[] json = r.readBytes(b.length - r.position());
                    return new MetricsInput.Sample(SAMPLE.decode(json), start, end);
                }
                case COVERED_TAG:
                    return new MetricsInput.Covered(r.readLongBE(), r.readLongBE());
                case TICK_TAG:
                    return new MetricsInput.Tick(r.readLongBE());
                default:
                    throw new IllegalArgumentException("unknown metrics input tag " + tag);
            }
        };
    }
}
