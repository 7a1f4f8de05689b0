package io.meshpulse.alerts.catalog;

import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Fills {@code {name}} placeholders (letters and digits only, so a jsonpath such as {@code {.items[0]}} passes
 * through untouched). A placeholder without a value stays visible as {@code <name>}, never as an empty string.
 */
public final class Template {
    private static final Pattern PLACEHOLDER = Pattern.compile("\\{([A-Za-z][A-Za-z0-9]*)}");

    private Template() {}

    /**
     * Whether a line applies: one that uses a placeholder whose value is empty is a step the configuration does not
     * need (for example removing a label the flavour relies on) and is left out.
     */
    public static boolean applies(String template, Map<String, String> values) {
        Matcher m = PLACEHOLDER.matcher(template);
        while (m.find()) {
            String v = values.get(m.group(1));
            if (v != null && v.isEmpty()) return false;
        }
        return true;
    }

    public static String render(String template, Map<String, String> values) {
        if (template == null) return null;
        Matcher m = PLACEHOLDER.matcher(template);
        StringBuilder sb = new StringBuilder();
        while (m.find()) {
            String v = values.get(m.group(1));
            m.appendReplacement(sb, Matcher.quoteReplacement(v == null ? "<" + m.group(1) + ">" : v));
        }
        m.appendTail(sb);
        return sb.toString();
    }
}
