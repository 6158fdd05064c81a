package io.lxcfs.daemon.fuse;

import io.lxcfs.daemon.view.ProcFile;
import io.lxcfs.daemon.view.RenderResult;

import java.io.IOException;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * What a read of an open view file returns, as the kernel's /proc does it: a read at offset 0 renders a
 * fresh snapshot for the caller (procps {@code top}/{@code vmstat} keep the file open and re-read after
 * {@code lseek(fd, 0)}); reads that continue at an offset above 0 see the snapshot that offset 0 produced, so
 * a reader that takes the file in chunks gets one consistent file.
 *
 * <p>An open handle costs nothing here: a snapshot is kept only from a read at offset 0 until the reader
 * reaches the end (the read that returns 0), reads at 0 again, or closes, in a store bounded in bytes and
 * entries, least recently read out first. A continuation whose snapshot was dropped (evicted, or a handle
 * opened by an earlier daemon) renders anew. So what a tenant can make the daemon hold does not grow with
 * the handles it opens or leaves half-read.
 * Plain Java, no FUSE types: thread-safe, called from every request thread.
 */
public final class SnapshotReads {

    /** Renders a file for a caller (the view, plus whatever the glue records about each render). */
    @FunctionalInterface
    public interface Renderer {
        RenderResult render(ProcFile file, long pid) throws IOException;
    }

    /** Bytes of {@code content} from {@code offset}, {@code length} of them (0 at or past the end). */
    public record Slice(byte[] content, int offset, int length) {
        static final Slice EOF = new Slice(new byte[0], 0, 0);
    }

    /** Default bounds: enough for every reader that chunks on a busy node, small next to the heap. */
    public static final long DEFAULT_MAX_BYTES = 8L << 20;
    public static final int DEFAULT_MAX_ENTRIES = 16_384;

    private final Renderer renderer;
    private final long maxBytes;
    private final int maxEntries;
    /** Access order: the eldest entry is the least recently read. Guarded by itself. */
    private final LinkedHashMap<Long, byte[]> pending = new LinkedHashMap<>(64, 0.75f, true);
    private long pendingBytes;
    /** Unsynchronized hint: lets the common case (whole file in one read, nothing pending) skip the lock. */
    private volatile int pendingCount;
    private long evictions;

    public SnapshotReads(Renderer renderer) {
        this(renderer, DEFAULT_MAX_BYTES, DEFAULT_MAX_ENTRIES);
    }

    public SnapshotReads(Renderer renderer, long maxBytes, int maxEntries) {
        this.renderer = renderer;
        this.maxBytes = maxBytes;
        this.maxEntries = maxEntries;
    }

    /**
     * @param handle the open file's handle (unique among open handles)
     * @param pid    the caller, for the render
     * @throws IOException only when even the host's file cannot be read
     */
    public Slice read(long handle, ProcFile file, long pid, long offset, int size) throws IOException {
        if (offset < 0 || size <= 0) {
            return Slice.EOF;
        }
        byte[] content;
        if (offset == 0) {
            content = renderer.render(file, pid).content();
        } else {
            content = take(handle);
            if (content == null) {
                content = renderer.render(file, pid).content();
            }
        }
        if (offset >= content.length) {
            drop(handle); // the reader saw the end: the snapshot is done
            return Slice.EOF;
        }
        int from = (int) offset;
        int n = Math.min(size, content.length - from);
        // Kept until the reader reads at the end (or at 0 again, or closes): a reader that got the whole file
        // still asks once more and must then see EOF, not the tail of a newer, longer render.
        keep(handle, content);
        return new Slice(content, from, n);
    }

    /** The handle was closed. */
    public void release(long handle) {
        drop(handle);
    }

    /** Snapshots held for readers between chunks. */
    public synchronized int pending() {
        return pending.size();
    }

    public synchronized long pendingBytes() {
        return pendingBytes;
    }

    /** Snapshots dropped to stay within the bounds (their readers' next chunk re-renders). */
    public synchronized long evictions() {
        return evictions;
    }

    private byte[] take(long handle) {
        if (pendingCount == 0) {
            return null;
        }
        synchronized (this) {
            return pending.get(handle); // kept until the last chunk, offset 0 or release
        }
    }

    private void drop(long handle) {
        if (pendingCount == 0) {
            return;
        }
        synchronized (this) {
            byte[] old = pending.remove(handle);
            if (old != null) {
                pendingBytes -= old.length;
                pendingCount = pending.size();
            }
        }
    }

    private synchronized void keep(long handle, byte[] content) {
        if (content.length > maxBytes) {
            return;
        }
        byte[] old = pending.put(handle, content);
        if (old != content) {
            pendingBytes += content.length - (old == null ? 0 : old.length);
        }
        Iterator<Map.Entry<Long, byte[]>> eldest = pending.entrySet().iterator();
        while ((pendingBytes > maxBytes || pending.size() > maxEntries) && eldest.hasNext()) {
            Map.Entry<Long, byte[]> e = eldest.next();
            if (e.getKey() == handle) {
                continue;
            }
            pendingBytes -= e.getValue().length;
            eldest.remove();
            evictions++;
        }
        pendingCount = pending.size();
    }
}
