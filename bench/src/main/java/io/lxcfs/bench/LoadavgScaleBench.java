package io.lxcfs.bench;

import io.lxcfs.bench.scale.JvmThreads;
import io.lxcfs.bench.scale.KernelLimits;
import io.lxcfs.bench.scale.LoadGenerator;
import io.lxcfs.bench.scale.ScaleContainers;
import io.lxcfs.testing.DaemonProcess;
import io.lxcfs.testing.PrometheusText;
import io.lxcfs.testing.ReferenceLxcfs;
import io.lxcfs.testing.RepoLayout;
import io.lxcfs.testing.TestFiles;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Load average at scale: {@value #DEFAULT_CONTAINERS} containers (a process in its own cgroups that has read the
 * view, so the daemon tracks it) holding {@value #DEFAULT_THREADS} sleeping threads in all. Target: the daemon's
 * load-average sampler keeps its 5 s period and uses at most 5 % of one core.
 *
 * <p>Measured over a window after the load is in place and {@value #WARMUP_PASSES} passes have run over it (start-up,
 * JIT): the sampler's passes and their durations from {@code lxcfs_loadavg_sample_seconds} (count and sum polled
 * every {@value #POLL_MS} ms: one pass per poll, so each pass's duration is the sum's step), the sampler thread's
 * CPU ({@code utime+stime} of the JVM's {@code loadavg-sampler} thread) and the whole JVM's.
 *
 * <p>Everything it makes is removed at the end, on failure and on SIGTERM/SIGINT too (a shutdown hook): the
 * containers' processes (the load generator kills and reaps them; they also die with it), their cgroups, the
 * daemon and its mount, and a raised {@code kernel.pid_max}.
 *
 * <p>Properties: {@code lxcfs.scale.containers}, {@code lxcfs.scale.threads} (total),
 * {@code lxcfs.scale.window-seconds}, {@code lxcfs.scale.raise-pid-max} (default true), {@code lxcfs.repo} (the
 * built daemon's repository), {@code lxcfs.scale.load} (the load generator binary).
 */
public final class LoadavgScaleBench {

    static final int DEFAULT_CONTAINERS = 2000;
    static final int DEFAULT_THREADS = 50_000;
    static final int WARMUP_PASSES = 2;
    static final long POLL_MS = 500;
    static final double PERIOD_S = 5.0;
    static final double MAX_CPU_PERCENT = 5.0;
    static final String SAMPLER_THREAD = "loadavg-sampler";

    private final Deque<AutoCloseable> cleanup = new ArrayDeque<>();

    public static void main(String[] args) throws Exception {
        new LoadavgScaleBench().run();
    }

    void run() throws Exception {
        int containers = Integer.getInteger("lxcfs.scale.containers", DEFAULT_CONTAINERS);
        int threads = Integer.getInteger("lxcfs.scale.threads", DEFAULT_THREADS);
        int window = Integer.getInteger("lxcfs.scale.window-seconds", 60);
        // > 0: one thread per container wakes every wake-ms ms, so every container's CPU usage moves (no idle skip).
        int wakeMs = Integer.getInteger("lxcfs.scale.wake-ms", 0);
        boolean raisePidMax = Boolean.parseBoolean(System.getProperty("lxcfs.scale.raise-pid-max", "true"));
        Path load = Path.of(System.getProperty("lxcfs.scale.load", RepoLayout.root().resolve("bench/target/loadavg-scale-load").toString()));
        int perContainer = Math.max(1, threads / containers);
        threads = perContainer * containers;

        System.out.printf("== Load average at scale: %d containers x %d threads = %d threads; %d s window; %s ==%n",
                containers, perContainer, threads, window,
                wakeMs > 0 ? "one thread per container wakes every " + wakeMs + " ms" : "all threads sleep");
        String loadAtStart = Files.readString(Path.of("/proc/loadavg")).trim();
        System.out.println("machine: " + Runtime.getRuntime().availableProcessors() + " cores, /proc/loadavg at the start " + loadAtStart);
        Thread hook = new Thread(this::cleanUp, "scale-bench-cleanup");
        Runtime.getRuntime().addShutdownHook(hook);
        try {
            KernelLimits limits = new KernelLimits();
            cleanup.push(limits::restore);
            limits.ensure(threads, perContainer, raisePidMax);
            limits.report().forEach(l -> System.out.println("  " + l));

            Path mount = Files.createTempDirectory("lxcfs-scale-mnt-");
            cleanup.push(() -> TestFiles.deleteTree(mount));
            if (System.getProperty("lxcfs.scale.server", "daemon").equals("reference")) {
                runReference(mount, load, containers, perContainer, window, wakeMs);
                return;
            }
            // Without the keeper the start script execs the JVM: the daemon's pid is the JVM whose CPU is measured.
            DaemonProcess daemon = DaemonProcess.start(mount, Map.of("LXCFS_KEEPER", "off"));
            cleanup.push(daemon);
            System.out.println("daemon (JVM) pid " + daemon.pid() + " serving " + daemon.mountPath());

            long t0 = System.nanoTime();
            ScaleContainers cgroups = ScaleContainers.create(containers);
            cleanup.push(cgroups);
            System.out.println("  pids.max: " + cgroups.pidsLimits(perContainer));
            LoadGenerator generator = LoadGenerator.start(load, cgroups, perContainer, daemon.mountPath().resolve("proc/loadavg"), wakeMs);
            cleanup.push(generator);
            long inCgroups = cgroups.threads();
            System.out.printf("load: %s in %.1f s; threads in the containers' cgroups (pids.current): %d%n",
                    generator.ready(), (System.nanoTime() - t0) / 1e9, inCgroups);

            // Warm-up: the load is in place and the daemon has sampled it WARMUP_PASSES times.
            double startCount = PrometheusText.sum(daemon.metrics(), "lxcfs_loadavg_sample_seconds_count");
            long warmDeadline = System.nanoTime() + (long) ((WARMUP_PASSES + 2) * PERIOD_S * 6e9);
            while (PrometheusText.sum(daemon.metrics(), "lxcfs_loadavg_sample_seconds_count") < startCount + WARMUP_PASSES) {
                if (System.nanoTime() > warmDeadline) {
                    throw new IllegalStateException("the sampler did not complete " + WARMUP_PASSES + " passes");
                }
                Thread.sleep(POLL_MS);
            }
            double tracked = PrometheusText.sum(daemon.metrics(), "lxcfs_containers_tracked");

            Result r = measure(daemon, window);
            r.floor = generator.floor();
            r.containers = containers;
            r.threads = inCgroups;
            r.tracked = tracked;
            r.loadAtStart = loadAtStart;
            r.print();
        } finally {
            cleanUp();
            try {
                Runtime.getRuntime().removeShutdownHook(hook);
            } catch (IllegalStateException shuttingDown) {
                // SIGTERM/SIGINT: the hook has cleaned up (or is doing so) already
            }
        }
    }

    /**
     * The same load against the reference LXCFS ({@code -Dlxcfs.scale.server=reference}): its load-average thread
     * makes the same kind of per-thread reads for every cgroup read once. It exports no pass count, so the window
     * opens after a fixed warm-up of two periods, and its CPU is the whole process's (nothing else reads it then).
     */
    void runReference(Path mount, Path load, int containers, int perContainer, int window, int wakeMs) throws Exception {
        ReferenceLxcfs lxcfs = ReferenceLxcfs.start(mount);
        cleanup.push(lxcfs);
        System.out.println("reference lxcfs pid " + lxcfs.pid() + " serving " + mount);
        ScaleContainers cgroups = ScaleContainers.create(containers);
        cleanup.push(cgroups);
        LoadGenerator generator = LoadGenerator.start(load, cgroups, perContainer, mount.resolve("proc/loadavg"), wakeMs);
        cleanup.push(generator);
        System.out.println("load: " + generator.ready() + "; pids.current " + cgroups.threads());
        Thread.sleep((long) (2 * PERIOD_S * 1000));
        String loadStart = Files.readString(Path.of("/proc/loadavg")).trim();
        long t0 = System.nanoTime();
        long ticks0 = ProcStat.cpuTicks(lxcfs.pid());
        Thread.sleep(window * 1000L);
        long ticks = ProcStat.cpuTicks(lxcfs.pid()) - ticks0;
        double seconds = (System.nanoTime() - t0) / 1e9;
        double pct = ticks / seconds; // ticks are 1/100 s: ticks / s = % of one core
        System.out.printf("%nReference LXCFS at scale%n  containers %d, threads %d, window %.1f s%n"
                        + "  lxcfs process CPU     %.2f %% of one core (%.0f ms per 5 s)%n"
                        + "  machine               /proc/loadavg at window start %s, end %s%n",
                containers, (long) containers * perContainer, seconds, pct, pct * 50,
                loadStart, Files.readString(Path.of("/proc/loadavg")).trim());
    }

    /** One window: passes, their durations and completion times, CPU of the sampler thread and of the JVM. */
    Result measure(DaemonProcess daemon, int windowSeconds) throws Exception {
        Result r = new Result();
        r.loadBefore = Files.readString(Path.of("/proc/loadavg")).trim();
        String m = daemon.metrics();
        double count = PrometheusText.sum(m, "lxcfs_loadavg_sample_seconds_count");
        double sum = PrometheusText.sum(m, "lxcfs_loadavg_sample_seconds_sum");
        long jvm0 = ProcStat.cpuTicks(daemon.pid());
        Map<String, long[]> threads0 = JvmThreads.threadTicks(daemon.pid());
        long t0 = System.nanoTime();
        long end = t0 + windowSeconds * 1_000_000_000L;
        while (System.nanoTime() < end) {
            Thread.sleep(POLL_MS);
            m = daemon.metrics();
            double c = PrometheusText.sum(m, "lxcfs_loadavg_sample_seconds_count");
            double s = PrometheusText.sum(m, "lxcfs_loadavg_sample_seconds_sum");
            if (c > count) {
                double each = (s - sum) / (c - count);
                for (int i = 0; i < (int) (c - count); i++) {
                    r.passSeconds.add(each);
                    r.completedAt.add((System.nanoTime() - t0) / 1e9);
                }
                count = c;
                sum = s;
            }
        }
        r.windowSeconds = (System.nanoTime() - t0) / 1e9;
        r.jvmTicks = ProcStat.cpuTicks(daemon.pid()) - jvm0;
        Map<String, long[]> threads1 = JvmThreads.threadTicks(daemon.pid());
        threads1.forEach((name, t) -> {
            long[] before = threads0.getOrDefault(name, new long[2]);
            r.threadTicks.put(name, new long[] {t[0] - before[0], t[1] - before[1]});
        });
        long[] sampler = r.threadTicks.getOrDefault(SAMPLER_THREAD, new long[2]);
        r.samplerTicks = sampler[0] + sampler[1];
        r.samplerSysTicks = sampler[1];
        r.loadAfter = Files.readString(Path.of("/proc/loadavg")).trim();
        r.rssKib = ProcStat.rssKib(daemon.pid());
        return r;
    }

    /** Undoes what was made, newest first; once, from the end of the run or from the shutdown hook. */
    synchronized void cleanUp() {
        while (!cleanup.isEmpty()) {
            try {
                cleanup.pop().close();
            } catch (Exception e) {
                System.err.println("cleanup: " + e);
            }
        }
    }

    static final class Result {
        int containers;
        long threads;
        double tracked;
        double windowSeconds;
        final List<Double> passSeconds = new ArrayList<>();
        final List<Double> completedAt = new ArrayList<>();
        long jvmTicks;
        long samplerTicks;
        long samplerSysTicks;
        final Map<String, long[]> threadTicks = new TreeMap<>();
        String floor;
        long rssKib;
        String loadAtStart;
        String loadBefore;
        String loadAfter;

        void print() {
            int passes = passSeconds.size();
            List<Double> sorted = new ArrayList<>(passSeconds);
            sorted.sort(null);
            double p50 = passes == 0 ? Double.NaN : sorted.get((passes - 1) / 2);
            double max = passes == 0 ? Double.NaN : sorted.get(passes - 1);
            double meanInterval = passes < 2 ? Double.NaN
                    : (completedAt.get(passes - 1) - completedAt.get(0)) / (passes - 1);
            double maxInterval = 0;
            for (int i = 1; i < passes; i++) {
                maxInterval = Math.max(maxInterval, completedAt.get(i) - completedAt.get(i - 1));
            }
            double expected = windowSeconds / PERIOD_S;
            // One pass either side of the window's edges; a pass longer than the period delays the next (fixed rate).
            boolean periodKept = passes >= Math.floor(expected) - 1 && max < PERIOD_S;
            double samplerPct = samplerTicks / windowSeconds; // ticks are 1/100 s: ticks / s = % of one core
            double jvmPct = jvmTicks / windowSeconds;
            StringBuilder others = new StringBuilder();
            threadTicks.entrySet().stream().filter(e -> !e.getKey().equals(SAMPLER_THREAD))
                    .sorted((a, b) -> Long.compare(b.getValue()[0] + b.getValue()[1], a.getValue()[0] + a.getValue()[1]))
                    .limit(4).forEach(e -> others.append(String.format("%s%s %.2f %%", others.length() == 0 ? "" : ", ",
                            e.getKey(), (e.getValue()[0] + e.getValue()[1]) / windowSeconds)));
            double floorMs = LoadGenerator.field(floor, "cpu_ms");
            double floorPct = floorMs / 10 / PERIOD_S;
            boolean cpuMet = samplerPct <= MAX_CPU_PERCENT;
            System.out.println();
            System.out.println("Load average at scale");
            System.out.printf("  containers            %d (tracked by the daemon: %.0f)%n", containers, tracked);
            System.out.printf("  threads               %d%n", threads);
            System.out.printf("  window                %.1f s, %d passes (%.1f expected at %.0f s)%n", windowSeconds, passes, expected, PERIOD_S);
            System.out.printf("  period                mean %.2f s, max %.2f s between pass completions: %s%n",
                    meanInterval, maxInterval, periodKept ? "kept" : "MISSED");
            System.out.printf("  pass duration         p50 %.0f ms, max %.0f ms (%.2f us per thread at p50)%n",
                    p50 * 1000, max * 1000, p50 * 1e6 / threads);
            System.out.printf("  sampler thread CPU    %.2f %% of one core (%.0f ms per pass, %.2f us per thread; %.0f %% of it in the kernel)%n",
                    samplerPct, samplerTicks * 10.0 / Math.max(1, passes), samplerTicks * 1e4 / Math.max(1, passes) / threads,
                    samplerTicks == 0 ? 0.0 : 100.0 * samplerSysTicks / samplerTicks);
            System.out.printf("  floor (same syscalls from C)  %.0f ms per pass (%.2f us per thread; user %.0f ms, system %.0f ms): %.2f %% of one core at %.0f s%n",
                    floorMs, floorMs * 1000 / threads, LoadGenerator.field(floor, "user_ms"), LoadGenerator.field(floor, "sys_ms"),
                    floorPct, PERIOD_S);
            System.out.printf("  daemon JVM CPU        %.2f %% of one core (next: %s); RSS %d MiB%n", jvmPct, others, rssKib >> 10);
            System.out.printf("  machine               %d cores; /proc/loadavg at the bench's start %s, window start %s, end %s%n",
                    Runtime.getRuntime().availableProcessors(), loadAtStart, loadBefore, loadAfter);
            System.out.printf("  target (period kept, sampler <= %.0f %% of one core): %s%n", MAX_CPU_PERCENT,
                    periodKept && cpuMet ? "MET" : "NOT MET" + (periodKept ? "" : " (period)") + (cpuMet ? "" : " (CPU)"));
            System.out.printf("| %d | %d | %s (%d passes in %.0f s) | %.0f ms | %.0f ms | %.2f %% | %.2f %% | %.2f %% | %s |%n",
                    containers, threads, periodKept ? "kept" : "missed", passes, windowSeconds, p50 * 1000, max * 1000,
                    samplerPct, floorPct, jvmPct, loadAtStart.split(" ")[0] + " / " + loadBefore.split(" ")[0] + " / " + loadAfter.split(" ")[0]);
        }
    }
}
