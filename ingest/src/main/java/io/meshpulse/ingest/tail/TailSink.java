package io.meshpulse.ingest.tail;

import io.meshpulse.model.DeadLetter;
import io.meshpulse.model.RawLogLine;

/**
 * Where the tailer's output goes. Nothing sent becomes visible before {@link #commit()}, and a commit makes the
 * lines, dead letters and checkpoints sent since the previous one visible together, or none of them: that is what
 * makes a restart from the committed checkpoints exact. {@link KafkaTailSink} does this with a Kafka transaction.
 */
public interface TailSink extends AutoCloseable {

    /** The committed checkpoints of this node: where to resume. Called once, before anything is sent. */
    java.util.Map<String, Checkpoint> restore();

    void line(RawLogLine line, long timestampMillis);

    void deadLetter(String key, DeadLetter deadLetter, long timestampMillis);

    /** A file's new position; {@code checkpoint} null with {@code key} removes the entry (the file is gone). */
    void checkpoint(String key, Checkpoint checkpoint);

    /**
     * A heartbeat: {@code instance} has no unread line written before {@code upToMillis}. Sent to every partition of
     * the raw topic, after the lines sent before it and in the same commit, so it never overtakes a line it vouches
     * for (see {@code Heartbeats}).
     */
    void heartbeat(String instance, long upToMillis);

    /** Makes everything sent since the last commit visible atomically. Throws when that failed. */
    void commit();

    /**
     * Closes the sink at once, from any thread, dropping what was sent since the last commit: a call blocked in it
     * (on a broker that does not answer) fails instead of waiting out its timeout. Nothing dropped is lost: it was
     * never committed, so the tailer reads it again from the committed checkpoints when it starts next.
     */
    void closeNow();

    @Override
    void close();
}
