package io.lxcfs.bench.daemon;

import io.lxcfs.bench.ProcStat;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** Collects the daemon bench's measurements and prints them as Markdown: medians over rounds, ratios to LXCFS and the floor. */
public final class Report {

    /** The floor's row: it serves one fixed file. */
    public static final String FLOOR_FILE = "floor: fixed 1.5 KB";

    private static final String OURS = "ours";
    private static final String LXCFS = "lxcfs";
    private static final String FLOOR = "floor";

    /** The targets (docs/benchmarks.md). */
    static final double RSS_MIB = 64;
    static final double P50_VS_LXCFS = 0.5;
    static final double P99_VS_LXCFS = 1.5;
    static final double CPU_VS_LXCFS = 1.0;
    static final double P50_VS_FLOOR = 2.0;
    static final long STARTUP_MS = 1000;

    private final Knobs knobs;
    /** (file, impl) -> the runs of each round. */
    private final Map<String, Map<String, Cell>> cells = new LinkedHashMap<>();
    private final Map<String, long[]> rss = new LinkedHashMap<>(); // idle KiB, after KiB, idle threads, after threads
    private final Map<String, Long> served = new LinkedHashMap<>();
    private final List<StartupProbe.Round> startups = new ArrayList<>();
    private String cgroupStat = "";
    private String loadStart = "?";
    private String loadEnd = "?";

    public Report(Knobs knobs) {
        this.knobs = knobs;
    }

    private static final class Cell {
        final List<Double> p50 = new ArrayList<>();
        final List<Double> p99 = new ArrayList<>();
        final List<Double> p50Two = new ArrayList<>();
        final List<Double> rpsOne = new ArrayList<>();
        final List<Double> rpsTwo = new ArrayList<>();
        long ticks;
        long ops;
        long errors;
        long bytes;

        double cpuUsPerRead() {
            return ops == 0 ? 0 : ticks * 1e6 / ProcStat.HZ / ops;
        }
    }

    public void run(String file, String impl, ProcRead.Result one, ProcRead.Result two, long ticks) {
        Cell c = cells.computeIfAbsent(file, f -> new LinkedHashMap<>()).computeIfAbsent(impl, i -> new Cell());
        c.p50.add(one.p50Us());
        c.p99.add(one.p99Us());
        c.p50Two.add(two.p50Us());
        c.rpsOne.add(one.opsPerSecond());
        c.rpsTwo.add(two.opsPerSecond());
        c.ticks += ticks;
        c.ops += one.ops() + two.ops();
        c.errors += one.errors() + two.errors();
        c.bytes = one.bytes();
        served(impl, one.ops() + two.ops());
    }

    public void served(String impl, long reads) {
        served.merge(impl, reads, Long::sum);
    }

    public long served(String impl) {
        return served.getOrDefault(impl, 0L);
    }

    public void rssIdle(String who, long kib, int threads) {
        long[] r = rss.computeIfAbsent(who, w -> new long[4]);
        r[0] = kib;
        r[2] = threads;
    }

    public void rssAfter(String who, long kib, int threads) {
        long[] r = rss.computeIfAbsent(who, w -> new long[4]);
        r[1] = kib;
        r[3] = threads;
    }

    public void startup(StartupProbe.Round r) {
        startups.add(r);
    }

    public void cgroupStat(String s) {
        cgroupStat = s;
    }

    public void loads(String start, String end) {
        loadStart = start;
        loadEnd = end;
    }

    static double median(List<Double> v) {
        if (v.isEmpty()) {
            return 0;
        }
        double[] s = v.stream().mapToDouble(Double::doubleValue).sorted().toArray();
        return s.length % 2 == 1 ? s[s.length / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
    }

    private static String ratio(double a, double b) {
        return b > 0 ? String.format(Locale.ROOT, "%.2f", a / b) : "n/a";
    }

    public String markdown() {
        StringBuilder sb = new StringBuilder();
        sb.append("| file | impl | p50 µs (1 reader) | p99 µs (1 reader) | p50 µs (2 readers) | reads/s (1 reader) | reads/s (2 readers) "
                + "| daemon CPU µs/read | bytes | errors |\n");
        sb.append("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|\n");
        Cell floor = cells.getOrDefault(FLOOR_FILE, Map.of()).get(FLOOR);
        List<String> missed = new ArrayList<>();
        for (Map.Entry<String, Map<String, Cell>> e : cells.entrySet()) {
            String f = e.getKey();
            for (Map.Entry<String, Cell> i : e.getValue().entrySet()) {
                Cell c = i.getValue();
                sb.append(String.format(Locale.ROOT, "| %s | %s | %.1f | %.1f | %.1f | %.0f | %.0f | %.1f | %d | %d |%n", f, i.getKey(),
                        median(c.p50), median(c.p99), median(c.p50Two), median(c.rpsOne), median(c.rpsTwo), c.cpuUsPerRead(), c.bytes,
                        c.errors));
            }
            Cell o = e.getValue().get(OURS);
            Cell l = e.getValue().get(LXCFS);
            if (o != null && l != null) {
                double p50 = median(o.p50) / median(l.p50);
                double p99 = median(o.p99) / median(l.p99);
                double cpu = o.cpuUsPerRead() / l.cpuUsPerRead();
                sb.append(String.format(Locale.ROOT, "| %s | **ours/lxcfs** | %s | %s | %s | %s | %s | %s | | |%n", f,
                        ratio(median(o.p50), median(l.p50)), ratio(median(o.p99), median(l.p99)),
                        ratio(median(o.p50Two), median(l.p50Two)), ratio(median(o.rpsOne), median(l.rpsOne)),
                        ratio(median(o.rpsTwo), median(l.rpsTwo)), ratio(o.cpuUsPerRead(), l.cpuUsPerRead())));
                check(missed, p50 <= P50_VS_LXCFS, f + " p50 " + fmt(p50) + "× LXCFS's (target ≤ " + P50_VS_LXCFS + ")");
                check(missed, p99 <= P99_VS_LXCFS, f + " p99 " + fmt(p99) + "× LXCFS's (target ≤ " + P99_VS_LXCFS + ")");
                check(missed, cpu <= CPU_VS_LXCFS, f + " CPU/read " + fmt(cpu) + "× LXCFS's (target ≤ " + CPU_VS_LXCFS + ")");
            }
            if (o != null && floor != null) {
                double vsFloor = median(o.p50) / median(floor.p50);
                sb.append(String.format(Locale.ROOT, "| %s | **ours/floor** | %s | %s | %s | %s | %s | %s | | |%n", f,
                        ratio(median(o.p50), median(floor.p50)), ratio(median(o.p99), median(floor.p99)),
                        ratio(median(o.p50Two), median(floor.p50Two)), ratio(median(o.rpsOne), median(floor.rpsOne)),
                        ratio(median(o.rpsTwo), median(floor.rpsTwo)), ratio(o.cpuUsPerRead(), floor.cpuUsPerRead())));
                check(missed, vsFloor <= P50_VS_FLOOR, f + " p50 " + fmt(vsFloor) + "× the floor's (target ≤ " + P50_VS_FLOOR + ")");
            }
        }
        sb.append("\n| daemon | RSS idle (MiB) | RSS after run (MiB) | threads idle / after | reads served |\n|---|---:|---:|---:|---:|\n");
        for (Map.Entry<String, long[]> e : rss.entrySet()) {
            long[] r = e.getValue();
            String who = e.getKey();
            sb.append(String.format(Locale.ROOT, "| %s | %.1f | %.1f | %d / %d | %s |%n", who, r[0] / 1024.0, r[1] / 1024.0, r[2], r[3],
                    served.containsKey(who) ? Long.toString(served.get(who)) : ""));
        }
        long[] ours = rss.get(OURS);
        if (ours != null) {
            check(missed, ours[0] / 1024.0 <= RSS_MIB, "RSS idle " + fmt(ours[0] / 1024.0) + " MiB (target ≤ " + (int) RSS_MIB + ")");
            check(missed, ours[1] / 1024.0 <= RSS_MIB, "RSS after " + served(OURS) + " reads " + fmt(ours[1] / 1024.0)
                    + " MiB (target ≤ " + (int) RSS_MIB + ")");
        }
        if (!startups.isEmpty()) {
            sb.append("\n| start-up on the live connection (kill -9 of the JVM) | median ms | rounds (ms) |\n|---|---:|---|\n");
            List<Double> fromStart = startups.stream().map(r -> (double) r.startToServedMs()).toList();
            List<Double> fromKill = startups.stream().map(r -> (double) r.killToServedMs()).toList();
            List<Double> cpu = startups.stream().map(r -> (double) r.jvmCpuMs()).toList();
            sb.append(String.format(Locale.ROOT, "| new JVM's start → first read served | %.0f | %s |%n", median(fromStart), list(fromStart)));
            sb.append(String.format(Locale.ROOT, "| kill → first read served | %.0f | %s |%n", median(fromKill), list(fromKill)));
            sb.append(String.format(Locale.ROOT, "| new JVM's CPU until then | %.0f | %s |%n", median(cpu), list(cpu)));
            check(missed, median(fromStart) <= STARTUP_MS, "start-up " + fmt(median(fromStart)) + " ms (target ≤ " + STARTUP_MS + ")");
        }
        sb.append(String.format(Locale.ROOT, "%nReader cgroup: memory %s, cpu quota %d/%d, cpuset %s; median of %d rounds of %d s per run, "
                        + "after %d warm-up reads per file; host: %d CPUs, %s.%n", knobs.memoryLimit(), knobs.cpuQuota(), knobs.cpuPeriod(),
                knobs.cpuset(), knobs.rounds(), knobs.seconds(), knobs.warmup(), Runtime.getRuntime().availableProcessors(),
                System.getProperty("os.version")));
        if (!cgroupStat.isEmpty()) {
            sb.append("Reader cgroup cpu.stat after the run: ").append(cgroupStat).append('\n');
        }
        sb.append("Host load average at start: ").append(loadStart).append("; at end: ").append(loadEnd).append(".\n");
        sb.append("Ratios: latency and CPU lower is better for us (< 1), reads/s higher is better (> 1).\n");
        sb.append(missed.isEmpty() ? "\nTargets: all met.\n" : "\nTargets not met in this run:\n- " + String.join("\n- ", missed) + "\n");
        return sb.toString();
    }

    private static void check(List<String> missed, boolean ok, String what) {
        if (!ok) {
            missed.add(what);
        }
    }

    private static String fmt(double v) {
        return String.format(Locale.ROOT, "%.2f", v);
    }

    private static String list(List<Double> v) {
        return Arrays.toString(v.stream().mapToLong(Double::longValue).toArray()).replaceAll("[\\[\\]]", "");
    }
}
