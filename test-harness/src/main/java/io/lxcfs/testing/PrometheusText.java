package io.lxcfs.testing;

/** Sums of samples in Prometheus text exposition (what {@code /q/metrics} answers). */
public final class PrometheusText {

    private PrometheusText() {
    }

    /** The sum of every sample of {@code name} (any labels) whose line also contains {@code labelPart}. */
    public static double sum(String metrics, String name, String labelPart) {
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

    /** The sum of every sample of {@code name}, any labels. */
    public static double sum(String metrics, String name) {
        return sum(metrics, name, "");
    }
}
