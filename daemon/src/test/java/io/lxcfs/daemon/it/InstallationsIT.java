package io.lxcfs.daemon.it;

import io.lxcfs.daemon.view.ProcFile;
import io.lxcfs.testing.DaemonProcess;
import io.lxcfs.testing.RootAccess;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Two installations on one node (two Helm releases with different mount paths, a test daemon beside the
 * real one): each daemon re-attaches only its own installation's containers, alive or dead, and a restart
 * of one installation repairs its containers and leaves the other's alone.
 */
class InstallationsIT {

    private final List<AutoCloseable> cleanup = new ArrayList<>();

    @BeforeAll
    static void root() {
        RootAccess.assume();
    }

    @AfterEach
    void cleanUp() throws Exception {
        for (int i = cleanup.size() - 1; i >= 0; i--) {
            cleanup.get(i).close();
        }
    }

    @Test
    void twoDaemonsOnTwoMountPathsNeverReattachEachOthersContainers() throws Exception {
        Path mountA = Files.createTempDirectory("lxcfs-it-install-a");
        Path mountB = Files.createTempDirectory("lxcfs-it-install-b");
        DaemonProcess a = DaemonProcess.start(mountA);
        cleanup.add(() -> unmount(mountA));
        cleanup.add(a);
        DaemonProcess b = DaemonProcess.start(mountB);
        cleanup.add(() -> unmount(mountB));
        cleanup.add(b);
        a.awaitReady(Duration.ofSeconds(60));
        b.awaitReady(Duration.ofSeconds(60));
        Process onA = container(mountA);
        Process onB = container(mountB);
        String aBefore = viewLines(onA.pid());
        String bBefore = viewLines(onB.pid());

        // Both alive: each one's pass sees the other's mounts as "not our device" and must leave them.
        assertEquals(200, a.http("POST", "/admin/reconcile", null).statusCode());
        assertEquals(200, b.http("POST", "/admin/reconcile", null).statusCode());
        assertEquals(aBefore, viewLines(onA.pid()), "daemon B took a container of installation A");
        assertEquals(bBefore, viewLines(onB.pid()), "daemon A took a container of installation B");

        // A dies: B still must not adopt A's (now dead) container.
        a.kill9();
        assertEquals(200, b.http("POST", "/admin/reconcile", null).statusCode());
        assertEquals(aBefore, viewLines(onA.pid()), "daemon B adopted a dead container of installation A");
        assertTrue(b.http("GET", "/q/metrics", null).body().contains("lxcfs_reattach_containers_total 0.0"));

        // A's next daemon repairs its own container and leaves B's alone.
        DaemonProcess a2 = DaemonProcess.start(mountA);
        cleanup.add(a2);
        a2.awaitReady(Duration.ofSeconds(60));
        assertNotEquals(aBefore, viewLines(onA.pid()), "installation A's restart did not re-attach its container");
        assertEquals(bBefore, viewLines(onB.pid()), "installation A's restart touched installation B's container");
        assertTrue(readInside(onA.pid(), "/proc/meminfo").startsWith("MemTotal:"));
        assertTrue(readInside(onB.pid(), "/proc/meminfo").startsWith("MemTotal:"));
        assertTrue(Files.readString(Path.of("/proc/self/mountinfo")).contains(" fuse.lxcfs-k8s lxcfs-k8s@" + mountA.toRealPath() + " "),
                "the mount source names the installation");
    }

    /** A private mount namespace with the eight files of {@code view} mounted over the real paths. */
    private Process container(Path view) throws Exception {
        String inner = ViewContainer.bindScript(view) + "exec sleep 600";
        Process p = new ProcessBuilder("unshare", "--mount", "--propagation", "private", "sh", "-c", inner).start();
        cleanup.add(() -> p.destroyForcibly().waitFor());
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (viewLines(p.pid()).lines().count() < ProcFile.values().length) {
            assertTrue(p.isAlive() && System.nanoTime() < deadline, () -> "container not ready: " + stderr(p));
            Thread.sleep(20);
        }
        return p;
    }

    private static String stderr(Process p) {
        try {
            return new String(p.getErrorStream().readNBytes(4096));
        } catch (Exception e) {
            return e.toString();
        }
    }

    /** The namespace's mount lines at the eight paths: mount id, parent, device... change on re-attachment. */
    private static String viewLines(long pid) throws Exception {
        List<String> paths = Stream.of(ProcFile.values()).map(f -> " " + f.path + " ").toList();
        return Files.readAllLines(Path.of("/proc/" + pid + "/mountinfo")).stream()
                .filter(l -> l.contains("fuse.lxcfs-k8s") && paths.stream().anyMatch(l::contains))
                .collect(Collectors.joining("\n"));
    }

    private static String readInside(long pid, String file) throws Exception {
        Process p = new ProcessBuilder("nsenter", "-t", Long.toString(pid), "-m", "cat", file).start();
        String out = new String(p.getInputStream().readAllBytes());
        assertEquals(0, p.waitFor(), () -> file + " inside " + pid + ": " + stderr(p));
        return out;
    }

    private static void unmount(Path p) throws Exception {
        while (DaemonProcess.isMounted(p)) {
            new ProcessBuilder("umount", "-l", p.toString()).start().waitFor();
        }
        Files.deleteIfExists(p);
    }
}
