package io.lxcfs.daemon.cgroup;

import java.io.IOException;
import java.util.BitSet;
import java.util.Map;

/** Reads the container's CPU count (cpuset ∩ online, capped by quota) and its CPU accounting. */
public final class CpuReader {

    /** USER_HZ: /proc/stat's unit. */
    public static final long USER_HZ = 100;

    private final FileSource fs;

    public CpuReader(FileSource fs) {
        this.fs = fs;
    }

    /**
     * @param cpuset the container's cpuset cgroup, or null (then all online CPUs)
     * @param cpu    the container's cpu cgroup (quota), or null
     * @param online the host's online CPUs
     */
    public CpuView view(CgroupDir cpuset, CgroupDir cpu, BitSet online) {
        BitSet allowed = (BitSet) online.clone();
        if (cpuset != null) {
            BitSet set = cpusetOf(cpuset);
            if (set != null) {
                allowed.and(set);
            }
        }
        if (allowed.isEmpty()) {
            allowed = (BitSet) online.clone();
        }
        int[] cpus = allowed.stream().toArray();
        double quota = cpu == null ? Double.NaN : quota(cpu);
        int n = cpus.length;
        if (!Double.isNaN(quota)) {
            n = (int) Math.min(n, Math.ceil(quota - 1e-9));
        }
        n = Math.max(1, Math.min(n, cpus.length));
        int[] visible = java.util.Arrays.copyOf(cpus, n);
        return new CpuView(visible, quota, cpus);
    }

    /** The effective cpuset, walking up while a level is empty or missing; null if none is found. */
    private BitSet cpusetOf(CgroupDir dir) {
        String name = dir.unified() ? "cpuset.cpus.effective" : "cpuset.cpus";
        for (CgroupDir d : dir.selfAndAncestors()) {
            String content = fs.readOrNull(d.file(name));
            if (content != null && !content.isBlank()) {
                return CpuList.parse(content);
            }
        }
        return null;
    }

    /** Minimum quota/period over the cgroup and ancestors, in CPUs; NaN when unlimited everywhere. */
    double quota(CgroupDir dir) {
        double min = Double.NaN;
        for (CgroupDir d : dir.selfAndAncestors()) {
            double q = dir.unified() ? quotaV2(d) : quotaV1(d);
            if (!Double.isNaN(q) && (Double.isNaN(min) || q < min)) {
                min = q;
            }
        }
        return min;
    }

    private double quotaV2(CgroupDir d) {
        String content = fs.readOrNull(d.file("cpu.max"));
        if (content == null) {
            return Double.NaN;
        }
        // "$MAX $PERIOD": "max 100000" is no quota; anything but two fields is a parse error (host file),
        // not "no quota", which would silently show every CPU.
        String[] parts = content.trim().split("\\s+");
        if (parts.length != 2) {
            throw new IllegalArgumentException("malformed cpu.max: " + content.trim());
        }
        long period = Long.parseLong(parts[1]);
        if (parts[0].equals("max")) {
            return Double.NaN;
        }
        long quota = Long.parseLong(parts[0]);
        return quota > 0 && period > 0 ? (double) quota / period : Double.NaN;
    }

    private double quotaV1(CgroupDir d) {
        String q = fs.readOrNull(d.file("cpu.cfs_quota_us"));
        String p = fs.readOrNull(d.file("cpu.cfs_period_us"));
        if (q == null || p == null) {
            return Double.NaN;
        }
        // -1 is no quota; garbage throws NumberFormatException (a parse error: the host file is served).
        long quota = Long.parseLong(q.trim());
        long period = Long.parseLong(p.trim());
        return quota > 0 && period > 0 ? (double) quota / period : Double.NaN;
    }

    /**
     * Per visible CPU user/system ticks. v1 maps each host CPU's usage from {@code cpuacct.usage_all} onto
     * the visible CPUs (host CPUs outside the view fold onto index {@code cpu % N}, keeping the total);
     * v2 spreads {@code cpu.stat} totals evenly.
     */
    public CpuUsage usage(CgroupDir cpuacct, CpuView view) throws IOException {
        int n = view.count();
        long[] user = new long[n];
        long[] system = new long[n];
        if (cpuacct.unified()) {
            Map<String, Long> stat = FlatKeyed.parse(fs.read(cpuacct.file("cpu.stat")));
            Long userUsec = stat.get("user_usec");
            Long systemUsec = stat.get("system_usec");
            if (userUsec == null || systemUsec == null) {
                throw new IOException("cpu.stat lacks user_usec/system_usec");
            }
            spread(userUsec / (1_000_000 / USER_HZ), user);
            spread(systemUsec / (1_000_000 / USER_HZ), system);
            return new CpuUsage(user, system);
        }
        String all = fs.readOrNull(cpuacct.file("cpuacct.usage_all"));
        if (all != null) {
            long[] userNs = new long[n];
            long[] systemNs = new long[n];
            for (String line : all.split("\n")) {
                String[] f = line.trim().split("\\s+");
                if (f.length != 3 || f[0].equals("cpu")) {
                    continue;
                }
                int hostCpu = Integer.parseInt(f[0]);
                int idx = fold(view, hostCpu);
                userNs[idx] += Long.parseLong(f[1]);
                systemNs[idx] += Long.parseLong(f[2]);
            }
            for (int i = 0; i < n; i++) {
                user[i] = userNs[i] / (1_000_000_000L / USER_HZ);
                system[i] = systemNs[i] / (1_000_000_000L / USER_HZ);
            }
            return new CpuUsage(user, system);
        }
        // Older kernels: cpuacct.stat totals (already USER_HZ), spread like v2.
        Map<String, Long> stat = FlatKeyed.parse(fs.read(cpuacct.file("cpuacct.stat")));
        Long u = stat.get("user");
        Long s = stat.get("system");
        if (u == null || s == null) {
            throw new IOException("cpuacct.stat lacks user/system");
        }
        spread(u, user);
        spread(s, system);
        return new CpuUsage(user, system);
    }

    /**
     * The cgroup's total CPU time (its descendants' included), as a counter that moves whenever any of its threads
     * runs: v1 {@code cpuacct.usage} (ns), v2 {@code usage_usec} of {@code cpu.stat} (in ns here). Only compared
     * with itself, never shown. Missing or malformed: an exception, never a guess.
     */
    public long usageCounter(CgroupDir cpuacct) throws IOException {
        if (cpuacct.unified()) {
            Long usec = FlatKeyed.parse(fs.read(cpuacct.file("cpu.stat"))).get("usage_usec");
            if (usec == null) {
                throw new IOException("cpu.stat lacks usage_usec");
            }
            return usec * 1000;
        }
        return Long.parseLong(fs.read(cpuacct.file("cpuacct.usage")).trim());
    }

    private static int fold(CpuView view, int hostCpu) {
        int idx = view.indexOf(hostCpu);
        return idx >= 0 ? idx : hostCpu % view.count();
    }

    /** Splits a total so that each share only grows as the total grows and the shares sum to it. */
    static void spread(long total, long[] into) {
        int n = into.length;
        long base = total / n;
        long rest = total % n;
        for (int i = 0; i < n; i++) {
            into[i] = base + (i < rest ? 1 : 0);
        }
    }
}
