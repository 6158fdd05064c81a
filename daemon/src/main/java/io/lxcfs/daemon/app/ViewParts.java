package io.lxcfs.daemon.app;

import io.lxcfs.daemon.cgroup.CgroupHierarchy;
import io.lxcfs.daemon.cgroup.CgroupLayout;
import io.lxcfs.daemon.cgroup.CgroupResolver;
import io.lxcfs.daemon.cgroup.FileSource;
import io.lxcfs.daemon.cgroup.NamespaceRootFinder;
import io.lxcfs.daemon.cgroup.ProcCgroupFile;
import io.lxcfs.daemon.cgroup.TaskReader;
import io.lxcfs.daemon.host.LinuxFileSource;
import io.lxcfs.daemon.loadavg.ContainerTracker;
import io.lxcfs.daemon.view.ProcView;
import org.jboss.logging.Logger;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

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
        Map<String, String> roots = new HashMap<>();
        if (config.cgroupNamespaceRoot().isPresent()) {
            layout.distinctHierarchies().forEach(h -> roots.put(h.mountDir(), config.cgroupNamespaceRoot().get()));
            return layout.withNamespaceRoots(roots);
        }
        if (!inPrivateCgroupNamespace(config)) {
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
