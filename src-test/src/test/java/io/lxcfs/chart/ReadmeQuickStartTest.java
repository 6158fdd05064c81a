package io.lxcfs.chart;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;

import io.fabric8.kubernetes.api.model.apps.DaemonSet;
import io.fabric8.kubernetes.api.model.apps.Deployment;

/**
 * The README's quick start agrees with what it installs: the images it saves are the ones {@code make images} tags and
 * the chart's defaults, the objects it waits for are the ones {@code helm install} with that release name and
 * namespace creates, and its demo pod is a valid pod with the limits the expected outputs assume. ChartPodsIT runs the
 * rest: make images (scripts/build-images.sh), podman save, the demo pod through the webhook, and the kubectl exec
 * commands.
 */
class ReadmeQuickStartTest {
    final ReadmeQuickStart quickStart = ReadmeQuickStart.read();

    @Test
    void imagesSavedAreTheOnesMakeImagesBuildsAndTheChartUses() throws Exception {
        assertTrue(quickStart.commands.contains("make images"), quickStart.commands.toString());
        String save = quickStart.require("podman save ");
        String appVersion = Files.readString(Chart.dir().resolve("Chart.yaml")).lines()
                .filter(l -> l.startsWith("appVersion:")).findFirst().orElseThrow().split(":", 2)[1].strip().replace("\"", "");
        Chart.Rendered r = Chart.render("{}");
        String daemonImage = r.one(DaemonSet.class).getSpec().getTemplate().getSpec().getContainers().get(0).getImage();
        String webhookImage = r.one(Deployment.class).getSpec().getTemplate().getSpec().getContainers().get(0).getImage();
        assertEquals("ghcr.io/lxcfs-k8s/lxcfs-daemon:" + appVersion, daemonImage);
        assertEquals("ghcr.io/lxcfs-k8s/lxcfs-webhook:" + appVersion, webhookImage);
        assertTrue(save.contains(" " + daemonImage) && save.contains(" " + webhookImage), save);
        assertTrue(save.contains(" -m "), "podman save of two images needs --multi-image-archive: " + save);
        // make images' defaults (scripts/build-images.sh): registry ghcr.io/lxcfs-k8s, tag = appVersion
        String script = Files.readString(Chart.dir().getParent().resolve("scripts/build-images.sh"));
        assertTrue(script.contains("registry=\"${IMAGE_REGISTRY:-ghcr.io/lxcfs-k8s}\""), "build-images.sh default registry");
        assertTrue(script.contains("appVersion"), "build-images.sh default tag");
        String archive = save.replaceAll(".* -o (\\S+) .*", "$1");
        assertTrue(quickStart.require("sudo ctr -n k8s.io images import ").endsWith(" " + archive));
        assertTrue(quickStart.require("kind load image-archive ").endsWith(" " + archive));
        assertEquals("IfNotPresent", r.one(DaemonSet.class).getSpec().getTemplate().getSpec().getContainers().get(0)
                .getImagePullPolicy(), "imported images are used without a pull");
    }

    @Test
    void objectsItWaitsForAreTheOnesTheChartCreates() {
        String install = quickStart.require("helm install ");
        Matcher m = Pattern.compile("^helm install (\\S+) ./chart -n (\\S+) --create-namespace$").matcher(install);
        assertTrue(m.find(), install);
        assertEquals(Chart.RELEASE, m.group(1), "Chart.render uses the README's release name");
        assertEquals(Chart.NAMESPACE, m.group(2));
        Chart.Rendered r = Chart.render("{}");
        String ns = "kubectl -n " + Chart.NAMESPACE + " rollout status ";
        assertEquals(List.of(ns + "daemonset/" + r.one(DaemonSet.class).getMetadata().getName(),
                ns + "deployment/" + r.one(Deployment.class).getMetadata().getName()),
                quickStart.commands.stream().filter(c -> c.contains(" rollout status ")).toList());
    }

    @Test
    void demoPodHasTheLimitsTheExpectedOutputsAssume() throws Exception {
        JsonNode pod = quickStart.demoPod();
        String name = pod.at("/metadata/name").asText();
        assertEquals("true", pod.at("/metadata/annotations/lxcfs.io~1enable").asText());
        assertEquals(1, pod.at("/spec/containers").size());
        assertEquals("256Mi", pod.at("/spec/containers/0/resources/limits/memory").asText()); // 262144 kB
        assertEquals("500m", pod.at("/spec/containers/0/resources/limits/cpu").asText());     // one CPU: "0"
        for (String c : List.of("kubectl get pod " + name + " ", "kubectl exec " + name + " -- cat /proc/meminfo",
                "kubectl exec " + name + " -- cat /sys/devices/system/cpu/online", "kubectl exec " + name + " -- top -bn1")) {
            quickStart.require(c);
        }
    }
}
