package io.lxcfs.daemon.app;

import io.lxcfs.daemon.cgroup.CgroupHierarchy;
import io.lxcfs.daemon.cgroup.CgroupLayout;
import io.lxcfs.daemon.cgroup.CgroupResolver;
import io.lxcfs.daemon.cgroup.FileSource;
import io.lxcfs.daemon.cgroup.NamespaceRootFinder;
import io.lxcfs.daemon.cgroup.ProcCgroupFile;
import io.lxcfs.daemon.cgroup.TaskReader;
import io.lxcfs.daemon.fuse.ProcViewFs;
import io.lxcfs.daemon.host.LinuxFileSource;
import io.lxcfs.daemon.loadavg.ContainerTracker;
import io.lxcfs.daemon.view.ProcView;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import org.jboss.logging.Logger;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/** Wires the pure view to the machine: builds it, mounts it, samples load averages, unmounts on stop. */
@ApplicationScoped
public class ViewDaemon {

    private static final Logger LOG = Logger.getLogger(ViewDaemon.class);

    private final DaemonConfig config;
    private final MeterRegistry registry;
    private ProcView view;
    private ProcViewFs fs;
    private ScheduledExecutorService sampler;
    private volatile boolean mounted;

    public ViewDaemon(DaemonConfig config, MeterRegistry registry) {
        this.config = config;
        this.registry = registry;
    }

    void onStart(@Observes StartupEvent event) throws IOException {
        FileSource files = new LinuxFileSource();
        CgroupLayout layout = withNamespaceRoots(files, CgroupLayout.detect(files, config.cgroupRoot()));
        LOG.infof("cgroup layout %s under %s", layout.kind(), config.cgroupRoot());
        TaskReader tasks = new TaskReader(files, config.procRoot());
        ContainerTracker tracker = new ContainerTracker(files, tasks);
        view = new ProcView(files, config.procRoot(), config.sysRoot(),
                new CgroupResolver(files, config.procRoot(), layout), tracker);
        view.setPassthrough(config.passthrough());

        Gauge.builder("lxcfs.containers.tracked", tracker, ContainerTracker::size)
                .description("Containers whose view state (load average, counters) the daemon keeps")
                .register(registry);
        Timer sampleTime = Timer.builder("lxcfs.loadavg.sample")
                .description("Duration of one load-average sampling pass over all tracked containers")
                .publishPercentileHistogram().register(registry);
        sampler = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "loadavg-sampler");
            t.setDaemon(true);
            return t;
        });
        long period = config.loadavgInterval().toMillis();
        sampler.scheduleAtFixedRate(() -> {
            try {
                sampleTime.record(tracker::sampleAll);
            } catch (RuntimeException e) {
                LOG.warn("load average sampling failed", e);
            }
        }, period, period, TimeUnit.MILLISECONDS);

        if (config.mount()) {
            mount();
        }
    }

    private void mount() throws IOException {
        Path mountPath = Path.of(config.mountPath());
        MountPoint.prepare(mountPath);
        fs = new ProcViewFs(view, new ViewMetrics(registry));
        String options = "ro,direct_io,allow_other,default_permissions,fsname=lxcfs-k8s,subtype=lxcfs-k8s"
                + (config.fuseOptions().isBlank() ? "" : "," + config.fuseOptions());
        fs.mount(mountPath, false, false, new String[] {"-o", options});
        mounted = true;
        LOG.infof("serving the proc view at %s", mountPath);
    }

    void onStop(@Observes ShutdownEvent event) {
        if (sampler != null) {
            sampler.shutdownNow();
        }
        if (mounted) {
            fs.umount();
            mounted = false;
            LOG.infof("unmounted %s", config.mountPath());
        }
    }

    /** In a private cgroup namespace, /proc/<pid>/cgroup paths are relative to our namespace root: find it. */
    private CgroupLayout withNamespaceRoots(FileSource files, CgroupLayout layout) {
        Map<String, String> roots = new HashMap<>();
        if (config.cgroupNamespaceRoot().isPresent()) {
            layout.distinctHierarchies().forEach(h -> roots.put(h.mountDir(), config.cgroupNamespaceRoot().get()));
            return layout.withNamespaceRoots(roots);
        }
        if (!inPrivateCgroupNamespace()) {
            return layout;
        }
        long pid = ProcessHandle.current().pid();
        ProcCgroupFile own;
        try {
            own = ProcCgroupFile.parse(files.read(config.procRoot() + "/self/cgroup"));
        } catch (IOException e) {
            LOG.warn("cannot read our own cgroup; assuming the host cgroup namespace", e);
            return layout;
        }
        NamespaceRootFinder finder = new NamespaceRootFinder(files);
        for (CgroupHierarchy h : layout.distinctHierarchies()) {
            String ownPath = h.unified() ? own.unifiedPath() : ownV1Path(own, layout, h);
            String root = ownPath == null ? null : finder.find(h, pid, ownPath);
            if (root != null) {
                roots.put(h.mountDir(), root);
                LOG.infof("private cgroup namespace: root of %s is %s", h.mountDir(), root);
            } else {
                LOG.warnf("private cgroup namespace, but our cgroup in %s was not found", h.mountDir());
            }
        }
        return layout.withNamespaceRoots(roots);
    }

    private static String ownV1Path(ProcCgroupFile own, CgroupLayout layout, CgroupHierarchy h) {
        for (io.lxcfs.daemon.cgroup.Controller c : io.lxcfs.daemon.cgroup.Controller.values()) {
            if (h.equals(layout.hierarchy(c))) {
                return own.v1Path(c.v1Name);
            }
        }
        return null;
    }

    private boolean inPrivateCgroupNamespace() {
        try {
            Path self = Files.readSymbolicLink(Path.of(config.procRoot(), "self/ns/cgroup"));
            Path init = Files.readSymbolicLink(Path.of(config.procRoot(), "1/ns/cgroup"));
            return !self.equals(init);
        } catch (IOException | UnsupportedOperationException e) {
            return false;
        }
    }

    public ProcView view() {
        return view;
    }

    public boolean mounted() {
        return mounted;
    }

    public Path mountPath() {
        return Path.of(config.mountPath());
    }
}
