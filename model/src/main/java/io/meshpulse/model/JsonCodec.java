package io.meshpulse.model;

import com.fasterxml.jackson.databind.ObjectReader;
import com.fasterxml.jackson.databind.ObjectWriter;
import java.io.IOException;
import java.io.UncheckedIOException;

/**
 * JSON bytes to and from one record type. No class names go on the wire: the topic decides the type.
 * Kafka {@code Serde}s wrap this in the topology module, so that this module needs Jackson only.
 */
public final class JsonCodec<T> {
    private final Class<T> type;
    private final ObjectReader reader;
    private final ObjectWriter writer;

    public JsonCodec(Class<T> type) {
        this.type = type;
        this.reader = Json.MAPPER.readerFor(type);
        this.writer = Json.MAPPER.writerFor(type);
    }

    public Class<T> type() {
        return type;
    }

    public byte[] encode(T value) {
        try {
            return writer.writeValueAsBytes(value);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot encode " + type.getSimpleName(), e);
        }
    }

    public String encodeToString(T value) {
        try {
            return writer.writeValueAsString(value);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot encode " + type.getSimpleName(), e);
        }
    }

    /** Decodes; a malformed payload raises {@link MalformedRecordException} with a readable reason. */
    public T decode(byte[] bytes) {
        try {
            return reader.readValue(bytes);
        } catch (IOException | RuntimeException e) {
            throw new MalformedRecordException("not a " + type.getSimpleName() + " JSON record: " + firstLine(e), e);
        }
    }

    public T decode(String json) {
        try {
            return reader.readValue(json);
        } catch (IOException | RuntimeException e) {
            throw new MalformedRecordException("not a " + type.getSimpleName() + " JSON record: " + firstLine(e), e);
        }
    }

    private static String firstLine(Exception e) {
        String m = String.valueOf(e.getMessage());
        int nl = m.indexOf('\n');
        return nl < 0 ? m : m.substring(0, nl);
    }
}
