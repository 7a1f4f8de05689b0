package io.meshpulse.app.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.meshpulse.model.JsonCodec;
import io.meshpulse.model.PairWindowStats;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The demo's pair table: its column titles stand right above its first row. */
class DemoWindowPrinterTest {

    @Test
    void theTitlesComeWithTheFirstRowNotBeforeTheStartUpLines() {
        ByteArrayOutputStream o = new ByteArrayOutputStream();
        PrintStream out = new PrintStream(o, true, StandardCharsets.UTF_8);
        DemoCommand.WindowPrinter printer = new DemoCommand.WindowPrinter(out, false);
        out.println("Triage page: http://127.0.0.1:8080/"); // what the replay's start says meanwhile
        printer.accept(new JsonCodec<>(PairWindowStats.class).decode("{\"windowStart\":\"2026-11-20T10:02:00.000Z\","
                + "\"windowEnd\":\"2026-11-20T10:02:10.000Z\",\"reporter\":\"source\",\"source\":{\"namespace\":\"checkout\","
                + "\"workload\":\"checkout-api\"},\"destination\":{\"namespace\":\"checkout\",\"service\":"
                + "\"payments-api.checkout.svc.cluster.local\",\"workload\":\"payments-api\"},\"requests\":33,\"failures\":22,"
                + "\"successRatio\":0.333,\"byClass\":{\"UC\":22},\"byCodeClass\":{\"5xx\":22,\"2xx\":11},"
                + "\"latencyMs\":{\"p50\":100.0,\"p90\":200.0,\"p99\":263.0},\"bytesSent\":1,\"bytesReceived\":1}"));
        printer.flushAll();
        List<String> lines = o.toString(StandardCharsets.UTF_8).lines().toList();
        assertEquals("Triage page: http://127.0.0.1:8080/", lines.get(0), String.join("\n", lines));
        assertTrue(lines.get(1).startsWith("window    reporter"), String.join("\n", lines));
        assertTrue(lines.get(2).startsWith("10:02:00  source       checkout-api -> payments-api"), String.join("\n", lines));
        assertEquals(3, lines.size(), String.join("\n", lines));
    }

    @Test
    void aPairTooLongForItsColumnShortensTheSourceAndKeepsTheDestination() {
        assertEquals("aks-istio-ingressgateway-external~ -> frontend",
                DemoCommand.WindowPrinter.fitted(pair("aks-istio-ingressgateway-external-asm-1-24", "frontend"), 46));
        assertEquals("checkout-api -> payments-api", DemoCommand.WindowPrinter.fitted(pair("checkout-api", "payments-api"), 46));
        // both long: the source keeps 16 characters, the destination the rest of the column
        String both = DemoCommand.WindowPrinter.fitted(pair("a-very-long-source-workload-name-of-a-gateway",
                "an-equally-long-destination-workload-name"), 46);
        assertEquals(46, both.length(), both);
        assertEquals("a-very-long-sou~ -> an-equally-long-destinati~", both);
    }

    private static PairWindowStats pair(String source, String destination) {
        return new JsonCodec<>(PairWindowStats.class).decode(("{\"windowStart\":\"2026-11-20T10:02:00.000Z\","
                + "\"windowEnd\":\"2026-11-20T10:02:10.000Z\",\"reporter\":\"source\",\"source\":{\"namespace\":\"ns\","
                + "\"workload\":\"SRC\"},\"destination\":{\"namespace\":\"ns\",\"service\":\"x.ns.svc.cluster.local\","
                + "\"workload\":\"DST\"},\"requests\":1,\"failures\":0,\"successRatio\":1.0,\"byClass\":{},"
                + "\"byCodeClass\":{\"2xx\":1},\"latencyMs\":{\"p50\":1.0,\"p90\":1.0,\"p99\":1.0},\"bytesSent\":1,"
                + "\"bytesReceived\":1}").replace("SRC", source).replace("DST", destination));
    }
}
