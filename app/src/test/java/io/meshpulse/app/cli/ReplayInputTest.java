package io.meshpulse.app.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** Nothing to replay is said at once (one line, exit 2), before a broker is started for a run that counts nothing. */
class ReplayInputTest {
    @TempDir
    Path dir;

    private String fails(String... args) {
        StringWriter err = new StringWriter();
        CommandLine root = Meshpulse.commandLine();
        root.setErr(new PrintWriter(err, true));
        assertEquals(2, root.execute(args), err.toString());
        return err.toString();
    }

    @Test
    void aMissingInputIsAnError() {
        String err = fails("replay", "--input", dir.resolve("nothere").toString(), "--out", dir.resolve("o").toString());
        assertTrue(err.contains("--input " + dir.resolve("nothere") + ": no such file or folder"), err);
        assertFalse(Files.exists(dir.resolve("o")), "nothing was started or written");
    }

    @Test
    void aFolderWithoutContainerLogsIsAnError() throws Exception {
        Files.writeString(dir.resolve("notes.txt"), "hello\n");
        Path other = dir.resolve("pods/shop_cart-1_0000/cart/0.log"); // a container that is not istio-proxy
        Files.createDirectories(other.getParent());
        Files.writeString(other, "2026-11-20T10:00:00.000000000Z stdout F app log\n");
        String err = fails("replay", "--input", dir.toString(), "--out", dir.resolve("o").toString());
        assertTrue(err.contains("no container log files of istio-proxy under [" + dir + "]"), err);
        assertTrue(err.contains("--container all"), err);
    }
}
