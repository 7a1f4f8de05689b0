package io.meshpulse.app.replay;

import io.meshpulse.alerts.AlertSettings;
import io.meshpulse.app.kafka.StreamsRunner;
import io.meshpulse.app.kafka.TopicAdmin;
import io.meshpulse.model.Topics;
import io.meshpulse.topology.MeshpulseTopology;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.common.IsolationLevel;
import org.apache.kafka.common.TopicPartition;

/**
 * Replay's topology on its own, for {@code bench}: started on a raw topic that already holds every line and the
 * end-of-input marker, so that nothing else (no reading of files, no producing) runs beside it, and timed until it
 * has committed past the topic's end. Its output is not read. It tells how fast replay could be on this machine if
 * ingest cost nothing, and it changes less with the load of other threads than a whole replay does.
 */
public final class TopologyAlone {
    /**
     * {@code seconds}: from starting Streams to the commit past the end; {@code processCpuSeconds}: the CPU the whole
     * process used meanwhile (the broker's and the JIT's too); {@code streamThreadCpuSeconds}: the stream threads';
     * {@code committedRecords}: the application's committed offsets on the raw topic, summed over its partitions
     * (every line and each partition's marker: all it read).
     */
    public record Result(double seconds, double processCpuSeconds, double streamThreadCpuSeconds,
                         long committedRecords) {}

    private TopologyAlone() {}

    /**
     * Runs replay's topology (its Streams settings for {@code partitions} raw partitions, 10 s windows, 30 s grace,
     * the default alert settings) with application id {@code applicationId} and state in {@code stateDir} over
     * {@code topics}, whose raw topic must end with the end-of-input marker.
     */
    public static Result run(String bootstrap, Topics topics, int partitions, String applicationId, Path stateDir,
                             Duration timeout) throws Exception {
        MeshpulseTopology.Wiring wiring = MeshpulseTopology.Wiring.leanestFor(partitions);
        Properties config = Replay.streamsConfig(applicationId, bootstrap, stateDir, (short) 1, wiring);
        try (Admin admin = Admin.create(TopicAdmin.config(bootstrap, Map.of()))) {
            Map<TopicPartition, Long> ends = Waits.endOffsets(admin, topics.rawAccessLog(),
                    IsolationLevel.READ_UNCOMMITTED);
            long start = System.nanoTime();
            long cpuStart = processCpuNanos();
            try (StreamsRunner streams = new StreamsRunner(Replay.topology(topics, Duration.ofSeconds(10),
                    Duration.ofSeconds(30), partitions, wiring, config, AlertSettings.defaults(), false), config)) {
                streams.startInBackground();
                if (!Waits.until(start + timeout.toNanos(), streams::checkFailed,
                        () -> Waits.committedPast(admin, applicationId, ends))) {
                    throw new IllegalStateException("the topology did not commit past the end of its input within "
                            + timeout);
                }
                double seconds = (System.nanoTime() - start) / 1e9;
                double cpu = (processCpuNanos() - cpuStart) / 1e9;
                double streamCpu = streamThreadCpuSeconds(applicationId); // read while the threads live
                long committed = 0;
                for (var e : admin.listConsumerGroupOffsets(applicationId).partitionsToOffsetAndMetadata().get()
                        .entrySet()) {
                    if (e.getKey().topic().equals(topics.rawAccessLog()) && e.getValue() != null) {
                        committed += e.getValue().offset();
                    }
                }
                return new Result(seconds, cpu, streamCpu, committed);
            }
        }
    }

    private static long processCpuNanos() {
        return ManagementFactory.getPlatformMXBean(com.sun.management.OperatingSystemMXBean.class).getProcessCpuTime();
    }

    /** CPU time of the stream threads (not the global one) of the Streams client of {@code applicationId}. */
    private static double streamThreadCpuSeconds(String applicationId) {
        ThreadMXBean threads = ManagementFactory.getThreadMXBean();
        long nanos = 0;
        for (Thread t : Thread.getAllStackTraces().keySet()) {
            String name = t.getName();
            if (name.startsWith(applicationId) && name.contains("-StreamThread-")) {
                long cpu = threads.getThreadCpuTime(t.getId());
                if (cpu > 0) nanos += cpu;
            }
        }
        return nanos / 1e9;
    }
}
