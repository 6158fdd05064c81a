package io.lxcfs.daemon.it;

import io.lxcfs.daemon.view.ProcFile;
import io.lxcfs.testing.PrometheusText;
import io.lxcfs.testing.SharedDaemon;
import io.lxcfs.testing.TestCgroup;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.time.Duration;
import java.util.HashMap;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Fair service: a victim container reads its /proc/meminfo every 100 ms, first alone, then while a hammer container
 * reads every file of the view with 16 threads in tight loops. The victim's p99 under the hammer must stay within
 * {@link #P99_BOUND_MS} (and within {@link #P99_FACTOR} times its quiet p99 plus {@link #P99_SLACK_MS}), the hammer
 * must be served, and no read of either may fail or fall back to the host's file.
 */
class FairServiceIT {

    @RegisterExtension
    static final SharedDaemon VIEW = new SharedDaemon("lxcfs-it-fair");

    static final int PHASE_S = Integer.getInteger("lxcfs.fair.seconds", 20);
    /** Absolute bound on the victim's p99 under the hammer (this machine's 2 cores are shared: see the figures). */
    static final double P99_BOUND_MS = 250;
    /** ... or this many times its own quiet p99, whichever is larger (the quiet p99 is itself noisy here). */
    static final double P99_FACTOR = 2;
    /** Fair as FIFO: the victim's median wait is at most this many times the hammer threads' mean read time. */
    static final double MEDIAN_VS_HAMMER = 3;

    @Test
    void aVictimPollingMeminfoIsServedPromptlyWhileANeighbourHammersEveryFile() throws Exception {
        String procread = HostileTasksIT.PROCREAD.toString();
        StringBuilder files = new StringBuilder();
        for (ProcFile f : ProcFile.values()) {
            files.append(' ').append(f.path);
        }
        try (TestCgroup victimCg = TestCgroup.create("victim").memoryLimit(256L << 20);
             TestCgroup hammerCg = TestCgroup.create("hammer").memoryLimit(512L << 20);
             DrivenContainer victim = new DrivenContainer(victimCg, VIEW.mount(), "true");
             DrivenContainer hammer = new DrivenContainer(hammerCg, VIEW.mount(), "true")) {
            assertTrue(victim.ask("head -1 /proc/meminfo", l -> l.startsWith("MemTotal:")).contains(" 262144 kB"));
            double fallbacksBefore = PrometheusText.sum(VIEW.daemon().metrics(), "lxcfs_fallbacks_total");

            Map<String, String> quiet = paced(victim, procread);
            hammer.send(procread + " hammer 16 " + (PHASE_S + 6) + files);
            // Let the 16 readers ramp up before the victim measures again.
            Thread.sleep(2000);
            Map<String, String> loaded = paced(victim, procread);
            Map<String, String> hammered = fields(hammer.await(l -> l.startsWith("hammer "), Duration.ofSeconds(PHASE_S + 30)));
            double fallbacks = PrometheusText.sum(VIEW.daemon().metrics(), "lxcfs_fallbacks_total") - fallbacksBefore;

            double quietP99 = ms(quiet, "p99_us");
            double loadedP99 = ms(loaded, "p99_us");
            double bound = Math.max(P99_BOUND_MS, P99_FACTOR * quietP99);
            // 16 threads each with one read in flight: each read's mean time is threads x elapsed / reads.
            double hammerMeanMs = 16.0 * 1000 / Double.parseDouble(hammered.get("ops_per_s"));
            System.out.printf("fair service: victim meminfo every 100 ms, quiet p50 %.2f ms p99 %.2f ms max %.2f ms (%s reads); "
                            + "under a 16-thread hammer p50 %.2f ms p99 %.2f ms max %.2f ms (%s reads); bound p99 <= %.2f ms; "
                            + "hammer %s reads at %s/s (mean read %.2f ms; victim median bound %.2f ms), %s errors; fallbacks %.0f%n",
                    ms(quiet, "p50_us"), quietP99, ms(quiet, "max_us"), quiet.get("ops"),
                    ms(loaded, "p50_us"), loadedP99, ms(loaded, "max_us"), loaded.get("ops"), bound,
                    hammered.get("ops"), hammered.get("ops_per_s"), hammerMeanMs, MEDIAN_VS_HAMMER * hammerMeanMs,
                    hammered.get("errors"), fallbacks);
            assertEquals("0", quiet.get("errors"), "quiet victim errors");
            assertEquals("0", loaded.get("errors"), "victim errors under the hammer");
            assertEquals("0", hammered.get("errors"), "hammer errors");
            assertTrue(Long.parseLong(hammered.get("ops")) >= 1000L * PHASE_S, "the hammer was served: " + hammered);
            assertTrue(Long.parseLong(loaded.get("ops")) >= PHASE_S * 10L - 5, "the victim kept its pace: " + loaded);
            assertEquals(0, fallbacks, "no read fell back to the host's file");
            assertTrue(loadedP99 <= bound, "victim p99 " + loadedP99 + " ms under the hammer > " + bound + " ms");
            assertTrue(ms(loaded, "p50_us") <= MEDIAN_VS_HAMMER * hammerMeanMs, "victim median " + ms(loaded, "p50_us")
                    + " ms vs the hammer's mean read " + hammerMeanMs + " ms: served behind the hammer, not among it");
        }
    }

    static Map<String, String> paced(DrivenContainer victim, String procread) throws Exception {
        victim.send(procread + " paced /proc/meminfo 100 " + PHASE_S);
        return fields(victim.await(l -> l.startsWith("paced "), Duration.ofSeconds(PHASE_S + 30)));
    }

    static Map<String, String> fields(String line) {
        Map<String, String> m = new HashMap<>();
        for (String f : line.split(" ")) {
            int eq = f.indexOf('=');
            if (eq > 0) {
                m.put(f.substring(0, eq), f.substring(eq + 1));
            }
        }
        return m;
    }

    static double ms(Map<String, String> m, String key) {
        return Double.parseDouble(m.get(key)) / 1000;
    }
}
