package io.lxcfs.chart;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;

import io.fabric8.kubernetes.api.model.ServiceAccount;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.rbac.ClusterRole;
import io.fabric8.kubernetes.api.model.rbac.ClusterRoleBinding;
import io.fabric8.kubernetes.api.model.rbac.PolicyRule;
import io.fabric8.kubernetes.api.model.rbac.Role;
import io.fabric8.kubernetes.api.model.rbac.RoleBinding;
import io.fabric8.kubernetes.api.model.rbac.Subject;

/**
 * Least privilege, per component and TLS mode: the exact set of (scope, group, resource, name, verb) granted. Each
 * entry corresponds to one API call of the webhook (io.lxcfs.webhook.tls: SharedSecret,
 * UserSecret, CaBundlePublisher; io.lxcfs.webhook.policy.PolicyStore).
 */
class ChartRbacTest {
    static final String MWC = "admissionregistration.k8s.io/mutatingwebhookconfigurations/lxcfs-webhook";
    static final String SECRET = "/secrets/lxcfs-webhook-tls";

    static final Set<String> POLICIES = Set.of(
            "cluster lxcfs.io/procviewpolicies list", "cluster lxcfs.io/procviewpolicies watch",
            "cluster lxcfs.io/procviewpolicies/status patch",
            "cluster /namespaces list", "cluster /namespaces watch");

    static Set<String> grants(Chart.Rendered r) {
        Set<String> out = new TreeSet<>();
        for (ClusterRole cr : r.all(ClusterRole.class)) {
            cr.getRules().forEach(rule -> add(out, "cluster", rule));
        }
        for (Role role : r.all(Role.class)) {
            assertEquals(Chart.NAMESPACE, role.getMetadata().getNamespace());
            role.getRules().forEach(rule -> add(out, "namespace", rule));
        }
        return out;
    }

    private static void add(Set<String> out, String scope, PolicyRule rule) {
        assertTrue(rule.getNonResourceURLs().isEmpty());
        for (String g : rule.getApiGroups()) {
            for (String res : rule.getResources()) {
                for (String verb : rule.getVerbs()) {
                    assertFalse(g.equals("*") || res.equals("*") || verb.equals("*"), "wildcard in " + rule);
                    if (rule.getResourceNames().isEmpty()) {
                        out.add(scope + " " + g + "/" + res + " " + verb);
                    } else {
                        rule.getResourceNames().forEach(n -> out.add(scope + " " + g + "/" + res + "/" + n + " " + verb));
                    }
                }
            }
        }
    }

    static Set<String> union(Set<String> a, String... more) {
        Set<String> s = new TreeSet<>(a);
        s.addAll(List.of(more));
        return s;
    }

    @Test
    void selfManagedTls() {
        assertEquals(union(POLICIES,
                "cluster " + MWC + " get", "cluster " + MWC + " patch",
                "namespace " + SECRET + " get", "namespace " + SECRET + " update",
                "namespace /secrets create"), // RBAC cannot restrict create by name
                grants(Chart.render("{}")));
    }

    @Test
    void userSecretTls() {
        assertEquals(union(POLICIES,
                "cluster " + MWC + " get", "cluster " + MWC + " patch", // caBundle from the Secret's ca.crt
                "namespace /secrets/my-tls get"),
                grants(Chart.render("webhook: {tls: {mode: secret, secret: {name: my-tls}}}")));
    }

    @Test
    void certManagerTlsNeedsNoSecretOrWebhookConfigurationAccess() {
        Chart.Rendered r = Chart.render("webhook: {tls: {mode: cert-manager}}");
        assertEquals(POLICIES, grants(r));
        assertTrue(r.all(Role.class).isEmpty());
    }

    @Test
    void withoutPoliciesOrStatusTheClusterWideReadsGo() {
        assertEquals(new TreeSet<>(Set.of("cluster lxcfs.io/procviewpolicies list", "cluster lxcfs.io/procviewpolicies watch",
                "cluster /namespaces list", "cluster /namespaces watch")),
                grants(Chart.render("webhook: {tls: {mode: cert-manager}, policies: {updateStatus: false}}")));
        Chart.Rendered none = Chart.render("webhook: {tls: {mode: cert-manager}, policies: {enabled: false}}");
        assertEquals(Set.of(), grants(none));
        assertTrue(none.all(ClusterRoleBinding.class).isEmpty());
        assertFalse(none.one(Deployment.class).getSpec().getTemplate().getSpec().getAutomountServiceAccountToken(),
                "no API access needed: no token");
    }

    @Test
    void bindingsGrantOnlyTheWebhookServiceAccountAndNeverTheDaemon() {
        Chart.Rendered r = Chart.render("{}");
        List<Subject> subjects = Stream.concat(
                r.all(RoleBinding.class).stream().flatMap(b -> b.getSubjects().stream()),
                r.all(ClusterRoleBinding.class).stream().flatMap(b -> b.getSubjects().stream())).toList();
        assertEquals(2, subjects.size());
        for (Subject s : subjects) {
            assertEquals("ServiceAccount", s.getKind());
            assertEquals("lxcfs-webhook", s.getName());
            assertEquals(Chart.NAMESPACE, s.getNamespace());
        }
        assertEquals("lxcfs-webhook", r.one(Deployment.class).getSpec().getTemplate().getSpec().getServiceAccountName());
        assertEquals(Set.of("lxcfs-daemon", "lxcfs-webhook"),
                Set.copyOf(r.all(ServiceAccount.class).stream().map(sa -> sa.getMetadata().getName()).toList()));
        r.all(RoleBinding.class).forEach(b -> assertEquals(b.getRoleRef().getName(), r.one(Role.class).getMetadata().getName()));
        r.all(ClusterRoleBinding.class).forEach(b ->
                assertEquals(b.getRoleRef().getName(), r.one(ClusterRole.class).getMetadata().getName()));
    }
}
