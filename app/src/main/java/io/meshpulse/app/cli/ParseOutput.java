package io.meshpulse.app.cli;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import io.meshpulse.topology.parse.AccessLogRecord;
import java.io.IOException;
import java.io.Writer;

/** Writes the {@code meshpulse parse} contract: one JSON object per input line. */
final class ParseOutput {
    private final JsonGenerator g;

    ParseOutput(Writer out) throws IOException {
        this.g = new JsonFactory().createGenerator(out);
        g.setRootValueSeparator(null);
    }

    void record(AccessLogRecord r) throws IOException {
        g.writeStartObject();
        g.writeBooleanField("ok", true);
        g.writeStringField("format", r.format().name());
        g.writeStringField("startTime", r.startTime());
        g.writeStringField("method", r.method());
        g.writeStringField("path", r.path());
        g.writeStringField("protocol", r.protocol());
        g.writeNumberField("responseCode", r.responseCode());
        g.writeArrayFieldStart("responseFlags");
        for (String f : r.responseFlags()) g.writeString(f);
        g.writeEndArray();
        g.writeStringField("responseCodeDetails", r.responseCodeDetails());
        g.writeStringField("connectionTerminationDetails", r.connectionTerminationDetails());
        g.writeStringField("upstreamTransportFailureReason", r.upstreamTransportFailureReason());
        number("bytesReceived", r.bytesReceived());
        number("bytesSent", r.bytesSent());
        number("durationMs", r.durationMs());
        if (r.upstreamServiceTimeMs() == null) g.writeNullField("upstreamServiceTimeMs");
        else g.writeNumberField("upstreamServiceTimeMs", r.upstreamServiceTimeMs());
        g.writeStringField("xForwardedFor", r.xForwardedFor());
        g.writeStringField("userAgent", r.userAgent());
        g.writeStringField("requestId", r.requestId());
        g.writeStringField("authority", r.authority());
        g.writeStringField("upstreamHost", r.upstreamHost());
        g.writeStringField("upstreamCluster", r.upstreamCluster());
        g.writeStringField("upstreamLocalAddress", r.upstreamLocalAddress());
        g.writeStringField("downstreamLocalAddress", r.downstreamLocalAddress());
        g.writeStringField("downstreamRemoteAddress", r.downstreamRemoteAddress());
        g.writeStringField("requestedServerName", r.requestedServerName());
        g.writeStringField("routeName", r.routeName());
        g.writeStringField("direction", r.direction().name());
        g.writeStringField("failureClass", r.failureClass());
        g.writeEndObject();
        g.writeRaw('\n');
    }

    /** Absent or {@code -} numbers are null in the contract; the record keeps them as -1. */
    private void number(String name, long v) throws IOException {
        if (v < 0) g.writeNullField(name);
        else g.writeNumberField(name, v);
    }

    void error(String reason) throws IOException {
        g.writeStartObject();
        g.writeBooleanField("ok", false);
        g.writeStringField("error", reason);
        g.writeEndObject();
        g.writeRaw('\n');
    }

    void flush() throws IOException {
        g.flush();
    }
}
