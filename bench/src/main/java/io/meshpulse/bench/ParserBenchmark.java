package io.meshpulse.bench;

import io.meshpulse.topology.parse.AccessLogParser;
import io.meshpulse.topology.parse.ParseResult;
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
 * <p>The parser benchmarks find each line end in the UTF-8 {@code byte[]} and hand the line's range to
 * {@link AccessLogParser#parse(byte[], int, int)}, which builds and classifies a full record per line (the bytes are
 * what a file read or a Kafka record value gives; no String per line is made). The regex gets ready-made Strings,
 * which favours it.
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
            }
        }
        for (String line : textLines) {
            if (!TEXT_1_9.matcher(line).matches()) throw new IllegalStateException("regex misses: " + line);
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

    @Benchmark
    @OperationsPerInvocation(LINES)
    public int parseJson() {
        return parseAll(parser, jsonBytes);
    }

    /**
     * Finds each line end with the same byte loop as {@link #newlineScan} and parses the line from the bytes; the
     * count of parsed records keeps every result alive (each is read by the {@code instanceof}).
     */
    static int parseAll(AccessLogParser p, byte[] b) {
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
