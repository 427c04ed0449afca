package org.mafspark.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

class GemmBenchmarkTest {
    @Test
    void perCoreRatesCountEveryConcurrentProduct() {
        int threads = 2;
        GemmResult g = GemmBenchmark.measurePerCore(256, 64, 32, threads, 1, 3);
        assertEquals(threads, g.concurrent());
        assertEquals("256x64x32 per core x2", g.shape());
        double roundFlops = threads * 2.0 * 256 * 64 * 32;
        assertEquals(roundFlops / g.medianSeconds() / 1e9, g.gflops(), 1e-9 * g.gflops());
        assertEquals(roundFlops / g.bestSeconds() / 1e9, g.bestGflops(), 1e-9 * g.bestGflops());
        assertTrue(g.bestSeconds() > 0 && g.bestSeconds() <= g.medianSeconds(), g.toString());
        assertEquals(3, g.reps());
    }

    @Test
    void oneProductOnTheBlasThreadsIsNamedByItsShapeAlone() {
        GemmResult g = GemmBenchmark.measure(128, 64, 64, 1, 3, 1);
        assertEquals(1, g.concurrent());
        assertEquals("128x64x64", g.shape());
        assertEquals(2.0 * 128 * 64 * 64 / g.bestSeconds() / 1e9, g.bestGflops(), 1e-9 * g.bestGflops());
    }

    @Test
    void theLimitIsTheFastestReadingOfTheReferenceProductEitherWay() {
        GemmResult streaming = reading(65536, 64, 64, 1, 90);
        GemmResult perCore = reading(2048, 64, 64, 2, 140);
        GemmResult perCoreSlower = reading(2048, 64, 64, 2, 120);
        GemmResult cube = reading(1024, 1024, 1024, 1, 200);
        GemmResult narrow = reading(65536, 8, 64, 1, 300);
        List<GemmResult> all = List.of(streaming, cube, perCore, narrow, perCoreSlower);
        assertSame(perCore, Benchmark.limit(all, 64, 64));
        assertSame(streaming, Benchmark.limit(List.of(cube, streaming, narrow), 64, 64));
        assertThrows(IllegalArgumentException.class, () -> Benchmark.limit(List.of(cube, narrow), 64, 64));
    }

    private static GemmResult reading(long m, long k, long n, int concurrent, double bestGflops) {
        double flops = concurrent * 2.0 * m * k * n;
        double best = flops / bestGflops / 1e9;
        return new GemmResult(m, k, n, concurrent, 1.2 * best, bestGflops / 1.2, best, bestGflops, 5);
    }
}
