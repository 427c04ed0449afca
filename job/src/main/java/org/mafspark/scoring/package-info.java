/**
 * What a log-density means for a user, independent of Spark: how surprising it is
 * ({@link org.mafspark.scoring.TailProbability}), which features make a row unlikely
 * ({@link org.mafspark.scoring.FeatureRepair}), and whether a batch still looks like the training
 * data ({@link org.mafspark.scoring.PopulationStability}).
 */
package org.mafspark.scoring;
