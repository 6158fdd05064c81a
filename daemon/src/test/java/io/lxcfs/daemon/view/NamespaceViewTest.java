package io.lxcfs.daemon.view;

import io.lxcfs.daemon.cgroup.CgroupLayout;
import io.lxcfs.daemon.cgroup.CgroupNamespaceRoots;
import io.lxcfs.daemon.cgroup.ProcCgroupFile;
import io.lxcfs.daemon.fixture.FixtureTree;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;

import static io.lxcfs.daemon.fixture.FixtureTree.text;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The daemon in a private cgroup namespace (LXCFS issue #598): callers' /proc/<pid>/cgroup paths are relative
 * to the daemon's namespace root and start with "/..". The root is found from the daemon's own pid.
 */
class NamespaceViewTest {

    static final String DAEMON_CG = "/kubepods/besteffort/poddaemon/ctrdaemon";
    static final long DAEMON_PID = 777;
    static final String CALLER_CG = "/kubepods/burstable/podx/ctrx";
    static final long PID = 8100;

    final FixtureTree t;

    NamespaceViewTest(@TempDir Path tmp) {
        t = new FixtureTree(tmp);
    }

    /**
     * Namespace roots for every hierarchy, discovered as the daemon's start-up does, from the daemon's own
     * {@code /proc/self/cgroup} ({@code ownCgroupFile}); every hierarchy must have one.
     */
    CgroupNamespaceRoots roots(CgroupLayout layout, String ownCgroupFile) {
        CgroupNamespaceRoots roots = CgroupNamespaceRoots.discover(t.fs(), layout, DAEMON_PID,
                ProcCgroupFile.parse(ownCgroupFile));
        assertEquals(List.of(), roots.notFound());
        return roots;
    }

    RenderResult meminfo(CgroupLayout layout) throws Exception {
        return t.view(layout).render(ProcFile.MEMINFO, PID);
    }

    void v2Tree() {
        t.v2();
        t.v2Cgroup(DAEMON_CG).procs(DAEMON_PID).threads(DAEMON_PID).set("memory.max", "1073741824\n");
        t.v2Cgroup(CALLER_CG).procs(PID).threads(PID).set("memory.max", "268435456\n");
        t.v2Cgroup("/kubepods/burstable/podx").set("memory.max", "134217728\n");
    }

    @Test
    void v2CallerOutsideTheDaemonsNamespaceResolvesToItsRealCgroup() throws Exception {
        v2Tree();
        CgroupLayout layout = t.layout();
        CgroupNamespaceRoots roots = roots(layout, FixtureTree.cgroupV2("/"));
        assertEquals(DAEMON_CG, roots.found().get(t.cgroup));
        t.process(PID, "0::/../../../burstable/podx/ctrx\n", 900_000, 1);
        RenderResult r = meminfo(roots.applyTo(layout));
        assertEquals(RenderResult.Source.CONTAINER, r.source(), r.fallbackReason());
        assertEquals("MemTotal:         131072 kB", text(r).lines().findFirst().orElseThrow());
    }

    @Test
    void namespaceRootAboveTheDaemonsOwnCgroup() throws Exception {
        // The namespace was created at the pod level; the daemon's own path in it is "/ctrdaemon".
        v2Tree();
        CgroupLayout layout = t.layout();
        CgroupNamespaceRoots roots = roots(layout, FixtureTree.cgroupV2("/ctrdaemon"));
        assertEquals("/kubepods/besteffort/poddaemon", roots.found().get(t.cgroup));
        t.process(PID, "0::/../../burstable/podx/ctrx\n", 900_000, 1);
        RenderResult r = meminfo(roots.applyTo(layout));
        assertEquals("MemTotal:         131072 kB", text(r).lines().findFirst().orElseThrow());
    }

    @Test
    void callerInsideTheNamespaceSeesPathsBelowItsRoot() throws Exception {
        v2Tree();
        t.v2Cgroup(DAEMON_CG + "/sidecar").procs(PID).threads(PID).set("memory.max", "67108864\n");
        CgroupLayout layout = t.layout();
        t.process(PID, "0::/sidecar\n", 900_000, 1);
        RenderResult r = meminfo(roots(layout, FixtureTree.cgroupV2("/")).applyTo(layout));
        assertEquals("MemTotal:          65536 kB", text(r).lines().findFirst().orElseThrow());
    }

    @Test
    void withoutTheNamespaceRootTheSamePathIsNotFoundAndFallsBack() throws Exception {
        v2Tree();
        t.process(PID, "0::/../../../burstable/podx/ctrx\n", 900_000, 1);
        RenderResult r = meminfo(t.layout());
        assertEquals(RenderResult.Source.FALLBACK, r.source());
    }

    @Test
    void v1EachHierarchyHasItsOwnRoot() throws Exception {
        t.v1();
        t.v1Container(DAEMON_CG).procs(DAEMON_PID);
        FixtureTree.V1Container c = t.v1Container(CALLER_CG).procs(PID);
        c.memory.set("memory.limit_in_bytes", "268435456\n");
        c.cpu.set("cpu.cfs_quota_us", "50000\n");
        // The cpuset hierarchy is not namespaced the same way: the daemon sits at the cpuset root there.
        t.v1Cgroup(FixtureTree.V1_CPUSET, DAEMON_CG).procs();
        t.file("sys/fs/cgroup/cpuset/cgroup.procs", "1\n" + DAEMON_PID + "\n");
        CgroupLayout layout = t.layout();
        CgroupNamespaceRoots roots = roots(layout, FixtureTree.cgroupV1("/"));
        assertEquals(DAEMON_CG, roots.found().get(t.cgroup + "/memory"));
        assertEquals("/", roots.found().get(t.cgroup + "/cpuset"));
        String rel = "/../../../burstable/podx/ctrx";
        t.process(PID, FixtureTree.cgroupV1(rel).replace("9:cpuset:" + rel, "9:cpuset:" + CALLER_CG), 900_000, 1);
        ProcView v = t.view(roots.applyTo(layout));
        assertEquals("MemTotal:         262144 kB", text(v.render(ProcFile.MEMINFO, PID)).lines().findFirst().get());
        assertEquals("0\n", text(v.render(ProcFile.CPU_ONLINE, PID)));
        assertEquals(RenderResult.Source.CONTAINER, v.render(ProcFile.STAT, PID).source());
    }

    @Test
    void hybridUnifiedHierarchyIsNamespacedToo() throws Exception {
        t.hybrid();
        t.v1Container(DAEMON_CG).procs(DAEMON_PID);
        t.v1Container(CALLER_CG).procs(PID).memory.set("memory.limit_in_bytes", "268435456\n");
        CgroupLayout layout = t.layout();
        CgroupNamespaceRoots roots = roots(layout, FixtureTree.cgroupHybrid("/"));
        assertEquals(DAEMON_CG, roots.found().get(t.cgroup + "/unified"));
        t.process(PID, FixtureTree.cgroupHybrid("/../../../burstable/podx/ctrx"), 900_000, 1);
        RenderResult r = meminfo(roots.applyTo(layout));
        assertEquals("MemTotal:         262144 kB", text(r).lines().findFirst().orElseThrow());
    }

    @Test
    void systemdPathsWithNamespace() throws Exception {
        String daemon = "/kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-poda_b.slice/cri-containerd-d1.scope";
        String pod = "/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-podc_d.slice";
        t.v2();
        t.v2Cgroup(daemon).procs(DAEMON_PID);
        t.v2Cgroup(pod + "/cri-containerd-e2.scope").procs(PID).threads(PID);
        t.v2Cgroup(pod).set("memory.max", "268435456\n");
        CgroupLayout layout = t.layout();
        t.process(PID, "0::/../../../kubepods-burstable.slice/kubepods-burstable-podc_d.slice/cri-containerd-e2.scope\n",
                900_000, 1);
        RenderResult r = meminfo(roots(layout, FixtureTree.cgroupV2("/")).applyTo(layout));
        assertEquals("MemTotal:         262144 kB", text(r).lines().findFirst().orElseThrow());
    }
}
