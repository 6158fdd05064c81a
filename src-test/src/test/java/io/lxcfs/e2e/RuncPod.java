package io.lxcfs.e2e;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.HostPathVolumeSource;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeMount;

/**
 * Runs a {@link Pod} the way a kubelet with the cgroupfs driver and runc would, on this machine's root filesystem
 * (every image maps to the busybox/procps/glibc tree of scripts/make-rootfs.sh; there is no registry): a pod-level
 * cgroup {@code <cgroupRoot>/kubepods/<qos>/pod<uid>} with the pod's limits, and one runc container per container at
 * {@code .../pod<uid>/<container id>} with its own memory limit and CFS quota, running the container's command.
 * Volumes come from the Pod object: a {@code hostPath} is bind-mounted at each mount's {@code mountPath} (read-only
 * when the mount says so) after the kubelet's {@code type} check; an {@code emptyDir} is a directory shared by the
 * pod's containers. {@link #exec} is {@code kubectl exec}. {@link #close()} deletes the containers, the cgroups and
 * the pod's directory, also after a failed start.
 */
final class RuncPod implements AutoCloseable {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String PATH = "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

    private final Pod pod;
    private final Path dir;
    private final Path runcRoot;
    private final Map<String, String> containerIds = new LinkedHashMap<>();
    private PodCgroup cgroup;

    private RuncPod(Pod pod, Path dir) {
        this.pod = pod;
        this.dir = dir;
        this.runcRoot = dir.resolve("runc");
    }

    /** Starts every container of {@code pod} (which must have a uid, as the API server assigns one). */
    static RuncPod start(Pod pod, Path rootfs, String cgroupRoot, Path parentDir) throws Exception {
        String uid = Objects.requireNonNull(pod.getMetadata().getUid(), "pod uid");
        RuncPod p = new RuncPod(pod, Files.createDirectories(parentDir.resolve("pod-" + uid)));
        try {
            String podPath = cgroupRoot + "/kubepods/" + KubeletResources.qosClass(pod).parent + "pod" + uid;
            p.cgroup = PodCgroup.create(podPath, KubeletResources.pod(pod));
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
        return cgroup.path() + "/" + id(container);
    }

    /** {@code kubectl exec <pod> -c <container> -- argv}: a process in the running container's namespaces and cgroup. */
    Command.Result exec(String container, String... argv) throws Exception {
        List<String> cmd = new ArrayList<>(List.of("runc", "--root", runcRoot.toString(), "exec", id(container)));
        cmd.addAll(List.of(argv));
        return Command.run(cmd, Duration.ofSeconds(30));
    }

    /** What the container's main process wrote (its stdout and stderr), like {@code kubectl logs}. */
    String logs(String container) throws Exception {
        Path log = dir.resolve(container + ".log");
        return Files.exists(log) ? Files.readString(log) : "";
    }

    private String id(String container) {
        String id = containerIds.get(container);
        if (id == null) {
            throw new IllegalArgumentException("no container " + container + " in pod " + pod.getMetadata().getName());
        }
        return id;
    }

    private void startContainer(Container c, Path rootfs) throws Exception {
        // Like containerd: 64 hex digits.
        byte[] random = new byte[32];
        ThreadLocalRandom.current().nextBytes(random);
        String id = HexFormat.of().formatHex(random);
        Path bundle = Files.createDirectories(dir.resolve(c.getName()));
        Command.run(List.of("runc", "spec", "--bundle", bundle.toString()), Duration.ofSeconds(30)).orThrow();
        Path configFile = bundle.resolve("config.json");
        ObjectNode config = (ObjectNode) JSON.readTree(configFile.toFile());
        configure(config, c, rootfs, cgroup.path() + "/" + id);
        JSON.writerWithDefaultPrettyPrinter().writeValue(configFile.toFile(), config);

        containerIds.put(c.getName(), id); // before starting: close() deletes it even if the start half-failed
        // -d: runc returns once the container runs; the container keeps the log file as its stdout and stderr.
        Process runc = new ProcessBuilder("runc", "--root", runcRoot.toString(), "run", "-d", "--bundle", bundle.toString(), id)
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                .redirectErrorStream(true)
                .redirectOutput(dir.resolve(c.getName() + ".log").toFile())
                .start();
        if (!runc.waitFor(60, TimeUnit.SECONDS)) {
            runc.destroyForcibly();
            throw new IllegalStateException("runc run -d " + c.getName() + " did not return");
        }
        if (runc.exitValue() != 0) {
            throw new IllegalStateException("runc run " + c.getName() + " exited " + runc.exitValue() + ": " + logs(c.getName()));
        }
    }

    private void configure(ObjectNode config, Container c, Path rootfs, String cgroupsPath) throws Exception {
        ObjectNode process = (ObjectNode) config.get("process");
        process.put("terminal", false);
        ArrayNode args = process.putArray("args");
        Stream.concat(list(c.getCommand()).stream(), list(c.getArgs()).stream()).forEach(args::add);
        if (args.isEmpty()) {
            throw new IllegalArgumentException("container " + c.getName() + " has no command (image entrypoints are unknown here)");
        }
        ArrayNode env = process.putArray("env");
        env.add(PATH).add("HOSTNAME=" + pod.getMetadata().getName());
        for (EnvVar e : list(c.getEnv())) {
            env.add(e.getName() + "=" + Objects.requireNonNullElse(e.getValue(), ""));
        }
        process.put("cwd", c.getWorkingDir() == null ? "/" : c.getWorkingDir());

        ((ObjectNode) config.get("root")).put("path", rootfs.toAbsolutePath().toString()).put("readonly", true);
        config.put("hostname", pod.getMetadata().getName());

        ObjectNode linux = (ObjectNode) config.get("linux");
        linux.put("cgroupsPath", cgroupsPath);
        KubeletResources.Limits limits = KubeletResources.container(c);
        ObjectNode resources = linux.has("resources") ? (ObjectNode) linux.get("resources") : linux.putObject("resources");
        if (limits.memoryBytes().isPresent()) {
            resources.putObject("memory").put("limit", limits.memoryBytes().getAsLong());
        }
        ObjectNode cpu = resources.putObject("cpu").put("shares", limits.cpuShares());
        if (limits.cpuQuotaUs().isPresent()) {
            cpu.put("quota", limits.cpuQuotaUs().getAsLong()).put("period", limits.cpuPeriodUs());
        }

        ArrayNode mounts = (ArrayNode) config.get("mounts");
        for (VolumeMount m : list(c.getVolumeMounts())) {
            if (m.getSubPath() != null && !m.getSubPath().isEmpty() || m.getSubPathExpr() != null && !m.getSubPathExpr().isEmpty()) {
                throw new IllegalArgumentException("subPath mounts are not supported here: " + m);
            }
            ObjectNode bind = mounts.addObject();
            bind.put("destination", m.getMountPath());
            bind.put("type", "bind");
            bind.put("source", volumeSource(volume(m.getName())).toString());
            bind.putArray("options").add("rbind").add(Boolean.TRUE.equals(m.getReadOnly()) ? "ro" : "rw");
        }
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
        for (String id : containerIds.values()) {
            // delete -f: SIGKILL to every process of the container, then remove its state and leaf cgroup.
            Command.Result r = Command.run(List.of("runc", "--root", runcRoot.toString(), "delete", "-f", id), Duration.ofSeconds(30));
            if (r.exit() != 0 && !r.stderr().contains("does not exist")) {
                problems.add("runc delete -f " + id + ": " + r.stderr().strip());
            }
        }
        containerIds.clear();
        if (cgroup != null) {
            try {
                cgroup.close();
            } catch (Exception e) {
                problems.add(e.getMessage());
            }
        }
        try (Stream<Path> s = Files.walk(dir)) {
            for (Path p : s.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
        if (!problems.isEmpty()) {
            throw new IllegalStateException("pod " + pod.getMetadata().getName() + " not fully cleaned up: " + problems);
        }
    }
}
