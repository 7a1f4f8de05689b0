package io.meshpulse.bench;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.lang.reflect.Field;
import java.lang.reflect.Method;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * {@link ParserCpuRatio}'s core workloads for several builds in one JVM, to compare a change with its base.
 *
 * <p>Two runs of {@link ParserCpuRatio}, one per build, happen minutes apart, and on this shared machine the load
 * (another engineer's build on the other core) changes the CPU time per line by up to a factor of two between
 * them. Here each build's benchmarks jar is loaded by its own class loader (so each has its own classes and its own
 * JIT-compiled code) and the builds take turns within every round, in alternating order: whatever the machine
 * does, both builds see it.
 *
 * <p>Run: {@code java -cp bench/target/benchmarks.jar io.meshpulse.bench.ParserBuildsCpuRatio SECONDS JAR...}, where
 * each JAR is a {@code bench/target/benchmarks.jar} (for example one built from main into a temporary directory).
 * A build must have the {@link ParserBenchmark} and {@link ParserCpuRatio} members read here (main at 021f459 does).
 */
public final class ParserBuildsCpuRatio {

    private static volatile Object sink;

    private ParserBuildsCpuRatio() {}

    /** One build's benchmark state and the workloads, reached by reflection into its own class loader. */
    private static final class Build {
        final String name;
        final Object bench;
        final Method scan;
        final Method parseAll;
        final Method parseAllByteLoop;
        /** {@link ParserBenchmark#parseAllView}, or null for a build from before {@code parser4}. */
        final Method parseAllView;
        final Method regex;
        final Object parser;
        final byte[] text;
        final byte[] json;
        final String[] lines;
        final Matcher matcher;
        final long[] cpu = new long[6];

        Build(String jar) throws ReflectiveOperationException, java.io.IOException {
            name = jar;
            URLClassLoader loader = new URLClassLoader(new URL[] {Path.of(jar).toUri().toURL()},
                    ClassLoader.getPlatformClassLoader());
            Class<?> b = loader.loadClass("io.meshpulse.bench.ParserBenchmark");
            Class<?> p = loader.loadClass("io.meshpulse.topology.parse.AccessLogParser");
            bench = b.getConstructor().newInstance();
            b.getMethod("setUp").invoke(bench);
            scan = b.getMethod("newlineScan");
            parseAll = accessible(b.getDeclaredMethod("parseAll", p, byte[].class));
            parseAllByteLoop = accessible(b.getDeclaredMethod("parseAllByteLoop", p, byte[].class));
            Method view;
            try {
                view = accessible(b.getDeclaredMethod("parseAllView", p, byte[].class));
            } catch (NoSuchMethodException older) {
                view = null;
            }
            parseAllView = view;
            regex = accessible(loader.loadClass("io.meshpulse.bench.ParserCpuRatio")
                    .getDeclaredMethod("regex", Matcher.class, String[].class));
            parser = p.getConstructor().newInstance();
            text = (byte[]) accessible(b.getDeclaredMethod("textBytes")).invoke(bench);
            json = (byte[]) accessible(b.getDeclaredMethod("jsonBytes")).invoke(bench);
            lines = (String[]) accessible(b.getDeclaredMethod("textLines")).invoke(bench);
            Field pattern = b.getDeclaredField("TEXT_1_9");
            pattern.setAccessible(true);
            matcher = ((Pattern) pattern.get(null)).matcher("");
        }

        private static Method accessible(Method m) {
            m.setAccessible(true);
            return m;
        }

        void round(ThreadMXBean mx) throws ReflectiveOperationException {
            long t0 = mx.getCurrentThreadCpuTime();
            sink = scan.invoke(bench);
            long t1 = mx.getCurrentThreadCpuTime();
            sink = regex.invoke(null, matcher, lines);
            long t2 = mx.getCurrentThreadCpuTime();
            sink = parseAll.invoke(null, parser, text);
            long t3 = mx.getCurrentThreadCpuTime();
            sink = parseAll.invoke(null, parser, json);
            long t4 = mx.getCurrentThreadCpuTime();
            sink = parseAllByteLoop.invoke(null, parser, text);
            long t5 = mx.getCurrentThreadCpuTime();
            if (parseAllView != null) sink = parseAllView.invoke(null, parser, text);
            long t6 = mx.getCurrentThreadCpuTime();
            cpu[5] += t6 - t5;
            cpu[0] += t1 - t0;
            cpu[1] += t2 - t1;
            cpu[2] += t3 - t2;
            cpu[3] += t4 - t3;
            cpu[4] += t5 - t4;
        }
    }

    public static void main(String[] args) throws Exception {
        if (args.length < 2) {
            System.err.println("usage: ParserBuildsCpuRatio SECONDS BENCHMARKS_JAR...");
            System.exit(2);
        }
        int seconds = Integer.parseInt(args[0]);
        List<Build> builds = new ArrayList<>();
        for (int i = 1; i < args.length; i++) builds.add(new Build(args[i]));
        ThreadMXBean mx = ManagementFactory.getThreadMXBean();
        long rounds = 0;
        long start = System.nanoTime();
        long warmEnd = start + seconds * 1_000_000_000L / 3;
        long end = start + seconds * 1_000_000_000L;
        boolean warm = false;
        while (System.nanoTime() < end) {
            if (!warm && System.nanoTime() > warmEnd) {
                warm = true;
                for (Build b : builds) Arrays.fill(b.cpu, 0);
                rounds = 0;
            }
            for (int k = 0; k < builds.size(); k++) {
                builds.get((rounds & 1) == 0 ? k : builds.size() - 1 - k).round(mx);
            }
            rounds++;
        }
        System.out.printf("%d rounds of %d lines after %d s of warm-up; CPU ns per line:%n", rounds,
                ParserBenchmark.LINES, seconds / 3);
        double lines = rounds * (double) ParserBenchmark.LINES;
        for (Build b : builds) {
            System.out.printf("%s%n  newlineScan %.1f, regexText %.1f, parseText %.1f, parseJson %.1f, parseText* %.1f"
                    + "%n  parseText / newlineScan = %.3f, parseText / regexText = %.2f%n", b.name,
                    b.cpu[0] / lines, b.cpu[1] / lines, b.cpu[2] / lines, b.cpu[3] / lines, b.cpu[4] / lines,
                    (double) b.cpu[0] / b.cpu[2], (double) b.cpu[1] / b.cpu[2]);
            if (b.parseAllView != null) {
                System.out.printf("  parseTextView %.1f; parseTextView / newlineScan = %.3f, parseTextView / regexText"
                        + " = %.2f%n", b.cpu[5] / lines, (double) b.cpu[0] / b.cpu[5], (double) b.cpu[1] / b.cpu[5]);
            }
        }
    }
}
