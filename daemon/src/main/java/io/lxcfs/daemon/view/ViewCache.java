package io.lxcfs.daemon.view;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicReferenceArray;
import java.util.function.LongSupplier;

/**
 * What a burst of reads from one container would otherwise read again for every open: its CPU view and
 * accounting, memory limits, threads, block I/O, its oldest process, and the host files copied into the
 * view. Memory usage is not kept: a reader that allocates and reads again at once must see it. Kept for {@code ttl} at most (docs/proc-view.md §1.5; production uses 100 ms), so a
 * changed limit shows within that time.
 *
 * <p>Entries are keyed by the container's full set of cgroup directories ({@code ContainerCgroups.key()}),
 * so two containers never share one. Expired entries are never served and are swept at least once per
 * second while reads come in; the map is bounded (an overflow drops everything, which only costs re-reads).
 * Thread-safe: every cached value is immutable and published through an atomic slot; two racing misses
 * both read the files, either result is fine.
 */
public final class ViewCache {

    public static final long DEFAULT_TTL_NANOS = 100_000_000L;
    static final int MAX_CONTAINERS = 4096;
    private static final long SWEEP_INTERVAL_NANOS = 1_000_000_000L;

    /** No caching at all: every read goes to the files (tests that change fixtures between renders). */
    public static ViewCache disabled() {
        return new ViewCache(0, System::nanoTime);
    }

    public static ViewCache withDefaults() {
        return new ViewCache(DEFAULT_TTL_NANOS, System::nanoTime);
    }

    /**
     * Per-container inputs read within one TTL window: one slot per {@link ContainerInputs.Input}, null until
     * first loaded. When caching is disabled every read gets its own, so it memoises within that read only.
     */
    static final class Snapshot {
        final long expires;
        private final AtomicReferenceArray<Object> values = new AtomicReferenceArray<>(ContainerInputs.INPUTS);

        Snapshot(long expires) {
            this.expires = expires;
        }

        Object get(int slot) {
            return values.get(slot);
        }

        void set(int slot, Object value) {
            values.set(slot, value);
        }
    }

    private record HostFile(String content, long expires) {
    }

    private final long ttl;
    private final LongSupplier clock;
    private final Map<String, Snapshot> containers = new ConcurrentHashMap<>();
    private final AtomicReferenceArray<HostFile> hostFiles = new AtomicReferenceArray<>(ProcFile.values().length);
    private volatile long nextSweep;

    /**
     * @param ttlNanos how long a value may be served after it was read; 0 disables caching
     * @param clock    monotonic nanoseconds (injected by tests)
     */
    public ViewCache(long ttlNanos, LongSupplier clock) {
        this.ttl = ttlNanos;
        this.clock = clock;
        this.nextSweep = clock.getAsLong() + SWEEP_INTERVAL_NANOS;
    }

    /** The container's current snapshot (a fresh, empty one once the last has expired; a fresh one per read when disabled). */
    Snapshot snapshot(String containerKey) {
        if (ttl <= 0) {
            return new Snapshot(0);
        }
        long now = clock.getAsLong();
        Snapshot s = containers.get(containerKey);
        if (s != null && now - s.expires < 0) {
            return s;
        }
        Snapshot fresh = new Snapshot(now + ttl);
        containers.put(containerKey, fresh);
        if (now - nextSweep >= 0 || containers.size() > MAX_CONTAINERS) {
            sweep(now);
        }
        return fresh;
    }

    /** Drops expired entries (vanished cgroups among them); clears everything if still over the bound. */
    void sweep(long now) {
        nextSweep = now + SWEEP_INTERVAL_NANOS;
        containers.values().removeIf(s -> now - s.expires >= 0);
        if (containers.size() > MAX_CONTAINERS) {
            containers.clear();
        }
    }

    /** A host file read within the TTL, or null (then the caller reads it and {@link #putHost}s it). */
    String host(ProcFile file) {
        if (ttl <= 0) {
            return null;
        }
        HostFile h = hostFiles.get(file.ordinal());
        return h != null && clock.getAsLong() - h.expires < 0 ? h.content : null;
    }

    void putHost(ProcFile file, String content) {
        if (ttl > 0) {
            hostFiles.set(file.ordinal(), new HostFile(content, clock.getAsLong() + ttl));
        }
    }

    int containers() {
        return containers.size();
    }
}
