package io.lxcfs.chart;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import com.fasterxml.jackson.databind.JsonNode;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServiceAccount;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeMount;
import io.fabric8.kubernetes.api.model.admissionregistration.v1.MutatingWebhook;
import io.fabric8.kubernetes.api.model.admissionregistration.v1.MutatingWebhookConfiguration;
import io.fabric8.kubernetes.api.model.apps.DaemonSet;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import io.lxcfs.crds.v1alpha1.ProcViewPolicy;

/** {@code helm template} output: the invariants of docs/kubernetes.md (sections 2-5) and of the daemon's handover contract. */
class ChartRenderTest {

    static Container only(PodSpec spec) {
        assertEquals(1, spec.getContainers().size());
        return spec.getContainers().get(0);
    }

    static Map<String, String> env(Container c) {
        return c.getEnv().stream().filter(e -> e.getValue() != null)
                .collect(Collectors.toMap(EnvVar::getName, EnvVar::getValue));
    }

    static Volume volume(PodSpec spec, String name) {
        return spec.getVolumes().stream().filter(v -> v.getName().equals(name)).findFirst()
                .orElseThrow(() -> new AssertionError("no volume " + name));
    }

    static VolumeMount mountOf(Container c, String volume) {
        return c.getVolumeMounts().stream().filter(m -> m.getName().equals(volume)).findFirst()
                .orElseThrow(() -> new AssertionError("no mount of " + volume));
    }

    @ParameterizedTest
    @ValueSource(strings = {"self-managed", "cert-manager", "secret"})
    void everyObjectIsKnownToTheKubernetesModelAndLabelled(String mode) throws Exception {
        Chart.Rendered r = Chart.render(tlsMode(mode) + "\nmetrics: {serviceMonitor: {enabled: true}}\n"
                + "policies: [{name: p1, spec: {enabled: true, files: [meminfo], podSelector: {matchLabels: {a: b}}}}]");
        assertFalse(r.objects.isEmpty());
        for (int i = 0; i < r.objects.size(); i++) {
            HasMetadata o = r.objects.get(i);
            String id = o.getKind() + "/" + o.getMetadata().getName();
            assertEquals(List.of(), Chart.unknownFields(o), id);
            JsonNode again = Chart.JSON.readTree(Chart.SERIALIZATION.asJson(o));
            if (o instanceof ProcViewPolicy) {
                // our own type adds its Java defaults (initContainers: true); nothing rendered may be lost or changed
                assertEquals(List.of(), Chart.missingFrom(r.trees.get(i), again, id), id);
            } else if (!(o instanceof GenericKubernetesResource)) {
                // re-serialising the typed object gives back exactly what Helm rendered: no field lost or coerced
                assertEquals(r.trees.get(i), again, id);
            }
            Map<String, String> labels = o.getMetadata().getLabels();
            assertNotNull(labels, id);
            for (String k : List.of("app.kubernetes.io/name", "app.kubernetes.io/instance", "app.kubernetes.io/version",
                    "app.kubernetes.io/managed-by")) {
                assertTrue(labels.containsKey(k), id + " lacks label " + k);
            }
            assertEquals("lxcfs-k8s", labels.get("app.kubernetes.io/name"), id);
            assertEquals("Helm", labels.get("app.kubernetes.io/managed-by"), id);
        }
        // only the kinds we know fabric8 has no model for are generic
        Set<String> generic = r.all(GenericKubernetesResource.class).stream().map(HasMetadata::getKind)
                .collect(Collectors.toSet());
        assertTrue(Set.of("ServiceMonitor", "Certificate", "Issuer").containsAll(generic), generic.toString());
        assertEquals(1, r.all(ProcViewPolicy.class).size());
    }

    @Test
    void theStrictnessCheckSeesUnknownFields() {
        HasMetadata bad = Chart.SERIALIZATION.unmarshal("""
                apiVersion: apps/v1
                kind: Deployment
                metadata: {name: x}
                spec: {replica: 2, template: {spec: {containers: [{name: c, imagee: x}]}}}
                """, HasMetadata.class);
        assertEquals(Set.of("Deployment/x.spec: unknown fields [replica]",
                "Deployment/x.spec.template.spec.containers[0]: unknown fields [imagee]"), Set.copyOf(Chart.unknownFields(bad)));
    }

    static String tlsMode(String mode) {
        return "webhook: {tls: {mode: " + mode + (mode.equals("secret") ? ", secret: {name: my-tls}" : "") + "}}";
    }

    @Test
    void daemonSetFollowsTheSpecAndTheHandoverContract() {
        DaemonSet ds = Chart.render("{}").one(DaemonSet.class);
        PodSpec pod = ds.getSpec().getTemplate().getSpec();
        Container c = only(pod);

        assertTrue(c.getSecurityContext().getPrivileged());
        assertTrue(pod.getHostPID());
        assertTrue(pod.getHostNetwork() == null || !pod.getHostNetwork(), "no hostNetwork: old and new pod side by side");
        assertEquals("system-node-critical", pod.getPriorityClassName());
        assertTrue(pod.getTolerations().stream().anyMatch(t -> "Exists".equals(t.getOperator()) && t.getKey() == null
                && t.getEffect() == null), "tolerates every taint");
        assertEquals(30L, pod.getTerminationGracePeriodSeconds());
        assertFalse(pod.getAutomountServiceAccountToken());

        assertEquals("RollingUpdate", ds.getSpec().getUpdateStrategy().getType());
        assertEquals(1, ds.getSpec().getUpdateStrategy().getRollingUpdate().getMaxSurge().getIntVal());
        assertEquals(0, ds.getSpec().getUpdateStrategy().getRollingUpdate().getMaxUnavailable().getIntVal());

        Volume cgroup = volume(pod, "cgroup");
        assertEquals("/sys/fs/cgroup", cgroup.getHostPath().getPath());
        assertEquals("/sys/fs/cgroup", mountOf(c, "cgroup").getMountPath());
        assertTrue(mountOf(c, "cgroup").getReadOnly());

        Volume parent = volume(pod, "view-parent");
        assertEquals("/var/lib", parent.getHostPath().getPath());
        assertEquals("Directory", parent.getHostPath().getType());
        assertEquals("/var/lib", mountOf(c, "view-parent").getMountPath());
        assertEquals("Bidirectional", mountOf(c, "view-parent").getMountPropagation());
        assertNoHostPathOnTheMount(pod, "/var/lib/lxcfs");
        assertEquals("/var/lib/lxcfs", env(c).get("LXCFS_MOUNT_PATH"));
        // Old and new pod's keepers meet in one host directory.
        assertEquals("/run/lxcfs-k8s", volume(pod, "handover").getHostPath().getPath());
        assertEquals("/run/lxcfs-k8s", mountOf(c, "handover").getMountPath());
        assertEquals("/run/lxcfs-k8s", env(c).get("LXCFS_RECONCILE_STAGING_DIR"));

        assertEquals("/q/health/live", c.getLivenessProbe().getHttpGet().getPath());
        assertEquals("/q/health/ready", c.getReadinessProbe().getHttpGet().getPath());
        assertEquals("http", c.getLivenessProbe().getHttpGet().getPort().getStrVal());
        assertEquals(9440, c.getPorts().get(0).getContainerPort());
        assertNull(c.getPorts().get(0).getHostPort());

        // memory: limited (the daemon must not grow without bound), request close to the limit, above measured RSS
        // (80-86 MiB idle and after 1,000,000 reads, docs/benchmarks.md) with headroom
        Quantity limit = c.getResources().getLimits().get("memory");
        Quantity request = c.getResources().getRequests().get("memory");
        assertNotNull(limit);
        assertTrue(request.getNumericalAmount().compareTo(Quantity.parse("112Mi").getNumericalAmount()) >= 0);
        assertTrue(limit.getNumericalAmount().compareTo(request.getNumericalAmount()) >= 0);
        assertNull(c.getResources().getLimits().get("cpu"), "no CPU limit: throttling slows every /proc read");
    }

    static void assertNoHostPathOnTheMount(PodSpec pod, String mountPath) {
        for (Volume v : pod.getVolumes()) {
            if (v.getHostPath() != null) {
                String p = v.getHostPath().getPath();
                assertFalse(p.equals(mountPath) || p.startsWith(mountPath + "/"), "hostPath " + p + " on the FUSE mount");
                // Only the handover directory may be created: nothing may appear where a mount should be.
                assertTrue(!"DirectoryOrCreate".equals(v.getHostPath().getType()) || v.getName().equals("handover"), v.getName());
            }
        }
    }

    @Test
    void mountPathMovesTheParentVolumeAndTheWebhookHostPaths() {
        Chart.Rendered r = Chart.render("mountPath: /run/lxcfs/view");
        PodSpec pod = r.one(DaemonSet.class).getSpec().getTemplate().getSpec();
        assertEquals("/run/lxcfs", volume(pod, "view-parent").getHostPath().getPath());
        assertEquals("/run/lxcfs", mountOf(only(pod), "view-parent").getMountPath());
        assertNoHostPathOnTheMount(pod, "/run/lxcfs/view");
        assertEquals("/run/lxcfs/view", env(only(pod)).get("LXCFS_MOUNT_PATH"));
        assertEquals("/run/lxcfs/view", env(only(r.one(Deployment.class).getSpec().getTemplate().getSpec()))
                .get("LXCFS_WEBHOOK_MOUNT_PATH"));
    }

    @Test
    void updateStrategyIsConfigurable() {
        var s = Chart.render("daemon: {updateStrategy: {type: OnDelete}}").one(DaemonSet.class).getSpec().getUpdateStrategy();
        assertEquals("OnDelete", s.getType());
        assertNull(s.getRollingUpdate(), "rollingUpdate is forbidden with OnDelete");
    }

    @Test
    void daemonHasNoKubernetesApiAccess() {
        Chart.Rendered r = Chart.render("{}");
        ServiceAccount sa = r.named(ServiceAccount.class, "lxcfs-daemon").orElseThrow();
        assertFalse(sa.getAutomountServiceAccountToken());
        String daemonSa = r.one(DaemonSet.class).getSpec().getTemplate().getSpec().getServiceAccountName();
        assertEquals("lxcfs-daemon", daemonSa);
    }

    @Test
    void webhookDeploymentIsHardenedAndWiredToItsConfiguration() {
        Chart.Rendered r = Chart.render("{}");
        Deployment d = r.one(Deployment.class);
        PodSpec pod = d.getSpec().getTemplate().getSpec();
        Container c = only(pod);
        assertEquals(2, d.getSpec().getReplicas());
        assertTrue(pod.getSecurityContext().getRunAsNonRoot());
        assertEquals(65532L, pod.getSecurityContext().getRunAsUser());
        assertTrue(c.getSecurityContext().getReadOnlyRootFilesystem());
        assertFalse(c.getSecurityContext().getAllowPrivilegeEscalation());
        assertEquals(List.of("ALL"), c.getSecurityContext().getCapabilities().getDrop());
        assertNotNull(volume(pod, "tmp").getEmptyDir(), "writable /tmp under a read-only root");
        assertEquals("/tmp", mountOf(c, "tmp").getMountPath());
        assertNull(pod.getHostPID());
        assertEquals("HTTPS", c.getReadinessProbe().getHttpGet().getScheme());
        assertEquals("/q/health/ready", c.getReadinessProbe().getHttpGet().getPath());
        assertEquals(8443, c.getPorts().get(0).getContainerPort());

        Map<String, String> env = env(c);
        assertEquals("metadata.namespace", c.getEnv().stream().filter(e -> e.getName().equals("LXCFS_WEBHOOK_NAMESPACE"))
                .findFirst().orElseThrow().getValueFrom().getFieldRef().getFieldPath());
        Service svc = r.one(Service.class);
        MutatingWebhookConfiguration mwc = r.one(MutatingWebhookConfiguration.class);
        assertEquals(svc.getMetadata().getName(), env.get("LXCFS_WEBHOOK_TLS_SERVICE_NAME"));
        assertEquals(mwc.getMetadata().getName(), env.get("LXCFS_WEBHOOK_TLS_WEBHOOK_CONFIGURATION_NAME"));
        assertEquals("self-managed", env.get("LXCFS_WEBHOOK_TLS_MODE"));

        // the webhook recognises the daemon's pods by labels the DaemonSet really puts on them
        Map<String, String> daemonLabels = r.one(DaemonSet.class).getSpec().getTemplate().getMetadata().getLabels();
        for (String kv : env.get("LXCFS_WEBHOOK_DAEMON_POD_LABELS").split(",")) {
            String[] p = kv.split("=", 2);
            assertEquals(p[1], daemonLabels.get(p[0]), kv);
        }

        // Service and PDB select exactly the webhook's pods
        Map<String, String> podLabels = d.getSpec().getTemplate().getMetadata().getLabels();
        assertTrue(podLabels.entrySet().containsAll(svc.getSpec().getSelector().entrySet()));
        assertEquals("webhook", svc.getSpec().getSelector().get("app.kubernetes.io/component"));
        assertEquals("https", svc.getSpec().getPorts().get(0).getTargetPort().getStrVal());
        PodDisruptionBudget pdb = r.one(PodDisruptionBudget.class);
        assertEquals(1, pdb.getSpec().getMinAvailable().getIntVal());
        assertTrue(podLabels.entrySet().containsAll(pdb.getSpec().getSelector().getMatchLabels().entrySet()));
        assertEquals(d.getSpec().getSelector(), pdb.getSpec().getSelector());
    }

    @Test
    void oneReplicaGetsNoPdbThatWouldBlockDrains() {
        assertTrue(Chart.render("webhook: {replicaCount: 1}").all(PodDisruptionBudget.class).isEmpty());
    }

    @Test
    void mutatingWebhookConfigurationIsExactlyTheSpec() {
        Chart.Rendered r = Chart.render("webhook: {excludedNamespaces: [monitoring, kube-system], timeoutSeconds: 7}");
        MutatingWebhookConfiguration mwc = r.one(MutatingWebhookConfiguration.class);
        assertEquals(1, mwc.getWebhooks().size());
        MutatingWebhook w = mwc.getWebhooks().get(0);
        assertEquals("Ignore", w.getFailurePolicy());
        assertEquals(7, w.getTimeoutSeconds());
        assertEquals("None", w.getSideEffects());
        assertEquals("IfNeeded", w.getReinvocationPolicy());
        assertEquals(List.of("v1"), w.getAdmissionReviewVersions());
        assertEquals(1, w.getRules().size());
        assertEquals(List.of("CREATE"), w.getRules().get(0).getOperations());
        assertEquals(List.of("pods"), w.getRules().get(0).getResources());
        assertEquals(List.of(""), w.getRules().get(0).getApiGroups());
        assertEquals(List.of("v1"), w.getRules().get(0).getApiVersions());
        var svc = w.getClientConfig().getService();
        assertEquals(r.one(Service.class).getMetadata().getName(), svc.getName());
        assertEquals(Chart.NAMESPACE, svc.getNamespace());
        assertEquals("/mutate", svc.getPath());
        assertEquals(r.one(Service.class).getSpec().getPorts().get(0).getPort(), svc.getPort());
        assertNull(w.getClientConfig().getCaBundle(), "self-managed: the webhook writes it; helm must not reset it");

        var exprs = w.getNamespaceSelector().getMatchExpressions();
        assertEquals(1, exprs.size());
        assertEquals("kubernetes.io/metadata.name", exprs.get(0).getKey());
        assertEquals("NotIn", exprs.get(0).getOperator());
        assertEquals(List.of(Chart.NAMESPACE, "kube-system", "kube-node-lease", "monitoring"), exprs.get(0).getValues());
        // and the webhook's own check uses the same list
        Container c = only(r.one(Deployment.class).getSpec().getTemplate().getSpec());
        assertEquals(String.join(",", exprs.get(0).getValues()), env(c).get("LXCFS_WEBHOOK_EXCLUDED_NAMESPACES"));

        assertEquals("Fail", Chart.render("webhook: {failurePolicy: Fail}").one(MutatingWebhookConfiguration.class)
                .getWebhooks().get(0).getFailurePolicy());
    }

    @Test
    void certManagerModeMountsTheCertificateAndInjectsItsCa() {
        Chart.Rendered r = Chart.render("webhook: {tls: {mode: cert-manager, extraSans: [lxcfs.example.com, 10.0.0.7]}}");
        GenericKubernetesResource cert = r.generic("Certificate").get(0);
        GenericKubernetesResource issuer = r.generic("Issuer").get(0);
        assertEquals("cert-manager.io/v1", cert.getApiVersion());
        @SuppressWarnings("unchecked")
        Map<String, Object> spec = (Map<String, Object>) cert.getAdditionalProperties().get("spec");
        String secretName = (String) spec.get("secretName");
        assertEquals(List.of("lxcfs-webhook", "lxcfs-webhook." + Chart.NAMESPACE, "lxcfs-webhook." + Chart.NAMESPACE + ".svc",
                "lxcfs-webhook." + Chart.NAMESPACE + ".svc.cluster.local", "lxcfs.example.com"), spec.get("dnsNames"));
        assertEquals(List.of("10.0.0.7"), spec.get("ipAddresses"));
        assertEquals(Map.of("name", issuer.getMetadata().getName(), "kind", "Issuer", "group", "cert-manager.io"),
                spec.get("issuerRef"));
        assertTrue(((Map<?, ?>) issuer.getAdditionalProperties().get("spec")).containsKey("selfSigned"));

        MutatingWebhookConfiguration mwc = r.one(MutatingWebhookConfiguration.class);
        assertEquals(Chart.NAMESPACE + "/" + cert.getMetadata().getName(),
                mwc.getMetadata().getAnnotations().get("cert-manager.io/inject-ca-from"));

        PodSpec pod = r.one(Deployment.class).getSpec().getTemplate().getSpec();
        Container c = only(pod);
        assertEquals(secretName, volume(pod, "tls").getSecret().getSecretName());
        VolumeMount tls = mountOf(c, "tls");
        assertNull(tls.getSubPath(), "whole Secret, so renewals reach the pod");
        Map<String, String> env = env(c);
        assertEquals("files", env.get("LXCFS_WEBHOOK_TLS_MODE"));
        assertEquals(tls.getMountPath() + "/tls.crt", env.get("LXCFS_WEBHOOK_TLS_CERT_FILE"));
        assertEquals(tls.getMountPath() + "/tls.key", env.get("LXCFS_WEBHOOK_TLS_KEY_FILE"));

        Chart.Rendered own = Chart.render("webhook: {tls: {mode: cert-manager, certManager: {issuerRef: "
                + "{name: corp-ca, kind: ClusterIssuer}}}}");
        assertTrue(own.generic("Issuer").isEmpty());
    }

    @Test
    void secretModeReadsTheUsersSecretAndCanCarryAStaticCaBundle() {
        Chart.Rendered r = Chart.render("webhook: {tls: {mode: secret, secret: {name: my-tls, caBundle: Zm9v}}}");
        Map<String, String> env = env(only(r.one(Deployment.class).getSpec().getTemplate().getSpec()));
        assertEquals("secret", env.get("LXCFS_WEBHOOK_TLS_MODE"));
        assertEquals("my-tls", env.get("LXCFS_WEBHOOK_TLS_SECRET_NAME"));
        assertEquals("Zm9v", r.one(MutatingWebhookConfiguration.class).getWebhooks().get(0).getClientConfig().getCaBundle());
        assertTrue(r.generic("Certificate").isEmpty());
    }

    @Test
    void defaultPoliciesAreRenderedAsProcViewPolicies() {
        ProcViewPolicy p = Chart.render("policies: [{name: team, spec: {enabled: true, initContainers: false, "
                + "files: [meminfo, cpu_online], namespaceSelector: {matchLabels: {lxcfs.io/view: enabled}}}}]")
                .one(ProcViewPolicy.class);
        assertEquals("team", p.getMetadata().getName());
        assertTrue(p.getSpec().getEnabled());
        assertFalse(p.getSpec().getInitContainers());
        assertEquals(2, p.getSpec().getFiles().size());
        assertEquals("enabled", p.getSpec().getNamespaceSelector().getMatchLabels().get("lxcfs.io/view"));
        assertTrue(Chart.render("{}").all(ProcViewPolicy.class).isEmpty());
    }

    @Test
    void serviceMonitorsAreOptional() {
        assertTrue(Chart.render("{}").generic("ServiceMonitor").isEmpty());
        Chart.Rendered r = Chart.render("metrics: {serviceMonitor: {enabled: true, labels: {release: prom}}}");
        List<GenericKubernetesResource> sms = r.generic("ServiceMonitor");
        assertEquals(2, sms.size());
        sms.forEach(sm -> assertEquals("prom", sm.getMetadata().getLabels().get("release")));
        Service metrics = r.named(Service.class, "lxcfs-daemon-metrics").orElseThrow();
        assertEquals("None", metrics.getSpec().getClusterIP());
        assertEquals(9440, metrics.getSpec().getPorts().get(0).getPort());
    }
}
