package io.lxcfs.webhook.cluster;

import static io.lxcfs.webhook.Fixtures.json;
import static io.lxcfs.webhook.Reviews.patchOf;
import static io.lxcfs.webhook.Reviews.podCreate;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.net.URL;
import java.time.Duration;
import java.util.List;
import java.util.Objects;

import jakarta.inject.Inject;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import io.fabric8.kubernetes.api.model.LabelSelectorBuilder;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.lxcfs.crds.v1alpha1.ProcFileName;
import io.lxcfs.crds.v1alpha1.ProcViewPolicy;
import io.lxcfs.crds.v1alpha1.ProcViewPolicySpec;
import io.lxcfs.testing.HttpsClient;
import io.lxcfs.webhook.Fixtures;
import io.lxcfs.webhook.policy.PolicyStore;
import io.lxcfs.webhook.tls.TlsManager;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.kubernetes.client.WithKubernetesTestServer;

/** Policies are watched: creating, changing and deleting one changes the very next admission. */
@QuarkusTest
@WithKubernetesTestServer(setup = ClusterSetup.class)
class PolicyInformerTest {
    static final Duration WAIT = Duration.ofSeconds(20);

    @TestHTTPResource(value = "/", tls = true)
    URL base;
    @Inject
    KubernetesClient client;
    @Inject
    PolicyStore store;
    @Inject
    TlsManager tls;

    HttpsClient https;

    @BeforeEach
    void setUp() throws Exception {
        https = new HttpsClient(tls.current().caBundlePem(), URI.create(base.toString()));
        assertTrue(store.await(store::synced, WAIT), "informer synced");
    }

    JsonNode admit(ObjectNode pod, String namespace) {
        HttpsClient.Reply r = https.post("/mutate", podCreate(pod, namespace).toString());
        assertEquals(200, r.status(), r.body());
        return r.json();
    }

    /** The pod from the Deployment fixture, without its opt-in annotation, labelled app=web. */
    static ObjectNode webPod() {
        ObjectNode pod = json("deployment-pod.json");
        ((ObjectNode) pod.at("/metadata/annotations")).remove("lxcfs.io/enable");
        return pod;
    }

    static ProcViewPolicy policy(String name, boolean enabled, List<ProcFileName> files) {
        ProcViewPolicy p = new ProcViewPolicy();
        p.setMetadata(new ObjectMetaBuilder().withName(name).build());
        ProcViewPolicySpec s = new ProcViewPolicySpec();
        s.setEnabled(enabled);
        s.setNamespaceSelector(new LabelSelectorBuilder().addToMatchLabels("team", "a").build());
        s.setPodSelector(new LabelSelectorBuilder().addToMatchLabels("app", "web").build());
        s.setFiles(files);
        p.setSpec(s);
        return p;
    }

    boolean storeHas(String name, java.util.function.Predicate<ProcViewPolicy> p) {
        return store.policies().stream().anyMatch(x -> x.getMetadata().getName().equals(name) && p.test(x));
    }

    @Test
    void createChangeDeleteAPolicy() throws Exception {
        var policies = client.resources(ProcViewPolicy.class);
        assertNull(patchOf(admit(webPod(), "shop")), "no policy yet");

        // create: opt in team=a namespaces' app=web pods, two files only
        policies.resource(policy("web", true, List.of(ProcFileName.meminfo, ProcFileName.cpuinfo))).create();
        assertTrue(store.await(() -> storeHas("web", x -> true), WAIT));
        JsonNode patch = patchOf(admit(webPod(), "shop"));
        assertNotNull(patch, "policy opts the pod in");
        Pod patched = Fixtures.applyPatch(webPod(), patch);
        assertNotNull(Fixtures.mount(patched.getSpec().getContainers().get(0), "/proc/meminfo"));
        assertNull(Fixtures.mount(patched.getSpec().getContainers().get(0), "/proc/stat"));
        assertEquals(4, patched.getSpec().getVolumes().size());
        // namespace selector: same pod in a namespace without team=a is not selected
        assertNull(patchOf(admit(webPod(), "other")));

        // change: all files
        policies.withName("web").edit(p -> {
            p.getSpec().setFiles(null);
            return p;
        });
        assertTrue(store.await(() -> storeHas("web", x -> x.getSpec().getFiles() == null), WAIT));
        Pod all = Fixtures.applyPatch(webPod(), patchOf(admit(webPod(), "shop")));
        assertEquals(2 + 8, all.getSpec().getVolumes().size());

        // a second, opt-out policy wins over the opt-in one; the annotation still wins over both
        policies.resource(policy("web-off", false, null)).create();
        assertTrue(store.await(() -> storeHas("web-off", x -> true), WAIT));
        assertNull(patchOf(admit(webPod(), "shop")));
        ObjectNode annotated = webPod();
        ((ObjectNode) annotated.at("/metadata/annotations")).put("lxcfs.io/enable", "true");
        assertNotNull(patchOf(admit(annotated, "shop")));

        // delete both: back to nothing
        policies.withName("web-off").delete();
        assertTrue(store.await(() -> !storeHas("web-off", x -> true), WAIT));
        assertNotNull(patchOf(admit(webPod(), "shop")));
        policies.withName("web").delete();
        assertTrue(store.await(() -> store.policies().isEmpty(), WAIT));
        assertNull(patchOf(admit(webPod(), "shop")));
    }

    @Test
    void namespaceLabelsComeFromTheNamespaceInformer() throws Exception {
        assertTrue(store.await(() -> "a".equals(store.namespaceLabels("shop").get("team")), WAIT));
        assertEquals("unknown", store.namespaceLabels("unknown").get("kubernetes.io/metadata.name"));
    }

    @Test
    void observedGenerationIsWrittenToStatus() throws Exception {
        var policies = client.resources(ProcViewPolicy.class);
        policies.resource(policy("status-check", true, null)).create();
        try {
            assertTrue(store.await(() -> storeHas("status-check", x -> x.getStatus() != null
                    && Objects.equals(x.getStatus().getObservedGeneration(), x.getMetadata().getGeneration())), WAIT),
                    "status.observedGeneration written: " + policies.withName("status-check").get());
        } finally {
            policies.withName("status-check").delete();
            store.await(() -> !storeHas("status-check", x -> true), WAIT);
        }
    }
}
