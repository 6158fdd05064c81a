package io.lxcfs.daemon.reattach;

import io.lxcfs.daemon.view.ProcFile;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.function.Predicate;

/**
 * Decides, from one mount namespace's mountinfo, which of the container's view mounts must be re-attached:
 * at each of the eight paths, the top mount when it is a mount of our view (file system type
 * {@value #FS_TYPE}, source {@value #SOURCE}) of one of the view's files whose device differs from the
 * current view's, i.e. a dead connection (crashed daemon) or an older daemon's. Nothing else is ever
 * selected: other file systems (Debian's {@code fuse.lxcfs}, a tmpfs), our view mounted elsewhere, a
 * covered mount under the top one.
 */
public final class ViewMounts {

    public static final String FS_TYPE = "fuse.lxcfs-k8s";
    public static final String SOURCE = "lxcfs-k8s";

    /** Where containers mount the view's files, which is also each file's path inside the view. */
    public static final Set<String> PATHS;

    static {
        Set<String> paths = new LinkedHashSet<>();
        for (ProcFile f : ProcFile.values()) {
            paths.add(f.path);
        }
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
        return FS_TYPE.equals(m.fsType()) && SOURCE.equals(m.source());
    }

    /** The view mounts of one namespace not served by {@code currentDevice}, in the eight paths' order. */
    public static List<Stale> stale(List<MountInfo.Mount> mounts, String currentDevice) {
        return stale(mounts, currentDevice, device -> true);
    }

    /**
     * As above, limited to stale devices {@code adoptable} accepts (a daemon sharing the machine with other,
     * independent daemons adopts only the views it found at its own mount path).
     */
    public static List<Stale> stale(List<MountInfo.Mount> mounts, String currentDevice, Predicate<String> adoptable) {
        List<Stale> out = new ArrayList<>();
        for (ProcFile f : ProcFile.values()) {
            Optional<MountInfo.Mount> top = MountInfo.topAt(mounts, f.path);
            if (top.isEmpty()) {
                continue;
            }
            MountInfo.Mount m = top.get();
            if (isView(m) && PATHS.contains(m.root()) && !m.device().equals(currentDevice) && adoptable.test(m.device())) {
                out.add(new Stale(f.path, m.root(), m.device()));
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
