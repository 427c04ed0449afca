package org.mafspark.flow;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import org.junit.jupiter.api.Test;

/** The same choices as conf/openblas.sh, from a {@code /proc/cpuinfo} flags line. */
class BlasKernelsTest {

    @Test
    void avx512ThenAvx2ThenNothing() {
        assertEquals("SkylakeX",
                BlasKernels.coreTypeFor(" fpu sse avx2 fma avx512f avx512cd avx512bw avx512dq avx512vl"));
        assertEquals("Haswell", BlasKernels.coreTypeFor("fpu sse avx2 bmi2 fma"));
        // AVX-512 without every subset the SkylakeX kernels use, and AVX2 without FMA: OpenBLAS decides.
        assertNull(BlasKernels.coreTypeFor("fpu avx512f avx512cd"));
        assertNull(BlasKernels.coreTypeFor("fpu sse avx2"));
        // Whole words only: "avx2" inside another flag name does not count.
        assertNull(BlasKernels.coreTypeFor("fpu xavx2 fmax"));
    }
}
