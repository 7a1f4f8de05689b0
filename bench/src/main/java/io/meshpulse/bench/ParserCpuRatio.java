package io.meshpulse.bench;

import io.meshpulse.topology.parse.AccessLogParser;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.regex.Matcher;

/**
 * The ratios of {@link ParserBenchmark} measured in thread CPU time, for machines too busy for wall-clock ratios.
 *
 * <p>JMH runs one benchmark after another, so on a shared machine each one sees a different load and the ratios
 * between them move by a factor of two from run to run. Here the workloads (newline scan, regex, parseText,
 * parseJson, parseTextAllFields, parseTextTopologyFields, parseTextView, parseTextViewTopologyFields; same corpus, same code as the JMH benchmarks; plus
 * parseText with the line ends found by the scan's byte loop, {@link ParserBenchmark#parseAllByteLoop}) take turns
 * in one thread, each round timed with
 * {@link ThreadMXBean#getCurrentThreadCpuTime()}, which does not count time spent descheduled. Every workload is a
 * separate method, as in JMH, so each is compiled on its own rather than as an OSR loop. The first third of the run
 * is warm-up and is not reported.
 *
 * <p>Run: {@code java -cp bench/target/benchmarks.jar io.meshpulse.bench.ParserCpuRatio [seconds]}.
 */
public final class ParserCpuRatio {

    private static volatile Object sink;

    private ParserCpuRatio() {}

    public static void main(String[] args) {
        int seconds = args.length > 0 ? Integer.parseInt(args[0]) : 90;
        ParserBenchmark b = new ParserBenchmark();
        b.setUp(); // same corpus, same checks as the JMH benchmark
        ThreadMXBean mx = ManagementFactory.getThreadMXBean();
        long[] cpu = new long[9];
        long rounds = 0;
        long start = System.nanoTime();
        long warmEnd = start + seconds * 1_000_000_000L / 3;
        long end = start + seconds * 1_000_000_000L;
        boolean warm = false;
        Matcher m = ParserBenchmark.TEXT_1_9.matcher("");
        AccessLogParser parser = new AccessLogParser();
        while (System.nanoTime() < end) {
            if (!warm && System.nanoTime() > warmEnd) {
                warm = true;
                java.util.Arrays.fill(cpu, 0);
                rounds = 0;
            }
            long t0 = mx.getCurrentThreadCpuTime();
            sink = b.newlineScan();
            long t1 = mx.getCurrentThreadCpuTime();
            sink = regex(m, b.textLines());
            long t2 = mx.getCurrentThreadCpuTime();
            sink = ParserBenchmark.parseAll(parser, b.textBytes());
            long t3 = mx.getCurrentThreadCpuTime();
            sink = ParserBenchmark.parseAll(parser, b.jsonBytes());
            long t4 = mx.getCurrentThreadCpuTime();
            sink = ParserBenchmark.parseAllByteLoop(parser, b.textBytes());
            long t5 = mx.getCurrentThreadCpuTime();
            sink = ParserBenchmark.parseAllReadingAll(parser, b.textBytes());
            long t6 = mx.getCurrentThreadCpuTime();
            sink = ParserBenchmark.parseAllReadingTopology(parser, b.textBytes());
            long t7 = mx.getCurrentThreadCpuTime();
            sink = ParserBenchmark.parseAllView(parser, b.textBytes());
            long t8 = mx.getCurrentThreadCpuTime();
            sink = ParserBenchmark.parseAllViewReadingTopology(parser, b.textBytes());
            long t9 = mx.getCurrentThreadCpuTime();
            cpu[8] += t9 - t8;
            cpu[7] += t8 - t7;
            cpu[6] += t7 - t6;
            cpu[5] += t6 - t5;
            cpu[4] += t5 - t4;
            cpu[0] += t1 - t0;
            cpu[1] += t2 - t1;
            cpu[2] += t3 - t2;
            cpu[3] += t4 - t3;
            rounds++;
        }
        double lines = rounds * (double) ParserBenchmark.LINES;
        String[] names = {
            "newlineScan", "regexText", "parseText", "parseJson", "parseText*", "parseTextAllFields",
            "parseTextTopologyFields", "parseTextView", "parseTextViewTopologyFields",
        };
        System.out.println("parser: " + (io.meshpulse.topology.parse.AccessLogParser.usesVectorBitmaps()
                ? "vector bitmaps" : "scalar searches"));
        System.out.printf("%d rounds of %d lines after %d s of warm-up; lines per CPU-second:%n", rounds,
                ParserBenchmark.LINES, seconds / 3);
        for (int i = 0; i < names.length; i++) {
            System.out.printf("  %-27s %,12.0f%n", names[i], lines / cpu[i] * 1e9);
        }
        System.out.println("  (parseText* finds line ends with the scan's byte loop instead of eight bytes at a time;");
        System.out.println("   parseTextAllFields reads every accessor, parseTextTopologyFields those the topology reads;");
        System.out.println("   parseTextView* parse through parseView, the topology's entry point: no line copy, no wrapper)");
        System.out.printf("parseText / newlineScan = %.3f, parseText / regexText = %.2f%n",
                (double) cpu[0] / cpu[2], (double) cpu[1] / cpu[2]);
        System.out.printf("parseJson / newlineScan = %.3f, parseJson / regexText = %.2f%n",
                (double) cpu[0] / cpu[3], (double) cpu[1] / cpu[3]);
        System.out.printf("parseText* / newlineScan = %.3f, parseText* / regexText = %.2f%n",
                (double) cpu[0] / cpu[4], (double) cpu[1] / cpu[4]);
        System.out.printf("parseTextAllFields / newlineScan = %.3f, parseTextAllFields / regexText = %.2f%n",
                (double) cpu[0] / cpu[5], (double) cpu[1] / cpu[5]);
        System.out.printf("parseTextTopologyFields / newlineScan = %.3f, parseTextTopologyFields / regexText = %.2f%n",
                (double) cpu[0] / cpu[6], (double) cpu[1] / cpu[6]);
        System.out.printf("parseTextView / newlineScan = %.3f, parseTextView / regexText = %.2f%n",
                (double) cpu[0] / cpu[7], (double) cpu[1] / cpu[7]);
        System.out.printf("parseTextViewTopologyFields / newlineScan = %.3f, parseTextViewTopologyFields / regexText = %.2f%n",
                (double) cpu[0] / cpu[8], (double) cpu[1] / cpu[8]);
    }

    private static int regex(Matcher m, String[] lines) {
        int groups = 0;
        for (String line : lines) {
            m.reset(line);
            if (m.matches()) {
                for (int g = 1; g <= 24; g++) groups += m.group(g).length();
            }
        }
        return groups;
    }
}
