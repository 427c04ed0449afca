package org.mafspark.cluster;

import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.net.HttpURLConnection;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.jar.Attributes;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.apache.spark.SparkConf;
import org.apache.spark.sql.SparkSession;

/**
 * A real multi-JVM Spark standalone cluster on 127.0.0.1 for tests: one master and one worker,
 * each a separate {@code java} process started from this JVM's classpath, whose executors are
 * separate JVMs too (one core each, so {@code executors} executor JVMs exist per application).
 *
 * <p>What Spark needs to launch executors outside a Spark distribution (see the project's
 * STACK notes): a stand-in {@code SPARK_HOME} whose {@code jars/} holds the dependency jars
 * (symlinks), {@code SPARK_SCALA_VERSION=2.12}, and the application's classes as a jar in
 * {@code spark.jars}. Executors do not inherit the driver's system properties, so the JavaCPP
 * cache directory and the Java 17 {@code --add-opens} list travel in
 * {@code spark.executor.extraJavaOptions}.
 *
 * <p>Everything lives in one temp directory (stand-in SPARK_HOME, app jar, worker and local dirs,
 * daemon logs), deleted by {@link #close()}. Every process is stopped by its PID (SIGTERM, then
 * SIGKILL after a grace period); a shutdown hook does the same if {@code close()} is never called.
 * Ports are free ports picked at runtime; only 127.0.0.1 is bound.
 *
 * <pre>{@code
 * try (LocalSparkCluster cluster = LocalSparkCluster.start()) {          // 2 executors, 2g, 1 core each
 *     SparkSession spark = cluster.sessionBuilder("my-test").getOrCreate(); // blocks until both registered
 *     List<Long> executors = cluster.awaitExecutorPids(2, Duration.ofSeconds(60));
 *     ...
 *     spark.stop();
 * }                                                                       // every PID stopped, temp dir gone
 * }</pre>
 *
 * <p>The classpath is this JVM's {@code java.class.path}; under surefire's default manifest-only
 * booter jar its manifest {@code Class-Path} is expanded, so no surefire option is needed.
 */
public final class LocalSparkCluster implements AutoCloseable {
    /** Spark 3.5's own Java 17 module flags (the pom's {@code java17.opens}). */
    public static final List<String> JAVA17_OPENS = List.of(
            "-XX:+IgnoreUnrecognizedVMOptions",
            "-Djdk.reflect.useDirectMethodHandle=false",
            "--add-opens=java.base/java.lang=ALL-UNNAMED",
            "--add-opens=java.base/java.lang.invoke=ALL-UNNAMED",
            "--add-opens=java.base/java.lang.reflect=ALL-UNNAMED",
            "--add-opens=java.base/java.io=ALL-UNNAMED",
            "--add-opens=java.base/java.net=ALL-UNNAMED",
            "--add-opens=java.base/java.nio=ALL-UNNAMED",
            "--add-opens=java.base/java.util=ALL-UNNAMED",
            "--add-opens=java.base/java.util.concurrent=ALL-UNNAMED",
            "--add-opens=java.base/java.util.concurrent.atomic=ALL-UNNAMED",
            "--add-opens=java.base/jdk.internal.ref=ALL-UNNAMED",
            "--add-opens=java.base/sun.nio.ch=ALL-UNNAMED",
            "--add-opens=java.base/sun.nio.cs=ALL-UNNAMED",
            "--add-opens=java.base/sun.security.action=ALL-UNNAMED",
            "--add-opens=java.base/sun.util.calendar=ALL-UNNAMED");

    static final String HOST = "127.0.0.1";
    private static final String EXECUTOR_MAIN = "CoarseGrainedExecutorBackend";
    private static final Duration GRACE = Duration.ofSeconds(10);

    private final Path root;
    private final Path sparkHome;
    private final Path logDir;
    private final Path workDir;
    private final Path appJar;
    private final int executors;
    private final String executorMemory;
    private final String javacppCacheDir;
    private final int masterPort;
    private final int masterUiPort;
    private final List<Process> daemons = new ArrayList<>();
    private final Set<Long> seenPids = new LinkedHashSet<>();
    private final Thread shutdownHook;
    private final Duration startupTime;
    private Process master;
    private Process worker;
    private boolean closed;

    /** Options of a cluster; {@link #start()} launches it. */
    public static final class Builder {
        private int executors = 2;
        private String executorMemory = "2g";
        private Duration startupTimeout = Duration.ofSeconds(90);

        private Builder() {}

        /** Executor JVMs per application (the worker's cores; one core per executor). Default 2. */
        public Builder executors(int n) {
            if (n < 1) {
                throw new IllegalArgumentException("executors must be >= 1, got " + n);
            }
            this.executors = n;
            return this;
        }

        /** Heap of each executor JVM, Spark syntax ("2g"). Default 2g. */
        public Builder executorMemory(String m) {
            this.executorMemory = m;
            return this;
        }

        /** How long master and worker may take to become ALIVE. Default 90 s. */
        public Builder startupTimeout(Duration t) {
            this.startupTimeout = t;
            return this;
        }

        public LocalSparkCluster start() {
            return new LocalSparkCluster(this);
        }
    }

    public static Builder builder() {
        return new Builder();
    }

    /** A cluster with the defaults: 2 executor JVMs of 1 core and 2g each. */
    public static LocalSparkCluster start() {
        return builder().start();
    }

    private LocalSparkCluster(Builder b) {
        long t0 = System.nanoTime();
        this.executors = b.executors;
        this.executorMemory = b.executorMemory;
        this.javacppCacheDir = System.getProperty("org.bytedeco.javacpp.cachedir",
                Path.of(System.getProperty("user.home"), ".javacpp", "cache").toString());
        try {
            this.root = Files.createTempDirectory("maf-spark-cluster-");
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create the cluster's temp dir", e);
        }
        this.sparkHome = root.resolve("spark-home");
        this.logDir = root.resolve("logs");
        this.workDir = root.resolve("work");
        this.appJar = root.resolve("app").resolve("maf-spark-app.jar");
        this.shutdownHook = new Thread(this::stopAll, "local-spark-cluster-shutdown");
        Runtime.getRuntime().addShutdownHook(shutdownHook);
        try {
            Classpath cp = Classpath.ofThisJvm();
            if (cp.jars.isEmpty()) {
                throw new IllegalStateException("no dependency jars on this JVM's classpath: " + cp.raw);
            }
            Files.createDirectories(logDir);
            Files.createDirectories(workDir);
            Files.createDirectories(root.resolve("local"));
            Files.createDirectories(root.resolve("driver-local"));
            linkJars(cp.jars, sparkHome.resolve("jars"));
            buildJar(cp.directories, appJar);
            String daemonCp = cp.jars.stream().map(Path::toString).collect(Collectors.joining(java.io.File.pathSeparator));
            this.masterPort = freePort();
            this.masterUiPort = freePort();
            this.master = launch("master", daemonCp, "org.apache.spark.deploy.master.Master",
                    List.of("--host", HOST, "--port", Integer.toString(masterPort),
                            "--webui-port", Integer.toString(masterUiPort)));
            awaitMaster(0, b.startupTimeout, t0);
            int workerMb = (int) (executors * memoryMb(executorMemory) + 256);
            this.worker = launch("worker", daemonCp, "org.apache.spark.deploy.worker.Worker",
                    List.of("--host", HOST, "--port", Integer.toString(freePort()),
                            "--webui-port", Integer.toString(freePort()),
                            "--cores", Integer.toString(executors), "--memory", workerMb + "m",
                            "--work-dir", workDir.toString(), masterUrl()));
            awaitMaster(1, b.startupTimeout, t0);
        } catch (RuntimeException | IOException e) {
            String logs = logs();
            stopAll();
            throw new IllegalStateException("local Spark cluster did not start: " + e.getMessage()
                    + "\n---- logs ----\n" + logs, e);
        }
        this.startupTime = Duration.ofNanos(System.nanoTime() - t0);
    }

    /** {@code spark://127.0.0.1:<port>}. */
    public String masterUrl() {
        return "spark://" + HOST + ":" + masterPort;
    }

    /** The master's web UI ({@code /json/} gives its state). */
    public String masterWebUi() {
        return "http://" + HOST + ":" + masterUiPort;
    }

    /** Wall time from the constructor's start until the worker was ALIVE at the master. */
    public Duration startupTime() {
        return startupTime;
    }

    public int executors() {
        return executors;
    }

    /** The jar of this JVM's class directories (main and test classes) that executors load. */
    public Path appJar() {
        return appJar;
    }

    /** Daemon logs (executor logs are under {@link #workDir()}/app-*&#47;N/stderr). */
    public Path logDir() {
        return logDir;
    }

    public Path workDir() {
        return workDir;
    }

    public long masterPid() {
        return master.pid();
    }

    public long workerPid() {
        return worker.pid();
    }

    /**
     * A SparkConf for an application on this cluster: the app jar, the executors' JVM options
     * (Java 17 opens, JavaCPP cache dir), {@code OMP_NUM_THREADS=1}, one core per executor,
     * {@code spark.cores.max} = executors, the driver bound to 127.0.0.1, no driver UI, and the
     * scheduler waiting for every executor before the first task.
     */
    public SparkConf sparkConf(String appName) {
        List<String> opts = new ArrayList<>(JAVA17_OPENS);
        opts.add("-Dorg.bytedeco.javacpp.cachedir=" + javacppCacheDir);
        return new SparkConf()
                .setMaster(masterUrl())
                .setAppName(appName)
                .set("spark.jars", appJar.toUri().toString())
                .set("spark.driver.host", HOST)
                .set("spark.driver.bindAddress", HOST)
                .set("spark.ui.enabled", "false")
                .set("spark.local.dir", root.resolve("driver-local").toString())
                .set("spark.executor.cores", "1")
                .set("spark.cores.max", Integer.toString(executors))
                .set("spark.executor.memory", executorMemory)
                .set("spark.executor.extraJavaOptions", String.join(" ", opts))
                .set("spark.executorEnv.OMP_NUM_THREADS", "1")
                .set("spark.scheduler.minRegisteredResourcesRatio", "1.0")
                .set("spark.scheduler.maxRegisteredResourcesWaitingTime", "120s")
                .set("spark.sql.shuffle.partitions", Integer.toString(executors))
                .set("spark.default.parallelism", Integer.toString(executors));
    }

    /** A SparkSession builder configured by {@link #sparkConf(String)}. */
    public SparkSession.Builder sessionBuilder(String appName) {
        return SparkSession.builder().config(sparkConf(appName));
    }

    /**
     * PIDs of the live executor JVMs: descendants of the worker whose command line runs
     * {@code CoarseGrainedExecutorBackend}. Every PID returned is remembered and stopped by
     * {@link #close()} if still alive.
     */
    public List<Long> executorPids() {
        if (worker == null) {
            return List.of();
        }
        List<Long> pids = worker.toHandle().descendants()
                .filter(p -> p.isAlive() && commandLine(p).contains(EXECUTOR_MAIN))
                .map(ProcessHandle::pid)
                .sorted()
                .collect(Collectors.toList());
        synchronized (seenPids) {
            seenPids.addAll(pids);
        }
        return pids;
    }

    /**
     * The PID of the live executor JVM that Spark calls {@code executorId} (as in
     * {@code TaskInfo.executorId()}): the one launched with {@code --executor-id <executorId>}.
     */
    public Optional<Long> executorPid(String executorId) {
        Pattern id = Pattern.compile("--executor-id\\s+" + Pattern.quote(executorId) + "(\\s|$)");
        return executorPids().stream()
                .filter(pid -> ProcessHandle.of(pid).map(h -> id.matcher(commandLine(h)).find()).orElse(false))
                .findFirst();
    }

    /** Polls until at least {@code n} executor JVMs run; fails with the logs after {@code timeout}. */
    public List<Long> awaitExecutorPids(int n, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        List<Long> pids = executorPids();
        while (pids.size() < n) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("expected " + n + " executor JVMs within " + timeout + ", found "
                        + pids + "\n---- logs ----\n" + logs());
            }
            sleep(200);
            pids = executorPids();
        }
        return pids;
    }

    /**
     * Fault injection: SIGKILLs the executor JVM {@code pid} (one of {@link #executorPids()}) and
     * waits until it is gone. The worker reports the loss to the master, which starts a replacement
     * executor for the running application.
     */
    public void killExecutor(long pid) {
        if (!executorPids().contains(pid)) {
            throw new IllegalArgumentException(pid + " is not a live executor of this cluster: " + executorPids());
        }
        ProcessHandle h = ProcessHandle.of(pid).orElseThrow();
        h.destroyForcibly();
        try {
            h.onExit().get(GRACE.toMillis(), TimeUnit.MILLISECONDS);
        } catch (Exception e) {
            throw new IllegalStateException("executor " + pid + " survived SIGKILL for " + GRACE, e);
        }
    }

    /**
     * Like {@link #killExecutor(long)} for a PID that may already be dying (a SIGKILL sent the moment a
     * task started): SIGKILLs it if still alive and waits until it is gone.
     */
    public void killExecutorIfAlive(long pid) {
        synchronized (seenPids) {
            seenPids.add(pid);
        }
        ProcessHandle.of(pid).ifPresent(h -> {
            h.destroyForcibly();
            try {
                h.onExit().get(GRACE.toMillis(), TimeUnit.MILLISECONDS);
            } catch (Exception e) {
                throw new IllegalStateException("executor " + pid + " survived SIGKILL for " + GRACE, e);
            }
        });
    }

    /** Every PID this cluster started or saw (master, worker, executors). */
    public Set<Long> allPids() {
        Set<Long> all = new LinkedHashSet<>();
        for (Process p : daemons) {
            all.add(p.pid());
        }
        synchronized (seenPids) {
            all.addAll(seenPids);
        }
        return all;
    }

    /** The tail of every daemon and executor log, for failure reports. */
    public String logs() {
        StringBuilder sb = new StringBuilder();
        List<Path> files = new ArrayList<>();
        for (Path dir : new Path[] {logDir, workDir}) {
            if (dir != null && Files.isDirectory(dir)) {
                try (Stream<Path> s = Files.walk(dir)) {
                    s.filter(Files::isRegularFile)
                            .filter(p -> p.toString().endsWith(".log") || p.getFileName().toString().equals("stderr")
                                    || p.getFileName().toString().equals("stdout"))
                            .sorted()
                            .forEach(files::add);
                } catch (IOException | UncheckedIOException e) {
                    sb.append("(cannot list ").append(dir).append(": ").append(e.getMessage()).append(")\n");
                }
            }
        }
        for (Path f : files) {
            sb.append("==== ").append(f).append(" ====\n").append(tail(f, 80));
        }
        return sb.toString();
    }

    /** Prints {@link #logs()}. */
    public void dumpLogs(PrintStream out) {
        out.println(logs());
    }

    /** Stops every process by PID (executors, then worker, then master) and deletes the temp dir. */
    @Override
    public void close() {
        stopAll();
        try {
            Runtime.getRuntime().removeShutdownHook(shutdownHook);
        } catch (IllegalStateException shuttingDown) {
            // the hook is running or has run
        }
    }

    private synchronized void stopAll() {
        if (closed) {
            return;
        }
        closed = true;
        List<ProcessHandle> execs = new ArrayList<>();
        if (worker != null) {
            worker.toHandle().descendants().forEach(execs::add);
        }
        synchronized (seenPids) {
            for (long pid : seenPids) {
                ProcessHandle.of(pid).ifPresent(h -> {
                    if (execs.stream().noneMatch(e -> e.pid() == pid)) {
                        execs.add(h);
                    }
                });
            }
            execs.forEach(h -> seenPids.add(h.pid()));
        }
        // Executors first, so that their parent (the worker) reaps them; then the daemons.
        stopHandles(execs);
        List<ProcessHandle> ds = new ArrayList<>();
        if (worker != null) {
            ds.add(worker.toHandle());
        }
        stopHandles(ds);
        if (master != null) {
            stopHandles(List.of(master.toHandle()));
        }
        for (Process p : daemons) {
            try {
                p.waitFor(GRACE.toMillis(), TimeUnit.MILLISECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        deleteRecursively(root);
    }

    private static void stopHandles(List<ProcessHandle> handles) {
        for (ProcessHandle h : handles) {
            if (h.isAlive()) {
                h.destroy();
            }
        }
        long deadline = System.nanoTime() + GRACE.toNanos();
        for (ProcessHandle h : handles) {
            long left = deadline - System.nanoTime();
            try {
                h.onExit().get(Math.max(1, left), TimeUnit.NANOSECONDS);
            } catch (Exception e) {
                h.destroyForcibly();
                try {
                    h.onExit().get(GRACE.toMillis(), TimeUnit.MILLISECONDS);
                } catch (Exception ignored) {
                    // reported by the caller's PID check
                }
            }
        }
    }

    private Process launch(String name, String classpath, String mainClass, List<String> args) throws IOException {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.addAll(JAVA17_OPENS);
        cmd.add("-Xmx512m");
        cmd.add("-XX:+UseSerialGC");
        cmd.add("-Dspark.master.rest.enabled=false");
        cmd.add("-Dspark.worker.cleanup.enabled=false");
        cmd.add("-Djava.io.tmpdir=" + root.resolve("local"));
        cmd.add("-cp");
        cmd.add(classpath);
        cmd.add(mainClass);
        cmd.addAll(args);
        ProcessBuilder pb = new ProcessBuilder(cmd).directory(root.toFile());
        Map<String, String> env = pb.environment();
        env.put("SPARK_HOME", sparkHome.toString());
        env.put("SPARK_SCALA_VERSION", "2.12");
        env.put("SPARK_LOCAL_IP", HOST);
        env.put("SPARK_LOCAL_DIRS", root.resolve("local").toString());
        env.put("OMP_NUM_THREADS", "1");
        env.put("JAVA_HOME", System.getProperty("java.home"));
        env.remove("SPARK_CONF_DIR");
        pb.redirectErrorStream(true);
        pb.redirectOutput(logDir.resolve(name + ".log").toFile());
        Process p = pb.start();
        daemons.add(p);
        return p;
    }

    /** Polls the master's {@code /json/} until it is ALIVE with at least {@code workers} alive workers. */
    private void awaitMaster(int workers, Duration timeout, long t0) {
        long deadline = t0 + timeout.toNanos();
        Pattern alive = Pattern.compile("\"status\"\\s*:\\s*\"ALIVE\"");
        Pattern aliveWorkers = Pattern.compile("\"aliveworkers\"\\s*:\\s*(\\d+)");
        String last = "(no answer)";
        while (System.nanoTime() < deadline) {
            for (Process p : daemons) {
                if (!p.isAlive()) {
                    throw new IllegalStateException("a Spark daemon (PID " + p.pid() + ") exited with code "
                            + p.exitValue());
                }
            }
            try {
                last = httpGet(masterWebUi() + "/json/");
                Matcher m = aliveWorkers.matcher(last);
                if (alive.matcher(last).find() && m.find() && Integer.parseInt(m.group(1)) >= workers) {
                    return;
                }
            } catch (IOException notYet) {
                last = notYet.toString();
            }
            sleep(200);
        }
        throw new IllegalStateException("the master at " + masterUrl() + " did not report ALIVE with " + workers
                + " worker(s) within " + timeout + "; last /json/ answer: " + last);
    }

    private static String httpGet(String url) throws IOException {
        HttpURLConnection c = (HttpURLConnection) URI.create(url).toURL().openConnection();
        c.setConnectTimeout(1000);
        c.setReadTimeout(2000);
        try (InputStream in = c.getInputStream()) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } finally {
            c.disconnect();
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getByName(HOST))) {
            s.setReuseAddress(true);
            return s.getLocalPort();
        }
    }

    static long memoryMb(String spec) {
        String s = spec.trim().toLowerCase();
        char unit = s.charAt(s.length() - 1);
        if (Character.isDigit(unit)) {
            return Long.parseLong(s) / (1024 * 1024);
        }
        long v = Long.parseLong(s.substring(0, s.length() - 1));
        return switch (unit) {
            case 'g' -> v * 1024;
            case 'm' -> v;
            case 'k' -> v / 1024;
            default -> throw new IllegalArgumentException("memory spec " + spec);
        };
    }

    private static String commandLine(ProcessHandle p) {
        Optional<String> cl = p.info().commandLine();
        if (cl.isPresent()) {
            return cl.get();
        }
        try {
            // ProcessHandle.Info may be empty for long command lines; /proc has it all.
            byte[] raw = Files.readAllBytes(Path.of("/proc", Long.toString(p.pid()), "cmdline"));
            return new String(raw, StandardCharsets.UTF_8).replace('\0', ' ');
        } catch (IOException | RuntimeException e) {
            return "";
        }
    }

    private static void linkJars(List<Path> jars, Path dir) throws IOException {
        Files.createDirectories(dir);
        Set<String> names = new HashSet<>();
        int i = 0;
        for (Path jar : jars) {
            String name = jar.getFileName().toString();
            if (!names.add(name)) {
                name = (i++) + "-" + name;
                names.add(name);
            }
            Files.createSymbolicLink(dir.resolve(name), jar.toAbsolutePath());
        }
    }

    /** A jar of the class directories (target/classes, target/test-classes). */
    private static void buildJar(List<Path> dirs, Path jar) throws IOException {
        Files.createDirectories(jar.getParent());
        Manifest mf = new Manifest();
        mf.getMainAttributes().put(Attributes.Name.MANIFEST_VERSION, "1.0");
        Set<String> written = new HashSet<>();
        try (JarOutputStream out = new JarOutputStream(Files.newOutputStream(jar), mf)) {
            written.add("META-INF/");
            written.add(JarFile.MANIFEST_NAME);
            for (Path dir : dirs) {
                List<Path> files;
                try (Stream<Path> s = Files.walk(dir)) {
                    files = s.sorted(Comparator.comparing(Path::toString)).collect(Collectors.toList());
                }
                for (Path f : files) {
                    String rel = dir.relativize(f).toString().replace(java.io.File.separatorChar, '/');
                    if (rel.isEmpty()) {
                        continue;
                    }
                    boolean isDir = Files.isDirectory(f);
                    String name = isDir ? rel + "/" : rel;
                    if (!written.add(name)) {
                        continue; // first directory wins, like the classpath order
                    }
                    out.putNextEntry(new JarEntry(name));
                    if (!isDir) {
                        Files.copy(f, out);
                    }
                    out.closeEntry();
                }
            }
        }
    }

    private static String tail(Path f, int lines) {
        try {
            List<String> all = Files.readAllLines(f, StandardCharsets.UTF_8);
            List<String> t = all.subList(Math.max(0, all.size() - lines), all.size());
            return String.join("\n", t) + "\n";
        } catch (IOException | UncheckedIOException e) {
            return "(unreadable: " + e.getMessage() + ")\n";
        }
    }

    private static void deleteRecursively(Path dir) {
        if (dir == null || !Files.exists(dir)) {
            return;
        }
        try {
            // walkFileTree does not follow symbolic links: the jars/ links are deleted, not their targets.
            Files.walkFileTree(dir, new SimpleFileVisitor<>() {
                @Override
                public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
                    Files.deleteIfExists(file);
                    return FileVisitResult.CONTINUE;
                }

                @Override
                public FileVisitResult postVisitDirectory(Path d, IOException e) throws IOException {
                    Files.deleteIfExists(d);
                    return FileVisitResult.CONTINUE;
                }
            });
        } catch (IOException e) {
            System.err.println("LocalSparkCluster: cannot delete " + dir + ": " + e);
        }
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }

    /**
     * This JVM's classpath split into jars and class directories. Under surefire's default
     * manifest-only booter jar, {@code java.class.path} is one jar whose manifest lists the real
     * entries as URLs; those are expanded.
     */
    static final class Classpath {
        final String raw;
        final List<Path> jars = new ArrayList<>();
        final List<Path> directories = new ArrayList<>();

        private Classpath(String raw) {
            this.raw = raw;
        }

        static Classpath ofThisJvm() throws IOException {
            String raw = System.getProperty("java.class.path", "");
            Classpath cp = new Classpath(raw);
            Set<Path> seen = new LinkedHashSet<>();
            for (String e : raw.split(java.io.File.pathSeparator)) {
                if (!e.isBlank()) {
                    cp.add(Path.of(e).toAbsolutePath().normalize(), seen, 0);
                }
            }
            return cp;
        }

        private void add(Path p, Set<Path> seen, int depth) throws IOException {
            if (!seen.add(p) || !Files.exists(p)) {
                return;
            }
            if (Files.isDirectory(p)) {
                directories.add(p);
                return;
            }
            if (!p.toString().endsWith(".jar")) {
                return;
            }
            List<Path> manifestEntries = depth == 0 ? manifestClassPath(p) : List.of();
            boolean booter = p.getFileName().toString().startsWith("surefirebooter") && !manifestEntries.isEmpty();
            if (booter) {
                for (Path m : manifestEntries) {
                    add(m, seen, depth + 1);
                }
            } else {
                jars.add(p);
            }
        }

        private static List<Path> manifestClassPath(Path jar) throws IOException {
            try (JarFile jf = new JarFile(jar.toFile())) {
                Manifest mf = jf.getManifest();
                String cp = mf == null ? null : mf.getMainAttributes().getValue(Attributes.Name.CLASS_PATH);
                if (cp == null || cp.isBlank()) {
                    return List.of();
                }
                List<Path> out = new ArrayList<>();
                URL base = jar.toUri().toURL();
                for (String u : cp.trim().split("\\s+")) {
                    try {
                        out.add(Path.of(new URL(base, u).toURI()).toAbsolutePath().normalize());
                    } catch (Exception e) {
                        throw new IOException("bad Class-Path entry " + u + " in " + jar, e);
                    }
                }
                return out;
            }
        }
    }
}
