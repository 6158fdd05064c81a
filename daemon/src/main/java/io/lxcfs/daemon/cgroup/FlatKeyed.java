package io.lxcfs.daemon.cgroup;

import java.util.HashMap;
import java.util.Map;

/** The kernel's "flat keyed" files ({@code memory.stat}, {@code cpu.stat}): one {@code key value} per line. */
public final class FlatKeyed {

    private FlatKeyed() {
    }

    public static Map<String, Long> parse(String content) {
        Map<String, Long> map = new HashMap<>();
        int pos = 0;
        int len = content.length();
        while (pos < len) {
            int eol = content.indexOf('\n', pos);
            if (eol < 0) {
                eol = len;
            }
            int space = content.indexOf(' ', pos);
            if (space > pos && space < eol) {
                Long value = parseLongOrNull(content, space + 1, eol);
                if (value != null) {
                    map.put(content.substring(pos, space), value);
                }
            }
            pos = eol + 1;
        }
        return map;
    }

    /** Non-negative decimal in {@code s[from,to)}, trimmed; null if not a number or beyond a long. */
    static Long parseLongOrNull(String s, int from, int to) {
        while (from < to && s.charAt(from) == ' ') {
            from++;
        }
        while (to > from && Character.isWhitespace(s.charAt(to - 1))) {
            to--;
        }
        if (from == to || to - from > 19) {
            return null;
        }
        long v = 0;
        for (int i = from; i < to; i++) {
            char ch = s.charAt(i);
            if (ch < '0' || ch > '9') {
                return null;
            }
            // A 19-digit value above Long.MAX_VALUE would wrap to a negative number: refuse it instead.
            if (v > (Long.MAX_VALUE - (ch - '0')) / 10) {
                return null;
            }
            v = v * 10 + (ch - '0');
        }
        return v;
    }

    /** A single-value file such as {@code memory.max}: a number, or null for "max"/garbage. */
    public static Long parseSingle(String content) {
        return content == null ? null : parseLongOrNull(content, 0, content.length());
    }
}
