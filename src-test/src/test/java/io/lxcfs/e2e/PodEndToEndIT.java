package io.lxcfs.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeMount;
import io.lxcfs.testing.Command;
import io.lxcfs.testing.DaemonProcess;
import io.lxcfs.testing.RepoLayout;
import io.lxcfs.testing.RootAccess;
import io.lxcfs.testing.RuncContainer;
import io.lxcfs.testing.TestCgroup;
import io.lxcfs.testing.TestFiles;

/**
 * The whole path on one machine, no cluster: examples/pod.yaml goes through the built webhook (HTTPS, TLS mode local,
 * a real admission.k8s.io/v1 AdmissionReview), the returned JSON Patch is applied, and the mutated Pod is run the way a
 * kubelet would (pod cgroup with the pod's limits, one runc container per container with its own, every hostPath
 * volume bind-mounted where the pod says) next to the built node daemon serving a real FUSE mount. Inside each
 * container the usual tools must show that container's limits; the same pod without the annotation is left alone by
 * the webhook and sees the host.
 */
class PodEndToEndIT {

    /** Where the view is mounted in a container (docs/webhook.md): seven files and, by default, the CPU directory. */
    static final String CPU_DIRECTORY = "/sys/devices/system/cpu";
    static final Set<String> VIEW_PATHS = Set.of("/proc/meminfo", "/proc/cpuinfo", "/proc/stat", "/proc/uptime",
            "/proc/loadavg", "/proc/swaps", "/proc/diskstats", CPU_DIRECTORY);
    static final String NAMESPACE = "default";

    /**
     * What `kubectl exec <pod> -c <container> -- sh -c PROBE` prints, one @@-headed section per tool. The files are
     * read with busybox cat, the `cat` of busybox and Alpine images (it copies with sendfile(2), which stops at the
     * file's st_size), as a user's `kubectl exec demo -- cat /proc/meminfo` does.
     */
    static final String PROBE = String.join("; ",
            "echo @@meminfo", "busybox cat /proc/meminfo",
            "echo @@free", "free -k",
            "echo @@getconf", "getconf _NPROCESSORS_ONLN",
            "echo @@uptime", "uptime",
            "echo @@proc-uptime", "busybox cat /proc/uptime",
            "echo @@cpu-online", "busybox cat /sys/devices/system/cpu/online",
            "echo @@lscpu", "lscpu",
            "echo @@conf", "getconf _NPROCESSORS_CONF");

    static Path work;
    static Path rootfs;
    static DaemonProcess daemon;
    static LocalWebhook webhook;

    @BeforeAll
    static void startNode() throws Exception {
        RootAccess.assume();
        assumeTrue(!TestCgroup.V2, "reads the cgroup v1 files of the pod and its containers");
        assumeTrue(RuncContainer.available(), "needs runc");

        work = Files.createTempDirectory("lxcfs-e2e-");
        Path mountPath = Files.createDirectories(work.resolve("view"));
        // Independent start-ups in parallel: the two JVMs and the root filesystem.
        var daemonStart = CompletableFuture.supplyAsync(() -> call(() -> startReadyDaemon(mountPath)));
        var webhookStart = CompletableFuture.supplyAsync(() -> call(() -> LocalWebhook.start(mountPath.toString(), work)));
        try {
            rootfs = RuncContainer.makeRootfs(work.resolve("rootfs"));
        } finally {
            // Keep whatever started, so that stopNode() stops it even when the other failed.
            daemon = daemonStart.handle((d, e) -> d).join();
            webhook = webhookStart.handle((w, e) -> w).join();
        }
        daemonStart.join();
        webhookStart.join();
    }

    @AfterAll
    static void stopNode() throws Exception {
        List<Exception> failures = new ArrayList<>();
        for (AutoCloseable c : new AutoCloseable[] {webhook, daemon}) {
            try {
                if (c != null) {
                    c.close();
                }
            } catch (Exception e) {
                failures.add(e);
            }
        }
        if (work != null && !DaemonProcess.isMounted(work.resolve("view"))) {
            TestFiles.deleteTree(work);
        }
        if (!failures.isEmpty()) {
            throw failures.get(0);
        }
    }

    /** The node daemon, ready (its readiness probe reads a file through the mount) as the kubelet would see it. */
    static DaemonProcess startReadyDaemon(Path mountPath) throws Exception {
        DaemonProcess d = DaemonProcess.start(mountPath);
        try {
            d.awaitReady(DaemonProcess.START_TIMEOUT);
        } catch (Exception e) {
            d.close();
            throw e;
        }
        return d;
    }

    @Test
    void annotatedPodSeesEachContainersOwnLimitsThroughTheWebhooksVolumes() throws Exception {
        Pod manifest = LocalWebhook.loadPod(RepoLayout.root().resolve("examples/pod.yaml"));
        assertEquals("true", manifest.getMetadata().getAnnotations().get("lxcfs.io/enable"));

        LocalWebhook.Admission admission = webhook.admit(manifest, NAMESPACE);
        assertTrue(admission.response().getAllowed(), () -> "not allowed: " + admission.response());
        assertEquals("JSONPatch", admission.response().getPatchType());
        Pod pod = admission.pod();
        assertEquals("injected", pod.getMetadata().getAnnotations().get("lxcfs.io/status"));
        assertEquals("true", pod.getMetadata().getAnnotations().get("lxcfs.io/enable"), "other annotations kept");
        assertViewVolumes(pod, daemon.mountPath());

        long hostMemKb = hostMemTotalKb();
        int hostCpus = cpuCount(hostOnlineCpus());
        KubeletResources.Limits podLimits = KubeletResources.pod(pod);
        Map<String, Long> memKbByContainer = new HashMap<>();
        try (RuncPod running = RuncPod.start(scheduled(pod), rootfs, uniqueCgroupRoot(), work)) {
            long startedNanos = System.nanoTime();
            assertEquals(podLimits.memoryBytes().getAsLong(), readLong(TestCgroup.ROOT.resolve("memory" + parentOf(running.cgroupPath("app")))
                    .resolve("memory.limit_in_bytes")), "pod cgroup carries the sum of the containers' memory limits");
            for (Container c : pod.getSpec().getContainers()) {
                KubeletResources.Limits limits = KubeletResources.container(c);
                Path memoryCgroup = TestCgroup.ROOT.resolve("memory" + running.cgroupPath(c.getName()));
                assertEquals(limits.memoryBytes().getAsLong(), readLong(memoryCgroup.resolve("memory.limit_in_bytes")),
                        c.getName() + " runs in a cgroup with its own memory limit");

                long expectedMemKb = Math.min(hostMemKb, Math.min(limits.memoryBytes().getAsLong(),
                        podLimits.memoryBytes().getAsLong()) / 1024);
                double quota = Math.min(limits.cpuQuotaUs().getAsLong(), podLimits.cpuQuotaUs().getAsLong())
                        / (double) limits.cpuPeriodUs();
                int expectedCpus = Math.max(1, Math.min(hostCpus, (int) Math.ceil(quota)));
                assertNotEquals(hostMemKb, expectedMemKb, "the example's limits must differ from the host's to prove anything");
                memKbByContainer.put(c.getName(), expectedMemKb);

                Map<String, String> out = probe(running, c.getName());
                report(pod, c, out);
                String where = c.getName() + " (limits " + c.getResources().getLimits() + "): ";
                assertFalse(out.get("meminfo").isEmpty(), where + "busybox cat /proc/meminfo printed nothing (sendfile stops at st_size)");
                Map<String, Long> meminfo = meminfoKb(out.get("meminfo"));
                assertEquals(expectedMemKb, meminfo.get("MemTotal"), where + out.get("meminfo"));
                assertTrue(meminfo.get("MemFree") <= expectedMemKb && meminfo.get("MemAvailable") <= expectedMemKb, where + out.get("meminfo"));
                assertEquals(expectedMemKb, freeTotalKb(out.get("free")), where + out.get("free"));
                assertEquals(Integer.toString(expectedCpus), out.get("getconf"), where + "getconf _NPROCESSORS_ONLN");
                assertEquals(expectedCpus == 1 ? "0" : "0-" + (expectedCpus - 1), out.get("cpu-online"), where + "cpu online");
                // The CPU directory: lscpu and _NPROCESSORS_CONF count the container's CPUs, none off line.
                assertEquals(Integer.toString(expectedCpus), lscpuField(out.get("lscpu"), "CPU(s)"), where + out.get("lscpu"));
                assertFalse(out.get("lscpu").contains("Off-line"), where + out.get("lscpu"));
                assertEquals(Integer.toString(expectedCpus), out.get("conf"), where + "getconf _NPROCESSORS_CONF");
                double sinceStart = (System.nanoTime() - startedNanos) / 1e9;
                double containerUptime = firstField(out.get("proc-uptime"));
                assertTrue(containerUptime >= 0 && containerUptime < sinceStart + 10,
                        where + "uptime is the container's: " + out.get("proc-uptime") + " after " + sinceStart + " s");
                assertTrue(Pattern.compile("up\\s+0 min").matcher(out.get("uptime")).find(), where + out.get("uptime"));
            }
        }
        assertNotEquals(memKbByContainer.get("app"), memKbByContainer.get("log-shipper"), "each container has its own limit");
    }

    @Test
    void podWithoutTheAnnotationIsLeftAloneAndSeesTheHost() throws Exception {
        Pod manifest = LocalWebhook.loadPod(RepoLayout.root().resolve("examples/pod.yaml"));
        manifest.getMetadata().setName("lxcfs-demo-plain");
        manifest.getMetadata().getAnnotations().remove("lxcfs.io/enable");

        LocalWebhook.Admission admission = webhook.admit(manifest, NAMESPACE);
        assertTrue(admission.response().getAllowed());
        assertTrue(admission.patch().isEmpty(), () -> "patched: " + admission.patch());
        assertEquals(manifest, admission.pod());
        assertFalse(admission.pod().getSpec().getVolumes().stream().anyMatch(v -> v.getHostPath() != null));

        long hostMemKb = hostMemTotalKb();
        String hostOnline = hostOnlineCpus();
        double hostUptime = firstField(Files.readString(Path.of("/proc/uptime")));
        assumeTrue(hostUptime > 120, "host uptime must be distinguishable from a fresh container's");
        try (RuncPod running = RuncPod.start(scheduled(admission.pod()), rootfs, uniqueCgroupRoot(), work)) {
            for (Container c : admission.pod().getSpec().getContainers()) {
                Map<String, String> out = probe(running, c.getName());
                report(admission.pod(), c, out);
                String where = c.getName() + " (no view): ";
                assertEquals(hostMemKb, meminfoKb(out.get("meminfo")).get("MemTotal"), where + out.get("meminfo"));
                assertEquals(hostMemKb, freeTotalKb(out.get("free")), where + out.get("free"));
                assertEquals(Integer.toString(cpuCount(hostOnline)), out.get("getconf"), where + "getconf");
                assertEquals(hostOnline, out.get("cpu-online"), where + "cpu online");
                assertEquals(Integer.toString(cpuCount(hostOnline)), lscpuField(out.get("lscpu"), "CPU(s)"), where + out.get("lscpu"));
                assertEquals(hostUptime, firstField(out.get("proc-uptime")), 30, where + out.get("proc-uptime"));
                assertFalse(Pattern.compile("up\\s+0 min").matcher(out.get("uptime")).find(), where + out.get("uptime"));
            }
        }
    }

    /**
     * Each container mounts the seven view files and the CPU directory read-only from hostPath volumes (type File,
     * Directory) under the daemon's mount.
     */
    static void assertViewVolumes(Pod pod, Path mountPath) {
        Map<String, Volume> volumes = pod.getSpec().getVolumes().stream().collect(Collectors.toMap(Volume::getName, v -> v));
        assertTrue(volumes.containsKey("logs") && volumes.get("logs").getEmptyDir() != null, "the pod's own volume is kept");
        for (Container c : pod.getSpec().getContainers()) {
            Map<String, VolumeMount> byPath = new LinkedHashMap<>();
            c.getVolumeMounts().forEach(m -> byPath.put(m.getMountPath(), m));
            assertTrue(byPath.containsKey("/var/log/app"), c.getName() + " keeps its own mount");
            for (String path : VIEW_PATHS) {
                VolumeMount m = byPath.get(path);
                assertTrue(m != null && Boolean.TRUE.equals(m.getReadOnly()), c.getName() + ": read-only mount at " + path + " in " + byPath);
                Volume v = volumes.get(m.getName());
                assertTrue(v != null && v.getHostPath() != null, "hostPath volume " + m.getName());
                assertEquals(path.equals(CPU_DIRECTORY) ? "Directory" : "File", v.getHostPath().getType(), path);
                assertEquals(mountPath.resolve(path.substring(1)).toString(), v.getHostPath().getPath());
            }
        }
    }

    /** What the API server adds on persist: a uid (admission of a CREATE sees none). */
    static Pod scheduled(Pod admitted) {
        Pod pod = LocalWebhook.K8S.clone(admitted);
        assertNull(pod.getMetadata().getUid());
        pod.getMetadata().setUid(UUID.randomUUID().toString());
        pod.getMetadata().setNamespace(NAMESPACE);
        return pod;
    }

    static Map<String, String> probe(RuncPod pod, String container) throws Exception {
        Command.Result r = pod.exec(container, "sh", "-c", PROBE);
        assertEquals(0, r.exit(), () -> container + ": " + r + "\ncontainer log: " + logs(pod, container) + "\ndaemon log:\n" + daemon.log());
        Map<String, String> sections = RuncContainer.sections(r.stdout());
        assertEquals(Set.of("meminfo", "free", "getconf", "uptime", "proc-uptime", "cpu-online", "lscpu", "conf"), sections.keySet(), r.stdout());
        return sections;
    }

    /** The value of an lscpu line ({@code CPU(s):  1}). */
    static String lscpuField(String lscpu, String key) {
        return lscpu.lines().filter(l -> l.startsWith(key + ":")).map(l -> l.substring(key.length() + 1).trim()).findFirst()
                .orElseThrow(() -> new AssertionError("no " + key + " in\n" + lscpu));
    }

    /** One line per container in the build output: what the tools said. */
    static void report(Pod pod, Container c, Map<String, String> out) {
        Map<String, Long> meminfo = meminfoKb(out.get("meminfo"));
        System.out.printf("%s/%s limits %s: MemTotal %d kB, free total %d kB, getconf %s, cpu/online %s, /proc/uptime %s%n",
                pod.getMetadata().getName(), c.getName(), c.getResources().getLimits(), meminfo.get("MemTotal"),
                freeTotalKb(out.get("free")), out.get("getconf"), out.get("cpu-online"), out.get("proc-uptime"));
    }

    private static String logs(RuncPod pod, String container) {
        try {
            return pod.logs(container);
        } catch (Exception e) {
            return e.toString();
        }
    }

    static Map<String, Long> meminfoKb(String meminfo) {
        Map<String, Long> m = new HashMap<>();
        Matcher line = Pattern.compile("(?m)^([^:]+):\\s+(\\d+) kB$").matcher(meminfo);
        while (line.find()) {
            m.put(line.group(1), Long.parseLong(line.group(2)));
        }
        return m;
    }

    /** The "total" column of procps free's "Mem:" line. */
    static long freeTotalKb(String free) {
        Matcher m = Pattern.compile("(?m)^Mem:\\s+(\\d+)\\s").matcher(free);
        assertTrue(m.find(), free);
        return Long.parseLong(m.group(1));
    }

    static long hostMemTotalKb() throws Exception {
        return meminfoKb(Files.readString(Path.of("/proc/meminfo"))).get("MemTotal");
    }

    static String hostOnlineCpus() throws Exception {
        return Files.readString(Path.of("/sys/devices/system/cpu/online")).strip();
    }

    /** Size of a CPU list such as {@code 0-3,6}. */
    static int cpuCount(String list) {
        int n = 0;
        for (String part : list.split(",")) {
            String[] range = part.split("-");
            n += range.length == 1 ? 1 : Integer.parseInt(range[1]) - Integer.parseInt(range[0]) + 1;
        }
        return n;
    }

    static double firstField(String s) {
        return Double.parseDouble(s.strip().split("\\s+")[0]);
    }

    static long readLong(Path p) throws Exception {
        return Long.parseLong(Files.readString(p).strip());
    }

    static String parentOf(String cgroupPath) {
        return cgroupPath.substring(0, cgroupPath.lastIndexOf('/'));
    }

    /** Like a kubelet's --cgroup-root, unique per pod so that parallel runs and pods never share a directory. */
    static String uniqueCgroupRoot() {
        return "/lxcfs-e2e-" + UUID.randomUUID().toString().substring(0, 8);
    }

    interface Call<T> {
        T call() throws Exception;
    }

    private static <T> T call(Call<T> c) {
        try {
            return c.call();
        } catch (RuntimeException e) {
            throw e;
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}
