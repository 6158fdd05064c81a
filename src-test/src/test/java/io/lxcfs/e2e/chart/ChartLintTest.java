package io.lxcfs.e2e.chart;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
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

    @Test
    void notesTellHowToCheckAPod() throws Exception {
        String notes = Files.readString(Chart.dir().resolve("templates/NOTES.txt"));
        assertTrue(notes.contains("lxcfs.io/enable"), notes);
        assertTrue(notes.contains("kubectl exec") && notes.contains("cat /proc/meminfo"), notes);
        assertTrue(notes.contains("lxcfs.io/status"), notes);
    }
}
