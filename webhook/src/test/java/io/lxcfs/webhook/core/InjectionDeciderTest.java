package io.lxcfs.webhook.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.junit.jupiter.api.Test;

import io.fabric8.kubernetes.api.model.LabelSelector;
import io.fabric8.kubernetes.api.model.LabelSelectorBuilder;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.lxcfs.crds.v1alpha1.ProcFileName;
import io.lxcfs.crds.v1alpha1.ProcViewPolicy;
import io.lxcfs.crds.v1alpha1.ProcViewPolicySpec;

class InjectionDeciderTest {
    static final InjectionDecider DECIDER = new InjectionDecider(new InjectionDecider.Settings("/var/lib/lxcfs",
            Set.of("kube-system", "kube-node-lease", "lxcfs"),
            Map.of("app.kubernetes.io/name", "lxcfs", "app.kubernetes.io/component", "daemon")));
    static final Map<String, String> NS_LABELS = Map.of("kubernetes.io/metadata.name", "shop", "team", "a");

    static Pod pod(Map<String, String> annotations, Map<String, String> labels) {
        return new PodBuilder().withNewMetadata().withName("p").withAnnotations(annotations).withLabels(labels)
                .endMetadata().withNewSpec().addNewContainer().withName("c").withImage("i").endContainer().endSpec()
                .build();
    }

    static ProcViewPolicy policy(String name, boolean enabled, LabelSelector ns, LabelSelector pods,
            List<ProcFileName> files, Boolean init) {
        ProcViewPolicy p = new ProcViewPolicy();
        p.setMetadata(new ObjectMetaBuilder().withName(name).build());
        ProcViewPolicySpec s = new ProcViewPolicySpec();
        s.setEnabled(enabled);
        s.setNamespaceSelector(ns);
        s.setPodSelector(pods);
        s.setFiles(files);
        s.setInitContainers(init);
        p.setSpec(s);
        return p;
    }

    static LabelSelector labels(String k, String v) {
        return new LabelSelectorBuilder().addToMatchLabels(k, v).build();
    }

    Decision decide(Pod pod, List<ProcViewPolicy> policies) {
        return DECIDER.decide("shop", NS_LABELS, pod, policies);
    }

    @Test
    void annotationTrueInjectsAllFiles() {
        Decision d = decide(pod(Map.of("lxcfs.io/enable", "true"), Map.of()), List.of());
        assertTrue(d.inject());
        assertEquals(EnumSet.allOf(ProcFileName.class), d.options().files());
        assertTrue(d.options().initContainers());
        assertEquals(List.of(), d.warnings());
    }

    @Test
    void annotationFalseWinsOverOptInPolicy() {
        Decision d = decide(pod(Map.of("lxcfs.io/enable", "false"), Map.of()),
                List.of(policy("all", true, null, null, null, null)));
        assertFalse(d.inject());
        assertEquals(SkipReason.ANNOTATION_OPT_OUT, d.skipReason());
    }

    @Test
    void annotationTrueWinsOverOptOutPolicyAndUsesMatchingOptInSettings() {
        Decision d = decide(pod(Map.of("lxcfs.io/enable", "true"), Map.of()),
                List.of(policy("off", false, null, null, null, null),
                        policy("mem", true, null, null, List.of(ProcFileName.meminfo), false)));
        assertTrue(d.inject());
        assertEquals(EnumSet.of(ProcFileName.meminfo), d.options().files());
        assertFalse(d.options().initContainers());
    }

    @Test
    void otherAnnotationValuesSkipWithAWarning() {
        for (String v : List.of("yes", "True", "1", "", " true")) {
            Decision d = decide(pod(Map.of("lxcfs.io/enable", v), Map.of()),
                    List.of(policy("all", true, null, null, null, null)));
            assertFalse(d.inject(), v);
            assertEquals(SkipReason.INVALID_ANNOTATION, d.skipReason());
            assertEquals(1, d.warnings().size());
            assertTrue(d.warnings().get(0).contains("\"true\" or \"false\""), d.warnings().get(0));
        }
    }

    @Test
    void noAnnotationNoPolicyIsNotSelected() {
        Decision d = decide(pod(Map.of(), Map.of()), List.of());
        assertEquals(SkipReason.NOT_SELECTED, d.skipReason());
    }

    @Test
    void policySelectsByNamespaceAndPodLabels() {
        ProcViewPolicy p = policy("team-a", true, labels("team", "a"), labels("app", "web"), null, null);
        assertTrue(decide(pod(Map.of(), Map.of("app", "web")), List.of(p)).inject());
        assertEquals(SkipReason.NOT_SELECTED, decide(pod(Map.of(), Map.of("app", "db")), List.of(p)).skipReason());
        assertEquals(SkipReason.NOT_SELECTED,
                DECIDER.decide("other", Map.of("kubernetes.io/metadata.name", "other"), pod(Map.of(), Map.of("app", "web")),
                        List.of(p)).skipReason());
    }

    @Test
    void optOutWinsAmongPolicies() {
        List<ProcViewPolicy> ps = List.of(policy("in", true, null, null, null, null),
                policy("out", false, null, labels("batch", "true"), null, null));
        assertEquals(SkipReason.POLICY_OPT_OUT, decide(pod(Map.of(), Map.of("batch", "true")), ps).skipReason());
        assertTrue(decide(pod(Map.of(), Map.of("batch", "false")), ps).inject());
        // order does not matter
        assertEquals(SkipReason.POLICY_OPT_OUT,
                decide(pod(Map.of(), Map.of("batch", "true")), List.of(ps.get(1), ps.get(0))).skipReason());
    }

    @Test
    void optInPoliciesMergeFilesByUnionAndInitContainersByAny() {
        Decision d = decide(pod(Map.of(), Map.of()), List.of(
                policy("a", true, null, null, List.of(ProcFileName.meminfo), false),
                policy("b", true, null, null, List.of(ProcFileName.cpuinfo, ProcFileName.meminfo), true)));
        assertEquals(EnumSet.of(ProcFileName.meminfo, ProcFileName.cpuinfo), d.options().files());
        assertTrue(d.options().initContainers());
        Decision d2 = decide(pod(Map.of(), Map.of()), List.of(
                policy("a", true, null, null, List.of(ProcFileName.meminfo), false),
                policy("b", true, null, null, null, false)));
        assertEquals(EnumSet.allOf(ProcFileName.class), d2.options().files(), "absent files = all");
        assertFalse(d2.options().initContainers());
    }

    @Test
    void excludedNamespacesWindowsAndDaemonPodsAreNeverMutated() {
        Pod annotated = pod(Map.of("lxcfs.io/enable", "true"), Map.of());
        assertEquals(SkipReason.EXCLUDED_NAMESPACE,
                DECIDER.decide("kube-system", Map.of(), annotated, List.of()).skipReason());
        assertEquals(SkipReason.EXCLUDED_NAMESPACE, DECIDER.decide("lxcfs", Map.of(), annotated, List.of()).skipReason());

        Pod win = new PodBuilder(annotated).editSpec().withNewOs("windows").endSpec().build();
        assertEquals(SkipReason.WINDOWS, decide(win, List.of()).skipReason());

        Pod daemon = new PodBuilder(pod(Map.of("lxcfs.io/enable", "true"),
                Map.of("app.kubernetes.io/name", "lxcfs", "app.kubernetes.io/component", "daemon")))
                .editSpec().withHostPID(true).endSpec().build();
        assertEquals(SkipReason.DAEMON_POD, decide(daemon, List.of()).skipReason());
        Pod hostPidOnly = new PodBuilder(annotated).editSpec().withHostPID(true).endSpec().build();
        assertTrue(decide(hostPidOnly, List.of()).inject(), "other hostPID pods may opt in");
    }

    @Test
    void labelSelectorExpressions() {
        Map<String, String> l = Map.of("tier", "web", "env", "prod");
        assertTrue(LabelSelectors.matches(null, l));
        assertTrue(LabelSelectors.matches(new LabelSelector(), l));
        assertTrue(LabelSelectors.matches(expr("tier", "In", "web", "api"), l));
        assertFalse(LabelSelectors.matches(expr("tier", "NotIn", "web"), l));
        assertTrue(LabelSelectors.matches(expr("missing", "NotIn", "x"), l));
        assertTrue(LabelSelectors.matches(expr("env", "Exists"), l));
        assertFalse(LabelSelectors.matches(expr("env", "DoesNotExist"), l));
        assertFalse(LabelSelectors.matches(expr("env", "Bogus", "prod"), l), "invalid operator selects nothing");
        assertFalse(LabelSelectors.matches(labels("env", "dev"), l));
        assertTrue(LabelSelectors.matches(labels("env", "prod"), null) == false);
    }

    static LabelSelector expr(String key, String op, String... values) {
        return new LabelSelectorBuilder().addNewMatchExpression().withKey(key).withOperator(op).withValues(values)
                .endMatchExpression().build();
    }

    static Pod withHostUsers(Pod pod, Boolean hostUsers) {
        pod.getSpec().setHostUsers(hostUsers);
        return pod;
    }

    @Test
    void podInAUserNamespaceIsLeftAloneWithAWarningThatSaysWhy() {
        Decision d = decide(withHostUsers(pod(Map.of("lxcfs.io/enable", "true"), Map.of()), false), List.of());
        assertFalse(d.inject());
        assertEquals(SkipReason.USER_NAMESPACE, d.skipReason());
        assertEquals(1, d.warnings().size());
        String w = d.warnings().get(0);
        assertTrue(w.contains("hostUsers: false") && w.contains("idmapped") && w.contains("FUSE_ALLOW_IDMAP")
                && w.contains("not injected"), w);

        // selected by a policy instead of the annotation: the same
        Decision byPolicy = decide(withHostUsers(pod(Map.of(), Map.of()), false),
                List.of(policy("all", true, null, null, null, null)));
        assertEquals(SkipReason.USER_NAMESPACE, byPolicy.skipReason());
        assertEquals(List.of(InjectionDecider.USER_NAMESPACE_WARNING), byPolicy.warnings());
    }

    @Test
    void userNamespacePodThatWouldNotGetTheViewAnywayGetsNoWarning() {
        Decision notSelected = decide(withHostUsers(pod(Map.of(), Map.of()), false), List.of());
        assertEquals(SkipReason.NOT_SELECTED, notSelected.skipReason());
        assertEquals(List.of(), notSelected.warnings());
        Decision optOut = decide(withHostUsers(pod(Map.of("lxcfs.io/enable", "false"), Map.of()), false), List.of());
        assertEquals(SkipReason.ANNOTATION_OPT_OUT, optOut.skipReason());
        assertEquals(List.of(), optOut.warnings());
    }

    @Test
    void hostUsersTrueOrUnsetIsInjectedAsUsual() {
        assertTrue(decide(withHostUsers(pod(Map.of("lxcfs.io/enable", "true"), Map.of()), true), List.of()).inject());
        assertTrue(decide(withHostUsers(pod(Map.of("lxcfs.io/enable", "true"), Map.of()), null), List.of()).inject());
    }
}
