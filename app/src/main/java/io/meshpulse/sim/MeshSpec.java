package io.meshpulse.sim;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.SplittableRandom;

/**
 * The mesh to simulate: namespaces, workloads (each fronted by at most one Service), the call graph between
 * them and calls leaving the mesh.
 *
 * <p>Workloads are addressed as {@code namespace/name}; services as {@code namespace/service}. A workload's
 * pods serve its service. The ingress gateway is an ordinary workload with {@link Role#INGRESS_GATEWAY}: its
 * calls are the requests that arrive from the internet at {@link #ingressHost()}.
 *
 * @param name          a label written into truth.json
 * @param istioRevision AKS add-on revision, e.g. {@code asm-1-24} (used in pod names and istiod addresses)
 * @param ingressHost   public host name the gateway serves (authority and SNI of its lines)
 * @param namespaces    every namespace used by a workload
 * @param workloads     the workloads
 * @param calls         caller workload → callee service, in requests per second (connections per second for TCP)
 * @param externalCalls calls from a workload to a host outside the mesh
 */
public record MeshSpec(String name, String istioRevision, String ingressHost, List<String> namespaces,
                       List<Workload> workloads, List<Call> calls, List<ExternalCall> externalCalls) {

    public static final String INGRESS_NAMESPACE = "aks-istio-ingress";

    public enum Kind { DEPLOYMENT, STATEFUL_SET, DAEMON_SET }

    /** HTTP and GRPC produce request lines; TCP produces one {@code "- - -"} line per closed connection. */
    public enum Protocol { HTTP, GRPC, TCP }

    public enum Role { APP, INGRESS_GATEWAY }

    /**
     * @param service    the Kubernetes Service name in front of the pods, or null when nothing calls it
     * @param port       the Service port
     * @param targetPort the container port
     * @param injected   the pod has an istio-proxy sidecar (gateways always have istio-proxy)
     * @param jsonLogs   its proxy writes the typed-era JSON encoding instead of TEXT
     */
    public record Workload(String namespace, String name, Kind kind, int replicas, String service, int port,
                           int targetPort, Protocol protocol, boolean injected, boolean jsonLogs, Role role) {
        public Workload {
            Objects.requireNonNull(namespace);
            Objects.requireNonNull(name);
            Objects.requireNonNull(kind);
            Objects.requireNonNull(protocol);
            Objects.requireNonNull(role);
            if (replicas < 1) throw new IllegalArgumentException("replicas < 1: " + name);
            if (role == Role.INGRESS_GATEWAY && !injected) throw new IllegalArgumentException("gateway has a proxy");
        }

        public static Workload deployment(String ns, String name, int replicas, String service, int port,
                                          int targetPort, Protocol protocol) {
            return new Workload(ns, name, Kind.DEPLOYMENT, replicas, service, port, targetPort, protocol, true,
                    false, Role.APP);
        }

        public Workload withJsonLogs(boolean json) {
            return new Workload(namespace, name, kind, replicas, service, port, targetPort, protocol, injected, json,
                    role);
        }

        public Workload withInjected(boolean inj) {
            return new Workload(namespace, name, kind, replicas, service, port, targetPort, protocol, inj, jsonLogs,
                    role);
        }

        public Workload withKind(Kind k) {
            return new Workload(namespace, name, k, replicas, service, port, targetPort, protocol, injected, jsonLogs,
                    role);
        }

        public String id() {
            return namespace + "/" + name;
        }

        /** FQDN of the service, e.g. {@code cart.store.svc.cluster.local}. */
        public String serviceFqdn() {
            return service == null ? null : service + "." + namespace + ".svc.cluster.local";
        }

        public boolean isGateway() {
            return role == Role.INGRESS_GATEWAY;
        }
    }

    /**
     * @param chronicUcFraction fraction of this edge's requests that fail all the time with {@code 503 UC}
     *                          (an upstream closing idle keep-alive connections), client side only
     */
    public record Call(String callerNamespace, String caller, String calleeNamespace, String calleeService,
                       double rps, double chronicUcFraction) {
        public Call(String callerNamespace, String caller, String calleeNamespace, String calleeService, double rps) {
            this(callerNamespace, caller, calleeNamespace, calleeService, rps, 0.0);
        }
    }

    /**
     * A call to a host outside the mesh. With {@code tls} the app speaks TLS itself and the sidecar passes it
     * through as TCP (SNI = host); otherwise it is plain HTTP. {@code blocked} means REGISTRY_ONLY without a
     * ServiceEntry: every call is black-holed (TCP) or answered {@code 502 direct_response} on route
     * {@code block_all} (HTTP). Otherwise ALLOW_ANY sends it to PassthroughCluster.
     */
    public record ExternalCall(String callerNamespace, String caller, String host, int port, boolean tls,
                               double rps, boolean blocked) {}

    public MeshSpec {
        namespaces = List.copyOf(namespaces);
        workloads = List.copyOf(workloads);
        calls = List.copyOf(calls);
        externalCalls = List.copyOf(externalCalls);
        validate(namespaces, workloads, calls, externalCalls);
    }

    private static void validate(List<String> namespaces, List<Workload> workloads, List<Call> calls,
                                 List<ExternalCall> externalCalls) {
        Set<String> ids = new HashSet<>();
        Set<String> services = new HashSet<>();
        for (Workload w : workloads) {
            if (!namespaces.contains(w.namespace())) throw new IllegalArgumentException("unknown namespace " + w.id());
            if (!ids.add(w.id())) throw new IllegalArgumentException("duplicate workload " + w.id());
            if (w.service() != null && !services.add(w.namespace() + "/" + w.service())) {
                throw new IllegalArgumentException("duplicate service " + w.namespace() + "/" + w.service());
            }
        }
        for (Call c : calls) {
            if (!ids.contains(c.callerNamespace() + "/" + c.caller())) {
                throw new IllegalArgumentException("unknown caller " + c);
            }
            if (!services.contains(c.calleeNamespace() + "/" + c.calleeService())) {
                throw new IllegalArgumentException("unknown callee service " + c);
            }
            if (c.rps() < 0) throw new IllegalArgumentException("negative rate " + c);
        }
        for (ExternalCall e : externalCalls) {
            if (!ids.contains(e.callerNamespace() + "/" + e.caller())) {
                throw new IllegalArgumentException("unknown caller " + e);
            }
            if (!e.host().contains(".")) throw new IllegalArgumentException("external host needs a dot: " + e);
        }
    }

    public Workload workload(String namespace, String name) {
        for (Workload w : workloads) {
            if (w.namespace().equals(namespace) && w.name().equals(name)) return w;
        }
        throw new IllegalArgumentException("no workload " + namespace + "/" + name);
    }

    /** The workload whose pods serve {@code namespace/service}. */
    public Workload serviceOwner(String namespace, String service) {
        for (Workload w : workloads) {
            if (w.namespace().equals(namespace) && service.equals(w.service())) return w;
        }
        throw new IllegalArgumentException("no service " + namespace + "/" + service);
    }

    public MeshSpec withCalls(List<Call> newCalls) {
        return new MeshSpec(name, istioRevision, ingressHost, namespaces, workloads, newCalls, externalCalls);
    }

    public MeshSpec withWorkloads(List<Workload> newWorkloads) {
        return new MeshSpec(name, istioRevision, ingressHost, namespaces, newWorkloads, calls, externalCalls);
    }

    // ------------------------------------------------------------------------------------------------------
    // Factories

    /** The ingress gateway Deployment of the AKS add-on, {@code aks-istio-ingressgateway-external-<rev>}. */
    public static Workload aksIngressGateway(String revision, int replicas) {
        return new Workload(INGRESS_NAMESPACE, "aks-istio-ingressgateway-external-" + revision, Kind.DEPLOYMENT,
                replicas, "aks-istio-ingressgateway-external", 443, 8443, Protocol.HTTP, true, false,
                Role.INGRESS_GATEWAY);
    }

    /**
     * A small online shop on AKS with the Istio add-on (revision asm-1-24): namespaces web, checkout, store, ops
     * and the ingress namespace. payments-api logs JSON; redis is a StatefulSet spoken to over TCP; node-probe is
     * a DaemonSet; legacy-reconciler has no sidecar (plaintext into payments-api, which is PERMISSIVE);
     * checkout-api → cart fails 1% of the time with UC (chronic); payments-api reaches api.stripe.com through
     * PassthroughCluster, checkout-api reaches a tax-rate partner over plain HTTP.
     */
    public static MeshSpec aksShop() {
        String rev = "asm-1-24";
        List<Workload> w = new ArrayList<>();
        w.add(aksIngressGateway(rev, 2));
        w.add(Workload.deployment("web", "frontend", 3, "frontend", 80, 8080, Protocol.HTTP));
        w.add(Workload.deployment("checkout", "checkout-api", 2, "checkout-api", 8080, 8080, Protocol.HTTP));
        w.add(Workload.deployment("checkout", "payments-api", 2, "payments-api", 8080, 8080, Protocol.HTTP)
                .withJsonLogs(true));
        w.add(Workload.deployment("store", "cart", 2, "cart", 8080, 8080, Protocol.HTTP));
        w.add(Workload.deployment("store", "catalog", 2, "catalog", 9090, 9090, Protocol.GRPC));
        w.add(Workload.deployment("store", "redis", 1, "redis", 6379, 6379, Protocol.TCP)
                .withKind(Kind.STATEFUL_SET));
        w.add(Workload.deployment("ops", "node-probe", 3, null, 0, 0, Protocol.HTTP).withKind(Kind.DAEMON_SET));
        w.add(Workload.deployment("ops", "legacy-reconciler", 1, null, 0, 0, Protocol.HTTP).withInjected(false));
        String gw = w.get(0).name();
        List<Call> c = new ArrayList<>();
        c.add(new Call(INGRESS_NAMESPACE, gw, "web", "frontend", 40));
        c.add(new Call(INGRESS_NAMESPACE, gw, "checkout", "checkout-api", 5));
        c.add(new Call("web", "frontend", "store", "catalog", 30));
        c.add(new Call("web", "frontend", "store", "cart", 15));
        c.add(new Call("web", "frontend", "checkout", "checkout-api", 4));
        c.add(new Call("checkout", "checkout-api", "checkout", "payments-api", 3));
        c.add(new Call("checkout", "checkout-api", "store", "cart", 3, 0.01));
        c.add(new Call("checkout", "checkout-api", "store", "catalog", 3));
        c.add(new Call("store", "cart", "store", "redis", 0.5));
        c.add(new Call("store", "catalog", "store", "redis", 0.3));
        c.add(new Call("ops", "legacy-reconciler", "checkout", "payments-api", 0.5));
        c.add(new Call("ops", "node-probe", "web", "frontend", 0.3));
        c.add(new Call("ops", "node-probe", "checkout", "checkout-api", 0.3));
        List<ExternalCall> e = List.of(
                new ExternalCall("checkout", "payments-api", "api.stripe.com", 443, true, 2.5, false),
                new ExternalCall("checkout", "checkout-api", "tax-rates.contoso-partner.com", 80, false, 1, false));
        return new MeshSpec("aksShop", rev, "shop.contoso.com",
                List.of(INGRESS_NAMESPACE, "web", "checkout", "store", "ops"), w, c, e);
    }

    private static final String[] DOMAINS = {"orders", "billing", "search", "identity", "inventory", "shipping",
            "reviews", "ads", "media", "notify", "pricing", "profile", "fraud", "ledger", "reports", "geo",
            "recs", "support", "loyalty", "tax"};
    private static final String[] ROLES = {"api", "worker", "gateway", "store", "indexer", "sync", "admin",
            "events", "cache", "query", "writer", "reader", "scheduler", "exporter", "proxy", "engine"};

    /**
     * A synthetic mesh for scale: {@code namespaces × workloadsPerNamespace} HTTP Deployments, each calling
     * {@code fanOut} distinct other services (one in four outside its namespace), at 0.2–2 requests/s per edge.
     * Every workload is injected (about one in twenty logs JSON); an ingress gateway calls a few workloads of the
     * first namespace. Distinct pairs ≈ 2 × workloads × fanOut (one per reporter) plus the gateway's.
     */
    public static MeshSpec synthetic(int namespaces, int workloadsPerNamespace, int fanOut, int replicas, long seed) {
        if (namespaces < 1 || workloadsPerNamespace < 1 || replicas < 1 || fanOut < 0) {
            throw new IllegalArgumentException("bad synthetic sizes");
        }
        int total = namespaces * workloadsPerNamespace;
        if (fanOut >= total) throw new IllegalArgumentException("fanOut must be < workloads");
        SplittableRandom r = new SplittableRandom(seed);
        String rev = "asm-1-24";
        List<String> ns = new ArrayList<>();
        ns.add(INGRESS_NAMESPACE);
        Set<String> usedNs = new HashSet<>();
        for (int i = 0; i < namespaces; i++) {
            String n = DOMAINS[i % DOMAINS.length] + (i < DOMAINS.length ? "" : "-" + (i / DOMAINS.length));
            if (!usedNs.add(n)) throw new IllegalStateException(n);
            ns.add(n);
        }
        List<Workload> ws = new ArrayList<>();
        Workload gw = aksIngressGateway(rev, Math.max(2, replicas));
        ws.add(gw);
        for (int i = 0; i < namespaces; i++) {
            String n = ns.get(i + 1);
            Set<String> names = new LinkedHashSet<>();
            int k = 0;
            while (names.size() < workloadsPerNamespace) {
                String base = DOMAINS[(i + k / ROLES.length) % DOMAINS.length] + "-" + ROLES[k % ROLES.length];
                String name = k < ROLES.length * DOMAINS.length ? base : base + "-" + (k / (ROLES.length * DOMAINS.length));
                names.add(name);
                k++;
            }
            for (String name : names) {
                boolean json = r.nextInt(20) == 0;
                ws.add(Workload.deployment(n, name, replicas, name, 8080, 8080, Protocol.HTTP).withJsonLogs(json));
            }
        }
        List<Call> calls = new ArrayList<>();
        List<Workload> apps = ws.subList(1, ws.size());
        for (int i = 0; i < apps.size(); i++) {
            Workload caller = apps.get(i);
            Set<Integer> callees = new HashSet<>();
            int nsIndex = i / workloadsPerNamespace;
            while (callees.size() < fanOut) {
                int j;
                if (r.nextInt(4) == 0 || workloadsPerNamespace <= fanOut + 1) {
                    j = r.nextInt(apps.size());
                } else {
                    j = nsIndex * workloadsPerNamespace + r.nextInt(workloadsPerNamespace);
                }
                if (j != i) callees.add(j);
            }
            for (int j : callees.stream().sorted().toList()) {
                Workload callee = apps.get(j);
                double rps = 0.2 + r.nextDouble() * 1.8;
                calls.add(new Call(caller.namespace(), caller.name(), callee.namespace(), callee.service(),
                        Math.round(rps * 100) / 100.0));
            }
        }
        for (int i = 0; i < Math.min(3, workloadsPerNamespace); i++) {
            Workload callee = apps.get(i);
            calls.add(new Call(INGRESS_NAMESPACE, gw.name(), callee.namespace(), callee.service(), 5));
        }
        return new MeshSpec("synthetic-" + namespaces + "x" + workloadsPerNamespace + "x" + fanOut + "x" + replicas,
                rev, "www.contoso-synthetic.com", ns, ws, calls, List.of());
    }
}
