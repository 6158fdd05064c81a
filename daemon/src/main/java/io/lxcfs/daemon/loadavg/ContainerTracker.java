package io.lxcfs.daemon.loadavg;

import io.lxcfs.daemon.cgroup.CgroupDir;
import io.lxcfs.daemon.cgroup.ContainerCgroups;
import io.lxcfs.daemon.cgroup.FileSource;
import io.lxcfs.daemon.cgroup.TaskCounts;
import io.lxcfs.daemon.cgroup.TaskReader;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Containers known to the daemon, with the state that must outlive one read: load averages and the
 * last /proc/stat counters shown. A container is tracked from its first read and forgotten when its
 * cgroup disappears. Sampling cost is proportional to threads, not to reads.
 */
public final class ContainerTracker {

    /** Per-container state; fields are guarded by the object's own lock where they change together. */
    public static final class Tracked {
        private final CgroupDir taskDir;
        private final LoadAverage load = new LoadAverage();
        private Object lastStat;
        private long[] oldestProcess;

        Tracked(CgroupDir taskDir) {
            this.taskDir = taskDir;
        }

        public CgroupDir taskDir() {
            return taskDir;
        }

        public LoadAverage load() {
            return load;
        }

        /** Last /proc/stat counters shown to this container (opaque to the tracker). */
        public synchronized <T> T lastStat(Class<T> type) {
            return type.isInstance(lastStat) ? type.cast(lastStat) : null;
        }

        public synchronized void lastStat(Object value) {
            lastStat = value;
        }

        /** The container's oldest process as last found: {@code {pid, start ticks}}, or null. */
        public synchronized long[] oldestProcess() {
            return oldestProcess;
        }

        public synchronized void oldestProcess(long[] pidAndStart) {
            oldestProcess = pidAndStart;
        }
    }

    private final FileSource fs;
    private final TaskReader tasks;
    private final Map<String, Tracked> containers = new ConcurrentHashMap<>();

    public ContainerTracker(FileSource fs, TaskReader tasks) {
        this.fs = fs;
        this.tasks = tasks;
    }

    /** The container's state, creating it (with a first load sample) if this is its first read. */
    public Tracked track(ContainerCgroups cgroups) {
        Tracked existing = containers.get(cgroups.key());
        if (existing != null) {
            return existing;
        }
        return containers.computeIfAbsent(cgroups.key(), k -> {
            Tracked t = new Tracked(cgroups.taskDir());
            sampleOne(t);
            return t;
        });
    }

    /** One 5-second tick: sample every container, drop those whose cgroup is gone. */
    public void sampleAll() {
        containers.entrySet().removeIf(e -> !sampleOne(e.getValue()));
    }

    /** @return false when the container's cgroup no longer exists */
    private boolean sampleOne(Tracked t) {
        if (!fs.exists(t.taskDir.absolute())) {
            return false;
        }
        try {
            TaskCounts counts = tasks.countThreads(t.taskDir);
            t.load.sample(counts.active());
            return true;
        } catch (Exception e) {
            // Removed between the check and the read; the next tick decides.
            return fs.exists(t.taskDir.absolute());
        }
    }

    public int size() {
        return containers.size();
    }
}
