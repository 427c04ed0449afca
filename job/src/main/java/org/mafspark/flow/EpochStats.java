package org.mafspark.flow;

/**
 * One epoch of training, NLLs in nats per row in the ORIGINAL units of the features.
 *
 * @param epoch 1-based epoch number
 * @param trainNll training NLL: in one JVM the mean over the epoch's minibatches (parameters moving
 *     during the epoch); on Spark the NLL after the epoch of a fixed, seeded sample of at most 50,000
 *     training rows (all of them when fewer)
 * @param validationNll NLL on the held-out rows after the epoch, NaN without validation
 * @param rowsPerSecond training throughput of the epoch
 * @param seconds wall time of the epoch
 */
public record EpochStats(int epoch, double trainNll, double validationNll, double rowsPerSecond, double seconds) {

    /**
     * "about N s left": the epochs still allowed at the mean pace so far (an upper bound: early
     * stopping may end sooner).
     */
    public static String eta(java.util.List<EpochStats> history, int maxEpochs) {
        if (history.isEmpty()) {
            return "time left unknown";
        }
        double mean = history.stream().mapToDouble(EpochStats::seconds).average().orElse(0);
        int left = maxEpochs - history.get(history.size() - 1).epoch();
        return left <= 0 ? "last epoch" : String.format(java.util.Locale.ROOT, "at most ~%.0f s left", left * mean);
    }
}
