package io.lxcfs.daemon.it;

import io.lxcfs.testing.DaemonProcess;
import io.lxcfs.testing.RootAccess;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.net.http.HttpResponse;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Start-up over a dead mount, SIGTERM that leaves the view for a successor, and health that follows the mount rather than the JVM. */
class DaemonLifecycleIT {

    @BeforeAll
    static void assumeRoot() {
        RootAccess.assume();
    }

    @Test
    void sigtermExitsZeroAndLeavesTheViewMountedForASuccessor() throws Exception {
        // The handover contract: a stopping daemon never unmounts from under running containers; what it
        // leaves (a dead mount once it has exited) is replaced by the next daemon, which re-attaches them.
        Path mount = Files.createTempDirectory("lxcfs-it-term");
        DaemonProcess d = DaemonProcess.start(mount);
        assertTrue(DaemonProcess.isMounted(mount));
        assertEquals(0, d.stop(), d.log());
        assertTrue(DaemonProcess.isMounted(mount), "the view must stay mounted after SIGTERM");
        assertTrue(d.log().contains("stays mounted"), d.log());
        try (DaemonProcess next = DaemonProcess.start(mount)) {
            next.awaitReady(java.time.Duration.ofSeconds(30));
            assertTrue(Files.readString(mount.resolve("proc/meminfo")).startsWith("MemTotal:"));
        }
    }

    @Test
    void startsOverTheDeadMountOfACrashedDaemonAndCreatesAMissingPath() throws Exception {
        Path mount = Files.createTempDirectory("lxcfs-it-crash").resolve("not/yet/there");
        DaemonProcess first = DaemonProcess.start(mount);
        first.kill9();
        // What a crash leaves behind: the mount is still there but every access fails with ENOTCONN.
        FileSystemException dead = assertThrows(FileSystemException.class, () -> Files.readString(mount.resolve("proc/meminfo")));
        assertTrue(String.valueOf(dead.getMessage()).contains("not connected"), dead.getMessage());
        try (DaemonProcess second = DaemonProcess.start(mount)) {
            assertTrue(Files.readString(mount.resolve("proc/meminfo")).startsWith("MemTotal:"));
            assertTrue(second.log().contains("dead FUSE mount"), second.log());
        }
    }

    @Test
    void healthGoesDownWhenTheMountIsGone() throws Exception {
        Path mount = Files.createTempDirectory("lxcfs-it-health");
        try (DaemonProcess d = DaemonProcess.start(mount)) {
            assertEquals(200, d.http("GET", "/q/health/ready", null).statusCode());
            // Someone detaches the view from under the daemon: the JVM is fine, the view is not.
            assertEquals(0, new ProcessBuilder("umount", "-l", mount.toString()).start().waitFor());
            HttpResponse<String> ready = d.http("GET", "/q/health/ready", null);
            assertEquals(503, ready.statusCode(), ready.body());
            assertTrue(ready.body().contains("\"DOWN\""), ready.body());
            assertEquals(503, d.http("GET", "/q/health/live", null).statusCode());
        }
    }
}
