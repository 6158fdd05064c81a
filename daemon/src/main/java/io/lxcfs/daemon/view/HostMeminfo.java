package io.lxcfs.daemon.view;

import java.util.HashMap;
import java.util.Map;

/** {@code Label:   1234 kB} lines of the host's meminfo as a map of kB values. */
final class HostMeminfo {

    private HostMeminfo() {
    }

    static Map<String, Long> parse(String meminfo) {
        Map<String, Long> map = new HashMap<>();
        for (String line : meminfo.split("\n")) {
            int colon = line.indexOf(':');
            if (colon <= 0) {
                continue;
            }
            String[] f = line.substring(colon + 1).trim().split("\\s+");
            try {
                map.put(line.substring(0, colon), Long.parseLong(f[0]));
            } catch (NumberFormatException e) {
                // not a numeric line
            }
        }
        return map;
    }
}
