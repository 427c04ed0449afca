package org.mafspark.cli;

import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.OutputStream;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.time.Instant;
import java.util.UUID;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.LocalFileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.fs.RawLocalFileSystem;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Where a scoring run writes, all or nothing.
 *
 * <p>With a batch id the run writes {@code OUT/batch_id=ID/} (a partition directory: readers of
 * {@code OUT} see a {@code batch_id} column). Everything is written first to a staging directory
 * {@code OUT/_staging/batch_id=ID-<uuid>/} (Spark and Hive readers skip names starting with
 * {@code _}), {@code _SUCCESS} last, and then published under a per-batch lock by renames: the old
 * copy of the batch (if any) is moved aside, the staged one moved in, the old one deleted. So a
 * reader never sees a partial batch, a failed run leaves only its staging directory (removed on
 * failure when possible), a rerun replaces exactly its own batch, and two runs of the same batch end
 * with one complete copy (the later publisher's).
 *
 * <p>Without a batch id the run writes into {@code OUT} itself (beside a model that {@code run}
 * keeps there): the previous results are removed first and {@code _SUCCESS} is written last, so a
 * complete output is recognisable.
 */
final class BatchOutput {
    private static final Logger LOG = LoggerFactory.getLogger(BatchOutput.class);
    static final String SUCCESS = "_SUCCESS";
    static final String STAGING = "_staging";
    /** How long a publisher waits for another run of the same batch to finish publishing. */
    static final long LOCK_WAIT_MILLIS = 10 * 60 * 1000L;

    private final FileSystem fs;
    private final Path root;
    private final String batchId;
    private final Path target;
    private final Path staging;

    private BatchOutput(FileSystem fs, Path root, String batchId, Path target, Path staging) {
        this.fs = fs;
        this.root = root;
        this.batchId = batchId;
        this.target = target;
        this.staging = staging;
    }

    /**
     * Prepares the output of a run: for a batch, a fresh staging directory; without one, an emptied
     * output directory (refused, before anything is written, if results exist and not
     * {@code overwrite}).
     */
    static BatchOutput open(Configuration conf, String output, String batchId, boolean overwrite,
            String... results) throws IOException {
        Path root = new Path(output);
        FileSystem fs = root.getFileSystem(conf);
        if (batchId != null) {
            if (!batchId.matches("[A-Za-z0-9._-]+")) {
                throw new IllegalArgumentException("--batch-id '" + batchId + "': use letters, digits, '.', '_' or "
                        + "'-' only (it becomes a directory name)");
            }
            Path staging = new Path(new Path(root, STAGING), "batch_id=" + batchId + "-" + UUID.randomUUID());
            fs.mkdirs(staging);
            return new BatchOutput(fs, root, batchId, new Path(root, "batch_id=" + batchId), staging);
        }
        for (String r : results) {
            Path p = new Path(root, r);
            if (fs.exists(p)) {
                if (!overwrite) {
                    throw new IllegalArgumentException(p + " already exists: use --overwrite, or --batch-id for "
                            + "one directory per batch");
                }
            }
        }
        fs.delete(new Path(root, SUCCESS), false);
        for (String r : results) {
            fs.delete(new Path(root, r), true);
        }
        fs.mkdirs(root);
        return new BatchOutput(fs, root, null, root, root);
    }

    /** Where the run writes its files now. */
    Path dir() {
        return staging;
    }

    /** Where the results are once published. */
    Path target() {
        return target;
    }

    FileSystem fileSystem() {
        return fs;
    }

    /** Writes {@code _SUCCESS} and makes the results visible at {@link #target()}. */
    void publish() throws IOException {
        try (OutputStream out = fs.create(new Path(staging, SUCCESS), true)) {
            out.write(new byte[0]);
        }
        if (batchId == null) {
            return;
        }
        Path lock = new Path(new Path(root, STAGING), "batch_id=" + batchId + ".lock");
        acquire(lock);
        try {
            Path aside = null;
            if (fs.exists(target)) {
                aside = new Path(new Path(root, STAGING), "batch_id=" + batchId + "-" + UUID.randomUUID() + ".old");
                rename(target, aside);
            }
            rename(staging, target);
            if (aside != null) {
                fs.delete(aside, true);
            }
            LOG.info("published batch {} at {}{}", batchId, target, aside != null ? " (replacing the previous copy)"
                    : "");
        } finally {
            fs.delete(lock, false);
        }
    }

    /** Removes what a failed run staged (best effort: the staging area is invisible to readers anyway). */
    void abandon() {
        if (batchId == null) {
            return;
        }
        try {
            fs.delete(staging, true);
        } catch (IOException e) {
            LOG.warn("cannot remove the staging directory {}: {}", staging, e.toString());
        }
    }

    /** A plain rename whose destination does not exist: atomic on HDFS and on local disks. */
    private void rename(Path from, Path to) throws IOException {
        if (!fs.rename(from, to)) {
            throw new IOException("cannot rename " + from + " to " + to);
        }
    }

    /**
     * Creates the lock file exclusively (O_EXCL on a local disk, where Hadoop's create checks and
     * creates in two steps; the NameNode's create on HDFS), waiting while another run holds it.
     */
    private void acquire(Path lock) throws IOException {
        String owner = ManagementFactory.getRuntimeMXBean().getName() + " since " + Instant.now();
        long deadline = System.currentTimeMillis() + LOCK_WAIT_MILLIS;
        while (true) {
            try {
                if (fs instanceof LocalFileSystem || fs instanceof RawLocalFileSystem) {
                    java.nio.file.Path file = java.nio.file.Path.of(fs.makeQualified(lock).toUri());
                    Files.createDirectories(file.getParent());
                    Files.writeString(Files.createFile(file), owner, StandardCharsets.UTF_8);
                } else {
                    try (OutputStream out = fs.create(lock, false)) {
                        out.write(owner.getBytes(StandardCharsets.UTF_8));
                    }
                }
                return;
            } catch (FileAlreadyExistsException | org.apache.hadoop.fs.FileAlreadyExistsException e) {
                if (System.currentTimeMillis() > deadline) {
                    throw new IOException("batch " + batchId + " is being published by another run (lock " + lock
                            + ": " + holder(lock) + "); if that run is dead, delete the lock file", e);
                }
                try {
                    Thread.sleep(200);
                } catch (InterruptedException ie) {
                    Thread.currentThread().interrupt();
                    throw new IOException("interrupted while waiting for " + lock, ie);
                }
            }
        }
    }

    private String holder(Path lock) {
        try (var in = fs.open(lock)) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (FileNotFoundException e) {
            return "released";
        } catch (IOException e) {
            return "unreadable: " + e;
        }
    }
}
