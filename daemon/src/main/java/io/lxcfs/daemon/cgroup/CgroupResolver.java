package io.lxcfs.daemon.cgroup;

import java.io.IOException;
import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/** Caller pid → its own cgroup directories on the host's cgroup mount. */
public final class CgroupResolver {

    private final FileSource fs;
    private final String procRoot;
    private final CgroupLayout layout;
    /**
     * {@code /proc/<pid>/cgroup} content → its directories: a pure function of the text (the layout is fixed),
     * so the result is remembered; every process of a container has the same text. Bounded: cleared when full.
     */
    private final Map<String, ContainerCgroups> parsed = new ConcurrentHashMap<>();
    static final int MAX_PARSED = 4096;

    public CgroupResolver(FileSource fs, String procRoot, CgroupLayout layout) {
        this.fs = fs;
        this.procRoot = procRoot;
        this.layout = layout;
    }

    int parsedCount() {
        return parsed.size();
    }

    public CgroupLayout layout() {
        return layout;
    }

    /** @throws IOException when the process is gone or its cgroup file is unreadable */
    public ContainerCgroups resolve(long pid) throws IOException {
        return resolve(fs.read(procRoot + "/" + pid + "/cgroup"));
    }

    public ContainerCgroups resolve(String procCgroupContent) {
        ContainerCgroups known = parsed.get(procCgroupContent);
        if (known != null) {
            return known;
        }
        ContainerCgroups cg = parse(procCgroupContent);
        if (parsed.size() >= MAX_PARSED) {
            parsed.clear();
        }
        parsed.put(procCgroupContent, cg);
        return cg;
    }

    private ContainerCgroups parse(String procCgroupContent) {
        ProcCgroupFile file = ProcCgroupFile.parse(procCgroupContent);
        Map<Controller, CgroupDir> dirs = new EnumMap<>(Controller.class);
        StringBuilder key = new StringBuilder();
        for (Controller c : Controller.values()) {
            CgroupHierarchy h = layout.hierarchy(c);
            if (h == null) {
                continue;
            }
            String path = h.unified() ? file.unifiedPath() : file.v1Path(c.v1Name);
            if (path == null) {
                continue;
            }
            CgroupDir dir = h.dirFor(path);
            dirs.put(c, dir);
            key.append(c.ordinal()).append(dir.absolute()).append('\n');
        }
        CgroupDir unifiedDir = null;
        if (layout.unified() != null && file.unifiedPath() != null) {
            unifiedDir = layout.unified().dirFor(file.unifiedPath());
            key.append("u").append(unifiedDir.absolute());
        }
        return new ContainerCgroups(dirs, unifiedDir, key.toString());
    }
}
