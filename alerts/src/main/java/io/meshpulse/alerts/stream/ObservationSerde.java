package io.meshpulse.alerts.stream;

import io.meshpulse.topology.stats.BinaryReader;
import io.meshpulse.topology.stats.BinaryWriter;
import io.meshpulse.topology.stats.StatsBinary;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serializer;

/**
 * Binary form of an {@link Observation} for the alerts stage's repartition topic and pending store: every closed
 * window passes through both, and as JSON that was most of what the stage cost per window.
 */
public final class ObservationSerde implements Serde<Observation> {
    private static final int V1 = 1;

    /**
     * A look mark has no value: what it says is in its key ({@link AlertsStage#markKey}), and a build from before
     * marks existed, reading the same topic during a rolling upgrade, skips a record without a value.
     */
    static byte[] encode(Observation o) {
        if (o.looked() != null) return null;
        BinaryWriter w = new BinaryWriter(512);
        w.writeByte(V1).writeString(o.pairKey()).writeByte(o.early() ? 1 : 0);
        StatsBinary.writeStats(w, o.stats());
        StatsBinary.writeExamples(w, o.exemplars());
        return w.toByteArray();
    }

    static Observation decode(byte[] b) {
        BinaryReader r = new BinaryReader(b);
        int format = r.readByte();
        if (format != V1) throw new IllegalStateException("unknown observation format " + format);
        String pairKey = r.readString();
        boolean early = r.readByte() == 1;
        return new Observation(pairKey, StatsBinary.readStats(r), StatsBinary.readExamples(r), early);
    }

    @Override
    public Serializer<Observation> serializer() {
        return (topic, o) -> o == null ? null : encode(o);
    }

    @Override
    public Deserializer<Observation> deserializer() {
        return (topic, b) -> b == null ? null : decode(b);
    }
}
