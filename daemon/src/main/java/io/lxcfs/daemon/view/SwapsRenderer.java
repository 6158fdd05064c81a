package io.lxcfs.daemon.view;

/** {@code /proc/swaps}: the kernel's header, and one virtual line when the container has swap. */
public final class SwapsRenderer {

    public static final String HEADER = "Filename\t\t\t\tType\t\tSize\t\tUsed\t\tPriority\n";

    private SwapsRenderer() {
    }

    public static String render(long swapTotalKb, long swapUsedKb) {
        if (swapTotalKb <= 0) {
            return HEADER;
        }
        StringBuilder out = new StringBuilder(HEADER);
        // Same columns as the kernel's swap_show(): the name padded to 40, tab-separated numbers with an
        // extra tab below 10,000,000 so the columns line up under the header.
        out.append("none");
        for (int i = 4; i < 40; i++) {
            out.append(' ');
        }
        out.append("virtual\t\t");
        out.append(swapTotalKb).append('\t').append(swapTotalKb < 10_000_000 ? "\t" : "");
        out.append(swapUsedKb).append('\t').append(swapUsedKb < 10_000_000 ? "\t" : "");
        out.append("0\n");
        return out.toString();
    }
}
