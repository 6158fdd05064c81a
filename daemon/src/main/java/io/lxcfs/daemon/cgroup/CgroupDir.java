package io.lxcfs.daemon.cgroup;

import java.util.ArrayList;
import java.util.List;

/** A cgroup directory: a hierarchy plus a normalized path relative to the hierarchy's real root. */
public record CgroupDir(CgroupHierarchy hierarchy, String path) {

    public boolean isRoot() {
        return path.equals("/");
    }

    public boolean unified() {
        return hierarchy.unified();
    }

    public String absolute() {
        return path.equals("/") ? hierarchy.mountDir() : hierarchy.mountDir() + path;
    }

    public String file(String name) {
        return absolute() + "/" + name;
    }

    public CgroupDir parent() {
        String p = CgroupPath.parent(path);
        return p == null ? null : new CgroupDir(hierarchy, p);
    }

    public CgroupDir child(String name) {
        return new CgroupDir(hierarchy, path.equals("/") ? "/" + name : path + "/" + name);
    }

    /** This cgroup first, then each ancestor up to and including the hierarchy root. */
    public List<CgroupDir> selfAndAncestors() {
        List<CgroupDir> chain = new ArrayList<>();
        for (CgroupDir d = this; d != null; d = d.parent()) {
            chain.add(d);
        }
        return chain;
    }
}
