package io.lxcfs.daemon.fuse;

import io.lxcfs.daemon.view.ProcFile;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The fixed directory tree of the mount: the eight files and the directories leading to them. Below
 * {@code /sys/devices/system/cpu} the caller's CPU directory ({@link io.lxcfs.daemon.view.CpuDirectory}) decides.
 */
final class ViewTree {

    private final Map<String, Set<String>> children = new LinkedHashMap<>();

    ViewTree() {
        children.put("/", new LinkedHashSet<>());
        for (ProcFile f : ProcFile.values()) {
            String path = f.path;
            while (!path.equals("/")) {
                int slash = path.lastIndexOf('/');
                String parent = slash == 0 ? "/" : path.substring(0, slash);
                children.computeIfAbsent(parent, k -> new LinkedHashSet<>()).add(path.substring(slash + 1));
                path = parent;
            }
        }
    }

    boolean isDirectory(String path) {
        return children.containsKey(path);
    }

    List<String> list(String dir) {
        Set<String> names = children.get(dir);
        return names == null ? List.of() : new ArrayList<>(names);
    }
}
