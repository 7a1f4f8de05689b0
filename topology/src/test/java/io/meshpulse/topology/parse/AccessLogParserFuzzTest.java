package io.meshpulse.topology.parse;

import static io.meshpulse.topology.parse.EnvoyLine.*;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** Mutated and random input: every line must give Parsed or Rejected, and no line may hit the safety net. */
class AccessLogParserFuzzTest {

    private static final char[] INTERESTING = {' ', '"', '[', ']', '{', '}', ',', ':', '\\', '-', '|', ';', '\t',
        '\n', '\u0000', 'Z', 'T', '0', '9', '\u00e9', '\ud83d'};

    static List<String> seeds() {
        EnvoyLine ok = EnvoyLine.outboundOk().set(SNI, "outbound_.9080_._.reviews.shop.svc.cluster.local");
        List<String> seeds = new ArrayList<>();
        for (String f : List.of(ENVOY_DEFAULT, ISTIO_1_0_3, ISTIO_1_0_TCP, ISTIO_1_1_SNAPSHOT, ISTIO_1_1, ISTIO_1_2,
                ISTIO_1_3, ISTIO_1_8, ISTIO_1_9, ISTIO_1_23)) {
            seeds.add(ok.text(f));
        }
        seeds.add(ok.typedJson(JSON_HEAD));
        seeds.add(ok.stringJson(JSON_1_3));
        seeds.add(ok.stringJson(JSON_1_1));
        seeds.add("[2024-05-02 10:12:33.456][21][warning][config] [grpc_stream.h:191] stream closed");
        seeds.add("2024-05-02T10:12:33.456789Z\tinfo\txdsproxy\tconnected to upstream XDS server");
        return seeds;
    }

    @Test
    void neverThrowsOnMutatedLines() {
        AccessLogParser parser = new AccessLogParser();
        Random random = new Random(20240502L);
        List<String> seeds = seeds();
        int parsed = 0;
        int rejected = 0;
        for (int i = 0; i < 6000; i++) {
            String line = mutate(seeds.get(random.nextInt(seeds.size())), random);
            ParseResult result = parser.parse(line);
            assertNotNull(result, line);
            if (result instanceof ParseResult.Rejected r) {
                assertFalse(r.reason().startsWith("parser error"), () -> r.reason() + " for " + line);
                assertFalse(r.reason().isBlank());
                rejected++;
            } else {
                AccessLogRecord rec = ((ParseResult.Parsed) result).record();
                assertNotNull(rec.failureClass());
                assertNotNull(rec.responseFlags());
                parsed++;
            }
        }
        // the mutations are mild enough that both outcomes occur
        assertTrue(parsed > 500, "parsed " + parsed);
        assertTrue(rejected > 500, "rejected " + rejected);
    }

    @Test
    void neverThrowsOnRandomCharacters() {
        AccessLogParser parser = new AccessLogParser();
        Random random = new Random(7L);
        for (int i = 0; i < 3000; i++) {
            StringBuilder sb = new StringBuilder();
            int len = random.nextInt(300);
            sb.append(random.nextBoolean() ? '[' : '{');
            for (int k = 0; k < len; k++) {
                sb.append(random.nextInt(4) == 0 ? INTERESTING[random.nextInt(INTERESTING.length)]
                        : (char) random.nextInt(0x80));
            }
            String line = sb.toString();
            ParseResult result = parser.parse(line);
            if (result instanceof ParseResult.Rejected r) {
                assertFalse(r.reason().startsWith("parser error"), () -> r.reason() + " for " + line);
            }
        }
    }

    @Test
    void parsesTheSameLineTheSameWayAfterGarbage() {
        AccessLogParser parser = new AccessLogParser();
        String line = EnvoyLine.outboundOk().text(ISTIO_1_23);
        ParseResult before = parser.parse(line);
        Random random = new Random(1L);
        for (int i = 0; i < 200; i++) parser.parse(mutate(line, random));
        assertEquals(before, parser.parse(line));
    }

    static String mutate(String seed, Random random) {
        StringBuilder sb = new StringBuilder(seed);
        int edits = 1 + random.nextInt(3);
        for (int e = 0; e < edits && sb.length() > 0; e++) {
            int at = random.nextInt(sb.length());
            switch (random.nextInt(6)) {
                case 0 -> sb.deleteCharAt(at);
                case 1 -> sb.insert(at, INTERESTING[random.nextInt(INTERESTING.length)]);
                case 2 -> sb.setCharAt(at, INTERESTING[random.nextInt(INTERESTING.length)]);
                case 3 -> sb.setLength(at); // truncation
                case 4 -> {
                    int from = random.nextInt(sb.length());
                    sb.insert(at, sb.substring(from, Math.min(sb.length(), from + random.nextInt(20))));
                }
                default -> sb.setCharAt(at, (char) (' ' + random.nextInt(95)));
            }
        }
        return sb.toString();
    }
}
