package io.lxcfs.bench.scale;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.TreeMap;

/** CPU time of a process's threads by name, from {@code /proc/<pid>/task/<tid>/stat} (the whole process: {@link io.lxcfs.bench.ProcStat}). */
public final class JvmThreads {

    private JvmThreads() {
    }

    /** {utime, stime} in clock ticks of the process's threads, summed by thread name (15 bytes at most, as /proc shows it). */
    public static Map<String, long[]> threadTicks(long pid) throws IOException {
        Map<String, long[]> byName = new TreeMap<>();
        try (DirectoryStream<Path> tasks = Files.newDirectoryStream(Path.of("/proc/" + pid + "/task"))) {
            for (Path t : tasks) {
                try {
                    String s = Files.readString(t.resolve("stat"));
                    long[] sum = byName.computeIfAbsent(s.substring(s.indexOf('(') + 1, s.lastIndexOf(')')), k -> new long[2]);
                    long[] these = ticks(s);
                    sum[0] += these[0];
                    sum[1] += these[1];
                } catch (IOException gone) {
                    // the thread ended meanwhile
                }
            }
        }
        return byName;
    }

    /** Fields 14 and 15 (utime, stime) of a stat line, counted after the command's closing parenthesis. */
    static long[] ticks(String stat) {
        String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
        return new long[] {Long.parseLong(f[11]), Long.parseLong(f[12])};
    }
}
