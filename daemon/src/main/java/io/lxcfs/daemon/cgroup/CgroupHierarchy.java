package io.lxcfs.daemon.cgroup;

/**
 * One mounted cgroup hierarchy as the daemon sees it.
 *
 * @param mountDir      absolute directory of the hierarchy's root (e.g. {@code /sys/fs/cgroup/memory},
 *                      or {@code /sys/fs/cgroup} for a unified v2 mount)
 * @param unified       true for cgroup v2
 * @param namespaceRoot where the daemon's cgroup namespace root sits inside this hierarchy; paths in
 *                      {@code /proc/<pid>/cgroup} are relative to it ("/" outside a private namespace)
 */
public record CgroupHierarchy(String mountDir, boolean unified, String namespaceRoot) {

    public CgroupHierarchy withNamespaceRoot(String root) {
        return new CgroupHierarchy(mountDir, unified, CgroupPath.normalize(root));
    }

    /** The directory for a path as printed in {@code /proc/<pid>/cgroup} (may contain "/.."). */
    public CgroupDir dirFor(String procCgroupPath) {
        String hostRelative = CgroupPath.normalize(namespaceRoot + "/" + procCgroupPath);
        return new CgroupDir(this, hostRelative);
    }
}
