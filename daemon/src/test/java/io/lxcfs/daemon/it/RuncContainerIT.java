package io.lxcfs.daemon.it;

import io.lxcfs.testing.DaemonProcess;
import io.lxcfs.testing.RootAccess;
import io.lxcfs.testing.RuncContainer;
import io.lxcfs.testing.TestCgroup;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.UUID;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * End to end: real OCI containers started by {@code runc} (memory limit 256 MiB, CPU quota 0.5 CPU, Kubernetes
 * cgroup paths of both drivers) with our daemon's eight files bind-mounted read-only over the real paths,
 * read with procps, coreutils and glibc tools inside.
 */
class RuncContainerIT {

    private static final long MIB = 1024 * 1024;
    private static final String PROBE = String.join("\n",
            "echo @@free; free -k",
            "echo @@getconf; getconf _NPROCESSORS_ONLN",
            "echo @@online; cat /sys/devices/system/cpu/online",
            "echo @@processors; grep -c '^processor' /proc/cpuinfo",
            "echo @@uptime; uptime",
            "echo @@uptime-file; cat /proc/uptime",
            "echo @@stat-cpus; grep '^cpu' /proc/stat | cut -d' ' -f1",
            "echo @@swaps; cat /proc/swaps",
            "echo @@top; top -bn1 | head -5",
            "echo @@vmstat; vmstat 2>&1 | tail -1",
            "echo @@nproc; nproc",
            "echo @@check; /opt/tools/procread check 20 /proc/meminfo /proc/cpuinfo /proc/stat /proc/uptime "
                    + "/proc/loadavg /proc/swaps /proc/diskstats /sys/devices/system/cpu/online 2>&1 | tail -1",
            // v1/hybrid: the memory controller's line; pure v2: the only line, 0::/path.
            "echo @@cgroup; grep ':memory:' /proc/self/cgroup || grep '^0::' /proc/self/cgroup",
            "echo @@end");

    private static Path work;
    private static Path rootfs;
    private static Path mount;
    private static DaemonProcess daemon;

    @BeforeAll
    static void setUp() throws Exception {
        RootAccess.assume();
        Assumptions.assumeTrue(RuncContainer.available(), "needs runc");
        work = Files.createTempDirectory("lxcfs-it-runc");
        long t0 = System.nanoTime();
        rootfs = RuncContainer.makeRootfs(work.resolve("rootfs"));
        System.out.printf("rootfs built in %d ms%n", (System.nanoTime() - t0) / 1_000_000);
        mount = Files.createDirectories(work.resolve("view"));
        daemon = DaemonProcess.start(mount);
    }

    @AfterAll
    static void tearDown() throws Exception {
        int exit = -1;
        boolean mounted = false;
        String log = "";
        try {
            if (daemon != null) {
                exit = daemon.stop();
                mounted = DaemonProcess.isMounted(mount);
                log = daemon.log();
                daemon.close();
            }
        } finally {
            if (work != null) {
                new ProcessBuilder("rm", "-rf", "--one-file-system", work.toString()).inheritIO().start().waitFor();
            }
        }
        // Everything is cleaned up before asserting. SIGTERM exits 0 and leaves the view for a successor.
        assertTrue(mounted, "the daemon leaves " + mount + " mounted on SIGTERM\n" + log);
        if (daemon != null) {
            assertEquals(0, exit, "daemon exit status after SIGTERM\n" + log);
        }
    }

    @Test
    void cgroupfsDriverPathShowsTheLimitsToProcpsTools() throws Exception {
        String pod = "pod" + UUID.randomUUID();
        Map<String, String> s = runProbe("cgroupfs", "/kubepods/burstable/" + pod + "/{id}");
        assertOwnCgroup(s, "/kubepods/burstable/" + pod + "/" + s.get("id"));
    }

    @Test
    void systemdDriverLiteralPathShowsTheLimitsToProcpsTools() throws Exception {
        String uid = UUID.randomUUID().toString();
        String slice = "/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod" + uid.replace('-', '_') + ".slice";
        Map<String, String> s = runProbe("systemd", slice + "/cri-containerd-{id}.scope");
        assertOwnCgroup(s, slice + "/cri-containerd-" + s.get("id") + ".scope");
    }

    /**
     * v1/hybrid: the container sees its cgroup path. Pure v2: {@code runc spec} gives the container a private
     * cgroup namespace (as containerd does on v2), so it sees itself at {@code 0::/}, and the limits checked
     * above show that the daemon found its real cgroup all the same; runc's placement is then checked from here.
     */
    private static void assertOwnCgroup(Map<String, String> s, String path) {
        if (TestCgroup.V2) {
            assertEquals("0::/", s.get("cgroup"));
            assertEquals(path, s.get("cgroups-path"));
            assertEquals("true", s.get("parent-on-host"), s.get("cgroups-path"));
        } else {
            assertTrue(s.get("cgroup").endsWith(":" + path), s.get("cgroup"));
        }
    }

    private static String hostNproc() throws Exception {
        Process p = new ProcessBuilder("nproc").start();
        String out = new String(p.getInputStream().readAllBytes()).strip();
        p.waitFor();
        return out;
    }

    /** Runs {@link #PROBE} in a fresh container with 256 MiB and 0.5 CPU and checks every tool's answer. */
    private static Map<String, String> runProbe(String name, String cgroupsPath) throws Exception {
        try (RuncContainer c = RuncContainer.builder(rootfs, name).cgroupsPath(cgroupsPath).memoryLimit(256 * MIB)
                .cpuQuota(50_000, 100_000).viewFiles(mount, ViewContainer.FILES).tools().shell(PROBE).create()) {
            RuncContainer.Result r = c.run(120);
            String all = "exit " + r.exit() + "\nstdout:\n" + r.stdout() + "\nstderr:\n" + r.stderr() + "\ndaemon log:\n" + daemon.log();
            assertEquals(0, r.exit(), all);
            Map<String, String> s = RuncContainer.sections(r.stdout());
            assertTrue(s.containsKey("end"), all);

            // free -k: "Mem:" total is the limit in KiB.
            String mem = s.get("free").lines().filter(l -> l.startsWith("Mem:")).findFirst().orElseThrow();
            assertEquals("262144", mem.split("\\s+")[1], all);
            // One CPU for glibc, the online file and cpuinfo; /proc/stat has cpu and cpu0 only.
            assertEquals("1", s.get("getconf"), all);
            assertEquals("0", s.get("online"), all);
            assertEquals("1", s.get("processors"), all);
            assertEquals("cpu\ncpu0", s.get("stat-cpus"), all);
            // uptime works and shows a fresh container.
            assertTrue(s.get("uptime").matches(".*\\bup\\s+0 min,.*"), all);
            double up = Double.parseDouble(s.get("uptime-file").split(" ")[0]);
            assertTrue(up >= 0 && up < 30, "container uptime " + up + "\n" + all);
            // No swap on the host: header only.
            if (Files.readAllLines(Path.of("/proc/swaps")).size() == 1) {
                assertEquals(1, s.get("swaps").lines().count(), all);
                assertTrue(s.get("swaps").startsWith("Filename"), all);
            }
            // top and vmstat parse the files too.
            assertTrue(s.get("top").contains("256.0 total"), all);
            assertFalse(s.get("vmstat").isBlank(), all);
            // nproc follows affinity, not the view (docs/proc-view.md, section 6): the host's CPUs without a cpuset.
            assertEquals(hostNproc(), s.get("nproc"), all);
            // Every file well formed, 20 reads each, from inside the container.
            assertTrue(s.get("check").startsWith("check: ok"), all);
            s.put("id", c.id());
            s.put("cgroups-path", c.cgroupsPath());
            // runc removes only the leaf when the container exits: its pod-level parent is still there.
            String parent = c.cgroupsPath().substring(1, c.cgroupsPath().lastIndexOf('/'));
            s.put("parent-on-host", Boolean.toString(Files.isDirectory(TestCgroup.ROOT.resolve(parent))));
            return s;
        }
    }
}
