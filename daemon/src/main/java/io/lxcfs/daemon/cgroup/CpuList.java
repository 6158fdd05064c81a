package io.lxcfs.daemon.cgroup;

import java.util.BitSet;

/** The kernel's cpu list format ({@code 0-3,8,10-11}). */
public final class CpuList {

    private CpuList() {
    }

    /** @throws IllegalArgumentException on malformed input */
    public static BitSet parse(String text) {
        BitSet set = new BitSet();
        String t = text.trim();
        if (t.isEmpty()) {
            return set;
        }
        for (String part : t.split(",")) {
            int dash = part.indexOf('-');
            if (dash < 0) {
                set.set(Integer.parseInt(part.trim()));
            } else {
                int from = Integer.parseInt(part.substring(0, dash).trim());
                int to = Integer.parseInt(part.substring(dash + 1).trim());
                if (to < from || to > 65535) {
                    throw new IllegalArgumentException("bad cpu range " + part);
                }
                set.set(from, to + 1);
            }
        }
        return set;
    }

    /** {@code 0-(n-1)}, or {@code 0} for one CPU, as the kernel prints a contiguous range. */
    public static String firstN(int n) {
        return n <= 1 ? "0" : "0-" + (n - 1);
    }
}
