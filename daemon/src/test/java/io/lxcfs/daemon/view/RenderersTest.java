package io.lxcfs.daemon.view;

import io.lxcfs.daemon.cgroup.CpuUsage;
import io.lxcfs.daemon.cgroup.CpuView;
import io.lxcfs.daemon.cgroup.DeviceIo;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/** The pure renderers on their own: formats that the view tests reach only partly. */
class RenderersTest {

    static CpuView view(int[] visible, double quota, int[] cpuset) {
        return new CpuView(visible, quota, cpuset);
    }

    @Test
    void kbLineIsShowValKb() {
        StringBuilder sb = new StringBuilder();
        MeminfoRenderer.kbLine(sb, "MemTotal:", 262144);
        assertEquals("MemTotal:         262144 kB", sb.toString());
        sb.setLength(0);
        MeminfoRenderer.kbLine(sb, "Inactive(anon):", 0);
        assertEquals("Inactive(anon):        0 kB", sb.toString());
        sb.setLength(0);
        MeminfoRenderer.kbLine(sb, "MemTotal:", 1234567890L);
        assertEquals("MemTotal:       1234567890 kB", sb.toString(), "wider values push right, as the kernel's");
    }

    @Test
    void uptimeFormat() {
        assertEquals("0.00 0.00\n", UptimeRenderer.render(0, 0));
        assertEquals("0.05 12.30\n", UptimeRenderer.render(5, 1230));
        assertEquals("876.55 3506.20\n", UptimeRenderer.render(87655, 350620));
        assertEquals("0.00 0.00\n", UptimeRenderer.render(-5, -1), "never negative");
    }

    @Test
    void loadavgFormat() {
        assertEquals("1.27 0.37 0.13 2/3 42\n", LoadavgRenderer.render(new long[] {2595, 750, 261}, 2, 3, 42));
        assertEquals("0.00 0.00 0.00 0/1 1\n", LoadavgRenderer.render(new long[] {0, 0, 0}, 0, 1, 1));
    }

    @Test
    void swapsFormat() {
        assertEquals(SwapsRenderer.HEADER, SwapsRenderer.render(0, 0));
        assertEquals("Filename\t\t\t\tType\t\tSize\t\tUsed\t\tPriority\n", SwapsRenderer.HEADER);
        String line = SwapsRenderer.render(9_999_999, 10_000_000).substring(SwapsRenderer.HEADER.length());
        assertEquals("none" + " ".repeat(36) + "virtual\t\t9999999\t\t10000000\t0\n", line);
    }

    @Test
    void diskstatsKeepsAnyHostColumnCount() {
        DeviceIo io = new DeviceIo(8, 0, 1024, 2048, 2, 4, 512, 1);
        String host20 = "   8       0 sda " + "1 ".repeat(16) + "1\n";
        assertEquals("   8       0 sda 2 0 2 0 4 0 4 0 0 0 0 1 0 1 0 0 0\n", DiskstatsRenderer.render(host20, List.of(io)));
        String host18 = "   8       0 sda " + "1 ".repeat(14) + "1\n";
        assertEquals("   8       0 sda 2 0 2 0 4 0 4 0 0 0 0 1 0 1 0\n", DiskstatsRenderer.render(host18, List.of(io)));
        String host22 = "   8       0 sda " + "1 ".repeat(18) + "1\n"; // a future kernel with more columns
        assertEquals("   8       0 sda 2 0 2 0 4 0 4 0 0 0 0 1 0 1 0 0 0 0 0\n", DiskstatsRenderer.render(host22, List.of(io)));
        String wideNames = "  65     224 sdae 1 0 1 0 1 0 1 0 0 0 0 0 0 0 0 0 0\n";
        assertEquals("  65     224 sdae 2 0 2 0 4 0 4 0 0 0 0 1 0 1 0 0 0\n",
                DiskstatsRenderer.render(wideNames, List.of(new DeviceIo(65, 224, 1024, 2048, 2, 4, 512, 1))));
    }

    @Test
    void statWithoutProcsLinesAndWithFewCpus() {
        CpuTimes t = new CpuTimes(new long[] {1, 2}, new long[] {3, 4}, new long[] {5, 6});
        assertEquals("cpu  3 0 7 11 0 0 0 0 0 0\ncpu0 1 0 3 5 0 0 0 0 0 0\ncpu1 2 0 4 6 0 0 0 0 0 0\nbtime 1\n",
                StatRenderer.render("cpu  1 1 1 1 1 1 1 1 1 1\ncpu0 1 1 1 1 1 1 1 1 1 1\nbtime 1\n", t, 9, 9));
    }

    @Test
    void cpuTimesIdleIsCapacityMinusUse() {
        CpuView v = view(new int[] {0, 1}, 1.5, new int[] {0, 1, 2, 3});
        CpuTimes t = CpuTimes.compute(v, new CpuUsage(new long[] {100, 200}, new long[] {50, 0}), 1000);
        assertArrayEquals(new long[] {600, 550}, t.idle());
        assertEquals(1150, t.totalIdle());
        CpuTimes none = CpuTimes.compute(v, new CpuUsage(new long[] {900, 900}, new long[] {0, 0}), 1000);
        assertArrayEquals(new long[] {0, 0}, none.idle());
    }

    @Test
    void cpuTimesOddQuotaIsNotFlooredOneTickLow() {
        // 0.3 CPU for 1000 ticks is exactly 300 ticks, although 1000 * 0.3 is 300.00000000000006 or 299.99...
        CpuView v = view(new int[] {0}, 0.3, new int[] {0});
        assertEquals(300, CpuTimes.compute(v, new CpuUsage(new long[] {0}, new long[] {0}), 1000).idle()[0]);
        CpuView seven = view(new int[] {0}, 0.7, new int[] {0});
        assertEquals(70, CpuTimes.compute(seven, new CpuUsage(new long[] {0}, new long[] {0}), 100).idle()[0]);
    }

    @Test
    void monotonicAfterKeepsEachCounterFromGoingBack() {
        CpuTimes prev = new CpuTimes(new long[] {10, 10}, new long[] {5, 5}, new long[] {100, 90});
        CpuTimes now = new CpuTimes(new long[] {12, 9}, new long[] {5, 6}, new long[] {95, 95});
        CpuTimes shown = now.monotonicAfter(prev);
        assertArrayEquals(new long[] {12, 10}, shown.user());
        assertArrayEquals(new long[] {5, 6}, shown.system());
        assertArrayEquals(new long[] {100, 95}, shown.idle());
        assertEquals(now, now.monotonicAfter(null));
    }

    @Test
    void monotonicAfterFoldsCpusThatAreNoLongerShown() {
        CpuTimes prev = new CpuTimes(new long[] {10, 20, 30}, new long[] {1, 2, 3}, new long[] {100, 200, 300});
        CpuTimes shrunk = new CpuTimes(new long[] {5}, new long[] {1}, new long[] {50}).monotonicAfter(prev);
        assertArrayEquals(new long[] {60}, shrunk.user());
        assertArrayEquals(new long[] {6}, shrunk.system());
        assertArrayEquals(new long[] {600}, shrunk.idle());
        CpuTimes grown = new CpuTimes(new long[] {0, 0, 0, 7}, new long[] {0, 0, 0, 0}, new long[] {0, 0, 0, 0})
                .monotonicAfter(prev);
        assertArrayEquals(new long[] {10, 20, 30, 7}, grown.user());
    }

    static final String ARM32 = ""
            + "processor\t: 0\nmodel name\t: ARMv7 Processor rev 4 (v7l)\nBogoMIPS\t: 38.40\n"
            + "Features\t: half thumb fastmult vfp edsp neon vfpv3 tls vfpv4 idiva idivt vfpd32 lpae evtstrm crc32 \n"
            + "CPU implementer\t: 0x41\nCPU architecture: 7\nCPU variant\t: 0x0\nCPU part\t: 0xd03\nCPU revision\t: 4\n\n"
            + "processor\t: 1\nmodel name\t: ARMv7 Processor rev 4 (v7l)\nBogoMIPS\t: 38.40\n"
            + "Features\t: half thumb fastmult vfp edsp neon vfpv3 tls vfpv4 idiva idivt vfpd32 lpae evtstrm crc32 \n"
            + "CPU implementer\t: 0x41\nCPU architecture: 7\nCPU variant\t: 0x0\nCPU part\t: 0xd03\nCPU revision\t: 4\n\n"
            + "Hardware\t: BCM2835\nRevision\t: a02082\nSerial\t\t: 00000000abcdef01\n"
            + "Model\t\t: Raspberry Pi 3 Model B Rev 1.2\n";

    @Test
    void cpuinfoKeepsTrailerBlocksExactly() {
        String one = CpuinfoRenderer.render(ARM32, view(new int[] {1}, Double.NaN, new int[] {1}));
        String expected = ARM32.substring(ARM32.indexOf("processor\t: 1"))
                .replace("processor\t: 1", "processor\t: 0");
        assertEquals(expected, one);
        assertEquals(ARM32, CpuinfoRenderer.render(ARM32, view(new int[] {0, 1}, Double.NaN, new int[] {0, 1})));
    }
}
