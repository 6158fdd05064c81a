package io.lxcfs.daemon.fuse;

import io.lxcfs.daemon.view.CpuDirectory;
import io.lxcfs.daemon.view.ProcFile;
import io.lxcfs.daemon.view.ProcView;
import io.lxcfs.daemon.view.RenderResult;
import jnr.ffi.Pointer;
import jnr.ffi.Struct;
import jnr.ffi.types.off_t;
import jnr.ffi.types.size_t;
import ru.serce.jnrfuse.ErrorCodes;
import ru.serce.jnrfuse.FuseException;
import ru.serce.jnrfuse.FuseFillDir;
import ru.serce.jnrfuse.FuseStubFS;
import ru.serce.jnrfuse.struct.FileStat;
import ru.serce.jnrfuse.struct.FuseFileInfo;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The FUSE adapter: a read-only tree whose files are rendered for the calling process by every read at
 * offset 0, the reads that continue it seeing the same snapshot ({@link SnapshotReads}). A file handle names
 * its file and holds nothing. jnr-fuse calls these methods from several threads at once.
 */
public final class ProcViewFs extends FuseStubFS {

    /** Offset of {@code fh} in libfuse 2's {@code struct fuse_file_info} on LP64 (jnr-fuse's own layout is off). */
    private static final int FH_OFFSET = 24;
    private static final int O_ACCMODE = 3;
    /**
     * Request threads. Handlers never wait for another FUSE request, so a few suffice; more only queue on
     * the two-to-a-few CPUs of a node daemon. libfuse's own loop keeps up to 10 idle native threads.
     */
    static final int WORKERS = Math.max(4, Math.min(16, 2 * java.lang.Runtime.getRuntime().availableProcessors()));

    private final ProcView view;
    private final ReadListener listener;
    private final ViewTree tree = new ViewTree();
    private final SnapshotReads reads;
    private final FileSizes sizes = new FileSizes();
    /** The caller's /sys/devices/system/cpu (besides {@code online}, which is a {@link ProcFile}). */
    private final CpuDirectory cpuDir;
    /** The "file" bits of a handle on a file of {@link #cpuDir}: read by path, not by ordinal. */
    private static final int CPU_DIR_FILE = 255;
    /** Handle numbers: a sequence number above the file's ordinal ({@link #fileOf}). */
    private final AtomicLong handles = new AtomicLong();
    private static final int FILE_BITS = 8;
    private final long mountedAt = System.currentTimeMillis() / 1000;

    public ProcViewFs(ProcView view, ReadListener listener) {
        this.view = view;
        this.listener = listener;
        this.reads = new SnapshotReads(this::render);
        this.cpuDir = view.cpuDirectory();
        for (ProcFile f : ProcFile.values()) {
            try {
                sizes.seen(f, view.hostFile(f).length());
            } catch (java.io.IOException | RuntimeException e) {
                // no host file to size from: renders will raise the bound
            }
        }
    }

    /**
     * Makes jnr-fuse's shutdown hook leave the mount alone: a daemon that stops never unmounts from under
     * running containers (its successor re-attaches them; docs/restarts-and-upgrades.md).
     */
    public void leaveMountedAtExit() {
        mounted.set(false);
    }

    @Override
    protected String getFSName() {
        return "lxcfs-k8s";
    }

    /**
     * As jnr-fuse's mount (same arguments to libfuse, same shutdown hook, same blocking contract), but the
     * requests are served by {@link #WORKERS} Java threads ({@link FuseLoop}) rather than libfuse's native ones.
     */
    @Override
    public void mount(Path mountPoint, boolean blocking, boolean debug, String[] fuseOpts) {
        if (!mounted.compareAndSet(false, true)) {
            throw new FuseException("Fuse fs already mounted!");
        }
        this.mountPoint = mountPoint;
        List<String> args = new ArrayList<>(List.of(getFSName(), "-f"));
        if (debug) {
            args.add("-d");
        }
        args.add(mountPoint.toAbsolutePath().toString());
        args.addAll(List.of(fuseOpts));
        String[] argv = args.toArray(String[]::new);
        try {
            java.lang.Runtime.getRuntime().addShutdownHook(new Thread(this::umount));
            int res;
            if (blocking) {
                res = FuseLoop.run(argv, fuseOperations, WORKERS, "fuse-worker");
            } else {
                CompletableFuture<Integer> result = new CompletableFuture<>();
                Thread main = new Thread(() -> {
                    try {
                        result.complete(FuseLoop.run(argv, fuseOperations, WORKERS, "fuse-worker"));
                    } catch (Throwable t) {
                        result.completeExceptionally(t);
                    }
                }, "fuse-worker-0");
                main.setDaemon(true);
                main.start();
                try {
                    res = result.get(2, TimeUnit.SECONDS);
                } catch (TimeoutException e) {
                    res = 0; // still serving: mounted
                }
            }
            if (res != 0) {
                throw new FuseException("Unable to mount FS, return code = " + res);
            }
        } catch (Exception e) {
            mounted.set(false);
            throw e instanceof FuseException fe ? fe : new FuseException("Unable to mount FS", e);
        }
    }

    @Override
    public int getattr(String path, FileStat stat) {
        String rel = cpuRel(path);
        if (rel != null) {
            CpuDirectory.Node node = cpuDir.stat(rel, view.cpuViewFor(FuseLoop.callerPid()));
            if (node == null) {
                return -ErrorCodes.ENOENT();
            }
            switch (node.kind()) {
                case DIRECTORY -> {
                    stat.st_mode.set(FileStat.S_IFDIR | node.mode());
                    stat.st_nlink.set(2);
                }
                case SYMLINK -> {
                    stat.st_mode.set(FileStat.S_IFLNK | 0777);
                    stat.st_nlink.set(1);
                }
                default -> {
                    stat.st_mode.set(FileStat.S_IFREG | node.mode());
                    stat.st_nlink.set(1);
                    // As sysfs reports every attribute.
                    stat.st_size.set(FileSizes.MIN_SIZE);
                }
            }
        } else if (tree.isDirectory(path)) {
            stat.st_mode.set(FileStat.S_IFDIR | 0555);
            stat.st_nlink.set(2);
        } else {
            ProcFile file = ProcFile.byPath(path);
            if (file == null) {
                return -ErrorCodes.ENOENT();
            }
            stat.st_mode.set(FileStat.S_IFREG | 0444);
            stat.st_nlink.set(1);
            // Never smaller than what any caller will read (FileSizes); no render per stat.
            stat.st_size.set(sizes.size(file));
        }
        stat.st_uid.set(0);
        stat.st_gid.set(0);
        stat.st_mtim.tv_sec.set(mountedAt);
        stat.st_ctim.tv_sec.set(mountedAt);
        stat.st_atim.tv_sec.set(mountedAt);
        return 0;
    }

    @Override
    public int readdir(String path, Pointer buf, FuseFillDir filter, @off_t long offset, FuseFileInfo fi) {
        if (path.equals(CpuDirectory.PATH) || cpuRel(path) != null) {
            List<String> names = cpuDir.list(path.equals(CpuDirectory.PATH) ? "" : cpuRel(path), view.cpuViewFor(FuseLoop.callerPid()));
            if (names == null) {
                return -ErrorCodes.ENOENT();
            }
            filter.apply(buf, ".", null, 0);
            filter.apply(buf, "..", null, 0);
            for (String name : names) {
                filter.apply(buf, name, null, 0);
            }
            return 0;
        }
        if (!tree.isDirectory(path)) {
            return -ErrorCodes.ENOTDIR();
        }
        filter.apply(buf, ".", null, 0);
        filter.apply(buf, "..", null, 0);
        for (String name : tree.list(path)) {
            filter.apply(buf, name, null, 0);
        }
        return 0;
    }

    @Override
    public int open(String path, FuseFileInfo fi) {
        String rel = cpuRel(path);
        if (rel != null) {
            CpuDirectory.Node node = cpuDir.stat(rel, view.cpuViewFor(FuseLoop.callerPid()));
            if (node == null) {
                return -ErrorCodes.ENOENT();
            }
            if (node.kind() == CpuDirectory.Kind.DIRECTORY) {
                return -ErrorCodes.EISDIR();
            }
            if ((fi.flags.get() & O_ACCMODE) != 0) {
                return -ErrorCodes.EACCES();
            }
            Struct.getMemory(fi).putLong(FH_OFFSET, (handles.incrementAndGet() << FILE_BITS) | CPU_DIR_FILE);
            return 0;
        }
        ProcFile file = ProcFile.byPath(path);
        if (file == null) {
            return tree.isDirectory(path) ? -ErrorCodes.EISDIR() : -ErrorCodes.ENOENT();
        }
        if ((fi.flags.get() & O_ACCMODE) != 0) {
            return -ErrorCodes.EACCES();
        }
        Struct.getMemory(fi).putLong(FH_OFFSET, (handles.incrementAndGet() << FILE_BITS) | file.ordinal());
        return 0;
    }

    @Override
    public int read(String path, Pointer buf, @size_t long size, @off_t long offset, FuseFileInfo fi) {
        long fh = Struct.getMemory(fi).getLong(FH_OFFSET);
        if ((fh & ((1 << FILE_BITS) - 1)) == CPU_DIR_FILE && cpuRel(path) != null) {
            return readCpuDirFile(cpuRel(path), buf, size, offset);
        }
        ProcFile file = fileOf(fh);
        if (file == null) {
            return -ErrorCodes.EBADF();
        }
        SnapshotReads.Slice slice;
        try {
            slice = reads.read(fh, file, FuseLoop.callerPid(), offset, (int) Math.min(size, Integer.MAX_VALUE));
        } catch (Exception | Error e) {
            // Even the host file is unreadable: nothing sensible to serve.
            return -ErrorCodes.EIO();
        }
        if (slice.length() > 0) {
            buf.put(0, slice.content(), slice.offset(), slice.length());
        }
        return slice.length();
    }

    /**
     * A file of the CPU directory: small (sysfs attributes are at most a page), so every read renders the
     * whole file for its caller and serves the part at {@code offset}.
     */
    private int readCpuDirFile(String rel, Pointer buf, long size, long offset) {
        byte[] content;
        try {
            content = cpuDir.read(rel, view.cpuViewFor(FuseLoop.callerPid()));
        } catch (java.nio.file.NoSuchFileException e) {
            return -ErrorCodes.ENOENT();
        } catch (java.nio.file.AccessDeniedException e) {
            return -ErrorCodes.EACCES();
        } catch (java.io.IOException | RuntimeException e) {
            return -ErrorCodes.EIO();
        }
        if (offset >= content.length) {
            return 0;
        }
        int n = (int) Math.min(size, content.length - offset);
        buf.put(0, content, (int) offset, n);
        return n;
    }

    @Override
    public int readlink(String path, Pointer buf, @size_t long size) {
        String rel = cpuRel(path);
        if (rel == null) {
            return -ErrorCodes.EINVAL();
        }
        String target;
        try {
            target = cpuDir.readlink(rel, view.cpuViewFor(FuseLoop.callerPid()));
        } catch (java.io.IOException | RuntimeException e) {
            return -ErrorCodes.ENOENT();
        }
        byte[] bytes = target.getBytes(java.nio.charset.StandardCharsets.UTF_8);
        int n = (int) Math.min(bytes.length, size - 1);
        buf.put(0, bytes, 0, n);
        buf.putByte(n, (byte) 0);
        return 0;
    }

    /**
     * The path inside the CPU directory of an entry below it that is not a {@link ProcFile} ({@code online}
     * is); null for any other path.
     */
    private static String cpuRel(String path) {
        if (!path.startsWith(CpuDirectory.PATH + "/") || ProcFile.byPath(path) != null) {
            return null;
        }
        return path.substring(CpuDirectory.PATH.length() + 1);
    }

    private RenderResult render(ProcFile file, long pid) throws java.io.IOException {
        long started = System.nanoTime();
        RenderResult result = view.render(file, pid);
        listener.rendered(file, result, System.nanoTime() - started);
        sizes.seen(file, result.content().length);
        return result;
    }

    /** The file a handle was opened on (handles name their file; null for a number we never gave out). */
    static ProcFile fileOf(long fh) {
        int ordinal = (int) (fh & ((1 << FILE_BITS) - 1));
        ProcFile[] files = ProcFile.values();
        return fh >>> FILE_BITS == 0 || ordinal >= files.length ? null : files[ordinal];
    }

    @Override
    public int release(String path, FuseFileInfo fi) {
        reads.release(Struct.getMemory(fi).getLong(FH_OFFSET));
        return 0;
    }

    @Override
    public int opendir(String path, FuseFileInfo fi) {
        String rel = cpuRel(path);
        if (rel != null) {
            CpuDirectory.Node node = cpuDir.stat(rel, view.cpuViewFor(FuseLoop.callerPid()));
            return node == null ? -ErrorCodes.ENOENT() : node.kind() == CpuDirectory.Kind.DIRECTORY ? 0 : -ErrorCodes.ENOTDIR();
        }
        return tree.isDirectory(path) ? 0 : -ErrorCodes.ENOTDIR();
    }

    @Override
    public int access(String path, int mask) {
        String rel = cpuRel(path);
        if (rel != null ? cpuDir.stat(rel, view.cpuViewFor(FuseLoop.callerPid())) == null
                : !tree.isDirectory(path) && ProcFile.byPath(path) == null) {
            return -ErrorCodes.ENOENT();
        }
        // W_OK = 2
        return (mask & 2) != 0 ? -ErrorCodes.EROFS() : 0;
    }

    /** Snapshots held for readers between a read at offset 0 and the end (for tests and metrics). */
    public SnapshotReads snapshots() {
        return reads;
    }
}
