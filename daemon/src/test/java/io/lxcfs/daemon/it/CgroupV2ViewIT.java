package io.lxcfs.daemon.it;

import io.lxcfs.testing.DaemonProcess;
import io.lxcfs.testing.RepoLayout;
import io.lxcfs.testing.RootAccess;
import io.lxcfs.testing.RuncContainer;
import io.lxcfs.testing.TestCgroup;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * All eight files on a real cgroup v2 kernel, through a daemon that runs as a DaemonSet pod does on a v2 node:
 * in a pod cgroup of its own and a private cgroup namespace, so that the readers' paths in
 * {@code /proc/<pid>/cgroup} start with {@code /..} from where it stands. Containers in the kubelet's layouts
 * (systemd and cgroupfs drivers) with pod-level and container-level {@code memory.max}, {@code memory.swap.max}
 * with swap on the node, {@code cpu.max} of 0.5 and 1.5 CPUs under two busy loops, {@code cpuset.cpus},
 * {@code io.stat} traffic and limits resized while the container runs.
 *
 * <p>Runs in the VM tier's guest ({@link CgroupV2VmIT}, {@code cgroup_no_v1=all}); the v1 build host skips it
 * in failsafe's configuration, as it has no v2 controllers.
 */
class CgroupV2ViewIT {

    private static final long MIB = 1024 * 1024;
    private static final List<String> EIGHT = List.of("/proc/meminfo", "/proc/cpuinfo", "/proc/stat", "/proc/uptime",
            "/proc/loadavg", "/proc/swaps", "/proc/diskstats", "/sys/devices/system/cpu/online");

    private static Path mount;
    private static TestCgroup daemonPod;
    private static DaemonProcess daemon;
    private static int hostCpus;

    @BeforeAll
    static void startDaemonInAPrivateCgroupNamespace() throws Exception {
        RootAccess.assume();
        Assumptions.assumeTrue(TestCgroup.V2, "a pure cgroup v2 host (the VM tier's guest)");
        hostCpus = Runtime.getRuntime().availableProcessors();
        mount = Files.createTempDirectory("lxcfs-it-v2");
        daemonPod = TestCgroup.create("lxcfs-daemon");
        // As a container runtime starts the DaemonSet's container: in its cgroup, then unshare(CLONE_NEWCGROUP).
        List<String> wrapper = List.of("sh", "-c", "echo $$ > " + daemonPod.dir("").resolve("cgroup.procs")
                + " && exec unshare --cgroup \"$@\"", "lxcfs-daemon");
        daemon = DaemonProcess.start(wrapper, mount, Map.of());
    }

    @AfterAll
    static void stopDaemon() throws Exception {
        if (daemon != null) {
            daemon.close();
        }
        if (daemonPod != null) {
            daemonPod.close();
        }
    }

    @Test
    void theDaemonSeesReadersThroughItsOwnCgroupNamespace() throws Exception {
        assertTrue(!Files.readSymbolicLink(Path.of("/proc/" + daemon.pid() + "/ns/cgroup"))
                .equals(Files.readSymbolicLink(Path.of("/proc/self/ns/cgroup"))), "daemon in a private cgroup namespace");
        try (TestCgroup cg = TestCgroup.create("cgns").memoryLimit(200 * MIB)) {
            // A process of the container's cgroup, as the daemon's namespace shows it: ../../<its pod>/<its leaf>.
            Process p = new ProcessBuilder("sh", "-c", cg.joinScript() + "exec nsenter -t " + daemon.pid() + " -C cat /proc/self/cgroup")
                    .redirectErrorStream(true).start();
            String seen = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
            assertEquals(0, p.waitFor(), seen);
            assertEquals("0::/" + daemonPod.dir("").relativize(cg.dir("")), seen);
            assertTrue(seen.startsWith("0::/../"), seen);
            assertEquals("MemTotal:         204800 kB\n", new ViewContainer(cg, mount).exec("grep MemTotal: /proc/meminfo"), daemon.log());
        }
    }

    @Test
    void containerLevelMemoryMaxSystemdDriver() throws Exception {
        try (TestCgroup cg = TestCgroup.create("mem-ctr", TestCgroup.Driver.SYSTEMD).memoryLimit(256 * MIB)) {
            assertTrue(cg.path().matches("/kubepods\\.slice/kubepods-burstable\\.slice/kubepods-burstable-pod[0-9a-f_]{36}\\.slice/"
                    + "cri-containerd-[0-9a-f]{64}\\.scope"), cg.path());
            Map<String, String> s = eightFiles(cg, "cat /proc/uptime; sleep 2");
            assertEightFiles(s, 256 * 1024, hostCpus);
            // No memory.swap.max: the node's swap.
            assertEquals(hostMeminfo("SwapTotal"), meminfo(s, "SwapTotal"), s.get("meminfo"));
            // An idle container's idle time grows by N CPU-seconds per second.
            double[] before = Arrays.stream(s.get("pre").trim().split(" ")).mapToDouble(Double::parseDouble).toArray();
            double[] after = Arrays.stream(s.get("uptime").trim().split(" ")).mapToDouble(Double::parseDouble).toArray();
            double ratio = (after[1] - before[1]) / (after[0] - before[0]);
            assertTrue(ratio > hostCpus * 0.8 && ratio <= hostCpus * 1.02, "idle growth per second " + ratio + "\n" + s);
        }
    }

    @Test
    void podLevelMemoryMaxOnlyCgroupfsDriver() throws Exception {
        try (TestCgroup cg = TestCgroup.create("mem-pod", TestCgroup.Driver.CGROUPFS).podMemoryLimit(192 * MIB)) {
            assertTrue(cg.path().matches("/kubepods/burstable/pod[0-9a-f-]{36}/[0-9a-f]{64}"), cg.path());
            assertEquals("max", Files.readString(cg.dir("").resolve("memory.max")).trim());
            assertEightFiles(eightFiles(cg, ""), 192 * 1024, hostCpus);
        }
    }

    @Test
    void swapMaxWithSwapOnTheNodeAndSwapInUse() throws Exception {
        Assumptions.assumeTrue(hostMeminfo("SwapTotal") >= 256 * 1024, "the guest has a swap disk");
        try (TestCgroup cg = TestCgroup.create("swap").memoryLimit(64 * MIB).swapLimit(64 * MIB)) {
            // tmpfs pages can only go to swap: 96 MiB in a 64 MiB cgroup pushes about 32 MiB out.
            Map<String, String> s = eightFiles(cg, "mount -t tmpfs -o size=200m none /mnt && dd if=/dev/zero of=/mnt/blob bs=1M count=96 2>/dev/null; "
                    + "cat " + cg.dir("").resolve("memory.swap.current"));
            assertEightFiles(s, 64 * 1024, hostCpus);
            long swapCurrentKb = Long.parseLong(s.get("pre").trim()) / 1024;
            assertTrue(swapCurrentKb > 16 * 1024, "memory.swap.current " + swapCurrentKb + " kB");
            assertEquals(64 * 1024, meminfo(s, "SwapTotal"), s.get("meminfo"));
            long used = meminfo(s, "SwapTotal") - meminfo(s, "SwapFree");
            assertTrue(Math.abs(used - swapCurrentKb) < 8 * 1024, "swap used " + used + " kB, memory.swap.current " + swapCurrentKb + " kB");
            String[] swapLine = s.get("swaps").split("\n")[1].trim().split("\\s+");
            assertEquals(List.of("none", "virtual", "65536"), List.of(swapLine).subList(0, 3), s.get("swaps"));
            assertTrue(Math.abs(Long.parseLong(swapLine[3]) - swapCurrentKb) < 8 * 1024, s.get("swaps"));
        }
    }

    @Test
    void halfACpuIsOneCpuInEveryFile() throws Exception {
        try (TestCgroup cg = TestCgroup.create("cpu-half").cpuQuota(50_000, 100_000)) {
            assertEightFiles(eightFiles(cg, ""), -1, 1);
        }
    }

    @Test
    void oneAndAHalfCpusUnderTwoBusyLoopsShowTheirCapacityInStatAndLoad() throws Exception {
        try (TestCgroup cg = TestCgroup.create("cpu-1.5").cpuQuota(150_000, 100_000)) {
            Map<String, String> s = eightFiles(cg, "grep '^cpu ' /proc/stat; cat /proc/uptime; "
                    + "(while :; do :; done) & a=$!; (while :; do :; done) & b=$!; sleep 15; kill $a $b");
            assertEightFiles(s, -1, Math.min(2, hostCpus));
            String[] pre = s.get("pre").split("\n");
            long[] stat0 = statCpuLine(pre[0]);
            long[] stat1 = statCpuLine(s.get("stat").split("\n")[0]);
            double seconds = Double.parseDouble(s.get("uptime").split(" ")[0]) - Double.parseDouble(pre[1].split(" ")[0]);
            long busy = (stat1[0] - stat0[0]) + (stat1[2] - stat0[2]);
            long all = Arrays.stream(stat1).sum() - Arrays.stream(stat0).sum();
            String why = "over " + seconds + " s: busy " + busy + " ticks, all columns " + all + " ticks\n" + pre[0] + "\n" + s.get("stat");
            // The quota caps what the loops get (TCG on a shared host may give them less), and idle fills the rest
            // of the 1.5 CPUs' capacity: the columns together grow by 150 ticks per second.
            assertTrue(busy <= seconds * 150 * 1.1 && busy >= seconds * 30, why);
            assertTrue(all >= seconds * 150 * 0.85 && all <= seconds * 150 * 1.15, why);
            double load1 = Double.parseDouble(s.get("loadavg").split(" ")[0]);
            assertTrue(load1 >= 0.2, "1-min load after 15 s of two busy loops: " + s.get("loadavg"));
        }
    }

    @Test
    void aCpusetOfOneCpuIsOneCpuInEveryFile() throws Exception {
        try (TestCgroup cg = TestCgroup.create("cpuset").cpuset(Integer.toString(hostCpus - 1))) {
            Map<String, String> s = eightFiles(cg, "");
            assertEightFiles(s, -1, 1);
            assertEquals("1", s.get("nproc"), "affinity follows the cpuset");
        }
    }

    @Test
    void ioStatTrafficIsTheContainersDiskstats() throws Exception {
        try (TestCgroup cg = TestCgroup.create("io")) {
            Path blob = Path.of("/var/tmp/lxcfs-it-io-" + ProcessHandle.current().pid() + "-" + System.nanoTime());
            try {
                Map<String, String> s = eightFiles(cg, "dd if=/dev/zero of=" + blob + " bs=1M count=16 oflag=direct 2>/dev/null && "
                        + "dd if=" + blob + " of=/dev/null bs=1M iflag=direct 2>/dev/null; cat " + cg.dir("").resolve("io.stat"));
                assertEightFiles(s, -1, hostCpus);
                String ioStat = s.get("pre");
                String disk = s.get("diskstats");
                assertTrue(!disk.isBlank(), "diskstats after I/O\n" + ioStat);
                // Every line is a device the container did I/O on; the root disk's shows at least our 16 MiB each way.
                boolean found = false;
                for (String line : disk.split("\n")) {
                    String[] f = line.trim().split("\\s+");
                    assertTrue(f.length >= 14, line);
                    assertTrue(ioStat.contains(f[0] + ":" + f[1] + " "), "device " + f[0] + ":" + f[1] + " not in io.stat\n" + ioStat);
                    if (Long.parseLong(f[9]) >= 16 * MIB / 512 && Long.parseLong(f[5]) >= 16 * MIB / 512) {
                        found = true;
                        String io = ioStat.lines().filter(l -> l.startsWith(f[0] + ":" + f[1] + " ")).findFirst().orElseThrow();
                        assertEquals(Long.parseLong(field(io, "wbytes")) / 512, Long.parseLong(f[9]), io + "\n" + line);
                        assertEquals(Long.parseLong(field(io, "rbytes")) / 512, Long.parseLong(f[5]), io + "\n" + line);
                        assertEquals(Long.parseLong(field(io, "wios")), Long.parseLong(f[7]), io + "\n" + line);
                    }
                }
                assertTrue(found, "a disk with 16 MiB read and written\n" + disk + "\n" + ioStat);
            } finally {
                Files.deleteIfExists(blob);
            }
        }
    }

    @Test
    void memoryMaxAndCpuMaxResizedInPlaceShowOnTheNextRead() throws Exception {
        try (TestCgroup cg = TestCgroup.create("resize").memoryLimit(256 * MIB).cpuQuota(150_000, 100_000)) {
            Path go = Files.createTempFile("lxcfs-it-resize", "");
            Files.delete(go);
            String probe = "grep MemTotal: /proc/meminfo; cat /sys/devices/system/cpu/online; grep -c ^processor /proc/cpuinfo";
            Process p = new ViewContainer(cg, mount).start(probe + "; echo @@ready; while [ ! -e " + go + " ]; do sleep 0.05; done; " + probe);
            try (BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
                StringBuilder first = new StringBuilder();
                for (String l = out.readLine(); l != null && !l.equals("@@ready"); l = out.readLine()) {
                    first.append(l).append('\n');
                }
                int cpus = Math.min(2, hostCpus);
                assertEquals("MemTotal:         262144 kB\n" + cpuList(cpus) + "\n" + cpus + "\n", first.toString());
                // What the kubelet writes for an in-place resize of the container.
                Files.writeString(cg.dir("").resolve("memory.max"), Long.toString(128 * MIB));
                Files.writeString(cg.dir("").resolve("cpu.max"), "50000 100000");
                Files.createFile(go);
                String second = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
                assertTrue(p.waitFor(60, TimeUnit.SECONDS));
                assertEquals("MemTotal:         131072 kB\n0\n1\n", second);
            } finally {
                p.destroyForcibly();
                Files.deleteIfExists(go);
            }
        }
    }

    /** Runs {@code before} (its output is section "pre"), then prints all eight files and what tools make of them. */
    private static Map<String, String> eightFiles(TestCgroup cg, String before) throws Exception {
        StringBuilder script = new StringBuilder("echo @@pre; ").append(before.isEmpty() ? "true" : before).append("; ");
        for (String f : EIGHT) {
            script.append("echo @@").append(Path.of(f).getFileName()).append("; cat ").append(f).append("; ");
        }
        script.append("echo @@processors; grep -c '^processor' /proc/cpuinfo; ")
                .append("echo @@getconf; getconf _NPROCESSORS_ONLN; echo @@nproc; nproc; ")
                .append("echo @@free; free -k; ")
                .append("echo @@check; ").append(RepoLayout.toolsDir().resolve("procread")).append(" check 5 ")
                .append(String.join(" ", EIGHT)).append(" 2>&1 | tail -1; echo @@end");
        String out = new ViewContainer(cg, mount).exec(script.toString());
        Map<String, String> s = RuncContainer.sections(out);
        assertTrue(s.containsKey("end"), out);
        return s;
    }

    /** What every file must say for a container with this MemTotal (-1: the node's) and N CPUs. */
    private static void assertEightFiles(Map<String, String> s, long memTotalKb, int cpus) throws Exception {
        String all = s + "\ndaemon log:\n" + daemon.log();
        long total = memTotalKb < 0 ? hostMeminfo("MemTotal") : memTotalKb;
        assertEquals(total, meminfo(s, "MemTotal"), all);
        assertTrue(meminfo(s, "MemFree") <= total && meminfo(s, "MemAvailable") <= total, all);
        assertTrue(meminfo(s, "MemFree") > 0, all);
        String free = s.get("free").lines().filter(l -> l.startsWith("Mem:")).findFirst().orElseThrow();
        assertEquals(Long.toString(total), free.split("\\s+")[1], all);
        assertEquals(Integer.toString(cpus), s.get("processors"), all);
        assertEquals(Integer.toString(cpus), s.get("getconf"), all);
        assertEquals(cpuList(cpus), s.get("online"), all);
        List<String> statCpus = s.get("stat").lines().filter(l -> l.startsWith("cpu")).map(l -> l.split(" ")[0]).toList();
        assertEquals(cpus + 1, statCpus.size(), all);
        for (int i = 0; i < cpus; i++) {
            assertEquals("cpu" + i, statCpus.get(i + 1), all);
        }
        // The cpu line is the sum of the cpuN lines.
        long[] sum = new long[10];
        s.get("stat").lines().filter(l -> l.matches("cpu\\d+ .*")).map(CgroupV2ViewIT::statCpuLine)
                .forEach(v -> Arrays.setAll(sum, i -> sum[i] + v[i]));
        assertEquals(Arrays.toString(statCpuLine(s.get("stat").lines().findFirst().orElseThrow())), Arrays.toString(sum), all);
        String[] uptime = s.get("uptime").split(" ");
        double up = Double.parseDouble(uptime[0]);
        assertTrue(up >= 0 && up < 120, "a fresh container's uptime\n" + all);
        assertTrue(Double.parseDouble(uptime[1]) <= up * cpus + 0.05, "idle of " + cpus + " CPUs\n" + all);
        assertTrue(s.get("loadavg").matches("\\d+\\.\\d\\d \\d+\\.\\d\\d \\d+\\.\\d\\d \\d+/\\d+ \\d+"), all);
        // last_pid as the container's pid namespace numbers it: a handful of processes.
        assertTrue(Integer.parseInt(s.get("loadavg").split(" ")[4]) < 100, all);
        long swapTotal = meminfo(s, "SwapTotal");
        List<String> swaps = s.get("swaps").lines().toList();
        assertTrue(swaps.get(0).startsWith("Filename"), all);
        assertEquals(swapTotal == 0 ? 1 : 2, swaps.size(), all);
        assertTrue(s.get("check").startsWith("check: ok"), all);
    }

    private static String cpuList(int cpus) {
        return cpus == 1 ? "0" : "0-" + (cpus - 1);
    }

    private static long meminfo(Map<String, String> s, String key) {
        return kb(s.get("meminfo"), key);
    }

    private static long hostMeminfo(String key) throws Exception {
        return kb(Files.readString(Path.of("/proc/meminfo")), key);
    }

    private static long kb(String meminfo, String key) {
        String line = meminfo.lines().filter(l -> l.startsWith(key + ":")).findFirst().orElseThrow(() -> new AssertionError(key + " in\n" + meminfo));
        return Long.parseLong(line.replaceAll("\\D+", ""));
    }

    /** The ten counters of a {@code cpu}/{@code cpuN} line of /proc/stat. */
    private static long[] statCpuLine(String line) {
        String[] f = line.trim().split("\\s+");
        long[] v = new long[10];
        for (int i = 0; i < 10 && i + 1 < f.length; i++) {
            v[i] = Long.parseLong(f[i + 1]);
        }
        return v;
    }

    private static String field(String ioStatLine, String key) {
        for (String kv : ioStatLine.split(" ")) {
            if (kv.startsWith(key + "=")) {
                return kv.substring(key.length() + 1);
            }
        }
        throw new AssertionError(key + " in " + ioStatLine);
    }
}
