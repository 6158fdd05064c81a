package io.lxcfs.daemon.it;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;

/**
 * A real cgroup for one test "container", in the layout the machine has, detected at run time:
 * <ul>
 *   <li>v1 or hybrid (this build machine): one directory {@code /lxcfs-it/<name>-<random>} in every v1
 *       controller the view reads;</li>
 *   <li>pure v2 (the VM tier's guest, {@code cgroup_no_v1=all}): the container's leaf in a pod cgroup as a
 *       kubelet lays it out, with the controllers enabled level by level through {@code cgroup.subtree_control}:
 *       systemd driver {@code /kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod<uid_>.slice/cri-containerd-<id>.scope},
 *       cgroupfs driver {@code /kubepods/burstable/pod<uid>/<id>}.</li>
 * </ul>
 * Removed (after killing what is left in it) on close, with the parents it created when they are empty.
 */
public final class TestCgroup implements AutoCloseable {

    static final Path ROOT = Path.of(System.getProperty("lxcfs.test.cgroup-root", "/sys/fs/cgroup"));
    /** A single unified hierarchy mounted at {@link #ROOT} (on a hybrid host it sits at {@code unified/}). */
    public static final boolean V2 = Files.exists(ROOT.resolve("cgroup.controllers"));
    /** v1 controller directories; on v2 the one hierarchy ({@code ""}: {@link #ROOT} itself). */
    static final List<String> CONTROLLERS = V2 ? List.of("") : List.of("memory", "cpu", "cpuacct", "cpuset", "pids", "blkio");
    /** What a kubelet on v2 delegates down to its pods. */
    private static final String V2_SUBTREE = "+cpuset +cpu +io +memory +pids";

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
        }
        // A v1 cpuset cgroup needs cpus and mems before a task can join.
        for (String level : List.of("/lxcfs-it", path)) {
            Path dir = ROOT.resolve("cpuset" + level);
            if (Files.readString(dir.resolve("cpuset.cpus")).isBlank()) {
                Files.writeString(dir.resolve("cpuset.cpus"), Files.readString(ROOT.resolve("cpuset/cpuset.cpus")).trim());
            }
            if (Files.readString(dir.resolve("cpuset.mems")).isBlank()) {
                Files.writeString(dir.resolve("cpuset.mems"), Files.readString(ROOT.resolve("cpuset/cpuset.mems")).trim());
            }
        }
        return cg;
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
            String procs = Files.readString(dir("memory").resolve("cgroup.procs")).trim()
                    + "\n" + Files.readString(dir("cpu").resolve("cgroup.procs")).trim();
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
        List<Path> dirs = new ArrayList<>();
        if (V2) {
            dirs.add(dir(""));
            for (int i = created.size() - 1; i >= 0; i--) {
                if (!dirs.contains(created.get(i))) {
                    dirs.add(created.get(i));
                }
            }
        } else {
            CONTROLLERS.forEach(c -> dirs.add(dir(c)));
        }
        for (Path d : dirs) {
            for (int attempt = 0; attempt < 100 && Files.exists(d); attempt++) {
                try {
                    Files.delete(d);
                } catch (IOException e) {
                    if (V2 && !d.equals(dir(""))) {
                        break; // a shared parent another test's cgroup still uses
                    }
                    Thread.sleep(20);
                }
            }
        }
    }
}
