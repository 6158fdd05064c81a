package io.lxcfs.daemon.it;

import io.lxcfs.testing.SharedDaemon;
import io.lxcfs.testing.TestCgroup;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A tenant that opens the view 100,000 times and never closes (the attack that used to end in
 * OutOfMemoryError and took the view from every pod on the node): seven processes in one container each
 * hold 15,000 descriptors (a process's hard limit here is about 20,000) of /proc/meminfo, every one read one byte at offset 0 (the worst case: a
 * snapshot the reader never finishes). The daemon's resident memory grows by less than 32 MiB, and a
 * second container reading its meminfo every 100 ms meanwhile never fails and keeps its own numbers.
 */
class OpenHandlesIT {

    private static final long MIB = 1024 * 1024;
    private static final int PROCESSES = 7;
    private static final int HANDLES_EACH = 15_000;
    @RegisterExtension
    static final SharedDaemon VIEW = new SharedDaemon("lxcfs-it-handles");

    @Test
    void hundredThousandOpenHandlesCostTheDaemonLessThan32MiBAndNeighboursKeepReading() throws Exception {
        try (TestCgroup attacker = TestCgroup.create("handles-attacker").memoryLimit(1024 * MIB);
             TestCgroup victim = TestCgroup.create("handles-victim").memoryLimit(128 * MIB)) {
            ViewContainer v = new ViewContainer(victim, VIEW.mount());

            Process victimLoop = v.start("ok=0; bad=0; while [ ! -e /tmp/lxcfs-it-handles-stop-" + ProcessHandle.current().pid()
                    + " ]; do if head -1 /proc/meminfo | grep -qx 'MemTotal:         131072 kB'; then ok=$((ok+1)); "
                    + "else bad=$((bad+1)); fi; sleep 0.1; done; echo \"victim ok=$ok bad=$bad\"");
            String holder = "import os,sys,time\n"
                    + "fds=[]\n"
                    + "for i in range(" + HANDLES_EACH + "):\n"
                    + "    fd=os.open('/proc/meminfo', os.O_RDONLY); os.pread(fd, 1, 0)\n"
                    + "    fds.append(fd) if sys.argv[1] == 'hold' else os.close(fd)\n"
                    + "print('holding', len(fds) if fds else " + HANDLES_EACH + ", flush=True)\n"
                    + "sys.stdin.read()\n";
            Path script = Files.writeString(Files.createTempFile("lxcfs-it-holder", ".py"), holder);
            // The same opens and reads, each closed at once: the daemon's memory after the same load without
            // the held handles (its heap grows with the renders' garbage whatever the handles do).
            List<Process> closers = new ArrayList<>();
            for (int i = 0; i < PROCESSES; i++) {
                closers.add(new ViewContainer(attacker, VIEW.mount()).start("exec python3 " + script + " close"));
            }
            for (Process p : closers) {
                String line = new BufferedReader(new InputStreamReader(p.getInputStream())).readLine();
                assertEquals("holding " + HANDLES_EACH, line, () -> "closer: " + stderr(p));
                p.destroyForcibly().waitFor();
            }
            long rssBefore = rssKiB(VIEW.daemon().pid());
            List<Process> holders = new ArrayList<>();
            try {
                for (int i = 0; i < PROCESSES; i++) {
                    holders.add(new ViewContainer(attacker, VIEW.mount()).start("ulimit -n " + (HANDLES_EACH + 100)
                            + " && exec python3 " + script + " hold"));
                }
                for (Process p : holders) {
                    String line = new BufferedReader(new InputStreamReader(p.getInputStream())).readLine();
                    assertEquals("holding " + HANDLES_EACH, line, () -> "holder: " + stderr(p));
                }
                long rssHolding = rssKiB(VIEW.daemon().pid());
                long growthKiB = rssHolding - rssBefore;
                System.out.printf("open handles: %d held; daemon RSS after the same reads closed %d KiB, holding them %d KiB (+%d KiB)%n",
                        (long) PROCESSES * HANDLES_EACH, rssBefore, rssHolding, growthKiB);
                assertTrue(growthKiB < 32 * 1024, "daemon RSS grew by " + growthKiB + " KiB under " + PROCESSES * HANDLES_EACH + " open handles");
                assertTrue(VIEW.daemon().process().isAlive(), VIEW.daemon().log());
                String metrics = VIEW.daemon().http("GET", "/q/health/ready", null).body();
                assertTrue(metrics.contains("\"UP\""), metrics);
            } finally {
                for (Process p : holders) {
                    p.destroyForcibly().waitFor();
                }
                Files.deleteIfExists(script);
                Files.writeString(Path.of("/tmp/lxcfs-it-handles-stop-" + ProcessHandle.current().pid()), "");
            }
            String victimReport = new String(victimLoop.getInputStream().readAllBytes()).trim();
            victimLoop.waitFor();
            Files.deleteIfExists(Path.of("/tmp/lxcfs-it-handles-stop-" + ProcessHandle.current().pid()));
            System.out.println(victimReport);
            assertTrue(victimReport.matches("victim ok=\\d+ bad=0"), victimReport);
            assertTrue(Long.parseLong(victimReport.replaceAll(".*ok=(\\d+).*", "$1")) > 5, victimReport);
        }
    }

    private static long rssKiB(long pid) throws Exception {
        for (String l : Files.readAllLines(Path.of("/proc/" + pid + "/status"))) {
            if (l.startsWith("VmRSS:")) {
                return Long.parseLong(l.replaceAll("\\D", ""));
            }
        }
        throw new AssertionError("no VmRSS for " + pid);
    }

    private static String stderr(Process p) {
        try {
            return new String(p.getErrorStream().readNBytes(4096));
        } catch (Exception e) {
            return e.toString();
        }
    }
}
