package org.mafspark.flow;

import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Which OpenBLAS kernels this CPU should run, for JVMs not started by {@code ./submit} (Spark
 * executors above all). The OpenBLAS 0.3.19 inside nd4j-native picks kernels by CPU model and runs
 * generic SSE3 ones on CPUs newer than itself (3x slower matrix products, measured on a Xeon of
 * family 6 model 207); {@code OPENBLAS_CORETYPE} must be set before the library loads, so a JVM can
 * only say so. The rule is {@code conf/openblas.sh}'s.
 */
final class BlasKernels {
    private static final Logger LOG = LoggerFactory.getLogger(BlasKernels.class);
    private static final List<String> AVX512 = List.of("avx512f", "avx512cd", "avx512bw", "avx512dq", "avx512vl");
    private static final List<String> AVX2 = List.of("avx2", "fma");

    private BlasKernels() {}

    /** The kernels for a CPU with these {@code /proc/cpuinfo} flags, or null to leave it to OpenBLAS. */
    static String coreTypeFor(String flags) {
        Set<String> have = new HashSet<>(Arrays.asList(flags.trim().split("\\s+")));
        if (have.containsAll(AVX512)) {
            return "SkylakeX";
        }
        if (have.containsAll(AVX2)) {
            return "Haswell";
        }
        return null;
    }

    /** Logs a warning when {@code OPENBLAS_CORETYPE} is unset on a CPU that has kernels to name. */
    static void adviseOnce() {
        if (System.getenv("OPENBLAS_CORETYPE") != null) {
            return;
        }
        String type = CpuInfo.field("flags").map(BlasKernels::coreTypeFor).orElse(null);
        if (type != null) {
            LOG.warn("OPENBLAS_CORETYPE is not set: the bundled OpenBLAS 0.3.19 runs generic kernels on CPUs "
                    + "newer than itself (3x slower matrix products measured). For this CPU set "
                    + "OPENBLAS_CORETYPE={} in the environment (./submit does; on Spark executors "
                    + "spark.executorEnv.OPENBLAS_CORETYPE={})", type, type);
        }
    }
}
