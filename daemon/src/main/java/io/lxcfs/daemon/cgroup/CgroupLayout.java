package io.lxcfs.daemon.cgroup;

import java.util.Arrays;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;

/**
 * Which hierarchy serves each controller on this host: pure v2 (a cgroup2 mount at the root),
 * v1, or hybrid (v1 controllers plus a cgroup2 mount at {@code unified/} holding few or none).
 */
public final class CgroupLayout {

    public enum Kind { V1, V2, HYBRID }

    private final Kind kind;
    private final Map<Controller, CgroupHierarchy> hierarchies;
    private final CgroupHierarchy unified;

    public CgroupLayout(Kind kind, Map<Controller, CgroupHierarchy> hierarchies, CgroupHierarchy unified) {
        this.kind = kind;
        this.hierarchies = new EnumMap<>(hierarchies);
        this.unified = unified;
    }

    public static CgroupLayout detect(FileSource fs, String cgroupRoot) {
        String root = cgroupRoot.endsWith("/") && cgroupRoot.length() > 1
                ? cgroupRoot.substring(0, cgroupRoot.length() - 1) : cgroupRoot;
        Map<Controller, CgroupHierarchy> map = new EnumMap<>(Controller.class);
        if (fs.exists(root + "/cgroup.controllers")) {
            CgroupHierarchy v2 = new CgroupHierarchy(root, true, "/");
            for (Controller c : Controller.values()) {
                map.put(c, v2);
            }
            return new CgroupLayout(Kind.V2, map, v2);
        }
        CgroupHierarchy unified = null;
        List<String> unifiedControllers = List.of();
        if (fs.exists(root + "/unified/cgroup.controllers")) {
            unified = new CgroupHierarchy(root + "/unified", true, "/");
            String list = fs.readOrNull(root + "/unified/cgroup.controllers");
            unifiedControllers = list == null || list.isBlank() ? List.of() : Arrays.asList(list.trim().split("\\s+"));
        }
        List<String> dirs = fs.subdirectories(root);
        for (Controller c : Controller.values()) {
            String dir = v1MountDir(fs, root, dirs, c.v1Name);
            if (dir != null) {
                map.put(c, new CgroupHierarchy(dir, false, "/"));
            } else if (unified != null && unifiedControllers.contains(c.v2Name)) {
                map.put(c, unified);
            }
        }
        return new CgroupLayout(unified != null ? Kind.HYBRID : Kind.V1, map, unified);
    }

    /** {@code <root>/memory}, or a co-mounted directory such as {@code <root>/cpu,cpuacct}. */
    private static String v1MountDir(FileSource fs, String root, List<String> dirs, String name) {
        if (fs.exists(root + "/" + name + "/cgroup.procs")) {
            return root + "/" + name;
        }
        for (String d : dirs) {
            if (Arrays.asList(d.split(",")).contains(name) && fs.exists(root + "/" + d + "/cgroup.procs")) {
                return root + "/" + d;
            }
        }
        return null;
    }

    public Kind kind() {
        return kind;
    }

    public CgroupHierarchy hierarchy(Controller c) {
        return hierarchies.get(c);
    }

    public CgroupHierarchy unified() {
        return unified;
    }

    /** The same layout with the daemon's cgroup-namespace root applied to every hierarchy. */
    public CgroupLayout withNamespaceRoots(Map<String, String> rootByMountDir) {
        Map<Controller, CgroupHierarchy> map = new EnumMap<>(Controller.class);
        hierarchies.forEach((c, h) -> map.put(c, h.withNamespaceRoot(rootByMountDir.getOrDefault(h.mountDir(), h.namespaceRoot()))));
        CgroupHierarchy u = unified == null ? null
                : unified.withNamespaceRoot(rootByMountDir.getOrDefault(unified.mountDir(), unified.namespaceRoot()));
        return new CgroupLayout(kind, map, u);
    }

    /** Distinct hierarchies, for namespace-root discovery. */
    public List<CgroupHierarchy> distinctHierarchies() {
        java.util.LinkedHashMap<String, CgroupHierarchy> byDir = new java.util.LinkedHashMap<>();
        hierarchies.values().forEach(h -> byDir.putIfAbsent(h.mountDir(), h));
        if (unified != null) {
            byDir.putIfAbsent(unified.mountDir(), unified);
        }
        return List.copyOf(byDir.values());
    }
}
