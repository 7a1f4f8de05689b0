package io.meshpulse.sim;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * What a simulation wrote: the same content as {@code truth.json} (see {@link Truth}), plus where it lies.
 *
 * @param outDir    the output directory (node root: {@code outDir/var/log/pods/...})
 * @param truthFile {@code outDir/truth.json}
 * @param elapsedMillis wall-clock time the generation took (not in truth.json: it is not deterministic)
 */
public record SimResult(Path outDir, Path truthFile, Truth truth, long elapsedMillis) {

    public long lines() {
        return truth.lines();
    }

    /**
     * The exact truth of what was written (the content of truth.json).
     *
     * @param lines          physical lines written to istio-proxy log files (all restarts and rotations)
     * @param accessLogLines access-log lines among them (TEXT or JSON)
     * @param otherLines     istio-agent / Envoy lines among them
     * @param appLines       lines written to application containers' logs (not counted in {@code lines})
     * @param pairs          access-log lines per (reporter, source, destination), with counts per failure class
     */
    public record Truth(String spec, long seed, String start, String end, long lines, long accessLogLines,
                        long otherLines, long appLines, List<Pair> pairs, List<IncidentTruth> incidents,
                        List<Pod> pods, List<Restart> restarts) {}

    public record Source(String namespace, String workload) {}

    public record Destination(String namespace, String service, String workload) {}

    /**
     * @param reporter "source" or "destination"
     * @param requests access-log lines attributed to this pair
     * @param byClass  lines per failure class (classes other than NONE; absent classes are omitted)
     */
    public record Pair(String reporter, Source source, Destination destination, long requests,
                       Map<String, Long> byClass) {}

    /**
     * @param firstAffected start time of the first affected request (null if none was affected)
     * @param lastAffected  start time of the last affected request
     * @param affectedRequests requests (not lines) that took the incident's failure path
     */
    public record IncidentTruth(String kind, Source caller, Destination callee, String start, String end,
                                double fraction, long affectedRequests, String firstAffected,
                                String lastAffected) {}

    public record Pod(String namespace, String name, String uid, String ip, String node, String workload,
                      String kind, boolean istioProxy, boolean jsonLogs, List<String> containers) {}

    /** A container restart: lines written from {@code at} on go to {@code <restartCount>.log}. */
    public record Restart(String namespace, String pod, String container, int restartCount, String at) {}
}
