package io.meshpulse.app.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** {@code triage --url} as people type it, and help on every subcommand. */
class TriageUrlTest {

    @Test
    void anAddressWithoutSchemeIsHttpAndAWrongOneIsOneLine() {
        assertEquals("http://127.0.0.1:8080", TriageCommand.Connection.base("127.0.0.1:8080"));
        assertEquals("http://127.0.0.1:8080", TriageCommand.Connection.base("http://127.0.0.1:8080/"));
        assertEquals("https://mp.example.com", TriageCommand.Connection.base(" https://mp.example.com "));
        SettingsError e = assertThrows(SettingsError.class, () -> TriageCommand.Connection.base("ftp://x"));
        assertTrue(e.getMessage().startsWith("--url ftp://x: "), e.getMessage());
        assertThrows(SettingsError.class, () -> TriageCommand.Connection.base("http://"));
    }

    @Test
    void everySubcommandHasHelp() {
        for (String sub : new String[] {"top", "pair", "samples", "alerts", "explain"}) {
            PrintStream out = System.out;
            ByteArrayOutputStream o = new ByteArrayOutputStream();
            int exit;
            try {
                System.setOut(new PrintStream(o, true, StandardCharsets.UTF_8));
                exit = Meshpulse.commandLine().execute("triage", sub, "--help");
            } finally {
                System.setOut(out);
            }
            assertEquals(0, exit, sub);
            assertTrue(o.toString(StandardCharsets.UTF_8).startsWith("Usage: meshpulse triage " + sub), sub);
        }
    }
}
