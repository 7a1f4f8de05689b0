package io.meshpulse.sim;

import java.util.List;
import java.util.SplittableRandom;

/** What requests look like on each edge: endpoints, user agents, latencies. Plausible, not exhaustive. */
final class Traffic {

    private Traffic() {}

    /** {@code path} may hold {id} {sku} {uuid} {hash} {page} {token} {date} placeholders. */
    record Endpoint(String method, String path, int code, double weight, int reqBytes, int respBytes) {}

    static final List<String> BROWSERS = List.of(
            "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36",
            "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Safari/605.1.15",
            "Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Mobile/15E148 Safari/604.1",
            "Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0",
            "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Mobile Safari/537.36",
            "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36 Edg/131.0.0.0");

    private static final String[] HTTP_UAS = {"Go-http-client/1.1", "Java-http-client/21.0.5", "python-requests/2.32.3",
        "okhttp/4.12.0", "axios/1.7.7", "ReactorNetty/1.1.22"};
    private static final String[] GRPC_UAS = {"grpc-go/1.68.1", "grpc-java-netty/1.66.0", "grpc-node-js/1.12.2",
        "grpc-dotnet/2.66.0 (.NET 8.0.11; CLR 8.0.11; net8.0; linux; x64)"};

    static String userAgent(MeshSpec.Workload caller, MeshSpec.Protocol protocol) {
        String n = caller.name();
        boolean grpc = protocol == MeshSpec.Protocol.GRPC;
        return switch (n) {
            case "frontend" -> grpc ? "grpc-node-js/1.12.2" : "axios/1.7.7";
            case "checkout-api" -> grpc ? "grpc-java-netty/1.66.0" : "Java-http-client/17.0.13";
            case "payments-api" -> grpc ? "grpc-go/1.68.1" : "Go-http-client/1.1";
            case "legacy-reconciler" -> "python-requests/2.25.1";
            case "node-probe" -> "curl/8.11.1";
            default -> {
                int h = Math.floorMod(n.hashCode(), 1 << 16);
                yield grpc ? GRPC_UAS[h % GRPC_UAS.length] : HTTP_UAS[h % HTTP_UAS.length];
            }
        };
    }

    /** Median server latency in ms for a callee. */
    static double medianMillis(MeshSpec.Workload callee, SplittableRandom r) {
        return switch (callee.name()) {
            case "frontend" -> 28;
            case "checkout-api" -> 65;
            case "payments-api" -> 140;
            case "cart" -> 7;
            case "catalog" -> 5;
            default -> 3 + r.nextInt(40);
        };
    }

    static List<Endpoint> endpoints(MeshSpec.Workload caller, MeshSpec.Workload callee) {
        if (caller.name().equals("node-probe")) {
            return List.of(new Endpoint("GET", "/healthz", 200, 1, 0, 15));
        }
        if (caller.name().equals("legacy-reconciler")) {
            return List.of(new Endpoint("GET",
                    "/v1/payments/export?since={date}&page={page}&access_token={token}", 200, 1, 0, 48_000));
        }
        if (callee.protocol() == MeshSpec.Protocol.GRPC) {
            String svc = "/" + callee.name().replace("-", "") + ".v1." + capital(callee.name()) + "Service/";
            if (caller.name().equals("checkout-api")) {
                return List.of(new Endpoint("POST", svc + "ReserveStock", 200, 1, 120, 40));
            }
            return List.of(new Endpoint("POST", svc + "GetProduct", 200, 6, 28, 640),
                    new Endpoint("POST", svc + "ListProducts", 200, 3, 40, 5_200),
                    new Endpoint("POST", svc + "SearchProducts", 200, 1, 60, 3_900));
        }
        if (caller.isGateway() && callee.name().equals("frontend")) {
            return List.of(new Endpoint("GET", "/", 200, 3, 0, 14_200),
                    new Endpoint("GET", "/products/{sku}", 200, 6, 0, 22_800),
                    new Endpoint("GET", "/cart", 200, 2, 0, 9_100),
                    new Endpoint("GET", "/static/js/main.{hash}.js", 304, 3, 0, 0),
                    new Endpoint("GET", "/static/css/site.{hash}.css", 304, 2, 0, 0),
                    new Endpoint("GET", "/api/recommendations?sku={sku}", 200, 2, 0, 2_300),
                    new Endpoint("POST", "/cart/items", 201, 1, 180, 310),
                    new Endpoint("GET", "/favicon.ico", 200, 0.5, 0, 4_286));
        }
        return switch (callee.name()) {
            case "checkout-api" -> List.of(new Endpoint("POST", "/api/v1/checkout", 201, 2, 1_450, 620),
                    new Endpoint("GET", "/api/v1/orders/{id}", 200, 3, 0, 1_830),
                    new Endpoint("GET", "/api/v1/orders?page={page}", 200, 1, 0, 12_400));
            case "payments-api" -> List.of(new Endpoint("POST", "/v1/payments", 201, 3, 880, 512),
                    new Endpoint("POST", "/v1/payments/{id}/capture", 200, 2, 96, 498),
                    new Endpoint("GET", "/v1/payments/{id}", 200, 1, 0, 505));
            case "cart" -> caller.name().equals("checkout-api")
                    ? List.of(new Endpoint("GET", "/v1/carts/{uuid}", 200, 2, 0, 1_240),
                    new Endpoint("DELETE", "/v1/carts/{uuid}", 204, 1, 0, 0))
                    : List.of(new Endpoint("GET", "/v1/carts/{uuid}", 200, 5, 0, 1_240),
                    new Endpoint("POST", "/v1/carts/{uuid}/items", 201, 2, 140, 1_310),
                    new Endpoint("DELETE", "/v1/carts/{uuid}/items/{sku}", 204, 1, 0, 0));
            default -> {
                String base = "/api/v1/" + (callee.service() == null ? callee.name() : callee.service());
                yield List.of(new Endpoint("GET", base + "/items/{id}", 200, 6, 0, 860),
                        new Endpoint("GET", base + "/items?page={page}", 200, 2, 0, 7_400),
                        new Endpoint("POST", base + "/items", 201, 1, 420, 380),
                        new Endpoint("PUT", base + "/items/{id}", 204, 1, 390, 0));
            }
        };
    }

    private static String capital(String s) {
        StringBuilder sb = new StringBuilder();
        for (String part : s.split("-")) {
            if (!part.isEmpty()) sb.append(Character.toUpperCase(part.charAt(0))).append(part.substring(1));
        }
        return sb.toString();
    }

    static final String[] TAX_PATHS = {"/v2/rates?postal_code=98052&country=US", "/v2/rates?postal_code=10115&country=DE",
        "/v2/rates?postal_code=75001&country=FR", "/v2/rates?postal_code=SW1A1AA&country=GB"};
}
