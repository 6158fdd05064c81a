package io.lxcfs.daemon.cgroup;

import io.lxcfs.daemon.fixture.FixtureTree;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;

/** The daemon's cgroup-namespace root per hierarchy, found from its own pid and its own /proc/self/cgroup. */
class CgroupNamespaceRootsTest {

    static final long DAEMON_PID = 4242;

    final FixtureTree t;

    CgroupNamespaceRootsTest(@TempDir Path tmp) {
        t = new FixtureTree(tmp);
    }

    CgroupNamespaceRoots discover(String ownCgroupFile) {
        return CgroupNamespaceRoots.discover(t.fs(), t.layout(), DAEMON_PID, ProcCgroupFile.parse(ownCgroupFile));
    }

    @Test
    void v2RootIsTheDaemonsCgroupMinusItsOwnPath() {
        t.v2();
        t.v2Cgroup("/kubepods/pod1/ctr1").procs(DAEMON_PID);
        assertEquals(Map.of(t.cgroup, "/kubepods/pod1/ctr1"), discover("0::/\n").found());
        assertEquals(Map.of(t.cgroup, "/kubepods/pod1"), discover("0::/ctr1\n").found());
        assertEquals(Map.of(t.cgroup, "/"), discover("0::/kubepods/pod1/ctr1\n").found(), "the host namespace");
    }

    @Test
    void v1HierarchiesEachTakeTheirOwnLine() {
        t.v1();
        t.v1Cgroup(FixtureTree.V1_MEMORY, "/pod/ctr").procs(DAEMON_PID);
        t.v1Cgroup(FixtureTree.V1_CPU, "/pod/ctr").procs(DAEMON_PID);
        t.v1Cgroup(FixtureTree.V1_CPUSET, "/pod/ctr").procs(DAEMON_PID);
        t.v1Cgroup(FixtureTree.V1_BLKIO, "/pod/ctr").procs(DAEMON_PID);
        t.v1Cgroup(FixtureTree.V1_PIDS, "/pod/ctr").procs(DAEMON_PID);
        // The namespace was made at the pod level in memory only; cpu,cpuacct is read from its "cpu" line.
        String own = FixtureTree.cgroupV1("/").replace("8:memory:/", "8:memory:/ctr");
        CgroupNamespaceRoots roots = discover(own);
        assertEquals("/pod", roots.found().get(t.cgroup + "/" + FixtureTree.V1_MEMORY));
        assertEquals("/pod/ctr", roots.found().get(t.cgroup + "/" + FixtureTree.V1_CPU));
        assertEquals("/pod/ctr", roots.found().get(t.cgroup + "/" + FixtureTree.V1_PIDS));
        assertEquals(List.of(), roots.notFound());
        CgroupLayout applied = roots.applyTo(t.layout());
        assertEquals("/pod", applied.hierarchy(Controller.MEMORY).namespaceRoot());
        assertEquals("/pod/ctr", applied.hierarchy(Controller.CPUACCT).namespaceRoot());
        assertEquals("/pod/ctr/x", applied.hierarchy(Controller.CPU).dirFor("/x").path());
    }

    @Test
    void hierarchiesWhereTheDaemonIsNotFoundAreListedAndKeepTheirRoot() {
        t.hybrid();
        t.v1Container("/pod/ctr"); // the directories, without the daemon's pid
        t.v1Cgroup(FixtureTree.V1_MEMORY, "/pod/ctr").procs(DAEMON_PID);
        CgroupNamespaceRoots roots = discover(FixtureTree.cgroupHybrid("/"));
        assertEquals(Map.of(t.cgroup + "/memory", "/pod/ctr"), roots.found());
        assertEquals(List.of(t.cgroup + "/cpu,cpuacct", t.cgroup + "/cpuset", t.cgroup + "/blkio", t.cgroup + "/pids",
                t.cgroup + "/unified"), roots.notFound());
        CgroupLayout applied = roots.applyTo(t.layout());
        assertEquals("/pod/ctr", applied.hierarchy(Controller.MEMORY).namespaceRoot());
        assertEquals("/", applied.hierarchy(Controller.CPU).namespaceRoot());
        assertEquals("/", applied.unified().namespaceRoot());
    }

    @Test
    void aHierarchyMissingFromTheDaemonsCgroupFileIsNotFound() {
        t.v2();
        t.v2Cgroup("/a").procs(DAEMON_PID);
        CgroupNamespaceRoots roots = discover("4:memory:/\n"); // no 0:: line
        assertEquals(Map.of(), roots.found());
        assertEquals(List.of(t.cgroup), roots.notFound());
    }

    @Test
    void aConfiguredRootAppliesToEveryHierarchy() {
        t.hybrid();
        CgroupLayout layout = t.layout();
        CgroupLayout applied = CgroupNamespaceRoots.configured(layout, "/kubepods/pod1/ctr1").applyTo(layout);
        for (CgroupHierarchy h : applied.distinctHierarchies()) {
            assertEquals("/kubepods/pod1/ctr1", h.namespaceRoot(), h.mountDir());
        }
        assertEquals(layout.distinctHierarchies().size(), applied.distinctHierarchies().size());
    }

    @Test
    void theHostNamespaceLeavesTheLayoutAsItIs() {
        t.v2();
        CgroupLayout layout = t.layout();
        assertSame(layout, CgroupNamespaceRoots.HOST.applyTo(layout));
    }
}
