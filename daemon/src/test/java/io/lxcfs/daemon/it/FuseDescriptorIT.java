package io.lxcfs.daemon.it;

import io.lxcfs.testing.RepoLayout;
import io.lxcfs.testing.RootAccess;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Why every daemon reads the keeper's own descriptor and never a clone of it (docs/fuse-server.md): a request a
 * server has read and not answered when it exits is aborted with the clone it came from, but waits on the
 * shared descriptor, and FUSE_NOTIFY_RESEND gives it to the next server. {@code fuseclone} (src/test/c) is a
 * minimal FUSE server on this kernel.
 */
class FuseDescriptorIT {

    @BeforeAll
    static void root() {
        RootAccess.assume();
    }

    static String run(String mode) throws Exception {
        Path dir = Files.createTempDirectory("lxcfs-it-fuseclone");
        try {
            Process p = new ProcessBuilder(RepoLayout.toolsDir().resolve("fuseclone").toString(), mode, dir.toString())
                    .redirectErrorStream(true).start();
            assertTrue(p.waitFor(30, TimeUnit.SECONDS), "fuseclone " + mode + " hung");
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertEquals(0, p.exitValue(), out);
            return out;
        } finally {
            new ProcessBuilder("umount", "-l", dir.toString()).start().waitFor();
            Files.deleteIfExists(dir);
        }
    }

    @Test
    void aRequestReadFromACloneDiesWithTheClone() throws Exception {
        String out = run("clone");
        assertTrue(out.contains("lookup-read-by-child opcode=1"), out);
        assertTrue(out.contains("reader-after-child-exit: errno=ECONNABORTED"), out);
    }

    @Test
    void aRequestReadFromTheSharedDescriptorWaitsAndIsSentAgain() throws Exception {
        String out = run("shared");
        assertTrue(out.contains("lookup-read-by-child opcode=1"), out);
        assertTrue(out.contains("reader-after-child-exit: waiting"), out);
        assertTrue(out.contains("resent opcode=1") && out.contains("resend-bit=1"), out);
        assertTrue(out.contains("reader-final: errno=ENOENT"), "the reader got the answer to its resent request\n" + out);
    }
}
