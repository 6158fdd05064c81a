package io.lxcfs.daemon.view;

import io.lxcfs.daemon.cgroup.BlockIoReader;
import io.lxcfs.daemon.cgroup.CgroupDir;
import io.lxcfs.daemon.cgroup.CgroupResolver;
import io.lxcfs.daemon.cgroup.Controller;
import io.lxcfs.daemon.cgroup.ContainerCgroups;
import io.lxcfs.daemon.cgroup.CpuList;
import io.lxcfs.daemon.cgroup.CpuReader;
import io.lxcfs.daemon.cgroup.CpuView;
import io.lxcfs.daemon.cgroup.FileSource;
import io.lxcfs.daemon.cgroup.MemoryReader;
import io.lxcfs.daemon.cgroup.TaskCounts;
import io.lxcfs.daemon.cgroup.TaskReader;
import io.lxcfs.daemon.loadavg.ContainerState;
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
    // The readers of the container inputs (ContainerInputs loads through them).
    final MemoryReader memory;
    final CpuReader cpu;
    final TaskReader tasks;
    final BlockIoReader blockIo;
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
            if (!FILES[ProcFile.CPU_ONLINE.ordinal()].scope().isContainer(cg)) {
                return null;
            }
            return new ContainerInputs(this, cg, pid, cache.snapshot(cg.key()), null).cpuView();
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }

    private RenderResult host(ProcFile file, RenderResult.Source source, String reason) throws IOException {
        return new RenderResult(hostFile(file).getBytes(StandardCharsets.ISO_8859_1), source, reason);
    }

    /** The container's content, or null when the caller is a host process for this file's controllers. */
    String renderFor(ProcFile file, ContainerCgroups cg, long pid) throws IOException {
        FileView view = FILES[file.ordinal()];
        if (!view.scope().isContainer(cg)) {
            return null;
        }
        CgroupDir taskDir = cg.taskDir();
        ContainerState state = taskDir == null || taskDir.isRoot() ? null : tracker.track(cg);
        return view.render().render(new ContainerInputs(this, cg, pid, cache.snapshot(cg.key()), state));
    }

    // ------------------------------------------------------------ the files

    /** Which of a caller's cgroups decide whether a file is the container's or the host's. */
    private enum Scope {
        MEMORY, BLOCK_IO, TASKS, CPUS(Controller.CPU, Controller.CPUSET),
        CPU_TIMES(Controller.CPU, Controller.CPUACCT, Controller.CPUSET);

        /** For the CPU scopes: the caller is the host's when all of these are at the root. */
        private final Controller[] controllers;

        Scope(Controller... controllers) {
            this.controllers = controllers;
        }

        boolean isContainer(ContainerCgroups cg) {
            return switch (this) {
                case MEMORY -> below(cg.dir(Controller.MEMORY));
                case BLOCK_IO -> below(cg.dir(Controller.BLKIO));
                case TASKS -> below(cg.taskDir());
                case CPUS, CPU_TIMES -> !cg.allRoot(controllers);
            };
        }

        private static boolean below(CgroupDir dir) {
            return dir != null && !dir.isRoot();
        }
    }

    @FunctionalInterface
    private interface Render {
        String render(ContainerInputs in) throws IOException;
    }

    /** One file of the view: when a caller gets the container's content, and how it is made. */
    private record FileView(Scope scope, Render render) {
    }

    /** One entry per file, by ordinal (the switch has no default: a new {@link ProcFile} must get one). */
    private static final FileView[] FILES = new FileView[ProcFile.values().length];

    static {
        for (ProcFile f : ProcFile.values()) {
            FILES[f.ordinal()] = fileView(f);
        }
    }

    private static FileView fileView(ProcFile file) {
        return switch (file) {
            case MEMINFO -> new FileView(Scope.MEMORY,
                    in -> MeminfoRenderer.render(in.host(ProcFile.MEMINFO), in.memoryStats()));
            case SWAPS -> new FileView(Scope.MEMORY, in -> {
                MeminfoRenderer.MemoryView v = MeminfoRenderer.compute(in.host(ProcFile.MEMINFO), in.memoryStats());
                return SwapsRenderer.render(v.swapTotal(), v.swapUsed());
            });
            case CPUINFO -> new FileView(Scope.CPUS, in -> CpuinfoRenderer.render(in.host(ProcFile.CPUINFO), in.cpuView()));
            case CPU_ONLINE -> new FileView(Scope.CPUS, in -> CpuList.firstN(in.cpuView().count()) + "\n");
            case STAT -> new FileView(Scope.CPU_TIMES, in -> {
                CpuTimes times = in.cpuTimes();
                TaskCounts counts = in.taskCounts();
                return StatRenderer.render(in.host(ProcFile.STAT), times, counts.running(), counts.blocked());
            });
            case UPTIME -> new FileView(Scope.TASKS, in -> {
                long uptime = in.uptimeTicks();
                // USER_HZ is 100, so ticks are the centiseconds /proc/uptime prints.
                return UptimeRenderer.render(uptime, in.cpuTimes(uptime).totalIdle());
            });
            case LOADAVG -> new FileView(Scope.TASKS, in -> {
                TaskCounts counts = in.taskCounts();
                return LoadavgRenderer.render(in.state().load().snapshot(), counts.running(), counts.total(), in.lastPid());
            });
            case DISKSTATS -> new FileView(Scope.BLOCK_IO,
                    in -> DiskstatsRenderer.render(in.host(ProcFile.DISKSTATS), in.blockIo()));
        };
    }

    // ------------------------------------------------------------ host files, through the short-lived cache

    /** A host file whose lines are copied into a container's view (not the host passthrough: that is never cached). */
    String cachedHost(ProcFile file) throws IOException {
        String content = cache.host(file);
        if (content == null) {
            content = hostFile(file);
            cache.putHost(file, content);
        }
        return content;
    }

    /** The host's uptime in ticks, parsed exactly from the kernel's {@code %lu.%02lu} (centiseconds = ticks). */
    long hostUptimeTicks() throws IOException {
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
