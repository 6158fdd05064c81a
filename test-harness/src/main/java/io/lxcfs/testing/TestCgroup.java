package io.lxcfs.testing;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;
import java.util.stream.Stream;

/**
 * A real cgroup for a test "container" or pod, in the layout the machine has, detected at run time:
 * <ul>
 *   <li>v1 or hybrid (this build machine): {@link #create} makes one directory {@code /lxcfs-it/<name>-<random>} in
 *       every v1 controller the view reads;</li>
 *   <li>pure v2 (the VM tier's guest, {@code cgroup_no_v1=all}): the container's leaf in a pod cgroup as a
 *       kubelet lays it out, with the controllers enabled level by level through {@code cgroup.subtree_control}:
 *       systemd driver {@code /kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod<uid_>.slice/cri-containerd-<id>.scope},
 *       cgroupfs driver {@code /kubepods/burstable/pod<uid>/<id>}.</li>
 * </ul>
 * {@link #at} makes a cgroup at a given path instead (a pod's, under which runc creates its containers' cgroups).
 * {@link #close()} kills what is left in it and removes the directories it created, deepest first; it fails, naming
 * them, when the cgroup's own directories cannot be removed within 10 s. A parent it created stays when another
 * test's cgroup still uses it.
 */
public final class TestCgroup implements AutoCloseable {

    public static final Path ROOT = Path.of(System.getProperty("lxcfs.test.cgroup-root", "/sys/fs/cgroup"));
    /** A single unified hierarchy mounted at {@link #ROOT} (on a hybrid host it sits at {@code unified/}). */
    public static final boolean V2 = Files.exists(ROOT.resolve("cgroup.controllers"));
    /** v1 controller directories; on v2 the one hierarchy ({@code ""}: {@link #ROOT} itself). */
    public static final List<String> CONTROLLERS = V2 ? List.of("") : List.of("memory", "cpu", "cpuacct", "cpuset", "pids", "blkio");
    /** What a kubelet on v2 delegates down to its pods. */
    private static final String V2_SUBTREE = "+cpuset +cpu +io +memory +pids";
    private static final long REMOVE_TIMEOUT_NANOS = 10_000_000_000L;

    /** How the kubelet's cgroup driver names a pod's cgroups (on v2; v1 always uses {@code /lxcfs-it/...}). */
    public enum Driver { SYSTEMD, CGROUPFS }

    private final String path;
    private final String podPath;
    /** Directories this cgroup created, parents first. */
    private final List<Path> created = new ArrayList<>();

    private TestCgroup(String path, String podPath) {
        this.path = path;
        this.podPath = podPath;
    }

    /** v1: {@code /lxcfs-it/<name>-<random>}; v2: a burstable pod of the systemd driver. */
    public static TestCgroup create(String name) throws IOException {
        return create(name, Driver.SYSTEMD);
    }

    public static TestCgroup create(String name, Driver driver) throws IOException {
        if (V2) {
            return createV2(name, driver);
        }
        String path = "/lxcfs-it/" + name + "-" + UUID.randomUUID().toString().substring(0, 8);
        TestCgroup cg = new TestCgroup(path, null);
        for (String c : CONTROLLERS) {
            Files.createDirectories(ROOT.resolve(c + path));
            cg.created.add(ROOT.resolve(c + path)); // not the shared /lxcfs-it
        }
        // A v1 cpuset cgroup needs cpus and mems before a task can join.
        for (String level : List.of("/lxcfs-it", path)) {
            inheritCpuset(ROOT.resolve("cpuset" + level));
        }
        return cg;
    }

    /**
     * A cgroup at exactly {@code path} (absolute, e.g. {@code /lxcfs-e2e-1a2b/kubepods/burstable/pod<uid>}), as a
     * kubelet makes a pod's: on v1 in every hierarchy ({@link #hierarchies()}: runc then finds the parents of its
     * containers' cgroups everywhere), on v2 with the controllers enabled at every level down to it.
     */
    public static TestCgroup at(String path) throws IOException {
        TestCgroup cg = new TestCgroup(path, null);
        try {
            for (Path hierarchy : hierarchies()) {
                Path dir = hierarchy;
                if (V2) {
                    enableControllers(dir);
                }
                for (String part : path.replaceFirst("^/+", "").split("/")) {
                    dir = dir.resolve(part);
                    if (!Files.isDirectory(dir)) {
                        Files.createDirectory(dir);
                        cg.created.add(dir);
                    }
                    if (V2) {
                        enableControllers(dir); // its children (the containers) get every controller
                    } else if (hierarchy.getFileName().toString().equals("cpuset")) {
                        inheritCpuset(dir);
                    }
                }
            }
        } catch (IOException | RuntimeException e) {
            try {
                cg.close();
            } catch (Exception suppressed) {
                e.addSuppressed(suppressed);
            }
            throw e;
        }
        return cg;
    }

    /** A v1 cpuset cgroup takes no task until its cpus and mems are set: its parent's. */
    private static void inheritCpuset(Path dir) throws IOException {
        for (String f : List.of("cpuset.cpus", "cpuset.mems")) {
            if (Files.readString(dir.resolve(f)).isBlank()) {
                Files.writeString(dir.resolve(f), Files.readString(dir.getParent().resolve(f)).trim());
            }
        }
    }

    private static TestCgroup createV2(String name, Driver driver) throws IOException {
        String uid = UUID.randomUUID().toString();
        // A container id as runtimes make them (64 hex digits); the test's name leads for whoever reads a path.
        byte[] random = new byte[28];
        ThreadLocalRandom.current().nextBytes(random);
        String id = String.format("%08x", name.hashCode()) + HexFormat.of().formatHex(random);
        List<String> levels = driver == Driver.SYSTEMD
                ? List.of("kubepods.slice", "kubepods-burstable.slice", "kubepods-burstable-pod" + uid.replace('-', '_') + ".slice",
                        "cri-containerd-" + id + ".scope")
                : List.of("kubepods", "burstable", "pod" + uid, id);
        String pod = "/" + String.join("/", levels.subList(0, 3));
        TestCgroup cg = new TestCgroup(pod + "/" + levels.get(3), pod);
        Path dir = ROOT;
        enableControllers(dir);
        for (int i = 0; i < levels.size(); i++) {
            dir = dir.resolve(levels.get(i));
            if (!Files.isDirectory(dir)) {
                Files.createDirectory(dir);
                cg.created.add(dir);
            }
            if (i < levels.size() - 1) {
                enableControllers(dir); // the leaf holds the processes: no internal processes below a delegating cgroup
            }
        }
        System.out.println("TestCgroup " + name + ": " + cg.path);
        return cg;
    }

    private static void enableControllers(Path dir) throws IOException {
        Files.writeString(dir.resolve("cgroup.subtree_control"), V2_SUBTREE);
    }

    /**
     * The mounted hierarchies: on v1 or hybrid every controller's directory, the named {@code systemd} one and the
     * unified one (each a directory with {@code cgroup.procs}, links such as {@code cpu,cpuacct} left out); on pure
     * v2 {@link #ROOT} itself.
     */
    public static List<Path> hierarchies() throws IOException {
        if (V2) {
            return List.of(ROOT);
        }
        try (Stream<Path> s = Files.list(ROOT)) {
            return s.filter(d -> Files.isDirectory(d) && !Files.isSymbolicLink(d) && Files.exists(d.resolve("cgroup.procs")))
                    .sorted().toList();
        }
    }

    public static boolean available() {
        if (V2) {
            String controllers;
            try {
                controllers = Files.readString(ROOT.resolve("cgroup.controllers"));
            } catch (IOException e) {
                return false;
            }
            return Files.isWritable(ROOT.resolve("cgroup.subtree_control"))
                    && List.of(controllers.trim().split(" ")).containsAll(List.of("cpuset", "cpu", "io", "memory", "pids"));
        }
        return Files.isWritable(ROOT.resolve("memory/cgroup.procs")) && Files.exists(ROOT.resolve("cpuacct/cpuacct.usage_all"));
    }

    /** The container's cgroup path as {@code /proc/<pid>/cgroup} shows it from the root cgroup namespace. */
    public String path() {
        return path;
    }

    /** The container's directory for a v1 controller; on v2 the leaf (the controller is ignored). */
    public Path dir(String controller) {
        return V2 ? ROOT.resolve(path.substring(1)) : ROOT.resolve(controller + path);
    }

    /** v2 only: the pod's cgroup directory (the leaf's parent). */
    public Path podDir() {
        requireV2("a pod-level cgroup");
        return ROOT.resolve(podPath.substring(1));
    }

    public TestCgroup memoryLimit(long bytes) throws IOException {
        if (V2) {
            Files.writeString(dir("memory").resolve("memory.max"), Long.toString(bytes));
        } else {
            Files.writeString(dir("memory").resolve("memory.limit_in_bytes"), Long.toString(bytes));
        }
        return this;
    }

    public TestCgroup cpuQuota(long quotaUs, long periodUs) throws IOException {
        if (V2) {
            Files.writeString(dir("cpu").resolve("cpu.max"), quotaUs + " " + periodUs);
        } else {
            Files.writeString(dir("cpu").resolve("cpu.cfs_period_us"), Long.toString(periodUs));
            Files.writeString(dir("cpu").resolve("cpu.cfs_quota_us"), Long.toString(quotaUs));
        }
        return this;
    }

    /** v1 {@code cpu.shares}; on v2 the {@code cpu.weight} a kubelet derives from them. */
    public TestCgroup cpuShares(long shares) throws IOException {
        if (V2) {
            Files.writeString(dir("cpu").resolve("cpu.weight"), Long.toString(1 + ((shares - 2) * 9999) / 262142));
        } else {
            Files.writeString(dir("cpu").resolve("cpu.shares"), Long.toString(shares));
        }
        return this;
    }

    public TestCgroup cpuset(String cpus) throws IOException {
        Files.writeString(dir("cpuset").resolve("cpuset.cpus"), cpus);
        return this;
    }

    /** v2 only: {@code memory.swap.max} of the container. */
    public TestCgroup swapLimit(long bytes) throws IOException {
        requireV2("memory.swap.max");
        Files.writeString(dir("memory").resolve("memory.swap.max"), Long.toString(bytes));
        return this;
    }

    /** v2 only: {@code memory.max} of the pod (binds every container of the pod). */
    public TestCgroup podMemoryLimit(long bytes) throws IOException {
        Files.writeString(podDir().resolve("memory.max"), Long.toString(bytes));
        return this;
    }

    /** v2 only: {@code cpu.max} of the pod. */
    public TestCgroup podCpuQuota(long quotaUs, long periodUs) throws IOException {
        Files.writeString(podDir().resolve("cpu.max"), quotaUs + " " + periodUs);
        return this;
    }

    private static void requireV2(String what) {
        if (!V2) {
            throw new UnsupportedOperationException(what + " is written by the v2 tests only");
        }
    }

    /** Shell fragment that moves the running shell ($$) into this cgroup for every controller. */
    public String joinScript() {
        StringBuilder sb = new StringBuilder();
        for (String c : CONTROLLERS) {
            sb.append("echo $$ > ").append(dir(c).resolve("cgroup.procs")).append("; ");
        }
        return sb.toString();
    }

    /** Shell fragment that moves the running shell ($$) into the root cgroup (a host process). */
    public static String joinRootScript() {
        StringBuilder sb = new StringBuilder();
        for (String c : CONTROLLERS) {
            sb.append("echo $$ > ").append(ROOT.resolve(c).resolve("cgroup.procs")).append("; ");
        }
        return sb.toString();
    }

    @Override
    public void close() throws Exception {
        for (int attempt = 0; attempt < 100; attempt++) {
            String procs = procs("memory") + "\n" + procs("cpu");
            if (procs.isBlank()) {
                break;
            }
            for (String pid : procs.split("\\s+")) {
                if (!pid.isBlank()) {
                    new ProcessBuilder("kill", "-9", pid).start().waitFor();
                }
            }
            Thread.sleep(20);
        }
        List<String> left = new ArrayList<>();
        for (int i = created.size() - 1; i >= 0; i--) {
            Path d = created.get(i);
            boolean own = d.endsWith(path.substring(1));
            long deadline = System.nanoTime() + REMOVE_TIMEOUT_NANOS;
            while (Files.exists(d)) {
                try {
                    Files.delete(d); // rmdir: refused while tasks or child cgroups remain
                } catch (IOException busy) {
                    if (!own) {
                        break; // a shared parent another test's cgroup still uses
                    }
                    if (System.nanoTime() > deadline) {
                        left.add(d + " (" + busy.getMessage() + ")");
                        break;
                    }
                    Thread.sleep(20); // a killed process is still exiting
                }
            }
        }
        created.clear();
        if (!left.isEmpty()) {
            throw new IllegalStateException("cgroups left behind: " + left);
        }
    }

    private String procs(String controller) throws IOException {
        Path f = dir(controller).resolve("cgroup.procs");
        return Files.exists(f) ? Files.readString(f).trim() : "";
    }
}
