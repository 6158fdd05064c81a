package io.lxcfs.daemon.fuse;

import io.lxcfs.daemon.host.LibC;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;

/**
 * A descriptor of {@code /dev/fuse}: one FUSE connection. It may be shared with other processes (the keeper, a
 * successor daemon): all read requests from the same open file, whose queue of requests being answered lives as
 * long as any of them holds it. A clone ({@code FUSE_DEV_IOC_CLONE}) would have a queue of its own that dies
 * with its holder, so we never clone.
 */
public final class FuseDevice {

    private static final LibC LIBC = LibC.INSTANCE;

    private final int fd;

    private FuseDevice(int fd) {
        this.fd = fd;
    }

    /** A descriptor this process inherited (from the keeper). */
    public static FuseDevice inherited(int fd) {
        return new FuseDevice(fd);
    }

    /** A new connection, not mounted yet. */
    public static FuseDevice open() throws IOException {
        int fd = LIBC.open("/dev/fuse", LibC.O_RDWR | LibC.O_CLOEXEC);
        if (fd < 0) {
            throw new IOException("cannot open /dev/fuse: errno " + LibC.errno());
        }
        return new FuseDevice(fd);
    }

    public int fd() {
        return fd;
    }

    /**
     * Mounts this connection at {@code at}, read-only, for every user, permissions checked by the kernel from
     * the modes we report. The kernel then sends FUSE_INIT, which a {@link FuseServer} answers.
     */
    public void mount(Path at, String source, String subtype) throws IOException {
        String data = "fd=" + fd + ",rootmode=40000,user_id=0,group_id=0,allow_other,default_permissions";
        if (LIBC.mount(source, at.toString(), "fuse." + subtype, LibC.MS_RDONLY | LibC.MS_NOSUID | LibC.MS_NODEV, data) != 0) {
            throw new IOException("mount(2) of the view at " + at + " failed: errno " + LibC.errno());
        }
    }

    /** One request into {@code buf}; its length, or -errno. */
    long read(ByteBuffer buf) {
        long n = LIBC.read(fd, buf, buf.capacity());
        return n < 0 ? -LibC.errno() : n;
    }

    /** One reply (or notification) of {@code length} bytes; 0, or -errno. */
    int write(ByteBuffer buf, int length) {
        long n = LIBC.write(fd, buf, length);
        return n < 0 ? -LibC.errno() : 0;
    }
}
