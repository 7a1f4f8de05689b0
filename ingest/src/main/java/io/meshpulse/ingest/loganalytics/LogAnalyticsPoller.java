package io.meshpulse.ingest.loganalytics;

import com.azure.core.exception.HttpResponseException;
import com.azure.core.http.HttpResponse;
import com.azure.core.util.Context;
import com.azure.monitor.query.LogsQueryClient;
import com.azure.monitor.query.models.LogsQueryOptions;
import com.azure.monitor.query.models.LogsQueryResult;
import com.azure.monitor.query.models.LogsTableCell;
import com.azure.monitor.query.models.LogsTableRow;
import com.azure.monitor.query.models.QueryTimeInterval;
import com.fasterxml.jackson.databind.JsonNode;
import io.meshpulse.ingest.kafka.Heartbeats;
import io.meshpulse.ingest.poll.Batch;
import io.meshpulse.ingest.poll.PollException;
import io.meshpulse.ingest.poll.Poller;
import io.meshpulse.ingest.poll.RetryAfter;
import io.meshpulse.model.Json;
import io.meshpulse.model.JsonCodec;
import io.meshpulse.model.RawLogLine;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.ToIntFunction;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Polls Container Insights' {@code ContainerLogV2} table in a Log Analytics workspace for istio-proxy lines, with
 * the Azure Monitor Query SDK, and turns each row into a {@link RawLogLine}.
 *
 * <p>Incremental by {@code TimeGenerated}: each poll asks for {@code (cursor - overlap, now]}, because rows become
 * queryable up to a few minutes after their TimeGenerated (ingestion delay). Rows already sent in the overlap are
 * recognised by a hash of their content (plus an occurrence number, so that two identical rows both count) and
 * skipped. The hashes of rows that a later poll can still see are part of the checkpoint, which is committed in the
 * same Kafka transaction as the rows: a restart neither loses nor repeats a row (except a row ingested more than
 * the overlap after its TimeGenerated, which no poll will ask for again: make the overlap longer than the delay).
 *
 * <p>Each committed poll ends with a heartbeat on every partition of the raw topic ({@link Heartbeats}, instance
 * {@code log-analytics/<workspace>}): "no row written before T is still to come from me", T being the oldest
 * TimeGenerated a later poll can still send (the cursor minus the overlap; while paging, the page's last row if that
 * is older). Rows reach the workspace up to minutes after they were written, so without it the topology's clock,
 * moved on by the newest rows (and by the wall clock between polls), closed windows whose slower rows were still on
 * their way, and dead-lettered those rows as late. With it, the parsing tasks hold such windows open until T passes
 * them: minutes later than with node files, but counted.
 */
public final class LogAnalyticsPoller implements Poller {
    private static final Logger LOG = LoggerFactory.getLogger(LogAnalyticsPoller.class);
    private static final JsonCodec<RawLogLine> CODEC = new JsonCodec<>(RawLogLine.class);
    private static final DateTimeFormatter KQL_TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSSSSSS'Z'")
            .withZone(ZoneOffset.UTC);

    /**
     * @param workspaceId the Log Analytics workspace (its GUID)
     * @param containers  container names to keep ({@code istio-proxy})
     * @param overlap     how far back each poll re-reads (covers the ingestion delay)
     * @param lookback    where the very first poll starts
     * @param maxSpan     the longest time range one poll asks for (a long outage is caught up in pieces)
     * @param maxRows     the most rows one poll takes; a poll that hits it continues from its last row
     * @param maxSeen     the most row hashes kept for de-duplication (bounds the checkpoint's size)
     * @param topic       where lines go ({@code meshpulse.accesslog.raw})
     * @param heartbeats  whether each poll ends with a heartbeat on every partition of the topic (see the class)
     */
    public record Options(String workspaceId, List<String> containers, Duration overlap, Duration lookback,
                          Duration maxSpan, int maxRows, int maxSeen, String topic, boolean heartbeats) {
        public Options(String workspaceId, List<String> containers, Duration overlap, Duration lookback,
                       Duration maxSpan, int maxRows, int maxSeen, String topic) {
            this(workspaceId, containers, overlap, lookback, maxSpan, maxRows, maxSeen, topic, true);
        }

        public Options {
            if (workspaceId == null || workspaceId.isBlank()) throw new IllegalArgumentException("workspace id required");
            if (containers.isEmpty()) throw new IllegalArgumentException("at least one container name");
            for (String c : containers) {
                if (!c.matches("[a-z0-9]([-a-z0-9]*[a-z0-9])?")) {
                    throw new IllegalArgumentException("not a container name: " + c);
                }
            }
            if (maxSpan.compareTo(overlap) <= 0) throw new IllegalArgumentException("maxSpan must exceed the overlap");
        }
    }

    private final Options o;
    private final LogsQueryClient client;
    private final Clock clock;
    private final String origin;
    private final ToIntFunction<String> partitions;
    private boolean warnedSeenCap;

    /** @param partitions the partitions of a topic, for heartbeats (the sink's {@code partitions}) */
    public LogAnalyticsPoller(Options options, LogsQueryClient client, Clock clock, ToIntFunction<String> partitions) {
        this.o = options;
        this.client = client;
        this.clock = clock;
        this.origin = "log-analytics:" + options.workspaceId();
        this.partitions = partitions;
    }

    /** The heartbeats' instance name: one per workspace and container set. */
    public static String instance(Options o) {
        List<String> standard = List.of("istio-proxy");
        return "log-analytics/" + o.workspaceId() + (o.containers().equals(standard) ? "" : "/"
                + String.join(",", o.containers()));
    }

    @Override
    public String source() {
        return "log-analytics";
    }

    public static String checkpointKey(Options o) {
        return "log-analytics|" + o.workspaceId() + "|" + String.join(",", o.containers());
    }

    /** The KQL for rows with {@code from < TimeGenerated <= to}. */
    public String query(Instant from, Instant to) {
        StringBuilder names = new StringBuilder();
        for (String c : o.containers()) names.append(names.length() == 0 ? "" : ", ").append('"').append(c).append('"');
        // tostring() turns a dynamic LogMessage (an object for JSON-encoded lines, a string for TEXT ones) into the
        // line's own text: JSON for the former, so the access-log parser reads both as it reads node files.
        return "ContainerLogV2\n"
                + "| where TimeGenerated > datetime(" + KQL_TIME.format(from) + ") and TimeGenerated <= datetime("
                + KQL_TIME.format(to) + ")\n"
                + "| where ContainerName in (" + names + ")\n"
                + "| project TimeGenerated, PodNamespace, PodName, ContainerName, Computer, LogMessage = tostring(LogMessage), LogSource\n"
                + "| order by TimeGenerated asc\n"
                + "| take " + o.maxRows();
    }

    @Override
    public Batch poll(String checkpoint) {
        Checkpoint cp = Checkpoint.read(checkpoint);
        Instant now = clock.instant();
        Instant cursor = cp.cursor != null ? cp.cursor : now.minus(o.lookback());
        // After a poll cut at --max-rows the next one pages on from its last row (TimeGenerated >= it, the rows of
        // that instant already sent being recognised by their hashes) instead of re-reading the overlap: an overlap
        // holding more rows than one poll takes would otherwise return the same rows every time.
        Instant from = cp.paging ? cursor.minusNanos(100) : cursor.minus(o.overlap());
        Instant to = now.isAfter(from.plus(o.maxSpan())) ? from.plus(o.maxSpan()) : now;
        if (!to.isAfter(cursor)) return new Batch(List.of(), cp.write(), 0, 0, cursor.toEpochMilli());

        List<LogsTableRow> rows = run(query(from, to), from, to);
        List<ProducerRecord<String, byte[]>> records = new ArrayList<>(rows.size());
        Map<Long, Integer> occurrences = new HashMap<>();
        MessageDigest sha = sha256();
        long skipped = 0;
        Instant last = null;
        for (LogsTableRow row : rows) {
            Instant tg = time(row);
            String message = message(row);
            if (tg == null) {
                skipped++;
                continue;
            }
            last = tg;
            String ns = text(row, "PodNamespace");
            String pod = text(row, "PodName");
            String container = text(row, "ContainerName");
            String node = text(row, "Computer");
            long base = hash(sha, tg, ns, pod, container, node, message);
            int n = occurrences.merge(base, 1, Integer::sum);
            long h = base * 31 + n;
            if (cp.seen.containsKey(h)) {
                skipped++;
                continue;
            }
            cp.seen.put(h, tg.toEpochMilli());
            if (message == null || message.isBlank()) {
                skipped++;
                continue;
            }
            RawLogLine line = new RawLogLine(tg.toString(), ns, pod, container, node, message, origin);
            records.add(new ProducerRecord<>(o.topic(), null, tg.toEpochMilli(), line.key(), CODEC.encode(line)));
        }
        boolean truncated = rows.size() >= o.maxRows() && last != null;
        Instant newCursor = truncated ? last : to;
        if (truncated && cp.paging && !last.isAfter(cursor)) {
            // every row of the page has the instant the page started from: more rows share one TimeGenerated than a
            // poll takes, and paging cannot get past them
            newCursor = last.plusNanos(100);
            LOG.warn("log-analytics: more than {} rows at TimeGenerated {}; the rest of that instant's rows are skipped "
                    + "(raise --max-rows)", o.maxRows(), last);
        } else if (truncated) {
            LOG.info("log-analytics: {} rows (the per-poll maximum) up to {}; the next poll continues from there",
                    rows.size(), last);
        }
        if (truncated && !cp.paging) cp.pagingSince = now;
        if (!truncated && cp.paging && cp.pagingSince != null && newCursor.isAfter(cp.pagingSince)) {
            // Paging is done. Pages read on from their cursor without the overlap, so a row that became queryable
            // after paging began, with a TimeGenerated behind the pages, was asked for by no page; it is at most the
            // overlap older than when paging began. The next poll reads (pagingSince - overlap, ...], the rows
            // already sent being recognised by their hashes.
            newCursor = cp.pagingSince;
        }
        cp.paging = truncated;
        if (!truncated) cp.pagingSince = null;
        cp.cursor = newCursor;
        // The next poll reads TimeGenerated > newCursor - overlap, to the 100 ns; hashes keep their row's time in
        // whole milliseconds. A row later in the bound's own millisecond is read again, so that millisecond's
        // hashes stay (one poll longer than needed for the rows at or before the bound, which is harmless).
        // While paging, the rows from pagingSince - overlap on are read again when paging ends: keep their hashes.
        Instant keepAfter = cp.pagingSince != null && cp.pagingSince.isBefore(newCursor) ? cp.pagingSince : newCursor;
        long keepFrom = keepAfter.minus(o.overlap()).toEpochMilli();
        cp.seen.values().removeIf(t -> t < keepFrom);
        // The oldest TimeGenerated a later poll can still send: pages read on from the last row, and the poll after
        // them from pagingSince - overlap; otherwise the next poll reads from the cursor - overlap.
        Instant floor = cp.paging ? min(newCursor, cp.pagingSince.minus(o.overlap())) : newCursor.minus(o.overlap());
        if (cp.seen.size() > o.maxSeen()) {
            if (!warnedSeenCap) {
                LOG.warn("log-analytics: more than {} rows in the {} overlap; keeping the newest hashes only, so rows "
                        + "re-read in the overlap may be sent twice (raise --max-dedup-rows)", o.maxSeen(), o.overlap());
                warnedSeenCap = true;
            }
            cp.trimTo(o.maxSeen());
        }
        if (o.heartbeats()) {
            // after the rows, in the same transaction: on each partition it comes after the rows it vouches for. The
            // floor never goes back, since every poll reads from it on (LogAnalyticsPollerTest checks it).
            records.addAll(Heartbeats.records(o.topic(), partitions.applyAsInt(o.topic()), instance(o),
                    floor.toEpochMilli()));
        }
        return new Batch(records, cp.write(), rows.size(), skipped, newCursor.toEpochMilli(),
                truncated || to.isBefore(now));
    }

    private static Instant min(Instant a, Instant b) {
        return a.isBefore(b) ? a : b;
    }

    private List<LogsTableRow> run(String kql, Instant from, Instant to) {
        try {
            QueryTimeInterval span = new QueryTimeInterval(OffsetDateTime.ofInstant(from.minusSeconds(1), ZoneOffset.UTC),
                    OffsetDateTime.ofInstant(to.plusSeconds(1), ZoneOffset.UTC));
            LogsQueryResult result = client.queryWorkspaceWithResponse(o.workspaceId(), kql, span,
                    new LogsQueryOptions().setServerTimeout(Duration.ofMinutes(3)), Context.NONE).getValue();
            if (result.getError() != null) {
                throw new PollException(PollException.Kind.RESPONSE, "query error: " + result.getError().getMessage(),
                        null, null);
            }
            return result.getTable() == null ? List.of() : result.getTable().getRows();
        } catch (HttpResponseException e) {
            HttpResponse r = e.getResponse();
            // the credential chain failed before any request was sent (the SDK reports that as an HTTP exception
            // without a response); a 401/403 from the service has one, and is a client error
            if (r == null && tokenFailure(e)) throw noToken(e);
            int status = r == null ? 0 : r.getStatusCode();
            java.time.Duration retry = null;
            if (r != null) {
                retry = RetryAfter.parseMillis(r.getHeaderValue("retry-after-ms"));
                if (retry == null) retry = RetryAfter.parseMillis(r.getHeaderValue("x-ms-retry-after-ms"));
                if (retry == null) retry = RetryAfter.parse(r.getHeaderValue("Retry-After"), clock.instant());
            }
            throw new PollException(PollException.kindOf(status), (status == 0 ? "no HTTP answer from Log Analytics: "
                    : "HTTP " + status + " from Log Analytics: ") + firstLine(e.getMessage()), retry, e);
        } catch (PollException e) {
            throw e;
        } catch (RuntimeException e) {
            if (tokenFailure(e)) throw noToken(e);
            throw new PollException(PollException.Kind.IO, e.getClass().getSimpleName() + ": "
                    + firstLine(e.getMessage()), null, e);
        }
    }

    /** An exception of azure-identity or azure-core about getting a token (ClientAuthenticationException and its kin). */
    private static boolean tokenFailure(RuntimeException e) {
        String name = e.getClass().getName();
        return name.contains("Authentication") || name.contains("Credential");
    }

    private static PollException noToken(RuntimeException e) {
        return new PollException(PollException.Kind.AUTH, "cannot get an Entra ID token for Log Analytics (sign in "
                + "with az login, or give the pod a workload or managed identity): " + e.getClass().getSimpleName()
                + ": " + firstLine(e.getMessage()), null, e);
    }

    private static Instant time(LogsTableRow row) {
        Optional<LogsTableCell> c = row.getColumnValue("TimeGenerated");
        if (c.isEmpty() || c.get().getValueAsString() == null) return null;
        try {
            return OffsetDateTime.parse(c.get().getValueAsString()).toInstant();
        } catch (RuntimeException e) {
            return null;
        }
    }

    private static String text(LogsTableRow row, String column) {
        Optional<LogsTableCell> c = row.getColumnValue(column);
        if (c.isEmpty()) return null;
        String v = c.get().getValueAsString();
        return v == null || v.isEmpty() ? null : v;
    }

    /**
     * The line: the string as it is for TEXT lines; for a JSON-encoded line, the object's JSON (re-serialized
     * compactly when it came as a quoted JSON string or pretty-printed).
     */
    static String message(LogsTableRow row) {
        String v = text(row, "LogMessage");
        if (v == null) return null;
        String t = v.strip();
        if (t.length() >= 2 && t.charAt(0) == '"' && t.charAt(t.length() - 1) == '"') {
            try {
                JsonNode n = Json.MAPPER.readTree(t);
                if (n.isTextual()) return message(n.asText());
            } catch (IOException notJsonString) {
                return v;
            }
        }
        return message(v);
    }

    private static String message(String v) {
        String t = v.strip();
        if (t.startsWith("{") && t.endsWith("}")) {
            try {
                JsonNode n = Json.MAPPER.readTree(t);
                if (n.isObject()) return Json.MAPPER.writeValueAsString(n);
            } catch (IOException notJson) {
                return stripNewline(v);
            }
        }
        return stripNewline(v);
    }

    private static String stripNewline(String v) {
        int end = v.length();
        while (end > 0 && (v.charAt(end - 1) == '\n' || v.charAt(end - 1) == '\r')) end--;
        return v.substring(0, end);
    }

    private static long hash(MessageDigest sha, Instant tg, String... parts) {
        sha.reset();
        sha.update(Long.toString(tg.getEpochSecond()).getBytes(StandardCharsets.UTF_8));
        sha.update((byte) '.');
        sha.update(Integer.toString(tg.getNano()).getBytes(StandardCharsets.UTF_8));
        for (String p : parts) {
            sha.update((byte) 1);
            if (p != null) sha.update(p.getBytes(StandardCharsets.UTF_8));
        }
        byte[] d = sha.digest();
        long h = 0;
        for (int i = 0; i < 8; i++) h = (h << 8) | (d[i] & 0xFF);
        return h;
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static String firstLine(String s) {
        if (s == null) return "";
        int nl = s.indexOf('\n');
        return nl < 0 ? s : s.substring(0, nl);
    }
}
