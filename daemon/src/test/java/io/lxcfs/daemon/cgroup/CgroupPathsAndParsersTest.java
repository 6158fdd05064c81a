package io.lxcfs.daemon.cgroup;

import org.junit.jupiter.api.Test;

import java.util.BitSet;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** The small lexical pieces: cgroup paths, /proc/<pid>/cgroup, cpu lists, flat-keyed files, limits. */
class CgroupPathsAndParsersTest {

    @Test
    void normalizeCollapsesDotsAndSlashes() {
        assertEquals("/", CgroupPath.normalize("/"));
        assertEquals("/", CgroupPath.normalize(""));
        assertEquals("/a/b", CgroupPath.normalize("//a/./b/"));
        assertEquals("/kubepods/burstable/podx/ctr",
                CgroupPath.normalize("/kubepods/besteffort/pody/ctry/../../../burstable/podx/ctr"));
        assertEquals("/x", CgroupPath.normalize("/../../x"), "a hierarchy root has no parent");
    }

    @Test
    void parentOfNormalizedPaths() {
        assertNull(CgroupPath.parent("/"));
        assertEquals("/", CgroupPath.parent("/kubepods"));
        assertEquals("/kubepods", CgroupPath.parent("/kubepods/burstable"));
    }

    @Test
    void cgroupDirAncestorsEndAtTheRoot() {
        CgroupHierarchy h = new CgroupHierarchy("/sys/fs/cgroup", true, "/");
        CgroupDir d = h.dirFor("/kubepods/pod1/c1");
        assertEquals("/sys/fs/cgroup/kubepods/pod1/c1/memory.max", d.file("memory.max"));
        assertEquals(java.util.List.of("/kubepods/pod1/c1", "/kubepods/pod1", "/kubepods", "/"),
                d.selfAndAncestors().stream().map(CgroupDir::path).toList());
        assertEquals("/sys/fs/cgroup", h.dirFor("/").absolute());
    }

    @Test
    void dirForAppliesTheNamespaceRoot() {
        CgroupHierarchy h = new CgroupHierarchy("/host/cg", true, "/kubepods/besteffort/podd/ctrd");
        assertEquals("/host/cg/kubepods/burstable/podx/ctrx", h.dirFor("/../../../burstable/podx/ctrx").absolute());
        assertEquals("/host/cg/kubepods/besteffort/podd/ctrd", h.dirFor("/").absolute());
    }

    @Test
    void procCgroupFileV1LinesPerController() {
        ProcCgroupFile f = ProcCgroupFile.parse("12:pids:/a\n9:cpuset:/b\n4:memory:/c\n2:cpu,cpuacct:/d\n"
                + "1:name=systemd:/e\n0::/f\n");
        assertEquals("/c", f.v1Path("memory"));
        assertEquals("/d", f.v1Path("cpu"));
        assertEquals("/d", f.v1Path("cpuacct"));
        assertEquals("/b", f.v1Path("cpuset"));
        assertNull(f.v1Path("blkio"));
        assertNull(f.v1Path("systemd"), "name=systemd is not a controller called systemd");
        assertEquals("/f", f.unifiedPath());
    }

    @Test
    void procCgroupFileV2AndPathsWithColons() {
        ProcCgroupFile f = ProcCgroupFile.parse("0::/system.slice/x:y.service\n");
        assertEquals("/system.slice/x:y.service", f.unifiedPath());
        assertNull(f.v1Path("memory"));
        assertNull(ProcCgroupFile.parse("4:memory:/a\n").unifiedPath());
    }

    @Test
    void emptyOrGarbageProcCgroupFileIsRejected() {
        assertThrows(IllegalArgumentException.class, () -> ProcCgroupFile.parse(""));
        assertThrows(IllegalArgumentException.class, () -> ProcCgroupFile.parse("garbage\n"));
    }

    @Test
    void cpuListFormats() {
        BitSet s = CpuList.parse("0-3,8,10-11\n");
        assertEquals("{0, 1, 2, 3, 8, 10, 11}", s.toString());
        assertEquals("{5}", CpuList.parse("5").toString());
        assertEquals(0, CpuList.parse("\n").cardinality());
        assertThrows(IllegalArgumentException.class, () -> CpuList.parse("3-1"));
        assertThrows(NumberFormatException.class, () -> CpuList.parse("0-x"));
        assertEquals("0", CpuList.firstN(1));
        assertEquals("0-1", CpuList.firstN(2));
        assertEquals("0-63", CpuList.firstN(64));
    }

    @Test
    void flatKeyedParsesKernelFiles() {
        Map<String, Long> m = FlatKeyed.parse("usage_usec 100\nuser_usec 60\nsystem_usec 40\nbad x\n\nnr_bursts 0");
        assertEquals(100L, m.get("usage_usec"));
        assertEquals(0L, m.get("nr_bursts"));
        assertNull(m.get("bad"));
        assertEquals(4, m.size());
    }

    @Test
    void flatKeyedNeverReturnsNegativeNumbers() {
        assertEquals(Long.MAX_VALUE, FlatKeyed.parseSingle("9223372036854775807\n"));
        assertNull(FlatKeyed.parseSingle("9223372036854775808\n"), "must not wrap to a negative number");
        assertNull(FlatKeyed.parseSingle("9999999999999999999"));
        assertNull(FlatKeyed.parseSingle("-1\n"));
        assertNull(FlatKeyed.parseSingle("max\n"));
        assertNull(FlatKeyed.parseSingle(null));
        assertNull(FlatKeyed.parse("pgfault 9999999999999999999\n").get("pgfault"));
    }

    @Test
    void byteLimits() {
        assertNull(Limits.byteLimit("max\n"));
        assertNull(Limits.byteLimit(null), "absent file (v2 root) is no limit");
        assertNull(Limits.byteLimit("9223372036854771712\n"), "v1 PAGE_COUNTER_MAX is no limit");
        assertNull(Limits.byteLimit("18446744073709551615\n"), "ULONG_MAX is no limit");
        assertEquals(268435456L, Limits.byteLimit("268435456\n"));
        assertEquals(0L, Limits.byteLimit("0\n"));
        assertThrows(IllegalArgumentException.class, () -> Limits.byteLimit("lots\n"));
        assertThrows(IllegalArgumentException.class, () -> Limits.byteLimit("\n"));
        assertThrows(IllegalArgumentException.class, () -> Limits.byteLimit("-1\n"));
        assertEquals(3L, Limits.min(5L, 3L));
        assertEquals(5L, Limits.min(null, 5L));
        assertEquals(5L, Limits.min(5L, null));
        assertNull(Limits.min(null, null));
    }
}
