package io.lxcfs.daemon.it;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.lxcfs.daemon.view.ProcFile;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * A real OCI container run by {@code runc}: the root filesystem from {@code scripts/make-rootfs.sh}, a
 * {@code config.json} from {@code runc spec} edited with Jackson (no terminal, memory limit, CPU quota,
 * an absolute {@code cgroupsPath}, the view's eight files bind-mounted read-only over the real paths and
 * the test tools directory at {@code /opt/tools}). runc keeps its state in a private {@code --root}.
 *
 * <p>{@link #close()} deletes the container if it is still there and removes the parent cgroups the
 * container created (runc removes only the leaf), in every v1 hierarchy and the unified one (or the one
 * hierarchy of a pure v2 host), leaving any
 * directory that existed before or is not empty.
 */
public final class RuncContainer implements AutoCloseable {

    public record Result(int exit, String stdout, String stderr) {
    }

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Path CGROUP_ROOT = Path.of(System.getProperty("lxcfs.test.cgroup-root", "/sys/fs/cgroup"));

    private final String id;
    private final Path bundle;
    private final Path state;
    private final String cgroupsPath;
    private final List<Path> createdCgroupDirs = new ArrayList<>();

    private RuncContainer(String id, Path bundle, Path state, String cgroupsPath) {
        this.id = id;
        this.bundle = bundle;
        this.state = state;
        this.cgroupsPath = cgroupsPath;
    }

    public static boolean available() {
        return Stream.of("/usr/sbin/runc", "/usr/bin/runc", "/usr/local/sbin/runc", "/usr/local/bin/runc")
                .anyMatch(p -> Files.isExecutable(Path.of(p)));
    }

    /** Builds (or refreshes; the script is idempotent) a root filesystem at {@code dir}. */
    public static Path makeRootfs(Path dir) throws Exception {
        Path script = repoRoot().resolve("scripts/make-rootfs.sh");
        Process p = new ProcessBuilder("bash", script.toString(), dir.toString()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(120, TimeUnit.SECONDS) || p.exitValue() != 0) {
            throw new IllegalStateException(script + " failed:\n" + out);
        }
        Files.createDirectories(dir.resolve("opt/tools"));
        return dir;
    }

    /** The repository root: the daemon module's parent (from the failsafe property, else the working directory's parent). */
    static Path repoRoot() {
        String script = System.getProperty("lxcfs.daemon.script");
        Path daemonModule = script != null ? Path.of(script).toAbsolutePath().getParent().getParent() : Path.of("").toAbsolutePath();
        return daemonModule.getParent();
    }

    static Path toolsDir() {
        return Path.of(System.getProperty("lxcfs.tools.dir", "target/tools")).toAbsolutePath();
    }

    /**
     * Prepares a bundle for a container named {@code id-<random>} with the given limits whose PID 1 is
     * {@code sh -c script}. {@code cgroupsPath} may contain {@code {id}}, replaced by the container id.
     */
    public static RuncContainer create(Path rootfs, Path view, String name, String cgroupsPath, long memoryLimit,
                                       long cpuQuota, long cpuPeriod, String script) throws Exception {
        return create(rootfs, view, name, cgroupsPath, memoryLimit, cpuQuota, cpuPeriod, List.of("sh", "-c", script));
    }

    /** As above with PID 1's command line given as is (for a root filesystem without a shell). */
    public static RuncContainer create(Path rootfs, Path view, String name, String cgroupsPath, long memoryLimit,
                                       long cpuQuota, long cpuPeriod, List<String> command) throws Exception {
        String id = name + "-" + UUID.randomUUID().toString().substring(0, 8);
        Path work = Files.createTempDirectory("lxcfs-it-runc-" + id);
        Path bundle = Files.createDirectories(work.resolve("bundle"));
        Path state = Files.createDirectories(work.resolve("state"));
        String cgPath = cgroupsPath.replace("{id}", id);
        RuncContainer c = new RuncContainer(id, bundle, state, cgPath);

        run(List.of("runc", "spec", "--bundle", bundle.toString()), 30);
        Path configFile = bundle.resolve("config.json");
        ObjectNode config = (ObjectNode) JSON.readTree(configFile.toFile());

        ObjectNode process = (ObjectNode) config.get("process");
        process.put("terminal", false);
        ArrayNode args = process.putArray("args");
        command.forEach(args::add);

        ObjectNode root = (ObjectNode) config.get("root");
        root.put("path", rootfs.toAbsolutePath().toString());
        root.put("readonly", true);

        ObjectNode linux = (ObjectNode) config.get("linux");
        linux.put("cgroupsPath", cgPath);
        ObjectNode resources = linux.has("resources") ? (ObjectNode) linux.get("resources") : linux.putObject("resources");
        resources.putObject("memory").put("limit", memoryLimit);
        if (cpuQuota > 0) {
            resources.putObject("cpu").put("quota", cpuQuota).put("period", cpuPeriod);
        }

        ArrayNode mounts = (ArrayNode) config.get("mounts");
        for (ProcFile f : ProcFile.values()) {
            ObjectNode m = mounts.addObject();
            m.put("destination", f.path);
            m.put("type", "bind");
            m.put("source", view.resolve(f.path.substring(1)).toString());
            m.putArray("options").add("rbind").add("ro");
        }
        ObjectNode tools = mounts.addObject();
        tools.put("destination", "/opt/tools");
        tools.put("type", "bind");
        tools.put("source", toolsDir().toString());
        tools.putArray("options").add("rbind").add("ro");

        JSON.writerWithDefaultPrettyPrinter().writeValue(configFile.toFile(), config);
        c.recordMissingCgroupAncestors();
        return c;
    }

    public String id() {
        return id;
    }

    public String cgroupsPath() {
        return cgroupsPath;
    }

    /** {@code runc run} in the foreground: returns when PID 1 exits (runc then deletes the container). */
    public Result run(long timeoutSeconds) throws Exception {
        Process p = new ProcessBuilder("runc", "--root", state.toString(), "run", "--bundle", bundle.toString(), id)
                .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")))
                .start();
        var err = new java.util.concurrent.CompletableFuture<byte[]>();
        Thread t = new Thread(() -> {
            try {
                err.complete(p.getErrorStream().readAllBytes());
            } catch (IOException e) {
                err.completeExceptionally(e);
            }
        });
        t.start();
        byte[] out = p.getInputStream().readAllBytes();
        if (!p.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new IllegalStateException("runc run " + id + " timed out");
        }
        return new Result(p.exitValue(), new String(out, StandardCharsets.UTF_8),
                new String(err.get(30, TimeUnit.SECONDS), StandardCharsets.UTF_8));
    }

    /** {@code runc run} in the background, stdout and stderr to {@code output}; stop it with {@link #kill}. */
    public Process start(Path output) throws IOException {
        return new ProcessBuilder("runc", "--root", state.toString(), "run", "--bundle", bundle.toString(), id)
                .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")))
                .redirectErrorStream(true).redirectOutput(output.toFile())
                .start();
    }

    /** {@code runc kill <id> <signal>} (to the container's PID 1). */
    public void kill(String signal) {
        try {
            run(List.of("runc", "--root", state.toString(), "kill", id, signal), 30);
        } catch (Exception e) {
            // already gone
        }
    }

    /** Splits output written as {@code @@name} lines followed by that section's text. */
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

    private List<Path> hierarchies() throws IOException {
        if (Files.exists(CGROUP_ROOT.resolve("cgroup.controllers"))) {
            return List.of(CGROUP_ROOT); // pure v2: one hierarchy, and its subdirectories are cgroups
        }
        List<Path> h = new ArrayList<>();
        try (Stream<Path> s = Files.list(CGROUP_ROOT)) {
            s.filter(d -> Files.isDirectory(d) && !Files.isSymbolicLink(d) && Files.exists(d.resolve("cgroup.procs")))
                    .forEach(h::add);
        }
        return h;
    }

    /** Remembers the ancestors of the container's cgroup that do not exist yet (runc will create them). */
    private void recordMissingCgroupAncestors() throws IOException {
        String rel = cgroupsPath.replaceFirst("^/+", "");
        for (Path h : hierarchies()) {
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
        try {
            run(List.of("runc", "--root", state.toString(), "delete", "-f", id), 30);
        } catch (IllegalStateException ignored) {
            // already gone: `runc run` deletes the container when PID 1 exits
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
        deleteTree(bundle.getParent());
    }

    private static void deleteTree(Path p) throws IOException {
        if (!Files.exists(p)) {
            return;
        }
        try (Stream<Path> s = Files.walk(p)) {
            for (Path x : s.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(x);
            }
        }
    }

    private static String run(List<String> cmd, long timeoutSeconds) throws Exception {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new IllegalStateException(cmd + " timed out");
        }
        if (p.exitValue() != 0) {
            throw new IllegalStateException(cmd + " exited " + p.exitValue() + ": " + out);
        }
        return out;
    }
}
