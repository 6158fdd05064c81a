package io.lxcfs.daemon.fuse;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.function.Supplier;

/**
 * Node ids that name paths: the same path has the same id in every daemon, so a successor serving a live
 * connection understands ids its predecessor gave the kernel (libfuse's high-level API numbers nodes in lookup
 * order and aborts on an id it did not give out). The id is a 63-bit FNV-1a hash of the path; the root is 1.
 *
 * <p>Every request names its node by id, so {@link #pathOf} runs once per request: the ids known are kept in an
 * open-addressing table of primitive ids that readers use without a lock and without boxing; a path seen for
 * the first time replaces the table (the tree has a fixed set of paths, so that stops soon after start).
 */
final class NodeIds {

    private static final long FNV_OFFSET = 0xcbf29ce484222325L;
    private static final long FNV_PRIME = 0x100000001b3L;

    /** ids[i] == 0: a free slot (no path has id 0). Never changed once published. */
    private record Table(long[] ids, String[] paths, int size) {
        String get(long id) {
            int mask = ids.length - 1;
            for (int i = slot(id, mask); ids[i] != 0; i = (i + 1) & mask) {
                if (ids[i] == id) {
                    return paths[i];
                }
            }
            return null;
        }

        Table with(long id, String path) {
            int capacity = ids.length;
            while ((size + 1) * 2 > capacity) {
                capacity *= 2;
            }
            long[] newIds = new long[capacity];
            String[] newPaths = new String[capacity];
            int mask = capacity - 1;
            for (int j = 0; j <= ids.length; j++) {
                long k = j < ids.length ? ids[j] : id;
                if (k != 0) {
                    int i = slot(k, mask);
                    while (newIds[i] != 0) {
                        i = (i + 1) & mask;
                    }
                    newIds[i] = k;
                    newPaths[i] = j < ids.length ? paths[j] : path;
                }
            }
            return new Table(newIds, newPaths, size + 1);
        }

        private static int slot(long id, int mask) {
            return (int) (id ^ (id >>> 32)) & mask;
        }
    }

    private volatile Table table = new Table(new long[64], new String[64], 0).with(FuseProtocol.ROOT_ID, "/");
    private final Supplier<Iterable<String>> everyPath;

    /** @param everyPath every path the tree can have, for ids a predecessor gave out that we have not seen */
    NodeIds(Supplier<Iterable<String>> everyPath) {
        this.everyPath = everyPath;
    }

    static long idOf(String path) {
        if (path.equals("/")) {
            return FuseProtocol.ROOT_ID;
        }
        long h = FNV_OFFSET;
        if (isAscii(path)) {
            for (int i = 0; i < path.length(); i++) {
                h = (h ^ path.charAt(i)) * FNV_PRIME;
            }
        } else {
            for (byte b : path.getBytes(StandardCharsets.UTF_8)) {
                h = (h ^ (b & 0xff)) * FNV_PRIME;
            }
        }
        return finish(h);
    }

    /**
     * The id of {@code dir}'s child whose name is the bytes {@code name[from, to)} (a LOOKUP's name, as the kernel
     * sent it), without making the path; -1 when {@code dir} is not ASCII (then the caller makes the path).
     */
    static long childId(String dir, ByteBuffer name, int from, int to) {
        if (!isAscii(dir)) {
            return -1;
        }
        long h = FNV_OFFSET;
        if (!dir.equals("/")) {
            for (int i = 0; i < dir.length(); i++) {
                h = (h ^ dir.charAt(i)) * FNV_PRIME;
            }
        }
        h = (h ^ '/') * FNV_PRIME;
        for (int i = from; i < to; i++) {
            h = (h ^ (name.get(i) & 0xff)) * FNV_PRIME;
        }
        return finish(h);
    }

    /** Whether {@code path} is {@code dir} + "/" + the ASCII bytes {@code name[from, to)}. */
    static boolean isChild(String path, String dir, ByteBuffer name, int from, int to) {
        int prefix = dir.equals("/") ? 1 : dir.length() + 1;
        if (path.length() != prefix + to - from || !path.startsWith(dir) || path.charAt(prefix - 1) != '/') {
            return false;
        }
        for (int i = from; i < to; i++) {
            if (path.charAt(prefix + i - from) != name.get(i)) {
                return false;
            }
        }
        return true;
    }

    private static long finish(long h) {
        h &= Long.MAX_VALUE;
        return h < 2 ? h + 2 : h;
    }

    private static boolean isAscii(String s) {
        for (int i = 0; i < s.length(); i++) {
            if (s.charAt(i) >= 0x80) {
                return false;
            }
        }
        return true;
    }

    /** The id the kernel will use for a path it has looked up. */
    long register(String path) {
        long id = idOf(path);
        String known = table.get(id);
        if (known == null) {
            synchronized (this) {
                known = table.get(id);
                if (known == null) {
                    table = table.with(id, path);
                    return id;
                }
            }
        }
        if (!known.equals(path)) {
            throw new IllegalStateException("node id collision: " + known + " and " + path);
        }
        return id;
    }

    /** The path registered for an id, or null (no walk of the tree). */
    String known(long id) {
        return table.get(id);
    }

    /** The path of an id, or null when no path of the tree has it. */
    String pathOf(long id) {
        String path = table.get(id);
        if (path == null) {
            synchronized (this) {
                path = table.get(id);
                if (path == null) {
                    for (String p : everyPath.get()) {
                        register(p);
                    }
                    path = table.get(id);
                }
            }
        }
        return path;
    }

    int size() {
        return table.size();
    }
}
