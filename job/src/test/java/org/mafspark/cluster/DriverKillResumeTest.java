package org.mafspark.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mafspark.data.Gaussian;
import org.mafspark.flow.TrainingCheckpoint;

/**
 * A real driver death: the job's {@code train} command runs in a child JVM with
 * {@code --checkpoint-dir}, is SIGKILLed by PID once a checkpoint of epoch 2 exists, and the same
 * command run again resumes after the last complete epoch and finishes. The epochs before the kill
 * keep their history, the kill leaves exactly one complete checkpoint, and the final model has the
 * held-out NLL of a trained flow. (That a resumed run ends bit-identical to an uninterrupted one is
 * {@code TrainingCheckpointTest}'s.)
 */
class DriverKillResumeTest {
    static final int EPOCHS = 6;
    static final int ROWS = 6_000;

    @TempDir
    Path dir;

    @Test
    void trainKilledMidRunResumesFromItsLastCheckpoint() throws Exception {
        Gaussian g = new Gaussian(ParameterAveragingClusterTest.MEAN, ParameterAveragingClusterTest.COV);
        Path csv = writeCsv(dir.resolve("train.csv"), g.sample(ROWS, 5L));
        Path checkpoints = dir.resolve("checkpoints");
        Path model = dir.resolve("model");
        List<String> train = List.of("train", "--input", csv.toString(), "--exclude", "id", "--model",
                model.toString(), "--checkpoint-dir", checkpoints.toString(), "--epochs", Integer.toString(EPOCHS),
                "--layers", "2", "--hidden", "16", "--batch-size-per-worker", "128", "--seed", "7");

        long t0 = System.nanoTime();
        Process first = start(train, dir.resolve("killed.log"));
        try {
            runKillAndResume(g, first, train, checkpoints, model, t0);
        } finally {
            first.destroyForcibly();
        }
    }

    private void runKillAndResume(Gaussian g, Process first, List<String> train, Path checkpoints, Path model, long t0)
            throws Exception {
        long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(3);
        while (epoch(checkpoints) < 2) {
            assertTrue(first.isAlive(), "train exited before epoch 2:\n" + Files.readString(dir.resolve("killed.log")));
            assertTrue(System.nanoTime() < deadline, "no checkpoint of epoch 2 within 3 minutes");
            Thread.sleep(50);
        }
        first.toHandle().destroyForcibly();
        assertTrue(first.waitFor(30, TimeUnit.SECONDS), "the driver survived SIGKILL");
        double killedAt = (System.nanoTime() - t0) / 1e9;
        TrainingCheckpoint atKill = TrainingCheckpoint.read(checkpoints).orElseThrow();
        try (var files = Files.list(checkpoints)) {
            List<String> names = files.map(p -> p.getFileName().toString()).toList();
            assertTrue(names.contains(TrainingCheckpoint.FILE), names.toString());
        }
        assertTrue(atKill.epoch() >= 2 && atKill.epoch() < EPOCHS, "killed after epoch " + atKill.epoch());
        assertFalse(Files.exists(model), "the killed driver saved a model");

        long r0 = System.nanoTime();
        Process second = start(train, dir.resolve("resumed.log"));
        try {
            assertTrue(second.waitFor(3, TimeUnit.MINUTES), "resumed train did not finish in 3 minutes");
        } finally {
            second.destroyForcibly();
        }
        String log = Files.readString(dir.resolve("resumed.log"));
        assertEquals(0, second.exitValue(), log);
        double resumedSeconds = (System.nanoTime() - r0) / 1e9;
        assertTrue(log.contains("resuming from checkpoint") && log.contains("epoch " + atKill.epoch() + " of " + EPOCHS
                + " done"), log);
        assertFalse(log.contains("epoch 1/" + EPOCHS + ":"), "the resumed run trained epoch 1 again");

        TrainingCheckpoint done = TrainingCheckpoint.read(checkpoints).orElseThrow();
        assertTrue(done.finished(), "final checkpoint not marked finished");
        assertEquals(EPOCHS, done.history().size(), "epochs in the final history");
        assertEquals(atKill.history(), done.history().subList(0, atKill.epoch()), "history of the epochs before the kill");
        assertTrue(Files.isDirectory(model.resolve("metadata")), "model saved by the resumed run");

        // The model the resumed run kept is a trained flow: held-out NLL near the entropy. -log p has
        // standard deviation 1 nat here, 20k held-out rows give a standard error of 0.007; the excess
        // of a small flow after 6 short epochs is allowed 0.1 nat (an untrained one is 0.33 above).
        double[][] heldOut = g.sample(20_000, 6L);
        double nll = done.bestFlow().meanNll(heldOut);
        System.out.printf("FAULT: train driver SIGKILLed %.1f s after start, after epoch %d of %d; resumed run took "
                + "%.1f s; best epoch %d, held-out NLL %.4f (entropy %.4f)%n", killedAt, atKill.epoch(), EPOCHS,
                resumedSeconds, done.bestEpoch(), nll, g.entropy());
        assertEquals(g.entropy(), nll, 4 / Math.sqrt(heldOut.length) + 0.1, "held-out NLL of the resumed model");
    }

    /** The epoch of the checkpoint in {@code dir}, 0 when there is none yet. */
    private static int epoch(Path dir) throws IOException {
        Optional<TrainingCheckpoint> cp = TrainingCheckpoint.read(dir);
        return cp.map(TrainingCheckpoint::epoch).orElse(0);
    }

    private static Path writeCsv(Path file, double[][] x) throws IOException {
        try (PrintWriter w = new PrintWriter(Files.newBufferedWriter(file))) {
            w.println("id,x0,x1");
            for (int i = 0; i < x.length; i++) {
                w.printf(Locale.ROOT, "%d,%.17g,%.17g%n", i, x[i][0], x[i][1]);
            }
        }
        return file;
    }

    /** Starts the job's CLI in a new JVM on this JVM's classpath, output to {@code log}. */
    private static Process start(List<String> args, Path log) throws IOException {
        LocalSparkCluster.Classpath cp = LocalSparkCluster.Classpath.ofThisJvm();
        List<String> entries = new ArrayList<>();
        cp.directories.forEach(p -> entries.add(p.toString()));
        cp.jars.forEach(p -> entries.add(p.toString()));
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.addAll(LocalSparkCluster.JAVA17_OPENS);
        cmd.add("-Xmx2g");
        cmd.add("-cp");
        cmd.add(String.join(java.io.File.pathSeparator, entries));
        cmd.add("org.mafspark.cli.MafSparkCli");
        cmd.addAll(args);
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile());
        pb.environment().put("SPARK_LOCAL_IP", "127.0.0.1");
        pb.environment().put("OMP_NUM_THREADS", "1");
        return pb.start();
    }
}
