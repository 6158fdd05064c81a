package io.lxcfs.daemon.cgroup;

import io.lxcfs.daemon.fixture.FixtureHostExtension;
import io.lxcfs.daemon.fixture.FixtureTree;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

@ExtendWith(FixtureHostExtension.class)
class CgroupLayoutTest {

    FixtureTree t;

    @Test
    void v2EveryControllerIsTheUnifiedMount() {
        t.v2();
        CgroupLayout l = t.layout();
        assertEquals(CgroupLayout.Kind.V2, l.kind());
        for (Controller c : Controller.values()) {
            assertEquals(t.cgroup, l.hierarchy(c).mountDir(), c.toString());
            assertTrue(l.hierarchy(c).unified());
        }
        assertSame(l.hierarchy(Controller.MEMORY), l.unified());
        assertEquals(1, l.distinctHierarchies().size());
    }

    @Test
    void v1CoMountedCpuAndCpuacct() {
        t.v1();
        CgroupLayout l = t.layout();
        assertEquals(CgroupLayout.Kind.V1, l.kind());
        assertEquals(t.cgroup + "/memory", l.hierarchy(Controller.MEMORY).mountDir());
        assertEquals(t.cgroup + "/cpu,cpuacct", l.hierarchy(Controller.CPU).mountDir());
        assertEquals(t.cgroup + "/cpu,cpuacct", l.hierarchy(Controller.CPUACCT).mountDir());
        assertEquals(t.cgroup + "/cpuset", l.hierarchy(Controller.CPUSET).mountDir());
        assertEquals(t.cgroup + "/blkio", l.hierarchy(Controller.BLKIO).mountDir());
        assertFalse(l.hierarchy(Controller.MEMORY).unified());
        assertNull(l.unified());
        assertEquals(5, l.distinctHierarchies().size());
    }

    @Test
    void v1SeparateMountsAsOnThisKindOfHost() {
        t.v1("memory", "cpu", "cpuacct", "cpuset", "blkio", "pids");
        CgroupLayout l = t.layout();
        assertEquals(t.cgroup + "/cpu", l.hierarchy(Controller.CPU).mountDir());
        assertEquals(t.cgroup + "/cpuacct", l.hierarchy(Controller.CPUACCT).mountDir());
    }

    @Test
    void v1MissingControllerIsAbsent() {
        t.v1("memory", "cpu,cpuacct", "cpuset");
        CgroupLayout l = t.layout();
        assertNull(l.hierarchy(Controller.BLKIO));
        assertNull(l.hierarchy(Controller.PIDS));
    }

    @Test
    void hybridKeepsV1ControllersAndKnowsTheUnifiedMount() {
        t.hybrid();
        CgroupLayout l = t.layout();
        assertEquals(CgroupLayout.Kind.HYBRID, l.kind());
        assertEquals(t.cgroup + "/unified", l.unified().mountDir());
        assertTrue(l.unified().unified());
        assertEquals(t.cgroup + "/memory", l.hierarchy(Controller.MEMORY).mountDir());
        assertEquals(6, l.distinctHierarchies().size());
    }

    @Test
    void hybridControllerOnlyInTheUnifiedMountIsTakenFromThere() {
        t.v1("memory", "cpu,cpuacct", "cpuset", "blkio");
        t.hybrid(); // re-creates the v1 mounts and adds unified/
        t.delete("sys/fs/cgroup/pids");
        t.file("sys/fs/cgroup/unified/cgroup.controllers", "pids\n");
        CgroupLayout l = t.layout();
        assertEquals(t.cgroup + "/unified", l.hierarchy(Controller.PIDS).mountDir());
        assertEquals(t.cgroup + "/memory", l.hierarchy(Controller.MEMORY).mountDir());
    }

    @Test
    void trailingSlashOnTheRootIsAccepted() {
        t.v2();
        assertEquals(t.cgroup, CgroupLayout.detect(t.fs(), t.cgroup + "/").hierarchy(Controller.CPU).mountDir());
    }

    @Test
    void namespaceRootsApplyPerMount() {
        t.v1();
        CgroupLayout l = t.layout().withNamespaceRoots(java.util.Map.of(t.cgroup + "/memory", "/a/b/../c"));
        assertEquals("/a/c", l.hierarchy(Controller.MEMORY).namespaceRoot());
        assertEquals("/", l.hierarchy(Controller.CPU).namespaceRoot());
    }
}
