package io.lxcfs.daemon.cgroup;

/**
 * The CPUs a container sees. {@code visible} are host CPU ids, shown renumbered 0..N-1;
 * {@code quota} is the CFS quota in CPUs (NaN when there is none anywhere up the tree).
 */
public record CpuView(int[] visible, double quota, int[] cpuset) {

    public int count() {
        return visible.length;
    }

    /** CPUs' worth of time per second the container may use: min(N, quota). */
    public double capacity() {
        return Double.isNaN(quota) ? visible.length : Math.min(visible.length, quota);
    }

    /** Index of a host CPU among the visible ones, or -1. */
    public int indexOf(int hostCpu) {
        for (int i = 0; i < visible.length; i++) {
            if (visible[i] == hostCpu) {
                return i;
            }
        }
        return -1;
    }
}
