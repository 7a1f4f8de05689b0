package io.meshpulse.app.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.meshpulse.model.Json;
import io.meshpulse.sim.MeshSimulator;
import io.meshpulse.sim.MeshSpec;
import io.meshpulse.sim.SimConfig;
import io.meshpulse.sim.SimResult;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code meshpulse bench} on a small mesh, one round: its four measurements each carry every line of the input (a
 * figure over fewer lines than were read would flatter it), and the replay it times is complete.
 */
class BenchCommandIT {
    @Test
    void measuresBaselineStreamsFloorTopologyAloneAndReplayOverTheSameLines(@TempDir Path dir) throws Exception {
        SimResult sim = MeshSimulator.generate(MeshSpec.aksShop(),
                SimConfig.defaults(11, Instant.parse("2026-11-20T10:00:00Z"), Duration.ofSeconds(40)), dir.resolve("logs"));
        Path out = dir.resolve("bench.json");

        assertEquals(0, Meshpulse.run("bench", "--input", dir.resolve("logs").toString(), "--rounds", "1",
                "--topology-alone", "--out", out.toString()));

        JsonNode results = Json.MAPPER.readTree(out.toFile());
        List<String> kinds = new ArrayList<>();
        results.forEach(r -> kinds.add(r.get("kind").asText()));
        assertEquals(List.of("baseline", "streamsFloor", "topologyAlone", "replay"), kinds);
        for (JsonNode r : results) {
            assertEquals(sim.truth().lines(), r.get("lines").asLong(), r.toString());
            assertTrue(r.get("linesPerSecond").asDouble() > 0, r.toString());
            assertTrue(r.get("cpuSeconds").asDouble() > 0, "the process's CPU for the measurement: " + r);
        }
        assertEquals(sim.truth().lines(), results.get(0).get("consumed").asLong(), "the baseline read every line back");
        assertEquals(sim.truth().lines(), results.get(1).get("counted").asLong(), "the floor's topology saw every line once");
        JsonNode alone = results.get(2);
        assertEquals(sim.truth().lines() + 1, alone.get("committedRecords").asLong(),
                "the topology alone was timed until it had read every line and the end-of-input marker: " + alone);
        assertTrue(alone.get("streamThreadCpuSeconds").asDouble() > 0, "the topology alone's stream thread: " + alone);
        assertTrue(alone.get("streamThreadCpuSeconds").asDouble() <= alone.get("cpuSeconds").asDouble(),
                "the stream thread's CPU is part of the process's over the same span: " + alone);
        assertTrue(results.get(3).get("complete").asBoolean(), "the timed replay accounted for every line");
    }
}
