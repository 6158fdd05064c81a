package io.lxcfs.daemon.cgroup;

/**
 * The threads of a container's cgroup tree at one moment: host tid and state letter of each. Immutable, so
 * one sample can answer several reads (each with its own reader thread) for a short while.
 */
public final class ThreadSample {

    private final long[] tids;
    private final char[] states;
    private final int running;
    private final int blocked;
    private final long highestTid;

    ThreadSample(long[] tids, char[] states, int count) {
        this.tids = java.util.Arrays.copyOf(tids, count);
        this.states = java.util.Arrays.copyOf(states, count);
        int r = 0;
        int d = 0;
        long highest = 0;
        for (int i = 0; i < count; i++) {
            if (states[i] == 'R') {
                r++;
            } else if (states[i] == 'D') {
                d++;
            }
            highest = Math.max(highest, tids[i]);
        }
        this.running = r;
        this.blocked = d;
        this.highestTid = highest;
    }

    /** The counts without a reader adjustment (what the load-average sampler feeds on). */
    public TaskCounts counts() {
        return new TaskCounts(running, blocked, tids.length, highestTid);
    }

    /**
     * The counts as {@code readerTid} (a thread of this container, blocked in our FUSE read right now)
     * should see them: it counts as running, where the kernel's own file would have seen it running. A
     * reader the sample does not contain yet (it started after the sample) is added. {@code readerTid <= 0}:
     * no adjustment.
     */
    public TaskCounts countsFor(long readerTid) {
        if (readerTid <= 0) {
            return counts();
        }
        for (int i = 0; i < tids.length; i++) {
            if (tids[i] == readerTid) {
                char s = states[i];
                return new TaskCounts(running + (s == 'R' ? 0 : 1), blocked - (s == 'D' ? 1 : 0), tids.length, highestTid);
            }
        }
        return new TaskCounts(running + 1, blocked, tids.length + 1, Math.max(highestTid, readerTid));
    }

    /** The highest tid of the sample below {@code tid}, or 0 when there is none. */
    public long highestBelow(long tid) {
        long best = 0;
        for (long t : tids) {
            if (t < tid && t > best) {
                best = t;
            }
        }
        return best;
    }

    public int size() {
        return tids.length;
    }
}
