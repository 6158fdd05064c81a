package io.lxcfs.daemon.loadavg;

import io.lxcfs.daemon.cgroup.CgroupResolver;
import io.lxcfs.daemon.cgroup.ContainerCgroups;
import io.lxcfs.daemon.cgroup.TaskReader;
import io.lxcfs.daemon.fixture.CgroupNode;
import io.lxcfs.daemon.fixture.FixtureHostExtension;
import io.lxcfs.daemon.fixture.FixtureTree;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

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
}
