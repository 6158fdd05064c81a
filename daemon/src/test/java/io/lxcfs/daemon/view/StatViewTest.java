package io.lxcfs.daemon.view;

import io.lxcfs.daemon.cgroup.CgroupLayout;
import io.lxcfs.daemon.fixture.CgroupNode;
import io.lxcfs.daemon.fixture.FixtureHostExtension;
import io.lxcfs.daemon.fixture.FixtureTree;
import io.lxcfs.daemon.fixture.KernelFiles;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.util.Arrays;

import static io.lxcfs.daemon.fixture.Asserts.assertHas;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** /proc/stat and /proc/uptime. Host uptime is 10000.00 s; containers start at 9000.00 s unless said. */
@ExtendWith(FixtureHostExtension.class)
class StatViewTest {

    static final String CTR = "/kubepods/pod11aa22bb/c0ffee";
    static final long PID = 7001;

    /** Every host line after the cpu lines, except procs_running/procs_blocked. */
    static final String HOST_TAIL_HEAD = KernelFiles.stat().substring(KernelFiles.stat().indexOf("intr "),
            KernelFiles.stat().indexOf("procs_running"));
    static final String HOST_SOFTIRQ = KernelFiles.stat().substring(KernelFiles.stat().indexOf("softirq "));

    FixtureTree t;

    String render(ProcFile f) throws Exception {
        return t.containerFile(f, PID);
    }

    CgroupNode v2(String cpuMax, long userUsec, long systemUsec) {
        t.v2();
        CgroupNode c = t.v2Cgroup(CTR).procs(PID).threads(PID, PID + 1, PID + 2, PID + 3)
                .set("cpu.max", cpuMax + "\n")
                .set("cpu.stat", KernelFiles.cpuStatV2(userUsec + systemUsec, userUsec, systemUsec));
        t.process(PID, FixtureTree.cgroupV2(CTR), 900_000, 1);
        t.thread(PID + 1, 'R').thread(PID + 2, 'D').thread(PID + 3, 'R');
        return c;
    }

    @Test
    void v2ExampleExactly() throws Exception {
        // N = 2 (1.5 CPUs); 30 s user = 3000 ticks, 10 s system = 1000 ticks, spread evenly over 2 CPUs.
        // Uptime 1000 s at 0.75 CPU per visible CPU: 75000 possible ticks each, minus what was used.
        v2("150000 100000", 30_000_000, 10_000_000);
        String expected = "cpu  3000 0 1000 146000 0 0 0 0 0 0\n"
                + "cpu0 1500 0 500 73000 0 0 0 0 0 0\n"
                + "cpu1 1500 0 500 73000 0 0 0 0 0 0\n"
                + HOST_TAIL_HEAD
                // The reader (PID) counts as running: it waits in our FUSE read, the kernel would see it run.
                + "procs_running 3\n"
                + "procs_blocked 1\n"
                + HOST_SOFTIRQ;
        assertEquals(expected, render(ProcFile.STAT));
        assertEquals("1000.00 1460.00\n", render(ProcFile.UPTIME));
    }

    @Test
    void hostOnlyLinesAreCopiedUnchanged() throws Exception {
        v2("max 100000", 1_000_000, 1_000_000);
        String s = render(ProcFile.STAT);
        assertHas(s, "\nbtime 1795427267\n");
        assertHas(s, "\nctxt 42379188\n");
        assertHas(s, "\nprocesses 522011\n");
        assertHas(s, "\nintr 25099412 9 0 ");
        assertTrue(s.endsWith(HOST_SOFTIRQ));
    }

    @Test
    void aggregateLineHasTwoSpacesAndTheHostsFieldCount() throws Exception {
        v2("max 100000", 12_345_678, 2_345_678);
        for (String line : render(ProcFile.STAT).split("\n")) {
            if (line.startsWith("cpu")) {
                String[] f = line.split(" ", -1);
                if (line.startsWith("cpu ")) {
                    assertTrue(line.startsWith("cpu  "), line);
                    assertEquals(12, f.length, line); // "cpu", "", 10 values
                } else {
                    assertEquals(11, f.length, line);
                }
            }
        }
    }

    @Test
    void olderKernelsFieldCountIsKept() throws Exception {
        // 2.6.24..2.6.32 print 9 fields (no guest_nice).
        t.file("proc/stat", "cpu  100 0 50 900 1 0 2 0 0\n"
                + "cpu0 25 0 12 225 0 0 1 0 0\ncpu1 25 0 13 225 0 0 1 0 0\n"
                + "cpu2 25 0 12 225 1 0 0 0 0\ncpu3 25 0 13 225 0 0 0 0 0\n"
                + "intr 1 0\nctxt 5\nbtime 1795427267\nprocesses 9\nprocs_running 1\nprocs_blocked 0\n");
        v2("max 100000", 4_000_000, 0);
        String s = render(ProcFile.STAT);
        assertTrue(s.startsWith("cpu  400 0 0 "), s);
        for (String line : s.split("\n")) {
            if (line.startsWith("cpu")) {
                assertEquals(9, line.substring(5).trim().split(" ").length, line);
            }
        }
    }

    @Test
    void cpuLineIsTheSumOfTheCpuNLines() throws Exception {
        v2("300000 100000", 12_345_678, 2_345_671);
        assertSumsMatch(render(ProcFile.STAT));
    }

    static long[][] cpuFields(String stat) {
        return Arrays.stream(stat.split("\n")).filter(l -> l.startsWith("cpu"))
                .map(l -> Arrays.stream(l.substring(4).trim().split(" ")).mapToLong(Long::parseLong).toArray())
                .toArray(long[][]::new);
    }

    static void assertSumsMatch(String stat) {
        long[][] f = cpuFields(stat);
        for (int col = 0; col < f[0].length; col++) {
            long sum = 0;
            for (int i = 1; i < f.length; i++) {
                assertTrue(f[i][col] >= 0, stat);
                sum += f[i][col];
            }
            assertEquals(f[0][col], sum, "column " + col + " of\n" + stat);
        }
    }

    /**
     * Busy: a 1 CPU quota used in full for its 1000 s of life shows almost no idle. Idle: no quota, no use, the
     * capacity (4 CPUs x 1000 s) is idle. Over: usage above capacity never gives negative idle.
     */
    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
        "busy | 100000 100000 | 900000000  | 100000000 | cpu  90000 0 10000 0 0 0 0 0 0 0\\ncpu0 90000 0 10000 0 0 0 0 0 0 0\\n | 1000.00 0.00",
        "idle | max 100000    | 0          | 0         | cpu  0 0 0 400000 0 0 0 0 0 0\\ncpu0 0 0 0 100000 0 0 0 0 0 0\\n       | 1000.00 4000.00",
        "over | 100000 100000 | 2000000000 | 0         | 'cpu  200000 0 0 0 '                                                        | 1000.00 0.00"})
    void idleIsTheCapacityLeftOverTheContainersLife(String what, String cpuMax, long userUsec, long systemUsec,
                                                     String statStart, String uptime) throws Exception {
        v2(cpuMax, userUsec, systemUsec);
        String s = render(ProcFile.STAT);
        assertTrue(s.startsWith(statStart.replace("\\n", "\n")), s);
        assertEquals(uptime + "\n", render(ProcFile.UPTIME));
    }

    @Test
    void countersAreMonotonicAcrossReads() throws Exception {
        CgroupNode c = v2("200000 100000", 30_000_000, 10_000_000);
        long[][] first = cpuFields(render(ProcFile.STAT));
        // The container burns 2 CPUs for 10 s while the clock only moved 5 s (a burst): raw idle would drop.
        t.file("proc/uptime", "10005.00 38010.00\n");
        c.set("cpu.stat", KernelFiles.cpuStatV2(60_000_000, 45_000_000, 15_000_000));
        String secondText = render(ProcFile.STAT);
        long[][] second = cpuFields(secondText);
        for (int i = 0; i < first.length; i++) {
            for (int col = 0; col < first[i].length; col++) {
                assertTrue(second[i][col] >= first[i][col], "line " + i + " col " + col + "\n" + secondText);
            }
        }
        assertSumsMatch(secondText);
        assertEquals(4500, second[0][0]);
        // Uptime's idle agrees with /proc/stat's.
        String up = render(ProcFile.UPTIME);
        assertEquals(second[0][3], Math.round(Double.parseDouble(up.split(" ")[1].trim()) * 100), up);
    }

    @Test
    void countersStayMonotonicWhenAResizeChangesN() throws Exception {
        // In-place pod resize: 2 CPUs -> 1 CPU -> 3 CPUs between reads. Neither the cpu line nor any cpuN
        // line that stays visible may go back, and the cpu line stays the sum of the cpuN lines.
        CgroupNode c = v2("200000 100000", 30_000_000, 10_000_000);
        String[] quotas = {"100000 100000", "300000 100000"};
        long[][] prev = cpuFields(render(ProcFile.STAT));
        int step = 0;
        for (String q : quotas) {
            step++;
            t.file("proc/uptime", (10000 + step) + ".00 38000.00\n");
            c.set("cpu.max", q + "\n");
            String s = render(ProcFile.STAT);
            long[][] now = cpuFields(s);
            assertSumsMatch(s);
            for (int line = 0; line < Math.min(prev.length, now.length); line++) {
                for (int col = 0; col < now[line].length; col++) {
                    assertTrue(now[line][col] >= prev[line][col], "after " + q + ": line " + line + " col " + col
                            + " went from " + prev[line][col] + " to " + now[line][col] + "\n" + s);
                }
            }
            prev = now;
        }
    }

    @Test
    void v1UsageAllFoldsHostCpusOutsideTheViewPreservingTotals() throws Exception {
        FixtureTree.V1Container c = t.v1Process(CgroupLayout.Kind.V1, CTR, PID);
        c.cpu.set("cpu.cfs_quota_us", "200000\n");
        c.cpuacct.set("cpuacct.usage_all", KernelFiles.usageAll(new long[][] {
            {1_000_000_000L, 500_000_000L},
            {2_000_000_000L, 1_000_000_000L},
            {3_000_000_000L, 0},
            {4_000_000_000L, 2_000_000_000L}}));
        String s = render(ProcFile.STAT);
        // Host CPU 2 folds onto cpu0, CPU 3 onto cpu1: 100+300 / 50 and 200+400 / 100+200 ticks.
        // Capacity: 2 CPUs over 1000 s = 100000 ticks each.
        assertTrue(s.startsWith("cpu  1000 0 350 198650 0 0 0 0 0 0\n"
                + "cpu0 400 0 50 99550 0 0 0 0 0 0\n"
                + "cpu1 600 0 300 99100 0 0 0 0 0 0\n"
                + "intr "), s);
        assertSumsMatch(s);
    }

    @Test
    void v1CpusetMapsHostCpusToTheirViewIndex() throws Exception {
        FixtureTree.V1Container c = t.v1Process(CgroupLayout.Kind.V1, CTR, PID);
        c.cpuset.set("cpuset.cpus", "2-3\n");
        c.cpuacct.set("cpuacct.usage_all", KernelFiles.usageAll(new long[][] {
            {0, 0}, {0, 0}, {3_000_000_000L, 10_000_000L}, {4_000_000_000L, 20_000_000L}}));
        String s = render(ProcFile.STAT);
        assertTrue(s.startsWith("cpu  700 0 3 199297 0 0 0 0 0 0\n"
                + "cpu0 300 0 1 99699 0 0 0 0 0 0\n"
                + "cpu1 400 0 2 99598 0 0 0 0 0 0\n"), s);
    }

    @Test
    void v1WithoutUsageAllUsesCpuacctStat() throws Exception {
        FixtureTree.V1Container c = t.v1Process(CgroupLayout.Kind.V1, CTR, PID);
        c.cpu.set("cpu.cfs_quota_us", "200000\n");
        c.cpuacct.remove("cpuacct.usage_all").set("cpuacct.stat", "user 301\nsystem 99\n");
        String s = render(ProcFile.STAT);
        assertTrue(s.startsWith("cpu  301 0 99 199600 0 0 0 0 0 0\n"
                + "cpu0 151 0 50 99799 0 0 0 0 0 0\n"
                + "cpu1 150 0 49 99801 0 0 0 0 0 0\n"), s);
    }

    @Test
    void hybridStatAndProcsCounts() throws Exception {
        FixtureTree.V1Container c = t.v1Process(CgroupLayout.Kind.HYBRID, CTR, PID);
        c.cpuacct.threads(PID, PID + 1);
        c.cpuacct.set("cpuacct.usage_all", KernelFiles.usageAll(new long[][] {
            {1_000_000_000L, 0}, {1_000_000_000L, 0}, {1_000_000_000L, 0}, {1_000_000_000L, 0}}));
        t.thread(PID + 1, 'D');
        String s = render(ProcFile.STAT);
        assertTrue(s.startsWith("cpu  400 0 0 399600 0 0 0 0 0 0\ncpu0 100 0 0 99900 0 0 0 0 0 0\n"), s);
        assertHas(s, "\nprocs_running 1\nprocs_blocked 1\n"); // 1: the reader
    }

    @Test
    void procsCountIncludesChildCgroupsThreads() throws Exception {
        v2("max 100000", 0, 0);
        t.v2Cgroup(CTR + "/worker").procs(PID + 10).threads(PID + 10, PID + 11);
        t.thread(PID + 10, 'R').thread(PID + 11, 'R');
        assertHas(render(ProcFile.STAT), "\nprocs_running 5\nprocs_blocked 1\n"); // incl. the reader
    }

    // ---------------------------------------------------------------- uptime

    @Test
    void uptimeIsSinceTheOldestProcessOfTheContainer() throws Exception {
        v2("max 100000", 0, 0).procs(PID, PID + 50);
        t.process(PID + 50, FixtureTree.cgroupV2(CTR), 850_000, 2);
        assertEquals("1500.00 6000.00\n", render(ProcFile.UPTIME));
    }

    @Test
    void uptimeHasTheKernelsFormat() throws Exception {
        v2("max 100000", 0, 0);
        assertTrue(render(ProcFile.UPTIME).matches("\\d+\\.\\d\\d \\d+\\.\\d\\d\n"));
    }

    @Test
    void uptimeIsExactToTheCentisecond() throws Exception {
        // Started at 9123.45 s: 876.55 s ago. Floating point must not turn this into 876.54.
        v2("max 100000", 0, 0);
        t.process(PID, FixtureTree.cgroupV2(CTR), 912_345, 1);
        assertEquals("876.55 3506.20\n", render(ProcFile.UPTIME));
    }

    @Test
    void freshContainerStartsNearZero() throws Exception {
        v2("max 100000", 0, 0);
        t.process(PID, FixtureTree.cgroupV2(CTR), 1_000_000, 1);
        assertEquals("0.00 0.00\n", render(ProcFile.UPTIME));
    }

    @Test
    void restartedContainerResetsUptime() throws Exception {
        v2("max 100000", 0, 0);
        assertEquals("1000.00 4000.00\n", render(ProcFile.UPTIME));
        t.process(PID, FixtureTree.cgroupV2(CTR), 999_000, 1);
        // A new container (new view) after a restart: uptime restarts; idle may not go back within one
        // container's life, so use a fresh daemon view as a new container cgroup would get.
        t.restartDaemon();
        assertEquals("10.00 40.00\n", render(ProcFile.UPTIME));
    }

    @Test
    void uptimeAdvancesWithTheHostClock() throws Exception {
        v2("max 100000", 0, 0);
        assertEquals("1000.00 4000.00\n", render(ProcFile.UPTIME));
        t.file("proc/uptime", "10002.50 38010.00\n");
        assertEquals("1002.50 4010.00\n", render(ProcFile.UPTIME));
    }
}
