package io.lxcfs.daemon.fuse;

import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;

/**
 * Node ids that name paths: the same path has the same id in every daemon, so a successor serving a live
 * connection understands ids its predecessor gave the kernel (libfuse's high-level API numbers nodes in lookup
 * order and aborts on an id it did not give out). The id is a 63-bit FNV-1a hash of the path; the root is 1.
 */
final class NodeIds {

    private static final long FNV_OFFSET = 0xcbf29ce484222325L;
    private static final long FNV_PRIME = 0x100000001b3L;

    private final Map<Long, String> paths = new ConcurrentHashMap<>();
    private final Supplier<Iterable<String>> everyPath;

    /** @param everyPath every path the tree can have, for ids a predecessor gave out that we have not seen */
    NodeIds(Supplier<Iterable<String>> everyPath) {
        this.everyPath = everyPath;
        paths.put(FuseProtocol.ROOT_ID, "/");
    }

    static long idOf(String path) {
        if (path.equals("/")) {
            return FuseProtocol.ROOT_ID;
        }
        long h = FNV_OFFSET;
        for (byte b : path.getBytes(StandardCharsets.UTF_8)) {
            h = (h ^ (b & 0xff)) * FNV_PRIME;
        }
        h &= Long.MAX_VALUE;
        return h < 2 ? h + 2 : h;
    }

    /** The id the kernel will use for a path it has looked up. */
    long register(String path) {
        long id = idOf(path);
        String known = paths.putIfAbsent(id, path);
        if (known != null && !known.equals(path)) {
            throw new IllegalStateException("node id collision: " + known + " and " + path);
        }
        return id;
    }

    /** The path of an id, or null when no path of the tree has it. */
    String pathOf(long id) {
        String path = paths.get(id);
        if (path == null) {
            synchronized (this) {
                path = paths.get(id);
                if (path == null) {
                    for (String p : everyPath.get()) {
                        register(p);
                    }
                    path = paths.get(id);
                }
            }
        }
        return path;
    }

    int size() {
        return paths.size();
    }
}
