package io.lxcfs.daemon.cgroup;

import java.io.IOException;
import java.util.Map;

/** Reads {@link MemoryStats} from a memory cgroup (v1 or v2), limits as the minimum over ancestors. */
public final class MemoryReader {

    private final FileSource fs;

    public MemoryReader(FileSource fs) {
        this.fs = fs;
    }

    /**
     * The limits over the cgroup and its ancestors: memory and swap (v2), memory and mem+swap (v1). Separate
     * from the usage so that a caller may reuse limits for a moment while usage is always read fresh.
     */
    public record MemoryLimits(Long memory, Long swapOrMemsw) {
    }

    public MemoryLimits limits(CgroupDir dir) {
        return dir.unified()
                ? new MemoryLimits(minOverAncestors(dir, "memory.max"), minOverAncestors(dir, "memory.swap.max"))
                : new MemoryLimits(minOverAncestors(dir, "memory.limit_in_bytes"), minOverAncestors(dir, "memory.memsw.limit_in_bytes"));
    }

    public MemoryStats read(CgroupDir dir) throws IOException {
        return read(dir, limits(dir));
    }

    /** Usage and breakdown read now, with {@code limits} as {@link #limits} gave them for this cgroup. */
    public MemoryStats read(CgroupDir dir, MemoryLimits limits) throws IOException {
        return dir.unified() ? readV2(dir, limits) : readV1(dir, limits);
    }

    private MemoryStats readV2(CgroupDir dir, MemoryLimits limits) throws IOException {
        Long limit = limits.memory();
        long usage = requireNumber(dir, "memory.current");
        Map<String, Long> s = FlatKeyed.parse(fs.read(dir.file("memory.stat")));
        Long swapLimit = limits.swapOrMemsw();
        long swapCurrent = optionalNumber(dir, "memory.swap.current");
        long slabReclaimable = get(s, "slab_reclaimable");
        long slabUnreclaimable = get(s, "slab_unreclaimable");
        long slab = s.containsKey("slab") ? s.get("slab") : slabReclaimable + slabUnreclaimable;
        return new MemoryStats(limit, usage,
                get(s, "file"), get(s, "anon"),
                get(s, "active_anon"), get(s, "inactive_anon"),
                get(s, "active_file"), get(s, "inactive_file"),
                get(s, "unevictable"), get(s, "shmem"), get(s, "file_mapped"),
                get(s, "file_dirty"), get(s, "file_writeback"), get(s, "anon_thp"),
                slab, slabReclaimable, slabUnreclaimable,
                get(s, "kernel_stack"), get(s, "pagetables"),
                swapLimit, swapCurrent);
    }

    private MemoryStats readV1(CgroupDir dir, MemoryLimits limits) throws IOException {
        Long limit = limits.memory();
        long usage = requireNumber(dir, "memory.usage_in_bytes");
        Map<String, Long> s = FlatKeyed.parse(fs.read(dir.file("memory.stat")));
        // v1 expresses swap as mem+swap; absent files mean swap accounting is off.
        Long memswLimit = limits.swapOrMemsw();
        Long swapLimit = null;
        if (memswLimit != null) {
            swapLimit = limit == null ? memswLimit : Math.max(0, memswLimit - limit);
        }
        long memswUsage = optionalNumber(dir, "memory.memsw.usage_in_bytes");
        long swapUsage = Math.max(0, memswUsage - usage);
        return new MemoryStats(limit, usage,
                get(s, "total_cache"), get(s, "total_rss"),
                get(s, "total_active_anon"), get(s, "total_inactive_anon"),
                get(s, "total_active_file"), get(s, "total_inactive_file"),
                get(s, "total_unevictable"), get(s, "total_shmem"), get(s, "total_mapped_file"),
                get(s, "total_dirty"), get(s, "total_writeback"), get(s, "total_rss_huge"),
                0, 0, 0, 0, 0,
                swapLimit, swapUsage);
    }

    private long requireNumber(CgroupDir dir, String name) throws IOException {
        Long v = FlatKeyed.parseSingle(fs.read(dir.file(name)));
        if (v == null) {
            throw new IOException("malformed " + dir.file(name));
        }
        return v;
    }

    /** A counter that is absent when swap accounting is off (then 0); garbage is a parse error. */
    private long optionalNumber(CgroupDir dir, String name) throws IOException {
        String content = fs.readOrNull(dir.file(name));
        if (content == null) {
            return 0;
        }
        Long v = FlatKeyed.parseSingle(content);
        if (v == null) {
            throw new IOException("malformed " + dir.file(name));
        }
        return v;
    }

    /** Minimum limit over the cgroup and its ancestors; missing files (e.g. at the v2 root) are skipped. */
    private Long minOverAncestors(CgroupDir dir, String name) {
        Long min = null;
        for (CgroupDir d : dir.selfAndAncestors()) {
            min = Limits.min(min, Limits.byteLimit(fs.readOrNull(d.file(name))));
        }
        return min;
    }

    private static long get(Map<String, Long> s, String key) {
        Long v = s.get(key);
        return v == null ? 0 : v;
    }
}
