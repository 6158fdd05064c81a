package io.lxcfs.chart;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;

import io.lxcfs.daemon.app.DaemonConfig;
import io.lxcfs.webhook.config.WebhookConfig;
import io.smallrye.config.WithDefault;

/**
 * The view's default mount path is written where each deployable reads it (the daemon's and the webhook's
 * configuration, the chart's values, the daemon's start script), which share no code: they must agree, or a
 * default install would inject paths the daemon does not serve.
 */
class DefaultMountPathTest {

    static String defaultOf(Class<?> mapping, String method) throws NoSuchMethodException {
        return mapping.getMethod(method).getAnnotation(WithDefault.class).value();
    }

    /** {@code ${NAME:-value}} in the daemon's start script. */
    static String startScriptDefault(String variable) throws IOException {
        String script = Files.readString(Path.of("../daemon/bin/lxcfs-daemon"));
        Matcher m = Pattern.compile(Pattern.quote("${" + variable + ":-") + "([^}]*)}").matcher(script);
        assertTrue(m.find(), variable + " has no default in the start script");
        return m.group(1);
    }

    @Test
    void everyDeployableHasTheSameDefaultMountPath() throws Exception {
        String daemon = defaultOf(DaemonConfig.class, "mountPath");
        assertEquals("/var/lib/lxcfs", daemon);
        assertEquals(daemon, defaultOf(WebhookConfig.class, "mountPath"), "webhook");
        assertEquals(daemon, Chart.YAML.readTree(Chart.dir().resolve("values.yaml").toFile()).path("mountPath").asText(),
                "chart values.yaml");
        assertEquals(daemon, startScriptDefault("LXCFS_MOUNT_PATH"), "daemon/bin/lxcfs-daemon");
    }

    @Test
    void theStartScriptAndTheDaemonShareTheStagingDirectory() throws Exception {
        assertEquals(defaultOf(DaemonConfig.Reconcile.class, "stagingDir"), startScriptDefault("LXCFS_RECONCILE_STAGING_DIR"));
    }
}
