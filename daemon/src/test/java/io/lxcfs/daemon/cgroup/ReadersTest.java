package io.lxcfs.daemon.cgroup;

import io.lxcfs.daemon.fixture.CgroupNode;
import io.lxcfs.daemon.fixture.FixtureHostExtension;
import io.lxcfs.daemon.fixture.FixtureTree;
import io.lxcfs.daemon.fixture.KernelFiles;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.io.IOException;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** CgroupResolver, MemoryReader, CpuReader, TaskReader, BlockIoReader and NamespaceRootFinder on fixtures. */
@ExtendWith(FixtureHostExtension.class)
class ReadersTest {

    static final String CTR = "/kubepods/burstable/pod1/c1";

    FixtureTree t;

    CgroupResolver resolver() {
        return new CgroupResolver(t.fs(), t.proc, t.layout());
    }

    // ---------------------------------------------------------------- resolver

    @Test
    void resolvesV1ControllersIndependently() throws IOException {
        t.v1();
        t.process(10, "12:pids:/p\n9:cpuset:/\n8:memory:/m\n3:blkio:/b\n2:cpu,cpuacct:/c\n1:name=systemd:/s\n", 1, 1);
        ContainerCgroups cg = resolver().resolve(10);
        assertEquals(t.cgroup + "/memory/m", cg.dir(Controller.MEMORY).absolute());
        assertEquals(t.cgroup + "/cpu,cpuacct/c", cg.dir(Controller.CPU).absolute());
        assertTrue(cg.dir(Controller.CPUSET).isRoot());
        assertEquals(t.cgroup + "/cpu,cpuacct/c", cg.taskDir().absolute(), "v1 tasks come from cpuacct");
        assertTrue(cg.allRoot(Controller.CPUSET));
        assertTrue(!cg.allRoot(Controller.CPU, Controller.CPUSET));
    }

    @Test
    void resolvesV2AndHybrid() throws IOException {
        t.v2();
        t.process(10, FixtureTree.cgroupV2(CTR), 1, 1);
        ContainerCgroups cg = resolver().resolve(10);
        assertEquals(t.cgroup + CTR, cg.taskDir().absolute());
        assertSame(cg.dir(Controller.CPU).hierarchy(), cg.dir(Controller.MEMORY).hierarchy());

        FixtureTree h = FixtureTree.inMemory();
        h.hybrid();
        h.process(10, FixtureTree.cgroupHybrid(CTR), 1, 1);
        ContainerCgroups hc = new CgroupResolver(h.fs(), h.proc, h.layout()).resolve(10);
        assertEquals(h.cgroup + "/memory" + CTR, hc.dir(Controller.MEMORY).absolute());
        assertEquals(h.cgroup + "/cpu,cpuacct" + CTR, hc.taskDir().absolute());
    }

    @Test
    void containersHaveDistinctKeysAndTheSameContainerTheSameKey() throws IOException {
        t.v2();
        CgroupResolver r = resolver();
        t.process(10, FixtureTree.cgroupV2(CTR), 1, 1).process(11, FixtureTree.cgroupV2(CTR), 1, 1)
                .process(12, FixtureTree.cgroupV2("/kubepods/burstable/pod1/c2"), 1, 1);
        assertEquals(r.resolve(10).key(), r.resolve(11).key());
        assertNotEquals(r.resolve(10).key(), r.resolve(12).key());
    }

    @Test
    void parsedCgroupFilesAreRememberedByContentAndBounded() {
        t.v2();
        CgroupResolver r = resolver();
        ContainerCgroups a = r.resolve(FixtureTree.cgroupV2(CTR));
        assertSame(a, r.resolve(FixtureTree.cgroupV2(CTR)), "same text: the remembered result");
        ContainerCgroups b = r.resolve(FixtureTree.cgroupV2("/kubepods/burstable/pod1/c2"));
        assertNotEquals(a.key(), b.key());
        assertEquals(t.cgroup + "/kubepods/burstable/pod1/c2", b.taskDir().absolute());
        for (int i = 0; i < CgroupResolver.MAX_PARSED + 5; i++) {
            r.resolve(FixtureTree.cgroupV2("/kubepods/pod" + i + "/c"));
        }
        assertTrue(r.parsedCount() <= CgroupResolver.MAX_PARSED, "bounded: " + r.parsedCount());
        assertEquals(a.key(), r.resolve(FixtureTree.cgroupV2(CTR)).key(), "re-parsed after a clear, same result");
    }

    @Test
    void goneProcessThrows() {
        t.v2();
        assertThrows(IOException.class, () -> resolver().resolve(4711));
    }

    // ---------------------------------------------------------------- memory

    @Test
    void memoryV2MapsNamesAndTakesTheMinimumLimit() throws IOException {
        t.v2();
        t.v2Cgroup(CTR).set("memory.max", "max\n").set("memory.current", "4096\n")
                .set("memory.stat", KernelFiles.memoryStatV2(Map.of("file_dirty", 8192L, "file_writeback", 12288L,
                        "anon_thp", 2097152L, "file_mapped", 16384L, "kernel_stack", 32768L, "pagetables", 65536L)))
                .set("memory.swap.current", "1024\n");
        t.v2Cgroup("/kubepods/burstable/pod1").set("memory.max", "1048576\n").set("memory.swap.max", "2048\n");
        MemoryStats m = new MemoryReader(t.fs()).read(new CgroupHierarchy(t.cgroup, true, "/").dirFor(CTR));
        assertEquals(1048576L, m.limit());
        assertEquals(4096, m.usage());
        assertEquals(8192, m.dirty());
        assertEquals(12288, m.writeback());
        assertEquals(2097152, m.anonHuge());
        assertEquals(16384, m.mapped());
        assertEquals(32768, m.kernelStack());
        assertEquals(65536, m.pageTables());
        assertEquals(2048L, m.swapLimit());
        assertEquals(1024, m.swapUsage());
    }

    @Test
    void memoryV1SwapFromMemsw() throws IOException {
        t.v1();
        CgroupNode c = t.v1Cgroup("memory", CTR).set("memory.limit_in_bytes", "1000\n").set("memory.usage_in_bytes", "600\n")
                .set("memory.memsw.limit_in_bytes", "1500\n").set("memory.memsw.usage_in_bytes", "700\n");
        MemoryReader r = new MemoryReader(t.fs());
        CgroupDir d = new CgroupHierarchy(t.cgroup + "/memory", false, "/").dirFor(CTR);
        MemoryStats m = r.read(d);
        assertEquals(500L, m.swapLimit());
        assertEquals(100, m.swapUsage());
        c.set("memory.memsw.usage_in_bytes", "500\n"); // racing counters: memsw below memory
        assertEquals(0, r.read(d).swapUsage());
        c.set("memory.memsw.limit_in_bytes", "900\n"); // memsw below the memory limit: no swap
        assertEquals(0L, r.read(d).swapLimit());
    }

    // ---------------------------------------------------------------- cpu

    @Test
    void spreadSumsToTheTotalAndNeverShrinksAShare() {
        long[] prev = new long[3];
        for (long total = 0; total < 50; total++) {
            long[] now = new long[3];
            CpuReader.spread(total, now);
            assertEquals(total, now[0] + now[1] + now[2]);
            for (int i = 0; i < 3; i++) {
                assertTrue(now[i] >= prev[i]);
            }
            prev = now;
        }
    }

    @Test
    void quotaIsCpusAsAFraction() {
        t.v2();
        t.v2Cgroup(CTR).set("cpu.max", "150000 100000\n");
        CpuReader r = new CpuReader(t.fs());
        CgroupDir d = new CgroupHierarchy(t.cgroup, true, "/").dirFor(CTR);
        assertEquals(1.5, r.quota(d), 1e-12);
        t.v2Cgroup(CTR).set("cpu.max", "max 100000\n");
        assertTrue(Double.isNaN(r.quota(d)));
        CpuView v = r.view(d, d, CpuList.parse("0-3"));
        assertEquals(4, v.count());
        assertEquals(4.0, v.capacity(), 0);
    }

    @Test
    void viewKeepsTheCpusetAndTheVisibleHostIds() {
        t.v2();
        t.v2Cgroup(CTR).set("cpu.max", "50000 100000\n").set("cpuset.cpus.effective", "1,3\n");
        CgroupDir d = new CgroupHierarchy(t.cgroup, true, "/").dirFor(CTR);
        CpuView v = new CpuReader(t.fs()).view(d, d, CpuList.parse("0-3"));
        assertArrayEquals(new int[] {1}, v.visible());
        assertArrayEquals(new int[] {1, 3}, v.cpuset());
        assertEquals(0.5, v.capacity(), 1e-12);
        assertEquals(0, v.indexOf(1));
        assertEquals(-1, v.indexOf(3));
    }

    // ---------------------------------------------------------------- tasks

    @Test
    void stateLetterAfterACommandWithParentheses() {
        assertEquals('R', TaskReader.stateOf("42 (a) (b)) R 1 2 3"));
        assertEquals('D', TaskReader.stateOf(KernelFiles.procStat(42, "kworker/0:1", 'D', 5)));
        assertEquals("12345", TaskReader.statField(KernelFiles.procStat(42, "x) S (y", 'S', 12345), 22));
        assertThrows(IllegalArgumentException.class, () -> TaskReader.statField("garbage", 22));
    }

    @Test
    void countsThreadsOfTheCgroupAndItsChildren() throws IOException {
        t.v2();
        t.v2Cgroup(CTR).procs(10).threads(10, 11, 12, 99);
        t.v2Cgroup(CTR + "/sub").procs(20).threads(20);
        t.thread(10, 'S').thread(11, 'R').thread(12, 'D').thread(20, 'R'); // 99 exited meanwhile
        TaskCounts n = new TaskReader(t.fs(), t.proc).countThreads(new CgroupHierarchy(t.cgroup, true, "/").dirFor(CTR));
        assertEquals(new TaskCounts(2, 1, 4, 20), n);
        assertEquals(3, n.active());
    }

    @Test
    void namespacePidIsTheLastNSpidField() {
        t.process(300, "0::/\n", 1, 7);
        TaskReader r = new TaskReader(t.fs(), t.proc);
        assertEquals(7, r.namespacePid(300));
        assertEquals(-1, r.namespacePid(301), "gone: -1, never the host pid");
        t.file("proc/302/status", "Name:\tx\nPid:\t302\n");
        assertEquals(302, r.namespacePid(302), "no NSpid line (kernel < 4.1): the host pid");
    }

    // ---------------------------------------------------------------- block I/O

    @Test
    void ioStatLines() {
        List<DeviceIo> io = BlockIoReader.readV2("8:0 rbytes=1 wbytes=2 rios=3 wios=4 dbytes=5 dios=6\n"
                + "253:1 rbytes=7 wbytes=8 rios=9 wios=10 dbytes=0 dios=0 cost.usage=5\n");
        assertEquals(List.of(new DeviceIo(8, 0, 1, 2, 3, 4, 5, 6), new DeviceIo(253, 1, 7, 8, 9, 10, 0, 0)), io);
        assertEquals(List.of(), BlockIoReader.readV2(""));
    }

    // ---------------------------------------------------------------- namespace root

    @Test
    void namespaceRootFinderEdgeCases() {
        t.v2();
        t.v2Cgroup("/a/b").procs(50);
        NamespaceRootFinder f = new NamespaceRootFinder(t.fs());
        CgroupHierarchy h = t.layout().unified();
        assertEquals("/a/b", f.find(h, 50, "/"));
        assertEquals("/a", f.find(h, 50, "/b"));
        assertEquals("/", f.find(h, 50, "/a/b"));
        assertNull(f.find(h, 50, "/c"), "own path is not a suffix");
        assertNull(f.find(h, 51, "/"), "pid not found");
        t.v2Cgroup("/a/xb").procs(60);
        assertNull(f.find(h, 60, "/b"), "a suffix must start at a path component");
        t.v2Cgroup("/z").procs(5, 500, 5000);
        assertNull(f.find(h, 50_0000, "/"));
        assertEquals("/z", f.find(h, 500, "/"));
    }
}
