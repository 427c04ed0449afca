package org.mafspark.report;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Renders a {@link RunReport} as one self-contained HTML page: inline CSS, the plots embedded as
 * base64 PNG data URIs, no script and nothing fetched from the network, so it opens from a file,
 * an object store or an e-mail attachment alike.
 */
public final class ReportWriter {
    private ReportWriter() {}

    /** The page as UTF-8 bytes. */
    public static byte[] html(RunReport r) {
        StringBuilder b = new StringBuilder(1 << 16);
        b.append("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">")
                .append("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">")
                .append("<title>").append(esc(r.title())).append("</title><style>")
                .append("body{font-family:system-ui,-apple-system,Segoe UI,Helvetica,Arial,sans-serif;margin:2em auto;")
                .append("max-width:1320px;color:#222;padding:0 1em}h1{font-size:1.6em}h2{font-size:1.25em;")
                .append("border-bottom:1px solid #ddd;padding-bottom:.2em;margin-top:1.6em}")
                .append("table{border-collapse:collapse;font-size:.9em;margin:.5em 0}td,th{border:1px solid #ddd;")
                .append("padding:.25em .6em;text-align:left;vertical-align:top}th{background:#f4f6f8}")
                .append(".num{text-align:right;font-variant-numeric:tabular-nums}.warn{color:#b00020;font-weight:600}")
                .append(".ok{color:#1b7f3b;font-weight:600}.figs{display:flex;flex-wrap:wrap;gap:1em}")
                .append("figure{margin:0;width:640px}figure img{width:640px;height:auto;border:1px solid #eee}")
                .append("figcaption{font-size:.85em;color:#555}.wide{overflow-x:auto}</style></head><body>\n");
        b.append("<h1>").append(esc(r.title())).append("</h1>\n");

        b.append("<h2>Result</h2>");
        Map<String, String> result = new java.util.LinkedHashMap<>();
        result.put("threshold alpha (flag log p &le; alpha)", fmt(r.threshold()));
        result.put("rows scored", String.format(Locale.ROOT, "%,d", r.rowsScored()));
        result.put("rows flagged", String.format(Locale.ROOT, "%,d (%.4f%%)", r.rowsFlagged(),
                r.rowsScored() == 0 ? 0 : 100.0 * r.rowsFlagged() / r.rowsScored()));
        r.labelled().ifPresent(l -> {
            result.put("ROC AUC / PR AUC", fmt(l.rocAuc()) + " / " + fmt(l.prAuc()));
            result.put("precision / recall at alpha", fmt(l.precision()) + " / " + fmt(l.recall())
                    + String.format(Locale.ROOT, " (%d of %d labelled anomalies flagged)", l.flaggedAnomalies(),
                            l.anomalies()));
        });
        r.twoSample().ifPresent(t -> result.put("flow samples vs data (energy distance)", String.format(Locale.ROOT,
                "%s, permutation p = %s over %d permutations, %d rows each: <span class=\"%s\">%s</span>",
                fmt(t.energyDistance()), fmt(t.pValue()), t.permutations(), t.n(), t.passes() ? "ok" : "warn",
                t.passes() ? "indistinguishable at level 0.01" : "distinguishable: the flow misses part of the data")));
        r.drift().ifPresent(d -> result.put("drift against the training data (PSI)", String.format(Locale.ROOT,
                "log p %s, worst feature %s %s (warning above %.2f): <span class=\"%s\">%s</span>", fmt(d.logProbPsi()),
                esc(d.worstFeature().getKey()), fmt(d.worstFeature().getValue()), d.warningLevel(),
                d.drifted() ? "warn" : "ok", d.drifted() ? "drifted" : "no drift")));
        keyValues(b, result, false);

        b.append("<h2>Data</h2>");
        keyValues(b, r.data(), true);

        b.append("<h2>Most anomalous rows</h2><div class=\"wide\"><table><tr>");
        for (String c : r.topColumns()) {
            b.append("<th>").append(esc(c)).append("</th>");
        }
        b.append("</tr>\n");
        for (List<String> row : r.topRows()) {
            b.append("<tr>");
            for (String v : row) {
                b.append("<td>").append(esc(v)).append("</td>");
            }
            b.append("</tr>\n");
        }
        b.append("</table></div>");

        b.append("<h2>Plots</h2><div class=\"figs\">");
        for (RunReport.Figure f : r.figures()) {
            b.append("<figure><img alt=\"").append(esc(f.title())).append("\" src=\"data:image/png;base64,")
                    .append(Base64.getEncoder().encodeToString(f.png())).append("\"><figcaption><b>")
                    .append(esc(f.title())).append(".</b> ").append(esc(f.caption())).append("</figcaption></figure>\n");
        }
        b.append("</div>");

        b.append("<h2>Training</h2>");
        Map<String, String> t = new java.util.LinkedHashMap<>();
        t.put("epochs run / kept", r.training().history().size() + " / " + r.training().bestEpoch());
        t.put("stop", r.training().stopReason());
        t.put("training rows / validation rows", r.training().trainRows() + " / " + r.training().validationRows());
        t.put("workers", String.valueOf(r.training().numWorkers()));
        t.put("training seconds", fmt(r.training().trainingSeconds()));
        keyValues(b, t, true);
        b.append("<table><tr><th>epoch</th><th>train NLL</th><th>validation NLL</th><th>rows/s</th><th>seconds</th></tr>");
        for (var e : r.training().history()) {
            b.append(String.format(Locale.ROOT, "<tr%s><td class=\"num\">%d</td><td class=\"num\">%.4f</td>"
                    + "<td class=\"num\">%.4f</td><td class=\"num\">%.0f</td><td class=\"num\">%.1f</td></tr>",
                    e.epoch() == r.training().bestEpoch() ? " style=\"font-weight:600\"" : "", e.epoch(), e.trainNll(),
                    e.validationNll(), e.rowsPerSecond(), e.seconds()));
        }
        b.append("</table>");

        b.append("<h2>Parameters</h2>");
        keyValues(b, r.parameters(), true);
        b.append("<h2>Timings (seconds)</h2>");
        Map<String, String> times = new java.util.LinkedHashMap<>();
        r.timings().forEach((k, v) -> times.put(k, fmt(v)));
        keyValues(b, times, true);
        b.append("<p style=\"color:#777;font-size:.8em\">maf-spark: masked autoregressive flow anomaly detection "
                + "on Spark.</p></body></html>\n");
        return b.toString().getBytes(StandardCharsets.UTF_8);
    }

    /** A two-column table; values are escaped unless they are this writer's own markup. */
    private static void keyValues(StringBuilder b, Map<String, String> m, boolean escapeValues) {
        b.append("<table>");
        m.forEach((k, v) -> b.append("<tr><th>").append(escapeValues ? esc(k) : k).append("</th><td>")
                .append(escapeValues ? esc(v) : v).append("</td></tr>"));
        b.append("</table>\n");
    }

    static String fmt(double v) {
        if (Double.isNaN(v)) {
            return "n/a";
        }
        double a = Math.abs(v);
        return a != 0 && (a < 1e-3 || a >= 1e6) ? String.format(Locale.ROOT, "%.3e", v)
                : String.format(Locale.ROOT, "%.4f", v);
    }

    /** HTML-escapes text from the data (column names and values are user input). */
    static String esc(String s) {
        if (s == null) {
            return "";
        }
        StringBuilder o = new StringBuilder(s.length());
        for (char c : s.toCharArray()) {
            switch (c) {
                case '<' -> o.append("&lt;");
                case '>' -> o.append("&gt;");
                case '&' -> o.append("&amp;");
                case '"' -> o.append("&quot;");
                case '\'' -> o.append("&#39;");
                default -> o.append(c);
            }
        }
        return o.toString();
    }
}
