package io.lxcfs.daemon.view;

import io.lxcfs.daemon.cgroup.CgroupLayout;
import io.lxcfs.daemon.fixture.CgroupNode;
import io.lxcfs.daemon.fixture.FixtureHostExtension;
import io.lxcfs.daemon.fixture.FixtureTree;
import io.lxcfs.daemon.fixture.KernelFiles;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** /proc/cpuinfo and /sys/devices/system/cpu/online, and the one N they share with stat and uptime. */
@ExtendWith(FixtureHostExtension.class)
class CpuViewTest {

    static final String CTR = "/kubepods/burstable/pod6d1a/0a1b2c3d";
    static final long PID = 5001;

    FixtureTree t;

    CgroupNode v2(String cpuMax, String cpuset) {
        CgroupNode c = t.v2Process(CTR, PID).set("cpu.max", cpuMax + "\n");
        if (cpuset != null) {
            c.set("cpuset.cpus", cpuset + "\n").set("cpuset.cpus.effective", cpuset + "\n");
        }
        return c;
    }

    String render(ProcFile f) throws Exception {
        return t.containerFile(f, PID);
    }

    /** What the kernel would print for host CPU {@code hostCpu} shown as {@code idx} of {@code n}. */
    static String block(int hostCpu, int idx, int n) {
        return KernelFiles.cpuinfoBlock(hostCpu)
                .replace("processor\t: " + hostCpu + "\n", "processor\t: " + idx + "\n")
                .replace("siblings\t: 4\n", "siblings\t: " + Math.min(4, n) + "\n")
                .replace("cpu cores\t: 2\n", "cpu cores\t: " + Math.min(2, n) + "\n");
    }

    /** N as /proc/stat shows it: the cpuN lines. */
    static int statCpus(String stat) {
        int n = 0;
        for (String line : stat.split("\n")) {
            if (line.matches("cpu\\d+ .*")) {
                assertEquals("cpu" + n, line.substring(0, line.indexOf(' ')), "cpuN lines are numbered 0..N-1");
                n++;
            }
        }
        return n;
    }

    void assertN(int n) throws Exception {
        assertEquals(CpuListExpect.online(n), render(ProcFile.CPU_ONLINE));
        String cpuinfo = render(ProcFile.CPUINFO);
        assertEquals(n, cpuinfo.split("processor\t: ", -1).length - 1, cpuinfo);
        assertEquals(n, statCpus(render(ProcFile.STAT)));
    }

    /** Expected online file, written out rather than computed. */
    static final class CpuListExpect {
        static String online(int n) {
            return switch (n) {
                case 1 -> "0\n";
                case 2 -> "0-1\n";
                case 3 -> "0-2\n";
                case 4 -> "0-3\n";
                default -> throw new IllegalArgumentException();
            };
        }
    }

    /**
     * What the CPU directory is given for a caller: the same CPUs as cpuinfo and online for a container (cpuset 2-3
     * and 1.5 CPUs: host CPUs 2 and 3), "the host's" (null) for a host process, an unknown caller, a vanished pid
     * and in passthrough.
     */
    @Test
    void theCpuDirectoryGetsTheCallersVisibleCpusOrTheHost() throws Exception {
        v2("150000 100000", "2-3");
        t.process(PID + 1, FixtureTree.cgroupV2("/"), 900_000, 1);
        ProcView view = t.daemonView();
        assertEquals(java.util.List.of(2, 3), java.util.Arrays.stream(view.cpuViewFor(PID).visible()).boxed().toList());
        assertEquals(block(2, 0, 2) + block(3, 1, 2), render(ProcFile.CPUINFO));
        assertEquals(null, view.cpuViewFor(PID + 1), "a host process");
        assertEquals(null, view.cpuViewFor(0), "a caller outside the daemon's pid namespace");
        assertEquals(null, view.cpuViewFor(424242), "a pid that is gone");
        view.setPassthrough(true);
        assertEquals(null, view.cpuViewFor(PID), "passthrough");
    }

    @Test
    void noLimitsShowsAllFourCpusAndTheHostCpuinfoUnchanged() throws Exception {
        v2("max 100000", null);
        assertEquals(t.read("proc/cpuinfo"), render(ProcFile.CPUINFO));
        assertEquals("0-3\n", render(ProcFile.CPU_ONLINE));
        assertN(4);
    }

    @Test
    void fractionalQuotaRoundsUp() throws Exception {
        v2("150000 100000", null);
        assertEquals("0-1\n", render(ProcFile.CPU_ONLINE));
        assertEquals(block(0, 0, 2) + block(1, 1, 2), render(ProcFile.CPUINFO));
        assertN(2);
    }

    @Test
    void halfACpuIsOneCpu() throws Exception {
        v2("50000 100000", null);
        assertEquals("0\n", render(ProcFile.CPU_ONLINE));
        String cpuinfo = render(ProcFile.CPUINFO);
        assertEquals(block(0, 0, 1), cpuinfo);
        assertEquals("processor\t: 0\n", cpuinfo.substring(0, cpuinfo.indexOf('\n') + 1));
        assertN(1);
    }

    @Test
    void tinyQuotaIsStillOneCpu() throws Exception {
        v2("1000 100000", null);
        assertN(1);
    }

    @Test
    void exactQuotaIsNotRoundedUp() throws Exception {
        v2("300000 100000", null);
        assertN(3);
    }

    @Test
    void quotaAboveTheCpusetIsCappedByTheCpuset() throws Exception {
        v2("800000 100000", "1-2");
        assertEquals(block(1, 0, 2) + block(2, 1, 2), render(ProcFile.CPUINFO));
        assertN(2);
    }

    @Test
    void cpusetSelectsAndRenumbersHostCpus() throws Exception {
        v2("max 100000", "2-3");
        String cpuinfo = render(ProcFile.CPUINFO);
        assertEquals(block(2, 0, 2) + block(3, 1, 2), cpuinfo);
        // Host CPU 2 is core 0 / apicid 1: its identity lines are kept, only the number changes.
        assertEquals(true, cpuinfo.startsWith("processor\t: 0\n"));
        assertEquals(true, cpuinfo.contains("apicid\t\t: 1\ninitial apicid\t: 1\n"));
        assertN(2);
    }

    @Test
    void visibleCpusAreTheFirstNOfTheCpuset() throws Exception {
        v2("150000 100000", "1,3");
        assertEquals(block(1, 0, 2) + block(3, 1, 2), render(ProcFile.CPUINFO));
        v2("50000 100000", "1,3");
        t.restartDaemon();
        assertEquals(block(1, 0, 1), render(ProcFile.CPUINFO));
    }

    @Test
    void cpusetIsIntersectedWithOnlineCpus() throws Exception {
        t.file("sys/devices/system/cpu/online", "0-2\n");
        v2("max 100000", "2-3");
        assertEquals(block(2, 0, 1), render(ProcFile.CPUINFO));
        assertN(1);
    }

    @Test
    void emptyCpusetWalksUpToTheParent() throws Exception {
        t.v2();
        t.v2Cgroup("/kubepods/burstable/pod6d1a").set("cpuset.cpus.effective", "3\n");
        v2("max 100000", null).set("cpuset.cpus.effective", "\n");
        assertEquals(block(3, 0, 1), render(ProcFile.CPUINFO));
    }

    @Test
    void podLevelQuotaOnly() throws Exception {
        v2("max 100000", null);
        t.v2Cgroup("/kubepods/burstable/pod6d1a").set("cpu.max", "200000 100000\n");
        assertN(2);
    }

    @Test
    void quotaIsTheMinimumOverAncestors() throws Exception {
        v2("300000 100000", null);
        t.v2Cgroup("/kubepods/burstable/pod6d1a").set("cpu.max", "max 100000\n");
        t.v2Cgroup("/kubepods").set("cpu.max", "100000 50000\n");
        assertN(2);
    }

    @Test
    void quotaWithAnUnusualPeriod() throws Exception {
        v2("25000 10000", null);
        assertN(3);
    }

    @Test
    void v1QuotaMinusOneMeansNoQuota() throws Exception {
        FixtureTree.V1Container c = t.v1Process(CgroupLayout.Kind.V1, CTR, PID);
        c.cpu.set("cpu.cfs_quota_us", "-1\n").set("cpu.cfs_period_us", "100000\n");
        assertEquals(t.read("proc/cpuinfo"), render(ProcFile.CPUINFO));
        assertN(4);
    }

    @Test
    void v1QuotaAndCpuset() throws Exception {
        FixtureTree.V1Container c = t.v1Process(CgroupLayout.Kind.V1, CTR, PID);
        c.cpu.set("cpu.cfs_quota_us", "150000\n");
        c.cpuset.set("cpuset.cpus", "1-3\n");
        assertEquals(block(1, 0, 2) + block(2, 1, 2), render(ProcFile.CPUINFO));
        assertN(2);
    }

    @Test
    void v1PodLevelQuota() throws Exception {
        t.v1Process(CgroupLayout.Kind.V1, CTR, PID);
        t.v1Cgroup(FixtureTree.V1_CPU, "/kubepods/burstable/pod6d1a").set("cpu.cfs_quota_us", "50000\n");
        assertN(1);
    }

    @Test
    void v1WithSeparateCpuAndCpuacctMounts() throws Exception {
        t.v1("memory", "cpu", "cpuacct", "cpuset", "blkio", "pids");
        FixtureTree.V1Container c = t.v1Container(CTR).procs(PID);
        c.cpu.set("cpu.cfs_quota_us", "200000\n");
        String cg = "5:pids:" + CTR + "\n4:memory:" + CTR + "\n3:cpuset:" + CTR + "\n2:cpuacct:" + CTR
                + "\n1:cpu:" + CTR + "\n6:blkio:" + CTR + "\n";
        t.process(PID, cg, 900_000, 1);
        assertN(2);
    }

    @Test
    void hybridUsesV1CpuControllers() throws Exception {
        FixtureTree.V1Container c = t.v1Process(CgroupLayout.Kind.HYBRID, CTR, PID);
        c.cpu.set("cpu.cfs_quota_us", "100000\n");
        assertN(1);
    }

    @Test
    void quotaChangeShowsUpOnTheNextRead() throws Exception {
        CgroupNode c = v2("100000 100000", null);
        assertEquals("0\n", render(ProcFile.CPU_ONLINE));
        c.set("cpu.max", "300000 100000\n");
        assertEquals("0-2\n", render(ProcFile.CPU_ONLINE));
    }

    @Test
    void uptimeIdleUsesTheSameN() throws Exception {
        // N=2 with a 1.5 CPU quota: idle capacity is 1.5 CPUs over 1000 s of container uptime.
        v2("150000 100000", null);
        assertEquals("1000.00 1500.00\n", render(ProcFile.UPTIME));
        assertN(2);
    }
}
