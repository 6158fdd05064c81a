package io.lxcfs.webhook.tls;

import java.nio.charset.StandardCharsets;
import java.util.Base64;

import org.jboss.logging.Logger;

import io.fabric8.kubernetes.api.model.admissionregistration.v1.MutatingWebhook;
import io.fabric8.kubernetes.api.model.admissionregistration.v1.MutatingWebhookConfiguration;
import io.fabric8.kubernetes.api.model.admissionregistration.v1.WebhookClientConfig;
import io.fabric8.kubernetes.client.KubernetesClient;

/**
 * Keeps the {@code caBundle} of every webhook of one MutatingWebhookConfiguration equal to the CA bundle served.
 * Called at every check, so that drift (someone reset the field, the chart was re-applied) is repaired; writes only
 * when a webhook differs.
 */
final class CaBundlePublisher {
    private static final Logger LOG = Logger.getLogger(CaBundlePublisher.class);

    private final KubernetesClient client;
    private final String configurationName;
    private volatile boolean warnedMissing;

    CaBundlePublisher(KubernetesClient client, String configurationName) {
        this.client = client;
        this.configurationName = configurationName;
    }

    void publish(String caBundlePem) {
        String encoded = Base64.getEncoder().encodeToString(caBundlePem.getBytes(StandardCharsets.US_ASCII));
        var resource = client.admissionRegistration().v1().mutatingWebhookConfigurations().withName(configurationName);
        MutatingWebhookConfiguration mwc = resource.get();
        if (mwc == null) {
            if (!warnedMissing) {
                LOG.warnf("MutatingWebhookConfiguration %s not found: caBundle not written (will retry)", configurationName);
                warnedMissing = true;
            }
            return;
        }
        warnedMissing = false;
        boolean stale = mwc.getWebhooks() != null && mwc.getWebhooks().stream().anyMatch(w -> w.getClientConfig() == null
                || !encoded.equals(w.getClientConfig().getCaBundle()));
        if (!stale) {
            return;
        }
        resource.edit(m -> {
            for (MutatingWebhook w : m.getWebhooks()) {
                if (w.getClientConfig() == null) {
                    w.setClientConfig(new WebhookClientConfig());
                }
                w.getClientConfig().setCaBundle(encoded);
            }
            return m;
        });
        LOG.infof("wrote caBundle into MutatingWebhookConfiguration %s", configurationName);
    }
}
