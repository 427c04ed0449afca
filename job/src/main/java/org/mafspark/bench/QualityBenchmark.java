package org.mafspark.bench;

import java.util.ArrayList;
import java.util.List;
import org.apache.spark.api.java.JavaPairRDD;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.ml.feature.VectorAssembler;
import org.apache.spark.mllib.evaluation.BinaryClassificationMetrics;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.mafspark.data.PlantedAnomalies;
import org.mafspark.spark.MafOutlierDetector;
import org.mafspark.spark.MafOutlierModel;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import scala.Tuple2;

/**
 * Detection quality on the {@link PlantedAnomalies} benchmark: maf-spark with its DEFAULT settings
 * against Spark MLlib's GaussianMixture ({@link GaussianMixturePeer}), both fitted without labels on
 * the same contaminated table, compared by ROC AUC and PR AUC per anomaly type (each type against the
 * normal rows), by held-out NLL on fresh normal rows, and by how often the explanation of a flagged
 * local anomaly names its corrupted feature first.
 */
public final class QualityBenchmark {
    private static final Logger LOG = LoggerFactory.getLogger(QualityBenchmark.class);
    private static final String FEATURES = "features";

    private QualityBenchmark() {}

    /** AUCs of one anomaly type. */
    public record TypeScores(String type, long anomalies, double mafRocAuc, double mafPrAuc, double gmmRocAuc,
            double gmmPrAuc) {}

    /**
     * Everything measured.
     *
     * @param explanationTop1 share of the flagged local anomalies whose explanation ranks the corrupted
     *     feature first
     */
    public record QualityReport(int normalRows, int anomaliesPerType, long seed, List<TypeScores> types,
            double mafHeldOutNll, double gmmHeldOutNll, int gmmComponents, long localFlagged,
            double explanationTop1, double mafFitSeconds, double gmmFitSeconds) {}

    /**
     * One setting of the detector's training and architecture params tried by {@link #tune}.
     *
     * @param name a short label for the table
     * @param maxEpochs 0 leaves {@code maxEpochs} unset: the detector's own rule chooses it
     */
    public record Candidate(String name, int numLayers, int hiddenFeatures, int numBlocks, int maxEpochs,
            int batchSizePerWorker, double learningRate, int averagingFrequency) {
        /** The detector's defaults. */
        public static Candidate defaults() {
            MafOutlierDetector d = new MafOutlierDetector();
            return new Candidate("defaults", d.getNumLayers(), d.getHiddenFeatures(), d.getNumBlocks(),
                    0, d.getBatchSizePerWorker(), d.getLearningRate(), d.getAveragingFrequency());
        }

        MafOutlierDetector detector(long seed) {
            MafOutlierDetector d = new MafOutlierDetector().setInputCols(PlantedAnomalies.FEATURES).setSeed(seed)
                    .setNumLayers(numLayers).setHiddenFeatures(hiddenFeatures).setNumBlocks(numBlocks)
                    .setBatchSizePerWorker(batchSizePerWorker).setLearningRate(learningRate)
                    .setAveragingFrequency(averagingFrequency);
            return maxEpochs > 0 ? d.setMaxEpochs(maxEpochs) : d;
        }
    }

    /** What one candidate reached: AUCs per type, held-out NLL of fresh normal rows, fit time. */
    public record CandidateResult(Candidate candidate, List<TypeScores> types, double meanPrAuc,
            double heldOutNll, double fitSeconds) {}

    /**
     * Fits the MAF once per candidate on the same contaminated table (seed {@code seed}) and scores each
     * anomaly type, to choose defaults; GaussianMixture columns of the type scores are NaN here.
     */
    public static List<CandidateResult> tune(SparkSession spark, int normalRows, int perType, long seed,
            List<Candidate> candidates) {
        Dataset<Row> table = cachedTable(spark, PlantedAnomalies.generate(normalRows, perType, seed));
        Dataset<Row> freshDf = freshNormalRows(spark, seed).cache();
        JavaPairRDD<Long, String> types = types(table);
        List<CandidateResult> results = new ArrayList<>();
        for (Candidate c : candidates) {
            long t0 = System.nanoTime();
            MafOutlierModel maf = c.detector(seed).fit(table);
            double fit = (System.nanoTime() - t0) / 1e9;
            JavaPairRDD<String, Double> typed = types.join(mafScores(maf.transform(table))).values().mapToPair(v -> v)
                    .cache();
            List<TypeScores> scores = new ArrayList<>();
            double prSum = 0;
            for (PlantedAnomalies.Type type : anomalyTypes()) {
                String name = type.name();
                BinaryClassificationMetrics m = typeVsNormal(typed, name);
                scores.add(new TypeScores(name, perType, m.areaUnderROC(), m.areaUnderPR(), Double.NaN, Double.NaN));
                prSum += m.areaUnderPR();
                m.unpersist();
            }
            typed.unpersist();
            double nll = heldOutNll(maf, freshDf);
            CandidateResult r = new CandidateResult(c, scores, prSum / scores.size(), nll, fit);
            LOG.info("tune: {} -> mean PR AUC {}, held-out NLL {}, fit {} s", c, String.format("%.4f",
                    r.meanPrAuc()), String.format("%.4f", nll), String.format("%.1f", fit));
            results.add(r);
        }
        freshDf.unpersist();
        table.unpersist();
        return results;
    }

    /**
     * The settings {@code quality --tune} tries: the defaults (whose epoch budget follows the data's
     * size), fixed epoch budgets, then one change at a time from 20 epochs (batch size, step size, width,
     * depth), then the combination the single changes suggest, then rarer parameter averaging at the
     * defaults' step budget (same steps, fewer averaging rounds).
     */
    public static List<Candidate> tuningGrid() {
        Candidate d = Candidate.defaults();
        int e = new MafOutlierDetector().getMaxEpochs();
        int l = d.numLayers();
        int h = d.hiddenFeatures();
        int b = d.numBlocks();
        int n = d.batchSizePerWorker();
        double r = d.learningRate();
        int a = d.averagingFrequency();
        return List.of(d,
                new Candidate("epochs " + e, l, h, b, e, n, r, a),
                new Candidate("epochs " + 2 * e, l, h, b, 2 * e, n, r, a),
                new Candidate("epochs " + 3 * e, l, h, b, 3 * e, n, r, a),
                new Candidate("batch / 2", l, h, b, e, n / 2, r, a),
                new Candidate("lr x2.5", l, h, b, e, n, 2.5 * r, a),
                new Candidate("hidden x2", l, 2 * h, b, e, n, r, a),
                new Candidate("layers 8", 8, h, b, e, n, r, a),
                new Candidate("hidden x2, default epochs", l, 2 * h, b, 0, n, r, a),
                new Candidate("averaging 10", l, h, b, 0, n, r, 10),
                new Candidate("averaging 20", l, h, b, 0, n, r, 20));
    }

    private static List<PlantedAnomalies.Type> anomalyTypes() {
        return java.util.Arrays.stream(PlantedAnomalies.Type.values()).filter(x -> x != PlantedAnomalies.Type.NORMAL)
                .toList();
    }

    /** The tuning results as a text table. */
    public static String renderTuning(List<CandidateResult> results) {
        StringBuilder b = new StringBuilder(String.format("%-26s %6s %6s %6s %6s %6s %8s", "candidate", "layers",
                "hidden", "blocks", "epochs", "batch", "lr"));
        for (PlantedAnomalies.Type t : anomalyTypes()) {
            b.append(String.format(" %11s", t.name().toLowerCase()));
        }
        b.append(String.format(" %8s %8s %7s%n", "mean PR", "NLL", "fit s"));
        for (CandidateResult r : results) {
            Candidate c = r.candidate();
            b.append(String.format("%-26s %6d %6d %6d %6s %6d %8.0e", c.name(), c.numLayers(), c.hiddenFeatures(),
                    c.numBlocks(), c.maxEpochs() > 0 ? Integer.toString(c.maxEpochs()) : "auto",
                    c.batchSizePerWorker(), c.learningRate()));
            for (TypeScores s : r.types()) {
                b.append(String.format(" %5.3f/%5.3f", s.mafRocAuc(), s.mafPrAuc()));
            }
            b.append(String.format(" %8.4f %8.4f %7.1f%n", r.meanPrAuc(), r.heldOutNll(), r.fitSeconds()));
        }
        b.append("(per type: ROC AUC / PR AUC)\n");
        return b.toString();
    }

    public static QualityReport run(SparkSession spark, int normalRows, int perType, long seed) {
        Dataset<Row> table = cachedTable(spark, PlantedAnomalies.generate(normalRows, perType, seed));

        long t0 = System.nanoTime();
        MafOutlierModel maf = new MafOutlierDetector().setInputCols(PlantedAnomalies.FEATURES).setSeed(seed)
                .fit(table);
        double mafFit = (System.nanoTime() - t0) / 1e9;
        Dataset<Row> mafScored = maf.transform(table).cache();

        VectorAssembler assembler = new VectorAssembler().setInputCols(PlantedAnomalies.FEATURES)
                .setOutputCol(FEATURES);
        Dataset<Row> vectors = assembler.transform(table).cache();
        Dataset<Row>[] split = vectors.randomSplit(new double[] {0.9, 0.1}, seed);
        long t1 = System.nanoTime();
        GaussianMixturePeer gmm = GaussianMixturePeer.fit(split[0], split[1], FEATURES, seed);
        double gmmFit = (System.nanoTime() - t1) / 1e9;
        LOG.info("quality: MAF fitted in {} s, GaussianMixture (k = {}) in {} s", String.format("%.1f", mafFit),
                gmm.components(), String.format("%.1f", gmmFit));

        // type and id travel with the scores: the type decides the label of each comparison.
        JavaRDD<Double> gmmLogDensity = gmm.logDensity(vectors, FEATURES);
        JavaPairRDD<Long, Double> gmmScores = vectors.select("id").javaRDD().map(r -> r.getLong(0))
                .zip(gmmLogDensity).mapToPair(p -> new Tuple2<>(p._1(), -p._2()));
        JavaRDD<Tuple2<String, Tuple2<Double, Double>>> joined = types(table)
                .join(mafScores(mafScored).join(gmmScores)).values().cache();
        JavaPairRDD<String, Double> mafTyped = joined.mapToPair(v -> new Tuple2<>(v._1(), v._2()._1()));
        JavaPairRDD<String, Double> gmmTyped = joined.mapToPair(v -> new Tuple2<>(v._1(), v._2()._2()));

        List<TypeScores> scores = new ArrayList<>();
        for (PlantedAnomalies.Type type : anomalyTypes()) {
            String name = type.name();
            BinaryClassificationMetrics m = typeVsNormal(mafTyped, name);
            BinaryClassificationMetrics g = typeVsNormal(gmmTyped, name);
            scores.add(new TypeScores(name, perType, m.areaUnderROC(), m.areaUnderPR(), g.areaUnderROC(),
                    g.areaUnderPR()));
            m.unpersist();
            g.unpersist();
        }

        // Held-out NLL on fresh normal rows: the density each model learned of the normal data.
        Dataset<Row> freshDf = freshNormalRows(spark, seed);
        double mafNll = heldOutNll(maf, freshDf);
        double gmmNll = -gmm.meanLogDensity(assembler.transform(freshDf), FEATURES);

        List<Row> local = mafScored.filter("type = 'LOCAL' AND isAnomaly").select("corrupted", "explanation")
                .collectAsList();
        long top1 = local.stream().filter(r -> r.<Row>getList(1).get(0).getString(0)
                .equals(PlantedAnomalies.FEATURES[r.getInt(0)])).count();
        joined.unpersist();
        mafScored.unpersist();
        vectors.unpersist();
        table.unpersist();
        return new QualityReport(normalRows, perType, seed, scores, mafNll, gmmNll, gmm.components(), local.size(),
                local.isEmpty() ? Double.NaN : (double) top1 / local.size(), mafFit, gmmFit);
    }

    private static Dataset<Row> cachedTable(SparkSession spark, PlantedAnomalies.Table t) {
        Dataset<Row> table = spark.createDataFrame(rows(t), schema()).cache();
        table.count();
        return table;
    }

    /** 20,000 normal rows drawn afresh (seed + 1): the held-out rows of every NLL reported. */
    private static Dataset<Row> freshNormalRows(SparkSession spark, long seed) {
        double[][] fresh = PlantedAnomalies.normal(20_000, seed + 1);
        return spark.createDataFrame(rows(new PlantedAnomalies.Table(fresh,
                filled(fresh.length, PlantedAnomalies.Type.NORMAL), new int[fresh.length])), schema());
    }

    /** id -> planted type of each row. */
    private static JavaPairRDD<Long, String> types(Dataset<Row> table) {
        return table.select("id", "type").javaRDD().mapToPair(r -> new Tuple2<>(r.getLong(0), r.getString(1)));
    }

    /** id -> anomaly score (-log p) of each row of a MAF-scored table. */
    private static JavaPairRDD<Long, Double> mafScores(Dataset<Row> scored) {
        return scored.select("id", "logProb").javaRDD().mapToPair(r -> new Tuple2<>(r.getLong(0), -r.getDouble(1)));
    }

    /** ROC and PR of anomaly scores of one planted type against the normal rows, from (type, score) pairs. */
    private static BinaryClassificationMetrics typeVsNormal(JavaPairRDD<String, Double> typedScores, String type) {
        return metrics(typedScores.filter(r -> r._1().equals(type) || r._1().equals("NORMAL"))
                .map(r -> new Tuple2<>(r._2(), r._1().equals(type) ? 1.0 : 0.0)));
    }

    private static double heldOutNll(MafOutlierModel maf, Dataset<Row> fresh) {
        return -mean(maf.transform(fresh).select("logProb").javaRDD().map(r -> r.getDouble(0)));
    }

    private static BinaryClassificationMetrics metrics(JavaRDD<Tuple2<Double, Double>> scoreAndLabel) {
        JavaRDD<Tuple2<Object, Object>> rdd = scoreAndLabel.map(p -> new Tuple2<>(p._1(), p._2()));
        return new BinaryClassificationMetrics(rdd.rdd());
    }

    private static double mean(JavaRDD<Double> v) {
        return v.mapToDouble(Double::doubleValue).mean();
    }

    private static PlantedAnomalies.Type[] filled(int n, PlantedAnomalies.Type t) {
        PlantedAnomalies.Type[] a = new PlantedAnomalies.Type[n];
        java.util.Arrays.fill(a, t);
        return a;
    }

    private static StructType schema() {
        StructType s = new StructType().add("id", DataTypes.LongType, false);
        for (String f : PlantedAnomalies.FEATURES) {
            s = s.add(f, DataTypes.DoubleType, false);
        }
        return s.add("type", DataTypes.StringType, false).add("corrupted", DataTypes.IntegerType, false);
    }

    private static List<Row> rows(PlantedAnomalies.Table t) {
        List<Row> rows = new ArrayList<>(t.rows());
        for (int i = 0; i < t.rows(); i++) {
            Object[] v = new Object[PlantedAnomalies.FEATURES.length + 3];
            v[0] = (long) i;
            for (int j = 0; j < PlantedAnomalies.FEATURES.length; j++) {
                v[j + 1] = t.x()[i][j];
            }
            v[v.length - 2] = t.type()[i].name();
            v[v.length - 1] = t.corruptedFeature()[i];
            rows.add(RowFactory.create(v));
        }
        return rows;
    }

    /** The figures as a text table. */
    public static String render(QualityReport r) {
        StringBuilder b = new StringBuilder();
        b.append(String.format("%-12s %9s %9s %9s %9s %9s%n", "anomalies", "rows", "MAF ROC", "MAF PR", "GMM ROC",
                "GMM PR"));
        for (TypeScores s : r.types()) {
            b.append(String.format("%-12s %9d %9.4f %9.4f %9.4f %9.4f%n", s.type().toLowerCase(), s.anomalies(),
                    s.mafRocAuc(), s.mafPrAuc(), s.gmmRocAuc(), s.gmmPrAuc()));
        }
        b.append(String.format("held-out NLL of fresh normal rows: MAF %.4f, GaussianMixture (k=%d) %.4f nats%n",
                r.mafHeldOutNll(), r.gmmComponents(), r.gmmHeldOutNll()));
        b.append(String.format("explanations of flagged local anomalies naming the corrupted feature first: "
                + "%.1f%% of %d%n", 100 * r.explanationTop1(), r.localFlagged()));
        return b.toString();
    }
}
