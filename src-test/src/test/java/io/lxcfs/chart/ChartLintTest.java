package io.lxcfs.chart;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import com.marcnuri.helm.LintResult;

/** {@code helm lint --strict}: defaults and every TLS mode, with no warning or error. */
class ChartLintTest {

    @ParameterizedTest
    @ValueSource(strings = {"{}", "webhook: {tls: {mode: self-managed}}", "webhook: {tls: {mode: cert-manager}}",
            "webhook: {tls: {mode: secret, secret: {name: my-tls}}}",
            "metrics: {serviceMonitor: {enabled: true}}\npolicies: [{name: p, spec: {enabled: true}}]"})
    void strictLintIsClean(String values) {
        LintResult r = Chart.lint(Chart.values(values));
        assertFalse(r.isFailed(), values + ": " + r.getMessages());
        // strict lint fails on warnings; informational notes (e.g. "icon is recommended") are all that may remain
        List<String> notInfo = r.getMessages().stream().filter(m -> !m.startsWith("[INFO]")).toList();
        assertEquals(List.of(), notInfo, values);
    }

    @Test
    void strictLintCatchesABrokenValue() {
        LintResult r = Chart.lint(Chart.values("webhook: {failurePolicy: Sometimes}"));
        assertTrue(r.isFailed(), r.getMessages().toString());
    }

    @ParameterizedTest
    @ValueSource(strings = {"self-managed", "cert-manager", "secret"})
    void notesTellHowToCheckAPod(String mode) {
        String notes = Chart.notes(Chart.values(ChartRenderTest.tlsMode(mode)));
        assertTrue(notes.contains("rollout status daemonset/lxcfs-daemon"), notes);
        assertTrue(notes.contains("rollout status deployment/lxcfs-webhook"), notes);
        assertTrue(notes.contains("--annotations=lxcfs.io/enable=true"), notes);
        assertTrue(notes.contains("kubectl exec lxcfs-demo -- cat /proc/meminfo"), notes);
        assertTrue(notes.contains("lxcfs.io/status"), notes);
        assertTrue(notes.contains("outside " + Chart.NAMESPACE + ", kube-system, kube-node-lease"), notes);
        assertTrue(notes.contains("certificate lxcfs-webhook") == mode.equals("cert-manager"), notes);
        assertTrue(notes.contains("caBundle") == mode.equals("self-managed"), notes);
    }
}
