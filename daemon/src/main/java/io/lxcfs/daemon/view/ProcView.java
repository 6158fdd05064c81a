package io.lxcfs.daemon.view;

import io.lxcfs.daemon.cgroup.BlockIoReader;
import io.lxcfs.daemon.cgroup.CgroupDir;
import io.lxcfs.daemon.cgroup.CgroupResolver;
import io.lxcfs.daemon.cgroup.Controller;
import io.lxcfs.daemon.cgroup.ContainerCgroups;
import io.lxcfs.daemon.cgroup.CpuList;
import io.lxcfs.daemon.cgroup.CpuReader;
import io.lxcfs.daemon.cgroup.CpuUsage;
import io.lxcfs.daemon.cgroup.CpuView;
import io.lxcfs.daemon.cgroup.DeviceIo;
import io.lxcfs.daemon.cgroup.FileSource;
import io.lxcfs.daemon.cgroup.MemoryReader;
import io.lxcfs.daemon.cgroup.MemoryStats;
import io.lxcfs.daemon.cgroup.TaskCounts;
import io.lxcfs.daemon.cgroup.TaskReader;
import io.lxcfs.daemon.cgroup.ThreadSample;
import io.lxcfs.daemon.loadavg.ContainerTracker;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * The whole view: caller pid → its cgroups → the file's content. Any failure for one read yields the
 * host's file for that read (never an error to the reader), reported as a fallback.
 */
public final class ProcView {

    private final FileSource fs;
    private final String procRoot;
    private final String sysRoot;
    private final CgroupResolver resolver;
    private final ContainerTracker tracker;
    private final MemoryReader memory;
    private final CpuReader cpu;
    private final TaskReader tasks;
    private final BlockIoReader blockIo;
    private final ViewCache cache;
    private volatile boolean passthrough;

    /** The production view: container inputs are cached for {@link ViewCache#DEFAULT_TTL_NANOS}. */
    public ProcView(FileSource fs, String procRoot, String sysRoot, CgroupResolver resolver, ContainerTracker tracker) {
        this(fs, procRoot, sysRoot, resolver, tracker, ViewCache.withDefaults());
    }

    public ProcView(FileSource fs, String procRoot, String sysRoot, CgroupResolver resolver, ContainerTracker tracker,
                    ViewCache cache) {
        this.cache = cache;
        this.fs = fs;
        this.procRoot = procRoot;
        this.sysRoot = sysRoot;
        this.resolver = resolver;
        this.tracker = tracker;
        this.memory = new MemoryReader(fs);
        this.cpu = new CpuReader(fs);
        this.tasks = new TaskReader(fs, procRoot);
        this.blockIo = new BlockIoReader(fs);
    }

    public void setPassthrough(boolean on) {
        passthrough = on;
    }

    public boolean passthrough() {
        return passthrough;
    }

    public ContainerTracker tracker() {
        return tracker;
    }

    /** The directory {@code /sys/devices/system/cpu} over the host's (each caller's view: {@link #cpuViewFor}). */
    public CpuDirectory cpuDirectory() {
        return new CpuDirectory(java.nio.file.Path.of(sysRoot, "devices/system/cpu"));
    }

    /** The host's own file, as a reader outside any container sees it. */
    public String hostFile(ProcFile file) throws IOException {
        return fs.read(hostPath(file));
    }

    private String hostPath(ProcFile file) {
        return file == ProcFile.CPU_ONLINE ? sysRoot + "/devices/system/cpu/online" : procRoot + file.path.substring(5);
    }

    /**
     * @param pid the caller's thread id in the daemon's pid namespace (0 when outside it)
     * @throws IOException only when even the host's file cannot be read
     */
    public RenderResult render(ProcFile file, long pid) throws IOException {
        if (passthrough) {
            return host(file, RenderResult.Source.PASSTHROUGH, null);
        }
        if (pid <= 0) {
            return host(file, RenderResult.Source.FALLBACK, RenderResult.UNKNOWN_CALLER);
        }
        ContainerCgroups cg;
        try {
            cg = resolver.resolve(pid);
        } catch (IOException | RuntimeException e) {
            return host(file, RenderResult.Source.FALLBACK, RenderResult.CALLER_GONE);
        }
        try {
            String content = renderFor(file, cg, pid);
            if (content == null) {
                return host(file, RenderResult.Source.HOST, null);
            }
            return new RenderResult(content.getBytes(StandardCharsets.ISO_8859_1), RenderResult.Source.CONTAINER, null);
        } catch (IOException | RuntimeException e) {
            return host(file, RenderResult.Source.FALLBACK, e instanceof IOException ? RenderResult.CGROUP_UNREADABLE : RenderResult.MALFORMED);
        }
    }

    /**
     * The CPUs the caller sees, as every CPU file shows them (cpuinfo, online, the cpuN directories), or null
     * for "the host's": a host process, an unknown caller, passthrough, or any failure (the fallback).
     */
    public CpuView cpuViewFor(long pid) {
        if (passthrough || pid <= 0) {
            return null;
        }
        try {
            ContainerCgroups cg = resolver.resolve(pid);
            return cg.allRoot(Controller.CPU, Controller.CPUSET) ? null : cpuView(cg);
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }

    private RenderResult host(ProcFile file, RenderResult.Source source, String reason) throws IOException {
        return new RenderResult(hostFile(file).getBytes(StandardCharsets.ISO_8859_1), source, reason);
    }

    /** The container's content, or null when the caller is a host process for this file's controllers. */
    String renderFor(ProcFile file, ContainerCgroups cg, long pid) throws IOException {
        switch (file) {
            case MEMINFO: {
                CgroupDir dir = cg.dir(Controller.MEMORY);
                if (dir == null || dir.isRoot()) {
                    return null;
                }
                trackIfContainer(cg);
                return MeminfoRenderer.render(cachedHost(file), memoryStats(cg, dir));
            }
            case SWAPS: {
                CgroupDir dir = cg.dir(Controller.MEMORY);
                if (dir == null || dir.isRoot()) {
                    return null;
                }
                trackIfContainer(cg);
                MeminfoRenderer.MemoryView v = MeminfoRenderer.compute(cachedHost(ProcFile.MEMINFO), memoryStats(cg, dir));
                return SwapsRenderer.render(v.swapTotal(), v.swapUsed());
            }
            case CPUINFO: {
                if (cg.allRoot(Controller.CPU, Controller.CPUSET)) {
                    return null;
                }
                trackIfContainer(cg);
                return CpuinfoRenderer.render(cachedHost(file), cpuView(cg));
            }
            case CPU_ONLINE: {
                if (cg.allRoot(Controller.CPU, Controller.CPUSET)) {
                    return null;
                }
                trackIfContainer(cg);
                return CpuList.firstN(cpuView(cg).count()) + "\n";
            }
            case STAT: {
                if (cg.allRoot(Controller.CPU, Controller.CPUACCT, Controller.CPUSET)) {
                    return null;
                }
                ContainerTracker.Tracked t = trackIfContainer(cg);
                CpuTimes times = cpuTimes(cg, t);
                TaskCounts counts = threads(cg, cg.taskDir()).countsFor(pid);
                return StatRenderer.render(cachedHost(file), times, counts.running(), counts.blocked());
            }
            case UPTIME: {
                CgroupDir taskDir = cg.taskDir();
                if (taskDir == null || taskDir.isRoot()) {
                    return null;
                }
                ContainerTracker.Tracked t = trackIfContainer(cg);
                long uptime = containerUptimeTicks(cg, taskDir, t);
                CpuTimes times = cpuTimes(cg, t, uptime);
                // USER_HZ is 100, so ticks are the centiseconds /proc/uptime prints.
                return UptimeRenderer.render(uptime, times.totalIdle());
            }
            case LOADAVG: {
                CgroupDir taskDir = cg.taskDir();
                if (taskDir == null || taskDir.isRoot()) {
                    return null;
                }
                ContainerTracker.Tracked t = trackIfContainer(cg);
                ThreadSample sample = threads(cg, taskDir);
                TaskCounts counts = sample.countsFor(pid);
                long lastPid = counts.highestTid() > 0 ? lastNamespacePid(cg, sample, counts.highestTid()) : 0;
                return LoadavgRenderer.render(t.load().snapshot(), counts.running(), counts.total(), lastPid);
            }
            case DISKSTATS: {
                CgroupDir dir = cg.dir(Controller.BLKIO);
                if (dir == null || dir.isRoot()) {
                    return null;
                }
                trackIfContainer(cg);
                return DiskstatsRenderer.render(cachedHost(file), blockIo(cg, dir));
            }
            default:
                return null;
        }
    }

    private ContainerTracker.Tracked trackIfContainer(ContainerCgroups cg) {
        CgroupDir taskDir = cg.taskDir();
        return taskDir == null || taskDir.isRoot() ? null : tracker.track(cg);
    }

    // ------------------------------------------------------------ inputs, through the short-lived cache

    /** A host file whose lines are copied into a container's view (not the host passthrough: that is never cached). */
    private String cachedHost(ProcFile file) throws IOException {
        String content = cache.host(file);
        if (content == null) {
            content = hostFile(file);
            cache.putHost(file, content);
        }
        return content;
    }

    private MemoryStats memoryStats(ContainerCgroups cg, CgroupDir dir) throws IOException {
        ViewCache.Snapshot s = cache.snapshot(cg.key());
        MemoryReader.MemoryLimits limits = s == null ? null : s.memoryLimits;
        if (limits == null) {
            limits = memory.limits(dir);
            if (s != null) {
                s.memoryLimits = limits;
            }
        }
        // Usage is always read now: a container that allocates and reads again must see it at once.
        return memory.read(dir, limits);
    }

    private List<DeviceIo> blockIo(ContainerCgroups cg, CgroupDir dir) throws IOException {
        ViewCache.Snapshot s = cache.snapshot(cg.key());
        List<DeviceIo> io = s == null ? null : s.io;
        if (io == null) {
            io = blockIo.read(dir);
            if (s != null) {
                s.io = io;
            }
        }
        return io;
    }

    private ThreadSample threads(ContainerCgroups cg, CgroupDir taskDir) throws IOException {
        ViewCache.Snapshot s = cache.snapshot(cg.key());
        ThreadSample t = s == null ? null : s.threads;
        if (t == null) {
            t = tasks.sampleThreads(taskDir);
            if (s != null) {
                s.threads = t;
            }
        }
        return t;
    }

    /**
     * {@code NSpid} of the sample's highest tid; remembered for it, since every loadavg read asks. A thread that
     * exited since the sample has no status any more: the next-highest tid that still has one answers (a few
     * tries), and 0 when none does, never the host tid (that would show a host pid inside the container).
     */
    private long lastNamespacePid(ContainerCgroups cg, ThreadSample sample, long highestTid) {
        ViewCache.Snapshot s = cache.snapshot(cg.key());
        long[] known = s == null ? null : s.lastPid;
        if (known != null && known[0] == highestTid) {
            return known[1];
        }
        long ns = -1;
        long tid = highestTid;
        for (int tries = 0; tries < 8 && tid > 0 && ns < 0; tries++) {
            ns = tasks.namespacePid(tid);
            tid = sample.highestBelow(tid);
        }
        ns = Math.max(0, ns);
        if (s != null) {
            s.lastPid = new long[] {highestTid, ns};
        }
        return ns;
    }

    private CpuView cpuView(ContainerCgroups cg) throws IOException {
        ViewCache.Snapshot s = cache.snapshot(cg.key());
        CpuView v = s == null ? null : s.cpu;
        if (v == null) {
            v = cpu.view(cg.dir(Controller.CPUSET), cg.dir(Controller.CPU), onlineCpus());
            if (s != null) {
                s.cpu = v;
            }
        }
        return v;
    }

    private CpuUsage cpuUsage(ContainerCgroups cg, CgroupDir acct, CpuView view) throws IOException {
        ViewCache.Snapshot s = cache.snapshot(cg.key());
        CpuUsage u = s == null ? null : s.usage;
        // The usage is folded onto the view's CPUs: only reuse it for an equal view.
        if (u == null || u.user().length != view.count()) {
            u = cpu.usage(acct, view);
            if (s != null) {
                s.usage = u;
            }
        }
        return u;
    }

    private java.util.BitSet onlineCpus() throws IOException {
        return CpuList.parse(cachedHost(ProcFile.CPU_ONLINE));
    }

    private CpuTimes cpuTimes(ContainerCgroups cg, ContainerTracker.Tracked t) throws IOException {
        CgroupDir taskDir = cg.taskDir();
        long uptime = taskDir == null || taskDir.isRoot() ? hostUptimeTicks() : containerUptimeTicks(cg, taskDir, t);
        return cpuTimes(cg, t, uptime);
    }

    private CpuTimes cpuTimes(ContainerCgroups cg, ContainerTracker.Tracked t, long uptime) throws IOException {
        CpuView view = cpuView(cg);
        CgroupDir acct = cg.dir(Controller.CPUACCT);
        if (acct == null) {
            throw new IOException("no cpu accounting controller");
        }
        CpuUsage usage = cpuUsage(cg, acct, view);
        CpuTimes times = CpuTimes.compute(view, usage, uptime);
        if (t == null) {
            return times;
        }
        synchronized (t) {
            CpuTimes shown = times.monotonicAfter(t.lastStat(CpuTimes.class));
            t.lastStat(shown);
            return shown;
        }
    }

    /**
     * Ticks (USER_HZ) on the boot-time clock since the container's oldest process started. Integer
     * arithmetic throughout: in doubles, 10000.00 - 9123.45 s is 876.549999... and would print as 876.54.
     * The oldest process is remembered per container: while it lives (same pid, same start time) nothing
     * can be older, so one stat read replaces a scan of every process.
     */
    private long containerUptimeTicks(ContainerCgroups cg, CgroupDir taskDir, ContainerTracker.Tracked t) throws IOException {
        long now = hostUptimeTicks();
        ViewCache.Snapshot s = cache.snapshot(cg.key());
        long[] oldest = s == null ? null : s.oldest;
        if (oldest == null) {
            // Checked (one stat read) at most once per snapshot.
            oldest = t == null ? null : t.oldestProcess();
            if (oldest == null || tasks.startTicks(oldest[0]) != oldest[1]) {
                oldest = tasks.oldestProcess(taskDir);
                if (t != null) {
                    t.oldestProcess(oldest);
                }
            }
            if (s != null && oldest != null) {
                s.oldest = oldest;
            }
        }
        if (oldest == null) {
            return 0;
        }
        return Math.max(0, now - oldest[1]);
    }

    /** The host's uptime in ticks, parsed exactly from the kernel's {@code %lu.%02lu} (centiseconds = ticks). */
    private long hostUptimeTicks() throws IOException {
        String up = fs.read(procRoot + "/uptime");
        int space = up.indexOf(' ');
        String first = (space > 0 ? up.substring(0, space) : up).trim();
        int dot = first.indexOf('.');
        if (dot < 0) {
            return Long.parseLong(first) * CpuReader.USER_HZ;
        }
        String centis = (first.substring(dot + 1) + "00").substring(0, 2);
        return Long.parseLong(first.substring(0, dot)) * CpuReader.USER_HZ + Long.parseLong(centis);
    }
}
