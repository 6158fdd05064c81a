package io.lxcfs.daemon.fuse;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.LongAdder;

import static io.lxcfs.daemon.fuse.FuseProtocol.*;

/**
 * One FUSE request in, its reply out: decodes the kernel's request from a buffer, asks the {@link FuseFileSystem}
 * and encodes the answer. Pure (no device, no threads): {@link FuseServer} moves the bytes. Every request names
 * its node by a stable id ({@link NodeIds}) and its file by a handle that names the file, so any daemon can
 * answer any request of a connection, whoever opened the file or looked the name up.
 */
final class FuseRequests {

    /** How long the kernel may keep a name or attributes (seconds); 0: ask again every time. */
    record Timeouts(double entry, double attr) {
        static final Timeouts NONE = new Timeouts(0, 0);

        /** From libfuse-style options ({@code entry_timeout=0,attr_timeout=0.5}); other options are ignored. */
        static Timeouts parse(String options) {
            double entry = 0;
            double attr = 0;
            for (String o : options.split(",")) {
                String[] kv = o.trim().split("=", 2);
                if (kv.length == 2 && kv[0].equals("entry_timeout")) {
                    entry = Double.parseDouble(kv[1]);
                } else if (kv.length == 2 && kv[0].equals("attr_timeout")) {
                    attr = Double.parseDouble(kv[1]);
                }
            }
            return new Timeouts(entry, attr);
        }
    }

    private static final int MAX_BACKGROUND = 16;
    private static final int CONGESTION_THRESHOLD = 12;
    private static final int W_OK = 2;

    private final FuseFileSystem fs;
    private final Timeouts timeouts;
    private final boolean resendAllowed;
    private final NodeIds nodes;
    private final CompletableFuture<InitState> init = new CompletableFuture<>();
    private final LongAdder resent = new LongAdder();
    private final LongAdder handled = new LongAdder();

    FuseRequests(FuseFileSystem fs, Timeouts timeouts, boolean resendAllowed) {
        this.fs = fs;
        this.timeouts = timeouts;
        this.resendAllowed = resendAllowed;
        this.nodes = new NodeIds(fs::everyPath);
    }

    /** Completes at this connection's FUSE_INIT, or at once for a live connection taken over ({@link #initialized}). */
    CompletableFuture<InitState> init() {
        return init;
    }

    /** A live connection: its INIT happened before us. */
    void initialized(InitState state) {
        init.complete(state.withResend(resendAllowed));
    }

    /** Requests the kernel sent again after a FUSE_NOTIFY_RESEND (a predecessor had read them and died). */
    long resent() {
        return resent.sum();
    }

    long handled() {
        return handled.sum();
    }

    /**
     * Handles the request in {@code in} (from index 0, {@code length} bytes) and writes its reply into {@code out}
     * from index 0. Returns the reply's length; 0 when the request has none (FORGET, INTERRUPT).
     */
    int handle(ByteBuffer in, int length, ByteBuffer out) {
        handled.increment();
        int opcode = in.getInt(4);
        long unique = in.getLong(8);
        long node = in.getLong(16);
        long pid = in.getInt(32) & 0xffffffffL;
        if ((unique & UNIQUE_RESEND) != 0) {
            resent.increment();
        }
        out.putLong(8, unique);
        try {
            return switch (opcode) {
                case INIT -> init(in, length, out);
                case LOOKUP -> lookup(node, in, length, pid, out);
                case GETATTR -> getattr(node, pid, out);
                case OPEN -> open(node, in.getInt(IN_HEADER), pid, out);
                case READ -> read(node, in.getLong(IN_HEADER), in.getLong(IN_HEADER + 8), in.getInt(IN_HEADER + 16), pid, out);
                case RELEASE -> {
                    fs.release(in.getLong(IN_HEADER));
                    yield ok(out, 0);
                }
                case OPENDIR -> opendir(node, pid, out);
                case READDIR -> readdir(node, in.getLong(IN_HEADER + 8), in.getInt(IN_HEADER + 16), pid, out);
                case READLINK -> readlink(node, pid, out);
                case ACCESS -> access(node, in.getInt(IN_HEADER), pid, out);
                case STATFS -> statfs(out);
                case RELEASEDIR, FLUSH, DESTROY -> ok(out, 0);
                case SETATTR -> error(out, EROFS);
                case FORGET, BATCH_FORGET, INTERRUPT -> 0; // ids are fixed: nothing to forget; reads are short
                default -> error(out, ENOSYS);
            };
        } catch (FuseFileSystem.Failure f) {
            return error(out, f.errno);
        } catch (RuntimeException e) {
            return error(out, EIO);
        }
    }

    private int init(ByteBuffer in, int length, ByteBuffer out) {
        int kernelMajor = in.getInt(IN_HEADER);
        int kernelMinor = in.getInt(IN_HEADER + 4);
        int maxReadahead = in.getInt(IN_HEADER + 8);
        long offered = in.getInt(IN_HEADER + 12) & 0xffffffffL;
        if ((offered & INIT_EXT) != 0 && length >= IN_HEADER + 20) {
            offered |= (in.getInt(IN_HEADER + 16) & 0xffffffffL) << 32;
        }
        if (kernelMajor < MAJOR) {
            return error(out, EINVAL);
        }
        int minor = Math.min(kernelMinor, MINOR);
        // Not ABORT_ERROR: readers of a dead connection keep getting ENOTCONN ("Transport endpoint is not
        // connected"), which operators and the next daemon (a dead mount at the mount path) recognise.
        long flags = offered & (PARALLEL_DIROPS | INIT_EXT);
        for (int i = 16; i < 16 + INIT_OUT; i += 4) {
            out.putInt(i, 0);
        }
        out.putInt(16, MAJOR);
        out.putInt(20, kernelMajor > MAJOR ? 0 : minor);
        out.putInt(24, maxReadahead);
        out.putInt(28, (int) flags);
        out.putShort(32, (short) MAX_BACKGROUND);
        out.putShort(34, (short) CONGESTION_THRESHOLD);
        out.putInt(36, MAX_WRITE);
        out.putInt(40, 1); // time_gran: we show whole seconds
        out.putInt(48, (int) (flags >>> 32)); // flags2
        if (kernelMajor == MAJOR) {
            init.complete(new InitState("0:0", kernelMinor, minor, flags, resendAllowed && (offered & HAS_RESEND) != 0));
        }
        return ok(out, INIT_OUT);
    }

    private int lookup(long parent, ByteBuffer in, int length, long pid, ByteBuffer out) throws FuseFileSystem.Failure {
        String dir = path(parent);
        int end = IN_HEADER;
        while (end < length && in.get(end) != 0) {
            if (in.get(end) == '/') {
                throw FuseFileSystem.Failure.ENOENT;
            }
            end++;
        }
        if (end == IN_HEADER) {
            throw FuseFileSystem.Failure.ENOENT;
        }
        // A name looked up before (every open looks up each component again: timeouts 0) is found by its id,
        // without making a string of it.
        long known = NodeIds.childId(dir, in, IN_HEADER, end);
        String path = known < 0 ? null : nodes.known(known);
        if (path == null || !NodeIds.isChild(path, dir, in, IN_HEADER, end)) {
            String name = name(in, end);
            path = dir.equals("/") ? "/" + name : dir + "/" + name;
        }
        FuseFileSystem.Attr attr = fs.getattr(path, pid);
        long id = nodes.register(path);
        out.putLong(16, id);
        out.putLong(24, 0); // generation: ids never change meaning
        putValid(out, 32, 48, timeouts.entry());
        putValid(out, 40, 52, timeouts.attr());
        putAttr(out, 56, id, attr);
        return ok(out, ENTRY_OUT);
    }

    private int getattr(long node, long pid, ByteBuffer out) throws FuseFileSystem.Failure {
        FuseFileSystem.Attr attr = fs.getattr(path(node), pid);
        putValid(out, 16, 24, timeouts.attr());
        out.putInt(28, 0);
        putAttr(out, 32, node, attr);
        return ok(out, ATTR_OUT);
    }

    private int open(long node, int flags, long pid, ByteBuffer out) throws FuseFileSystem.Failure {
        long handle = fs.open(path(node), flags, pid);
        out.putLong(16, handle);
        out.putInt(24, FOPEN_DIRECT_IO); // content is made per read and per caller: never the page cache
        out.putInt(28, 0);
        return ok(out, OPEN_OUT);
    }

    private int read(long node, long handle, long offset, int size, long pid, ByteBuffer out) throws FuseFileSystem.Failure {
        int room = Math.min(Math.max(size, 0), out.capacity() - OUT_HEADER);
        int n = fs.read(path(node), handle, offset, room, pid, out, OUT_HEADER);
        return ok(out, n);
    }

    private int opendir(long node, long pid, ByteBuffer out) throws FuseFileSystem.Failure {
        if ((fs.getattr(path(node), pid).mode() & S_IFDIR) != S_IFDIR) {
            throw FuseFileSystem.Failure.ENOTDIR;
        }
        out.putLong(16, 0);
        out.putInt(24, 0);
        out.putInt(28, 0);
        return ok(out, OPEN_OUT);
    }

    /** Entries from index {@code offset}: ".", "..", then the names; each dirent's off is the next index. */
    private int readdir(long node, long offset, int size, long pid, ByteBuffer out) throws FuseFileSystem.Failure {
        String dir = path(node);
        List<String> names = fs.list(dir, pid);
        int limit = Math.min(Math.max(size, 0), out.capacity() - OUT_HEADER);
        int at = 0;
        for (long i = Math.max(offset, 0); i < names.size() + 2L; i++) {
            String name = i == 0 ? "." : i == 1 ? ".." : names.get((int) i - 2);
            byte[] bytes = name.getBytes(StandardCharsets.UTF_8);
            int entry = (DIRENT + bytes.length + 7) & ~7;
            if (at + entry > limit) {
                break;
            }
            int o = OUT_HEADER + at;
            long ino = i == 0 ? node : i == 1 ? ROOT_ID : NodeIds.idOf(dir.equals("/") ? "/" + name : dir + "/" + name);
            out.putLong(o, ino);
            out.putLong(o + 8, i + 1);
            out.putInt(o + 16, bytes.length);
            out.putInt(o + 20, 0); // DT_UNKNOWN: callers stat what they need
            out.put(o + DIRENT, bytes);
            for (int p = o + DIRENT + bytes.length; p < o + entry; p++) {
                out.put(p, (byte) 0);
            }
            at += entry;
        }
        return ok(out, at);
    }

    private int readlink(long node, long pid, ByteBuffer out) throws FuseFileSystem.Failure {
        byte[] target = fs.readlink(path(node), pid).getBytes(StandardCharsets.UTF_8);
        if (target.length > out.capacity() - OUT_HEADER) {
            throw FuseFileSystem.Failure.EIO;
        }
        out.put(OUT_HEADER, target);
        return ok(out, target.length);
    }

    private int access(long node, int mask, long pid, ByteBuffer out) throws FuseFileSystem.Failure {
        fs.getattr(path(node), pid);
        return (mask & W_OK) != 0 ? error(out, EROFS) : ok(out, 0);
    }

    private int statfs(ByteBuffer out) {
        for (int i = OUT_HEADER; i < OUT_HEADER + STATFS_OUT; i += 8) {
            out.putLong(i, 0);
        }
        out.putInt(OUT_HEADER + 40, 4096); // bsize
        out.putInt(OUT_HEADER + 44, 255); // namelen
        out.putInt(OUT_HEADER + 48, 4096); // frsize
        return ok(out, STATFS_OUT);
    }

    private String path(long node) throws FuseFileSystem.Failure {
        String path = nodes.pathOf(node);
        if (path == null) {
            throw new FuseFileSystem.Failure(ESTALE);
        }
        return path;
    }

    /** The LOOKUP's name: the bytes from the header to {@code end}. */
    private static String name(ByteBuffer in, int end) {
        byte[] b = new byte[end - IN_HEADER];
        in.get(IN_HEADER, b);
        return new String(b, StandardCharsets.UTF_8);
    }

    private void putAttr(ByteBuffer out, int o, long ino, FuseFileSystem.Attr attr) {
        long time = fs.time();
        out.putLong(o, ino);
        out.putLong(o + 8, attr.size());
        out.putLong(o + 16, (attr.size() + 511) / 512);
        out.putLong(o + 24, time);
        out.putLong(o + 32, time);
        out.putLong(o + 40, time);
        out.putInt(o + 48, 0);
        out.putInt(o + 52, 0);
        out.putInt(o + 56, 0);
        out.putInt(o + 60, attr.mode());
        out.putInt(o + 64, attr.nlink());
        out.putInt(o + 68, 0); // uid
        out.putInt(o + 72, 0); // gid
        out.putInt(o + 76, 0); // rdev
        out.putInt(o + 80, 4096); // blksize
        out.putInt(o + 84, 0); // flags
    }

    private static void putValid(ByteBuffer out, int secAt, int nsecAt, double seconds) {
        long sec = (long) seconds;
        out.putLong(secAt, sec);
        out.putInt(nsecAt, (int) Math.round((seconds - sec) * 1e9));
    }

    private static int ok(ByteBuffer out, int payload) {
        out.putInt(0, OUT_HEADER + payload);
        out.putInt(4, 0);
        return OUT_HEADER + payload;
    }

    private static int error(ByteBuffer out, int errno) {
        out.putInt(0, OUT_HEADER);
        out.putInt(4, -errno);
        return OUT_HEADER;
    }
}
