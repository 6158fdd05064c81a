package io.lxcfs.daemon.fuse;

/**
 * The parts of the kernel's FUSE protocol ({@code include/uapi/linux/fuse.h}) this server speaks: opcodes, flags
 * and the byte layout of the structures it reads and writes (little-endian, as the kernel's own, on the
 * 64-bit hosts a node runs). Only what a read-only tree needs; everything else is answered ENOSYS.
 */
final class FuseProtocol {

    private FuseProtocol() {
    }

    static final int MAJOR = 7;
    /** The newest minor whose semantics this server knows (7.40: FUSE_NOTIFY_RESEND, backing_id in open_out). */
    static final int MINOR = 40;
    static final long ROOT_ID = 1;

    // opcodes
    static final int LOOKUP = 1;
    static final int FORGET = 2;
    static final int GETATTR = 3;
    static final int SETATTR = 4;
    static final int READLINK = 5;
    static final int OPEN = 14;
    static final int READ = 15;
    static final int STATFS = 17;
    static final int RELEASE = 18;
    static final int FLUSH = 25;
    static final int INIT = 26;
    static final int OPENDIR = 27;
    static final int READDIR = 28;
    static final int RELEASEDIR = 29;
    static final int ACCESS = 34;
    static final int INTERRUPT = 36;
    static final int DESTROY = 38;
    static final int BATCH_FORGET = 42;

    /** Notification code of FUSE_NOTIFY_RESEND (7.40, Linux 6.9): the kernel queues every unanswered request again. */
    static final int NOTIFY_RESEND = 7;
    /** Set in the unique id of a request the kernel sent again after FUSE_NOTIFY_RESEND. */
    static final long UNIQUE_RESEND = 1L << 63;

    // INIT flags (fuse_init_in/out.flags; flags2 holds bits 32..63 when INIT_EXT is set)
    static final long PARALLEL_DIROPS = 1L << 18;
    static final long INIT_EXT = 1L << 30;
    static final long HAS_RESEND = 1L << 39;

    static final int FOPEN_DIRECT_IO = 1;

    static final int S_IFDIR = 0040000;
    static final int S_IFREG = 0100000;
    static final int S_IFLNK = 0120000;

    // sizes
    static final int IN_HEADER = 40;
    static final int OUT_HEADER = 16;
    static final int ATTR = 88;
    static final int ENTRY_OUT = 40 + ATTR;
    static final int ATTR_OUT = 16 + ATTR;
    static final int OPEN_OUT = 16;
    static final int INIT_OUT = 64;
    static final int STATFS_OUT = 80;
    static final int DIRENT = 24;

    /** The kernel refuses a read(2) of the device with a smaller buffer (FUSE_MIN_READ_BUFFER). */
    static final int MIN_READ_BUFFER = 8192;
    /** What we tell the kernel in INIT: nothing is ever written, so the smallest the kernel accepts. */
    static final int MAX_WRITE = 4096;
    /** Largest READ the kernel sends without FUSE_MAX_PAGES: 32 pages. */
    static final int MAX_READ = 32 * 4096;

    // errno values answered to the kernel (negated in the reply)
    static final int ENOENT = 2;
    static final int EIO = 5;
    static final int EBADF = 9;
    static final int EACCES = 13;
    static final int ENOTDIR = 20;
    static final int EISDIR = 21;
    static final int EINVAL = 22;
    static final int EROFS = 30;
    static final int ENOSYS = 38;
    static final int ESTALE = 116;
}
