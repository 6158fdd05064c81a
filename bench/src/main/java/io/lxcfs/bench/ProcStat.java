package io.lxcfs.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** What /proc tells about a process: CPU time, resident memory, start time, the host's load. */
public final class ProcStat {

    /** Clock ticks per second of /proc/<pid>/stat (USER_HZ: 100 on every Linux build we run on). */
    public static final long HZ = 100;

    private ProcStat() {
    }

    /** utime + stime of {@code pid}, in clock ticks (all its threads, living and exited). */
    public static long cpuTicks(long pid) throws IOException {
        String[] f = fieldsAfterComm(pid);
        return Long.parseLong(f[11]) + Long.parseLong(f[12]);
    }

    /** starttime of {@code pid}: clock ticks after boot (the fork, for a child the keeper execs). */
    public static long startTicks(long pid) throws IOException {
        return Long.parseLong(fieldsAfterComm(pid)[19]);
    }

    /** VmRSS of {@code pid} in KiB. */
    public static long rssKib(long pid) throws IOException {
        for (String l : Files.readAllLines(Path.of("/proc/" + pid + "/status"))) {
            if (l.startsWith("VmRSS:")) {
                return Long.parseLong(l.replaceAll("\\D", ""));
            }
        }
        return 0;
    }

    /** Threads of {@code pid}. */
    public static int threads(long pid) throws IOException {
        try (var s = Files.list(Path.of("/proc/" + pid + "/task"))) {
            return (int) s.count();
        }
    }

    public static String loadAverage() {
        try {
            String[] f = Files.readString(Path.of("/proc/loadavg")).split(" ");
            return f[0] + " " + f[1] + " " + f[2];
        } catch (IOException e) {
            return "?";
        }
    }

    /** Fields 3.. of /proc/<pid>/stat (state on); comm, which may hold spaces, skipped. */
    private static String[] fieldsAfterComm(long pid) throws IOException {
        String s = Files.readString(Path.of("/proc/" + pid + "/stat"));
        return s.substring(s.lastIndexOf(')') + 2).trim().split(" ");
    }

    /**
     * Converts boot-time clock ticks (as {@link #startTicks}) to {@link System#nanoTime()}: /proc/uptime is read until its
     * value changes, and that instant pins the two clocks together (to ~10 ms, /proc/uptime's resolution).
     */
    public static final class BootClock {
        private final long nanoAtUptime;
        private final long uptimeCentis;

        private BootClock(long nanoAtUptime, long uptimeCentis) {
            this.nanoAtUptime = nanoAtUptime;
            this.uptimeCentis = uptimeCentis;
        }

        public static BootClock calibrate() throws IOException {
            long first = uptimeCentis();
            long now;
            long nano;
            do {
                now = uptimeCentis();
                nano = System.nanoTime();
            } while (now == first);
            return new BootClock(nano, now);
        }

        /** nanoTime of the instant {@code ticks} clock ticks after boot. */
        public long nanoOf(long ticks) {
            return nanoAtUptime + (ticks * (100 / HZ) - uptimeCentis) * 10_000_000L;
        }

        private static long uptimeCentis() throws IOException {
            String s = Files.readString(Path.of("/proc/uptime")).split(" ")[0];
            int dot = s.indexOf('.');
            return Long.parseLong(s.substring(0, dot)) * 100 + Long.parseLong(s.substring(dot + 1));
        }
    }
}
