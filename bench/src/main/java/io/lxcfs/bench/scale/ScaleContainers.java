package io.lxcfs.bench.scale;

import io.lxcfs.testing.TestCgroup;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The bench's containers' cgroups: one {@link TestCgroup} per container (every controller the view reads, in the
 * machine's layout). {@link #close} removes them all (TestCgroup kills what is left in one first: only processes
 * in these cgroups, which are this bench's).
 */
public final class ScaleContainers implements AutoCloseable {

    private final List<TestCgroup> cgroups = new ArrayList<>();
    private boolean closed;

    /** Creates {@code count} containers' cgroups; removes those it made if that fails midway. */
    public static ScaleContainers create(int count) throws Exception {
        ScaleContainers c = new ScaleContainers();
        try {
            for (int i = 0; i < count; i++) {
                c.cgroups.add(TestCgroup.create("scale-c" + i));
            }
        } catch (Exception | Error e) {
            c.close();
            throw e;
        }
        return c;
    }

    /** The containers file of {@code loadavg-scale-load}: each container's cgroup directories on a line. */
    public Path writeContainersFile() throws IOException {
        StringBuilder b = new StringBuilder();
        for (TestCgroup cg : cgroups) {
            // The thread-count directory first: the floor mode reads the task list of a line's first directory.
            b.append(threadsDir(cg));
            for (String c : TestCgroup.CONTROLLERS) {
                if (!cg.dir(c).equals(threadsDir(cg))) {
                    b.append(' ').append(cg.dir(c));
                }
            }
            b.append('\n');
        }
        Path f = Files.createTempFile("lxcfs-scale-containers-", ".txt");
        Files.writeString(f, b);
        return f;
    }

    /** Threads in all the containers, as the kernel counts them ({@code pids.current}). */
    public long threads() throws IOException {
        long sum = 0;
        for (TestCgroup cg : cgroups) {
            sum += Long.parseLong(Files.readString(threadsDir(cg).resolve("pids.current")).trim());
        }
        return sum;
    }

    /**
     * The pids limits on the containers' threads: a container's own {@code pids.max} and its ancestors' (the root
     * has none). Each container holds its own threads only, so any limit at or above its thread count is enough.
     */
    public String pidsLimits(int threadsPerContainer) throws IOException {
        StringBuilder b = new StringBuilder();
        Path root = TestCgroup.ROOT.resolve(TestCgroup.V2 ? "" : "pids");
        for (Path d = threadsDir(cgroups.get(0)); d.startsWith(root) && !d.equals(root); d = d.getParent()) {
            String max = Files.readString(d.resolve("pids.max")).trim();
            b.append(b.length() == 0 ? "" : ", ").append(root.relativize(d)).append(' ').append(max);
            if (!max.equals("max") && Long.parseLong(max) < threadsPerContainer * (d.equals(threadsDir(cgroups.get(0))) ? 1L : cgroups.size())) {
                throw new IllegalStateException("pids.max " + max + " of " + d + " is below the threads the bench starts");
            }
        }
        return b.toString();
    }

    private static Path threadsDir(TestCgroup cg) {
        return cg.dir(TestCgroup.V2 ? "" : "pids");
    }

    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        int removed = 0;
        List<String> failed = new ArrayList<>();
        for (TestCgroup cg : cgroups) {
            try {
                cg.close();
                removed++;
            } catch (Exception e) {
                failed.add(cg.path() + ": " + e.getMessage());
            }
        }
        System.out.println("containers' cgroups removed: " + removed + " of " + cgroups.size()
                + (failed.isEmpty() ? "" : "; NOT removed: " + failed));
    }
}
