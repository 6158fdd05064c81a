package io.lxcfs.daemon.loadavg;

import org.junit.jupiter.api.Test;

import java.util.Arrays;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/** The kernel's fixed-point load average (kernel/sched/loadavg.c), values worked out by hand. */
class LoadAverageTest {

    static String fmt(long load) {
        StringBuilder sb = new StringBuilder();
        LoadAverage.format(sb, load);
        return sb.toString();
    }

    @Test
    void constantsAreTheKernels() {
        assertEquals(11, LoadAverage.FSHIFT);
        assertEquals(2048, LoadAverage.FIXED_1);
        assertEquals(1884, LoadAverage.EXP_1);
        assertEquals(2014, LoadAverage.EXP_5);
        assertEquals(2037, LoadAverage.EXP_15);
    }

    @Test
    void oneStepFromZero() {
        // 2 active: 2*2048*(2048-1884) = 671744, + 2047 (rising) = 673791, / 2048 = 328.
        assertEquals(328, LoadAverage.step(0, LoadAverage.EXP_1, 2));
        // 2*2048*34 = 139264 + 2047 = 141311 / 2048 = 68.
        assertEquals(68, LoadAverage.step(0, LoadAverage.EXP_5, 2));
        // 2*2048*11 = 45056 + 2047 = 47103 / 2048 = 22.
        assertEquals(22, LoadAverage.step(0, LoadAverage.EXP_15, 2));
    }

    @Test
    void roundsUpOnlyWhileRising() {
        // Rising: (100*1884 + 2048*164 + 2047) / 2048 = 526319 / 2048 = 256 (255 without the round-up).
        assertEquals(256, LoadAverage.step(100, LoadAverage.EXP_1, 1));
        // Falling: (2595*1884 + 2048*164) / 2048 = 5224852 / 2048 = 2551, no round-up.
        assertEquals(2551, LoadAverage.step(2595, LoadAverage.EXP_1, 1));
        // Decaying to idle: 100*1884/2048 = 91.
        assertEquals(91, LoadAverage.step(100, LoadAverage.EXP_1, 0));
    }

    @Test
    void twelveSamplesAtTwoActiveThreads() {
        LoadAverage l = new LoadAverage();
        for (int i = 0; i < 12; i++) {
            l.sample(2);
        }
        // One minute at load 2: 2*(1-1/e) = 1.26 in theory; the kernel's integer steps give these.
        assertArrayEquals(new long[] {2595, 750, 261}, l.snapshot());
        assertEquals("1.27 0.37 0.13", Arrays.stream(l.snapshot()).mapToObj(LoadAverageTest::fmt)
                .reduce((a, b) -> a + " " + b).orElseThrow());
        assertEquals(12, l.samples());
        for (int i = 0; i < 12; i++) {
            l.sample(0);
        }
        assertArrayEquals(new long[] {950, 607, 237}, l.snapshot());
    }

    @Test
    void steadyLoadConverges() {
        LoadAverage l = new LoadAverage();
        for (int i = 0; i < 2000; i++) {
            l.sample(3);
        }
        for (long v : l.snapshot()) {
            assertEquals("3.00", fmt(v));
        }
    }

    @Test
    void formatAsLoadavgProcShow() {
        assertEquals("0.00", fmt(0));
        assertEquals("0.00", fmt(1));
        assertEquals("1.00", fmt(2048));
        assertEquals("1.50", fmt(3072));
        assertEquals("0.16", fmt(328));
        // 2038 + 10 = 2048: rounds up into the next integer.
        assertEquals("1.00", fmt(2038));
        assertEquals("0.99", fmt(2037));
        assertEquals("12.05", fmt(12 * 2048 + 102));
    }

    @Test
    void snapshotIsACopy() {
        LoadAverage l = new LoadAverage();
        l.sample(1);
        long[] s = l.snapshot();
        s[0] = 99999;
        assertEquals(LoadAverage.step(0, LoadAverage.EXP_1, 1), l.snapshot()[0]);
    }
}
