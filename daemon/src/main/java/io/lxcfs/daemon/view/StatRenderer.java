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
        StringBuilder out = new StringBuilder(hostStat.length() + 64);
        boolean cpuWritten = false;
        // One pass over the host's text by index: no line strings (it is rendered on every open).
        int len = hostStat.length();
        for (int pos = 0, eol; pos < len; pos = eol + 1) {
            eol = hostStat.indexOf('\n', pos);
            if (eol < 0) {
                eol = len;
            }
            if (hostStat.startsWith("cpu", pos)) {
                if (!cpuWritten) {
                    int fields = Math.max(4, fields(hostStat, pos, eol) - 1);
                    writeCpuLines(out, times, fields);
                    cpuWritten = true;
                }
            } else if (hostStat.startsWith("procs_running ", pos)) {
                out.append("procs_running ").append(procsRunning).append('\n');
            } else if (hostStat.startsWith("procs_blocked ", pos)) {
                out.append("procs_blocked ").append(procsBlocked).append('\n');
            } else {
                out.append(hostStat, pos, eol).append('\n');
            }
        }
        return out.toString();
    }

    /** Whitespace-separated fields of {@code text[from, to)}. */
    private static int fields(String text, int from, int to) {
        int n = 0;
        boolean inField = false;
        for (int i = from; i < to; i++) {
            boolean space = Character.isWhitespace(text.charAt(i));
            if (!space && !inField) {
                n++;
            }
            inField = !space;
        }
        return n;
    }

    private static void writeCpuLines(StringBuilder out, CpuTimes t, int fields) {
        long user = 0, system = 0, idle = 0;
        for (int i = 0; i < t.user().length; i++) {
            user += t.user()[i];
            system += t.system()[i];
            idle += t.idle()[i];
        }
        // The aggregate line is "cpu" followed by two spaces, as the kernel prints it.
        out.append("cpu ");
        cpuLine(out, user, system, idle, fields);
        for (int i = 0; i < t.user().length; i++) {
            out.append("cpu").append(i);
            cpuLine(out, t.user()[i], t.system()[i], t.idle()[i], fields);
        }
    }

    /** After the line's name: user nice system idle iowait irq softirq steal guest guest_nice. */
    private static void cpuLine(StringBuilder out, long user, long system, long idle, int fields) {
        for (int i = 0; i < fields; i++) {
            out.append(' ').append(i == 0 ? user : i == 2 ? system : i == 3 ? idle : 0);
        }
        out.append('\n');
    }
}
