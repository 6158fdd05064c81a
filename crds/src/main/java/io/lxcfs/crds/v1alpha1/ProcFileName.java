package io.lxcfs.crds.v1alpha1;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;

/**
 * The eight files of the LXCFS view, as they are named in {@code spec.files} of a
 * {@link ProcViewPolicy}. Each name maps to the real path it is mounted over in a container and
 * to its path below the view's mount directory on the node (the same relative path). The daemon lists the
 * same files as its own {@code ProcFile} (it does not depend on this module); {@code ViewFileListTest} in
 * src-test keeps the two equal.
 */
public enum ProcFileName {
    meminfo("/proc/meminfo"),
    cpuinfo("/proc/cpuinfo"),
    stat("/proc/stat"),
    uptime("/proc/uptime"),
    loadavg("/proc/loadavg"),
    swaps("/proc/swaps"),
    diskstats("/proc/diskstats"),
    cpu_online("/sys/devices/system/cpu/online");

    private final String path;

    ProcFileName(String path) {
        this.path = path;
    }

    /** The absolute path inside a container, e.g. {@code /proc/meminfo}. */
    public String containerPath() {
        return path;
    }

    /** The stable volume name the webhook gives this file, e.g. {@code lxcfs-proc-meminfo}. */
    public String volumeName() {
        return "lxcfs" + path.replace('/', '-');
    }

    @JsonValue
    public String fileName() {
        return name();
    }

    @JsonCreator
    public static ProcFileName of(String name) {
        for (ProcFileName f : values()) {
            if (f.name().equals(name)) {
                return f;
            }
        }
        throw new IllegalArgumentException("unknown file '" + name + "'; allowed: "
                + java.util.Arrays.stream(values()).map(ProcFileName::name).collect(java.util.stream.Collectors.joining(", ")));
    }
}
