package io.meshpulse.topology.stats;

import io.meshpulse.model.ServiceRef;
import io.meshpulse.model.WorkloadRef;

/**
 * A workload pair as one reporter sees it: the grouping key of every window.
 * Its string form is the Kafka key of {@code meshpulse.pair.stats}:
 * {@code <reporter>|<srcNs>/<srcWorkload>|<dstNs>/<dstService>/<dstWorkload>}, with {@code -} for unknown parts.
 */
public record PairKey(String reporter, String sourceNamespace, String sourceWorkload,
                      String destinationNamespace, String destinationService, String destinationWorkload) {

    public PairKey {
        if (!"source".equals(reporter) && !"destination".equals(reporter)) {
            throw new IllegalArgumentException("reporter must be source or destination: " + reporter);
        }
    }

    public WorkloadRef source() {
        return sourceNamespace == null && sourceWorkload == null ? null : new WorkloadRef(sourceNamespace, sourceWorkload);
    }

    public ServiceRef destination() {
        return new ServiceRef(destinationNamespace, destinationService, destinationWorkload);
    }

    public String toKeyString() {
        return reporter + '|' + dash(sourceNamespace) + '/' + dash(sourceWorkload) + '|'
                + dash(destinationNamespace) + '/' + dash(destinationService) + '/' + dash(destinationWorkload);
    }

    private static String dash(String s) {
        return s == null ? "-" : s;
    }

    public void writeTo(BinaryWriter w) {
        w.writeByte("source".equals(reporter) ? 0 : 1)
                .writeString(sourceNamespace).writeString(sourceWorkload)
                .writeString(destinationNamespace).writeString(destinationService).writeString(destinationWorkload);
    }

    public static PairKey readFrom(BinaryReader r) {
        String reporter = r.readByte() == 0 ? "source" : "destination";
        return new PairKey(reporter, r.readString(), r.readString(), r.readString(), r.readString(), r.readString());
    }
}
