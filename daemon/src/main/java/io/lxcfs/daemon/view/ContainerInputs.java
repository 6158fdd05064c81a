package io.lxcfs.daemon.view;

import io.lxcfs.daemon.cgroup.CgroupDir;
import io.lxcfs.daemon.cgroup.ContainerCgroups;
import io.lxcfs.daemon.cgroup.Controller;
import io.lxcfs.daemon.cgroup.CpuList;
import io.lxcfs.daemon.cgroup.CpuUsage;
import io.lxcfs.daemon.cgroup.CpuView;
import io.lxcfs.daemon.cgroup.DeviceIo;
import io.lxcfs.daemon.cgroup.MemoryReader.MemoryLimits;
import io.lxcfs.daemon.cgroup.MemoryStats;
import io.lxcfs.daemon.cgroup.TaskCounts;
import io.lxcfs.daemon.cgroup.TaskReader.ProcessStart;
import io.lxcfs.daemon.cgroup.ThreadSample;
import io.lxcfs.daemon.loadavg.ContainerState;

import java.io.IOException;
import java.util.List;

/**
 * What one read of one container's file is made from. Every input below is loaded at most once, through one
 * memo: the container's {@link ViewCache.Snapshot}, shared by the reads of one cache window (or this read's
 * alone when caching is off). Memory usage and the host's uptime are read every time: a reader that allocates,
 * or waits, and reads again must see it at once.
 */
final class ContainerInputs {

    /** How an input is loaded from the files. */
    @FunctionalInterface
    interface Loader<T> {
        T load(ContainerInputs in) throws IOException;
    }

    /** Whether a memoised value still answers for this read (a racing miss may have stored one for other inputs). */
    @FunctionalInterface
    interface Check<T> {
        boolean holds(ContainerInputs in, T value) throws IOException;
    }

    /** One memoised input: its slot in the snapshot, its loader and when a stored value may be reused. */
    record Input<T>(int slot, Loader<T> loader, Check<T> reusable) {
        Input(int slot, Loader<T> loader) {
            this(slot, loader, (in, value) -> true);
        }
    }

    static final Input<CpuView> CPU_VIEW = new Input<>(0, ContainerInputs::loadCpuView);
    /** Folded onto the view's CPUs: reused only for a view of the same size. */
    static final Input<CpuUsage> CPU_USAGE = new Input<>(1, ContainerInputs::loadCpuUsage,
            (in, usage) -> usage.user().length == in.cpuView().count());
    static final Input<MemoryLimits> MEMORY_LIMITS = new Input<>(2, in -> in.view.memory.limits(in.memoryDir()));
    static final Input<ThreadSample> THREADS = new Input<>(3, in -> in.view.tasks.sampleThreads(in.cg.taskDir()));
    static final Input<List<DeviceIo>> BLOCK_IO = new Input<>(4, in -> in.view.blockIo.read(in.cg.dir(Controller.BLKIO)));
    static final Input<ProcessStart> OLDEST = new Input<>(5, ContainerInputs::loadOldest);
    /** Remembered for the sample's highest tid, since every loadavg read asks for it. */
    static final Input<LastPid> LAST_PID = new Input<>(6, ContainerInputs::loadLastPid,
            (in, last) -> last.highestTid() == in.taskCounts().highestTid());
    static final int INPUTS = 7;

    /** {@code NSpid} (the pid inside the container) of a sample's highest host tid. */
    record LastPid(long highestTid, long namespacePid) {
    }

    private final ProcView view;
    private final ContainerCgroups cg;
    private final long pid;
    private final ViewCache.Snapshot memo;
    private final ContainerState state;
    private TaskCounts taskCounts;

    /** @param state the container's long-lived state, or null when its tasks sit in the root cgroup */
    ContainerInputs(ProcView view, ContainerCgroups cg, long pid, ViewCache.Snapshot memo, ContainerState state) {
        this.view = view;
        this.cg = cg;
        this.pid = pid;
        this.memo = memo;
        this.state = state;
    }

    @SuppressWarnings("unchecked")
    <T> T get(Input<T> input) throws IOException {
        T value = (T) memo.get(input.slot());
        if (value == null || !input.reusable().holds(this, value)) {
            value = input.loader().load(this);
            if (value != null) {
                memo.set(input.slot(), value);
            }
        }
        return value;
    }

    ContainerState state() {
        return state;
    }

    /** A host file whose lines are copied into the container's view. */
    String host(ProcFile file) throws IOException {
        return view.cachedHost(file);
    }

    CpuView cpuView() throws IOException {
        return get(CPU_VIEW);
    }

    /** The container's threads counted as this read's reader sees them (it is running: it is reading). */
    TaskCounts taskCounts() throws IOException {
        if (taskCounts == null) {
            taskCounts = get(THREADS).countsFor(pid);
        }
        return taskCounts;
    }

    List<DeviceIo> blockIo() throws IOException {
        return get(BLOCK_IO);
    }

    /** Limits from the memo, usage read now. */
    MemoryStats memoryStats() throws IOException {
        return view.memory.read(memoryDir(), get(MEMORY_LIMITS));
    }

    /**
     * The highest tid of {@link #taskCounts} as the container numbers it. A thread that exited since the sample has no status
     * any more: the next-highest tid that still has one answers (a few tries), and 0 when none does, never the
     * host tid (that would show a host pid inside the container).
     */
    long lastPid() throws IOException {
        return taskCounts().highestTid() > 0 ? get(LAST_PID).namespacePid() : 0;
    }

    /** The container's CPU times, never behind the last ones shown to it, up to its uptime (host uptime for root tasks). */
    CpuTimes cpuTimes() throws IOException {
        CgroupDir taskDir = cg.taskDir();
        return cpuTimes(taskDir == null || taskDir.isRoot() ? view.hostUptimeTicks() : uptimeTicks());
    }

    CpuTimes cpuTimes(long uptime) throws IOException {
        CpuView cpus = cpuView();
        CpuTimes times = CpuTimes.compute(cpus, get(CPU_USAGE), uptime);
        if (state == null) {
            return times;
        }
        synchronized (state) {
            CpuTimes shown = times.monotonicAfter(state.lastStat(CpuTimes.class));
            state.lastStat(shown);
            return shown;
        }
    }

    /**
     * Ticks (USER_HZ) on the boot-time clock since the container's oldest process started. Integer arithmetic
     * throughout: in doubles, 10000.00 - 9123.45 s is 876.549999... and would print as 876.54.
     */
    long uptimeTicks() throws IOException {
        long now = view.hostUptimeTicks();
        ProcessStart oldest = get(OLDEST);
        return oldest == null ? 0 : Math.max(0, now - oldest.startTicks());
    }

    // ------------------------------------------------------------ loaders

    private CgroupDir memoryDir() {
        return cg.dir(Controller.MEMORY);
    }

    private CpuView loadCpuView() throws IOException {
        return view.cpu.view(cg.dir(Controller.CPUSET), cg.dir(Controller.CPU), CpuList.parse(host(ProcFile.CPU_ONLINE)));
    }

    private CpuUsage loadCpuUsage() throws IOException {
        CgroupDir acct = cg.dir(Controller.CPUACCT);
        if (acct == null) {
            throw new IOException("no cpu accounting controller");
        }
        return view.cpu.usage(acct, cpuView());
    }

    /**
     * The oldest process is remembered per container: while it lives (same pid, same start time) nothing can be
     * older, so one stat read (once per snapshot) replaces a scan of every process.
     */
    private ProcessStart loadOldest() throws IOException {
        ProcessStart oldest = state == null ? null : state.oldestProcess();
        if (oldest == null || view.tasks.startTicks(oldest.pid()) != oldest.startTicks()) {
            oldest = view.tasks.oldestProcess(cg.taskDir());
            if (state != null) {
                state.oldestProcess(oldest);
            }
        }
        return oldest;
    }

    private LastPid loadLastPid() throws IOException {
        ThreadSample sample = get(THREADS);
        long highestTid = taskCounts().highestTid();
        long ns = -1;
        long tid = highestTid;
        for (int tries = 0; tries < 8 && tid > 0 && ns < 0; tries++) {
            ns = view.tasks.namespacePid(tid);
            tid = sample.highestBelow(tid);
        }
        return new LastPid(highestTid, Math.max(0, ns));
    }
}
