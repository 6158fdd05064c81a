package io.lxcfs.daemon.view;

/**
 * The eight files of the view: their path inside the mount and the host file they replace. The policy CRD names
 * the same files ({@code crds} module, {@code ProcFileName}; the daemon does not depend on it): src-test's
 * {@code ViewFileListTest} keeps the two lists equal.
 */
public enum ProcFile {
    MEMINFO("/proc/meminfo", "meminfo"),
    CPUINFO("/proc/cpuinfo", "cpuinfo"),
    STAT("/proc/stat", "stat"),
    UPTIME("/proc/uptime", "uptime"),
    LOADAVG("/proc/loadavg", "loadavg"),
    SWAPS("/proc/swaps", "swaps"),
    DISKSTATS("/proc/diskstats", "diskstats"),
    CPU_ONLINE("/sys/devices/system/cpu/online", "cpu_online");

    /** Path inside the FUSE mount, which is also the real path it is mounted over in a container. */
    public final String path;
    /** Short name for metrics labels. */
    public final String label;

    ProcFile(String path, String label) {
        this.path = path;
        this.label = label;
    }

    public static ProcFile byPath(String path) {
        for (ProcFile f : values()) {
            if (f.path.equals(path)) {
                return f;
            }
        }
        return null;
    }
}
