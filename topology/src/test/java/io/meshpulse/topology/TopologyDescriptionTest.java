package io.meshpulse.topology;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.meshpulse.model.Topics;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * {@code Topology#describe()} is kept as a golden file: a change to the graph (and so to store and internal
 * topic names, which name changelogs and repartition topics) shows up in review. To accept a deliberate change,
 * run with {@code -Dmeshpulse.updateGolden=true}.
 */
class TopologyDescriptionTest {
    private static final Path GOLDEN = Path.of("src/test/resources/topology-description.txt");
    private static final Path GOLDEN_SINGLE_TASK = Path.of("src/test/resources/topology-description-single-task.txt");

    @Test
    void topologyMatchesTheGoldenDescription() throws IOException {
        String actual = MeshpulseTopology.build(Topics.defaults(), Settings.defaults(4)).describe().toString();
        if (Boolean.getBoolean("meshpulse.updateGolden")) {
            Files.writeString(GOLDEN, actual, StandardCharsets.UTF_8);
        }
        assertEquals(Files.readString(GOLDEN, StandardCharsets.UTF_8), actual);
    }

    /** As replay wires one raw partition: the same graph without the repartition by pair (its source and sink). */
    @Test
    void singleTaskWiringMatchesItsGoldenDescription() throws IOException {
        String actual = MeshpulseTopology.build(Topics.defaults(), Settings.defaults(1),
                MeshpulseTopology.Wiring.SINGLE_TASK).describe().toString();
        if (Boolean.getBoolean("meshpulse.updateGolden")) {
            Files.writeString(GOLDEN_SINGLE_TASK, actual, StandardCharsets.UTF_8);
        }
        assertEquals(Files.readString(GOLDEN_SINGLE_TASK, StandardCharsets.UTF_8), actual);
        assertFalse(actual.contains(Names.REPARTITION), actual);
    }

    @Test
    void singleTaskWiringNeedsOneRawPartition() {
        assertThrows(IllegalArgumentException.class, () -> MeshpulseTopology.build(Topics.defaults(),
                Settings.defaults(2), MeshpulseTopology.Wiring.SINGLE_TASK));
    }

    @Test
    void noGeneratedNames() {
        for (String d : List.of(MeshpulseTopology.build(Topics.defaults(), Settings.defaults(4)).describe().toString(),
                MeshpulseTopology.build(Topics.defaults(), Settings.defaults(1), MeshpulseTopology.Wiring.SINGLE_TASK)
                        .describe().toString())) {
            assertFalse(d.matches("(?s).*KSTREAM-[A-Z]+-\\d{10}.*"), "every node is named:\n" + d);
            assertFalse(d.matches("(?s).*KSTREAM-[A-Z]+-STATE-STORE-\\d+.*"), "every store is named");
        }
    }
}
