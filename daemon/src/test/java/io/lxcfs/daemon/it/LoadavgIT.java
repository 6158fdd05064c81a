package io.lxcfs.daemon.it;

import io.lxcfs.daemon.loadavg.LoadAverage;
import io.lxcfs.testing.SharedDaemon;
import io.lxcfs.testing.TestCgroup;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Two busy threads for 60 s in one container raise its 1-minute load as the kernel's formula predicts,
 * while an idle container next to it stays near 0.
 */
class LoadavgIT {

    @RegisterExtension
    static final SharedDaemon VIEW = new SharedDaemon("lxcfs-it-load");

    @Test
    void busyContainerLoadFollowsTheKernelFormulaAndIdleNeighbourStaysLow() throws Exception {
        try (TestCgroup busy = TestCgroup.create("busy");
             TestCgroup idle = TestCgroup.create("idle")) {
            // First read tracks each container; the busy one then spins two shells for 60 s and reads again.
            Process busyRun = new ViewContainer(busy, VIEW.mount()).start(
                    "cat /proc/loadavg; (while :; do :; done) & (while :; do :; done) & sleep 60; cat /proc/loadavg");
            Process idleRun = new ViewContainer(idle, VIEW.mount()).start("cat /proc/loadavg; sleep 60; cat /proc/loadavg");
            String busyOut = new String(busyRun.getInputStream().readAllBytes());
            String idleOut = new String(idleRun.getInputStream().readAllBytes());
            busyRun.waitFor();
            idleRun.waitFor();

            double busyLoad = Double.parseDouble(busyOut.split("\n")[1].split(" ")[0]);
            double idleLoad = Double.parseDouble(idleOut.split("\n")[1].split(" ")[0]);
            // 60 s at a 5 s period is 11 to 13 samples depending on phase; 2 runnable threads each time.
            double low = kernel(2, 11) - 0.1;
            double high = kernel(2, 13) + 0.1;
            assertTrue(busyLoad >= low && busyLoad <= high,
                    "busy 1-min load " + busyLoad + " not in [" + low + ", " + high + "]\n" + busyOut);
            assertTrue(idleLoad <= 0.1, "idle container load " + idleLoad + "\n" + idleOut);
        }
    }

    /** The kernel's 1-minute average after {@code samples} samples at {@code active} threads, from 0. */
    static double kernel(int active, int samples) {
        long load = 0;
        for (int i = 0; i < samples; i++) {
            load = LoadAverage.step(load, LoadAverage.EXP_1, active);
        }
        return (double) load / LoadAverage.FIXED_1;
    }
}
