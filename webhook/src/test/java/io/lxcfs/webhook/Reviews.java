package io.lxcfs.webhook;

import java.util.Base64;
import java.util.UUID;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

/** admission.k8s.io/v1 AdmissionReview requests as the API server sends them. */
public final class Reviews {
    private Reviews() {
    }

    public static ObjectNode podCreate(JsonNode pod, String namespace) {
        ObjectNode review = Fixtures.MAPPER.createObjectNode();
        review.put("apiVersion", "admission.k8s.io/v1");
        review.put("kind", "AdmissionReview");
        ObjectNode req = review.putObject("request");
        req.put("uid", UUID.randomUUID().toString());
        req.putObject("kind").put("group", "").put("version", "v1").put("kind", "Pod");
        req.putObject("resource").put("group", "").put("version", "v1").put("resource", "pods");
        req.putObject("requestKind").put("group", "").put("version", "v1").put("kind", "Pod");
        req.putObject("requestResource").put("group", "").put("version", "v1").put("resource", "pods");
        req.put("namespace", namespace);
        req.put("operation", "CREATE");
        ObjectNode user = req.putObject("userInfo");
        user.put("username", "system:serviceaccount:kube-system:replicaset-controller");
        user.put("uid", "3f1c2d7e-0000-4000-8000-000000000001");
        user.putArray("groups").add("system:serviceaccounts").add("system:serviceaccounts:kube-system")
                .add("system:authenticated");
        req.set("object", pod);
        req.putNull("oldObject");
        req.put("dryRun", false);
        req.putObject("options").put("apiVersion", "meta.k8s.io/v1").put("kind", "CreateOptions");
        return review;
    }

    public static JsonNode patchOf(JsonNode reviewResponse) {
        JsonNode p = reviewResponse.at("/response/patch");
        if (p.isMissingNode()) {
            return null;
        }
        try {
            return Fixtures.MAPPER.readTree(Base64.getDecoder().decode(p.asText()));
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }
}
