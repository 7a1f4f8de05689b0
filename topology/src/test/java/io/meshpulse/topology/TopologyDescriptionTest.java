package io.meshpulse.topology;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import io.meshpulse.model.Topics;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/**
 * {@code Topology#describe()} is kept as a golden file: a change to the graph (and so to store and internal
 * topic names, which name changelogs and repartition topics) shows up in review. To accept a deliberate change,
 * run with {@code -Dmeshpulse.updateGolden=true}.
 */
class TopologyDescriptionTest {
    private static final Path GOLDEN = Path.of("src/test/resources/topology-description.txt");

    @Test
    void topologyMatchesTheGoldenDescription() throws IOException {
        String actual = MeshpulseTopology.build(Topics.defaults(), Settings.defaults(4)).describe().toString();
        if (Boolean.getBoolean("meshpulse.updateGolden")) {
            Files.writeString(GOLDEN, actual, StandardCharsets.UTF_8);
        }
        assertEquals(Files.readString(GOLDEN, StandardCharsets.UTF_8), actual);
    }

    @Test
    void noGeneratedNames() {
        String d = MeshpulseTopology.build(Topics.defaults(), Settings.defaults(4)).describe().toString();
        assertFalse(d.matches("(?s).*KSTREAM-[A-Z]+-\\d{10}.*"), "every node is named:\n" + d);
        assertFalse(d.matches("(?s).*KSTREAM-[A-Z]+-STATE-STORE-\\d+.*"), "every store is named");
    }
}
