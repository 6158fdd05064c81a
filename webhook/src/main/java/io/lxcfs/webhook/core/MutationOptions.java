package io.lxcfs.webhook.core;

import java.util.Collections;
import java.util.EnumSet;
import java.util.Set;

import io.lxcfs.crds.v1alpha1.ProcFileName;

/**
 * What a mutation injects: the node directory the daemon serves the view at, the files, and whether
 * init containers get them.
 */
public record MutationOptions(String mountPath, Set<ProcFileName> files, boolean initContainers) {

    public static final String DEFAULT_MOUNT_PATH = "/var/lib/lxcfs";

    public MutationOptions {
        if (mountPath == null || mountPath.isBlank() || !mountPath.startsWith("/")) {
            throw new IllegalArgumentException("mountPath must be an absolute path, got '" + mountPath + "'");
        }
        while (mountPath.length() > 1 && mountPath.endsWith("/")) {
            mountPath = mountPath.substring(0, mountPath.length() - 1);
        }
        files = files == null || files.isEmpty() ? EnumSet.allOf(ProcFileName.class) : EnumSet.copyOf(files);
        files = Collections.unmodifiableSet(files);
    }

    /** All eight files, init containers included, under {@code mountPath}. */
    public static MutationOptions all(String mountPath) {
        return new MutationOptions(mountPath, EnumSet.allOf(ProcFileName.class), true);
    }

    public MutationOptions withFiles(Set<ProcFileName> newFiles) {
        return new MutationOptions(mountPath, newFiles, initContainers);
    }

    public MutationOptions withInitContainers(boolean value) {
        return new MutationOptions(mountPath, files, value);
    }

    /** Host path of one file of the view, e.g. {@code /var/lib/lxcfs/proc/meminfo}. */
    public String hostPath(ProcFileName file) {
        return ("/".equals(mountPath) ? "" : mountPath) + file.containerPath();
    }
}
