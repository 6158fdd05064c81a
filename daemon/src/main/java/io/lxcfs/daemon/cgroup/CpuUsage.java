package io.lxcfs.daemon.cgroup;

/** Cumulative CPU time per visible CPU (index 0..N-1), in USER_HZ ticks. */
public record CpuUsage(long[] user, long[] system) {
}
