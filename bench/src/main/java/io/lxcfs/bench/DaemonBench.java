package io.lxcfs.bench;

import io.lxcfs.bench.daemon.FloorServer;
import io.lxcfs.bench.daemon.Knobs;
import io.lxcfs.bench.daemon.ProcRead;
import io.lxcfs.bench.daemon.Report;
import io.lxcfs.bench.daemon.StartupProbe;
import io.lxcfs.testing.DaemonProcess;
import io.lxcfs.testing.RepoLayout;
import io.lxcfs.testing.ReferenceLxcfs;
import io.lxcfs.testing.TestCgroup;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * {@code make bench}, the daemon part (docs/benchmarks.md): our daemon (through its start script and keeper, with the
 * JVM flags we ship), the reference LXCFS ({@code lxcfs -f --enable-cfs -l}) and the floor (a do-nothing FUSE server in
 * C) side by side on temporary mounts, read by {@code procread} from inside one limited cgroup; then the start-up of a
 * new JVM on the live connection. Prints Markdown tables (and writes them to {@code BENCH_OUT} when set).
 */
public final class DaemonBench {

    /** The implementations measured per file; the floor serves meminfo only and is measured once per round. */
    static final String OURS = "ours";
    static final String LXCFS = "lxcfs";
    static final String FLOOR = "floor";

    private DaemonBench() {
    }

    public static void main(String[] args) throws Exception {
        Knobs k = Knobs.fromEnvironment();
        Path procread = RepoLayout.tool("procread");
        Path fusefloor = RepoLayout.tool("fusefloor");
        require(ProcessHandle.current().info().user().map("root"::equals).orElse(false), "must run as root (FUSE mounts, cgroups)");
        require(Files.isExecutable(procread) && Files.isExecutable(fusefloor), procread + " or " + fusefloor + " missing: build the daemon module");
        require(Files.isRegularFile(RepoLayout.daemonJar()), RepoLayout.daemonJar() + " missing: build the daemon module");
        require(ReferenceLxcfs.available(), "the reference lxcfs is not installed (make deps)");
        require(TestCgroup.available(), "no writable cgroup hierarchy with the controllers the view reads");

        Path work = Files.createTempDirectory("lxcfs-bench-");
        Path oursDir = Files.createDirectory(work.resolve(OURS));
        Path refDir = Files.createDirectory(work.resolve(LXCFS));
        Path floorDir = Files.createDirectory(work.resolve(FLOOR));
        List<AutoCloseable> cleanup = new ArrayList<>();
        try {
            String loadAtStart = ProcStat.loadAverage();
            DaemonProcess ours = DaemonProcess.start(oursDir, Map.of());
            cleanup.add(0, ours);
            ReferenceLxcfs ref = ReferenceLxcfs.start(refDir);
            cleanup.add(0, ref);
            FloorServer floor = FloorServer.start(fusefloor, floorDir, 4);
            cleanup.add(0, floor);
            long keeper = ours.pid();
            long jvm = StartupProbe.jvmOf(keeper).orElse(keeper);
            Thread.sleep(2000); // idle: past the start, nothing read yet
            Report report = new Report(k);
            report.rssIdle(OURS, ProcStat.rssKib(jvm), ProcStat.threads(jvm));
            report.rssIdle("ours (keeper)", ProcStat.rssKib(keeper), ProcStat.threads(keeper));
            report.rssIdle(LXCFS, ProcStat.rssKib(ref.pid()), ProcStat.threads(ref.pid()));
            report.rssIdle(FLOOR, ProcStat.rssKib(floor.pid()), ProcStat.threads(floor.pid()));

            TestCgroup cg = TestCgroup.create("bench");
            cleanup.add(0, cg);
            cg.memoryLimit(k.memoryLimitBytes()).cpuQuota(k.cpuQuota(), k.cpuPeriod()).cpuset(k.cpuset());
            ProcRead reader = new ProcRead(procread, cg.joinScript());
            Map<String, Path> dirs = Map.of(OURS, oursDir, LXCFS, refDir, FLOOR, floorDir);
            Map<String, Long> pids = Map.of(OURS, jvm, LXCFS, ref.pid(), FLOOR, floor.pid());
            System.err.printf("bench: our JVM pid %d (keeper %d), lxcfs pid %d, floor pid %d; cgroup %s: memory %s, cpu %d/%d, cpuset %s;"
                    + " %d s per run, %d rounds, %d warm-up reads; load average %s%n", jvm, keeper, ref.pid(), floor.pid(), cg.path(),
                    k.memoryLimit(), k.cpuQuota(), k.cpuPeriod(), k.cpuset(), k.seconds(), k.rounds(), k.warmup(), loadAtStart);

            // Warm-up (JIT, caches) once, before the first round.
            for (String f : k.files()) {
                for (String impl : List.of(OURS, LXCFS)) {
                    reader.bench(dirs.get(impl).resolve(f), 1, Integer.toString(k.warmup()));
                    report.served(impl, k.warmup());
                }
            }
            reader.bench(floorDir.resolve("proc/meminfo"), 1, Integer.toString(k.warmup()));
            // Rounds: every (file, implementation) pair once per round, the order alternating, so that load from
            // elsewhere on the machine hits all alike; the tables show the median over the rounds.
            String amount = k.seconds() + "s";
            for (int round = 1; round <= k.rounds(); round++) {
                System.err.printf("bench: round %d of %d (load average %s)%n", round, k.rounds(), ProcStat.loadAverage());
                List<String> order = round % 2 == 1 ? List.of(OURS, LXCFS, FLOOR) : List.of(FLOOR, LXCFS, OURS);
                for (String f : k.files()) {
                    for (String impl : order) {
                        if (impl.equals(FLOOR) && !f.equals(k.files().get(0))) {
                            continue; // the floor: once per round
                        }
                        String file = impl.equals(FLOOR) ? "proc/meminfo" : f;
                        long c0 = ProcStat.cpuTicks(pids.get(impl));
                        ProcRead.Result one = reader.bench(dirs.get(impl).resolve(file), 1, amount);
                        ProcRead.Result two = reader.bench(dirs.get(impl).resolve(file), 2, amount);
                        long c1 = ProcStat.cpuTicks(pids.get(impl));
                        System.err.printf("  %-5s %-30s 1: p50 %.1f p99 %.1f %.0f/s; 2: p50 %.1f %.0f/s%n", impl, file, one.p50Us(),
                                one.p99Us(), one.opsPerSecond(), two.p50Us(), two.opsPerSecond());
                        report.run(impl.equals(FLOOR) ? Report.FLOOR_FILE : f, impl, one, two, c1 - c0);
                    }
                }
            }
            // RSS after the run: at least BENCH_RSS_READS reads served, topped up with meminfo reads (2 readers).
            long missing = k.rssReads() - report.served(OURS);
            if (missing > 0) {
                System.err.printf("bench: %d more meminfo reads for the RSS after the run%n", missing);
                reader.bench(oursDir.resolve("proc/meminfo"), 2, Long.toString(missing));
                report.served(OURS, missing);
            }
            report.rssAfter(OURS, ProcStat.rssKib(jvm), ProcStat.threads(jvm));
            report.rssAfter("ours (keeper)", ProcStat.rssKib(keeper), ProcStat.threads(keeper));
            report.rssAfter(LXCFS, ProcStat.rssKib(ref.pid()), ProcStat.threads(ref.pid()));
            report.rssAfter(FLOOR, ProcStat.rssKib(floor.pid()), ProcStat.threads(floor.pid()));
            report.cgroupStat(cpuStat(cg));

            // Start-up on the live connection (last: it replaces the JVM measured above).
            StartupProbe probe = new StartupProbe(keeper, oursDir);
            for (int i = 1; i <= k.startupRounds(); i++) {
                StartupProbe.Round r = probe.round(() -> ours.awaitLive(DaemonProcess.START_TIMEOUT));
                System.err.printf("bench: start-up %d: kill -> served %d ms, new JVM start -> served %d ms (JVM CPU %d ms)%n", i,
                        r.killToServedMs(), r.startToServedMs(), r.jvmCpuMs());
                report.startup(r);
            }
            report.loads(loadAtStart, ProcStat.loadAverage());
            String text = report.markdown();
            System.out.println(text);
            if (k.out() != null) {
                Files.writeString(k.out(), text);
            }
        } finally {
            for (AutoCloseable c : cleanup) {
                try {
                    c.close();
                } catch (Exception e) {
                    System.err.println("bench: cleanup: " + e);
                }
            }
            for (Path d : List.of(oursDir, refDir, floorDir, work)) {
                try {
                    Files.deleteIfExists(d);
                } catch (Exception e) {
                    System.err.println("bench: left " + d + ": " + e);
                }
            }
        }
    }

    private static String cpuStat(TestCgroup cg) {
        try {
            return Files.readString(cg.dir("cpu").resolve("cpu.stat")).trim().replace('\n', ' ');
        } catch (Exception e) {
            return "";
        }
    }

    private static void require(boolean ok, String message) {
        if (!ok) {
            System.err.println("bench: " + message);
            System.exit(2);
        }
    }
}
