package io.lxcfs.daemon.view;

import io.lxcfs.daemon.cgroup.CpuView;

/**
 * {@code /proc/cpuinfo}: the host's processor blocks for the visible CPUs only, renumbered 0..N-1,
 * with {@code siblings} and {@code cpu cores} capped at N. Blocks without a {@code processor} line
 * (headers or trailers on some architectures) are kept.
 */
public final class CpuinfoRenderer {

    private CpuinfoRenderer() {
    }

    public static String render(String hostCpuinfo, CpuView view) {
        int n = view.count();
        StringBuilder out = new StringBuilder(hostCpuinfo.length() * n / Math.max(1, view.cpuset().length) + 256);
        // Blocks are separated by a blank line; walked by index (no block or line strings: rendered on every open).
        int len = hostCpuinfo.length();
        for (int pos = 0; pos <= len; ) {
            int end = hostCpuinfo.indexOf("\n\n", pos);
            // The last block has no blank line after it (e.g. ARM32's Hardware/Revision/Serial trailer, which
            // ends the file with a single newline): do not invent one.
            boolean last = end < 0;
            if (last) {
                end = len;
            }
            if (end > pos) {
                block(out, hostCpuinfo, pos, end, last, view, n);
            }
            if (last) {
                break;
            }
            pos = end + 2;
        }
        return out.toString();
    }

    private static void block(StringBuilder out, String text, int from, int to, boolean last, CpuView view, int n) {
        int processor = processorOf(text, from, to);
        if (processor < 0) {
            out.append(text, from, to).append(last ? "" : "\n\n");
            return;
        }
        int idx = view.indexOf(processor);
        if (idx < 0) {
            return;
        }
        int end = to;
        while (end > from && text.charAt(end - 1) == '\n') {
            end--; // as split("\n"): no empty lines at the block's end
        }
        for (int pos = from, eol; pos < end; pos = eol + 1) {
            eol = text.indexOf('\n', pos);
            if (eol < 0 || eol > end) {
                eol = end;
            }
            rewrite(out, text, pos, eol, idx, n);
            out.append('\n');
        }
        if (!last) {
            out.append('\n');
        }
    }

    private static int processorOf(String text, int from, int to) {
        for (int pos = from, eol; pos < to; pos = eol + 1) {
            eol = text.indexOf('\n', pos);
            if (eol < 0 || eol > to) {
                eol = to;
            }
            if (text.startsWith("processor", pos)) {
                int colon = text.indexOf(':', pos);
                if (colon > 0 && colon < eol) {
                    return number(text, colon + 1, eol);
                }
            }
        }
        return -1;
    }

    /** The number in {@code text[from, to)} with surrounding whitespace, or -1. */
    private static int number(String text, int from, int to) {
        while (from < to && text.charAt(from) <= ' ') {
            from++;
        }
        while (to > from && text.charAt(to - 1) <= ' ') {
            to--;
        }
        try {
            return Integer.parseInt(text, from, to, 10);
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    private static void rewrite(StringBuilder out, String line, int from, int to, int idx, int n) {
        int colon = line.indexOf(':', from);
        if (colon < 0 || colon >= to) {
            out.append(line, from, to);
            return;
        }
        int ks = from;
        int ke = colon;
        while (ks < ke && line.charAt(ks) <= ' ') {
            ks++;
        }
        while (ke > ks && line.charAt(ke - 1) <= ' ') {
            ke--;
        }
        if (is(line, ks, ke, "processor")) {
            out.append(line, from, colon + 1).append(' ').append(idx);
        } else if (is(line, ks, ke, "siblings") || is(line, ks, ke, "cpu cores")) {
            int v = number(line, colon + 1, to);
            if (v < 0) {
                out.append(line, from, to);
            } else {
                out.append(line, from, colon + 1).append(' ').append(Math.min(n, v));
            }
        } else {
            out.append(line, from, to);
        }
    }

    private static boolean is(String text, int from, int to, String key) {
        return to - from == key.length() && text.startsWith(key, from);
    }
}
