package io.meshpulse.app.serve;

import java.util.function.Predicate;

/**
 * Matches pair keys ({@code reporter|srcNs/srcWl|dstNs/dstSvc/dstWl}) against what an SRE types: a workload as
 * {@code namespace/name} or {@code name.namespace} (Kiali's way) or a bare {@code name}; on the destination side
 * the name may be the workload, the service's short name or its FQDN.
 */
final class PairMatch {
    private PairMatch() {}

    record Key(String reporter, String srcNs, String srcWl, String dstNs, String dstSvc, String dstWl) {
        static Key parse(String key) {
            String[] p = key.split("\\|", -1);
            if (p.length != 3) throw new Params.BadRequest("not a pair key (reporter|srcNs/srcWorkload|dstNs/dstService/dstWorkload): " + key);
            String[] s = p[1].split("/", 2);
            String[] d = p[2].split("/", 3);
            if (s.length != 2 || d.length != 3) throw new Params.BadRequest("not a pair key: " + key);
            return new Key(p[0], s[0], s[1], d[0], d[1], d[2]);
        }
    }

    record Ref(String namespace, String name) {
        static Ref parse(String s) {
            int slash = s.indexOf('/');
            if (slash >= 0) return new Ref(s.substring(0, slash), s.substring(slash + 1));
            int dot = s.lastIndexOf('.');
            if (dot > 0 && !s.contains(".svc")) return new Ref(s.substring(dot + 1), s.substring(0, dot));
            return new Ref(null, s);
        }
    }

    static Predicate<String> pair(String source, String destination, String reporter) {
        Ref src = source == null ? null : Ref.parse(source);
        Ref dst = destination == null ? null : Ref.parse(destination);
        return key -> {
            Key k;
            try {
                k = Key.parse(key);
            } catch (Params.BadRequest e) {
                return false;
            }
            if (reporter != null && !reporter.equals(k.reporter())) return false;
            if (src != null && !(src.name().equals(k.srcWl()) && (src.namespace() == null || src.namespace().equals(k.srcNs())))) {
                return false;
            }
            if (dst != null) {
                boolean ns = dst.namespace() == null || dst.namespace().equals(k.dstNs());
                String svc = k.dstSvc();
                boolean name = dst.name().equals(k.dstWl()) || dst.name().equals(svc) || svc.startsWith(dst.name() + ".");
                if (!(ns && name) && !dst.name().equals(svc)) return false;
            }
            return true;
        };
    }

    /** Keys whose source or destination is in {@code namespace}, of {@code reporter}; null parts match all. */
    static Predicate<String> scope(String namespace, String reporter) {
        return key -> {
            if (namespace == null && reporter == null) return true;
            Key k;
            try {
                k = Key.parse(key);
            } catch (Params.BadRequest e) {
                return false;
            }
            if (reporter != null && !reporter.equals(k.reporter())) return false;
            return namespace == null || namespace.equals(k.srcNs()) || namespace.equals(k.dstNs());
        };
    }
}
