package io.lxcfs.webhook.core;

/**
 * One {@code hostPath} volume of the view and where containers get it: {@code volumeName} (stable, prefixed),
 * {@code containerPath} (the real path it covers), {@code hostPath} (below the daemon's mount directory) and the
 * hostPath {@code type} ({@code File} or {@code Directory}: a missing view fails the container clearly instead of
 * letting the runtime create an empty file or directory in its place).
 */
public record ViewMount(String volumeName, String containerPath, String hostPath, String hostPathType) {

    /** The view's CPU directory: {@code lscpu}, {@code htop}, {@code mpstat} count the container's CPUs. */
    public static final String CPU_DIRECTORY = "/sys/devices/system/cpu";

    /**
     * Whether a container's own mount at {@code path} is in the way: at the same path, inside this directory, or
     * the CPU directory around the {@code online} file. The container then keeps its own and gets none of this.
     */
    boolean clashesWith(String path) {
        return path.equals(containerPath) || path.startsWith(containerPath + "/")
                || path.equals(CPU_DIRECTORY) && containerPath.startsWith(CPU_DIRECTORY + "/");
    }
}
