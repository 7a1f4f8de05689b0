package io.meshpulse.topology.parse;

/**
 * Bitmaps of where a line's quotes and its spaces-or-braces are, one bit per byte, 64 bytes to a {@code long}, so
 * the fast path of {@link TextLineParser} finds a value's end with a {@code numberOfTrailingZeros} instead of a
 * search. Built with vector instructions ({@link VectorMasks}) when the JVM runs with
 * {@code --add-modules jdk.incubator.vector} on hardware with 256-bit vectors or wider; otherwise
 * {@link #ENABLED} is false and the parser searches eight bytes at a time as before. (Built eight bytes at a time,
 * the bitmaps cost what they save: tried in session 10, see BENCHMARKS.md.) {@code -Dmeshpulse.parser.simd=false}
 * turns them off.
 *
 * <p>Layout, for a line {@code b[start, n)}: bit {@code p - start} of the masks is set when {@code b[p]} is the
 * delimiter, for {@code p} in {@code [start, n)}, and bit {@code n - start} is set in both as a sentinel, so a
 * search for the next bit always ends at or before the line end. Bits after the sentinel (bytes past the line,
 * read by the last block) are undefined and never reached.
 */
final class StructuralMasks {

    /** Whether the parser uses the bitmaps: a constant, so the JIT drops the branch not taken. */
    static final boolean ENABLED = enabled();

    /** Longs per mask: enough for the longest line the fast path takes plus the sentinel's block. */
    static final int BLOCKS = (AccessLogRecord.MAX_LAZY_LINE >>> 6) + 2;

    private StructuralMasks() {}

    private static boolean enabled() {
        if ("false".equalsIgnoreCase(System.getProperty("meshpulse.parser.simd"))) return false;
        if (ModuleLayer.boot().findModule("jdk.incubator.vector").isEmpty()) return false;
        try {
            return VectorMasks.wideEnough() && agrees();
        } catch (LinkageError | RuntimeException e) {
            return false;
        }
    }

    /** A self-check at start-up: the vector bitmaps of a sample line equal the scalar ones. */
    private static boolean agrees() {
        byte[] line = ("[2024-05-01T10:00:00.000Z] \"GET /a{b} HTTP/1.1\" 503 UC upstream_reset_before_response_"
                + "started{connection_termination} - \"-\" 0 95 1 - \"-\" \"curl/8\" \"id\" \"svc:80\" "
                + "\"10.0.0.1:80\" outbound|80||svc.ns.svc.cluster.local 10.0.0.2:4 10.0.0.3:80 10.0.0.2:5 - default")
                .getBytes(java.nio.charset.StandardCharsets.UTF_8);
        for (int start = 0; start < 3; start++) {
            int n = line.length - start;
            long[] q1 = new long[BLOCKS];
            long[] s1 = new long[BLOCKS];
            long[] q2 = new long[BLOCKS];
            long[] s2 = new long[BLOCKS];
            VectorMasks.build(line, start, n, q1, s1, new byte[64]);
            scalar(line, start, n, q2, s2);
            for (int k = 0; k <= (n - start) >>> 6; k++) {
                long valid = k == (n - start) >>> 6 ? -1L >>> (63 - ((n - start) & 63)) : -1L;
                if ((q1[k] & valid) != (q2[k] & valid) || (s1[k] & valid) != (s2[k] & valid)) return false;
            }
        }
        return true;
    }

    /** The bitmaps a byte at a time: the reference the vector build is checked against. */
    static void scalar(byte[] b, int start, int n, long[] quotes, long[] stops) {
        int rel = n - start;
        for (int k = 0; k <= rel >>> 6; k++) {
            quotes[k] = 0;
            stops[k] = 0;
        }
        for (int p = start; p < n; p++) {
            int r = p - start;
            byte c = b[p];
            if (c == '"') quotes[r >>> 6] |= 1L << r;
            if (c == ' ' || c == '{') stops[r >>> 6] |= 1L << r;
        }
        quotes[rel >>> 6] |= 1L << rel;
        stops[rel >>> 6] |= 1L << rel;
    }

    /**
     * The first position at or after {@code from} whose bit is set in {@code masks} (built for a line starting at
     * {@code base}); at most the line end, where the sentinel is. {@code from} must not be past the line end.
     */
    static int next(long[] masks, int base, int from) {
        int rel = from - base;
        int k = rel >>> 6;
        long m = masks[k] & (-1L << rel);
        while (m == 0) m = masks[++k];
        return base + (k << 6) + Long.numberOfTrailingZeros(m);
    }
}
