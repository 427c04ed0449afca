package org.mafspark.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mafspark.data.NotebookData;
import org.mafspark.spark.MafOutlierDetector;
import org.mafspark.spark.MafOutlierModel;

/**
 * A real report (a model trained on the notebook's mixture, scored, evaluated against its labels)
 * rendered by headless Chromium: it loads from a file with every image decoded, no console error and
 * no script exception. The screenshot is kept in target/report-screenshot.png for a person to look at.
 */
class ReportBrowserTest {

    @Test
    void reportLoadsInChromiumWithEveryImageDecoded(@TempDir Path tmp) throws Exception {
        SparkSession spark = SparkSession.builder().master("local[2]").appName("report-test")
                .config("spark.ui.enabled", "false").config("spark.driver.host", "127.0.0.1").getOrCreate();
        RunReport report;
        try {
            NotebookData.Labelled d = NotebookData.mixture2d(6000, 11L);
            StructType schema = new StructType().add("x1", DataTypes.DoubleType, false)
                    .add("x2", DataTypes.DoubleType, false).add("label", DataTypes.IntegerType, false)
                    .add("note", DataTypes.StringType, true);
            List<Row> rows = new java.util.ArrayList<>();
            for (int i = 0; i < d.x().length; i++) {
                // A value that must be escaped: the table shows user data.
                rows.add(RowFactory.create(d.x()[i][0], d.x()[i][1], d.label()[i], i % 2 == 0 ? "<b>&" : null));
            }
            Dataset<Row> df = spark.createDataFrame(rows, schema).cache();
            MafOutlierModel model = new MafOutlierDetector().setInputCols("x1", "x2").setMaxEpochs(3)
                    .setContamination(0.005).setSeed(3L).fit(df);
            Dataset<Row> anomalies = model.transform(df).filter("isAnomaly").cache();
            report = ReportBuilder.build(model, df, anomalies, Optional.of("label"), new ReportBuilder.RunFacts(
                    "report test", Map.of("rows read", "6000"), 6000, anomalies.count(), Optional.of(
                            model.drift(df, 6000)), Map.of("score", 1.0), 5L));
        } finally {
            spark.stop();
        }
        Path html = tmp.resolve("report.html");
        Files.write(html, ReportWriter.html(report));
        String text = Files.readString(html);
        assertTrue(!text.contains("<b>&") && text.contains("&lt;b&gt;&amp;"), "user data is escaped");
        assertTrue(!text.contains("http://") && !text.contains("https://"), "nothing is fetched from the network");

        try (HeadlessChromium chromium = HeadlessChromium.start()) {
            chromium.load(html.toUri().toString());
            JsonNode images = chromium.evaluate("Array.from(document.images).map(i => ({ok: i.complete && "
                    + "i.naturalWidth > 0, w: i.naturalWidth, alt: i.alt}))");
            assertEquals(report.figures().size(), images.size(), images.toString());
            for (JsonNode i : images) {
                assertTrue(i.path("ok").asBoolean(), "image not decoded: " + i);
                assertEquals(Plots.WIDTH, i.path("w").asInt(), i.toString());
            }
            assertEquals(21, chromium.evaluate("document.querySelectorAll('h2 ~ div.wide table tr').length")
                    .asInt(), "header + 20 most anomalous rows");
            byte[] png = chromium.screenshot(1400);
            Path shot = Path.of("target", "report-screenshot.png");
            Files.createDirectories(shot.getParent());
            Files.write(shot, png);
            assertEquals(List.of(), chromium.errors(), "console errors or exceptions");
        }
    }
}
