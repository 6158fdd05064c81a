package io.lxcfs.daemon.cgroup;

import java.util.ArrayList;
import java.util.List;

/** Parsed {@code /proc/<pid>/cgroup}: {@code hierarchy-id:controller-list:path} per line. */
public final class ProcCgroupFile {

    record Entry(String hierarchyId, List<String> controllers, String path) {
    }

    private final List<Entry> entries;

    private ProcCgroupFile(List<Entry> entries) {
        this.entries = entries;
    }

    public static ProcCgroupFile parse(String content) {
        List<Entry> entries = new ArrayList<>();
        for (String line : content.split("\n")) {
            int first = line.indexOf(':');
            int second = first < 0 ? -1 : line.indexOf(':', first + 1);
            if (second < 0) {
                continue;
            }
            String controllers = line.substring(first + 1, second);
            entries.add(new Entry(line.substring(0, first),
                    controllers.isEmpty() ? List.of() : List.of(controllers.split(",")),
                    line.substring(second + 1)));
        }
        if (entries.isEmpty()) {
            throw new IllegalArgumentException("no cgroup entries");
        }
        return new ProcCgroupFile(entries);
    }

    /** Path of the v1 hierarchy that carries {@code controller}, or null. */
    public String v1Path(String controller) {
        for (Entry e : entries) {
            if (e.controllers().contains(controller)) {
                return e.path();
            }
        }
        return null;
    }

    /** Path in the unified (v2) hierarchy: the {@code 0::} line, or null. */
    public String unifiedPath() {
        for (Entry e : entries) {
            if (e.hierarchyId().equals("0") && e.controllers().isEmpty()) {
                return e.path();
            }
        }
        return null;
    }
}
