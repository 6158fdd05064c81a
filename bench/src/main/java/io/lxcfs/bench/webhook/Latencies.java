package io.lxcfs.bench.webhook;

import java.util.Arrays;

/** The outcome of one load phase: every request's latency (nanoseconds, sorted), how many failed. */
public record Latencies(long[] sortedNanos, long errors) {
    public static Latencies of(long[] nanos, long errors) {
        long[] sorted = nanos.clone();
        Arrays.sort(sorted);
        return new Latencies(sorted, errors);
    }

    public int requests() {
        return sortedNanos.length;
    }

    /** Nearest-rank percentile in milliseconds (NaN without samples). */
    public double percentileMillis(double p) {
        if (sortedNanos.length == 0) {
            return Double.NaN;
        }
        int rank = (int) Math.ceil(p / 100.0 * sortedNanos.length) - 1;
        return sortedNanos[Math.max(0, Math.min(rank, sortedNanos.length - 1))] / 1e6;
    }

    public double maxMillis() {
        return sortedNanos.length == 0 ? Double.NaN : sortedNanos[sortedNanos.length - 1] / 1e6;
    }
}
