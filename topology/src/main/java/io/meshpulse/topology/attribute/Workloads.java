package io.meshpulse.topology.attribute;

import java.util.HashMap;
import java.util.Map;

/**
 * Workload names from pod names, undoing the suffixes Kubernetes controllers append:
 * Deployment {@code name-<replicaset hash>-<5 chars>}, DaemonSet and Job {@code name-<5 chars>},
 * CronJob {@code name-<scheduled minute>-<5 chars>}, StatefulSet {@code name-<ordinal>}.
 * Random suffixes and ReplicaSet hashes use Kubernetes' "safe" alphabet (no vowels, no 0/1/3),
 * which is what lets us tell them apart from ordinary name parts.
 */
public final class Workloads {
    private static final String SAFE = "bcdfghjklmnpqrstvwxz2456789";
    private static final int CACHE_LIMIT = 200_000;

    private final Map<String, String> cache = new HashMap<>();

    /** Cached form of {@link #fromPod(String)}; one instance per processing thread. */
    public String of(String pod) {
        String w = cache.get(pod);
        if (w == null) {
            if (cache.size() >= CACHE_LIMIT) cache.clear();
            w = fromPod(pod);
            cache.put(pod, w);
        }
        return w;
    }

    public static String fromPod(String pod) {
        if (pod == null || pod.isEmpty()) return pod;
        int last = pod.lastIndexOf('-');
        if (last <= 0 || last == pod.length() - 1) return pod;
        String tail = pod.substring(last + 1);
        if (allDigits(tail)) {
            return pod.substring(0, last); // StatefulSet ordinal
        }
        if (tail.length() != 5 || !safe(tail)) return cutGeneratedName(pod); // a bare pod, or a long name cut short
        String rest = pod.substring(0, last);
        int prev = rest.lastIndexOf('-');
        if (prev <= 0) return rest;
        String hash = rest.substring(prev + 1);
        boolean replicaSetHash = hash.length() >= 6 && hash.length() <= 10 && safe(hash);
        boolean numericHash = hash.length() >= 8 && hash.length() <= 10 && allDigits(hash); // old RS hash, CronJob minute
        return replicaSetHash || numericHash ? rest.substring(0, prev) : rest;
    }

    /**
     * Kubernetes cuts a generated name's prefix to 58 characters before it adds the 5 random ones
     * (maxGeneratedNameLength), so the pods of a Deployment whose name is longer than about 45 characters are
     * exactly 63 characters long, with the ReplicaSet hash cut short and no dash before the random part, e.g.
     * {@code payment-reconciliation-worker-for-the-ledger-sync-r5mwxk7l} + {@code cctz9}. Without this, every such
     * pod became a workload of its own. A DaemonSet or Job cut short keeps its first 58 characters: that is as much
     * of its name as the pod carries.
     * <p>What is left after the last dash may be all digits: a hash cut to its first characters can be, since the
     * alphabet has seven digits (a cut to one character is, about one time in four), and a CronJob's Job
     * ({@code <cronjob>-<scheduled minute>}) cut inside the minute always is. Both are dropped, as they are when
     * nothing is cut ({@code cleanup-29395340-5m2x4} is {@code cleanup}). The price: a controller whose own name is
     * exactly 58 characters and ends in {@code -<digits>} loses that part, as one ending in another safe part such
     * as {@code -v2} already did.
     */
    private static String cutGeneratedName(String pod) {
        if (pod.length() != 63 || !safe(pod.substring(58))) return pod;
        String base = pod.substring(0, 58);
        if (base.endsWith("-")) base = base.substring(0, 57);
        int dash = base.lastIndexOf('-');
        if (dash > 0) {
            String part = base.substring(dash + 1);
            // what is left of a ReplicaSet hash (up to 10 safe characters) or of a CronJob's scheduled minute
            // (digits); a name part has vowels or 0/1/3
            if (!part.isEmpty() && part.length() <= 10 && (safe(part) || allDigits(part))) return base.substring(0, dash);
        }
        return base;
    }

    private static boolean safe(String s) {
        for (int i = 0; i < s.length(); i++) {
            if (SAFE.indexOf(s.charAt(i)) < 0) return false;
        }
        return true;
    }

    private static boolean allDigits(String s) {
        if (s.isEmpty()) return false;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c < '0' || c > '9') return false;
        }
        return true;
    }
}
