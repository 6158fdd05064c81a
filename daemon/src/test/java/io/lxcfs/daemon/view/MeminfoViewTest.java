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
import org.junit.jupiter.params.provider.EnumSource;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static io.lxcfs.daemon.fixture.Asserts.assertHas;
import static io.lxcfs.daemon.fixture.Asserts.assertStarts;
import static org.junit.jupiter.api.Assertions.assertEquals;

@ExtendWith(FixtureHostExtension.class)
class MeminfoViewTest {

    static final String POD = "/kubepods/burstable/pod0f2c4c1e-4b1f-4bd5-9d43-8f0e6f3b2a11";
    static final String CTR = POD + "/3f9d1c0b6f5e4a2d8c7b6a5f4e3d2c1b0a9f8e7d6c5b4a3f2e1d0c9b8a7f6e5d";
    static final long PID = 4242;

    FixtureTree t;

    /** The v2 container of the examples: 256 MiB limit, 100 MiB used, a typical memory.stat. */
    CgroupNode v2Container() {
        CgroupNode c = t.v2Process(CTR, PID);
        c.set("memory.max", "268435456\n");
        c.set("memory.current", "104857600\n");
        c.set("memory.stat", KernelFiles.memoryStatV2(v2Stat()));
        return c;
    }

    static Map<String, Long> v2Stat() {
        Map<String, Long> s = new LinkedHashMap<>();
        s.put("anon", 52428800L);
        s.put("file", 41943040L);
        s.put("kernel", 4194304L);
        s.put("kernel_stack", 327680L);
        s.put("pagetables", 655360L);
        s.put("shmem", 1048576L);
        s.put("file_mapped", 8388608L);
        s.put("file_dirty", 135168L);
        s.put("file_writeback", 4096L);
        s.put("anon_thp", 2097152L);
        s.put("inactive_anon", 48234496L);
        s.put("active_anon", 4194304L);
        s.put("inactive_file", 20971520L);
        s.put("active_file", 20971520L);
        s.put("unevictable", 65536L);
        s.put("slab_reclaimable", 2097152L);
        s.put("slab_unreclaimable", 1048576L);
        s.put("slab", 3145728L);
        return s;
    }

    /** As a fresh daemon shows it (each call a new view: tests change the fixture between calls). */
    String meminfo() throws Exception {
        t.restartDaemon();
        return t.containerFile(ProcFile.MEMINFO, PID);
    }

    /** The host's meminfo with the given lines replaced verbatim; asserts each label exists once. */
    static String hostWith(String host, String... lines) {
        return String.join("\n", replaced(host.split("\n"), lines)) + "\n";
    }

    static final String[] V2_EXAMPLE_LINES = {
        "MemTotal:         262144 kB",
        "MemFree:          159744 kB",
        "MemAvailable:     202752 kB",
        "Buffers:               0 kB",
        "Cached:            40960 kB",
        "SwapCached:            0 kB",
        "Active:            24576 kB",
        "Inactive:          67584 kB",
        "Active(anon):       4096 kB",
        "Inactive(anon):    47104 kB",
        "Active(file):      20480 kB",
        "Inactive(file):    20480 kB",
        "Unevictable:          64 kB",
        "SwapTotal:             0 kB",
        "SwapFree:              0 kB",
        "Dirty:               132 kB",
        "Writeback:             4 kB",
        "AnonPages:         51200 kB",
        "Mapped:             8192 kB",
        "Shmem:              1024 kB",
        "Slab:               3072 kB",
        "SReclaimable:       2048 kB",
        "SUnreclaim:         1024 kB",
        "KernelStack:         320 kB",
        "PageTables:          640 kB",
        "AnonHugePages:      2048 kB",
    };

    @Test
    void v2WithLimitIsTheHostFileWithTheContainersLinesByteForByte() throws Exception {
        v2Container();
        String host = t.read("proc/meminfo");
        assertEquals(hostWith(host, V2_EXAMPLE_LINES), meminfo());
    }

    @Test
    void v2KeepsHostOnlyLinesAndLineOrder() throws Exception {
        v2Container();
        String[] host = t.read("proc/meminfo").split("\n");
        String[] view = meminfo().split("\n");
        assertEquals(host.length, view.length);
        for (int i = 0; i < host.length; i++) {
            assertEquals(host[i].substring(0, host[i].indexOf(':')), view[i].substring(0, view[i].indexOf(':')));
        }
        String v = String.join("\n", view);
        assertHas(v, "\nVmallocTotal:   34359738367 kB\n");
        assertHas(v, "\nHugePages_Total:       0\n");
        assertHas(v, "\nHugepagesize:       2048 kB\n");
    }

    @Test
    void v2WithoutAnyLimitShowsHostMemTotal() throws Exception {
        v2Container().set("memory.max", "max\n");
        String v = meminfo();
        assertStarts(v, "MemTotal:       16318504 kB\nMemFree:        16216104 kB\n");
    }

    @Test
    void podLevelLimitBindsAnUnlimitedContainer() throws Exception {
        v2Container().set("memory.max", "max\n");
        t.v2Cgroup(POD).set("memory.max", "536870912\n");
        assertStarts(meminfo(), "MemTotal:         524288 kB\nMemFree:          421888 kB\n");
    }

    @Test
    void limitIsTheMinimumOverAllAncestors() throws Exception {
        v2Container().set("memory.max", "1073741824\n");
        t.v2Cgroup(POD).set("memory.max", "805306368\n");
        t.v2Cgroup("/kubepods").set("memory.max", "536870912\n");
        t.v2Cgroup("/kubepods/burstable").set("memory.max", "max\n");
        assertStarts(meminfo(), "MemTotal:         524288 kB\n");
    }

    @Test
    void limitAboveHostMemoryShowsHostMemTotal() throws Exception {
        v2Container().set("memory.max", "68719476736\n");
        assertStarts(meminfo(), "MemTotal:       16318504 kB\n");
    }

    @Test
    void usageAboveLimitClampsMemFreeAtZero() throws Exception {
        v2Container().set("memory.current", "300000000\n");
        String v = meminfo();
        assertHas(v, "\nMemFree:               0 kB\n");
        // MemAvailable = 0 + reclaimable file and slab, never negative.
        assertHas(v, "\nMemAvailable:      43008 kB\n");
    }

    @Test
    void memAvailableNeverExceedsMemTotal() throws Exception {
        Map<String, Long> s = new LinkedHashMap<>(v2Stat());
        s.put("active_file", 268435456L);
        v2Container().set("memory.current", "0\n").set("memory.stat", KernelFiles.memoryStatV2(s));
        assertHas(meminfo(), "\nMemAvailable:     262144 kB\n");
    }

    @Test
    void v2SlabIsSummedWhenTheKernelHasNoSlabKey() throws Exception {
        Map<String, Long> s = new LinkedHashMap<>(v2Stat());
        s.remove("slab");
        String stat = KernelFiles.memoryStatV2(s).replace("slab 0\n", "");
        v2Container().set("memory.stat", stat);
        assertHas(meminfo(), "\nSlab:               3072 kB\n");
    }

    // ---------------------------------------------------------------- swap (v2)

    @Test
    void hostWithoutSwapShowsNoSwapWhateverTheCgroupSays() throws Exception {
        v2Container().set("memory.swap.max", "104857600\n").set("memory.swap.current", "0\n");
        String v = meminfo();
        assertHas(v, "\nSwapTotal:             0 kB\nSwapFree:              0 kB\n");
    }

    /** A host with 2 GiB of swap; empty cells leave the kernel's default ({@code max}, nothing used). */
    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
        "limit and usage                  | 104857600 | 10485760 |          | 102400  | 92160",
        "unlimited shows the host's total |           | 10485760 |          | 2097148 | 2086908",
        "a limit on the pod only          |           |          | 52428800 | 51200   | 51200",
        "disabled for the pod is zero     | 0         |          |          | 0       | 0",
        "used above the limit: free is 0  | 1048576   | 10485760 |          | 1024    | 0"})
    void v2Swap(String what, String swapMax, String swapCurrent, String podSwapMax, long totalKb, long freeKb)
            throws Exception {
        t.hostSwap(2097148, 2000000);
        CgroupNode c = v2Container();
        if (swapMax != null) {
            c.set("memory.swap.max", swapMax + "\n");
        }
        if (swapCurrent != null) {
            c.set("memory.swap.current", swapCurrent + "\n");
        }
        if (podSwapMax != null) {
            t.v2Cgroup(POD).set("memory.swap.max", podSwapMax + "\n");
        }
        assertHas(meminfo(), String.format("%nSwapTotal:      %8d kB%nSwapFree:       %8d kB%n", totalKb, freeKb)
                .replace(System.lineSeparator(), "\n"));
    }

    // ---------------------------------------------------------------- v1 and hybrid

    FixtureTree.V1Container v1Container(CgroupLayout.Kind layout) {
        FixtureTree.V1Container c = t.v1Process(layout, CTR, PID);
        c.memory.set("memory.limit_in_bytes", "268435456\n");
        c.memory.set("memory.usage_in_bytes", "104857600\n");
        Map<String, Long> s = new LinkedHashMap<>();
        s.put("total_cache", 41943040L);
        s.put("total_rss", 52428800L);
        s.put("total_rss_huge", 2097152L);
        s.put("total_shmem", 1048576L);
        s.put("total_mapped_file", 8388608L);
        s.put("total_dirty", 135168L);
        s.put("total_writeback", 4096L);
        s.put("total_inactive_anon", 48234496L);
        s.put("total_active_anon", 4194304L);
        s.put("total_inactive_file", 20971520L);
        s.put("total_active_file", 20971520L);
        s.put("total_unevictable", 65536L);
        c.memory.set("memory.stat", KernelFiles.memoryStatV1(s));
        c.memory.set("memory.memsw.limit_in_bytes", KernelFiles.V1_UNLIMITED + "\n");
        c.memory.set("memory.memsw.usage_in_bytes", "104857600\n");
        return c;
    }

    /**
     * The same container on v1: its memory.stat has no kernel, slab or page-table keys, so those show 0 and
     * MemAvailable has no reclaimable slab to add.
     */
    static final String[] V1_EXAMPLE_LINES = replaced(V2_EXAMPLE_LINES,
            "MemAvailable:     200704 kB",
            "Slab:                  0 kB",
            "SReclaimable:          0 kB",
            "SUnreclaim:            0 kB",
            "KernelStack:           0 kB",
            "PageTables:            0 kB");

    /** {@code lines} with each of {@code replacements} in place of the line with its label; asserts each label exists once. */
    static String[] replaced(String[] lines, String... replacements) {
        String[] out = lines.clone();
        for (String r : replacements) {
            String label = r.substring(0, r.indexOf(':') + 1);
            int hits = 0;
            for (int i = 0; i < out.length; i++) {
                if (out[i].startsWith(label)) {
                    out[i] = r;
                    hits++;
                }
            }
            assertEquals(1, hits, label);
        }
        return out;
    }

    /** Hybrid hosts read the v1 memory controller as v1 hosts do. */
    @ParameterizedTest
    @EnumSource(value = CgroupLayout.Kind.class, names = {"V1", "HYBRID"})
    void v1UsesTheTotalKeysOfMemoryStat(CgroupLayout.Kind layout) throws Exception {
        v1Container(layout);
        assertEquals(hostWith(t.read("proc/meminfo"), V1_EXAMPLE_LINES), meminfo());
    }

    @Test
    void v1HugeLimitMeansNoLimit() throws Exception {
        v1Container(CgroupLayout.Kind.V1).memory.set("memory.limit_in_bytes", KernelFiles.V1_UNLIMITED + "\n");
        assertStarts(meminfo(), "MemTotal:       16318504 kB\nMemFree:        16216104 kB\n");
    }

    @Test
    void v1PodLevelLimit() throws Exception {
        v1Container(CgroupLayout.Kind.V1).memory.set("memory.limit_in_bytes", KernelFiles.V1_UNLIMITED + "\n");
        t.v1Cgroup(FixtureTree.V1_MEMORY, POD).set("memory.limit_in_bytes", "536870912\n");
        assertStarts(meminfo(), "MemTotal:         524288 kB\n");
    }

    @Test
    void v1SwapIsMemswMinusMemory() throws Exception {
        t.hostSwap(2097148, 2000000);
        FixtureTree.V1Container c = v1Container(CgroupLayout.Kind.V1);
        c.memory.set("memory.memsw.limit_in_bytes", "402653184\n");   // 384 MiB = 256 MiB + 128 MiB swap
        c.memory.set("memory.memsw.usage_in_bytes", "115343360\n");   // 110 MiB = 100 MiB + 10 MiB swapped
        assertHas(meminfo(), "\nSwapTotal:        131072 kB\nSwapFree:         120832 kB\n");
    }

    @Test
    void v1UnlimitedMemswShowsHostSwap() throws Exception {
        t.hostSwap(2097148, 2000000);
        v1Container(CgroupLayout.Kind.V1);
        assertHas(meminfo(), "\nSwapTotal:       2097148 kB\nSwapFree:        2097148 kB\n");
    }

    @Test
    void v1WithoutSwapAccountingShowsHostSwap() throws Exception {
        t.hostSwap(2097148, 2000000);
        FixtureTree.V1Container c = v1Container(CgroupLayout.Kind.V1);
        c.memory.remove("memory.memsw.limit_in_bytes").remove("memory.memsw.usage_in_bytes");
        assertHas(meminfo(), "\nSwapTotal:       2097148 kB\nSwapFree:        2097148 kB\n");
    }

    @Test
    void systemdDriverPathsWork() throws Exception {
        String pod = "/kubepods.slice/kubepods-burstable.slice/"
                + "kubepods-burstable-pod0f2c4c1e_4b1f_4bd5_9d43_8f0e6f3b2a11.slice";
        String ctr = pod + "/cri-containerd-3f9d1c0b6f5e4a2d8c7b6a5f4e3d2c1b0a9f8e7d6c5b4a3f2e1d0c9b8a7f6e5d.scope";
        t.v2();
        t.v2Cgroup(ctr).procs(PID).threads(PID).set("memory.current", "104857600\n")
                .set("memory.stat", KernelFiles.memoryStatV2(v2Stat()));
        t.v2Cgroup(pod).set("memory.max", "268435456\n");
        t.process(PID, FixtureTree.cgroupV2(ctr), 900_000, 1);
        assertEquals(hostWith(t.read("proc/meminfo"), V2_EXAMPLE_LINES), meminfo());
    }

    @Test
    void systemdDriverPathsWorkOnV1() throws Exception {
        String pod = "/kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod77aa_bb.slice";
        String ctr = pod + "/crio-0123456789abcdef.scope";
        t.v1();
        t.v1Container(ctr).procs(PID);
        t.v1Cgroup(FixtureTree.V1_MEMORY, ctr).set("memory.usage_in_bytes", "1048576\n");
        t.v1Cgroup(FixtureTree.V1_MEMORY, pod).set("memory.limit_in_bytes", "134217728\n");
        t.process(PID, FixtureTree.cgroupV1(ctr), 900_000, 1);
        assertStarts(meminfo(), "MemTotal:         131072 kB\nMemFree:          130048 kB\n");
    }
}
