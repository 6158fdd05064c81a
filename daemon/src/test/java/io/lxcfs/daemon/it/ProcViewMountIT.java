package io.lxcfs.daemon.it;

import io.lxcfs.testing.RepoLayout;
import io.lxcfs.testing.SharedDaemon;
import io.lxcfs.testing.TestCgroup;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.net.http.HttpResponse;
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
    @RegisterExtension
    static final SharedDaemon VIEW = new SharedDaemon("lxcfs-it-view");

    @Test
    void memTotalIsTheLimitAndFreeAgrees() throws Exception {
        try (TestCgroup cg = TestCgroup.create("mem").memoryLimit(256 * MIB)) {
            String out = new ViewContainer(cg, VIEW.mount()).exec("cat /proc/meminfo; echo ---; free -k");
            assertTrue(out.startsWith("MemTotal:         262144 kB\n"), out);
            String free = out.substring(out.indexOf("---"));
            assertTrue(free.matches("(?s).*\\nMem:\\s+262144\\s.*"), free);
        }
    }

    @Test
    void a100MiBAllocationMovesMemFreeAndMemAvailable() throws Exception {
        try (TestCgroup cg = TestCgroup.create("alloc").memoryLimit(512 * MIB)) {
            // tmpfs pages are charged to the writer's memory cgroup and are not reclaimable without swap.
            String out = new ViewContainer(cg, VIEW.mount()).exec(
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
            assertOneCpu(new ViewContainer(cg, VIEW.mount()));
        }
    }

    @Test
    void aCpusetOfOneCpuShowsOneCpuEverywhere() throws Exception {
        try (TestCgroup cg = TestCgroup.create("cpuset").cpuset("1")) {
            ViewContainer c = new ViewContainer(cg, VIEW.mount());
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
            long started = System.nanoTime();
            String out = new ViewContainer(cg, VIEW.mount()).exec("cat /proc/uptime; sleep 1.5; cat /proc/uptime");
            // The container started after `started` and slept 1.5 s after the first read: a slow machine (the
            // emulated VM tier) may take seconds to get there, but never longer than this (the host's uptime is hours).
            double upperBound = (System.nanoTime() - started) / 1e9 - 1.5 + 0.01;
            String[] lines = out.split("\n");
            double first = Double.parseDouble(lines[0].split(" ")[0]);
            double second = Double.parseDouble(lines[1].split(" ")[0]);
            assertTrue(first >= 0 && first <= upperBound, "fresh container uptime " + first + ", at most " + upperBound);
            double elapsed = (System.nanoTime() - started) / 1e9;
            assertTrue(second - first >= 1.4 && second - first <= elapsed + 0.01, "advanced by " + (second - first) + " in " + elapsed + " s");
            double idle = Double.parseDouble(lines[1].split(" ")[1]);
            assertTrue(idle <= second * 2 + 0.01, "idle of 2 CPUs at most 2x uptime: " + idle);
        }
    }

    @Test
    void aRootCgroupProcessSeesTheHostFiles() throws Exception {
        String script = TestCgroup.joinRootScript() + "for f in proc/cpuinfo sys/devices/system/cpu/online proc/swaps proc/meminfo proc/stat; do "
                + "cat " + VIEW.mount() + "/$f; echo '@@@'; done";
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
        try (var s = Files.list(VIEW.mount().resolve("proc"))) {
            proc = s.map(x -> x.getFileName().toString()).sorted().toList();
        }
        assertEquals(List.of("cpuinfo", "diskstats", "loadavg", "meminfo", "stat", "swaps", "uptime"), proc);
        assertEquals("r--r--r--", PosixFilePermissions.toString(Files.getPosixFilePermissions(VIEW.mount().resolve("proc/meminfo"))));
        assertEquals("r-xr-xr-x", PosixFilePermissions.toString(Files.getPosixFilePermissions(VIEW.mount().resolve("sys/devices/system/cpu"))));
        // The CPU directory: for this (host) caller the host's entries, every one read-only (uevent is 0644 on the host).
        assertEquals(Arrays.stream(new java.io.File("/sys/devices/system/cpu").list()).sorted().toList(),
                Arrays.stream(VIEW.mount().resolve("sys/devices/system/cpu").toFile().list()).sorted().toList());
        assertEquals("r--r--r--", PosixFilePermissions.toString(Files.getPosixFilePermissions(VIEW.mount().resolve("sys/devices/system/cpu/cpu0/uevent"))));
        assertThrows(FileSystemException.class, () -> Files.writeString(VIEW.mount().resolve("sys/devices/system/cpu/cpu0/uevent"), "x"));
        assertThrows(FileSystemException.class, () -> Files.createFile(VIEW.mount().resolve("sys/devices/system/cpu/new")));
        assertThrows(FileSystemException.class, () -> Files.writeString(VIEW.mount().resolve("proc/meminfo"), "x"));
        assertThrows(FileSystemException.class, () -> Files.createFile(VIEW.mount().resolve("proc/new")));
        assertTrue(!(Files.exists(VIEW.mount().resolve("proc/pressure"))));
    }

    /**
     * Read-only means read-only, as a tenant tries it from inside a container (root, the files bind-mounted
     * read-only as the webhook mounts them) and on the mount itself. On the file: open for writing, O_TRUNC,
     * truncate, chmod, chown, utimens and setxattr fail with EROFS and the file still reads as before (the
     * kernel's own /proc lets root chmod, chown and open meminfo for writing; the view refuses). In the
     * container's directories (procfs and sysfs themselves, not ours) mknod, mkdir, unlink, rename, symlink,
     * link and create fail as those file systems make them fail; on the mount they fail with EROFS.
     */
    @Test
    void everyWriteLikeOperationFails() throws Exception {
        // procread writeops: one system call per operation, errno names printed (no interpreter needed in the VM tier).
        String script = RepoLayout.toolsDir().resolve("procread") + " writeops";
        List<String> fileOps = List.of("open_wronly", "open_rdwr", "open_trunc", "truncate", "chmod", "chown", "utime", "setxattr");
        try (TestCgroup cg = TestCgroup.create("readonly").memoryLimit(64 * MIB)) {
            ViewContainer c = new ViewContainer(cg, VIEW.mount());
            for (String file : List.of("/proc/meminfo", "/sys/devices/system/cpu/online")) {
                String inside = c.exec("mount -o remount,bind,ro " + file + " && " + script + " " + file
                        + " && head -1 " + file + " && ls -l " + file);
                String onMount = new ViewContainer(null, VIEW.mount()).exec(script + " " + VIEW.mount() + file);
                for (String r : results(onMount)) {
                    assertTrue(r.endsWith(":EROFS"), "on the mount: " + r + "\n" + onMount);
                }
                for (String r : results(inside)) {
                    String op = r.substring(0, r.indexOf(':'));
                    assertTrue(fileOps.contains(op) ? r.endsWith(":EROFS") : !r.endsWith(":ok"), "in a container: " + r + "\n" + inside);
                }
                assertTrue(inside.contains("-r--r--r-- 1 root root "), inside);
                if (file.equals("/proc/meminfo")) {
                    assertTrue(inside.contains("\nMemTotal:          65536 kB\n"), inside);
                }
            }
        }
    }

    private static List<String> results(String out) {
        List<String> r = out.lines().filter(l -> l.matches("[a-z_]+:[A-Za-z]+")).toList();
        assertEquals(15, r.size(), out);
        return r;
    }

    @Test
    void healthAndMetricsReflectTheMount() throws Exception {
        HttpResponse<String> ready = VIEW.daemon().http("GET", "/q/health/ready", null);
        assertEquals(200, ready.statusCode(), ready.body());
        assertTrue(ready.body().contains("\"UP\""), ready.body());
        assertEquals(200, VIEW.daemon().http("GET", "/q/health/live", null).statusCode());

        try (TestCgroup cg = TestCgroup.create("metrics").memoryLimit(128 * MIB)) {
            new ViewContainer(cg, VIEW.mount()).exec("cat /proc/meminfo /proc/loadavg > /dev/null");
        }
        String metrics = VIEW.daemon().http("GET", "/q/metrics", null).body();
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
            ViewContainer c = new ViewContainer(cg, VIEW.mount());
            String hostTotal = line(Files.readString(Path.of("/proc/meminfo")), "MemTotal:");
            try {
                assertEquals(200, VIEW.daemon().http("PUT", "/admin/passthrough", "true").statusCode());
                assertEquals(hostTotal + "\n", c.exec("grep MemTotal: /proc/meminfo"));
                assertEquals(400, VIEW.daemon().http("PUT", "/admin/passthrough", "maybe").statusCode());
                assertEquals("true\n", VIEW.daemon().http("GET", "/admin/passthrough", null).body());
            } finally {
                assertEquals(200, VIEW.daemon().http("PUT", "/admin/passthrough", "false").statusCode());
            }
            assertEquals("MemTotal:          65536 kB\n", c.exec("grep MemTotal: /proc/meminfo"));
        }
    }

    /**
     * busybox {@code cat} copies with {@code sendfile(2)}, which the kernel serves through one page cache and
     * one cached size per file for every reader, and which stops at that size. Containers with different
     * content lengths (one CPU and two: cpuinfo twice as long) taking turns must each get their whole file:
     * a size of 0 gives nothing, and a size cut to the previous reader's content would cut the next one.
     */
    @Test
    void sendfileReadersInTurnEachGetTheirWholeFile() throws Exception {
        String busybox = busybox();
        try (TestCgroup one = TestCgroup.create("sendfile-1").cpuset("0");
             TestCgroup two = TestCgroup.create("sendfile-2").cpuset("0-1")) {
            ViewContainer small = new ViewContainer(one, VIEW.mount());
            ViewContainer large = new ViewContainer(two, VIEW.mount());
            String script = "stat -c %s /proc/cpuinfo; " + busybox + " cat /proc/cpuinfo | grep -c ^processor; "
                    + busybox + " cat /proc/cpuinfo | tail -c 2 | od -An -c | tr -d ' '";
            for (int round = 0; round < 5; round++) {
                for (ViewContainer c : List.of(small, large)) {
                    String[] out = c.exec(script).split("\n");
                    int cpus = c == small ? 1 : 2;
                    assertTrue(Long.parseLong(out[0]) > 0, "st_size " + out[0]);
                    assertEquals(Integer.toString(cpus), out[1], "processor blocks read by busybox cat, round " + round);
                    assertEquals("\\n\\n", out[2], "cpuinfo ends with its blank line");
                }
            }
        }
    }

    /** Every file has a size above 0 (busybox cat of a 0-size file prints nothing) and busybox cat reads it whole. */
    @Test
    void busyboxCatPrintsEveryFileWhole() throws Exception {
        String busybox = busybox();
        try (TestCgroup cg = TestCgroup.create("busybox").memoryLimit(256 * MIB).cpuQuota(50_000, 100_000)) {
            ViewContainer c = new ViewContainer(cg, VIEW.mount());
            for (io.lxcfs.daemon.view.ProcFile f : io.lxcfs.daemon.view.ProcFile.values()) {
                String[] out = c.exec("stat -c %s " + f.path + "; " + busybox + " cat " + f.path + " | wc -c; cat "
                        + f.path + " | wc -c").trim().split("\\s+");
                assertTrue(Long.parseLong(out[0]) >= Long.parseLong(out[2]), f + ": size " + out[0] + " < content " + out[2]);
                long gnu = Long.parseLong(out[2]);
                long bb = Long.parseLong(out[1]);
                // Same file modulo a digit of a moving counter between the two reads (diskstats is empty
                // for a container that did no I/O).
                assertTrue((gnu > 0 || f == io.lxcfs.daemon.view.ProcFile.DISKSTATS) && Math.abs(bb - gnu) <= 8, f + ": busybox cat " + bb + " bytes, GNU cat " + gnu);
            }
            assertTrue(c.exec(busybox + " cat /proc/meminfo").startsWith("MemTotal:         262144 kB\n"));
            assertEquals("0\n", c.exec(busybox + " cat /sys/devices/system/cpu/online"));
        }
    }

    private static String busybox() {
        for (String p : List.of("/bin/busybox", "/usr/bin/busybox")) {
            if (Files.isExecutable(Path.of(p))) {
                return p;
            }
        }
        throw new AssertionError("busybox is not installed (scripts/install-deps.sh installs busybox-static)");
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
