package io.lxcfs.webhook.core;

import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;

import io.lxcfs.crds.v1alpha1.ProcFileName;

/**
 * What a mutation injects: the node directory the daemon serves the view at, the files, whether
 * init containers get them, and how the CPU count reaches {@code /sys/devices/system/cpu}.
 */
public record MutationOptions(String mountPath, Set<ProcFileName> files, boolean initContainers, CpuMount cpuMount) {

    /**
     * {@code cpu_online} as the view's whole directory over {@code /sys/devices/system/cpu} (the default: the
     * container's CPUs only, for {@code lscpu}, {@code htop}, {@code mpstat}), or as the single
     * {@code online} file (the narrow mount).
     */
    public enum CpuMount { DIRECTORY, FILE }

    /** With the default CPU mount, the directory. */
    public MutationOptions(String mountPath, Set<ProcFileName> files, boolean initContainers) {
        this(mountPath, files, initContainers, CpuMount.DIRECTORY);
    }

    public MutationOptions {
        if (mountPath == null || mountPath.isBlank() || !mountPath.startsWith("/")) {
            throw new IllegalArgumentException("mountPath must be an absolute path, got '" + mountPath + "'");
        }
        while (mountPath.length() > 1 && mountPath.endsWith("/")) {
            mountPath = mountPath.substring(0, mountPath.length() - 1);
        }
        files = files == null || files.isEmpty() ? EnumSet.allOf(ProcFileName.class) : EnumSet.copyOf(files);
        files = Collections.unmodifiableSet(files);
        cpuMount = cpuMount == null ? CpuMount.DIRECTORY : cpuMount;
    }

    /** All eight files, init containers included, under {@code mountPath}. */
    public static MutationOptions all(String mountPath) {
        return new MutationOptions(mountPath, EnumSet.allOf(ProcFileName.class), true);
    }

    public MutationOptions withFiles(Set<ProcFileName> newFiles) {
        return new MutationOptions(mountPath, newFiles, initContainers, cpuMount);
    }

    public MutationOptions withInitContainers(boolean value) {
        return new MutationOptions(mountPath, files, value, cpuMount);
    }

    public MutationOptions withCpuMount(CpuMount value) {
        return new MutationOptions(mountPath, files, initContainers, value);
    }

    /** The mounts of the selected files, {@code cpu_online} as {@link #cpuMount} says. */
    public List<ViewMount> mounts() {
        List<ViewMount> out = new ArrayList<>();
        for (ProcFileName f : files) {
            out.add(f == ProcFileName.cpu_online && cpuMount == CpuMount.DIRECTORY ? cpuDirectory() : file(f));
        }
        return out;
    }

    /** Every mount a mutation may have added, whatever it selected (a pod mutated before keeps its volumes). */
    public List<ViewMount> allMounts() {
        List<ViewMount> out = new ArrayList<>();
        for (ProcFileName f : ProcFileName.values()) {
            out.add(file(f));
        }
        out.add(cpuDirectory());
        return out;
    }

    private ViewMount file(ProcFileName f) {
        return new ViewMount(f.volumeName(), f.containerPath(), hostPath(f), "File");
    }

    private ViewMount cpuDirectory() {
        return new ViewMount("lxcfs" + ViewMount.CPU_DIRECTORY.replace('/', '-'), ViewMount.CPU_DIRECTORY,
                ("/".equals(mountPath) ? "" : mountPath) + ViewMount.CPU_DIRECTORY, "Directory");
    }

    /** Host path of one file of the view, e.g. {@code /var/lib/lxcfs/proc/meminfo}. */
    public String hostPath(ProcFileName file) {
        return ("/".equals(mountPath) ? "" : mountPath) + file.containerPath();
    }
}
