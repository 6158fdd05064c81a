package io.lxcfs.daemon.cgroup;

import java.util.EnumMap;
import java.util.Map;

/**
 * The caller's own cgroup per controller (no mapping to its pid-namespace init: every container of a
 * shared-pid pod keeps its own view), plus a key that identifies the container for per-container state.
 */
public final class ContainerCgroups {

    private final Map<Controller, CgroupDir> dirs;
    private final CgroupDir unified;
    private final String key;

    public ContainerCgroups(Map<Controller, CgroupDir> dirs, CgroupDir unified, String key) {
        this.dirs = new EnumMap<>(Controller.class);
        this.dirs.putAll(dirs);
        this.unified = unified;
        this.key = key;
    }

    /** The directory for a controller, or null if the host has no such controller. */
    public CgroupDir dir(Controller c) {
        return dirs.get(c);
    }

    /**
     * The cgroup whose tasks are "the container": the unified one on v2, else the first of
     * cpuacct, cpu, pids, memory that exists.
     */
    public CgroupDir taskDir() {
        CgroupDir cpuacct = dirs.get(Controller.CPUACCT);
        if (cpuacct != null && cpuacct.unified()) {
            return cpuacct;
        }
        for (Controller c : new Controller[] {Controller.CPUACCT, Controller.CPU, Controller.PIDS, Controller.MEMORY}) {
            if (dirs.get(c) != null) {
                return dirs.get(c);
            }
        }
        return unified;
    }

    /** True when every given controller's cgroup is its hierarchy's root (or absent): a host process. */
    public boolean allRoot(Controller... controllers) {
        for (Controller c : controllers) {
            CgroupDir d = dirs.get(c);
            if (d != null && !d.isRoot()) {
                return false;
            }
        }
        return true;
    }

    public String key() {
        return key;
    }
}
