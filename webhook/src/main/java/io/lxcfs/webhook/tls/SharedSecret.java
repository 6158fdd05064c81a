package io.lxcfs.webhook.tls;

import java.time.Instant;
import java.util.List;

import org.jboss.logging.Logger;

import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.lxcfs.webhook.config.WebhookConfig.Mode;

/**
 * Mode {@code self-managed}: the webhook's own CA and serving certificate for the Service names, shared by all
 * replicas through one Secret and published as the caBundle. Whichever replica finds the Secret missing, incomplete,
 * not for the names or due writes a new one; a replica that loses that race (409) takes the winner's.
 *
 * <p>While the Kubernetes API does not answer, it serves the {@code fallback} (a local certificate) and switches to
 * the shared one at the first check that reaches the API.
 */
final class SharedSecret implements ServingSource {
    private static final Logger LOG = Logger.getLogger(SharedSecret.class);
    static final String MANAGED_BY = "lxcfs-webhook";

    private final KubernetesClient client;
    private final String namespace;
    private final String name;
    private final List<String> names;
    private final ServingIssuer issuer;
    private final CaBundlePublisher caBundle;
    private final ServingSource fallback;
    private volatile boolean shared;
    private boolean warnedApi;

    SharedSecret(KubernetesClient client, String namespace, String name, List<String> names, ServingIssuer issuer,
            CaBundlePublisher caBundle, ServingSource fallback) {
        this.client = client;
        this.namespace = namespace;
        this.name = name;
        this.names = List.copyOf(names);
        this.issuer = issuer;
        this.caBundle = caBundle;
        this.fallback = fallback;
    }

    @Override
    public ServingMaterial initial(Instant now) {
        try {
            ServingMaterial m = readOrWrite(now);
            shared = true;
            return m;
        } catch (KubernetesClientException e) {
            LOG.warnf("TLS mode self-managed but the Kubernetes API is not reachable (%s): serving a local "
                    + "self-signed certificate until it is", e.getMessage());
            warnedApi = true;
            return fallback.initial(now);
        }
    }

    @Override
    public ServingMaterial refresh(ServingMaterial current, Instant now) {
        try {
            ServingMaterial m = readOrWrite(now);
            if (!shared) {
                LOG.info("Kubernetes API reachable: switching to the shared self-managed certificate");
                shared = true;
            }
            return m;
        } catch (KubernetesClientException e) {
            if (!warnedApi) {
                LOG.warnf("Kubernetes API not reachable for certificate maintenance: %s", e.getMessage());
                warnedApi = true;
            }
            return shared ? current : fallback.refresh(current, now);
        }
    }

    private ServingMaterial readOrWrite(Instant now) {
        Secret secret = client.secrets().inNamespace(namespace).withName(name).get();
        ServingMaterial m = secret == null ? null : TlsSecretCodec.decode(secret, true);
        if (issuer.policy().needsNew(m, names, now)) {
            m = write(secret, issuer.issue(m, names, now));
        }
        caBundle.publish(m.caBundlePem());
        return m;
    }

    /** Writes {@code renewed} into the Secret; what another replica wrote first when it won the race. */
    private ServingMaterial write(Secret secret, ServingMaterial renewed) {
        try {
            if (secret == null) {
                client.secrets().inNamespace(namespace).resource(new SecretBuilder().withNewMetadata().withName(name)
                        .withNamespace(namespace).addToLabels("app.kubernetes.io/managed-by", MANAGED_BY).endMetadata()
                        .withType(TlsSecretCodec.TYPE).withData(TlsSecretCodec.encode(renewed)).build()).create();
                LOG.infof("created Secret %s/%s with a new CA and serving certificate", namespace, name);
            } else {
                // optimistic: the resourceVersion read is kept, so a concurrent writer makes this a 409
                client.secrets().inNamespace(namespace)
                        .resource(new SecretBuilder(secret).withData(TlsSecretCodec.encode(renewed)).build()).update();
                LOG.infof("renewed the certificate in Secret %s/%s (expires %s)", namespace, name, renewed.leafNotAfter());
            }
            return renewed;
        } catch (KubernetesClientException e) {
            if (e.getCode() != 409) {
                throw e;
            }
            Secret theirs = client.secrets().inNamespace(namespace).withName(name).get();
            ServingMaterial m = theirs == null ? null : TlsSecretCodec.decode(theirs, true);
            if (m == null) {
                throw e;
            }
            LOG.infof("Secret %s/%s was written by another replica; using its certificate", namespace, name);
            return m;
        }
    }

    @Override
    public Mode mode() {
        return shared ? Mode.SELF_MANAGED : fallback.mode();
    }

    @Override
    public String describe(ServingMaterial served) {
        return shared ? String.format("TLS: self-managed certificate from Secret %s/%s for %s, expires %s", namespace,
                name, names, served.leafNotAfter()) : fallback.describe(served);
    }
}
