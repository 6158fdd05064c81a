package io.lxcfs.daemon.view;

import io.lxcfs.daemon.cgroup.CpuUsage;
import io.lxcfs.daemon.cgroup.CpuView;

import java.util.Arrays;

/**
 * Per visible CPU user/system/idle ticks as /proc/stat shows them. Idle is what the container could have
 * used since it started but did not: capacity per CPU is {@code min(N, quota)/N} of each tick.
 * {@link #monotonicAfter} keeps every counter from going back between reads (tools take deltas).
 */
public record CpuTimes(long[] user, long[] system, long[] idle) {

    /** @param uptimeTicks the container's uptime in USER_HZ ticks */
    public static CpuTimes compute(CpuView view, CpuUsage usage, long uptimeTicks) {
        int n = view.count();
        // The small epsilon keeps an exact product (e.g. 87655 ticks x 1.0) from flooring one tick low
        // when the quota ratio is not representable in binary.
        long possible = (long) Math.floor(Math.max(0, uptimeTicks) * view.capacity() / n + 1e-6);
        long[] idle = new long[n];
        for (int i = 0; i < n; i++) {
            idle[i] = Math.max(0, possible - usage.user()[i] - usage.system()[i]);
        }
        return new CpuTimes(usage.user().clone(), usage.system().clone(), idle);
    }

    /** This reading, with each counter raised to at least what {@code previous} showed for the same CPU. */
    public CpuTimes monotonicAfter(CpuTimes previous) {
        if (previous == null || previous.user.length != user.length) {
            return this;
        }
        long[] u = user.clone();
        long[] s = system.clone();
        long[] i = idle.clone();
        for (int k = 0; k < u.length; k++) {
            u[k] = Math.max(u[k], previous.user[k]);
            s[k] = Math.max(s[k], previous.system[k]);
            i[k] = Math.max(i[k], previous.idle[k]);
        }
        return new CpuTimes(u, s, i);
    }

    public long totalIdle() {
        return Arrays.stream(idle).sum();
    }
}
