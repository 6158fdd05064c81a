package io.lxcfs.daemon.cgroup;

/** The cgroup controllers the view reads, with their v1 hierarchy name and v2 controller name. */
public enum Controller {
    MEMORY("memory", "memory"),
    CPU("cpu", "cpu"),
    /** On v2 the accounting lives in the cpu controller's {@code cpu.stat}. */
    CPUACCT("cpuacct", "cpu"),
    CPUSET("cpuset", "cpuset"),
    BLKIO("blkio", "io"),
    PIDS("pids", "pids");

    public final String v1Name;
    public final String v2Name;

    Controller(String v1Name, String v2Name) {
        this.v1Name = v1Name;
        this.v2Name = v2Name;
    }
}
