package io.lxcfs.daemon.cgroup;

import java.util.ArrayDeque;
import java.util.Deque;

/** Lexical handling of cgroup paths such as {@code /../../burstable/pod1/abc}. */
public final class CgroupPath {

    private CgroupPath() {
    }

    /** Collapses ".", ".." and duplicate slashes; ".." at the top stays at "/" (a hierarchy has no parent). */
    public static String normalize(String path) {
        Deque<String> parts = new ArrayDeque<>();
        for (String part : path.split("/")) {
            if (part.isEmpty() || part.equals(".")) {
                continue;
            }
            if (part.equals("..")) {
                parts.pollLast();
            } else {
                parts.addLast(part);
            }
        }
        if (parts.isEmpty()) {
            return "/";
        }
        StringBuilder sb = new StringBuilder();
        for (String part : parts) {
            sb.append('/').append(part);
        }
        return sb.toString();
    }

    /** Parent of a normalized path, or null for "/". */
    public static String parent(String normalized) {
        if (normalized.equals("/")) {
            return null;
        }
        int slash = normalized.lastIndexOf('/');
        return slash == 0 ? "/" : normalized.substring(0, slash);
    }
}
