package io.meshpulse.topology.stream;

import io.meshpulse.model.JsonCodec;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serializer;

/** A Kafka serde over a model {@link JsonCodec}. */
public final class JsonSerde<T> implements Serde<T> {
    private final JsonCodec<T> codec;

    public JsonSerde(Class<T> type) {
        this.codec = new JsonCodec<>(type);
    }

    public JsonCodec<T> codec() {
        return codec;
    }

    @Override
    public Serializer<T> serializer() {
        return (topic, v) -> v == null ? null : codec.encode(v);
    }

    @Override
    public Deserializer<T> deserializer() {
        return (topic, b) -> b == null ? null : codec.decode(b);
    }
}
