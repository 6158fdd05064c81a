package io.lxcfs.daemon.loadavg;

import io.lxcfs.daemon.cgroup.CgroupResolver;
import io.lxcfs.daemon.cgroup.CgroupLayout;
import io.lxcfs.daemon.cgroup.ContainerCgroups;
import io.lxcfs.daemon.cgroup.FileSource;
import io.lxcfs.daemon.cgroup.TaskReader;
import io.lxcfs.daemon.fixture.CgroupNode;
import io.lxcfs.daemon.fixture.FixtureHostExtension;
import io.lxcfs.daemon.fixture.FixtureTree;
import io.lxcfs.daemon.fixture.KernelFiles;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.io.IOException;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;

@ExtendWith(FixtureHostExtension.class)
class ContainerTrackerTest {

    FixtureTree t;
    ContainerTracker tracker;
    CgroupResolver resolver;

    @BeforeEach
    void setUp() {
        t.v2();
        tracker = new ContainerTracker(t.fs(), new TaskReader(t.fs(), t.proc));
        resolver = new CgroupResolver(t.fs(), t.proc, t.layout());
    }

    ContainerCgroups container(String path, long pid, long... activeTids) {
        CgroupNode c = t.v2Cgroup(path).procs(pid);
        long[] all = new long[activeTids.length + 1];
        all[0] = pid;
        System.arraycopy(activeTids, 0, all, 1, activeTids.length);
        c.threads(all);
        t.thread(pid, 'S');
        for (long tid : activeTids) {
            t.thread(tid, 'R');
        }
        return resolver.resolve(FixtureTree.cgroupV2(path));
    }

    @Test
    void firstTrackSamplesOnceAndLaterTracksReuseTheState() {
        ContainerCgroups a = container("/kubepods/poda/c", 10, 11, 12);
        ContainerState first = tracker.track(a);
        assertEquals(1, first.load().samples());
        assertArrayEquals(new long[] {328, 68, 22}, first.load().snapshot());
        assertSame(first, tracker.track(a));
        assertEquals(1, first.load().samples(), "reads do not sample");
    }

    @Test
    void samplingIsPerContainer() {
        ContainerCgroups busy = container("/kubepods/poda/c", 10, 11, 12);
        ContainerCgroups idle = container("/kubepods/podb/c", 20);
        tracker.track(busy);
        tracker.track(idle);
        for (int i = 0; i < 11; i++) {
            tracker.sampleAll();
        }
        assertArrayEquals(new long[] {2595, 750, 261}, tracker.track(busy).load().snapshot());
        assertArrayEquals(new long[] {0, 0, 0}, tracker.track(idle).load().snapshot());
        assertEquals(12, tracker.track(idle).load().samples());
    }

    @Test
    void blockedThreadsCountAsActive() {
        ContainerCgroups a = container("/kubepods/poda/c", 10, 11);
        t.thread(11, 'D');
        assertArrayEquals(new long[] {164, 34, 11}, tracker.track(a).load().snapshot());
    }

    @Test
    void goneCgroupIsForgottenOthersStay() throws Exception {
        ContainerCgroups a = container("/kubepods/poda/c", 10);
        ContainerCgroups b = container("/kubepods/podb/c", 20);
        tracker.track(a);
        tracker.track(b);
        assertEquals(2, tracker.size());
        t.delete("sys/fs/cgroup/kubepods/poda");
        tracker.sampleAll();
        assertEquals(1, tracker.size());
        assertEquals(2, tracker.track(b).load().samples());
    }

    @Test
    void unreadableThreadsFileKeepsTheContainerWhileItsCgroupExists() throws Exception {
        ContainerCgroups a = container("/kubepods/poda/c", 10);
        tracker.track(a);
        t.delete("sys/fs/cgroup/kubepods/poda/c/cgroup.threads");
        tracker.sampleAll();
        assertEquals(1, tracker.size());
    }

    @Test
    void lastStatIsTyped() {
        ContainerState tr = tracker.track(container("/kubepods/poda/c", 10));
        tr.lastStat("not a CpuTimes");
        assertEquals(null, tr.lastStat(Integer.class));
        assertEquals("not a CpuTimes", tr.lastStat(String.class));
    }

    // ------------------------------------------------------------ idle containers: no per-thread reads

    /** Counts reads of per-thread stat files ({@code /proc/<tid>/task/<tid>/stat}), passing everything through. */
    static final class CountingFiles implements FileSource {
        final FileSource inner;
        int threadReads;

        CountingFiles(FileSource inner) {
            this.inner = inner;
        }

        private void count(String path) {
            if (path.contains("/task/") && path.endsWith("/stat")) {
                threadReads++;
            }
        }

        @Override
        public String read(String path) throws IOException {
            count(path);
            return inner.read(path);
        }

        @Override
        public String readOrNull(String path) {
            count(path);
            return inner.readOrNull(path);
        }

        @Override
        public List<String> subdirectories(String dir) {
            return inner.subdirectories(dir);
        }

        @Override
        public boolean exists(String path) {
            return inner.exists(path);
        }
    }

    CountingFiles files;

    /** A tracker over counted files; the container at /kubepods/podi/c has threads 30, 31, 32, all sleeping. */
    CgroupNode idleV2Container() {
        CgroupNode c = t.v2Cgroup("/kubepods/podi/c").procs(30).threads(30, 31, 32);
        c.set("cpu.stat", KernelFiles.cpuStatV2(5_000, 3_000, 2_000));
        t.thread(30, 'S').thread(31, 'S').thread(32, 'S');
        files = new CountingFiles(t.fs());
        tracker = new ContainerTracker(files, new TaskReader(files, t.proc));
        resolver = new CgroupResolver(t.fs(), t.proc, t.layout());
        return c;
    }

    ContainerState trackIdle() {
        ContainerState s = tracker.track(resolver.resolve(FixtureTree.cgroupV2("/kubepods/podi/c")));
        assertEquals(3, files.threadReads, "the first sample reads every thread");
        files.threadReads = 0;
        return s;
    }

    @Test
    void idleUnchangedContainerIsSampledWithoutPerThreadReads() {
        idleV2Container();
        ContainerState s = trackIdle();
        for (int i = 0; i < 3; i++) {
            tracker.sampleAll();
        }
        assertEquals(0, files.threadReads);
        assertEquals(4, s.load().samples(), "a skipped pass still samples (0)");
        assertArrayEquals(new long[] {0, 0, 0}, s.load().snapshot());
    }

    @Test
    void anIdleContainerIsStillReadInFullEverySixthPass() {
        idleV2Container();
        ContainerState s = trackIdle();
        for (int i = 0; i < ContainerTracker.MAX_SKIPPED_PASSES; i++) {
            tracker.sampleAll();
        }
        assertEquals(0, files.threadReads);
        // A thread went into D with a run too short to move usage_usec: the bounded skip still finds it.
        t.thread(32, 'D');
        tracker.sampleAll();
        assertEquals(3, files.threadReads, "the sixth pass reads every thread");
        assertEquals(LoadAverage.step(0, LoadAverage.EXP_1, 1), s.load().snapshot()[0]);
        files.threadReads = 0;
        tracker.sampleAll();
        assertEquals(3, files.threadReads, "a D thread last pass: read in full again");
    }

    @Test
    void movedCounterReadsEveryThreadAndSeesTheNewState() {
        CgroupNode c = idleV2Container();
        ContainerState s = trackIdle();
        tracker.sampleAll();
        assertEquals(0, files.threadReads);
        // Thread 31 ran into D: the counter moved by 1 µs.
        t.thread(31, 'D');
        c.set("cpu.stat", KernelFiles.cpuStatV2(5_001, 3_001, 2_000));
        tracker.sampleAll();
        assertEquals(3, files.threadReads);
        assertArrayEquals(new long[] {LoadAverage.step(0, LoadAverage.EXP_1, 1), LoadAverage.step(0, LoadAverage.EXP_5, 1),
                LoadAverage.step(0, LoadAverage.EXP_15, 1)}, s.load().snapshot());
    }

    @Test
    void blockedThreadAtTheLastPassReadsEveryThreadEvenWithTheCounterStill() {
        idleV2Container();
        t.thread(32, 'D');
        ContainerState s = trackIdle();
        // A D thread does not run, so the counter stands still; it may leave D without running into the counter
        // (woken and not yet run, or killed), so its container is read in full every pass.
        tracker.sampleAll();
        tracker.sampleAll();
        assertEquals(6, files.threadReads);
        t.thread(32, 'S');
        tracker.sampleAll();
        assertEquals(9, files.threadReads, "the pass that finds it idle is still a full one");
        tracker.sampleAll();
        assertEquals(9, files.threadReads, "then it is skipped");
        assertEquals(5, s.load().samples());
    }

    @Test
    void runningThreadAtTheLastPassReadsEveryThread() {
        idleV2Container();
        t.thread(30, 'R');
        trackIdle();
        tracker.sampleAll();
        assertEquals(3, files.threadReads);
    }

    @Test
    void changedTaskListReadsEveryThread() {
        CgroupNode c = idleV2Container();
        ContainerState s = trackIdle();
        // A thread in D moved in from another cgroup: it did not run here, so only the list tells.
        t.thread(33, 'D');
        c.threads(30, 31, 32, 33);
        tracker.sampleAll();
        assertEquals(4, files.threadReads);
        assertEquals(LoadAverage.step(0, LoadAverage.EXP_1, 1), s.load().snapshot()[0]);
    }

    @Test
    void changedChildTaskListReadsEveryThread() {
        CgroupNode c = idleV2Container();
        t.v2Cgroup("/kubepods/podi/c/sub").threads();
        ContainerState s = trackIdle();
        tracker.sampleAll();
        assertEquals(0, files.threadReads);
        // Thread 32 moved to the child cgroup (same threads in all, same counter): the list differs.
        c.threads(30, 31);
        t.v2Cgroup("/kubepods/podi/c/sub").threads(32);
        tracker.sampleAll();
        assertEquals(3, files.threadReads);
        assertEquals(3, s.load().samples());
    }

    @Test
    void unreadableCounterFallsBackToTheFullRead() {
        CgroupNode c = idleV2Container();
        ContainerState s = trackIdle();
        c.set("cpu.stat", "garbage\n");
        tracker.sampleAll();
        assertEquals(3, files.threadReads);
        c.remove("cpu.stat");
        tracker.sampleAll();
        assertEquals(6, files.threadReads);
        // Readable again: one full pass to make the mark, then skipped.
        c.set("cpu.stat", KernelFiles.cpuStatV2(5_000, 3_000, 2_000));
        tracker.sampleAll();
        tracker.sampleAll();
        assertEquals(9, files.threadReads);
        assertEquals(5, s.load().samples());
    }

    @Test
    void v1IdleContainerIsSkippedUntilCpuacctUsageMoves() {
        t.delete("sys/fs/cgroup/cgroup.controllers"); // setUp laid the host out as v2
        t.withLayout(CgroupLayout.Kind.V1);
        FixtureTree.V1Container c = t.v1Container("/kubepods/podv/c").procs(40);
        c.cpuacct.threads(40, 41);
        c.cpuacct.set("cpuacct.usage", "123456789\n");
        t.thread(40, 'S').thread(41, 'S');
        files = new CountingFiles(t.fs());
        tracker = new ContainerTracker(files, new TaskReader(files, t.proc));
        resolver = new CgroupResolver(t.fs(), t.proc, t.layout());
        ContainerState s = tracker.track(resolver.resolve(FixtureTree.cgroupV1("/kubepods/podv/c")));
        assertEquals(2, files.threadReads);
        tracker.sampleAll();
        assertEquals(2, files.threadReads, "idle and unchanged: skipped");
        t.thread(41, 'R');
        c.cpuacct.set("cpuacct.usage", "123456790\n");
        tracker.sampleAll();
        assertEquals(4, files.threadReads, "1 ns more: read in full");
        assertEquals(LoadAverage.step(0, LoadAverage.EXP_1, 1), s.load().snapshot()[0]);
        tracker.sampleAll();
        assertEquals(6, files.threadReads, "an R thread last pass: read in full");
    }
}
