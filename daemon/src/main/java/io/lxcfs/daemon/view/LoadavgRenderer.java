package io.lxcfs.daemon.view;

import io.lxcfs.daemon.loadavg.LoadAverage;

/** {@code /proc/loadavg}: {@code l1 l5 l15 running/total last_pid}, averages printed as the kernel does. */
public final class LoadavgRenderer {

    private LoadavgRenderer() {
    }

    public static String render(long[] fixedPointLoads, int running, int total, long lastPid) {
        StringBuilder out = new StringBuilder(48);
        for (long load : fixedPointLoads) {
            LoadAverage.format(out, load);
            out.append(' ');
        }
        return out.append(running).append('/').append(total).append(' ').append(lastPid).append('\n').toString();
    }
}
