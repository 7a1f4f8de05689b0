package io.meshpulse.app.serve;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.meshpulse.topology.parse.AccessLogParser;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The triage API's example lines come newest first within a window, as the windows do. */
class SampleOrderTest {
    private static String text(String start) {
        return "[" + start + "] \"GET /cart HTTP/1.1\" 503 UC upstream_reset_before_response_started{connection_termination} - "
                + "\"-\" 0 95 3 - \"-\" \"curl/8.5\" \"7f1c\" \"cart:8080\" \"10.244.1.7:8080\" "
                + "outbound|8080||cart.shop.svc.cluster.local 10.244.0.5:41234 10.0.12.4:8080 10.244.0.5:52000 - default";
    }

    @Test
    void aWindowsExamplesAreSortedNewestFirstAndUnparseableOnesGoLast() {
        String ws = "2026-11-20T10:02:00.000Z";
        List<TriageModel.Sample> picked = List.of(
                new TriageModel.Sample(ws, "UC", text("2026-11-20T10:02:01.445Z")),
                new TriageModel.Sample(ws, "UC", "not an access log"),
                new TriageModel.Sample(ws, "UC", text("2026-11-20T10:02:08.010Z")),
                new TriageModel.Sample(ws, "UF", "{\"start_time\":\"2026-11-20T10:02:05.500Z\",\"response_code\":503,"
                        + "\"response_flags\":\"UF\",\"upstream_cluster\":\"outbound|8080||cart.shop.svc.cluster.local\"}"),
                new TriageModel.Sample(ws, "UC", text("2026-11-20T10:02:03.000Z")));
        List<TriageModel.Sample> sorted = LocalQueries.newestFirst(picked, new AccessLogParser());
        assertEquals(List.of(picked.get(2), picked.get(3), picked.get(4), picked.get(0), picked.get(1)), sorted);
    }
}
