package io.lxcfs.chart;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.reflect.Method;
import java.util.Locale;
import java.util.Set;
import java.util.TreeSet;

import org.junit.jupiter.api.Test;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.apps.DaemonSet;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.lxcfs.daemon.app.DaemonConfig;
import io.lxcfs.webhook.config.WebhookConfig;
import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithName;

/**
 * Every LXCFS_* variable the chart sets names a real property of the daemon's or the webhook's configuration
 * (SmallRye maps a variable to a property when the property, upper-cased with non-alphanumerics as '_', equals it):
 * a misspelt variable would otherwise be ignored silently.
 */
class ChartConfigMappingTest {
    /** Quarkus properties the chart sets besides the applications' own. */
    static final Set<String> QUARKUS = Set.of("QUARKUS_HTTP_PORT", "QUARKUS_LOG_CATEGORY__IO_LXCFS__LEVEL", "JAVA_OPTS");

    /** Variables the daemon's start script reads itself (the keeper's settings), found in the script's text. */
    static boolean readByStartScript(String name) {
        try {
            return java.nio.file.Files.readString(java.nio.file.Path.of("../daemon/bin/lxcfs-daemon"))
                    .contains("${" + name + ":");
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    static Set<String> envNames(Class<?> mapping) {
        Set<String> out = new TreeSet<>();
        collect(mapping.getAnnotation(ConfigMapping.class).prefix(), mapping, out);
        return out;
    }

    private static void collect(String prefix, Class<?> type, Set<String> out) {
        for (Method m : type.getMethods()) {
            if (m.getParameterCount() != 0 || m.isDefault()) {
                continue;
            }
            WithName n = m.getAnnotation(WithName.class);
            String name = prefix + "." + (n != null ? n.value() : kebab(m.getName()));
            if (m.getReturnType().isInterface() && m.getReturnType().getName().startsWith("io.lxcfs.")) {
                collect(name, m.getReturnType(), out);
            } else {
                out.add(name.toUpperCase(Locale.ROOT).replaceAll("[^A-Z0-9]", "_"));
            }
        }
    }

    private static String kebab(String camel) {
        return camel.replaceAll("([a-z0-9])([A-Z])", "$1-$2").toLowerCase(Locale.ROOT);
    }

    static Set<String> setByChart(Container c) {
        Set<String> out = new TreeSet<>();
        c.getEnv().stream().map(EnvVar::getName).forEach(out::add);
        return out;
    }

    /** Values under which the chart sets every variable it can, in one TLS mode. */
    static String everything(String mode) {
        return "daemon: {cgroupNamespaceRoot: /x, javaOpts: -Xss1m}\n"
                + "webhook: {javaOpts: -Xss1m, tls: {extraSans: [a], mode: " + mode + ", secret: {name: t}}}";
    }

    @Test
    void daemonVariablesAreDaemonProperties() {
        Set<String> known = envNames(DaemonConfig.class);
        assertTrue(known.contains("LXCFS_MOUNT_PATH"), known.toString()); // the reflection itself works
        Container c = Chart.render(everything("self-managed")).one(DaemonSet.class).getSpec().getTemplate().getSpec().getContainers().get(0);
        for (String name : setByChart(c)) {
            assertTrue(known.contains(name) || QUARKUS.contains(name) || readByStartScript(name),
                    name + " is not a daemon setting; known: " + known);
        }
    }

    @Test
    void webhookVariablesAreWebhookProperties() {
        Set<String> known = envNames(WebhookConfig.class);
        assertTrue(known.contains("LXCFS_WEBHOOK_POLICIES_ENABLED"), known.toString()); // @WithName honoured
        assertTrue(known.contains("LXCFS_WEBHOOK_TLS_WEBHOOK_CONFIGURATION_NAME"), known.toString());
        for (String mode : new String[] {"self-managed", "cert-manager", "secret"}) {
            Container c = Chart.render(everything(mode)).one(Deployment.class).getSpec().getTemplate().getSpec()
                    .getContainers().get(0);
            assertEquals("webhook", c.getName());
            for (String name : setByChart(c)) {
                assertTrue(known.contains(name) || QUARKUS.contains(name), mode + ": " + name
                        + " is not a webhook setting; known: " + known);
            }
        }
    }
}
