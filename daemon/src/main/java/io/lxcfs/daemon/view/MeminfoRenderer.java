package io.lxcfs.daemon.view;

import io.lxcfs.daemon.cgroup.MemoryStats;

import java.util.HashMap;
import java.util.Map;

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
        Map<String, Long> host = HostMeminfo.parse(hostMeminfo);
        long hostTotal = host.getOrDefault("MemTotal", 0L);
        long memTotal = m.limit() == null ? hostTotal : Math.min(hostTotal, m.limit() / 1024);
        long memFree = Math.max(0, memTotal - m.usage() / 1024);
        long reclaimable = (m.activeFile() + m.inactiveFile() + m.slabReclaimable()) / 1024;
        long memAvailable = Math.min(memTotal, memFree + reclaimable);
        long hostSwap = host.getOrDefault("SwapTotal", 0L);
        long swapTotal = hostSwap == 0 ? 0 : m.swapLimit() == null ? hostSwap : Math.min(hostSwap, m.swapLimit() / 1024);
        long swapFree = Math.max(0, swapTotal - m.swapUsage() / 1024);
        return new MemoryView(memTotal, memFree, memAvailable, swapTotal, swapFree);
    }

    public static String render(String hostMeminfo, MemoryStats m) {
        MemoryView v = compute(hostMeminfo, m);
        Map<String, Long> kb = new HashMap<>();
        kb.put("MemTotal", v.memTotal());
        kb.put("MemFree", v.memFree());
        kb.put("MemAvailable", v.memAvailable());
        kb.put("Buffers", 0L);
        kb.put("Cached", m.file() / 1024);
        kb.put("SwapCached", 0L);
        kb.put("Active", (m.activeAnon() + m.activeFile()) / 1024);
        kb.put("Inactive", (m.inactiveAnon() + m.inactiveFile()) / 1024);
        kb.put("Active(anon)", m.activeAnon() / 1024);
        kb.put("Inactive(anon)", m.inactiveAnon() / 1024);
        kb.put("Active(file)", m.activeFile() / 1024);
        kb.put("Inactive(file)", m.inactiveFile() / 1024);
        kb.put("Unevictable", m.unevictable() / 1024);
        kb.put("SwapTotal", v.swapTotal());
        kb.put("SwapFree", v.swapFree());
        kb.put("Dirty", m.dirty() / 1024);
        kb.put("Writeback", m.writeback() / 1024);
        kb.put("AnonPages", m.anon() / 1024);
        kb.put("Mapped", m.mapped() / 1024);
        kb.put("Shmem", m.shmem() / 1024);
        kb.put("Slab", m.slab() / 1024);
        kb.put("SReclaimable", m.slabReclaimable() / 1024);
        kb.put("SUnreclaim", m.slabUnreclaimable() / 1024);
        kb.put("KernelStack", m.kernelStack() / 1024);
        kb.put("PageTables", m.pageTables() / 1024);
        kb.put("AnonHugePages", m.anonHuge() / 1024);

        StringBuilder out = new StringBuilder(hostMeminfo.length());
        int pos = 0;
        int len = hostMeminfo.length();
        while (pos < len) {
            int eol = hostMeminfo.indexOf('\n', pos);
            if (eol < 0) {
                eol = len;
            }
            int colon = hostMeminfo.indexOf(':', pos);
            Long value = colon > pos && colon < eol ? kb.get(hostMeminfo.substring(pos, colon)) : null;
            if (value != null && hostMeminfo.startsWith(" kB", eol - 3)) {
                kbLine(out, hostMeminfo.substring(pos, colon + 1), Math.max(0, value));
            } else {
                out.append(hostMeminfo, pos, eol);
            }
            out.append('\n');
            pos = eol + 1;
        }
        return out.toString();
    }

    /** The kernel's show_val_kb: the label padded to 16 columns, the value right-aligned in 8, " kB". */
    static void kbLine(StringBuilder out, String label, long value) {
        out.append(label);
        for (int i = label.length(); i < 16; i++) {
            out.append(' ');
        }
        String digits = Long.toString(value);
        for (int i = digits.length(); i < 8; i++) {
            out.append(' ');
        }
        out.append(digits).append(" kB");
    }
}
