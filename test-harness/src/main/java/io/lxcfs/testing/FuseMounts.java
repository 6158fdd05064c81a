package io.lxcfs.testing;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/** FUSE mounts as this process's mount namespace sees them ({@code /proc/self/mountinfo}). */
public final class FuseMounts {

    /** Our daemon's file system type in mountinfo. */
    public static final String LXCFS_K8S = "fuse.lxcfs-k8s";

    private FuseMounts() {
    }

    /** Whether a FUSE file system whose type starts with {@code typePrefix} ({@code "fuse"} for any) is mounted at {@code path}. */
    public static boolean isMounted(Path path, String typePrefix) throws IOException {
        String needle = " " + path.toAbsolutePath() + " ";
        for (String line : Files.readAllLines(Path.of("/proc/self/mountinfo"))) {
            int sep = line.indexOf(" - ");
            if (sep > 0 && line.substring(0, sep + 1).contains(needle) && line.startsWith(typePrefix, sep + 3)) {
                return true;
            }
        }
        return false;
    }

    /** {@code umount -l path} when something is still mounted there (after a stop that leaves the view mounted). */
    public static void unmountIfMounted(Path path) throws Exception {
        if (isMounted(path, "fuse")) {
            Command.Result r = Command.run(List.of("umount", "-l", path.toString()), Duration.ofSeconds(30));
            if (r.exit() != 0) {
                System.err.println("umount -l " + path + " exited " + r.exit() + ": " + r.stderr().strip());
            }
        }
    }
}
