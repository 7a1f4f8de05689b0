package io.meshpulse.app.kafka;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A taken port is one line naming the way out, before the broker starts (its own failure is a long trace). */
class EmbeddedBrokerPortTest {
    @Test
    void aTakenPortIsAStartupError(@TempDir Path dir) throws Exception {
        try (ServerSocket taken = new ServerSocket()) {
            taken.bind(new InetSocketAddress("127.0.0.1", 0));
            int port = taken.getLocalPort();
            StartupError e = assertThrows(StartupError.class, () -> EmbeddedBroker.start(dir, port));
            assertTrue(e.getMessage().startsWith("port " + port + " on 127.0.0.1 is taken"), e.getMessage());
            assertTrue(e.getMessage().contains("--bootstrap-servers 127.0.0.1:" + port), e.getMessage());
        }
    }
}
