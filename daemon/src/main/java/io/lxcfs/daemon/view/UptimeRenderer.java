package io.lxcfs.daemon.view;

/** {@code /proc/uptime}: container uptime and the idle seconds of its N CPUs, as {@code %lu.%02lu}. */
public final class UptimeRenderer {

    private UptimeRenderer() {
    }

    public static String render(long uptimeCentis, long idleTicks) {
        return centis(Math.max(0, uptimeCentis)) + " " + centis(Math.max(0, idleTicks)) + "\n";
    }

    static String centis(long v) {
        long frac = v % 100;
        return (v / 100) + "." + (frac < 10 ? "0" : "") + frac;
    }
}
