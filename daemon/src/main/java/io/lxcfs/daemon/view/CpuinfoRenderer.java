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
        String[] blocks = hostCpuinfo.split("\n\n", -1);
        for (int b = 0; b < blocks.length; b++) {
            String block = blocks[b];
            if (block.isEmpty()) {
                continue;
            }
            // The last block has no blank line after it (e.g. ARM32's Hardware/Revision/Serial trailer, which
            // ends the file with a single newline): do not invent one.
            boolean last = b == blocks.length - 1;
            int processor = processorOf(block);
            if (processor < 0) {
                out.append(block).append(last ? "" : "\n\n");
                continue;
            }
            int idx = view.indexOf(processor);
            if (idx < 0) {
                continue;
            }
            for (String line : block.split("\n")) {
                out.append(rewrite(line, idx, n)).append('\n');
            }
            if (!last) {
                out.append('\n');
            }
        }
        return out.toString();
    }

    private static int processorOf(String block) {
        for (String line : block.split("\n")) {
            if (line.startsWith("processor")) {
                int colon = line.indexOf(':');
                if (colon > 0) {
                    try {
                        return Integer.parseInt(line.substring(colon + 1).trim());
                    } catch (NumberFormatException e) {
                        return -1;
                    }
                }
            }
        }
        return -1;
    }

    private static String rewrite(String line, int idx, int n) {
        int colon = line.indexOf(':');
        if (colon < 0) {
            return line;
        }
        String key = line.substring(0, colon).trim();
        String head = line.substring(0, colon + 1) + " ";
        switch (key) {
            case "processor":
                return head + idx;
            case "siblings":
            case "cpu cores":
                try {
                    return head + Math.min(n, Integer.parseInt(line.substring(colon + 1).trim()));
                } catch (NumberFormatException e) {
                    return line;
                }
            default:
                return line;
        }
    }
}
