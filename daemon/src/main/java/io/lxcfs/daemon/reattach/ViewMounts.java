package io.lxcfs.daemon.reattach;

import io.lxcfs.daemon.view.CpuDirectory;
import io.lxcfs.daemon.view.ProcFile;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.function.Predicate;

/**
 * Decides, from one mount namespace's mountinfo, which of the container's view mounts must be re-attached:
 * at each of the eight paths and the CPU directory, the top mount when it is a mount of our view (file system type
 * {@value #FS_TYPE}, source {@value #SOURCE} or {@code lxcfs-k8s@<installation>}) of one of the view's files
 * whose device differs from the current view's, i.e. a dead connection (crashed daemon) or an older daemon's,
 * and that the caller's adoption rule accepts (by default: the same installation). Nothing else is ever
 * selected: other file systems (Debian's {@code fuse.lxcfs}, a tmpfs), our view mounted elsewhere, a
 * covered mount under the top one.
 */
public final class ViewMounts {

    /** Our file system's name: the FUSE subtype, and the mount source of views from daemons that named no installation. */
    public static final String SOURCE = "lxcfs-k8s";
    public static final String FS_TYPE = "fuse." + SOURCE;
    private static final String INSTALLATION_SEPARATOR = "@";

    /**
     * Where containers mount the view's files and its CPU directory, which is also each one's path inside the
     * view: the eight files, then the directory {@code /sys/devices/system/cpu} (the webhook's default mount).
     */
    public static final List<String> MOUNTED_PATHS;
    public static final Set<String> PATHS;

    static {
        Set<String> paths = new LinkedHashSet<>();
        for (ProcFile f : ProcFile.values()) {
            paths.add(f.path);
        }
        paths.add(CpuDirectory.PATH);
        MOUNTED_PATHS = List.copyOf(paths);
        PATHS = Set.copyOf(paths);
    }

    /**
     * A mount to replace: {@code mountPoint} in the container, {@code viewFile} the file of the view it
     * shows (the mount's root inside our file system), {@code staleDevice} its device as mountinfo gives it.
     */
    public record Stale(String mountPoint, String viewFile, String staleDevice) {
    }

    private ViewMounts() {
    }

    public static boolean isView(MountInfo.Mount m) {
        return FS_TYPE.equals(m.fsType())
                && (SOURCE.equals(m.source()) || m.source().startsWith(SOURCE + INSTALLATION_SEPARATOR));
    }

    /**
     * The mount source that names a daemon's installation (two daemons on one node with different
     * installations never take each other's containers). The installation is the mount path unless configured.
     */
    public static String source(String installation) {
        return SOURCE + INSTALLATION_SEPARATOR + installation;
    }

    /**
     * The default adoption rule: views whose source names our installation, and the views that were at our
     * mount path when we started (a predecessor of any version, whatever source it used).
     */
    public static Predicate<MountInfo.Mount> sameInstallation(String ownSource, Set<String> predecessorDevices) {
        return m -> m.source().equals(ownSource) || predecessorDevices.contains(m.device());
    }

    /** The view mounts of one namespace not served by {@code currentDevice}, in {@link #MOUNTED_PATHS}' order. */
    public static List<Stale> stale(List<MountInfo.Mount> mounts, String currentDevice) {
        return stale(mounts, currentDevice, m -> true);
    }

    /**
     * As above, limited to stale mounts {@code adoptable} accepts (a daemon adopts only its own installation's
     * views unless told otherwise).
     */
    public static List<Stale> stale(List<MountInfo.Mount> mounts, String currentDevice, Predicate<MountInfo.Mount> adoptable) {
        List<Stale> out = new ArrayList<>();
        for (String path : MOUNTED_PATHS) {
            Optional<MountInfo.Mount> top = MountInfo.topAt(mounts, path);
            if (top.isEmpty()) {
                continue;
            }
            MountInfo.Mount m = top.get();
            if (isView(m) && PATHS.contains(m.root()) && !m.device().equals(currentDevice) && adoptable.test(m)) {
                out.add(new Stale(path, m.root(), m.device()));
            }
        }
        return out;
    }

    /** The devices of every view of ours mounted at {@code path}, top one last (a stack left by crashes). */
    public static List<String> viewDevicesAt(List<MountInfo.Mount> mounts, String path) {
        return mounts.stream().filter(m -> m.mountPoint().equals(path) && isView(m)).map(MountInfo.Mount::device).toList();
    }

    /** The device of our view mounted at {@code path} (the top mount there), if it is ours. */
    public static Optional<String> viewDeviceAt(List<MountInfo.Mount> mounts, String path) {
        return MountInfo.topAt(mounts, path).filter(ViewMounts::isView).map(MountInfo.Mount::device);
    }
}
