package io.lxcfs.daemon.reattach;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/** Parses {@code /proc/<pid>/mountinfo} (proc(5)) into the fields re-attachment needs. */
public final class MountInfo {

    /**
     * One line: {@code id parent major:minor root mount-point options [optional...] - fstype source super-options}.
     * {@code root} is the path inside the file system that is mounted (for a bind mount of one file of the
     * view, that file: {@code /proc/meminfo}); {@code mountPoint} is relative to the reading process's root.
     */
    public record Mount(int id, int parentId, String device, String root, String mountPoint, String fsType, String source) {
    }

    private MountInfo() {
    }

    public static List<Mount> parse(String text) {
        List<Mount> mounts = new ArrayList<>();
        for (String line : text.split("\n")) {
            Mount m = parseLine(line);
            if (m != null) {
                mounts.add(m);
            }
        }
        return mounts;
    }

    /** Null for a line that is not a mount (blank or malformed). */
    static Mount parseLine(String line) {
        String[] f = line.trim().split(" ");
        int sep = -1;
        for (int i = 6; i < f.length; i++) {
            if (f[i].equals("-")) {
                sep = i;
                break;
            }
        }
        if (sep < 0 || sep + 2 >= f.length) {
            return null;
        }
        try {
            return new Mount(Integer.parseInt(f[0]), Integer.parseInt(f[1]), f[2], unescape(f[3]), unescape(f[4]),
                    f[sep + 1], unescape(f[sep + 2]));
        } catch (NumberFormatException e) {
            return null;
        }
    }

    /** The kernel writes space, tab, newline and backslash in paths as {@code \040}, {@code \011}, ... */
    static String unescape(String s) {
        if (s.indexOf('\\') < 0) {
            return s;
        }
        StringBuilder sb = new StringBuilder(s.length());
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '\\' && isOctal(s, i + 1)) {
                sb.append((char) Integer.parseInt(s.substring(i + 1, i + 4), 8));
                i += 3;
            } else {
                sb.append(c);
            }
        }
        return sb.toString();
    }

    private static boolean isOctal(String s, int from) {
        if (from + 3 > s.length()) {
            return false;
        }
        for (int i = from; i < from + 3; i++) {
            if (s.charAt(i) < '0' || s.charAt(i) > '7') {
                return false;
            }
        }
        return true;
    }

    /**
     * The mount a path resolves to when several are stacked on the same mount point: the one no other
     * mount at that point sits on (a mount over another has the covered one as its parent).
     */
    public static Optional<Mount> topAt(List<Mount> mounts, String mountPoint) {
        List<Mount> at = mounts.stream().filter(m -> m.mountPoint().equals(mountPoint)).toList();
        return at.stream().filter(m -> at.stream().noneMatch(o -> o.parentId() == m.id())).reduce((a, b) -> b);
    }
}
