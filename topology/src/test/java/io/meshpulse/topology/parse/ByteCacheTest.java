package io.meshpulse.topology.parse;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class ByteCacheTest {

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }

    @Test
    void keepsClustersThatDifferInOnePortDigitApart() {
        // clusters of one service differ in a digit of the port; with a hash that lost high bits they shared a
        // slot and evicted each other on every alternate lookup
        for (String svc : new String[] {"reviews.bookinfo", "ratings.bookinfo", "details.bookinfo", "productpage.bookinfo"}) {
            for (int port = 8080; port < 8089; port++) {
                byte[] a = bytes("outbound|" + port + "||" + svc + ".svc.cluster.local");
                byte[] b = bytes("outbound|" + (port + 1) + "||" + svc + ".svc.cluster.local");
                ByteCache cache = new ByteCache(2048);
                assertNull(cache.lookup(a, 0, a.length));
                cache.put(a, 0, a.length, "a");
                assertNull(cache.lookup(b, 0, b.length));
                cache.put(b, 0, b.length, "b");
                assertEquals("a", cache.lookup(a, 0, a.length), () -> new String(a, StandardCharsets.US_ASCII));
                assertEquals("b", cache.lookup(b, 0, b.length), () -> new String(b, StandardCharsets.US_ASCII));
            }
        }
    }

    @Test
    void findsAKeyInsideALargerBuffer() {
        byte[] line = bytes("x outbound|9080||reviews.shop.svc.cluster.local y");
        ByteCache cache = new ByteCache(64);
        assertNull(cache.lookup(line, 2, line.length - 2));
        cache.put(line, 2, line.length - 2, "v");
        byte[] alone = bytes("outbound|9080||reviews.shop.svc.cluster.local");
        assertEquals("v", cache.lookup(alone, 0, alone.length));
        byte[] other = bytes("outbound|9081||reviews.shop.svc.cluster.local");
        assertNull(cache.lookup(other, 0, other.length));
    }
}
