package io.lxcfs.daemon.it;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.UUID;

/**
 * A real v1 cgroup in every controller the view reads (this build machine is a hybrid host), created
 * with absolute paths and removed (after killing what is left in it) on close.
 */
public final class TestCgroup implements AutoCloseable {

    static final Path ROOT = Path.of(System.getProperty("lxcfs.test.cgroup-root", "/sys/fs/cgroup"));
    static final List<String> CONTROLLERS = List.of("memory", "cpu", "cpuacct", "cpuset", "pids", "blkio");

    private final String path;

    private TestCgroup(String path) {
        this.path = path;
    }

    /** {@code /lxcfs-it/<name>-<random>}. */
    public static TestCgroup create(String name) throws IOException {
        String path = "/lxcfs-it/" + name + "-" + UUID.randomUUID().toString().substring(0, 8);
        TestCgroup cg = new TestCgroup(path);
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

    public static boolean available() {
        return Files.isWritable(ROOT.resolve("memory/cgroup.procs")) && Files.exists(ROOT.resolve("cpuacct/cpuacct.usage_all"));
    }

    public String path() {
        return path;
    }

    public Path dir(String controller) {
        return ROOT.resolve(controller + path);
    }

    public TestCgroup memoryLimit(long bytes) throws IOException {
        Files.writeString(dir("memory").resolve("memory.limit_in_bytes"), Long.toString(bytes));
        return this;
    }

    public TestCgroup cpuQuota(long quotaUs, long periodUs) throws IOException {
        Files.writeString(dir("cpu").resolve("cpu.cfs_period_us"), Long.toString(periodUs));
        Files.writeString(dir("cpu").resolve("cpu.cfs_quota_us"), Long.toString(quotaUs));
        return this;
    }

    public TestCgroup cpuset(String cpus) throws IOException {
        Files.writeString(dir("cpuset").resolve("cpuset.cpus"), cpus);
        return this;
    }

    /** Shell fragment that moves the running shell ($$) into this cgroup for every controller. */
    public String joinScript() {
        StringBuilder sb = new StringBuilder();
        for (String c : CONTROLLERS) {
            sb.append("echo $$ > ").append(dir(c).resolve("cgroup.procs")).append("; ");
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
        for (String c : CONTROLLERS) {
            Path d = dir(c);
            for (int attempt = 0; attempt < 100 && Files.exists(d); attempt++) {
                try {
                    Files.delete(d);
                } catch (IOException e) {
                    Thread.sleep(20);
                }
            }
        }
    }
}
