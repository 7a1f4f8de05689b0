package io.meshpulse.model;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The hand-written time formatting against the formatter it replaces: the same text, instant by instant. */
class TimesTest {
    @Test
    void rfc3339AsTheFormatterWritesIt() {
        DateTimeFormatter f = DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSS'Z'").withZone(ZoneOffset.UTC);
        Random rnd = new Random(7);
        long[] edges = {0, 1, 999, 1000, 951_782_400_000L /* 2000-02-29 */, 1_763_000_000_000L,
                253_402_300_799_999L, 253_402_300_800_000L, -1, -86_400_001L};
        for (long t : edges) assertEquals(f.format(Instant.ofEpochMilli(t)), Times.rfc3339(t), "at " + t);
        long t = 1_763_000_000_000L;
        for (int i = 0; i < 100_000; i++) {
            t = rnd.nextInt(4) == 0 ? (long) (rnd.nextDouble() * 253_402_300_800_000L) : t + rnd.nextInt(3000);
            assertEquals(f.format(Instant.ofEpochMilli(t)), Times.rfc3339(t), "at " + t);
        }
    }
}
