package io.lxcfs.daemon.host;

import jnr.ffi.LastError;
import jnr.ffi.LibraryLoader;
import jnr.ffi.Pointer;
import jnr.ffi.Runtime;

import java.nio.ByteBuffer;

/**
 * The daemon's one binding of the C library (jnr-ffi): the few system calls Java has no API for, or whose Java
 * API costs more system calls than the request it serves. Direct {@link ByteBuffer}s pass as pointers, no copy.
 */
public interface LibC {

    LibC INSTANCE = LibraryLoader.create(LibC.class).load("c");

    Runtime RUNTIME = Runtime.getRuntime(INSTANCE);

    int O_RDWR = 2;
    int O_CLOEXEC = 0x80000;
    int MS_RDONLY = 1;
    int MS_NOSUID = 2;
    int MS_NODEV = 4;
    int MNT_DETACH = 2;

    int EINTR = 4;
    int ENOENT = 2;
    int EAGAIN = 11;
    int ENODEV = 19;
    int EINVAL = 22;
    int ECONNABORTED = 103;

    /** The calling thread's errno after the last call of this interface that failed. */
    static int errno() {
        return LastError.getLastError(RUNTIME);
    }

    int open(String path, int flags);

    /** {@code path}: a NUL-terminated name in a direct buffer (no conversion of a String per call). */
    int open(ByteBuffer path, int flags);

    long read(int fd, Pointer buf, long count);

    long read(int fd, ByteBuffer buf, long count);

    long write(int fd, ByteBuffer buf, long count);

    int close(int fd);

    int access(String path, int mode);

    Pointer opendir(String name);

    Pointer readdir(Pointer dir);

    int closedir(Pointer dir);

    int mount(String source, String target, String fstype, long flags, String data);

    int umount2(String target, int flags);
}
