package io.lxcfs.daemon.it;

import io.lxcfs.testing.FreePort;
import io.lxcfs.testing.RepoLayout;
import io.lxcfs.testing.RuncContainer;
import io.lxcfs.testing.SharedDaemon;
import io.lxcfs.testing.TestCgroup;
import io.lxcfs.testing.TestFiles;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The consumer tier: programs nobody on this project wrote read the view the way they always do, inside a
 * container (a real v1 cgroup limited to 256 MiB and 0.5 CPU, a private mount and pid namespace with the seven
 * /proc files and the CPU directory bind-mounted over the real paths as the webhook mounts them, see {@link ViewContainer}) in which a CPU burner and a growing tmpfs
 * allocation run. Each program must report the container, not the host, and where it samples twice its numbers
 * must move. Programs that cannot be virtualized by a /proc view (busybox {@code free}: sysinfo(2); {@code nproc}:
 * CPU affinity) are asserted to show the host.
 *
 * <p>The CPU directory's tests (lscpu, getconf, nproc, mpstat, htop, the renumbered cpuset) also run on cgroup v2 in
 * the VM tier's guest ({@link CgroupV2VmIT#CPU_DIRECTORY_TESTS}), where the quota is {@code cpu.max} and "the host"
 * is the guest's kernel.
 *
 * <p>How they read (measured with strace): busybox {@code cat} copies with sendfile(2), which stops at st_size;
 * GNU {@code cat}/{@code head}/{@code dd} use read(2); procps {@code top}, {@code vmstat} and {@code free -s} open
 * /proc/stat and /proc/meminfo once and re-read them with lseek(0) + read ({@code top} reads meminfo every 3 s,
 * Debian 12's {@code vmstat} only for its first sample, on the kernel's own files too).
 */
class ConsumerProgramsIT {

    private static final long MIB = 1024 * 1024;
    private static final long LIMIT_KB = 256 * 1024;

    /**
     * A tmpfs allocation growing by 1 MiB every 100 ms up to 120 MiB (about 12 s; tmpfs pages are charged to the
     * writer's memory cgroup and cannot be reclaimed without swap, so MemFree falls by that much).
     */
    private static final String GROWING_ALLOCATION = "mount -t tmpfs -o size=150m none /mnt && "
            + "{ i=0; while [ $i -lt 120 ]; do dd if=/dev/zero of=/mnt/grow$i bs=1M count=1 2>/dev/null; "
            + "i=$((i+1)); sleep 0.1; done & } && ";
    /**
     * Run first in every container: the growing allocation and a CPU burner. The tool under test runs right after
     * and sees both; both die with the container's PID 1.
     */
    private static final String LOAD = GROWING_ALLOCATION + "{ while :; do :; done & } && ";

    private static final List<String> FILES = ViewContainer.FILES;
    /** Files whose content does not change from one read to the next. */
    private static final List<String> CONSTANT_FILES = List.of("/proc/cpuinfo", "/proc/swaps", "/sys/devices/system/cpu/online");

    @RegisterExtension
    static final SharedDaemon VIEW = new SharedDaemon("lxcfs-it-consumers");
    private static long hostMemTotalKb;
    private static int hostNproc;
    private static double hostUptime;

    @BeforeAll
    static void readTheHost() throws Exception {
        hostMemTotalKb = kb(Files.readString(Path.of("/proc/meminfo")), "MemTotal");
        hostNproc = Integer.parseInt(host("nproc").strip());
        hostUptime = Double.parseDouble(Files.readString(Path.of("/proc/uptime")).split(" ")[0]);
    }

    // ------------------------------------------------------------------ whole files, every way of reading

    /** st_size > 0 for all eight files: sendfile, splice and fstat-then-read readers stop at st_size. */
    @Test
    void statReportsANonZeroSizeForEveryFile() throws Exception {
        String out = inContainer("stat -c '%n %s' " + String.join(" ", FILES));
        for (String line : out.strip().split("\n")) {
            String[] f = line.split(" ");
            assertTrue(Long.parseLong(f[1]) > 0, "st_size of " + f[0] + " is " + f[1] + "\n" + out);
        }
        assertEquals(FILES.size(), out.strip().split("\n").length, out);
    }

    /**
     * busybox cat (every busybox and Alpine image; sendfile(2)) prints each of the eight files as GNU cat (read(2))
     * does: the same lines, numbers aside for the files that change between two reads.
     */
    @Test
    void busyboxCatPrintsWhatGnuCatPrintsForEveryFile() throws Exception {
        assertEveryFileReadsLikeGnuCat("busybox cat");
    }

    /**
     * The same in a real OCI container (runc, the busybox root filesystem of scripts/make-rootfs.sh, the files
     * bind-mounted read-only as a kubelet mounts the webhook's hostPath volumes), as `kubectl exec pod -- busybox cat`.
     */
    @Test
    void busyboxCatInARuncContainerPrintsWhatGnuCatPrints() throws Exception {
        Assumptions.assumeTrue(RuncContainer.available(), "needs runc");
        Path work = Files.createTempDirectory("lxcfs-it-consumers-runc");
        try {
            Path rootfs = RuncContainer.makeRootfs(work.resolve("rootfs"));
            assertEveryFileReadsLikeGnuCat("busybox cat", script -> {
                try (RuncContainer c = RuncContainer.builder(rootfs, "consumer").cgroupsPath("/lxcfs-it-consumers/{id}")
                        .memoryLimit(256 * MIB).cpuQuota(50_000, 100_000).viewFiles(VIEW.mount(), FILES).tools().shell(script).create()) {
                    RuncContainer.Result r = c.run(60);
                    assertEquals(0, r.exit(), r.stdout() + "\n" + r.stderr());
                    return r.stdout();
                }
            });
        } finally {
            new ProcessBuilder("rm", "-rf", "--one-file-system", work.toString()).inheritIO().start().waitFor();
        }
    }

    /** A plain sendfile(2) loop to EOF, as busybox cat, splice and copy_file_range readers do, gets the whole file. */
    @Test
    void aSendfileReaderGetsEveryWholeFile() throws Exception {
        assertEveryFileReadsLikeGnuCat(tool("procread") + " sendfile");
    }

    /** dd bs=1 (one read(2) per byte at growing offsets) gets one consistent file: the snapshot of its read at 0. */
    @Test
    void ddOneByteAtATimeGetsTheWholeConsistentFile() throws Exception {
        assertEveryFileReadsLikeGnuCat("dd status=none bs=1 if=");
        String meminfo = inContainer("dd status=none bs=1 if=/proc/meminfo");
        assertEquals(LIMIT_KB, kb(meminfo, "MemTotal"), meminfo);
        for (String line : meminfo.split("\n")) {
            assertTrue(line.matches("[A-Za-z0-9_()]+:\\s+\\d+( kB)?"), "malformed meminfo line [" + line + "]\n" + meminfo);
        }
    }

    /** GNU cat (read(2) to EOF) shows the container: its memory limit, one CPU, an uptime since the container started. */
    @Test
    void gnuCatShowsTheContainer() throws Exception {
        Map<String, String> s = sections(inContainer(
                "echo @@meminfo; cat /proc/meminfo; echo @@online; cat /sys/devices/system/cpu/online; "
                        + "echo @@uptime; cat /proc/uptime; echo @@cpuinfo; cat /proc/cpuinfo"));
        assertEquals(LIMIT_KB, kb(s.get("meminfo"), "MemTotal"), s.get("meminfo"));
        assertEquals("0", s.get("online"));
        assertEquals(1, s.get("cpuinfo").lines().filter(l -> l.startsWith("processor")).count(), s.get("cpuinfo"));
        assertFreshContainerUptime(s.get("uptime"));
    }

    /** busybox head reads with read(2) and stops early: the first lines are the container's. */
    @Test
    void busyboxHeadShowsTheContainer() throws Exception {
        Map<String, String> s = sections(inContainer("echo @@meminfo; busybox head -n 2 /proc/meminfo; "
                + "echo @@online; busybox head -n 1 /sys/devices/system/cpu/online; echo @@stat; busybox head -n 3 /proc/stat"));
        assertTrue(s.get("meminfo").startsWith("MemTotal:         262144 kB\nMemFree:"), s.get("meminfo"));
        assertEquals("0", s.get("online"));
        assertTrue(s.get("stat").matches("cpu  .*\ncpu0 .*\nintr .*"), s.get("stat"));
    }

    /**
     * tail (busybox and GNU) on the file itself (where it may seek to st_size and read backwards) prints what it
     * prints reading the same file through a pipe: a size larger than the content must not hide the last lines.
     */
    @Test
    void tailOfTheFilePrintsWhatTailOfAPipePrints() throws Exception {
        for (String tail : List.of("busybox tail", "tail")) {
            StringBuilder script = new StringBuilder();
            for (String f : FILES) {
                script.append("echo; echo @@file ").append(f).append("; ").append(tail).append(" -n 2 ").append(f).append("; ")
                        .append("echo; echo @@pipe ").append(f).append("; cat ").append(f).append(" | ").append(tail).append(" -n 2; ");
            }
            Map<String, String> s = sections(inContainer(script.toString()));
            for (String f : FILES) {
                String got = s.get("file " + f);
                String want = s.get("pipe " + f);
                if (!f.equals("/proc/diskstats")) {
                    assertFalse(want.isEmpty(), tail + " " + f + " through a pipe printed nothing");
                }
                assertEquals(shape(want), shape(got), tail + " -n 2 " + f + "\n--- file:\n" + got + "\n--- pipe:\n" + want);
            }
        }
    }

    // ------------------------------------------------------------------ programs that cannot be virtualized

    /**
     * busybox free takes its totals from sysinfo(2), which no file can change: it shows the HOST's memory even in
     * a 256 MiB container. (This is documented in the README; if it ever showed the limit, that section is wrong.)
     */
    @Test
    void busyboxFreeShowsTheHostBecauseItReadsSysinfo() throws Exception {
        String out = inContainer("busybox free");
        String mem = out.lines().filter(l -> l.startsWith("Mem:")).findFirst().orElseThrow(() -> new AssertionError(out));
        long total = Long.parseLong(mem.split("\\s+")[1]);
        assertNotEquals(LIMIT_KB, total, out);
        assertTrue(Math.abs(total - hostMemTotalKb) <= 4, "busybox free total " + total + " kB vs host MemTotal " + hostMemTotalKb + "\n" + out);
    }

    /** nproc counts CPUs by affinity (sched_getaffinity), which a quota does not change: it shows the host's count. */
    @Test
    void nprocFollowsAffinityNotTheQuota() throws Exception {
        Map<String, String> s = sections(inContainer("echo @@nproc; nproc; echo @@getconf; getconf _NPROCESSORS_ONLN"));
        assertEquals(Integer.toString(hostNproc), s.get("nproc"), "nproc shows the host's CPUs (affinity)");
        assertEquals("1", s.get("getconf"), "while glibc's online count is the view's");
    }

    // ------------------------------------------------------------------ the CPU directory

    /**
     * lscpu counts the cpuN directories, {@code possible}/{@code present}/{@code online} and the topology masks: one
     * CPU, none off line, one thread of one core of one socket (the host's lscpu shows all of its CPUs).
     */
    @Test
    void lscpuShowsOneCpuAndNoneOffLine() throws Exception {
        String out = inContainer("lscpu");
        assertTrue(out.matches("(?s).*\\nCPU\\(s\\): +1\\n.*"), out);
        assertTrue(out.matches("(?s).*\\nOn-line CPU\\(s\\) list: +0\\n.*"), out);
        assertFalse(out.contains("Off-line"), out);
        assertTrue(out.matches("(?s).*\\nThread\\(s\\) per core: +1\\n.*"), out);
        assertTrue(out.matches("(?s).*\\nCore\\(s\\) per socket: +1\\n.*"), out);
        assertTrue(out.matches("(?s).*\\nSocket\\(s\\): +1\\n.*"), out);
        String onHost = host("lscpu");
        assertTrue(onHost.matches("(?s).*\\nCPU\\(s\\): +" + hostNproc + "\\n.*"), onHost);
    }

    /**
     * glibc's {@code _NPROCESSORS_CONF} reads {@code possible}: 1. {@code nproc --all} (coreutils 9.1, gnulib) asks the
     * same, but when that says 1 or 2 it takes the affinity mask if larger (a guard against an unmounted /sys), and a
     * quota leaves the affinity at the host's CPUs: it prints what {@code nproc} prints, which no file can change.
     */
    @Test
    void getconfConfCountsOneCpuAndNprocAllFallsBackToTheAffinity() throws Exception {
        Map<String, String> s = sections(inContainer("echo @@conf; getconf _NPROCESSORS_CONF; echo @@all; nproc --all; "
                + "echo @@affinity; nproc; echo @@dirs; ls -d /sys/devices/system/cpu/cpu[0-9]*"));
        assertEquals("1", s.get("conf"), s.toString());
        assertEquals("/sys/devices/system/cpu/cpu0", s.get("dirs"), s.toString());
        assertEquals(s.get("affinity"), s.get("all"), "gnulib: possible says 1, so the affinity count wins " + s);
        assertEquals(Integer.toString(hostNproc), s.get("affinity"), s.toString());
    }

    /** mpstat's header counts the cpuN directories: {@code (1 CPU)}; {@code -P ALL} has one line per CPU: only 0. */
    @Test
    void mpstatSaysOneCpu() throws Exception {
        String out = inContainer("mpstat -P ALL 1 1");
        String header = out.lines().findFirst().orElseThrow();
        assertTrue(header.contains("(1 CPU)"), out);
        List<String> cpus = out.lines().filter(l -> l.startsWith("Average:")).map(l -> l.trim().split("\\s+")[1])
                .filter(c -> !c.equals("CPU")).toList();
        assertEquals(List.of("all", "0"), cpus, out);
    }

    /**
     * htop (in a tmux pane, captured with capture-pane) draws one CPU meter, which it labels {@code CPU} on a one-CPU
     * machine; on the kernel's own files, one per CPU labelled by number.
     */
    @Test
    void htopDrawsOneCpuMeter() throws Exception {
        Assumptions.assumeTrue(hostNproc >= 2, "on a one-CPU host the two would look alike");
        assertEquals(List.of("CPU"), htopMeters(ConsumerProgramsIT::inContainer));
        List<String> all = new ArrayList<>();
        for (int i = 0; i < hostNproc; i++) {
            all.add(Integer.toString(i));
        }
        assertEquals(all, htopMeters(ConsumerProgramsIT::onTheKernelsProc), "htop on the host's files");
    }

    /** The labels of htop's CPU meters ({@code    0[|||   12.5%]}, {@code CPU[||  4.0%]}) once it has drawn its header. */
    private static List<String> htopMeters(ThrowingFunction run) throws Exception {
        String sock = "/tmp/lxcfs-it-htop-" + java.util.UUID.randomUUID().toString().substring(0, 8);
        String screen = run.apply("export TERM=xterm HOME=/tmp; tmux -S " + sock + " new-session -d -x 120 -y 30 htop && "
                + "i=0; while [ $i -lt 100 ]; do tmux -S " + sock + " capture-pane -p > " + sock + ".txt; "
                + "grep -q 'Tasks:' " + sock + ".txt && break; i=$((i+1)); sleep 0.1; done; sleep 1; "
                + "tmux -S " + sock + " capture-pane -p; tmux -S " + sock + " kill-server; rm -f " + sock + ".txt");
        assertTrue(screen.contains("Tasks:"), "htop did not draw:\n" + screen);
        List<String> meters = new ArrayList<>();
        Matcher m = Pattern.compile("(?m)(?:^|\\s)(\\d+|CPU)\\[").matcher(screen);
        while (m.find()) {
            meters.add(m.group(1));
        }
        return meters;
    }

    private interface ThrowingFunction {
        String apply(String script) throws Exception;
    }

    /**
     * With {@code cpuset.cpus=1} the one CPU shown is the host's CPU 1, numbered 0 everywhere: cpuinfo's processor 0
     * has the host CPU 1's apicid and core id, the cpu0 directory has the host cpu1's topology, and every count is 1.
     */
    @Test
    void withCpusetOneTheOneCpuIsTheHostsCpu1RenumberedAsZero() throws Exception {
        Assumptions.assumeTrue(hostNproc >= 2, "needs a second CPU");
        String hostCpuinfo = Files.readString(Path.of("/proc/cpuinfo"));
        String hostCore = Files.readString(Path.of("/sys/devices/system/cpu/cpu1/topology/core_id")).strip();
        String script = "echo @@cpuinfo; cat /proc/cpuinfo; echo @@core; cat /sys/devices/system/cpu/cpu0/topology/core_id; "
                + "echo @@siblings; cat /sys/devices/system/cpu/cpu0/topology/thread_siblings_list; "
                + "echo @@dirs; ls -d /sys/devices/system/cpu/cpu[0-9]*; echo @@online; cat /sys/devices/system/cpu/online; "
                + "echo @@all; nproc --all; echo @@conf; getconf _NPROCESSORS_CONF; echo @@lscpu; lscpu -p=CPU,CORE,SOCKET,ONLINE";
        Map<String, String> s;
        try (TestCgroup cg = TestCgroup.create("consumer-cpuset").memoryLimit(256 * MIB).cpuset("1")) {
            s = sections(new ViewContainer(cg, VIEW.mount()).withCpuDirectory().exec(script));
        }
        String block = s.get("cpuinfo");
        assertEquals(1, block.lines().filter(l -> l.startsWith("processor")).count(), block);
        assertTrue(block.startsWith("processor\t: 0\n"), block);
        assertEquals(cpuinfoField(hostBlock(hostCpuinfo, 1), "apicid"), cpuinfoField(block, "apicid"), block);
        assertEquals(cpuinfoField(hostBlock(hostCpuinfo, 1), "core id"), cpuinfoField(block, "core id"), block);
        assertEquals(hostCore, s.get("core"), "cpu0's topology is the host cpu1's");
        assertEquals(cpuinfoField(block, "core id"), s.get("core"), "cpuinfo and the directory agree");
        assertEquals("0", s.get("siblings"));
        assertEquals("/sys/devices/system/cpu/cpu0", s.get("dirs"));
        assertEquals("0", s.get("online"));
        assertEquals("1", s.get("all"), "one CPU in the files and in the affinity mask");
        assertEquals("1", s.get("conf"));
        assertEquals(List.of("0,0,0,Y"), s.get("lscpu").lines().filter(l -> !l.startsWith("#")).toList(), s.get("lscpu"));
    }

    /** The host's cpuinfo block of one processor. */
    private static String hostBlock(String cpuinfo, int processor) {
        for (String block : cpuinfo.split("\n\n")) {
            if (block.startsWith("processor\t: " + processor + "\n")) {
                return block;
            }
        }
        throw new AssertionError("no processor " + processor + " in\n" + cpuinfo);
    }

    /** The value of a cpuinfo line ({@code core id\t\t: 1}). */
    private static String cpuinfoField(String block, String key) {
        return block.lines().filter(l -> l.startsWith(key + "\t")).map(l -> l.substring(l.indexOf(':') + 1).trim()).findFirst()
                .orElseThrow(() -> new AssertionError("no " + key + " in\n" + block));
    }

    // ------------------------------------------------------------------ procps

    /**
     * top -b -d 1 -n 3 keeps /proc/stat and /proc/meminfo open and re-reads them with lseek(0): every frame shows a
     * 256 MiB total and frames 2 and 3 show the burner's user time. top re-reads meminfo only when 3 s have passed
     * (top.c: "memory availability/usage every 3 seconds"), so {@code top -b -d 3 -n 2} shows free memory falling.
     */
    @Test
    void topShowsTheLimitTheBurnerAndTheGrowthOnEveryRefresh() throws Exception {
        Map<String, String> s = sections(inContainer("echo @@fast; TERM=dumb top -b -d 1 -n 3 | grep -E '^(%Cpu|MiB Mem)'; "
                + "echo @@slow; TERM=dumb top -b -d 3 -n 2 | grep -E '^MiB Mem'"));
        String out = s.get("fast");
        List<String> cpu = out.lines().filter(l -> l.startsWith("%Cpu")).toList();
        List<String> mem = out.lines().filter(l -> l.startsWith("MiB Mem")).toList();
        assertEquals(3, cpu.size(), out);
        assertEquals(3, mem.size(), out);
        for (String m : mem) {
            assertEquals(256.0, field(m, "total"), 0.01, out);
        }
        for (String c : cpu.subList(1, 3)) {
            assertTrue(field(c, "us") > 0, "a frame after the first shows no user time while the burner runs:\n" + out);
        }
        List<String> slow = s.get("slow").lines().toList();
        assertEquals(2, slow.size(), s.get("slow"));
        assertTrue(field(slow.get(1), "free") < field(slow.get(0), "free"), "free memory did not fall in 3 s:\n" + s.get("slow"));
    }

    /**
     * vmstat 1 3 (kept fds, lseek(0)): the sampled lines show less than 100 % idle under the burner, free within the
     * limit, and free falling exactly when it does on the kernel's own /proc under the same allocation (procps
     * 4.0.2, Debian 12, re-reads /proc/stat and /proc/vmstat for each sample but /proc/meminfo only for the first).
     */
    @Test
    void vmstatShowsTheLoadAndTheGrowth() throws Exception {
        String out = inContainer("vmstat 1 3");
        long[] frees = vmstatColumn(out, "free");
        long[] idle = vmstatColumn(out, "id");
        for (int i = 0; i < 3; i++) {
            assertTrue(frees[i] <= LIMIT_KB, "free above the limit:\n" + out);
            if (i > 0) {
                assertTrue(idle[i] < 100, "sample " + i + " shows 100 % idle under a burner:\n" + out);
            }
        }
        long[] kernel = vmstatColumn(onTheKernelsProc("vmstat 1 3"), "free");
        if (kernel[2] != kernel[0]) {
            assertTrue(frees[2] < frees[0], "free did not fall while the allocation grows:\n" + out);
        } else {
            assertEquals(frees[0], frees[2], "this vmstat does not re-read meminfo:\n" + out);
        }
    }

    /** The three samples of one column of {@code vmstat 1 3}. */
    private static long[] vmstatColumn(String out, String name) {
        List<String> lines = out.strip().lines().toList();
        assertEquals(5, lines.size(), out);
        int column = Arrays.asList(lines.get(1).trim().split("\\s+")).indexOf(name);
        return lines.subList(2, 5).stream().mapToLong(l -> Long.parseLong(l.trim().split("\\s+")[column])).toArray();
    }

    /**
     * free -k shows the limit; free -s (kept fds, lseek(0)) sees free memory fall from one sample to the next. (The
     * allocation is tmpfs, which free counts as shared and buff/cache, not as used.)
     */
    @Test
    void freeShowsTheLimitAndTheGrowthWhenRepeating() throws Exception {
        String out = inContainer("free -k -s 1 -c 2");
        List<String> mem = out.lines().filter(l -> l.startsWith("Mem:")).toList();
        assertEquals(2, mem.size(), out);
        long[] free = new long[2];
        for (int i = 0; i < 2; i++) {
            String[] f = mem.get(i).split("\\s+");
            assertEquals(LIMIT_KB, Long.parseLong(f[1]), out);
            free[i] = Long.parseLong(f[3]);
        }
        assertTrue(free[1] < free[0], "free did not fall between two samples:\n" + out);
    }

    /** uptime (procps) shows the container's uptime and load, not the host's. */
    @Test
    void uptimeShowsTheContainersUptime() throws Exception {
        Map<String, String> s = sections(inContainer("echo @@uptime; uptime; echo @@file; cat /proc/uptime"));
        assertTrue(s.get("uptime").matches(".*\\bup\\s+0 min,.*load average: [0-9.]+, [0-9.]+, [0-9.]+"), s.get("uptime"));
        assertFreshContainerUptime(s.get("file"));
    }

    /** glibc's online count (getconf, Python os.cpu_count()) is the view's one CPU for a 0.5 CPU quota. */
    @Test
    void getconfAndPythonCountOneCpu() throws Exception {
        Map<String, String> s = sections(inContainer("echo @@getconf; getconf _NPROCESSORS_ONLN; "
                + "echo @@python; /usr/bin/python3 -c 'import os; print(os.cpu_count())'"));
        assertEquals("1", s.get("getconf"));
        assertEquals("1", s.get("python"));
    }

    // ------------------------------------------------------------------ language runtimes and servers

    /** psutil (Debian python3-psutil) reads /proc: the limit, one CPU, a busy CPU and falling available memory. */
    @Test
    void psutilSeesTheContainer() throws Exception {
        String py = "import psutil; a = psutil.virtual_memory(); p = psutil.cpu_percent(interval=1); b = psutil.virtual_memory(); "
                + "print(a.total, psutil.cpu_count(), p, a.available, b.available)";
        String out = inContainer("/usr/bin/python3 -c '" + py + "'");
        String[] v = out.strip().split(" ");
        assertEquals(256 * MIB, Long.parseLong(v[0]), out);
        assertEquals("1", v[1], out);
        assertTrue(Double.parseDouble(v[2]) > 0, "cpu_percent under a burner: " + out);
        assertTrue(Long.parseLong(v[4]) < Long.parseLong(v[3]), "available did not fall: " + out);
    }

    /** Node's os.totalmem()/os.freemem() read /proc/meminfo and os.cpus() /proc/stat and /proc/cpuinfo. */
    @Test
    void nodeSeesTheContainer() throws Exception {
        String js = "const os = require(\"os\"); const a = os.freemem(); "
                + "setTimeout(() => console.log(os.totalmem(), os.cpus().length, a, os.freemem()), 1000);";
        String out = inContainer("node -e '" + js + "'");
        String[] v = out.strip().split(" ");
        assertEquals(256 * MIB, Long.parseLong(v[0]), out);
        assertEquals("1", v[1], out);
        assertTrue(Long.parseLong(v[3]) < Long.parseLong(v[2]), "freemem did not fall: " + out);
    }

    /** nginx with worker_processes auto starts one worker per online CPU (glibc's count): one. */
    @Test
    void nginxAutoStartsOneWorker() throws Exception {
        Path dir = Files.createTempDirectory("lxcfs-it-nginx");
        try {
            Files.writeString(dir.resolve("nginx.conf"),
                    "worker_processes auto;\npid " + dir.resolve("nginx.pid") + ";\nerror_log stderr notice;\nevents {}\n");
            // The master writes its pid file, forks every worker, then sleeps in sigsuspend (state S): wait for that.
            String out = inContainer("nginx -p " + dir + " -c " + dir.resolve("nginx.conf") + " -e stderr -g 'daemon off;' & "
                    + "i=0; while [ $i -lt 200 ]; do m=$(cat " + dir.resolve("nginx.pid") + " 2>/dev/null); "
                    + "if [ -n \"$m\" ] && [ \"$(cut -d' ' -f3 /proc/$m/stat)\" = S ] && pgrep -f '^nginx: worker' >/dev/null; then break; fi; "
                    + "sleep 0.05; i=$((i+1)); done; "
                    + "pgrep -c -f '^nginx: worker'; kill $m");
            assertEquals("1", out.strip(), "nginx workers (host has " + hostNproc + " CPUs)");
        } finally {
            TestFiles.deleteTree(dir);
        }
    }

    /**
     * Prometheus node_exporter (Debian prometheus-node-exporter) scraped once on a loopback port: MemTotal is the
     * limit, one CPU, and node_load1 is the container's /proc/loadavg.
     */
    @Test
    void nodeExporterReportsTheContainer() throws Exception {
        int port = FreePort.find();
        String url = "http://127.0.0.1:" + port + "/metrics";
        String out = inContainer("prometheus-node-exporter --web.listen-address=127.0.0.1:" + port + " >/tmp/node-exporter-" + port + ".log 2>&1 & "
                + "i=0; until curl -sf -o /dev/null " + url + " || [ $i -ge 200 ]; do sleep 0.05; i=$((i+1)); done; "
                // Scrape between two reads of /proc/loadavg; again (at most 3 times) if a 5 s update fell in between.
                + "for try in 1 2 3; do b=$(cat /proc/loadavg); echo @@before; echo \"$b\"; echo @@metrics; curl -sf " + url
                + " | grep -E '^(node_memory_MemTotal_bytes|node_load1|node_cpu_seconds_total)'; a=$(cat /proc/loadavg); "
                + "echo @@after; echo \"$a\"; [ \"${b%% *}\" = \"${a%% *}\" ] && break; done; kill $!; "
                + "rm -f /tmp/node-exporter-" + port + ".log");
        Map<String, String> s = sections(out);
        String metrics = s.get("metrics");
        assertTrue(metrics != null && !metrics.isEmpty(), out);
        assertEquals(256.0 * MIB, metric(metrics, "node_memory_MemTotal_bytes"), 0.5, metrics);
        TreeSet<String> cpus = new TreeSet<>();
        Matcher m = Pattern.compile("^node_cpu_seconds_total\\{cpu=\"(\\d+)\"", Pattern.MULTILINE).matcher(metrics);
        while (m.find()) {
            cpus.add(m.group(1));
        }
        assertEquals(List.of("0"), new ArrayList<>(cpus), metrics);
        String before = s.get("before").split(" ")[0];
        if (before.equals(s.get("after").split(" ")[0])) {
            assertEquals(Double.parseDouble(before), metric(metrics, "node_load1"), 0.001, out);
        }
    }

    // ------------------------------------------------------------------ kept file descriptors

    /**
     * A reader that keeps /proc/uptime, /proc/stat and /proc/meminfo open and re-reads them with lseek(0) + read
     * (what top, vmstat and free -s do) sees a fresh file every time: uptime advances, the CPU ticks grow under the
     * burner and MemFree falls as the allocation grows.
     */
    @Test
    void aKeptFileDescriptorSeesFreshContentAfterEverySeekToZero() throws Exception {
        assertKeptFileDescriptorsSeeFreshContent("keep");
    }

    /** The same with pread(2) at offset 0 (the file offset never moves): a read at 0 is a fresh snapshot. */
    @Test
    void aKeptFileDescriptorSeesFreshContentOnEveryPreadAtZero() throws Exception {
        assertKeptFileDescriptorsSeeFreshContent("pkeep");
    }

    private static void assertKeptFileDescriptorsSeeFreshContent(String mode) throws Exception {
        int rounds = 4;
        String out = inContainer(tool("procread") + " " + mode + " " + rounds + " 400 /proc/uptime /proc/stat /proc/meminfo");
        Map<String, String> s = sections(out);
        double lastUptime = -1;
        long lastTicks = -1;
        long lastFree = Long.MAX_VALUE;
        for (int r = 0; r < rounds; r++) {
            double uptime = Double.parseDouble(s.get(r + " /proc/uptime").split(" ")[0]);
            String cpu = s.get(r + " /proc/stat").lines().findFirst().orElseThrow();
            long ticks = Arrays.stream(cpu.split("\\s+")).skip(1).limit(3).mapToLong(Long::parseLong).sum();
            long free = kb(s.get(r + " /proc/meminfo"), "MemFree");
            if (r > 0) {
                assertTrue(uptime > lastUptime, "round " + r + ": uptime " + uptime + " after " + lastUptime + "\n" + out);
                assertTrue(ticks > lastTicks, "round " + r + ": user+nice+system ticks " + ticks + " after " + lastTicks + "\n" + out);
                assertTrue(free < lastFree, "round " + r + ": MemFree " + free + " kB after " + lastFree + " kB\n" + out);
            }
            lastUptime = uptime;
            lastTicks = ticks;
            lastFree = free;
        }
    }

    // ------------------------------------------------------------------ helpers

    /** Reads each of the eight files with {@code reader} and with GNU cat in the same container and compares them. */
    private static void assertEveryFileReadsLikeGnuCat(String reader) throws Exception {
        assertEveryFileReadsLikeGnuCat(reader, ConsumerProgramsIT::inContainer);
    }

    interface Container {
        String run(String script) throws Exception;
    }

    private static void assertEveryFileReadsLikeGnuCat(String reader, Container container) throws Exception {
        StringBuilder script = new StringBuilder();
        for (String f : FILES) {
            String cmd = reader.endsWith("=") ? reader + f : reader + " " + f;
            // "echo;": a marker on a line of its own even after a file cut short without its last newline.
            script.append("echo; echo @@reader ").append(f).append("; ").append(cmd).append("; ")
                    .append("echo; echo @@cat ").append(f).append("; cat ").append(f).append("; ");
        }
        Map<String, String> s = sections(container.run(script.toString()));
        for (String f : FILES) {
            String got = s.get("reader " + f);
            String want = s.get("cat " + f);
            if (!f.equals("/proc/diskstats")) { // empty for a container that has done no block I/O
                assertFalse(want.isEmpty(), "GNU cat " + f + " printed nothing");
            }
            if (CONSTANT_FILES.contains(f)) {
                assertEquals(want, got, reader + " " + f);
            } else {
                assertEquals(shape(want), shape(got), reader + " " + f + "\n--- got:\n" + got + "\n--- GNU cat:\n" + want);
            }
        }
        assertEquals(LIMIT_KB, kb(s.get("reader /proc/meminfo"), "MemTotal"), reader + " /proc/meminfo");
        assertEquals("0", s.get("reader /sys/devices/system/cpu/online"), reader + " online");
    }

    /** A file's text with every number replaced and runs of blanks collapsed: what must match between two reads. */
    private static String shape(String text) {
        return text.replaceAll("\\d+(\\.\\d+)?", "#").replaceAll("[ \\t]+", " ");
    }

    private static void assertFreshContainerUptime(String uptimeFile) {
        double up = Double.parseDouble(uptimeFile.split(" ")[0]);
        assertTrue(up >= 0 && up < 30, "container uptime " + up);
        assertTrue(hostUptime > up + 30 || hostUptime < 30, "host uptime " + hostUptime + " should differ from " + up);
    }

    /** Runs {@code script} (dash) in a fresh 256 MiB / 0.5 CPU container with the load running; insists on exit 0. */
    private static String inContainer(String script) throws Exception {
        try (TestCgroup cg = TestCgroup.create("consumer").memoryLimit(256 * MIB).cpuQuota(50_000, 100_000)) {
            ViewContainer.Result r = new ViewContainer(cg, VIEW.mount()).withCpuDirectory().run(LOAD + script);
            if (r.exit() != 0) {
                String log = VIEW.daemon().log();
                throw new AssertionError("exit " + r.exit() + " from [" + script + "]\nstdout:\n" + r.stdout() + "\nstderr:\n"
                        + r.stderr() + "\ndaemon log (tail):\n" + log.substring(Math.max(0, log.length() - 4000)));
            }
            return r.stdout();
        }
    }

    /**
     * Runs {@code script} with the same growing allocation (no burner, no limits) in a private mount and pid
     * namespace without the view: what the program shows on the kernel's own files.
     */
    private static String onTheKernelsProc(String script) throws Exception {
        Process p = new ProcessBuilder("unshare", "--mount", "--pid", "--fork", "--mount-proc", "--propagation", "private",
                "sh", "-c", GROWING_ALLOCATION + script).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        assertTrue(p.waitFor(60, java.util.concurrent.TimeUnit.SECONDS), "timed out: " + script);
        assertEquals(0, p.exitValue(), out);
        return out;
    }

    private static String tool(String name) {
        return RepoLayout.toolsDir().resolve(name).toString();
    }

    private static String host(String cmd) throws Exception {
        Process p = new ProcessBuilder("sh", "-c", cmd).start();
        String out = new String(p.getInputStream().readAllBytes());
        p.waitFor();
        return out;
    }

    private static Map<String, String> sections(String stdout) {
        return RuncContainer.sections(stdout);
    }

    /** The number of kB on a meminfo line, e.g. {@code kb(text, "MemFree")}. */
    static long kb(String meminfo, String key) {
        Matcher m = Pattern.compile("(?m)^" + Pattern.quote(key) + ":\\s+(\\d+) kB$").matcher(meminfo);
        if (!m.find()) {
            throw new AssertionError("no " + key + " in:\n" + meminfo);
        }
        return Long.parseLong(m.group(1));
    }

    /** The number before {@code label} in a top summary line such as {@code MiB Mem :    256.0 total,    200.1 free}. */
    private static double field(String line, String label) {
        Matcher m = Pattern.compile("([0-9.]+)\\s*" + Pattern.quote(label) + "\\b").matcher(line);
        if (!m.find()) {
            throw new AssertionError("no " + label + " in: " + line);
        }
        return Double.parseDouble(m.group(1));
    }

    private static double metric(String metrics, String name) {
        return metrics.lines().filter(l -> l.startsWith(name + " ")).mapToDouble(l -> Double.parseDouble(l.substring(name.length() + 1).trim()))
                .findFirst().orElseThrow(() -> new AssertionError("no " + name + " in:\n" + metrics));
    }
}
