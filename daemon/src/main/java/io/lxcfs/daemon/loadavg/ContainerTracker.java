package io.lxcfs.daemon.loadavg;

import io.lxcfs.daemon.cgroup.ContainerCgroups;
import io.lxcfs.daemon.cgroup.FileSource;
import io.lxcfs.daemon.cgroup.TaskCounts;
import io.lxcfs.daemon.cgroup.TaskReader;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Containers known to the daemon, each with its {@link ContainerState} (what must outlive one read). A
 * container is tracked from its first read and forgotten when its cgroup disappears. Sampling cost is proportional to threads, not to reads.
 */
public final class ContainerTracker {

    private final FileSource fs;
    private final TaskReader tasks;
    private final Map<String, ContainerState> containers = new ConcurrentHashMap<>();

    public ContainerTracker(FileSource fs, TaskReader tasks) {
        this.fs = fs;
        this.tasks = tasks;
    }

    /** The container's state, creating it (with a first load sample) if this is its first read. */
    public ContainerState track(ContainerCgroups cgroups) {
        ContainerState existing = containers.get(cgroups.key());
        if (existing != null) {
            return existing;
        }
        return containers.computeIfAbsent(cgroups.key(), k -> {
            ContainerState t = new ContainerState(cgroups.taskDir());
            sampleOne(t);
            return t;
        });
    }

    /** One 5-second tick: sample every container, drop those whose cgroup is gone. */
    public void sampleAll() {
        containers.entrySet().removeIf(e -> !sampleOne(e.getValue()));
    }

    /** @return false when the container's cgroup no longer exists */
    private boolean sampleOne(ContainerState t) {
        if (!fs.exists(t.taskDir().absolute())) {
            return false;
        }
        try {
            TaskCounts counts = tasks.countThreads(t.taskDir());
            t.load().sample(counts.active());
            return true;
        } catch (Exception e) {
            // Removed between the check and the read; the next tick decides.
            return fs.exists(t.taskDir().absolute());
        }
    }

    public int size() {
        return containers.size();
    }
}
