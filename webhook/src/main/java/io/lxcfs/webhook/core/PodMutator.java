package io.lxcfs.webhook.core;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeBuilder;
import io.fabric8.kubernetes.api.model.VolumeMount;
import io.fabric8.kubernetes.api.model.VolumeMountBuilder;

/**
 * The mutation of docs/kubernetes.md §2, as a pure function from a pod to the mutated pod.
 *
 * <ul>
 *   <li>one {@code hostPath} volume of {@code type: File} per selected file, named
 *       {@code lxcfs-proc-meminfo} ..., source {@code <mountPath>/proc/<name>}; {@code cpu_online} as the
 *       directory {@code <mountPath>/sys/devices/system/cpu} ({@code type: Directory}, volume
 *       {@code lxcfs-sys-devices-system-cpu}) by default, or as the single file
 *       {@code <mountPath>/sys/devices/system/cpu/online} ({@link MutationOptions.CpuMount#FILE});</li>
 *   <li>a read-only mount of each at its real path on every container and every native sidecar (an init
 *       container with {@code restartPolicy: Always}, which runs beside the containers), and on the other init
 *       containers when {@link MutationOptions#initContainers()};</li>
 *   <li>a container that already mounts one of the paths keeps its own mount for that path (for the CPU
 *       directory: its own mount of the directory, of {@code online} or of anything inside);</li>
 *   <li>a volume of the same name that already exists is kept as is (idempotent: mutating a
 *       mutated pod changes nothing);</li>
 *   <li>the annotation {@value #STATUS_ANNOTATION}={@value #STATUS_INJECTED}, other annotations
 *       untouched.</li>
 * </ul>
 * Nothing else in the pod changes. The input is never modified. Windows pods come back unchanged.
 */
public final class PodMutator {
    public static final String ENABLE_ANNOTATION = "lxcfs.io/enable";
    public static final String STATUS_ANNOTATION = "lxcfs.io/status";
    public static final String STATUS_INJECTED = "injected";

    private static final Pattern REPEATED_SLASHES = Pattern.compile("/{2,}");

    private PodMutator() {
    }

    /** Returns the mutated copy of {@code pod}; {@code pod} itself is not modified. */
    public static Pod mutate(Pod pod, MutationOptions options) {
        Pod out = new PodBuilder(pod).build();
        if (isWindows(pod) || out.getSpec() == null) {
            return out;
        }
        PodSpec spec = out.getSpec();
        Set<String> usedVolumes = new HashSet<>();
        spec.setContainers(mountAll(spec.getContainers(), options, usedVolumes, false));
        spec.setInitContainers(mountAll(spec.getInitContainers(), options, usedVolumes, !options.initContainers()));
        List<Volume> volumes = spec.getVolumes() == null ? new ArrayList<>() : new ArrayList<>(spec.getVolumes());
        Set<String> existing = new HashSet<>();
        volumes.forEach(v -> existing.add(v.getName()));
        for (ViewMount m : options.allMounts()) {
            if (usedVolumes.contains(m.volumeName()) && !existing.contains(m.volumeName())) {
                volumes.add(volume(m));
            }
        }
        spec.setVolumes(volumes);

        Map<String, String> annotations = out.getMetadata().getAnnotations() == null ? new LinkedHashMap<>()
                : new LinkedHashMap<>(out.getMetadata().getAnnotations());
        annotations.put(STATUS_ANNOTATION, STATUS_INJECTED);
        out.getMetadata().setAnnotations(annotations);
        return out;
    }

    /** {@code spec.os.name: windows}, or a node selector for {@code kubernetes.io/os: windows}. */
    public static boolean isWindows(Pod pod) {
        PodSpec spec = pod.getSpec();
        if (spec == null) {
            return false;
        }
        if (spec.getOs() != null && "windows".equalsIgnoreCase(spec.getOs().getName())) {
            return true;
        }
        Map<String, String> ns = spec.getNodeSelector();
        return ns != null && "windows".equalsIgnoreCase(ns.get("kubernetes.io/os"));
    }

    /** Whether an init container is a native sidecar: it keeps running beside the pod's containers. */
    public static boolean isNativeSidecar(Container initContainer) {
        return "Always".equals(initContainer.getRestartPolicy());
    }

    private static List<Container> mountAll(List<Container> containers, MutationOptions options, Set<String> used,
            boolean nativeSidecarsOnly) {
        if (containers == null) {
            return null;
        }
        List<Container> out = new ArrayList<>(containers.size());
        for (Container c : containers) {
            if (nativeSidecarsOnly && !isNativeSidecar(c)) {
                if (c.getVolumeMounts() != null) {
                    c.getVolumeMounts().forEach(m -> used.add(m.getName()));
                }
                out.add(c);
                continue;
            }
            List<VolumeMount> mounts = c.getVolumeMounts() == null ? new ArrayList<>()
                    : new ArrayList<>(c.getVolumeMounts());
            Set<String> paths = new HashSet<>();
            for (VolumeMount m : mounts) {
                paths.add(normalize(m.getMountPath()));
                used.add(m.getName()); // an lxcfs volume mounted by a previous pass stays needed
            }
            boolean changed = false;
            for (ViewMount m : options.mounts()) {
                if (paths.stream().noneMatch(m::clashesWith)) {
                    mounts.add(new VolumeMountBuilder().withName(m.volumeName())
                            .withMountPath(m.containerPath()).withReadOnly(true).build());
                    used.add(m.volumeName());
                    changed = true;
                }
            }
            if (changed) {
                c.setVolumeMounts(mounts); // c belongs to the deep copy made in mutate, not to the input pod
            }
            out.add(c);
        }
        return out;
    }

    private static Volume volume(ViewMount m) {
        return new VolumeBuilder().withName(m.volumeName())
                .withNewHostPath().withPath(m.hostPath()).withType(m.hostPathType()).endHostPath()
                .build();
    }

    private static String normalize(String path) {
        if (path == null) {
            return "";
        }
        // String.replaceAll compiles its pattern on every call; this runs for every mount of every container
        String p = path.contains("//") ? REPEATED_SLASHES.matcher(path).replaceAll("/") : path;
        while (p.length() > 1 && p.endsWith("/")) {
            p = p.substring(0, p.length() - 1);
        }
        return p;
    }
}
