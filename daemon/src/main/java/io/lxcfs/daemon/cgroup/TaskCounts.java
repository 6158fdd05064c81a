package io.lxcfs.daemon.cgroup;

/** Threads of a container right now: in state R, in state D, all, and the highest host tid. */
public record TaskCounts(int running, int blocked, int total, long highestTid) {

    /** What the kernel's load average counts as active. */
    public int active() {
        return running + blocked;
    }
}
