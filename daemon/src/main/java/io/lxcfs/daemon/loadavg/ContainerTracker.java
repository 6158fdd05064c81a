package io.lxcfs.daemon.loadavg;

import io.lxcfs.daemon.cgroup.CgroupDir;
import io.lxcfs.daemon.cgroup.ContainerCgroups;
import io.lxcfs.daemon.cgroup.Controller;
import io.lxcfs.daemon.cgroup.CpuReader;
import io.lxcfs.daemon.cgroup.FileSource;
import io.lxcfs.daemon.cgroup.TaskReader;
import io.lxcfs.daemon.loadavg.ContainerState.IdleMark;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Containers known to the daemon, each with its {@link ContainerState} (what must outlive one read). A
 * container is tracked from its first read and forgotten when its cgroup disappears. Sampling cost is proportional to
 * threads, not to reads, except for idle containers: a few reads each, none per thread (see {@link #sampleOne}).
 */
public final class ContainerTracker {

    private final FileSource fs;
    private final TaskReader tasks;
    private final CpuReader cpu;
    private final Map<String, ContainerState> containers = new ConcurrentHashMap<>();

    public ContainerTracker(FileSource fs, TaskReader tasks) {
        this.fs = fs;
        this.tasks = tasks;
        this.cpu = new CpuReader(fs);
    }

    /** The container's state, creating it (with a first load sample) if this is its first read. */
    public ContainerState track(ContainerCgroups cgroups) {
        ContainerState existing = containers.get(cgroups.key());
        if (existing != null) {
            return existing;
        }
        return containers.computeIfAbsent(cgroups.key(), k -> {
            CgroupDir taskDir = cgroups.taskDir();
            CgroupDir cpuacct = cgroups.dir(Controller.CPUACCT);
            // The counter must cover exactly the threads listed: the same cgroup (always so on v2, and on v1 when
            // cpuacct exists, since taskDir() prefers it).
            ContainerState t = new ContainerState(taskDir, cpuacct != null && cpuacct.equals(taskDir) ? cpuacct : null);
            sampleOne(t);
            return t;
        });
    }

    /** Idle passes skipped in a row before one full read (6 passes of 5 s: a full read at least every 30 s). */
    static final int MAX_SKIPPED_PASSES = 5;

    /** One 5-second tick: sample every container, drop those whose cgroup is gone. */
    public void sampleAll() {
        containers.entrySet().removeIf(e -> !sampleOne(e.getValue()));
    }

    /**
     * One sample. The per-thread {@code stat} reads (the kernel's open and read of one file per thread: nearly all
     * of a pass's cost) are skipped for a container that cannot have changed since the last pass: it had no thread
     * in R or D then, its CPU usage counter has not moved, and its task list is the same. Its active count is then
     * still 0. Why: a sleeping or stopped thread enters D only by running into it, and a thread now in R has either
     * run since it was woken or not (the case missed, below); any running moves the counter (v1 in ns; v2 in µs,
     * which a wake-up, run and sleep exceeds). A thread that arrives or leaves without running (moved between cgroups, or reaped) changes
     * the task list. A D thread can leave D without running, so a container with an R or D thread is read in full.
     * The one case missed: a thread woken since the last pass (R) that has not had a CPU yet when this pass looks,
     * from a moment on the run queue up to a runnable thread starved for the whole 5 s; its container samples 0
     * instead of 1 this once (docs/benchmarks.md, "Load average at scale"). Any failure reading the counter or the
     * list falls back to the full read. And after {@link #MAX_SKIPPED_PASSES} skipped passes the next one reads every
     * thread anyway: whatever the reasoning above misses (a run too short to move v2's µs counter into D, a thread
     * woken and starved) is then wrong for at most 30 s, for about a sixth of the full cost added back.
     *
     * @return false when the container's cgroup no longer exists
     */
    private boolean sampleOne(ContainerState t) {
        if (!fs.exists(t.taskDir().absolute())) {
            return false;
        }
        try {
            // The counter before the list and the states: a thread that runs after this read moves it for the
            // next pass, so nothing that happens during this pass can be hidden by the mark made from it.
            long usage = t.usageDir() == null ? -1 : readUsage(t);
            String taskList = tasks.taskList(t.taskDir());
            IdleMark last = t.idleMark();
            if (last != null && usage >= 0 && last.usage() == usage && last.taskList().equals(taskList)
                    && last.skipped() < MAX_SKIPPED_PASSES) {
                t.idleMark(last.skippedOnce());
                t.load().sample(0);
                return true;
            }
            int active = tasks.sampleThreads(taskList).counts().active();
            t.idleMark(active == 0 && usage >= 0 ? new IdleMark(usage, taskList) : null);
            t.load().sample(active);
            return true;
        } catch (Exception e) {
            // Removed between the check and the read; the next tick decides.
            t.idleMark(null);
            return fs.exists(t.taskDir().absolute());
        }
    }

    /** The usage counter, or -1 when it cannot be read (then this pass reads every thread). */
    private long readUsage(ContainerState t) {
        try {
            return cpu.usageCounter(t.usageDir());
        } catch (Exception e) {
            return -1;
        }
    }

    public int size() {
        return containers.size();
    }
}
