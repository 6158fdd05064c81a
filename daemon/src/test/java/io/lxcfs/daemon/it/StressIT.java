package io.lxcfs.daemon.it;

import io.lxcfs.daemon.view.ProcFile;
import io.lxcfs.testing.RepoLayout;
import io.lxcfs.testing.SharedDaemon;
import io.lxcfs.testing.TestCgroup;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Two readers in limited containers read every file 20,000 times each, concurrently, while other
 * containers are created, read and destroyed around them: zero read errors, every copy well formed.
 */
class StressIT {

    @RegisterExtension
    static final SharedDaemon VIEW = new SharedDaemon("lxcfs-it-stress");

    private static final int READS_PER_FILE = Integer.getInteger("lxcfs.stress.reads", 20_000);

    @Test
    void concurrentReadersWhileContainersComeAndGo() throws Exception {
        Path procread = RepoLayout.tool("procread");
        try (TestCgroup a = TestCgroup.create("stress-a").memoryLimit(256L << 20).cpuQuota(50_000, 100_000);
             TestCgroup b = TestCgroup.create("stress-b").memoryLimit(128L << 20).cpuset("1")) {
            StringBuilder files = new StringBuilder();
            for (ProcFile f : ProcFile.values()) {
                files.append(' ').append(VIEW.mount()).append(f.path);
            }
            String check = procread + " check " + READS_PER_FILE + files;
            Process readerA = new ProcessBuilder("sh", "-c", a.joinScript() + "exec " + check).redirectErrorStream(true).start();
            Process readerB = new ProcessBuilder("sh", "-c", b.joinScript() + "exec " + check).redirectErrorStream(true).start();

            AtomicBoolean readersDone = new AtomicBoolean();
            AtomicInteger churned = new AtomicInteger();
            List<Throwable> churnErrors = new ArrayList<>();
            Thread churn = new Thread(() -> {
                try {
                    while (!readersDone.get()) {
                        try (TestCgroup c = TestCgroup.create("churn").memoryLimit((64L + churned.get() % 64) << 20)) {
                            // A short-lived container: first read tracks it, then it and its cgroup vanish.
                            Process p = new ProcessBuilder("sh", "-c", c.joinScript()
                                    + "cat " + VIEW.mount() + "/proc/meminfo " + VIEW.mount() + "/proc/loadavg " + VIEW.mount() + "/proc/uptime > /dev/null")
                                    .start();
                            p.waitFor();
                        }
                        churned.incrementAndGet();
                    }
                } catch (Throwable t) {
                    synchronized (churnErrors) {
                        churnErrors.add(t);
                    }
                }
            }, "churn");
            churn.start();

            String outA = new String(readerA.getInputStream().readAllBytes());
            String outB = new String(readerB.getInputStream().readAllBytes());
            int exitA = readerA.waitFor();
            int exitB = readerB.waitFor();
            readersDone.set(true);
            churn.join();

            assertEquals(0, exitA, outA);
            assertEquals(0, exitB, outB);
            assertTrue(outA.contains("check: ok") && outB.contains("check: ok"), outA + outB);
            assertTrue(churnErrors.isEmpty(), churnErrors.toString());
            assertTrue(churned.get() >= 10, "containers came and went: " + churned.get());
            // The daemon is still healthy and never fell back for the two long-lived readers' files.
            assertEquals(200, VIEW.daemon().http("GET", "/q/health/ready", null).statusCode());
        }
    }
}
