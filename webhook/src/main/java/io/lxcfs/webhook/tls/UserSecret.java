package io.lxcfs.webhook.tls;

import java.time.Instant;

import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.lxcfs.webhook.config.WebhookConfig.Mode;

/**
 * Mode {@code secret}: a {@code kubernetes.io/tls} Secret the user provides, re-read at every check; its
 * {@code ca.crt}, when present, is published as the caBundle.
 */
final class UserSecret implements ServingSource {
    private final KubernetesClient client;
    private final String namespace;
    private final String name;
    private final CaBundlePublisher caBundle;

    UserSecret(KubernetesClient client, String namespace, String name, CaBundlePublisher caBundle) {
        this.client = client;
        this.namespace = namespace;
        this.name = name;
        this.caBundle = caBundle;
    }

    @Override
    public ServingMaterial initial(Instant now) {
        return read();
    }

    @Override
    public ServingMaterial refresh(ServingMaterial current, Instant now) {
        return read();
    }

    private ServingMaterial read() {
        Secret s = client.secrets().inNamespace(namespace).withName(name).get();
        if (s == null) {
            throw new IllegalStateException("TLS mode secret: Secret " + namespace + "/" + name + " not found");
        }
        ServingMaterial m = TlsSecretCodec.decode(s, false);
        if (m == null) {
            throw new IllegalStateException("TLS mode secret: Secret " + namespace + "/" + name
                    + " needs PEM tls.crt and tls.key");
        }
        if (m.caBundlePem() != null) {
            caBundle.publish(m.caBundlePem());
        }
        return m;
    }

    @Override
    public Mode mode() {
        return Mode.SECRET;
    }

    @Override
    public String describe(ServingMaterial served) {
        return String.format("TLS: certificate from Secret %s/%s, expires %s", namespace, name, served.leafNotAfter());
    }
}
