package io.lxcfs.daemon.view;

/**
 * One rendered file. {@code source} says whose numbers the reader got; {@code fallbackReason} is set
 * when a container's view could not be rendered and the host file was served instead.
 */
public record RenderResult(byte[] content, Source source, String fallbackReason) {

    public enum Source {
        /** The container's own view. */
        CONTAINER,
        /** The caller is not in a container (root cgroup): the host file, as intended. */
        HOST,
        /** The global passthrough switch is on. */
        PASSTHROUGH,
        /** Something failed for this read; the host file was served. */
        FALLBACK
    }

    /** Why a read fell back to the host file (metric label values). */
    public static final String UNKNOWN_CALLER = "unknown-caller";
    public static final String CALLER_GONE = "caller-gone";
    public static final String CGROUP_UNREADABLE = "cgroup-unreadable";
    public static final String MALFORMED = "malformed";
    public static final java.util.List<String> FALLBACK_REASONS =
            java.util.List.of(UNKNOWN_CALLER, CALLER_GONE, CGROUP_UNREADABLE, MALFORMED);

    public boolean isFallback() {
        return source == Source.FALLBACK;
    }
}
