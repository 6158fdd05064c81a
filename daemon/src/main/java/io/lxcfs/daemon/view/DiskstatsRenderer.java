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
        for (String line : hostDiskstats.split("\n")) {
            String[] f = line.trim().split("\\s+");
            if (f.length < 14) {
                continue;
            }
            DeviceIo d = find(io, f[0], f[1]);
            if (d == null || (d.reads() == 0 && d.writes() == 0 && d.discards() == 0
                    && d.readBytes() == 0 && d.writeBytes() == 0 && d.discardBytes() == 0)) {
                continue;
            }
            long[] values = {d.reads(), 0, d.readBytes() / 512, 0, d.writes(), 0, d.writeBytes() / 512, 0,
                    0, 0, 0, d.discards(), 0, d.discardBytes() / 512, 0, 0, 0};
            out.append(String.format("%4d %7d %s", d.major(), d.minor(), f[2]));
            int columns = f.length - 3;
            for (int i = 0; i < columns; i++) {
                out.append(' ').append(i < values.length ? values[i] : 0);
            }
            out.append('\n');
        }
        return out.toString();
    }

    private static DeviceIo find(List<DeviceIo> io, String major, String minor) {
        for (DeviceIo d : io) {
            if (Integer.toString(d.major()).equals(major) && Integer.toString(d.minor()).equals(minor)) {
                return d;
            }
        }
        return null;
    }
}
