package io.lxcfs.bench.scale;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/**
 * Whether this machine lets the bench start its threads: {@code kernel.threads-max}, {@code kernel.pid_max} (every
 * thread needs a pid: the kernel's default of 32,768 is below 50,000), {@code RLIMIT_NPROC}, {@code vm.max_map_count}
 * (two mappings per thread stack, per process) and memory. A pid_max too low is raised for the run and restored
 * after it ({@link #restore}); anything else too low fails the run before it starts, saying which limit.
 */
public final class KernelLimits {

    static final Path PID_MAX = Path.of("/proc/sys/kernel/pid_max");
    /** Resident cost of one sleeping thread here: kernel stack, task_struct, a few stack pages (measured about 40 KiB). */
    static final long BYTES_PER_THREAD = 48 * 1024;

    private final List<String> report = new ArrayList<>();
    private long originalPidMax = -1;

    /** Checks for {@code threads} more threads in processes of {@code threadsPerProcess}; raises pid_max if allowed. */
    public void ensure(int threads, int threadsPerProcess, boolean raisePidMax) throws IOException {
        long existing = threadsOnMachine();
        long needed = existing + threads + 2_000L; // headroom for the builds that share this machine
        long threadsMax = readLong(Path.of("/proc/sys/kernel/threads-max"));
        report.add("kernel.threads-max " + threadsMax + " (need " + needed + ": " + existing + " running + " + threads + ")");
        if (threadsMax < needed) {
            throw new IllegalStateException("kernel.threads-max " + threadsMax + " < " + needed + ": raise it (sysctl)");
        }
        long pidMax = readLong(PID_MAX);
        if (pidMax < needed) {
            if (!raisePidMax) {
                throw new IllegalStateException("kernel.pid_max " + pidMax + " < " + needed
                        + " and -Dlxcfs.scale.raise-pid-max=false: raise it (sysctl kernel.pid_max)");
            }
            long raised = Long.highestOneBit(needed) << 1;
            Files.writeString(PID_MAX, Long.toString(raised));
            originalPidMax = pidMax;
            report.add("kernel.pid_max " + pidMax + " < " + needed + ": raised to " + raised + " for the run (restored after)");
        } else {
            report.add("kernel.pid_max " + pidMax);
        }
        String nproc = limit("Max processes");
        report.add("RLIMIT_NPROC " + nproc + (isRoot() ? " (root: not enforced)" : ""));
        if (!isRoot() && !nproc.startsWith("unlimited") && Long.parseLong(nproc.split("\\s+")[0]) < needed) {
            throw new IllegalStateException("RLIMIT_NPROC " + nproc + " < " + needed);
        }
        long maps = readLong(Path.of("/proc/sys/vm/max_map_count"));
        report.add("vm.max_map_count " + maps + " (per process; need about " + (2 * threadsPerProcess + 100) + ")");
        if (maps < 2L * threadsPerProcess + 100) {
            throw new IllegalStateException("vm.max_map_count " + maps + " too low for " + threadsPerProcess + " threads per process");
        }
        long available = meminfoKib("MemAvailable") * 1024;
        long estimate = threads * BYTES_PER_THREAD;
        report.add(String.format("memory: about %d MiB for the threads, %d MiB available", estimate >> 20, available >> 20));
        if (available < 2 * estimate) {
            throw new IllegalStateException("MemAvailable " + (available >> 20) + " MiB < twice the estimate " + (estimate >> 20) + " MiB");
        }
    }

    /** What was checked, for the bench's output. */
    public List<String> report() {
        return report;
    }

    /** Puts back a pid_max this run raised. */
    public synchronized void restore() {
        if (originalPidMax > 0) {
            try {
                Files.writeString(PID_MAX, Long.toString(originalPidMax));
                System.out.println("kernel.pid_max restored to " + originalPidMax);
            } catch (IOException e) {
                System.err.println("could not restore kernel.pid_max to " + originalPidMax + ": " + e);
            }
            originalPidMax = -1;
        }
    }

    static long threadsOnMachine() throws IOException {
        try (Stream<Path> procs = Files.list(Path.of("/proc"))) {
            return procs.filter(p -> p.getFileName().toString().chars().allMatch(Character::isDigit))
                    .mapToLong(p -> {
                        try (Stream<Path> tasks = Files.list(p.resolve("task"))) {
                            return tasks.count();
                        } catch (IOException | RuntimeException e) {
                            return 0; // exited meanwhile
                        }
                    }).sum();
        }
    }

    private static boolean isRoot() {
        return "root".equals(System.getProperty("user.name"));
    }

    private static String limit(String name) throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc/self/limits"))) {
            if (line.startsWith(name)) {
                String[] f = line.substring(name.length()).trim().split("\\s+");
                return f[0] + " soft, " + f[1] + " hard";
            }
        }
        return "unknown";
    }

    static long meminfoKib(String key) throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc/meminfo"))) {
            if (line.startsWith(key + ":")) {
                return Long.parseLong(line.substring(key.length() + 1).trim().split("\\s+")[0]);
            }
        }
        throw new IOException("no " + key + " in /proc/meminfo");
    }

    /**
     * A sysctl's value. Not {@code Files.readString}: for a file of size 0 it reads one byte first, and a sysctl
     * read from a non-zero offset is empty ("1" for 192730). One read of a large buffer gets the whole value.
     */
    static long readLong(Path p) throws IOException {
        try (var in = Files.newInputStream(p)) {
            return Long.parseLong(new String(in.readNBytes(64), java.nio.charset.StandardCharsets.US_ASCII).trim());
        }
    }
}
