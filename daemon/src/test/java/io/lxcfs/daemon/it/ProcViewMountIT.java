package io.lxcfs.daemon.it;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.net.http.HttpResponse;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Arrays;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The real FUSE mount read from processes in real cgroups with real limits, bind-mounted over /proc. */
class ProcViewMountIT {

    private static final long MIB = 1024 * 1024;
    private static Path mount;
    private static DaemonProcess daemon;

    @BeforeAll
    static void startDaemon() throws Exception {
        RootAccess.assume();
        mount = Files.createTempDirectory("lxcfs-it-view");
        daemon = DaemonProcess.start(mount);
    }

    @AfterAll
    static void stopDaemon() throws Exception {
        if (daemon != null) {
            daemon.close();
        }
    }

    @Test
    void memTotalIsTheLimitAndFreeAgrees() throws Exception {
        try (TestCgroup cg = TestCgroup.create("mem").memoryLimit(256 * MIB)) {
            String out = new ViewContainer(cg, mount).exec("cat /proc/meminfo; echo ---; free -k");
            assertTrue(out.startsWith("MemTotal:         262144 kB\n"), out);
            String free = out.substring(out.indexOf("---"));
            assertTrue(free.matches("(?s).*\\nMem:\\s+262144\\s.*"), free);
        }
    }

    @Test
    void a100MiBAllocationMovesMemFreeAndMemAvailable() throws Exception {
        try (TestCgroup cg = TestCgroup.create("alloc").memoryLimit(512 * MIB)) {
            // tmpfs pages are charged to the writer's memory cgroup and are not reclaimable without swap.
            String out = new ViewContainer(cg, mount).exec(
                    "grep -E '^(MemFree|MemAvailable):' /proc/meminfo; "
                            + "mount -t tmpfs -o size=300m none /mnt && dd if=/dev/zero of=/mnt/blob bs=1M count=100 2>/dev/null; "
                            + "grep -E '^(MemFree|MemAvailable):' /proc/meminfo");
            long[] v = numbers(out);
            long freeDrop = v[0] - v[2];
            long availDrop = v[1] - v[3];
            assertTrue(freeDrop >= 95 * 1024 && freeDrop <= 115 * 1024, "MemFree dropped by " + freeDrop + " kB\n" + out);
            assertTrue(availDrop >= 95 * 1024 && availDrop <= 115 * 1024, "MemAvailable dropped by " + availDrop + " kB\n" + out);
        }
    }

    @Test
    void halfACpuQuotaShowsOneCpuEverywhere() throws Exception {
        try (TestCgroup cg = TestCgroup.create("quota").cpuQuota(50_000, 100_000)) {
            assertOneCpu(new ViewContainer(cg, mount));
        }
    }

    @Test
    void aCpusetOfOneCpuShowsOneCpuEverywhere() throws Exception {
        try (TestCgroup cg = TestCgroup.create("cpuset").cpuset("1")) {
            ViewContainer c = new ViewContainer(cg, mount);
            assertOneCpu(c);
            // The visible CPU is host CPU 1's block, renumbered to 0; affinity-based nproc agrees here.
            String model = c.exec("grep -m1 '^processor' /proc/cpuinfo; nproc");
            assertEquals("processor\t: 0\n1\n", model);
        }
    }

    private static void assertOneCpu(ViewContainer c) throws Exception {
        String out = c.exec("grep -c '^processor' /proc/cpuinfo; grep '^cpu' /proc/stat | cut -d' ' -f1; "
                + "cat /sys/devices/system/cpu/online; getconf _NPROCESSORS_ONLN");
        assertEquals("1\ncpu\ncpu0\n0\n1\n", out);
    }

    @Test
    void uptimeStartsNearZeroAndAdvances() throws Exception {
        try (TestCgroup cg = TestCgroup.create("uptime")) {
            String out = new ViewContainer(cg, mount).exec("cat /proc/uptime; sleep 1.5; cat /proc/uptime");
            String[] lines = out.split("\n");
            double first = Double.parseDouble(lines[0].split(" ")[0]);
            double second = Double.parseDouble(lines[1].split(" ")[0]);
            assertTrue(first < 3.0, "fresh container uptime " + first);
            assertTrue(second - first >= 1.4 && second - first < 5, "advanced by " + (second - first));
            double idle = Double.parseDouble(lines[1].split(" ")[1]);
            assertTrue(idle <= second * 2 + 0.01, "idle of 2 CPUs at most 2x uptime: " + idle);
        }
    }

    @Test
    void aRootCgroupProcessSeesTheHostFiles() throws Exception {
        String script = TestCgroup.joinRootScript() + "for f in proc/cpuinfo sys/devices/system/cpu/online proc/swaps proc/meminfo proc/stat; do "
                + "cat " + mount + "/$f; echo '@@@'; done";
        Process p = new ProcessBuilder("sh", "-c", script).start();
        String out = new String(p.getInputStream().readAllBytes());
        assertEquals(0, p.waitFor());
        String[] parts = out.split("@@@\n", -1);
        assertEquals(Files.readString(Path.of("/proc/cpuinfo")), parts[0]);
        assertEquals(Files.readString(Path.of("/sys/devices/system/cpu/online")), parts[1]);
        assertEquals(Files.readString(Path.of("/proc/swaps")), parts[2]);
        // Time-varying files: the same lines, and the constant ones equal.
        String hostMeminfo = Files.readString(Path.of("/proc/meminfo"));
        assertEquals(labels(hostMeminfo), labels(parts[3]));
        assertEquals(line(hostMeminfo, "MemTotal:"), line(parts[3], "MemTotal:"));
        String hostStat = Files.readString(Path.of("/proc/stat"));
        assertEquals(labels(hostStat), labels(parts[4]));
        assertEquals(line(hostStat, "btime "), line(parts[4], "btime "));
    }

    @Test
    void treeIsReadOnlyWithProcLikeAttributes() throws Exception {
        List<String> proc;
        try (var s = Files.list(mount.resolve("proc"))) {
            proc = s.map(x -> x.getFileName().toString()).sorted().toList();
        }
        assertEquals(List.of("cpuinfo", "diskstats", "loadavg", "meminfo", "stat", "swaps", "uptime"), proc);
        assertEquals("r--r--r--", PosixFilePermissions.toString(Files.getPosixFilePermissions(mount.resolve("proc/meminfo"))));
        assertEquals("r-xr-xr-x", PosixFilePermissions.toString(Files.getPosixFilePermissions(mount.resolve("sys/devices/system/cpu"))));
        assertEquals(List.of("online"), Arrays.stream(mount.resolve("sys/devices/system/cpu").toFile().list()).toList());
        assertThrows(FileSystemException.class, () -> Files.writeString(mount.resolve("proc/meminfo"), "x"));
        assertThrows(FileSystemException.class, () -> Files.createFile(mount.resolve("proc/new")));
        assertTrue(!(Files.exists(mount.resolve("proc/pressure"))));
    }

    @Test
    void healthAndMetricsReflectTheMount() throws Exception {
        HttpResponse<String> ready = daemon.http("GET", "/q/health/ready", null);
        assertEquals(200, ready.statusCode(), ready.body());
        assertTrue(ready.body().contains("\"UP\""), ready.body());
        assertEquals(200, daemon.http("GET", "/q/health/live", null).statusCode());

        try (TestCgroup cg = TestCgroup.create("metrics").memoryLimit(128 * MIB)) {
            new ViewContainer(cg, mount).exec("cat /proc/meminfo /proc/loadavg > /dev/null");
        }
        String metrics = daemon.http("GET", "/q/metrics", null).body();
        assertTrue(metricValue(metrics, "lxcfs_reads_total{file=\"meminfo\"}") >= 1, metrics);
        assertTrue(metricValue(metrics, "lxcfs_render_seconds_count{file=\"loadavg\"}") >= 1, metrics);
        assertTrue(metrics.contains("lxcfs_render_seconds_bucket{file=\"meminfo\""), "render histogram");
        assertTrue(metrics.contains("lxcfs_fallbacks_total{file=\"stat\",reason=\"caller-gone\"}"), "fallback counters");
        assertTrue(metrics.contains("lxcfs_containers_tracked"), "tracked gauge");
        assertTrue(metrics.contains("lxcfs_loadavg_sample_seconds"), "sampler timer");
    }

    @Test
    void passthroughSwitchesAtRunTime() throws Exception {
        try (TestCgroup cg = TestCgroup.create("passthrough").memoryLimit(64 * MIB)) {
            ViewContainer c = new ViewContainer(cg, mount);
            String hostTotal = line(Files.readString(Path.of("/proc/meminfo")), "MemTotal:");
            try {
                assertEquals(200, daemon.http("PUT", "/admin/passthrough", "true").statusCode());
                assertEquals(hostTotal + "\n", c.exec("grep MemTotal: /proc/meminfo"));
                assertEquals(400, daemon.http("PUT", "/admin/passthrough", "maybe").statusCode());
                assertEquals("true\n", daemon.http("GET", "/admin/passthrough", null).body());
            } finally {
                assertEquals(200, daemon.http("PUT", "/admin/passthrough", "false").statusCode());
            }
            assertEquals("MemTotal:          65536 kB\n", c.exec("grep MemTotal: /proc/meminfo"));
        }
    }

    static long[] numbers(String text) {
        Matcher m = Pattern.compile("(\\d+) kB").matcher(text);
        return m.results().mapToLong(r -> Long.parseLong(r.group(1))).toArray();
    }

    static List<String> labels(String file) {
        return Arrays.stream(file.split("\n")).map(l -> l.split("[ :]")[0]).toList();
    }

    static String line(String file, String prefix) {
        return Arrays.stream(file.split("\n")).filter(l -> l.startsWith(prefix)).findFirst().orElseThrow();
    }

    static double metricValue(String metrics, String series) {
        for (String l : metrics.split("\n")) {
            if (l.startsWith(series + " ")) {
                return Double.parseDouble(l.substring(series.length() + 1).trim());
            }
        }
        return -1;
    }
}
