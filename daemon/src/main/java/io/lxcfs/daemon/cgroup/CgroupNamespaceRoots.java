package io.lxcfs.daemon.cgroup;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Where the daemon's cgroup-namespace root sits in each hierarchy. In a private cgroup namespace the paths in
 * callers' {@code /proc/<pid>/cgroup} are relative to that root (and start with "/.." outside it): the layout
 * must know the root to find their directories.
 *
 * @param found    namespace root (relative to the hierarchy's root) by hierarchy mount directory
 * @param notFound mount directories of the hierarchies in which the daemon's own cgroup was not found
 */
public record CgroupNamespaceRoots(Map<String, String> found, List<String> notFound) {

    /** The host's cgroup namespace: every path is relative to the hierarchy's root already. */
    public static final CgroupNamespaceRoots HOST = new CgroupNamespaceRoots(Map.of(), List.of());

    public CgroupNamespaceRoots {
        found = Map.copyOf(found);
        notFound = List.copyOf(notFound);
    }

    /** One root, given by the operator, for every hierarchy. */
    public static CgroupNamespaceRoots configured(CgroupLayout layout, String root) {
        Map<String, String> roots = new LinkedHashMap<>();
        layout.distinctHierarchies().forEach(h -> roots.put(h.mountDir(), root));
        return new CgroupNamespaceRoots(roots, List.of());
    }

    /**
     * Finds the roots from the daemon itself: in each hierarchy, the directory whose {@code cgroup.procs} lists
     * {@code ownPid} (as the host sees it), minus the daemon's path there as {@code own} (its own
     * {@code /proc/self/cgroup}) prints it.
     */
    public static CgroupNamespaceRoots discover(FileSource fs, CgroupLayout layout, long ownPid, ProcCgroupFile own) {
        NamespaceRootFinder finder = new NamespaceRootFinder(fs);
        Map<String, String> roots = new LinkedHashMap<>();
        List<String> missing = new ArrayList<>();
        for (CgroupHierarchy h : layout.distinctHierarchies()) {
            String ownPath = h.unified() ? own.unifiedPath() : v1PathOf(own, layout, h);
            String root = ownPath == null ? null : finder.find(h, ownPid, ownPath);
            if (root != null) {
                roots.put(h.mountDir(), root);
            } else {
                missing.add(h.mountDir());
            }
        }
        return new CgroupNamespaceRoots(roots, missing);
    }

    /** The daemon's path in a v1 hierarchy: the line of a controller that hierarchy carries. */
    private static String v1PathOf(ProcCgroupFile own, CgroupLayout layout, CgroupHierarchy h) {
        for (Controller c : Controller.values()) {
            if (h.equals(layout.hierarchy(c))) {
                return own.v1Path(c.v1Name);
            }
        }
        return null;
    }

    /** The layout with these roots; a hierarchy without one keeps its own. */
    public CgroupLayout applyTo(CgroupLayout layout) {
        return found.isEmpty() ? layout : layout.withNamespaceRoots(found);
    }
}
