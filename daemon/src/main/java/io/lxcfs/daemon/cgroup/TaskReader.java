package io.lxcfs.daemon.cgroup;

import java.io.IOException;
import java.util.List;

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
        return sampleThreads(dir).counts();
    }

    /** Every thread of the cgroup and its descendants with its state; threads that exit meanwhile are left out. */
    public ThreadSample sampleThreads(CgroupDir dir) throws IOException {
        return sampleThreads(taskList(dir));
    }

    /**
     * The tids of the cgroup and its descendants as their {@code tasks} (v2: {@code cgroup.threads}) files list
     * them, one after the other: one read per cgroup, no per-thread read. Equal lists mean the same threads in the
     * same cgroups; a list that differs only in order (v2 lists in no promised order) just fails to compare equal. The cgroup's own file must be readable;
     * a child that vanishes meanwhile is left out.
     */
    public String taskList(CgroupDir dir) throws IOException {
        String own = fs.read(dir.file(dir.unified() ? "cgroup.threads" : "tasks"));
        List<String> children = fs.subdirectories(dir.absolute());
        if (children.isEmpty()) {
            return own;
        }
        StringBuilder all = new StringBuilder(own);
        for (String child : children) {
            appendTree(dir.child(child), all);
        }
        return all.toString();
    }

    /** The state of each thread of a {@link #taskList}: one {@code /proc/<tid>/task/<tid>/stat} read per thread. */
    public ThreadSample sampleThreads(String taskList) {
        Acc acc = new Acc();
        collect(taskList, acc);
        return new ThreadSample(acc.tids, acc.states, acc.n);
    }

    /** Growable parallel arrays: a sample allocates no object per thread. */
    private static final class Acc {
        long[] tids = new long[16];
        char[] states = new char[16];
        int n;

        void add(long tid, char state) {
            if (n == tids.length) {
                tids = java.util.Arrays.copyOf(tids, n * 2);
                states = java.util.Arrays.copyOf(states, n * 2);
            }
            tids[n] = tid;
            states[n] = state;
            n++;
        }
    }

    private void appendTree(CgroupDir dir, StringBuilder all) {
        String threads = fs.readOrNull(dir.file(dir.unified() ? "cgroup.threads" : "tasks"));
        if (threads != null) {
            // A separator, so that "12" + "3" and "1" + "23" differ; collect() skips the empty line.
            all.append('\n').append(threads);
        }
        for (String child : fs.subdirectories(dir.absolute())) {
            appendTree(dir.child(child), all);
        }
    }

    private void collect(String tids, Acc acc) {
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
            String stat = taskStat(tid);
            if (stat == null) {
                continue;
            }
            acc.add(tid, stateOf(stat));
        }
    }

    /**
     * {@code /proc/<tid>/task/<tid>/stat}: the one thread's line. {@code /proc/<tid>/stat} is the thread group's
     * line (the kernel sums times over every thread of the process for it), so reading it for each of a process's
     * n threads costs O(n²): measured here, 2.3 ms per read at 4,000 threads, and one load-average pass over such a
     * container took 10 s. The per-thread file costs the same at any thread count. Same state letter, same start time.
     */
    private String taskStat(long tid) {
        return fs.readOrNull(procRoot + "/" + tid + "/task/" + tid + "/stat");
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

    /** A process and its start time (field 22 of its stat, in ticks since boot). */
    public record ProcessStart(long pid, long startTicks) {
    }

    /** The oldest process directly in the cgroup, or null if it has none. */
    public ProcessStart oldestProcess(CgroupDir dir) throws IOException {
        String procs = fs.read(dir.file("cgroup.procs"));
        long oldest = Long.MAX_VALUE;
        long oldestPid = -1;
        for (String line : procs.split("\n")) {
            if (line.isBlank()) {
                continue;
            }
            long pid = Long.parseLong(line.trim());
            long start = startTicks(pid);
            if (start >= 0 && start < oldest) {
                oldest = start;
                oldestPid = pid;
            }
        }
        return oldestPid < 0 ? null : new ProcessStart(oldestPid, oldest);
    }

    /**
     * Field 22 of {@code /proc/<pid>/stat}: start time in ticks since boot; -1 when the process is gone. A line
     * without field 22 is a parse error (the kernel prints the line whole), which makes the read a fallback.
     */
    public long startTicks(long pid) {
        String stat = taskStat(pid);
        return stat == null ? -1 : Long.parseLong(statField(stat, 22));
    }

    /**
     * The pid as the process's own (innermost) pid namespace numbers it: last field of {@code NSpid:}; the host
     * pid when the kernel has no NSpid line (before 4.1); -1 when the task is gone. A tenant cannot fake the
     * line: {@code Name:} is the only text it controls, and the kernel escapes newlines in it ("\\n").
     */
    public long namespacePid(long hostPid) {
        String status = fs.readOrNull(procRoot + "/" + hostPid + "/status");
        if (status == null) {
            return -1;
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
