package io.lxcfs.daemon.it;

import io.lxcfs.daemon.view.CpuDirectory;
import io.lxcfs.daemon.view.ProcFile;
import io.lxcfs.testing.TestCgroup;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A "container" as test-environment.md describes it: a shell joins a real cgroup, then becomes PID 1 of
 * a new pid namespace in a private mount namespace with the view's files bind-mounted over the real paths.
 */
public final class ViewContainer {

    public record Result(int exit, String stdout, String stderr) {
    }

    /** The view's eight files by their path in a container ({@code /proc/meminfo}, ...), as the webhook mounts them. */
    public static final List<String> FILES = Arrays.stream(ProcFile.values()).map(f -> f.path).toList();

    private final TestCgroup cgroup;
    private final Path view;
    private final boolean cpuDirectory;

    public ViewContainer(TestCgroup cgroup, Path view) {
        this(cgroup, view, false);
    }

    private ViewContainer(TestCgroup cgroup, Path view, boolean cpuDirectory) {
        this.cgroup = cgroup;
        this.view = view;
        this.cpuDirectory = cpuDirectory;
    }

    /**
     * As the webhook mounts by default: the seven /proc files and the view's directory over
     * {@code /sys/devices/system/cpu} (in place of the single {@code online} file).
     */
    public ViewContainer withCpuDirectory() {
        return new ViewContainer(cgroup, view, true);
    }

    /** Bind mounts of all eight files, for use inside the private mount namespace. */
    public static String bindScript(Path view) {
        return bindScript(view, false);
    }

    /** The same, or with the CPU directory in place of its {@code online} file. */
    public static String bindScript(Path view, boolean cpuDirectory) {
        StringBuilder sb = new StringBuilder();
        for (ProcFile f : ProcFile.values()) {
            String path = cpuDirectory && f == ProcFile.CPU_ONLINE ? CpuDirectory.PATH : f.path;
            sb.append("mount --bind ").append(view).append(path).append(' ').append(path).append(" && ");
        }
        return sb.toString();
    }

    public ProcessBuilder builder(String script) {
        String inner = bindScript(view, cpuDirectory) + script;
        String outer = (cgroup == null ? "" : cgroup.joinScript())
                + "exec unshare --mount --pid --fork --mount-proc --propagation private sh -c " + quote(inner);
        return new ProcessBuilder("sh", "-c", outer);
    }

    public Process start(String script) throws IOException {
        return builder(script).start();
    }

    public Result run(String script) throws Exception {
        Process p = start(script);
        byte[] out = p.getInputStream().readAllBytes();
        byte[] err = p.getErrorStream().readAllBytes();
        if (!p.waitFor(120, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new IllegalStateException("container script timed out: " + script);
        }
        return new Result(p.exitValue(), new String(out, StandardCharsets.UTF_8), new String(err, StandardCharsets.UTF_8));
    }

    /** Runs and insists on exit 0, returning stdout. */
    public String exec(String script) throws Exception {
        Result r = run(script);
        if (r.exit() != 0) {
            throw new AssertionError("exit " + r.exit() + " from [" + script + "]\nstdout:\n" + r.stdout() + "\nstderr:\n" + r.stderr());
        }
        return r.stdout();
    }

    static String quote(String s) {
        return "'" + s.replace("'", "'\\''") + "'";
    }
}
