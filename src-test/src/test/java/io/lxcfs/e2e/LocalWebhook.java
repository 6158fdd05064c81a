package io.lxcfs.e2e;

import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.fabric8.kubernetes.api.model.CreateOptionsBuilder;
import io.fabric8.kubernetes.api.model.GroupVersionKind;
import io.fabric8.kubernetes.api.model.GroupVersionKindBuilder;
import io.fabric8.kubernetes.api.model.GroupVersionResourceBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.admission.v1.AdmissionResponse;
import io.fabric8.kubernetes.api.model.admission.v1.AdmissionReview;
import io.fabric8.kubernetes.api.model.admission.v1.AdmissionReviewBuilder;
import io.fabric8.kubernetes.api.model.authentication.UserInfoBuilder;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import io.fabric8.zjsonpatch.JsonPatch;
import io.lxcfs.testing.HttpsClient;
import io.lxcfs.testing.LocalTlsWebhook;
import io.lxcfs.testing.RepoLayout;

/**
 * The admission webhook from the built jar, started by webhook/bin/lxcfs-webhook without a cluster: HTTPS on a private
 * port with TLS mode {@code local}, whose self-signed CA certificate file is named in the log. {@link #admit} plays the
 * API server: an admission.k8s.io/v1 AdmissionReview for a pod CREATE over HTTPS trusting only that CA, then the
 * returned JSON Patch applied to the pod.
 */
final class LocalWebhook implements AutoCloseable {

    /** The webhook's answer and the pod as the API server would store it. */
    record Admission(AdmissionResponse response, JsonNode patch, Pod pod) {
    }

    static final KubernetesSerialization K8S = new KubernetesSerialization();
    private static final ObjectMapper JSON = new ObjectMapper();

    private final LocalTlsWebhook webhook;

    private LocalWebhook(LocalTlsWebhook webhook) {
        this.webhook = webhook;
    }

    /** Starts the webhook; {@code viewMountPath} is where the node daemon serves the view (the volumes' host paths). */
    static LocalWebhook start(String viewMountPath, Path workDir) throws Exception {
        return new LocalWebhook(LocalTlsWebhook.start(RepoLayout.webhookScript(), workDir,
                List.of("-Dlxcfs.webhook.mount-path=" + viewMountPath), Map.of()));
    }

    /** Sends {@code pod} as a CREATE in {@code namespace}; returns the response and the pod with the patch applied. */
    Admission admit(Pod pod, String namespace) throws Exception {
        GroupVersionKind podKind = new GroupVersionKindBuilder().withGroup("").withVersion("v1").withKind("Pod").build();
        var podsResource = new GroupVersionResourceBuilder().withGroup("").withVersion("v1").withResource("pods").build();
        String uid = UUID.randomUUID().toString();
        AdmissionReview review = new AdmissionReviewBuilder()
                .withApiVersion("admission.k8s.io/v1").withKind("AdmissionReview")
                .withNewRequest()
                .withUid(uid)
                .withKind(podKind).withRequestKind(podKind)
                .withResource(podsResource).withRequestResource(podsResource)
                .withName(pod.getMetadata().getName()).withNamespace(namespace)
                .withOperation("CREATE")
                .withUserInfo(new UserInfoBuilder().withUsername("kubernetes-admin")
                        .withGroups("system:masters", "system:authenticated").build())
                .withObject(pod)
                .withOptions(new CreateOptionsBuilder().withApiVersion("meta.k8s.io/v1").withKind("CreateOptions").build())
                .withDryRun(false)
                .endRequest()
                .build();
        HttpsClient.Reply reply = webhook.client().post("/mutate", K8S.asJson(review));
        if (reply.status() != 200) {
            throw new IllegalStateException("webhook answered " + reply.status() + ": " + reply.body() + "\nlog:\n" + webhook.process().log());
        }
        AdmissionResponse response = K8S.unmarshal(reply.body(), AdmissionReview.class).getResponse();
        if (!uid.equals(response.getUid())) {
            throw new IllegalStateException("response uid " + response.getUid() + " is not the request's " + uid);
        }
        JsonNode patch = response.getPatch() == null ? JSON.createArrayNode()
                : JSON.readTree(Base64.getDecoder().decode(response.getPatch()));
        JsonNode patched = JsonPatch.apply(patch, JSON.readTree(K8S.asJson(pod)));
        return new Admission(response, patch, K8S.unmarshal(JSON.writeValueAsString(patched), Pod.class));
    }

    static Pod loadPod(Path yaml) throws Exception {
        try (InputStream in = Files.newInputStream(yaml)) {
            return K8S.unmarshal(in, Pod.class);
        }
    }

    @Override
    public void close() throws InterruptedException {
        webhook.close();
    }
}
