package io.meshpulse.topology.stream;

import io.meshpulse.topology.stats.BinaryReader;
import io.meshpulse.topology.stats.BinaryWriter;
import io.meshpulse.topology.stats.PairKey;
import io.meshpulse.topology.stats.WindowCounts;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serializer;

/** Binary format of the internal repartition topic: a version/type byte, then the message. */
public final class PartialMsgSerde implements Serde<PartialMsg> {
    private static final int PARTIAL_V1 = 1;
    private static final int WATERMARK_V1 = 2;

    public static byte[] encode(PartialMsg m) {
        BinaryWriter w = new BinaryWriter(256);
        if (m instanceof PartialMsg.Partial p) {
            w.writeByte(PARTIAL_V1).writeLongBE(p.windowStart());
            p.pair().writeTo(w);
            p.counts().writeTo(w);
        } else if (m instanceof PartialMsg.Watermark wm) {
            w.writeByte(WATERMARK_V1).writeVarLong(wm.task()).writeLongBE(wm.closedUpTo());
        }
        return w.toByteArray();
    }

    public static PartialMsg decode(byte[] b) {
        BinaryReader r = new BinaryReader(b);
        int type = r.readByte();
        return switch (type) {
            case PARTIAL_V1 -> new PartialMsg.Partial(r.readLongBE(), PairKey.readFrom(r), WindowCounts.readFrom(r));
            case WATERMARK_V1 -> new PartialMsg.Watermark((int) r.readVarLong(), r.readLongBE());
            default -> throw new IllegalStateException("unknown partial message type " + type);
        };
    }

    @Override
    public Serializer<PartialMsg> serializer() {
        return (topic, m) -> m == null ? null : encode(m);
    }

    @Override
    public Deserializer<PartialMsg> deserializer() {
        return (topic, b) -> b == null ? null : decode(b);
    }
}
