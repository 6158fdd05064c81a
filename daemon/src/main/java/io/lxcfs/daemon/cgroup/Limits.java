package io.lxcfs.daemon.cgroup;

/** Conventions for "no limit" in cgroup files. */
final class Limits {

    /** v1 reports "unlimited" as PAGE_COUNTER_MAX rounded to pages; anything this large is no limit. */
    static final long V1_UNLIMITED_THRESHOLD = 1L << 62;

    private Limits() {
    }

    /**
     * A byte limit from v2 ("max" = none) or v1 (huge = none); null when unlimited or when the file is
     * absent (v2 has no limit files at the root).
     *
     * @throws IllegalArgumentException for any other content: a parse error must send the reader the host's
     *                                  file, not silently read as "no limit"
     */
    static Long byteLimit(String content) {
        if (content == null) {
            return null;
        }
        String text = content.trim();
        if (text.equals("max")) {
            return null;
        }
        Long v = FlatKeyed.parseSingle(text);
        if (v == null) {
            if (!text.isEmpty() && text.chars().allMatch(ch -> ch >= '0' && ch <= '9')) {
                return null; // all digits but beyond a long: larger than any real limit
            }
            throw new IllegalArgumentException("malformed limit: " + text);
        }
        return v >= V1_UNLIMITED_THRESHOLD ? null : v;
    }

    static Long min(Long a, Long b) {
        if (a == null) {
            return b;
        }
        return b == null ? a : Math.min(a, b);
    }
}
