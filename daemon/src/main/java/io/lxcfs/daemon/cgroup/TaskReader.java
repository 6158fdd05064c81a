package io.lxcfs.daemon.cgroup;

import java.io.IOException;

/** Reads a container's threads and processes through its cgroup and {@code /proc/<tid>/stat}. */
public final class TaskReader {

    private final FileSource fs;
    private final String procRoot;

    public TaskReader(FileSource fs, String procRoot) {
        this.fs = fs;
        this.procRoot = procRoot;
    }

    /** Threads of the cgroup and its descendants. A thread that exits meanwhile is simply not counted. */
    public TaskCounts countThreads(CgroupDir dir) throws IOException {
        return countThreads(dir, 0);
    }

    /**
     * As {@link #countThreads(CgroupDir)}, with {@code readerTid} counted as running: it is blocked in
     * our FUSE read right now, where the kernel's own file would have seen it running.
     */
    public TaskCounts countThreads(CgroupDir dir, long readerTid) throws IOException {
        int[] acc = new int[3];
        long[] highest = {0};
        String threads = fs.read(dir.file(dir.unified() ? "cgroup.threads" : "tasks"));
        countIn(threads, acc, highest, readerTid);
        for (String child : fs.subdirectories(dir.absolute())) {
            countTree(dir.child(child), acc, highest, readerTid);
        }
        return new TaskCounts(acc[0], acc[1], acc[2], highest[0]);
    }

    private void countTree(CgroupDir dir, int[] acc, long[] highest, long readerTid) {
        String threads = fs.readOrNull(dir.file(dir.unified() ? "cgroup.threads" : "tasks"));
        if (threads != null) {
            countIn(threads, acc, highest, readerTid);
        }
        for (String child : fs.subdirectories(dir.absolute())) {
            countTree(dir.child(child), acc, highest, readerTid);
        }
    }

    private void countIn(String tids, int[] acc, long[] highest, long readerTid) {
        int pos = 0;
        int len = tids.length();
        while (pos < len) {
            int eol = tids.indexOf('\n', pos);
            if (eol < 0) {
                eol = len;
            }
            Long tid = FlatKeyed.parseLongOrNull(tids, pos, eol);
            pos = eol + 1;
            if (tid == null) {
                continue;
            }
            String stat = fs.readOrNull(procRoot + "/" + tid + "/stat");
            if (stat == null) {
                continue;
            }
            acc[2]++;
            highest[0] = Math.max(highest[0], tid);
            char state = tid == readerTid ? 'R' : stateOf(stat);
            if (state == 'R') {
                acc[0]++;
            } else if (state == 'D') {
                acc[1]++;
            }
        }
    }

    /** The state letter after the command name (which may itself contain ")"). */
    static char stateOf(String stat) {
        int close = stat.lastIndexOf(')');
        return close >= 0 && close + 2 < stat.length() ? stat.charAt(close + 2) : '?';
    }

    /** Field {@code n} (1-based, as in proc(5)) of a {@code /proc/<pid>/stat} line. */
    static String statField(String stat, int n) {
        int close = stat.lastIndexOf(')');
        if (close < 0) {
            throw new IllegalArgumentException("malformed stat");
        }
        String[] rest = stat.substring(close + 2).trim().split(" ");
        int idx = n - 3;
        if (idx < 0 || idx >= rest.length) {
            throw new IllegalArgumentException("stat has no field " + n);
        }
        return rest[idx];
    }

    /** Start time (ticks since boot) of the oldest process directly in the cgroup, or -1 if it has none. */
    public long oldestStartTicks(CgroupDir dir) throws IOException {
        String procs = fs.read(dir.file("cgroup.procs"));
        long oldest = Long.MAX_VALUE;
        for (String line : procs.split("\n")) {
            if (line.isBlank()) {
                continue;
            }
            String stat = fs.readOrNull(procRoot + "/" + line.trim() + "/stat");
            if (stat == null) {
                continue;
            }
            oldest = Math.min(oldest, Long.parseLong(statField(stat, 22)));
        }
        return oldest == Long.MAX_VALUE ? -1 : oldest;
    }

    /** The pid as the process's own (innermost) pid namespace numbers it: last field of {@code NSpid:}. */
    public long namespacePid(long hostPid) {
        String status = fs.readOrNull(procRoot + "/" + hostPid + "/status");
        if (status == null) {
            return hostPid;
        }
        int i = status.indexOf("\nNSpid:");
        if (i < 0) {
            return hostPid;
        }
        int eol = status.indexOf('\n', i + 1);
        String[] f = status.substring(i + 7, eol < 0 ? status.length() : eol).trim().split("\\s+");
        try {
            return Long.parseLong(f[f.length - 1]);
        } catch (NumberFormatException e) {
            return hostPid;
        }
    }
}
