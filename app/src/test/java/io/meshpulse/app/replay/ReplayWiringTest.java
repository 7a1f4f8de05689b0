package io.meshpulse.app.replay;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.meshpulse.topology.MeshpulseTopology.Wiring;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Properties;
import org.apache.kafka.streams.StreamsConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** How a replay wires its spine and how long its windows wait for the IP table, by partition count. */
class ReplayWiringTest {

    @Test
    void onePartitionIsOneTaskAndMoreAreRepartitioned() {
        assertEquals(Wiring.SINGLE_TASK, Wiring.leanestFor(1));
        assertEquals(Wiring.REPARTITIONED, Wiring.leanestFor(2));
        assertEquals(Wiring.REPARTITIONED, Wiring.leanestFor(12));
    }

    @Test
    void theCloseDelayIsTheCommitIntervalPlusASecond(@TempDir Path state) {
        Properties one = Replay.streamsConfig("app", "localhost:9092", state, (short) 1, Wiring.SINGLE_TASK);
        assertEquals(Duration.ofSeconds(5), Replay.closeDelay(one));
        Properties many = Replay.streamsConfig("app", "localhost:9092", state, (short) 1, Wiring.REPARTITIONED);
        assertEquals(Duration.ofMillis(3500), Replay.closeDelay(many));
    }

    /** A user's {@code --kafka commit.interval.ms=...} comes as a String and moves the delay with it. */
    @Test
    void anOverriddenCommitIntervalMovesTheCloseDelay(@TempDir Path state) {
        Properties config = Replay.streamsConfig("app", "localhost:9092", state, (short) 1, Wiring.SINGLE_TASK);
        config.putAll(java.util.Map.of(StreamsConfig.COMMIT_INTERVAL_MS_CONFIG, "10000"));
        assertEquals(Duration.ofSeconds(11), Replay.closeDelay(config));
    }
}
