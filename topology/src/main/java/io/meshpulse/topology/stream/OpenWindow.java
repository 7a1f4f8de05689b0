package io.meshpulse.topology.stream;

import io.meshpulse.topology.stats.BinaryWriter;
import io.meshpulse.topology.stats.WindowCounts;
import java.util.List;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.state.KeyValueStore;

/**
 * A window a task holds open in memory, decoded, with its store key (which starts with the window's start). The
 * task's map of these is the truth while it runs; the store behind it ({@link DeferredWritesStore}) is written at
 * commits and read only when the task starts.
 */
final class OpenWindow {
    final long windowStart;
    final Bytes key;
    final WindowCounts counts;
    /** Changed since its last write to the store (and on the task's list of windows to write). */
    boolean dirty;
    /** Sent on and removed from the map (a pending write must be skipped). */
    boolean closed;
    /** In the store: written at a commit, or loaded from it; closing it must then delete it there. */
    boolean stored;

    OpenWindow(long windowStart, Bytes key, WindowCounts counts, boolean stored) {
        this.windowStart = windowStart;
        this.key = key;
        this.counts = counts;
        this.stored = stored;
    }

    /** Writes the windows changed since their last write (skipping those closed since) and empties the list. */
    static void writeDirty(List<OpenWindow> dirty, KeyValueStore<Bytes, byte[]> store, BinaryWriter writer) {
        for (OpenWindow w : dirty) {
            w.dirty = false;
            if (w.closed) continue;
            writer.reset();
            w.counts.writeTo(writer);
            store.put(w.key, writer.toByteArray());
            w.stored = true;
        }
        dirty.clear();
    }

    /** Marks the window changed, listing it once until the next write. */
    void touched(List<OpenWindow> dirty) {
        if (!this.dirty) {
            this.dirty = true;
            dirty.add(this);
        }
    }
}
