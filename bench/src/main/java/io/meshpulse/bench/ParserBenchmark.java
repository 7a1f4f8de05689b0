package io.meshpulse.bench;

import io.meshpulse.topology.parse.AccessLogParser;
import io.meshpulse.topology.parse.AccessLogRecord;
import io.meshpulse.topology.parse.ParseResult;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.infra.Blackhole;

/**
 * Access-log parsing throughput against two yardsticks: a bare newline count over the same bytes (the floor any
 * line-oriented reader pays) and a capture-group regex for the 1.9+ TEXT layout (what a quick implementation would
 * do). Every benchmark processes the whole corpus per invocation and declares {@link #LINES} operations, so JMH's
 * ops/s are lines/s.
 *
 * <p>The parser benchmarks find each line end in the UTF-8 {@code byte[]} (eight bytes at a time, as a line reader
 * does; the scan baseline keeps its byte loop) and hand the line's range to
 * {@link AccessLogParser#parse(byte[], int, int)}, which builds and classifies a record per line (the bytes are
 * what a file read or a Kafka record value gives; no String per line is made). The regex gets ready-made Strings,
 * which favours it.
 *
 * <p>A 1.9+ TEXT record decodes its free-text values only when they are read, so {@link #parseText} measures the
 * parse and classification with those values left undecoded; {@link #parseTextTopologyFields} adds reading what the
 * topology reads, and {@link #parseTextAllFields} reading every accessor (the fair match for the regex, which
 * reads all its groups).
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
public class ParserBenchmark {

    static final int LINES = 10_000;
    private static final long SEED = 20250314L;

    /** Full-line match of the Istio 1.9+ TEXT layout, one group per field. */
    static final Pattern TEXT_1_9 = Pattern.compile(
            "\\[([^\\]]+)\\] \"(\\S+) (\\S+) (\\S+)\" (\\d+) (\\S+) (\\S+) (\\S+) \"([^\"]*)\" (\\d+) (\\d+) (\\d+) "
            + "(\\S+) \"([^\"]*)\" \"([^\"]*)\" \"([^\"]*)\" \"([^\"]*)\" \"([^\"]*)\" (\\S+) (\\S+) (\\S+) (\\S+) "
            + "(\\S+) (\\S+)");

    private byte[] textBytes;
    private byte[] jsonBytes;
    private String[] textLines;
    private String[] jsonLines;
    private AccessLogParser parser;

    @Setup
    public void setUp() {
        AccessLogCorpus corpus = AccessLogCorpus.generate(LINES, SEED);
        textLines = corpus.text;
        jsonLines = corpus.json;
        textBytes = AccessLogCorpus.joined(textLines);
        jsonBytes = AccessLogCorpus.joined(jsonLines);
        parser = new AccessLogParser();
        // fail fast if the corpus and the parser disagree: a benchmark of rejections would be meaningless
        for (String[] lines : new String[][] {textLines, jsonLines}) {
            for (String line : lines) {
                ParseResult fromString = parser.parse(line);
                if (!(fromString instanceof ParseResult.Parsed)) {
                    throw new IllegalStateException("corpus line rejected: " + fromString + "\n" + line);
                }
                byte[] bytes = line.getBytes(StandardCharsets.UTF_8);
                if (!fromString.equals(parser.parse(bytes, 0, bytes.length))) {
                    throw new IllegalStateException("byte and String parsing disagree on: " + line);
                }
                if (!((ParseResult.Parsed) fromString).record().equals(parser.parseView(bytes, 0, bytes.length))) {
                    throw new IllegalStateException("parseView and parse disagree on: " + line);
                }
            }
        }
        for (String line : textLines) {
            if (!TEXT_1_9.matcher(line).matches()) throw new IllegalStateException("regex misses: " + line);
        }
        // the two ways of finding line ends find the same lines
        for (byte[] b : new byte[][] {textBytes, jsonBytes}) {
            if (parseAll(parser, b) != LINES || parseAllByteLoop(parser, b) != LINES
                    || parseAllView(parser, b) != LINES) {
                throw new IllegalStateException("not every line was found and parsed");
            }
        }
    }

    @Benchmark
    @OperationsPerInvocation(LINES)
    public int newlineScan() {
        final byte[] b = textBytes;
        int count = 0;
        for (int i = 0; i < b.length; i++) {
            if (b[i] == '\n') count++;
        }
        return count;
    }

    @Benchmark
    @OperationsPerInvocation(LINES)
    public void regexText(Blackhole bh) {
        Matcher m = TEXT_1_9.matcher("");
        for (String line : textLines) {
            m.reset(line);
            if (m.matches()) {
                for (int g = 1; g <= 24; g++) bh.consume(m.group(g));
            } else {
                bh.consume(line);
            }
        }
    }

    @Benchmark
    @OperationsPerInvocation(LINES)
    public int parseText() {
        return parseAll(parser, textBytes);
    }

    /**
     * {@link #parseText}, then every accessor of every record read (each String's length summed), which decodes
     * every value the parser left for later: the whole-record cost, comparable with {@link #regexText}, which reads
     * every group.
     */
    @Benchmark
    @OperationsPerInvocation(LINES)
    public long parseTextAllFields() {
        return parseAllReadingAll(parser, textBytes);
    }

    /**
     * {@link #parseText}, then the accessors the topology reads on its way from a line to a window count (the
     * numbers, the classification, the cluster, route and every host and address; it reads some of the addresses
     * only for some lines, so this is an upper bound of its parsing cost).
     */
    @Benchmark
    @OperationsPerInvocation(LINES)
    public long parseTextTopologyFields() {
        return parseAllReadingTopology(parser, textBytes);
    }

    /**
     * {@link #parseText} through {@link AccessLogParser#parseView}, the topology's entry point since {@code parser4}:
     * the record reads the corpus bytes instead of a copy of its line, and comes back without a result wrapper
     * (null for a rejected line). Same line finding, same checks and classification as {@link #parseText}.
     */
    @Benchmark
    @OperationsPerInvocation(LINES)
    public int parseTextView() {
        return parseAllView(parser, textBytes);
    }

    /** {@link #parseTextView}, then what {@link #parseTextTopologyFields} reads. */
    @Benchmark
    @OperationsPerInvocation(LINES)
    public long parseTextViewTopologyFields() {
        return parseAllViewReadingTopology(parser, textBytes);
    }

    @Benchmark
    @OperationsPerInvocation(LINES)
    public int parseJson() {
        return parseAll(parser, jsonBytes);
    }

    /**
     * Finds each line end (eight bytes at a time, see {@link #nextNewline}) and parses the line from the bytes;
     * the count of parsed records keeps every result alive (each is read by the {@code instanceof}).
     */
    static int parseAll(AccessLogParser p, byte[] b) {
        int parsed = 0;
        int start = 0;
        for (int i = nextNewline(b, 0); i >= 0; i = nextNewline(b, start)) {
            if (p.parse(b, start, i - start) instanceof ParseResult.Parsed) parsed++;
            start = i + 1;
        }
        return parsed;
    }

    /** {@link #parseAll} through {@link AccessLogParser#parseView}; the count of records. */
    static int parseAllView(AccessLogParser p, byte[] b) {
        int parsed = 0;
        int start = 0;
        for (int i = nextNewline(b, 0); i >= 0; i = nextNewline(b, start)) {
            if (p.parseView(b, start, i - start) != null) parsed++;
            start = i + 1;
        }
        return parsed;
    }

    /** {@link #parseAllView}, then the accessors the topology reads; the sum of the lengths and numbers read. */
    static long parseAllViewReadingTopology(AccessLogParser p, byte[] b) {
        long sum = 0;
        int start = 0;
        for (int i = nextNewline(b, 0); i >= 0; i = nextNewline(b, start)) {
            AccessLogRecord r = p.parseView(b, start, i - start);
            if (r != null) sum += readTopology(r);
            start = i + 1;
        }
        return sum;
    }

    /** {@link #parseAll}, then every accessor of each record read; the sum of the lengths and numbers read. */
    static long parseAllReadingAll(AccessLogParser p, byte[] b) {
        long sum = 0;
        int start = 0;
        for (int i = nextNewline(b, 0); i >= 0; i = nextNewline(b, start)) {
            if (p.parse(b, start, i - start) instanceof ParseResult.Parsed parsed) sum += readAll(parsed.record());
            start = i + 1;
        }
        return sum;
    }

    /** {@link #parseAll}, then the accessors the topology reads; the sum of the lengths and numbers read. */
    static long parseAllReadingTopology(AccessLogParser p, byte[] b) {
        long sum = 0;
        int start = 0;
        for (int i = nextNewline(b, 0); i >= 0; i = nextNewline(b, start)) {
            if (p.parse(b, start, i - start) instanceof ParseResult.Parsed parsed) {
                sum += readTopology(parsed.record());
            }
            start = i + 1;
        }
        return sum;
    }

    static long readAll(AccessLogRecord r) {
        return r.format().ordinal() + r.startTimeMillis() + len(r.startTime()) + len(r.method()) + len(r.path())
                + len(r.protocol()) + r.responseCode() + r.responseFlags().size() + len(r.responseCodeDetails())
                + len(r.connectionTerminationDetails()) + len(r.upstreamTransportFailureReason())
                + r.bytesReceived() + r.bytesSent() + r.durationMs()
                + (r.upstreamServiceTimeMs() == null ? 0 : r.upstreamServiceTimeMs()) + len(r.xForwardedFor())
                + len(r.userAgent()) + len(r.requestId()) + len(r.authority()) + len(r.upstreamHost())
                + len(r.upstreamCluster()) + len(r.upstreamLocalAddress()) + len(r.downstreamLocalAddress())
                + len(r.downstreamRemoteAddress()) + len(r.requestedServerName()) + len(r.routeName())
                + r.direction().ordinal() + len(r.failureClass()) + len(r.cause()) + len(r.rbacPolicy());
    }

    static long readTopology(AccessLogRecord r) {
        return r.startTimeMillis() + r.responseCode() + r.responseFlags().size() + len(r.responseCodeDetails())
                + len(r.connectionTerminationDetails()) + len(r.cause()) + len(r.rbacPolicy())
                + len(r.failureClass()) + r.direction().ordinal() + r.durationMs() + r.bytesSent()
                + r.bytesReceived() + len(r.upstreamCluster()) + len(r.authority()) + len(r.upstreamHost())
                + len(r.requestedServerName()) + len(r.upstreamLocalAddress()) + len(r.downstreamLocalAddress())
                + len(r.downstreamRemoteAddress()) + len(r.routeName());
    }

    private static int len(String s) {
        return s == null ? 0 : s.length();
    }

    /**
     * {@link #parseAll} with the line ends found by the same byte loop as {@link #newlineScan}, as this benchmark
     * did before: what the parse costs beside the scan when the reader finds lines no faster than the scan does.
     */
    static int parseAllByteLoop(AccessLogParser p, byte[] b) {
        int parsed = 0;
        int start = 0;
        for (int i = 0; i < b.length; i++) {
            if (b[i] == '\n') {
                if (p.parse(b, start, i - start) instanceof ParseResult.Parsed) parsed++;
                start = i + 1;
            }
        }
        return parsed;
    }

    private static final VarHandle LONGS = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);
    private static final long ONES = 0x0101010101010101L;
    private static final long NEWLINES = ONES * '\n';

    /**
     * The index of the next {@code \n} at or after {@code from}, or -1: a zero-byte test on eight bytes at a time
     * (the lowest flagged byte of {@code (x - ONES) & ~x & HIGHS} is exact), then a byte loop for the last few.
     * This is how a line reader finds line ends (the JDK's own searches are vectorised the same way); the
     * {@link #newlineScan} baseline keeps the plain byte loop.
     */
    static int nextNewline(byte[] b, int from) {
        int i = from;
        for (; i + 8 <= b.length; i += 8) {
            long x = (long) LONGS.get(b, i) ^ NEWLINES;
            long m = (x - ONES) & ~x & 0x8080808080808080L;
            if (m != 0) return i + (Long.numberOfTrailingZeros(m) >>> 3);
        }
        for (; i < b.length; i++) {
            if (b[i] == '\n') return i;
        }
        return -1;
    }

    String[] textLines() {
        return textLines;
    }

    byte[] textBytes() {
        return textBytes;
    }

    byte[] jsonBytes() {
        return jsonBytes;
    }
}
