package io.meshpulse.app.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The replay that {@code simulate} tells the user to run next reads the drill's logs and nothing else. */
class SimulateHintTest {

    @Test
    void theSuggestedReplayInputHoldsOnlyContainerLogs(@TempDir Path tmp) {
        Path drill = tmp.resolve("drill");
        PrintStream out = System.out;
        ByteArrayOutputStream o = new ByteArrayOutputStream();
        int exit;
        try {
            System.setOut(new PrintStream(o, true, StandardCharsets.UTF_8));
            exit = Meshpulse.commandLine().execute("simulate", "--scenario", "baseline", "--out", drill.toString());
        } finally {
            System.setOut(out);
        }
        assertEquals(0, exit);
        String printed = o.toString(StandardCharsets.UTF_8);
        String next = printed.lines().filter(l -> l.startsWith("next: ")).findFirst().orElseThrow();
        String input = next.replaceAll(".* --input (\\S+) .*", "$1");
        List<String> skipped = new ArrayList<>();
        assertTrue(!io.meshpulse.ingest.files.LogFileSet.discover(List.of(Path.of(input)), Set.of("istio-proxy"), skipped)
                .isEmpty(), "the input holds the drill's logs: " + next);
        assertEquals(List.of(), skipped, "replaying the suggested input warns about nothing: " + next);
    }
}
