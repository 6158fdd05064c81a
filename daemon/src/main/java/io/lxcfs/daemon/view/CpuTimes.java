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

    /**
     * This reading, with each counter raised to at least what {@code previous} showed for the same CPU.
     * When a resize changed N, the previous counters of CPUs no longer shown are folded onto the remaining
     * ones ({@code cpu % N}, as usage_all folding does): otherwise the aggregate cpu line, the sum of the
     * cpuN lines, would go back on a shrink.
     */
    public CpuTimes monotonicAfter(CpuTimes previous) {
        if (previous == null) {
            return this;
        }
        int n = user.length;
        long[] u = user.clone();
        long[] s = system.clone();
        long[] i = idle.clone();
        long[] pu = new long[n];
        long[] ps = new long[n];
        long[] pi = new long[n];
        for (int k = 0; k < previous.user.length; k++) {
            pu[k % n] += previous.user[k];
            ps[k % n] += previous.system[k];
            pi[k % n] += previous.idle[k];
        }
        for (int k = 0; k < n; k++) {
            u[k] = Math.max(u[k], pu[k]);
            s[k] = Math.max(s[k], ps[k]);
            i[k] = Math.max(i[k], pi[k]);
        }
        return new CpuTimes(u, s, i);
    }

    public long totalIdle() {
        return Arrays.stream(idle).sum();
    }
}
