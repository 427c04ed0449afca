package org.mafspark.flow;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicIntegerArray;
import org.junit.jupiter.api.Test;

class SpinningWorkersTest {

    @Test
    void everyShareRunsOnceEvenWithCallersCompetingForTheWorkers() throws Exception {
        int callers = 3;
        int calls = 300;
        int shares = 4;
        AtomicIntegerArray runs = new AtomicIntegerArray(shares);
        ExecutorService pool = Executors.newFixedThreadPool(callers);
        try {
            List<Future<?>> done = new ArrayList<>();
            for (int c = 0; c < callers; c++) {
                done.add(pool.submit(() -> {
                    for (int i = 0; i < calls; i++) {
                        int[] seen = new int[shares];
                        SpinningWorkers.run(shares, k -> seen[k]++);
                        for (int k = 0; k < shares; k++) {
                            // the join makes the workers' writes visible to the caller
                            assertEquals(1, seen[k], "share " + k + " of call " + i);
                            runs.incrementAndGet(k);
                        }
                    }
                }));
            }
            for (Future<?> f : done) {
                f.get(60, TimeUnit.SECONDS);
            }
        } finally {
            pool.shutdownNow();
        }
        for (int k = 0; k < shares; k++) {
            assertEquals(callers * calls, runs.get(k));
        }
    }

    @Test
    void aFailingShareIsRethrownAfterTheOthersFinishAndTheWorkersStayUsable() {
        for (int failing = 0; failing < 2; failing++) {
            int bad = failing;
            boolean[] ran = new boolean[2];
            IllegalStateException e = assertThrows(IllegalStateException.class, () -> SpinningWorkers.run(2, k -> {
                ran[k] = true;
                if (k == bad) {
                    throw new IllegalStateException("share " + k + " failed");
                }
            }));
            assertEquals("share " + bad + " failed", e.getMessage());
            assertEquals(true, ran[1 - bad], "the other share still ran");
        }
        int[] seen = new int[2];
        SpinningWorkers.run(2, k -> seen[k]++);
        assertEquals(1, seen[0]);
        assertEquals(1, seen[1]);
    }
}
