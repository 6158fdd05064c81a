package io.lxcfs.daemon.it;

import io.lxcfs.testing.DaemonProcess;
import io.lxcfs.testing.ReferenceLxcfs;
import io.lxcfs.testing.RootAccess;
import io.lxcfs.testing.TestCgroup;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Differential test against the reference LXCFS ({@code lxcfs --enable-cfs -l} on a temporary mount): the same
 * limited "container" (a real cgroup, private mount and pid namespaces, the eight files bind-mounted over the
 * real paths) reads each implementation's view, and MemTotal, the CPU count of cpuinfo, the online list,
 * {@code getconf _NPROCESSORS_ONLN}, {@code free -k}'s total and the shape of meminfo, stat and swaps agree.
 * Where the two deliberately differ is documented in docs/lxcfs-differences.md.
 */
class LxcfsDifferentialIT {

    private static final long MIB = 1024 * 1024;
    /** One answer per line; every line must be the same for both implementations. */
    private static final String PROBE = String.join("; ",
            "grep '^MemTotal:' /proc/meminfo",
            "free -k | awk '/^Mem:/ { print \"free total\", $2 }'",
            "echo processors $(grep -c '^processor' /proc/cpuinfo)",
            "echo online $(cat /sys/devices/system/cpu/online)",
            "echo getconf $(getconf _NPROCESSORS_ONLN)",
            "echo stat $(grep '^cpu' /proc/stat | cut -d' ' -f1)",
            "echo meminfo fields $(cut -d: -f1 /proc/meminfo)",
            "echo swaps lines $(wc -l < /proc/swaps)");

    private static Path ourMount;
    private static Path refMount;
    private static DaemonProcess ours;
    private static ReferenceLxcfs lxcfs;

    @BeforeAll
    static void startBoth() throws Exception {
        RootAccess.assume();
        Assumptions.assumeTrue(ReferenceLxcfs.available(), "needs the reference lxcfs (apt-get install lxcfs)");
        ourMount = Files.createTempDirectory("lxcfs-it-diff-ours");
        refMount = Files.createTempDirectory("lxcfs-it-diff-ref");
        ours = DaemonProcess.start(ourMount);
        lxcfs = ReferenceLxcfs.start(refMount);
    }

    @AfterAll
    static void stopBoth() throws Exception {
        // SIGTERM both; lxcfs unmounts, ours leaves its view for a successor (the handover contract).
        // Stop everything before asserting anything.
        int oursExit = -1;
        boolean oursMounted = false;
        boolean refMounted = false;
        String oursLog = "";
        try {
            if (ours != null) {
                oursExit = ours.stop();
                oursMounted = DaemonProcess.isMounted(ourMount);
                oursLog = ours.log();
            }
            if (lxcfs != null) {
                lxcfs.stop();
                refMounted = ReferenceLxcfs.isMounted(refMount);
            }
        } finally {
            if (ours != null) {
                ours.close();
                Files.deleteIfExists(ourMount);
            }
            if (lxcfs != null) {
                lxcfs.close();
                Files.deleteIfExists(refMount);
            }
        }
        // Everything is cleaned up before asserting.
        assertTrue(oursMounted, "our daemon leaves its view mounted on SIGTERM\n" + oursLog);
        assertFalse(refMounted, "lxcfs unmounts on SIGTERM");
        if (ours != null) {
            assertEquals(0, oursExit, "our daemon's exit status after SIGTERM\n" + oursLog);
        }
    }

    @Test
    void memoryLimitAndHalfACpuQuotaAgree() throws Exception {
        try (TestCgroup cg = TestCgroup.create("diff-quota").memoryLimit(256 * MIB).cpuQuota(50_000, 100_000)) {
            List<String> view = compare(cg);
            assertEquals("MemTotal:         262144 kB", view.get(0));
            assertEquals("processors 1", view.get(2));
            assertEquals("online 0", view.get(3));
        }
    }

    @Test
    void aOneCpuCpusetAgrees() throws Exception {
        int cpus = hostCpus();
        Assumptions.assumeTrue(cpus >= 2, "needs 2 CPUs");
        try (TestCgroup cg = TestCgroup.create("diff-cpuset").memoryLimit(128 * MIB).cpuset(Integer.toString(cpus - 1))) {
            List<String> view = compare(cg);
            assertEquals("MemTotal:         131072 kB", view.get(0));
            assertEquals("processors 1", view.get(2));
            assertEquals("online 0", view.get(3));
        }
    }

    @Test
    void aFractionalQuotaAboveOneCpuAgrees() throws Exception {
        try (TestCgroup cg = TestCgroup.create("diff-frac").cpuQuota(150_000, 100_000)) {
            List<String> view = compare(cg);
            int n = Math.min(2, hostCpus());
            assertEquals("processors " + n, view.get(2));
            assertEquals("online " + (n == 1 ? "0" : "0-" + (n - 1)), view.get(3));
            // No memory limit: both show the host's MemTotal.
            String host = Files.readAllLines(Path.of("/proc/meminfo")).get(0);
            assertEquals(host, view.get(0));
        }
    }

    /** Runs the probe against both views in the same cgroup; asserts they agree line by line. */
    private static List<String> compare(TestCgroup cg) throws Exception {
        String a = new ViewContainer(cg, ourMount).exec(PROBE);
        String b = new ViewContainer(cg, refMount).exec(PROBE);
        assertEquals(b, a, "ours (actual) vs lxcfs (expected)\nours:\n" + a + "\nlxcfs:\n" + b);
        return Arrays.asList(a.split("\n"));
    }

    private static int hostCpus() throws Exception {
        return (int) Files.readAllLines(Path.of("/proc/cpuinfo")).stream().filter(l -> l.startsWith("processor")).count();
    }
}
