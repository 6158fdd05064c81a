package io.lxcfs.webhook.admission;

import static io.lxcfs.webhook.Fixtures.json;
import static io.lxcfs.webhook.Reviews.patchOf;
import static io.lxcfs.webhook.Reviews.podCreate;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.Arrays;

import jakarta.inject.Inject;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.Pod;
import io.lxcfs.testing.HttpsClient.Reply;
import io.lxcfs.testing.HttpsClient;
import io.lxcfs.webhook.Fixtures;
import io.lxcfs.webhook.config.WebhookConfig.Mode;
import io.lxcfs.webhook.tls.TlsManager;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;

/** /mutate over HTTPS with real AdmissionReview v1 bodies, without a Kubernetes API (local TLS mode). */
@QuarkusTest
class MutateEndpointTest {
    @TestHTTPResource(value = "/", tls = true)
    URL base;
    @Inject
    TlsManager tls;

    HttpsClient https;

    @BeforeEach
    void client() throws Exception {
        // trust exactly the CA the webhook wrote for local use (the file it logs)
        String ca = Files.readString(tls.localDir().resolve("ca.crt"));
        https = new HttpsClient(ca, URI.create(base.toString()));
    }

    JsonNode admit(ObjectNode review) {
        Reply r = https.post("/mutate", review.toString());
        assertEquals(200, r.status(), r.body());
        JsonNode out = r.json();
        assertEquals("admission.k8s.io/v1", out.get("apiVersion").asText());
        assertEquals("AdmissionReview", out.get("kind").asText());
        assertEquals(review.at("/request/uid").asText(), out.at("/response/uid").asText());
        assertTrue(out.at("/response/allowed").asBoolean());
        return out;
    }

    @Test
    void servesLocalSelfSignedCertificateWithoutACluster() {
        assertEquals(Mode.LOCAL, tls.effectiveMode());
        assertTrue(Files.isRegularFile(tls.localDir().resolve("ca.crt")));
    }

    @Test
    void annotatedPodGetsTheViewOnEveryContainer() {
        ObjectNode pod = json("deployment-pod.json");
        JsonNode out = admit(podCreate(pod, "shop"));
        assertEquals("JSONPatch", out.at("/response/patchType").asText());
        assertTrue(out.at("/response/warnings").isMissingNode());
        Pod patched = Fixtures.applyPatch(pod, patchOf(out));
        for (Container c : patched.getSpec().getContainers()) {
            for (String p : new String[] { "/proc/meminfo", "/proc/cpuinfo", "/proc/stat", "/proc/uptime",
                    "/proc/loadavg", "/proc/swaps", "/proc/diskstats", "/sys/devices/system/cpu" }) {
                assertTrue(Fixtures.mount(c, p).getReadOnly(), c.getName() + " " + p);
            }
        }
        assertEquals("injected", patched.getMetadata().getAnnotations().get("lxcfs.io/status"));

        // re-sent (reinvocation): nothing more to do
        JsonNode again = admit(podCreate(Fixtures.MAPPER.valueToTree(patched), "shop"));
        assertNull(patchOf(again));
    }

    @Test
    void initContainersAreMutatedToo() {
        ObjectNode pod = json("init-containers-pod.json");
        ((ObjectNode) pod.get("metadata")).putObject("annotations").put("lxcfs.io/enable", "true");
        Pod patched = Fixtures.applyPatch(pod, patchOf(admit(podCreate(pod, "data"))));
        for (Container c : patched.getSpec().getInitContainers()) {
            assertNotNull(Fixtures.mount(c, "/proc/meminfo"), c.getName());
        }
    }

    @Test
    void optOutAndUnannotatedPodsAreNotPatched() {
        ObjectNode pod = json("deployment-pod.json");
        ((ObjectNode) pod.at("/metadata/annotations")).put("lxcfs.io/enable", "false");
        JsonNode out = admit(podCreate(pod, "shop"));
        assertNull(patchOf(out));
        assertTrue(out.at("/response/patchType").isMissingNode());

        assertNull(patchOf(admit(podCreate(json("bare-pod.json"), "default"))));
    }

    @Test
    void invalidAnnotationValueGivesAWarningAndNoPatch() {
        ObjectNode pod = json("deployment-pod.json");
        ((ObjectNode) pod.at("/metadata/annotations")).put("lxcfs.io/enable", "yes");
        JsonNode out = admit(podCreate(pod, "shop"));
        assertNull(patchOf(out));
        assertEquals(1, out.at("/response/warnings").size());
        String w = out.at("/response/warnings/0").asText();
        assertTrue(w.contains("lxcfs.io/enable") && w.contains("\"true\" or \"false\"") && w.contains("yes"), w);
    }

    @Test
    void userNamespacePodGetsAWarningAndNoPatch() {
        ObjectNode pod = json("deployment-pod.json");
        ((ObjectNode) pod.at("/spec")).put("hostUsers", false);
        JsonNode out = admit(podCreate(pod, "shop"));
        assertTrue(out.at("/response/allowed").asBoolean());
        assertNull(patchOf(out));
        assertEquals(1, out.at("/response/warnings").size());
        String w = out.at("/response/warnings/0").asText();
        assertTrue(w.contains("hostUsers: false") && w.contains("FUSE_ALLOW_IDMAP"), w);
        String metrics = https.get("/q/metrics").body();
        assertTrue(metrics.matches("(?s).*lxcfs_webhook_skips_total\\{reason=\"user-namespace\"\\} [1-9].*"), metrics);
    }

    @Test
    void excludedNamespaceAndWindowsPodsPassThrough() {
        assertNull(patchOf(admit(podCreate(json("deployment-pod.json"), "kube-system"))));
        assertNull(patchOf(admit(podCreate(json("deployment-pod.json"), "lxcfs-system"))));
        assertNull(patchOf(admit(podCreate(json("windows-pod.json"), "win"))));
    }

    @Test
    void nonPodNonCreateAndDryRunRequestsPassThrough() {
        ObjectNode update = podCreate(json("deployment-pod.json"), "shop");
        ((ObjectNode) update.get("request")).put("operation", "UPDATE");
        assertNull(patchOf(admit(update)));

        ObjectNode dryRun = podCreate(json("deployment-pod.json"), "shop");
        ((ObjectNode) dryRun.get("request")).put("dryRun", true);
        assertNull(patchOf(admit(dryRun)));

        ObjectNode deployment = podCreate(json("deployment-pod.json"), "shop");
        ((ObjectNode) deployment.at("/request/kind")).put("group", "apps").put("kind", "Deployment");
        ((ObjectNode) deployment.get("request")).putObject("object").put("kind", "Deployment");
        assertNull(patchOf(admit(deployment)));

        ObjectNode binding = podCreate(json("deployment-pod.json"), "shop");
        ((ObjectNode) binding.get("request")).put("subResource", "binding");
        assertNull(patchOf(admit(binding)));
    }

    void assertBadRequest(Reply r, String messagePart) {
        assertEquals(400, r.status(), r.body());
        String msg = r.json().get("message").asText();
        assertTrue(msg.contains(messagePart), msg);
        assertFalse(r.body().contains("at io."), "no stack trace");
    }

    @Test
    void malformedBodiesAreAnswered400WithAMessage() {
        assertBadRequest(https.post("/mutate", ""), "empty request body");
        String good = podCreate(json("deployment-pod.json"), "shop").toString();
        assertBadRequest(https.post("/mutate", good.substring(0, good.length() / 2)), "malformed JSON");
        assertBadRequest(https.post("/mutate", good + "{}"), "trailing data");
        assertBadRequest(https.post("/mutate", "not json at all"), "malformed JSON");
        assertBadRequest(https.post("/mutate", "[1,2,3]"), "expected a JSON object");
        assertBadRequest(https.post("/mutate", "null"), "expected a JSON object");

        ObjectNode wrongKind = podCreate(json("bare-pod.json"), "default");
        wrongKind.put("kind", "Pod");
        assertBadRequest(https.post("/mutate", wrongKind.toString()), "expected apiVersion admission.k8s.io/v1 kind AdmissionReview");
        ObjectNode v1beta1 = podCreate(json("bare-pod.json"), "default");
        v1beta1.put("apiVersion", "admission.k8s.io/v1beta1");
        assertBadRequest(https.post("/mutate", v1beta1.toString()), "admission.k8s.io/v1beta1");

        ObjectNode noRequest = podCreate(json("bare-pod.json"), "default");
        noRequest.remove("request");
        assertBadRequest(https.post("/mutate", noRequest.toString()), "missing request");
        ObjectNode noUid = podCreate(json("bare-pod.json"), "default");
        ((ObjectNode) noUid.get("request")).remove("uid");
        assertBadRequest(https.post("/mutate", noUid.toString()), "request.uid");
        ObjectNode noObject = podCreate(json("bare-pod.json"), "default");
        ((ObjectNode) noObject.get("request")).remove("object");
        assertBadRequest(https.post("/mutate", noObject.toString()), "request.object");
        ObjectNode badPod = podCreate(json("bare-pod.json"), "default");
        ((ObjectNode) badPod.at("/request/object/spec")).put("containers", "not-a-list");
        assertBadRequest(https.post("/mutate", badPod.toString()), "not a valid Pod");

        String deep = "[".repeat(5000) + "]".repeat(5000);
        assertBadRequest(https.post("/mutate", deep), "malformed JSON");
        assertBadRequest(https.post("/mutate", "application/json",
                new byte[] { (byte) 0xff, (byte) 0xfe, 0, 0x7b }), "malformed JSON");
    }

    @Test
    void hugeBodyIsRefusedWithoutA500() {
        byte[] huge = new byte[4 * 1024 * 1024];
        Arrays.fill(huge, (byte) ' ');
        huge[0] = '{';
        huge[huge.length - 1] = '}';
        assertBadRequest(https.post("/mutate", "application/json", huge), "over the limit of 3145728 bytes");

        // a big but legal pod (2,000 annotations) still works
        ObjectNode pod = json("deployment-pod.json");
        ObjectNode ann = (ObjectNode) pod.at("/metadata/annotations");
        for (int i = 0; i < 2000; i++) {
            ann.put("example.com/key-" + i, "v".repeat(200));
        }
        JsonNode out = admit(podCreate(pod, "shop"));
        assertNotNull(patchOf(out));
    }

    @Test
    void otherMethodsAndContentTypesAreClientErrors() {
        Reply get = https.get("/mutate");
        assertTrue(get.status() >= 400 && get.status() < 500, "GET: " + get.status());
        // the API server always sends application/json, but the content type is not what makes a request valid
        Reply text = https.post("/mutate", "text/plain",
                podCreate(json("deployment-pod.json"), "shop").toString().getBytes(StandardCharsets.UTF_8));
        assertEquals(200, text.status());
    }

    @Test
    void healthAndMetrics() {
        admit(podCreate(json("deployment-pod.json"), "shop"));
        https.post("/mutate", "");
        assertEquals(200, https.get("/q/health/ready").status());
        assertEquals(200, https.get("/q/health/live").status());
        String metrics = https.get("/q/metrics").body();
        assertTrue(metrics.contains("lxcfs_webhook_admissions_total{outcome=\"mutated\"}"), metrics);
        assertTrue(metrics.contains("lxcfs_webhook_admissions_total{outcome=\"rejected\"}"));
        assertTrue(metrics.contains("lxcfs_webhook_mutations_total"));
        assertTrue(metrics.contains("lxcfs_webhook_skips_total{reason=\"not-selected\"}"));
        assertTrue(metrics.contains("lxcfs_webhook_warnings_total"));
        assertTrue(metrics.contains("lxcfs_webhook_admission_seconds_bucket"));
        assertTrue(metrics.contains("lxcfs_webhook_policies"));
    }
}
