package io.lxcfs.daemon.view;

import io.lxcfs.daemon.fixture.FixtureHostExtension;
import io.lxcfs.daemon.fixture.FixtureTree;
import io.lxcfs.daemon.fixture.KernelFiles;
import io.lxcfs.daemon.loadavg.LoadAverage;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A tenant names its threads as it likes ({@code prctl(PR_SET_NAME)}, {@code /proc/self/task/<tid>/comm}: up to
 * 15 bytes, any byte but NUL) and keeps zombies, stopped and traced tasks, and threads that exit while we read.
 * None of it may change what loadavg and uptime say, for that container or another. The fixture files have the
 * kernel's shapes: {@code /proc/<pid>/stat} prints the name raw between parentheses; {@code /proc/<pid>/status}
 * escapes it ({@code \n} becomes a backslash and an n, checked on this kernel by {@code HostileTasksIT}).
 */
@ExtendWith(FixtureHostExtension.class)
class HostileTasksViewTest {

    static final String CTR = "/kubepods/burstable/pod12/hostile";
    static final String OTHER = "/kubepods/burstable/pod13/calm";
    static final long READER = 3100;

    FixtureTree t;

    @BeforeEach
    void setUp() {
        t.v2();
    }

    String render(ProcFile f, long pid) throws Exception {
        return t.containerFile(f, pid);
    }

    void task(long tid, String comm, char state, long startTicks, long nsPid) {
        t.taskStat(tid, KernelFiles.procStat(tid, comm, state, startTicks));
        t.file("proc/" + tid + "/status", KernelFiles.procStatus(tid, escaped(comm), nsPid)
                .replace("State:\tS (sleeping)", "State:\t" + state + " (x)"));
    }

    /** What the kernel's {@code proc_task_name(..., escape=true)} prints in {@code Name:}. */
    static String escaped(String comm) {
        return comm.replace("\\", "\\\\").replace("\n", "\\n");
    }

    /** The hostile container: every name and state a tenant can produce, plus tasks that vanish mid-read. */
    void hostileContainer() {
        t.v2Cgroup(CTR).procs(READER, 3101).threads(READER, 3101, 3102, 3103, 3104, 3105, 3106, 3107, 3108, 3109,
                3110, 3111, 3120);
        t.process(READER, FixtureTree.cgroupV2(CTR), 900_000, 1);
        task(3101, "1) R 1 1 1 1 1", 'S', 950_000, 2); // a process: its name fakes a state and shifted fields
        task(3102, "a b  c\td", 'S', 950_000, 3);
        task(3103, "n\nState:\tR", 'S', 950_000, 4);   // newline: a fake status line, if status were not escaped
        task(3104, ") D (", 'D', 950_000, 5);          // genuinely blocked
        task(3105, ")", 'R', 950_000, 6);              // genuinely running
        task(3106, "zombie) R", 'Z', 950_000, 7);
        task(3107, "stopped) R", 'T', 950_000, 8);
        task(3108, "traced) R", 't', 950_000, 9);
        task(3109, "dead) R", 'X', 950_000, 10);
        // 3110 is listed in cgroup.threads but exited before its stat was read: no /proc entry.
        task(3111, "\nNSpid:\t1\t1", 'S', 950_000, 11);
        // 3120, the highest tid, exited after its stat was read and before its status was: no status file.
        t.taskStat(3120, KernelFiles.procStat(3120, "late) R", 'S', 950_000));
    }

    @Test
    void namesAndStatesAreDataNotSyntax() throws Exception {
        hostileContainer();
        String loadavg = render(ProcFile.LOADAVG, READER);
        // Active for the load average: 3104 (D) and 3105 (R) only; 3101/3103/3106-3109 name an R they do not have.
        long l1 = LoadAverage.step(0, LoadAverage.EXP_1, 2);
        long l5 = LoadAverage.step(0, LoadAverage.EXP_5, 2);
        long l15 = LoadAverage.step(0, LoadAverage.EXP_15, 2);
        StringBuilder avgs = new StringBuilder();
        for (long l : new long[] {l1, l5, l15}) {
            LoadAverage.format(avgs, l);
            avgs.append(' ');
        }
        // running: 3105 and the reader; total: 12 listed threads with a stat (3110 is gone); last_pid: 3120 has no
        // status any more, so the next-highest thread's namespace pid (3111 -> 11), not a host tid and not "1".
        String expected = avgs + "2/12 11\n";
        System.out.println("hostile loadavg: " + loadavg.trim() + " (expected " + expected.trim() + ")");
        assertEquals(expected, loadavg);
    }

    @Test
    void aFakeStartTimeInANameDoesNotMoveUptime() throws Exception {
        hostileContainer();
        // Oldest real start: the reader at 900,000 ticks; the host is up 10,000.00 s = 1,000,000 ticks.
        String uptime = render(ProcFile.UPTIME, READER);
        assertEquals("1000.00", uptime.split(" ")[0], uptime);
    }

    @Test
    void theNeighbourSeesOnlyItsOwnTasks() throws Exception {
        hostileContainer();
        t.v2Cgroup(OTHER).procs(3200).threads(3200, 3201);
        t.process(3200, FixtureTree.cgroupV2(OTHER), 990_000, 1);
        task(3201, "worker", 'S', 990_000, 2);
        render(ProcFile.LOADAVG, READER);
        render(ProcFile.MEMINFO, 3200);
        for (int i = 0; i < 3; i++) {
            t.daemonView().tracker().sampleAll();
        }
        assertEquals(2, t.daemonView().tracker().size(), "both containers tracked through the hostile one's samples");
        assertEquals("0.00 0.00 0.00 1/2 2\n", render(ProcFile.LOADAVG, 3200));
        assertEquals("100.00", render(ProcFile.UPTIME, 3200).split(" ")[0]);
    }

    @Test
    void everyThreadVanishingLeavesAWellFormedFileNotAHostPid() throws Exception {
        t.v2Cgroup(CTR).procs(READER).threads(READER, 5000, 5001);
        t.process(READER, FixtureTree.cgroupV2(CTR), 900_000, 1);
        t.taskStat(5000, KernelFiles.procStat(5000, "gone", 'R', 950_000));
        t.taskStat(5001, KernelFiles.procStat(5001, "gone", 'R', 950_000));
        // Both exit between the sample and the status read; the reader's own status still answers.
        String loadavg = render(ProcFile.LOADAVG, READER);
        assertEquals(" 3/3 1\n", loadavg.substring(loadavg.indexOf(' ', 10)), loadavg);
    }

    @Test
    void threadsAreReadThroughTheirOwnTaskDirectory() throws Exception {
        // /proc/<tid>/stat is the whole thread group's line, O(threads) for the kernel to print; the sampler reads
        // /proc/<tid>/task/<tid>/stat. Here only the per-thread file says R: it is the one that counts.
        t.v2Cgroup(CTR).procs(READER).threads(READER, 3101);
        t.process(READER, FixtureTree.cgroupV2(CTR), 900_000, 1);
        t.taskStat(3101, KernelFiles.procStat(3101, "w", 'R', 950_000));
        t.file("proc/3101/stat", KernelFiles.procStat(3101, "w", 'S', 950_000));
        assertTrue(render(ProcFile.LOADAVG, READER).endsWith(" 2/2 1\n"));
    }
}
