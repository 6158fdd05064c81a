package io.lxcfs.daemon.view;

import io.lxcfs.daemon.cgroup.MemoryStats;

/** {@code /proc/meminfo} for a container: the host file with the container's lines substituted. */
public final class MeminfoRenderer {

    private MeminfoRenderer() {
    }

    /** The numbers both meminfo and swaps show, in kB. */
    public record MemoryView(long memTotal, long memFree, long memAvailable, long swapTotal, long swapFree) {
        public long swapUsed() {
            return Math.max(0, swapTotal - swapFree);
        }
    }

    public static MemoryView compute(String hostMeminfo, MemoryStats m) {
        long hostTotal = HostMeminfo.kb(hostMeminfo, "MemTotal");
        long memTotal = m.limit() == null ? hostTotal : Math.min(hostTotal, m.limit() / 1024);
        long memFree = Math.max(0, memTotal - m.usage() / 1024);
        long reclaimable = (m.activeFile() + m.inactiveFile() + m.slabReclaimable()) / 1024;
        long memAvailable = Math.min(memTotal, memFree + reclaimable);
        long hostSwap = HostMeminfo.kb(hostMeminfo, "SwapTotal");
        long swapTotal = hostSwap == 0 ? 0 : m.swapLimit() == null ? hostSwap : Math.min(hostSwap, m.swapLimit() / 1024);
        long swapFree = Math.max(0, swapTotal - m.swapUsage() / 1024);
        return new MemoryView(memTotal, memFree, memAvailable, swapTotal, swapFree);
    }

    /** The lines we substitute, in the order of {@link #values}. */
    private static final String[] LABELS = {"MemTotal", "MemFree", "MemAvailable", "Buffers", "Cached", "SwapCached", "Active",
        "Inactive", "Active(anon)", "Inactive(anon)", "Active(file)", "Inactive(file)", "Unevictable", "SwapTotal", "SwapFree",
        "Dirty", "Writeback", "AnonPages", "Mapped", "Shmem", "Slab", "SReclaimable", "SUnreclaim", "KernelStack", "PageTables",
        "AnonHugePages"};

    /** The container's value of each of {@link #LABELS}, in kB. */
    private static long[] values(MemoryView v, MemoryStats m) {
        return new long[] {v.memTotal(), v.memFree(), v.memAvailable(), 0, m.file() / 1024, 0,
            (m.activeAnon() + m.activeFile()) / 1024, (m.inactiveAnon() + m.inactiveFile()) / 1024, m.activeAnon() / 1024,
            m.inactiveAnon() / 1024, m.activeFile() / 1024, m.inactiveFile() / 1024, m.unevictable() / 1024, v.swapTotal(),
            v.swapFree(), m.dirty() / 1024, m.writeback() / 1024, m.anon() / 1024, m.mapped() / 1024, m.shmem() / 1024,
            m.slab() / 1024, m.slabReclaimable() / 1024, m.slabUnreclaimable() / 1024, m.kernelStack() / 1024,
            m.pageTables() / 1024, m.anonHuge() / 1024};
    }

    public static String render(String hostMeminfo, MemoryStats m) {
        long[] kb = values(compute(hostMeminfo, m), m);
        // One pass over the host's text, appending ranges of it: no line strings, no map, no boxed numbers.
        StringBuilder out = new StringBuilder(hostMeminfo.length() + 64);
        int pos = 0;
        int len = hostMeminfo.length();
        while (pos < len) {
            int eol = hostMeminfo.indexOf('\n', pos);
            if (eol < 0) {
                eol = len;
            }
            int colon = hostMeminfo.indexOf(':', pos);
            int label = colon > pos && colon < eol ? labelAt(hostMeminfo, pos, colon) : -1;
            if (label >= 0 && hostMeminfo.startsWith(" kB", eol - 3)) {
                kbLine(out, hostMeminfo, pos, colon + 1, Math.max(0, kb[label]));
            } else {
                out.append(hostMeminfo, pos, eol);
            }
            out.append('\n');
            pos = eol + 1;
        }
        return out.toString();
    }

    /** The index in {@link #LABELS} of the label {@code text[from, to)}, or -1. */
    private static int labelAt(String text, int from, int to) {
        int n = to - from;
        for (int i = 0; i < LABELS.length; i++) {
            if (LABELS[i].length() == n && text.startsWith(LABELS[i], from)) {
                return i;
            }
        }
        return -1;
    }

    /** The kernel's show_val_kb: the label padded to 16 columns, the value right-aligned in 8, " kB". */
    static void kbLine(StringBuilder out, String label, long value) {
        kbLine(out, label, 0, label.length(), value);
    }

    /** As above, the label (with its colon) being {@code text[from, to)}. */
    static void kbLine(StringBuilder out, CharSequence text, int from, int to, long value) {
        out.append(text, from, to);
        for (int i = to - from; i < 16; i++) {
            out.append(' ');
        }
        for (int i = digits(value); i < 8; i++) {
            out.append(' ');
        }
        out.append(value).append(" kB");
    }

    /** Decimal digits of a value >= 0. */
    private static int digits(long value) {
        int d = 1;
        for (long v = value; v >= 10; v /= 10) {
            d++;
        }
        return d;
    }
}
