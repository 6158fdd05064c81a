package io.lxcfs.daemon.app;

import io.lxcfs.daemon.cgroup.CgroupLayout;
import io.lxcfs.daemon.cgroup.CgroupNamespaceRoots;
import io.lxcfs.daemon.cgroup.CgroupResolver;
import io.lxcfs.daemon.cgroup.FileSource;
import io.lxcfs.daemon.cgroup.ProcCgroupFile;
import io.lxcfs.daemon.cgroup.TaskReader;
import io.lxcfs.daemon.host.LinuxFileSource;
import io.lxcfs.daemon.loadavg.ContainerTracker;
import io.lxcfs.daemon.view.ProcView;
import org.jboss.logging.Logger;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The view and the container tracker behind it, built from the configuration alone: by {@link ViewDaemon} at
 * start-up, or before Quarkus boots by {@link LiveConnectionStart} when the keeper hands over a live connection.
 */
record ViewParts(ProcView view, ContainerTracker tracker) {

    private static final Logger LOG = Logger.getLogger(ViewParts.class);

    static ViewParts build(DaemonConfig config) {
        FileSource files = new LinuxFileSource();
        CgroupLayout layout = withNamespaceRoots(config, files, CgroupLayout.detect(files, config.cgroupRoot()));
        LOG.infof("cgroup layout %s under %s", layout.kind(), config.cgroupRoot());
        TaskReader tasks = new TaskReader(files, config.procRoot());
        ContainerTracker tracker = new ContainerTracker(files, tasks);
        ProcView view = new ProcView(files, config.procRoot(), config.sysRoot(),
                new CgroupResolver(files, config.procRoot(), layout), tracker);
        view.setPassthrough(config.passthrough());
        return new ViewParts(view, tracker);
    }

    /** In a private cgroup namespace, /proc/<pid>/cgroup paths are relative to our namespace root: find it. */
    private static CgroupLayout withNamespaceRoots(DaemonConfig config, FileSource files, CgroupLayout layout) {
        if (config.cgroupNamespaceRoot().isPresent()) {
            return CgroupNamespaceRoots.configured(layout, config.cgroupNamespaceRoot().get()).applyTo(layout);
        }
        if (!inPrivateCgroupNamespace(config)) {
            return layout;
        }
        ProcCgroupFile own;
        try {
            own = ProcCgroupFile.parse(files.read(config.procRoot() + "/self/cgroup"));
        } catch (IOException | IllegalArgumentException e) {
            LOG.warn("cannot read our own cgroup; assuming the host cgroup namespace", e);
            return layout;
        }
        CgroupNamespaceRoots roots = CgroupNamespaceRoots.discover(files, layout, ProcessHandle.current().pid(), own);
        roots.found().forEach((dir, root) -> LOG.infof("private cgroup namespace: root of %s is %s", dir, root));
        roots.notFound().forEach(dir -> LOG.warnf("private cgroup namespace, but our cgroup in %s was not found", dir));
        return roots.applyTo(layout);
    }

    private static boolean inPrivateCgroupNamespace(DaemonConfig config) {
        try {
            Path self = Files.readSymbolicLink(Path.of(config.procRoot(), "self/ns/cgroup"));
            Path init = Files.readSymbolicLink(Path.of(config.procRoot(), "1/ns/cgroup"));
            return !self.equals(init);
        } catch (IOException | UnsupportedOperationException e) {
            return false;
        }
    }
}
