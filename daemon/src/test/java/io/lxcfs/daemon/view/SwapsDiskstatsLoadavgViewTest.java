package io.lxcfs.daemon.view;

import io.lxcfs.daemon.cgroup.CgroupLayout;
import io.lxcfs.daemon.fixture.CgroupNode;
import io.lxcfs.daemon.fixture.FixtureHostExtension;
import io.lxcfs.daemon.fixture.FixtureTree;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** /proc/swaps, /proc/diskstats and /proc/loadavg through the whole view. */
@ExtendWith(FixtureHostExtension.class)
class SwapsDiskstatsLoadavgViewTest {

    static final String CTR = "/kubepods/besteffort/pod99/ctr1";
    static final long PID = 3100;

    FixtureTree t;

    String render(ProcFile f) throws Exception {
        return t.containerFile(f, PID);
    }

    CgroupNode v2() {
        CgroupNode c = t.v2Process(CTR, PID)
                .set("memory.max", "268435456\n").set("memory.current", "104857600\n");
        return c;
    }

    // ---------------------------------------------------------------- swaps

    static final String HEADER = "Filename\t\t\t\tType\t\tSize\t\tUsed\t\tPriority\n";

    @Test
    void swapsIsHeaderOnlyWithoutHostSwap() throws Exception {
        v2().set("memory.swap.max", "104857600\n");
        assertEquals(HEADER, render(ProcFile.SWAPS));
    }

    @Test
    void swapsIsHeaderOnlyWhenTheContainerMayNotSwap() throws Exception {
        t.hostSwap(2097148, 2097148);
        v2().set("memory.swap.max", "0\n");
        assertEquals(HEADER, render(ProcFile.SWAPS));
    }

    @Test
    void swapsShowsOneVirtualLineInTheKernelsColumns() throws Exception {
        t.hostSwap(2097148, 2097148);
        v2().set("memory.swap.max", "104857600\n").set("memory.swap.current", "10485760\n");
        // swap_show(): path padded to 40 columns, type, then tab-separated size/used/prio with an extra
        // tab for numbers below 10,000,000 so they line up under the header.
        assertEquals(HEADER + "none                                    virtual\t\t102400\t\t10240\t\t0\n",
                render(ProcFile.SWAPS));
    }

    @Test
    void swapsWithHugeNumbersUsesOneTab() throws Exception {
        t.hostSwap(67108860, 67108860);
        v2().set("memory.swap.current", "10737418240\n");
        assertEquals(HEADER + "none                                    virtual\t\t67108860\t10485760\t0\n",
                render(ProcFile.SWAPS));
    }

    @Test
    void swapsAgreesWithMeminfo() throws Exception {
        t.hostSwap(2097148, 2097148);
        v2().set("memory.swap.max", "52428800\n").set("memory.swap.current", "1048576\n");
        String meminfo = render(ProcFile.MEMINFO);
        assertTrue(meminfo.contains("\nSwapTotal:         51200 kB\nSwapFree:          50176 kB\n"), meminfo);
        assertEquals(HEADER + "none                                    virtual\t\t51200\t\t1024\t\t0\n",
                render(ProcFile.SWAPS));
    }

    @Test
    void v1SwapsFromMemsw() throws Exception {
        t.hostSwap(2097148, 2097148);
        FixtureTree.V1Container c = t.v1Process(CgroupLayout.Kind.V1, CTR, PID);
        c.memory.set("memory.limit_in_bytes", "268435456\n").set("memory.usage_in_bytes", "104857600\n")
                .set("memory.memsw.limit_in_bytes", "402653184\n").set("memory.memsw.usage_in_bytes", "115343360\n");
        assertEquals(HEADER + "none                                    virtual\t\t131072\t\t10240\t\t0\n",
                render(ProcFile.SWAPS));
    }

    // ---------------------------------------------------------------- diskstats

    @Test
    void diskstatsFromIoStatOnlyDevicesWithIo() throws Exception {
        v2().set("io.stat", "8:0 rbytes=1048576 wbytes=2097152 rios=10 wios=20 dbytes=4096 dios=1\n"
                + "259:0 rbytes=512 wbytes=0 rios=1 wios=0 dbytes=0 dios=0\n"
                + "253:0 rbytes=0 wbytes=0 rios=0 wios=0 dbytes=0 dios=0\n");
        assertEquals("   8       0 sda 10 0 2048 0 20 0 4096 0 0 0 0 1 0 8 0 0 0\n"
                + " 259       0 nvme0n1 1 0 1 0 0 0 0 0 0 0 0 0 0 0 0 0 0\n", render(ProcFile.DISKSTATS));
    }

    @Test
    void diskstatsColumnCountFollowsTheHost() throws Exception {
        // A 4.x kernel: 14 columns (no discard or flush fields).
        t.file("proc/diskstats", "   8       0 sda 137200 18638 12433706 48072 53890 37676 5596312 32078 0 83576 110695\n"
                + "   8      16 sdb 1 0 8 0 0 0 0 0 0 0 0\n");
        v2().set("io.stat", "8:0 rbytes=1048576 wbytes=2097152 rios=10 wios=20 dbytes=0 dios=0\n");
        String d = render(ProcFile.DISKSTATS);
        assertEquals("   8       0 sda 10 0 2048 0 20 0 4096 0 0 0 0\n", d);
        assertEquals(14, d.trim().split("\\s+").length);
    }

    @Test
    void diskstatsFieldCountEqualsTheHostLine() throws Exception {
        v2().set("io.stat", "8:1 rbytes=4096 wbytes=4096 rios=1 wios=1 dbytes=0 dios=0\n");
        String host = t.read("proc/diskstats");
        String hostLine = host.lines().filter(l -> l.contains(" sda1 ")).findFirst().orElseThrow();
        String d = render(ProcFile.DISKSTATS);
        assertEquals(hostLine.trim().split("\\s+").length, d.trim().split("\\s+").length);
        assertTrue(d.startsWith("   8       1 sda1 1 0 8 0 1 0 8 "), d);
    }

    @Test
    void diskstatsWithoutIoIsEmpty() throws Exception {
        v2().set("io.stat", "");
        assertEquals("", render(ProcFile.DISKSTATS));
    }

    @Test
    void diskstatsIgnoresDevicesTheHostDoesNotList() throws Exception {
        v2().set("io.stat", "9:9 rbytes=4096 wbytes=0 rios=1 wios=0 dbytes=0 dios=0\n");
        assertEquals("", render(ProcFile.DISKSTATS));
    }

    @Test
    void diskstatsFromV1ThrottleFiles() throws Exception {
        FixtureTree.V1Container c = t.v1Process(CgroupLayout.Kind.V1, CTR, PID);
        c.blkio.set("blkio.throttle.io_service_bytes_recursive", "8:0 Read 1048576\n8:0 Write 2097152\n"
                + "8:0 Sync 3145728\n8:0 Async 0\n8:0 Discard 0\n8:0 Total 3145728\n"
                + "259:0 Read 0\n259:0 Write 8192\n259:0 Sync 8192\n259:0 Async 0\n259:0 Discard 0\n"
                + "259:0 Total 8192\nTotal 3153920\n");
        c.blkio.set("blkio.throttle.io_serviced_recursive", "8:0 Read 10\n8:0 Write 20\n8:0 Sync 30\n"
                + "8:0 Async 0\n8:0 Discard 0\n8:0 Total 30\n"
                + "259:0 Read 0\n259:0 Write 2\n259:0 Sync 2\n259:0 Async 0\n259:0 Discard 0\n259:0 Total 2\n"
                + "Total 32\n");
        assertEquals("   8       0 sda 10 0 2048 0 20 0 4096 0 0 0 0 0 0 0 0 0 0\n"
                + " 259       0 nvme0n1 0 0 0 0 2 0 16 0 0 0 0 0 0 0 0 0 0\n", render(ProcFile.DISKSTATS));
    }

    @Test
    void diskstatsOnHybridUsesV1Blkio() throws Exception {
        FixtureTree.V1Container c = t.v1Process(CgroupLayout.Kind.HYBRID, CTR, PID);
        c.blkio.set("blkio.throttle.io_service_bytes_recursive", "8:0 Read 512\n8:0 Write 0\n8:0 Total 512\nTotal 512\n");
        c.blkio.set("blkio.throttle.io_serviced_recursive", "8:0 Read 1\n8:0 Write 0\n8:0 Total 1\nTotal 1\n");
        assertEquals("   8       0 sda 1 0 1 0 0 0 0 0 0 0 0 0 0 0 0 0 0\n", render(ProcFile.DISKSTATS));
    }

    // ---------------------------------------------------------------- loadavg

    @Test
    void loadavgIsWarmOnFirstReadAndCountsTheContainersThreads() throws Exception {
        v2().procs(PID, PID + 1).threads(PID, PID + 1, PID + 2, PID + 3, PID + 4, PID + 5);
        t.thread(PID + 1, 'R').thread(PID + 2, 'R').thread(PID + 3, 'D').thread(PID + 4, 'R');
        t.process(PID + 5, FixtureTree.cgroupV2(CTR), 900_100, 42);
        // 4 active (3 R + 1 D), first sample on first read: 656/136/44 in fixed point. "running" also counts
        // the reader (PID): it is blocked in our FUSE read, where the kernel's file would see it running.
        assertEquals("0.32 0.07 0.02 4/6 42\n", render(ProcFile.LOADAVG));
        assertEquals(1, t.daemonView().tracker().size());
    }

    @Test
    void loadavgFollowsTheKernelFormulaOverSamples() throws Exception {
        v2().threads(PID, PID + 1, PID + 2);
        t.thread(PID + 1, 'R').thread(PID + 2, 'R');
        render(ProcFile.LOADAVG); // first sample
        for (int i = 0; i < 11; i++) {
            t.daemonView().tracker().sampleAll();
        }
        // 12 samples (1 minute) at 2 active threads: 2595/750/261, as kernel/sched/loadavg.c computes.
        assertTrue(render(ProcFile.LOADAVG).startsWith("1.27 0.37 0.13 3/3 "));
    }

    @Test
    void loadavgLastPidIsTheNamespacePidOfTheHighestThread() throws Exception {
        v2().procs(PID).threads(PID, PID + 7);
        t.process(PID, FixtureTree.cgroupV2(CTR), 900_000, 1);
        t.taskStat(PID + 7, t.read("proc/" + PID + "/stat"));
        t.file("proc/" + (PID + 7) + "/status", "Name:\tjava\nTgid:\t" + PID + "\nPid:\t" + (PID + 7)
                + "\nNSpid:\t" + (PID + 7) + "\t1021\t8\nThreads:\t2\n");
        assertTrue(render(ProcFile.LOADAVG).endsWith(" 1/2 8\n")); // the reader runs
    }

    @Test
    void containerIsForgottenWhenItsCgroupIsGone() throws Exception {
        v2();
        render(ProcFile.LOADAVG);
        assertEquals(1, t.daemonView().tracker().size());
        t.delete("sys/fs/cgroup" + CTR);
        t.daemonView().tracker().sampleAll();
        assertEquals(0, t.daemonView().tracker().size());
    }

    @Test
    void anyFileReadStartsTracking() throws Exception {
        v2();
        render(ProcFile.MEMINFO);
        assertEquals(1, t.daemonView().tracker().size());
        render(ProcFile.CPUINFO);
        assertEquals(1, t.daemonView().tracker().size());
    }
}
