package io.lxcfs.daemon.cgroup;

/** Conventions for "no limit" in cgroup files. */
final class Limits {

    /** v1 reports "unlimited" as PAGE_COUNTER_MAX rounded to pages; anything this large is no limit. */
    static final long V1_UNLIMITED_THRESHOLD = 1L << 62;

    private Limits() {
    }

    /** A byte limit from v2 ("max" = none) or v1 (huge = none); null when unlimited or unreadable. */
    static Long byteLimit(String content) {
        Long v = FlatKeyed.parseSingle(content);
        return v == null || v >= V1_UNLIMITED_THRESHOLD ? null : v;
    }

    static Long min(Long a, Long b) {
        if (a == null) {
            return b;
        }
        return b == null ? a : Math.min(a, b);
    }
}
