package org.mafspark.bench;

import java.lang.management.ManagementFactory;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import org.mafspark.flow.CpuInfo;
import org.nd4j.linalg.factory.Nd4j;

/**
 * What the figures depend on: cores, JVM, CPU model, OpenMP threads and ND4J's backend.
 *
 * @param cores processors available to the JVM
 * @param javaVersion {@code java.version}
 * @param javaVm {@code java.vm.name}
 * @param os operating system and architecture
 * @param cpuModel {@code model name} from {@code /proc/cpuinfo}, or "unknown"
 * @param ompNumThreads the {@code OMP_NUM_THREADS} environment variable, or "unset"
 * @param openblasCoreType the {@code OPENBLAS_CORETYPE} environment variable (the OpenBLAS kernels
 *     forced; {@code conf/openblas.sh} sets it), or "unset" (OpenBLAS chose by CPU model)
 * @param maxHeapBytes the JVM's maximum heap
 * @param loadAverage the 1-minute load average when the run started (-1 if unknown): on a machine
 *     shared with other jobs, figures measured under a load above the core count are not the machine's
 * @param nd4j ND4J's environment information (backend, BLAS vendor, threads)
 */
public record MachineInfo(int cores, String javaVersion, String javaVm, String os, String cpuModel,
        String ompNumThreads, String openblasCoreType, long maxHeapBytes, double loadAverage,
        Map<String, String> nd4j) {

    /** Reads the current machine. */
    public static MachineInfo current() {
        Map<String, String> nd4j = new TreeMap<>();
        Properties env = Nd4j.getExecutioner().getEnvironmentInformation();
        // Values are Longs and Integers as well as Strings: stringPropertyNames() would drop them.
        env.forEach((k, v) -> nd4j.put(String.valueOf(k), String.valueOf(v)));
        String omp = System.getenv("OMP_NUM_THREADS");
        String core = System.getenv("OPENBLAS_CORETYPE");
        return new MachineInfo(Runtime.getRuntime().availableProcessors(), System.getProperty("java.version"),
                System.getProperty("java.vm.name"), System.getProperty("os.name") + " " + System.getProperty("os.arch"),
                CpuInfo.field("model name").orElse("unknown"), omp != null ? omp : "unset",
                core != null ? core : "unset", Runtime.getRuntime().maxMemory(),
                ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage(), nd4j);
    }
}
