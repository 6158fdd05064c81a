package io.lxcfs.daemon.fuse;

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
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The FUSE adapter: a read-only tree whose files are rendered at open for the calling process, kept
 * per open file handle (one consistent snapshot however the reader chunks its reads), dropped at release.
 * jnr-fuse calls these methods from several threads at once.
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
    private final Map<Long, byte[]> open = new ConcurrentHashMap<>();
    private final AtomicLong handles = new AtomicLong();
    private final long mountedAt = System.currentTimeMillis() / 1000;

    public ProcViewFs(ProcView view, ReadListener listener) {
        this.view = view;
        this.listener = listener;
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
        if (tree.isDirectory(path)) {
            stat.st_mode.set(FileStat.S_IFDIR | 0555);
            stat.st_nlink.set(2);
        } else {
            ProcFile file = ProcFile.byPath(path);
            if (file == null) {
                return -ErrorCodes.ENOENT();
            }
            stat.st_mode.set(FileStat.S_IFREG | 0444);
            stat.st_nlink.set(1);
            // Like the real files: procfs reports 0, sysfs 4096. Content is served with direct I/O, so
            // readers read to EOF and nobody renders a file just to report its size.
            stat.st_size.set(file == ProcFile.CPU_ONLINE ? 4096 : 0);
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
        ProcFile file = ProcFile.byPath(path);
        if (file == null) {
            return tree.isDirectory(path) ? -ErrorCodes.EISDIR() : -ErrorCodes.ENOENT();
        }
        if ((fi.flags.get() & O_ACCMODE) != 0) {
            return -ErrorCodes.EACCES();
        }
        long started = System.nanoTime();
        RenderResult result;
        try {
            result = view.render(file, FuseLoop.callerPid());
        } catch (Exception | Error e) {
            // Even the host file is unreadable: nothing sensible to serve.
            return -ErrorCodes.EIO();
        }
        listener.rendered(file, result, System.nanoTime() - started);
        long fh = handles.incrementAndGet();
        open.put(fh, result.content());
        Struct.getMemory(fi).putLong(FH_OFFSET, fh);
        return 0;
    }

    @Override
    public int read(String path, Pointer buf, @size_t long size, @off_t long offset, FuseFileInfo fi) {
        byte[] content = open.get(Struct.getMemory(fi).getLong(FH_OFFSET));
        if (content == null) {
            return -ErrorCodes.EBADF();
        }
        if (offset >= content.length) {
            return 0;
        }
        int n = (int) Math.min(size, content.length - offset);
        buf.put(0, content, (int) offset, n);
        return n;
    }

    @Override
    public int release(String path, FuseFileInfo fi) {
        open.remove(Struct.getMemory(fi).getLong(FH_OFFSET));
        return 0;
    }

    @Override
    public int opendir(String path, FuseFileInfo fi) {
        return tree.isDirectory(path) ? 0 : -ErrorCodes.ENOTDIR();
    }

    @Override
    public int access(String path, int mask) {
        if (!tree.isDirectory(path) && ProcFile.byPath(path) == null) {
            return -ErrorCodes.ENOENT();
        }
        // W_OK = 2
        return (mask & 2) != 0 ? -ErrorCodes.EROFS() : 0;
    }

    /** Open handles right now (for tests: every open is released). */
    public int openHandles() {
        return open.size();
    }
}
