package io.lxcfs.testing;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * A real OCI container run by {@code runc}: a root filesystem (e.g. from {@link #makeRootfs}), a {@code config.json}
 * from {@code runc spec} edited with Jackson (no terminal, the command, limits, an absolute {@code cgroupsPath}, bind
 * mounts such as the view's files over the real paths). runc keeps its state in a private {@code --root}.
 *
 * <pre>{@code
 * try (RuncContainer c = RuncContainer.builder(rootfs, "probe").cgroupsPath("/kubepods/burstable/pod<uid>/{id}")
 *         .memoryLimit(256 << 20).cpuQuota(50_000, 100_000).viewFiles(mount, files).tools().shell("free -k").create()) {
 *     RuncContainer.Result r = c.run(Duration.ofSeconds(60));
 * }
 * }</pre>
 *
 * <p>{@link #close()} deletes the container if it is still there and removes the parent cgroups the container
 * created (runc removes only the leaf), in every v1 hierarchy and the unified one (or the one hierarchy of a pure v2
 * host), leaving any directory that existed before or is not empty.
 */
public final class RuncContainer implements AutoCloseable {

    /** PID 1's exit code and output of a container run in the foreground. */
    public record Result(int exit, String stdout, String stderr) {
    }

    private static final ObjectMapper JSON = new ObjectMapper();
    /** Where {@link Builder#tools()} mounts the test tools in the container. */
    public static final String TOOLS_MOUNT = "/opt/tools";

    private final String id;
    private final Path work;
    private final Path bundle;
    private final Path state;
    private final String cgroupsPath;
    private final boolean ownsWork;
    private final List<Path> createdCgroupDirs = new ArrayList<>();

    private RuncContainer(String id, Path work, boolean ownsWork, String cgroupsPath) {
        this.id = id;
        this.work = work;
        this.ownsWork = ownsWork;
        this.bundle = work.resolve("bundle");
        this.state = work.resolve("state");
        this.cgroupsPath = cgroupsPath;
    }

    public static boolean available() {
        return Stream.of("/usr/sbin/runc", "/usr/bin/runc", "/usr/local/sbin/runc", "/usr/local/bin/runc")
                .anyMatch(p -> Files.isExecutable(Path.of(p)));
    }

    /**
     * Builds (or refreshes; the script is idempotent) a root filesystem at {@code dir} with {@code scripts/make-rootfs.sh}:
     * busybox, procps, coreutils, getconf and dash as {@code /bin/sh}, and an empty {@value #TOOLS_MOUNT}.
     */
    public static Path makeRootfs(Path dir) throws Exception {
        Path script = RepoLayout.root().resolve("scripts/make-rootfs.sh");
        Command.run(List.of("bash", script.toString(), dir.toString()), Duration.ofSeconds(120)).orThrow();
        Files.createDirectories(dir.resolve(TOOLS_MOUNT.substring(1)));
        return dir;
    }

    /** A container named {@code name-<random>} (see {@link Builder#id}) on {@code rootfs}, mounted read-only. */
    public static Builder builder(Path rootfs, String name) {
        return new Builder(rootfs, name);
    }

    /** What goes into the container's {@code config.json}; nothing runs until {@link RuncContainer#run} or a start. */
    public static final class Builder {
        private final Path rootfs;
        private String id;
        private String cgroupsPath;
        private Long memoryLimit;
        private long cpuQuota;
        private long cpuPeriod;
        private Long cpuShares;
        private List<String> command;
        private List<String> env;
        private String workingDir;
        private String hostname;
        private Path workDir;
        private final List<String[]> binds = new ArrayList<>();

        private Builder(Path rootfs, String name) {
            this.rootfs = rootfs;
            this.id = name + "-" + UUID.randomUUID().toString().substring(0, 8);
            this.cgroupsPath = "/lxcfs-it/{id}";
        }

        /** The exact container id (a runtime's 64 hex digits, say) instead of {@code name-<random>}. */
        public Builder id(String id) {
            this.id = id;
            return this;
        }

        /** The absolute cgroup path; {@code {id}} in it stands for the container id. Default {@code /lxcfs-it/{id}}. */
        public Builder cgroupsPath(String path) {
            this.cgroupsPath = path;
            return this;
        }

        public Builder memoryLimit(long bytes) {
            this.memoryLimit = bytes;
            return this;
        }

        /** A CFS quota of {@code quotaUs} per {@code periodUs}; a quota of 0 or less sets none. */
        public Builder cpuQuota(long quotaUs, long periodUs) {
            this.cpuQuota = quotaUs;
            this.cpuPeriod = periodUs;
            return this;
        }

        public Builder cpuShares(long shares) {
            this.cpuShares = shares;
            return this;
        }

        /** PID 1's command line as is (for a root filesystem without a shell). */
        public Builder command(List<String> argv) {
            this.command = List.copyOf(argv);
            return this;
        }

        /** PID 1 is {@code sh -c script}. */
        public Builder shell(String script) {
            return command(List.of("sh", "-c", script));
        }

        /** The whole environment, {@code NAME=value} each (runc spec's default otherwise). */
        public Builder env(List<String> variables) {
            this.env = List.copyOf(variables);
            return this;
        }

        public Builder workingDir(String dir) {
            this.workingDir = dir;
            return this;
        }

        public Builder hostname(String name) {
            this.hostname = name;
            return this;
        }

        /** Where the bundle and runc's state go (created if missing, kept on close); default a temporary directory. */
        public Builder workDir(Path dir) {
            this.workDir = dir;
            return this;
        }

        /** A bind mount ({@code rbind}) of a host file or directory at {@code destination} in the container. */
        public Builder bind(Path source, String destination, boolean readOnly) {
            binds.add(new String[] {source.toAbsolutePath().toString(), destination, readOnly ? "ro" : "rw"});
            return this;
        }

        /** Each of {@code paths} (e.g. {@code /proc/meminfo}) bind-mounted read-only from the view at {@code view}. */
        public Builder viewFiles(Path view, Collection<String> paths) {
            for (String p : paths) {
                bind(view.resolve(p.substring(1)), p, true);
            }
            return this;
        }

        /** The test tools directory ({@link RepoLayout#toolsDir()}) read-only at {@value RuncContainer#TOOLS_MOUNT}. */
        public Builder tools() {
            return bind(RepoLayout.toolsDir(), TOOLS_MOUNT, true);
        }

        /** Writes the bundle; the container is not running yet. */
        public RuncContainer create() throws Exception {
            if (command == null || command.isEmpty()) {
                throw new IllegalArgumentException("container " + id + " has no command");
            }
            boolean own = workDir == null;
            Path work = own ? Files.createTempDirectory("lxcfs-runc-" + id) : Files.createDirectories(workDir);
            RuncContainer c = new RuncContainer(id, work, own, cgroupsPath.replace("{id}", id));
            try {
                Files.createDirectories(c.bundle);
                Files.createDirectories(c.state);
                Command.run(List.of("runc", "spec", "--bundle", c.bundle.toString()), Duration.ofSeconds(30)).orThrow();
                Path configFile = c.bundle.resolve("config.json");
                ObjectNode config = (ObjectNode) JSON.readTree(configFile.toFile());
                configure(config, c.cgroupsPath);
                JSON.writerWithDefaultPrettyPrinter().writeValue(configFile.toFile(), config);
                c.recordMissingCgroupAncestors();
            } catch (Exception e) {
                c.close();
                throw e;
            }
            return c;
        }

        private void configure(ObjectNode config, String cgroupsPath) {
            ObjectNode process = (ObjectNode) config.get("process");
            process.put("terminal", false);
            ArrayNode args = process.putArray("args");
            command.forEach(args::add);
            if (env != null) {
                ArrayNode e = process.putArray("env");
                env.forEach(e::add);
            }
            if (workingDir != null) {
                process.put("cwd", workingDir);
            }
            ((ObjectNode) config.get("root")).put("path", rootfs.toAbsolutePath().toString()).put("readonly", true);
            if (hostname != null) {
                config.put("hostname", hostname);
            }

            ObjectNode linux = (ObjectNode) config.get("linux");
            linux.put("cgroupsPath", cgroupsPath);
            ObjectNode resources = linux.has("resources") ? (ObjectNode) linux.get("resources") : linux.putObject("resources");
            if (memoryLimit != null) {
                resources.putObject("memory").put("limit", memoryLimit);
            }
            if (cpuQuota > 0 || cpuShares != null) {
                ObjectNode cpu = resources.putObject("cpu");
                if (cpuShares != null) {
                    cpu.put("shares", cpuShares);
                }
                if (cpuQuota > 0) {
                    cpu.put("quota", cpuQuota).put("period", cpuPeriod);
                }
            }

            ArrayNode mounts = (ArrayNode) config.get("mounts");
            for (String[] b : binds) {
                ObjectNode m = mounts.addObject();
                m.put("destination", b[1]);
                m.put("type", "bind");
                m.put("source", b[0]);
                m.putArray("options").add("rbind").add(b[2]);
            }
        }
    }

    public String id() {
        return id;
    }

    /** The container's cgroup path, {@code {id}} replaced. */
    public String cgroupsPath() {
        return cgroupsPath;
    }

    /** {@code runc run} in the foreground: returns when PID 1 exits (runc then deletes the container). */
    public Result run(Duration timeout) throws Exception {
        Process p = runc("run", "--bundle", bundle.toString(), id)
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                .start();
        CompletableFuture<byte[]> err = CompletableFuture.supplyAsync(() -> {
            try {
                return p.getErrorStream().readAllBytes();
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        });
        byte[] out = p.getInputStream().readAllBytes();
        if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
            p.destroyForcibly();
            throw new IllegalStateException("runc run " + id + " timed out");
        }
        return new Result(p.exitValue(), new String(out, StandardCharsets.UTF_8),
                new String(err.get(30, TimeUnit.SECONDS), StandardCharsets.UTF_8));
    }

    /** {@link #run(Duration)} with a timeout in seconds. */
    public Result run(long timeoutSeconds) throws Exception {
        return run(Duration.ofSeconds(timeoutSeconds));
    }

    /** {@code runc run} in the background, stdout and stderr to {@code output}; stop it with {@link #kill}. */
    public Process start(Path output) throws IOException {
        return runc("run", "--bundle", bundle.toString(), id)
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                .redirectErrorStream(true).redirectOutput(output.toFile())
                .start();
    }

    /**
     * {@code runc run -d}: returns once the container runs; PID 1 keeps {@code log} as its stdout and stderr (as a
     * kubelet's container log). Stop it with {@link #kill} or {@link #close()}.
     */
    public void startDetached(Path log) throws Exception {
        Process runc = runc("run", "-d", "--bundle", bundle.toString(), id)
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                .redirectErrorStream(true).redirectOutput(log.toFile())
                .start();
        if (!runc.waitFor(60, TimeUnit.SECONDS)) {
            runc.destroyForcibly();
            throw new IllegalStateException("runc run -d " + id + " did not return");
        }
        if (runc.exitValue() != 0) {
            throw new IllegalStateException("runc run -d " + id + " exited " + runc.exitValue() + ": " + Files.readString(log));
        }
    }

    /** {@code runc exec}: {@code argv} as a new process in the running container's namespaces and cgroup. */
    public Command.Result exec(String... argv) throws Exception {
        List<String> cmd = new ArrayList<>(List.of("runc", "--root", state.toString(), "exec", id));
        cmd.addAll(List.of(argv));
        return Command.run(cmd, Duration.ofSeconds(30));
    }

    /** {@code runc kill <id> <signal>} (to the container's PID 1); nothing when it is gone already. */
    public void kill(String signal) {
        try {
            Command.run(List.of("runc", "--root", state.toString(), "kill", id, signal), Duration.ofSeconds(30));
        } catch (IOException | InterruptedException e) {
            throw new IllegalStateException("runc kill " + id + " " + signal, e);
        }
    }

    /**
     * {@code runc delete -f}: SIGKILL to every process of the container, then its state and leaf cgroup removed;
     * the result (exit 0, or an error that the container {@code does not exist}) for those who check.
     */
    public Command.Result delete() throws Exception {
        return Command.run(List.of("runc", "--root", state.toString(), "delete", "-f", id), Duration.ofSeconds(30));
    }

    /** Splits output written as {@code @@name} lines each followed by that section's text. */
    public static Map<String, String> sections(String stdout) {
        Map<String, String> m = new LinkedHashMap<>();
        String name = null;
        StringBuilder sb = new StringBuilder();
        for (String line : stdout.split("\n", -1)) {
            if (line.startsWith("@@")) {
                if (name != null) {
                    m.put(name, sb.toString().strip());
                }
                name = line.substring(2).trim();
                sb.setLength(0);
            } else if (name != null) {
                sb.append(line).append('\n');
            }
        }
        if (name != null) {
            m.put(name, sb.toString().strip());
        }
        return m;
    }

    private ProcessBuilder runc(String... args) {
        List<String> cmd = new ArrayList<>(List.of("runc", "--root", state.toString()));
        cmd.addAll(List.of(args));
        return new ProcessBuilder(cmd);
    }

    /** Remembers the ancestors of the container's cgroup that do not exist yet (runc will create them). */
    private void recordMissingCgroupAncestors() throws IOException {
        String rel = cgroupsPath.replaceFirst("^/+", "");
        for (Path h : TestCgroup.hierarchies()) {
            Path dir = h;
            for (String part : rel.split("/")) {
                dir = dir.resolve(part);
                if (!Files.exists(dir)) {
                    createdCgroupDirs.add(dir);
                }
            }
        }
    }

    @Override
    public void close() throws Exception {
        if (Files.isDirectory(state)) {
            delete(); // fails when already gone: `runc run` deletes the container when PID 1 exits
        }
        // Deepest first; a directory that is not empty (another container still uses it) stays.
        createdCgroupDirs.sort(Comparator.comparingInt(Path::getNameCount).reversed());
        for (Path d : createdCgroupDirs) {
            for (int attempt = 0; attempt < 50 && Files.exists(d); attempt++) {
                try {
                    Files.delete(d);
                } catch (IOException e) {
                    if (Files.exists(d.resolve("cgroup.procs")) && !Files.readString(d.resolve("cgroup.procs")).isBlank()) {
                        Thread.sleep(20); // a process is still exiting
                    } else {
                        break; // has child cgroups of someone else
                    }
                }
            }
        }
        if (ownsWork) {
            TestFiles.deleteTree(work);
        } else {
            TestFiles.deleteTree(bundle);
            TestFiles.deleteTree(state);
        }
    }
}
