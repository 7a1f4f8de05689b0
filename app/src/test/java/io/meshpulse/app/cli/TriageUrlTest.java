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
    void explainSuggestsTriageCommandsForTheServerItAsked() throws Exception {
        TriageCommand.Explain explain = new TriageCommand.Explain();
        explain.c.invokedAs = null; // started as "meshpulse" (bin/meshpulse sets it; the build does not)
        explain.c.url = "127.0.0.1:18080";
        explain.c.tokenFile = java.nio.file.Path.of("/run/secrets/token");
        ByteArrayOutputStream o = new ByteArrayOutputStream();
        explain.out = new PrintStream(o, true, StandardCharsets.UTF_8);
        explain.print(io.meshpulse.model.Json.MAPPER.readTree("{\"pair\":\"k\",\"verdict\":\"failing\","
                + "\"summary\":\"s\",\"topClass\":null,\"alerts\":[],\"samples\":[],"
                + "\"next\":[\"kubectl get pods -n shop\",\"meshpulse triage samples 'k' --class UC\"]}"));
        String printed = o.toString(StandardCharsets.UTF_8);
        assertTrue(printed.contains("  $ kubectl get pods -n shop\n"), printed);
        assertTrue(printed.contains("  $ meshpulse triage samples 'k' --class UC --url http://127.0.0.1:18080"
                + " --token-file /run/secrets/token\n"), printed);
        explain.c.url = "http://127.0.0.1:8080/";
        explain.c.tokenFile = null;
        assertEquals("meshpulse triage samples 'k' --class UC",
                explain.c.sameServer("meshpulse triage samples 'k' --class UC"), "the default address needs no --url");
    }

    @Test
    void suggestedTriageCommandsNameMeshpulseAsItWasStarted() {
        TriageCommand.Connection c = new TriageCommand.Connection();
        c.url = "http://127.0.0.1:8080";
        c.invokedAs = "bin/meshpulse";
        assertEquals("bin/meshpulse triage samples 'k' --class UC", c.sameServer("meshpulse triage samples 'k' --class UC"));
        c.invokedAs = "/opt/mesh tools/bin/meshpulse";
        assertEquals("'/opt/mesh tools/bin/meshpulse' triage top", c.sameServer("meshpulse triage top"));
        c.invokedAs = "meshpulse";
        assertEquals("meshpulse triage top", c.sameServer("meshpulse triage top"));
        c.invokedAs = "bin/meshpulse";
        assertEquals("kubectl get pods -n shop", c.sameServer("kubectl get pods -n shop"), "only meshpulse's own commands");
        assertEquals("'it'\\''s'", io.meshpulse.app.serve.SelfName.word("it's", "meshpulse"));
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
