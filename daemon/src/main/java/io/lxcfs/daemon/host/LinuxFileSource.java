package io.lxcfs.daemon.host;

import io.lxcfs.daemon.cgroup.FileSource;
import jnr.ffi.LastError;
import jnr.ffi.Memory;
import jnr.ffi.Pointer;
import jnr.ffi.Runtime;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.NoSuchFileException;
import java.util.ArrayList;
import java.util.List;

/**
 * Reads procfs/cgroupfs files straight through libc: open, read into a per-thread native buffer, close.
 * Every /proc view read touches 5 to 15 such files, and {@code FileInputStream} costs several times the
 * system calls (an extra fstat, a Cleaner registration, an exception per missing optional knob).
 * Pseudo-files report size 0, so we read until EOF rather than trusting the size.
 */
public final class LinuxFileSource implements FileSource {

    private static final int O_RDONLY_CLOEXEC = 0x80000;
    private static final int EINTR = 4;
    private static final int ENOENT = 2;
    /** glibc's struct dirent on LP64: d_ino, d_off (8 each), d_reclen (2), d_type (1), d_name. */
    private static final int D_TYPE_OFFSET = 18;
    private static final int D_NAME_OFFSET = 19;
    private static final int DT_DIR = 4;
    private static final int CHUNK = 64 * 1024;

    private static final LibC LIBC = LibC.INSTANCE;
    private static final Runtime RUNTIME = LibC.RUNTIME;
    private static final int PATH_MAX = 4096;

    /** A thread's buffers: the native one read(2) fills, its copy on the heap, the NUL-terminated path for open(2). */
    private static final class Buffers {
        final Pointer nativeBuf = Memory.allocateDirect(RUNTIME, CHUNK);
        byte[] heap = new byte[CHUNK];
        final ByteBuffer path = ByteBuffer.allocateDirect(PATH_MAX);
    }

    private static final ThreadLocal<Buffers> BUFFERS = ThreadLocal.withInitial(Buffers::new);

    @Override
    public String read(String path) throws IOException {
        String content = readNative(path);
        if (content == null) {
            int errno = LastError.getLastError(RUNTIME);
            if (errno == ENOENT) {
                throw new NoSuchFileException(path);
            }
            throw new IOException(path + ": errno " + errno);
        }
        return content;
    }

    @Override
    public String readOrNull(String path) {
        return readNative(path);
    }

    /** The file's content, or null (errno set) when it cannot be opened or read. */
    private static String readNative(String path) {
        Buffers b = BUFFERS.get();
        int fd = cPath(path, b.path) ? LIBC.open(b.path, O_RDONLY_CLOEXEC) : LIBC.open(path, O_RDONLY_CLOEXEC);
        if (fd < 0) {
            return null;
        }
        try {
            Pointer buf = b.nativeBuf;
            byte[] heap = b.heap;
            int len = 0;
            while (true) {
                long n = LIBC.read(fd, buf, CHUNK);
                if (n < 0) {
                    if (LastError.getLastError(RUNTIME) == EINTR) {
                        continue;
                    }
                    return null;
                }
                if (n == 0) {
                    break;
                }
                if (len + n > heap.length) {
                    heap = java.util.Arrays.copyOf(heap, Math.max(heap.length * 2, (int) (len + n)));
                    b.heap = heap;
                }
                buf.get(0, heap, len, (int) n);
                len += (int) n;
            }
            return new String(heap, 0, len, StandardCharsets.ISO_8859_1);
        } finally {
            LIBC.close(fd);
        }
    }

    /**
     * {@code path} as a C string in {@code into} (ASCII, as procfs and cgroupfs paths are); false when it is not ASCII
     * or too long, and the String overload converts it.
     */
    private static boolean cPath(String path, ByteBuffer into) {
        int n = path.length();
        if (n >= into.capacity()) {
            return false;
        }
        for (int i = 0; i < n; i++) {
            char c = path.charAt(i);
            if (c == 0 || c >= 0x80) {
                return false;
            }
            into.put(i, (byte) c);
        }
        into.put(n, (byte) 0);
        return true;
    }

    /**
     * readdir(3) gives each entry's type, so finding child cgroups costs no stat(2) per file; a cgroup
     * directory holds dozens of files.
     */
    @Override
    public List<String> subdirectories(String dir) {
        List<String> names = new ArrayList<>();
        Pointer handle = LIBC.opendir(dir);
        if (handle == null || handle.address() == 0) {
            // A cgroup removed while we look simply has no children.
            return names;
        }
        try {
            for (Pointer entry = LIBC.readdir(handle); entry != null && entry.address() != 0; entry = LIBC.readdir(handle)) {
                if (entry.getByte(D_TYPE_OFFSET) == DT_DIR) {
                    String name = entry.getString(D_NAME_OFFSET);
                    if (!name.equals(".") && !name.equals("..")) {
                        names.add(name);
                    }
                }
            }
        } finally {
            LIBC.closedir(handle);
        }
        return names;
    }

    @Override
    public boolean exists(String path) {
        return LIBC.access(path, 0) == 0;
    }
}
