package io.lxcfs.daemon.loadavg;

/**
 * The kernel's exponentially-damped load averages in 11-bit fixed point (kernel/sched/loadavg.c),
 * fed every 5 s with the number of threads in state R or D.
 */
public final class LoadAverage {

    public static final int FSHIFT = 11;
    public static final long FIXED_1 = 1L << FSHIFT;
    public static final long EXP_1 = 1884;
    public static final long EXP_5 = 2014;
    public static final long EXP_15 = 2037;

    private final long[] loads = new long[3];
    private long samples;

    /** calc_load(): {@code (load·e + active·FIXED_1·(FIXED_1 − e)) / FIXED_1}, rounded up while rising. */
    public static long step(long load, long exp, long activeThreads) {
        long active = activeThreads * FIXED_1;
        long newLoad = load * exp + active * (FIXED_1 - exp);
        if (active >= load) {
            newLoad += FIXED_1 - 1;
        }
        return newLoad / FIXED_1;
    }

    public synchronized void sample(int activeThreads) {
        loads[0] = step(loads[0], EXP_1, activeThreads);
        loads[1] = step(loads[1], EXP_5, activeThreads);
        loads[2] = step(loads[2], EXP_15, activeThreads);
        samples++;
    }

    public synchronized long[] snapshot() {
        return loads.clone();
    }

    public synchronized long samples() {
        return samples;
    }

    /** As {@code loadavg_proc_show}: add FIXED_1/200 to round, then integer part and two decimals. */
    public static void format(StringBuilder out, long load) {
        long v = load + FIXED_1 / 200;
        long frac = ((v & (FIXED_1 - 1)) * 100) >> FSHIFT;
        out.append(v >> FSHIFT).append('.').append(frac < 10 ? "0" : "").append(frac);
    }
}
