package io.meshpulse.topology.parse;

import static io.meshpulse.topology.parse.TextLayout.Field.AUTH;
import static io.meshpulse.topology.parse.TextLayout.Field.CLUSTER;
import static io.meshpulse.topology.parse.TextLayout.Field.CODE;
import static io.meshpulse.topology.parse.TextLayout.Field.DETAILS;
import static io.meshpulse.topology.parse.TextLayout.Field.DLA;
import static io.meshpulse.topology.parse.TextLayout.Field.DRA;
import static io.meshpulse.topology.parse.TextLayout.Field.DUR;
import static io.meshpulse.topology.parse.TextLayout.Field.FLAGS;
import static io.meshpulse.topology.parse.TextLayout.Field.MIXER;
import static io.meshpulse.topology.parse.TextLayout.Field.REQ;
import static io.meshpulse.topology.parse.TextLayout.Field.RID;
import static io.meshpulse.topology.parse.TextLayout.Field.ROUTE;
import static io.meshpulse.topology.parse.TextLayout.Field.RX;
import static io.meshpulse.topology.parse.TextLayout.Field.SNI;
import static io.meshpulse.topology.parse.TextLayout.Field.TERM;
import static io.meshpulse.topology.parse.TextLayout.Field.TS;
import static io.meshpulse.topology.parse.TextLayout.Field.TX;
import static io.meshpulse.topology.parse.TextLayout.Field.UA;
import static io.meshpulse.topology.parse.TextLayout.Field.UHOST;
import static io.meshpulse.topology.parse.TextLayout.Field.ULA;
import static io.meshpulse.topology.parse.TextLayout.Field.UST;
import static io.meshpulse.topology.parse.TextLayout.Field.UTFR;
import static io.meshpulse.topology.parse.TextLayout.Field.XFF;

/**
 * The token sequences of Istio's default TEXT access-log formats, one constant per layout that shipped.
 * A token is a {@code [...]} timestamp, a {@code "..."} quoted value, or a run of non-space characters.
 * Lines may carry extra tokens after the layout's last field (custom additions); those are ignored.
 */
enum TextLayout {
    /** Istio 1.0.0–1.0.2: Envoy's own default format, no cluster or addresses. */
    ENVOY_DEFAULT(TS, REQ, CODE, FLAGS, RX, TX, DUR, UST, XFF, UA, RID, AUTH, UHOST),
    /** Istio 1.0.3+ HTTP format: adds cluster and addresses; path and protocol are glued ({@code /HTTP/1.1}). */
    ISTIO_1_0(TS, REQ, CODE, FLAGS, RX, TX, DUR, UST, XFF, UA, RID, AUTH, UHOST, CLUSTER, ULA, DLA, DRA),
    /** Istio 1.0.3+ separate TCP format: no request, code or headers. */
    ISTIO_1_0_TCP(TS, FLAGS, RX, TX, DUR, UHOST, CLUSTER, ULA, DLA, DRA),
    /** Istio 1.1.0 snapshots: adds the SNI. */
    ISTIO_1_1_SNAPSHOT(TS, REQ, CODE, FLAGS, RX, TX, DUR, UST, XFF, UA, RID, AUTH, UHOST, CLUSTER, ULA, DLA, DRA,
            SNI),
    /** Istio 1.1: a quoted Mixer status after the flags. */
    ISTIO_1_1(TS, REQ, CODE, FLAGS, MIXER, RX, TX, DUR, UST, XFF, UA, RID, AUTH, UHOST, CLUSTER, ULA, DLA, DRA, SNI),
    /** Istio 1.2: adds the quoted upstream transport failure reason. */
    ISTIO_1_2(TS, REQ, CODE, FLAGS, MIXER, UTFR, RX, TX, DUR, UST, XFF, UA, RID, AUTH, UHOST, CLUSTER, ULA, DLA, DRA,
            SNI),
    /** Istio 1.3–1.7: adds the route name at the end. */
    ISTIO_1_3(TS, REQ, CODE, FLAGS, MIXER, UTFR, RX, TX, DUR, UST, XFF, UA, RID, AUTH, UHOST, CLUSTER, ULA, DLA, DRA,
            SNI, ROUTE),
    /** Istio 1.8: the Mixer status is gone. */
    ISTIO_1_8(TS, REQ, CODE, FLAGS, UTFR, RX, TX, DUR, UST, XFF, UA, RID, AUTH, UHOST, CLUSTER, ULA, DLA, DRA, SNI,
            ROUTE),
    /** Istio 1.9 and later (1.23+ differs only in how the cluster value is produced). */
    ISTIO_1_9(TS, REQ, CODE, FLAGS, DETAILS, TERM, UTFR, RX, TX, DUR, UST, XFF, UA, RID, AUTH, UHOST, CLUSTER, ULA,
            DLA, DRA, SNI, ROUTE);

    /** Order in which the slow, quote-tolerant matcher tries layouts: a longer layout before its prefix. */
    static final TextLayout[] MATCH_ORDER = {
        ISTIO_1_9, ISTIO_1_8, ISTIO_1_3, ISTIO_1_2, ISTIO_1_1, ISTIO_1_1_SNAPSHOT, ISTIO_1_0, ENVOY_DEFAULT,
        ISTIO_1_0_TCP,
    };

    final Field[] fields;

    TextLayout(Field... fields) {
        this.fields = fields;
    }

    int size() {
        return fields.length;
    }

    /** One token position of a layout. */
    enum Field {
        TS("start_time", Shape.BRACKET),
        REQ("request", Shape.QUOTED_FREE),
        CODE("response_code", Shape.BARE),
        FLAGS("response_flags", Shape.BARE),
        DETAILS("response_code_details", Shape.BARE),
        TERM("connection_termination_details", Shape.BARE),
        MIXER("istio_policy_status", Shape.QUOTED),
        UTFR("upstream_transport_failure_reason", Shape.QUOTED),
        RX("bytes_received", Shape.BARE),
        TX("bytes_sent", Shape.BARE),
        DUR("duration", Shape.BARE),
        UST("upstream_service_time", Shape.BARE),
        XFF("x_forwarded_for", Shape.QUOTED),
        UA("user_agent", Shape.QUOTED_FREE),
        RID("request_id", Shape.QUOTED),
        AUTH("authority", Shape.QUOTED),
        UHOST("upstream_host", Shape.QUOTED),
        CLUSTER("upstream_cluster", Shape.BARE),
        ULA("upstream_local_address", Shape.BARE),
        DLA("downstream_local_address", Shape.BARE),
        DRA("downstream_remote_address", Shape.BARE),
        SNI("requested_server_name", Shape.BARE),
        ROUTE("route_name", Shape.BARE);

        final String label;
        final Shape shape;

        Field(String label, Shape shape) {
            this.label = label;
            this.shape = shape;
        }
    }

    /**
     * How a token is delimited. QUOTED_FREE fields (request line, user agent) are the ones whose content most
     * plausibly holds a {@code "}, since Envoy prints client-supplied text there without escaping; the client's
     * other headers (X-Forwarded-For, x-request-id, :authority) may hold one only when nothing else fits (see
     * {@code TextLineParser.slowPath}).
     */
    enum Shape { BRACKET, QUOTED, QUOTED_FREE, BARE }
}
