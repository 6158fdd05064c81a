package io.lxcfs.daemon.fuse;

import jnr.ffi.LibraryLoader;
import jnr.ffi.Memory;
import jnr.ffi.Pointer;
import jnr.ffi.Runtime;
import jnr.ffi.Struct;
import ru.serce.jnrfuse.struct.FuseOperations;

import java.util.ArrayList;
import java.util.List;

/**
 * libfuse 2's {@code fuse_main_real}, with the request loop on a fixed pool of Java threads instead of
 * {@code fuse_loop_mt}'s native ones. A callback from a native thread costs jffi a JVM attach and detach for
 * each of that thread's first 1,000 calls, and libfuse keeps starting and retiring workers under load, so a
 * steady share of requests paid for a thread attach (measured: ~7 % of the daemon's CPU at 3,000 reads/s).
 * A Java thread is already attached: the upcall is a plain JNI call. Same setup and teardown as
 * {@code fuse_main_real} ({@code fuse_setup}: options, mount, signal handlers; {@code fuse_teardown}).
 */
final class FuseLoop {

    /** The libfuse 2.9 entry points of {@code fuse_main_real}'s and {@code fuse_session_loop_mt}'s parts. */
    public interface LibFuseLoop {
        Pointer fuse_setup(int argc, String[] argv, Pointer op, long opSize, Pointer mountpoint, Pointer multithreaded,
                           Pointer userData);

        void fuse_teardown(Pointer fuse, Pointer mountpoint);

        Pointer fuse_get_session(Pointer fuse);

        Pointer fuse_session_next_chan(Pointer se, Pointer ch);

        long fuse_chan_bufsize(Pointer ch);

        int fuse_chan_recv(Pointer chp, Pointer buf, long size);

        void fuse_session_process(Pointer se, Pointer buf, long len, Pointer ch);

        int fuse_session_exited(Pointer se);

        void fuse_session_exit(Pointer se);

        void fuse_session_reset(Pointer se);

        Pointer fuse_get_context();
    }

    /** Offset of {@code pid} in libfuse 2's {@code struct fuse_context} on LP64 (after fuse*, uid, gid). */
    private static final int CONTEXT_PID_OFFSET = 16;

    private static final int EINTR = 4;

    private static volatile LibFuseLoop lib;

    private static LibFuseLoop lib() {
        LibFuseLoop l = lib;
        if (l == null) {
            try {
                l = LibraryLoader.create(LibFuseLoop.class).failImmediately().load("fuse");
            } catch (Throwable e) {
                l = LibraryLoader.create(LibFuseLoop.class).failImmediately().load("libfuse.so.2");
            }
            lib = l;
        }
        return l;
    }

    private FuseLoop() {
    }

    /** The pid of the process whose request the calling thread serves (jnr-fuse's FuseContext allocates a struct per call). */
    static long callerPid() {
        Pointer ctx = lib().fuse_get_context();
        return ctx == null ? 0 : ctx.getInt(CONTEXT_PID_OFFSET);
    }

    /**
     * Mounts and serves until the file system is unmounted (or the session exits); returns like
     * {@code fuse_main_real}: 0 after a clean end, 1 when the mount failed or reading the device failed.
     */
    static int run(String[] args, FuseOperations ops, int workers, String threadName) {
        LibFuseLoop l = lib();
        Runtime runtime = Runtime.getRuntime(l);
        Pointer mountpoint = Memory.allocateDirect(runtime, 8, true);
        Pointer fuse = l.fuse_setup(args.length, args, Struct.getMemory(ops), Struct.size(ops), mountpoint, null, null);
        if (fuse == null || fuse.address() == 0) {
            return 1;
        }
        Pointer se = l.fuse_get_session(fuse);
        Pointer ch = l.fuse_session_next_chan(se, null);
        long bufsize = l.fuse_chan_bufsize(ch);
        boolean[] failed = new boolean[1];
        List<Thread> pool = new ArrayList<>();
        for (int i = 1; i < workers; i++) {
            Thread t = new Thread(() -> serve(l, runtime, se, ch, bufsize, failed), threadName + "-" + i);
            t.setDaemon(true);
            t.start();
            pool.add(t);
        }
        serve(l, runtime, se, ch, bufsize, failed);
        for (Thread t : pool) {
            try {
                t.join();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        l.fuse_session_reset(se);
        l.fuse_teardown(fuse, mountpoint.getPointer(0));
        synchronized (failed) {
            return failed[0] ? 1 : 0;
        }
    }

    /** One worker: fuse_session_loop_mt's fuse_do_work with fuse_chan_recv (no splice: we never asked for it). */
    private static void serve(LibFuseLoop l, Runtime runtime, Pointer se, Pointer ch, long bufsize, boolean[] failed) {
        Pointer buf = Memory.allocateDirect(runtime, (int) bufsize);
        Pointer chp = Memory.allocateDirect(runtime, 8);
        while (l.fuse_session_exited(se) == 0) {
            chp.putPointer(0, ch);
            int res = l.fuse_chan_recv(chp, buf, bufsize);
            if (res == -EINTR) {
                continue;
            }
            if (res <= 0) {
                // 0: unmounted (ENODEV) or exited; < 0: the device failed. Either way every worker stops.
                if (res < 0) {
                    synchronized (failed) {
                        failed[0] = true;
                    }
                }
                l.fuse_session_exit(se);
                break;
            }
            l.fuse_session_process(se, buf, res, chp.getPointer(0));
        }
    }
}
