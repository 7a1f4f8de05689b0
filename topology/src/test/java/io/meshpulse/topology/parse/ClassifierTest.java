package io.meshpulse.topology.parse;

import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class ClassifierTest {

    private static final String OUT = "outbound|9080||reviews.default.svc.cluster.local";

    @ParameterizedTest(name = "[{index}] {0}")
    @CsvSource(delimiter = ';', nullValues = "null", textBlock = """
        # case                          ; code; flags     ; details                                                                   ; termination                           ; cluster               ; route    ; class          ; cause                     ; policy
        success                         ; 200 ; -         ; via_upstream                                                              ; null                                  ; OUT                   ; default  ; NONE           ; via_upstream              ; null
        UF then URX                     ; 503 ; UF,URX    ; upstream_reset_before_response_started{connection_failure}                ; null                                  ; OUT                   ; default  ; UF             ; connection_failure        ; null
        URX then UF                     ; 503 ; URX,UF    ; upstream_reset_before_response_started{remote_connection_failure|delayed_connect_error:_Connection_refused} ; null ; OUT ; default ; UF ; remote_connection_failure ; null
        URX alone                       ; 503 ; URX       ; via_upstream                                                              ; null                                  ; OUT                   ; default  ; URX            ; via_upstream              ; null
        DI is not a failure             ; 200 ; DI        ; via_upstream                                                              ; null                                  ; OUT                   ; default  ; DI             ; via_upstream              ; null
        UC termination                  ; 503 ; UC        ; upstream_reset_before_response_started{connection_termination}            ; null                                  ; OUT                   ; default  ; UC             ; connection_termination    ; null
        UO overflow                     ; 503 ; UO        ; upstream_reset_before_response_started{overflow}                          ; null                                  ; OUT                   ; default  ; UO             ; overflow                  ; null
        UT timeout                      ; 504 ; UT        ; response_timeout                                                          ; null                                  ; OUT                   ; default  ; UT             ; response_timeout          ; null
        UH no healthy                   ; 503 ; UH        ; no_healthy_upstream                                                       ; null                                  ; OUT                   ; default  ; UH             ; no_healthy_upstream       ; null
        old local reset with space      ; 503 ; LR        ; upstream_reset_before_response_started{local reset}                       ; null                                  ; OUT                   ; default  ; LR             ; local_reset               ; null
        UR after headers                ; 200 ; UR        ; upstream_reset_after_response_started{remote_reset}                       ; null                                  ; OUT                   ; default  ; UR             ; remote_reset              ; null
        UPE protocol error              ; 502 ; UPE       ; upstream_reset_after_response_started{protocol_error}                     ; null                                  ; OUT                   ; default  ; UPE            ; protocol_error            ; null
        connection timeout              ; 503 ; UF        ; upstream_reset_before_response_started{connection_timeout}                ; null                                  ; OUT                   ; default  ; UF             ; connection_timeout        ; null
        404 NR no route                 ; 404 ; NR        ; route_not_found                                                           ; null                                  ; null                  ; null     ; NR             ; route_not_found           ; null
        0 NR no filter chain            ; 0   ; NR        ; filter_chain_not_found                                                    ; null                                  ; null                  ; null     ; NR             ; filter_chain_not_found    ; null
        503 NC no cluster               ; 503 ; NC        ; cluster_not_found                                                         ; null                                  ; outbound|80||gone.ns.svc.cluster.local ; default ; NC  ; cluster_not_found         ; null
        403 RBAC with policy            ; 403 ; -         ; rbac_access_denied_matched_policy[ns[istio-system]-policy[external-deny-developer-yahoo-com]-rule[0]] ; null ; inbound|9080|| ; default ; RBAC ; rbac_access_denied ; istio-system/external-deny-developer-yahoo-com
        403 RBAC default deny           ; 403 ; -         ; rbac_access_denied_matched_policy[none]                                   ; null                                  ; inbound|9080||        ; default  ; RBAC           ; rbac_access_denied        ; null
        TCP RBAC via termination        ; 0   ; -         ; null                                                                      ; rbac_access_denied_matched_policy[ns[db]-policy[deny-all]-rule[0]] ; inbound|3306|| ; null ; RBAC ; rbac_access_denied ; db/deny-all
        TCP RBAC default deny           ; 0   ; -         ; null                                                                      ; rbac_access_denied_matched_policy[none] ; inbound|3306||      ; null     ; RBAC           ; rbac_access_denied        ; null
        RBAC beats a flag               ; 403 ; DC        ; rbac_access_denied_matched_policy[none]                                   ; null                                  ; inbound|9080||        ; default  ; RBAC           ; rbac_access_denied        ; null
        502 direct_response block_all   ; 502 ; -         ; direct_response                                                           ; null                                  ; null                  ; block_all; EGRESS_BLOCKED ; direct_response           ; null
        direct_response elsewhere       ; 502 ; -         ; direct_response                                                           ; null                                  ; null                  ; custom   ; APP_5XX        ; direct_response           ; null
        BlackHoleCluster UH             ; 0   ; UH        ; null                                                                      ; null                                  ; BlackHoleCluster      ; null     ; EGRESS_BLOCKED ; null                      ; null
        BlackHole beats RBAC            ; 0   ; -         ; null                                                                      ; rbac_access_denied_matched_policy[none] ; BlackHoleCluster    ; null     ; EGRESS_BLOCKED ; rbac_access_denied        ; null
        ext_authz                       ; 403 ; UAEX      ; ext_authz_denied                                                          ; null                                  ; inbound|9080||        ; default  ; UAEX           ; ext_authz_denied          ; null
        local rate limit                ; 429 ; RL        ; local_rate_limited                                                        ; null                                  ; inbound|9080||        ; default  ; RL             ; local_rate_limited        ; null
        downstream disconnect           ; 0   ; DC        ; downstream_remote_disconnect                                              ; null                                  ; OUT                   ; default  ; DC             ; downstream_remote_disconnect ; null
        503 no flags                    ; 503 ; -         ; via_upstream                                                              ; null                                  ; OUT                   ; default  ; APP_5XX        ; via_upstream              ; null
        404 no flags                    ; 404 ; -         ; via_upstream                                                              ; null                                  ; OUT                   ; default  ; APP_4XX        ; via_upstream              ; null
        unknown flag                    ; 503 ; XYZ       ; via_upstream                                                              ; null                                  ; OUT                   ; default  ; XYZ            ; via_upstream              ; null
        known flag beats unknown        ; 503 ; XYZ,URX   ; via_upstream                                                              ; null                                  ; OUT                   ; default  ; URX            ; via_upstream              ; null
        first of several unknown        ; 503 ; QQ,XYZ    ; via_upstream                                                              ; null                                  ; OUT                   ; default  ; QQ             ; via_upstream              ; null
        priority UH over UT             ; 504 ; UT,UH     ; response_timeout                                                          ; null                                  ; OUT                   ; default  ; UH             ; response_timeout          ; null
        200 with UH (gRPC trailers)     ; 200 ; UH        ; no_healthy_upstream                                                       ; null                                  ; OUT                   ; default  ; UH             ; no_healthy_upstream       ; null
        TCP success                     ; 0   ; -         ; null                                                                      ; null                                  ; OUT                   ; null     ; NONE           ; null                      ; null
        cause from termination details  ; 0   ; -         ; null                                                                      ; upstream_connection_closed            ; OUT                   ; null     ; NONE           ; upstream_connection_closed ; null
        """)
    void classifiesByTheFirstRuleThatApplies(String name, int code, String flags, String details, String termination,
                                             String cluster, String route, String failureClass, String cause,
                                             String policy) {
        List<String> flagList = flags.equals("-") ? List.of() : Arrays.asList(flags.split(","));
        String c = "OUT".equals(cluster) ? OUT : cluster;
        Classifier.Classification result = Classifier.classify(code, flagList, details, termination, c, route);
        assertAll(
                () -> assertEquals(failureClass, result.failureClass(), "class"),
                () -> assertEquals(cause, result.cause(), "cause"),
                () -> assertEquals(policy, result.rbacPolicy(), "rbacPolicy"));
    }

    @ParameterizedTest(name = "[{index}] {0} / {1} / {4} -> {5}")
    @CsvSource(delimiter = ';', nullValues = "null", textBlock = """
        outbound|80||a.ns.svc.cluster.local       ; default    ; -  ; via_upstream           ; null ; OUTBOUND
        inbound|8080||                            ; default    ; -  ; via_upstream           ; null ; INBOUND
        inbound|9080|http|reviews.ns.svc.cluster.local ; null  ; -  ; via_upstream           ; null ; INBOUND
        inbound-vip|9080|http|ratings.ns.svc.cluster.local ; default ; - ; via_upstream      ; null ; INBOUND
        InboundPassthroughClusterIpv4             ; null       ; -  ; null                   ; null ; INBOUND
        InboundPassthroughCluster                 ; null       ; -  ; null                   ; null ; INBOUND
        PassthroughCluster                        ; allow_any  ; -  ; via_upstream           ; null ; OUTBOUND
        BlackHoleCluster                          ; null       ; UH ; null                   ; null ; OUTBOUND
        AllowAnyDynamicDNSCluster                 ; null       ; -  ; via_upstream           ; null ; OUTBOUND
        null                                      ; block_all  ; -  ; direct_response        ; null ; OUTBOUND
        null                                      ; allow_any  ; -  ; via_upstream           ; null ; OUTBOUND
        null                                      ; null       ; NR ; route_not_found        ; null ; OUTBOUND
        null                                      ; null       ; NR ; filter_chain_not_found ; null ; INBOUND
        httproute/default/web/rule/0              ; null       ; -  ; via_upstream           ; null ; UNKNOWN
        null                                      ; null       ; -  ; null                   ; null ; UNKNOWN
        null                                      ; null       ; -  ; null                   ; outbound_.5432_._.db.shop.svc.cluster.local ; INBOUND
        null                                      ; null       ; -  ; null                   ; api.example.com ; UNKNOWN
        outbound_.15443_._.a.ns.svc.cluster.local ; null       ; -  ; null                   ; outbound_.80_._.a.ns.svc.cluster.local ; UNKNOWN
        outbound|80||a.ns.svc.cluster.local       ; null       ; -  ; null                   ; outbound_.80_._.a.ns.svc.cluster.local ; OUTBOUND
        null                                      ; block_all  ; -  ; direct_response        ; outbound_.80_._.a.ns.svc.cluster.local ; OUTBOUND
        """)
    void tellsDirection(String cluster, String route, String flags, String details, String sni, Direction expected) {
        List<String> flagList = flags.equals("-") ? List.of() : List.of(flags);
        assertEquals(expected, Classifier.direction(cluster, route, flagList, details, sni));
    }

    @Test
    void failureFlagsFollowTheFailureClassRule() {
        assertTrue(FailureClass.isFailure("UF"));
        assertTrue(FailureClass.isFailure("XYZ"));
        assertTrue(FailureClass.isFailure(FailureClass.RBAC));
        assertFalse(FailureClass.isFailure(FailureClass.DI));
        assertFalse(FailureClass.isFailure(FailureClass.APP_4XX));
        assertFalse(FailureClass.isFailure(FailureClass.NONE));
    }

    @Test
    void readsRbacPolicyShapes() {
        assertEquals("ns-a/p.b-c", Classifier.rbacPolicy("rbac_access_denied_matched_policy[ns[ns-a]-policy[p.b-c]-rule[12]]"));
        assertNull(Classifier.rbacPolicy("rbac_access_denied_matched_policy[none]"));
        assertNull(Classifier.rbacPolicy("rbac_access_denied_matched_policy[something-else]"));
        assertNull(Classifier.rbacPolicy("via_upstream"));
        assertNull(Classifier.rbacPolicy(null));
    }

    @Test
    void reclassifiesARecord() {
        AccessLogRecord parsed = ((ParseResult.Parsed) new AccessLogParser().parse(AccessLogParserTextTest.a19(
                "503", "UO", "upstream_reset_before_response_started{overflow}", OUT, "default"))).record();
        AccessLogRecord again = Classifier.classify(parsed);
        assertEquals(parsed, again);
    }
}
