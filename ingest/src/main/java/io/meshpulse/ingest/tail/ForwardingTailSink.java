package io.meshpulse.ingest.tail;

import io.meshpulse.model.DeadLetter;
import io.meshpulse.model.RawLogLine;
import java.util.Map;

/**
 * A {@link TailSink} that hands every call to another one: extend it and override only the calls to watch or change
 * (the tests time cycles, hold commits and fail them this way).
 */
public abstract class ForwardingTailSink implements TailSink {

    private final TailSink delegate;

    protected ForwardingTailSink(TailSink delegate) {
        this.delegate = delegate;
    }

    @Override
    public Map<String, Checkpoint> restore() {
        return delegate.restore();
    }

    @Override
    public void line(RawLogLine line, long timestampMillis) {
        delegate.line(line, timestampMillis);
    }

    @Override
    public void deadLetter(String key, DeadLetter deadLetter, long timestampMillis) {
        delegate.deadLetter(key, deadLetter, timestampMillis);
    }

    @Override
    public void checkpoint(String key, Checkpoint checkpoint) {
        delegate.checkpoint(key, checkpoint);
    }

    @Override
    public void heartbeat(String instance, long upToMillis) {
        delegate.heartbeat(instance, upToMillis);
    }

    @Override
    public void commit() {
        delegate.commit();
    }

    @Override
    public void closeNow() {
        delegate.closeNow();
    }

    @Override
    public void close() {
        delegate.close();
    }
}
