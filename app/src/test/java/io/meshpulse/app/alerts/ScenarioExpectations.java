package io.meshpulse.app.alerts;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.meshpulse.model.Alert;
import io.meshpulse.model.ServiceRef;
import io.meshpulse.sim.Scenario;
import java.util.List;

/** What each fire drill's alert must say: its catalog entry (by title), evidence and rendered commands. */
final class ScenarioExpectations {
    private ScenarioExpectations() {}

    static void check(Scenario sc, Alert a) {
        Alert.Diagnosis d = a.diagnosis();
        String evidence = String.join("\n", d.evidence());
        String commands = String.join("\n", d.commands());
        String fix = String.join("\n", d.fix());
        String all = d.title() + "\n" + d.summary() + "\n" + evidence + "\n" + commands + "\n" + fix;
        switch (sc.name()) {
            case "uc-client-tls-disable" -> {
                title(d, "Client sends plaintext to an mTLS-only server");
                has(evidence, "closed", "with NR filter_chain_not_found");
                has(commands, "kubectl get destinationrule -A -o yaml | grep -B8 -A3 'mode: DISABLE'");
                has(commands, "istioctl --istioNamespace aks-istio-system proxy-config cluster $(kubectl get pod -n checkout -l app=checkout-api -o jsonpath='{.items[0].metadata.name}') -n checkout --fqdn payments-api.checkout.svc.cluster.local");
                has(fix, "tls.mode: ISTIO_MUTUAL");
                has(d.summary(), "checkout/checkout-api → checkout/payments-api");
                assertEquals("critical", a.severity(), "60% failing is critical");
            }
            case "uc-connection-termination" -> {
                title(d, "Upstream closes connections mid-request");
                has(evidence, "logged no filter_chain_not_found");
                has(commands, "kubectl logs -n web deploy/frontend -c istio-proxy");
            }
            case "uf-connect-failure" -> {
                title(d, "Upstream refuses connections");
                has(commands, "kubectl get endpoints -n store cart -o wide");
            }
            case "uh-no-healthy-upstream" -> {
                title(d, "No healthy upstream");
                has(evidence, "2 of 2 callers of cart.store.svc.cluster.local see UH");
                has(d.summary(), "Most likely: cart has no ready endpoints");
                has(commands, "kubectl get endpoints -n store cart");
                assertEquals("critical", a.severity());
            }
            case "uh-one-caller" -> {
                title(d, "No healthy upstream");
                has(evidence, "Only checkout/checkout-api sees UH");
                has(d.summary(), "Most likely: This caller's proxy ejected the endpoints");
                has(commands, "istioctl --istioNamespace aks-istio-system proxy-config endpoint $(kubectl get pod -n checkout -l app=checkout-api");
                has(commands, "--cluster 'outbound|8080||cart.store.svc.cluster.local'");
            }
            case "urx-retries-exhausted" -> title(d, "Retries exhausted");
            case "ut-upstream-timeout" -> {
                title(d, "Upstream request timeout");
                has(evidence, "ending DC (the client hung up)");
                has(d.summary(), "Most likely: checkout-api became slow");
            }
            case "uo-overflow" -> {
                title(d, "Circuit breaker open");
                has(commands, "grep -A12 circuitBreakers");
            }
            case "nr-filter-chain-uninjected-client" -> {
                title(d, "A caller without a sidecar hits an mTLS-only server");
                has(evidence, "has no sidecar of its own");
                has(commands, "kubectl get pods -A -o wide --field-selector status.podIP=" + a.source().workload());
                has(commands, "ASM_REV=$(kubectl get deploy -n aks-istio-system -l app=istiod");
                has(fix, "kubectl label namespace <caller-namespace> istio.io/rev=${ASM_REV} --overwrite");
                has(fix, "kubectl rollout restart deployment -n <caller-namespace>");
                has(fix, "portLevelMtls sets port 8080 (the container port"); // from the refused connections' address
                assertEquals(new ServiceRef("checkout", "payments-api.checkout.svc.cluster.local", "payments-api"),
                        a.destination(), "the service payments-api's other inbound lines name");
                assertTrue(a.source().namespace() == null && a.source().workload().startsWith("10."), "caller is a bare IP");
            }
            case "nr-filter-chain-plaintext" -> {
                title(d, "Server rejects plaintext on an mTLS-only port");
                has(evidence, "is a meshed workload");
                has(commands, "kubectl get peerauthentication -A");
            }
            case "nr-route-not-found" -> {
                title(d, "No route configured");
                has(commands, "kubectl get virtualservice -A -o yaml | grep -B3 -A12 'checkout-api'");
            }
            case "nc-cluster-not-found" -> {
                title(d, "Route points to an unknown cluster");
                has(commands, "istioctl --istioNamespace aks-istio-system analyze -n store");
            }
            case "rbac-deny-policy" -> {
                title(d, "Denied by an AuthorizationPolicy (deny-checkout-api)");
                has(evidence, "The denials name the policy store/deny-checkout-api");
                has(commands, "kubectl get authorizationpolicy -n store deny-checkout-api -o yaml");
                assertTrue(a.exemplars().stream().anyMatch(x -> x.contains("rbac_access_denied_matched_policy[ns[store]-policy[deny-checkout-api]")),
                        "exemplar lines carry the denial: " + a.exemplars());
                has(commands, "kubectl logs -n store deploy/cart -c istio-proxy --since=10m | grep rbac_access_denied");
            }
            case "rbac-allow-default-deny" -> {
                title(d, "Caller not allowed by any ALLOW policy");
                has(evidence, "The denials match no policy ([none])");
                has(fix, "cluster.local/ns/checkout/sa/<service-account>");
                has(commands, "istioctl --istioNamespace aks-istio-system x authz check");
            }
            case "uaex-ext-authz-denied" -> {
                title(d, "Denied by the external authorizer");
                has(commands, "kubectl get configmap -n aks-istio-system istio-shared-configmap-${ASM_REV} -o yaml | grep -A8 extensionProviders");
            }
            case "rl-rate-limited" -> title(d, "Rate limited");
            case "dc-downstream-disconnect" -> title(d, "Callers hang up before the answer");
            case "egress-blocked" -> {
                title(d, "External host blocked by REGISTRY_ONLY");
                has(evidence, "BlackHoleCluster");
                has(commands, "kubectl get serviceentry -A | grep -i 'api.stripe.com'");
                has(commands, "kubectl exec -n checkout deploy/payments-api -c istio-proxy -- curl -sS -o /dev/null -w '%{http_code}\\n' https://api.stripe.com");
                has(fix, "ServiceEntry for api.stripe.com");
                assertEquals("critical", a.severity());
            }
            case "fault-injection" -> {
                title(d, "Fault injection is active (FI)");
                assertEquals("info", a.severity());
            }
            case "app-5xx" -> {
                title(d, "The application answers 5xx");
                has(evidence, "logged the same 5xx answers itself");
                has(commands, "kubectl rollout history deployment/checkout-api -n checkout");
            }
            case "egress-audit" -> {
                title(d, "External host that REGISTRY_ONLY would block");
                assertEquals("info", a.severity());
                has(commands, "kubectl get configmap -n aks-istio-system istio-shared-configmap-${ASM_REV} -o yaml | grep -A2 outboundTrafficPolicy");
            }
            case "traffic-silence" -> {
                title(d, "Steady traffic stopped");
                assertEquals("critical", a.severity());
            }
            case "slo-burn" -> {
                title(d, "Error budget burning fast for cart.store.svc.cluster.local");
                has(d.summary(), "against a 99.9% success objective");
                assertEquals("critical", a.severity());
            }
            case "generic-failure" -> title(d, "Failure spike (UPE)");
            default -> throw new AssertionError("no expectations for scenario " + sc.name());
        }
        assertTrue(!all.contains("{") || all.contains("{.") || all.contains("{http_code}"), "unrendered placeholder:\n" + all);
    }

    static void title(Alert.Diagnosis d, String part) {
        assertTrue(d.title().contains(part), "title '" + d.title() + "' should contain '" + part + "'");
    }

    static void has(String text, String... parts) {
        for (String p : parts) assertTrue(text.contains(p), "expected '" + p + "' in:\n" + text);
    }

    static List<String> none() {
        return List.of();
    }
}
