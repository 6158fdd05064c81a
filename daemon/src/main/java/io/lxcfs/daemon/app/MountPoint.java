package io.lxcfs.daemon.app;

import io.lxcfs.daemon.reattach.MountInfo;
import io.lxcfs.daemon.reattach.ViewMounts;
import io.lxcfs.daemon.host.LibC;
import org.jboss.logging.Logger;

import java.io.IOException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.List;

/** Gets the mount path ready: a dead FUSE mount left by a crashed daemon is detached, a missing path created. */
final class MountPoint {

    private static final Logger LOG = Logger.getLogger(MountPoint.class);

    private MountPoint() {
    }

    static void prepare(Path path) throws IOException {
        if (isDeadMount(path)) {
            LOG.warnf("%s is a dead FUSE mount (transport endpoint is not connected): detaching it", path);
            lazyUnmount(path);
        }
        Files.createDirectories(path);
    }

    /**
     * Detaches the staging mounts of daemons that crashed before moving their view to the mount path
     * (only where staging is visible to us, i.e. a daemon outside a container); a live one belongs to a
     * daemon starting right now and is left alone.
     */
    static void detachDeadStaging(Path stagingRoot, List<MountInfo.Mount> mounts) throws IOException {
        String prefix = (Files.isDirectory(stagingRoot) ? stagingRoot.toRealPath() : stagingRoot.toAbsolutePath())
                + "/staging-";
        for (MountInfo.Mount m : mounts) {
            Path p = Path.of(m.mountPoint());
            if (ViewMounts.isView(m) && m.mountPoint().startsWith(prefix) && isDeadMount(p)) {
                LOG.warnf("%s is the dead staging mount of a crashed daemon: detaching it", p);
                lazyUnmount(p);
                Files.deleteIfExists(p);
            }
        }
    }

    static boolean isDeadMount(Path path) {
        try {
            Files.readAttributes(path, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
            return false;
        } catch (FileSystemException e) {
            String reason = String.valueOf(e.getReason()) + e.getMessage();
            return reason.contains("not connected");
        } catch (IOException e) {
            return false;
        }
    }

    static void lazyUnmount(Path path) throws IOException {
        if (LibC.INSTANCE.umount2(path.toString(), LibC.MNT_DETACH) != 0 && isDeadMount(path)) {
            throw new IOException("cannot detach the dead mount at " + path);
        }
    }
}
