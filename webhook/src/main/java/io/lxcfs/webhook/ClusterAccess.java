package io.lxcfs.webhook;

import java.nio.file.Files;
import java.nio.file.Path;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import org.eclipse.microprofile.config.ConfigProvider;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.lxcfs.webhook.config.WebhookConfig;

/**
 * Whether a Kubernetes API is configured at all (in-cluster service account, a kubeconfig, or an explicit API server
 * URL), the client, and the webhook's namespace. Without a configured API the webhook runs stand-alone: local TLS,
 * no policies, and it never tries to connect.
 */
@ApplicationScoped
public class ClusterAccess {
    @Inject
    KubernetesClient client;
    @Inject
    WebhookConfig config;

    private volatile Boolean configured;

    public boolean configured() {
        Boolean c = configured;
        if (c == null) {
            c = detect();
            configured = c;
        }
        return c;
    }

    private static boolean detect() {
        if (System.getenv("KUBERNETES_SERVICE_HOST") != null) {
            return true;
        }
        if (System.getProperty("kubernetes.master") != null || System.getenv("KUBERNETES_MASTER") != null) {
            return true;
        }
        var cfg = ConfigProvider.getConfig();
        if (cfg.getOptionalValue("quarkus.kubernetes-client.api-server-url", String.class).isPresent()) {
            return true;
        }
        String kubeconfig = System.getenv("KUBECONFIG");
        if (kubeconfig != null && !kubeconfig.isBlank()) {
            return Files.isRegularFile(Path.of(kubeconfig.split(java.io.File.pathSeparator)[0]));
        }
        return Files.isRegularFile(Path.of(System.getProperty("user.home"), ".kube", "config"));
    }

    public KubernetesClient client() {
        return client;
    }

    /** lxcfs.webhook.namespace, else the client's namespace (service account / kubeconfig), else "default". */
    public String namespace() {
        if (config.namespace().isPresent()) {
            return config.namespace().get();
        }
        String ns = configured() ? client.getNamespace() : null;
        return ns == null || ns.isBlank() ? "default" : ns;
    }
}
