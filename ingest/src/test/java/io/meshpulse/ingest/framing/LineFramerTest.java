package io.meshpulse.ingest.framing;

import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class LineFramerTest {

    private static final String ACCESS = "[2024-05-02T10:12:33.456Z] \"GET /x HTTP/1.1\" 200 - via_upstream - \"-\" 0 91 3 - "
            + "\"-\" \"curl/8.5.0\" \"r-1\" \"reviews:9080\" \"10.244.1.17:9080\" outbound|9080||r.ns.svc.cluster.local "
            + "10.244.0.9:48822 10.96.44.12:9080 10.244.0.9:51234 - default";
    private static final String JSON_ACCESS = "{\"start_time\":\"2024-05-02T10:12:33.456Z\",\"response_code\":200,"
            + "\"time\":\"x\",\"stream\":\"y\"}";

    private final LineFramer framer = new LineFramer();

    private static long millis(String iso) {
        return Instant.parse(iso).toEpochMilli();
    }

    private static void assertComplete(Frame f, String content, long time, String stream, String envelope) {
        assertAll(
                () -> assertEquals(Frame.Kind.COMPLETE, f.kind(), "kind"),
                () -> assertEquals(content, f.content(), "content"),
                () -> assertEquals(time, f.timeMillis(), "time"),
                () -> assertEquals(stream, f.stream(), "stream"),
                () -> assertEquals(envelope, f.envelope(), "envelope"),
                () -> assertNull(f.problem(), "problem"),
                () -> assertTrue(f.isClean()));
    }

    @Test
    void unwrapsCriLines() {
        assertComplete(framer.frame("2016-10-06T00:17:09.669794202Z stdout F " + ACCESS),
                ACCESS, millis("2016-10-06T00:17:09.669Z"), "stdout", Frame.CRI);
        assertComplete(framer.frame("2016-10-06T00:17:09.6Z stderr F:x log content 2"),
                "log content 2", millis("2016-10-06T00:17:09.600Z"), "stderr", Frame.CRI);
        assertComplete(framer.frame("2016-10-06T02:17:09+02:00 stdout F hello"),
                "hello", millis("2016-10-06T00:17:09Z"), "stdout", Frame.CRI);
        assertComplete(framer.frame("2016-10-06T00:17:09.669794202Z stdout F "),
                "", millis("2016-10-06T00:17:09.669Z"), "stdout", Frame.CRI);
    }

    @Test
    void rejoinsCriPartials() {
        Frame p1 = framer.frame("2016-10-06T00:17:09.1Z stdout P " + ACCESS.substring(0, 50));
        Frame p2 = framer.frame("2016-10-06T00:17:09.2Z stdout P " + ACCESS.substring(50, 120));
        Frame f = framer.frame("2016-10-06T00:17:09.3Z stdout F " + ACCESS.substring(120));
        assertEquals(Frame.Kind.PARTIAL, p1.kind());
        assertNull(p1.content());
        assertEquals(Frame.Kind.PARTIAL, p2.kind());
        assertComplete(f, ACCESS, millis("2016-10-06T00:17:09.100Z"), "stdout", Frame.CRI);
        assertNull(framer.flush());
    }

    @Test
    void keepsStdoutAndStderrPartialsApart() {
        assertEquals(Frame.Kind.PARTIAL, framer.frame("2024-01-01T00:00:00.1Z stdout P out-1 ").kind());
        assertEquals(Frame.Kind.PARTIAL, framer.frame("2024-01-01T00:00:00.2Z stderr P err-1 ").kind());
        assertComplete(framer.frame("2024-01-01T00:00:00.3Z stderr F err-2"),
                "err-1 err-2", millis("2024-01-01T00:00:00.200Z"), "stderr", Frame.CRI);
        assertEquals(Frame.Kind.PARTIAL, framer.frame("2024-01-01T00:00:00.4Z stdout P out-2 ").kind());
        assertComplete(framer.frame("2024-01-01T00:00:00.5Z stdout F out-3"),
                "out-1 out-2 out-3", millis("2024-01-01T00:00:00.100Z"), "stdout", Frame.CRI);
    }

    @Test
    void unwrapsDockerJsonFileWithEscapedQuotes() {
        String escaped = ACCESS.replace("\"", "\\\"");
        Frame f = framer.frame("{\"log\":\"" + escaped + "\\n\",\"stream\":\"stdout\",\"time\":\"2019-01-01T11:11:11.111111111Z\"}");
        assertComplete(f, ACCESS, millis("2019-01-01T11:11:11.111Z"), "stdout", Frame.DOCKER);
    }

    @Test
    void rejoinsDockerChunksWithoutNewline() {
        String escaped = ACCESS.replace("\"", "\\\"");
        int cut = escaped.indexOf("curl"); // not inside an escape sequence
        Frame p = framer.frame("{\"log\":\"" + escaped.substring(0, cut) + "\",\"stream\":\"stdout\",\"time\":\"2019-01-01T11:11:11Z\"}");
        Frame f = framer.frame("{\"log\":\"" + escaped.substring(cut) + "\\n\",\"stream\":\"stdout\",\"time\":\"2019-01-01T11:11:12Z\"}");
        assertEquals(Frame.Kind.PARTIAL, p.kind());
        assertComplete(f, ACCESS, millis("2019-01-01T11:11:11Z"), "stdout", Frame.DOCKER);
    }

    @Test
    void unwrapsFluentBitRecordsOfCriFilesByTheirTag() {
        // Fluent Bit's cri multiline parser: "_p" beside "log", no newline, other keys (kubernetes) ignored. Read as
        // docker json-file, each record was a partial chunk and every later one was glued onto it.
        String escaped = ACCESS.replace("\"", "\\\"");
        String k8s = ",\"kubernetes\":{\"pod_name\":\"web-1\",\"labels\":{\"app\":\"web\"}}";
        for (int i = 0; i < 2; i++) {
            Frame f = framer.frame("{\"time\":\"2024-05-01T10:00:00.123456789Z\",\"stream\":\"stdout\",\"_p\":\"F\",\"log\":\""
                    + escaped + "\"" + k8s + "}");
            assertComplete(f, ACCESS, millis("2024-05-01T10:00:00.123Z"), "stdout", Frame.FLUENT_BIT);
        }
        int cut = escaped.indexOf("curl");
        Frame p = framer.frame("{\"time\":\"2024-05-01T10:00:01Z\",\"stream\":\"stdout\",\"_p\":\"P\",\"log\":\""
                + escaped.substring(0, cut) + "\"}");
        assertEquals(Frame.Kind.PARTIAL, p.kind());
        assertComplete(framer.frame("{\"time\":\"2024-05-01T10:00:02Z\",\"stream\":\"stdout\",\"_p\":\"F\",\"log\":\""
                + escaped.substring(cut) + "\"}"), ACCESS, millis("2024-05-01T10:00:01Z"), "stdout", Frame.FLUENT_BIT);
        // its classic cri parser: "logtag" beside "message"
        assertComplete(framer.frame("{\"time\":\"2024-05-01T10:00:03Z\",\"stream\":\"stderr\",\"logtag\":\"F\",\"message\":\""
                + escaped + "\"}"), ACCESS, millis("2024-05-01T10:00:03Z"), "stderr", Frame.FLUENT_BIT);
        assertFalse(framer.hasPending());
    }

    @Test
    void dropsAByteOrderMark() {
        assertComplete(framer.frame("\uFEFF" + ACCESS), ACCESS, -1, null, Frame.PLAIN);
        assertComplete(framer.frame("\uFEFF2024-05-02T10:12:33.456789123Z stdout F " + ACCESS), ACCESS,
                millis("2024-05-02T10:12:33.456Z"), "stdout", Frame.CRI);
    }

    @Test
    void passesIstioJsonAccessLogsThroughAsPlain() {
        assertComplete(framer.frame(JSON_ACCESS), JSON_ACCESS, -1, null, Frame.PLAIN);
        String broken = "{\"log\":\"x\",\"stream\":\"stdout\",\"time\":";
        assertComplete(framer.frame(broken), broken, -1, null, Frame.PLAIN);
    }

    @Test
    void unwrapsKubectlTimestamps() {
        assertComplete(framer.frame("2024-05-02T10:12:33.456789123Z " + ACCESS),
                ACCESS, millis("2024-05-02T10:12:33.456Z"), null, Frame.KUBECTL_TIMESTAMPS);
        String agent = "2024-05-02T10:12:33.456789Z\tinfo\txdsproxy\tconnected";
        assertComplete(framer.frame("2024-05-02T10:12:34Z " + agent),
                agent, millis("2024-05-02T10:12:34Z"), null, Frame.KUBECTL_TIMESTAMPS);
    }

    @Test
    void passesPlainLinesThrough() {
        assertComplete(framer.frame(ACCESS), ACCESS, -1, null, Frame.PLAIN);
        assertComplete(framer.frame(ACCESS + "\r"), ACCESS, -1, null, Frame.PLAIN);
        String agent = "2024-05-02T10:12:33.456789Z\tinfo\txdsproxy\tconnected";
        assertComplete(framer.frame(agent), agent, -1, null, Frame.PLAIN);
        assertComplete(framer.frame(""), "", -1, null, Frame.PLAIN);
    }

    /**
     * istio-agent lines copied from a terminal (GitHub issues, chat) have their tabs turned into spaces, and then
     * look like {@code <time> <content>}, the kubectl --timestamps envelope. Taking the time as an envelope cut the
     * agent line's own time off, and the parser could no longer say what the rest was ("not an access log: 'debug
     * envoy jwt ...'" instead of "envoy proxy log (debug)"). A level word right after the time means the time is
     * the line's own. Lines as pasted in istio/istio#27292, #36489 (one space) and #40564.
     */
    @ParameterizedTest
    @ValueSource(strings = {
        "2020-09-14T14:20:24.301795Z     debug   envoy jwt       Called Filter : setDecoderFilterCallbacks",
        "2021-12-07T08:37:28.358739Z debug   envoy http2 [C488678497] updating connection-level initial window size",
        "2022-08-17T14:15:58.216837Z     info    xdsproxy        connected to upstream XDS server: istiod:15012",
        "2023-04-12T11:38:49.067419Z     WARN    Istio iptables environment:",
    })
    void keepsAgentLinesWhoseTabsBecameSpaces(String pasted) {
        assertComplete(framer.frame(pasted), pasted, -1, null, Frame.PLAIN);
    }

    @Test
    void stillUnwrapsKubectlTimestampsAroundAgentLines() {
        // kubectl logs --timestamps in front of an agent line: the content starts with the agent's own time, not a level
        String agent = "2020-11-22T19:32:17.857430Z     info    FLAG: --concurrency=\"2\"";
        assertComplete(framer.frame("2020-11-22T19:32:17.857583542Z " + agent),
                agent, millis("2020-11-22T19:32:17.857Z"), null, Frame.KUBECTL_TIMESTAMPS);
        // a level-like word that is not followed by a blank is content, not a level
        assertComplete(framer.frame("2024-05-02T10:12:34Z information"),
                "information", millis("2024-05-02T10:12:34Z"), null, Frame.KUBECTL_TIMESTAMPS);
    }

    @Test
    void capsRejoinedLinesAndSkipsTheirRest() {
        LineFramer small = new LineFramer(10);
        assertEquals(Frame.Kind.PARTIAL, small.frame("2024-01-01T00:00:00Z stdout P 123456").kind());
        Frame over = small.frame("2024-01-01T00:00:01Z stdout P 7890abcdef");
        assertEquals(Frame.Kind.COMPLETE, over.kind());
        assertEquals("1234567890", over.content());
        assertTrue(over.problem().startsWith("oversized"), over.problem());
        // the rest of that logical line is dropped, up to and including its final chunk
        assertEquals(Frame.Kind.PARTIAL, small.frame("2024-01-01T00:00:02Z stdout P more").kind());
        assertEquals(Frame.Kind.PARTIAL, small.frame("2024-01-01T00:00:03Z stdout F end").kind());
        assertComplete(small.frame("2024-01-01T00:00:04Z stdout F next"), "next",
                millis("2024-01-01T00:00:04Z"), "stdout", Frame.CRI);
        assertNull(small.flush());

        Frame single = small.frame("this plain line is longer than ten");
        assertEquals("this plain", single.content());
        assertTrue(single.problem().startsWith("oversized"));
    }

    @Test
    void flushesDanglingPartialsAsTruncated() {
        framer.frame("2024-01-01T00:00:00Z stdout P half a line");
        framer.frame("2024-01-01T00:00:01Z stderr P other half");
        Frame first = framer.flush();
        Frame second = framer.flush();
        assertEquals("half a line", first.content());
        assertEquals("stdout", first.stream());
        assertTrue(first.problem().startsWith("truncated"), first.problem());
        assertEquals("other half", second.content());
        assertEquals("stderr", second.stream());
        assertNull(framer.flush());
    }

    // ------------------------------------------------------------------ a character cut by the runtime's split

    /** A CRI physical line as the runtime writes it: the envelope, then {@code content}'s bytes as they are. */
    private static byte[] criBytes(String time, String stream, String tag, byte[] content, int from, int to) {
        byte[] head = (time + " " + stream + " " + tag + " ").getBytes(StandardCharsets.US_ASCII);
        byte[] line = Arrays.copyOf(head, head.length + to - from);
        System.arraycopy(content, from, line, head.length, to - from);
        return line;
    }

    private Frame frameBytes(byte[] line) {
        return feed(framer, line);
    }

    private static Frame feed(LineFramer f, byte[] line) {
        return f.frame(line, 0, line.length);
    }

    /**
     * Every cut inside a 2-, 3- and 4-byte character, in two chunks and in three (the middle chunk both finishing
     * one cut character and starting the next): the joined line is the original text.
     */
    @ParameterizedTest
    @ValueSource(strings = {"\u00e9", "\u20ac", "\ud83d\ude00"})
    void aCharacterCutByTheSplitIsJoinedWhole(String ch) {
        String text = ACCESS.replace("GET /x ", "GET /caf" + ch + "/" + ch + ch + " ");
        byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
        int at = text.indexOf(ch);
        int charBytes = ch.getBytes(StandardCharsets.UTF_8).length;
        int pos = text.substring(0, at).getBytes(StandardCharsets.UTF_8).length;
        int second = pos + charBytes + 1; // the first of the two characters after the slash
        for (int cut = 1; cut < charBytes; cut++) {
            LineFramer two = new LineFramer();
            assertEquals(Frame.Kind.PARTIAL,
                    feed(two, criBytes("2016-10-06T00:17:09.1Z", "stdout", "P", bytes, 0, pos + cut)).kind());
            byte[] last = criBytes("2016-10-06T00:17:09.2Z", "stdout", "F", bytes, pos + cut, bytes.length);
            assertComplete(feed(two, last), text, millis("2016-10-06T00:17:09.100Z"), "stdout",
                    Frame.CRI);
            for (int cut2 = 1; cut2 < charBytes; cut2++) {
                LineFramer three = new LineFramer();
                byte[] c1 = criBytes("2016-10-06T00:17:09.1Z", "stdout", "P", bytes, 0, pos + cut);
                byte[] c2 = criBytes("2016-10-06T00:17:09.2Z", "stdout", "P", bytes, pos + cut, second + cut2);
                byte[] c3 = criBytes("2016-10-06T00:17:09.3Z", "stdout", "F", bytes, second + cut2, bytes.length);
                assertEquals(Frame.Kind.PARTIAL, three.frame(c1, 0, c1.length).kind());
                assertEquals(Frame.Kind.PARTIAL, three.frame(c2, 0, c2.length).kind());
                Frame f = three.frame(c3, 0, c3.length);
                assertEquals(text, f.content(), "cut at " + cut + " and " + cut2);
                assertNull(three.flush());
            }
        }
    }

    /** Chunks of one byte each through a 4-byte character: the bytes held back add up until the character is whole. */
    @Test
    void aCharacterSpreadOverManyChunksIsJoinedWhole() {
        byte[] bytes = "a\ud83d\ude00b".getBytes(StandardCharsets.UTF_8);
        for (int i = 0; i < bytes.length; i++) {
            boolean last = i == bytes.length - 1;
            Frame f = frameBytes(criBytes("2016-10-06T00:17:09.1Z", "stdout", last ? "F" : "P", bytes, i, i + 1));
            assertEquals(last ? Frame.Kind.COMPLETE : Frame.Kind.PARTIAL, f.kind());
            if (last) assertEquals("a\ud83d\ude00b", f.content());
        }
    }

    /** The bytes held back belong to their stream: a stderr line between the two chunks is not touched by them. */
    @Test
    void heldBackBytesStayWithTheirStream() {
        byte[] bytes = "caf\u00e9 au lait".getBytes(StandardCharsets.UTF_8);
        assertEquals(Frame.Kind.PARTIAL, frameBytes(criBytes("2016-10-06T00:17:09.1Z", "stdout", "P", bytes, 0, 4)).kind());
        Frame err = frameBytes("2016-10-06T00:17:09.2Z stderr F \u00fcber".getBytes(StandardCharsets.UTF_8));
        assertComplete(err, "\u00fcber", millis("2016-10-06T00:17:09.200Z"), "stderr", Frame.CRI);
        Frame plain = frameBytes("plain \u00e9".getBytes(StandardCharsets.UTF_8));
        assertEquals("plain \u00e9", plain.content());
        Frame f = frameBytes(criBytes("2016-10-06T00:17:09.3Z", "stdout", "F", bytes, 4, bytes.length));
        assertComplete(f, "caf\u00e9 au lait", millis("2016-10-06T00:17:09.100Z"), "stdout", Frame.CRI);
    }

    /**
     * Bytes that are not UTF-8 whatever follows them still read as U+FFFD, as they do when each line is decoded on
     * its own: a lead byte followed by ASCII in the next chunk, a continuation byte without a lead, a lead byte that
     * cannot start a character, a second byte out of its range, a cut character whose line never ends.
     */
    @Test
    void invalidBytesStillReadAsReplacementCharacters() {
        byte[] x = {'a', (byte) 0xE2, (byte) 0x82};                 // the start of the euro sign ...
        assertEquals(Frame.Kind.PARTIAL, frameBytes(criBytes("2016-10-06T00:17:09.1Z", "stdout", "P", x, 0, 3)).kind());
        Frame f = frameBytes("2016-10-06T00:17:09.2Z stdout F b".getBytes(StandardCharsets.UTF_8)); // ... never finished
        assertEquals("a\ufffdb", f.content());
        assertEquals(new String(new byte[] {'a', (byte) 0xE2, (byte) 0x82, 'b'}, StandardCharsets.UTF_8), f.content(),
                "as the joined bytes decode");

        for (byte[] bad : new byte[][] {
                {'a', (byte) 0x82},                  // a continuation byte without a lead
                {'a', (byte) 0xC0},                  // never a lead byte (overlong)
                {'a', (byte) 0xE0, (byte) 0x80},     // E0 needs A0..BF next
                {'a', (byte) 0xED, (byte) 0xA0},     // a surrogate
                {'a', (byte) 0xF4, (byte) 0x90},     // past U+10FFFF
                {'a', (byte) 0xF8}}) {               // no lead byte at all
            assertEquals(0, LineFramer.unfinishedTail(bad, 0, bad.length), Arrays.toString(bad));
            LineFramer fr = new LineFramer();
            feed(fr, criBytes("2016-10-06T00:17:09.1Z", "stdout", "P", bad, 0, bad.length));
            byte[] rest = criBytes("2016-10-06T00:17:09.2Z", "stdout", "F", new byte[] {(byte) 0x80, 'z'}, 0, 2);
            String old = new String(bad, StandardCharsets.UTF_8) + new String(new byte[] {(byte) 0x80, 'z'},
                    StandardCharsets.UTF_8);
            assertEquals(old, fr.frame(rest, 0, rest.length).content(), "decoded line by line, as before");
        }

        LineFramer cutOff = new LineFramer();
        byte[] y = "caf\u00e9".getBytes(StandardCharsets.UTF_8);
        feed(cutOff, criBytes("2016-10-06T00:17:09.1Z", "stdout", "P", y, 0, 4));
        Frame t = cutOff.flush();
        assertEquals("caf\ufffd", t.content(), "a line that never ends hands out what it has");
        assertTrue(t.problem().startsWith("truncated"), t.problem());
    }

    /** Only the content is held back from: an envelope's own bytes, docker and plain lines are framed as before. */
    @Test
    void linesThatAreNotCriChunksAreFramedAsBefore() {
        byte[][] lines = {
                {'a', ' ', (byte) 0xC3},                                                          // plain
                "2016-10-06T00:17:09.1Z stdout P:\u00e9".getBytes(StandardCharsets.UTF_8),       // in the tag
                "2016-10-06T00:17:09.1Z caf\u00e9".getBytes(StandardCharsets.UTF_8),             // kubectl
                "{\"log\":\"caf\u00e9\",\"stream\":\"stdout\",\"time\":\"2016-10-06T00:17:09.1Z\"}"
                        .getBytes(StandardCharsets.UTF_8)};
        for (byte[] line : lines) {
            byte[] cut = Arrays.copyOf(line, line.length - 1);
            for (byte[] l : new byte[][] {line, cut}) {
                Frame viaBytes = new LineFramer().frame(l, 0, l.length);
                Frame viaString = new LineFramer().frame(new String(l, StandardCharsets.UTF_8));
                assertEquals(viaString, viaBytes, new String(l, StandardCharsets.UTF_8));
            }
        }
    }
}
