package io.lxcfs.daemon.view;

import io.lxcfs.daemon.cgroup.DeviceIo;

import java.util.List;

/**
 * {@code /proc/diskstats}: only the devices the container did I/O on, in the host file's order and with
 * its column count; names come from the host file by major:minor. Time and merge columns are 0.
 */
public final class DiskstatsRenderer {

    private DiskstatsRenderer() {
    }

    public static String render(String hostDiskstats, List<DeviceIo> io) {
        StringBuilder out = new StringBuilder();
        // By index over the host's text: no line or field strings (rendered on every open).
        int[] starts = new int[32];
        int[] ends = new int[32];
        int len = hostDiskstats.length();
        for (int pos = 0, eol; pos < len; pos = eol + 1) {
            eol = hostDiskstats.indexOf('\n', pos);
            if (eol < 0) {
                eol = len;
            }
            int fields = 0;
            for (int i = pos; i < eol; ) {
                while (i < eol && Character.isWhitespace(hostDiskstats.charAt(i))) {
                    i++;
                }
                if (i == eol) {
                    break;
                }
                int start = i;
                while (i < eol && !Character.isWhitespace(hostDiskstats.charAt(i))) {
                    i++;
                }
                if (fields < starts.length) {
                    starts[fields] = start;
                    ends[fields] = i;
                }
                fields++;
            }
            if (fields < 14) {
                continue;
            }
            DeviceIo d = find(io, hostDiskstats, starts, ends);
            if (d == null || (d.reads() == 0 && d.writes() == 0 && d.discards() == 0
                    && d.readBytes() == 0 && d.writeBytes() == 0 && d.discardBytes() == 0)) {
                continue;
            }
            pad(out, d.major(), 4);
            out.append(' ');
            pad(out, d.minor(), 7);
            out.append(' ').append(hostDiskstats, starts[2], ends[2]);
            int columns = fields - 3;
            for (int i = 0; i < columns; i++) {
                out.append(' ').append(column(d, i));
            }
            out.append('\n');
        }
        return out.toString();
    }

    /** Column {@code i} after the name: reads, merged, sectors read, ms, writes, ..., discards, ..., sectors discarded. */
    private static long column(DeviceIo d, int i) {
        return switch (i) {
            case 0 -> d.reads();
            case 2 -> d.readBytes() / 512;
            case 4 -> d.writes();
            case 6 -> d.writeBytes() / 512;
            case 11 -> d.discards();
            case 13 -> d.discardBytes() / 512;
            default -> 0;
        };
    }

    /** {@code %<width>d}. */
    private static void pad(StringBuilder out, int value, int width) {
        int digits = value < 0 ? 2 : 1;
        for (int v = Math.abs(value); v >= 10; v /= 10) {
            digits++;
        }
        for (int i = digits; i < width; i++) {
            out.append(' ');
        }
        out.append(value);
    }

    private static DeviceIo find(List<DeviceIo> io, String text, int[] starts, int[] ends) {
        int major;
        int minor;
        try {
            major = Integer.parseInt(text, starts[0], ends[0], 10);
            minor = Integer.parseInt(text, starts[1], ends[1], 10);
        } catch (NumberFormatException e) {
            return null;
        }
        for (DeviceIo d : io) {
            if (d.major() == major && d.minor() == minor) {
                return d;
            }
        }
        return null;
    }
}
