package io.meshpulse.topology.stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;

import io.meshpulse.topology.stats.BinaryWriter;
import io.meshpulse.topology.stats.WindowCounts;
import java.util.List;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.processor.api.MockProcessorContext;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.Stores;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The open windows are held by start, then by key: lookups, closes, early looks and the wait for callers' IPs each
 * reach only the starts they ask for. What they return must not depend on that layout: closes in store-key order,
 * nothing closed found again, and a restart takes every window back from the store under its start.
 */
class OpenWindowsTest {
    private static final long W = 1_700_000_000_000L; // a window start (10 s windows)
    private static final long S = 10_000;

    private KeyValueStore<Bytes, byte[]> store;
    private OpenWindows<String> windows;

    @BeforeEach
    void setUp() {
        MockProcessorContext<String, Emitted> context = new MockProcessorContext<>();
        store = DeferredWritesStore.builder(Stores.keyValueStoreBuilder(Stores.inMemoryKeyValueStore("open"),
                Serdes.Bytes(), Serdes.ByteArray()).withLoggingDisabled()).build();
        store.init(context.getStateStoreContext(), store);
        windows = new OpenWindows<>();
        windows.load(store, OpenWindowsTest::pairOf);
    }

    @Test
    void closingTakesEveryWindowUpToTheStartInStoreKeyOrderAndOnlyThose() {
        open(W + 2 * S, "b");
        open(W, "c");
        open(W + S, "a");
        open(W, "a");
        open(W + 3 * S, "a");
        assertEquals(W, windows.oldestStart());

        List<OpenWindows.OpenWindow> closed = windows.closeUpTo(W + S);

        assertEquals(List.of(W + "a", W + "c", (W + S) + "a"), closed.stream().map(OpenWindowsTest::name).toList());
        assertEquals(W + 2 * S, windows.oldestStart());
        assertNull(windows.get(W, "a"), "a closed window is not found again");
        assertNull(windows.get(W + S, "a"));
        assertEquals(List.of((W + 3 * S) + "a"), windows.closeUpTo(Long.MAX_VALUE - 1).stream()
                .filter(w -> w.windowStart > W + 2 * S).map(OpenWindowsTest::name).toList());
        assertEquals(Long.MAX_VALUE, windows.oldestStart(), "none left open");
    }

    @Test
    void aWindowLookedUpJustBeforeItsStartClosedIsNotFoundAfterIt() {
        OpenWindows.OpenWindow w = open(W, "a");
        assertSame(w, windows.get(W, "a"));
        windows.closeUpTo(W);
        assertNull(windows.get(W, "a"), "the start's bucket was the last one looked up, and it is gone");
        OpenWindows.OpenWindow again = open(W, "a"); // as the parsing task never does (the line is late), but the map allows
        assertSame(again, windows.get(W, "a"));
    }

    @Test
    void rangesReachOnlyTheStartsAskedFor() {
        open(W, "a");
        open(W + S, "ip:10.0.0.1");
        open(W + S, "b");
        open(W + 2 * S, "ip:10.0.0.2");
        open(W + 4 * S, "c");

        assertEquals(List.of(W + "a", (W + S) + "b", (W + S) + "ip:10.0.0.1"),
                windows.startingIn(W, W + S).stream().map(OpenWindowsTest::name).sorted().toList());
        assertEquals(List.of((W + 4 * S) + "c"),
                windows.startingIn(W + 3 * S, W + 4 * S).stream().map(OpenWindowsTest::name).toList());
        assertEquals(List.of(), windows.startingIn(W + S, W));
        assertEquals(W + S, windows.firstStartWith(Long.MIN_VALUE, Long.MAX_VALUE, k -> k.startsWith("ip:")));
        assertEquals(W + 2 * S, windows.firstStartWith(W + S + 1, W + 4 * S, k -> k.startsWith("ip:")));
        assertEquals(Long.MAX_VALUE, windows.firstStartWith(W, W, k -> k.startsWith("ip:")));
    }

    @Test
    void aRestartTakesBackEveryWindowWrittenAtTheCommitUnderItsStart() {
        open(W, "a").counts.add(503, "UC", 12, 100, 200);
        open(W + S, "a").counts.add(200, "NONE", 12, 100, 200);
        DeferredWritesStore.of(store).flushCache(); // what Kafka Streams does before a commit

        OpenWindows<String> restarted = new OpenWindows<>();
        restarted.load(store, OpenWindowsTest::pairOf);

        assertEquals(W, restarted.oldestStart());
        assertEquals(1, restarted.get(W, "a").counts.failures());
        assertEquals(0, restarted.get(W + S, "a").counts.failures());
        assertEquals(1, restarted.get(W + S, "a").counts.requests());
        assertNull(restarted.get(W, "b"));
    }

    private OpenWindows.OpenWindow open(long start, String pair) {
        OpenWindows.OpenWindow w = windows.open(start, pair, key(start, pair), new WindowCounts());
        windows.touched(w);
        return w;
    }

    private static Bytes key(long start, String pair) {
        return Bytes.wrap(new BinaryWriter(32).writeLongBE(start).writeString(pair).toByteArray());
    }

    private static String pairOf(Bytes key) {
        byte[] k = key.get();
        return new io.meshpulse.topology.stats.BinaryReader(k, 8, k.length - 8).readString();
    }

    private static String name(OpenWindows.OpenWindow w) {
        return w.windowStart + pairOf(w.key);
    }
}
