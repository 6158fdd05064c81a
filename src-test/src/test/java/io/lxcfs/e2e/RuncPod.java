package io.lxcfs.e2e;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ThreadLocalRandom;
import java.util.stream.Stream;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.HostPathVolumeSource;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeMount;
import io.lxcfs.testing.Command;
import io.lxcfs.testing.RuncContainer;
import io.lxcfs.testing.TestCgroup;
import io.lxcfs.testing.TestFiles;

/**
 * Runs a {@link Pod} the way a kubelet with the cgroupfs driver and runc would, on this machine's root filesystem
 * (every image maps to the busybox/procps/glibc tree of scripts/make-rootfs.sh; there is no registry): a pod-level
 * cgroup {@code <cgroupRoot>/kubepods/<qos>/pod<uid>} with the pod's limits ({@link TestCgroup#at}), and one
 * {@link RuncContainer} per container at {@code .../pod<uid>/<container id>} with its own memory limit, CPU shares
 * and CFS quota, running the container's command. What this class adds to the harness is the pod's meaning:
 * volumes come from the Pod object (a {@code hostPath} is bind-mounted at each mount's {@code mountPath}, read-only
 * when the mount says so, after the kubelet's {@code type} check; an {@code emptyDir} is a directory shared by the
 * pod's containers), limits from {@link KubeletResources}. {@link #exec} is {@code kubectl exec}. {@link #close()}
 * deletes the containers, the cgroups and the pod's directory, also after a failed start.
 */
final class RuncPod implements AutoCloseable {

    private static final String PATH = "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

    private final Pod pod;
    private final Path dir;
    private final Map<String, RuncContainer> containers = new LinkedHashMap<>();
    private TestCgroup cgroup;

    private RuncPod(Pod pod, Path dir) {
        this.pod = pod;
        this.dir = dir;
    }

    /** Starts every container of {@code pod} (which must have a uid, as the API server assigns one). */
    static RuncPod start(Pod pod, Path rootfs, String cgroupRoot, Path parentDir) throws Exception {
        String uid = Objects.requireNonNull(pod.getMetadata().getUid(), "pod uid");
        RuncPod p = new RuncPod(pod, Files.createDirectories(parentDir.resolve("pod-" + uid)));
        try {
            String podPath = cgroupRoot + "/kubepods/" + KubeletResources.qosClass(pod).parent + "pod" + uid;
            p.cgroup = TestCgroup.at(podPath);
            KubeletResources.Limits limits = KubeletResources.pod(pod);
            if (limits.memoryBytes().isPresent()) {
                p.cgroup.memoryLimit(limits.memoryBytes().getAsLong());
            }
            p.cgroup.cpuShares(limits.cpuShares());
            if (limits.cpuQuotaUs().isPresent()) {
                p.cgroup.cpuQuota(limits.cpuQuotaUs().getAsLong(), limits.cpuPeriodUs());
            }
            for (Container c : pod.getSpec().getContainers()) {
                p.startContainer(c, rootfs);
            }
        } catch (Exception e) {
            p.close();
            throw e;
        }
        return p;
    }

    /** The absolute cgroup path (in every hierarchy) of a container. */
    String cgroupPath(String container) {
        return container(container).cgroupsPath();
    }

    /** {@code kubectl exec <pod> -c <container> -- argv}: a process in the running container's namespaces and cgroup. */
    Command.Result exec(String container, String... argv) throws Exception {
        return container(container).exec(argv);
    }

    /** What the container's main process wrote (its stdout and stderr), like {@code kubectl logs}. */
    String logs(String container) throws Exception {
        Path log = log(container);
        return Files.exists(log) ? Files.readString(log) : "";
    }

    private Path log(String container) {
        return dir.resolve(container + ".log");
    }

    private RuncContainer container(String name) {
        RuncContainer c = containers.get(name);
        if (c == null) {
            throw new IllegalArgumentException("no container " + name + " in pod " + pod.getMetadata().getName());
        }
        return c;
    }

    private void startContainer(Container c, Path rootfs) throws Exception {
        // Like containerd: 64 hex digits.
        byte[] random = new byte[32];
        ThreadLocalRandom.current().nextBytes(random);
        String id = HexFormat.of().formatHex(random);
        List<String> command = Stream.concat(list(c.getCommand()).stream(), list(c.getArgs()).stream()).toList();
        if (command.isEmpty()) {
            throw new IllegalArgumentException("container " + c.getName() + " has no command (image entrypoints are unknown here)");
        }
        List<String> env = new ArrayList<>(List.of(PATH, "HOSTNAME=" + pod.getMetadata().getName()));
        for (EnvVar e : list(c.getEnv())) {
            env.add(e.getName() + "=" + Objects.requireNonNullElse(e.getValue(), ""));
        }
        KubeletResources.Limits limits = KubeletResources.container(c);
        RuncContainer.Builder b = RuncContainer.builder(rootfs, c.getName()).id(id)
                .cgroupsPath(cgroup.path() + "/{id}")
                .workDir(dir.resolve(c.getName()))
                .command(command).env(env)
                .workingDir(c.getWorkingDir() == null ? "/" : c.getWorkingDir())
                .hostname(pod.getMetadata().getName())
                .cpuShares(limits.cpuShares());
        if (limits.memoryBytes().isPresent()) {
            b.memoryLimit(limits.memoryBytes().getAsLong());
        }
        if (limits.cpuQuotaUs().isPresent()) {
            b.cpuQuota(limits.cpuQuotaUs().getAsLong(), limits.cpuPeriodUs());
        }
        for (VolumeMount m : list(c.getVolumeMounts())) {
            if (m.getSubPath() != null && !m.getSubPath().isEmpty() || m.getSubPathExpr() != null && !m.getSubPathExpr().isEmpty()) {
                throw new IllegalArgumentException("subPath mounts are not supported here: " + m);
            }
            b.bind(volumeSource(volume(m.getName())), m.getMountPath(), Boolean.TRUE.equals(m.getReadOnly()));
        }
        RuncContainer container = b.create();
        containers.put(c.getName(), container); // before starting: close() deletes it even if the start half-failed
        container.startDetached(log(c.getName()));
    }

    private Volume volume(String name) {
        return list(pod.getSpec().getVolumes()).stream().filter(v -> v.getName().equals(name)).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("volumeMount of unknown volume " + name));
    }

    /** The host directory or file behind a volume, checked like the kubelet checks a hostPath's {@code type}. */
    private Path volumeSource(Volume v) throws Exception {
        if (v.getHostPath() != null) {
            HostPathVolumeSource hp = v.getHostPath();
            Path source = Path.of(hp.getPath());
            String type = hp.getType() == null ? "" : hp.getType();
            boolean ok = switch (type) {
                case "" -> true;
                case "File" -> Files.isRegularFile(source);
                case "Directory" -> Files.isDirectory(source);
                default -> throw new IllegalArgumentException("hostPath type " + type + " is not supported here");
            };
            if (!ok) {
                throw new IllegalStateException("MountVolume.SetUp failed for volume \"" + v.getName() + "\": hostPath type check failed: "
                        + source + " is not a " + type);
            }
            return source;
        }
        if (v.getEmptyDir() != null) {
            return Files.createDirectories(dir.resolve("volumes").resolve(v.getName()));
        }
        throw new IllegalArgumentException("volume " + v.getName() + ": only hostPath and emptyDir are supported here");
    }

    private static <T> List<T> list(List<T> l) {
        return l == null ? List.of() : l;
    }

    @Override
    public void close() throws Exception {
        List<String> problems = new ArrayList<>();
        for (RuncContainer c : containers.values()) {
            // delete -f: SIGKILL to every process of the container, then remove its state and leaf cgroup.
            Command.Result r = c.delete();
            if (r.exit() != 0 && !r.stderr().contains("does not exist")) {
                problems.add("runc delete -f " + c.id() + ": " + r.stderr().strip());
            }
            try {
                c.close();
            } catch (Exception e) {
                problems.add(e.toString());
            }
        }
        containers.clear();
        if (cgroup != null) {
            try {
                cgroup.close();
            } catch (Exception e) {
                problems.add(e.getMessage());
            }
        }
        TestFiles.deleteTree(dir);
        if (!problems.isEmpty()) {
            throw new IllegalStateException("pod " + pod.getMetadata().getName() + " not fully cleaned up: " + problems);
        }
    }
}
