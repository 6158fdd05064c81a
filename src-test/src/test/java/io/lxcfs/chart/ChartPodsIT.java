package io.lxcfs.chart;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.HttpURLConnection;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import javax.net.ssl.HttpsURLConnection;
import javax.net.ssl.SSLContext;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.admissionregistration.v1.MutatingWebhookConfiguration;
import io.fabric8.kubernetes.api.model.apps.DaemonSet;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.zjsonpatch.JsonPatch;
import io.lxcfs.testing.HttpsClient;

/**
 * The user journey from {@code helm template} to {@code kubectl exec} on one machine without a cluster or a registry:
 * the images are built by {@code scripts/build-images.sh} (what {@code make images} runs) from this build's jars, the
 * chart is rendered with helm-java, and its pods are run the way a kubelet would run them, with podman and runc
 * ({@link PodmanTranslation}: the pod spec as the chart wrote it, probes run by this test):
 * <ol>
 *   <li>the daemon pod of the DaemonSet (privileged, host PID namespace, its hostPath volumes, the view's parent with
 *       Bidirectional propagation) mounts the view, which appears on the host;</li>
 *   <li>the webhook pod of the Deployment (uid 65532, read-only root file system, its emptyDir, no capabilities, TLS
 *       from the Secret cert-manager would write) answers HTTPS on its pod IP;</li>
 *   <li>a demo pod (busybox from Debian's busybox-static, limits 256Mi / 500m, {@code lxcfs.io/enable: "true"}) is
 *       sent to it as an AdmissionReview, the JSON Patch applied, and the mutated pod run;</li>
 *   <li>{@code kubectl exec} in it: busybox {@code cat}, {@code top}, {@code uptime} show the container;</li>
 *   <li>a rollout as the DaemonSet's {@code maxSurge: 1} does it: a second daemon pod from a newly tagged image beside
 *       the first, then the first stopped, while readers in the demo pod never see a failed or wrong read.</li>
 * </ol>
 * Everything uses a mount path of its own, so that daemons of other checkouts on this machine are never adopted.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ChartPodsIT {
    static final String RUN = HexFormat.of().toHexDigits(ThreadLocalRandom.current().nextInt()).substring(0, 6);
    static final String REGISTRY = "localhost/lxcfs-k8s-it";
    static final String TAG = "it-" + RUN;
    static final String BUSYBOX = REGISTRY + "/busybox:" + TAG;
    static final String DEMO_NAMESPACE = "default";

    static Path work;
    static Path viewParent;
    static String mountPath;
    static boolean viewParentBound;
    static final List<PodmanPod> pods = new ArrayList<>();
    static final List<String> images = new ArrayList<>();
    static Chart.Rendered rendered;
    static PodmanPod daemon;
    static PodmanPod webhook;
    static PodmanPod demo;
    static Map<String, byte[]> tlsSecret;
    static String serviceDns;

    @BeforeAll
    static void buildImages() throws Exception {
        assumeTrue("root".equals(System.getProperty("user.name")), "needs root");
        assumeTrue(Files.exists(Path.of("/dev/fuse")), "needs /dev/fuse");
        assumeTrue(Stream.of("/usr/bin/podman", "/usr/local/bin/podman").anyMatch(p -> Files.isExecutable(Path.of(p))),
                "needs podman (scripts/install-deps.sh installs it)");
        Path root = Chart.dir().getParent();
        String conf = PodmanPod.run(List.of("bash", root.resolve("scripts/podman-env.sh").toString(), "--print"),
                Duration.ofSeconds(30)).orThrow().stdout().strip();
        PodmanPod.ENV.put("CONTAINERS_CONF", conf.substring(conf.indexOf('=') + 1));

        work = Files.createTempDirectory("lxcfs-pods-" + RUN + "-");
        viewParent = Files.createDirectories(work.resolve("node-lib"));
        mountPath = viewParent.resolve("view").toString();
        // Bidirectional propagation needs a shared mount at the host side (`/` is private without systemd).
        sh("mount --bind '" + viewParent + "' '" + viewParent + "' && mount --make-shared '" + viewParent + "'");
        viewParentBound = true;

        long start = System.nanoTime();
        ProcessBuilder build = new ProcessBuilder("bash", root.resolve("scripts/build-images.sh").toString())
                .directory(root.toFile()).redirectErrorStream(true).redirectOutput(work.resolve("build-images.log").toFile());
        build.environment().putAll(PodmanPod.ENV);
        build.environment().putAll(Map.of("SKIP_MAVEN", "1", "IMAGE_REGISTRY", REGISTRY, "IMAGE_TAG", TAG,
                "CONTAINER_ENGINE", "podman"));
        // from scratch (no base image, no layer cache: a fresh CI machine) about 5 minutes here; cached about 15 s
        Process building = build.start();
        if (!building.waitFor(30, java.util.concurrent.TimeUnit.MINUTES)) {
            building.destroyForcibly().waitFor();
            throw new AssertionError("scripts/build-images.sh did not finish in 30 minutes:\n"
                    + Files.readString(work.resolve("build-images.log")));
        }
        int rc = building.exitValue();
        images.add(REGISTRY + "/lxcfs-daemon:" + TAG);
        images.add(REGISTRY + "/lxcfs-webhook:" + TAG);
        String log = Files.readString(work.resolve("build-images.log"));
        assertEquals(0, rc, () -> "scripts/build-images.sh failed:\n" + log);
        System.out.printf("ChartPodsIT: images built in %.1f s%n%s%n", (System.nanoTime() - start) / 1e9,
                log.lines().filter(l -> l.startsWith("built with") || l.startsWith("  " + REGISTRY)
                        || l.startsWith("make-base-image")).reduce("", (a, b) -> a + b + "\n"));

        // busybox from Debian's busybox-static: the binary and one symlink per applet, imported as an image
        Path bb = Files.createDirectories(work.resolve("busybox-rootfs/bin"));
        Path busybox = Stream.of("/bin/busybox", "/usr/bin/busybox").map(Path::of).filter(Files::isExecutable).findFirst()
                .orElseThrow(() -> new IllegalStateException("busybox-static is not installed"));
        Files.copy(busybox, bb.resolve("busybox"));
        for (String applet : PodmanPod.run(List.of(busybox.toString(), "--list"), Duration.ofSeconds(10)).orThrow()
                .stdout().split("\n")) {
            if (!applet.isBlank() && !applet.equals("busybox")) {
                Files.createSymbolicLink(bb.resolve(applet.strip()), Path.of("busybox"));
            }
        }
        Files.createDirectories(work.resolve("busybox-rootfs/tmp"));
        Files.createDirectories(work.resolve("busybox-rootfs/etc"));
        Files.writeString(work.resolve("busybox-rootfs/etc/passwd"), "root:x:0:0:root:/root:/bin/sh\n");
        sh("tar -C '" + work.resolve("busybox-rootfs") + "' -c . | podman import --change 'ENV PATH=/bin' - " + BUSYBOX);
        images.add(BUSYBOX);
    }

    @AfterAll
    static void cleanUp() throws Exception {
        List<PodmanPod> reversed = new ArrayList<>(pods);
        java.util.Collections.reverse(reversed);
        for (PodmanPod p : reversed) {
            p.close();
        }
        if (work == null) {
            return;
        }
        if (viewParentBound) {
            // the views stay mounted when a daemon stops (running containers keep using them): detach them, then the bind
            sh("for i in 1 2 3 4 5; do mountpoint -q '" + mountPath + "' || break; umount -l '" + mountPath + "'; done; "
                    + "umount -l '" + viewParent + "'");
        }
        for (String image : images) {
            PodmanPod.run(List.of("podman", "rmi", "--force", image), Duration.ofSeconds(60));
        }
        if (!isMounted(viewParent)) {
            try (Stream<Path> s = Files.walk(work)) {
                s.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }

    static Chart.Rendered render(String daemonTag) {
        return Chart.render(Chart.values("""
                mountPath: %s
                daemon:
                  image: {repository: %s/lxcfs-daemon, tag: %s}
                webhook:
                  image: {repository: %s/lxcfs-webhook, tag: %s}
                  policies: {enabled: false}
                  tls: {mode: cert-manager}
                """.formatted(mountPath, REGISTRY, daemonTag, REGISTRY, TAG)));
    }

    static JsonNode template(Object podTemplate) {
        return Chart.JSON.valueToTree(podTemplate);
    }

    // ---- 0. the README's podman save + ctr import of the images just built ---------------------------------------------------

    @Test
    @Order(0)
    void readmePodmanSaveAndCtrImportLoadBothImages() throws Exception {
        String save = ReadmeQuickStart.read().require("podman save ")
                .replace("ghcr.io/lxcfs-k8s/", REGISTRY + "/").replaceAll(":\\d+\\.\\d+\\.\\d+\\b", ":" + TAG);
        PodmanPod.run(List.of("sh", "-c", "cd '" + work + "' && " + save), Duration.ofSeconds(300)).orThrow();
        Path archive = work.resolve(save.replaceAll(".* -o (\\S+) .*", "$1"));
        String manifest = PodmanPod.run(List.of("tar", "-xOf", archive.toString(), "manifest.json"), Duration.ofSeconds(60))
                .orThrow().stdout();
        assertTrue(manifest.contains(REGISTRY + "/lxcfs-daemon:" + TAG) && manifest.contains(REGISTRY + "/lxcfs-webhook:" + TAG),
                "the archive ctr / kind import names both images: " + manifest);

        // the README's `sudo ctr -n k8s.io images import`, against a containerd of its own (own root, state, socket)
        String ctrImport = ReadmeQuickStart.read().require("sudo ctr -n k8s.io images import ");
        Path ctrd = Files.createDirectories(work.resolve("containerd"));
        Path socket = ctrd.resolve("containerd.sock");
        Files.writeString(ctrd.resolve("config.toml"), """
                version = 2
                root = "%1$s/root"
                state = "%1$s/state"
                disabled_plugins = ["io.containerd.grpc.v1.cri"]
                [grpc]
                  address = "%2$s"
                [ttrpc]
                  address = "%2$s.ttrpc"
                [metrics]
                  address = ""
                """.formatted(ctrd, socket));
        Process containerd = new ProcessBuilder("containerd", "--config", ctrd.resolve("config.toml").toString())
                .redirectErrorStream(true).redirectOutput(ctrd.resolve("containerd.log").toFile()).start();
        try {
            long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
            while (!Files.exists(socket) && containerd.isAlive() && System.nanoTime() < deadline) {
                Thread.sleep(50);
            }
            assertTrue(Files.exists(socket), () -> "containerd did not start: " + read(ctrd.resolve("containerd.log")));
            String command = ctrImport.replaceFirst("^sudo ctr ", "ctr --address '" + socket + "' ");
            PodmanPod.run(List.of("sh", "-c", "cd '" + work + "' && " + command), Duration.ofSeconds(300)).orThrow();
            String listed = PodmanPod.run(List.of("ctr", "--address", socket.toString(), "-n", "k8s.io", "images", "ls", "-q"),
                    Duration.ofSeconds(60)).orThrow().stdout();
            assertTrue(listed.contains(REGISTRY + "/lxcfs-daemon:" + TAG) && listed.contains(REGISTRY + "/lxcfs-webhook:" + TAG),
                    "containerd has both images in the kubelet's namespace: " + listed);
        } finally {
            containerd.destroy();
            if (!containerd.waitFor(30, java.util.concurrent.TimeUnit.SECONDS)) {
                containerd.destroyForcibly().waitFor();
            }
            sh("grep -o ' " + ctrd + "/[^ ]*' /proc/self/mountinfo | sort -r | xargs -r -n1 umount -l; true");
        }
        Files.delete(archive);
    }

    static String read(Path p) {
        try {
            return Files.readString(p);
        } catch (IOException e) {
            return e.toString();
        }
    }

    // ---- 1. the daemon pod ---------------------------------------------------------------------------------------

    @Test
    @Order(1)
    void daemonPodAsTheDaemonSetSaysMountsTheViewOnTheHost() throws Exception {
        rendered = render(TAG);
        DaemonSet ds = rendered.one(DaemonSet.class);
        PodmanTranslation.Plan plan = PodmanTranslation.translate(template(ds.getSpec().getTemplate()),
                ds.getMetadata().getName() + "-" + RUN + "a", Chart.NAMESPACE, Map.of());
        assertEquals(REGISTRY + "/lxcfs-daemon:" + TAG, plan.image());
        assertTrue(plan.runOptions().containsAll(List.of("--privileged", "--pid=host")), plan.runOptions().toString());
        assertEquals(List.of(viewParent.toString()), plan.sharedHostPaths(), "the view's parent is Bidirectional");
        assertTrue(plan.runOptions().contains("--env=LXCFS_MOUNT_PATH=" + mountPath), plan.runOptions().toString());
        daemon = startPod(plan, "daemon-1", Map.of());
        daemon.awaitProbe("startupProbe");
        daemon.awaitProbe("readinessProbe");
        daemon.awaitProbe("livenessProbe");
        // the mount made inside the pod is on the host (propagation), serving the host's view to host processes
        String hostMeminfo = Files.readString(Path.of(mountPath, "proc/meminfo"));
        assertTrue(hostMeminfo.startsWith("MemTotal:"), hostMeminfo);
        assertTrue(Files.readString(Path.of("/proc/self/mountinfo")).contains(" " + mountPath + " "),
                "the view is mounted on the host at " + mountPath);
    }

    // ---- 2. the webhook pod --------------------------------------------------------------------------------------

    @Test
    @Order(2)
    void webhookPodAsTheDeploymentSaysAnswersHttpsOnItsPodIp() throws Exception {
        Deployment dep = rendered.one(Deployment.class);
        MutatingWebhookConfiguration mwc = rendered.one(MutatingWebhookConfiguration.class);
        var service = mwc.getWebhooks().get(0).getClientConfig().getService();
        serviceDns = service.getName() + "." + service.getNamespace() + ".svc";
        JsonNode pod = template(dep.getSpec().getTemplate());
        String secretName = pod.at("/spec/volumes").findValue("secretName").asText();
        tlsSecret = TestCertificates.secret(work.resolve("ca"), List.of(serviceDns, serviceDns + ".cluster.local"));
        PodmanTranslation.Plan plan = PodmanTranslation.translate(pod, dep.getMetadata().getName() + "-" + RUN + "b",
                Chart.NAMESPACE, Map.of("tmp", work.resolve("webhook-tmp").toString(),
                        "tls", work.resolve("webhook-tls").toString()));
        webhook = startPod(plan, "webhook", Map.of(secretName, tlsSecret));
        webhook.awaitProbe("startupProbe");
        webhook.awaitProbe("readinessProbe");

        JsonNode c = PodmanPod.inspect(webhook.container);
        assertEquals("65532:65532", c.at("/Config/User").asText());
        assertTrue(c.at("/HostConfig/ReadonlyRootfs").asBoolean());
        // inside, as the process sees it
        assertEquals("65532 65532", webhook.exec("sh", "-c", "echo $(id -u) $(id -g)").orThrow().stdout().strip());
        assertEquals("CapEff:\t0000000000000000", webhook.exec("grep", "CapEff", "/proc/1/status").orThrow().stdout().strip());
        assertNotEquals(0, webhook.exec("touch", "/opt/lxcfs-webhook/x").exit(), "root file system is read-only");
        assertEquals(0, webhook.exec("touch", "/tmp/x").exit(), "the emptyDir at /tmp is writable");
        int targetPort = targetPort(rendered, service.getName(), plan);
        assertTrue(webhook.listens(targetPort), "webhook listens on its pod IP, port " + targetPort);
    }

    static int targetPort(Chart.Rendered r, String serviceName, PodmanTranslation.Plan plan) {
        Service svc = r.named(Service.class, serviceName).orElseThrow();
        var target = svc.getSpec().getPorts().get(0).getTargetPort();
        if (target.getIntVal() != null) {
            return target.getIntVal();
        }
        return plan.probes().values().stream().filter(p -> p.scheme().equals("HTTPS")).findFirst().orElseThrow().port();
    }

    // ---- 3. the demo pod through the webhook --------------------------------------------------------------------

    @Test
    @Order(3)
    void demoPodIsMutatedByTheWebhookPodAndRuns() throws Exception {
        assertNotNull(webhook, "webhook pod");
        // the README's `kubectl run demo ...`, with the busybox image made here
        ObjectNode pod = ReadmeQuickStart.read().demoPod();
        ((ObjectNode) pod.at("/spec/containers/0")).put("image", BUSYBOX);
        // a kubelet would mount the default service account's token; there is no API server to issue one here
        ((ObjectNode) pod.get("spec")).put("automountServiceAccountToken", false);
        MutatingWebhookConfiguration mwc = rendered.one(MutatingWebhookConfiguration.class);
        String path = mwc.getWebhooks().get(0).getClientConfig().getService().getPath();
        int port = targetPort(rendered, mwc.getWebhooks().get(0).getClientConfig().getService().getName(), webhook.plan);
        long sent = System.nanoTime();
        JsonNode response = admit(URI.create("https://" + webhook.ip() + ":" + port + path), pod);
        System.out.printf("ChartPodsIT: first admission answered in %.0f ms%n", (System.nanoTime() - sent) / 1e6);
        assertTrue(response.path("allowed").asBoolean(), response.toString());
        assertEquals("JSONPatch", response.path("patchType").asText(), response.toString());
        JsonNode patch = Chart.JSON.readTree(Base64.getDecoder().decode(response.path("patch").asText()));
        JsonNode mutated = JsonPatch.apply(patch, pod);
        assertEquals("injected", mutated.at("/metadata/annotations/lxcfs.io~1status").asText());
        assertEquals(mountPath + "/proc/meminfo", mutated.at("/spec/volumes").findValues("path").stream()
                .map(JsonNode::asText).filter(p -> p.endsWith("/proc/meminfo")).findFirst().orElse(""));

        PodmanTranslation.Plan plan = PodmanTranslation.translate(mutated, pod.at("/metadata/name").asText(),
                DEMO_NAMESPACE, Map.of());
        assertTrue(plan.runOptions().contains("--volume=" + mountPath + "/proc/meminfo:/proc/meminfo:ro,rprivate"),
                plan.runOptions().toString());
        demo = startPod(plan, "demo", Map.of());
        assertTrue(demo.running(), demo.logs());
    }

    /** Plays the API server: an admission.k8s.io/v1 AdmissionReview over TLS for the Service's DNS name. */
    static JsonNode admit(URI url, JsonNode pod) throws Exception {
        ObjectNode review = Chart.JSON.createObjectNode();
        review.put("apiVersion", "admission.k8s.io/v1").put("kind", "AdmissionReview");
        ObjectNode req = review.putObject("request");
        String uid = UUID.randomUUID().toString();
        req.put("uid", uid);
        req.putObject("kind").put("group", "").put("version", "v1").put("kind", "Pod");
        req.putObject("resource").put("group", "").put("version", "v1").put("resource", "pods");
        req.set("requestKind", req.get("kind"));
        req.set("requestResource", req.get("resource"));
        req.put("name", pod.at("/metadata/name").asText()).put("namespace", DEMO_NAMESPACE).put("operation", "CREATE");
        req.putObject("userInfo").put("username", "kubernetes-admin");
        req.set("object", pod);
        req.put("dryRun", false);

        SSLContext ctx = HttpsClient.trusting(new String(tlsSecret.get("ca.crt"), StandardCharsets.US_ASCII));
        HttpsURLConnection c = (HttpsURLConnection) url.toURL().openConnection();
        c.setSSLSocketFactory(ctx.getSocketFactory());
        // The API server connects to the pod behind the Service and checks the certificate for the Service's name.
        c.setHostnameVerifier((host, session) -> {
            try {
                X509Certificate leaf = (X509Certificate) session.getPeerCertificates()[0];
                return leaf.getSubjectAlternativeNames().stream().anyMatch(san -> serviceDns.equals(san.get(1)));
            } catch (Exception e) {
                return false;
            }
        });
        // generous: the first admission loads and compiles the mutation code, and this machine's 2 CPUs are shared
        c.setConnectTimeout(10_000);
        c.setReadTimeout(60_000);
        c.setRequestMethod("POST");
        c.setDoOutput(true);
        c.setRequestProperty("Content-Type", "application/json");
        try (OutputStream out = c.getOutputStream()) {
            out.write(Chart.JSON.writeValueAsBytes(review));
        }
        assertEquals(200, c.getResponseCode(), () -> "webhook answered " + status(c) + "\n" + webhook.logs());
        JsonNode answer;
        try (InputStream in = c.getInputStream()) {
            answer = Chart.JSON.readTree(in);
        }
        assertEquals(uid, answer.at("/response/uid").asText());
        return answer.get("response");
    }

    private static String status(HttpURLConnection c) {
        try {
            return c.getResponseCode() + " " + new String(c.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException | RuntimeException e) {
            return e.toString();
        }
    }

    // ---- 4. kubectl exec in the demo pod -------------------------------------------------------------------------

    @Test
    @Order(4)
    void busyboxCatShowsTheLimits() throws Exception {
        assertNotNull(demo, "demo pod");
        String meminfo = demo.exec("cat", "/proc/meminfo").orThrow().stdout();
        assertTrue(Pattern.compile("(?m)^MemTotal:\\s+262144 kB$").matcher(meminfo).find(),
                "busybox cat /proc/meminfo (sendfile up to st_size): [" + meminfo + "]");
        assertEquals("0", demo.exec("cat", "/sys/devices/system/cpu/online").orThrow().stdout().strip(),
                "busybox cat /sys/devices/system/cpu/online");
    }

    @Test
    @Order(5)
    void topAndUptimeShowTheContainer() throws Exception {
        assertNotNull(demo, "demo pod");
        // busybox top: "Mem: <used>K used, <free>K free, ..." from /proc/meminfo; used + free = MemTotal
        String top = demo.exec("top", "-bn1").orThrow().stdout();
        Matcher mem = Pattern.compile("(?m)^Mem: (\\d+)K used, (\\d+)K free").matcher(top);
        assertTrue(mem.find(), top);
        assertEquals(262144, Long.parseLong(mem.group(1)) + Long.parseLong(mem.group(2)), top);
        assertTrue(Pattern.compile("(?m)^\\s*1\\s.*sleep 3600").matcher(top).find(), "top lists the container's processes: " + top);

        // The container's uptime through the view: seconds since the container started, not the host's.
        double hostUptime = Double.parseDouble(Files.readString(Path.of("/proc/uptime")).split("\\s+")[0]);
        String procUptime = demo.exec("head", "-n1", "/proc/uptime").orThrow().stdout();
        double containerUptime = Double.parseDouble(procUptime.strip().split("\\s+")[0]);
        assertTrue(containerUptime < 600 && containerUptime < hostUptime - 60,
                "container " + containerUptime + " s, host " + hostUptime + " s");
        // busybox top's "Load average:" line is the container's /proc/loadavg (sampled every few seconds, so read
        // it before and after)
        String loadBefore = loadFields(demo.exec("head", "-n1", "/proc/loadavg").orThrow().stdout());
        String topLoad = demo.exec("top", "-bn1").orThrow().stdout().lines().filter(l -> l.startsWith("Load average:"))
                .findFirst().orElseThrow(() -> new AssertionError("no load average in top")).substring(13).strip();
        String loadAfter = loadFields(demo.exec("head", "-n1", "/proc/loadavg").orThrow().stdout());
        assertTrue(loadFields(topLoad).equals(loadBefore) || loadFields(topLoad).equals(loadAfter),
                "top: " + topLoad + ", container's /proc/loadavg: " + loadBefore + " / " + loadAfter);

        // busybox uptime takes uptime and load from sysinfo(2), which no file view changes: it shows the host's uptime
        // (measured: the same with /proc/uptime and /proc/loadavg bind-mounted from other files). Asserted as such;
        // procps uptime, which reads /proc/uptime, shows the container's (PodEndToEndIT).
        String uptime = demo.exec("uptime").orThrow().stdout();
        double hostMinutes = Double.parseDouble(Files.readString(Path.of("/proc/uptime")).split("\\s+")[0]) / 60;
        Matcher up = Pattern.compile("up\\s+(?:(\\d+) days?,\\s*)?(?:(\\d+):(\\d+)|(\\d+) min)").matcher(uptime);
        assertTrue(up.find(), uptime);
        long shown = (up.group(1) == null ? 0 : Long.parseLong(up.group(1)) * 1440)
                + (up.group(4) != null ? Long.parseLong(up.group(4))
                        : Long.parseLong(up.group(2)) * 60 + Long.parseLong(up.group(3)));
        assertTrue(Math.abs(shown - hostMinutes) <= 2, "busybox uptime (sysinfo) is the host's " + hostMinutes
                + " min: " + uptime);
    }

    static String loadFields(String loadavg) {
        String[] f = loadavg.strip().split("[\\s,]+");
        return f[0] + " " + f[1] + " " + f[2];
    }

    // ---- 5. rollout ----------------------------------------------------------------------------------------------

    @Test
    @Order(6)
    void rolloutToANewlyTaggedImageFailsNoRead() throws Exception {
        assertNotNull(demo, "demo pod");
        assertNotNull(daemon, "first daemon pod");
        DaemonSet ds = rendered.one(DaemonSet.class);
        var rolling = ds.getSpec().getUpdateStrategy().getRollingUpdate();
        assertEquals("RollingUpdate", ds.getSpec().getUpdateStrategy().getType());
        assertEquals(1, rolling.getMaxSurge().getIntVal(), "maxSurge: 1 (the new pod starts beside the old one)");
        assertEquals(0, rolling.getMaxUnavailable().getIntVal());

        String tag2 = TAG + "-next";
        PodmanPod.run(List.of("podman", "tag", REGISTRY + "/lxcfs-daemon:" + TAG, REGISTRY + "/lxcfs-daemon:" + tag2),
                Duration.ofSeconds(30)).orThrow();
        images.add(REGISTRY + "/lxcfs-daemon:" + tag2);
        DaemonSet next = render(tag2).one(DaemonSet.class);
        PodmanTranslation.Plan plan = PodmanTranslation.translate(template(next.getSpec().getTemplate()),
                next.getMetadata().getName() + "-" + RUN + "c", Chart.NAMESPACE, Map.of());
        assertEquals(REGISTRY + "/lxcfs-daemon:" + tag2, plan.image());

        // readers in the demo pod for the whole rollout: each round reads meminfo and cpu/online (read(2) readers)
        Path out = work.resolve("readers.log");
        Process readers = demo.execInBackground(out, "sh", "-c", """
                ok=0; bad=0
                while [ ! -e /tmp/stop ]; do
                  if grep -q '^MemTotal: *262144 kB$' /proc/meminfo && [ "$(head -c1 /sys/devices/system/cpu/online)" = 0 ]
                  then ok=$((ok+1)); else bad=$((bad+1)); echo "failed read at $(date +%s)"; fi
                  [ $((ok % 20)) = 0 ] && echo "ok=$ok bad=$bad"
                done
                echo "done ok=$ok bad=$bad"
                """);
        try {
            awaitReads(out, 20);
            PodmanPod second = startPod(plan, "daemon-2", Map.of());
            second.awaitProbe("startupProbe");
            second.awaitProbe("readinessProbe"); // UP only after it took over the mount and re-attached the demo pod
            int before = reads(out);
            awaitReads(out, before + 20);
            // The first pod's keeper handed the connection over and runs a retired JVM: live, never ready.
            daemon.awaitProbe("livenessProbe");
            assertTrue(daemon.logs().contains("lxcfs-keeper: retired"), daemon.logs());
            assertNotEquals(200, daemon.probeOnce(daemon.plan.probes().get("readinessProbe")),
                    "the first daemon is retired (not ready) once the second took over");
            assertTrue(second.logs().contains("handed over by the previous daemon"), second.logs());
            assertEquals(0, daemon.stop(), "the first daemon exits 0 on SIGTERM\n" + daemon.logs());
            int afterStop = reads(out);
            awaitReads(out, afterStop + 40);
            second.awaitProbe("livenessProbe");
        } finally {
            demo.exec("touch", "/tmp/stop");
            readers.waitFor(60, java.util.concurrent.TimeUnit.SECONDS);
        }
        String log = Files.readString(out);
        Matcher done = Pattern.compile("done ok=(\\d+) bad=(\\d+)").matcher(log);
        assertTrue(done.find(), log);
        System.out.printf("ChartPodsIT: rollout: %s reads in the demo pod, %s failed%n", done.group(1), done.group(2));
        assertEquals("0", done.group(2), "failed reads during the rollout:\n" + log);
        assertTrue(Pattern.compile("(?m)^MemTotal:\\s+262144 kB$").matcher(
                demo.exec("head", "-n1", "/proc/meminfo").orThrow().stdout()).find(), "still the limit after the rollout");
    }

    static int reads(Path out) throws IOException {
        Matcher m = Pattern.compile("ok=(\\d+)").matcher(Files.readString(out));
        int n = 0;
        while (m.find()) {
            n = Integer.parseInt(m.group(1));
        }
        return n;
    }

    static void awaitReads(Path out, int atLeast) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(120).toNanos();
        while (reads(out) < atLeast) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("readers did not reach " + atLeast + " reads:\n" + Files.readString(out));
            }
            Thread.sleep(50);
        }
    }

    // ---- helpers -------------------------------------------------------------------------------------------------

    static PodmanPod startPod(PodmanTranslation.Plan plan, String role, Map<String, Map<String, byte[]>> secrets)
            throws Exception {
        PodmanPod p = PodmanPod.start(plan, "lxcfs-pods-" + RUN + "-" + role, secrets);
        pods.add(p);
        return p;
    }

    static void sh(String script) throws Exception {
        PodmanPod.run(List.of("sh", "-c", script), Duration.ofSeconds(120)).orThrow();
    }

    static boolean isMounted(Path p) throws IOException {
        return Files.readString(Path.of("/proc/self/mountinfo")).contains(" " + p + " ");
    }
}
