package io.lxcfs.e2e;

import java.io.InputStream;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

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
import io.lxcfs.testing.FreePort;
import io.lxcfs.testing.HttpsClient;
import io.lxcfs.testing.RepoLayout;
import io.lxcfs.testing.ServiceProcess;

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
    private static final Pattern CA_LINE = Pattern.compile("CA certificate: (\\S+)");

    private final ServiceProcess process;
    private final HttpsClient client;

    private LocalWebhook(ServiceProcess process, URI base, Path caFile) throws Exception {
        this.process = process;
        this.client = new HttpsClient(Files.readString(caFile), base);
    }

    /** Starts the webhook; {@code viewMountPath} is where the node daemon serves the view (the volumes' host paths). */
    static LocalWebhook start(String viewMountPath, Path workDir) throws Exception {
        int port = FreePort.find();
        List<String> cmd = List.of(RepoLayout.webhookScript().toString(),
                "-Dquarkus.http.ssl-port=" + port,
                "-Dquarkus.http.host=127.0.0.1",
                "-Dlxcfs.webhook.tls.mode=local",
                "-Dlxcfs.webhook.tls.local-dir=" + workDir.resolve("tls"),
                "-Dlxcfs.webhook.mount-path=" + viewMountPath);
        Map<String, String> env = Map.of(
                "LXCFS_WEBHOOK_JAR", RepoLayout.webhookJar().toString(),
                "HOME", workDir.toString(), // no ~/.kube/config: no cluster, no ProcViewPolicy informer
                "KUBERNETES_SERVICE_HOST", "",
                "KUBECONFIG", "");
        ServiceProcess p = ServiceProcess.start("webhook", cmd, env, workDir.resolve("webhook.log"));
        try {
            p.await("open its HTTPS listener", Duration.ofSeconds(90),
                    () -> p.log().contains("Listening on: https://127.0.0.1:" + port) && CA_LINE.matcher(p.log()).find());
            Matcher m = CA_LINE.matcher(p.log());
            m.find();
            LocalWebhook w = new LocalWebhook(p, URI.create("https://127.0.0.1:" + port + "/"), Path.of(m.group(1)));
            // Ready (the tls check included), over a handshake that trusts only the logged CA.
            p.await("be ready over HTTPS", Duration.ofSeconds(30), () -> w.client.poll("/q/health/ready").status() == 200);
            return w;
        } catch (Exception e) {
            p.close();
            throw e;
        }
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
        HttpsClient.Reply reply = client.post("/mutate", K8S.asJson(review));
        if (reply.status() != 200) {
            throw new IllegalStateException("webhook answered " + reply.status() + ": " + reply.body() + "\nlog:\n" + process.log());
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
        process.stop();
    }
}
