package org.mafspark.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.mafspark.flow.NativeThreads;

/** Local-mode tasks share the JVM's cores instead of each starting a BLAS thread per core. */
class TaskThreadsTest {
    private static SparkSession spark;

    @BeforeAll
    static void start() {
        spark = SparkTestData.session();
    }

    @AfterAll
    static void stop() {
        spark.stop();
    }

    @Test
    void threadsPerTaskAreCoresOverSlots() {
        assertEquals(1, TaskThreads.blasThreadsPerTask(2, 2));
        assertEquals(4, TaskThreads.blasThreadsPerTask(8, 2));
        assertEquals(2, TaskThreads.blasThreadsPerTask(9, 4));
        assertEquals(1, TaskThreads.blasThreadsPerTask(2, 8));
        assertEquals(4, TaskThreads.blasThreadsPerTask(4, 0));
    }

    @Test
    void aLocalSessionSetsTheJvmsBlasThreads() {
        int before = NativeThreads.blasThreads();
        try {
            // Start from more threads than the answer, so the call has to lower them.
            NativeThreads.setBlasThreads(16);
            assertEquals(16, NativeThreads.blasThreads());
            TaskThreads.shareCores(spark.sparkContext(), Integer.MAX_VALUE);
            int expected = TaskThreads.blasThreadsPerTask(Runtime.getRuntime().availableProcessors(),
                    spark.sparkContext().defaultParallelism());
            assertEquals(expected, NativeThreads.blasThreads());
            // A one-partition stage runs one task: it may use every core.
            TaskThreads.shareCores(spark.sparkContext(), 1);
            assertEquals(Runtime.getRuntime().availableProcessors(), NativeThreads.blasThreads());
        } finally {
            NativeThreads.setBlasThreads(before);
        }
    }
}
