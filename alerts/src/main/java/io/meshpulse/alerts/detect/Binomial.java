package io.meshpulse.alerts.detect;

/** Binomial tail probabilities in log space, good for the n (up to millions) and tiny p of request counts. */
public final class Binomial {
    private static final double[] LANCZOS = {
        0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313,
        -176.61502916214059, 12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6,
        1.5056327351493116e-7};

    private Binomial() {}

    /** P(X ≥ k) for X ~ Binomial(n, p). */
    public static double upperTail(long k, long n, double p) {
        if (k <= 0) return 1.0;
        if (k > n) return 0.0;
        if (p <= 0) return 0.0;
        if (p >= 1) return 1.0;
        if (k <= n * p) return 1.0; // at or below the mean: not abnormal, and the sum would be long
        double lp = Math.log(p);
        double lq = Math.log1p(-p);
        double logFirst = logChoose(n, k) + k * lp + (n - k) * lq;
        // Terms fall geometrically past the mean; sum relative to the first term until they no longer matter.
        double sum = 1.0;
        double term = 1.0;
        for (long i = k; i < n; i++) {
            term *= (double) (n - i) / (i + 1) * (p / (1 - p));
            sum += term;
            if (term < sum * 1e-12) break;
        }
        return Math.min(1.0, Math.exp(logFirst + Math.log(sum)));
    }

    static double logChoose(long n, long k) {
        return logGamma(n + 1.0) - logGamma(k + 1.0) - logGamma(n - k + 1.0);
    }

    static double logGamma(double x) {
        if (x < 0.5) return Math.log(Math.PI / Math.abs(Math.sin(Math.PI * x))) - logGamma(1 - x);
        x -= 1;
        double a = LANCZOS[0];
        double t = x + 7.5;
        for (int i = 1; i < 9; i++) a += LANCZOS[i] / (x + i);
        return 0.5 * Math.log(2 * Math.PI) + (x + 0.5) * Math.log(t) - t + Math.log(a);
    }
}
