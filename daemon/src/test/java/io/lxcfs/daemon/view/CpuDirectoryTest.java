package io.lxcfs.daemon.view;

import io.lxcfs.daemon.cgroup.CpuView;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.function.IntFunction;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The CPU directory per caller, on fixture trees laid out as the kernel's sysfs: an x86 host with SMT (4 CPUs,
 * threads 0+2 and 1+3 on two cores, as Intel numbers them; the boot CPU without an {@code online} file), one
 * without SMT, and an arm64 host with two clusters of four.
 */
class CpuDirectoryTest {

    @TempDir
    Path tmp;

    private static CpuView view(int... visible) {
        return new CpuView(visible, Double.NaN, visible);
    }

    /** Each {@code path, content} pair as the caller with view {@code v} reads it. */
    private static void assertReads(CpuDirectory dir, CpuView v, String... pathsAndContents) throws IOException {
        for (int i = 0; i < pathsAndContents.length; i += 2) {
            assertEquals(pathsAndContents[i + 1], read(dir, pathsAndContents[i], v), pathsAndContents[i]);
        }
    }

    // ------------------------------------------------------------------ fixtures

    /** Writes the top-level files and directories every host has. */
    private Path host(int cpus) throws IOException {
        Path d = Files.createDirectories(tmp.resolve("sys/devices/system/cpu"));
        String all = cpus == 1 ? "0" : "0-" + (cpus - 1);
        write(d.resolve("online"), all + "\n");
        write(d.resolve("possible"), all + "\n");
        write(d.resolve("present"), all + "\n");
        write(d.resolve("offline"), "\n");
        write(d.resolve("isolated"), "\n");
        write(d.resolve("kernel_max"), "8191\n");
        write(d.resolve("modalias"), "cpu:type:x86,ven0000fam0006mod003F:feature:,0000\n");
        write(d.resolve("uevent"), "");
        Files.setPosixFilePermissions(d.resolve("uevent"), PosixFilePermissions.fromString("rw-r--r--"));
        write(d.resolve("vulnerabilities/meltdown"), "Not affected\n");
        write(d.resolve("smt/active"), "1\n");
        write(d.resolve("cpufreq/policy0/affected_cpus"), "0\n");
        return d;
    }

    /** One CPU's directory: topology from the given masks (as host CPU sets), one cache level shared as given. */
    private void cpu(Path d, int n, boolean onlineFile, int[] thread, int[] core, int[] cluster, int[] cache, int coreId,
                     String maskLayout) throws IOException {
        Path c = d.resolve("cpu" + n);
        Path t = c.resolve("topology");
        write(t.resolve("core_id"), coreId + "\n");
        write(t.resolve("physical_package_id"), "0\n");
        write(t.resolve("die_id"), "0\n");
        write(t.resolve("cluster_id"), (cluster == null ? coreId : cluster[0]) + "\n");
        writeSet(t, "thread_siblings", thread, maskLayout);
        writeSet(t, "core_cpus", thread, maskLayout);
        writeSet(t, "core_siblings", core, maskLayout);
        writeSet(t, "package_cpus", core, maskLayout);
        writeSet(t, "die_cpus", core, maskLayout);
        writeSet(t, "cluster_cpus", cluster == null ? thread : cluster, maskLayout);
        Path cacheDir = c.resolve("cache/index2");
        write(cacheDir.resolve("level"), "2\n");
        write(cacheDir.resolve("size"), "1024K\n");
        write(cacheDir.resolve("shared_cpu_map"), mask(cache, maskLayout) + "\n");
        write(cacheDir.resolve("shared_cpu_list"), list(cache) + "\n");
        write(c.resolve("uevent"), "DRIVER=processor\n");
        if (onlineFile) {
            write(c.resolve("online"), "1\n");
        }
        Files.createSymbolicLink(c.resolve("subsystem"), Path.of("../../../../bus/cpu"));
        Files.createSymbolicLink(c.resolve("node0"), Path.of("../../node/node0"));
    }

    private void writeSet(Path topology, String name, int[] cpus, String maskLayout) throws IOException {
        write(topology.resolve(name), mask(cpus, maskLayout) + "\n");
        write(topology.resolve(name + "_list"), list(cpus) + "\n");
    }

    /** {@code maskLayout} is the host's mask of no CPU ("0", "00", "00000000,00000000"): digits per group. */
    private static String mask(int[] cpus, String maskLayout) {
        String[] groups = maskLayout.split(",");
        StringBuilder sb = new StringBuilder();
        for (int g = 0; g < groups.length; g++) {
            int low = (groups.length - 1 - g) * 32;
            long v = 0;
            for (int cpu : cpus) {
                if (cpu >= low && cpu < low + 32) {
                    v |= 1L << (cpu - low);
                }
            }
            String hex = Long.toHexString(v);
            sb.append(g == 0 ? "" : ",").append("0".repeat(Math.max(0, groups[g].length() - hex.length()))).append(hex);
        }
        return sb.toString();
    }

    private static String list(int[] cpus) {
        java.util.BitSet b = new java.util.BitSet();
        for (int c : cpus) {
            b.set(c);
        }
        return CpuDirectory.formatList(b);
    }

    private static void write(Path p, String content) throws IOException {
        Files.createDirectories(p.getParent());
        Files.writeString(p, content);
    }

    /** x86, 4 CPUs, SMT: threads 0+2 on core 0, 1+3 on core 1; one package; L2 per core. */
    private CpuDirectory x86Smt() throws IOException {
        Path d = host(4);
        for (int n = 0; n < 4; n++) {
            int[] thread = n % 2 == 0 ? new int[] {0, 2} : new int[] {1, 3};
            cpu(d, n, n != 0, thread, new int[] {0, 1, 2, 3}, null, thread, n % 2, "0");
        }
        return new CpuDirectory(d);
    }

    /** x86, 2 CPUs, no SMT. */
    private CpuDirectory x86NoSmt() throws IOException {
        Path d = host(2);
        for (int n = 0; n < 2; n++) {
            cpu(d, n, n != 0, new int[] {n}, new int[] {0, 1}, null, new int[] {n}, n, "0");
        }
        return new CpuDirectory(d);
    }

    /** arm64, 8 CPUs in clusters 0-3 and 4-7 (cluster_cpus, a shared L2 per cluster), every CPU with online. */
    private CpuDirectory arm64Clusters() throws IOException {
        Path d = host(8);
        for (int n = 0; n < 8; n++) {
            int[] cluster = n < 4 ? new int[] {0, 1, 2, 3} : new int[] {4, 5, 6, 7};
            cpu(d, n, true, new int[] {n}, new int[] {0, 1, 2, 3, 4, 5, 6, 7}, cluster, cluster, n, "00");
        }
        return new CpuDirectory(d);
    }

    private static String read(CpuDirectory dir, String rel, CpuView v) throws IOException {
        return new String(dir.read(rel, v), StandardCharsets.ISO_8859_1);
    }

    // ------------------------------------------------------------------ the host

    @Test
    void theHostSeesItsTreeUnchanged() throws IOException {
        CpuDirectory dir = x86Smt();
        assertEquals(List.of("cpu0", "cpu1", "cpu2", "cpu3", "cpufreq", "isolated", "kernel_max", "modalias", "offline",
                "online", "possible", "present", "smt", "uevent", "vulnerabilities"), dir.list("", null));
        assertEquals("0-3\n", read(dir, "possible", null));
        assertEquals("0,2\n", read(dir, "cpu2/topology/thread_siblings_list", null));
        assertEquals("5\n", read(dir, "cpu2/topology/thread_siblings", null));
        assertFalse(dir.list("cpu0", null).contains("online"), "the host's boot CPU has no online file");
        assertNull(dir.stat("cpu0/online", null));
    }

    // ------------------------------------------------------------------ a container

    @Test
    void aOneCpuContainerOnCpu1SeesOneCpuNumberedZero() throws IOException {
        CpuDirectory dir = x86Smt();
        CpuView v = view(1);
        assertEquals(List.of("cpu0", "cpufreq", "isolated", "kernel_max", "modalias", "offline", "online", "possible",
                "present", "smt", "uevent", "vulnerabilities"), dir.list("", v));
        for (String f : List.of("online", "possible", "present")) {
            assertEquals("0\n", read(dir, f, v), f);
        }
        assertEquals("\n", read(dir, "offline", v), "the kernel prints an empty list as a newline");
        assertNull(dir.stat("cpu1", v));
        assertNull(dir.list("cpu1", v));
        assertNull(dir.hostPath("cpu1/topology/core_id", v));
        assertThrows(IOException.class, () -> dir.read("cpu1/topology/core_id", v));
        // cpu0 is the host's cpu1: its core id (1) and its uevent, with only itself as sibling.
        assertEquals(tmp.resolve("sys/devices/system/cpu/cpu1/topology/core_id"), dir.hostPath("cpu0/topology/core_id", v));
        assertReads(dir, v,
                "cpu0/topology/core_id", "1\n",
                "cpu0/topology/thread_siblings_list", "0\n",
                "cpu0/topology/thread_siblings", "1\n",
                "cpu0/topology/core_siblings_list", "0\n",
                "cpu0/topology/package_cpus", "1\n",
                "cpu0/cache/index2/shared_cpu_list", "0\n",
                "cpu0/cache/index2/shared_cpu_map", "1\n",
                "cpu0/cache/index2/size", "1024K\n",
                "cpu0/online", "1\n");
        assertTrue(dir.list("cpu0", v).contains("online"));
        // Passed through as the host has them.
        assertReads(dir, v,
                "vulnerabilities/meltdown", "Not affected\n",
                "kernel_max", "8191\n",
                "cpufreq/policy0/affected_cpus", "0\n");
        assertEquals("../../../../bus/cpu", dir.readlink("cpu0/subsystem", v));
        assertEquals(CpuDirectory.Kind.SYMLINK, dir.stat("cpu0/node0", v).kind());
    }

    @Test
    void nothingIsWritableAndDirectoriesStaySearchable() throws IOException {
        CpuDirectory dir = x86Smt();
        CpuView v = view(0, 1);
        assertEquals(new CpuDirectory.Node(CpuDirectory.Kind.FILE, 0444), dir.stat("uevent", v), "host 0644");
        assertEquals(new CpuDirectory.Node(CpuDirectory.Kind.FILE, 0444), dir.stat("online", v));
        assertEquals(CpuDirectory.Kind.DIRECTORY, dir.stat("cpu1/topology", v).kind());
        assertEquals(0555, dir.stat("cpu1/topology", v).mode());
    }

    @Test
    void smtSiblingsInTheCpusetStaySiblingsRenumbered() throws IOException {
        CpuDirectory dir = x86Smt();
        CpuView v = view(0, 2); // two threads of core 0
        assertEquals(List.of("cpu0", "cpu1"), dir.list("", v).subList(0, 2));
        for (String cpu : List.of("cpu0", "cpu1")) {
            assertEquals("0-1\n", read(dir, cpu + "/topology/thread_siblings_list", v), cpu);
            assertEquals("3\n", read(dir, cpu + "/topology/thread_siblings", v), cpu);
            assertEquals("0-1\n", read(dir, cpu + "/topology/core_siblings_list", v), cpu);
            assertEquals("0\n", read(dir, cpu + "/topology/core_id", v), cpu);
        }
        assertEquals("0-1\n", read(dir, "online", v));
    }

    @Test
    void oneThreadOfEachCoreHasNoSiblings() throws IOException {
        CpuDirectory dir = x86Smt();
        CpuView v = view(0, 1); // cores 0 and 1, one thread each
        assertReads(dir, v,
                "cpu0/topology/thread_siblings_list", "0\n",
                "cpu1/topology/thread_siblings_list", "1\n",
                "cpu1/topology/thread_siblings", "2\n",
                "cpu1/topology/core_id", "1\n",
                "cpu1/topology/core_siblings_list", "0-1\n",
                "cpu1/topology/core_siblings", "3\n");
    }

    @Test
    void withoutSmtEachCpuIsItsOwnCore() throws IOException {
        CpuDirectory dir = x86NoSmt();
        CpuView v = view(1);
        assertEquals(List.of("cpu0"), dir.list("", v).stream().filter(n -> n.matches("cpu[0-9]+")).toList());
        assertReads(dir, v,
                "cpu0/topology/core_cpus_list", "0\n",
                "cpu0/topology/core_cpus", "1\n",
                "cpu0/topology/die_cpus", "1\n",
                "cpu0/topology/die_cpus_list", "0\n");
    }

    @Test
    void arm64ClustersAreRenumberedInTheHostsMaskLayout() throws IOException {
        CpuDirectory dir = arm64Clusters();
        CpuView v = view(3, 4, 5); // the last CPU of cluster 0, two of cluster 1
        assertEquals(List.of("cpu0", "cpu1", "cpu2"), dir.list("", v).stream().filter(n -> n.matches("cpu[0-9]+")).toList());
        assertEquals("0\n", read(dir, "cpu0/topology/cluster_cpus_list", v));
        assertEquals("01\n", read(dir, "cpu0/topology/cluster_cpus", v), "two digits, as the host's mask");
        assertReads(dir, v,
                "cpu1/topology/cluster_cpus_list", "1-2\n",
                "cpu2/topology/cluster_cpus", "06\n",
                "cpu2/cache/index2/shared_cpu_map", "06\n",
                "cpu2/topology/package_cpus_list", "0-2\n");
        assertEquals("1\n", read(dir, "cpu2/online", v), "the host's cpu5/online");
        assertEquals("0-2\n", read(dir, "present", v));
    }

    @Test
    void masksKeepTheHostsGroupsOfThirtyTwoBits() {
        // nr_cpu_ids = 40: "000000ff,ffffffff"; the container has host CPUs 31, 32 and 39.
        CpuView v = view(31, 32, 39);
        assertEquals("00,00000007", CpuDirectory.renumberMask("ff,ffffffff", v));
        assertEquals("00,00000005", CpuDirectory.renumberMask("80,80000001", v), "host CPU 0 is not the container's");
        assertEquals("00000000,00000000", CpuDirectory.renumberMask("00000000,00000000", v));
    }

    @Test
    void listsAsTheKernelPrintsThem() {
        IntFunction<java.util.BitSet> bits = n -> {
            java.util.BitSet b = new java.util.BitSet();
            b.set(0, n);
            return b;
        };
        assertEquals("0", CpuDirectory.formatList(bits.apply(1)));
        assertEquals("0-1", CpuDirectory.formatList(bits.apply(2)));
        java.util.BitSet b = bits.apply(3);
        b.set(5);
        b.set(7, 9);
        assertEquals("0-2,5,7-8", CpuDirectory.formatList(b));
        assertEquals("", CpuDirectory.formatList(new java.util.BitSet()));
    }

    @Test
    void namesThatLeaveTheDirectoryDoNotExist() throws IOException {
        CpuDirectory dir = x86Smt();
        List<String> bad = new ArrayList<>(List.of("../cpu", "cpu0/../../x", "./online", "cpu0//online"));
        for (String rel : bad) {
            assertNull(dir.hostPath(rel, view(0)), rel);
            assertNull(dir.stat(rel, view(0)), rel);
            assertNull(dir.hostPath(rel, null), rel);
        }
    }
}
