package io.lxcfs.chart;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import io.fabric8.kubernetes.api.model.apps.DaemonSet;
import io.fabric8.kubernetes.api.model.apps.Deployment;

/** The pod-to-podman translation ChartPodsIT runs the chart's pods with: what it makes of the chart, and what it refuses. */
class PodmanTranslationTest {
    static final Map<String, String> DIRS = Map.of("tmp", "/w/tmp", "tls", "/w/tls");

    static JsonNode daemonPod(String values) {
        return Chart.JSON.valueToTree(Chart.render(values).one(DaemonSet.class).getSpec().getTemplate());
    }

    static JsonNode webhookPod(String values) {
        return Chart.JSON.valueToTree(Chart.render(values).one(Deployment.class).getSpec().getTemplate());
    }

    @Test
    void daemonPodIsPrivilegedInTheHostPidNamespaceWithItsVolumesAndEnv() {
        var plan = PodmanTranslation.translate(daemonPod("{}"), "d-1", "lxcfs-system", Map.of());
        List<String> o = plan.runOptions();
        assertTrue(o.containsAll(List.of("--privileged", "--pid=host", "--network=bridge", "--pull=never",
                "--volume=/sys/fs/cgroup:/sys/fs/cgroup:ro,rprivate", "--volume=/var/lib:/var/lib:rw,rshared",
                "--env=LXCFS_MOUNT_PATH=/var/lib/lxcfs", "--memory=201326592", "--cpu-shares=51", "--stop-timeout=30")), o.toString());
        assertEquals(List.of("/var/lib"), plan.sharedHostPaths());
        assertEquals(Map.of("startupProbe", 9440, "livenessProbe", 9440, "readinessProbe", 9440),
                Map.of("startupProbe", plan.probes().get("startupProbe").port(),
                        "livenessProbe", plan.probes().get("livenessProbe").port(),
                        "readinessProbe", plan.probes().get("readinessProbe").port()));
        assertEquals("/q/health/ready", plan.probes().get("readinessProbe").path());
        assertEquals(60, plan.probes().get("startupProbe").failureThreshold());
    }

    @Test
    void webhookPodRunsAsNonRootReadOnlyWithoutCapabilities() {
        var plan = PodmanTranslation.translate(webhookPod("webhook: {policies: {enabled: false}, tls: {mode: cert-manager}}"),
                "w-1", "lxcfs-system", DIRS);
        List<String> o = plan.runOptions();
        assertTrue(o.containsAll(List.of("--user=65532:65532", "--group-add=65532", "--read-only",
                "--read-only-tmpfs=false", "--cap-drop=ALL", "--security-opt=no-new-privileges",
                "--volume=/w/tmp:/tmp:rw,rprivate", "--volume=/w/tls:/etc/lxcfs-webhook/tls:ro,rprivate",
                "--env=LXCFS_WEBHOOK_NAMESPACE=lxcfs-system")), o.toString());
        assertTrue(o.stream().noneMatch(x -> x.startsWith("--pid") || x.equals("--privileged")), o.toString());
        assertEquals("HTTPS", plan.probes().get("readinessProbe").scheme());
    }

    @Test
    void webhookPodThatNeedsAServiceAccountTokenIsRefused() {
        // self-managed TLS talks to the API server: the kubelet would mount a token, which cannot be had here
        var e = assertThrows(PodmanTranslation.Untranslatable.class,
                () -> PodmanTranslation.translate(webhookPod("{}"), "w-1", "lxcfs-system", DIRS));
        assertTrue(e.getMessage().contains("automountServiceAccountToken"), e.getMessage());
    }

    @Test
    void anythingTheTranslationDoesNotKnowFailsWithItsPath() {
        ObjectNode pod = (ObjectNode) daemonPod("{}");
        ((ObjectNode) pod.at("/spec/containers/0")).putArray("envFrom").addObject().putObject("configMapRef").put("name", "x");
        var e = assertThrows(PodmanTranslation.Untranslatable.class,
                () -> PodmanTranslation.translate(pod, "d-1", "ns", Map.of()));
        assertTrue(e.getMessage().contains("spec.containers[daemon]") && e.getMessage().contains("envFrom"), e.getMessage());

        ObjectNode hostNet = (ObjectNode) daemonPod("{}");
        ((ObjectNode) hostNet.get("spec")).put("hostNetwork", true);
        assertThrows(PodmanTranslation.Untranslatable.class, () -> PodmanTranslation.translate(hostNet, "d", "ns", Map.of()));

        ObjectNode socket = (ObjectNode) daemonPod("{}");
        ((ObjectNode) socket.at("/spec/volumes/0/hostPath")).put("type", "Socket");
        var s = assertThrows(PodmanTranslation.Untranslatable.class,
                () -> PodmanTranslation.translate(socket, "d", "ns", Map.of()));
        assertTrue(s.getMessage().contains("Socket"), s.getMessage());

        ObjectNode fieldRef = (ObjectNode) webhookPod("webhook: {policies: {enabled: false}, tls: {mode: cert-manager}}");
        ((ObjectNode) fieldRef.at("/spec/containers/0/env/0/valueFrom/fieldRef")).put("fieldPath", "status.podIP");
        assertThrows(PodmanTranslation.Untranslatable.class, () -> PodmanTranslation.translate(fieldRef, "w", "ns", DIRS));
    }

    @Test
    void quantities() {
        assertEquals(268435456L, PodmanTranslation.bytes("256Mi"));
        assertEquals(500, PodmanTranslation.milliCpu("500m"));
        assertEquals(2000, PodmanTranslation.milliCpu("2"));
    }
}
