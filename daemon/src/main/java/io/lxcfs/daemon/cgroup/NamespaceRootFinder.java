package io.lxcfs.daemon.cgroup;

import java.util.ArrayDeque;
import java.util.Deque;

/**
 * When the daemon runs in a private cgroup namespace, {@code /proc/<pid>/cgroup} paths are relative to
 * the daemon's namespace root (and start with "/.." for cgroups outside it). This finds that root's
 * real path in a hierarchy: the directory whose {@code cgroup.procs} lists the daemon's own (host) pid,
 * minus the daemon's own path as its namespace prints it.
 */
public final class NamespaceRootFinder {

    private static final int MAX_DIRS = 200_000;

    private final FileSource fs;

    public NamespaceRootFinder(FileSource fs) {
        this.fs = fs;
    }

    /**
     * @param ownPid      the daemon's pid as the host sees it
     * @param ownNsPath   the daemon's path in this hierarchy as its own {@code /proc/self/cgroup} prints it
     * @return the namespace root path relative to the hierarchy root, or null if not found
     */
    public String find(CgroupHierarchy h, long ownPid, String ownNsPath) {
        String own = findCgroupOf(h, ownPid);
        if (own == null) {
            return null;
        }
        String nsPath = CgroupPath.normalize(ownNsPath);
        if (nsPath.equals("/")) {
            return own;
        }
        if (own.endsWith(nsPath)) {
            String root = own.substring(0, own.length() - nsPath.length());
            return root.isEmpty() ? "/" : root;
        }
        return null;
    }

    private String findCgroupOf(CgroupHierarchy h, long pid) {
        String wanted = Long.toString(pid);
        Deque<String> queue = new ArrayDeque<>();
        queue.add("/");
        int seen = 0;
        while (!queue.isEmpty() && seen++ < MAX_DIRS) {
            String rel = queue.poll();
            String abs = rel.equals("/") ? h.mountDir() : h.mountDir() + rel;
            String procs = fs.readOrNull(abs + "/cgroup.procs");
            if (procs != null && containsLine(procs, wanted)) {
                return rel;
            }
            for (String child : fs.subdirectories(abs)) {
                queue.add(rel.equals("/") ? "/" + child : rel + "/" + child);
            }
        }
        return null;
    }

    private static boolean containsLine(String content, String line) {
        int from = 0;
        while (true) {
            int i = content.indexOf(line, from);
            if (i < 0) {
                return false;
            }
            boolean startOk = i == 0 || content.charAt(i - 1) == '\n';
            int end = i + line.length();
            boolean endOk = end == content.length() || content.charAt(end) == '\n';
            if (startOk && endOk) {
                return true;
            }
            from = i + 1;
        }
    }
}
