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
import io.lxcfs.daemon.cgroup.FileSource;
import io.lxcfs.daemon.cgroup.MemoryReader;
import io.lxcfs.daemon.cgroup.MemoryStats;
import io.lxcfs.daemon.cgroup.TaskCounts;
import io.lxcfs.daemon.cgroup.TaskReader;
import io.lxcfs.daemon.loadavg.ContainerTracker;

import java.io.IOException;
import java.nio.charset.StandardCharsets;

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
    private volatile boolean passthrough;

    public ProcView(FileSource fs, String procRoot, String sysRoot, CgroupResolver resolver, ContainerTracker tracker) {
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
                return MeminfoRenderer.render(hostFile(file), memory.read(dir));
            }
            case SWAPS: {
                CgroupDir dir = cg.dir(Controller.MEMORY);
                if (dir == null || dir.isRoot()) {
                    return null;
                }
                trackIfContainer(cg);
                MeminfoRenderer.MemoryView v = MeminfoRenderer.compute(hostFile(ProcFile.MEMINFO), memory.read(dir));
                return SwapsRenderer.render(v.swapTotal(), v.swapUsed());
            }
            case CPUINFO: {
                if (cg.allRoot(Controller.CPU, Controller.CPUSET)) {
                    return null;
                }
                trackIfContainer(cg);
                return CpuinfoRenderer.render(hostFile(file), cpuView(cg));
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
                TaskCounts counts = tasks.countThreads(cg.taskDir(), pid);
                return StatRenderer.render(hostFile(file), times, counts.running(), counts.blocked());
            }
            case UPTIME: {
                CgroupDir taskDir = cg.taskDir();
                if (taskDir == null || taskDir.isRoot()) {
                    return null;
                }
                ContainerTracker.Tracked t = trackIfContainer(cg);
                double uptime = containerUptime(taskDir);
                CpuTimes times = cpuTimes(cg, t, uptime);
                return UptimeRenderer.render((long) Math.floor(uptime * 100), times.totalIdle());
            }
            case LOADAVG: {
                CgroupDir taskDir = cg.taskDir();
                if (taskDir == null || taskDir.isRoot()) {
                    return null;
                }
                ContainerTracker.Tracked t = trackIfContainer(cg);
                TaskCounts counts = tasks.countThreads(taskDir, pid);
                long lastPid = counts.highestTid() > 0 ? tasks.namespacePid(counts.highestTid()) : 0;
                return LoadavgRenderer.render(t.load().snapshot(), counts.running(), counts.total(), lastPid);
            }
            case DISKSTATS: {
                CgroupDir dir = cg.dir(Controller.BLKIO);
                if (dir == null || dir.isRoot()) {
                    return null;
                }
                trackIfContainer(cg);
                return DiskstatsRenderer.render(hostFile(file), blockIo.read(dir));
            }
            default:
                return null;
        }
    }

    private ContainerTracker.Tracked trackIfContainer(ContainerCgroups cg) {
        CgroupDir taskDir = cg.taskDir();
        return taskDir == null || taskDir.isRoot() ? null : tracker.track(cg);
    }

    private CpuView cpuView(ContainerCgroups cg) throws IOException {
        return cpu.view(cg.dir(Controller.CPUSET), cg.dir(Controller.CPU), onlineCpus());
    }

    private java.util.BitSet onlineCpus() throws IOException {
        return CpuList.parse(fs.read(sysRoot + "/devices/system/cpu/online"));
    }

    private CpuTimes cpuTimes(ContainerCgroups cg, ContainerTracker.Tracked t) throws IOException {
        CgroupDir taskDir = cg.taskDir();
        double uptime = taskDir == null || taskDir.isRoot() ? hostUptime() : containerUptime(taskDir);
        return cpuTimes(cg, t, uptime);
    }

    private CpuTimes cpuTimes(ContainerCgroups cg, ContainerTracker.Tracked t, double uptime) throws IOException {
        CpuView view = cpuView(cg);
        CgroupDir acct = cg.dir(Controller.CPUACCT);
        if (acct == null) {
            throw new IOException("no cpu accounting controller");
        }
        CpuUsage usage = cpu.usage(acct, view);
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

    /** Seconds on the boot-time clock since the container's oldest process started. */
    private double containerUptime(CgroupDir taskDir) throws IOException {
        double now = hostUptime();
        long start = tasks.oldestStartTicks(taskDir);
        if (start < 0) {
            return 0;
        }
        return Math.max(0, now - (double) start / CpuReader.USER_HZ);
    }

    private double hostUptime() throws IOException {
        String up = fs.read(procRoot + "/uptime");
        int space = up.indexOf(' ');
        return Double.parseDouble(space > 0 ? up.substring(0, space) : up.trim());
    }
}
