package io.lxcfs.daemon.loadavg;

import io.lxcfs.daemon.cgroup.CgroupDir;
import io.lxcfs.daemon.cgroup.TaskReader.ProcessStart;

/**
 * What the daemon remembers about one container between reads: its load average (sampled every 5 s by
 * {@link ContainerTracker}), the last /proc/stat counters the view showed it (so they never go backwards)
 * and its oldest process as last found (so uptime costs one stat read while that process lives).
 * Fields are guarded by the object's own lock where they change together.
 */
public final class ContainerState {

    private final CgroupDir taskDir;
    private final CgroupDir usageDir;
    private final LoadAverage load = new LoadAverage();
    /** Set by the sampler after a pass that found no R or D thread; null otherwise (see ContainerTracker). */
    private volatile IdleMark idleMark;
    private Object lastStat;
    private ProcessStart oldestProcess;

    ContainerState(CgroupDir taskDir, CgroupDir usageDir) {
        this.taskDir = taskDir;
        this.usageDir = usageDir;
    }

    /** What an idle pass saw: the CPU usage counter (read first) and the task list; passes skipped since. */
    record IdleMark(long usage, String taskList, int skipped) {
        IdleMark(long usage, String taskList) {
            this(usage, taskList, 0);
        }

        IdleMark skippedOnce() {
            return new IdleMark(usage, taskList, skipped + 1);
        }
    }

    public CgroupDir taskDir() {
        return taskDir;
    }

    /** The cgroup whose CPU usage counter covers {@link #taskDir()}'s threads, or null (no idle skip then). */
    CgroupDir usageDir() {
        return usageDir;
    }

    IdleMark idleMark() {
        return idleMark;
    }

    void idleMark(IdleMark mark) {
        idleMark = mark;
    }

    public LoadAverage load() {
        return load;
    }

    /** Last /proc/stat counters shown to this container (opaque here: the view's type, which this package cannot name). */
    public synchronized <T> T lastStat(Class<T> type) {
        return type.isInstance(lastStat) ? type.cast(lastStat) : null;
    }

    public synchronized void lastStat(Object value) {
        lastStat = value;
    }

    /** The container's oldest process as last found, or null. */
    public synchronized ProcessStart oldestProcess() {
        return oldestProcess;
    }

    public synchronized void oldestProcess(ProcessStart oldest) {
        oldestProcess = oldest;
    }
}
