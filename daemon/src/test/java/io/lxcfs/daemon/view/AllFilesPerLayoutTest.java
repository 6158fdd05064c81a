package io.lxcfs.daemon.view;

import io.lxcfs.daemon.cgroup.CgroupLayout;
import io.lxcfs.daemon.fixture.FixtureTree;
import io.lxcfs.daemon.fuse.FileSizes;
import io.lxcfs.daemon.fixture.KernelFiles;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import static io.lxcfs.daemon.fixture.FixtureTree.text;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The same container (512 MiB, 1.5 CPUs, cpuset 0-3, 2 R + 1 D threads, I/O on sda) on every layout and
 * driver: all eight files are the container's, well formed and mutually consistent.
 */
class AllFilesPerLayoutTest {

    static final String CGROUPFS = "/kubepods/burstable/pod5a7e/1b2c3d";
    static final String SYSTEMD = "/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod5a7e_11.slice/"
            + "cri-containerd-1b2c3d.scope";
    static final long PID = 9000;

    static FixtureTree build(CgroupLayout.Kind kind, String path) {
        FixtureTree t = FixtureTree.inMemory().withLayout(kind);
        t.exampleContainer(path, new long[] {PID}, new long[] {PID, PID + 1, PID + 2, PID + 3});
        t.thread(PID + 1, 'R').thread(PID + 2, 'R').thread(PID + 3, 'D');
        return t;
    }

    @ParameterizedTest
    @EnumSource(CgroupLayout.Kind.class)
    void cgroupfsDriver(CgroupLayout.Kind kind) throws Exception {
        check(build(kind, CGROUPFS), kind);
    }

    @ParameterizedTest
    @EnumSource(CgroupLayout.Kind.class)
    void systemdDriver(CgroupLayout.Kind kind) throws Exception {
        check(build(kind, SYSTEMD), kind);
    }

    void check(FixtureTree t, CgroupLayout.Kind kind) throws Exception {
        assertEquals(kind, t.layout().kind());
        ProcView v = t.view();
        FileSizes fromHostOnly = new FileSizes();
        for (ProcFile f : ProcFile.values()) {
            fromHostOnly.seen(f, v.hostFile(f).length());
        }
        for (ProcFile f : ProcFile.values()) {
            RenderResult r = v.render(f, PID);
            assertEquals(RenderResult.Source.CONTAINER, r.source(), () -> f + ": " + r.fallbackReason());
            // st_size, sized from the host's files alone, is never smaller than the container's file.
            assertTrue(r.content().length <= fromHostOnly.size(f), () -> f + ": " + r.content().length);
        }
        assertTrue(text(v.render(ProcFile.MEMINFO, PID)).startsWith(
                "MemTotal:         524288 kB\nMemFree:          393216 kB\nMemAvailable:     393216 kB\n"));
        assertEquals("0-1\n", text(v.render(ProcFile.CPU_ONLINE, PID)));
        assertEquals(2, text(v.render(ProcFile.CPUINFO, PID)).split("\nsiblings\t: 2\n", -1).length - 1);
        // 4000 user + 1000 system ticks over 2 CPUs; 1000 s at 0.75 CPU each = 75000 possible per CPU.
        String stat = text(v.render(ProcFile.STAT, PID));
        assertTrue(stat.startsWith("cpu  4000 0 1000 145000 0 0 0 0 0 0\ncpu0 2000 0 500 72500 0 0 0 0 0 0\n"
                + "cpu1 2000 0 500 72500 0 0 0 0 0 0\nintr "), stat);
        // 3 running: two R threads plus the reader (PID), which waits in our FUSE read.
        assertTrue(stat.contains("\nprocs_running 3\nprocs_blocked 1\n"), stat);
        assertEquals("1000.00 1450.00\n", text(v.render(ProcFile.UPTIME, PID)));
        // First sample at 3 active (2 R + 1 D): 3*2048*164 + 2047 = 1009663, / 2048 = 492 -> "0.24"; 103, 33.
        assertEquals("0.24 0.05 0.02 3/4 " + (PID + 3) + "\n", text(v.render(ProcFile.LOADAVG, PID)));
        assertEquals(SwapsRenderer.HEADER, text(v.render(ProcFile.SWAPS, PID)));
        assertEquals("   8       0 sda 16 0 2048 0 0 0 0 0 0 0 0 0 0 0 0 0 0\n", text(v.render(ProcFile.DISKSTATS, PID)));
    }

    @Test
    void bigHostCpuinfoAndCpuset() throws Exception {
        // 64 CPUs: a cpuinfo of ~100 KB, larger than the file source's initial buffer.
        FixtureTree t = FixtureTree.inMemory();
        StringBuilder big = new StringBuilder();
        for (int i = 0; i < 64; i++) {
            big.append(KernelFiles.cpuinfoBlock(i).replace("siblings\t: 4", "siblings\t: 64")
                    .replace("cpu cores\t: 2", "cpu cores\t: 32"));
        }
        t.file("proc/cpuinfo", big.toString()).file("sys/devices/system/cpu/online", "0-63\n");
        t.v2();
        t.v2Cgroup(CGROUPFS).procs(PID).threads(PID).set("cpuset.cpus.effective", "10-11,40\n");
        t.process(PID, FixtureTree.cgroupV2(CGROUPFS), 900_000, 1);
        String cpuinfo = text(t.view().render(ProcFile.CPUINFO, PID));
        assertTrue(big.length() > 16384 * 4);
        String expected = (KernelFiles.cpuinfoBlock(10).replace("processor\t: 10", "processor\t: 0")
                + KernelFiles.cpuinfoBlock(11).replace("processor\t: 11", "processor\t: 1")
                + KernelFiles.cpuinfoBlock(40).replace("processor\t: 40", "processor\t: 2"))
                .replace("siblings\t: 4", "siblings\t: 3").replace("cpu cores\t: 2", "cpu cores\t: 3");
        assertEquals(expected, cpuinfo);
        assertEquals("0-2\n", text(t.view().render(ProcFile.CPU_ONLINE, PID)));
    }
}
