package io.lxcfs.daemon.it;

import io.lxcfs.testing.PrometheusText;
import io.lxcfs.testing.RepoLayout;
import io.lxcfs.testing.SharedDaemon;
import io.lxcfs.testing.TestCgroup;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeMap;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A container whose threads are named to confuse /proc parsers ({@code prctl(PR_SET_NAME)} and writes to
 * {@code /proc/self/task/<tid>/comm}: ")", spaces, tabs, newlines, "State:", "NSpid:"), with a zombie, a stopped
 * and a traced child, two busy threads named "busy) S", and then threads created and exiting without end. Its
 * /proc/loadavg and /proc/uptime must match what the kernel says about its tasks, and a calm container beside it
 * must see only its own; no read of either falls back to the host's file.
 */
class HostileTasksIT {

    @RegisterExtension
    static final SharedDaemon VIEW = new SharedDaemon("lxcfs-it-hostile");

    static final Path PROCREAD = RepoLayout.tool("procread");

    @Test
    void hostileNamesAndStatesDoNotChangeTheCountsOfThisContainerOrAnother() throws Exception {
        try (TestCgroup hostileCg = TestCgroup.create("hostile");
             TestCgroup calmCg = TestCgroup.create("calm");
             DrivenContainer hostile = new DrivenContainer(hostileCg, VIEW.mount(), PROCREAD + " hostile 2 &");
             DrivenContainer calm = new DrivenContainer(calmCg, VIEW.mount(), "true")) {
            hostile.await(l -> l.startsWith("ready "), Duration.ofSeconds(30));
            double fallbacksBefore = PrometheusText.sum(VIEW.daemon().metrics(), "lxcfs_fallbacks_total");

            // What the kernel says, read from the host: every task of the cgroup, its state and namespace pid.
            Kernel k = Kernel.of(hostileCg);
            System.out.println("hostile container, kernel view: " + k);
            assertEquals(2, k.running, "the two spinners are the only runnable tasks: " + k);
            assertTrue(k.states.contains("T") && k.states.contains("t"), "stopped and traced children exist: " + k);

            // The reader (cat) joins the container's tasks and counts as running; its pid is the namespace's next.
            Loadavg l = Loadavg.parse(hostile.ask("cat /proc/loadavg", Loadavg::matches));
            System.out.println("hostile loadavg: " + l + " (kernel: running " + k.running + " + reader, total "
                    + k.total + " + reader, highest namespace pid " + k.highestNsPid + ")");
            assertTrue(l.running >= k.running + 1 && l.running <= k.running + 2, "running " + l + " vs " + k);
            assertEquals(k.total + 1, l.total, "total " + l + " vs " + k);
            assertTrue(l.lastPid > k.highestNsPid && l.lastPid <= k.highestNsPid + 3, "last_pid " + l + " vs " + k);

            double up = Double.parseDouble(hostile.ask("cat /proc/uptime", l2 -> l2.matches("\\d+\\.\\d\\d \\d+\\.\\d\\d")).split(" ")[0]);
            System.out.println("hostile uptime: " + up + " s (container age " + hostile.ageSeconds() + " s)");
            assertTrue(up >= 0 && up <= hostile.ageSeconds() + 1, "uptime " + up);

            Kernel kc = Kernel.of(calmCg);
            Loadavg lc = Loadavg.parse(calm.ask("cat /proc/loadavg", Loadavg::matches));
            System.out.println("calm loadavg: " + lc + " (kernel: " + kc + ")");
            // The reader, and its shell if it was still runnable right after the fork (the kernel would count it too).
            assertTrue(lc.running >= 1 && lc.running <= 2, "only the reader (and its shell) run in the calm container: " + lc);
            assertEquals(kc.total + 1, lc.total, "calm total " + lc + " vs " + kc);

            // The 1-minute average over the next two to three 5 s ticks counts the 2 spinners, not the names.
            long t0 = System.nanoTime();
            Thread.sleep(11_000); // the sampler's period is what is measured: two to three ticks pass
            Loadavg later = Loadavg.parse(hostile.ask("cat /proc/loadavg", Loadavg::matches));
            Loadavg calmLater = Loadavg.parse(calm.ask("cat /proc/loadavg", Loadavg::matches));
            double low = LoadavgIT.kernel(2, 3) - 0.05;
            double high = LoadavgIT.kernel(3, 4) + 0.05;
            System.out.printf("after %.1f s: hostile l1 %.2f (bound [%.2f, %.2f]; 5 fake R/D names would give >= %.2f), calm l1 %.2f%n",
                    (System.nanoTime() - t0) / 1e9, later.l1, low, high, LoadavgIT.kernel(7, 3), calmLater.l1);
            assertTrue(later.l1 >= low && later.l1 <= high, "hostile l1 " + later);
            assertTrue(calmLater.l1 <= 0.1, "calm l1 " + calmLater);

            // Threads now appear and exit all the time (listed, then gone before their stat is read): every read
            // still counts this container's tasks within the churning threads, never the host's.
            hostile.send("kill -USR1 $!");
            hostile.await("churning"::equals, Duration.ofSeconds(10));
            List<Loadavg> churned = new ArrayList<>();
            for (int i = 0; i < 40; i++) {
                churned.add(Loadavg.parse(hostile.ask("cat /proc/loadavg", Loadavg::matches)));
                hostile.ask("cat /proc/uptime", l2 -> l2.matches("\\d+\\.\\d\\d \\d+\\.\\d\\d"));
            }
            int minTotal = churned.stream().mapToInt(x -> x.total).min().orElseThrow();
            int maxTotal = churned.stream().mapToInt(x -> x.total).max().orElseThrow();
            int maxRunning = churned.stream().mapToInt(x -> x.running).max().orElseThrow();
            System.out.println("while churning, 40 reads: total " + minTotal + ".." + maxTotal + ", running <= " + maxRunning
                    + " (static total " + (k.total + 1) + ")");
            // + the reader + the churner + one or two short-lived threads (a joined thread can linger in the list briefly).
            assertTrue(minTotal >= k.total + 2 && maxTotal <= k.total + 4, "totals " + churned);
            assertTrue(maxRunning <= k.running + 3, "running " + churned);
            Loadavg calmAfter = Loadavg.parse(calm.ask("cat /proc/loadavg", Loadavg::matches));
            assertEquals(kc.total + 1, calmAfter.total, "calm unaffected: " + calmAfter);

            double fallbacks = PrometheusText.sum(VIEW.daemon().metrics(), "lxcfs_fallbacks_total") - fallbacksBefore;
            System.out.println("fallbacks during the attack: " + fallbacks);
            assertEquals(0, fallbacks, "no read fell back to the host's file");
        }
    }

    /** {@code l1 l5 l15 running/total last_pid}. */
    record Loadavg(double l1, int running, int total, long lastPid) {
        static boolean matches(String line) {
            return line.matches("\\d+\\.\\d\\d \\d+\\.\\d\\d \\d+\\.\\d\\d \\d+/\\d+ \\d+");
        }

        static Loadavg parse(String line) {
            String[] f = line.split(" ");
            String[] rt = f[3].split("/");
            return new Loadavg(Double.parseDouble(f[0]), Integer.parseInt(rt[0]), Integer.parseInt(rt[1]), Long.parseLong(f[4]));
        }
    }

    /** The kernel's own account of a cgroup's tasks (the v1 cpu hierarchy; every controller has the same tasks here). */
    record Kernel(int total, int running, long highestNsPid, TreeMap<Long, String> byTid, String states) {
        static Kernel of(TestCgroup cg) throws Exception {
            TreeMap<Long, String> byTid = new TreeMap<>();
            int running = 0;
            long highest = 0;
            StringBuilder states = new StringBuilder();
            for (String tid : Files.readString(cg.dir("cpu").resolve("tasks")).split("\n")) {
                if (tid.isBlank()) {
                    continue;
                }
                String stat = Files.readString(Path.of("/proc", tid, "stat"));
                String state = stat.substring(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
                String status = Files.readString(Path.of("/proc", tid, "status"));
                String nsLine = status.substring(status.indexOf("\nNSpid:") + 7);
                String[] ns = nsLine.substring(0, nsLine.indexOf('\n')).trim().split("\\s+");
                if (ns.length > 1) {
                    // Inside the container's pid namespace (unshare, which made it, is not).
                    highest = Math.max(highest, Long.parseLong(ns[ns.length - 1]));
                }
                byTid.put(Long.parseLong(tid), state + " " + status.substring(6, status.indexOf('\n')));
                states.append(state);
                if (state.equals("R") || state.equals("D")) {
                    running++;
                }
            }
            return new Kernel(byTid.size(), running, highest, byTid, states.toString());
        }
    }
}
