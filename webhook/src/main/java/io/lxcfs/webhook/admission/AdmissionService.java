package io.lxcfs.webhook.admission;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import jakarta.annotation.PostConstruct;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;

import org.jboss.logging.Logger;

import io.quarkus.runtime.StartupEvent;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

import io.fabric8.kubernetes.api.model.Pod;
import io.lxcfs.webhook.config.WebhookConfig;
import io.lxcfs.webhook.core.Decision;
import io.lxcfs.webhook.core.InjectionDecider;
import io.lxcfs.webhook.core.PodMutator;
import io.lxcfs.webhook.core.PodPatch;
import io.lxcfs.webhook.core.SkipReason;
import io.lxcfs.webhook.ClusterAccess;
import io.lxcfs.webhook.policy.PolicyStore;

/**
 * Turns an admission.k8s.io/v1 AdmissionReview request body into the response body. Well-formed requests are always
 * answered {@code allowed: true}, with a JSON Patch when the pod gets the view; malformed ones raise
 * {@link BadAdmissionRequest} (HTTP 400).
 */
@ApplicationScoped
public class AdmissionService {
    private static final Logger LOG = Logger.getLogger(AdmissionService.class);
    static final String API_VERSION = "admission.k8s.io/v1";
    static final String KIND = "AdmissionReview";

    @Inject
    WebhookConfig config;
    @Inject
    PolicyStore policies;
    @Inject
    AdmissionMetrics metrics;
    @Inject
    ClusterAccess cluster;

    private final ObjectMapper mapper = new ObjectMapper()
            .configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false);
    private InjectionDecider decider;

    @PostConstruct
    void init() {
        mapper.getFactory().setStreamReadConstraints(StreamReadConstraints.builder().maxNestingDepth(200).build());
        Set<String> excluded = new HashSet<>(config.excludedNamespaces());
        config.namespace().ifPresent(excluded::add);
        Map<String, String> daemonLabels = new LinkedHashMap<>();
        for (String kv : config.daemonPodLabels()) {
            int i = kv.indexOf('=');
            if (i > 0) {
                daemonLabels.put(kv.substring(0, i).trim(), kv.substring(i + 1).trim());
            }
        }
        decider = new InjectionDecider(new InjectionDecider.Settings(config.mountPath(), excluded, daemonLabels));
        LOG.infof("mount path %s, excluded namespaces %s", config.mountPath(), new java.util.TreeSet<>(excluded));
    }

    /**
     * The first admission used to take seconds on a busy node (Jackson introspecting the Pod model, the
     * mutator's and the patch's classes loading and compiling), longer than the API server waits (5 s, then the
     * pod is admitted without the view). Pay that once at start-up with a pod that gets the view, counting nothing.
     */
    void warmUp(@Observes StartupEvent event) {
        long start = System.nanoTime();
        try {
            Pod pod = mapper.readValue(WARM_UP_POD, Pod.class);
            Decision d = decider.decide("lxcfs-warm-up", Map.of(), pod, List.of());
            if (d.inject()) {
                Pod after = PodMutator.mutate(pod, d.options());
                mapper.writeValueAsBytes(PodPatch.diff(mapper, pod, after));
            }
            mapper.writeValueAsBytes(mapper.readTree(WARM_UP_POD));
            LOG.debugf("admission path warmed up in %d ms", (System.nanoTime() - start) / 1_000_000);
        } catch (Exception e) {
            LOG.warn("admission warm-up failed (the first request pays the start-up cost)", e);
        }
    }

    private static final String WARM_UP_POD = """
            {"apiVersion":"v1","kind":"Pod","metadata":{"name":"warm-up","namespace":"lxcfs-warm-up",
             "annotations":{"lxcfs.io/enable":"true"}},
             "spec":{"containers":[{"name":"c","image":"busybox","resources":{"limits":{"memory":"64Mi","cpu":"250m"}}}],
                     "initContainers":[{"name":"i","image":"busybox","restartPolicy":"Always"}]}}
            """;

    public byte[] review(byte[] body) {
        long start = System.nanoTime();
        try {
            byte[] out = mapper.writeValueAsBytes(handle(body));
            metrics.latency(System.nanoTime() - start);
            return out;
        } catch (BadAdmissionRequest e) {
            metrics.rejected();
            throw e;
        } catch (JsonProcessingException e) {
            metrics.rejected();
            throw new BadAdmissionRequest("cannot write response: " + e.getOriginalMessage());
        }
    }

    private ObjectNode handle(byte[] body) {
        if (body == null || body.length == 0) {
            throw new BadAdmissionRequest("empty request body: expected an " + API_VERSION + " " + KIND);
        }
        JsonNode root;
        try (JsonParser parser = mapper.getFactory().createParser(body)) {
            root = mapper.readTree(parser);
            if (root != null && parser.nextToken() != null) {
                throw new BadAdmissionRequest("malformed JSON: trailing data after the AdmissionReview object");
            }
        } catch (IOException e) {
            String msg = e instanceof JsonProcessingException jpe ? jpe.getOriginalMessage() : e.getMessage();
            throw new BadAdmissionRequest("malformed JSON: " + truncate(msg, 200));
        }
        if (root == null || !root.isObject()) {
            throw new BadAdmissionRequest("expected a JSON object: an " + API_VERSION + " " + KIND);
        }
        String apiVersion = root.path("apiVersion").asText("");
        String kind = root.path("kind").asText("");
        if (!KIND.equals(kind) || !API_VERSION.equals(apiVersion)) {
            throw new BadAdmissionRequest("expected apiVersion " + API_VERSION + " kind " + KIND + ", got apiVersion \""
                    + truncate(apiVersion, 64) + "\" kind \"" + truncate(kind, 64) + "\"");
        }
        JsonNode request = root.get("request");
        if (request == null || !request.isObject()) {
            throw new BadAdmissionRequest("missing request object");
        }
        JsonNode uidNode = request.get("uid");
        if (uidNode == null || !uidNode.isTextual() || uidNode.asText().isEmpty()) {
            throw new BadAdmissionRequest("missing request.uid");
        }
        String uid = uidNode.asText();

        ObjectNode response = JsonNodeFactory.instance.objectNode();
        response.put("uid", uid);
        response.put("allowed", true);
        ObjectNode review = JsonNodeFactory.instance.objectNode();
        review.put("apiVersion", API_VERSION);
        review.put("kind", KIND);
        review.set("response", response);

        JsonNode k = request.path("kind");
        boolean isPod = "Pod".equals(k.path("kind").asText()) && k.path("group").asText("").isEmpty()
                && request.path("subResource").asText("").isEmpty();
        if (!isPod) {
            metrics.skipped(SkipReason.NOT_POD);
            return review;
        }
        if (!"CREATE".equals(request.path("operation").asText())) {
            metrics.skipped(SkipReason.NOT_CREATE);
            return review;
        }
        if (request.path("dryRun").asBoolean(false)) {
            metrics.skipped(SkipReason.DRY_RUN);
            return review;
        }
        JsonNode object = request.get("object");
        if (object == null || !object.isObject()) {
            throw new BadAdmissionRequest("missing request.object (the pod) in a Pod CREATE request");
        }
        Pod pod;
        try {
            pod = mapper.treeToValue(object, Pod.class);
        } catch (JsonProcessingException | IllegalArgumentException e) {
            String msg = e instanceof JsonProcessingException jpe ? jpe.getOriginalMessage() : e.getMessage();
            throw new BadAdmissionRequest("request.object is not a valid Pod: " + truncate(msg, 200));
        }
        String namespace = request.path("namespace").asText("");
        if (namespace.isEmpty() && pod.getMetadata() != null && pod.getMetadata().getNamespace() != null) {
            namespace = pod.getMetadata().getNamespace();
        }
        mutate(namespace, pod, response);
        return review;
    }

    private void mutate(String namespace, Pod pod, ObjectNode response) {
        List<String> warnings = new ArrayList<>();
        try {
            Decision d = decider.decide(namespace, policies.namespaceLabels(namespace), pod, policies.policies());
            warnings.addAll(d.warnings());
            if (!d.inject()) {
                metrics.skipped(d.skipReason());
                if (LOG.isDebugEnabled()) {
                    LOG.debugf("%s/%s: not mutated (%s, %s)", namespace, podName(pod), d.skipReason().label, d.source());
                }
            } else {
                Pod after = PodMutator.mutate(pod, d.options().withCpuMount(config.cpuMount()));
                JsonNode patch = PodPatch.diff(mapper, pod, after);
                if (patch.isEmpty()) {
                    metrics.skipped(SkipReason.ALREADY_INJECTED);
                } else {
                    response.put("patchType", "JSONPatch");
                    response.put("patch", Base64.getEncoder().encodeToString(mapper.writeValueAsBytes(patch)));
                    metrics.mutated();
                    if (LOG.isDebugEnabled()) {
                        LOG.debugf("%s/%s: injected %s (%s)", namespace, podName(pod), d.options().files(), d.source());
                    }
                }
            }
        } catch (Exception e) {
            // A bug or an unexpected pod shape must not block the pod, nor answer 500.
            LOG.errorf(e, "%s/%s: mutation failed; admitting unchanged", namespace, podName(pod));
            metrics.skipped(SkipReason.ERROR);
            response.remove("patch");
            response.remove("patchType");
        }
        if (!warnings.isEmpty()) {
            ArrayNode w = response.putArray("warnings");
            warnings.forEach(w::add);
            metrics.warnings(warnings.size());
        }
    }

    private static String podName(Pod pod) {
        if (pod.getMetadata() == null) {
            return "?";
        }
        String n = pod.getMetadata().getName();
        return n != null && !n.isEmpty() ? n : pod.getMetadata().getGenerateName() + "*";
    }

    private static String truncate(String s, int max) {
        if (s == null) {
            return "";
        }
        return s.length() <= max ? s : s.substring(0, max) + "...";
    }
}
