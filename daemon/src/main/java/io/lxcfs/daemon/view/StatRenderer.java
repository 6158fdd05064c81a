package io.lxcfs.daemon.view;

/**
 * {@code /proc/stat}: {@code cpu} and {@code cpu0..cpu(N-1)} from the container's accounting, the
 * container's {@code procs_running}/{@code procs_blocked}; every other line is the host's (btime,
 * intr, ctxt, processes, softirq: virtualizing btime would break {@code ps} start times).
 */
public final class StatRenderer {

    private StatRenderer() {
    }

    public static String render(String hostStat, CpuTimes times, int procsRunning, int procsBlocked) {
        StringBuilder out = new StringBuilder(hostStat.length());
        boolean cpuWritten = false;
        for (String line : hostStat.split("\n")) {
            if (line.startsWith("cpu")) {
                if (!cpuWritten) {
                    int fields = Math.max(4, line.trim().split("\\s+").length - 1);
                    writeCpuLines(out, times, fields);
                    cpuWritten = true;
                }
            } else if (line.startsWith("procs_running ")) {
                out.append("procs_running ").append(procsRunning).append('\n');
            } else if (line.startsWith("procs_blocked ")) {
                out.append("procs_blocked ").append(procsBlocked).append('\n');
            } else {
                out.append(line).append('\n');
            }
        }
        return out.toString();
    }

    private static void writeCpuLines(StringBuilder out, CpuTimes t, int fields) {
        long user = 0, system = 0, idle = 0;
        for (int i = 0; i < t.user().length; i++) {
            user += t.user()[i];
            system += t.system()[i];
            idle += t.idle()[i];
        }
        // The aggregate line is "cpu" followed by two spaces, as the kernel prints it.
        cpuLine(out, "cpu ", user, system, idle, fields);
        for (int i = 0; i < t.user().length; i++) {
            cpuLine(out, "cpu" + i, t.user()[i], t.system()[i], t.idle()[i], fields);
        }
    }

    /** user nice system idle iowait irq softirq steal guest guest_nice. */
    private static void cpuLine(StringBuilder out, String name, long user, long system, long idle, int fields) {
        out.append(name);
        long[] values = {user, 0, system, idle};
        for (int i = 0; i < fields; i++) {
            out.append(' ').append(i < values.length ? values[i] : 0);
        }
        out.append('\n');
    }
}
