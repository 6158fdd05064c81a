package io.lxcfs.daemon.it;

import io.lxcfs.testing.DaemonProcess;

/** Sums of Prometheus samples from the daemon's {@code /q/metrics}. */
final class DaemonMetrics {

    private DaemonMetrics() {
    }

    static String scrape(DaemonProcess d) throws Exception {
        return d.metrics();
    }

    /** The sum of every sample of {@code name} (any labels) whose line also contains {@code labelPart}. */
    static double sum(String metrics, String name, String labelPart) {
        double total = 0;
        for (String line : metrics.split("\n")) {
            if (line.startsWith("#")) {
                continue;
            }
            int sp = line.lastIndexOf(' ');
            String key = sp < 0 ? line : line.substring(0, sp);
            if ((key.equals(name) || key.startsWith(name + "{")) && key.contains(labelPart)) {
                total += Double.parseDouble(line.substring(sp + 1));
            }
        }
        return total;
    }

    static double sum(String metrics, String name) {
        return sum(metrics, name, "");
    }
}
