package io.lxcfs.bench.daemon;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * The daemon bench's settings: the environment variable {@code BENCH_<NAME>} (as {@code make bench} passes them on:
 * {@code BENCH_SECONDS=1 make bench}) or a system property {@code bench.<name>} of the bench JVM, else the default.
 * docs/benchmarks.md lists them.
 */
public record Knobs(int seconds, int rounds, int warmup, List<String> files, String memoryLimit, long cpuQuota,
        long cpuPeriod, String cpuset, long rssReads, int startupRounds, Path out) {

    public static final List<String> ALL_FILES = List.of("proc/meminfo", "proc/cpuinfo", "proc/stat", "proc/uptime",
            "proc/loadavg", "proc/swaps", "proc/diskstats", "sys/devices/system/cpu/online");

    public static Knobs fromEnvironment() throws IOException {
        String files = knob("files", null);
        String out = knob("out", null);
        return new Knobs(
                Integer.parseInt(knob("seconds", "2")),
                Integer.parseInt(knob("rounds", "3")),
                Integer.parseInt(knob("warmup", "3000")),
                files == null ? ALL_FILES : List.of(files.trim().split("\\s+")),
                knob("mem", "256M"),
                Long.parseLong(knob("cpu_quota", "100000")),
                Long.parseLong(knob("cpu_period", "100000")),
                knob("cpuset", Files.readString(Path.of("/sys/devices/system/cpu/online")).trim()),
                Long.parseLong(knob("rss_reads", "1000000")),
                Integer.parseInt(knob("startup_rounds", "5")),
                out == null ? null : Path.of(out));
    }

    /** {@code BENCH_<NAME>} (environment), {@code bench.<name>} (system property), or the default. */
    static String knob(String name, String dflt) {
        String v = System.getenv("BENCH_" + name.toUpperCase());
        if (v == null || v.isBlank()) {
            v = System.getProperty("bench." + name);
        }
        return v == null || v.isBlank() ? dflt : v;
    }

    /** {@code 256M}, {@code 1G}, or bytes. */
    public long memoryLimitBytes() {
        String m = memoryLimit.trim().toUpperCase();
        long unit = switch (m.charAt(m.length() - 1)) {
            case 'K' -> 1L << 10;
            case 'M' -> 1L << 20;
            case 'G' -> 1L << 30;
            default -> 1;
        };
        return Long.parseLong(unit == 1 ? m : m.substring(0, m.length() - 1)) * unit;
    }
}
