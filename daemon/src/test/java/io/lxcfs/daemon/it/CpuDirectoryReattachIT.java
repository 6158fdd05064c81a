package io.lxcfs.daemon.it;

import io.lxcfs.testing.DaemonProcess;
import io.lxcfs.testing.ProcessWait;
import io.lxcfs.testing.RootAccess;
import io.lxcfs.testing.TestCgroup;

import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The webhook's default CPU mount, the view's directory over {@code /sys/devices/system/cpu}, survives a daemon
 * crash as the file mounts do: the successor's re-attach helper puts its own directory in place of the dead one
 * inside the container's mount namespace (a 1-CPU container: cpuset 0, so that the host's other CPUs show the
 * difference), and the container sees its one CPU again.
 */
class CpuDirectoryReattachIT {

    private static final String CPU = "/sys/devices/system/cpu";
    private static final String CHECK = "ls -d " + CPU + "/cpu[0-9]*; cat " + CPU + "/online " + CPU + "/possible";

    @Test
    void aCrashedDaemonsCpuDirectoryIsReplacedByTheSuccessors() throws Exception {
        RootAccess.assume();
        Path mount = Files.createTempDirectory("lxcfs-it-cpudir-reattach");
        try (TestCgroup cg = TestCgroup.create("cpudir-reattach").cpuset("0")) {
            DaemonProcess first = DaemonProcess.start(mount);
            Process container = null;
            try {
                // The "container": in the cgroup, a private mount namespace with the directory bound over the real one.
                container = new ProcessBuilder("sh", "-c", cg.joinScript() + "exec unshare --mount --propagation private sh -c "
                        + ViewContainer.quote("mount --bind " + mount + CPU + " " + CPU + " && exec sleep 600")).start();
                Process c = container;
                ProcessWait.until(c, "container", "mount the directory", Duration.ofSeconds(10), Duration.ofMillis(20),
                        () -> "", () -> deviceAt(c.pid()) != null);
                String firstDevice = deviceAt(c.pid());
                assertEquals(CPU + "/cpu0\n0\n0\n", inContainer(cg, c.pid()), "before the crash");

                first.kill9();
                assertNotEquals(0, run(cg.joinScript() + "exec nsenter -t " + c.pid() + " -m cat " + CPU + "/online").exit,
                        "a dead daemon's directory must fail reads (else the test proves nothing)");

                try (DaemonProcess second = DaemonProcess.start(mount)) {
                    second.awaitReady(Duration.ofSeconds(60));
                    ProcessWait.until(c, "container", "be re-attached", Duration.ofSeconds(15), Duration.ofMillis(100),
                            second::log, () -> !firstDevice.equals(deviceAt(c.pid())));
                    assertEquals(CPU + "/cpu0\n0\n0\n", inContainer(cg, c.pid()), "after the re-attachment\n" + second.log());
                    assertTrue(mountinfo(c.pid()).contains(" " + CPU + " " + CPU + " "), mountinfo(c.pid()));
                }
            } finally {
                if (container != null) {
                    container.destroyForcibly().waitFor();
                }
                first.close();
            }
        } finally {
            if (DaemonProcess.isMounted(mount)) {
                new ProcessBuilder("umount", "-l", mount.toString()).start().waitFor();
            }
            Files.deleteIfExists(mount);
        }
    }

    /** The device of the top mount at the CPU directory in the process's namespace, if it is ours. */
    private static String deviceAt(long pid) throws Exception {
        String device = null;
        for (String line : mountinfo(pid).split("\n")) {
            String[] f = line.split(" ");
            if (f.length > 4 && f[4].equals(CPU) && line.contains(" - fuse.lxcfs-k8s ")) {
                device = f[2];
            }
        }
        return device;
    }

    private static String mountinfo(long pid) throws Exception {
        return Files.readString(Path.of("/proc/" + pid + "/mountinfo"));
    }

    /** The check run in the container's mount namespace and cgroup (the view answers by the cgroup). */
    private static String inContainer(TestCgroup cg, long pid) throws Exception {
        Result r = run(cg.joinScript() + "exec nsenter -t " + pid + " -m sh -c " + ViewContainer.quote(CHECK));
        assertEquals(0, r.exit, r.out);
        return r.out;
    }

    private record Result(int exit, String out) {
    }

    private static Result run(String script) throws Exception {
        Process p = new ProcessBuilder("sh", "-c", script).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        assertTrue(p.waitFor(30, TimeUnit.SECONDS), script);
        return new Result(p.exitValue(), out);
    }
}
