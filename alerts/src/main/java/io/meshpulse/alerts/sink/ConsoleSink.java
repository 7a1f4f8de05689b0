package io.meshpulse.alerts.sink;

import io.meshpulse.alerts.diagnose.Pairs;
import io.meshpulse.model.Alert;
import java.io.PrintStream;

/** Prints each alert for a human: headline, summary, evidence, commands and fix. */
public final class ConsoleSink implements AlertSink {
    private final PrintStream out;

    public ConsoleSink(PrintStream out) {
        this.out = out;
    }

    @Override
    public void accept(Alert a) {
        out.print(format(a));
        out.flush();
    }

    public static String format(Alert a) {
        StringBuilder sb = new StringBuilder();
        String pair = a.source() == null ? Pairs.destinationName(a.destination())
                : Pairs.sourceName(a.source()) + " → " + (a.destination().namespace() == null
                ? a.destination().service() : Pairs.destinationName(a.destination()));
        sb.append(a.status().equals(Alert.FIRING) ? "🔥 " : "✅ ").append(a.status().toUpperCase())
                .append(" [").append(a.severity()).append("] ").append(a.failureClass()).append("  ").append(pair)
                .append("  (").append(a.reporter()).append(" reporter, fingerprint ").append(a.fingerprint()).append(")\n");
        sb.append("   since ").append(a.startsAt()).append(", detected ").append(a.detectedAt());
        if (a.endsAt() != null) sb.append(", ended ").append(a.endsAt());
        sb.append('\n');
        if (a.diagnosis() != null) {
            sb.append("   ").append(a.diagnosis().title()).append('\n');
            sb.append("   ").append(a.diagnosis().summary()).append('\n');
            if (a.status().equals(Alert.FIRING)) {
                sb.append("   Evidence:\n");
                for (String e : a.diagnosis().evidence()) sb.append("     - ").append(e).append('\n');
                sb.append("   Confirm:\n");
                for (String c : a.diagnosis().commands()) sb.append("     $ ").append(c).append('\n');
                sb.append("   Fix:\n");
                for (String f : a.diagnosis().fix()) sb.append("     - ").append(f).append('\n');
                if (!a.exemplars().isEmpty()) {
                    sb.append("   Example lines (redacted):\n");
                    for (String x : a.exemplars()) sb.append("     ").append(x).append('\n');
                }
            }
        }
        return sb.append('\n').toString();
    }
}
