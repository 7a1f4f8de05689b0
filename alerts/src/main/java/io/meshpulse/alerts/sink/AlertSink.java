package io.meshpulse.alerts.sink;

import io.meshpulse.model.Alert;
import java.time.Instant;

/** Where alert records go once they are on the alerts topic. Called from one dispatcher thread, never a stream thread. */
public interface AlertSink extends AutoCloseable {
    void accept(Alert alert);

    /** Called about once a second: sinks that re-send firing alerts do it here. */
    default void tick(Instant now) {}

    @Override
    default void close() {}
}
