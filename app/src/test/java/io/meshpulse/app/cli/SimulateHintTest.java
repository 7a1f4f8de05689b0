package io.meshpulse.app.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The replay that {@code simulate} tells the user to run next reads the drill's logs and nothing else; a second drill
 * into the same folder is refused rather than appended to the first.
 */
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

    @Test
    void theExpectedAlertNamesItsSourceAsTheAlertWill() {
        // an error-budget burn is the destination's over all its callers; only a caller without a sidecar is an IP
        assertEquals("all callers", SimulateCommand.expectedSource(io.meshpulse.sim.Scenario.named("slo-burn")));
        assertEquals("a caller without a sidecar (named by its IP)",
                SimulateCommand.expectedSource(io.meshpulse.sim.Scenario.named("nr-filter-chain-uninjected-client")));
        assertEquals("web/frontend", SimulateCommand.expectedSource(io.meshpulse.sim.Scenario.named("uf-connect-failure")));
    }

    @Test
    void aSecondDrillIntoTheSameFolderIsRefusedAndLeavesTheFirstAlone(@TempDir Path tmp) throws Exception {
        Path drill = tmp.resolve("drill");
        assertEquals(0, quietly(new StringWriter(), "simulate", "--scenario", "baseline", "--out", drill.toString()));
        Map<Path, Long> sizes = sizes(drill);
        StringWriter err = new StringWriter();
        int exit = quietly(err, "simulate", "--scenario", "uh-no-healthy-upstream", "--out", drill.toString());
        assertEquals(2, exit, err.toString());
        assertTrue(err.toString().contains("already holds generated logs"), err.toString());
        assertEquals(sizes, sizes(drill), "the first drill's files are as it wrote them");
        // live as well: refused before a line is written
        err = new StringWriter();
        exit = quietly(err, "simulate", "--scenario", "uh-no-healthy-upstream", "--out", drill.toString(), "--live");
        assertEquals(2, exit, err.toString());
        assertTrue(err.toString().contains("already holds generated logs"), err.toString());
        assertEquals(sizes, sizes(drill), "the first drill's files are as it wrote them");
    }

    /** Runs the command line with standard output thrown away and its error stream into {@code err}. */
    private static int quietly(StringWriter err, String... args) {
        PrintStream out = System.out;
        try {
            System.setOut(new PrintStream(OutputStream.nullOutputStream()));
            return Meshpulse.commandLine().setErr(new PrintWriter(err, true)).execute(args);
        } finally {
            System.setOut(out);
        }
    }

    private static Map<Path, Long> sizes(Path dir) throws IOException {
        try (var files = Files.walk(dir)) {
            Map<Path, Long> sizes = new TreeMap<>();
            for (Path f : files.filter(Files::isRegularFile).toList()) sizes.put(dir.relativize(f), Files.size(f));
            return sizes;
        }
    }
}
