package io.lxcfs.daemon.cgroup;

/**
 * A container's memory numbers in bytes, with v1 and v2 names already mapped. A null limit means none.
 * Fields v1 does not account (slab, kernel stack, page tables) are 0 there.
 */
public record MemoryStats(
        Long limit,
        long usage,
        long file,
        long anon,
        long activeAnon,
        long inactiveAnon,
        long activeFile,
        long inactiveFile,
        long unevictable,
        long shmem,
        long mapped,
        long dirty,
        long writeback,
        long anonHuge,
        long slab,
        long slabReclaimable,
        long slabUnreclaimable,
        long kernelStack,
        long pageTables,
        Long swapLimit,
        long swapUsage) {
}
