package io.lxcfs.e2e;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;

/**
 * A pod-level cgroup as the kubelet's cgroupfs driver makes it on a cgroup v1 (hybrid) host: the same path in every
 * hierarchy (so that runc finds the parents of its container cgroups), with the pod's memory limit and CPU quota and
 * shares written into the memory and cpu controllers. {@link #close()} removes every directory it created, deepest
 * first, once the containers' processes are gone.
 */
final class PodCgroup implements AutoCloseable {

    static final Path ROOT = Path.of(System.getProperty("lxcfs.test.cgroup-root", "/sys/fs/cgroup"));

    private final String path;
    private final List<Path> created = new ArrayList<>();

    private PodCgroup(String path) {
        this.path = path;
    }

    /** {@code path} is absolute within each hierarchy, e.g. {@code /lxcfs-e2e-1a2b/kubepods/burstable/pod<uid>}. */
    static PodCgroup create(String path, KubeletResources.Limits limits) throws Exception {
        PodCgroup cg = new PodCgroup(path);
        try {
            for (Path hierarchy : hierarchies()) {
                Path dir = hierarchy;
                for (String part : path.replaceFirst("^/+", "").split("/")) {
                    dir = dir.resolve(part);
                    if (!Files.isDirectory(dir)) {
                        Files.createDirectory(dir);
                        cg.created.add(dir);
                        if (hierarchy.getFileName().toString().equals("cpuset")) {
                            inheritCpuset(dir); // a v1 cpuset cgroup takes no task until cpus and mems are set
                        }
                    }
                }
            }
            Path memory = ROOT.resolve("memory" + path);
            if (limits.memoryBytes().isPresent()) {
                Files.writeString(memory.resolve("memory.limit_in_bytes"), Long.toString(limits.memoryBytes().getAsLong()));
            }
            Path cpu = ROOT.resolve("cpu" + path);
            Files.writeString(cpu.resolve("cpu.shares"), Long.toString(limits.cpuShares()));
            if (limits.cpuQuotaUs().isPresent()) {
                Files.writeString(cpu.resolve("cpu.cfs_period_us"), Long.toString(limits.cpuPeriodUs()));
                Files.writeString(cpu.resolve("cpu.cfs_quota_us"), Long.toString(limits.cpuQuotaUs().getAsLong()));
            }
        } catch (Exception e) {
            cg.close();
            throw e;
        }
        return cg;
    }

    String path() {
        return path;
    }

    Path dir(String controller) {
        return ROOT.resolve(controller + path);
    }

    /** The mounted hierarchies: v1 controllers, the named systemd one and the (here controller-less) unified one. */
    static List<Path> hierarchies() throws IOException {
        try (Stream<Path> s = Files.list(ROOT)) {
            return s.filter(d -> Files.isDirectory(d) && !Files.isSymbolicLink(d) && Files.exists(d.resolve("cgroup.procs")))
                    .sorted().toList();
        }
    }

    private static void inheritCpuset(Path dir) throws IOException {
        for (String f : List.of("cpuset.cpus", "cpuset.mems")) {
            Files.writeString(dir.resolve(f), Files.readString(dir.getParent().resolve(f)).trim());
        }
    }

    /** Removes what {@link #create} made; fails, naming what is left, if a directory still holds processes after 10 s. */
    @Override
    public void close() throws Exception {
        List<Path> dirs = new ArrayList<>(created);
        dirs.sort(Comparator.comparingInt(Path::getNameCount).reversed());
        List<String> left = new ArrayList<>();
        for (Path d : dirs) {
            long deadline = System.nanoTime() + 10_000_000_000L;
            while (Files.exists(d)) {
                try {
                    Files.delete(d); // rmdir: refused while tasks or child cgroups remain
                } catch (IOException busy) {
                    if (System.nanoTime() > deadline) {
                        left.add(d + " (" + busy.getMessage() + ")");
                        break;
                    }
                    Thread.sleep(20); // a killed container's processes are still exiting
                }
            }
        }
        created.clear();
        if (!left.isEmpty()) {
            throw new IllegalStateException("cgroups left behind: " + left);
        }
    }
}
