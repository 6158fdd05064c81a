package io.lxcfs.bench.scale;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

/**
 * The bench's containers' cgroups: {@code lxcfs-scale-<random>/c<i>} under each v1 controller the view reads a
 * container's threads and limits from (cpu, cpuacct, memory, pids), or under the one v2 hierarchy. Removed on
 * {@link #close}: whatever is still in them is SIGKILLed first (only processes in these cgroups, which are this
 * bench's), then the leaves and the parent are removed.
 */
public final class ScaleCgroups implements AutoCloseable {

    static final Path ROOT = Path.of("/sys/fs/cgroup");
    static final String PREFIX = "lxcfs-scale-";
    static final boolean V2 = Files.exists(ROOT.resolve("cgroup.controllers"));
    static final List<String> CONTROLLERS = V2 ? List.of("") : List.of("cpu", "cpuacct", "memory", "pids");

    private final String name;
    private final int count;
    private boolean closed;

    private ScaleCgroups(String name, int count) {
        this.name = name;
        this.count = count;
    }

    /** Creates {@code count} containers' cgroups; removes what it made if that fails midway. */
    public static ScaleCgroups create(int count) throws IOException {
        ScaleCgroups cg = new ScaleCgroups(PREFIX + UUID.randomUUID().toString().substring(0, 8), count);
        try {
            for (String c : CONTROLLERS) {
                Path parent = Files.createDirectory(ROOT.resolve(c).resolve(cg.name));
                if (V2) {
                    Files.writeString(parent.resolve("cgroup.subtree_control"), "+cpu +memory +pids");
                }
                for (int i = 0; i < count; i++) {
                    Files.createDirectory(parent.resolve("c" + i));
                }
            }
        } catch (IOException | RuntimeException e) {
            cg.close();
            throw e;
        }
        return cg;
    }

    /** Container {@code i}'s directories, one per controller. */
    public List<Path> dirs(int i) {
        List<Path> dirs = new ArrayList<>();
        for (String c : CONTROLLERS) {
            dirs.add(ROOT.resolve(c).resolve(name).resolve("c" + i));
        }
        return dirs;
    }

    /** The containers file of {@code loadavg-scale-load}: each container's directories on a line. */
    public Path writeContainersFile() throws IOException {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < count; i++) {
            for (Path d : dirs(i)) {
                b.append(d).append(' ');
            }
            b.append('\n');
        }
        Path f = Files.createTempFile("lxcfs-scale-containers-", ".txt");
        Files.writeString(f, b);
        return f;
    }

    /** Threads in all the containers, as the kernel counts them (pids.current, hierarchical). */
    public long threads() throws IOException {
        Path parent = ROOT.resolve(V2 ? "" : "pids").resolve(name);
        return Long.parseLong(Files.readString(parent.resolve("pids.current")).trim());
    }

    public String name() {
        return name;
    }

    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        int removed = 0;
        for (String c : CONTROLLERS) {
            Path parent = ROOT.resolve(c).resolve(name);
            if (Files.isDirectory(parent)) {
                removed += remove(parent);
            }
        }
        System.out.println("cgroups removed: " + removed + " (" + name + ")");
    }

    /** Kills what is left in {@code parent}'s leaves, removes them and {@code parent}; returns how many it removed. */
    private static int remove(Path parent) {
        int removed = 0;
        long deadline = System.nanoTime() + 30_000_000_000L;
        List<Path> leaves = new ArrayList<>();
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(parent, Files::isDirectory)) {
            ds.forEach(leaves::add);
        } catch (IOException e) {
            System.err.println("cannot list " + parent + ": " + e);
        }
        for (Path leaf : leaves) {
            while (true) {
                try {
                    Files.delete(leaf);
                    removed++;
                    break;
                } catch (IOException busy) {
                    if (System.nanoTime() > deadline) {
                        System.err.println("could not remove " + leaf + ": " + busy);
                        break;
                    }
                    killAll(leaf);
                    sleep(20); // SIGKILLed processes leave their cgroup as they are reaped
                }
            }
        }
        try {
            Files.delete(parent);
            removed++;
        } catch (IOException e) {
            System.err.println("could not remove " + parent + ": " + e);
        }
        return removed;
    }

    private static void killAll(Path cgroup) {
        try {
            for (String line : Files.readAllLines(cgroup.resolve("cgroup.procs"))) {
                if (!line.isBlank()) {
                    ProcessHandle.of(Long.parseLong(line.trim())).ifPresent(ProcessHandle::destroyForcibly);
                }
            }
        } catch (IOException | RuntimeException e) {
            // gone meanwhile
        }
    }

    static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
