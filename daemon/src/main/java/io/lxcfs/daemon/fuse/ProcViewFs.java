package io.lxcfs.daemon.fuse;

import io.lxcfs.daemon.view.CpuDirectory;
import io.lxcfs.daemon.view.ProcFile;
import io.lxcfs.daemon.view.ProcView;
import io.lxcfs.daemon.view.RenderResult;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileVisitOption;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;

/**
 * The view's tree: files rendered for the calling process by every read at offset 0, the reads that continue
 * it seeing the same snapshot ({@link SnapshotReads}), and the caller's CPU directory. A file handle names its
 * file and holds nothing, so a daemon reads handles its predecessor opened (at an offset above 0, with no
 * snapshot of the predecessor's, the file is rendered again). Called from several threads at once.
 */
public final class ProcViewFs implements FuseFileSystem {

    private static final int O_ACCMODE = 3;
    /** The "file" bits of a handle on a file of {@link #cpuDir}: read by path, not by ordinal. */
    private static final int CPU_DIR_FILE = 255;
    private static final int FILE_BITS = 8;
    /** The view's files by ordinal and by path (ProcFile.values() copies its array on every call). */
    private static final ProcFile[] FILES = ProcFile.values();
    private static final Map<String, ProcFile> BY_PATH = new HashMap<>();
    private static final Attr DIRECTORY = new Attr(FuseProtocol.S_IFDIR | 0555, 0, 2);

    static {
        for (ProcFile f : FILES) {
            BY_PATH.put(f.path, f);
        }
    }

    private final ProcView view;
    private final ReadListener listener;
    private final ViewTree tree = new ViewTree();
    private final SnapshotReads reads;
    private final FileSizes sizes = new FileSizes();
    private final Attr[] fileAttrs = new Attr[FILES.length];
    /** The caller's /sys/devices/system/cpu (besides {@code online}, which is a {@link ProcFile}). */
    private final CpuDirectory cpuDir;
    private final Path hostCpuDir;
    /**
     * Handle numbers: a sequence number above the file's ordinal ({@link #fileOf}). It starts at a random point
     * so that handles of a predecessor still open on the connection are not given out again (their snapshots
     * would mix).
     */
    private final AtomicLong handles = new AtomicLong(ThreadLocalRandom.current().nextLong(1L << 40, 1L << 54));
    private final long mountedAt = System.currentTimeMillis() / 1000;

    public ProcViewFs(ProcView view, ReadListener listener) {
        this.view = view;
        this.listener = listener;
        this.reads = new SnapshotReads(this::render);
        this.cpuDir = view.cpuDirectory();
        this.hostCpuDir = cpuDir.hostDir();
        for (ProcFile f : ProcFile.values()) {
            try {
                sizes.seen(f, view.hostFile(f).length());
            } catch (IOException | RuntimeException e) {
                // no host file to size from: renders will raise the bound
            }
        }
    }

    @Override
    public Attr getattr(String path, long pid) throws Failure {
        String rel = cpuRel(path);
        if (rel != null) {
            CpuDirectory.Node node = cpuDir.stat(rel, view.cpuViewFor(pid));
            if (node == null) {
                throw Failure.ENOENT;
            }
            return switch (node.kind()) {
                case DIRECTORY -> new Attr(FuseProtocol.S_IFDIR | node.mode(), 0, 2);
                case SYMLINK -> new Attr(FuseProtocol.S_IFLNK | 0777, 0, 1);
                // As sysfs reports every attribute.
                default -> new Attr(FuseProtocol.S_IFREG | node.mode(), FileSizes.MIN_SIZE, 1);
            };
        }
        if (tree.isDirectory(path)) {
            return DIRECTORY;
        }
        ProcFile file = BY_PATH.get(path);
        if (file == null) {
            throw Failure.ENOENT;
        }
        // Never smaller than what any caller will read (FileSizes); no render per stat. The size changes rarely:
        // one Attr per file and size, not one per request (Attr is immutable, so a racy cache is safe).
        long size = sizes.size(file);
        Attr attr = fileAttrs[file.ordinal()];
        if (attr == null || attr.size() != size) {
            attr = new Attr(FuseProtocol.S_IFREG | 0444, size, 1);
            fileAttrs[file.ordinal()] = attr;
        }
        return attr;
    }

    @Override
    public List<String> list(String dir, long pid) throws Failure {
        if (dir.equals(CpuDirectory.PATH) || cpuRel(dir) != null) {
            List<String> names = cpuDir.list(dir.equals(CpuDirectory.PATH) ? "" : cpuRel(dir), view.cpuViewFor(pid));
            if (names == null) {
                throw Failure.ENOENT;
            }
            return names;
        }
        if (!tree.isDirectory(dir)) {
            throw Failure.ENOTDIR;
        }
        return tree.list(dir);
    }

    @Override
    public long open(String path, int flags, long pid) throws Failure {
        String rel = cpuRel(path);
        int fileBits;
        if (rel != null) {
            CpuDirectory.Node node = cpuDir.stat(rel, view.cpuViewFor(pid));
            if (node == null) {
                throw Failure.ENOENT;
            }
            if (node.kind() == CpuDirectory.Kind.DIRECTORY) {
                throw Failure.EISDIR;
            }
            fileBits = CPU_DIR_FILE;
        } else {
            ProcFile file = BY_PATH.get(path);
            if (file == null) {
                throw tree.isDirectory(path) ? Failure.EISDIR : Failure.ENOENT;
            }
            fileBits = file.ordinal();
        }
        if ((flags & O_ACCMODE) != 0) {
            throw Failure.EACCES;
        }
        return (handles.incrementAndGet() << FILE_BITS) | fileBits;
    }

    @Override
    public int read(String path, long handle, long offset, int size, long pid, ByteBuffer out, int at) throws Failure {
        if ((handle & ((1 << FILE_BITS) - 1)) == CPU_DIR_FILE && cpuRel(path) != null) {
            return readCpuDirFile(cpuRel(path), offset, size, pid, out, at);
        }
        ProcFile file = fileOf(handle);
        if (file == null) {
            throw Failure.EBADF;
        }
        SnapshotReads.Slice slice;
        try {
            slice = reads.read(handle, file, pid, offset, size);
        } catch (Exception | Error e) {
            // Even the host file is unreadable: nothing sensible to serve.
            throw Failure.EIO;
        }
        out.put(at, slice.content(), slice.offset(), slice.length());
        return slice.length();
    }

    /**
     * A file of the CPU directory: small (sysfs attributes are at most a page), so every read renders the
     * whole file for its caller and serves the part at {@code offset}.
     */
    private int readCpuDirFile(String rel, long offset, int size, long pid, ByteBuffer out, int at) throws Failure {
        byte[] content;
        try {
            content = cpuDir.read(rel, view.cpuViewFor(pid));
        } catch (NoSuchFileException e) {
            throw Failure.ENOENT;
        } catch (AccessDeniedException e) {
            throw Failure.EACCES;
        } catch (IOException | RuntimeException e) {
            throw Failure.EIO;
        }
        if (offset >= content.length) {
            return 0;
        }
        int n = (int) Math.min(size, content.length - offset);
        out.put(at, content, (int) offset, n);
        return n;
    }

    @Override
    public String readlink(String path, long pid) throws Failure {
        String rel = cpuRel(path);
        if (rel == null) {
            throw Failure.EINVAL;
        }
        try {
            return cpuDir.readlink(rel, view.cpuViewFor(pid));
        } catch (IOException | RuntimeException e) {
            throw Failure.ENOENT;
        }
    }

    @Override
    public void release(long handle) {
        reads.release(handle);
    }

    /** The static tree, and every entry of the host's CPU directory (a container's is a subset of its names). */
    @Override
    public Iterable<String> everyPath() {
        List<String> paths = new ArrayList<>();
        List<String> dirs = new ArrayList<>(List.of("/"));
        while (!dirs.isEmpty()) {
            String dir = dirs.remove(dirs.size() - 1);
            for (String name : tree.list(dir)) {
                String p = dir.equals("/") ? "/" + name : dir + "/" + name;
                paths.add(p);
                if (tree.isDirectory(p)) {
                    dirs.add(p);
                }
            }
        }
        try (Stream<Path> s = Files.walk(hostCpuDir, 8, new FileVisitOption[0])) {
            s.forEach(p -> {
                String rel = hostCpuDir.relativize(p).toString();
                paths.add(rel.isEmpty() ? CpuDirectory.PATH : CpuDirectory.PATH + "/" + rel);
            });
        } catch (IOException | RuntimeException e) {
            // no CPU directory on this host: only the static tree
        }
        return paths;
    }

    @Override
    public long time() {
        return mountedAt;
    }

    /**
     * The path inside the CPU directory of an entry below it that is not a {@link ProcFile} ({@code online}
     * is); null for any other path.
     */
    private static String cpuRel(String path) {
        if (!path.startsWith(CpuDirectory.PATH + "/") || BY_PATH.get(path) != null) {
            return null;
        }
        return path.substring(CpuDirectory.PATH.length() + 1);
    }

    private RenderResult render(ProcFile file, long pid) throws IOException {
        long started = System.nanoTime();
        RenderResult result = view.render(file, pid);
        listener.rendered(file, result, System.nanoTime() - started);
        sizes.seen(file, result.content().length);
        return result;
    }

    /** The file a handle was opened on (handles name their file; null for a number we never gave out). */
    static ProcFile fileOf(long fh) {
        int ordinal = (int) (fh & ((1 << FILE_BITS) - 1));
        return fh >>> FILE_BITS == 0 || ordinal >= FILES.length ? null : FILES[ordinal];
    }

    /** Snapshots held for readers between a read at offset 0 and the end (for tests and metrics). */
    public SnapshotReads snapshots() {
        return reads;
    }
}
