package io.lxcfs.daemon.cgroup;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/** Block I/O per device from {@code io.stat} (v2) or the blkio throttle files (v1). */
public final class BlockIoReader {

    private final FileSource fs;

    public BlockIoReader(FileSource fs) {
        this.fs = fs;
    }

    public List<DeviceIo> read(CgroupDir dir) throws IOException {
        return dir.unified() ? readV2(fs.read(dir.file("io.stat"))) : readV1(dir);
    }

    static List<DeviceIo> readV2(String ioStat) {
        List<DeviceIo> out = new ArrayList<>();
        for (String line : ioStat.split("\n")) {
            String[] f = line.trim().split("\\s+");
            if (f.length < 2 || f[0].indexOf(':') < 0) {
                continue;
            }
            int[] dev = parseDevice(f[0]);
            long rbytes = 0, wbytes = 0, rios = 0, wios = 0, dbytes = 0, dios = 0;
            for (int i = 1; i < f.length; i++) {
                int eq = f[i].indexOf('=');
                if (eq < 0) {
                    continue;
                }
                Long v = FlatKeyed.parseLongOrNull(f[i], eq + 1, f[i].length());
                long value = v == null ? 0 : v;
                switch (f[i].substring(0, eq)) {
                    case "rbytes" -> rbytes = value;
                    case "wbytes" -> wbytes = value;
                    case "rios" -> rios = value;
                    case "wios" -> wios = value;
                    case "dbytes" -> dbytes = value;
                    case "dios" -> dios = value;
                    default -> { }
                }
            }
            out.add(new DeviceIo(dev[0], dev[1], rbytes, wbytes, rios, wios, dbytes, dios));
        }
        return out;
    }

    private List<DeviceIo> readV1(CgroupDir dir) throws IOException {
        Map<String, Map<String, Long>> bytes = parseV1(fs.read(dir.file("blkio.throttle.io_service_bytes_recursive")));
        Map<String, Map<String, Long>> ios = parseV1(fs.read(dir.file("blkio.throttle.io_serviced_recursive")));
        TreeMap<String, int[]> devices = new TreeMap<>();
        for (String dev : bytes.keySet()) {
            devices.put(dev, parseDevice(dev));
        }
        for (String dev : ios.keySet()) {
            devices.put(dev, parseDevice(dev));
        }
        List<DeviceIo> out = new ArrayList<>();
        for (Map.Entry<String, int[]> e : devices.entrySet()) {
            Map<String, Long> b = bytes.getOrDefault(e.getKey(), Map.of());
            Map<String, Long> n = ios.getOrDefault(e.getKey(), Map.of());
            out.add(new DeviceIo(e.getValue()[0], e.getValue()[1],
                    b.getOrDefault("Read", 0L), b.getOrDefault("Write", 0L),
                    n.getOrDefault("Read", 0L), n.getOrDefault("Write", 0L),
                    b.getOrDefault("Discard", 0L), n.getOrDefault("Discard", 0L)));
        }
        return out;
    }

    /** {@code 8:0 Read 4096} lines; the trailing {@code Total N} line has no device and is skipped. */
    private static Map<String, Map<String, Long>> parseV1(String content) {
        Map<String, Map<String, Long>> map = new TreeMap<>();
        for (String line : content.split("\n")) {
            String[] f = line.trim().split("\\s+");
            if (f.length != 3 || f[0].indexOf(':') < 0) {
                continue;
            }
            Long v = FlatKeyed.parseLongOrNull(f[2], 0, f[2].length());
            map.computeIfAbsent(f[0], k -> new TreeMap<>()).put(f[1], v == null ? 0 : v);
        }
        return map;
    }

    private static int[] parseDevice(String majMin) {
        int colon = majMin.indexOf(':');
        return new int[] {Integer.parseInt(majMin.substring(0, colon)), Integer.parseInt(majMin.substring(colon + 1))};
    }
}
