package io.lxcfs.daemon.view;

import io.lxcfs.daemon.cgroup.CgroupLayout;
import io.lxcfs.daemon.fixture.CgroupNode;
import io.lxcfs.daemon.fixture.FixtureHostExtension;
import io.lxcfs.daemon.fixture.FixtureTree;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.List;
import java.util.stream.Stream;

import static io.lxcfs.daemon.fixture.FixtureTree.text;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

/** Host processes, unknown callers, passthrough and broken cgroup files: the host's file, never an error. */
@ExtendWith(FixtureHostExtension.class)
class FallbackViewTest {

    static final String CTR = "/kubepods/burstable/podf00/ctr";
    static final long PID = 6100;

    FixtureTree t;

    CgroupNode v2Container() {
        CgroupNode c = t.v2Process(CTR, PID)
                .set("memory.max", "268435456\n").set("memory.current", "104857600\n")
                .set("cpu.max", "150000 100000\n")
                .set("io.stat", "8:0 rbytes=4096 wbytes=0 rios=1 wios=0 dbytes=0 dios=0\n");
        return c;
    }

    void assertHostFile(ProcFile f, long pid, RenderResult.Source source) throws Exception {
        assertHostFile(t.view(), f, pid, source);
    }

    void assertHostFile(ProcView v, ProcFile f, long pid, RenderResult.Source source) throws Exception {
        RenderResult r = v.render(f, pid);
        assertEquals(source, r.source(), f.toString());
        String hostRel = f == ProcFile.CPU_ONLINE ? "sys/devices/system/cpu/online" : "proc/" + f.path.substring(6);
        assertArrayEquals(t.read(hostRel).getBytes(java.nio.charset.StandardCharsets.ISO_8859_1), r.content(),
                () -> f + " was\n" + text(r));
        if (source == RenderResult.Source.FALLBACK) {
            assertNotNull(r.fallbackReason());
        }
    }

    static Stream<Arguments> layoutsAndFiles() {
        return Stream.of(CgroupLayout.Kind.values())
                .flatMap(kind -> Stream.of(ProcFile.values()).map(f -> Arguments.of(kind, f)));
    }

    @ParameterizedTest
    @MethodSource("layoutsAndFiles")
    void rootCgroupCallerGetsTheHostFileByteForByte(CgroupLayout.Kind kind, ProcFile f) throws Exception {
        t.withLayout(kind);
        t.process(1, FixtureTree.cgroupFile(kind, "/"), 1, 1);
        assertHostFile(f, 1, RenderResult.Source.HOST);
    }

    @ParameterizedTest
    @EnumSource(ProcFile.class)
    void pidZeroIsAFallback(ProcFile f) throws Exception {
        v2Container();
        assertHostFile(f, 0, RenderResult.Source.FALLBACK);
    }

    @ParameterizedTest
    @EnumSource(ProcFile.class)
    void vanishedCallerIsAFallback(ProcFile f) throws Exception {
        v2Container();
        assertHostFile(f, 99999, RenderResult.Source.FALLBACK);
    }

    @ParameterizedTest
    @EnumSource(ProcFile.class)
    void emptyProcCgroupFileIsAFallback(ProcFile f) throws Exception {
        v2Container();
        t.file("proc/" + PID + "/cgroup", "");
        assertHostFile(f, PID, RenderResult.Source.FALLBACK);
    }

    @ParameterizedTest
    @EnumSource(ProcFile.class)
    void passthroughServesHostFilesToContainers(ProcFile f) throws Exception {
        v2Container();
        ProcView v = t.view();
        assertEquals(RenderResult.Source.CONTAINER, v.render(f, PID).source());
        v.setPassthrough(true);
        assertHostFile(v, f, PID, RenderResult.Source.PASSTHROUGH);
        v.setPassthrough(false);
        assertEquals(RenderResult.Source.CONTAINER, v.render(f, PID).source());
    }

    @ParameterizedTest
    @EnumSource(ProcFile.class)
    void removedContainerCgroupIsAFallback(ProcFile f) throws Exception {
        v2Container();
        t.delete("sys/fs/cgroup" + CTR);
        if (f == ProcFile.CPUINFO || f == ProcFile.CPU_ONLINE) {
            // Nothing left to read for these: the pod's limits still apply (its cgroup exists).
            assertEquals(RenderResult.Source.CONTAINER, t.view().render(f, PID).source());
            return;
        }
        assertHostFile(f, PID, RenderResult.Source.FALLBACK);
    }

    /** One broken knob of the v2 container, and each file that reads it. {@code null} content: the file is missing. */
    static Stream<Arguments> brokenV2Knobs() {
        return Stream.of(
                Arguments.of("memory.max", "lots\n", List.of(ProcFile.MEMINFO, ProcFile.SWAPS)),
                Arguments.of("memory.stat", null, List.of(ProcFile.MEMINFO)),
                Arguments.of("memory.current", "1e9\n", List.of(ProcFile.MEMINFO)),
                Arguments.of("cpu.max", "150000", CPU_FILES),
                Arguments.of("cpu.max", "", CPU_FILES),
                Arguments.of("cpuset.cpus.effective", "0-x\n", CPU_FILES),
                Arguments.of("cpu.stat", "usage_usec 100\n", List.of(ProcFile.STAT, ProcFile.UPTIME)),
                Arguments.of("io.stat", "sda:x rbytes=1\n", List.of(ProcFile.DISKSTATS)))
                .flatMap(a -> ((List<?>) a.get()[2]).stream().map(f -> Arguments.of(a.get()[0], a.get()[1], f)));
    }

    static final List<ProcFile> CPU_FILES = List.of(ProcFile.CPUINFO, ProcFile.CPU_ONLINE, ProcFile.STAT, ProcFile.UPTIME);

    @ParameterizedTest(name = "{0} = {1}: {2}")
    @MethodSource("brokenV2Knobs")
    void aBrokenKnobIsAFallback(String knob, String content, ProcFile f) throws Exception {
        CgroupNode c = v2Container();
        if (content == null) {
            c.remove(knob);
        } else {
            c.set(knob, content);
        }
        assertHostFile(f, PID, RenderResult.Source.FALLBACK);
    }

    @Test
    void garbageAncestorMemoryMaxIsAFallback() throws Exception {
        v2Container();
        t.v2Cgroup("/kubepods/burstable/podf00").set("memory.max", "-1\n");
        assertHostFile(ProcFile.MEMINFO, PID, RenderResult.Source.FALLBACK);
    }

    @Test
    void garbageV1LimitIsAFallback() throws Exception {
        FixtureTree.V1Container c = t.v1Process(CgroupLayout.Kind.V1, CTR, PID);
        c.memory.set("memory.limit_in_bytes", "\n");
        assertHostFile(ProcFile.MEMINFO, PID, RenderResult.Source.FALLBACK);
    }

    @ParameterizedTest
    @EnumSource(value = ProcFile.class, names = {"CPUINFO", "CPU_ONLINE", "STAT", "UPTIME"})
    void garbageV1QuotaIsAFallback(ProcFile f) throws Exception {
        FixtureTree.V1Container c = t.v1Process(CgroupLayout.Kind.V1, CTR, PID);
        c.cpu.set("cpu.cfs_quota_us", "fast\n");
        assertHostFile(f, PID, RenderResult.Source.FALLBACK);
    }

    @ParameterizedTest
    @EnumSource(value = ProcFile.class, names = {"STAT", "UPTIME"})
    void garbageUsageAllIsAFallback(ProcFile f) throws Exception {
        FixtureTree.V1Container c = t.v1Process(CgroupLayout.Kind.V1, CTR, PID);
        c.cpuacct.set("cpuacct.usage_all", "cpu user system\n0 12 x\n1 1 1\n");
        assertHostFile(f, PID, RenderResult.Source.FALLBACK);
    }

    @Test
    void missingV1BlkioFilesIsAFallback() throws Exception {
        FixtureTree.V1Container c = t.v1Process(CgroupLayout.Kind.V1, CTR, PID);
        c.blkio.remove("blkio.throttle.io_serviced_recursive");
        assertHostFile(ProcFile.DISKSTATS, PID, RenderResult.Source.FALLBACK);
    }

    @Test
    void garbageProcStatOfTheContainerIsAFallbackForUptime() throws Exception {
        v2Container();
        t.taskStat(PID, "6100 (java) S 1 2\n");
        assertHostFile(ProcFile.UPTIME, PID, RenderResult.Source.FALLBACK);
    }

    @Test
    void oneBrokenContainerDoesNotAffectAnother() throws Exception {
        v2Container().set("memory.max", "garbage\n");
        String other = "/kubepods/besteffort/podbee/ctr";
        t.v2Cgroup(other).procs(PID + 1).threads(PID + 1).set("memory.max", "134217728\n");
        t.process(PID + 1, FixtureTree.cgroupV2(other), 900_000, 1);
        ProcView v = t.view();
        assertEquals(RenderResult.Source.FALLBACK, v.render(ProcFile.MEMINFO, PID).source());
        RenderResult ok = v.render(ProcFile.MEMINFO, PID + 1);
        assertEquals(RenderResult.Source.CONTAINER, ok.source());
        assertEquals("MemTotal:         131072 kB", text(ok).substring(0, text(ok).indexOf('\n')));
    }

    @Test
    void renderedValuesAreNeverNegative() throws Exception {
        // Usage far above the limit, swap used above swap limit, CPU used above capacity.
        t.hostSwap(1024, 1024);
        v2Container().set("memory.current", "999999999999\n").set("memory.swap.max", "1048576\n")
                .set("memory.swap.current", "99999999999\n")
                .set("cpu.stat", io.lxcfs.daemon.fixture.KernelFiles.cpuStatV2(9_999_999_999L, 9_999_999_999L, 0));
        ProcView v = t.view();
        for (ProcFile f : ProcFile.values()) {
            RenderResult r = v.render(f, PID);
            assertEquals(RenderResult.Source.CONTAINER, r.source(), f.toString());
            String s = text(r);
            assertEquals(false, s.matches("(?s).*[ \t:]-\\d.*"), () -> f + " has a negative number:\n" + s);
        }
    }
}
