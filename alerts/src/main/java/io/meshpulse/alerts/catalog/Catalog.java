package io.meshpulse.alerts.catalog;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The diagnosis catalog: data (resource {@code catalog.json}), not code. Each entry names the failure it explains
 * (a class, optionally the reporter, the cause keyword from the lines, and signals that must be present), what it
 * means, the likely causes ranked by the signals that support them, the commands that confirm and the fix. The
 * correlator computes the signals; {@link Template} fills the placeholders.
 */
public record Catalog(Map<String, String> signals, List<Entry> entries) {

    public static final String RESOURCE = "/io/meshpulse/alerts/catalog.json";
    private static final ObjectMapper MAPPER = JsonMapper.builder()
            .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES).build();

    /** Which alerts an entry explains; a null field matches anything. */
    public record Match(@JsonProperty("classes") List<String> classes, String reporter, String cause,
                        List<String> signals) {
        public Match {
            classes = classes == null ? List.of() : List.copyOf(classes);
            signals = signals == null ? List.of() : List.copyOf(signals);
        }

        boolean matches(String failureClass, String rep, String causeKeyword, Set<String> present) {
            if (!classes.isEmpty() && !classes.contains(failureClass) && !classes.contains("*")) return false;
            if (reporter != null && !reporter.equals(rep)) return false;
            if (cause != null && !cause.equals(causeKeyword)) return false;
            return present.containsAll(signals);
        }
    }

    /** One possible cause: supported (or contradicted) by signals; its own commands and fix. */
    public record Cause(String id, String text, List<String> supportedBy, List<String> contradictedBy,
                        List<String> commands, List<String> fix) {
        public Cause {
            supportedBy = supportedBy == null ? List.of() : List.copyOf(supportedBy);
            contradictedBy = contradictedBy == null ? List.of() : List.copyOf(contradictedBy);
            commands = commands == null ? List.of() : List.copyOf(commands);
            fix = fix == null ? List.of() : List.copyOf(fix);
        }

        int score(Set<String> present) {
            int s = 0;
            for (String x : supportedBy) if (present.contains(x)) s++;
            for (String x : contradictedBy) if (present.contains(x)) s -= 2;
            return s;
        }
    }

    public record Entry(String id, Match match, String severity, String title, String summary, List<Cause> causes,
                        List<String> commands) {
        public Entry {
            causes = causes == null ? List.of() : List.copyOf(causes);
            commands = commands == null ? List.of() : List.copyOf(commands);
        }

        /** Causes ordered by score (highest first), catalog order among equals. */
        public List<Cause> ranked(Set<String> present) {
            List<Cause> c = new ArrayList<>(causes);
            c.sort((a, b) -> Integer.compare(b.score(present), a.score(present)));
            return c;
        }
    }

    public Catalog {
        signals = Map.copyOf(signals);
        entries = List.copyOf(entries);
        Set<String> ids = new HashSet<>();
        for (Entry e : entries) {
            if (!ids.add(e.id())) throw new IllegalArgumentException("duplicate catalog entry " + e.id());
            if (e.title() == null || e.summary() == null || e.causes().isEmpty()) {
                throw new IllegalArgumentException("catalog entry " + e.id() + " needs a title, a summary and causes");
            }
            for (Cause c : e.causes()) {
                for (String s : c.supportedBy()) {
                    if (!signals.containsKey(s)) throw new IllegalArgumentException(e.id() + "/" + c.id() + ": unknown signal " + s);
                }
                if (c.fix().isEmpty()) throw new IllegalArgumentException(e.id() + "/" + c.id() + " has no fix");
            }
            for (String s : e.match().signals()) {
                if (!signals.containsKey(s)) throw new IllegalArgumentException(e.id() + ": unknown signal " + s);
            }
        }
    }

    public static Catalog load() {
        try (InputStream in = Catalog.class.getResourceAsStream(RESOURCE)) {
            if (in == null) throw new IllegalStateException("missing resource " + RESOURCE);
            return MAPPER.readValue(in, Catalog.class);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the diagnosis catalog " + RESOURCE, e);
        }
    }

    /** The first entry that explains this alert; the catalog ends with a catch-all. */
    public Entry find(String failureClass, String reporter, String cause, Set<String> present) {
        for (Entry e : entries) {
            if (e.match().matches(failureClass, reporter, cause, present)) return e;
        }
        throw new IllegalStateException("the catalog has no catch-all entry for " + failureClass);
    }

    public Entry entry(String id) {
        for (Entry e : entries) if (e.id().equals(id)) return e;
        throw new IllegalArgumentException("no catalog entry " + id);
    }
}
