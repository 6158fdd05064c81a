package io.lxcfs.daemon.fuse;

import java.nio.ByteBuffer;
import java.util.List;

/**
 * A read-only tree as {@link FuseRequests} asks it, by path and calling pid. Failures are {@link Failure}s
 * carrying the errno the caller sees.
 */
interface FuseFileSystem {

    /** What stat shows; {@code mode} includes the file type bits. */
    record Attr(int mode, long size, int nlink) {
    }

    /** An errno for the caller; preallocated, without a stack trace (lookups of missing names are routine). */
    final class Failure extends Exception {
        final int errno;

        Failure(int errno) {
            super("errno " + errno, null, false, false);
            this.errno = errno;
        }

        static final Failure ENOENT = new Failure(FuseProtocol.ENOENT);
        static final Failure EIO = new Failure(FuseProtocol.EIO);
        static final Failure EBADF = new Failure(FuseProtocol.EBADF);
        static final Failure EACCES = new Failure(FuseProtocol.EACCES);
        static final Failure ENOTDIR = new Failure(FuseProtocol.ENOTDIR);
        static final Failure EISDIR = new Failure(FuseProtocol.EISDIR);
        static final Failure EINVAL = new Failure(FuseProtocol.EINVAL);
    }

    Attr getattr(String path, long pid) throws Failure;

    /** Names in a directory, without "." and "..". */
    List<String> list(String dir, long pid) throws Failure;

    /** Opens a file for reading; the handle must name the file (any daemon may read it: {@link ProcViewFs}). */
    long open(String path, int flags, long pid) throws Failure;

    /** Puts up to {@code size} bytes of the file from {@code offset} into {@code out} at index {@code at}; returns how many. */
    int read(String path, long handle, long offset, int size, long pid, ByteBuffer out, int at) throws Failure;

    String readlink(String path, long pid) throws Failure;

    void release(long handle);

    /** Every path the tree can have, for node ids given out by a predecessor ({@link NodeIds}). */
    Iterable<String> everyPath();

    /** Seconds since the epoch shown as the files' times. */
    long time();
}
