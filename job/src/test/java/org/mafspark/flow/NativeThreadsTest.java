package org.mafspark.flow;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

class NativeThreadsTest {

    @Test
    void oneBlasThreadInsideAndTheCountRestoredAfterEvenWhenTheWorkFails() {
        int original = NativeThreads.blasThreads();
        try {
            NativeThreads.setBlasThreads(2);
            assertEquals(1, NativeThreads.withOneBlasThread(NativeThreads::blasThreads));
            // the threads that row-split work may use stay what was set
            assertEquals(2, NativeThreads.withOneBlasThread(NativeThreads::rowThreads));
            assertEquals(2, NativeThreads.blasThreads());
            assertThrows(IllegalStateException.class, () -> NativeThreads.withOneBlasThread(() -> {
                throw new IllegalStateException("step failed");
            }));
            assertEquals(2, NativeThreads.blasThreads());
        } finally {
            NativeThreads.setBlasThreads(original);
        }
    }
}
