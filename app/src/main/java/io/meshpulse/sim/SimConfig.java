package io.meshpulse.sim;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Objects;

/**
 * How to run a simulation. Start times of generated requests lie in {@code [start, start + duration)}; lines are
 * written up to {@code maxLateness} later.
 *
 * @param rateMultiplier     scales every call rate of the spec
 * @param rotationBytes      kubelet containerLogMaxSize (default 10 MiB); a file is rotated once it reaches it
 * @param gzipRotated        compress every rotated file but the newest, as the kubelet does
 * @param slowFraction       fraction of ordinary requests with a long duration (2 s … maxLateness): late lines
 * @param maxLateness        the longest a request/connection line may be written after its start (must be &lt; 30 s)
 * @param noise              add istio-agent {@code info} and Envoy {@code warning} lines (a few per pod per minute)
 * @param noisePerPodPerMinute mean number of noise lines per proxy per minute
 * @param containerRestart   one sidecar restarts halfway: its later lines go to {@code 1.log}
 */
public record SimConfig(long seed, Instant start, Duration duration, double rateMultiplier, List<Incident> incidents,
                        long rotationBytes, boolean gzipRotated, double slowFraction, Duration maxLateness,
                        boolean noise, double noisePerPodPerMinute, boolean containerRestart) {

    public static final long KUBELET_MAX_SIZE = 10L * 1024 * 1024;
    public static final Duration DEFAULT_MAX_LATENESS = Duration.ofSeconds(20);
    public static final Duration GRACE = Duration.ofSeconds(30);

    public SimConfig {
        Objects.requireNonNull(start);
        Objects.requireNonNull(duration);
        incidents = List.copyOf(incidents);
        if (duration.isNegative() || duration.isZero()) throw new IllegalArgumentException("duration must be > 0");
        if (rateMultiplier < 0) throw new IllegalArgumentException("rateMultiplier < 0");
        if (rotationBytes < 1024) throw new IllegalArgumentException("rotationBytes < 1 KiB");
        if (slowFraction < 0 || slowFraction > 1) throw new IllegalArgumentException("slowFraction in [0,1]");
        if (maxLateness.compareTo(Duration.ofSeconds(3)) < 0 || maxLateness.compareTo(GRACE) >= 0) {
            throw new IllegalArgumentException("maxLateness must be in [3 s, 30 s): " + maxLateness);
        }
        for (Incident i : incidents) {
            if (i.kind() == Incident.Kind.UT_TIMEOUT && i.timeout().compareTo(maxLateness) > 0) {
                throw new IllegalArgumentException("UT timeout " + i.timeout() + " exceeds maxLateness " + maxLateness);
            }
        }
        if (noisePerPodPerMinute < 0) throw new IllegalArgumentException("noisePerPodPerMinute < 0");
    }

    /** Defaults: rate ×1, no incidents, 10 MiB rotation, gzip on, 0.2% slow requests, 20 s lateness, noise on. */
    public static SimConfig defaults(long seed, Instant start, Duration duration) {
        return new SimConfig(seed, start, duration, 1.0, List.of(), KUBELET_MAX_SIZE, true, 0.002,
                DEFAULT_MAX_LATENESS, true, 3.0, false);
    }

    public Instant end() {
        return start.plus(duration);
    }

    public SimConfig withRateMultiplier(double v) {
        return new SimConfig(seed, start, duration, v, incidents, rotationBytes, gzipRotated, slowFraction,
                maxLateness, noise, noisePerPodPerMinute, containerRestart);
    }

    public SimConfig withIncidents(List<Incident> v) {
        return new SimConfig(seed, start, duration, rateMultiplier, v, rotationBytes, gzipRotated, slowFraction,
                maxLateness, noise, noisePerPodPerMinute, containerRestart);
    }

    public SimConfig withRotation(long bytes, boolean gzip) {
        return new SimConfig(seed, start, duration, rateMultiplier, incidents, bytes, gzip, slowFraction,
                maxLateness, noise, noisePerPodPerMinute, containerRestart);
    }

    public SimConfig withSlow(double fraction, Duration lateness) {
        return new SimConfig(seed, start, duration, rateMultiplier, incidents, rotationBytes, gzipRotated, fraction,
                lateness, noise, noisePerPodPerMinute, containerRestart);
    }

    public SimConfig withNoise(boolean on) {
        return new SimConfig(seed, start, duration, rateMultiplier, incidents, rotationBytes, gzipRotated,
                slowFraction, maxLateness, on, noisePerPodPerMinute, containerRestart);
    }

    public SimConfig withNoise(boolean on, double perPodPerMinute) {
        return new SimConfig(seed, start, duration, rateMultiplier, incidents, rotationBytes, gzipRotated,
                slowFraction, maxLateness, on, perPodPerMinute, containerRestart);
    }

    public SimConfig withContainerRestart(boolean on) {
        return new SimConfig(seed, start, duration, rateMultiplier, incidents, rotationBytes, gzipRotated,
                slowFraction, maxLateness, noise, noisePerPodPerMinute, on);
    }

    public SimConfig withSeed(long s) {
        return new SimConfig(s, start, duration, rateMultiplier, incidents, rotationBytes, gzipRotated,
                slowFraction, maxLateness, noise, noisePerPodPerMinute, containerRestart);
    }
}
