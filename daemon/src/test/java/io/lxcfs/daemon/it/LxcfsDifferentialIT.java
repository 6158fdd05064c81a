package io.lxcfs.daemon.it;

import io.lxcfs.testing.ReferenceLxcfs;
import io.lxcfs.testing.SharedDaemon;
import io.lxcfs.testing.TestCgroup;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

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
    private static final String PROBE = """
            grep '^MemTotal:' /proc/meminfo
            free -k | awk '/^Mem:/ { print "free total", $2 }'
            echo processors $(grep -c '^processor' /proc/cpuinfo)
            echo online $(cat /sys/devices/system/cpu/online)
            echo getconf $(getconf _NPROCESSORS_ONLN)
            echo stat $(grep '^cpu' /proc/stat | cut -d' ' -f1)
            echo meminfo fields $(cut -d: -f1 /proc/meminfo)
            echo swaps lines $(wc -l < /proc/swaps)
            """;

    @RegisterExtension
    static final SharedDaemon OURS = new SharedDaemon("lxcfs-it-diff-ours").assertingCleanHandoverStop();
    private static Path refMount;
    private static ReferenceLxcfs lxcfs;

    @BeforeAll
    static void startTheReference() throws Exception {
        Assumptions.assumeTrue(ReferenceLxcfs.available(), "needs the reference lxcfs (apt-get install lxcfs)");
        refMount = Files.createTempDirectory("lxcfs-it-diff-ref");
        lxcfs = ReferenceLxcfs.start(refMount);
    }

    @AfterAll
    static void stopTheReference() throws Exception {
        if (lxcfs != null) {
            lxcfs.stop();
            boolean refMounted = ReferenceLxcfs.isMounted(refMount);
            lxcfs.close();
            Files.deleteIfExists(refMount);
            assertFalse(refMounted, "lxcfs unmounts on SIGTERM");
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
        String a = new ViewContainer(cg, OURS.mount()).exec(PROBE);
        String b = new ViewContainer(cg, refMount).exec(PROBE);
        assertEquals(b, a, "ours (actual) vs lxcfs (expected)\nours:\n" + a + "\nlxcfs:\n" + b);
        return Arrays.asList(a.split("\n"));
    }

    private static int hostCpus() throws Exception {
        return (int) Files.readAllLines(Path.of("/proc/cpuinfo")).stream().filter(l -> l.startsWith("processor")).count();
    }
}
