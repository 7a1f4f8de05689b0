package io.meshpulse.app.serve;

import io.meshpulse.model.PairWindowStats;
import io.micrometer.core.instrument.Tag;
import io.micrometer.core.instrument.Tags;

/** Istio's label names for a workload pair, so that meshpulse's series join with istio_requests_total. */
final class PairLabels {
    static final String REPORTER = "reporter";
    static final String SOURCE_WORKLOAD = "source_workload";
    static final String SOURCE_NAMESPACE = "source_workload_namespace";
    static final String DESTINATION_SERVICE = "destination_service";
    static final String DESTINATION_WORKLOAD = "destination_workload";
    static final String DESTINATION_NAMESPACE = "destination_workload_namespace";
    static final String FAILURE_CLASS = "failure_class";

    /** Istio writes "unknown" where it cannot tell; so do we. */
    static final String UNKNOWN = "unknown";
    /** The value of every pair label on the series that adds up pairs beyond the cardinality limit. */
    static final String OTHER = "other";

    static final Tags OTHER_TAGS = Tags.of(Tag.of(REPORTER, OTHER), Tag.of(SOURCE_WORKLOAD, OTHER),
            Tag.of(SOURCE_NAMESPACE, OTHER), Tag.of(DESTINATION_SERVICE, OTHER), Tag.of(DESTINATION_WORKLOAD, OTHER),
            Tag.of(DESTINATION_NAMESPACE, OTHER));

    private PairLabels() {}

    static Tags of(PairWindowStats s) {
        String srcNs = s.source() == null ? null : s.source().namespace();
        String srcWl = s.source() == null ? null : s.source().workload();
        return Tags.of(Tag.of(REPORTER, s.reporter()), Tag.of(SOURCE_WORKLOAD, v(srcWl)), Tag.of(SOURCE_NAMESPACE, v(srcNs)),
                Tag.of(DESTINATION_SERVICE, v(s.destination().service())),
                Tag.of(DESTINATION_WORKLOAD, v(s.destination().workload())),
                Tag.of(DESTINATION_NAMESPACE, v(s.destination().namespace())));
    }

    private static String v(String s) {
        return s == null || s.isEmpty() ? UNKNOWN : s;
    }
}
